//! Live changes to what plays: `/mod` and `/gate`, at once or at a frame.

use super::{Backend, Dispatcher};
use dsp::{ParamArg, PatchError};

impl Dispatcher {
    pub(super) fn set_live(
        &mut self,
        b: &mut dyn Backend,
        id: &str,
        param: &str,
        value: &ParamArg,
        frame: Option<u64>,
    ) -> Result<(), String> {
        if let Some(m) = b.committed().module(id) {
            crate::plugin::check_value(id, &m.kind, param, value)?;
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
    ) -> Result<(), String> {
        b.gate(id, on, frame)
            .map_err(|err| not_playing(b, id, err))?;
        self.events_sent = true;
        Ok(())
    }
}

/// An unknown-module error about what plays, with a hint when the module is
/// only in the pending patch.
fn not_playing(b: &dyn Backend, id: &str, err: PatchError) -> String {
    match err {
        PatchError::UnknownModule(_) if b.pending().module(id).is_some() => format!(
            "module '{id}' is not playing yet: it is in the pending patch (send /patch/commit first)"
        ),
        PatchError::UnknownModule(_) => format!("unknown module '{id}' in the playing patch"),
        other => other.to_string(),
    }
}
