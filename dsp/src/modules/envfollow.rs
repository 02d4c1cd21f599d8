//! `envfollow`: envelope follower: a one-pole smoother of `|in|` (peak) or
//! of `in²` (rms, square-rooted), rising with the attack time constant and
//! falling with the release one.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Knobs, Sweep, Mods};
use crate::spec::ParamSpec;

crate::module_type! {
    name: "envfollow" | "follower" | "envelope_follower",
    description: "envelope follower: out = level of in (peak: |in|, rms: sqrt of mean in^2), \
                  smoothed with attack and release time constants",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        ATTACK = ParamSpec::new("attack", 0.01, 5000.0, 5.0, "ms", 0.0).with_aliases(&["a"]),
        RELEASE = ParamSpec::new("release", 0.01, 5000.0, 100.0, "ms", 0.0).with_aliases(&["r"]),
        MODE = ParamSpec::choice("mode", &["peak", "rms"], 0),
    ],
    gate: false,
    build: |cx| Box::new(EnvFollow::new(cx.sample_rate)),
}

/// One-pole coefficient `1 − e^(−1/(ms·sr/1000))` for a time constant of `ms`.
#[inline]
pub fn one_pole(ms: f32, sr: f32) -> f32 {
    let n = sane(ms, 0.0, 1e7, 0.0) * 0.001 * sr;
    if n <= 0.0 {
        1.0
    } else {
        1.0 - (-1.0 / n).exp()
    }
}

/// Attack/release coefficients cached for the last times they were computed for.
#[derive(Debug, Clone, Copy)]
pub struct Ballistics {
    last: [f32; 2],
    /// Attack and release one-pole coefficients.
    pub coeff: [f32; 2],
}

impl Default for Ballistics {
    fn default() -> Self {
        Ballistics {
            last: [f32::NAN; 2],
            coeff: [1.0; 2],
        }
    }
}

impl Ballistics {
    /// Coefficients for `attack` and `release` ms at `sr`.
    #[inline]
    pub fn update(&mut self, attack: f32, release: f32, sr: f32) {
        if [attack, release] != self.last {
            self.last = [attack, release];
            self.coeff = [one_pole(attack, sr), one_pole(release, sr)];
        }
    }

    /// `state` moved towards `x`, with attack when rising, else release.
    #[inline]
    pub fn follow(&self, state: f32, x: f32) -> f32 {
        let c = if x > state {
            self.coeff[0]
        } else {
            self.coeff[1]
        };
        state + c * (x - state)
    }
}

/// `envfollow` state.
pub struct EnvFollow {
    sr: f32,
    knobs: Knobs<3>,
    b: Ballistics,
    /// Smoothed |in| (peak) or in² (rms).
    level: f32,
}

impl EnvFollow {
    /// A peak follower, 5 ms attack, 100 ms release.
    pub fn new(sample_rate: f32) -> Self {
        EnvFollow {
            sr: sample_rate,
            knobs: Knobs::new(SPEC.params, sample_rate),
            b: Ballistics::default(),
            level: 0.0,
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[input::IN];
        let out = &mut io.outputs[output::OUT];
        for i in 0..io.frames {
            let [a, r, mode] = self.knobs.tick(&m, i);
            self.b.update(a, r, self.sr);
            if mode >= 0.5 {
                self.level = self.b.follow(self.level, x[i] * x[i]);
                out[i] = self.level.max(0.0).sqrt();
            } else {
                self.level = self.b.follow(self.level, x[i].abs());
                out[i] = self.level;
            }
        }
    }

    fn clear(&mut self) {
        self.level = 0.0;
    }

    fn carry(&mut self, o: &Self) {
        self.level = o.level;
    }
}

knob_module!(EnvFollow);
