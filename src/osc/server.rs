//! The OSC receiver thread: reads datagrams as fast as they come, decodes
//! them, and forwards packets with their senders to the control thread.

use super::decode::decode;
use super::peer::Peer;
use rosc::OscPacket;
use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Packets buffered between the receiver and the control thread (about six
/// seconds of 10,000 messages a second). When full, the receiver waits and
/// the kernel's socket buffer takes over.
pub const CHANNEL: usize = 65_536;
/// How often the receiver looks at its stop flag.
const POLL: Duration = Duration::from_millis(50);

/// A datagram as the control thread gets it.
#[derive(Debug)]
pub struct Incoming {
    /// Sender, where replies go.
    pub from: Peer,
    /// The packet, or why it could not be decoded.
    pub packet: Result<OscPacket, String>,
}

/// The running receiver.
pub struct Listener {
    /// Decoded packets, in arrival order.
    pub rx: Option<Receiver<Incoming>>,
    /// For other receivers (TCP) feeding the same channel.
    pub tx: SyncSender<Incoming>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Starts a thread reading `socket` (a clone; the caller keeps its own to reply).
    pub fn spawn(socket: UdpSocket) -> std::io::Result<Listener> {
        socket.set_read_timeout(Some(POLL))?;
        grow_receive_buffer(&socket);
        let (tx, rx) = sync_channel(CHANNEL);
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let tx2 = tx.clone();
        let thread = std::thread::Builder::new()
            .name("osc-receiver".into())
            .spawn(move || receive(socket, tx2, stop2))?;
        Ok(Listener {
            rx: Some(rx),
            tx,
            stop,
            thread: Some(thread),
        })
    }

    /// Stops and joins the thread (within about 50 ms).
    pub fn stop(&mut self) {
        self.stop.store(true, Release);
        // A receiver blocked on a full channel wakes when the channel closes.
        self.rx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Kernel receive buffer asked for: absorbs bursts of some thousands of
/// small datagrams while the receiver thread waits for a CPU.
const RECEIVE_BUFFER: libc::c_int = 4 << 20;

/// Asks for a bigger kernel receive buffer (the kernel caps it at
/// `net.core.rmem_max`); best effort, std has no setter for it.
fn grow_receive_buffer(socket: &UdpSocket) {
    use std::os::fd::AsRawFd;
    let size = RECEIVE_BUFFER;
    // SAFETY: setsockopt on a socket this process owns, with a pointer to a
    // live c_int and its exact length.
    let r = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            &size as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r != 0 {
        log::debug!(
            "cannot grow the OSC receive buffer: {}",
            std::io::Error::last_os_error()
        );
    }
}

fn receive(socket: UdpSocket, tx: SyncSender<Incoming>, stop: Arc<AtomicBool>) {
    // The largest UDP payload, plus one byte to notice truncation.
    let mut buf = vec![0u8; 65_536];
    let mut errors = 0u32;
    while !stop.load(Acquire) {
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => {
                errors = 0;
                let packet = decode(&buf[..n]);
                let from = Peer::Udp(from);
                if tx.send(Incoming { from, packet }).is_err() {
                    return;
                }
            }
            Err(e) if is_transient(&e) => {}
            Err(e) => {
                // E.g. ECONNREFUSED left by an ICMP error for an earlier reply.
                errors += 1;
                if errors <= 3 {
                    log::debug!("OSC receive: {e}");
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
}

/// A socket error that only means "nothing yet" (a read timeout, a signal):
/// the receiver just tries again.
pub fn is_transient(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock
            | std::io::ErrorKind::TimedOut
            | std::io::ErrorKind::Interrupted
    )
}
