//! `eq`: three-band equaliser: low shelf, mid bell, high shelf, each a
//! trapezoidal SVF with Simper's shelving/bell output mixes, so gains and
//! frequencies can move (or be modulated) without zipper blow-ups.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Knobs, Sweep, Mods};
use crate::modules::svf::{SvfCoeffs, SvfState};
use crate::spec::ParamSpec;
use crate::table::tan_pi;

crate::module_type! {
    name: "eq" | "eq3" | "equalizer",
    description: "3-band EQ: low shelf (low dB below low_freq), mid bell (mid dB at \
                  mid_freq, width mid_q), high shelf (high dB above high_freq)",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        LOW = ParamSpec::new("low", -24.0, 24.0, 0.0, "dB", 10.0),
        LOW_FREQ = ParamSpec::new("low_freq", 20.0, 2000.0, 200.0, "Hz", 10.0),
        MID = ParamSpec::new("mid", -24.0, 24.0, 0.0, "dB", 10.0),
        MID_FREQ = ParamSpec::new("mid_freq", 100.0, 10000.0, 1000.0, "Hz", 10.0),
        MID_Q = ParamSpec::new("mid_q", 0.1, 10.0, 0.707, "", 10.0),
        HIGH = ParamSpec::new("high", -24.0, 24.0, 0.0, "dB", 10.0),
        HIGH_FREQ = ParamSpec::new("high_freq", 500.0, 20000.0, 4000.0, "Hz", 10.0),
    ],
    gate: false,
    build: |cx| Box::new(Eq::new(cx.sample_rate)),
}

/// One band: SVF coefficients and the mix `m0·in + m1·bp + m2·lp`.
#[derive(Debug, Clone, Copy, Default)]
struct Band {
    c: SvfCoeffs,
    m: [f32; 3],
}

/// Shelf damping (Butterworth q).
const SHELF_K: f32 = std::f32::consts::SQRT_2;

impl Band {
    /// `A = 10^(dB/40)` and `g = tan(π·f/sr)`.
    fn amp_g(db: f32, f: f32, sr: f32) -> (f32, f32) {
        let a = 10f32.powf(sane(db, -48.0, 48.0, 0.0) / 40.0);
        (a, tan_pi(sane(f, 10.0, 0.49 * sr, 1000.0) / sr))
    }

    fn low_shelf(db: f32, f: f32, sr: f32) -> Band {
        let (a, g) = Self::amp_g(db, f, sr);
        Band {
            c: SvfCoeffs::from_gk(g / a.sqrt(), SHELF_K),
            m: [1.0, SHELF_K * (a - 1.0), a * a - 1.0],
        }
    }

    fn bell(db: f32, f: f32, q: f32, sr: f32) -> Band {
        let (a, g) = Self::amp_g(db, f, sr);
        let k = 1.0 / (sane(q, 0.05, 100.0, 0.707) * a);
        Band {
            c: SvfCoeffs::from_gk(g, k),
            m: [1.0, k * (a * a - 1.0), 0.0],
        }
    }

    fn high_shelf(db: f32, f: f32, sr: f32) -> Band {
        let (a, g) = Self::amp_g(db, f, sr);
        Band {
            c: SvfCoeffs::from_gk(g * a.sqrt(), SHELF_K),
            m: [a * a, SHELF_K * (1.0 - a) * a, 1.0 - a * a],
        }
    }

    #[inline(always)]
    fn tick(&self, z: &mut SvfState, x: f32) -> f32 {
        let (v1, v2) = z.tick(&self.c, x);
        self.m[0] * x + self.m[1] * v1 + self.m[2] * v2
    }
}

/// `eq` state.
pub struct Eq {
    knobs: Knobs<7>,
    f: Bands,
}

/// The three bands and their memory.
struct Bands {
    sr: f32,
    /// Parameters the bands were computed for (NaN: stale).
    last: [f32; 7],
    bands: [Band; 3],
    z: [SvfState; 3],
}

impl Bands {
    /// Recomputes the bands whose parameters changed.
    fn coeffs(&mut self, p: [f32; 7]) {
        let sr = self.sr;
        if p[..2] != self.last[..2] {
            self.bands[0] = Band::low_shelf(p[0], p[1], sr);
        }
        if p[2..5] != self.last[2..5] {
            self.bands[1] = Band::bell(p[2], p[3], p[4], sr);
        }
        if p[5..] != self.last[5..] {
            self.bands[2] = Band::high_shelf(p[5], p[6], sr);
        }
        self.last = p;
    }

    /// One sample through the three bands in turn.
    #[inline(always)]
    fn tick(&mut self, x: f32) -> f32 {
        let mut y = x;
        for (b, z) in self.bands.iter().zip(&mut self.z) {
            y = b.tick(z, y);
        }
        y
    }
}

impl Eq {
    /// A flat EQ.
    pub fn new(sample_rate: f32) -> Self {
        Eq {
            knobs: Knobs::new(SPEC.params, sample_rate),
            f: Bands {
                sr: sample_rate,
                last: [f32::NAN; 7],
                bands: [Band::default(); 3],
                z: [SvfState::default(); 3],
            },
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[input::IN];
        let out = &mut io.outputs[output::OUT];
        let derive = Bands::coeffs;
        let frame = |f: &mut Bands, i: usize| out[i] = f.tick(x[i]);
        self.knobs.each_derived(&m, io.frames, &mut self.f, derive, frame);
    }

    fn clear(&mut self) {
        self.f.z = [SvfState::default(); 3];
    }

    fn carry(&mut self, o: &Self) {
        self.f.z = o.f.z;
    }
}

knob_module!(Eq);
