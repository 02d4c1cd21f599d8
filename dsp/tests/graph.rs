//! The compiled graph: routing, audio-rate modulation, sample-exact events,
//! state carry-over, the NaN guard, compile errors, and no allocation while
//! processing.

use assert_no_alloc::assert_no_alloc;
use dsp::module::{same_type, Module, ProcessIo, Smoother};
use dsp::patch::{Connection, ModuleDecl, MAX_CONNECTIONS, MAX_MODULES};
use dsp::registry::ModuleType;
use dsp::render::render_graph;
use dsp::spec::{ModuleSpec, ParamSpec, PortSpec};
use dsp::{Event, EventKind, Graph, Name, ParamArg, Patch, PatchError, Registry};
use std::sync::atomic::{AtomicUsize, Ordering};

// `disable_release` (assert_no_alloc's default) removes the checker in release.
#[cfg(debug_assertions)]
#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

const SR: f32 = 48000.0;

// ---------------------------------------------------------------------------
// Test-only module types.

/// Counts `NanBomb::reset` calls.
static BOMB_RESETS: AtomicUsize = AtomicUsize::new(0);

static BOMB_SPEC: ModuleSpec = ModuleSpec {
    name: "nanbomb",
    aliases: &[],
    description: "test: mode 0 outputs 0.25, 1 NaN, 2 infinity, 3 f32::MAX",
    inputs: &[],
    outputs: &[PortSpec::new("out")],
    params: &[ParamSpec::new("mode", 0.0, 3.0, 0.0, "", 0.0)],
    gate: false,
};

struct NanBomb {
    mode: f32,
}

impl Module for NanBomb {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut []
    }
    fn set_param(&mut self, _index: usize, value: f32) {
        self.mode = value;
    }
    fn process(&mut self, io: &mut ProcessIo) {
        let v = match self.mode as u32 {
            0 => 0.25,
            1 => f32::NAN,
            2 => f32::INFINITY,
            _ => f32::MAX,
        };
        // Poison one sample only: the guard must still catch it.
        io.outputs[0][..io.frames].fill(0.25);
        io.outputs[0][io.frames / 2] = v;
    }
    fn reset(&mut self) {
        BOMB_RESETS.fetch_add(1, Ordering::SeqCst);
    }
    fn carry_from(&mut self, _old: &dyn Module) {}
}

static PROBE_SPEC: ModuleSpec = ModuleSpec {
    name: "probe",
    aliases: &[],
    description: "test: out = gate (0/1) + in; ftz = 1 while denormals flush to zero",
    inputs: &[PortSpec::new("in")],
    outputs: &[PortSpec::new("out"), PortSpec::new("ftz")],
    params: &[],
    gate: true,
};

struct Probe {
    gate: bool,
}

impl Module for Probe {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut []
    }
    fn set_param(&mut self, _index: usize, _value: f32) {}
    fn set_gate(&mut self, on: bool) {
        self.gate = on;
    }
    fn process(&mut self, io: &mut ProcessIo) {
        let tiny = std::hint::black_box(1e-30f32) * std::hint::black_box(1e-10f32);
        let ftz = if tiny == 0.0 { 1.0 } else { 0.0 };
        let g = if self.gate { 1.0 } else { 0.0 };
        for i in 0..io.frames {
            io.outputs[0][i] = g + io.inputs[0][i];
            io.outputs[1][i] = ftz;
        }
    }
    fn reset(&mut self) {}
    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Probe>(old) {
            self.gate = o.gate;
        }
    }
}

fn test_registry() -> Registry {
    let mut r = Registry::standard();
    r.register(ModuleType {
        spec: &BOMB_SPEC,
        build: |_| Box::new(NanBomb { mode: 0.0 }),
    });
    r.register(ModuleType {
        spec: &PROBE_SPEC,
        build: |_| Box::new(Probe { gate: false }),
    });
    r
}

// ---------------------------------------------------------------------------
// Helpers.

fn parse(reg: &Registry, text: &str) -> Patch {
    let (p, w) = Patch::parse(reg, text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(w.is_empty(), "{w:?}");
    p
}

fn compile(reg: &Registry, p: &Patch, channels: usize) -> Graph {
    Graph::compile(p, reg, SR, channels).unwrap()
}

fn ev(offset: u32, module: &str, kind: EventKind) -> Event {
    Event {
        offset,
        module: Name::new(module).unwrap(),
        kind,
    }
}

/// Amplitude of the `freq` Hz component of `x` (exact for whole cycles).
fn amplitude(x: &[f32], freq: f64) -> f64 {
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for (n, &s) in x.iter().enumerate() {
        let w = std::f64::consts::TAU * freq * n as f64 / SR as f64;
        re += s as f64 * w.cos();
        im -= s as f64 * w.sin();
    }
    2.0 * (re * re + im * im).sqrt() / x.len() as f64
}

fn render(reg: &Registry, text: &str, channels: usize, frames: usize) -> Vec<Vec<f32>> {
    let mut g = compile(reg, &parse(reg, text), channels);
    render_graph(&mut g, &[], frames, 64)
}

// ---------------------------------------------------------------------------
// Routing.

#[test]
fn without_output_module_every_sink_is_heard_on_every_channel() {
    let reg = test_registry();
    let out = render(
        &reg,
        "create a sine freq=440 gain=0.3\n\
         create b sine freq=660 gain=0.2\n\
         create c sine freq=990 gain=0.1\n\
         # an LFO feeding a parameter is not a sink: not heard\n\
         create lfo sine freq=5 gain=3\n\
         connect lfo c.freq\n",
        2,
        48000,
    );
    for ch in &out {
        assert!((amplitude(ch, 440.0) - 0.3).abs() < 0.01);
        assert!((amplitude(ch, 660.0) - 0.2).abs() < 0.01);
        // c's frequency wobbles by ±3 Hz, spreading its energy a little.
        assert!(amplitude(ch, 990.0) > 0.05, "{}", amplitude(ch, 990.0));
        assert!(amplitude(ch, 5.0) < 1e-3);
    }
    assert_eq!(out[0], out[1]);
}

#[test]
fn output_module_routes_in1_everywhere_or_channels_apart() {
    let reg = test_registry();
    let mono = render(
        &reg,
        "create a sine freq=440 gain=0.3\ncreate b sine freq=660 gain=0.2\n\
         create out output\nconnect a out\n",
        2,
        4800,
    );
    assert_eq!(mono[0], mono[1]);
    assert!(amplitude(&mono[0], 660.0) < 1e-3, "b feeds nothing audible");
    let a_alone = render(&reg, "create a sine freq=440 gain=0.3\n", 1, 4800);
    assert_eq!(mono[0], a_alone[0]);

    let stereo = render(
        &reg,
        "create a sine freq=440 gain=0.3\ncreate b sine freq=660 gain=0.2\n\
         create out output\nconnect a out.left\nconnect b out.right\n",
        2,
        4800,
    );
    let b_alone = render(&reg, "create b sine freq=660 gain=0.2\n", 1, 4800);
    assert_eq!(stereo[0], a_alone[0]);
    assert_eq!(stereo[1], b_alone[0]);
}

#[test]
fn fan_out_and_fan_in_sum() {
    let reg = test_registry();
    // One output feeding several inputs, several outputs summed into one input.
    let both = render(
        &reg,
        "create a sine freq=440 gain=0.3\ncreate b sine freq=660 gain=0.2\n\
         create out output\n\
         connect a out.in1\nconnect b out.in1\nconnect a out.in2\n",
        2,
        4800,
    );
    let a = render(&reg, "create a sine freq=440 gain=0.3\n", 1, 4800);
    let b = render(&reg, "create b sine freq=660 gain=0.2\n", 1, 4800);
    for i in 0..4800 {
        assert_eq!(both[0][i], a[0][i] + b[0][i]);
        assert_eq!(both[1][i], a[0][i]);
    }
}

#[test]
fn parameter_connections_modulate_at_audio_rate() {
    let reg = test_registry();
    // A constant 4 (sine at 0 Hz, quarter phase) added to 440 Hz gives 444 Hz.
    let modulated = render(
        &reg,
        "create m sine freq=0 phase=0.25 gain=4\ncreate s sine freq=440 gain=0.5\n\
         connect m s.freq\n",
        1,
        4800,
    );
    let plain = render(&reg, "create s sine freq=444 gain=0.5\n", 1, 4800);
    assert_eq!(modulated[0], plain[0]);
    // Two modulators into the same parameter are summed.
    let two = render(
        &reg,
        "create m sine freq=0 phase=0.25 gain=4\ncreate n sine freq=0 phase=0.25 gain=2\n\
         create s sine freq=440 gain=0.5\nconnect m s.freq\nconnect n s.freq\n",
        1,
        4800,
    );
    let plain = render(&reg, "create s sine freq=446 gain=0.5\n", 1, 4800);
    assert_eq!(two[0], plain[0]);
    // An audio-rate modulator: FM sidebands appear at 440 ± 100 Hz with
    // amplitude 0.5·J1(4/100) ≈ 0.01 each.
    let fm = render(
        &reg,
        "create m sine freq=100 gain=4\ncreate s sine freq=440 gain=0.5\nconnect m s.freq\n",
        1,
        48000,
    );
    for f in [340.0, 540.0] {
        let a = amplitude(&fm[0], f);
        assert!((a - 0.01).abs() < 0.002, "{f} Hz: {a}");
    }
    let unmodulated = render(&reg, "create s sine freq=440 gain=0.5\n", 1, 48000);
    assert!(amplitude(&unmodulated[0], 540.0) < 1e-4);
}

// ---------------------------------------------------------------------------
// Events.

#[test]
fn events_take_effect_at_their_exact_offset() {
    let reg = test_registry();
    let p = parse(
        &reg,
        "create s sine freq=0 phase=0.25 gain=0.5\ncreate pr probe\ncreate out output\n\
         connect s out.in1\nconnect pr out.in2\n",
    );
    let mut g = compile(&reg, &p, 2);
    let phase = |v| EventKind::Param { index: 2, value: v };
    // 150 frames: longer than MAX_BLOCK, so the graph splits the block too.
    let events = [
        ev(17, "s", phase(0.75)),
        ev(33, "pr", EventKind::Gate(true)),
        ev(101, "pr", EventKind::Gate(false)),
        ev(129, "s", phase(0.25)),
    ];
    let mut l = vec![9.0f32; 150];
    let mut r = vec![9.0f32; 150];
    g.process(&mut [&mut l[..], &mut r[..]], &events);
    for i in 0..150 {
        let want = if (17..129).contains(&i) { -0.5 } else { 0.5 };
        assert!((l[i] - want).abs() < 1e-6, "frame {i}: {}", l[i]);
        let gate = if (33..101).contains(&i) { 1.0 } else { 0.0 };
        assert_eq!(r[i], gate, "frame {i}");
    }
    // Events at or past the end of the block apply after it.
    g.process(
        &mut [&mut l[..10], &mut r[..10]],
        &[ev(10, "pr", EventKind::Gate(true))],
    );
    assert!(r[..10].iter().all(|&x| x == 0.0));
    g.process(&mut [&mut l[..10], &mut r[..10]], &[]);
    assert!(r[..10].iter().all(|&x| x == 1.0));
    assert_eq!(g.frames(), 170);
    // Events for absent modules or parameters are counted, not fatal.
    assert_eq!(g.missed_events(), 0);
    g.apply(&ev(0, "ghost", EventKind::Gate(true)));
    g.apply(&ev(
        0,
        "s",
        EventKind::Param {
            index: 9,
            value: 1.0,
        },
    ));
    assert_eq!(g.missed_events(), 2);
    // Out-of-range values are clamped.
    g.apply(&ev(0, "s", phase(7.0)));
    g.process(&mut [&mut l[..1], &mut r[..1]], &[]);
    assert!(
        (l[0] - 0.0).abs() < 1e-6,
        "phase clamped to 1.0: sin(2π) = 0, got {}",
        l[0]
    );
}

#[cfg(target_arch = "x86_64")]
#[test]
fn denormals_are_flushed_while_processing() {
    let reg = test_registry();
    let p = parse(
        &reg,
        "create pr probe\ncreate out output\nconnect pr.ftz out\n",
    );
    let mut g = compile(&reg, &p, 1);
    let out = render_graph(&mut g, &[], 64, 64);
    assert!(out[0].iter().all(|&x| x == 1.0));
    // ... and the mode is restored afterwards.
    let tiny = std::hint::black_box(1e-30f32) * std::hint::black_box(1e-10f32);
    assert!(tiny != 0.0);
}

// ---------------------------------------------------------------------------
// State carry-over.

const CARRY_A: &str = "create osc1 sine freq=441 gain=0.5\ncreate out output\nconnect osc1 out\n";

#[test]
fn carry_over_at_a_commit_is_seamless() {
    let reg = test_registry();
    let pa = parse(&reg, CARRY_A);
    // A live change at frame 300 that is still gliding at the commit (640).
    let set = |offset| {
        ev(
            offset,
            "osc1",
            EventKind::Param {
                index: 0,
                value: 1234.5,
            },
        )
    };
    let (f1, f2) = (640usize, 1500usize);

    let mut reference = compile(&reg, &pa, 1);
    let whole = render_graph(&mut reference, &[(300, set(0))], f1 + f2, 64)[0].clone();

    let mut old = compile(&reg, &pa, 1);
    let first = render_graph(&mut old, &[(300, set(0))], f1, 64)[0].clone();
    // The commit: the patch got the set value and a new module.
    let mut pb = pa.clone();
    pb.set(&reg, "osc1", "freq", &ParamArg::Number(1234.5))
        .unwrap();
    pb.create(&reg, "osc2", "sine", &[]).unwrap();
    let mut new = compile(&reg, &pb, 1);
    new.carry_from(&old);
    assert_eq!(new.frames(), f1 as u64);
    let second = render_graph(&mut new, &[], f2, 64)[0].clone();

    assert_eq!(&whole[..f1], &first[..]);
    for i in 0..f2 {
        assert_eq!(whole[f1 + i], second[i], "frame {}", f1 + i);
    }
}

#[test]
fn changed_parameter_glides_from_the_old_value_after_carry_over() {
    let reg = test_registry();
    // At 0 Hz and a quarter cycle the output is the gain itself.
    let pa = parse(&reg, "create s sine freq=0 phase=0.25 gain=0.5\n");
    let mut pb = pa.clone();
    pb.set(&reg, "s", "gain", &ParamArg::Number(1.0)).unwrap();
    let mut old = compile(&reg, &pa, 1);
    render_graph(&mut old, &[], 256, 64);

    let mut fresh = compile(&reg, &pb, 1);
    assert_eq!(
        render_graph(&mut fresh, &[], 1, 1)[0][0],
        1.0,
        "without carry-over it jumps"
    );

    let mut new = compile(&reg, &pb, 1);
    new.carry_from(&old);
    let out = render_graph(&mut new, &[], 2400, 64)[0].clone();
    assert!(out[0] > 0.5 && out[0] < 0.505, "first sample {}", out[0]);
    for w in out.windows(2) {
        assert!(
            w[1] >= w[0] && w[1] - w[0] < 0.005,
            "step {} -> {}",
            w[0],
            w[1]
        );
    }
    assert!(out[2399] > 0.999, "reached {}", out[2399]);
}

#[test]
fn carry_over_skips_modules_whose_type_changed() {
    let reg = test_registry();
    let pa = parse(&reg, "create x sine\ncreate y sine freq=100\n");
    let pb = parse(&reg, "create x probe\ncreate y sine freq=100\n");
    let mut old = compile(&reg, &pa, 1);
    render_graph(&mut old, &[], 100, 64);
    let mut new = compile(&reg, &pb, 1);
    new.carry_from(&old);
    let out = render_graph(&mut new, &[], 64, 64);
    assert!(out[0].iter().all(|x| x.is_finite()));
}

// ---------------------------------------------------------------------------
// NaN guard.

#[test]
fn a_module_producing_nan_or_infinity_is_reset_and_counted() {
    let reg = test_registry();
    let p = parse(
        &reg,
        "create bomb nanbomb mode=1\ncreate s sine freq=440 gain=0.5\n\
         create m sine freq=300 gain=0.5\ncreate out output\n\
         connect bomb out\nconnect s out\nconnect bomb m.freq\nconnect m out.in2\n",
    );
    let mut g = compile(&reg, &p, 2);
    let before = BOMB_RESETS.load(Ordering::SeqCst);
    let out = render_graph(&mut g, &[], 4800, 64);
    assert_eq!(g.nan_resets(), 4800 / 64);
    assert!(BOMB_RESETS.load(Ordering::SeqCst) - before >= 4800 / 64);
    let clean = render(&reg, "create s sine freq=440 gain=0.5\n", 1, 4800);
    let m = render(&reg, "create m sine freq=300 gain=0.5\n", 1, 4800);
    assert_eq!(out[0], clean[0], "the bad output is silenced");
    assert_eq!(out[1], m[0], "modulation from it is silenced too");

    // Infinity is caught the same way; the count survives a carry-over.
    let mut g2 = compile(&reg, &parse(&reg, "create bomb nanbomb mode=2\n"), 1);
    g2.carry_from(&g);
    let out = render_graph(&mut g2, &[], 640, 64);
    assert!(out[0].iter().all(|x| x.is_finite()));
    assert_eq!(g2.nan_resets(), 4800 / 64 + 10);

    // Finite outputs that overflow when summed never reach the output.
    let mut g3 = compile(
        &reg,
        &parse(
            &reg,
            "create a nanbomb mode=3\ncreate b nanbomb mode=3\ncreate out output\n\
             connect a out\nconnect b out\n",
        ),
        2,
    );
    let out = render_graph(&mut g3, &[], 640, 64);
    assert!(out.iter().flatten().all(|x| x.is_finite()));
    assert_eq!(g3.nan_resets(), 0);
}

// ---------------------------------------------------------------------------
// Compile errors for patches built directly (the edit methods refuse these
// earlier; see tests/patch.rs).

fn decl(id: &str, kind: &str) -> ModuleDecl {
    ModuleDecl {
        id: id.into(),
        kind: kind.into(),
        params: vec![],
    }
}

fn conn(from: &str, from_port: &str, to: &str, to_port: &str) -> Connection {
    Connection {
        from: from.into(),
        from_port: from_port.into(),
        to: to.into(),
        to_port: to_port.into(),
    }
}

fn compile_err(p: Patch) -> PatchError {
    match Graph::compile(&p, &test_registry(), SR, 2) {
        Err(e) => e,
        Ok(_) => panic!("compiled {p:?}"),
    }
}

#[test]
fn compile_errors_name_what_is_wrong() {
    use PatchError::*;
    let ok = || vec![decl("a", "sine"), decl("b", "sine")];
    assert_eq!(
        compile_err(Patch::from_parts(vec![decl("a", "theremin")], vec![])),
        UnknownType("theremin".into())
    );
    assert_eq!(
        compile_err(Patch::from_parts(
            ok(),
            vec![conn("a", "out", "ghost", "freq")]
        )),
        UnknownModule("ghost".into())
    );
    assert_eq!(
        compile_err(Patch::from_parts(
            ok(),
            vec![conn("a", "out", "b", "wobble")]
        )),
        UnknownPort {
            module: "b".into(),
            kind: "sine".into(),
            port: "wobble".into(),
            what: "input or parameter"
        }
    );
    assert!(matches!(
        compile_err(Patch::from_parts(
            ok(),
            vec![conn("a", "sideways", "b", "freq")]
        )),
        UnknownPort { what: "output", .. }
    ));
    let mut with_param = ok();
    with_param[1].params.push(("resonance".into(), 1.0));
    assert!(matches!(
        compile_err(Patch::from_parts(with_param, vec![])),
        UnknownParam { ref param, .. } if param == "resonance"
    ));
    assert_eq!(
        compile_err(Patch::from_parts(
            vec![decl("a", "sine"), decl("a", "sine")],
            vec![]
        )),
        DuplicateId("a".into())
    );
    assert_eq!(
        compile_err(Patch::from_parts(vec![decl("a b", "sine")], vec![])),
        BadName("a b".into())
    );
    assert!(matches!(
        compile_err(Patch::from_parts(
            ok(),
            vec![conn("a", "out", "b", "freq"), conn("b", "out", "a", "gain")]
        )),
        Cycle(ref ms) if ms == &["a", "b", "a"]
    ));
    let many: Vec<ModuleDecl> = (0..=MAX_MODULES)
        .map(|i| decl(&format!("m{i}"), "sine"))
        .collect();
    assert_eq!(
        compile_err(Patch::from_parts(many, vec![])),
        OverCapacity {
            what: "modules",
            limit: MAX_MODULES
        }
    );
    let conns = vec![conn("a", "out", "b", "freq"); MAX_CONNECTIONS + 1];
    assert_eq!(
        compile_err(Patch::from_parts(ok(), conns)),
        OverCapacity {
            what: "connections",
            limit: MAX_CONNECTIONS
        }
    );
    // Out-of-range values in a directly built patch are clamped, not refused.
    let mut loud = ok();
    loud[0].params.push(("gain".into(), 100.0));
    assert!(Graph::compile(&Patch::from_parts(loud, vec![]), &test_registry(), SR, 2).is_ok());
}

#[test]
fn graph_can_move_to_the_audio_thread() {
    fn is_send<T: Send>() {}
    is_send::<Graph>();
    is_send::<Event>();
}

// ---------------------------------------------------------------------------
// No allocation while processing.

const VOICES: usize = 64;

/// 64 voices of a sine whose pitch a slower sine wobbles, all into `out`.
fn sine_voices(reg: &Registry) -> Patch {
    let mut t = String::from("create out output\n");
    for v in 0..VOICES {
        t += &format!(
            "create lfo{v} sine freq={} gain=3\ncreate osc{v} sine freq={} gain=0.01\n\
             connect lfo{v} osc{v}.freq\nconnect osc{v} out\n",
            1 + v % 7,
            110 + 10 * v
        );
    }
    parse(reg, &t)
}

/// 64 voices of saw → ladder → adsr → vca, summed into `out`.
fn synth_voices(reg: &Registry) -> Patch {
    let mut t = String::from("create out output\n");
    for v in 0..VOICES {
        t += &format!(
            "create osc{v} saw freq={}\ncreate flt{v} ladder\ncreate env{v} adsr\n\
             create amp{v} vca gain=0.1\n\
             connect osc{v} flt{v}\nconnect flt{v} env{v}\nconnect env{v} amp{v}\n\
             connect amp{v} out\n",
            55 + 5 * v
        );
    }
    parse(reg, &t)
}

/// Processes 10,000 blocks of 64 frames with parameter and gate events in
/// every block, inside `assert_no_alloc` (which aborts the test binary on
/// any allocation or deallocation in a debug build).
fn run_without_allocating(reg: &Registry, p: &Patch, param_module: &str, gate_module: &str) {
    let mut g = compile(reg, p, 2);
    let mut l = vec![0.0f32; 64];
    let mut r = vec![0.0f32; 64];
    let mut events = Vec::with_capacity(8);
    let param = Name::new(param_module).unwrap();
    let gate = Name::new(gate_module).unwrap();
    let spec = g.spec_of(g.find(&param).unwrap());
    let freq = spec.param_index("freq").unwrap_or(0) as u16;
    let max = spec.params[freq as usize].max.min(1000.0);
    let mut peak = 0.0f32;
    assert_no_alloc(|| {
        for b in 0..10_000u32 {
            events.clear();
            events.push(Event {
                offset: b % 61,
                module: param,
                kind: EventKind::Param {
                    index: freq,
                    value: (b % 50) as f32 / 50.0 * max,
                },
            });
            events.push(Event {
                offset: 61 + b % 3,
                module: gate,
                kind: EventKind::Gate(b % 40 < 30),
            });
            g.process(&mut [&mut l[..], &mut r[..]], &events);
            peak = l.iter().fold(peak, |m, x| m.max(x.abs()));
        }
    });
    assert!(l.iter().chain(&r).all(|x| x.is_finite()));
    assert!(peak > 0.0, "the patch made sound");
    assert_eq!(g.frames(), 640_000);
    assert_eq!(g.missed_events(), 0);
}

#[test]
fn no_allocation_processing_64_sine_voices_with_events() {
    let reg = test_registry();
    run_without_allocating(&reg, &sine_voices(&reg), "osc5", "osc9");
}

#[test]
fn no_allocation_processing_64_synth_voices_with_events() {
    let reg = test_registry();
    run_without_allocating(&reg, &synth_voices(&reg), "flt3", "env7");
}

#[test]
fn no_allocation_in_carry_from_and_apply() {
    let reg = test_registry();
    let pa = sine_voices(&reg);
    let mut pb = pa.clone();
    pb.create(&reg, "extra", "sine", &[]).unwrap();
    pb.set(&reg, "osc3", "gain", &ParamArg::Number(0.5))
        .unwrap();
    let mut old = compile(&reg, &pa, 2);
    render_graph(&mut old, &[], 256, 64);
    let mut new = compile(&reg, &pb, 2);
    let e = ev(
        0,
        "osc3",
        EventKind::Param {
            index: 0,
            value: 220.0,
        },
    );
    let missing = ev(0, "nobody", EventKind::Gate(true));
    assert_no_alloc(|| {
        new.carry_from(&old);
        new.apply(&e);
        new.apply(&missing);
        let _ = new.find(&e.module);
    });
    assert_eq!(new.frames(), 256);
    assert_eq!(new.missed_events(), 1);
}
