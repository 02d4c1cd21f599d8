//! Shared machinery of the phase-accumulating oscillators (`sine`, `saw`,
//! `square`, `triangle`): a 64-bit fixed-point phase and the frequency and
//! gain parameters.

use crate::module::{ProcessIo, Smoother, MAX_BLOCK};
use crate::table::{phase_inc, BandTables, WaveCycle};

/// Zeros standing in for absent modulation.
pub(crate) static ZERO: [f32; MAX_BLOCK] = [0.0; MAX_BLOCK];

/// Phase and the two common parameters of an oscillator.
#[derive(Clone, Copy)]
pub struct OscCore {
    /// `1 / sample_rate`, in f64 so phase increments are exact.
    inv_sr: f64,
    /// Phase, `2^64` = one cycle: wraps for free, never drifts.
    pub phase: u64,
    /// Frequency in Hz.
    pub freq: Smoother,
    /// Output gain.
    pub gain: Smoother,
}

impl OscCore {
    /// A core at 440 Hz, gain 0.5, phase 0.
    pub fn new(sample_rate: f32, freq_ms: f32, gain_ms: f32) -> Self {
        OscCore {
            inv_sr: 1.0 / sample_rate as f64,
            phase: 0,
            freq: Smoother::new(440.0, freq_ms, sample_rate),
            gain: Smoother::new(0.5, gain_ms, sample_rate),
        }
    }

    /// Copies phase and glide positions from `old`.
    pub fn carry_from(&mut self, old: &OscCore) {
        self.phase = old.phase;
        self.freq.carry_from(&old.freq);
        self.gain.carry_from(&old.gain);
    }

    /// Phase increment and band-limited cycle for `f` Hz (clamped to Nyquist).
    #[inline]
    fn step_for(&self, f: f32, tables: &'static BandTables) -> (u64, &'static WaveCycle) {
        let mut c = (f as f64 * self.inv_sr).clamp(-0.5, 0.5);
        if c.is_nan() {
            c = 0.0;
        }
        (phase_inc(c), tables.band(c))
    }

    /// Runs `io.frames` samples into output 0: gain times `wave(cycle,
    /// phase, extra)`, where `cycle` is the band of `tables` for the current
    /// frequency and `extra` the per-sample value of an optional third
    /// parameter (its smoother and parameter index). Parameters 0 and 1 are
    /// frequency and gain.
    #[inline]
    pub fn run(
        &mut self,
        io: &mut ProcessIo,
        tables: &'static BandTables,
        extra: Option<(&mut Smoother, usize)>,
        wave: impl Fn(&WaveCycle, u64, f32) -> f32,
    ) {
        let n = io.frames;
        let fm = io.modulation_of(0);
        let gm = io.modulation_of(1);
        let mut ex = [0.0f32; MAX_BLOCK];
        if let Some((s, idx)) = extra {
            let em = io.modulation_of(idx).unwrap_or(&ZERO[..n]);
            for (e, m) in ex[..n].iter_mut().zip(em) {
                *e = s.next() + m;
            }
        }
        let out = &mut io.outputs[0][..n];
        // Gain first, then multiplied by the waveform: the same product,
        // sample for sample, whichever path runs.
        match gm {
            None if !self.gain.is_moving() => out.fill(self.gain.current),
            _ => {
                let gm = gm.unwrap_or(&ZERO[..n]);
                for (o, m) in out.iter_mut().zip(gm) {
                    *o = self.gain.next() + m;
                }
            }
        }
        let mut p = self.phase;
        if fm.is_none() && !self.freq.is_moving() {
            let (inc, band) = self.step_for(self.freq.current, tables);
            for (o, e) in out.iter_mut().zip(&ex[..n]) {
                *o *= wave(band, p, *e);
                p = p.wrapping_add(inc);
            }
        } else {
            let fm = fm.unwrap_or(&ZERO[..n]);
            let mut last = f32::NAN;
            let (mut inc, mut band) = (0u64, tables.band_at(0));
            for i in 0..n {
                let f = self.freq.next() + fm[i];
                if f != last {
                    last = f;
                    (inc, band) = self.step_for(f, tables);
                }
                out[i] *= wave(band, p, ex[i]);
                p = p.wrapping_add(inc);
            }
        }
        self.phase = p;
    }
}
