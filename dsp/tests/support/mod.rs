//! Additions to `common` for the per-type accuracy tests of the filter,
//! control and effect modules: calling a driven module's methods directly,
//! setting a parameter by name, one-input runs and steady-state gains.

#![allow(dead_code)] // each test binary uses its own subset

use crate::common::{db, drive, module, rms, sine_wave, Unit};
use dsp::Module;

impl std::ops::Deref for Unit {
    type Target = dyn Module;
    fn deref(&self) -> &(dyn Module + 'static) {
        &*self.m
    }
}

impl std::ops::DerefMut for Unit {
    fn deref_mut(&mut self) -> &mut (dyn Module + 'static) {
        &mut *self.m
    }
}

/// Sets parameter `name` of `u` at once (clamped to its range).
pub fn set(u: &mut Unit, name: &str, v: f32) {
    let spec = u.spec;
    let i = spec
        .param_index(name)
        .unwrap_or_else(|| panic!("{} has no parameter {name}", spec.name));
    u.m.set_param_now(i, spec.params[i].clamp(v).0);
}

/// Runs `u` on one input signal (the others unconnected), 64-frame calls.
pub fn run1(u: &mut Unit, x: &[f32]) -> Vec<Vec<f32>> {
    drive(u, x.len(), 64, &[Some(x)], &[])
}

/// Peak absolute value.
pub fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// Steady-state gain in dB of output `out` of `kind` (with `params`) for a
/// sine at `f` Hz: RMS of the last half of one second, over the input's.
pub fn gain_db(kind: &str, params: &[(&str, f32)], out: usize, f: f64) -> f64 {
    let sr = 48_000.0;
    let x = sine_wave(f, 0.5, sr, 48_000);
    let mut m = module(kind, sr as f32, params);
    let y = run1(&mut m, &x);
    db(rms(&y[out][24_000..]) / rms(&x[24_000..]))
}
