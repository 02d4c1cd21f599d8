//! The OSC control surface over UDP and TCP (see `docs/osc.md` for every
//! address).
//!
//! A receiver thread ([`server`]) reads and decodes datagrams, and the TCP
//! server ([`tcp`], framing in [`stream`]) does the same for stream
//! connections on the same port number; both forward packets through one
//! channel; the main loop's [`Surface::serve`] drains the channel and hands
//! each packet to the [`dispatch::Dispatcher`], which checks it
//! ([`request`]), times it ([`decode`]) and carries it out on the control
//! thread through the [`dispatch::Backend`] trait; replies go back to each
//! sender's [`peer::Peer`]: from the UDP socket, or queued on its TCP
//! connection. [`send`] is `synth-jack send`.

pub mod addresses;
pub mod decode;
pub mod dispatch;
mod failure;
pub mod musical;
mod notes;
pub mod peer;
pub mod request;
pub mod send;
pub mod server;
pub mod status_reply;
pub mod stream;
pub mod tcp;
#[cfg(test)]
mod tests;

pub use failure::{Failure, NO_TRANSPORT};
pub use status_reply::StatusReply;

use crate::cli::RunArgs;
use crate::control::taps::Taps;
use crate::control::Notice;
pub use dispatch::{Backend, Progress, Status};
use dispatch::{Dispatcher, Reply};
use peer::Peer;
use rosc::OscPacket;
use server::Listener;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs, UdpSocket};
use std::path::PathBuf;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};
use tcp::TcpServer;

/// Longest stretch `serve` spends on packets before letting the main loop run.
const SERVE_BUDGET: Duration = Duration::from_millis(5);
/// Most packets `serve` handles in one call.
const SERVE_MAX: usize = 4096;

/// The OSC surface: UDP, and TCP on the same port number.
pub struct Surface {
    socket: UdpSocket,
    listener: Listener,
    tcp: Option<TcpServer>,
    dispatcher: Dispatcher,
    local: SocketAddr,
}

impl Surface {
    /// Binds the socket to `--osc-bind`:`--osc-port`, logs
    /// `OSC listening on <ip>:<port>` and starts the receiver thread.
    pub fn start(args: &RunArgs) -> Result<Surface, String> {
        let want = format!("{}:{}", args.osc_bind, args.osc_port);
        let addr = (args.osc_bind.as_str(), args.osc_port)
            .to_socket_addrs()
            .map_err(|e| format!("bad OSC address {want}: {e}"))?
            .next()
            .ok_or_else(|| format!("bad OSC address {want}"))?;
        let (socket, tcp) = bind(addr, args.osc_tcp)?;
        let local = socket
            .local_addr()
            .map_err(|e| format!("OSC socket: {e}"))?;
        let listener = socket
            .try_clone()
            .and_then(Listener::spawn)
            .map_err(|e| format!("cannot start the OSC receiver: {e}"))?;
        log::info!("OSC listening on {local}");
        let tcp = match tcp {
            Some(l) => {
                let server = TcpServer::spawn(l, listener.tx.clone())
                    .map_err(|e| format!("cannot start the OSC TCP server: {e}"))?;
                log::info!("OSC over TCP on {local}");
                Some(server)
            }
            None => None,
        };
        Ok(Surface {
            socket,
            listener,
            tcp,
            dispatcher: {
                let mut d = Dispatcher::new(args.patch_dir.clone(), args.record_dir.clone());
                d.set_max_ahead(args.max_ahead);
                d
            },
            local,
        })
    }

    /// The address the socket is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Handles the packets that arrive within `wait` (and those already
    /// queued, for at most a few ms), then sends the replies.
    pub fn serve(&mut self, backend: &mut dyn Backend, wait: Duration) {
        let Some(rx) = &self.listener.rx else {
            std::thread::sleep(wait);
            return;
        };
        let mut next = match rx.recv_timeout(wait) {
            Ok(i) => Some(i),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(wait);
                None
            }
        };
        if let Some(tcp) = &self.tcp {
            for peer in tcp.closed() {
                self.dispatcher.forget(peer);
            }
        }
        let start = Instant::now();
        let mut n = 0;
        while let Some(inc) = next {
            self.dispatcher.handle(backend, inc.from, inc.packet);
            n += 1;
            if self.dispatcher.out.len() >= 256 {
                flush(&self.socket, self.tcp.as_ref(), &mut self.dispatcher.out);
            }
            if n >= SERVE_MAX || start.elapsed() >= SERVE_BUDGET {
                break;
            }
            next = rx.try_recv().ok();
        }
        self.dispatcher.poll_at(backend);
        self.dispatcher.poll_buffers(backend);
        flush(&self.socket, self.tcp.as_ref(), &mut self.dispatcher.out);
    }

    /// Sends replies for what control reported (commit switches, failures,
    /// failovers, xruns) and answers settled `/sync`s.
    pub fn deliver(&mut self, notices: Vec<Notice>, progress: &dyn Progress) {
        if notices.is_empty() && !self.dispatcher.syncs_waiting() {
            return;
        }
        self.dispatcher.notices(progress, notices);
        flush(&self.socket, self.tcp.as_ref(), &mut self.dispatcher.out);
    }

    /// Sends the observers' readings (`/scope`, `/meter`) to `/notify`
    /// clients, at most 30 times a second; nothing is read without clients.
    pub fn observe(&mut self, taps: &mut Taps) {
        if self.dispatcher.notified().is_empty() {
            return;
        }
        let readings = taps.poll(Instant::now());
        if !readings.is_empty() {
            self.dispatcher.observed(readings);
            flush(&self.socket, self.tcp.as_ref(), &mut self.dispatcher.out);
        }
    }

    /// Where `/patch/load`, `/patch/save` and `/record/start` work from now on.
    pub fn set_dirs(&mut self, patch_dir: PathBuf, record_dir: PathBuf) {
        self.dispatcher.set_dirs(patch_dir, record_dir);
    }

    /// Serves `/buffer/...` (and patch `buffer` lines) from `store`.
    pub fn set_buffers(&mut self, store: crate::control::buffers::BufferStore) {
        self.dispatcher.set_buffers(store);
    }

    /// Loads a patch's `buffer` lines at once (a session switch).
    pub fn load_buffers_now(&mut self, lines: &[dsp::sample::BufferLine], rate: f32) {
        self.dispatcher.load_lines_now(lines, rate);
    }

    /// True after `/quit`.
    pub fn quit_requested(&self) -> bool {
        self.dispatcher.quit_requested()
    }

    /// Stops the receiver thread and the TCP server.
    pub fn stop(&mut self) {
        if let Some(mut tcp) = self.tcp.take() {
            tcp.stop();
        }
        self.listener.stop();
    }
}

/// Binds the UDP socket, and a TCP listener on the same port number when
/// `tcp`. With port 0 the system picks a UDP port; if that number is taken
/// for TCP, another is tried.
fn bind(addr: SocketAddr, tcp: bool) -> Result<(UdpSocket, Option<TcpListener>), String> {
    let tries = if addr.port() == 0 && tcp { 20 } else { 1 };
    let mut last = String::new();
    for _ in 0..tries {
        let socket = UdpSocket::bind(addr)
            .map_err(|e| format!("cannot bind the OSC socket to {addr}: {e}"))?;
        if !tcp {
            return Ok((socket, None));
        }
        let mut at = addr;
        at.set_port(socket.local_addr().map_err(|e| e.to_string())?.port());
        match TcpListener::bind(at) {
            Ok(l) => return Ok((socket, Some(l))),
            Err(e) => last = format!("cannot bind the OSC TCP listener to {at}: {e}"),
        }
    }
    Err(last)
}

/// Encodes and sends (UDP) or queues (TCP) the replies, in order.
fn flush(socket: &UdpSocket, tcp: Option<&TcpServer>, out: &mut Vec<Reply>) {
    for r in out.drain(..) {
        let bytes = match rosc::encoder::encode(&OscPacket::Message(r.msg)) {
            Ok(b) => b,
            Err(e) => {
                log::warn!("cannot encode a reply to {}: {e}", r.to);
                continue;
            }
        };
        match r.to {
            Peer::Udp(to) => {
                if let Err(e) = socket.send_to(&bytes, to) {
                    log::debug!("cannot send a reply to {to}: {e}");
                }
            }
            Peer::Tcp { conn, .. } => {
                if let Some(tcp) = tcp {
                    tcp.send(conn, &bytes);
                }
            }
        }
    }
}
