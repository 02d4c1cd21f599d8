//! NSM (New Session Manager) client, API 1.2: when `NSM_URL` is set,
//! synth-jack announces itself, waits for `/nsm/client/open` before it
//! registers with JACK, takes the session's `client_id` as its JACK client
//! name and the session path as its directory (`patches/`, `recordings/`,
//! the committed patch in `session.patch`, its plugins' LV2 states in
//! `session.lv2state/`), saves on `/nsm/client/save` and
//! reports `/nsm/client/is_dirty` / `is_clean` as the playing patch changes.
//! The session manager stops clients with SIGTERM (see `signals`).

use crate::cli::RunArgs;
use crate::control::Control;
use rosc::{OscMessage, OscPacket, OscType};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::time::{Duration, Instant};

/// What synth-jack can do for the session manager.
pub const CAPABILITIES: &str = ":switch:dirty:message:";
/// NSM API version spoken.
pub const API: (i32, i32) = (1, 2);
/// The committed patch's file in the session directory.
pub const SESSION_PATCH: &str = "session.patch";
/// NSM error code: the operation failed.
const ERR_GENERAL: i32 = -1;
/// How often the playing patch is compared with the saved one.
const DIRTY_EVERY: Duration = Duration::from_millis(100);

/// A session as `/nsm/client/open` gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Directory for this client's files.
    pub path: PathBuf,
    /// The session's name for humans.
    pub display_name: String,
    /// Unique id in the session; the JACK client name.
    pub client_id: String,
}

impl Session {
    /// Where `/patch/load` and `/patch/save` work.
    pub fn patch_dir(&self) -> PathBuf {
        self.path.join("patches")
    }

    /// Where recordings go.
    pub fn record_dir(&self) -> PathBuf {
        self.path.join("recordings")
    }

    /// The committed patch.
    pub fn patch_file(&self) -> PathBuf {
        self.path.join(SESSION_PATCH)
    }
}

/// The connection to the session manager.
pub struct Nsm {
    socket: UdpSocket,
    server: SocketAddr,
    /// The open session.
    pub session: Session,
    /// The patch as last opened or saved (None: not known yet).
    saved: Option<dsp::Patch>,
    dirty: bool,
    last: Instant,
    /// The last `/nsm/client/open` has been answered.
    answered: bool,
}

/// `osc.udp://host:port/` → the server's address.
pub fn parse_url(url: &str) -> Result<SocketAddr, String> {
    let rest = url
        .strip_prefix("osc.udp://")
        .ok_or_else(|| format!("NSM_URL '{url}' is not an osc.udp:// URL"))?;
    let hostport = rest.trim_end_matches('/');
    hostport
        .to_socket_addrs()
        .map_err(|e| format!("NSM_URL '{url}': {e}"))?
        .next()
        .ok_or_else(|| format!("NSM_URL '{url}' names no address"))
}

fn msg(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: addr.into(),
        args,
    })
}

fn s(x: impl Into<String>) -> OscType {
    OscType::String(x.into())
}

fn text(a: Option<&OscType>) -> Option<&str> {
    match a {
        Some(OscType::String(t)) => Some(t),
        _ => None,
    }
}

impl Nsm {
    /// Announces to the server at `url` and waits (until `quit`) for the
    /// session to open.
    pub fn announce(url: &str, quit: &AtomicBool) -> Result<Nsm, String> {
        let server = parse_url(url)?;
        let bind = if server.is_ipv6() {
            "[::]:0"
        } else {
            "0.0.0.0:0"
        };
        let socket = UdpSocket::bind(bind).map_err(|e| format!("NSM socket: {e}"))?;
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .map_err(|e| e.to_string())?;
        let exe = std::env::args()
            .next()
            .and_then(|a| {
                Path::new(&a)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "synth-jack".into());
        let mut nsm = Nsm {
            socket,
            server,
            session: Session {
                path: PathBuf::new(),
                display_name: String::new(),
                client_id: String::new(),
            },
            saved: None,
            dirty: false,
            last: Instant::now(),
            answered: false,
        };
        nsm.send(msg(
            "/nsm/server/announce",
            vec![
                s("synth-jack"),
                s(CAPABILITIES),
                s(exe),
                OscType::Int(API.0),
                OscType::Int(API.1),
                OscType::Int(std::process::id() as i32),
            ],
        ));
        log::info!("NSM: announced to {server}; waiting for the session to open");
        while !quit.load(Acquire) {
            let Some(m) = nsm.recv() else { continue };
            match m.addr.as_str() {
                "/reply" if text(m.args.first()) == Some("/nsm/server/announce") => {
                    log::info!(
                        "NSM: {} ({})",
                        text(m.args.get(1)).unwrap_or(""),
                        text(m.args.get(2)).unwrap_or("session manager")
                    );
                }
                "/error" if text(m.args.first()) == Some("/nsm/server/announce") => {
                    let why = text(m.args.get(2)).unwrap_or("no reason given");
                    return Err(format!("the session manager refused us: {why}"));
                }
                "/nsm/client/open" => match open_args(&m) {
                    Ok(session) => {
                        nsm.session = session;
                        return Ok(nsm);
                    }
                    Err(e) => nsm.error("/nsm/client/open", &e),
                },
                other => log::debug!("NSM: ignoring {other} before the session opened"),
            }
        }
        Err("quit while waiting for the session manager".into())
    }

    /// Creates the session's directories; the caller then starts the engine
    /// and reports with [`Nsm::opened`].
    pub fn prepare(&self) -> Result<(), String> {
        for d in [self.session.patch_dir(), self.session.record_dir()] {
            std::fs::create_dir_all(&d)
                .map_err(|e| format!("cannot create {}: {e}", d.display()))?;
        }
        Ok(())
    }

    /// Answers `/nsm/client/open`: the session plays `patch` (or failed).
    pub fn opened(&mut self, result: Result<&dsp::Patch, String>) {
        self.answered = true;
        match result {
            Ok(p) => {
                self.saved = Some(p.clone());
                self.reply("/nsm/client/open", "session opened");
            }
            Err(e) => self.error("/nsm/client/open", &e),
        }
    }

    /// Handles the session manager's messages and reports dirty/clean
    /// (once no commit is under way). Returns the session to switch to when
    /// the manager opens another one: the caller loads its patch and
    /// answers with [`Nsm::opened`].
    pub fn poll(&mut self, control: &Control) -> Option<Session> {
        let mut switch = None;
        while let Some(m) = self.try_recv() {
            match m.addr.as_str() {
                "/nsm/client/save" => match self.save(control) {
                    Ok(path) => {
                        log::info!("NSM: saved {}", path.display());
                        self.saved = Some(control.committed().clone());
                        self.reply("/nsm/client/save", "saved");
                    }
                    Err(e) => self.error("/nsm/client/save", &e.to_string()),
                },
                "/nsm/client/open" => match open_args(&m) {
                    Ok(session) => {
                        if session.client_id != self.session.client_id {
                            log::warn!(
                                "NSM: switching to client id '{}'; the JACK client keeps its name '{}'",
                                session.client_id,
                                self.session.client_id
                            );
                        }
                        self.session = session;
                        self.answered = false;
                        match self.prepare() {
                            Ok(()) => switch = Some(self.session.clone()),
                            Err(e) => self.error("/nsm/client/open", &e),
                        }
                    }
                    Err(e) => self.error("/nsm/client/open", &e),
                },
                "/nsm/client/session_is_loaded" => log::info!("NSM: the session is loaded"),
                other => log::debug!("NSM: ignoring {other}"),
            }
        }
        if self.last.elapsed() >= DIRTY_EVERY && control.is_settled() && switch.is_none() {
            self.last = Instant::now();
            let dirty = self.saved.as_ref() != Some(control.committed());
            if dirty != self.dirty {
                self.dirty = dirty;
                let addr = if dirty {
                    "/nsm/client/is_dirty"
                } else {
                    "/nsm/client/is_clean"
                };
                self.send(msg(addr, vec![]));
            }
        }
        switch
    }

    /// Shows `text` in the session manager (`:message:`); priority 0..3.
    pub fn message(&self, priority: i32, text: &str) {
        self.send(msg(
            "/nsm/client/message",
            vec![OscType::Int(priority), s(text)],
        ));
    }

    /// Writes `session.patch`: the committed patch's text, which holds all
    /// the session's state: modules, connections, instruments, MIDI channel
    /// maps and CC routes. State kept outside the patch (the plugins' states
    /// below; a buffer list, once `/buffer/*` exists) is written here too,
    /// beside it in `self.session.path`, and read back where the session opens.
    fn save(&self, control: &Control) -> Result<PathBuf, crate::osc::Failure> {
        std::fs::create_dir_all(&self.session.path)
            .map_err(|e| crate::files::FileError::create_dir("", &self.session.path, e))?;
        let text = control.committed().to_text(control.registry());
        let name = SESSION_PATCH.trim_end_matches(".patch");
        let path = crate::osc::dispatch::save_atomically(&self.session.path, name, &text)?;
        // Plugin states beside it (`session.lv2state/`), restored when the
        // session opens again (`--patch` stages them).
        crate::plugin::state::save_beside(&path, control.committed())?;
        Ok(path)
    }

    fn reply(&self, to: &str, text: &str) {
        self.send(msg("/reply", vec![s(to), s(text)]));
    }

    fn error(&self, to: &str, why: &str) {
        log::error!("NSM: {to}: {why}");
        self.send(msg(
            "/error",
            vec![s(to), OscType::Int(ERR_GENERAL), s(why)],
        ));
    }

    fn send(&self, p: OscPacket) {
        match rosc::encoder::encode(&p) {
            Ok(bytes) => {
                if let Err(e) = self.socket.send_to(&bytes, self.server) {
                    log::warn!("NSM: cannot send to {}: {e}", self.server);
                }
            }
            Err(e) => log::warn!("NSM: cannot encode: {e}"),
        }
    }

    /// The next message from the server, waiting up to the read timeout.
    fn recv(&self) -> Option<OscMessage> {
        let mut buf = [0u8; 8192];
        let (n, from) = self.socket.recv_from(&mut buf).ok()?;
        if from != self.server {
            return None;
        }
        match crate::osc::decode::decode(&buf[..n]) {
            Ok(OscPacket::Message(m)) => Some(m),
            Ok(OscPacket::Bundle(_)) | Err(_) => None,
        }
    }

    /// The next message if one is waiting.
    fn try_recv(&self) -> Option<OscMessage> {
        self.socket.set_nonblocking(true).ok()?;
        let m = self.recv();
        let _ = self.socket.set_nonblocking(false);
        m
    }
}

impl Drop for Nsm {
    /// A client that exits before it could open the session says so.
    fn drop(&mut self) {
        if !self.answered {
            self.error(
                "/nsm/client/open",
                "synth-jack could not start (see its log)",
            );
        }
    }
}

/// Under a session manager (`NSM_URL` set): announces, waits for the
/// session, and points `args` at it (JACK name = client id, directories in
/// the session path, `session.patch` loaded when it exists). Err is the exit
/// code.
pub fn from_env(mut args: RunArgs) -> Result<(RunArgs, Option<Nsm>), i32> {
    let url = match std::env::var("NSM_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => return Ok((args, None)),
    };
    let nsm = Nsm::announce(&url, &crate::signals::QUIT).map_err(|e| {
        eprintln!("synth-jack: NSM: {e}");
        1
    })?;
    if let Err(e) = nsm.prepare() {
        eprintln!("synth-jack: NSM: {e}");
        return Err(1);
    }
    let session = &nsm.session;
    log::info!(
        "NSM: session '{}' in {} as '{}'",
        session.display_name,
        session.path.display(),
        session.client_id
    );
    args.name = session.client_id.clone();
    args.patch_dir = session.patch_dir();
    args.record_dir = session.record_dir();
    if session.patch_file().exists() {
        args.patch = Some(session.patch_file());
    }
    Ok((args, Some(nsm)))
}

/// The session of an `/nsm/client/open path display_name client_id`.
fn open_args(m: &OscMessage) -> Result<Session, String> {
    match m.args.as_slice() {
        [OscType::String(path), OscType::String(display), OscType::String(id)] => {
            if !dsp::name::is_valid_name(id) {
                return Err(format!("client id '{id}' is not a usable JACK client name"));
            }
            Ok(Session {
                path: PathBuf::from(path),
                display_name: display.clone(),
                client_id: id.clone(),
            })
        }
        other => Err(format!(
            "expected path, display name and client id (three strings), got {other:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_open_arguments() {
        assert_eq!(
            parse_url("osc.udp://127.0.0.1:7777/").unwrap(),
            "127.0.0.1:7777".parse().unwrap()
        );
        assert!(parse_url("osc.tcp://127.0.0.1:7777/").is_err());
        let m = OscMessage {
            addr: "/nsm/client/open".into(),
            args: vec![s("/s/x"), s("X"), s("nABCD")],
        };
        assert_eq!(open_args(&m).unwrap().client_id, "nABCD");
        let bad = OscMessage {
            addr: "/nsm/client/open".into(),
            args: vec![s("/s/x"), s("X"), s("no/slash")],
        };
        assert!(open_args(&bad).is_err());
    }
}
