//! Shared machinery of the phase-accumulating oscillators (`sine`, `saw`,
//! `square`, `triangle`): a 64-bit fixed-point phase, driven by the shared
//! frequency and gain parameters ([`shared::FREQ`](super::shared::FREQ),
//! [`shared::GAIN`](super::shared::GAIN)).

use crate::module::{ProcessIo, Smoother, MAX_BLOCK};
use crate::table::{phase_inc, BandTables, WaveCycle};

/// Zeros standing in for absent modulation.
pub(crate) static ZERO: [f32; MAX_BLOCK] = [0.0; MAX_BLOCK];

/// Where an oscillator's parameters sit in its declaration: the shared
/// frequency and gain, and an optional third one its waveform reads per
/// sample (a pulse width).
#[derive(Clone, Copy)]
pub struct OscParams {
    /// Index of the frequency parameter.
    pub freq: usize,
    /// Index of the gain parameter.
    pub gain: usize,
    /// Index of a per-sample waveform parameter, if any.
    pub extra: Option<usize>,
}

/// The phase of an oscillator.
#[derive(Clone, Copy)]
pub struct OscCore {
    /// `1 / sample_rate`, in f64 so phase increments are exact.
    inv_sr: f64,
    /// Phase, `2^64` = one cycle: wraps for free, never drifts.
    pub phase: u64,
}

impl OscCore {
    /// A core at phase 0.
    pub fn new(sample_rate: f32) -> Self {
        OscCore {
            inv_sr: 1.0 / sample_rate as f64,
            phase: 0,
        }
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
    /// frequency and `extra` the per-sample value of `ix.extra` (0 without).
    /// `p` are the module's parameters, `ix` says which are which.
    #[inline]
    pub fn run(
        &mut self,
        io: &mut ProcessIo,
        p: &mut [Smoother],
        ix: OscParams,
        tables: &'static BandTables,
        wave: impl Fn(&WaveCycle, u64, f32) -> f32,
    ) {
        let n = io.frames;
        let fm = io.modulation_of(ix.freq);
        let gm = io.modulation_of(ix.gain);
        // The extra parameter per sample (zeros, not written, without one).
        let mut ex_buf;
        let ex: &[f32] = match ix.extra {
            Some(idx) => {
                ex_buf = [0.0f32; MAX_BLOCK];
                let s = &mut p[idx];
                let em = io.modulation_of(idx).unwrap_or(&ZERO[..n]);
                for (e, m) in ex_buf[..n].iter_mut().zip(em) {
                    *e = s.next() + m;
                }
                &ex_buf[..n]
            }
            None => &ZERO[..n],
        };
        let (mut freq, mut gain) = (p[ix.freq], p[ix.gain]);
        let out = &mut io.outputs[0][..n];
        // Gain times the waveform: the same product, sample for sample,
        // whichever path runs (a steady gain is not written out first).
        let steady = match gm {
            None if !gain.is_moving() => Some(gain.current),
            _ => {
                let gm = gm.unwrap_or(&ZERO[..n]);
                for (o, m) in out.iter_mut().zip(gm) {
                    *o = gain.next() + m;
                }
                None
            }
        };
        let mut ph = self.phase;
        if fm.is_none() && !freq.is_moving() {
            let (inc, band) = self.step_for(freq.current, tables);
            if let Some(g) = steady {
                for (o, e) in out.iter_mut().zip(ex) {
                    *o = g * wave(band, ph, *e);
                    ph = ph.wrapping_add(inc);
                }
            } else {
                for (o, e) in out.iter_mut().zip(ex) {
                    *o *= wave(band, ph, *e);
                    ph = ph.wrapping_add(inc);
                }
            }
        } else {
            if let Some(g) = steady {
                out.fill(g);
            }
            let fm = fm.unwrap_or(&ZERO[..n]);
            let mut last = f32::NAN;
            let (mut inc, mut band) = (0u64, tables.band_at(0));
            for i in 0..n {
                let f = freq.next() + fm[i];
                if f != last {
                    last = f;
                    (inc, band) = self.step_for(f, tables);
                }
                out[i] *= wave(band, ph, ex[i]);
                ph = ph.wrapping_add(inc);
            }
        }
        self.phase = ph;
        p[ix.freq] = freq;
        p[ix.gain] = gain;
    }
}
