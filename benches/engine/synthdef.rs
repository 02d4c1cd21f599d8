//! A SuperCollider SynthDef written in the binary SynthDef v2 format
//! ("SCgf"), so scsynth can run without sclang. Format: big-endian; file
//! header `SCgf`, version 2, count of defs (int16); per def: name (pstring),
//! constants (int32 count, float32s), parameters (int32 count, float32
//! initial values), parameter names (int32 count, pstring + int32 index),
//! UGens (int32 count; each: class pstring, rate int8, inputs int32, outputs
//! int32, special index int16, inputs as (ugen index or -1, output or
//! constant index) int32 pairs, output rates int8), variants (int16 count).

/// Calculation rates.
const CONTROL: u8 = 1;
const AUDIO: u8 = 2;

/// An input: a constant value or output 0 of an earlier UGen.
#[derive(Clone, Copy)]
enum In {
    K(f32),
    U(usize),
}

struct UGen {
    class: &'static str,
    rate: u8,
    inputs: Vec<In>,
    outputs: usize,
    special: i16,
}

fn pstring(out: &mut Vec<u8>, s: &str) {
    out.push(s.len() as u8);
    out.extend_from_slice(s.as_bytes());
}

/// The voice of the comparison, named `voice` with one parameter `freq`:
/// `Saw.ar(freq) * 0.3` through `RLPF.ar(_, 1000, 0.5)` (or `MoogFF.ar(_,
/// 1000, 1.2)` with `moog`), times `EnvGen.ar(Env.adsr(0.005, 0.1, 0.7, 0.2),
/// gate: 1)`, times 0.1, to both outputs (`Out.ar(0, [sig, sig])`). The same
/// chain as synth-jack's voice (saw → ladder → adsr → vca, summed).
pub fn voice(moog: bool) -> Vec<u8> {
    // Env.adsr as EnvGen wants it: init level, stages, release node, loop
    // node, then (level, time, shape 5 = curve, curve) per stage.
    let env: [f32; 16] = [
        0.0, 3.0, 2.0, -99.0, 1.0, 0.005, 5.0, -4.0, 0.7, 0.1, 5.0, -4.0, 0.0, 0.2, 5.0, -4.0,
    ];
    let mut ugens = vec![
        UGen {
            class: "Control",
            rate: CONTROL,
            inputs: vec![],
            outputs: 1,
            special: 0,
        },
        UGen {
            class: "Saw",
            rate: AUDIO,
            inputs: vec![In::U(0)],
            outputs: 1,
            special: 0,
        },
        UGen {
            class: "BinaryOpUGen",
            rate: AUDIO,
            inputs: vec![In::U(1), In::K(0.3)],
            outputs: 1,
            special: 2, // *
        },
        if moog {
            UGen {
                class: "MoogFF",
                rate: AUDIO,
                inputs: vec![In::U(2), In::K(1000.0), In::K(1.2), In::K(0.0)],
                outputs: 1,
                special: 0,
            }
        } else {
            UGen {
                class: "RLPF",
                rate: AUDIO,
                inputs: vec![In::U(2), In::K(1000.0), In::K(0.5)],
                outputs: 1,
                special: 0,
            }
        },
    ];
    let mut env_inputs = vec![In::K(1.0), In::K(1.0), In::K(0.0), In::K(1.0), In::K(0.0)];
    env_inputs.extend(env.iter().map(|&x| In::K(x)));
    ugens.push(UGen {
        class: "EnvGen",
        rate: AUDIO,
        inputs: env_inputs,
        outputs: 1,
        special: 0,
    });
    ugens.push(UGen {
        class: "BinaryOpUGen",
        rate: AUDIO,
        inputs: vec![In::U(3), In::U(4)],
        outputs: 1,
        special: 2,
    });
    ugens.push(UGen {
        class: "BinaryOpUGen",
        rate: AUDIO,
        inputs: vec![In::U(5), In::K(0.1)],
        outputs: 1,
        special: 2,
    });
    ugens.push(UGen {
        class: "Out",
        rate: AUDIO,
        inputs: vec![In::K(0.0), In::U(6), In::U(6)],
        outputs: 0,
        special: 0,
    });

    let mut consts: Vec<f32> = Vec::new();
    for u in &ugens {
        for x in &u.inputs {
            if let In::K(v) = x {
                if !consts.iter().any(|c| c.to_bits() == v.to_bits()) {
                    consts.push(*v);
                }
            }
        }
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"SCgf");
    out.extend_from_slice(&2i32.to_be_bytes());
    out.extend_from_slice(&1i16.to_be_bytes());
    pstring(&mut out, "voice");
    out.extend_from_slice(&(consts.len() as i32).to_be_bytes());
    for c in &consts {
        out.extend_from_slice(&c.to_be_bytes());
    }
    // One parameter, freq = 220, named "freq" at index 0.
    out.extend_from_slice(&1i32.to_be_bytes());
    out.extend_from_slice(&220f32.to_be_bytes());
    out.extend_from_slice(&1i32.to_be_bytes());
    pstring(&mut out, "freq");
    out.extend_from_slice(&0i32.to_be_bytes());
    out.extend_from_slice(&(ugens.len() as i32).to_be_bytes());
    for u in &ugens {
        pstring(&mut out, u.class);
        out.push(u.rate);
        out.extend_from_slice(&(u.inputs.len() as i32).to_be_bytes());
        out.extend_from_slice(&(u.outputs as i32).to_be_bytes());
        out.extend_from_slice(&u.special.to_be_bytes());
        for x in &u.inputs {
            let (a, b) = match *x {
                In::K(v) => (
                    -1i32,
                    consts
                        .iter()
                        .position(|c| c.to_bits() == v.to_bits())
                        .expect("constant listed") as i32,
                ),
                In::U(k) => (k as i32, 0),
            };
            out.extend_from_slice(&a.to_be_bytes());
            out.extend_from_slice(&b.to_be_bytes());
        }
        for _ in 0..u.outputs {
            out.push(u.rate);
        }
    }
    out.extend_from_slice(&0i16.to_be_bytes());
    out
}
