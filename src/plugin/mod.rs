//! LV2 plugin hosting: discovery (`synth-jack plugins`, `/plugins`), plugin
//! instances as modules of a patch, and the LV2 features a host provides.
//! Everything LV2 lives here; the `dsp` crate only sees ordinary modules.
//!
//! Plugins run in-process: a crash inside a plugin ends synth-jack.

mod error;
pub mod features;
pub mod ffi;
pub mod instance;
pub mod midi;
pub mod module;
pub mod state;
pub mod world;

pub use error::{PluginError, SEE_CLI, SEE_OSC};
pub use world::{world, PluginInfo, PortInfo, PortKind};

use dsp::ParamArg;
use std::sync::atomic::Ordering::*;

/// The text of `synth-jack plugins [URI]`: every plugin (URI and name, then
/// its ports), or one. Errors name an unknown URI.
pub fn listing(uri: Option<&str>) -> Result<String, PluginError> {
    let w = world();
    match uri {
        Some(u) => w
            .info(u)
            .map(|p| p.describe())
            .ok_or_else(|| PluginError::Unknown {
                uri: u.to_string(),
                see: SEE_CLI,
            }),
        None => Ok(w.plugins().iter().map(|p| p.describe()).collect()),
    }
}

/// The plugin URI of a module type written `lv2:URI`, or `lv2` with a `uri` parameter.
fn plugin_uri<'a>(kind: &'a str, params: &'a [(String, ParamArg)]) -> Option<&'a str> {
    if let Some(uri) = kind.strip_prefix(module::PREFIX) {
        return Some(uri);
    }
    if kind != "lv2" {
        return None;
    }
    params
        .iter()
        .find(|(n, _)| n == "uri")
        .and_then(|(_, v)| match v {
            ParamArg::Text(t) => Some(t.as_str()),
            ParamArg::Number(_) => None,
        })
}

/// Checks the creation of a plugin module before the patch is edited: the
/// plugin is installed and usable, and each value is within its port's
/// range (plugins get `/fail` for out-of-range values, not clamping).
/// `Ok(Some(warning))` for a plugin that is not hard-real-time capable;
/// `Ok(None)` also for types that are not plugins.
pub fn check_create(
    id: &str,
    kind: &str,
    params: &[(String, ParamArg)],
) -> Result<Option<String>, PluginError> {
    if kind == "lv2" && plugin_uri(kind, params).is_none() {
        return Err(PluginError::Usage);
    }
    let Some(uri) = plugin_uri(kind, params) else {
        return Ok(None);
    };
    module::check(uri)?;
    for (name, value) in params.iter().filter(|(n, _)| n != "uri") {
        check_value(id, &format!("{}{uri}", module::PREFIX), name, value)?;
    }
    Ok(module::not_hard_rt(uri).then(|| {
        let w = format!("warning: plugin {uri} is not hardRTCapable (it may cause dropouts)");
        log::warn!("{id}: {w}");
        w
    }))
}

/// Refuses a value outside the range of a plugin's control port (types that
/// are not plugins pass: they clamp with a warning).
pub fn check_value(id: &str, kind: &str, param: &str, value: &ParamArg) -> Result<(), PluginError> {
    let Some(uri) = kind.strip_prefix(module::PREFIX) else {
        return Ok(());
    };
    let w = world();
    let Some(port) = w.info(uri).and_then(|i| i.port(param)) else {
        // A parameter of the host's own (`bend` of an instrument)?
        let own = module::entry(uri)
            .ok()
            .and_then(|(_, t)| t.spec.params.iter().find(|p| p.name == param));
        return match (own, number(id, param, value)?) {
            (Some(p), v) if v >= p.min && v <= p.max => Ok(()),
            (Some(p), v) => Err(out_of_range(id, param, v, (p.min, p.max, p.unit))),
            (None, _) => Err(PluginError::NoPort {
                uri: uri.to_string(),
                id: id.to_string(),
                param: param.to_string(),
            }),
        };
    };
    if port.kind != PortKind::Control || !port.input {
        return Err(PluginError::NotControlInput {
            uri: uri.to_string(),
            id: id.to_string(),
            param: param.to_string(),
        });
    }
    let v = number(id, param, value)?;
    if !v.is_finite() || (!port.min.is_nan() && (v < port.min || v > port.max)) {
        return Err(out_of_range(id, param, v, (port.min, port.max, &port.unit)));
    }
    Ok(())
}

/// `value` refused for `id.param`, whose range and unit are `range`.
fn out_of_range(id: &str, param: &str, value: f32, range: (f32, f32, &str)) -> PluginError {
    PluginError::OutOfRange {
        id: id.to_string(),
        param: param.to_string(),
        value,
        min: range.0,
        max: range.1,
        unit: range.2.to_string(),
    }
}

/// `value` as a number, for messages about `id.param`.
fn number(id: &str, param: &str, value: &ParamArg) -> Result<f32, PluginError> {
    match value {
        ParamArg::Number(v) => Ok(*v),
        ParamArg::Text(t) => t.parse::<f32>().map_err(|_| PluginError::BadValue {
            id: id.to_string(),
            param: param.to_string(),
            text: t.clone(),
        }),
    }
}

/// What the control thread does for plugins around failovers.
#[derive(Debug, Default)]
pub struct Hooks {
    /// `--quarantine-plugins`: a failover drops plugins hanging in `run()`.
    pub quarantine: bool,
}

impl Hooks {
    /// Before rebuilding what plays after a failover (see [`quarantine`]).
    pub fn on_failover(&mut self, patches: &mut [&mut dsp::Patch]) {
        if self.quarantine {
            quarantine(patches);
        }
    }
}

/// Runs `build`, the graph build of a commit from `old` (what plays) to
/// `new`: a plugin that stays (same id and plugin, no loaded state waiting
/// for it) is not instantiated again; the playing instance moves in at the
/// switch. New or changed plugins are instantiated here, once.
pub fn build_commit<T>(old: &dsp::Patch, new: &dsp::Patch, build: impl FnOnce() -> T) -> T {
    let kept = new
        .modules
        .iter()
        .filter(|m| m.kind.starts_with(module::PREFIX))
        .filter(|m| old.module(&m.id).is_some_and(|o| o.kind == m.kind))
        .filter(|m| !state::is_staged(&m.id))
        .map(|m| m.id.clone())
        .collect();
    module::building(module::Instances::Carried(kept), build)
}

/// Runs `build`, the graph build of a standby slot: its plugin modules get no
/// instances (they would only double every plugin's cost and memory). A
/// failover builds a fresh graph with instances; a standby graph plays, with
/// silent plugins, only when that fails.
pub fn build_standby<T>(build: impl FnOnce() -> T) -> T {
    module::building(module::Instances::None, build)
}

/// Removes from `patches` every plugin module whose instance is stuck inside
/// `run()` (a hung plugin that made its worker fail over), for
/// `--quarantine-plugins`. Returns the ids removed.
pub fn quarantine(patches: &mut [&mut dsp::Patch]) -> Vec<String> {
    let stuck: Vec<String> = instance::live_instances()
        .into_iter()
        .filter(|s| s.in_run.load(Acquire))
        .map(|s| s.id.clone())
        .collect();
    for p in patches.iter_mut() {
        for id in &stuck {
            let _ = p.delete(id);
        }
    }
    for id in &stuck {
        log::error!("plugin module '{id}' hangs in run(); quarantined (removed from the patch)");
    }
    stuck
}

#[cfg(test)]
mod tests;
