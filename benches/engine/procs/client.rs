//! The driver's own JACK client: records what synth-jack or scsynth plays
//! (per cycle, with its time) and counts xruns while a trial runs.

use super::*;

/// What the driver's JACK client recorded: samples of its input and, per
/// cycle, the cycle's start time (`jack_get_time` µs) and its first sample.
pub struct Recording {
    /// Samples in order.
    pub samples: Vec<f32>,
    /// (µs when the cycle was processed, index of its first sample in
    /// `samples`, frames).
    pub cycles: Vec<(u64, usize, usize)>,
    /// JACK's nominal start of each cycle (`jack_get_cycle_times`), µs.
    pub nominal: Vec<u64>,
    /// JACK frame time of each cycle's first frame.
    pub starts: Vec<u32>,
    /// Cycles that did not fit.
    pub overflow: u64,
}

/// Records its input while `on` (preallocated; nothing allocates in the callback).
pub struct Recorder {
    port: jack::Port<jack::AudioIn>,
    on: Arc<AtomicBool>,
    rec: Recording,
}

impl jack::ProcessHandler for Recorder {
    fn process(&mut self, c: &jack::Client, ps: &jack::ProcessScope) -> jack::Control {
        if !self.on.load(Relaxed) {
            return jack::Control::Continue;
        }
        let x = self.port.as_slice(ps);
        let r = &mut self.rec;
        if r.samples.len() + x.len() > r.samples.capacity()
            || r.cycles.len() == r.cycles.capacity()
            || r.starts.len() == r.starts.capacity()
        {
            r.overflow += 1;
            return jack::Control::Continue;
        }
        // When this cycle is processed (after synth-jack's callback wrote it),
        // on the clock of `Monitor::now`; the nominal cycle start is kept too.
        let now = c.time();
        let usecs = ps.cycle_times().map(|c| c.current_usecs).unwrap_or(0);
        r.cycles.push((now, r.samples.len(), x.len()));
        r.nominal.push(usecs);
        r.starts.push(ps.last_frame_time());
        r.samples.extend_from_slice(x);
        jack::Control::Continue
    }
}

type JackClientOpenFn = unsafe extern "C" fn(
    client_name: *const c_char,
    options: j::jack_options_t,
    status: *mut j::jack_status_t,
    ...
) -> *mut j::jack_client_t;

/// Opens a client on the server `server` (`jack::Client::new` cannot name a
/// server: this calls `jack_client_open` with `JackServerName`, as the tests do).
pub fn open_client(server: &str, name: &str) -> R<jack::Client> {
    let lib = j::library().map_err(|e| format!("cannot load libjack: {e}"))?;
    // SAFETY: the symbol has exactly this C signature.
    let open: JackClientOpenFn = unsafe {
        *lib.get::<JackClientOpenFn>(b"jack_client_open\0")
            .map_err(|e| format!("jack_client_open not found: {e}"))?
    };
    let c_name = CString::new(name).map_err(|e| e.to_string())?;
    let c_server = CString::new(server).map_err(|e| e.to_string())?;
    let opts = (jack::ClientOptions::NO_START_SERVER
        | jack::ClientOptions::SERVER_NAME
        | jack::ClientOptions::USE_EXACT_NAME)
        .bits();
    let mut status: j::jack_status_t = 0;
    // SAFETY: valid NUL-terminated strings outliving the call; with
    // JackServerName libjack reads exactly one `const char *` argument.
    let ptr = unsafe { open(c_name.as_ptr(), opts, &mut status, c_server.as_ptr()) };
    if ptr.is_null() {
        return Err(format!(
            "cannot open JACK client {name} on {server}: status {status:#x}"
        ));
    }
    // SAFETY: a valid client pointer we own; jack::Client closes it on drop.
    Ok(unsafe { jack::Client::from_raw(ptr) })
}

/// The driver's own client `bench` (input `bench:in`): records its input on
/// demand.
pub struct Monitor {
    client: Option<jack::AsyncClient<(), Recorder>>,
    on: Arc<AtomicBool>,
}

impl Monitor {
    /// Opens and activates it, able to record `seconds` of audio.
    pub fn open(jack: &Jackd, seconds: f64) -> R<Monitor> {
        let client = open_client(&jack.name, "bench")?;
        let port = client
            .register_port("in", jack::AudioIn::default())
            .map_err(|e| format!("register bench:in: {e:?}"))?;
        let frames = (seconds * RATE as f64) as usize;
        let on = Arc::new(AtomicBool::new(false));
        let rec = Recorder {
            port,
            on: on.clone(),
            rec: Recording {
                samples: Vec::with_capacity(frames),
                cycles: Vec::with_capacity(frames / 16 + 16),
                nominal: Vec::with_capacity(frames / 16 + 16),
                starts: Vec::with_capacity(frames / 16 + 16),
                overflow: 0,
            },
        };
        let active = client
            .activate_async((), rec)
            .map_err(|e| format!("activate bench client: {e:?}"))?;
        Ok(Monitor {
            client: Some(active),
            on,
        })
    }

    /// JACK's clock now (µs, the clock of the cycle times).
    pub fn now(&self) -> u64 {
        self.client
            .as_ref()
            .map(|c| c.as_client().time())
            .unwrap_or(0)
    }

    /// Connects `src` to `bench:in`.
    pub fn connect_from(&self, src: &str) -> R<()> {
        let c = self.client.as_ref().ok_or("monitor closed")?;
        c.as_client()
            .connect_ports_by_name(src, "bench:in")
            .map_err(|e| format!("connect {src} -> bench:in: {e:?}"))
    }

    /// Starts or stops recording.
    pub fn record(&self, on: bool) {
        self.on.store(on, Release);
    }

    /// Closes the client and returns what it recorded.
    pub fn finish(mut self) -> R<Recording> {
        let c = self.client.take().ok_or("monitor closed")?;
        let (_, _, p) = c
            .deactivate()
            .map_err(|e| format!("deactivate bench client: {e:?}"))?;
        Ok(p.rec)
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            let _ = c.deactivate();
        }
    }
}
