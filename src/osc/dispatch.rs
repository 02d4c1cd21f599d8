//! Carrying out requests: bundle timing, patch edits, commits, live changes,
//! and every reply, against a [`Backend`] so all of it runs in tests without
//! JACK (see `tests.rs`).

use super::decode::{flatten, When};
use super::peer::Peer;
use super::request::{check_name, parse, Request};
use crate::control::Notice;
use crate::control::Ticket;
use dsp::{ParamArg, Patch, PatchError, Registry};
use rosc::{OscMessage, OscPacket, OscType};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Timetags further ahead than this are refused (a commit waiting for its
/// frame holds back every later commit).
pub const MAX_AHEAD_SECS: f64 = 3600.0;
/// Longest reply text (`/patch.dump`) sent over UDP.
pub const MAX_REPLY_TEXT: usize = super::peer::MAX_UDP_REPLY_TEXT;
/// Most clients registered with `/notify`.
pub const MAX_NOTIFY: usize = 64;
/// `/sync` waits at most this long for the worker to render past earlier
/// events (commits are always waited for).
const SYNC_RENDER_WAIT: Duration = Duration::from_millis(500);

/// The counters `/status` reports, as the engine knows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    /// Slot playing.
    pub active_slot: u32,
    /// Patch version playing.
    pub version: u32,
    /// Modules in the playing patch.
    pub modules: usize,
    /// Average DSP load of the active worker (fraction of a period).
    pub load_avg: f32,
    /// Peak DSP load since the last snapshot.
    pub load_peak: f32,
    /// Underruns so far.
    pub underruns: u64,
    /// Xruns so far.
    pub xruns: u64,
    /// Drops so far.
    pub drops: u64,
    /// Late renders of both slots (late bundles are added by the dispatcher).
    pub late: u64,
    /// Switches so far.
    pub switches: u64,
    /// Failovers so far.
    pub failovers: u64,
    /// Sample rate in Hz.
    pub sample_rate: f32,
    /// JACK period in frames.
    pub buffer_size: u32,
    /// Periods the workers render ahead.
    pub lead: u32,
    /// Ring occupancy of the active slot, in periods.
    pub ring: f32,
}

/// How far the engine has got: all that answering `/sync` needs.
pub trait Progress {
    /// True when no commit is switching or queued.
    fn is_settled(&self) -> bool;
    /// Timeline frame the playing worker has rendered up to.
    fn rendered(&self) -> u64;
}

/// What the dispatcher needs from the engine and the control thread.
pub trait Backend: Progress {
    /// The module types and the pending patch, to edit it.
    fn edit(&mut self) -> (&Registry, &mut Patch);
    /// The module types.
    fn registry(&self) -> &Registry;
    /// The pending patch.
    fn pending(&self) -> &Patch;
    /// The playing patch.
    fn committed(&self) -> &Patch;
    /// Pending becomes a copy of what plays.
    fn abort(&mut self);
    /// Compiles pending and switches to it at frame `at` (or at once).
    fn commit(&mut self, at: Option<u64>) -> Result<Ticket, PatchError>;
    /// Live, smoothed parameter change on what plays.
    fn set_live(
        &mut self,
        id: &str,
        param: &str,
        value: &ParamArg,
        frame: Option<u64>,
    ) -> Result<(f32, Vec<String>), PatchError>;
    /// Gate on or off.
    fn gate(&mut self, id: &str, on: bool, frame: Option<u64>) -> Result<(), PatchError>;
    /// Unix time now, in seconds.
    fn unix_now(&self) -> f64;
    /// Timeline frame for Unix time `t`.
    fn frame_at(&mut self, t: f64) -> u64;
    /// Sample rate in Hz.
    fn sample_rate(&self) -> f64;
    /// Engine counters.
    fn status(&mut self) -> Status;
    /// Every engine counter by name (`status::telemetry`).
    fn telemetry(&self) -> Vec<(String, f64)>;
    /// Starts recording the output into `path`.
    fn record_start(&mut self, path: &Path) -> Result<(), String>;
    /// Stops the recording: its file and length in frames.
    fn record_stop(&mut self) -> Result<(PathBuf, u64), String>;
}

/// A message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// Recipient.
    pub to: Peer,
    /// The message.
    pub msg: OscMessage,
}

struct SyncWait {
    to: Peer,
    id: OscType,
    /// Rendered frame when the sync arrived, if events were sent before it.
    rendered: Option<u64>,
    since: Instant,
}

/// Logs at most 20 warnings a second, then counts the rest.
struct WarnLimit {
    window: Instant,
    count: u32,
    suppressed: u64,
}

impl WarnLimit {
    fn allow(&mut self) -> bool {
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
    /// Replies waiting to be sent, in order.
    pub out: Vec<Reply>,
}

fn msg(addr: &str, args: Vec<OscType>) -> OscMessage {
    OscMessage {
        addr: addr.to_string(),
        args,
    }
}

fn s(text: impl Into<String>) -> OscType {
    OscType::String(text.into())
}

/// A counter as an OSC int (saturating).
fn int(v: u64) -> OscType {
    OscType::Int(v.min(i32::MAX as u64) as i32)
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
            warn: WarnLimit {
                window: Instant::now(),
                count: 0,
                suppressed: 0,
            },
            out: Vec::new(),
        }
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

    /// Forgets a peer that has gone (a closed TCP connection): no more
    /// notifications or `/synced` for it.
    pub fn forget(&mut self, peer: Peer) {
        self.notify.retain(|p| *p != peer);
        self.syncs.retain(|w| w.to != peer);
    }

    fn reply(&mut self, to: Peer, addr: &str, args: Vec<OscType>) {
        self.out.push(Reply {
            to,
            msg: msg(addr, args),
        });
    }

    fn done(&mut self, to: Peer, what: &str, mut args: Vec<OscType>) {
        args.insert(0, s(what));
        self.reply(to, "/done", args);
    }

    /// Sends `/fail address reason` and logs it.
    pub fn fail(&mut self, to: Peer, addr: &str, reason: &str) {
        self.failures += 1;
        if self.warn.allow() {
            let shown = if addr.is_empty() { "(malformed)" } else { addr };
            log::warn!("OSC from {to}: {shown}: {reason}");
        }
        self.reply(to, "/fail", vec![s(addr), s(reason)]);
    }

    fn tell_all(&mut self, addr: &str, args: Vec<OscType>) {
        for i in 0..self.notify.len() {
            let to = self.notify[i];
            self.reply(to, addr, args.clone());
        }
    }

    /// Handles one datagram (or the reason it could not be decoded) from `from`.
    pub fn handle(&mut self, b: &mut dyn Backend, from: Peer, packet: Result<OscPacket, String>) {
        self.packets += 1;
        let packet = match packet {
            Ok(p) => p,
            Err(reason) => return self.fail(from, "", &reason),
        };
        let items = flatten(packet);
        let mut now = None;
        let mut rendered = None;
        // All timed messages of one packet map through one reference point,
        // so their frames keep exactly the spacing of their timetags.
        let mut anchor: Option<(f64, u64)> = None;
        let mut late_seen: Vec<usize> = Vec::new();
        for item in items {
            let frame = match item.when {
                When::Now => None,
                When::At(t) => {
                    let now = *now.get_or_insert_with(|| b.unix_now());
                    let rendered = *rendered.get_or_insert_with(|| b.rendered());
                    if !t.is_finite() || t - now > MAX_AHEAD_SECS {
                        self.fail(
                            from,
                            &item.msg.addr,
                            &format!(
                                "timetag is {:.0} s ahead; at most {MAX_AHEAD_SECS:.0} s are accepted",
                                t - now
                            ),
                        );
                        continue;
                    }
                    let sr = b.sample_rate();
                    let (t0, f0) = match anchor {
                        Some(a) => a,
                        None => {
                            let a = (t, b.frame_at(t));
                            anchor = Some(a);
                            a
                        }
                    };
                    let f = (f0 as f64 + ((t - t0) * sr).round()).max(0.0) as u64;
                    if t <= now || f < rendered {
                        if !late_seen.contains(&item.bundle) {
                            late_seen.push(item.bundle);
                            self.late_bundles += 1;
                            let secs = (now - t).max(rendered.saturating_sub(f) as f64 / sr);
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
        let result = parse(m).and_then(|req| self.run(b, from, req, frame));
        if let Err(reason) = result {
            self.fail(from, &m.addr, &reason);
        }
    }

    fn run(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        req: Request,
        frame: Option<u64>,
    ) -> Result<(), String> {
        let e = |e: PatchError| e.to_string();
        match req {
            Request::Create { id, kind, params } => {
                let (reg, p) = b.edit();
                let warnings = p.create(reg, &id, &kind, &params).map_err(e)?;
                for w in warnings {
                    log::warn!("/patch/create: {w}");
                }
                self.done(from, "/patch/create", vec![s(id)]);
            }
            Request::Connect { src, dst } => {
                let (reg, p) = b.edit();
                p.connect(reg, &src, &dst).map_err(e)?;
                self.done(from, "/patch/connect", vec![]);
            }
            Request::Disconnect { src, dst } => {
                let (reg, p) = b.edit();
                p.disconnect(reg, &src, &dst).map_err(e)?;
                self.done(from, "/patch/disconnect", vec![]);
            }
            Request::Delete { id } => {
                b.edit().1.delete(&id).map_err(e)?;
                self.done(from, "/patch/delete", vec![]);
            }
            Request::Set { id, param, value } => {
                let (reg, p) = b.edit();
                let (_, warnings) = p.set(reg, &id, &param, &value).map_err(e)?;
                for w in warnings {
                    log::warn!("/patch/set: {w}");
                }
                self.done(from, "/patch/set", vec![]);
            }
            Request::Commit => {
                let ticket = b.commit(frame).map_err(e)?;
                self.commits.push_back((ticket, from));
            }
            Request::Abort => {
                b.abort();
                self.done(from, "/patch/abort", vec![]);
            }
            Request::Clear => {
                *b.edit().1 = Patch::new();
                self.done(from, "/patch/clear", vec![]);
            }
            Request::Dump { pending } => {
                let p = if pending { b.pending() } else { b.committed() };
                let text = p.to_text(b.registry());
                if text.len() > from.max_reply_text() {
                    return Err(format!(
                        "the patch is {} bytes of text, too long for one reply; use /patch/save{}",
                        text.len(),
                        if matches!(from, Peer::Udp(_)) {
                            " or OSC over TCP"
                        } else {
                            ""
                        }
                    ));
                }
                self.reply(from, "/patch.dump", vec![s(text)]);
            }
            Request::Load { name } => {
                let path = self.patch_dir.join(format!("{name}.patch"));
                let text = std::fs::read_to_string(&path).map_err(|err| {
                    format!("cannot read patch '{name}' ({}): {err}", path.display())
                })?;
                let (patch, warnings) = Patch::parse(b.registry(), &text)
                    .map_err(|err| format!("patch '{name}' ({}): {err}", path.display()))?;
                for w in warnings {
                    log::warn!("{}: {w}", path.display());
                }
                *b.edit().1 = patch;
                self.done(from, "/patch/load", vec![s(name)]);
            }
            Request::Save { name } => {
                let text = b.committed().to_text(b.registry());
                let path = save_atomically(&self.patch_dir, &name, &text)?;
                log::info!("saved the playing patch to {}", path.display());
                self.done(from, "/patch/save", vec![s(name)]);
            }
            Request::Mod { id, param, value } => match b.set_live(&id, &param, &value, frame) {
                Ok((_, warnings)) => {
                    self.events_sent = true;
                    for w in warnings {
                        log::debug!("/mod: {w}");
                    }
                }
                Err(err) => return Err(not_playing(b, &id, err)),
            },
            Request::Gate { id, on } => {
                b.gate(&id, on, frame)
                    .map_err(|err| not_playing(b, &id, err))?;
                self.events_sent = true;
            }
            Request::Status => {
                let st = b.status();
                let late = st.late.saturating_add(self.late_bundles);
                self.reply(
                    from,
                    "/status.reply",
                    vec![
                        OscType::Int(st.active_slot as i32),
                        OscType::Int(st.version.min(i32::MAX as u32) as i32),
                        int(st.modules as u64),
                        OscType::Float(st.load_avg),
                        OscType::Float(st.load_peak),
                        int(st.underruns),
                        int(st.xruns),
                        int(st.drops),
                        int(late),
                        int(st.switches),
                        int(st.failovers),
                        OscType::Float(st.sample_rate),
                        int(st.buffer_size as u64),
                        int(st.lead as u64),
                        OscType::Float(st.ring),
                    ],
                );
            }
            Request::Telemetry => {
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
            Request::Notify(on) => {
                if on {
                    if !self.notify.contains(&from) {
                        if self.notify.len() >= MAX_NOTIFY {
                            return Err(format!(
                                "{MAX_NOTIFY} clients are registered already; /notify 0 one of them first"
                            ));
                        }
                        self.notify.push(from);
                    }
                } else {
                    self.notify.retain(|a| *a != from);
                }
                self.done(from, "/notify", vec![]);
            }
            Request::Sync(id) => {
                self.syncs.push_back(SyncWait {
                    to: from,
                    id,
                    rendered: std::mem::take(&mut self.events_sent).then(|| b.rendered()),
                    since: Instant::now(),
                });
            }
            Request::RecordStart(name) => {
                std::fs::create_dir_all(&self.record_dir).map_err(|err| {
                    format!(
                        "cannot create the recording directory {}: {err}",
                        self.record_dir.display()
                    )
                })?;
                let dir = absolute(&self.record_dir);
                let path = match name {
                    Some(n) => dir.join(format!("{n}.wav")),
                    None => free_name(&dir, &format!("rec-{}", b.unix_now().max(0.0) as u64)),
                };
                b.record_start(&path)?;
                log::info!("recording to {}", path.display());
                self.done(from, "/record/start", vec![s(path.display().to_string())]);
            }
            Request::RecordStop => {
                let (path, frames) = b.record_stop()?;
                log::info!("recorded {frames} frames to {}", path.display());
                self.done(
                    from,
                    "/record/stop",
                    vec![s(path.display().to_string()), int(frames)],
                );
            }
            Request::Modules => {
                let list = modules_list(b.registry());
                self.reply(from, "/modules.reply", list.into_iter().map(s).collect());
            }
            Request::Quit => {
                log::info!("/quit from {from}");
                self.done(from, "/quit", vec![]);
                self.quit = true;
            }
        }
        Ok(())
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
                        self.done(
                            to,
                            "/patch/commit",
                            vec![int(slot as u64), int(version as u64)],
                        );
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
                            self.fail(to, "/patch/commit", &reason);
                        }
                        None => log::warn!("commit failed: {reason}"),
                    }
                }
                Notice::Failover { from, to } => {
                    self.tell_all("/failover", vec![int(from as u64), int(to as u64)]);
                }
                Notice::Xrun(total) => self.tell_all("/xrun", vec![int(total)]),
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

/// An unknown-module error about what plays, with a hint when the module is
/// only in the pending patch.
fn not_playing(b: &dyn Backend, id: &str, err: PatchError) -> String {
    match err {
        PatchError::UnknownModule(_) if b.pending().module(id).is_some() => format!(
            "module '{id}' is not playing yet: it is in the pending patch (send /patch/commit first)"
        ),
        PatchError::UnknownModule(_) => format!("unknown module '{id}' in the playing patch"),
        other => other.to_string(),
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

/// `dir` made absolute against the working directory.
fn absolute(dir: &Path) -> PathBuf {
    if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(dir))
            .unwrap_or_else(|_| dir.to_path_buf())
    }
}

/// `dir/base.wav`, or `dir/base-2.wav`, `-3`... if taken.
fn free_name(dir: &Path, base: &str) -> PathBuf {
    let first = dir.join(format!("{base}.wav"));
    if !first.exists() {
        return first;
    }
    (2..1000)
        .map(|k| dir.join(format!("{base}-{k}.wav")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// Writes `dir/name.patch` through a temporary file and a rename, creating
/// `dir` if needed; returns the path.
pub fn save_atomically(dir: &Path, name: &str, text: &str) -> Result<PathBuf, String> {
    check_name(name, "name")?;
    std::fs::create_dir_all(dir)
        .map_err(|err| format!("cannot create the patch directory {}: {err}", dir.display()))?;
    let path = dir.join(format!("{name}.patch"));
    let tmp = dir.join(format!(".{name}.patch.{}.tmp", std::process::id()));
    let write = std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, &path));
    if let Err(err) = write {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("cannot write {}: {err}", path.display()));
    }
    Ok(path)
}
