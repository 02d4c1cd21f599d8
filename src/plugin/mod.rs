//! LV2 plugin hosting: discovery (`synth-jack plugins`, `/plugins`), plugin
//! instances as modules of a patch, and the LV2 features a host provides.
//! Everything LV2 lives here; the `dsp` crate only sees ordinary modules.
//!
//! Plugins run in-process: a crash inside a plugin ends synth-jack.

pub mod features;
pub mod ffi;
pub mod instance;
pub mod module;
pub mod state;
pub mod world;

pub use world::{world, PluginInfo, PortInfo, PortKind};

/// The text of `synth-jack plugins [URI]`: every plugin (URI and name, then
/// its ports), or one. Errors name an unknown URI.
pub fn listing(uri: Option<&str>) -> Result<String, String> {
    let w = world();
    match uri {
        Some(u) => w
            .info(u)
            .map(|p| p.describe())
            .ok_or_else(|| format!("unknown plugin {u} (see `synth-jack plugins`)")),
        None => Ok(w.plugins().iter().map(|p| p.describe()).collect()),
    }
}

#[cfg(test)]
mod tests;
