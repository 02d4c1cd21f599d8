//! Parallel rendering: the graph's bundles, run in any order or on several
//! threads, give output bit-identical to one thread.

use super::*;
use dsp::graph::{Runner, Serial};
use dsp::render::render_graph_with;
use dsp::NoteEvent;

/// Runs the bundles on the calling thread, last first: a bundle that read
/// another bundle's output would read it stale and change the result.
struct Reversed;

impl Runner for Reversed {
    fn run(&mut self, parts: usize, job: &(dyn Fn(usize) + Sync)) {
        for k in (0..parts).rev() {
            job(k);
        }
    }
}

/// Runs the bundles on `0` threads at once, each claiming the next unclaimed one.
struct Threads(usize);

impl Runner for Threads {
    fn run(&mut self, parts: usize, job: &(dyn Fn(usize) + Sync)) {
        let next = AtomicUsize::new(0);
        let work = || loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            if k >= parts {
                break;
            }
            job(k);
        };
        std::thread::scope(|s| {
            for _ in 1..self.0 {
                s.spawn(work);
            }
            work();
        });
    }
}

/// Twelve voices of saw → ladder → adsr → vca into `out`, gates opened at once.
fn voices() -> (String, Vec<String>) {
    many_voices(12)
}

/// `n` voices of saw → ladder → adsr → vca into `out`, gates opened at once.
fn many_voices(n: usize) -> (String, Vec<String>) {
    let mut t = String::from("create out output\n");
    let mut gates = Vec::new();
    for v in 0..n {
        t += &voice(v);
        gates.push(format!("env{v}"));
    }
    (t, gates)
}

/// Voice `v` of [`many_voices`]: saw → ladder → adsr → vca into `out`.
fn voice(v: usize) -> String {
    format!(
        "create osc{v} saw freq={}\ncreate flt{v} ladder cutoff={}\ncreate env{v} adsr\n\
         create amp{v} vca gain=0.1\nconnect osc{v} flt{v}\nconnect flt{v} env{v}\n\
         connect env{v} amp{v}\nconnect amp{v} out\n",
        55 + 7 * v,
        400 + 50 * v
    )
}

/// Chains meeting at a mixer, then a reverb into the output.
fn chains() -> String {
    let mut t = String::from("create mix mixer\ncreate verb reverb\ncreate out output\n");
    for v in 1..=4 {
        t += &format!(
            "create osc{v} square freq={}\ncreate flt{v} svf cutoff={}\n\
             connect osc{v} flt{v}\nconnect flt{v} mix.in{v}\n",
            100 * v,
            300 * v
        );
    }
    t + "connect mix verb\nconnect verb out\n"
}

/// Voices sharing one modulator, beside voices with their own.
fn shared_modulator() -> String {
    let mut t = String::from("create out output\ncreate lfo sine freq=3 gain=4\n");
    for v in 0..8 {
        t += &format!(
            "create osc{v} sine freq={} gain=0.05\nconnect osc{v} out\n",
            200 + 30 * v
        );
        if v % 2 == 0 {
            t += &format!("connect lfo osc{v}.freq\n");
        }
    }
    t
}

/// Voices through feedback delays, summed with no output module.
fn feedback_delay() -> String {
    let mut t = String::new();
    for v in 0..6 {
        t += &format!(
            "create osc{v} saw freq={} gain=0.1\ncreate d{v} delay time=0.003 feedback=0.9 mix=0.7\n\
             connect osc{v} d{v}\n",
            110 + 20 * v
        );
    }
    t
}

/// An instrument of many sounding voices (two unison copies each, in 32
/// voice groups), beside a drone: 40 notes at frame 100, half released at
/// 1500 (a short release: they end within the render), ten more at 2500
/// (some steal, fading out).
fn instrument() -> (String, Vec<(u64, Event)>) {
    let text = "voice lead count=48 unison=2 detune=10 steal=oldest\n\
                create osc saw gain=0.3\n\
                create filt ladder cutoff=1500 resonance=0.4\n\
                create env adsr attack=3 decay=100 sustain=0.6 release=5\n\
                create amp vca\n\
                connect note.freq osc.freq\n\
                connect note.gate env.gate\n\
                connect note.vel amp.cv\n\
                connect osc filt\nconnect filt env\nconnect env amp\n\
                end\n\
                create drone saw freq=55 gain=0.05\n\
                create out output\nconnect lead out\nconnect drone out\n";
    let note = |frame, n: u8, on| {
        let kind = if on {
            NoteEvent::On {
                note: n as f32,
                vel: 0.5 + n as f32 / 200.0,
            }
        } else {
            NoteEvent::Off { note: n as f32 }
        };
        (frame, ev(0, "lead", EventKind::Note(kind)))
    };
    let mut events: Vec<_> = (30..70).map(|n| note(100, n, true)).collect();
    events.extend((30..70).step_by(2).map(|n| note(1500, n, false)));
    events.extend((75..85).map(|n| note(2500, n, true)));
    (text.to_string(), events)
}

/// Renders `text` with `runner`, gates of `gates` opening at frame 100.
fn render(reg: &Registry, text: &str, gates: &[String], runner: &mut dyn Runner) -> Vec<Vec<f32>> {
    let events: Vec<(u64, Event)> = gates
        .iter()
        .map(|m| (100, ev(0, m, EventKind::Gate(true))))
        .collect();
    render_events(reg, text, &events, runner)
}

/// Renders `text` with `runner` and `events`.
fn render_events(
    reg: &Registry,
    text: &str,
    events: &[(u64, Event)],
    runner: &mut dyn Runner,
) -> Vec<Vec<f32>> {
    render_blocks(reg, text, events, 256, runner)
}

/// Renders `text` with `runner` and `events`, `block` frames per call.
fn render_blocks(
    reg: &Registry,
    text: &str,
    events: &[(u64, Event)],
    block: usize,
    runner: &mut dyn Runner,
) -> Vec<Vec<f32>> {
    let mut g = compile(reg, &parse(reg, text), 2);
    render_graph_with(&mut g, events, 4800, block, runner)
}

/// Runs the bundles on the calling thread in order, noting the most jobs of one block.
struct Counting(usize);

impl Runner for Counting {
    fn run(&mut self, parts: usize, job: &(dyn Fn(usize) + Sync)) {
        self.0 = self.0.max(parts);
        Serial.run(parts, job);
    }
}

fn bits(x: &[Vec<f32>]) -> Vec<Vec<u32>> {
    x.iter()
        .map(|c| c.iter().map(|v| v.to_bits()).collect())
        .collect()
}

#[test]
fn bundles_render_bit_identically_in_any_order_and_on_any_thread_count() {
    let reg = test_registry();
    let (v, gates) = voices();
    // Bundles of several voices each, the first of eight.
    let (many, many_gates) = many_voices(128);
    let cases = [
        ("voices", v, gates, 12),
        ("many voices", many, many_gates, 45),
        ("chains", chains(), vec![], 4),
        ("shared modulator", shared_modulator(), vec![], 5),
        ("feedback delay", feedback_delay(), vec![], 6),
    ];
    for (name, text, gates, bundles) in cases {
        let g = compile(&reg, &parse(&reg, &text), 2);
        assert_eq!(
            g.layout().bundles.len(),
            bundles,
            "{name}: {:?}",
            g.layout()
        );
        let one = render(&reg, &text, &gates, &mut Serial);
        assert!(one[0].iter().any(|x| x.abs() > 1e-4), "{name}: silent");
        for (label, runner) in [
            ("reversed", &mut Reversed as &mut dyn Runner),
            ("2 threads", &mut Threads(2)),
            ("4 threads", &mut Threads(4)),
        ] {
            let out = render(&reg, &text, &gates, runner);
            assert!(bits(&out) == bits(&one), "{name}: {label} differs");
        }
    }
}

#[test]
fn an_instruments_voices_render_in_groups_bit_identically_on_any_thread_count() {
    let reg = test_registry();
    let (text, events) = instrument();
    let g = compile(&reg, &parse(&reg, &text), 2);
    // The drone is the one bundle; the instrument and the output are the tail.
    assert_eq!(g.layout().bundles.len(), 1, "{:?}", g.layout());
    let mut counting = Counting(0);
    let one = render_events(&reg, &text, &events, &mut counting);
    // 80 to 100 copies sound at once: the drone's bundle and 20 or more groups.
    assert!(counting.0 >= 21, "{} jobs", counting.0);
    assert!(one[0].iter().any(|x| x.abs() > 1e-3), "silent");
    for (label, runner) in [
        ("reversed", &mut Reversed as &mut dyn Runner),
        ("2 threads", &mut Threads(2)),
        ("4 threads", &mut Threads(4)),
    ] {
        let out = render_events(&reg, &text, &events, runner);
        assert!(bits(&out) == bits(&one), "instrument: {label} differs");
    }
    // Live, where blocks end depends on when events arrive: copies that end
    // (fades, silence) must end on the same frame whatever the blocks.
    for block in [37, 64, 1000] {
        let out = render_blocks(&reg, &text, &events, block, &mut Threads(2));
        let at = out[0]
            .iter()
            .zip(&one[0])
            .position(|(a, b)| a.to_bits() != b.to_bits());
        assert!(
            bits(&out) == bits(&one),
            "instrument: {block}-frame blocks differ at {at:?}"
        );
    }
}

#[test]
fn bundles_shrink_toward_the_end_and_keep_neighbouring_voices_together() {
    let reg = test_registry();
    let mut t = String::from("create out output\n");
    for v in 0..512 {
        t += &format!(
            "create osc{v} saw\ncreate amp{v} vca\nconnect osc{v} amp{v}\nconnect amp{v} out\n"
        );
    }
    let g = compile(&reg, &parse(&reg, &t), 2);
    let l = g.layout();
    let sizes: Vec<usize> = l.bundles.iter().map(|b| b.len()).collect();
    // 1024 nodes: the first bundle a 16th of them, the last ones a 256th.
    assert_eq!(sizes[0], 64, "{sizes:?}");
    assert_eq!(sizes[sizes.len() - 1], 4, "{sizes:?}");
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    assert!(sizes.len() < 64, "{} bundles", sizes.len());
    assert_eq!(sizes.iter().sum::<usize>(), 1024);
    let mut next = 0;
    for b in &l.bundles {
        let mut voices: Vec<usize> = b
            .clone()
            .map(|i| g.id_of(i).as_str()[3..].parse().expect("voice number"))
            .collect();
        voices.sort_unstable();
        voices.dedup();
        let want: Vec<usize> = (next..next + b.len() / 2).collect();
        assert_eq!(voices, want, "bundle {b:?}");
        next += b.len() / 2;
    }
}

#[test]
fn a_join_and_everything_after_it_render_last() {
    let reg = test_registry();
    let g = compile(&reg, &parse(&reg, &chains()), 2);
    let l = g.layout();
    // mix, verb and out form the tail, after the four chains of two modules.
    assert_eq!(l.tail, 8);
    assert_eq!(g.len(), 11);
    let tail: Vec<String> = (l.tail..g.len()).map(|i| g.id_of(i).to_string()).collect();
    assert_eq!(tail, ["mix", "verb", "out"]);
}

#[test]
fn out_of_order_bundles_allocate_nothing() {
    let reg = test_registry();
    // Enough voices that the bundles also add up partial sums for the output.
    let (voices, gates) = many_voices(24);
    assert!(compile(&reg, &parse(&reg, &voices), 2).partial_sums() > 0);
    let on: Vec<Event> = gates
        .iter()
        .map(|m| ev(10, m, EventKind::Gate(true)))
        .collect();
    let (inst, notes) = instrument();
    // Every note at offset 10 of the first block (the instrument's frames don't matter here).
    let notes: Vec<Event> = notes
        .iter()
        .map(|(_, e)| Event { offset: 10, ..*e })
        .collect();
    for (text, first) in [(voices, on), (inst, notes)] {
        let mut g = compile(&reg, &parse(&reg, &text), 2);
        let mut l = vec![0.0f32; 256];
        let mut r = vec![0.0f32; 256];
        assert_no_alloc(|| {
            for b in 0..200 {
                let events = if b == 0 { &first[..] } else { &[] };
                g.process_with(&mut [&mut l[..], &mut r[..]], events, &mut Reversed);
            }
        });
        assert!(l.iter().any(|x| *x != 0.0));
    }
}

#[test]
fn a_wide_sum_is_added_up_by_the_bundles_and_equals_the_sum_of_its_voices() {
    let reg = test_registry();
    let n = 48;
    let (text, gates) = many_voices(n);
    let g = compile(&reg, &parse(&reg, &text), 2);
    assert_eq!(
        g.partial_sums(),
        n,
        "every voice's wire into out is summed by its bundle"
    );
    let (few, _) = many_voices(4);
    assert_eq!(compile(&reg, &parse(&reg, &few), 2).partial_sums(), 0);
    let all = render(&reg, &text, &gates, &mut Threads(3));
    let mut sum = vec![vec![0f64; all[0].len()]; all.len()];
    for v in 0..n {
        let alone = format!("create out output\n{}", voice(v));
        let out = render(&reg, &alone, &[format!("env{v}")], &mut Serial);
        for (s, o) in sum.iter_mut().zip(&out) {
            for (a, b) in s.iter_mut().zip(o) {
                *a += *b as f64;
            }
        }
    }
    let worst = all
        .iter()
        .zip(&sum)
        .flat_map(|(a, s)| a.iter().zip(s).map(|(x, y)| (*x as f64 - y).abs()))
        .fold(0.0, f64::max);
    assert!(all[0].iter().any(|x| x.abs() > 1e-3), "silent");
    assert!(
        worst < 1e-5,
        "differs from the sum of the voices by {worst}"
    );
}
