//! Plugins as instruments: a plugin with an atom MIDI input plays notes.
//! `/note/*` and routed MIDI channels reach it as [`NoteEvent`]s, which the
//! graph applies at their exact frame; each becomes a MIDI message at the
//! start of the next `run()` (the graph splits blocks at events, so that
//! start is the event's frame), written into the instance's preallocated
//! atom sequence without allocating.

use super::module::{entry, PREFIX};
use super::world::PortKind;
use dsp::{ModuleSpec, NoteEvent, ParamSpec};

/// The `bend` parameter a plugin instrument gets beside its control ports
/// (unless it has a port of that name), like built-in instruments: the
/// plugin's pitch-bend range in semitones, by which `/note/bend SEMITONES`
/// is divided into a MIDI pitch bend (General MIDI default: 2). MIDI pitch
/// bends from `synth-jack:midi_in` reach the plugin as they are.
pub const BEND: ParamSpec = ParamSpec::new("bend", 0.0, 48.0, 2.0, "semitones", 0.0);

/// Whether modules of type `spec` play notes: plugins with a MIDI input
/// (the registry's [`dsp::registry::PlaysNotes`] for plugin types).
pub fn plays_notes(spec: &ModuleSpec) -> bool {
    spec.name.strip_prefix(PREFIX).is_some_and(|uri| {
        entry(uri).is_ok_and(|(info, _)| {
            info.ports
                .iter()
                .any(|p| p.kind == PortKind::Midi && p.input)
        })
    })
}

fn seven(x: f32) -> u8 {
    (x * 127.0).round().clamp(0.0, 127.0) as u8
}

fn key(note: f32) -> u8 {
    note.round().clamp(0.0, 127.0) as u8
}

/// The MIDI message (channel 1) for a note event, and its length, for an
/// instrument whose pitch-bend range is `bend` semitones; `None` for events
/// that only instruments' voice templates understand.
pub fn message(ev: &NoteEvent, bend: f32) -> Option<([u8; 3], usize)> {
    let range = bend;
    let to_bend = |x: f32| {
        let v = (8192.0 + x.clamp(-1.0, 1.0) * 8191.0).round() as u16;
        ([0xe0, (v & 0x7f) as u8, (v >> 7) as u8], 3)
    };
    Some(match *ev {
        NoteEvent::On { note, vel } => ([0x90, key(note), seven(vel).max(1)], 3),
        NoteEvent::Off { note } => ([0x80, key(note), 0], 3),
        NoteEvent::Bend(semitones) if range > 0.0 => to_bend(semitones / range),
        NoteEvent::Bend(_) => to_bend(0.0),
        NoteEvent::BendRange(x) => to_bend(x),
        NoteEvent::Pressure(p) => ([0xd0, seven(p), 0], 2),
        NoteEvent::PolyPressure { note, value } => ([0xa0, key(note), seven(value)], 3),
        NoteEvent::Sustain(on) => ([0xb0, 64, if on { 127 } else { 0 }], 3),
        NoteEvent::AllOff => ([0xb0, 123, 0], 3),
        NoteEvent::AllSoundOff => ([0xb0, 120, 0], 3),
        NoteEvent::Param { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`message`] at the General MIDI bend range.
    fn message_2(ev: &NoteEvent) -> Option<([u8; 3], usize)> {
        message(ev, 2.0)
    }

    #[test]
    fn note_events_become_channel_messages() {
        let on = NoteEvent::On {
            note: 69.0,
            vel: 100.0 / 127.0,
        };
        assert_eq!(message_2(&on), Some(([0x90, 69, 100], 3)));
        assert_eq!(
            message_2(&NoteEvent::Off { note: 60.4 }),
            Some(([0x80, 60, 0], 3))
        );
        assert_eq!(message_2(&NoteEvent::Bend(0.0)), Some(([0xe0, 0, 64], 3)));
        assert_eq!(
            message_2(&NoteEvent::Bend(2.0)),
            Some(([0xe0, 0x7f, 0x7f], 3))
        );
        assert_eq!(
            message_2(&NoteEvent::Pressure(1.0)),
            Some(([0xd0, 127, 0], 2))
        );
        assert_eq!(message_2(&NoteEvent::AllOff), Some(([0xb0, 123, 0], 3)));
    }

    #[test]
    fn note_bend_is_scaled_by_the_instruments_range_midi_bend_is_not() {
        let full = Some(([0xe0, 0x7f, 0x7f], 3));
        assert_eq!(message(&NoteEvent::Bend(12.0), 12.0), full);
        // Half the range up: 8192 + 4095.5, rounded.
        assert_eq!(
            message(&NoteEvent::Bend(6.0), 12.0),
            Some(([0xe0, 0, 0x60], 3))
        );
        assert_eq!(
            message(&NoteEvent::Bend(-12.0), 12.0),
            Some(([0xe0, 1, 0], 3))
        );
        // Past the range: full scale. A zero range: no bend.
        assert_eq!(message(&NoteEvent::Bend(24.0), 12.0), full);
        assert_eq!(
            message(&NoteEvent::Bend(5.0), 0.0),
            Some(([0xe0, 0, 64], 3))
        );
        // MIDI pitch bend (already a fraction of the range) passes as it is.
        assert_eq!(message(&NoteEvent::BendRange(1.0), 12.0), full);
    }
}
