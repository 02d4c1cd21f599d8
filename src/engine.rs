//! The JACK client and the threads around it: two workers, the basedrop
//! collector, the process callback. Non-real-time: everything here may
//! allocate; the real-time pieces live in `rt/`.

mod connections;
mod notify;
mod stop;
mod unrestored;

use crate::latency::LatencyReporter;
use crate::record::Recorder;
use crate::rt::callback::Callback;
use crate::rt::command::WorkerCmd;
use crate::rt::ring::MAX_PERIOD;
use crate::rt::shared::Shared;
use crate::rt::worker::Worker;
use basedrop::{Collector, Handle};
pub use notify::Notifications;
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use stop::{join_within, CloseWatchdog, QUIT_BOUND};
use unrestored::wait_for_port;
pub use unrestored::MAX_UNRESTORED;

/// How the engine connects and plays.
#[derive(Debug, Clone)]
pub struct Config {
    /// JACK client name.
    pub name: String,
    /// Output ports `out_1..out_N`.
    pub channels: usize,
    /// Periods each worker renders ahead of the callback.
    pub lead: u32,
    /// Cross-fade on commit, in ms.
    pub fade_ms: f32,
    /// Connect outputs to the first physical playback ports.
    pub connect: bool,
    /// Start a JACK server if none runs.
    pub start_server: bool,
    /// Register the MIDI input port `midi_in`.
    pub midi: bool,
    /// Internal clock tempo, in beats per minute (see `rt::transport`).
    pub bpm: f64,
    /// Become JACK's timebase master with the internal clock.
    pub timebase_master: bool,
    /// Size limit of one recording in MiB.
    pub record_max_mib: u64,
    /// Threads rendering the playing patch: the worker and `threads - 1` helpers.
    pub threads: usize,
}

/// Why the engine could not start.
#[derive(Debug)]
pub enum StartError {
    /// No JACK server answered.
    NoServer(String),
    /// Anything else.
    Other(String),
}

type Client = jack::AsyncClient<Notifications, Callback>;

/// The running engine.
pub struct Engine {
    shared: Arc<Shared>,
    handle: Handle,
    recorder: Recorder,
    config: Config,
    client: Option<Client>,
    workers: [Option<JoinHandle<()>>; 2],
    collector: Option<(JoinHandle<()>, Arc<AtomicBool>)>,
    /// Port connections remembered for a reconnect, per output port.
    connections: Vec<Vec<String>>,
    /// Remembered connections whose other port does not exist (yet): made
    /// as soon as that port appears. At most [`MAX_UNRESTORED`], oldest dropped.
    unrestored: Vec<(String, String)>,
    /// Connections that went away at the last look while their port still
    /// existed: a client closing loses its connections before its ports, so
    /// they are forgotten only if the port is still there at the next look.
    went_away: Vec<(String, String, Instant)>,
    rt_priority: Option<i32>,
    /// Must outlive the client it is registered with.
    latency: Option<Box<LatencyReporter>>,
}

fn open_client(cfg: &Config) -> Result<jack::Client, StartError> {
    let mut opts = jack::ClientOptions::USE_EXACT_NAME;
    if !cfg.start_server {
        opts |= jack::ClientOptions::NO_START_SERVER;
    }
    crate::jack_log::install(true);
    let result = jack::Client::new(&cfg.name, opts);
    crate::jack_log::install(false);
    match result {
        Ok((c, _)) => Ok(c),
        Err(jack::Error::ClientError(s)) if s.contains(jack::ClientStatus::SERVER_FAILED) => {
            Err(StartError::NoServer(format!("{s:?}")))
        }
        Err(jack::Error::ClientError(s)) if s.contains(jack::ClientStatus::NAME_NOT_UNIQUE) => {
            Err(StartError::Other(format!(
                "a JACK client named '{}' already exists (use --name)",
                cfg.name
            )))
        }
        Err(e) => Err(StartError::NoServer(format!("{e:?}"))),
    }
}

impl Engine {
    /// The state shared with the real-time threads: commands, rings, counters.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The collector handle graphs are wrapped with (`basedrop::Owned`), so
    /// old graphs are freed off the real-time threads.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// The output recorder (`/record/start`, `/record/stop`).
    pub fn recorder(&mut self) -> &mut Recorder {
        &mut self.recorder
    }

    /// The configuration it was started with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Connects to JACK, starts the workers and activates the callback.
    pub fn start(cfg: Config) -> Result<Engine, StartError> {
        let client = open_client(&cfg)?;
        let sr = client.sample_rate();
        let period = client.buffer_size().min(MAX_PERIOD as u32);
        let mut collector = Collector::new();
        let handle = collector.handle();
        let fade = ((cfg.fade_ms.max(0.0) / 1000.0) * sr as f32).max(1.0) as u32;
        let shared = Arc::new(Shared::new(
            &handle,
            cfg.channels,
            cfg.lead.max(1),
            period,
            sr,
            fade,
        ));
        shared.transport.set_tempo(cfg.bpm);
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let collector_thread = std::thread::Builder::new()
            .name("collector".into())
            .spawn(move || {
                // Frees retired graphs off the real-time threads.
                while !stop2.load(Acquire) {
                    collector.collect();
                    std::thread::sleep(Duration::from_millis(10));
                }
                collector.collect();
            })
            .map_err(|e| StartError::Other(e.to_string()))?;
        let (recorder, _) = Recorder::new(cfg.channels, sr);
        recorder.set_max_mib(cfg.record_max_mib);
        let rt_priority = client_rt_priority(&client);
        let mut engine = Engine {
            shared,
            handle,
            recorder,
            config: cfg,
            client: None,
            workers: [None, None],
            collector: Some((collector_thread, stop)),
            connections: Vec::new(),
            unrestored: Vec::new(),
            went_away: Vec::new(),
            rt_priority,
            latency: None,
        };
        crate::rt::worker::install_panic_hook();
        for slot in 0..2 {
            engine.spawn_worker(slot);
        }
        engine.adopt_connections(crate::rescue::inherited_connections());
        engine.activate(client, 0, 0)?;
        match rt_priority {
            Some(p) => log::info!(
                "JACK is real-time (client priority {p}); workers ask for {}",
                p - 1
            ),
            None => log::info!("JACK is not real-time; workers run at normal priority"),
        }
        log::info!(
            "{} render thread(s) per slot (--threads)",
            engine.config.threads.max(1)
        );
        Ok(engine)
    }

    fn activate(&mut self, client: jack::Client, active: usize, t: u64) -> Result<(), StartError> {
        let mut ports = Vec::new();
        for i in 0..self.config.channels {
            let p = client
                .register_port(&format!("out_{}", i + 1), jack::AudioOut::default())
                .map_err(|e| {
                    StartError::Other(format!("cannot register port out_{}: {e:?}", i + 1))
                })?;
            ports.push(p);
        }
        crate::ports::describe_outputs(&client, &ports);
        self.latency = Some(LatencyReporter::install(
            &client,
            &ports,
            self.shared.clone(),
        ));
        let names: Vec<String> = ports.iter().filter_map(|p| p.name().ok()).collect();
        self.shared
            .period
            .store(client.buffer_size().min(MAX_PERIOD as u32), Release);
        let sr = client.sample_rate();
        self.shared.sample_rate.store(sr, Release);
        let fade = ((self.config.fade_ms.max(0.0) / 1000.0) * sr as f32).max(1.0) as u32;
        self.shared.fade_frames.store(fade, Release);
        self.shared.server_gone.store(false, Release);
        let mut cb = Callback::new(self.shared.clone(), ports, active, t, self.recorder.tap());
        if self.config.midi {
            let p = client
                .register_port("midi_in", jack::MidiIn::default())
                .map_err(|e| StartError::Other(format!("cannot register port midi_in: {e:?}")))?;
            cb = cb.with_midi(p);
        }
        let notes = Notifications {
            shared: self.shared.clone(),
        };
        let active_client = client
            .activate_async(notes, cb)
            .map_err(|e| StartError::Other(format!("cannot activate JACK client: {e:?}")))?;
        let c = active_client.as_client();
        if self.config.timebase_master {
            match crate::rt::transport::become_master(c, &self.shared.transport) {
                Ok(()) => log::info!("synth-jack is the JACK timebase master"),
                Err(e) => log::warn!("{e}"),
            }
        }
        if self.config.connect && self.connections.is_empty() {
            let phys = c.ports(
                None,
                Some("32 bit float mono audio"),
                jack::PortFlags::IS_INPUT | jack::PortFlags::IS_PHYSICAL,
            );
            for (src, dst) in names.iter().zip(phys.iter()) {
                if let Err(e) = c.connect_ports_by_name(src, dst) {
                    log::warn!("cannot connect {src} to {dst}: {e:?}");
                }
            }
        }
        // Everything connected at the last look, and what went away just
        // before the server did (its clients were closing).
        let wanted: Vec<(String, String)> = names
            .iter()
            .zip(self.connections.iter())
            .flat_map(|(src, dsts)| dsts.iter().map(move |d| (src.clone(), d.clone())))
            .chain(
                std::mem::take(&mut self.went_away)
                    .into_iter()
                    .map(|(s, d, _)| (s, d)),
            )
            .collect();
        for (src, dst) in wanted {
            wait_for_port(&mut self.unrestored, src, dst);
        }
        self.client = Some(active_client);
        self.restore_connections();
        Ok(())
    }

    /// Starts (or restarts) the worker thread of `slot`. A thread being
    /// replaced is not waited for: it may still be printing its panic.
    pub fn spawn_worker(&mut self, slot: usize) {
        if let Some(old) = self.workers[slot].take() {
            if old.is_finished() {
                let _ = old.join();
            }
        }
        let s = &self.shared.slots[slot];
        s.generation.fetch_add(1, AcqRel);
        while s.cmds.pop().is_some() {}
        s.discard();
        let prio = self.rt_priority;
        let helpers = self.config.threads.max(1) - 1;
        let pool =
            crate::rt::pool::Pool::new(helpers, &format!("render-{slot}"), prio.map(|p| p - 1));
        let worker = Worker::new(slot, self.shared.clone(), pool);
        let h = std::thread::Builder::new()
            .name(format!("worker-{slot}"))
            .spawn(move || {
                if let Some(p) = prio {
                    crate::sched::acquire_rt(p - 1, slot);
                }
                worker.run()
            })
            .expect("spawn worker thread");
        s.set_thread(&self.handle, h.thread().clone());
        s.alive.store(true, Release);
        self.workers[slot] = Some(h);
    }

    /// True when JACK has shut the client down.
    pub fn server_gone(&self) -> bool {
        self.shared.server_gone.load(Acquire)
    }

    /// Sample rate in Hz.
    pub fn sample_rate(&self) -> f32 {
        self.shared.sample_rate.load(Relaxed) as f32
    }

    /// Tears down the dead client and waits until a server answers, then
    /// reconnects with the same client and port names and connections.
    /// `rescue`: how the watchdog replaces the process if libjack deadlocks.
    pub fn reconnect(
        &mut self,
        quit: &AtomicBool,
        rescue: Option<crate::rescue::Rescue>,
    ) -> Result<(), StartError> {
        let rescue = rescue.map(Arc::new);
        stop::wait_notify_thread(self.shared.shutdown_tid.swap(0, AcqRel));
        let (active, t) = match self.client.take() {
            Some(c) => {
                let _watchdog = CloseWatchdog::arm(
                    Duration::from_secs(5),
                    "closing the JACK client after the server loss",
                    rescue.clone(),
                );
                #[cfg(feature = "fault-injection")]
                crate::fault::hang_if_armed();
                // After a shutdown deactivation may fail; the handler comes back either way.
                match c.deactivate() {
                    Ok((_, _, cb)) => {
                        let (_, t, active) = cb.into_parts();
                        (active, t)
                    }
                    Err(e) => {
                        // The callback was dropped (its blocks went back to
                        // the rings); the timeline continues where it was.
                        log::debug!("deactivate after server loss: {e:?}");
                        (
                            self.shared.stats.active_slot.load(Relaxed) as usize,
                            self.shared.next_frame.load(Acquire),
                        )
                    }
                }
            }
            None => (
                self.shared.stats.active_slot.load(Relaxed) as usize,
                self.shared.next_frame.load(Acquire),
            ),
        };
        self.latency = None;
        loop {
            if quit.load(Acquire) {
                return Err(StartError::Other("quit while waiting for JACK".into()));
            }
            // Opening normally takes well under a second, failing at once without a server.
            let _watchdog = CloseWatchdog::arm(
                Duration::from_secs(20),
                "opening the JACK client after the server loss",
                rescue.clone(),
            );
            match open_client(&Config {
                start_server: false,
                ..self.config.clone()
            }) {
                Ok(client) => {
                    self.rt_priority = client_rt_priority(&client);
                    if let Err(e) = self.recorder.set_rate(client.sample_rate()) {
                        log::error!("recording after the reconnect: {e}");
                    }
                    self.activate(client, active, t)?;
                    // Workers jump to the new timeline position.
                    self.shared.epoch.fetch_add(1, Release);
                    self.shared.stats.reconnects.fetch_add(1, Relaxed);
                    return Ok(());
                }
                Err(_) => std::thread::sleep(Duration::from_millis(250)),
            }
        }
    }

    /// Asks JACK to recompute port latencies (after a buffer-size change).
    pub fn recompute_latency(&self) {
        if let Some(l) = &self.latency {
            l.recompute();
        }
    }

    /// The JACK client, while connected.
    pub fn client(&self) -> Option<&jack::Client> {
        self.client.as_ref().map(|c| c.as_client())
    }

    /// Deactivates the client, finalizes a running recording and stops
    /// every thread.
    pub fn shutdown(mut self) {
        if self.recorder.is_recording() {
            match self.recorder.stop() {
                Ok((path, frames)) => {
                    log::info!("recording {} finalized ({frames} frames)", path.display())
                }
                Err(e) => log::error!("recording: {e}"),
            }
        }
        if let Some(c) = self.client.take() {
            let _watchdog =
                CloseWatchdog::arm(Duration::from_secs(5), "closing the JACK client", None);
            if let Err(e) = c.deactivate() {
                log::warn!("deactivate: {e:?}");
            }
        }
        self.latency = None;
        for slot in 0..2 {
            let _ = self.shared.slots[slot].cmds.push(WorkerCmd::Quit);
            self.shared.slots[slot].wake();
            if let Some(h) = self.workers[slot].take() {
                join_within(h, QUIT_BOUND, "worker");
            }
        }
        if let Some((h, stop)) = self.collector.take() {
            stop.store(true, Release);
            let _ = h.join();
        }
    }
}

fn client_rt_priority(client: &jack::Client) -> Option<i32> {
    // SAFETY: plain libjack query on a live client.
    let p = unsafe { jack::jack_sys::jack_client_real_time_priority(client.raw()) };
    (p > 0).then_some(p)
}
