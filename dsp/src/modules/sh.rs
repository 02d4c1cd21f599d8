//! `sh`: sample and hold: on each rising edge of `trig` (through 0.5) the
//! output takes the value of `in` and holds it until the next edge.

use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{Edge, Knobs};

crate::module_type! {
    name: "sh" | "sample_hold" | "s&h",
    description: "sample & hold: out takes in's value when trig rises through 0.5 \
                  (or on a gate-on event) and holds it",
    inputs: [IN = "in", TRIG = "trig" | "clock"],
    outputs: [OUT = "out"],
    params: [],
    gate: true,
    build: |cx| Box::new(SampleHold::new(cx.sample_rate)),
}

/// `sh` state.
pub struct SampleHold {
    knobs: Knobs<0>,
    edge: Edge,
    held: f32,
    /// A gate-on event waiting for the next sample.
    pending: bool,
}

impl SampleHold {
    /// Holding 0.
    pub fn new(sample_rate: f32) -> Self {
        SampleHold {
            knobs: Knobs::new(SPEC.params, sample_rate),
            edge: Edge::default(),
            held: 0.0,
            pending: false,
        }
    }

    fn gate(&mut self, on: bool) {
        self.pending |= on;
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let x = io.inputs[input::IN];
        let trig = io.inputs[input::TRIG];
        let out = &mut io.outputs[output::OUT];
        for i in 0..io.frames {
            let rose = self.edge.rise(trig[i]);
            if std::mem::take(&mut self.pending) || rose {
                self.held = x[i];
            }
            out[i] = self.held;
        }
    }

    fn clear(&mut self) {
        self.held = 0.0;
        self.edge = Edge::default();
    }

    fn carry(&mut self, o: &Self) {
        self.held = o.held;
        self.edge = o.edge;
        self.pending = o.pending;
    }
}

knob_module!(SampleHold, gate = gate);
