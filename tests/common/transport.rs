//! Helpers for the musical-time tests: `jack_transport` driven through its
//! stdin as the timebase master, and a capture client that records, with
//! every sample, the transport frame and state JACK reported for its cycle.

use super::{kill_pid, JackServer};
use std::io::Write;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// `jack_transport` on a test server, fed commands (`master`, `play`,
/// `stop`, `locate FRAME`, `tempo BPM`) through its stdin.
pub struct JackTransport {
    child: Child,
    stdin: ChildStdin,
}

impl JackTransport {
    /// Starts it and makes it the timebase master (tempo 120, 4/4).
    pub fn master(server: &JackServer) -> JackTransport {
        let mut child = Command::new("jack_transport")
            .env("JACK_DEFAULT_SERVER", server.name())
            .env("JACK_NO_START_SERVER", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("jack_transport (install jackd2)");
        let stdin = child.stdin.take().expect("piped stdin");
        let mut t = JackTransport { child, stdin };
        t.send("master");
        t
    }

    /// Sends one command line.
    pub fn send(&mut self, cmd: &str) {
        writeln!(self.stdin, "{cmd}").expect("write to jack_transport");
        self.stdin.flush().expect("flush jack_transport");
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Drop for JackTransport {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        std::thread::sleep(Duration::from_millis(100));
        if self.child.try_wait().ok().flatten().is_none() {
            kill_pid(self.child.id());
        }
        let _ = self.child.wait();
    }
}

/// Bytes of a cycle record's header: frames, transport frame, rolling.
const HEADER: usize = 12;

struct Handler {
    ports: Vec<jack::Port<jack::AudioIn>>,
    writer: jack::RingBufferWriter,
    dropped: Arc<AtomicU64>,
}

impl jack::ProcessHandler for Handler {
    // Real-time: no allocation; one ring record per cycle.
    fn process(&mut self, c: &jack::Client, ps: &jack::ProcessScope) -> jack::Control {
        let n = ps.n_frames() as usize;
        if self.writer.space() < HEADER + n * 4 * self.ports.len() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return jack::Control::Continue;
        }
        let (frame, rolling) = match c.transport().query() {
            Ok(t) => (
                t.pos.frame(),
                (t.state == jack::TransportState::Rolling) as u32,
            ),
            Err(_) => (0, 0),
        };
        let mut h = [0u8; HEADER];
        h[..4].copy_from_slice(&(n as u32).to_ne_bytes());
        h[4..8].copy_from_slice(&frame.to_ne_bytes());
        h[8..].copy_from_slice(&rolling.to_ne_bytes());
        self.writer.write_buffer(&h);
        for p in &self.ports {
            let x = p.as_slice(ps);
            // SAFETY: f32 has no padding; viewing its bytes is valid.
            let b = unsafe { std::slice::from_raw_parts(x.as_ptr().cast::<u8>(), x.len() * 4) };
            self.writer.write_buffer(b);
        }
        jack::Control::Continue
    }
}

/// What was captured: per frame, the samples of each source, the transport
/// frame and whether the transport rolled.
#[derive(Default)]
pub struct Take {
    /// One buffer per source.
    pub audio: Vec<Vec<f32>>,
    /// Transport frame of each captured frame (its cycle's plus the offset).
    pub frame: Vec<u64>,
    /// Transport rolling during the frame's cycle.
    pub rolling: Vec<bool>,
}

impl Take {
    /// Appends a later take (the capture is continuous between records).
    pub fn append(&mut self, later: Take) {
        if self.audio.is_empty() {
            *self = later;
            return;
        }
        for (a, b) in self.audio.iter_mut().zip(later.audio) {
            a.extend(b);
        }
        self.frame.extend(later.frame);
        self.rolling.extend(later.rolling);
    }
}

/// Records sources together with the transport position of every frame.
pub struct TransportCapture<'s> {
    _client: super::ActiveClient<'s, (), Handler>,
    reader: jack::RingBufferReader,
    dropped: Arc<AtomicU64>,
    channels: usize,
    take: Take,
}

impl<'s> TransportCapture<'s> {
    /// Client `tcapture` with one input per source, connected.
    pub fn start(server: &'s JackServer, sources: &[&str]) -> TransportCapture<'s> {
        let client = server.client("tcapture");
        let mut ports = Vec::new();
        let mut inputs = Vec::new();
        for k in 0..sources.len() {
            let p = client
                .register_port(&format!("in_{}", k + 1), jack::AudioIn::default())
                .expect("register capture port");
            inputs.push(p.name().expect("port name"));
            ports.push(p);
        }
        let size = (client.sample_rate() as usize * 4 * sources.len() + 4096) * 30;
        let (reader, writer) = jack::RingBuffer::new(size)
            .expect("ring")
            .into_reader_writer();
        let dropped = Arc::new(AtomicU64::new(0));
        let handler = Handler {
            ports,
            writer,
            dropped: dropped.clone(),
        };
        let active = client.activate((), handler);
        for (src, dst) in sources.iter().zip(&inputs) {
            active
                .as_client()
                .connect_ports_by_name(src, dst)
                .unwrap_or_else(|e| panic!("connect {src} -> {dst}: {e:?}"));
        }
        TransportCapture {
            _client: active,
            reader,
            dropped,
            channels: sources.len(),
            take: Take {
                audio: vec![Vec::new(); sources.len()],
                ..Take::default()
            },
        }
    }

    /// Moves what the ring holds into the take.
    fn drain(&mut self) {
        let mut h = [0u8; HEADER];
        loop {
            if self.reader.space() < HEADER || self.reader.peek(&mut h) < HEADER {
                return;
            }
            let n = u32::from_ne_bytes(h[..4].try_into().unwrap()) as usize;
            if self.reader.space() < HEADER + n * 4 * self.channels {
                return;
            }
            self.reader.read_buffer(&mut h);
            let frame = u32::from_ne_bytes(h[4..8].try_into().unwrap()) as u64;
            let rolling = u32::from_ne_bytes(h[8..].try_into().unwrap()) == 1;
            let mut buf = vec![0u8; n * 4];
            for c in 0..self.channels {
                self.reader.read_buffer(&mut buf);
                self.take.audio[c].extend(
                    buf.chunks_exact(4)
                        .map(|b| f32::from_ne_bytes(b.try_into().unwrap())),
                );
            }
            for i in 0..n {
                self.take
                    .frame
                    .push(if rolling { frame + i as u64 } else { frame });
                self.take.rolling.push(rolling);
            }
        }
    }

    /// Records for `d`, then returns everything captured since the last call.
    pub fn record(&mut self, d: Duration) -> Take {
        std::thread::sleep(d);
        self.drain();
        assert_eq!(
            self.dropped.load(Ordering::Relaxed),
            0,
            "capture ring overflowed"
        );
        let empty = Take {
            audio: vec![Vec::new(); self.channels],
            ..Take::default()
        };
        std::mem::replace(&mut self.take, empty)
    }
}
