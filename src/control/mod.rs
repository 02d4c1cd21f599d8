//! The control thread's side of the engine: the pending patch, commits,
//! live parameter changes, failover. Builds graphs (allocates) here, off the
//! real-time threads, and hands them over through the workers' queues.

pub mod buffers;
pub mod clock;
mod commits;
pub use commits::CommitError;
mod live;
mod notes;
mod recover;
pub mod taps;
pub mod transport;
pub mod wav;

use crate::engine::Engine;
use crate::rt::command::{EngineEvent, WorkerCmd};
use basedrop::Owned;
use dsp::{Graph, Patch, PatchError, Registry};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::Ordering::*;
use std::time::{Duration, Instant};

/// A commit waiting for its switch; the caller matches notices by `ticket`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(pub u64);

/// Something the OSC layer may want to tell its clients.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// A commit's switch happened.
    Committed {
        /// The commit.
        ticket: Ticket,
        /// Slot now playing.
        slot: usize,
        /// Patch version now playing.
        version: u32,
    },
    /// A commit could not be carried out after it was accepted.
    CommitFailed {
        /// The commit.
        ticket: Ticket,
        /// Why.
        reason: commits::CommitError,
    },
    /// The other slot took over from a dead or stalled worker.
    Failover {
        /// Slot that failed.
        from: usize,
        /// Slot now playing.
        to: usize,
        /// Type of the module that panicked; "" when the worker stalled.
        module: &'static str,
    },
    /// JACK reported xruns; total so far.
    Xrun(u64),
    /// A quantized commit is about to be reported as `Committed`: it
    /// switched on this bar and beat.
    Landed {
        /// The commit.
        ticket: Ticket,
        /// Bar, from 1.
        bar: i64,
        /// Beat in the bar, from 1.
        beat: f64,
    },
    /// The transport started, stopped, relocated or changed tempo or meter.
    Transport(transport::TransportInfo),
}

struct Queued {
    ticket: Ticket,
    /// Earlier commits this one superseded while they waited: answered
    /// with it.
    also: Vec<Ticket>,
    patch: Patch,
    at: Option<u64>,
    /// Switch on the next such boundary of the transport instead.
    quant: Option<transport::Quantum>,
    /// Times its switch was abandoned because the new slot never started.
    timeouts: u8,
    /// The graph `commit` compiled (at this rate), kept only while it goes out at once.
    graph: Option<(Owned<Graph>, f32)>,
}

enum Phase {
    /// Ready for a commit.
    Idle,
    /// A handover was sent; waiting for the callback's switch.
    Switching {
        ticket: Ticket,
        also: Vec<Ticket>,
        patch: Box<Patch>,
        version: u32,
        sent: Instant,
        /// Bar and beat of a quantized switch.
        landed: Option<(i64, f64)>,
        /// Timeline frame it was scheduled for.
        at: Option<u64>,
        /// Why it is being cancelled, once a cancel was sent to the worker.
        cancel: Option<commits::CommitError>,
        /// Earlier tries of this switch that timed out.
        timeouts: u8,
    },
    /// Switched; waiting for the old slot to stop so it can be reloaded.
    Reloading { slot: usize, since: Instant },
}

/// Patch editing and commit state.
pub struct Control {
    registry: Registry,
    /// The patch being edited.
    pub pending: Patch,
    committed: Patch,
    version: u32,
    next_version: u32,
    next_ticket: u64,
    phase: Phase,
    queue: VecDeque<Queued>,
    notices: Vec<Notice>,
    failover_after: Duration,
    failover_in_flight: bool,
    /// Since when the playing slot has had no worker rendering it.
    silent_since: Option<Instant>,
    /// Since when the failover in flight has waited for its slot's first block.
    failover_since: Option<Instant>,
    /// Module type whose panic caused the failover in flight ("" for a stall).
    failed_module: &'static str,
    last_xruns: u64,
    /// Wall clock ↔ timeline mapping for timed bundles.
    pub clock: clock::Clock,
    /// Frames of timed events sent and not yet rendered (min-heap), so
    /// their number never exceeds what a worker can hold.
    scheduled: BinaryHeap<Reverse<u64>>,
    /// Plugin hosting: switches that move instances, `--quarantine-plugins`.
    pub plugins: crate::plugin::Hooks,
    /// Quantized commits switch at once while the transport is stopped
    /// (`--quant-when-stopped=now`) instead of waiting for it to roll.
    pub quant_now: bool,
    /// Transport changes seen so far (`rt::transport` counts them).
    transport_changes: u64,
    /// The observers' taps of every graph built, for `/scope` and `/meter`.
    pub taps: taps::Taps,
}

impl Control {
    /// Control for `engine`: both slots get an empty graph; slot 0 plays it.
    pub fn new(engine: &mut Engine, registry: Registry, failover_after: Duration) -> Control {
        let mut c = Control {
            registry,
            pending: Patch::new(),
            committed: Patch::new(),
            version: 0,
            next_version: 1,
            next_ticket: 1,
            phase: Phase::Idle,
            queue: VecDeque::new(),
            notices: Vec::new(),
            failover_after,
            failover_in_flight: false,
            silent_since: None,
            failover_since: None,
            failed_module: "",
            last_xruns: 0,
            clock: clock::Clock::default(),
            scheduled: BinaryHeap::new(),
            plugins: Default::default(),
            quant_now: false,
            transport_changes: engine.shared().transport.changes.load(Relaxed),
            taps: Default::default(),
        };
        let sh = engine.shared().clone();
        if let Ok(g) = c.build(engine, &Patch::new()) {
            let _ = sh.slots[0].cmds.push(WorkerCmd::Start {
                graph: Some(g),
                start: sh.cycle_frame.load(Acquire),
                version: 0,
            });
            sh.slots[0].wake();
        }
        c.load_standby(engine, 1);
        c
    }

    /// Module types available.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The module types and the pending patch together, to edit the patch
    /// (`Patch::create` and friends need both).
    pub fn edit_pending(&mut self) -> (&Registry, &mut Patch) {
        (&self.registry, &mut self.pending)
    }

    /// The patch that plays (as last committed, with live changes).
    pub fn committed(&self) -> &Patch {
        &self.committed
    }

    /// Records buffer `name`'s file (`None`: freed) in the pending and the
    /// playing patch, so `/patch/dump` and saves list it.
    pub fn set_buffer_line(&mut self, name: &str, file: Option<&str>) {
        self.pending.set_buffer_line(name, file);
        self.committed.set_buffer_line(name, file);
    }

    /// Version of the patch that plays.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// True when no commit is switching or queued (for `/sync`).
    pub fn is_settled(&self) -> bool {
        matches!(self.phase, Phase::Idle | Phase::Reloading { .. }) && self.queue.is_empty()
    }

    /// The pending patch becomes a copy of what plays.
    pub fn abort(&mut self) {
        self.pending = self.committed.clone();
    }

    /// Takes the notices gathered since the last call.
    pub fn take_notices(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.notices)
    }

    fn build(&self, engine: &Engine, patch: &Patch) -> Result<Owned<Graph>, PatchError> {
        self.build_in(engine, patch, &self.registry)
    }

    /// Compiles `patch` with `reg` for the server's rate and channels.
    fn build_in(
        &self,
        engine: &Engine,
        patch: &Patch,
        reg: &Registry,
    ) -> Result<Owned<Graph>, PatchError> {
        let g = Graph::compile(patch, reg, engine.sample_rate(), engine.config().channels)?;
        self.taps.register(&g);
        Ok(Owned::new(engine.handle(), g))
    }

    /// Builds the committed patch again (a standby, a recovery, a reconnect).
    /// It passed the memory budget when it was committed; at a higher sample
    /// rate its delay lines grow with the rate, and it is rebuilt anyway (one
    /// warning), so a server restarted at 96 kHz never silences what played.
    fn build_committed(&self, engine: &Engine) -> Result<Owned<Graph>, PatchError> {
        // The registry's rate is the server's (set at start and at each reconnect).
        let mut reg = self.registry.clone();
        let bytes = dsp::budget::patch_bytes(&self.committed, &reg);
        if bytes > reg.memory_budget() {
            log::warn!(
                "the committed patch needs about {} MiB at {} Hz, over the memory budget of {} MiB \
                 (--max-graph-mib); rebuilt anyway, as it was accepted when committed",
                dsp::budget::mib(bytes),
                engine.sample_rate(),
                dsp::budget::mib(reg.memory_budget())
            );
            reg.set_memory_budget(u64::MAX);
        }
        self.build_in(engine, &self.committed, &reg)
    }

    fn load_standby(&mut self, engine: &mut Engine, slot: usize) {
        match crate::plugin::build_standby(|| self.build_committed(engine)) {
            Ok(graph) => {
                let s = &engine.shared().slots[slot];
                let _ = s.cmds.push(WorkerCmd::Load {
                    graph,
                    version: self.version,
                });
                s.wake();
            }
            Err(e) => log::error!("cannot rebuild standby slot {slot}: {e}"),
        }
    }

    /// Handles what the real-time side reported; supervises the active worker.
    pub fn poll(&mut self, engine: &mut Engine) {
        let sh = engine.shared().clone();
        self.take_events(engine);
        self.supervise(engine);
        self.bound_phases(engine);
        let changes = sh.transport.changes.load(Relaxed);
        if changes != self.transport_changes {
            self.transport_changes = changes;
            self.notices
                .push(Notice::Transport(transport::info(engine)));
        }
        let x = sh.stats.xruns.load(Relaxed);
        if x != self.last_xruns {
            self.last_xruns = x;
            self.clock.reset();
            self.notices.push(Notice::Xrun(x));
        }
        self.pump(engine);
    }

    /// Handles the events the real-time side posted.
    fn take_events(&mut self, engine: &mut Engine) {
        let sh = engine.shared().clone();
        while let Some(e) = sh.events.pop() {
            #[cfg(feature = "fault-injection")]
            if crate::fault::lose(&e) {
                log::warn!("fault injection: lost {e:?}");
                continue;
            }
            match e {
                EngineEvent::Switched {
                    slot,
                    version,
                    from,
                    failover,
                } => {
                    if failover {
                        // The phase was set by fail_over: Idle when the failed
                        // worker was replaced, Reloading while a stalled one stops.
                        self.failover_in_flight = false;
                        let module = std::mem::take(&mut self.failed_module);
                        self.notices.push(Notice::Failover {
                            from,
                            to: slot,
                            module,
                        });
                        log::warn!("failover: slot {from} -> {slot}, version {version}");
                        continue;
                    }
                    if let Phase::Switching {
                        ticket,
                        also,
                        patch,
                        version: v,
                        sent,
                        landed,
                        ..
                    } = std::mem::replace(
                        &mut self.phase,
                        Phase::Reloading {
                            slot: from,
                            since: Instant::now(),
                        },
                    ) {
                        self.committed = *patch;
                        self.version = v;
                        log::info!(
                            "patch version {v} plays on slot {slot} ({:.1} ms after commit)",
                            sent.elapsed().as_secs_f64() * 1e3
                        );
                        for ticket in also.into_iter().chain([ticket]) {
                            if let Some((bar, beat)) = landed {
                                self.notices.push(Notice::Landed { ticket, bar, beat });
                            }
                            self.notices.push(Notice::Committed {
                                ticket,
                                slot,
                                version: v,
                            });
                        }
                    }
                }
                EngineEvent::Stopped { slot } => {
                    self.load_standby(engine, slot);
                    if matches!(self.phase, Phase::Reloading { slot: s, .. } if s == slot) {
                        self.phase = Phase::Idle;
                    }
                }
                EngineEvent::Died { slot, module } => {
                    log::error!("worker {slot} died: panic in a module of type `{module}`");
                    self.failed_module = module;
                    self.fail_over(engine, slot);
                }
                EngineEvent::Cancelled { version } => self.cancelled(version),
            }
        }
    }
}
