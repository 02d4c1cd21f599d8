//! Plugin modules driven directly, without a graph or JACK (needs Debian's
//! `lv2-examples` and `mda-lv2`, installed by `make test`).

use super::module::{build_module, resolve, PluginModule, PREFIX};
use dsp::module::{same_type, Block};
use dsp::{Module, ModuleSpec, ProcessIo, MAX_BLOCK};

const AMP: &str = "http://lv2plug.in/plugins/eg-amp";
const DELAY: &str = "http://drobilla.net/plugins/mda/DubDelay";

fn module(uri: &str, id: &str) -> Box<dyn Module> {
    let ty = resolve(&format!("{PREFIX}{uri}"))
        .unwrap()
        .expect("plugin installed");
    build_module(ty.spec, id, 48000.0).unwrap()
}

/// The type of plugin module `m`.
fn spec_of(m: &dyn Module) -> &'static ModuleSpec {
    same_type::<PluginModule>(m)
        .expect("a plugin module")
        .spec()
}

/// Runs one block of `inputs` through `m`; the run is under the allocation guard.
fn run(m: &mut dyn Module, inputs: &[Block], frames: usize) -> Vec<Block> {
    let spec = spec_of(m);
    let ins: Vec<&Block> = inputs.iter().collect();
    let connected = vec![true; ins.len()];
    let mut outs = vec![[0.0; MAX_BLOCK]; spec.outputs.len()];
    let modulation = vec![[0.0; MAX_BLOCK]; spec.params.len()];
    let modulated = vec![false; spec.params.len()];
    let mut io = ProcessIo {
        frames,
        inputs: &ins,
        input_connected: &connected,
        outputs: &mut outs,
        modulation: &modulation,
        modulated: &modulated,
        time: &dsp::Time::new(48000.0, 120.0, 4.0),
    };
    assert_no_alloc::assert_no_alloc(|| m.process(&mut io));
    outs
}

fn sine_block(start: usize) -> Block {
    std::array::from_fn(|i| {
        0.5 * ((start + i) as f32 * 440.0 * std::f32::consts::TAU / 48000.0).sin()
    })
}

#[test]
fn eg_amp_at_plus_6_db_doubles_the_signal() {
    let mut m = module(AMP, "amp");
    assert_eq!(spec_of(&*m).param_index("gain"), Some(0));
    assert_eq!(spec_of(&*m).params[0].min, -90.0);
    assert_eq!(spec_of(&*m).params[0].max, 24.0);
    m.set_param_now(0, 20.0 * 2f32.log10());
    for b in 0..20 {
        let x = sine_block(b * MAX_BLOCK);
        let y = run(&mut *m, &[x], MAX_BLOCK);
        for (a, b) in x.iter().zip(&y[0]) {
            assert!(
                (b - 2.0 * a).abs() <= 0.01 * a.abs() + 1e-6,
                "{b} vs 2 x {a}"
            );
        }
    }
}

#[test]
fn a_live_gain_change_glides() {
    let mut m = module(AMP, "amp");
    m.set_param_now(0, 0.0);
    let dc: Block = [0.5; MAX_BLOCK];
    run(&mut *m, &[dc], MAX_BLOCK);
    m.set_param(0, 6.0);
    let mut levels = Vec::new();
    for _ in 0..100 {
        levels.extend_from_slice(&run(&mut *m, &[dc], MAX_BLOCK)[0]);
    }
    let largest = levels
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max);
    assert!(largest < 0.01, "largest step {largest}: not smoothed");
    assert!((levels.last().unwrap() - 0.5 * 10f32.powf(0.3)).abs() < 1e-3);
}

/// A burst into the delay, then silence: the echo the first module would
/// have produced comes out of the second after the move.
#[test]
fn carry_moves_the_instance_and_its_tail() {
    let mut reference = module(DELAY, "d");
    let mut old = module(DELAY, "d");
    for m in [&mut reference, &mut old] {
        m.set_param_now(0, 0.01); // a short delay
    }
    let silence: Block = [0.0; MAX_BLOCK];
    for b in 0..10 {
        let x = sine_block(b * MAX_BLOCK);
        let r = run(&mut *reference, &[x, x], MAX_BLOCK);
        assert_eq!(r[0], run(&mut *old, &[x, x], MAX_BLOCK)[0]);
    }
    let carried = super::module::Instances::Carried(vec!["d".into()]);
    let mut new = super::module::building(carried, || module(DELAY, "d"));
    new.set_param_now(0, 0.01);
    new.carry_from(&*old);
    let mut energy = 0.0;
    for _ in 0..400 {
        let r = run(&mut *reference, &[silence, silence], MAX_BLOCK);
        let n = run(&mut *new, &[silence, silence], MAX_BLOCK);
        assert_eq!(r[0], n[0], "the moved instance continues exactly");
        energy += n[0].iter().map(|x| x * x).sum::<f32>();
    }
    assert!(energy > 1e-4, "the echo arrived after the move ({energy})");
}

#[test]
fn unknown_and_unusable_plugins_are_explained() {
    let e = super::module::check("http://example.org/none").unwrap_err();
    assert!(matches!(e, super::PluginError::Unknown { .. }), "{e}");
    assert!(e.to_string().contains("unknown plugin"), "{e}");
    assert!(matches!(
        resolve("lv2:http://example.org/none"),
        Some(Err(_))
    ));
    assert!(resolve("sine").is_none());
}

/// Period in samples of the strongest autocorrelation peak between 2 and 1000 Hz.
pub fn pitch_hz(x: &[f32], rate: f32) -> f32 {
    let (lo, hi) = ((rate / 1000.0) as usize, (rate / 2.0) as usize);
    let ac = |lag: usize| -> f32 { x.iter().zip(&x[lag..]).map(|(a, b)| a * b).sum() };
    let best = (lo..hi.min(x.len() / 2))
        .max_by(|&a, &b| ac(a).total_cmp(&ac(b)))
        .unwrap();
    rate / best as f32
}

#[test]
fn an_instrument_plays_the_note_it_is_sent() {
    let ty = resolve(&format!("{PREFIX}http://drobilla.net/plugins/mda/EPiano"))
        .unwrap()
        .unwrap();
    let mut m = super::module::build_plugin(ty.spec, "piano", 48000.0).unwrap();
    let silence = run(&mut m, &[], MAX_BLOCK);
    assert!(silence[0].iter().all(|&x| x == 0.0), "silent before a note");
    assert!(m.midi(&[0x90, 69, 100]));
    let mut out = Vec::new();
    for _ in 0..150 {
        out.extend_from_slice(&run(&mut m, &[], MAX_BLOCK)[0]);
    }
    assert!(
        out[0] != 0.0 || out[1] != 0.0,
        "sounds from the first frame"
    );
    let f = pitch_hz(&out[2000..8000], 48000.0);
    assert!((f - 440.0).abs() < 440.0 * 0.02, "pitch {f} Hz, want 440");
    let ty = resolve(&format!("{PREFIX}{AMP}")).unwrap().unwrap();
    let mut amp = super::module::build_plugin(ty.spec, "a", 48000.0).unwrap();
    assert!(!amp.midi(&[0x90, 60, 100]), "eg-amp takes no MIDI");
}

#[test]
fn sampler_state_saves_and_restores_beside_a_patch() {
    let uri = "http://lv2plug.in/plugins/eg-sampler";
    assert!(super::world().info(uri).unwrap().has_state);
    let dir = std::env::temp_dir().join(format!("sj-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("p.patch");
    let mut patch = dsp::Patch::new();
    patch.modules.push(dsp::patch::ModuleDecl {
        id: "smp".into(),
        kind: format!("{PREFIX}{uri}"),
        params: vec![],
        buffer: None,
    });
    patch.reindex();
    let text = {
        let mut m = module(uri, "smp");
        run(&mut *m, &[], MAX_BLOCK);
        assert_eq!(super::state::save_beside(&file, &patch), Ok(1));
        std::fs::read_to_string(dir.join("p.lv2state/smp.ttl")).unwrap()
    };
    assert!(text.contains("sample"), "{text}");
    assert_eq!(super::state::load_beside(&file, &patch), 1);
    let mut m = module(uri, "smp");
    run(&mut *m, &[], MAX_BLOCK);
    assert_eq!(
        super::state::save_one("smp", uri).unwrap().as_deref(),
        Some(&*text)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

const EPIANO: &str = "http://drobilla.net/plugins/mda/EPiano";

/// A graph playing EPiano on MIDI channel 2, `frames` frames of its output
/// with `events` applied.
fn piano_graph(events: &[dsp::Event], frames: usize) -> Vec<f32> {
    let reg = crate::registry();
    let text = format!(
        "create osc sine gain=0\ncreate piano lv2 uri={EPIANO}\ncreate out output\n\
         connect piano.left_out out.in1\nmidi 2 piano\n"
    );
    let (patch, _) = dsp::Patch::parse(&reg, &text).unwrap();
    let mut g = dsp::Graph::compile(&patch, &reg, 48000.0, 1).unwrap();
    let mut out = vec![0.0; frames];
    assert_no_alloc::assert_no_alloc(|| g.process(&mut [&mut out[..]], events));
    out
}

/// Notes reach a plugin instrument at their exact frames, through the MIDI
/// map (`midi 2 piano`) and as `/note` events alike.
#[test]
fn notes_and_midi_reach_a_plugin_instrument_at_their_frames() {
    let reg = crate::registry();
    let ty = resolve(&format!("{PREFIX}{EPIANO}")).unwrap().unwrap();
    assert!(reg.plays_notes(ty.spec), "EPiano plays notes");
    let amp = resolve(&format!("{PREFIX}{AMP}")).unwrap().unwrap();
    assert!(!reg.plays_notes(amp.spec), "eg-amp does not");
    let piano = dsp::Name::new("piano").unwrap();
    let midi = dsp::Name::new("midi").unwrap();
    for (kind, at) in [
        (dsp::EventKind::Midi([0x91, 69, 100]), 1000),
        (
            dsp::EventKind::Note(dsp::NoteEvent::On {
                note: 69.0,
                vel: 0.8,
            }),
            777,
        ),
    ] {
        let module = if matches!(kind, dsp::EventKind::Midi(_)) {
            midi
        } else {
            piano
        };
        let ev = dsp::Event {
            offset: at,
            module,
            kind,
        };
        let out = piano_graph(&[ev], 12000);
        let first = out.iter().position(|&x| x != 0.0);
        assert_eq!(first, Some(at as usize), "onset of {kind:?}");
        let f = pitch_hz(&out[at as usize + 2000..at as usize + 8000], 48000.0);
        assert!((f - 440.0).abs() < 440.0 * 0.02, "pitch {f} Hz, want 440");
    }
    // A channel routed elsewhere (none: channel 2 is the piano's, and the
    // piano is also the first note-playing module) still reaches it.
    let ev = dsp::Event {
        offset: 64,
        module: midi,
        kind: dsp::EventKind::Midi([0x95, 57, 100]),
    };
    let out = piano_graph(&[ev], 9000);
    assert_eq!(out.iter().position(|&x| x != 0.0), Some(64));
    let f = pitch_hz(&out[2064..8064], 48000.0);
    assert!((f - 220.0).abs() < 220.0 * 0.02, "pitch {f} Hz, want 220");
}

/// The pitch of MDA JX10 (a ±2 semitone bend) holding A3 after
/// `/note/bend synth 6`, with `bend` set as `extra` says.
fn jx10_bent_pitch(extra: &str) -> (f32, f32) {
    let reg = crate::registry();
    let text = format!(
        "create synth lv2 uri=http://drobilla.net/plugins/mda/JX10 vibrato=0 noise=0 glide=0 {extra}\n\
         create out output\nconnect synth.left_out out.in1\n"
    );
    let (patch, _) = dsp::Patch::parse(&reg, &text).unwrap();
    let mut g = dsp::Graph::compile(&patch, &reg, 48000.0, 1).unwrap();
    let synth = dsp::Name::new("synth").unwrap();
    let ev = |offset, e| dsp::Event {
        offset,
        module: synth,
        kind: dsp::EventKind::Note(e),
    };
    let on = dsp::NoteEvent::On {
        note: 57.0,
        vel: 0.8,
    };
    let mut out = vec![0.0; 24000];
    let events = [ev(0, on), ev(12000, dsp::NoteEvent::Bend(6.0))];
    assert_no_alloc::assert_no_alloc(|| g.process(&mut [&mut out[..]], &events));
    (
        pitch_hz(&out[4000..12000], 48000.0),
        pitch_hz(&out[16000..24000], 48000.0),
    )
}

/// `/note/bend SEMITONES` is scaled by a plugin instrument's `bend` range
/// (2 by default, like built-in instruments; the plugin's own is 2 here).
#[test]
fn note_bend_follows_a_plugin_instruments_bend_range() {
    let semitones = |(a, b): (f32, f32)| 12.0 * (b / a).log2();
    let (plain, wide) = (jx10_bent_pitch(""), jx10_bent_pitch("bend=12"));
    eprintln!("default bend {plain:?}, bend=12 {wide:?}");
    // (The autocorrelation may lock on a multiple of JX10's period: ratios only.)
    // 6 of ±2 semitones: the full bend, +2. 6 of ±12: half the bend, +1.
    assert!((semitones(plain) - 2.0).abs() < 0.2, "{plain:?}");
    assert!((semitones(wide) - 1.0).abs() < 0.2, "{wide:?}");
    assert!(matches!(
        crate::plugin::check_value(
            "s",
            &format!("{PREFIX}http://drobilla.net/plugins/mda/JX10"),
            "bend",
            &dsp::ParamArg::Number(60.0)
        ),
        Err(crate::plugin::PluginError::OutOfRange { .. })
    ));
}

/// `/midi/map` (`Patch::map_midi`) routes any of the 16 channels to plugin
/// instruments: odd channels to one EPiano, even ones to another.
#[test]
fn every_midi_channel_can_play_a_plugin_instrument() {
    let reg = crate::registry();
    let text = format!(
        "create p1 lv2 uri={EPIANO}\ncreate p2 lv2 uri={EPIANO}\ncreate out output\n\
         connect p1.left_out out.in1\nconnect p2.left_out out.in2\n"
    );
    let (mut patch, _) = dsp::Patch::parse(&reg, &text).unwrap();
    for ch in 1..=16u8 {
        let inst = if ch % 2 == 1 { "p1" } else { "p2" };
        patch.map_midi(&reg, ch, inst).unwrap();
    }
    let midi = dsp::Name::new("midi").unwrap();
    for ch in [1u8, 2, 7, 16] {
        let mut g = dsp::Graph::compile(&patch, &reg, 48000.0, 2).unwrap();
        let ev = dsp::Event {
            offset: 100,
            module: midi,
            kind: dsp::EventKind::Midi([0x90 | (ch - 1), 69, 100]),
        };
        let (mut a, mut b) = (vec![0.0; 4000], vec![0.0; 4000]);
        assert_no_alloc::assert_no_alloc(|| g.process(&mut [&mut a[..], &mut b[..]], &[ev]));
        let (heard, silent) = if ch % 2 == 1 { (&a, &b) } else { (&b, &a) };
        let onset = heard.iter().position(|&x| x != 0.0);
        assert_eq!(onset, Some(100), "channel {ch}: onset");
        assert!(
            silent.iter().all(|&x| x == 0.0),
            "channel {ch} reached the other piano"
        );
    }
}
