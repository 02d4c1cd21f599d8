//! `note`: the per-voice source of a voice template. Its instrument sets
//! its state at the exact frame of each note event; it outputs that state as
//! audio-rate signals for the rest of the voice to use.

use crate::module::{same_type, Module, ProcessIo};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, PortSpec};
use std::any::Any;

/// Metadata of `note`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "note",
    aliases: &[],
    description: "per-voice note inside a voice template: freq (Hz, bend and glide included), \
                  gate, vel, pressure, note number, trig (one-sample pulse at note-on)",
    inputs: &[],
    outputs: &[
        PortSpec::new("freq"),
        PortSpec::new("gate"),
        PortSpec::new("vel"),
        PortSpec::new("pressure"),
        PortSpec::new("note"),
        PortSpec::new("trig"),
    ],
    params: &[],
    gate: false,
};

/// The `note` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |cx| Box::new(Note::new(cx.sample_rate)),
};

/// Frequency in Hz of a (fractional) MIDI note number.
#[inline]
pub fn note_hz(note: f32) -> f32 {
    440.0 * ((note - 69.0) / 12.0).exp2()
}

/// A voice's note state.
#[derive(Debug, Clone, Copy)]
pub struct Note {
    sr: f32,
    /// Pitch now, in semitones (MIDI note number, glide included).
    pitch: f32,
    /// Pitch being glided to.
    target: f32,
    /// Pitch change per sample while gliding.
    step: f32,
    /// Samples of glide left.
    glide_left: u32,
    /// Pitch bend, semitones.
    pub bend: f32,
    /// Fixed detune of this voice (unison), semitones.
    pub detune: f32,
    gate: f32,
    vel: f32,
    pressure: f32,
    trig: bool,
    /// True once the voice has played a note (glides start from it).
    played: bool,
}

impl Note {
    /// A silent note state.
    pub fn new(sample_rate: f32) -> Self {
        Note {
            sr: sample_rate,
            pitch: 60.0,
            target: 60.0,
            step: 0.0,
            glide_left: 0,
            bend: 0.0,
            detune: 0.0,
            gate: 0.0,
            vel: 0.0,
            pressure: 0.0,
            trig: false,
            played: false,
        }
    }

    /// Moves to `note`: at once, or linearly in pitch over exactly
    /// `round(glide_ms·sr/1000)` samples from the current pitch.
    pub fn set_pitch(&mut self, note: f32, glide_ms: f32) {
        let len = (glide_ms.max(0.0) as f64 * self.sr as f64 / 1000.0).round() as u32;
        if len == 0 || !self.played {
            self.pitch = note;
            self.glide_left = 0;
        } else {
            self.step = (note - self.pitch) / len as f32;
            self.glide_left = len;
        }
        self.target = note;
        self.played = true;
    }

    /// Puts the pitch at `note` at once, as if it had been playing it (a
    /// poly voice's glide starts from the instrument's previous note).
    pub fn place(&mut self, note: f32) {
        self.pitch = note;
        self.target = note;
        self.glide_left = 0;
        self.played = true;
    }

    /// Starts a note: pitch (with glide), gate open, velocity, a trigger pulse.
    pub fn start(&mut self, note: f32, vel: f32, glide_ms: f32) {
        self.set_pitch(note, glide_ms);
        self.gate = 1.0;
        self.vel = vel;
        self.trig = true;
    }

    /// Opens or closes the gate.
    pub fn set_gate(&mut self, on: bool) {
        self.gate = if on { 1.0 } else { 0.0 };
    }

    /// Sets the pressure (0–1).
    pub fn set_pressure(&mut self, p: f32) {
        self.pressure = p;
    }

    /// The note being played (glide target).
    pub fn target(&self) -> f32 {
        self.target
    }

    /// The frequency now, in Hz.
    pub fn freq(&self) -> f32 {
        note_hz(self.pitch + self.bend + self.detune)
    }
}

impl Module for Note {
    fn params_mut(&mut self) -> &mut [crate::module::Smoother] {
        &mut []
    }

    fn set_param(&mut self, _: usize, _: f32) {}

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let [freq, gate, vel, pressure, note, trig] = &mut io.outputs[..6] else {
            return;
        };
        if self.glide_left == 0 {
            freq[..n].fill(self.freq());
        } else {
            for f in freq[..n].iter_mut() {
                *f = self.freq();
                if self.glide_left > 0 {
                    self.glide_left -= 1;
                    self.pitch = if self.glide_left == 0 {
                        self.target
                    } else {
                        self.pitch + self.step
                    };
                }
            }
        }
        gate[..n].fill(self.gate);
        vel[..n].fill(self.vel);
        pressure[..n].fill(self.pressure);
        note[..n].fill(self.target);
        trig[..n].fill(0.0);
        if std::mem::take(&mut self.trig) {
            trig[0] = 1.0;
        }
    }

    fn reset(&mut self) {
        self.glide_left = 0;
        self.pitch = self.target;
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Note>(old) {
            let sr = self.sr;
            *self = *o;
            self.sr = sr;
        }
    }

    fn as_any_mut(&mut self) -> Option<&mut dyn Any> {
        Some(self)
    }
}
