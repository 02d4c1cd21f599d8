//! Replies: the [`Reply`] queue, `/done` and `/fail` (rate-limited logging),
//! notifications to `/notify` clients, and the encoding of `/status.reply`,
//! `/telemetry.reply` and `/modules.reply`.

use super::{Backend, Dispatcher, MAX_NOTIFY};
use crate::control::taps::Reading;
use crate::osc::peer::Peer;
use crate::osc::Failure;
use crate::osc::StatusReply;
use dsp::Registry;
use rosc::{OscMessage, OscType};
use std::time::{Duration, Instant};

/// A message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The client it goes to.
    pub to: Peer,
    /// The message.
    pub msg: OscMessage,
}

/// Logs at most 20 warnings a second, then counts the rest.
pub(super) struct WarnLimit {
    window: Instant,
    count: u32,
    suppressed: u64,
}

impl WarnLimit {
    pub(super) fn new() -> WarnLimit {
        WarnLimit {
            window: Instant::now(),
            count: 0,
            suppressed: 0,
        }
    }

    pub(super) fn allow(&mut self) -> bool {
        if self.window.elapsed() >= Duration::from_secs(1) {
            if self.suppressed > 0 {
                log::warn!(
                    "{} more OSC failures in the last second were not logged",
                    self.suppressed
                );
            }
            self.window = Instant::now();
            self.count = 0;
            self.suppressed = 0;
        }
        self.count += 1;
        if self.count > 20 {
            self.suppressed += 1;
            false
        } else {
            true
        }
    }
}

fn msg(addr: &str, args: Vec<OscType>) -> OscMessage {
    OscMessage {
        addr: addr.to_string(),
        args,
    }
}

/// A text argument.
pub(super) fn s(text: impl Into<String>) -> OscType {
    OscType::String(text.into())
}

/// A counter as an OSC int (saturating).
pub(super) fn int(v: u64) -> OscType {
    OscType::Int(v.min(i32::MAX as u64) as i32)
}

impl Dispatcher {
    pub(super) fn reply(&mut self, to: Peer, addr: &str, args: Vec<OscType>) {
        self.out.push(Reply {
            to,
            msg: msg(addr, args),
        });
    }

    pub(super) fn done(&mut self, to: Peer, what: &str, mut args: Vec<OscType>) {
        args.insert(0, s(what));
        self.reply(to, "/done", args);
    }

    /// Sends `/fail address reason` and logs it: as a warning when the
    /// client is at fault, as an error when the engine side failed.
    pub fn fail(&mut self, to: Peer, addr: &str, why: &Failure) {
        self.failures += 1;
        if self.warn.allow() {
            let shown = if addr.is_empty() { "(malformed)" } else { addr };
            if why.is_client_error() {
                log::warn!("OSC from {to}: {shown}: {why}");
            } else {
                log::error!("OSC from {to}: {shown}: {why}");
            }
        }
        self.reply(to, "/fail", vec![s(addr), s(why.to_string())]);
    }

    pub(super) fn tell_all(&mut self, addr: &str, args: Vec<OscType>) {
        for i in 0..self.notify.len() {
            let to = self.notify[i];
            self.reply(to, addr, args.clone());
        }
    }

    /// Sends the observers' readings (`/scope`, `/meter`) to every
    /// `/notify` client.
    pub fn observed(&mut self, readings: Vec<Reading>) {
        for r in readings {
            match r {
                Reading::Scope(id, xs) => {
                    let mut args = vec![s(id)];
                    args.extend(xs.into_iter().map(OscType::Float));
                    self.tell_all("/scope", args);
                }
                Reading::Meter(id, rms, peak) => self.tell_all(
                    "/meter",
                    vec![s(id), OscType::Float(rms), OscType::Float(peak)],
                ),
            }
        }
    }

    pub(super) fn set_notify(&mut self, from: Peer, on: bool) -> Result<(), Failure> {
        if on {
            if !self.notify.contains(&from) {
                if self.notify.len() >= MAX_NOTIFY {
                    return Err(Failure::Busy(format!(
                        "{MAX_NOTIFY} clients are registered already; /notify 0 one of them first"
                    )));
                }
                self.notify.push(from);
            }
        } else {
            self.notify.retain(|a| *a != from);
        }
        self.done(from, "/notify", vec![]);
        Ok(())
    }

    pub(super) fn status(&mut self, b: &mut dyn Backend, from: Peer) {
        let st = StatusReply::new(&b.status(), self.late_bundles);
        let mut args = st.encode();
        if let Some(t) = b.transport() {
            // The transport follows the counters (see `StatusReply::WITH_TRANSPORT`).
            args.extend(super::transport_args(&t));
        }
        self.reply(from, StatusReply::ADDR, args);
    }

    pub(super) fn telemetry(&mut self, b: &mut dyn Backend, from: Peer) {
        let mut all = b.telemetry();
        all.extend([
            ("osc.packets".to_string(), self.packets as f64),
            ("osc.messages".to_string(), self.messages as f64),
            ("osc.failures".to_string(), self.failures as f64),
            ("osc.late_bundles".to_string(), self.late_bundles as f64),
            ("osc.notified".to_string(), self.notify.len() as f64),
        ]);
        let args = all
            .into_iter()
            .flat_map(|(k, v)| [s(k), OscType::Double(v)])
            .collect();
        self.reply(from, "/telemetry.reply", args);
    }

    pub(super) fn modules(&mut self, b: &mut dyn Backend, from: Peer) {
        let list = modules_list(b.registry());
        self.reply(from, "/modules.reply", list.into_iter().map(s).collect());
    }
}

/// One line per module type: its name, then its parameters' names.
pub fn modules_list(reg: &Registry) -> Vec<String> {
    reg.types()
        .iter()
        .map(|t| {
            let mut line = t.spec.name.to_string();
            for p in t.spec.params {
                line.push(' ');
                line.push_str(p.name);
            }
            line
        })
        .collect()
}
