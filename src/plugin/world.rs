//! Discovery: the installed LV2 plugins (lilv reads `LV2_PATH`, or the
//! standard locations), described as plain data the rest of synth-jack reads.
//! lilv is not thread-safe: one [`World`] lives behind a mutex, used only
//! off the real-time threads.

use super::ffi::*;
use std::ffi::{CStr, CString};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// What a port carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortKind {
    /// Audio samples.
    Audio,
    /// One value per block (a parameter, or a readable output).
    Control,
    /// Audio-rate control signal.
    Cv,
    /// An atom sequence that carries MIDI events.
    Midi,
    /// Another atom port (connected to an empty sequence).
    Atom,
    /// Anything else (the plugin is refused).
    Other,
}

impl PortKind {
    /// Name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            PortKind::Audio => "audio",
            PortKind::Control => "control",
            PortKind::Cv => "cv",
            PortKind::Midi => "midi",
            PortKind::Atom => "atom",
            PortKind::Other => "other",
        }
    }
}

/// One port of a plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct PortInfo {
    /// LV2 port index.
    pub index: u32,
    /// LV2 symbol: the name used in connections and parameters.
    pub symbol: String,
    /// Human-readable name.
    pub name: String,
    /// What it carries.
    pub kind: PortKind,
    /// Input (true) or output.
    pub input: bool,
    /// Range and default (control and CV ports; NaN when the plugin gives none).
    pub min: f32,
    /// Upper bound.
    pub max: f32,
    /// Default value.
    pub default: f32,
    /// Unit symbol ("dB", "Hz"...), empty when none.
    pub unit: String,
    /// Integer, toggled or enumerated values: never smoothed.
    pub stepped: bool,
}

/// One installed plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginInfo {
    /// Plugin URI.
    pub uri: String,
    /// Name.
    pub name: String,
    /// Ports in index order.
    pub ports: Vec<PortInfo>,
    /// Features the plugin requires.
    pub required: Vec<String>,
    /// Whether it declares `lv2:hardRTCapable`.
    pub hard_rt: bool,
    /// Whether it offers the state extension.
    pub has_state: bool,
}

impl PluginInfo {
    /// Ports of `kind` in direction `input`.
    pub fn ports_of(&self, kind: PortKind, input: bool) -> impl Iterator<Item = &PortInfo> {
        self.ports
            .iter()
            .filter(move |p| p.kind == kind && p.input == input)
    }

    /// The port called `symbol`.
    pub fn port(&self, symbol: &str) -> Option<&PortInfo> {
        self.ports.iter().find(|p| p.symbol == symbol)
    }

    /// A listing for users: URI, name, then each port.
    pub fn describe(&self) -> String {
        let mut s = format!("{}\n  name: {}\n", self.uri, self.name);
        if !self.hard_rt {
            s.push_str("  not hardRTCapable\n");
        }
        for p in &self.ports {
            let dir = if p.input { "in " } else { "out" };
            s.push_str(&format!("  {dir} {:<7} {:<12}", p.kind.label(), p.symbol));
            if matches!(p.kind, PortKind::Control | PortKind::Cv) && !p.min.is_nan() {
                s.push_str(&format!(
                    " {} .. {} {} (default {})",
                    p.min, p.max, p.unit, p.default
                ));
            }
            s.push_str(&format!("  \"{}\"\n", p.name));
        }
        s
    }
}

/// A lilv world with every installed plugin loaded.
pub struct World {
    pub(crate) world: *mut LilvWorld,
    catalog: Vec<PluginInfo>,
}

// The raw world is only touched while holding the global mutex.
unsafe impl Send for World {}

static WORLD: OnceLock<Mutex<World>> = OnceLock::new();

/// The world, loaded on first use (reads every bundle on `LV2_PATH`).
pub fn world() -> MutexGuard<'static, World> {
    WORLD
        .get_or_init(|| Mutex::new(World::load()))
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

const LV2: &str = "http://lv2plug.in/ns/lv2core#";
const ATOM: &str = "http://lv2plug.in/ns/ext/atom#";

impl World {
    fn load() -> World {
        // SAFETY: plain lilv calls on a world we own.
        unsafe {
            let world = lilv_world_new();
            lilv_world_load_all(world);
            let mut w = World {
                world,
                catalog: Vec::new(),
            };
            let all = lilv_world_get_all_plugins(world);
            let mut it = lilv_plugins_begin(all);
            while !lilv_plugins_is_end(all, it) {
                let p = lilv_plugins_get(all, it);
                w.catalog.push(w.describe(p));
                it = lilv_plugins_next(all, it);
            }
            w.catalog.sort_by(|a, b| a.uri.cmp(&b.uri));
            w
        }
    }

    /// Every installed plugin, sorted by URI.
    pub fn plugins(&self) -> &[PluginInfo] {
        &self.catalog
    }

    /// The plugin with `uri`.
    pub fn info(&self, uri: &str) -> Option<&PluginInfo> {
        self.catalog
            .binary_search_by(|p| p.uri.as_str().cmp(uri))
            .ok()
            .map(|i| &self.catalog[i])
    }

    /// A lilv node for `uri`, freed when dropped.
    pub(crate) fn uri(&self, uri: &str) -> Node {
        let c = CString::new(uri).unwrap_or_default();
        // SAFETY: valid world and string.
        Node(unsafe { lilv_new_uri(self.world, c.as_ptr()) })
    }

    /// The lilv plugin with `uri`.
    pub(crate) fn plugin(&self, uri: &str) -> Option<*const LilvPlugin> {
        let n = self.uri(uri);
        // SAFETY: valid world and node.
        let p = unsafe { lilv_plugins_get_by_uri(lilv_world_get_all_plugins(self.world), n.0) };
        (!p.is_null()).then_some(p)
    }

    unsafe fn describe(&self, p: *const LilvPlugin) -> PluginInfo {
        let uri = to_string(lilv_node_as_uri(lilv_plugin_get_uri(p)));
        let name_node = lilv_plugin_get_name(p);
        let name = to_string(lilv_node_as_string(name_node));
        lilv_node_free(name_node);
        let n = lilv_plugin_get_num_ports(p) as usize;
        let (mut min, mut max, mut def) = (vec![0f32; n], vec![0f32; n], vec![0f32; n]);
        lilv_plugin_get_port_ranges_float(p, min.as_mut_ptr(), max.as_mut_ptr(), def.as_mut_ptr());
        let class = |c: &str| self.uri(&format!("{LV2}{c}"));
        let (input, audio, control, cv) = (
            class("InputPort"),
            class("AudioPort"),
            class("ControlPort"),
            class("CVPort"),
        );
        let atom_port = self.uri(&format!("{ATOM}AtomPort"));
        let midi_event = self.uri("http://lv2plug.in/ns/ext/midi#MidiEvent");
        let stepped_props = [
            class("integer"),
            class("toggled"),
            class("enumeration"),
            self.uri("http://lv2plug.in/ns/ext/port-props#discreteCV"),
        ];
        let unit_pred = self.uri("http://lv2plug.in/ns/extensions/units#unit");
        let unit_symbol = self.uri("http://lv2plug.in/ns/extensions/units#symbol");
        let mut ports = Vec::with_capacity(n);
        for i in 0..n {
            let port = lilv_plugin_get_port_by_index(p, i as u32);
            let is = |c: &Node| lilv_port_is_a(p, port, c.0);
            let kind = if is(&audio) {
                PortKind::Audio
            } else if is(&control) {
                PortKind::Control
            } else if is(&cv) {
                PortKind::Cv
            } else if is(&atom_port) {
                if lilv_port_supports_event(p, port, midi_event.0) {
                    PortKind::Midi
                } else {
                    PortKind::Atom
                }
            } else {
                PortKind::Other
            };
            let name_node = lilv_port_get_name(p, port);
            let pname = to_string(lilv_node_as_string(name_node));
            lilv_node_free(name_node);
            let mut unit = String::new();
            let u = lilv_port_get(p, port, unit_pred.0);
            if !u.is_null() {
                let sym = lilv_world_get(self.world, u, unit_symbol.0, std::ptr::null());
                unit = if sym.is_null() {
                    let s = to_string(lilv_node_as_string(u));
                    s.rsplit(['#', '/']).next().unwrap_or("").to_string()
                } else {
                    let s = to_string(lilv_node_as_string(sym));
                    lilv_node_free(sym);
                    s
                };
                lilv_node_free(u);
            }
            ports.push(PortInfo {
                index: i as u32,
                symbol: to_string(lilv_node_as_string(lilv_port_get_symbol(p, port))),
                name: pname,
                kind,
                input: is(&input),
                min: min[i],
                max: max[i],
                default: def[i],
                unit,
                stepped: stepped_props
                    .iter()
                    .any(|c| lilv_port_has_property(p, port, c.0)),
            });
        }
        let mut required = Vec::new();
        let req = lilv_plugin_get_required_features(p);
        let mut it = lilv_nodes_begin(req);
        while !lilv_nodes_is_end(req, it) {
            required.push(to_string(lilv_node_as_uri(lilv_nodes_get(req, it))));
            it = lilv_nodes_next(req, it);
        }
        lilv_nodes_free(req);
        let hard_rt = lilv_plugin_has_feature(p, class("hardRTCapable").0);
        let has_state = lilv_plugin_has_extension_data(
            p,
            self.uri("http://lv2plug.in/ns/ext/state#interface").0,
        );
        PluginInfo {
            uri,
            name,
            ports,
            required,
            hard_rt,
            has_state,
        }
    }
}

/// A lilv node freed on drop.
pub(crate) struct Node(pub(crate) *mut LilvNode);

impl Drop for Node {
    fn drop(&mut self) {
        // SAFETY: we own the node.
        unsafe { lilv_node_free(self.0) }
    }
}

/// Text of a C string constant, for messages.
pub fn c_text(s: &CStr) -> &str {
    s.to_str().unwrap_or("")
}
