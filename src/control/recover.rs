//! Recovery: a worker that dies or lags is failed over to the other slot,
//! every phase of the commit machine has a bound, and a reconnect to a
//! (restarted, maybe different) JACK server rebuilds what plays. Nothing here
//! waits for an event that may never come.

use super::{CommitError, Control, Notice, Phase, Queued};
use crate::engine::Engine;
use crate::rt::command::{CallbackCmd, WorkerCmd};
use crate::rt::shared::other_slot;
use std::sync::atomic::Ordering::*;
use std::time::{Duration, Instant};

/// Longest a switch may take after its frame has come, and a reload after
/// its worker was told to stop, before control stops waiting for them.
pub const PHASE_BOUND: Duration = Duration::from_secs(2);

/// Tries a commit gets when its switch times out before it is refused.
pub(super) const SWITCH_TRIES: u8 = 2;

impl Control {
    /// After a reconnect: the playing slot restarts with the committed patch
    /// built for the server's (maybe new) sample rate, from where the new
    /// callback is on the timeline; the other slot stops and is reloaded; a
    /// commit that was switching is sent again; dead workers are replaced.
    pub fn after_reconnect(&mut self, engine: &mut Engine) {
        self.take_events(engine);
        self.registry.set_sample_rate(engine.sample_rate());
        let sh = engine.shared().clone();
        for slot in 0..2 {
            if !sh.slots[slot].alive.load(Acquire) {
                engine.spawn_worker(slot);
            }
        }
        self.requeue_switching();
        self.failover_in_flight = false;
        let active = sh.stats.active_slot.load(Acquire) as usize & 1;
        let graph = match self.build_committed(engine) {
            Ok(g) => Some(g),
            Err(e) => {
                log::error!("cannot rebuild the playing patch: {e}");
                None
            }
        };
        let rebuilt = graph.is_some();
        let start = sh.next_frame.load(Acquire);
        for (slot, cmd) in [
            (
                active,
                WorkerCmd::Start {
                    graph,
                    start,
                    version: self.version,
                },
            ),
            (other_slot(active), WorkerCmd::Stop),
        ] {
            if sh.slots[slot].cmds.push(cmd).is_err() {
                log::error!("worker {slot}'s queue is full; replacing it");
                engine.spawn_worker(slot);
            }
            sh.slots[slot].wake();
        }
        self.phase = Phase::Reloading {
            slot: other_slot(active),
            since: Instant::now(),
        };
        self.clock.reset();
        log::info!(
            "patch version {} {} at {} Hz, {} frames/period",
            self.version,
            if rebuilt {
                "rebuilt"
            } else {
                "NOT rebuilt (silent)"
            },
            engine.sample_rate(),
            sh.period.load(Relaxed)
        );
    }

    /// Puts a commit that was switching back at the head of the queue. One
    /// scheduled for a timeline frame keeps it: the timeline stands still
    /// while the server is away, so a frame still ahead switches then, not
    /// at once (one already past switches at once).
    pub(super) fn requeue_switching(&mut self) {
        if let Phase::Switching {
            ticket,
            also,
            patch,
            at,
            timeouts,
            ..
        } = std::mem::replace(&mut self.phase, Phase::Idle)
        {
            self.queue.push_front(Queued {
                ticket,
                also,
                patch: *patch,
                at,
                quant: None,
                graph: None,
                timeouts,
            });
        }
    }

    /// Fails the switching commit: its new slot never started playing.
    fn give_up_switch(&mut self, load: f32) {
        let Phase::Switching { ticket, also, .. } = std::mem::replace(&mut self.phase, Phase::Idle)
        else {
            return;
        };
        let reason = if load >= 1.0 {
            CommitError::TooHeavy { load }
        } else {
            CommitError::DidNotStart
        };
        log::error!("commit refused: {reason}");
        for ticket in also.into_iter().chain([ticket]) {
            self.notices.push(Notice::CommitFailed {
                ticket,
                reason: reason.clone(),
            });
        }
    }

    /// Ends a phase that waited longer than [`PHASE_BOUND`] for its event
    /// (a lost event, a worker that died or hangs): the slot being waited for
    /// gets a fresh worker, and a commit that was switching is sent again.
    pub(super) fn bound_phases(&mut self, engine: &mut Engine) {
        let sh = engine.shared().clone();
        let now_frame = sh.next_frame.load(Acquire);
        let bound_frames = (PHASE_BOUND.as_secs_f64() * engine.sample_rate() as f64) as u64;
        let stuck = match &self.phase {
            Phase::Idle => None,
            // A quantized switch waits with the stopped transport; it is
            // never late then.
            Phase::Switching {
                landed: Some(_), ..
            } if !sh.transport.read().time.rolling => None,
            Phase::Switching { sent, at, .. } => {
                let late = match at {
                    Some(f) => now_frame > f.saturating_add(bound_frames),
                    None => sent.elapsed() > PHASE_BOUND,
                };
                late.then_some(other_slot(sh.stats.active_slot.load(Acquire) as usize))
            }
            Phase::Reloading { slot, since } => (since.elapsed() > PHASE_BOUND).then_some(*slot),
        };
        let Some(slot) = stuck else {
            return;
        };
        let what = match self.phase {
            Phase::Switching { .. } => "a switch",
            _ => "a reload",
        };
        log::error!(
            "{what} waited more than {:?}; replacing worker {slot} and carrying on",
            PHASE_BOUND
        );
        sh.stats.recoveries.fetch_add(1, Relaxed);
        if let Phase::Switching { timeouts, .. } = &mut self.phase {
            *timeouts += 1;
            if *timeouts >= SWITCH_TRIES {
                let load = sh.slots[slot].stats.load_avg.load(Relaxed) as f32 / 1e6;
                self.give_up_switch(load);
            }
            // The playing worker may still hold the handover: void it by
            // restarting what plays from where the callback is.
            self.after_reconnect(engine);
            return;
        }
        engine.spawn_worker(slot);
        self.load_standby(engine, slot);
        self.phase = Phase::Idle;
    }

    /// Starts a fresh worker on `slot`, the slot a failover in flight goes
    /// to, with the committed patch from where the callback is.
    pub(super) fn restart_failover_target(&mut self, engine: &mut Engine, slot: usize) {
        engine.spawn_worker(slot);
        let sh = engine.shared().clone();
        let graph = self.build_committed(engine).ok();
        let _ = sh.slots[slot].cmds.push(WorkerCmd::Start {
            graph,
            start: sh.cycle_frame.load(Acquire),
            version: self.version,
        });
        sh.slots[slot].wake();
        self.failover_since = Some(Instant::now());
    }

    /// Fails over when the active worker lags the callback by more than the timeout.
    pub(super) fn supervise(&mut self, engine: &mut Engine) {
        let sh = engine.shared().clone();
        let active = sh.stats.active_slot.load(Acquire) as usize;
        if self.failover_in_flight {
            self.silent_since = None;
            // The slot it goes to has not rendered a block within the bound:
            // its worker hangs (one that died was restarted at once).
            let since = *self.failover_since.get_or_insert_with(Instant::now);
            if since.elapsed() > PHASE_BOUND {
                log::error!(
                    "the failover to slot {} did not start; restarting it",
                    other_slot(active)
                );
                sh.stats.recoveries.fetch_add(1, Relaxed);
                self.restart_failover_target(engine, other_slot(active));
            }
            return;
        }
        self.failover_since = None;
        let s = &sh.slots[active];
        if !s.rendering.load(Acquire) {
            // Nothing renders what plays (the slot a failover went to died
            // as well): past the failover bound, what plays is restarted.
            let since = *self.silent_since.get_or_insert_with(Instant::now);
            if since.elapsed() > self.failover_after {
                self.silent_since = None;
                log::error!("no worker renders slot {active}, which plays; restarting it");
                sh.stats.recoveries.fetch_add(1, Relaxed);
                self.after_reconnect(engine);
            }
            return;
        }
        self.silent_since = None;
        let lag = s
            .consumed
            .load(Acquire)
            .saturating_sub(s.produced.load(Acquire));
        let limit = (self.failover_after.as_secs_f64() * engine.sample_rate() as f64) as u64;
        if lag > limit {
            log::error!(
                "worker {active} is {:.0} ms behind; failing over",
                lag as f64 * 1e3 / engine.sample_rate() as f64
            );
            self.failed_module = "";
            self.fail_over(engine, active);
        }
    }

    /// Moves playback off slot `dead` (a worker that panicked or stalls).
    pub(super) fn fail_over(&mut self, engine: &mut Engine, dead: usize) {
        let sh = engine.shared().clone();
        let active = sh.stats.active_slot.load(Acquire) as usize;
        // A commit that was waiting on either worker is sent again later.
        self.requeue_switching();
        let panicked = !sh.slots[dead].alive.load(Acquire);
        if dead == active {
            let to = other_slot(dead);
            self.failover_in_flight = true;
            let start = sh.cycle_frame.load(Acquire);
            // A fresh graph of what plays, with live changes; the loaded
            // standby graph is the fallback if that cannot be built.
            self.plugins
                .on_failover(&mut [&mut self.committed, &mut self.pending]);
            let graph = self.build_committed(engine).ok();
            let _ = sh.slots[to].cmds.push(WorkerCmd::Start {
                graph,
                start,
                version: self.version,
            });
            sh.slots[to].wake();
            let _ = sh.callback_cmds.push(CallbackCmd::Failover {
                to,
                version: self.version,
            });
        }
        if panicked && dead != active && self.failover_in_flight {
            // The slot a failover goes to died before it played: a fresh
            // worker renders the committed patch there, or nothing would.
            self.restart_failover_target(engine, dead);
        } else if panicked {
            // A fresh thread with the committed patch becomes the standby.
            engine.spawn_worker(dead);
            self.load_standby(engine, dead);
        } else {
            // A stalled worker stops when it wakes; commits wait for that.
            let _ = sh.slots[dead].cmds.push(WorkerCmd::Stop);
            self.phase = Phase::Reloading {
                slot: dead,
                since: Instant::now(),
            };
        }
    }
}
