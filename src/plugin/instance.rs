//! One running plugin: instantiated and activated on the control thread,
//! run on a render thread with buffers connected just before `run()`,
//! deactivated and freed wherever it is dropped (the collector thread for a
//! retired graph, never a real-time thread).

use super::features::{self, LogFeature, LogIds, OptionValues, WorkerChannel};
use super::ffi::*;
use super::world::{PluginInfo, PortKind, World};
use std::ffi::{c_void, CString};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering::*};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// Instantiation-class calls (instantiate, activate, deactivate, cleanup)
/// never run concurrently: lilv and some plugins keep global state.
static INSTANTIATION: Mutex<()> = Mutex::new(());

/// Bytes of each atom port buffer.
pub const ATOM_BYTES: usize = 8192;

/// What the control thread reads about an instance while it plays: control
/// output values and run statistics. Written on the render path with atomics only.
pub struct PluginShared {
    /// Module id.
    pub id: String,
    /// Plugin URI.
    pub uri: String,
    /// Symbols of the control outputs, in `outputs` order.
    pub output_symbols: Vec<String>,
    /// Latest control output values (f32 bits).
    pub outputs: Vec<AtomicU32>,
    /// `run()` calls.
    pub runs: AtomicU64,
    /// Calls whose duration exceeded the audio time they produced.
    pub overruns: AtomicU64,
    /// Longest call, nanoseconds.
    pub max_ns: AtomicU64,
    /// True while inside `run()` (a hang shows as true for good).
    pub in_run: AtomicBool,
    /// The lilv instance, null once freed; read only under [`instantiation`]
    /// (saving state may run beside `run()`, never beside freeing).
    pub raw: AtomicPtr<LilvInstance>,
}

/// The lock serialising instantiation-class calls (and state saves against frees).
pub fn instantiation() -> MutexGuard<'static, ()> {
    INSTANTIATION.lock().unwrap_or_else(|e| e.into_inner())
}

/// Plugin instances created since start (`/plugin/stats`): a commit adds
/// one per new or changed plugin, none for plugins that stay.
static INSTANTIATIONS: AtomicU64 = AtomicU64::new(0);

/// How many plugin instances were created since start.
pub fn instantiations() -> u64 {
    INSTANTIATIONS.load(Relaxed)
}

fn live() -> &'static Mutex<Vec<Weak<PluginShared>>> {
    static L: Mutex<Vec<Weak<PluginShared>>> = Mutex::new(Vec::new());
    &L
}

/// Every live instance's shared record (control thread).
pub fn live_instances() -> Vec<Arc<PluginShared>> {
    let mut l = live().lock().unwrap_or_else(|e| e.into_inner());
    l.retain(|w| w.strong_count() > 0);
    l.iter().filter_map(|w| w.upgrade()).collect()
}

/// The instance of module `id` that has run the most (the playing one).
pub fn playing(id: &str) -> Option<Arc<PluginShared>> {
    live_instances()
        .into_iter()
        .filter(|s| s.id == id)
        .max_by_key(|s| s.runs.load(Relaxed))
}

/// Feature structs one instance points into; boxed so addresses never move.
struct Features {
    _options: Box<OptionValues>,
    _log_ids: Box<LogIds>,
    _log: Box<LogFeature>,
    _schedule: Box<LV2_Worker_Schedule>,
    _uris: Vec<CString>,
    _list: Vec<LV2_Feature>,
    ptrs: Vec<*const LV2_Feature>,
}

/// A live, activated plugin instance.
pub struct Instance {
    raw: *mut LilvInstance,
    /// The plugin's ports.
    pub info: Arc<PluginInfo>,
    /// One value per port index (control ports are connected here once).
    pub controls: Box<[f32]>,
    /// Atom buffers, connected once (inputs hold an empty sequence).
    atoms: Vec<(u32, bool, Box<[u64]>)>,
    /// Index in `atoms` of the MIDI input, for instruments.
    midi_in: Option<usize>,
    worker: Option<Arc<WorkerChannel>>,
    /// Control output port indices, in `shared.outputs` order.
    control_outs: Vec<u32>,
    /// Statistics and control outputs for the control thread.
    pub shared: Arc<PluginShared>,
    _features: Box<Features>,
}

// The instance is used by one thread at a time (moved between graphs).
unsafe impl Send for Instance {}

impl Instance {
    /// Instantiates and activates `info` for module `id` at `sample_rate`,
    /// processing at most `max_block` frames per `run()`. Control thread only.
    pub fn new(
        world: &World,
        info: Arc<PluginInfo>,
        id: &str,
        sample_rate: f32,
        max_block: usize,
    ) -> Result<Instance, String> {
        if let Some(f) = features::missing(&info.required) {
            return Err(format!(
                "{} requires feature {f}, which synth-jack lacks",
                info.uri
            ));
        }
        let plugin = world
            .plugin(&info.uri)
            .ok_or_else(|| format!("unknown plugin {}", info.uri))?;
        let options = features::options(sample_rate, max_block);
        let (log_ids, mut log) = features::log_feature(id);
        let mut schedule = Box::new(LV2_Worker_Schedule {
            handle: std::ptr::null_mut(),
            schedule_work: features::schedule_work,
        });
        let items: [(&str, *mut c_void); 7] = [
            (
                "http://lv2plug.in/ns/ext/state#loadDefaultState",
                std::ptr::null_mut(),
            ),
            (
                "http://lv2plug.in/ns/ext/urid#map",
                features::map_ptr().cast(),
            ),
            (
                "http://lv2plug.in/ns/ext/urid#unmap",
                features::unmap_ptr().cast(),
            ),
            (
                "http://lv2plug.in/ns/ext/options#options",
                options.options.as_ptr() as *mut c_void,
            ),
            (
                "http://lv2plug.in/ns/ext/buf-size#boundedBlockLength",
                std::ptr::null_mut(),
            ),
            (
                "http://lv2plug.in/ns/ext/log#log",
                &mut *log as *mut LogFeature as _,
            ),
            (
                "http://lv2plug.in/ns/ext/worker#schedule",
                &mut *schedule as *mut LV2_Worker_Schedule as _,
            ),
        ];
        let uris: Vec<CString> = items
            .iter()
            .map(|(u, _)| CString::new(*u).expect("no NUL"))
            .collect();
        let list: Vec<LV2_Feature> = items
            .iter()
            .zip(&uris)
            .map(|((_, data), u)| LV2_Feature {
                uri: u.as_ptr(),
                data: *data,
            })
            .collect();
        let mut ptrs: Vec<*const LV2_Feature> = list.iter().map(|f| f as *const _).collect();
        ptrs.push(std::ptr::null());
        let mut feats = Box::new(Features {
            _options: options,
            _log_ids: log_ids,
            _log: log,
            _schedule: schedule,
            _uris: uris,
            _list: list,
            ptrs,
        });
        let guard = instantiation();
        // SAFETY: features live in `feats` for the instance's whole life.
        let raw =
            unsafe { lilv_plugin_instantiate(plugin, sample_rate as f64, feats.ptrs.as_ptr()) };
        drop(guard);
        if raw.is_null() {
            return Err(format!("{} failed to instantiate", info.uri));
        }
        INSTANTIATIONS.fetch_add(1, Relaxed);
        // SAFETY: raw is a valid instance.
        let (desc, handle) = unsafe { ((*raw).descriptor, (*raw).handle) };
        let worker = unsafe { (*desc).extension_data }.and_then(|ext| {
            let uri = CString::new("http://lv2plug.in/ns/ext/worker#interface").expect("no NUL");
            // SAFETY: extension_data is a plain lookup.
            let iface = unsafe { ext(uri.as_ptr()) } as *const LV2_Worker_Interface;
            (!iface.is_null()).then(|| WorkerChannel::new(iface, handle))
        });
        if let Some(w) = &worker {
            feats._schedule.handle = Arc::as_ptr(w) as *mut c_void;
        }
        let mut controls: Box<[f32]> = info
            .ports
            .iter()
            .map(|p| if p.default.is_nan() { 0.0 } else { p.default })
            .collect();
        let control_outs: Vec<u32> = info
            .ports
            .iter()
            .filter(|p| p.kind == PortKind::Control && !p.input)
            .map(|p| p.index)
            .collect();
        let mut atoms = Vec::new();
        for p in info
            .ports
            .iter()
            .filter(|p| matches!(p.kind, PortKind::Midi | PortKind::Atom))
        {
            atoms.push((
                p.index,
                p.input,
                vec![0u64; ATOM_BYTES / 8].into_boxed_slice(),
            ));
        }
        let midi_in = info
            .ports
            .iter()
            .filter(|p| matches!(p.kind, PortKind::Midi | PortKind::Atom))
            .position(|p| p.kind == PortKind::Midi && p.input);
        let shared = Arc::new(PluginShared {
            id: id.to_string(),
            uri: info.uri.clone(),
            output_symbols: control_outs
                .iter()
                .map(|&i| info.ports[i as usize].symbol.clone())
                .collect(),
            outputs: control_outs.iter().map(|_| AtomicU32::new(0)).collect(),
            runs: AtomicU64::new(0),
            overruns: AtomicU64::new(0),
            max_ns: AtomicU64::new(0),
            in_run: AtomicBool::new(false),
            raw: AtomicPtr::new(raw),
        });
        live()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::downgrade(&shared));
        let mut inst = Instance {
            raw,
            info,
            controls: Box::new([]),
            atoms,
            midi_in,
            worker,
            control_outs,
            shared,
            _features: feats,
        };
        // SAFETY: every control port is connected to a slot of `controls`,
        // which lives (boxed, never reallocated) as long as the instance.
        unsafe {
            for p in inst
                .info
                .ports
                .iter()
                .filter(|p| p.kind == PortKind::Control)
            {
                ((*desc).connect_port)(
                    handle,
                    p.index,
                    controls.as_mut_ptr().add(p.index as usize).cast(),
                );
            }
        }
        inst.controls = controls;
        inst.reset_atoms();
        features_urid_midi();
        super::state::restore_staged(world, &inst);
        let _g = instantiation();
        // SAFETY: a valid, freshly instantiated instance.
        if let Some(activate) = unsafe { (*desc).activate } {
            unsafe { activate(handle) };
        }
        Ok(inst)
    }

    fn desc(&self) -> &LV2_Descriptor {
        // SAFETY: valid while the instance lives.
        unsafe { &*(*self.raw).descriptor }
    }

    fn handle(&self) -> *mut c_void {
        // SAFETY: valid while the instance lives.
        unsafe { (*self.raw).handle }
    }

    /// The raw lilv instance (state restore) and the feature list.
    pub fn raw(&self) -> (*mut LilvInstance, *const *const LV2_Feature) {
        (self.raw, self._features.ptrs.as_ptr())
    }

    /// Connects the atom buffers: inputs as empty sequences, outputs as
    /// chunks of their capacity (real-time safe).
    fn reset_atoms(&mut self) {
        let chunk = features_urid_chunk();
        let seq = features_urid_sequence();
        let (connect, handle) = (self.desc().connect_port, self.handle());
        for (index, input, buf) in self.atoms.iter_mut() {
            let head = buf.as_mut_ptr() as *mut LV2_Atom_Sequence;
            // SAFETY: the buffer is ATOM_BYTES long and 8-byte aligned.
            unsafe {
                *head = if *input {
                    LV2_Atom_Sequence {
                        atom: LV2_Atom {
                            size: 8,
                            type_: seq,
                        },
                        unit: 0,
                        pad: 0,
                    }
                } else {
                    LV2_Atom_Sequence {
                        atom: LV2_Atom {
                            size: (ATOM_BYTES - 8) as u32,
                            type_: chunk,
                        },
                        unit: 0,
                        pad: 0,
                    }
                };
                connect(handle, *index, head.cast());
            }
        }
    }

    /// Connects port `index` to `buf` for the next `run()` (real-time safe).
    ///
    /// # Safety
    /// `buf` must hold as many samples as the next `run()` processes and stay
    /// valid until it returns.
    #[inline]
    pub unsafe fn connect(&mut self, index: u32, buf: *const f32) {
        (self.desc().connect_port)(self.handle(), index, buf as *mut c_void);
    }

    /// Whether the plugin takes MIDI (an instrument or a MIDI effect).
    pub fn takes_midi(&self) -> bool {
        self.midi_in.is_some()
    }

    /// Queues a MIDI message for the start of the next `run()` (real-time
    /// safe). False when the plugin has no MIDI input or the buffer is full.
    pub fn push_midi(&mut self, msg: &[u8]) -> bool {
        let Some(k) = self.midi_in else {
            return false;
        };
        let buf = &mut self.atoms[k].2;
        let bytes = buf.len() * 8;
        let base = buf.as_mut_ptr() as *mut u8;
        // SAFETY: everything written stays inside the buffer (checked below).
        unsafe {
            let head = base as *mut LV2_Atom_Sequence;
            let used = 8 + (*head).atom.size as usize; // atom header + body
            let need = 16 + msg.len().div_ceil(8) * 8;
            if used + need > bytes {
                return false;
            }
            let ev = base.add(used) as *mut LV2_Atom_Event;
            *ev = LV2_Atom_Event {
                frames: 0,
                body: LV2_Atom {
                    size: msg.len() as u32,
                    type_: features_urid_midi(),
                },
            };
            std::ptr::copy_nonoverlapping(msg.as_ptr(), base.add(used + 16), msg.len());
            (*head).atom.size += need as u32;
        }
        true
    }

    /// Runs `frames` frames, then serves worker responses, publishes the
    /// control outputs and counts an overrun when the call took longer than
    /// `budget_ns` (real-time safe; allocates nothing).
    pub fn run(&mut self, frames: usize, budget_ns: u64) {
        let t0 = std::time::Instant::now();
        self.shared.in_run.store(true, Relaxed);
        // SAFETY: all ports are connected (controls and atoms at creation,
        // audio and CV by the caller for this call).
        unsafe { (self.desc().run)(self.handle(), frames as u32) };
        self.shared.in_run.store(false, Relaxed);
        if let Some(w) = &self.worker {
            w.after_run();
        }
        let ns = t0.elapsed().as_nanos() as u64;
        let sh = &self.shared;
        sh.runs.fetch_add(1, Relaxed);
        sh.max_ns.fetch_max(ns, Relaxed);
        if ns > budget_ns {
            sh.overruns.fetch_add(1, Relaxed);
        }
        for (slot, &i) in sh.outputs.iter().zip(&self.control_outs) {
            slot.store(self.controls[i as usize].to_bits(), Relaxed);
        }
        self.reset_atoms();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(w) = &self.worker {
            w.close();
        }
        let _g = instantiation();
        self.shared.raw.store(std::ptr::null_mut(), Release);
        // SAFETY: the instance is valid and no longer run anywhere.
        unsafe {
            if let Some(deactivate) = self.desc().deactivate {
                deactivate(self.handle());
            }
            lilv_instance_free(self.raw);
        }
    }
}

fn features_urid_chunk() -> u32 {
    static U: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *U.get_or_init(|| features::urid("http://lv2plug.in/ns/ext/atom#Chunk"))
}

fn features_urid_sequence() -> u32 {
    static U: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *U.get_or_init(|| features::urid("http://lv2plug.in/ns/ext/atom#Sequence"))
}

fn features_urid_midi() -> u32 {
    static U: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *U.get_or_init(|| features::urid("http://lv2plug.in/ns/ext/midi#MidiEvent"))
}
