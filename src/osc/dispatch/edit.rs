//! Editing the pending patch: `/patch/create`, `connect`, `disconnect`,
//! `delete`, `set`, `abort`, `clear` and `dump`.

use super::reply::s;
use super::{Backend, Dispatcher};
use crate::osc::peer::Peer;
use dsp::{ParamArg, Patch, PatchError};

fn e(e: PatchError) -> String {
    e.to_string()
}

impl Dispatcher {
    pub(super) fn create(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        id: String,
        kind: &str,
        params: &[(String, ParamArg)],
    ) -> Result<(), String> {
        let plugin_warning = crate::plugin::check_create(&id, kind, params)?;
        let (reg, p) = b.edit();
        let warnings = p.create(reg, &id, kind, params).map_err(e)?;
        for w in warnings {
            log::warn!("/patch/create: {w}");
        }
        let mut args = vec![s(id)];
        args.extend(plugin_warning.map(s));
        self.done(from, "/patch/create", args);
        Ok(())
    }

    /// `/patch/connect` (`on`) or `/patch/disconnect`.
    pub(super) fn connect(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        (src, dst): (&str, &str),
        on: bool,
    ) -> Result<(), String> {
        let (reg, p) = b.edit();
        if on {
            p.connect(reg, src, dst).map_err(e)?;
            self.done(from, "/patch/connect", vec![]);
        } else {
            p.disconnect(reg, src, dst).map_err(e)?;
            self.done(from, "/patch/disconnect", vec![]);
        }
        Ok(())
    }

    pub(super) fn delete(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        id: &str,
    ) -> Result<(), String> {
        b.edit().1.delete(id).map_err(e)?;
        self.done(from, "/patch/delete", vec![]);
        Ok(())
    }

    pub(super) fn set(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        id: &str,
        param: &str,
        value: &ParamArg,
    ) -> Result<(), String> {
        if let Some(m) = b.pending().module(id) {
            crate::plugin::check_value(id, &m.kind, param, value)?;
        }
        let (reg, p) = b.edit();
        let (_, warnings) = p.set(reg, id, param, value).map_err(e)?;
        for w in warnings {
            log::warn!("/patch/set: {w}");
        }
        self.done(from, "/patch/set", vec![]);
        Ok(())
    }

    pub(super) fn abort(&mut self, b: &mut dyn Backend, from: Peer) {
        b.abort();
        self.done(from, "/patch/abort", vec![]);
    }

    pub(super) fn clear(&mut self, b: &mut dyn Backend, from: Peer) {
        *b.edit().1 = Patch::new();
        self.done(from, "/patch/clear", vec![]);
    }

    pub(super) fn dump(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        pending: bool,
    ) -> Result<(), String> {
        let p = if pending { b.pending() } else { b.committed() };
        let mut text = p.to_text(b.registry());
        if !pending {
            text.push_str(&super::plugins::outputs_text(p));
        }
        if text.len() > from.max_reply_text() {
            return Err(format!(
                "the patch is {} bytes of text, too long for one reply; use /patch/save{}",
                text.len(),
                if matches!(from, Peer::Udp(_)) {
                    " or OSC over TCP"
                } else {
                    ""
                }
            ));
        }
        self.reply(from, "/patch.dump", vec![s(text)]);
        Ok(())
    }
}
