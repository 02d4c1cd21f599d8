//! The JACK MIDI input `midi_in`, read by the process callback. Each channel
//! message becomes a timed event for both workers at its own frame exactly
//! `lead` periods later than JACK delivered it: the callback runs at
//! timeline frame `t`, when no worker has rendered past `t + lead·period`, so
//! frame `t + offset + lead·period` is still ahead of every worker and the
//! latency is constant (no jitter). The events travel through the workers'
//! preallocated lock-free command queues; nothing here allocates.

use super::command::WorkerCmd;
use super::shared::Shared;
use dsp::{Event, EventKind, Name};
use std::sync::atomic::Ordering::*;

/// The MIDI input port and what the callback needs to forward its events.
pub struct MidiInput {
    port: jack::Port<jack::MidiIn>,
    /// Placeholder module id of MIDI events (the graph routes them by channel).
    name: Name,
}

impl MidiInput {
    /// Wraps a registered `midi_in` port.
    pub fn new(port: jack::Port<jack::MidiIn>) -> MidiInput {
        MidiInput {
            port,
            name: Name::new("midi").expect("valid name"),
        }
    }

    /// Forwards this cycle's channel messages (the cycle starts at timeline
    /// frame `t`) to both workers. System messages are ignored; an event
    /// that finds a worker queue full is counted in `lost_events`.
    pub fn forward(&self, ps: &jack::ProcessScope, shared: &Shared, t: u64) {
        let lead = shared.lead_frames();
        for raw in self.port.iter(ps) {
            let Some(msg) = channel_message(raw.bytes) else {
                continue;
            };
            let event = Event {
                offset: 0,
                module: self.name,
                kind: EventKind::Midi(msg),
            };
            let frame = t + raw.time as u64 + lead;
            for s in &shared.slots {
                if s.cmds.push(WorkerCmd::Event { frame, event }).is_err() {
                    s.stats.lost_events.fetch_add(1, Relaxed);
                }
            }
            shared.stats.midi_events.fetch_add(1, Relaxed);
        }
    }
}

/// A channel voice message (note, aftertouch, controller, program, pressure,
/// bend) padded to three bytes; `None` for system messages and junk.
pub fn channel_message(bytes: &[u8]) -> Option<[u8; 3]> {
    let status = *bytes.first()?;
    if !(0x80..0xf0).contains(&status) {
        return None;
    }
    let want = if matches!(status & 0xf0, 0xc0 | 0xd0) {
        2
    } else {
        3
    };
    if bytes.len() < want {
        return None;
    }
    let mut m = [status, bytes[1], 0];
    if want == 3 {
        m[2] = bytes[2];
    }
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::channel_message;

    #[test]
    fn channel_messages_are_padded_and_system_messages_dropped() {
        assert_eq!(channel_message(&[0x91, 60, 100]), Some([0x91, 60, 100]));
        assert_eq!(channel_message(&[0xd0, 99]), Some([0xd0, 99, 0]));
        assert_eq!(channel_message(&[0x90, 60]), None);
        assert_eq!(channel_message(&[0xf8]), None);
        assert_eq!(channel_message(&[0xf0, 1, 2, 0xf7]), None);
        assert_eq!(channel_message(&[]), None);
    }
}
