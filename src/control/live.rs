//! Live changes to what plays (`/mod`, `/gate`): checked against the
//! playing patch, recorded in the pending and committed patches, and sent to
//! both workers at once or at an exact timeline frame, never more than their
//! queues and event lists can hold.

use super::Control;
use crate::engine::Engine;
use crate::rt::command::WorkerCmd;
use crate::rt::shared::{CONTROL_RESERVE, WORKER_QUEUE};
use crate::rt::worker::EVENT_CAPACITY;
use dsp::{Event, EventKind, Name, ParamArg, PatchError};
use std::cmp::Reverse;
use std::sync::atomic::Ordering::*;

impl Control {
    /// Resolves `id` and `param` against what plays.
    fn resolve(
        &self,
        id: &str,
        param: &str,
    ) -> Result<(Name, usize, &'static dsp::ParamSpec), PatchError> {
        let spec = self.committed.spec_of(&self.registry, id)?;
        let pi = spec
            .param_index(param)
            .ok_or_else(|| PatchError::unknown_param(id, spec, param))?;
        Ok((module_name(id)?, pi, &spec.params[pi]))
    }

    /// Live parameter change on what plays (smoothed), at `frame` or at once;
    /// also recorded in the pending and committed patches. Returns the
    /// clamped value and warnings.
    pub fn set_live(
        &mut self,
        engine: &Engine,
        id: &str,
        param: &str,
        value: &ParamArg,
        frame: Option<u64>,
    ) -> Result<(f32, Vec<String>), PatchError> {
        if let Some((inst, inner)) = dsp::voice::edit::inner_id(id) {
            return self.set_voice_live(engine, (inst, inner), param, value, frame);
        }
        let (name, pi, _) = self.resolve(id, param)?;
        self.make_room(engine, frame)?;
        let (v, warnings) = self.committed.set(&self.registry, id, param, value)?;
        if self.pending.module_index(id).is_some() {
            let _ = self.pending.set(&self.registry, id, param, value);
        }
        let kind = EventKind::Param {
            index: pi as u16,
            value: v,
        };
        self.send_event(engine, frame, name, kind);
        Ok((v, warnings))
    }

    /// Gate on or off for module `id` of what plays.
    pub fn gate(
        &mut self,
        engine: &Engine,
        id: &str,
        on: bool,
        frame: Option<u64>,
    ) -> Result<(), PatchError> {
        let gated = self.committed.spec_of(&self.registry, id)?.gate;
        if !gated {
            return Err(PatchError::NoGate(id.to_string()));
        }
        let name = module_name(id)?;
        self.make_room(engine, frame)?;
        self.send_event(engine, frame, name, EventKind::Gate(on));
        Ok(())
    }

    /// Refuses a live event when the workers' queues, or (timed) their event
    /// lists, have no room for it. Checked before anything is changed.
    pub(super) fn make_room(
        &mut self,
        engine: &Engine,
        frame: Option<u64>,
    ) -> Result<(), PatchError> {
        room_for_event(engine)?;
        self.reserve(engine, frame)
    }

    /// Refuses a timed event when the workers' event lists would overflow.
    /// (Room in the queues themselves is checked by [`room_for_event`].)
    fn reserve(&mut self, engine: &Engine, frame: Option<u64>) -> Result<(), PatchError> {
        let Some(frame) = frame else {
            return Ok(());
        };
        let sh = engine.shared();
        let active = sh.stats.active_slot.load(Acquire) as usize;
        let rendered = sh.slots[active].produced.load(Acquire);
        while self
            .scheduled
            .peek()
            .is_some_and(|Reverse(f)| *f < rendered)
        {
            self.scheduled.pop();
        }
        if self.scheduled.len() >= EVENT_CAPACITY {
            return Err(PatchError::OverCapacity {
                what: "scheduled events",
                limit: EVENT_CAPACITY,
            });
        }
        self.scheduled.push(Reverse(frame));
        Ok(())
    }

    /// Queues an event on both slots (frame 0 = at once).
    pub(super) fn send_event(
        &self,
        engine: &Engine,
        frame: Option<u64>,
        module: Name,
        kind: EventKind,
    ) {
        let event = Event {
            offset: 0,
            module,
            kind,
        };
        for s in &engine.shared().slots {
            if s.cmds
                .push(WorkerCmd::Event {
                    frame: frame.unwrap_or(0),
                    event,
                })
                .is_err()
            {
                s.stats.lost_events.fetch_add(1, Relaxed);
            }
        }
    }
}

/// A module id as the workers name it, or why it cannot be one.
pub(super) fn module_name(id: &str) -> Result<Name, PatchError> {
    Name::new(id).ok_or_else(|| PatchError::BadName(id.to_string()))
}

/// Refuses a live change when a worker's queue has no room left outside the
/// part kept for control commands, so `/mod` traffic can never keep a
/// handover, a stop or a reload from reaching a worker.
fn room_for_event(engine: &Engine) -> Result<(), PatchError> {
    let limit = WORKER_QUEUE - CONTROL_RESERVE;
    if engine.shared().slots.iter().any(|s| s.cmds.len() >= limit) {
        return Err(PatchError::OverCapacity {
            what: "live changes waiting for the workers",
            limit,
        });
    }
    Ok(())
}
