//! LV2 plugins over OSC: `/plugins`, `/plugin/info`, `/plugin/get` and
//! `/plugin/stats` (what `synth-jack plugins` prints, plugin values, and
//! per-plugin run statistics).

use super::reply::{int, s};
use super::{Backend, Dispatcher};
use crate::osc::peer::Peer;
use crate::osc::Failure;
use crate::plugin::{self, instance, module::PREFIX, PluginError, PortKind};
use rosc::OscType;
use std::sync::atomic::Ordering::Relaxed;

impl Dispatcher {
    /// `/plugins.reply` with one string per plugin: `URI name`.
    pub(super) fn plugins(&mut self, from: Peer) {
        let list: Vec<OscType> = plugin::world()
            .plugins()
            .iter()
            .map(|p| s(format!("{} {}", p.uri, p.name)))
            .collect();
        self.reply(from, "/plugins.reply", list);
    }

    /// `/plugin/info.reply URI NAME` then one string per port:
    /// `in|out KIND SYMBOL [MIN MAX DEFAULT UNIT]`.
    pub(super) fn plugin_info(&mut self, from: Peer, uri: &str) -> Result<(), Failure> {
        let w = plugin::world();
        let info = w.info(uri).ok_or_else(|| {
            Failure::Plugin(PluginError::Unknown {
                uri: uri.to_string(),
                see: crate::plugin::SEE_OSC,
            })
        })?;
        let mut args = vec![s(info.uri.clone()), s(info.name.clone())];
        for p in &info.ports {
            let dir = if p.input { "in" } else { "out" };
            let mut line = format!("{dir} {} {}", p.kind.label(), p.symbol);
            if matches!(p.kind, PortKind::Control | PortKind::Cv) && !p.min.is_nan() {
                line.push_str(&format!(" {} {} {} {}", p.min, p.max, p.default, p.unit));
            }
            args.push(s(line.trim_end().to_string()));
        }
        drop(w);
        self.reply(from, "/plugin/info.reply", args);
        Ok(())
    }

    /// `/plugin/get.reply ID SYMBOL VALUE`: a control output as the plugin
    /// last wrote it, or a control input as set.
    pub(super) fn plugin_get(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        id: &str,
        symbol: &str,
    ) -> Result<(), Failure> {
        let m = b
            .committed()
            .module(id)
            .ok_or_else(|| Failure::NotPlaying {
                id: id.to_string(),
                pending: false,
            })?;
        if !m.kind.starts_with(PREFIX) {
            return Err(Failure::Plugin(PluginError::NotAPlugin(id.to_string())));
        }
        let value = match instance::playing(id)
            .and_then(|sh| Some((sh.output_symbols.iter().position(|x| x == symbol)?, sh)))
        {
            Some((i, sh)) => f32::from_bits(sh.outputs[i].load(Relaxed)),
            None => b.committed().param_value(b.registry(), id, symbol)?,
        };
        self.reply(
            from,
            "/plugin/get.reply",
            vec![s(id), s(symbol), OscType::Float(value)],
        );
        Ok(())
    }

    /// `/plugin/stats.reply` with the instances created since start, then
    /// per playing plugin instance: id, runs, overruns (runs that took
    /// longer than the audio they produced), and the longest run in
    /// microseconds.
    pub(super) fn plugin_stats(&mut self, from: Peer) {
        let mut args = vec![int(instance::instantiations())];
        let mut seen: Vec<String> = Vec::new();
        for sh in instance::live_instances() {
            if seen.contains(&sh.id) {
                continue;
            }
            let Some(sh) = instance::playing(&sh.id) else {
                continue;
            };
            seen.push(sh.id.clone());
            args.push(s(sh.id.clone()));
            args.push(int(sh.runs.load(Relaxed)));
            args.push(int(sh.overruns.load(Relaxed)));
            args.push(OscType::Float(sh.max_ns.load(Relaxed) as f32 / 1e3));
        }
        self.reply(from, "/plugin/stats.reply", args);
    }
}

/// Comment lines for `/patch/dump`: each plugin module's control outputs.
pub(super) fn outputs_text(patch: &dsp::Patch) -> String {
    let mut t = String::new();
    for m in patch.modules.iter().filter(|m| m.kind.starts_with(PREFIX)) {
        if let Some(sh) = instance::playing(&m.id) {
            for (sym, v) in sh.output_symbols.iter().zip(&sh.outputs) {
                t.push_str(&format!(
                    "# {}.{sym} = {} (control output)\n",
                    m.id,
                    f32::from_bits(v.load(Relaxed))
                ));
            }
        }
    }
    t
}
