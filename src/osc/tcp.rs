//! OSC over TCP on the OSC port number: an accept thread, and per
//! connection a reader thread (deframes with [`Deframer`], decodes, forwards
//! into the same channel as UDP) and a writer thread (sends the replies
//! queued for it).
//!
//! The control thread never waits on a client: [`TcpServer::send`] only
//! queues, and a connection whose queue holds more than
//! [`MAX_QUEUED_BYTES`] (a client that stopped reading) is closed. Memory per
//! connection is bounded by [`MAX_FRAME`] on the way in and
//! [`MAX_QUEUED_BYTES`] (plus the reply being written) on the way out.

use super::decode::decode;
use super::peer::Peer;
use super::server::Incoming;
use super::stream::{Deframer, Framing};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// Longest packet accepted from a client.
pub const MAX_FRAME: usize = 1 << 20;
/// Reply bytes queued for one connection before it is closed as not reading.
pub const MAX_QUEUED_BYTES: usize = 8 << 20;
/// Replies queued for one connection before it is closed as not reading.
pub const MAX_QUEUED: usize = 4096;
/// Connections served at once; more are closed as they arrive.
pub const MAX_CONNECTIONS: usize = 256;
/// A write that makes no progress for this long closes the connection.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// How often blocked threads look at the stop flag.
const POLL: Duration = Duration::from_millis(50);
/// Stack of the per-connection threads (they hold their buffers on the heap).
const STACK: usize = 256 << 10;

/// One connection as the control thread sees it.
struct Conn {
    stream: TcpStream,
    framing: Arc<OnceLock<Framing>>,
    queue: SyncSender<Vec<u8>>,
    queued: Arc<AtomicUsize>,
}

type Conns = Arc<Mutex<HashMap<u64, Conn>>>;

/// The running TCP server.
pub struct TcpServer {
    conns: Conns,
    closed: Receiver<Peer>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl TcpServer {
    /// Serves `listener`; decoded packets go into `tx` with a [`Peer::Tcp`].
    pub fn spawn(listener: TcpListener, tx: SyncSender<Incoming>) -> std::io::Result<TcpServer> {
        listener.set_nonblocking(true)?;
        let conns: Conns = Arc::new(Mutex::new(HashMap::new()));
        let (closed_tx, closed) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let (c2, s2) = (conns.clone(), stop.clone());
        let accept = std::thread::Builder::new()
            .name("osc-tcp-accept".into())
            .spawn(move || accept_loop(listener, tx, c2, closed_tx, s2))?;
        Ok(TcpServer {
            conns,
            closed,
            stop,
            accept: Some(accept),
        })
    }

    /// Queues an encoded packet for connection `conn`, framed as the client
    /// frames. Never blocks; closes a connection that does not keep up.
    pub fn send(&self, conn: u64, packet: &[u8]) {
        let mut conns = lock(&self.conns);
        let Some(c) = conns.get(&conn) else {
            return; // Closed meanwhile: the reply has nowhere to go.
        };
        let framing = c.framing.get().copied().unwrap_or(Framing::Length);
        let frame = framing.encode(packet);
        let len = frame.len();
        let over = c.queued.load(Acquire) + len > MAX_QUEUED_BYTES;
        let refused = over || {
            c.queued.fetch_add(len, AcqRel);
            match c.queue.try_send(frame) {
                Ok(()) => false,
                Err(TrySendError::Full(_)) => true,
                Err(TrySendError::Disconnected(_)) => {
                    conns.remove(&conn);
                    return;
                }
            }
        };
        if refused {
            let c = conns.remove(&conn).expect("looked up above");
            log::warn!(
                "OSC over TCP: closing {} ({} reply bytes queued, it does not read them)",
                c.stream.peer_addr().map_or("?".into(), |a| a.to_string()),
                c.queued.load(Acquire)
            );
            let _ = c.stream.shutdown(Shutdown::Both);
        }
    }

    /// Connections closed since the last call, to forget them.
    pub fn closed(&self) -> Vec<Peer> {
        self.closed.try_iter().collect()
    }

    /// Open connections.
    pub fn connections(&self) -> usize {
        lock(&self.conns).len()
    }

    /// Stops accepting and closes every connection.
    pub fn stop(&mut self) {
        self.stop.store(true, Release);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        for (_, c) in lock(&self.conns).drain() {
            let _ = c.stream.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for TcpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The map, also after a thread panicked holding it (it stays consistent:
/// every change is one insert or remove).
fn lock(conns: &Conns) -> std::sync::MutexGuard<'_, HashMap<u64, Conn>> {
    conns.lock().unwrap_or_else(|e| e.into_inner())
}

fn accept_loop(
    listener: TcpListener,
    tx: SyncSender<Incoming>,
    conns: Conns,
    closed: Sender<Peer>,
    stop: Arc<AtomicBool>,
) {
    let mut next_id = 1u64;
    while !stop.load(Acquire) {
        let (stream, addr) = match listener.accept() {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            Err(e) => {
                // E.g. out of file descriptors: wait instead of spinning.
                log::warn!("OSC over TCP: accept: {e}");
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        if lock(&conns).len() >= MAX_CONNECTIONS {
            log::warn!("OSC over TCP: refusing {addr}: {MAX_CONNECTIONS} connections are open");
            let _ = stream.shutdown(Shutdown::Both);
            continue;
        }
        let id = next_id;
        next_id += 1;
        if let Err(e) = open(id, stream, addr, &tx, &conns, &closed, &stop) {
            log::warn!("OSC over TCP: cannot serve {addr}: {e}");
            lock(&conns).remove(&id);
        }
    }
}

/// Registers connection `id` and starts its reader and writer.
fn open(
    id: u64,
    stream: TcpStream,
    addr: SocketAddr,
    tx: &SyncSender<Incoming>,
    conns: &Conns,
    closed: &Sender<Peer>,
    stop: &Arc<AtomicBool>,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(POLL))?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let framing = Arc::new(OnceLock::new());
    let queued = Arc::new(AtomicUsize::new(0));
    let (qtx, qrx) = sync_channel(MAX_QUEUED);
    lock(conns).insert(
        id,
        Conn {
            stream: stream.try_clone()?,
            framing: framing.clone(),
            queue: qtx,
            queued: queued.clone(),
        },
    );
    let writer = stream.try_clone()?;
    std::thread::Builder::new()
        .name(format!("osc-tcp-w{id}"))
        .stack_size(STACK)
        .spawn(move || write_loop(writer, qrx, queued))?;
    let peer = Peer::Tcp { conn: id, addr };
    let (tx, conns, closed, stop) = (tx.clone(), conns.clone(), closed.clone(), stop.clone());
    std::thread::Builder::new()
        .name(format!("osc-tcp-r{id}"))
        .stack_size(STACK)
        .spawn(move || {
            read_loop(&stream, peer, &framing, &tx, &stop);
            // Closing drops the queue's sender, which ends the writer.
            lock(&conns).remove(&id);
            let _ = stream.shutdown(Shutdown::Both);
            let _ = closed.send(peer);
            log::debug!("OSC over TCP: {peer} closed");
        })?;
    log::debug!("OSC over TCP: {peer} connected");
    Ok(())
}

/// Reads packets until EOF, an error, a framing error or stop.
fn read_loop(
    mut stream: &TcpStream,
    peer: Peer,
    framing: &OnceLock<Framing>,
    tx: &SyncSender<Incoming>,
    stop: &AtomicBool,
) {
    let mut deframer = Deframer::new(MAX_FRAME);
    let mut buf = vec![0u8; 64 << 10];
    while !stop.load(Acquire) {
        let n = match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if super::server::is_transient(&e) => continue,
            Err(_) => return,
        };
        // Known before the first packet is forwarded, so its replies are
        // framed like it.
        if framing.get().is_none() {
            let _ = framing.set(Framing::detect(buf[0]));
        }
        let mut gone = false;
        let r = deframer.push(&buf[..n], |bytes| {
            if !gone
                && tx
                    .send(Incoming {
                        from: peer,
                        packet: decode(bytes),
                    })
                    .is_err()
            {
                gone = true;
            }
        });
        if gone {
            return;
        }
        if let Err(reason) = r {
            log::warn!("OSC over TCP from {peer}: {reason}; closing the connection");
            return;
        }
    }
}

/// Writes queued frames until the queue closes or a write fails.
fn write_loop(mut stream: TcpStream, rx: Receiver<Vec<u8>>, queued: Arc<AtomicUsize>) {
    for frame in rx {
        let r = stream.write_all(&frame);
        queued.fetch_sub(frame.len(), AcqRel);
        if r.is_err() {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
    }
}
