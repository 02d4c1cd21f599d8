//! Musical time: `clock` pulses on the exact frames the tempo gives (no
//! drift over 10 minutes), `seq` steps on them, `euclid` matches the
//! reference table, relocation and a stopped transport, tempo sync.

use dsp::render::render_from;
use dsp::{Graph, Patch, Registry, Time};

/// A patch from lines `TYPE ID [param=value]...` and `SRC -> DST`.
fn patch(text: &str) -> Patch {
    let file: String = text
        .lines()
        .map(|l| match l.split_once("->") {
            Some((a, b)) => format!("connect {} {}\n", a.trim(), b.trim()),
            None => {
                let mut w = l.split_whitespace();
                let (kind, id) = (w.next().unwrap_or(""), w.next().unwrap_or(""));
                format!("create {id} {kind} {}\n", w.collect::<Vec<_>>().join(" "))
            }
        })
        .collect();
    Patch::parse(&Registry::standard(), &file).expect("patch").0
}

/// Frames where `x` rises through 0.5.
fn rises(x: &[f32], base: u64, prev: &mut f32, out: &mut Vec<u64>) {
    for (i, &v) in x.iter().enumerate() {
        if v > 0.5 && *prev <= 0.5 {
            out.push(base + i as u64);
        }
        *prev = v;
    }
}

/// Renders `graph` for `frames` frames in blocks of `block`, collecting the
/// rising edges of channel 0 (never holding more than one block).
fn edges(graph: &mut Graph, frames: u64, block: usize) -> Vec<u64> {
    let mut buf = vec![0.0f32; block];
    let mut out = Vec::new();
    let mut prev = 0.0;
    let mut done = 0u64;
    while done < frames {
        let n = block.min((frames - done) as usize);
        graph.process(&mut [&mut buf[..n]], &[]);
        rises(&buf[..n], done, &mut prev, &mut out);
        done += n as u64;
    }
    out
}

/// Exact frame of pulse `k` at `bpm_x10 / 10` BPM, `div` pulses a beat,
/// rounded half up, in integer arithmetic (the reference).
fn exact(k: u64, rate: u64, bpm_x10: u64, div: u64) -> u64 {
    let num = k as u128 * 600 * rate as u128;
    let den = (bpm_x10 * div) as u128;
    ((2 * num + den) / (2 * den)) as u64
}

#[test]
fn clock_pulses_on_the_exact_frames_for_ten_minutes() {
    for (rate, bpm_x10, div) in [(48000u64, 1234u64, 4u64), (44100, 1234, 3)] {
        let p = patch(&format!("clock c div={div}\n"));
        let mut g = Graph::compile(&p, &Registry::standard(), rate as f32, 1).unwrap();
        g.set_time(Time::new(rate as f64, bpm_x10 as f64 / 10.0, 4.0));
        let frames = 600 * rate;
        let got = edges(&mut g, frames, 1000);
        let want: Vec<u64> = (0..)
            .map(|k| exact(k, rate, bpm_x10, div))
            .take_while(|&f| f < frames)
            .collect();
        assert_eq!(got.len(), want.len(), "{rate} Hz, {bpm_x10}/10 BPM");
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "pulse {k} at {rate} Hz, {bpm_x10}/10 BPM");
        }
    }
}

#[test]
fn clock_ramps_and_swing() {
    let sr = 48000.0;
    let t = Time::new(sr, 120.0, 4.0); // 24000 frames a beat
    let p = patch("clock c div=2 swing=0.5\n");
    let out = render_from(&p, &Registry::standard(), &[], t, 1, 96000, 256).unwrap();
    let mut e = Vec::new();
    rises(&out[0], 0, &mut 0.0, &mut e);
    // Straight pulses every 12000 frames; odd ones half a pulse late.
    assert_eq!(&e[..4], &[0, 18000, 24000, 42000]);
    // Beat and bar ramps, read through outputs wired to the patch output.
    let p = patch("clock c\noutput o\nc.beat -> o.in1\nc.bar -> o.in2\n");
    let out = render_from(&p, &Registry::standard(), &[], t, 2, 96000, 100).unwrap();
    assert_eq!(out[0][12000], 0.5);
    assert_eq!(out[1][48000], 0.5);
    assert!(out[0][23999] > 0.99 && out[0][24000] == 0.0);
}

/// A seq of 8 steps with values 1..8, stepping on its own division.
const SEQ8: &str = "seq s length=8 div=4 v1=1 v2=2 v3=3 v4=4 v5=5 v6=6 v7=7 v8=8\n";

#[test]
fn seq_steps_on_the_pulse_frames() {
    let (rate, bpm_x10) = (44100u64, 1234u64);
    let t = Time::new(rate as f64, bpm_x10 as f64 / 10.0, 4.0);
    let frames = 60 * rate as usize;
    // Own division and a clock on the same grid must change on the same frames.
    for text in [
        SEQ8.to_string(),
        format!("clock c div=4\n{SEQ8}c.out -> s.clock\n"),
    ] {
        let p = patch(&format!(
            "{text}output o\ns.out -> o.in1\ns.gate -> o.in2\n"
        ));
        let out = render_from(&p, &Registry::standard(), &[], t, 2, frames, 256).unwrap();
        let (v, gate) = (&out[0], &out[1]);
        assert_eq!(v[0], 1.0, "{text}");
        for k in 1..(frames as u64 * 4 * bpm_x10 / 600 / rate) {
            let f = exact(k, rate, bpm_x10, 4) as usize;
            if f >= frames {
                break;
            }
            let want = (k % 8 + 1) as f32;
            assert_eq!(v[f], want, "step {k} at frame {f}: {text}");
            assert_ne!(v[f - 1], want, "step {k} early: {text}");
            assert_eq!(
                (gate[f - 1], gate[f]),
                (0.0, 1.0),
                "gate of step {k}: {text}"
            );
        }
    }
}

#[test]
fn seq_directions_gates_and_probability() {
    let t = Time::new(48000.0, 120.0, 4.0); // a step every 6000 frames
    let step_values = |extra: &str| {
        let p = patch(&format!("{}{extra}\n", SEQ8.trim_end()));
        let out = render_from(&p, &Registry::standard(), &[], t, 1, 6000 * 10, 256).unwrap();
        (0..10).map(|k| out[0][k * 6000 + 10]).collect::<Vec<_>>()
    };
    assert_eq!(
        step_values(" direction=backward"),
        [8., 7., 6., 5., 4., 3., 2., 1., 8., 7.]
    );
    assert_eq!(
        step_values(" direction=pingpong"),
        [1., 2., 3., 4., 5., 6., 7., 8., 7., 6.]
    );
    assert_eq!(
        step_values(" length=3"),
        [1., 2., 3., 1., 2., 3., 1., 2., 3., 1.]
    );
    // Gates: g2=0 closes step 2; p3=0 never plays step 3; p=0.5 plays some.
    let p = patch(&format!(
        "{}g2=0 p3=0 p4=0.5\noutput o\ns.gate -> o.in1\n",
        SEQ8.trim_end().to_owned() + " "
    ));
    let out = render_from(&p, &Registry::standard(), &[], t, 1, 6000 * 800, 256).unwrap();
    let on = |k: usize| out[0][k * 6000 + 10] == 1.0;
    assert!(on(0) && !on(1) && !on(2));
    let fours = (0..100).filter(|r| on(r * 8 + 3)).count();
    assert!((25..75).contains(&fours), "p=0.5 played {fours} of 100");
    // Gate length: open for half a step by default.
    assert_eq!((out[0][2999], out[0][3000]), (1.0, 0.0));
}

#[test]
fn seq_follows_relocation_and_stop() {
    let reg = Registry::standard();
    let p = patch(&format!(
        "{SEQ8}output o\ns.out -> o.in1\ns.gate -> o.in2\n"
    ));
    let mut g = Graph::compile(&p, &reg, 48000.0, 2).unwrap();
    let mut t = Time::new(48000.0, 120.0, 4.0);
    let run = |g: &mut Graph, n: usize| {
        let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
        g.process(&mut [&mut a, &mut b], &[]);
        (a, b)
    };
    g.set_time(t);
    let (v, _) = run(&mut g, 12000);
    assert_eq!((v[0], v[11999]), (1.0, 2.0));
    // Locate to step 6 (frame 5·6000 + 100): the next frame plays it.
    t.frame = 30100;
    g.set_time(t);
    let (v, gate) = run(&mut g, 6000);
    assert_eq!(v[0], 6.0);
    assert_eq!(gate[0], 1.0);
    assert_eq!(v[5900], 7.0);
    // Stop: the value holds, the gate closes, nothing advances.
    t.rolling = false;
    t.frame = 36100;
    g.set_time(t);
    let (v, gate) = run(&mut g, 48000);
    assert!(v.iter().all(|&x| x == 7.0));
    assert!(gate.iter().all(|&x| x == 0.0));
}

#[test]
fn euclid_matches_the_reference_table() {
    // Toussaint, "The Euclidean algorithm generates traditional musical rhythms".
    for (k, n, want) in [
        (3, 8, "x..x..x."),
        (5, 8, "x.xx.xx."),
        (7, 16, "x..x.x.x..x.x.x."),
    ] {
        let p = patch(&format!("euclid e k={k} n={n} div=4\n"));
        let t = Time::new(48000.0, 120.0, 4.0);
        let frames = 6000 * n * 2;
        let out = render_from(&p, &Registry::standard(), &[], t, 1, frames, 128).unwrap();
        let mut e = Vec::new();
        rises(&out[0], 0, &mut 0.0, &mut e);
        let got: String = (0..n)
            .map(|s| {
                if e.contains(&(s as u64 * 6000)) {
                    'x'
                } else {
                    '.'
                }
            })
            .collect();
        assert_eq!(got, want, "E({k},{n})");
        assert_eq!(e.len(), 2 * k, "E({k},{n}) second cycle");
        // Rotation by one step moves the pattern left.
        let p = patch(&format!("euclid e k={k} n={n} div=4 rotation=1\n"));
        let out = render_from(&p, &Registry::standard(), &[], t, 1, 6000 * n, 128).unwrap();
        let rotated: String = (0..n)
            .map(|s| if out[0][s * 6000] > 0.5 { 'x' } else { '.' })
            .collect();
        assert_eq!(
            rotated,
            format!("{}{}", &want[1..], &want[..1]),
            "E({k},{n}) rotated"
        );
    }
}

#[test]
fn clockdiv_divides_and_multiplies() {
    let t = Time::new(48000.0, 120.0, 4.0);
    let count = |text: &str| {
        let p = patch(&format!(
            "clock c div=4\nclockdiv d {text}\nc.out -> d.in\n"
        ));
        let out = render_from(&p, &Registry::standard(), &[], t, 1, 96000, 256).unwrap();
        let mut e = Vec::new();
        rises(&out[0], 0, &mut 0.0, &mut e);
        e
    };
    // 16 input pulses in a bar (every 6000 frames).
    let halves = count("div=2");
    assert_eq!(halves.len(), 8);
    assert!(halves
        .iter()
        .enumerate()
        .all(|(i, &f)| f == i as u64 * 12000));
    let doubled = count("div=1 mult=2");
    // Doubling starts once an interval is measured (from the second pulse).
    assert_eq!(&doubled[..5], &[0, 6000, 9000, 12000, 15000]);
}

#[test]
fn lfo_and_delay_follow_the_tempo() {
    let t = Time::new(48000.0, 120.0, 4.0);
    // A saw LFO synced to 1/4 restarts on every beat.
    let p = patch("lfo l shape=saw sync=1/4\n");
    let out = render_from(&p, &Registry::standard(), &[], t, 1, 48000, 64).unwrap();
    assert_eq!(out[0][0], -1.0);
    assert_eq!(out[0][24000], -1.0);
    assert!((out[0][12000]).abs() < 1e-4);
    // A delay synced to 3/16 at 120 BPM echoes 0.375 s = 18000 frames later.
    let mut t2 = t;
    t2.bpm = 120.0;
    let p = patch("clock c div=0.25 width=0\ndelay d sync=3/16 mix=1 feedback=0\nc.out -> d.in\n");
    let out = render_from(&p, &Registry::standard(), &[], t2, 1, 30000, 64).unwrap();
    let first = out[0].iter().position(|&x| x > 0.5);
    assert_eq!(first, Some(18000));
}

#[test]
fn seq_gate_opens_an_envelope_on_the_step_frame() {
    let t = Time::new(48000.0, 120.0, 4.0); // a step every 6000 frames
    let p = patch(
        "seq s length=2 div=4 g2=0\nadsr e attack=1 decay=1 sustain=1 release=1\n\
         output o\ns.gate -> e.gate\ne -> o.in1\n",
    );
    let out = render_from(&p, &Registry::standard(), &[], t, 1, 24000, 100).unwrap();
    let x = &out[0];
    // Opens on frame 0 (rising from the next sample), closes at half a step,
    // stays closed through step 2, opens again on step 3's frame.
    assert_eq!(x[0], 0.0);
    assert!(x[1] > 0.0 && x[2000] == 1.0);
    assert!(x[3000 + 100] < 0.01, "{}", x[3100]);
    assert!(x[6000..12001].iter().all(|&v| v < 0.01));
    assert!(x[12002] > 0.0);
}
