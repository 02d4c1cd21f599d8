//! Carrying out requests: bundle timing, patch edits, commits, live changes,
//! and every reply, against a [`Backend`] so all of it runs in tests without
//! JACK (see `tests/`).
//!
//! This file holds the dispatcher's state, the bundle timing and the
//! request switch; each concern lives beside it: `backend` (what the
//! engine provides), `edit` (patch editing), `live` (live changes), `sync`
//! (commits and `/sync`), `files` (patch files and recording), `plugins`
//! (LV2 discovery, plugin values and statistics), `buffers` (sample
//! buffers), `reply`
//! (reply encoding, status and notification).

mod backend;
mod buffers;
mod edit;
mod files;
mod live;
mod musical;
mod notes;
mod plugins;
mod reply;
mod sync;

pub use backend::{Backend, Progress, Status};
pub use files::save_atomically;
pub use musical::{transport_args, AT_HORIZON_SECS, MAX_AT};
pub use reply::{modules_list, Reply};

use super::decode::{flatten, When};
use super::request::{parse, Request};
use crate::control::Ticket;
use crate::osc::peer::Peer;
use crate::osc::Failure;
use reply::{s, WarnLimit};
use rosc::{OscMessage, OscPacket, OscType};
use std::collections::VecDeque;
use std::path::PathBuf;
use sync::SyncWait;

/// Timetags further ahead than this many seconds are refused by default
/// (`--max-ahead`).
pub const MAX_AHEAD_SECS: f64 = 60.0;
/// Longest reply text (`/patch.dump`) sent over UDP.
pub const MAX_REPLY_TEXT: usize = crate::osc::peer::MAX_UDP_REPLY_TEXT;
/// Most clients registered with `/notify`.
pub const MAX_NOTIFY: usize = 64;

/// The OSC surface's state: who to tell what, and what is being waited for.
pub struct Dispatcher {
    patch_dir: PathBuf,
    record_dir: PathBuf,
    notify: Vec<Peer>,
    commits: VecDeque<(Ticket, Peer)>,
    syncs: VecDeque<SyncWait>,
    late_bundles: u64,
    /// Datagrams handled (decoded or not).
    packets: u64,
    /// Messages handled.
    messages: u64,
    /// `/fail` replies sent.
    failures: u64,
    /// Live events were sent since the last `/sync`.
    events_sent: bool,
    quit: bool,
    warn: WarnLimit,
    /// Horizon for timetags, in seconds.
    max_ahead: f64,
    /// Replies waiting to be sent, in order.
    pub out: Vec<Reply>,
    /// `/at` messages waiting for their beat, sorted by beat.
    at: Vec<musical::AtWait>,
    /// Bar and beat of the quantized commit reported next.
    landed: Option<(Ticket, i64, f64)>,
    /// Sample buffers (`/buffer/...`), once the engine set them up.
    buffers: Option<crate::control::buffers::BufferStore>,
    /// Who waits for which buffer load, in request order.
    buffer_waits: Vec<(Peer, String)>,
}

impl Dispatcher {
    /// A dispatcher loading and saving patches in `patch_dir` and writing
    /// recordings into `record_dir`.
    pub fn new(patch_dir: PathBuf, record_dir: PathBuf) -> Dispatcher {
        Dispatcher {
            patch_dir,
            record_dir,
            notify: Vec::new(),
            commits: VecDeque::new(),
            syncs: VecDeque::new(),
            late_bundles: 0,
            packets: 0,
            messages: 0,
            failures: 0,
            events_sent: false,
            quit: false,
            warn: WarnLimit::new(),
            max_ahead: MAX_AHEAD_SECS,
            out: Vec::new(),
            at: Vec::new(),
            landed: None,
            buffers: None,
            buffer_waits: Vec::new(),
        }
    }

    /// Refuses timetags more than `secs` seconds ahead (`--max-ahead`).
    pub fn set_max_ahead(&mut self, secs: f64) {
        self.max_ahead = secs;
    }

    /// Where patches and recordings go from now on (a new NSM session).
    pub fn set_dirs(&mut self, patch_dir: PathBuf, record_dir: PathBuf) {
        self.patch_dir = patch_dir;
        self.record_dir = record_dir;
    }

    /// True after `/quit`.
    pub fn quit_requested(&self) -> bool {
        self.quit
    }

    /// Late bundles so far.
    pub fn late_bundles(&self) -> u64 {
        self.late_bundles
    }

    /// Clients registered with `/notify`.
    pub fn notified(&self) -> &[Peer] {
        &self.notify
    }

    /// Handles one datagram (or the reason it could not be decoded) from `from`.
    pub fn handle(&mut self, b: &mut dyn Backend, from: Peer, packet: Result<OscPacket, String>) {
        self.packets += 1;
        let packet = match packet {
            Ok(p) => p,
            Err(reason) => return self.fail(from, "", &Failure::Malformed(reason)),
        };
        let items = flatten(packet);
        let mut now = None;
        let mut rendered = None;
        // Each timed message's frame comes from its own timetag, all of one
        // packet through one reference point (the first future tag), so their
        // frames keep exactly the spacing of their timetags whatever the
        // nesting; a tag in the past never becomes the reference.
        let mut anchor: Option<(f64, u64)> = None;
        let mut late_seen: Vec<usize> = Vec::new();
        for item in items {
            let frame = match item.when {
                When::Now => None,
                When::At(t) => {
                    let now = *now.get_or_insert_with(|| b.unix_now());
                    let rendered = *rendered.get_or_insert_with(|| b.rendered());
                    if !t.is_finite() || t - now > self.max_ahead {
                        let ahead = t - now;
                        let why = Failure::TooFarAhead {
                            ahead,
                            max: self.max_ahead,
                        };
                        self.fail(from, &item.msg.addr, &why);
                        continue;
                    }
                    let sr = b.sample_rate();
                    // Past tags never anchor: they are late whatever frame they map to.
                    let f = if t <= now {
                        0
                    } else {
                        let (t0, f0) = *anchor.get_or_insert_with(|| (t, b.frame_at(t)));
                        (f0 as f64 + ((t - t0) * sr).round()).max(0.0) as u64
                    };
                    if t <= now || f < rendered {
                        if !late_seen.contains(&item.bundle) {
                            late_seen.push(item.bundle);
                            self.late_bundles += 1;
                            let secs = if t <= now {
                                now - t
                            } else {
                                rendered.saturating_sub(f) as f64 / sr
                            };
                            if self.warn.allow() {
                                log::warn!(
                                    "OSC from {from}: bundle with {} arrived {:.1} ms late; applied at once",
                                    item.msg.addr,
                                    secs * 1e3
                                );
                            }
                            self.tell_all(
                                "/late",
                                vec![OscType::Float(secs as f32), s(item.msg.addr.clone())],
                            );
                        }
                        None
                    } else {
                        Some(f)
                    }
                }
            };
            self.execute(b, from, &item.msg, frame);
        }
        self.poll_syncs(&*b);
    }

    /// Carries out one message at `frame` (`None`: at once).
    pub fn execute(&mut self, b: &mut dyn Backend, from: Peer, m: &OscMessage, frame: Option<u64>) {
        self.messages += 1;
        if let Err(why) = self.attempt(b, from, m, frame) {
            self.fail(from, &m.addr, &why);
        }
    }

    /// Checks and carries out one message at `frame`, answering only if it
    /// succeeds; why it failed otherwise (for [`Dispatcher::fail`]).
    pub(crate) fn attempt(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        m: &OscMessage,
        frame: Option<u64>,
    ) -> Result<(), Failure> {
        parse(m).and_then(|req| self.run(b, from, req, frame))
    }

    fn run(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        req: Request,
        frame: Option<u64>,
    ) -> Result<(), Failure> {
        match req {
            Request::Create { id, kind, params } => self.create(b, from, id, &kind, &params)?,
            Request::Connect { src, dst } => self.connect(b, from, (&src, &dst), true)?,
            Request::Disconnect { src, dst } => self.connect(b, from, (&src, &dst), false)?,
            Request::Delete { id } => self.delete(b, from, &id)?,
            Request::Set { id, param, value } => self.set(b, from, &id, &param, &value)?,
            Request::Commit => self.commit(b, from, frame)?,
            Request::Abort => self.abort(b, from),
            Request::Cancel => {
                let n = b.cancel();
                self.done(from, "/patch/cancel", vec![reply::int(n as u64)]);
            }
            Request::Clear => self.clear(b, from),
            Request::Dump { pending } => self.dump(b, from, pending)?,
            Request::Load { name } => self.load(b, from, name)?,
            Request::Save { name } => self.save(b, from, name)?,
            Request::Graph { name } => self.graph(b, from, name)?,
            Request::Mod { id, param, value } => self.set_live(b, &id, &param, &value, frame)?,
            Request::Gate { id, on } => self.gate(b, &id, on, frame)?,
            Request::Status => self.status(b, from),
            Request::Telemetry => self.telemetry(b, from),
            Request::Notify(on) => self.set_notify(from, on)?,
            Request::Sync(id) => self.sync(b, from, id),
            Request::RecordStart(name, overwrite) => self.record_start(b, from, name, overwrite)?,
            Request::RecordStop => self.record_stop(b, from)?,
            Request::Modules => self.modules(b, from),
            r @ (Request::Note { .. }
            | Request::VoiceCreate { .. }
            | Request::MidiMap { .. }
            | Request::MidiCc(_)) => self.instrument(b, from, r, frame)?,
            Request::Plugins => self.plugins(from),
            Request::PluginInfo { uri } => self.plugin_info(from, &uri)?,
            Request::PluginGet { id, symbol } => self.plugin_get(b, from, &id, &symbol)?,
            Request::PluginStats => self.plugin_stats(from),
            Request::Musical(m) => self.musical(b, from, m)?,
            Request::BufferLoad { name, file } => self.buffer_load(b, from, &name, &file)?,
            Request::BufferFree { name } => self.buffer_free(b, from, &name)?,
            Request::BufferList => self.buffer_list(from)?,
            Request::Quit => {
                log::info!("/quit from {from}");
                self.done(from, "/quit", vec![]);
                self.quit = true;
            }
        }
        Ok(())
    }
}
