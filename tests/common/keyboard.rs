//! [`Keyboard`]: an in-process JACK MIDI client standing in for a MIDI keyboard or sequencer. It
//! plays a script of raw MIDI messages, each at an exact frame from the script's start, and
//! reports the JACK frame time at which the script started, so a test knows the absolute frame
//! of every event it sent.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::*;

/// One scripted MIDI message: `frame` frames after the script's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MidiAt {
    pub frame: u32,
    pub bytes: [u8; 3],
    /// 2 for channel pressure and program change, else 3.
    pub len: u8,
}

impl MidiAt {
    /// A three-byte message.
    pub fn new(frame: u32, bytes: [u8; 3]) -> MidiAt {
        MidiAt {
            frame,
            bytes,
            len: 3,
        }
    }
    /// Note on, channel 1–16.
    pub fn on(frame: u32, ch: u8, note: u8, vel: u8) -> MidiAt {
        Self::new(frame, [0x90 | (ch - 1), note, vel])
    }
    /// Note off, channel 1–16.
    pub fn off(frame: u32, ch: u8, note: u8) -> MidiAt {
        Self::new(frame, [0x80 | (ch - 1), note, 0])
    }
    /// Controller `cc` = `value`.
    pub fn cc(frame: u32, ch: u8, cc: u8, value: u8) -> MidiAt {
        Self::new(frame, [0xb0 | (ch - 1), cc, value])
    }
    /// Pitch bend, -8192..=8191.
    pub fn bend(frame: u32, ch: u8, value: i32) -> MidiAt {
        let v = (value + 8192).clamp(0, 16383) as u16;
        Self::new(frame, [0xe0 | (ch - 1), (v & 0x7f) as u8, (v >> 7) as u8])
    }
    /// Channel pressure (two bytes).
    pub fn pressure(frame: u32, ch: u8, value: u8) -> MidiAt {
        MidiAt {
            frame,
            bytes: [0xd0 | (ch - 1), value, 0],
            len: 2,
        }
    }
}

/// Script start not known yet.
const UNSET: u64 = u64::MAX;

struct KeyboardHandler {
    port: jack::Port<jack::MidiOut>,
    script: Vec<MidiAt>,
    next: usize,
    /// Plays so far (from [`Keyboard::play`]) and the one this handler is playing.
    plays: Arc<AtomicU64>,
    playing: u64,
    start: Arc<AtomicU64>,
    sent: Arc<AtomicUsize>,
}

impl jack::ProcessHandler for KeyboardHandler {
    // No allocation: the script was built before activation.
    fn process(&mut self, _: &jack::Client, ps: &jack::ProcessScope) -> jack::Control {
        let mut writer = self.port.writer(ps);
        let now = ps.last_frame_time();
        let n = ps.n_frames();
        let plays = self.plays.load(Ordering::Acquire);
        if plays == 0 {
            return jack::Control::Continue;
        }
        if plays != self.playing {
            // A new play: from the top, starting this cycle.
            self.playing = plays;
            self.next = 0;
            self.start.store(now as u64, Ordering::Release);
        }
        let start = self.start.load(Ordering::Acquire) as u32;
        while let Some(m) = self.script.get(self.next) {
            // Frames from this cycle's start; negative when a skipped cycle made it late.
            let at = start.wrapping_add(m.frame).wrapping_sub(now) as i32;
            if at >= n as i32 {
                break; // a later cycle (script frames are sorted)
            }
            let raw = jack::RawMidi {
                time: at.max(0) as u32,
                bytes: &m.bytes[..m.len as usize],
            };
            if writer.write(&raw).is_err() {
                break; // the port buffer is full: the rest goes next cycle (late)
            }
            self.next += 1;
            self.sent.store(self.next, Ordering::Release);
        }
        jack::Control::Continue
    }
}

/// A JACK client with one MIDI output `<name>:out` that plays a script of MIDI messages.
pub struct Keyboard<'s> {
    client: ActiveClient<'s, (), KeyboardHandler>,
    plays: Arc<AtomicU64>,
    start: Arc<AtomicU64>,
    sent: Arc<AtomicUsize>,
    len: usize,
    port: String,
}

impl<'s> Keyboard<'s> {
    /// Opens client `name`, activates it (silent until [`play`](Self::play)) and connects its
    /// output to `dest` (e.g. `synth-jack:midi_in`). Script frames must be sorted.
    pub fn start(server: &'s JackServer, name: &str, dest: &str, script: &[MidiAt]) -> Self {
        assert!(
            script.windows(2).all(|w| w[0].frame <= w[1].frame),
            "script frames must be sorted"
        );
        let client = server.client(name);
        let port = client
            .register_port("out", jack::MidiOut::default())
            .unwrap_or_else(|e| panic!("cannot register {name}:out: {e:?}"));
        let port_name = port.name().expect("port name");
        let plays = Arc::new(AtomicU64::new(0));
        let start = Arc::new(AtomicU64::new(UNSET));
        let sent = Arc::new(AtomicUsize::new(0));
        let handler = KeyboardHandler {
            port,
            script: script.to_vec(),
            next: 0,
            plays: plays.clone(),
            playing: 0,
            start: start.clone(),
            sent: sent.clone(),
        };
        let active = client.activate((), handler);
        active
            .as_client()
            .connect_ports_by_name(&port_name, dest)
            .unwrap_or_else(|e| panic!("cannot connect {port_name} -> {dest}: {e:?}"));
        Keyboard {
            client: active,
            plays,
            start,
            sent,
            len: script.len(),
            port: port_name,
        }
    }

    /// Plays the script from its start at the next process cycle (again, once it is done).
    /// Activating a client can cost the server an xrun: start the keyboard once, play it often.
    pub fn play(&self) {
        self.start.store(UNSET, Ordering::Release);
        self.sent.store(0, Ordering::Release);
        self.plays.fetch_add(1, Ordering::AcqRel);
    }

    /// JACK frame time of script frame 0 (once playing).
    pub fn start_frame(&self) -> Option<u32> {
        match self.start.load(Ordering::Acquire) {
            UNSET => None,
            s => Some(s as u32),
        }
    }

    /// Waits until every message was written (panics after `timeout`); returns the start frame.
    pub fn wait_done(&self, timeout: Duration) -> u32 {
        let ok = wait_until(timeout, || self.sent.load(Ordering::Acquire) >= self.len);
        assert!(
            ok,
            "keyboard sent {} of {} messages within {timeout:?}",
            self.sent.load(Ordering::Acquire),
            self.len
        );
        self.start_frame().expect("started")
    }

    /// The output port's full name.
    pub fn port(&self) -> &str {
        &self.port
    }

    /// Deactivates and closes the client now (also done on drop).
    pub fn stop(&mut self) {
        self.client.close();
    }
}

/// Polls `f` every 5 ms until it is true or `timeout` passes; returns whether it became true.
fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let t0 = std::time::Instant::now();
    while !f() {
        if t0.elapsed() > timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    true
}
