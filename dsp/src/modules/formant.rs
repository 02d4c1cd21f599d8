//! `formant`: three parallel band-passes tuned to the formants of a vowel,
//! morphing continuously through a–e–i–o–u.
//!
//! Formant frequencies, levels and bandwidths are the classic bass-voice
//! table (Csound manual, "Formant values"); morphing interpolates them
//! linearly between neighbouring vowels.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Knobs, Sweep, Mods};
use crate::modules::svf::{SvfCoeffs, SvfState};
use crate::spec::ParamSpec;

crate::module_type! {
    name: "formant" | "vowel",
    description: "vowel filter: three band-passes at the formants of a bass voice; vowel \
                  0=a 1=e 2=i 3=o 4=u, fractions morph between neighbours",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        VOWEL = ParamSpec::new("vowel", 0.0, 4.0, 0.0, "", 20.0).with_aliases(&["morph"]),
        SHIFT = ParamSpec::new("shift", -24.0, 24.0, 0.0, "semitones", 20.0),
        Q = ParamSpec::new("q", 0.25, 4.0, 1.0, "x", 10.0).with_aliases(&["resonance", "res"]),
    ],
    gate: false,
    build: |cx| Box::new(Formant::new(cx.sample_rate)),
}

/// Per vowel: (frequency Hz, linear level, bandwidth Hz) of three formants.
pub const VOWELS: [[(f32, f32, f32); 3]; 5] = [
    [
        (600.0, 1.0, 60.0),
        (1040.0, 0.446_7, 70.0),
        (2250.0, 0.354_8, 110.0),
    ],
    [
        (400.0, 1.0, 40.0),
        (1620.0, 0.251_2, 80.0),
        (2400.0, 0.354_8, 100.0),
    ],
    [
        (250.0, 1.0, 60.0),
        (1750.0, 0.031_6, 90.0),
        (2600.0, 0.158_5, 100.0),
    ],
    [
        (400.0, 1.0, 40.0),
        (750.0, 0.281_8, 80.0),
        (2400.0, 0.089_1, 100.0),
    ],
    [
        (350.0, 1.0, 40.0),
        (600.0, 0.1, 80.0),
        (2400.0, 0.025_1, 100.0),
    ],
];

/// `formant` state.
pub struct Formant {
    knobs: Knobs<3>,
    f: Formants,
}

/// The three band-passes, their levels and memory.
struct Formants {
    sr: f32,
    /// Parameters the coefficients were computed for (NaN: stale).
    last: [f32; 3],
    c: [SvfCoeffs; 3],
    level: [f32; 3],
    z: [SvfState; 3],
}

impl Formants {
    /// Recomputes the bands when a parameter changed.
    fn coeffs(&mut self, p: [f32; 3]) {
        if p == self.last {
            return;
        }
        self.last = p;
        let v = sane(p[0], 0.0, 4.0, 0.0);
        let i = (v as usize).min(3);
        let t = v - i as f32;
        let ratio = (sane(p[1], -48.0, 48.0, 0.0) * (std::f32::consts::LN_2 / 12.0)).exp();
        let qs = sane(p[2], 0.05, 10.0, 1.0);
        let bands = VOWELS[i].iter().zip(&VOWELS[i + 1]);
        for ((level, c), (&(fa, la, ba), &(fb, lb, bb))) in
            self.level.iter_mut().zip(&mut self.c).zip(bands)
        {
            let f = (fa + (fb - fa) * t) * ratio;
            let bw = ba + (bb - ba) * t;
            *level = la + (lb - la) * t;
            // Shifting scales the bandwidth too: q stays that of the table.
            *c = SvfCoeffs::new(f, qs * f / bw.max(1.0) / ratio, self.sr);
        }
    }

    /// One sample through the three band-passes, summed at their levels.
    #[inline(always)]
    fn tick(&mut self, x: f32) -> f32 {
        let mut y = 0.0;
        for k in 0..3 {
            let (v1, _) = self.z[k].tick(&self.c[k], x);
            y += self.level[k] * self.c[k].k * v1;
        }
        y
    }
}

impl Formant {
    /// An `a` filter.
    pub fn new(sample_rate: f32) -> Self {
        Formant {
            knobs: Knobs::new(SPEC.params, sample_rate),
            f: Formants {
                sr: sample_rate,
                last: [f32::NAN; 3],
                c: [SvfCoeffs::default(); 3],
                level: [0.0; 3],
                z: [SvfState::default(); 3],
            },
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let x = io.inputs[input::IN];
        let out = &mut io.outputs[output::OUT];
        let derive = Formants::coeffs;
        let frame = |f: &mut Formants, i: usize| out[i] = f.tick(x[i]);
        self.knobs.each_derived(&m, io.frames, &mut self.f, derive, frame);
    }

    fn clear(&mut self) {
        self.f.z = [SvfState::default(); 3];
    }

    fn carry(&mut self, o: &Self) {
        self.f.z = o.f.z;
    }
}

knob_module!(Formant);
