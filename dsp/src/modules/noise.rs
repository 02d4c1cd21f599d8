//! `noise`: white or pink noise from a cheap xorshift generator.

use super::shared;
use crate::module::{same_type, Module, Params, ProcessIo, Smoother};
use crate::spec::ParamSpec;
use std::sync::atomic::{AtomicU32, Ordering};

crate::module_type! {
    name: "noise",
    description: "noise generator: white (flat) or pink (-3 dB/octave, Paul Kellet's filter)",
    inputs: [],
    outputs: [OUT = "out"],
    params: [
        COLOR = ParamSpec::choice("color", &["white", "pink"], 0).with_aliases(&["colour", "type"]),
        GAIN = shared::GAIN,
    ],
    gate: false,
    build: |cx| Box::new(Noise::new(cx.sample_rate)),
}

/// A 32-bit xorshift generator: three shifts and xors per number.
#[derive(Debug, Clone, Copy)]
pub struct XorShift(u32);

impl XorShift {
    /// A generator with a seed distinct from every other one made in this
    /// process (so two noise sources are not correlated), deterministic for a
    /// given construction order.
    pub fn new_unique() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        // splitmix-style scrambling of the counter; never zero.
        let mut z = n.wrapping_mul(0x9E37_79B9).wrapping_add(0x7F4A_7C15);
        z = (z ^ (z >> 16)).wrapping_mul(0x85EB_CA6B);
        z = (z ^ (z >> 13)).wrapping_mul(0xC2B2_AE35);
        z ^= z >> 16;
        XorShift(if z == 0 { 0x1234_5678 } else { z })
    }

    /// A generator seeded from `seed` (never the zero state).
    pub fn from_seed(seed: u64) -> Self {
        let mut z = (seed ^ (seed >> 32)) as u32;
        z = (z ^ (z >> 16)).wrapping_mul(0x85EB_CA6B);
        z = (z ^ (z >> 13)).wrapping_mul(0xC2B2_AE35);
        z ^= z >> 16;
        XorShift(if z == 0 { 0x1234_5678 } else { z })
    }

    /// Next raw 32-bit value.
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// Next value, uniform in `[-1, 1)`.
    #[inline]
    pub fn next_bipolar(&mut self) -> f32 {
        (self.next_u32() as i32) as f32 * (1.0 / 2_147_483_648.0)
    }
}

/// Number of interleaved xorshift generators in a [`NoiseBlock`].
const LANES: usize = 8;
/// Samples a [`NoiseBlock`] makes at a time.
const CHUNK: usize = 64;

/// White noise in `[-1, 1)` from [`LANES`] xorshift generators run side by
/// side (so the compiler can vectorize them) and interleaved, made
/// [`CHUNK`] samples at a time into a buffer the module reads from. The
/// stream does not depend on how it is read, so block sizes never matter.
#[derive(Debug, Clone, Copy)]
pub struct NoiseBlock {
    lanes: [u32; LANES],
    buf: [f32; CHUNK],
    /// Next sample of `buf` to hand out (`CHUNK`: refill first).
    pos: usize,
}

impl NoiseBlock {
    /// Lanes seeded from hashed outputs of `rng` (never zero). The hash
    /// matters: raw successive outputs would make each lane the previous one
    /// delayed by a sample.
    fn from_rng(mut rng: XorShift) -> Self {
        NoiseBlock {
            lanes: std::array::from_fn(|_| {
                let mut z = rng.next_u32();
                z = (z ^ (z >> 16)).wrapping_mul(0x85EB_CA6B);
                z = (z ^ (z >> 13)).wrapping_mul(0xC2B2_AE35);
                z ^= z >> 16;
                if z == 0 {
                    0x1234_5678
                } else {
                    z
                }
            }),
            buf: [0.0; CHUNK],
            pos: CHUNK,
        }
    }

    /// Makes the next [`CHUNK`] samples.
    #[inline]
    fn refill(&mut self) {
        // Times 1 is exact: the samples `make` writes straight out for any gain.
        make(&mut self.lanes, &mut self.buf, 1.0);
        self.pos = 0;
    }

    /// The next sample.
    #[inline]
    fn next(&mut self) -> f32 {
        if self.pos == CHUNK {
            self.refill();
        }
        let w = self.buf[self.pos];
        self.pos += 1;
        w
    }

    /// Writes the next `out.len()` samples times `g` to `out`.
    #[inline]
    fn fill_scaled(&mut self, out: &mut [f32], g: f32) {
        let mut i = 0;
        while i < out.len() {
            if self.pos == CHUNK {
                if let Some(whole) = out[i..].first_chunk_mut::<CHUNK>() {
                    // A whole chunk goes straight to `out`, not through `buf`.
                    make(&mut self.lanes, whole, g);
                    i += CHUNK;
                    continue;
                }
                self.refill();
            }
            let k = (out.len() - i).min(CHUNK - self.pos);
            for (o, w) in out[i..i + k]
                .iter_mut()
                .zip(&self.buf[self.pos..self.pos + k])
            {
                *o = g * *w;
            }
            i += k;
            self.pos += k;
        }
    }
}

/// Advances `lanes` by [`CHUNK`] / [`LANES`] steps, writing their samples
/// times `g` to `out`, interleaved.
#[inline]
fn make(lanes: &mut [u32; LANES], out: &mut [f32; CHUNK], g: f32) {
    let mut l = *lanes;
    for chunk in out.chunks_exact_mut(LANES) {
        for (x, o) in l.iter_mut().zip(chunk) {
            *x ^= *x << 13;
            *x ^= *x >> 17;
            *x ^= *x << 5;
            // 23 random mantissa bits: a float in [2, 4), moved to [-1, 1).
            *o = g * (f32::from_bits(0x4000_0000 | (*x >> 9)) - 3.0);
        }
    }
    *lanes = l;
}

/// Noise generator state.
pub struct Noise {
    rng: NoiseBlock,
    p: Params<{ param::COUNT }>,
    /// Paul Kellet's pink filter state ("refined" version, seven terms).
    pink: [f32; 7],
}

impl Noise {
    /// Noise at the parameter defaults, with a fresh seed.
    pub fn new(sample_rate: f32) -> Self {
        Noise {
            rng: NoiseBlock::from_rng(XorShift::new_unique()),
            p: Params::new(SPEC.params, sample_rate),
            pink: [0.0; 7],
        }
    }
}

impl Module for Noise {
    fn seed(&mut self, seed: u64) {
        self.rng = NoiseBlock::from_rng(XorShift::from_seed(seed));
    }

    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let gm = io.modulation_of(param::GAIN);
        let out = &mut io.outputs[output::OUT];
        let pink = self.p.index(param::COLOR) == 1;
        let gain = &mut self.p[param::GAIN];
        if !pink && !gain.is_moving() && gm.is_none() {
            self.rng.fill_scaled(&mut out[..io.frames], gain.current);
            return;
        }
        for i in 0..io.frames {
            let g = gain.next() + gm.map_or(0.0, |m| m[i]);
            let w = self.rng.next();
            let v = if pink {
                let b = &mut self.pink;
                b[0] = 0.99886 * b[0] + w * 0.055_517_9;
                b[1] = 0.99332 * b[1] + w * 0.075_075_9;
                b[2] = 0.96900 * b[2] + w * 0.153_852;
                b[3] = 0.86650 * b[3] + w * 0.310_485_6;
                b[4] = 0.55000 * b[4] + w * 0.532_952_2;
                b[5] = -0.7616 * b[5] - w * 0.016_898;
                let p = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362;
                b[6] = w * 0.115_926;
                // RMS about 0.45 at gain 1 (white: 0.58), peaks near 2.
                p * 0.25
            } else {
                w
            };
            out[i] = g * v;
        }
    }

    fn reset(&mut self) {
        self.pink = [0.0; 7];
    }

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Noise>(old) {
            self.rng = o.rng;
            self.pink = o.pink;
            self.p.carry_from(&o.p);
        }
    }
}
