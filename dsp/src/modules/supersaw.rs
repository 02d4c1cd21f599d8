//! `supersaw`: seven band-limited sawtooths (the shared mip-mapped saw
//! tables, so nothing aliases) spread around `freq`, after Roland's
//! JP-8000: a centre saw and six detuned ones mixed in by `mix`.

use super::shared;
use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Knobs, Mods, Sweep};
use crate::spec::ParamSpec;
use crate::table::{phase_inc, phase_of, read_cycle_fixed, saw_tables, BandTables, WaveCycle};

crate::module_type! {
    name: "supersaw" | "super_saw",
    description: "seven detuned band-limited saws: the centre one at freq, the others spread \
                  up to ±detune cents and mixed in at mix; peaks at about gain",
    inputs: [],
    outputs: [OUT = "out"],
    params: [
        FREQ = shared::FREQ,
        DETUNE = ParamSpec::new("detune", 0.0, 100.0, 25.0, "cents", 5.0).with_aliases(&["spread"]),
        MIX = ParamSpec::new("mix", 0.0, 1.0, 0.6, "", 5.0),
        GAIN = shared::GAIN,
    ],
    gate: false,
    build: |cx| Box::new(Supersaw::new(cx.sample_rate)),
}

/// Number of saws.
pub const VOICES: usize = 7;
/// Index of the centre saw in [`SPREAD`].
pub const CENTRE: usize = 3;

/// Offset of each saw from `freq`, in units of `detune` cents: the outer
/// pair sits at ±detune, the inner pairs unevenly between (the JP-8000's
/// spacing, measured by Adam Szabo), so the beating never lines up.
pub const SPREAD: [f32; VOICES] = [-1.0, -0.5715, -0.1775, 0.0, 0.1810, 0.5650, 0.9766];

/// `supersaw` state: one fixed-point phase per saw.
pub struct Supersaw {
    inv_sr: f64,
    knobs: Knobs<{ param::COUNT }>,
    phases: [u64; VOICES],
    tables: &'static BandTables,
}

/// Starting phases: spread by the golden ratio so the saws do not start in step.
fn start_phases() -> [u64; VOICES] {
    std::array::from_fn(|k| phase_of((k as f32 * 0.618_034).fract()))
}

impl Supersaw {
    /// Seven saws at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        crate::table::init();
        Supersaw {
            inv_sr: 1.0 / sample_rate as f64,
            knobs: Knobs::new(SPEC.params, sample_rate),
            phases: start_phases(),
            tables: saw_tables(),
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let out = &mut io.outputs[output::OUT];
        let (n, inv_sr, tables) = (io.frames, self.inv_sr, self.tables);
        let prep = |[f, detune, mix, gain]: [f32; 4]| {
            let f = if f.is_nan() { 0.0 } else { f as f64 };
            let detune = sane(detune, 0.0, 100.0, 0.0) as f64;
            let mix = sane(mix, 0.0, 1.0, 0.0);
            let mut voice: [(u64, &'static WaveCycle, f32); VOICES] =
                [(0, tables.band_at(0), 0.0); VOICES];
            // Each saw gets its own band, so the highest one stays alias-free.
            let norm = gain / (1.0 + 6.0 * mix);
            for (k, v) in voice.iter_mut().enumerate() {
                let c = (f * (SPREAD[k] as f64 * detune / 1200.0).exp2() * inv_sr).clamp(-0.5, 0.5);
                let level = if k == CENTRE { norm } else { norm * mix };
                *v = (phase_inc(c), tables.band(c), level);
            }
            voice
        };
        self.knobs.each_with(&m, n, prep, |i, voice| {
            let mut acc = 0.0;
            for (ph, (inc, band, level)) in self.phases.iter_mut().zip(voice) {
                acc += level * read_cycle_fixed(band, *ph);
                *ph = ph.wrapping_add(inc);
            }
            out[i] = acc;
        });
    }

    fn clear(&mut self) {
        self.phases = start_phases();
    }

    fn carry(&mut self, o: &Self) {
        self.phases = o.phases;
    }
}

knob_module!(Supersaw);
