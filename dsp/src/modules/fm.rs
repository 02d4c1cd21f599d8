//! `fm`: one FM operator, a sine whose phase is pushed by its `pm` input
//! (scaled by `index`) and by its own last output (`feedback`), as in the
//! DX7. Chain two for classic 2-operator FM: the modulator's `out` into the
//! carrier's `pm`, its `ratio` setting the partials (see
//! `examples/fm-bell.patch`).

use super::shared;
use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Knobs, Mods, Sweep};
use crate::spec::ParamSpec;
use crate::table::{floor_f32, phase_inc, phase_of, sin_fixed_in, sin_table_ref};

crate::module_type! {
    name: "fm" | "operator",
    description: "FM operator: out = gain*sin(2π·phase + index*pm + feedback*(last two outputs)/2), \
                  the phase running at freq*ratio Hz; pm is in radians per unit of index; \
                  feedback up to 1 turns the sine towards a saw, above 1 it grows noisy",
    inputs: [PM = "pm" | "in" | "mod"],
    outputs: [OUT = "out"],
    params: [
        FREQ = shared::FREQ,
        RATIO = ParamSpec::new("ratio", 0.0, 32.0, 1.0, "", 5.0).with_aliases(&["mult"]),
        INDEX = ParamSpec::new("index", 0.0, 32.0, 1.0, "rad", 5.0).with_aliases(&["depth"]),
        FEEDBACK = ParamSpec::new("feedback", 0.0, 4.0, 0.0, "rad", 5.0).with_aliases(&["fb"]),
        GAIN = shared::GAIN,
    ],
    gate: false,
    build: |cx| Box::new(Fm::new(cx.sample_rate)),
}

/// `fm` state: a 64-bit fixed-point phase and the last two outputs (before
/// `gain`) for the feedback path.
pub struct Fm {
    inv_sr: f64,
    knobs: Knobs<{ param::COUNT }>,
    phase: u64,
    y1: f32,
    y2: f32,
}

impl Fm {
    /// An operator at the parameter defaults, phase 0.
    pub fn new(sample_rate: f32) -> Self {
        crate::table::init();
        Fm {
            inv_sr: 1.0 / sample_rate as f64,
            knobs: Knobs::new(SPEC.params, sample_rate),
            phase: 0,
            y1: 0.0,
            y2: 0.0,
        }
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let pm = io.inputs[input::PM];
        let out = &mut io.outputs[output::OUT];
        let (n, inv_sr, table) = (io.frames, self.inv_sr, sin_table_ref());
        let prep = |[f, ratio, index, fb, gain]: [f32; 5]| {
            let c = f as f64 * ratio as f64 * inv_sr;
            let c = if c.is_nan() { 0.0 } else { c.clamp(-0.5, 0.5) };
            let to_cycles = 1.0 / std::f32::consts::TAU;
            (
                phase_inc(c),
                sane(index, -32.0, 32.0, 0.0) * to_cycles,
                sane(fb, -4.0, 4.0, 0.0) * 0.5 * to_cycles,
                gain,
            )
        };
        self.knobs
            .each_with(&m, n, prep, |i, (inc, index, fb, gain)| {
                // Phase offset in cycles; only its fraction matters.
                let off = index * pm[i] + fb * (self.y1 + self.y2);
                let off = if off.is_finite() { off - floor_f32(off) } else { 0.0 };
                let y = sin_fixed_in(table, self.phase.wrapping_add(phase_of(off)));
                self.y2 = self.y1;
                self.y1 = y;
                self.phase = self.phase.wrapping_add(inc);
                out[i] = gain * y;
            });
    }

    fn clear(&mut self) {
        self.phase = 0;
        self.y1 = 0.0;
        self.y2 = 0.0;
    }

    fn carry(&mut self, o: &Self) {
        self.phase = o.phase;
        self.y1 = o.y1;
        self.y2 = o.y2;
    }
}

knob_module!(Fm);
