//! Editing the pending patch: `/patch/create`, `connect`, `disconnect`,
//! `delete`, `set`, `abort`, `clear` and `dump`.

use super::reply::s;
use super::{Backend, Dispatcher};
use crate::osc::peer::Peer;
use crate::osc::Failure;
use dsp::{ParamArg, Patch};

impl Dispatcher {
    pub(super) fn create(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        id: String,
        kind: &str,
        params: &[(String, ParamArg)],
    ) -> Result<(), Failure> {
        let plugin_warning =
            crate::plugin::check_create(&id, kind, params).map_err(Failure::Plugin)?;
        let (reg, p) = b.edit();
        let warnings = p.create(reg, &id, kind, params)?;
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
    ) -> Result<(), Failure> {
        let (reg, p) = b.edit();
        if on {
            p.connect(reg, src, dst)?;
            self.done(from, "/patch/connect", vec![]);
        } else {
            p.disconnect(reg, src, dst)?;
            self.done(from, "/patch/disconnect", vec![]);
        }
        Ok(())
    }

    pub(super) fn delete(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        id: &str,
    ) -> Result<(), Failure> {
        b.edit().1.delete(id)?;
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
    ) -> Result<(), Failure> {
        if let Some(m) = b.pending().module(id) {
            crate::plugin::check_value(id, &m.kind, param, value).map_err(Failure::Plugin)?;
        }
        let (reg, p) = b.edit();
        let (_, warnings) = p.set(reg, id, param, value)?;
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
    ) -> Result<(), Failure> {
        let p = if pending { b.pending() } else { b.committed() };
        let mut text = p.to_text(b.registry());
        if !pending {
            text.push_str(&super::plugins::outputs_text(p));
        }
        if text.len() > from.max_reply_text() {
            return Err(Failure::TooLong {
                bytes: text.len(),
                udp: matches!(from, Peer::Udp(_)),
            });
        }
        self.reply(from, "/patch.dump", vec![s(text)]);
        Ok(())
    }
}
