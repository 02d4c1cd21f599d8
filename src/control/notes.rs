//! Note events for instruments of what plays (`/note/*` over OSC): checked
//! against the playing patch here, then sent to both workers like any live
//! event, at once or at an exact timeline frame.

use super::Control;
use crate::engine::Engine;
use dsp::{EventKind, NoteEvent, ParamArg, PatchError};

impl Control {
    /// Sends `ev` to instrument `inst` of what plays (or another module that
    /// plays notes: an LV2 plugin with a MIDI input), at `frame` or at once.
    pub fn note(
        &mut self,
        engine: &Engine,
        inst: &str,
        ev: NoteEvent,
        frame: Option<u64>,
    ) -> Result<(), PatchError> {
        let spec = self.committed.spec_of(&self.registry, inst)?;
        if !self.registry.plays_notes(spec) {
            return Err(PatchError::Instrument {
                name: inst.to_string(),
                message: format!("is a {}, not an instrument", spec.name),
            });
        }
        let name = super::live::module_name(inst)?;
        self.make_room(engine, frame)?;
        self.send_event(engine, frame, name, EventKind::Note(ev));
        Ok(())
    }

    /// Live change of parameter `param` of module `inner` in every voice of
    /// instrument `inst` (`/mod/lead.filt/cutoff`), smoothed, also recorded
    /// in the committed and pending patches.
    pub fn set_voice_live(
        &mut self,
        engine: &Engine,
        (inst, inner): (&str, &str),
        param: &str,
        value: &ParamArg,
        frame: Option<u64>,
    ) -> Result<(f32, Vec<String>), PatchError> {
        let reg = dsp::voice::template::registry(&self.registry);
        let template = self
            .committed
            .template(inst)
            .ok_or_else(|| PatchError::UnknownModule(inst.to_string()))?;
        let spec = template.patch.spec_of(&reg, inner)?;
        let id = format!("{inst}.{inner}");
        let index = spec
            .param_index(param)
            .ok_or_else(|| PatchError::unknown_param(&id, spec, param))?;
        let (v, warnings) = self.committed.set(&self.registry, &id, param, value)?;
        let _ = self.pending.set(&self.registry, &id, param, value);
        let module = super::live::module_name(inner)?;
        let ev = NoteEvent::Param {
            module,
            index: index as u16,
            value: v,
        };
        self.note(engine, inst, ev, frame)?;
        Ok((v, warnings))
    }
}
