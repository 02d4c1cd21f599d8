//! `vca`: voltage-controlled amplifier, `out = in·gain·cv` (`cv` when connected).

use super::shared;
use crate::module::{same_type, Module, Params, ProcessIo, Smoother};

crate::module_type! {
    name: "vca" | "amp",
    description: "amplifier: out = in*gain, times cv when cv is connected",
    inputs: [IN = "in", CV = "cv"],
    outputs: [OUT = "out"],
    params: [GAIN = shared::LEVEL.with_aliases(&["amp", "level"])],
    gate: false,
    build: |cx| Box::new(Vca::new(cx.sample_rate)),
}

/// Amplifier state (only the smoothed gain).
pub struct Vca {
    p: Params<{ param::COUNT }>,
}

impl Vca {
    /// A VCA at the parameter defaults.
    pub fn new(sample_rate: f32) -> Self {
        Vca {
            p: Params::new(SPEC.params, sample_rate),
        }
    }
}

impl Module for Vca {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p.0
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let gm = io.modulation_of(param::GAIN);
        let x = &io.inputs[input::IN][..n];
        let cv = io.input_connected[input::CV].then(|| &io.inputs[input::CV][..n]);
        let out = &mut io.outputs[output::OUT][..n];
        let gain = &mut self.p[param::GAIN];
        if !gain.is_moving() && gm.is_none() {
            let g = gain.current;
            match cv {
                // Unity gain (the default): x·1 is x, one product fewer.
                Some(cv) if g == 1.0 => {
                    for ((o, x), c) in out.iter_mut().zip(x).zip(cv) {
                        *o = x * c;
                    }
                }
                Some(cv) => {
                    for ((o, x), c) in out.iter_mut().zip(x).zip(cv) {
                        *o = x * g * c;
                    }
                }
                None => {
                    for (o, x) in out.iter_mut().zip(x) {
                        *o = x * g;
                    }
                }
            }
            return;
        }
        for i in 0..n {
            let g = gain.next() + gm.map_or(0.0, |m| m[i]);
            out[i] = x[i] * g * cv.map_or(1.0, |c| c[i]);
        }
    }

    fn reset(&mut self) {}

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Vca>(old) {
            self.p.carry_from(&o.p);
        }
    }
}
