//! The commit queue: commits wait while another switches, collapse when too
//! many wait, and a commit scheduled for a future frame can be superseded by
//! a later one or cancelled (`/patch/cancel`).

use super::{transport, Control, Notice, Phase, Queued, Ticket};
use crate::engine::Engine;
use crate::rt::command::{Handover, WorkerCmd};
use crate::rt::shared::other_slot;
use dsp::PatchError;
use std::collections::VecDeque;
use std::sync::atomic::Ordering::*;
use std::time::Instant;

/// Most commits waiting with their own patch; a further one replaces the
/// newest waiting patch (that commit is answered when the newer one plays).
pub const MAX_QUEUED: usize = 8;
/// Most superseded commits answered together with one waiting commit; older
/// ones are answered with `/fail` at once.
pub const MAX_SUPERSEDED: usize = 256;

/// Why a commit that was accepted does not play: the reason of its
/// `/fail /patch/commit` reply.
#[derive(Debug, Clone, PartialEq)]
pub enum CommitError {
    /// More than [`MAX_SUPERSEDED`] commits waited; this, the oldest, is dropped.
    TooManyWaiting,
    /// A later commit came before this one's frame.
    Superseded,
    /// `/patch/cancel`.
    Cancelled,
    /// Its graph could not be built when its turn came.
    Build(PatchError),
    /// The playing worker's queue had no room for the handover.
    QueueFull,
    /// The new slot never started: it renders slower than real time.
    TooHeavy {
        /// How many times real time it takes to render.
        load: f32,
    },
    /// The new slot never started, [`SWITCH_TRIES`](super::recover) times.
    DidNotStart,
}

impl std::fmt::Display for CommitError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            CommitError::TooManyWaiting => {
                write!(f, "superseded: more than {MAX_SUPERSEDED} commits waiting")
            }
            CommitError::Superseded => f.write_str("superseded by a later commit"),
            CommitError::Cancelled => f.write_str("cancelled by /patch/cancel"),
            CommitError::Build(e) => std::fmt::Display::fmt(e, f),
            CommitError::QueueFull => f.write_str("worker queue full"),
            CommitError::TooHeavy { load } => write!(
                f,
                "the patch is too heavy for this machine: it renders at {load:.1}x real time \
                 (try --threads, a longer period, or fewer modules); the previous patch plays on"
            ),
            CommitError::DidNotStart => write!(
                f,
                "the patch did not start playing within {:?}, {} times; \
                 the previous patch plays on",
                super::recover::PHASE_BOUND,
                super::recover::SWITCH_TRIES
            ),
        }
    }
}

impl std::error::Error for CommitError {}

/// What `/status` shows of the commit machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingCommits {
    /// Commits accepted and not yet playing (switching or waiting).
    pub count: usize,
    /// Timeline frame a switching commit is scheduled for, if timed.
    pub at: Option<u64>,
}

impl Control {
    /// Compiles the pending patch and hot-swaps it in, at timeline frame `at`
    /// or as soon as possible. Errors (cycles, unknown modules...) come back
    /// at once; the switch is reported later as `Notice::Committed`. A
    /// commit scheduled for a later frame that has not switched yet is
    /// superseded by this one.
    pub fn commit(&mut self, engine: &mut Engine, at: Option<u64>) -> Result<Ticket, PatchError> {
        self.commit_on(engine, at, None)
    }

    /// Like [`Control::commit`], switching exactly on the first frame of the
    /// next boundary `q` of the transport (waiting while it is stopped,
    /// unless `quant_now`); `/done` then reports the bar and beat.
    pub fn commit_quantized(
        &mut self,
        engine: &mut Engine,
        q: transport::Quantum,
    ) -> Result<Ticket, PatchError> {
        self.commit_on(engine, None, Some(q))
    }

    fn commit_on(
        &mut self,
        engine: &mut Engine,
        at: Option<u64>,
        quant: Option<transport::Quantum>,
    ) -> Result<Ticket, PatchError> {
        // Compile now so errors reach the sender at once.
        let graph = crate::plugin::build_commit(&self.committed, &self.pending, || {
            self.build(engine, &self.pending)
        })?;
        let ticket = Ticket(self.next_ticket);
        self.next_ticket += 1;
        let patch = self.pending.clone();
        self.supersede_waiting(engine);
        let full = self.queue.len() >= MAX_QUEUED;
        match self.queue.back_mut() {
            Some(last) if full => {
                last.also.push(last.ticket);
                if last.also.len() > MAX_SUPERSEDED {
                    let oldest = last.also.remove(0);
                    self.notices.push(Notice::CommitFailed {
                        ticket: oldest,
                        reason: CommitError::TooManyWaiting,
                    });
                }
                last.ticket = ticket;
                last.patch = patch;
                last.at = at;
                last.quant = quant;
                last.graph = None;
                last.timeouts = 0;
            }
            _ => self.queue.push_back(Queued {
                ticket,
                also: Vec::new(),
                patch,
                at,
                quant,
                graph: Some((graph, engine.sample_rate())),
                timeouts: 0,
            }),
        }
        self.cancel_scheduled(engine, CommitError::Superseded);
        self.pump(engine);
        // A commit left waiting keeps its patch only (bounded memory).
        self.queue.iter_mut().for_each(|q| q.graph = None);
        Ok(ticket)
    }

    /// Fails the waiting commits scheduled for a frame not rendered yet (one
    /// put back in the queue by a reconnect or a recovery): a later commit
    /// supersedes them, as it does the one switching.
    fn supersede_waiting(&mut self, engine: &Engine) {
        let sh = engine.shared();
        let active = sh.stats.active_slot.load(Acquire) as usize & 1;
        let rendered = sh.slots[active].produced.load(Acquire);
        let (scheduled, waiting): (VecDeque<Queued>, _) = std::mem::take(&mut self.queue)
            .into_iter()
            .partition(|q| q.at.is_some_and(|f| f > rendered));
        self.queue = waiting;
        for q in scheduled {
            for ticket in q.also.into_iter().chain([q.ticket]) {
                self.notices.push(Notice::CommitFailed {
                    ticket,
                    reason: CommitError::Superseded,
                });
            }
        }
    }

    /// Cancels every commit that has not switched yet: the waiting ones at
    /// once, a scheduled one if its frame has not come. Returns how many.
    pub fn cancel(&mut self, engine: &mut Engine) -> usize {
        let mut n = 0;
        for q in std::mem::take(&mut self.queue) {
            for ticket in q.also.into_iter().chain([q.ticket]) {
                n += 1;
                self.notices.push(Notice::CommitFailed {
                    ticket,
                    reason: CommitError::Cancelled,
                });
            }
        }
        if self.cancel_scheduled(engine, CommitError::Cancelled) {
            n += 1;
        }
        n
    }

    /// Asks the playing worker to drop a handover scheduled for a frame not
    /// reached yet. True if asked; the answer comes as `Cancelled` (or, if
    /// the frame came first, as the switch).
    fn cancel_scheduled(&mut self, engine: &Engine, why: CommitError) -> bool {
        let sh = engine.shared();
        let active = sh.stats.active_slot.load(Acquire) as usize & 1;
        let rendered = sh.slots[active].produced.load(Acquire);
        let Phase::Switching {
            at: Some(f),
            cancel: cancel @ None,
            version,
            ..
        } = &mut self.phase
        else {
            return false;
        };
        if *f <= rendered {
            return false;
        }
        if sh.slots[active]
            .cmds
            .push(WorkerCmd::Cancel { version: *version })
            .is_err()
        {
            return false;
        }
        sh.slots[active].wake();
        *cancel = Some(why);
        true
    }

    /// The playing worker dropped the handover of `version`.
    pub(super) fn cancelled(&mut self, version: u32) {
        if !matches!(self.phase, Phase::Switching { version: v, .. } if v == version) {
            return;
        }
        if let Phase::Switching {
            ticket,
            also,
            cancel,
            ..
        } = std::mem::replace(&mut self.phase, Phase::Idle)
        {
            let reason = cancel.unwrap_or(CommitError::Cancelled);
            log::info!("scheduled commit (version {version}) {reason}");
            for ticket in also.into_iter().chain([ticket]) {
                self.notices.push(Notice::CommitFailed {
                    ticket,
                    reason: reason.clone(),
                });
            }
        }
    }

    /// Commits accepted and not playing yet, for `/status`.
    pub fn pending_commits(&self) -> PendingCommits {
        let waiting: usize = self.queue.iter().map(|q| 1 + q.also.len()).sum();
        match &self.phase {
            Phase::Switching { also, at, .. } => PendingCommits {
                count: waiting + 1 + also.len(),
                at: *at,
            },
            _ => PendingCommits {
                count: waiting,
                at: None,
            },
        }
    }

    /// Sends the next queued commit when nothing is in flight.
    pub(super) fn pump(&mut self, engine: &mut Engine) {
        if !matches!(self.phase, Phase::Idle) || self.failover_in_flight {
            return;
        }
        let Some(mut q) = self.queue.pop_front() else {
            return;
        };
        let mut landed = None;
        let mut on_beat = None;
        if let Some(quant) = q.quant {
            match transport::next_boundary(engine, quant) {
                transport::Landing::At {
                    frame,
                    beats,
                    bar,
                    beat,
                } => {
                    log::info!(
                        "commit quantized to bar {bar} beat {beat} (timeline frame {frame})"
                    );
                    q.at = Some(frame);
                    on_beat = Some(beats);
                    landed = Some((bar, beat));
                }
                transport::Landing::Wait if self.quant_now => {}
                transport::Landing::Wait => {
                    // Stopped: wait at the head of the queue for the transport to roll.
                    self.queue.push_front(q);
                    return;
                }
            }
        }
        let compiled = q.graph.take().filter(|(_, sr)| *sr == engine.sample_rate());
        let build = || {
            crate::plugin::build_commit(&self.committed, &q.patch, || self.build(engine, &q.patch))
        };
        let graph = match compiled.map_or_else(build, |(g, _)| Ok(g)) {
            Ok(g) => g,
            Err(e) => {
                for ticket in q.also.into_iter().chain([q.ticket]) {
                    self.notices.push(Notice::CommitFailed {
                        ticket,
                        reason: CommitError::Build(e.clone()),
                    });
                }
                return self.pump(engine);
            }
        };
        let sh = engine.shared().clone();
        let active = sh.stats.active_slot.load(Acquire) as usize;
        let version = self.next_version;
        self.next_version += 1;
        let at =
            q.at.filter(|&f| f > sh.slots[active].produced.load(Acquire));
        let cmd = WorkerCmd::Handover(Handover {
            graph,
            to: other_slot(active),
            at,
            version,
            beat: on_beat,
            cut: self.committed.heard_the_same(&q.patch, &self.registry),
        });
        if sh.slots[active].cmds.push(cmd).is_err() {
            for ticket in q.also.into_iter().chain([q.ticket]) {
                self.notices.push(Notice::CommitFailed {
                    ticket,
                    reason: CommitError::QueueFull,
                });
            }
            return;
        }
        sh.slots[active].wake();
        self.phase = Phase::Switching {
            ticket: q.ticket,
            also: q.also,
            patch: Box::new(q.patch),
            version,
            sent: Instant::now(),
            landed,
            at,
            cancel: None,
            timeouts: q.timeouts,
        };
    }
}
