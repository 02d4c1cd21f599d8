//! DSP benchmarks: the cost of each module type, and of a 64-voice patch,
//! next to FunDSP's equivalent units measured in the same run.
//!
//! `cargo bench -p dsp` prints one line per item,
//! `BENCH dsp.<name> ns_per_sample=<x> fundsp_ns_per_sample=<y> ...`, writes
//! the same figures to `target/bench/dsp.json` (or `$DSP_BENCH_JSON`), then
//! runs criterion on the 64-voice patch. Arguments: a word filters items by
//! name; `--no-criterion` skips the criterion part.
//!
//! Method: 64-frame blocks at 48 kHz. Our module types run in a small
//! [`Graph`]: generators alone, processors fed by a sine on every input and
//! every connected parameter left alone; the cost of the sine and the graph
//! around it (measured as its own item, `graph_sine_only`) is subtracted.
//! For processors the sine graph is timed in alternation with each item and
//! the median of the differences is reported. FunDSP units get a
//! precomputed sine on every input. Each figure is the median of 7 timed
//! runs of about 30 ms of the thread's CPU time (not wall time, so other
//! processes on the machine count little) after a warm-up. The thread is in
//! flush-to-zero mode for good, as the engine's render threads are.

use criterion::Criterion;
use dsp::render::render_graph;
use dsp::{Event, EventKind, Graph, Name, Patch, Registry};
use fundsp::prelude32::{AudioUnit, BufferVec};
use std::hint::black_box;
use std::time::Duration;

const SR: f32 = 48000.0;
const BLOCK: usize = 64;
const VOICES: usize = 64;
/// The source feeding processors, alone: what is subtracted from them.
const SINE_ONLY: &str = "create src sine freq=220 gain=0.8\n";

/// CPU time this thread has run, in seconds: unlike the wall clock, it
/// does not count time the thread waited while other processes ran (the
/// project machine is shared), so figures hold under load.
fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write; the clock id is a constant.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Calls per timed run of `f` (about 30 ms of CPU), after a warm-up.
fn calls_per_run(f: &mut impl FnMut()) -> u64 {
    let warm = cpu_seconds();
    let mut calls = 0u64;
    while cpu_seconds() - warm < 0.04 {
        f();
        calls += 1;
    }
    let per_call = (cpu_seconds() - warm) / calls as f64;
    ((0.03 / per_call) as u64).max(1)
}

/// Nanoseconds of CPU per frame of one timed run of `n` calls of `f`.
fn run(n: u64, frames: usize, f: &mut impl FnMut()) -> f64 {
    let t = cpu_seconds();
    for _ in 0..n {
        f();
    }
    (cpu_seconds() - t) * 1e9 / (n as f64 * frames as f64)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Median CPU nanoseconds per frame of `f`, which renders `frames` frames a call.
fn measure(frames: usize, mut f: impl FnMut()) -> f64 {
    let n = calls_per_run(&mut f);
    median((0..7).map(|_| run(n, frames, &mut f)).collect())
}

/// Median CPU nanoseconds per frame of `f` and of `base`, and the median of
/// their differences, timed in alternation so that both see the same machine.
fn measure_pair(frames: usize, mut base: impl FnMut(), mut f: impl FnMut()) -> [f64; 3] {
    let (nb, nf) = (calls_per_run(&mut base), calls_per_run(&mut f));
    let pairs: Vec<(f64, f64)> = (0..7)
        .map(|_| (run(nb, frames, &mut base), run(nf, frames, &mut f)))
        .collect();
    [
        median(pairs.iter().map(|p| p.1).collect()),
        median(pairs.iter().map(|p| p.0).collect()),
        median(pairs.iter().map(|p| p.1 - p.0).collect()),
    ]
}

fn parse(reg: &Registry, text: &str) -> Patch {
    Patch::parse(reg, text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .0
}

/// Our graph, with gate-on events for `gates` in the first block.
struct Ours {
    graph: Graph,
    out: Vec<Vec<f32>>,
    first: Vec<Event>,
}

impl Ours {
    fn new(reg: &Registry, text: &str, gates: &[String]) -> Ours {
        let p = parse(reg, text);
        let graph = Graph::compile(&p, reg, SR, 2).unwrap();
        let first = gates
            .iter()
            .map(|g| Event {
                offset: 0,
                module: Name::new(g).unwrap(),
                kind: EventKind::Gate(true),
            })
            .collect();
        Ours {
            graph,
            out: vec![vec![0.0; BLOCK]; 2],
            first,
        }
    }

    fn block(&mut self) {
        let (l, r) = self.out.split_at_mut(1);
        self.graph
            .process(&mut [&mut l[0][..], &mut r[0][..]], &self.first);
        self.first.clear();
        black_box(&self.out);
    }

    fn ns_per_sample(mut self) -> f64 {
        measure(BLOCK, || self.block())
    }
}

/// A FunDSP unit with a sine on every input.
struct Theirs {
    unit: Box<dyn AudioUnit>,
    input: BufferVec,
    output: BufferVec,
}

impl Theirs {
    fn new(mut unit: Box<dyn AudioUnit>) -> Theirs {
        unit.set_sample_rate(SR as f64);
        unit.allocate();
        let mut input = BufferVec::new(unit.inputs());
        for c in 0..unit.inputs() {
            for (i, x) in input.channel_f32_mut(c).iter_mut().enumerate() {
                *x = 0.8 * (std::f32::consts::TAU * i as f32 / BLOCK as f32).sin();
            }
        }
        let output = BufferVec::new(unit.outputs());
        Theirs {
            unit,
            input,
            output,
        }
    }

    fn block(&mut self) {
        self.unit.process(
            BLOCK,
            &self.input.buffer_ref(),
            &mut self.output.buffer_mut(),
        );
        black_box(&self.output);
    }

    fn ns_per_sample(mut self) -> f64 {
        measure(BLOCK, || self.block())
    }
}

/// FunDSP units (in a module of their own: its prelude's names clash with std's).
#[path = "dsp/theirs.rs"]
mod theirs;

/// The standard registry with one buffer, `bench`: a second of a mono tone
/// at 48 kHz (a few harmonics of 110 Hz), for the types that read a buffer.
fn bench_registry() -> Registry {
    let tone: Vec<f32> = (0..SR as usize)
        .map(|i| {
            let t = std::f32::consts::TAU * 110.0 * i as f32 / SR;
            0.5 * t.sin() + 0.25 * (2.0 * t).sin() + 0.125 * (3.0 * t).sin()
        })
        .collect();
    // The benchmark never frees it: the collector is never run.
    let handle = Box::leak(Box::new(basedrop::Collector::new())).handle();
    let bench = basedrop::Shared::new(&handle, dsp::Sample::new(1, SR, tone));
    let mut reg = Registry::standard();
    reg.set_samples(std::sync::Arc::new(move |n: &str| {
        (n == "bench").then(|| bench.clone())
    }));
    reg
}

/// Our patch of one module `m` of `kind`, fed by a sine on every input.
fn single(reg: &Registry, kind: &str) -> (String, bool) {
    let spec = reg.find(kind).unwrap().spec;
    let mut t = String::new();
    if !spec.inputs.is_empty() {
        t += "create src sine freq=220 gain=0.8\n";
    }
    t += &format!("create m {kind}");
    if spec.buffer {
        // Reads the `bench` buffer (see `bench_registry`); the sampler loops it.
        t += " buffer=bench";
        if kind == "sampler" {
            t += " mode=loop";
        }
    }
    t += "\n";
    for input in spec.inputs {
        t += &format!("connect src m.{}\n", input.name);
    }
    (t, !spec.inputs.is_empty())
}

fn voices_patch() -> String {
    dsp::reference::voices(VOICES, 0)
}

fn voice_gates() -> Vec<String> {
    (0..VOICES).map(|v| format!("env{v}")).collect()
}

struct Item {
    name: String,
    fields: Vec<(&'static str, f64)>,
}

fn machine() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn json_path() -> std::path::PathBuf {
    match std::env::var_os("DSP_BENCH_JSON") {
        Some(p) => p.into(),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench/dsp.json"),
    }
}

fn write_json(items: &[Item]) {
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut s = format!(
        "{{\n  \"suite\": \"dsp\",\n  \"unix_time\": {unix},\n  \"machine\": {:?},\n  \"cores\": {},\n  \"block\": {BLOCK},\n  \"sample_rate\": {SR},\n  \"items\": [\n",
        machine(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    for (k, it) in items.iter().enumerate() {
        let fields: Vec<String> = it
            .fields
            .iter()
            .map(|(f, v)| format!("\"{f}\": {v:.3}"))
            .collect();
        s += &format!(
            "    {{\"name\": \"dsp.{}\", {}}}{}\n",
            it.name,
            fields.join(", "),
            if k + 1 < items.len() { "," } else { "" }
        );
    }
    s += "  ]\n}\n";
    let path = json_path();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(&path, s) {
        Ok(()) => eprintln!("wrote {}", path.display()),
        Err(e) => eprintln!("could not write {}: {e}", path.display()),
    }
}

fn report(items: &mut Vec<Item>, name: &str, fields: Vec<(&'static str, f64)>) {
    let text: Vec<String> = fields.iter().map(|(f, v)| format!("{f}={v:.2}")).collect();
    println!("BENCH dsp.{name} {}", text.join(" "));
    items.push(Item {
        name: name.to_string(),
        fields,
    });
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filter: Option<&String> = args.iter().find(|a| !a.starts_with('-'));
    let wanted = |name: &str| match filter {
        None => true,
        Some(f) => name.contains(f.as_str()),
    };
    let reg = bench_registry();
    let mut items = Vec::new();
    // As the engine's render threads do (FunDSP's units run in the same mode).
    dsp::denormal::flush_denormals_on_this_thread();

    // What a sine and the graph around it cost: subtracted from processors.
    let baseline = Ours::new(&reg, SINE_ONLY, &[]).ns_per_sample();
    let fundsp_sine = Theirs::new(theirs::sine()).ns_per_sample();
    report(
        &mut items,
        "graph_sine_only",
        vec![
            ("ns_per_sample", baseline),
            ("fundsp_ns_per_sample", fundsp_sine),
        ],
    );

    for t in reg.types() {
        let kind = t.spec.name;
        if kind == "output" || !wanted(kind) {
            continue;
        }
        let (text, fed) = single(&reg, kind);
        let gates = if t.spec.gate {
            vec!["m".to_string()]
        } else {
            vec![]
        };
        let mut ours = Ours::new(&reg, &text, &gates);
        let (own, total) = if fed {
            let mut base = Ours::new(&reg, SINE_ONLY, &[]);
            let [total, _, own] = measure_pair(BLOCK, || base.block(), || ours.block());
            (own.max(0.0), total)
        } else {
            let total = ours.ns_per_sample();
            (total, total)
        };
        let mut fields = vec![("ns_per_sample", own), ("graph_ns_per_sample", total)];
        if let Some(unit) = theirs::equivalent(kind) {
            let theirs = Theirs::new(unit).ns_per_sample();
            fields.push(("fundsp_ns_per_sample", theirs));
            fields.push(("ratio", own / theirs));
        }
        if kind == "sampler" {
            // Like with like: FunDSP's `playwave` steps through whole
            // frames, as ours does with `interp=none` (the default is cubic).
            let plain = text.replace("mode=loop", "mode=loop interp=none");
            let mut ours = Ours::new(&reg, &plain, &gates);
            let mut base = Ours::new(&reg, SINE_ONLY, &[]);
            let [_, _, own] = measure_pair(BLOCK, || base.block(), || ours.block());
            fields.push(("interp_none_ns_per_sample", own.max(0.0)));
        }
        if kind == "lfo" {
            // FunDSP's `lfo` computes its function about every 2 ms and
            // interpolates; ours every sample, like `sine_hz` above.
            let every_2ms = Theirs::new(theirs::lfo_control_rate()).ns_per_sample();
            fields.push(("fundsp_lfo_2ms_ns_per_sample", every_2ms));
        }
        report(&mut items, kind, fields);
    }

    let voices = reg.find("saw").is_some()
        && reg.find("ladder").is_some()
        && reg.find("adsr").is_some()
        && reg.find("vca").is_some();
    if voices && wanted("voices64") {
        let n = VOICES as f64;
        let ours = Ours::new(&reg, &voices_patch(), &voice_gates()).ns_per_sample() / n;
        let fixed = Theirs::new(theirs::voices_static()).ns_per_sample() / n;
        let net = Theirs::new(theirs::voices_net()).ns_per_sample() / n;
        report(
            &mut items,
            "voices64",
            vec![
                ("ns_per_voice_sample", ours),
                ("fundsp_ns_per_voice_sample", fixed),
                ("fundsp_net_ns_per_voice_sample", net),
                ("ratio", ours / fixed),
                // Share of one core for 64 voices in real time at 48 kHz.
                ("cpu_percent_at_48k", ours * n * SR as f64 * 1e-7),
            ],
        );
    } else if !voices {
        eprintln!("voices64 skipped: saw, ladder, adsr or vca missing");
    }
    write_json(&items);

    if voices && !args.iter().any(|a| a == "--no-criterion") && wanted("voices64") {
        let mut c = Criterion::default()
            .sample_size(20)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        let mut g = c.benchmark_group("voices64_block64");
        let mut ours = Ours::new(&reg, &voices_patch(), &voice_gates());
        g.bench_function("synth-jack", |b| b.iter(|| ours.block()));
        let mut theirs = Theirs::new(theirs::voices_static());
        g.bench_function("fundsp", |b| b.iter(|| theirs.block()));
        g.finish();
        c.final_summary();
    }

    // Sanity: the patch we time really makes sound.
    if voices {
        let p = parse(&reg, &voices_patch());
        let mut g = Graph::compile(&p, &reg, SR, 2).unwrap();
        let gates: Vec<(u64, Event)> = voice_gates()
            .iter()
            .map(|id| {
                (
                    0,
                    Event {
                        offset: 0,
                        module: Name::new(id).unwrap(),
                        kind: EventKind::Gate(true),
                    },
                )
            })
            .collect();
        let out = render_graph(&mut g, &gates, 4800, BLOCK);
        let peak = out[0].iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(peak > 0.01, "64-voice patch is silent");
    }
}
