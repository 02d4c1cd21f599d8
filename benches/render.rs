//! Parallel render scaling, offline: the engine's render pool
//! (`rt::pool::Pool`, as `--threads N` gives it) rendering a graph with 1
//! and with 2 threads, no JACK. Two patches, each `RENDER_VOICES` voices
//! (default 512) of saw → ladder → adsr → vca, all sounding:
//!
//! - `instrument`: one instrument of that many voices, every voice playing
//!   (its voices render in voice groups, `dsp/src/voice/instrument/groups.rs`);
//! - `modules`: the same voices as separate modules summed into `output`
//!   (split into bundles, `dsp/src/graph/parts.rs`).
//!
//! `cargo bench --bench render [-- instrument|modules]`. Per patch and
//! thread count: the lowest of `RENDER_ROUNDS` (default 5) timed renders of
//! `RENDER_SECONDS` (default 1) of audio at 48 kHz in 256-frame periods, the
//! thread counts interleaved, after a warm-up. Prints `BENCH render.<patch>`
//! lines: ns per voice and sample with 1 thread and with 2 (wall time), and
//! the scaling (1-thread time / 2-thread time).
//!
//! With `RENDER_PACED=1` each period starts on its deadline, as a worker's
//! does when JACK wakes it (the time between periods is not counted): the
//! render pool's helpers park between periods and are woken for each, as
//! in the engine. Back to back (the default) they never sleep.

use dsp::{Event, EventKind, Graph, Name, NoteEvent, Patch};
use std::time::{Duration, Instant};
use synth_jack::rt::pool::Pool;

const SR: f32 = 48_000.0;
const PERIOD: usize = 256;

/// A bench patch of `n` voices: its text and the events that start every voice.
type Case = fn(usize) -> (String, Vec<Event>);

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `n` voices in one instrument, and the events that start every one.
fn instrument(n: usize) -> (String, Vec<Event>) {
    let text = format!(
        "voice lead count={n} steal=none\n\
         create osc saw gain=0.3\n\
         create filt ladder cutoff=1000 resonance=0.3\n\
         create env adsr\n\
         create amp vca gain=0.1\n\
         connect note.freq osc.freq\nconnect note.gate env.gate\n\
         connect osc filt\nconnect filt env\nconnect env amp\n\
         end\ncreate out output\nconnect lead out\n"
    );
    let lead = Name::new("lead").expect("name");
    let notes = (0..n)
        .map(|k| Event {
            offset: 0,
            module: lead,
            // Distinct pitches (a repeated note would retrigger its voice).
            kind: EventKind::Note(NoteEvent::On {
                note: 30.0 + k as f32 * 0.1,
                vel: 1.0,
            }),
        })
        .collect();
    (text, notes)
}

/// The same `n` voices as separate modules, and their gates.
fn modules(n: usize) -> (String, Vec<Event>) {
    let gates = (0..n)
        .map(|v| Event {
            offset: 0,
            module: Name::new(&format!("env{v}")).expect("name"),
            kind: EventKind::Gate(true),
        })
        .collect();
    (dsp::reference::voices(n, 0), gates)
}

/// Seconds spent rendering `periods` periods with `pool`; `paced`: each
/// period starts on its deadline (a period's length after the last one's).
fn time(graph: &mut Graph, pool: &mut Pool, periods: usize, paced: bool) -> f64 {
    let (mut l, mut r) = (vec![0.0f32; PERIOD], vec![0.0f32; PERIOD]);
    let period = Duration::from_secs_f64(PERIOD as f64 / SR as f64);
    let mut rendering = Duration::ZERO;
    let mut deadline = Instant::now();
    for _ in 0..periods {
        if paced {
            if let Some(wait) = deadline.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            deadline += period;
        }
        let t = Instant::now();
        graph.process_with(&mut [&mut l[..], &mut r[..]], &[], pool);
        rendering += t.elapsed();
    }
    rendering.as_secs_f64()
}

fn main() {
    dsp::denormal::flush_denormals_on_this_thread();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let voices = env("RENDER_VOICES", 512);
    let rounds = env("RENDER_ROUNDS", 5).max(1);
    let periods = (env("RENDER_SECONDS", 1) * SR as usize).div_ceil(PERIOD);
    let paced = env("RENDER_PACED", 0) != 0;
    let reg = synth_jack::registry();
    let mut pools = [Pool::new(0, "bench-1", None), Pool::new(1, "bench-2", None)];
    let cases: [(&str, Case); 2] = [("instrument", instrument), ("modules", modules)];
    for (name, make) in cases {
        if !args.is_empty() && !args.iter().any(|a| name.contains(a.as_str())) {
            continue;
        }
        let (text, start) = make(voices);
        let (patch, _) = Patch::parse(&reg, &text).expect("bench patch parses");
        // One graph per thread count, each warmed up (voices sounding).
        let mut graphs: Vec<Graph> = (0..2)
            .map(|k| {
                let mut g = Graph::compile(&patch, &reg, SR, 2).expect("bench patch compiles");
                let (mut l, mut r) = (vec![0.0f32; PERIOD], vec![0.0f32; PERIOD]);
                g.process_with(&mut [&mut l[..], &mut r[..]], &start, &mut pools[k]);
                time(&mut g, &mut pools[k], periods / 5 + 1, paced);
                g
            })
            .collect();
        let mut best = [f64::INFINITY; 2];
        for _ in 0..rounds {
            for k in 0..2 {
                best[k] = best[k].min(time(&mut graphs[k], &mut pools[k], periods, paced));
            }
        }
        let per = |s: f64| s * 1e9 / (periods * PERIOD * voices) as f64;
        println!(
            "BENCH render.{name}{} voices={voices} ns_per_voice_sample_1thread={:.3} \
             ns_per_voice_sample_2threads={:.3} scaling={:.3}",
            if paced { ".paced" } else { "" },
            per(best[0]),
            per(best[1]),
            best[0] / best[1]
        );
    }
}
