//! `quantize`: snaps a pitch to the nearest note of a scale.
//!
//! The input is a pitch in one of three units: semitones (0 = C, so MIDI
//! note numbers work), volts per octave (0 V = C4), or Hz (equal temperament,
//! A4 = 440 Hz); the output is the nearest allowed note in the same unit
//! (ties go down). Allowed notes are the scale's degrees above `root`, or,
//! for `custom`, the pitch classes set in `mask` (bit k = k semitones above
//! the root).

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{Knobs, Sweep, Mods};
use crate::spec::ParamSpec;
use crate::table::floor_f32;

/// Scale names, in the order of [`SCALE_MASKS`].
pub const SCALES: &[&str] = &[
    "chromatic",
    "major",
    "minor",
    "dorian",
    "phrygian",
    "lydian",
    "mixolydian",
    "locrian",
    "harmonic_minor",
    "melodic_minor",
    "major_pentatonic",
    "minor_pentatonic",
    "blues",
    "whole_tone",
    "custom",
];

/// Pitch classes of each scale as a 12-bit mask (bit k: k semitones above
/// the root); `custom` reads the `mask` parameter instead.
pub const SCALE_MASKS: [u16; 14] = [
    0xFFF,
    mask(&[0, 2, 4, 5, 7, 9, 11]),
    mask(&[0, 2, 3, 5, 7, 8, 10]),
    mask(&[0, 2, 3, 5, 7, 9, 10]),
    mask(&[0, 1, 3, 5, 7, 8, 10]),
    mask(&[0, 2, 4, 6, 7, 9, 11]),
    mask(&[0, 2, 4, 5, 7, 9, 10]),
    mask(&[0, 1, 3, 5, 6, 8, 10]),
    mask(&[0, 2, 3, 5, 7, 8, 11]),
    mask(&[0, 2, 3, 5, 7, 9, 11]),
    mask(&[0, 2, 4, 7, 9]),
    mask(&[0, 3, 5, 7, 10]),
    mask(&[0, 3, 5, 6, 7, 10]),
    mask(&[0, 2, 4, 6, 8, 10]),
];

/// A pitch-class mask from semitone offsets.
pub const fn mask(degrees: &[u8]) -> u16 {
    let mut m = 0u16;
    let mut i = 0;
    while i < degrees.len() {
        m |= 1 << degrees[i];
        i += 1;
    }
    m
}

crate::module_type! {
    name: "quantize" | "quantizer",
    description: "pitch quantizer: out = nearest note of scale above root, in the input's \
                  unit (semitone: 0 = C; voct: 1 per octave, 0 = C4; hz: A4 = 440); \
                  custom uses mask (bit k = k semitones above root)",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        SCALE = ParamSpec::choice("scale", SCALES, 1),
        ROOT = ParamSpec::choice( "root", &[ "c", "c#", "d", "d#", "e", "f", "f#", "g", "g#", "a", "a#", "b", ], 0, ) .with_aliases(&["key"]),
        UNIT = ParamSpec::choice("unit", &["semitone", "voct", "hz"], 0),
        MASK = ParamSpec::new("mask", 1.0, 4095.0, 4095.0, "bits", 0.0),
    ],
    gate: false,
    build: |cx| Box::new(Quantize::new(cx.sample_rate)),
}

/// The nearest note to `semis` (semitones, 0 = C) whose pitch class
/// relative to `root` is set in `mask`; ties go down. `mask` must be non-zero.
pub fn nearest(semis: f32, root: i32, mask: u16) -> f32 {
    Steps::new(root, mask).nearest(semis)
}

/// For one scale and root, how far each pitch class is from the nearest
/// allowed one below (or at) it and above (or at) it.
#[derive(Debug, Clone, Copy)]
pub struct Steps {
    down: [u8; 12],
    up: [u8; 12],
}

impl Steps {
    /// The distances for `mask` (bit k: k semitones above `root`, non-zero).
    pub fn new(root: i32, mask: u16) -> Self {
        let mask = if mask & 0xFFF == 0 { 1 } else { mask };
        let allowed = |pc: i32| mask & (1 << (pc - root).rem_euclid(12)) != 0;
        let mut s = Steps {
            down: [0; 12],
            up: [0; 12],
        };
        for pc in 0..12i32 {
            s.down[pc as usize] = (0..12).find(|&d| allowed(pc - d)).unwrap_or(0) as u8;
            s.up[pc as usize] = (0..12).find(|&d| allowed(pc + d)).unwrap_or(0) as u8;
        }
        s
    }

    /// The nearest allowed note to `semis`; ties go down.
    #[inline]
    pub fn nearest(&self, semis: f32) -> f32 {
        let semis = semis.clamp(-1e6, 1e6);
        let n = floor_f32(semis) as i32;
        let lo = n - self.down[n.rem_euclid(12) as usize] as i32;
        let hi = n + 1 + self.up[(n + 1).rem_euclid(12) as usize] as i32;
        if semis - lo as f32 <= hi as f32 - semis {
            lo as f32
        } else {
            hi as f32
        }
    }
}

/// `quantize` state.
pub struct Quantize {
    knobs: Knobs<4>,
    /// Scale index, root, mask the steps were computed for.
    key: (usize, i32, u16),
    steps: Steps,
}

impl Quantize {
    /// A C major quantizer in semitones.
    pub fn new(sample_rate: f32) -> Self {
        Quantize {
            knobs: Knobs::new(SPEC.params, sample_rate),
            key: (usize::MAX, 0, 0),
            steps: Steps::new(0, 0xFFF),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[input::IN];
        let out = &mut io.outputs[output::OUT];
        for i in 0..io.frames {
            let [scale, root, unit, bits] = self.knobs.tick(&m, i);
            let s = (scale.max(0.0) as usize).min(SCALES.len() - 1);
            let mask = match SCALE_MASKS.get(s) {
                Some(&m) => m,
                None => (bits.clamp(1.0, 4095.0) as u16).max(1),
            };
            let root = (root.max(0.0) as i32).min(11);
            if (s, root, mask) != self.key {
                self.key = (s, root, mask);
                self.steps = Steps::new(root, mask);
            }
            let q = &self.steps;
            let v = x[i];
            out[i] = if !v.is_finite() {
                v
            } else {
                match unit as i32 {
                    1 => q.nearest(v * 12.0 + 48.0) / 12.0 - 4.0,
                    2 if v > 0.0 => {
                        let n = q.nearest(69.0 + 12.0 * (v / 440.0).log2());
                        440.0 * ((n - 69.0) / 12.0).exp2()
                    }
                    2 => 0.0,
                    _ => q.nearest(v),
                }
            };
        }
    }

    fn clear(&mut self) {}

    fn carry(&mut self, _o: &Self) {}
}

knob_module!(Quantize);
