//! A plugin as a module of a patch. Each plugin URI is its own module type,
//! `lv2:URI`, whose metadata comes from the plugin: audio and CV ports are
//! inputs and outputs by symbol; control inputs are parameters by symbol
//! with the plugin's range, default and unit, smoothed like ours.
//!
//! Across a commit the instance itself moves to the new graph: the control
//! thread builds that graph with an empty module for each plugin that stays
//! (see [`building`]; nothing is instantiated for it) and `carry_from` moves
//! the playing instance in at the switch, so tails and internal state
//! continue and nothing is copied.

use super::instance::Instance;
use super::world::{world, PluginInfo, PortKind};
use super::PluginError;
use dsp::module::same_type;
use dsp::module::Smoother;
use dsp::{Module, ModuleSpec, ModuleType, ParamSpec, PortSpec, ProcessIo, MAX_BLOCK};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicPtr, Ordering::*};
use std::sync::{Arc, Mutex};

/// Prefix of plugin module type names.
pub const PREFIX: &str = "lv2:";

/// Smoothing time of continuous plugin parameters, ms.
pub const SMOOTHING_MS: f32 = 10.0;

/// Frames per `run()` while a parameter glides or is modulated.
const GLIDE_CHUNK: usize = 8;

/// Most audio inputs or outputs a plugin module may have.
pub const MAX_AUDIO_PORTS: usize = dsp::graph::MAX_INPUTS;

struct Entry {
    info: Arc<PluginInfo>,
    ty: &'static ModuleType,
}

/// Plugin module types by URI (or why the plugin cannot be one).
fn types() -> &'static Mutex<HashMap<String, Result<Entry, PluginError>>> {
    static M: std::sync::OnceLock<Mutex<HashMap<String, Result<Entry, PluginError>>>> =
        std::sync::OnceLock::new();
    M.get_or_init(|| Mutex::new(HashMap::new()))
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// Why the plugin `uri` cannot be a module, if it cannot.
pub fn check(uri: &str) -> Result<(), PluginError> {
    entry(uri).map(|_| ())
}

/// Whether plugin `uri` is not hard-real-time capable (warned about on create).
pub fn not_hard_rt(uri: &str) -> bool {
    entry(uri).map(|(i, _)| !i.hard_rt).unwrap_or(false)
}

/// Which plugin modules of the graph being built get no instance of their
/// own (control thread, around one graph build).
#[derive(Debug, Clone, Default)]
pub enum Instances {
    /// Every plugin module instantiates its plugin.
    #[default]
    Fresh,
    /// Modules with these ids wait for the playing instance (`carry_from`).
    Carried(Vec<String>),
    /// No module instantiates (a standby graph: its plugins stay silent).
    None,
}

thread_local! {
    static BUILDING: RefCell<Instances> = const { RefCell::new(Instances::Fresh) };
}

/// Runs `f` (a graph build) with plugin modules built as `mode` says.
pub fn building<T>(mode: Instances, f: impl FnOnce() -> T) -> T {
    let old = BUILDING.with(|b| b.replace(mode));
    let r = f();
    BUILDING.with(|b| *b.borrow_mut() = old);
    r
}

/// Whether module `id` is built without an instance of its own.
fn without_instance(id: &str) -> bool {
    BUILDING.with(|b| match &*b.borrow() {
        Instances::Fresh => false,
        Instances::Carried(ids) => ids.iter().any(|x| x == id),
        Instances::None => true,
    })
}

/// The plugin's description and module type, built (and leaked: one per
/// plugin URI used, bounded by what is installed) on first use.
pub(super) fn entry(uri: &str) -> Result<(Arc<PluginInfo>, &'static ModuleType), PluginError> {
    let mut t = types().lock().unwrap_or_else(|e| e.into_inner());
    let e = t.entry(uri.to_string()).or_insert_with(|| make(uri));
    e.as_ref()
        .map(|e| (e.info.clone(), e.ty))
        .map_err(|e| e.clone())
}

fn make(uri: &str) -> Result<Entry, PluginError> {
    let info = world()
        .info(uri)
        .cloned()
        .ok_or_else(|| PluginError::Unknown {
            uri: uri.to_string(),
            see: super::SEE_CLI,
        })?;
    if let Some(f) = super::features::missing(&info.required) {
        return Err(PluginError::MissingFeature {
            uri: uri.to_string(),
            feature: f.to_string(),
        });
    }
    if let Some(p) = info.ports.iter().find(|p| p.kind == PortKind::Other) {
        return Err(PluginError::OtherPort {
            uri: uri.to_string(),
            symbol: p.symbol.clone(),
        });
    }
    let ports = |kinds: &[PortKind], input: bool| -> Vec<PortSpec> {
        info.ports
            .iter()
            .filter(|p| kinds.contains(&p.kind) && p.input == input)
            .map(|p| PortSpec::new(leak(&p.symbol)))
            .collect()
    };
    let inputs = ports(&[PortKind::Audio, PortKind::Cv], true);
    let outputs = ports(&[PortKind::Audio, PortKind::Cv], false);
    if inputs.len() > MAX_AUDIO_PORTS || outputs.len() > MAX_AUDIO_PORTS {
        return Err(PluginError::TooManyPorts(uri.to_string()));
    }
    let mut params: Vec<ParamSpec> = info
        .ports_of(PortKind::Control, true)
        .map(|p| {
            let (min, max) = match (p.min.is_nan(), p.max.is_nan()) {
                (false, false) => (p.min, p.max),
                _ => (-1e9, 1e9),
            };
            let def = if p.default.is_nan() {
                min.max(0.0).min(max)
            } else {
                p.default
            };
            let smooth = if p.stepped { 0.0 } else { SMOOTHING_MS };
            ParamSpec::new(leak(&p.symbol), min, max, def, leak(&p.unit), smooth)
        })
        .collect();
    let midi_in = info
        .ports
        .iter()
        .any(|p| p.kind == PortKind::Midi && p.input);
    if midi_in && !params.iter().any(|p| p.name == super::midi::BEND.name) {
        params.push(super::midi::BEND);
    }
    let spec: &'static ModuleSpec = Box::leak(Box::new(ModuleSpec {
        name: leak(&format!("{PREFIX}{uri}")),
        aliases: &[],
        description: leak(&format!("LV2 plugin: {}", info.name)),
        inputs: Box::leak(inputs.into_boxed_slice()),
        outputs: Box::leak(outputs.into_boxed_slice()),
        params: Box::leak(params.into_boxed_slice()),
        gate: false,
        buffer: false,
    }));
    let ty: &'static ModuleType = Box::leak(Box::new(ModuleType { spec, build }));
    Ok(Entry {
        info: Arc::new(info),
        ty,
    })
}

/// The registry resolver: `lv2:URI` names the module type of plugin URI.
pub fn resolve(name: &str) -> Option<Result<&'static ModuleType, String>> {
    let uri = name.strip_prefix(PREFIX)?;
    Some(entry(uri).map(|(_, t)| t).map_err(|e| e.to_string()))
}

/// A plugin module; its instance is owned through `inst` (null: silent,
/// waiting for the playing instance or in a standby graph).
pub struct PluginModule {
    spec: &'static ModuleSpec,
    inst: AtomicPtr<Instance>,
    /// Port index of each spec input, output and parameter (the first
    /// `param_ports.len()` parameters are control inputs).
    ins: Vec<u32>,
    outs: Vec<u32>,
    param_ports: Vec<u32>,
    /// Values of the spec's parameters (in spec order).
    params: Vec<Smoother>,
    /// Index of the `bend` range parameter of an instrument, if any.
    bend: Option<usize>,
    /// Audio time of one frame, ns: a run longer than its frames' time is an overrun.
    frame_ns: f64,
}

/// Builds the module of type `spec` for module `id`: instantiates and
/// activates the plugin unless [`building`] says otherwise (control thread).
pub fn build_module(
    spec: &'static ModuleSpec,
    id: &str,
    sample_rate: f32,
) -> Result<Box<dyn Module>, String> {
    Ok(Box::new(build_plugin(spec, id, sample_rate)?))
}

/// [`build_module`] without the box.
pub fn build_plugin(
    spec: &'static ModuleSpec,
    id: &str,
    sample_rate: f32,
) -> Result<PluginModule, String> {
    let uri = spec.name.strip_prefix(PREFIX).unwrap_or(spec.name);
    let (info, _) = entry(uri).map_err(|e| e.to_string())?;
    let idx = |kinds: &[PortKind], input: bool| -> Vec<u32> {
        info.ports
            .iter()
            .filter(|p| kinds.contains(&p.kind) && p.input == input)
            .map(|p| p.index)
            .collect()
    };
    let ins = idx(&[PortKind::Audio, PortKind::Cv], true);
    let outs = idx(&[PortKind::Audio, PortKind::Cv], false);
    let param_ports: Vec<u32> = info
        .ports_of(PortKind::Control, true)
        .map(|p| p.index)
        .collect();
    // One per control input, then the host's own (`bend` of an instrument).
    let params = spec
        .params
        .iter()
        .map(|ps| Smoother::new(ps.default, ps.smoothing_ms, sample_rate))
        .collect();
    let inst = if without_instance(id) {
        std::ptr::null_mut()
    } else {
        let i = Instance::new(&world(), info.clone(), id, sample_rate, MAX_BLOCK)?;
        Box::into_raw(Box::new(i))
    };
    Ok(PluginModule {
        spec,
        inst: AtomicPtr::new(inst),
        ins,
        outs,
        bend: spec
            .params
            .iter()
            .position(|p| p.name == super::midi::BEND.name)
            .filter(|&i| i >= param_ports.len()),
        param_ports,
        params,
        frame_ns: 1e9 / sample_rate as f64,
    })
}

/// Plugin types are built through [`build_module`], the registry's dynamic
/// constructor (`Registry::build`); nothing calls this one.
fn build(_cx: &dsp::BuildCtx) -> Box<dyn Module> {
    unreachable!("plugin modules are built by plugin::module::build_module")
}

impl PluginModule {
    /// The plugin's module type.
    pub fn spec(&self) -> &'static ModuleSpec {
        self.spec
    }

    /// Queues a MIDI message for the start of the next `process` call, so a
    /// note applied at an event's offset sounds from exactly that frame.
    /// False when the plugin takes no MIDI (or its buffer is full).
    pub fn midi(&mut self, msg: &[u8]) -> bool {
        // SAFETY: owned pointer, one thread at a time.
        match unsafe { self.inst.load(Relaxed).as_mut() } {
            Some(i) => i.push_midi(msg),
            None => false,
        }
    }

    /// Whether this module has an instance (not one waiting for the playing one).
    pub fn has_instance(&self) -> bool {
        !self.inst.load(Relaxed).is_null()
    }
}

impl Module for PluginModule {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.params
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        // SAFETY: the pointer is owned by this module and used by one thread.
        let Some(inst) = (unsafe { self.inst.load(Relaxed).as_mut() }) else {
            for o in io.outputs.iter_mut() {
                o[..n].fill(0.0);
            }
            return;
        };
        let gliding = self.params.iter().any(|s| s.is_moving()) || io.modulated.iter().any(|&m| m);
        let step = if gliding { GLIDE_CHUNK } else { n };
        let mut off = 0;
        while off < n {
            let m = step.min(n - off);
            for (pi, (port, sm)) in self.param_ports.iter().zip(&mut self.params).enumerate() {
                let mut v = sm.current;
                for _ in 0..m {
                    v = sm.next();
                }
                if let Some(md) = io.modulation_of(pi) {
                    v = self.spec.params[pi].clamp(v + md[off]).0;
                }
                inst.controls[*port as usize] = v;
            }
            // SAFETY: every buffer holds MAX_BLOCK >= off + m samples and
            // outlives the run below.
            unsafe {
                for (k, &port) in self.ins.iter().enumerate() {
                    inst.connect(port, io.inputs[k][off..].as_ptr());
                }
                for (k, &port) in self.outs.iter().enumerate() {
                    inst.connect(port, io.outputs[k][off..].as_ptr());
                }
            }
            inst.run(m, (self.frame_ns * m as f64) as u64);
            off += m;
        }
    }

    /// A note for a plugin with a MIDI input (see [`super::midi`]); the
    /// graph applies it at its frame, so it starts the next `run()`.
    fn note(&mut self, ev: &dsp::NoteEvent) {
        let range = self
            .bend
            .map_or(super::midi::BEND.default, |i| self.params[i].current);
        if let Some((msg, len)) = super::midi::message(ev, range) {
            self.midi(&msg[..len]);
        }
    }

    /// A plugin cannot be reset on a real-time thread (deactivate and
    /// activate are not real-time safe); the graph silences its output instead.
    fn reset(&mut self) {}

    fn carry_from(&mut self, old: &dyn Module) {
        let Some(o) = same_type::<PluginModule>(old) else {
            return;
        };
        if o.spec.name != self.spec.name || self.has_instance() {
            // A module built with its own instance (new, or restoring a
            // loaded state) keeps it.
            return;
        }
        // The playing instance moves here; the old graph stops after the
        // switch and is retired without it.
        let theirs = o.inst.swap(std::ptr::null_mut(), AcqRel);
        self.inst.store(theirs, Relaxed);
        for (s, os) in self.params.iter_mut().zip(&o.params) {
            s.carry_from(os);
        }
    }
}

impl Drop for PluginModule {
    fn drop(&mut self) {
        let p = self.inst.swap(std::ptr::null_mut(), AcqRel);
        if !p.is_null() {
            // SAFETY: the pointer came from Box::into_raw and is owned here.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}
