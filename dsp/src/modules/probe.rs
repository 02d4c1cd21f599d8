//! The module behind `scope` and `meter`: it copies its input into a
//! [`SignalTap`] and to its output (so it can sit inline), nothing else. What the control thread makes of the
//! samples (a trace, levels) is the [`TapKind`] the type gives; see
//! `src/control/taps.rs`.

use crate::module::{same_type, Module, ProcessIo, Smoother};
use crate::spec::ModuleSpec;
use crate::tap::{SignalTap, TapKind};
use std::sync::Arc;

/// An observer of type `spec`: one input, its copy as the one output, at
/// most one parameter (published
/// to the reader through the tap's setting as a whole number).
pub struct Probe {
    spec: &'static ModuleSpec,
    p: [Smoother; 1],
    tap: Arc<SignalTap>,
}

impl Probe {
    /// An observer of type `spec` (one input, one output, at most one
    /// parameter) whose tap is read as `kind`.
    pub fn new(spec: &'static ModuleSpec, kind: TapKind, sample_rate: f32) -> Self {
        debug_assert!(spec.inputs.len() == 1 && spec.outputs.len() == 1 && spec.params.len() <= 1);
        let default = spec.params.first().map_or(0.0, |p| p.default);
        let probe = Probe {
            spec,
            p: [Smoother::new(default, 0.0, sample_rate)],
            tap: SignalTap::new(kind),
        };
        probe.publish();
        probe
    }

    fn publish(&self) {
        self.tap.set_setting(self.p[0].target.max(0.0) as u32);
    }
}

impl Module for Probe {
    fn params_mut(&mut self) -> &mut [Smoother] {
        let n = self.spec.params.len();
        &mut self.p[..n]
    }

    fn param_changed(&mut self, _index: usize) {
        self.publish();
    }

    fn tap(&self) -> Option<Arc<SignalTap>> {
        Some(self.tap.clone())
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let x = &io.inputs[0][..io.frames];
        self.tap.push(x);
        io.outputs[0][..io.frames].copy_from_slice(x);
    }

    fn reset(&mut self) {}

    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Probe>(old) {
            self.p = o.p;
            self.publish();
        }
    }
}
