//! An OSC-over-TCP client for the tests, in either stream framing (the
//! synth's own `Framing`/`Deframer` do the bytes).

use rosc::{OscMessage, OscPacket, OscType};
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use synth_jack::osc::stream::{Deframer, Framing};

/// One TCP connection to synth-jack.
pub struct TcpClient {
    pub stream: TcpStream,
    framing: Framing,
    deframer: Deframer,
    inbox: VecDeque<OscMessage>,
}

impl TcpClient {
    /// Connects to 127.0.0.1:`port`, framing what it sends as `framing`.
    pub fn connect(port: u16, framing: Framing) -> TcpClient {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect over TCP");
        TcpClient {
            stream,
            framing,
            deframer: Deframer::new(64 << 20),
            inbox: VecDeque::new(),
        }
    }

    /// Sends one message.
    pub fn send(&mut self, addr: &str, args: Vec<OscType>) {
        let p = OscPacket::Message(OscMessage {
            addr: addr.into(),
            args,
        });
        let bytes = rosc::encoder::encode(&p).expect("encode");
        self.stream
            .write_all(&self.framing.encode(&bytes))
            .expect("send over TCP");
    }

    /// The next message, or None after `timeout` (or when the server closed).
    pub fn recv(&mut self, timeout: Duration) -> Option<OscMessage> {
        let deadline = Instant::now() + timeout;
        let mut buf = vec![0u8; 1 << 16];
        while self.inbox.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            self.stream.set_read_timeout(Some(left)).ok()?;
            let n = match self.stream.read(&mut buf) {
                Ok(0) | Err(_) => return None,
                Ok(n) => n,
            };
            let inbox = &mut self.inbox;
            self.deframer
                .push(&buf[..n], |bytes| {
                    match rosc::decoder::decode_udp(bytes)
                        .expect("a decodable reply")
                        .1
                    {
                        OscPacket::Message(m) => inbox.push_back(m),
                        OscPacket::Bundle(b) => panic!("unexpected bundle {b:?}"),
                    }
                })
                .expect("well-framed replies");
        }
        self.inbox.pop_front()
    }

    /// Sends and waits for the first reply that is not a notification.
    pub fn request(&mut self, addr: &str, args: Vec<OscType>) -> OscMessage {
        self.send(addr, args);
        loop {
            let m = self
                .recv(Duration::from_secs(20))
                .unwrap_or_else(|| panic!("no reply to {addr} over TCP"));
            if !matches!(
                m.addr.as_str(),
                "/patch.switched" | "/xrun" | "/late" | "/failover"
            ) {
                return m;
            }
        }
    }

    /// Whether the server closed the connection within `timeout` (reading and discarding
    /// whatever it had sent before).
    pub fn closed_within(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut buf = vec![0u8; 1 << 20];
        while Instant::now() < deadline {
            self.stream
                .set_read_timeout(Some(Duration::from_millis(200)))
                .expect("timeout");
            match self.stream.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => return true,
            }
        }
        false
    }
}
