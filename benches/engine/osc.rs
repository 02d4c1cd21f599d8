//! A small OSC client over UDP for the benchmarks: messages, bundles, replies
//! (after tests/common/osc.rs, but returning errors instead of panicking, so
//! one failed measurement does not stop the others).

use rosc::{OscBundle, OscMessage, OscPacket, OscType};
use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// Results of the benchmark driver: an error is a sentence for the report.
pub type R<T> = Result<T, String>;

pub use support::osc::{f, i, msg, num, s, show, IMMEDIATELY};
use support::osc::{first_message, telemetry_pairs};

/// One UDP socket talking to one OSC server on 127.0.0.1.
pub struct Osc {
    sock: UdpSocket,
    target: SocketAddr,
    buf: Vec<u8>,
    /// Messages received while waiting for something else (notifications).
    pub skipped: Vec<OscMessage>,
}

impl Osc {
    /// A client for 127.0.0.1:`port`, with a large receive buffer.
    pub fn new(port: u16) -> R<Osc> {
        let sock = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("bind OSC socket: {e}"))?;
        Ok(Osc {
            sock,
            target: SocketAddr::from(([127, 0, 0, 1], port)),
            buf: vec![0u8; 65536],
            skipped: Vec::new(),
        })
    }

    /// Sends already encoded bytes.
    pub fn send_raw(&self, bytes: &[u8]) -> R<()> {
        self.sock
            .send_to(bytes, self.target)
            .map(|_| ())
            .map_err(|e| format!("OSC send: {e}"))
    }

    /// Sends a packet.
    pub fn send_packet(&self, p: &OscPacket) -> R<()> {
        let bytes = rosc::encoder::encode(p).map_err(|e| format!("OSC encode: {e:?}"))?;
        self.send_raw(&bytes)
    }

    /// Sends one message.
    pub fn send(&self, addr: &str, args: Vec<OscType>) -> R<()> {
        self.send_packet(&msg(addr, args))
    }

    /// Sends messages as bundles (timetag "immediately") of at most `per` messages.
    pub fn send_bundled(&self, msgs: Vec<OscPacket>, per: usize) -> R<()> {
        let mut it = msgs.into_iter().peekable();
        while it.peek().is_some() {
            let content: Vec<OscPacket> = it.by_ref().take(per).collect();
            self.send_packet(&OscPacket::Bundle(OscBundle {
                timetag: IMMEDIATELY,
                content,
            }))?;
        }
        Ok(())
    }

    /// The next message (bundles flattened to their first message), or None after `timeout`.
    pub fn recv(&mut self, timeout: Duration) -> Option<OscMessage> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            self.sock.set_read_timeout(Some(left)).ok()?;
            let (n, _) = match self.sock.recv_from(&mut self.buf) {
                Ok(x) => x,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return None
                }
                Err(_) => return None,
            };
            if let Ok((_, p)) = rosc::decoder::decode_udp(&self.buf[..n]) {
                if let Some(m) = first_message(p) {
                    return Some(m);
                }
            }
        }
    }

    /// A message already waiting, without blocking.
    pub fn try_recv(&mut self) -> Option<OscMessage> {
        self.sock.set_nonblocking(true).ok()?;
        let r = self.sock.recv_from(&mut self.buf);
        let _ = self.sock.set_nonblocking(false);
        let (n, _) = r.ok()?;
        rosc::decoder::decode_udp(&self.buf[..n])
            .ok()
            .and_then(|(_, p)| first_message(p))
    }

    /// Waits for a message accepted by `want`, keeping others in `skipped`.
    pub fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        want: impl Fn(&OscMessage) -> bool,
    ) -> R<OscMessage> {
        let deadline = Instant::now() + timeout;
        while let Some(m) = self.recv(deadline.saturating_duration_since(Instant::now())) {
            if want(&m) {
                return Ok(m);
            }
            if m.addr == "/fail" {
                return Err(format!("waiting for {what}: {}", show(&m)));
            }
            if self.skipped.len() < 1000 {
                self.skipped.push(m);
            }
        }
        Err(format!("no {what} within {timeout:?}"))
    }

    /// Sends `addr` and waits for `/done addr ...` (or fails on `/fail`).
    pub fn done(&mut self, addr: &str, args: Vec<OscType>, timeout: Duration) -> R<OscMessage> {
        self.send(addr, args)?;
        let a = addr.to_string();
        self.wait_for(&format!("/done {addr}"), timeout, move |m| {
            m.addr == "/done" && matches!(m.args.first(), Some(OscType::String(x)) if *x == a)
        })
    }

    /// Sends `addr` and waits for a reply with address `reply`.
    pub fn ask(&mut self, addr: &str, args: Vec<OscType>, reply: &str) -> R<OscMessage> {
        self.send(addr, args)?;
        let r = reply.to_string();
        self.wait_for(reply, Duration::from_secs(10), move |m| m.addr == r)
    }

    /// `/sync id` answered by `/synced id`.
    pub fn sync(&mut self, id: i32, timeout: Duration) -> R<()> {
        self.send("/sync", vec![i(id)])?;
        self.wait_for("/synced", timeout, move |m| {
            m.addr == "/synced" && num(m.args.first()) == Some(id as f64)
        })
        .map(|_| ())
    }

    /// synth-jack's `/telemetry`: every counter by name.
    pub fn telemetry(&mut self) -> R<HashMap<String, f64>> {
        let r = self.ask("/telemetry", vec![], "/telemetry.reply")?;
        let out = telemetry_pairs(&r);
        if out.is_empty() {
            return Err("empty /telemetry.reply".into());
        }
        Ok(out)
    }
}

/// A telemetry value (0 when absent).
pub fn tv(t: &HashMap<String, f64>, k: &str) -> f64 {
    t.get(k).copied().unwrap_or(0.0)
}

/// A per-slot telemetry value summed over both slots.
pub fn tsum(t: &HashMap<String, f64>, k: &str) -> f64 {
    tv(t, &format!("slot0.{k}")) + tv(t, &format!("slot1.{k}"))
}

/// A per-slot telemetry value, the larger of both slots.
pub fn tmax(t: &HashMap<String, f64>, k: &str) -> f64 {
    tv(t, &format!("slot0.{k}")).max(tv(t, &format!("slot1.{k}")))
}

/// A per-slot telemetry value of the playing slot.
pub fn tactive(t: &HashMap<String, f64>, k: &str) -> f64 {
    let a = tv(t, "active_slot") as u32;
    tv(t, &format!("slot{a}.{k}"))
}
