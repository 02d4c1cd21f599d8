//! [`MidiSender`]: an in-process JACK client that plays MIDI messages at
//! exact frames (what `jack_midiseq` does, but with the frames known).

use super::*;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most messages one [`MidiSender::send`] plays.
pub const MAX_MESSAGES: usize = 32;

/// What the test thread hands the callback: messages (3 bytes and a frame
/// relative to the first cycle after arming), and what it sent when.
struct Plan {
    /// Messages armed (0: idle).
    count: AtomicU32,
    /// Per message: `frame << 24 | bytes`.
    messages: [AtomicU64; MAX_MESSAGES],
    /// JACK frame of the cycle that started the plan (`u64::MAX`: not yet).
    base: AtomicU64,
    /// Messages sent so far, and the JACK frame time of each.
    sent: AtomicU32,
    frames: [AtomicU32; MAX_MESSAGES],
}

struct SenderHandler {
    port: jack::Port<jack::MidiOut>,
    plan: Arc<Plan>,
}

impl jack::ProcessHandler for SenderHandler {
    // Real-time: atomics only.
    fn process(&mut self, _: &jack::Client, ps: &jack::ProcessScope) -> jack::Control {
        let mut w = self.port.writer(ps);
        let p = &self.plan;
        let count = p.count.load(Acquire) as usize;
        let sent = p.sent.load(Relaxed) as usize;
        if count == 0 || sent == count {
            return jack::Control::Continue;
        }
        let now = ps.last_frame_time() as u64;
        if p.base.load(Relaxed) == u64::MAX {
            p.base.store(now, Relaxed);
        }
        let base = p.base.load(Relaxed);
        let mut done = sent;
        for i in sent..count {
            let m = p.messages[i].load(Relaxed);
            let at = base + (m >> 24);
            if at >= now + ps.n_frames() as u64 {
                break;
            }
            let bytes = [(m >> 16) as u8, (m >> 8) as u8, m as u8];
            // Program change and channel pressure are two bytes long.
            let len = if matches!(bytes[0] & 0xf0, 0xc0 | 0xd0) {
                2
            } else {
                3
            };
            let time = at.saturating_sub(now) as u32;
            if w.write(&jack::RawMidi {
                time,
                bytes: &bytes[..len],
            })
            .is_ok()
            {
                p.frames[i].store(now as u32 + time, Relaxed);
            }
            done = i + 1;
        }
        p.sent.store(done as u32, Release);
        jack::Control::Continue
    }
}

/// An in-process client `midisend` with one MIDI output `out`.
pub struct MidiSender<'s> {
    _client: ActiveClient<'s, (), SenderHandler>,
    plan: Arc<Plan>,
    port: String,
}

impl<'s> MidiSender<'s> {
    /// Starts the client and connects its output to `to` (e.g. `synth-jack:midi_in`).
    pub fn start(server: &'s JackServer, to: &str) -> MidiSender<'s> {
        let client = server.client("midisend");
        let port = client
            .register_port("out", jack::MidiOut::default())
            .expect("register MIDI port");
        let name = port.name().expect("port name");
        let plan = Arc::new(Plan {
            count: AtomicU32::new(0),
            messages: std::array::from_fn(|_| AtomicU64::new(0)),
            base: AtomicU64::new(u64::MAX),
            sent: AtomicU32::new(0),
            frames: std::array::from_fn(|_| AtomicU32::new(0)),
        });
        let handler = SenderHandler {
            port,
            plan: plan.clone(),
        };
        let s = MidiSender {
            _client: client.activate((), handler),
            plan,
            port: name,
        };
        server.connect(&s.port, to).expect("connect MIDI");
        s
    }

    /// Full name of the output port.
    pub fn port(&self) -> &str {
        &self.port
    }

    /// Plays `messages`, each `(frames after the first cycle from now,
    /// bytes)` in ascending frame order (the third byte of a two-byte
    /// message, program change or channel pressure, is not sent); returns the JACK frame time at which
    /// each was sent (waits for the last one, up to `timeout`).
    pub fn send(&self, messages: &[(u32, [u8; 3])], timeout: Duration) -> Vec<u32> {
        assert!(messages.len() <= MAX_MESSAGES);
        let p = &self.plan;
        p.count.store(0, Release);
        p.sent.store(0, Relaxed);
        p.base.store(u64::MAX, Relaxed);
        for (slot, (at, b)) in p.messages.iter().zip(messages) {
            let m = (*at as u64) << 24 | (b[0] as u64) << 16 | (b[1] as u64) << 8 | b[2] as u64;
            slot.store(m, Relaxed);
        }
        p.count.store(messages.len() as u32, Release);
        let start = Instant::now();
        while (p.sent.load(Acquire) as usize) < messages.len() {
            assert!(
                start.elapsed() < timeout,
                "MIDI not sent within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        p.count.store(0, Release);
        (0..messages.len())
            .map(|i| p.frames[i].load(Relaxed))
            .collect()
    }
}
