//! Instruments: `/note/*` (live, silent unless they fail, at once or at a
//! frame), `/voice/create`, `/midi/map` and `/midi/cc` (patch edits that
//! play from the next commit).

use super::reply::s;
use super::{Backend, Dispatcher};
use crate::osc::peer::Peer;
use crate::osc::request::Request;
use crate::osc::Failure;
use dsp::NoteEvent;

impl Dispatcher {
    /// Carries out an instrument request at `frame` (`None`: at once).
    pub(super) fn instrument(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        req: Request,
        frame: Option<u64>,
    ) -> Result<(), Failure> {
        match req {
            Request::Note { inst, ev, dur_ms } => {
                b.note(&inst, ev, frame)?;
                self.events_sent = true;
                if let (Some(ms), NoteEvent::On { note, .. }) = (dur_ms, ev) {
                    // The note-off follows the note-on (at its frame, or
                    // where the playing worker is now) by the duration.
                    let start = frame.unwrap_or_else(|| b.rendered());
                    let len = (ms as f64 * b.sample_rate() / 1000.0).round().max(1.0);
                    b.note(&inst, NoteEvent::Off { note }, Some(start + len as u64))?;
                }
            }
            Request::VoiceCreate { name, params } => {
                let (reg, p) = b.edit();
                for w in p.voice_create(reg, &name, &params)? {
                    log::warn!("/voice/create: {w}");
                }
                self.done(from, "/voice/create", vec![s(name)]);
            }
            Request::MidiMap { channel, inst } => {
                let (reg, p) = b.edit();
                p.map_midi(reg, channel, &inst)?;
                self.done(from, "/midi/map", vec![]);
            }
            Request::MidiCc(route) => {
                let (reg, p) = b.edit();
                p.add_cc(reg, route)?;
                self.done(from, "/midi/cc", vec![]);
            }
            other => {
                return Err(Failure::BadRequest(format!(
                    "not an instrument request: {other:?}"
                )))
            }
        }
        Ok(())
    }
}
