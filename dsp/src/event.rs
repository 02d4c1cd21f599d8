//! Timed events applied inside a block at an exact sample offset.

use crate::name::Name;

/// What an event does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventKind {
    /// Set parameter `index` (smoothed for continuous parameters).
    Param {
        /// Parameter index in the module's spec.
        index: u16,
        /// New value, already clamped.
        value: f32,
    },
    /// Gate on (`true`) or off.
    Gate(bool),
    /// A note event for an instrument (see [`crate::voice`]).
    Note(NoteEvent),
    /// A raw MIDI channel message, routed by the graph's MIDI map (the
    /// event's module id is ignored).
    Midi([u8; 3]),
}

/// What an instrument is told to do. Notes are MIDI numbers (fractional for
/// microtones); values are 0–1 unless said otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NoteEvent {
    /// Note on with velocity 0–1.
    On {
        /// MIDI note number.
        note: f32,
        /// Velocity, 0–1.
        vel: f32,
    },
    /// Note off.
    Off {
        /// MIDI note number.
        note: f32,
    },
    /// Pitch bend in semitones (OSC).
    Bend(f32),
    /// Pitch bend as a fraction of the instrument's bend range, -1..1 (MIDI).
    BendRange(f32),
    /// Channel pressure for every voice.
    Pressure(f32),
    /// Pressure for the voices playing one note (polyphonic aftertouch).
    PolyPressure {
        /// MIDI note number.
        note: f32,
        /// Pressure, 0–1.
        value: f32,
    },
    /// Sustain pedal down (`true`) or up.
    Sustain(bool),
    /// Release every note (MIDI CC123, `/note/alloff`).
    AllOff,
    /// Silence every voice within the steal fade (MIDI CC120).
    AllSoundOff,
    /// Set parameter `index` of module `module` inside every voice.
    Param {
        /// The module's id inside the voice template.
        module: crate::name::Name,
        /// Parameter index in that module's spec.
        index: u16,
        /// New value, already clamped.
        value: f32,
    },
}

/// An event for one module, `offset` frames into the block being rendered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Frame offset inside the block passed to `Graph::process`.
    pub offset: u32,
    /// The target module's id.
    pub module: Name,
    /// What to do.
    pub kind: EventKind,
}
