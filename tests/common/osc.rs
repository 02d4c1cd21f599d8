//! A small OSC client for integration tests: send messages and bundles to a
//! running synth-jack and wait for its replies.

use super::SynthProcess;
// Every test binary uses a different part of these; the paths stay `common::osc::Name`.
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};
#[allow(unused_imports)]
pub use support::osc::{f, i, msg, s, timetag, unix_now, IMMEDIATELY};
use support::osc::{first_message, telemetry_pairs};

/// The OSC port synth-jack logged (`OSC listening on IP:PORT`), waiting for it.
pub fn osc_port(synth: &SynthProcess, timeout: Duration) -> u16 {
    let deadline = Instant::now() + timeout;
    loop {
        let log = synth.stderr();
        if let Some(line) = log.lines().find(|l| l.contains("OSC listening on ")) {
            let addr = line.split("OSC listening on ").nth(1).unwrap_or("").trim();
            let port = addr.rsplit(':').next().and_then(|p| p.parse().ok());
            return port.unwrap_or_else(|| panic!("cannot parse OSC port from {line:?}"));
        }
        assert!(
            Instant::now() < deadline,
            "synth-jack never logged its OSC port\n{}",
            synth.output()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `/status.reply`, by name (the engine's own type; see `synth_jack::osc::StatusReply`).
pub use synth_jack::osc::StatusReply as Status;

/// A UDP socket talking to one synth-jack.
pub struct OscClient {
    sock: UdpSocket,
    target: SocketAddr,
}

impl OscClient {
    /// A client for synth-jack on 127.0.0.1:`port`.
    pub fn new(port: u16) -> OscClient {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind test OSC socket");
        OscClient {
            sock,
            target: format!("127.0.0.1:{port}").parse().expect("addr"),
        }
    }

    /// A client for the synth's logged port.
    pub fn for_synth(synth: &SynthProcess) -> OscClient {
        OscClient::new(osc_port(synth, Duration::from_secs(10)))
    }

    /// Sends raw bytes (for malformed packets).
    pub fn send_raw(&self, bytes: &[u8]) {
        self.sock.send_to(bytes, self.target).expect("send");
    }

    /// Sends a packet.
    pub fn send_packet(&self, p: &OscPacket) {
        let bytes = rosc::encoder::encode(p).expect("encode");
        self.send_raw(&bytes);
    }

    /// Sends one message.
    pub fn send(&self, addr: &str, args: Vec<OscType>) {
        self.send_packet(&msg(addr, args));
    }

    /// Sends a bundle at `time`.
    pub fn send_bundle(&self, time: OscTime, content: Vec<OscPacket>) {
        self.send_packet(&OscPacket::Bundle(OscBundle {
            timetag: time,
            content,
        }));
    }

    /// The next message received (bundles are flattened), or None after `timeout`.
    pub fn recv(&self, timeout: Duration) -> Option<OscMessage> {
        let deadline = Instant::now() + timeout;
        let mut buf = vec![0u8; 65536];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            self.sock.set_read_timeout(Some(left)).ok()?;
            let (n, _) = self.sock.recv_from(&mut buf).ok()?;
            if let Ok((_, p)) = rosc::decoder::decode_udp(&buf[..n]) {
                if let Some(m) = first_message(p) {
                    return Some(m);
                }
            }
        }
    }

    /// Waits for a message with address `addr`, skipping others; panics on timeout.
    pub fn expect(&self, addr: &str, timeout: Duration) -> OscMessage {
        let deadline = Instant::now() + timeout;
        let mut seen = Vec::new();
        while let Some(m) = self.recv(deadline.saturating_duration_since(Instant::now())) {
            if m.addr == addr {
                return m;
            }
            seen.push(m);
        }
        panic!("no {addr} within {timeout:?}; got {seen:?}");
    }

    /// Sends a message and returns the first reply that is `/done`, `/fail` or
    /// an address ending in `.reply`/`.dump`/`/synced` (notifications skipped).
    pub fn request(&self, addr: &str, args: Vec<OscType>) -> OscMessage {
        self.send(addr, args);
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Some(m) = self.recv(deadline.saturating_duration_since(Instant::now())) {
            let notification = matches!(
                m.addr.as_str(),
                "/patch.switched" | "/xrun" | "/late" | "/failover"
            );
            if !notification {
                return m;
            }
        }
        panic!("no reply to {addr}");
    }

    /// Sends and asserts a `/done` reply naming `addr`.
    pub fn ok(&self, addr: &str, args: Vec<OscType>) -> OscMessage {
        let r = self.request(addr, args.clone());
        assert_eq!(r.addr, "/done", "{addr} {args:?} failed: {r:?}");
        assert_eq!(r.args.first(), Some(&s(addr)), "{r:?}");
        r
    }

    /// Sends and asserts a `/fail` reply naming `addr`; returns the reason.
    pub fn fails(&self, addr: &str, args: Vec<OscType>) -> String {
        let r = self.request(addr, args.clone());
        assert_eq!(r.addr, "/fail", "{addr} {args:?} should fail: {r:?}");
        match r.args.get(1) {
            Some(OscType::String(why)) => why.clone(),
            other => panic!("/fail without a reason: {other:?}"),
        }
    }

    /// Commits and waits until the switch happened; returns (slot, version).
    pub fn commit(&self) -> (i32, i32) {
        let r = self.ok("/patch/commit", vec![]);
        match (r.args.get(1), r.args.get(2)) {
            (Some(OscType::Int(slot)), Some(OscType::Int(v))) => (*slot, *v),
            _ => panic!("bad /done /patch/commit: {r:?}"),
        }
    }

    /// `/status`, parsed.
    pub fn status(&self) -> Status {
        let r = self.request("/status", vec![]);
        Status::decode(&r).unwrap_or_else(|e| panic!("{e}: {r:?}"))
    }

    /// `/telemetry`: every engine counter by name (see `status::telemetry`).
    pub fn telemetry(&self) -> HashMap<String, f64> {
        let r = self.request("/telemetry", vec![]);
        assert_eq!(r.addr, "/telemetry.reply", "{r:?}");
        telemetry_pairs(&r)
    }
}
