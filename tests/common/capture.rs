//! [`Capture`]: records JACK ports into memory from an allocation-free process callback.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;

/// Bytes of the per-cycle header in the capture ring: `n_frames: u32`, `last_frame_time: u32`.
pub(super) const CYCLE_HEADER: usize = 8;

pub(super) struct CaptureHandler {
    ports: Vec<jack::Port<jack::AudioIn>>,
    writer: jack::RingBufferWriter,
    dropped_cycles: Arc<AtomicU64>,
    cycles: Arc<AtomicU64>,
}

impl jack::ProcessHandler for CaptureHandler {
    // Real-time: no allocation, no locks. One ring record per cycle:
    // header, then n frames of port 0, n frames of port 1, ...
    fn process(&mut self, _: &jack::Client, ps: &jack::ProcessScope) -> jack::Control {
        let n = ps.n_frames() as usize;
        let need = CYCLE_HEADER + n * 4 * self.ports.len();
        if self.writer.space() < need {
            self.dropped_cycles.fetch_add(1, Ordering::Relaxed);
            return jack::Control::Continue;
        }
        let mut header = [0u8; CYCLE_HEADER];
        header[..4].copy_from_slice(&(n as u32).to_ne_bytes());
        header[4..].copy_from_slice(&ps.last_frame_time().to_ne_bytes());
        self.writer.write_buffer(&header);
        for port in &self.ports {
            let samples = port.as_slice(ps);
            // SAFETY: f32 has no padding; viewing its bytes is always valid.
            let bytes = unsafe {
                std::slice::from_raw_parts(samples.as_ptr().cast::<u8>(), samples.len() * 4)
            };
            self.writer.write_buffer(bytes);
        }
        self.cycles.fetch_add(1, Ordering::Release);
        jack::Control::Continue
    }
}

/// Records audio from JACK ports into memory, one channel per source port.
///
/// The process callback only copies into a preallocated lock-free ring (sized for
/// `max_seconds`); the test thread drains it in [`take`](Self::take) & co. All channels stay
/// sample-aligned (they are written per cycle together).
pub struct Capture<'s> {
    client: ActiveClient<'s, (), CaptureHandler>,
    reader: jack::RingBufferReader,
    channels: usize,
    rate: u32,
    sources: Vec<String>,
    inputs: Vec<String>,
    dropped_cycles: Arc<AtomicU64>,
    cycles: Arc<AtomicU64>,
    pending: Vec<Vec<f32>>,
    /// Frame time of `pending[_][0]`.
    pending_start: Option<u32>,
    /// Frame time expected for the next cycle record (continuity check).
    next_frame: Option<u32>,
    discontinuities: usize,
    first_frame_time: Option<u32>,
    scratch: Vec<u8>,
}

impl<'s> Capture<'s> {
    /// Default ring capacity in seconds (audio older than this that was not read is dropped).
    pub const DEFAULT_MAX_SECONDS: f64 = 20.0;

    /// Opens client `capture` with inputs `in_1..in_N`, activates it and connects
    /// `sources[k] -> in_{k+1}`.
    pub fn start(server: &'s JackServer, sources: &[&str]) -> Capture<'s> {
        Self::start_with_capacity(server, sources, Self::DEFAULT_MAX_SECONDS)
    }

    /// Opens client `capture` with inputs `in_1..in_N` and activates it without connecting
    /// anything: for tests where someone else (synth-jack restoring its connections) does.
    pub fn unconnected(server: &'s JackServer, channels: usize) -> Capture<'s> {
        let none = vec![""; channels];
        Self::open(server, &none, Self::DEFAULT_MAX_SECONDS, false)
    }

    pub fn start_with_capacity(
        server: &'s JackServer,
        sources: &[&str],
        max_seconds: f64,
    ) -> Capture<'s> {
        Self::open(server, sources, max_seconds, true)
    }

    fn open(
        server: &'s JackServer,
        sources: &[&str],
        max_seconds: f64,
        connect: bool,
    ) -> Capture<'s> {
        assert!(
            !sources.is_empty(),
            "Capture needs at least one source port"
        );
        let client = server.client("capture");
        let rate = client.sample_rate();
        let mut ports = Vec::new();
        let mut inputs = Vec::new();
        for k in 0..sources.len() {
            let port = client
                .register_port(&format!("in_{}", k + 1), jack::AudioIn::default())
                .unwrap_or_else(|e| panic!("cannot register capture port: {e:?}"));
            inputs.push(port.name().expect("port name"));
            ports.push(port);
        }
        let bytes_per_sec = rate as f64 * 4.0 * sources.len() as f64;
        let size = (bytes_per_sec * max_seconds) as usize + 64 * 1024;
        let ring = jack::RingBuffer::new(size).expect("allocate capture ring buffer");
        let (reader, writer) = ring.into_reader_writer();
        let dropped_cycles = Arc::new(AtomicU64::new(0));
        let cycles = Arc::new(AtomicU64::new(0));
        let handler = CaptureHandler {
            ports,
            writer,
            dropped_cycles: dropped_cycles.clone(),
            cycles: cycles.clone(),
        };
        let active = client.activate((), handler);
        for (src, dst) in sources.iter().zip(&inputs).filter(|_| connect) {
            // synth-jack may have connected it first: it restores the connections of a port
            // that went away (an earlier capture) as soon as one of that name comes back.
            // Its connect may also race ours (jack2 then fails one of them): judged by the
            // result, a few tries.
            let client = active.as_client();
            let mut tries = 0;
            loop {
                match client.connect_ports_by_name(src, dst) {
                    Ok(()) | Err(jack::Error::PortAlreadyConnected(..)) => break,
                    Err(_) if connected(client, src, dst) => break,
                    Err(_) if tries < 20 => {
                        tries += 1;
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                    Err(e) => panic!("cannot connect {src} -> {dst}: {e:?}"),
                }
            }
        }
        Capture {
            client: active,
            reader,
            channels: sources.len(),
            rate,
            sources: sources.iter().map(|s| s.to_string()).collect(),
            inputs,
            dropped_cycles,
            cycles,
            pending: vec![Vec::new(); sources.len()],
            pending_start: None,
            next_frame: None,
            discontinuities: 0,
            first_frame_time: None,
            scratch: Vec::new(),
        }
    }

    pub fn rate(&self) -> u32 {
        self.rate
    }
    pub fn channels(&self) -> usize {
        self.channels
    }
    /// The capture's own input port names (`capture:in_1`, ...).
    pub fn input_ports(&self) -> &[String] {
        &self.inputs
    }
    pub fn sources(&self) -> &[String] {
        &self.sources
    }
    /// Process cycles recorded so far.
    pub fn cycles(&self) -> u64 {
        self.cycles.load(Ordering::Acquire)
    }
    /// Cycles lost because the ring was full (since the last [`clear`](Self::clear)).
    pub fn dropped_cycles(&self) -> u64 {
        self.dropped_cycles.load(Ordering::Relaxed)
    }
    /// Times the frame time of a cycle was not the previous one plus its length (skipped cycles).
    pub fn discontinuities(&self) -> usize {
        self.discontinuities
    }
    /// JACK frame time of the very first captured frame.
    pub fn first_frame_time(&self) -> Option<u32> {
        self.first_frame_time
    }
    /// JACK frame time of the next frame [`take`](Self::take) will return (if already captured).
    pub fn pending_start_frame(&mut self) -> Option<u32> {
        self.drain();
        self.pending_start
    }
    /// Frames captured and not yet taken.
    pub fn pending_frames(&mut self) -> usize {
        self.drain();
        self.pending[0].len()
    }

    /// Moves complete cycle records from the ring into `pending`.
    fn drain(&mut self) {
        loop {
            let avail = self.reader.space();
            if avail < CYCLE_HEADER {
                return;
            }
            let mut header = [0u8; CYCLE_HEADER];
            self.reader.peek(&mut header);
            let n = u32::from_ne_bytes(header[..4].try_into().unwrap()) as usize;
            let frame = u32::from_ne_bytes(header[4..].try_into().unwrap());
            let need = CYCLE_HEADER + n * 4 * self.channels;
            if avail < need {
                return; // the writer is in the middle of this record
            }
            self.reader.advance(CYCLE_HEADER);
            if let Some(expected) = self.next_frame {
                if expected != frame {
                    self.discontinuities += 1;
                }
            }
            self.next_frame = Some(frame.wrapping_add(n as u32));
            if self.first_frame_time.is_none() {
                self.first_frame_time = Some(frame);
            }
            if self.pending[0].is_empty() {
                self.pending_start = Some(frame);
            }
            self.scratch.resize(n * 4, 0);
            for ch in 0..self.channels {
                let got = self.reader.read_buffer(&mut self.scratch);
                assert_eq!(got, n * 4, "short read from capture ring");
                self.pending[ch].extend(
                    self.scratch
                        .chunks_exact(4)
                        .map(|b| f32::from_ne_bytes(b.try_into().unwrap())),
                );
            }
        }
    }

    fn check_no_overflow(&self) {
        let dropped = self.dropped_cycles();
        assert_eq!(
            dropped, 0,
            "capture ring overflowed: {dropped} cycles dropped (read more often, or use \
             start_with_capacity)"
        );
    }

    /// Discards everything captured so far (and resets the overflow counter).
    pub fn clear(&mut self) {
        self.drain();
        for ch in &mut self.pending {
            ch.clear();
        }
        self.pending_start = None;
        self.dropped_cycles.store(0, Ordering::Relaxed);
    }

    /// Removes and returns the first `frames` pending frames per channel, waiting for them up to
    /// `timeout` (panics on timeout or ring overflow).
    pub fn take_frames(&mut self, frames: usize, timeout: Duration) -> Vec<Vec<f32>> {
        let start = Instant::now();
        loop {
            self.drain();
            if self.pending[0].len() >= frames {
                break;
            }
            if start.elapsed() > timeout {
                panic!(
                    "capture: only {} of {frames} frames within {timeout:?} ({} cycles so far)",
                    self.pending[0].len(),
                    self.cycles()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.check_no_overflow();
        let out: Vec<Vec<f32>> = self
            .pending
            .iter_mut()
            .map(|ch| {
                let rest = ch.split_off(frames);
                std::mem::replace(ch, rest)
            })
            .collect();
        self.pending_start = if self.pending[0].is_empty() {
            None
        } else {
            self.pending_start.map(|f| f.wrapping_add(frames as u32))
        };
        out
    }

    /// Removes and returns the next `seconds` of audio per channel (waiting for it).
    pub fn take(&mut self, seconds: f64) -> Vec<Vec<f32>> {
        let frames = (seconds * self.rate as f64).round() as usize;
        self.take_frames(frames, Duration::from_secs_f64(seconds * 3.0 + 5.0))
    }

    /// Discards what was captured so far, then records for `duration`.
    pub fn record_for(&mut self, duration: Duration) -> Vec<Vec<f32>> {
        self.clear();
        self.take(duration.as_secs_f64())
    }

    /// Removes and returns everything captured so far.
    pub fn samples(&mut self) -> Vec<Vec<f32>> {
        self.drain();
        self.check_no_overflow();
        self.pending_start = None;
        self.pending.iter_mut().map(std::mem::take).collect()
    }

    /// Discards frames until one channel has a sample with `|x| >= threshold`; that frame then
    /// is the first one [`take`](Self::take) returns. Returns its JACK frame time, or `None` on
    /// timeout.
    pub fn wait_for_signal(&mut self, threshold: f32, timeout: Duration) -> Option<u32> {
        let start = Instant::now();
        loop {
            self.drain();
            let onset = self
                .pending
                .iter()
                .filter_map(|ch| first_nonsilent(ch, threshold))
                .min();
            match onset {
                Some(i) => {
                    for ch in &mut self.pending {
                        ch.drain(..i);
                    }
                    self.pending_start = self.pending_start.map(|f| f.wrapping_add(i as u32));
                    return self.pending_start;
                }
                None => {
                    for ch in &mut self.pending {
                        ch.clear();
                    }
                    self.pending_start = None;
                }
            }
            if start.elapsed() > timeout {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Deactivates and closes the capture client now (also done on drop).
    pub fn stop(&mut self) {
        self.client.close();
    }
}

/// True when `src` is connected to `dst` on `client`'s server.
fn connected(client: &jack::Client, src: &str, dst: &str) -> bool {
    client
        .port_by_name(src)
        .is_some_and(|p| p.is_connected_to(dst).unwrap_or(false))
}
