//! Sample buffers: audio that modules such as `sampler` read. The engine
//! loads them from files on a non-real-time thread (`/buffer/load`), already
//! at its own sample rate; a patch names them (`buffer=kick`) and
//! [`Graph::compile`](crate::graph::Graph::compile) hands each module its
//! buffer through [`Module::set_buffer`](crate::Module::set_buffer).
//!
//! A buffer is shared ([`SampleRef`], a basedrop `Shared`): freeing it by
//! name leaves it alive in every graph still playing it, and the last
//! reference, dropped with the last such graph, is released on the engine's
//! collector thread, never on a real-time one.

use std::sync::Arc;

/// Audio frames, interleaved, at a known sample rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    channels: usize,
    frames: usize,
    rate: f32,
    data: Vec<f32>,
    /// What modules built from this buffer (see [`crate::derived`]).
    derived: crate::derived::Derived,
}

/// A shared, immutable sample buffer.
pub type SampleRef = basedrop::Shared<Sample>;

/// Finds a loaded buffer by name (control thread, while compiling a graph).
pub type SampleLookup = Arc<dyn Fn(&str) -> Option<SampleRef> + Send + Sync>;

/// A `buffer NAME FILE` line of a patch: which file a buffer is loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufferLine {
    /// The buffer's name (as for module ids).
    pub name: String,
    /// The file, relative to the sample directory.
    pub file: String,
}

impl Sample {
    /// `data` (interleaved, `channels` ≥ 1 per frame; a partial last frame
    /// is dropped) at `rate` Hz.
    pub fn new(channels: usize, rate: f32, mut data: Vec<f32>) -> Sample {
        let channels = channels.max(1);
        let frames = data.len() / channels;
        data.truncate(frames * channels);
        Sample {
            channels,
            frames,
            rate,
            data,
            derived: Default::default(),
        }
    }

    /// Channels per frame.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Length in frames.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Sample rate in Hz.
    pub fn rate(&self) -> f32 {
        self.rate
    }

    /// Memory the samples take, in bytes (what the buffer budget counts).
    pub fn bytes(&self) -> usize {
        self.data.len() * std::mem::size_of::<f32>()
    }

    /// The value of type `T` derived from this buffer with settings `key`:
    /// built by `build` the first time, shared afterwards (control thread;
    /// see [`crate::derived`]).
    pub fn derived<T: std::any::Any + Send + Sync>(
        &self,
        key: u64,
        build: impl FnOnce(&Sample) -> T,
    ) -> Arc<T> {
        self.derived.get_or_build(key, || build(self))
    }

    /// How many derived values were built from this buffer (cache misses).
    pub fn derived_builds(&self) -> u64 {
        self.derived.built()
    }

    /// Channel `ch` of frame `i` (the last channel for `ch` beyond it, so a
    /// mono buffer feeds both sides); silence outside the buffer.
    #[inline]
    pub fn at(&self, ch: usize, i: isize) -> f32 {
        if i < 0 || i as usize >= self.frames {
            return 0.0;
        }
        self.data[i as usize * self.channels + ch.min(self.channels - 1)]
    }

    /// Channel `ch` at fractional frame `pos`, linear interpolation.
    #[inline]
    pub fn read_linear(&self, ch: usize, pos: f64) -> f32 {
        let (i, t) = split(pos);
        self.linear_at(ch, i, t)
    }

    /// Channel `ch` a fraction `t` past frame `i`, linear: what
    /// [`Sample::read_linear`] reads at a position [`split`] into `i`, `t`.
    #[inline]
    pub fn linear_at(&self, ch: usize, i: isize, t: f32) -> f32 {
        let (a, b) = (self.at(ch, i), self.at(ch, i + 1));
        a + (b - a) * t
    }

    /// Channel `ch` at fractional frame `pos`, 4-point cubic (Hermite)
    /// interpolation.
    #[inline]
    pub fn read_cubic(&self, ch: usize, pos: f64) -> f32 {
        let (i, t) = split(pos);
        self.cubic_at(ch, i, t)
    }

    /// Channel `ch` a fraction `t` past frame `i` (`pos` split by
    /// [`split`]), 4-point cubic: what [`Sample::read_cubic`] reads, for a
    /// reader that splits a position once for several channels. Away from
    /// the ends the four frames are read without a check each.
    #[inline(always)]
    pub fn cubic_at(&self, ch: usize, i: isize, t: f32) -> f32 {
        let c = self.channels;
        if i >= 1 && (i as usize) + 2 < self.frames {
            let at = (i as usize - 1) * c + ch.min(c - 1);
            let d = &self.data[at..at + 3 * c + 1];
            return hermite(d[0], d[c], d[2 * c], d[3 * c], t);
        }
        hermite(
            self.at(ch, i - 1),
            self.at(ch, i),
            self.at(ch, i + 1),
            self.at(ch, i + 2),
            t,
        )
    }

    /// This buffer at `rate` Hz (cubic interpolation; a copy when the rate
    /// is already right). Control or loader thread: allocates.
    pub fn resampled(&self, rate: f32) -> Sample {
        if rate == self.rate || self.frames == 0 {
            let mut s = self.clone();
            s.rate = rate;
            return s;
        }
        let step = self.rate as f64 / rate as f64;
        let frames = ((self.frames as f64) / step).round().max(1.0) as usize;
        let mut data = Vec::with_capacity(frames * self.channels);
        for k in 0..frames {
            let pos = k as f64 * step;
            for ch in 0..self.channels {
                data.push(self.read_cubic(ch, pos));
            }
        }
        Sample::new(self.channels, rate, data)
    }
}

/// How a WAV file stores one sample, for [`append_pcm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pcm {
    /// 8-bit unsigned integer (128 is zero).
    U8,
    /// 16-bit signed integer.
    I16,
    /// 24-bit signed integer in 3 bytes.
    I24,
    /// 32-bit signed integer.
    I32,
    /// 32-bit float.
    F32,
}

impl Pcm {
    /// Bytes one sample takes.
    pub fn bytes(self) -> usize {
        match self {
            Pcm::U8 => 1,
            Pcm::I16 => 2,
            Pcm::I24 => 3,
            Pcm::I32 | Pcm::F32 => 4,
        }
    }
}

/// Appends the little-endian samples in `bytes` (a partial last sample is
/// ignored) to `out`, scaled to -1..1; non-finite floats become 0. Here in
/// `dsp`, which is optimised even in debug builds, so decoding a large file
/// (a loader thread's bulk work) stays short there too.
pub fn append_pcm(out: &mut Vec<f32>, bytes: &[u8], format: Pcm) {
    let chunks = bytes.chunks_exact(format.bytes());
    match format {
        Pcm::U8 => out.extend(chunks.map(|b| (b[0] as f32 - 128.0) * (1.0 / 128.0))),
        Pcm::I16 => {
            out.extend(chunks.map(|b| i16::from_le_bytes([b[0], b[1]]) as f32 * (1.0 / 32_768.0)))
        }
        Pcm::I24 => out.extend(chunks.map(|b| {
            (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 * (1.0 / 8_388_608.0)
        })),
        Pcm::I32 => out.extend(chunks.map(|b| {
            i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 * (1.0 / 2_147_483_648.0)
        })),
        Pcm::F32 => out.extend(chunks.map(|b| {
            let v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            if v.is_finite() {
                v
            } else {
                0.0
            }
        })),
    }
}

/// `pos` as its whole frame (`pos.floor()`) and the fraction past it.
/// Baseline x86-64 has no rounding instruction, so `f64::floor` is a call
/// into libm; a truncating conversion and a compare give the same result
/// for every position a buffer can have (`floor` serves the rest).
#[inline]
pub fn split(pos: f64) -> (isize, f32) {
    if pos.abs() < 4.0e18 {
        let i = pos as isize;
        let i = i - ((i as f64) > pos) as isize;
        (i, (pos - i as f64) as f32)
    } else {
        let f = pos.floor();
        (f as isize, (pos - f) as f32)
    }
}

/// 4-point, 3rd-order Hermite interpolation between `x0` and `x1` at `t`.
#[inline]
fn hermite(xm1: f32, x0: f32, x1: f32, x2: f32, t: f32) -> f32 {
    let c1 = 0.5 * (x1 - xm1);
    let c2 = xm1 - 2.5 * x0 + 2.0 * x1 - 0.5 * x2;
    let c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
    ((c3 * t + c2) * t + c1) * t + x0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_interpolate_and_mono_feeds_every_channel() {
        let s = Sample::new(1, 48000.0, vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(s.frames(), 4);
        assert_eq!(s.at(1, 2), 2.0);
        assert_eq!(s.at(0, 4), 0.0);
        assert_eq!(s.read_linear(0, 1.5), 1.5);
        // A straight line is reproduced exactly by the cubic between its ends.
        assert!((s.read_cubic(0, 1.25) - 1.25).abs() < 1e-6);
    }

    #[test]
    fn split_is_floor_and_the_fraction() {
        for pos in [
            -3.5,
            -3.0,
            -0.25,
            -0.0,
            0.0,
            0.75,
            1.0,
            47_999.999,
            2.5e9 + 0.5,
            1e17,
            -1e17,
            5e18,
            -5e18,
        ] {
            let f = f64::floor(pos);
            assert_eq!(split(pos), (f as isize, (pos - f) as f32), "{pos}");
        }
    }

    #[test]
    fn pcm_formats_decode_to_unit_range() {
        let mut out = Vec::new();
        append_pcm(&mut out, &[0, 128, 255], Pcm::U8);
        append_pcm(&mut out, &[0x00, 0x80, 0xff, 0x7f, 0x01], Pcm::I16);
        append_pcm(&mut out, &[0x00, 0x00, 0x80, 0x00, 0x00, 0x40], Pcm::I24);
        append_pcm(&mut out, &0x4000_0000i32.to_le_bytes(), Pcm::I32);
        append_pcm(
            &mut out,
            &[f32::NAN.to_le_bytes(), 0.25f32.to_le_bytes()].concat(),
            Pcm::F32,
        );
        let want = [
            -1.0,
            0.0,
            127.0 / 128.0,
            -1.0,
            32_767.0 / 32_768.0,
            -1.0,
            0.5,
            0.5,
            0.0,
            0.25,
        ];
        assert_eq!(out, want);
    }

    #[test]
    fn resampling_keeps_duration_and_pitch() {
        let sr = 44100.0;
        let f = 1000.0;
        let data: Vec<f32> = (0..44100)
            .map(|i| (std::f64::consts::TAU * f * i as f64 / sr as f64).sin() as f32)
            .collect();
        let s = Sample::new(1, sr, data).resampled(48000.0);
        assert_eq!(s.frames(), 48000);
        // Zero crossings upwards over one second: still 1000 of them.
        let ups = (1..s.frames() as isize)
            .filter(|&i| s.at(0, i - 1) < 0.0 && s.at(0, i) >= 0.0)
            .count();
        assert!((999..=1001).contains(&ups), "{ups} upward crossings");
    }
}
