//! A lock-free window onto a signal, for observers (`scope`, `meter`): the
//! module appends its input on the worker thread without locking or
//! allocating; the control thread copies the recent samples whenever it
//! likes and computes levels or scope traces there, off the real-time
//! threads. One writer, any number of readers; a reader that falls behind
//! by more than the window loses the oldest samples, never gets torn ones.

use crate::module::MAX_BLOCK;
use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering::*};
use std::sync::Arc;

/// Samples a tap holds (a power of two): 170 ms at 48 kHz, 42 ms at 192 kHz,
/// more than one 30 Hz reading at any rate.
pub const TAP_LEN: usize = 8192;

/// What the reader makes of a tap's samples, declared by the observer type
/// that owns it (so the engine never tells observers apart by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TapKind {
    /// The latest samples as they are (`/scope id values...`; the setting
    /// is how many).
    Trace,
    /// RMS and peak since the previous reading (`/meter id rms peak`).
    Levels,
}

/// The shared window.
pub struct SignalTap {
    /// How the reader reads it.
    kind: TapKind,
    /// Sample bits, slot `position % TAP_LEN`.
    buf: Box<[AtomicU32]>,
    /// Samples written so far.
    written: AtomicU64,
    /// A setting the module publishes for its reader (`scope`: points).
    setting: AtomicU32,
}

impl SignalTap {
    /// An empty tap read as `kind` (control thread: allocates).
    pub fn new(kind: TapKind) -> Arc<SignalTap> {
        Arc::new(SignalTap {
            kind,
            buf: (0..TAP_LEN).map(|_| AtomicU32::new(0)).collect(),
            written: AtomicU64::new(0),
            setting: AtomicU32::new(0),
        })
    }

    /// Appends `xs` (at most [`MAX_BLOCK`] samples a call). Real-time safe.
    #[inline]
    pub fn push(&self, xs: &[f32]) {
        let w = self.written.load(Relaxed);
        for (k, x) in xs.iter().take(MAX_BLOCK).enumerate() {
            self.buf[(w as usize + k) & (TAP_LEN - 1)].store(x.to_bits(), Relaxed);
        }
        self.written
            .store(w + xs.len().min(MAX_BLOCK) as u64, Release);
    }

    /// How the reader reads this tap.
    pub fn kind(&self) -> TapKind {
        self.kind
    }

    /// Samples written so far.
    pub fn written(&self) -> u64 {
        self.written.load(Acquire)
    }

    /// Publishes the module's setting (any thread).
    pub fn set_setting(&self, v: u32) {
        self.setting.store(v, Relaxed);
    }

    /// The module's setting.
    pub fn setting(&self) -> u32 {
        self.setting.load(Relaxed)
    }

    /// Replaces `out` with the samples written since position `from` (the
    /// position a previous call returned; 0 at first), as many as are still
    /// intact, and returns the position to read from next time.
    pub fn read_since(&self, from: u64, out: &mut Vec<f32>) -> u64 {
        out.clear();
        let end = self.written.load(Acquire);
        // The writer may be overwriting up to one block past `end`.
        let oldest = |end: u64| (end + MAX_BLOCK as u64).saturating_sub(TAP_LEN as u64);
        let start = from.clamp(oldest(end), end);
        out.extend(
            (start..end)
                .map(|p| f32::from_bits(self.buf[p as usize & (TAP_LEN - 1)].load(Relaxed))),
        );
        // Whatever the writer reached meanwhile may have been overwritten.
        fence(Acquire);
        let lost = oldest(self.written.load(Relaxed)).saturating_sub(start);
        out.drain(..(lost as usize).min(out.len()));
        end
    }
}

/// `(rms, peak)` of `xs` (zeros when empty): a `meter` reading.
pub fn levels(xs: &[f32]) -> (f32, f32) {
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let sum: f64 = xs.iter().map(|&x| x as f64 * x as f64).sum();
    let peak = xs.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    ((sum / xs.len() as f64).sqrt() as f32, peak)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_was_written_since_last_time() {
        let t = SignalTap::new(TapKind::Levels);
        let mut out = Vec::new();
        assert_eq!(t.read_since(0, &mut out), 0);
        assert!(out.is_empty());
        let mut n = 0u32;
        for _ in 0..3 {
            let block: Vec<f32> = (0..64).map(|k| (n + k) as f32).collect();
            t.push(&block);
            n += 64;
        }
        let pos = t.read_since(0, &mut out);
        assert_eq!(pos, 192);
        assert_eq!(out, (0..192).map(|v| v as f32).collect::<Vec<_>>());
        t.push(&[7.0, 8.0]);
        assert_eq!(t.read_since(pos, &mut out), 194);
        assert_eq!(out, vec![7.0, 8.0]);
    }

    #[test]
    fn a_reader_far_behind_gets_only_intact_samples() {
        let t = SignalTap::new(TapKind::Levels);
        let mut v = 0.0f32;
        for _ in 0..(3 * TAP_LEN / 64) {
            let block: Vec<f32> = (0..64)
                .map(|_| {
                    v += 1.0;
                    v
                })
                .collect();
            t.push(&block);
        }
        let mut out = Vec::new();
        let end = t.read_since(0, &mut out);
        assert_eq!(end, 3 * TAP_LEN as u64);
        assert_eq!(out.len(), TAP_LEN - MAX_BLOCK);
        // The newest samples, in order.
        assert_eq!(*out.last().unwrap(), end as f32);
        assert!(out.windows(2).all(|w| w[1] == w[0] + 1.0));
    }

    #[test]
    fn levels_of_a_sine() {
        let xs: Vec<f32> = (0..4800)
            .map(|i| 0.5 * (std::f32::consts::TAU * i as f32 / 48.0).sin())
            .collect();
        let (rms, peak) = levels(&xs);
        assert!((rms - 0.5 / 2f32.sqrt()).abs() < 1e-3, "{rms}");
        assert!((peak - 0.5).abs() < 1e-3, "{peak}");
        assert_eq!(levels(&[]), (0.0, 0.0));
    }
}
