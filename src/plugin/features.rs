//! The LV2 host features synth-jack provides: URID map and unmap, options
//! (block lengths, sample rate), bounded block length, worker schedule (run
//! on a non-real-time thread), and log (queued from any thread, written to
//! our log by that same thread).

use super::ffi::*;
use crossbeam_queue::ArrayQueue;
use std::collections::HashMap;
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::Thread;
use std::time::Duration;

/// Features a plugin may require that we provide.
pub const SUPPORTED: &[&str] = &[
    "http://lv2plug.in/ns/ext/urid#map",
    "http://lv2plug.in/ns/ext/urid#unmap",
    "http://lv2plug.in/ns/ext/options#options",
    "http://lv2plug.in/ns/ext/buf-size#boundedBlockLength",
    "http://lv2plug.in/ns/ext/worker#schedule",
    "http://lv2plug.in/ns/ext/log#log",
    "http://lv2plug.in/ns/ext/state#loadDefaultState",
    "http://lv2plug.in/ns/lv2core#isLive",
    "http://lv2plug.in/ns/lv2core#inPlaceBroken",
    "http://lv2plug.in/ns/lv2core#hardRTCapable",
];

/// The first required feature we do not provide.
pub fn missing(required: &[String]) -> Option<&str> {
    required
        .iter()
        .map(|s| s.as_str())
        .find(|r| !SUPPORTED.contains(r))
}

// ---------------------------------------------------------------- URID map

struct Urids {
    ids: HashMap<String, u32>,
    /// Index `urid - 1`; CString heap buffers never move, so unmap's pointers stay valid.
    uris: Vec<CString>,
}

fn urids() -> &'static Mutex<Urids> {
    static U: OnceLock<Mutex<Urids>> = OnceLock::new();
    U.get_or_init(|| {
        Mutex::new(Urids {
            ids: HashMap::new(),
            uris: Vec::new(),
        })
    })
}

/// The URID of `uri` (one map for the whole process, so saved state reads back).
pub fn urid(uri: &str) -> u32 {
    let mut u = urids().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&id) = u.ids.get(uri) {
        return id;
    }
    let id = u.uris.len() as u32 + 1;
    u.uris.push(CString::new(uri).unwrap_or_default());
    u.ids.insert(uri.to_string(), id);
    id
}

unsafe extern "C" fn map_fn(_: *mut c_void, uri: *const c_char) -> u32 {
    if uri.is_null() {
        return 0;
    }
    urid(&CStr::from_ptr(uri).to_string_lossy())
}

unsafe extern "C" fn unmap_fn(_: *mut c_void, id: u32) -> *const c_char {
    let u = urids().lock().unwrap_or_else(|e| e.into_inner());
    match (id as usize).checked_sub(1).and_then(|i| u.uris.get(i)) {
        Some(s) => s.as_ptr(),
        None => std::ptr::null(),
    }
}

/// Raw pointer wrapper for process-wide feature structs.
struct Shared<T>(T);
unsafe impl<T> Send for Shared<T> {}
unsafe impl<T> Sync for Shared<T> {}

/// The process-wide URID map struct (lilv state needs it too).
pub fn map_ptr() -> *mut LV2_URID_Map {
    static M: OnceLock<Shared<*mut LV2_URID_Map>> = OnceLock::new();
    M.get_or_init(|| {
        Shared(Box::into_raw(Box::new(LV2_URID_Map {
            handle: std::ptr::null_mut(),
            map: map_fn,
        })))
    })
    .0
}

/// The process-wide URID unmap struct.
pub fn unmap_ptr() -> *mut LV2_URID_Unmap {
    static M: OnceLock<Shared<*mut LV2_URID_Unmap>> = OnceLock::new();
    M.get_or_init(|| {
        Shared(Box::into_raw(Box::new(LV2_URID_Unmap {
            handle: std::ptr::null_mut(),
            unmap: unmap_fn,
        })))
    })
    .0
}

// ---------------------------------------------------------------- log

/// One queued log line: which plugin (module id), level, text.
struct LogLine {
    level: log::Level,
    len: usize,
    text: [u8; 320],
}

fn log_queue() -> &'static ArrayQueue<LogLine> {
    static Q: OnceLock<ArrayQueue<LogLine>> = OnceLock::new();
    Q.get_or_init(|| ArrayQueue::new(256))
}

/// `LV2_Log_Log`, filled in by the C shim.
#[repr(C)]
pub struct LogFeature {
    handle: *mut c_void,
    printf: *const c_void,
    vprintf: *const c_void,
}

extern "C" {
    fn synth_jack_lv2_log_init(log: *mut LogFeature, handle: *mut c_void);
}

/// Called by the C shim from any thread, the real-time ones included:
/// copies the text into a preallocated queue slot, never allocates.
#[no_mangle]
unsafe extern "C" fn synth_jack_lv2_log(handle: *mut c_void, kind: u32, text: *const c_char) {
    let ids = &*(handle as *const LogIds);
    let level = if kind == ids.error {
        log::Level::Error
    } else if kind == ids.warning {
        log::Level::Warn
    } else if kind == ids.trace {
        log::Level::Trace
    } else {
        log::Level::Info
    };
    let mut line = LogLine {
        level,
        len: 0,
        text: [0; 320],
    };
    for part in [ids.name.as_bytes(), b": ", CStr::from_ptr(text).to_bytes()] {
        let n = part.len().min(line.text.len() - line.len);
        line.text[line.len..line.len + n].copy_from_slice(&part[..n]);
        line.len += n;
    }
    // A full queue drops the line: logging must never block a plugin.
    let _ = log_queue().push(line);
    wake_worker();
}

/// The log handle of one instance: its name and the level URIDs.
pub struct LogIds {
    name: String,
    error: u32,
    warning: u32,
    trace: u32,
}

/// A log feature for the instance called `name`. Both boxes must outlive the instance.
pub fn log_feature(name: &str) -> (Box<LogIds>, Box<LogFeature>) {
    let ids = Box::new(LogIds {
        name: name.to_string(),
        error: urid("http://lv2plug.in/ns/ext/log#Error"),
        warning: urid("http://lv2plug.in/ns/ext/log#Warning"),
        trace: urid("http://lv2plug.in/ns/ext/log#Trace"),
    });
    let mut f = Box::new(LogFeature {
        handle: std::ptr::null_mut(),
        printf: std::ptr::null(),
        vprintf: std::ptr::null(),
    });
    // SAFETY: fills the three fields of a valid struct.
    unsafe { synth_jack_lv2_log_init(&mut *f, &*ids as *const LogIds as *mut c_void) };
    (ids, f)
}

// ---------------------------------------------------------------- worker

/// Largest message a plugin may pass to or from its worker.
const WORK_BYTES: usize = 1024;

struct WorkMsg {
    len: usize,
    data: [u8; WORK_BYTES],
}

impl WorkMsg {
    unsafe fn copy(size: u32, data: *const c_void) -> Option<WorkMsg> {
        let len = size as usize;
        if len > WORK_BYTES || (len > 0 && data.is_null()) {
            return None;
        }
        let mut m = WorkMsg {
            len,
            data: [0; WORK_BYTES],
        };
        if len > 0 {
            std::ptr::copy_nonoverlapping(data as *const u8, m.data.as_mut_ptr(), len);
        }
        Some(m)
    }
}

/// One instance's link to the worker thread: requests from `run()`,
/// responses back to it, both through preallocated queues.
pub struct WorkerChannel {
    requests: ArrayQueue<WorkMsg>,
    responses: ArrayQueue<WorkMsg>,
    iface: *const LV2_Worker_Interface,
    handle: *mut c_void,
    /// Held by the worker thread around `work()` and by the instance's drop.
    alive: Mutex<bool>,
}

unsafe impl Send for WorkerChannel {}
unsafe impl Sync for WorkerChannel {}

impl WorkerChannel {
    /// A channel for `iface` on instance `handle`; registered with the worker thread.
    pub fn new(iface: *const LV2_Worker_Interface, handle: *mut c_void) -> Arc<WorkerChannel> {
        let c = Arc::new(WorkerChannel {
            requests: ArrayQueue::new(16),
            responses: ArrayQueue::new(16),
            iface,
            handle,
            alive: Mutex::new(true),
        });
        channels()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(c.clone());
        start_worker();
        c
    }

    /// Delivers queued responses to the plugin and ends its run (real-time safe).
    pub fn after_run(&self) {
        // SAFETY: the interface and handle belong to the instance being run.
        unsafe {
            while let Some(m) = self.responses.pop() {
                ((*self.iface).work_response)(self.handle, m.len as u32, m.data.as_ptr().cast());
            }
            if let Some(end) = (*self.iface).end_run {
                end(self.handle);
            }
        }
    }

    /// Stops serving the instance (before it is freed; not on a real-time thread).
    pub fn close(self: &Arc<Self>) {
        *self.alive.lock().unwrap_or_else(|e| e.into_inner()) = false;
        channels()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|c| !Arc::ptr_eq(c, self));
    }
}

/// The schedule feature's callback: queues a copy of the request (real-time safe).
///
/// # Safety
/// `handle` is the instance's [`WorkerChannel`]; `data` holds `size` bytes.
pub unsafe extern "C" fn schedule_work(handle: *mut c_void, size: u32, data: *const c_void) -> u32 {
    let ch = &*(handle as *const WorkerChannel);
    match WorkMsg::copy(size, data) {
        Some(m) => {
            if ch.requests.push(m).is_err() {
                return WORKER_ERR_NO_SPACE;
            }
            wake_worker();
            WORKER_SUCCESS
        }
        None => WORKER_ERR_NO_SPACE,
    }
}

unsafe extern "C" fn respond(handle: *mut c_void, size: u32, data: *const c_void) -> u32 {
    let ch = &*(handle as *const WorkerChannel);
    match WorkMsg::copy(size, data) {
        Some(m) => match ch.responses.push(m) {
            Ok(()) => WORKER_SUCCESS,
            Err(_) => WORKER_ERR_NO_SPACE,
        },
        None => WORKER_ERR_NO_SPACE,
    }
}

fn channels() -> &'static Mutex<Vec<Arc<WorkerChannel>>> {
    static C: OnceLock<Mutex<Vec<Arc<WorkerChannel>>>> = OnceLock::new();
    C.get_or_init(|| Mutex::new(Vec::new()))
}

static WORKER: OnceLock<Thread> = OnceLock::new();
static WORKER_STARTED: AtomicBool = AtomicBool::new(false);

/// Starts the plugin worker thread (runs `work()` and writes plugin log lines).
pub fn start_worker() {
    if WORKER_STARTED.swap(true, AcqRel) {
        return;
    }
    let t = std::thread::Builder::new()
        .name("lv2-worker".into())
        .spawn(worker_loop)
        .expect("spawn the LV2 worker thread");
    let _ = WORKER.set(t.thread().clone());
}

fn wake_worker() {
    if let Some(t) = WORKER.get() {
        t.unpark();
    }
}

fn worker_loop() {
    loop {
        std::thread::park_timeout(Duration::from_millis(100));
        while let Some(line) = log_queue().pop() {
            let text = String::from_utf8_lossy(&line.text[..line.len]);
            log::log!(line.level, "lv2 {}", text.trim_end());
        }
        let list: Vec<Arc<WorkerChannel>> =
            channels().lock().unwrap_or_else(|e| e.into_inner()).clone();
        for ch in list {
            let alive = ch.alive.lock().unwrap_or_else(|e| e.into_inner());
            if !*alive {
                continue;
            }
            while let Some(m) = ch.requests.pop() {
                let ptr = Arc::as_ptr(&ch) as *mut c_void;
                // SAFETY: the instance lives while `alive` is held true.
                unsafe {
                    ((*ch.iface).work)(
                        ch.handle,
                        respond,
                        ptr,
                        m.len as u32,
                        m.data.as_ptr().cast(),
                    )
                };
            }
        }
    }
}

// ---------------------------------------------------------------- options

/// The option values one instance sees (boxed: the plugin keeps pointers).
pub struct OptionValues {
    min_block: i32,
    max_block: i32,
    nominal_block: i32,
    sample_rate: f32,
    /// The option array, terminated by a zeroed entry.
    pub options: [LV2_Options_Option; 5],
}

/// Options for `sample_rate`: block lengths 1..=`max_block`.
pub fn options(sample_rate: f32, max_block: usize) -> Box<OptionValues> {
    let mut v = Box::new(OptionValues {
        min_block: 1,
        max_block: max_block as i32,
        nominal_block: max_block as i32,
        sample_rate,
        options: std::array::from_fn(|_| LV2_Options_Option {
            context: 0,
            subject: 0,
            key: 0,
            size: 0,
            type_: 0,
            value: std::ptr::null(),
        }),
    });
    let int = urid("http://lv2plug.in/ns/ext/atom#Int");
    let float = urid("http://lv2plug.in/ns/ext/atom#Float");
    let bs = "http://lv2plug.in/ns/ext/buf-size#";
    let entries: [(String, u32, *const c_void); 4] = [
        (
            format!("{bs}minBlockLength"),
            int,
            &v.min_block as *const i32 as _,
        ),
        (
            format!("{bs}maxBlockLength"),
            int,
            &v.max_block as *const i32 as _,
        ),
        (
            format!("{bs}nominalBlockLength"),
            int,
            &v.nominal_block as *const i32 as _,
        ),
        (
            "http://lv2plug.in/ns/ext/parameters#sampleRate".into(),
            float,
            &v.sample_rate as *const f32 as _,
        ),
    ];
    for (i, (key, ty, value)) in entries.into_iter().enumerate() {
        v.options[i] = LV2_Options_Option {
            context: 0,
            subject: 0,
            key: urid(&key),
            size: 4,
            type_: ty,
            value,
        };
    }
    v
}
