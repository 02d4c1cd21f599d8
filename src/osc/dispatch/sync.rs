//! Commits and `/sync`: remembering who waits for which commit, answering
//! from the control thread's notices, and answering `/sync` once settled.

use super::reply::int;
use super::{Backend, Dispatcher, Progress};
use crate::control::Notice;
use crate::osc::peer::Peer;
use crate::osc::Failure;
use rosc::OscType;
use std::time::{Duration, Instant};

/// `/sync` waits at most this long for the worker to render past earlier
/// events (commits are always waited for).
const SYNC_RENDER_WAIT: Duration = Duration::from_millis(500);

/// A `/sync` not answered yet.
pub(super) struct SyncWait {
    to: Peer,
    id: OscType,
    /// Rendered frame when the sync arrived, if events were sent before it.
    rendered: Option<u64>,
    since: Instant,
}

impl Dispatcher {
    /// Forgets a peer that has gone (a closed TCP connection): no more
    /// notifications or `/synced` for it.
    pub fn forget(&mut self, peer: Peer) {
        self.notify.retain(|p| *p != peer);
        self.syncs.retain(|w| w.to != peer);
    }

    pub(super) fn commit(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        frame: Option<u64>,
    ) -> Result<(), Failure> {
        let ticket = b.commit(frame)?;
        self.commits.push_back((ticket, from));
        Ok(())
    }

    pub(super) fn sync(&mut self, b: &mut dyn Backend, from: Peer, id: OscType) {
        self.syncs.push_back(SyncWait {
            to: from,
            id,
            rendered: std::mem::take(&mut self.events_sent).then(|| b.rendered()),
            since: Instant::now(),
        });
    }

    /// Answers what the control thread reported: commit switches and
    /// failures, failovers, xruns; then any `/sync` now settled.
    pub fn notices<P: Progress + ?Sized>(&mut self, p: &P, notices: Vec<Notice>) {
        for n in notices {
            match n {
                Notice::Committed {
                    ticket,
                    slot,
                    version,
                } => {
                    if let Some(i) = self.commits.iter().position(|(t, _)| *t == ticket) {
                        let (_, to) = self.commits.remove(i).expect("index from position");
                        let mut args = vec![int(slot as u64), int(version as u64)];
                        if let Some((_, bar, beat)) = self.landed.filter(|l| l.0 == ticket) {
                            args.push(OscType::Int(bar.clamp(0, i32::MAX as i64) as i32));
                            args.push(OscType::Float(beat as f32));
                        }
                        self.done(to, "/patch/commit", args);
                    }
                    self.tell_all(
                        "/patch.switched",
                        vec![int(slot as u64), int(version as u64)],
                    );
                }
                Notice::CommitFailed { ticket, reason } => {
                    match self.commits.iter().position(|(t, _)| *t == ticket) {
                        Some(i) => {
                            let (_, to) = self.commits.remove(i).expect("index from position");
                            self.fail(to, "/patch/commit", &Failure::Commit(reason));
                        }
                        None => log::warn!("commit failed: {reason}"),
                    }
                }
                Notice::Failover { from, to, module } => {
                    // Why: `panic TYPE` (the module type that panicked) or `stall`.
                    let mut args = vec![int(from as u64), int(to as u64)];
                    match module {
                        "" => args.push(OscType::String("stall".into())),
                        m => args.extend(["panic", m].map(|s| OscType::String(s.into()))),
                    }
                    self.tell_all("/failover", args);
                }
                Notice::Xrun(total) => self.tell_all("/xrun", vec![int(total)]),
                Notice::Landed { ticket, bar, beat } => self.landed = Some((ticket, bar, beat)),
                Notice::Transport(t) => self.transport_changed(&t),
            }
        }
        self.poll_syncs(p);
    }

    /// Answers `/sync`s, in order, once every commit has switched and the
    /// playing worker has rendered past the events sent before them.
    pub fn poll_syncs<P: Progress + ?Sized>(&mut self, b: &P) {
        while let Some(w) = self.syncs.front() {
            if !b.is_settled() {
                return;
            }
            if let Some(r) = w.rendered {
                if b.rendered() <= r && w.since.elapsed() < SYNC_RENDER_WAIT {
                    return;
                }
            }
            let w = self.syncs.pop_front().expect("front exists");
            self.reply(w.to, "/synced", vec![w.id]);
        }
    }

    /// True while `/sync`s wait.
    pub fn syncs_waiting(&self) -> bool {
        !self.syncs.is_empty()
    }
}
