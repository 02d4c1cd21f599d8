//! `compressor`: feed-forward RMS compressor with a soft knee and an
//! optional sidechain.
//!
//! The detector is the mean square of the sidechain (or of `in` when nothing
//! is connected to `sidechain`) over a fixed 5 ms one-pole window. Its level
//! in dB goes through the static curve of [`static_curve`] (Giannoulis,
//! Massberg & Reiss 2012, quadratic knee); the resulting gain change in dB
//! is smoothed with the attack time constant while reduction grows and the
//! release one while it shrinks, then applied with the makeup gain.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::envfollow::{one_pole, Ballistics};
use crate::modules::knobs::{sane, Knobs, Sweep, Mods};
use crate::spec::ParamSpec;

/// Time constant of the RMS detector, in milliseconds.
pub const RMS_MS: f32 = 5.0;

crate::module_type! {
    name: "compressor" | "comp",
    description: "RMS compressor (5 ms detector, soft knee); the detector listens to \
                  sidechain when connected, else to in; gr = gain change in dB (<= 0, \
                  before makeup)",
    inputs: [IN = "in", SIDECHAIN = "sidechain" | "sc" | "key"],
    outputs: [OUT = "out", GR = "gr"],
    params: [
        THRESHOLD = ParamSpec::new("threshold", -60.0, 0.0, -20.0, "dB", 10.0).with_aliases(&["thresh"]),
        RATIO = ParamSpec::new("ratio", 1.0, 20.0, 4.0, ":1", 10.0),
        ATTACK = ParamSpec::new("attack", 0.1, 500.0, 10.0, "ms", 0.0).with_aliases(&["a"]),
        RELEASE = ParamSpec::new("release", 1.0, 5000.0, 100.0, "ms", 0.0).with_aliases(&["r"]),
        KNEE = ParamSpec::new("knee", 0.0, 24.0, 6.0, "dB", 10.0),
        MAKEUP = ParamSpec::new("makeup", 0.0, 40.0, 0.0, "dB", 10.0).with_aliases(&["gain"]),
    ],
    gate: false,
    build: |cx| Box::new(Compressor::new(cx.sample_rate)),
}

/// Output level in dB for input level `x` dB: unity below the knee,
/// `threshold + (x − threshold)/ratio` above it, and a quadratic blend
/// across the `knee` dB around the threshold.
pub fn static_curve(x: f32, threshold: f32, ratio: f32, knee: f32) -> f32 {
    let over = x - threshold;
    let slope = 1.0 / ratio - 1.0;
    if 2.0 * over < -knee {
        x
    } else if knee > 0.0 && 2.0 * over.abs() <= knee {
        let t = over + 0.5 * knee;
        x + slope * t * t / (2.0 * knee)
    } else {
        threshold + over / ratio
    }
}

/// `compressor` state.
pub struct Compressor {
    sr: f32,
    knobs: Knobs<6>,
    /// Detector coefficient.
    rms: f32,
    b: Ballistics,
    /// Mean square of the detector input.
    ms: f32,
    /// Smoothed gain change in dB (≤ 0).
    gr: f32,
    /// Knee floor in dB and as a mean square.
    floor: (f32, f32),
    /// Gain in dB (with makeup) and as a factor.
    gain: (f32, f32),
}

impl Compressor {
    /// A 4:1 compressor at −20 dB.
    pub fn new(sample_rate: f32) -> Self {
        Compressor {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            rms: one_pole(RMS_MS, sample_rate),
            b: Ballistics::default(),
            ms: 0.0,
            gr: 0.0,
            floor: (f32::NAN, 0.0),
            gain: (f32::NAN, 1.0),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[input::IN];
        let key = if io.input_connected[input::SIDECHAIN] {
            io.inputs[input::SIDECHAIN]
        } else {
            x
        };
        let [out, grs] = io.outputs else {
            return;
        };
        for i in 0..io.frames {
            let [t, ratio, a, r, knee, makeup] = self.knobs.tick(&m, i);
            self.ms += self.rms * (key[i] * key[i] - self.ms);
            let ratio = sane(ratio, 1.0, 100.0, 1.0);
            let knee = sane(knee, 0.0, 48.0, 0.0);
            let t = sane(t, -120.0, 0.0, 0.0);
            // Below the knee (mean square under 10^((t − knee/2)/10)) the
            // curve is the identity: no logarithm needed.
            let floor = t - 0.5 * knee;
            if floor != self.floor.0 {
                self.floor = (floor, 10f32.powf(0.1 * floor));
            }
            let target = if self.ms < self.floor.1 || self.ms.is_nan() {
                0.0
            } else {
                let level = 10.0 * self.ms.max(1e-20).log10();
                static_curve(level, t, ratio, knee) - level
            };
            // Reduction growing (target below gr) is the attack.
            self.b.update(a, r, self.sr);
            let c = if target < self.gr {
                self.b.coeff[0]
            } else {
                self.b.coeff[1]
            };
            self.gr += c * (target - self.gr);
            if (self.gr - target).abs() < 1e-6 {
                // Settled: stop the exponential tail (and the powf below).
                self.gr = target;
            }
            let db = self.gr + sane(makeup, -60.0, 60.0, 0.0);
            if db != self.gain.0 {
                self.gain = (db, 10f32.powf(db * 0.05));
            }
            let g = self.gain.1;
            out[i] = x[i] * g;
            grs[i] = self.gr;
        }
    }

    fn clear(&mut self) {
        self.ms = 0.0;
        self.gr = 0.0;
    }

    fn carry(&mut self, o: &Self) {
        self.ms = o.ms;
        self.gr = o.gr;
    }
}

knob_module!(Compressor);
