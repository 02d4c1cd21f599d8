//! Live changes to what plays: `/mod` and `/gate`, at once or at a frame.

use super::{Backend, Dispatcher};
use crate::osc::Failure;
use dsp::{ParamArg, PatchError};

impl Dispatcher {
    pub(super) fn set_live(
        &mut self,
        b: &mut dyn Backend,
        id: &str,
        param: &str,
        value: &ParamArg,
        frame: Option<u64>,
    ) -> Result<(), Failure> {
        if let Some(m) = b.committed().module(id) {
            crate::plugin::check_value(id, &m.kind, param, value).map_err(Failure::Plugin)?;
        }
        match b.set_live(id, param, value, frame) {
            Ok((_, warnings)) => {
                self.events_sent = true;
                for w in warnings {
                    log::debug!("/mod: {w}");
                }
                Ok(())
            }
            Err(err) => Err(not_playing(b, id, err)),
        }
    }

    pub(super) fn gate(
        &mut self,
        b: &mut dyn Backend,
        id: &str,
        on: bool,
        frame: Option<u64>,
    ) -> Result<(), Failure> {
        b.gate(id, on, frame)
            .map_err(|err| not_playing(b, id, err))?;
        self.events_sent = true;
        Ok(())
    }
}

/// An unknown-module error about what plays, with a hint when the module is
/// only in the pending patch.
fn not_playing(b: &dyn Backend, id: &str, err: PatchError) -> Failure {
    match err {
        PatchError::UnknownModule(_) => Failure::NotPlaying {
            id: id.to_string(),
            pending: b.pending().module(id).is_some(),
        },
        other => Failure::Patch(other),
    }
}
