//! Note events for instruments of what plays (`/note/*` over OSC): checked
//! against the playing patch here, then sent to both workers like any live
//! event, at once or at an exact timeline frame.

use super::Control;
use crate::engine::Engine;
use dsp::voice::instrument::SPEC as INSTRUMENT;
use dsp::{Event, EventKind, Name, NoteEvent, PatchError};

impl Control {
    /// Sends `ev` to instrument `inst` of what plays, at `frame` or at once.
    pub fn note(
        &mut self,
        engine: &Engine,
        inst: &str,
        ev: NoteEvent,
        frame: Option<u64>,
    ) -> Result<(), PatchError> {
        let spec = self.committed.spec_of(&self.registry, inst)?;
        if spec.name != INSTRUMENT.name {
            return Err(PatchError::Instrument {
                name: inst.to_string(),
                message: format!("is a {}, not an instrument", spec.name),
            });
        }
        let name = Name::new(inst).ok_or_else(|| PatchError::BadName(inst.to_string()))?;
        self.reserve(engine, frame)?;
        self.send_event(
            engine,
            frame,
            Event {
                offset: 0,
                module: name,
                kind: EventKind::Note(ev),
            },
        );
        Ok(())
    }
}
