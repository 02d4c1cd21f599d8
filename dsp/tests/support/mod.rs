//! Helpers shared by the per-type accuracy tests: build one module at its
//! defaults, drive it with buffers, and measure levels.

#![allow(dead_code)] // each test binary uses its own subset

use dsp::module::Block;
use dsp::{Module, ModuleSpec, ProcessIo, Registry, MAX_BLOCK};

/// A module outside any graph, with its type's spec.
pub struct Unit {
    /// The type's metadata.
    pub spec: &'static ModuleSpec,
    /// The module.
    pub m: Box<dyn Module>,
}

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

/// Builds a module of `kind` (at its spec defaults), then sets `params`.
pub fn module(kind: &str, sr: f32, params: &[(&str, f32)]) -> Unit {
    let t = Registry::standard().find(kind).copied().unwrap();
    let mut u = Unit {
        spec: t.spec,
        m: t.instantiate(sr),
    };
    for (name, v) in params {
        set(&mut u, name, *v);
    }
    u
}

/// Sets parameter `name` of `u` at once (clamped to its range).
pub fn set(u: &mut Unit, name: &str, v: f32) {
    let spec = u.spec;
    let i = spec
        .param_index(name)
        .unwrap_or_else(|| panic!("{} has no parameter {name}", spec.name));
    u.m.set_param_now(i, spec.params[i].clamp(v).0);
}

/// Drives `m` for `frames` frames in calls of `block`: `inputs[k]` feeds
/// input k (None: unconnected), `mods` is (parameter index, buffer).
/// Returns every output.
pub fn drive(
    u: &mut Unit,
    frames: usize,
    block: usize,
    inputs: &[Option<&[f32]>],
    mods: &[(usize, &[f32])],
) -> Vec<Vec<f32>> {
    let spec = u.spec;
    let (ni, no, np) = (spec.inputs.len(), spec.outputs.len(), spec.params.len());
    let mut ib: Vec<Block> = vec![[0.0; MAX_BLOCK]; ni];
    let mut ob: Vec<Block> = vec![[0.0; MAX_BLOCK]; no];
    let mut mb: Vec<Block> = vec![[0.0; MAX_BLOCK]; np];
    let connected: Vec<bool> = (0..ni)
        .map(|k| inputs.get(k).is_some_and(|x| x.is_some()))
        .collect();
    let mut modulated = vec![false; np];
    for (p, _) in mods {
        modulated[*p] = true;
    }
    let mut out = vec![vec![0.0f32; frames]; no];
    let mut pos = 0;
    while pos < frames {
        let n = block.min(frames - pos).min(MAX_BLOCK);
        for (k, b) in ib.iter_mut().enumerate() {
            if let Some(Some(x)) = inputs.get(k) {
                b[..n].copy_from_slice(&x[pos..pos + n]);
            }
        }
        for (p, buf) in mods {
            mb[*p][..n].copy_from_slice(&buf[pos..pos + n]);
        }
        let refs: Vec<&Block> = ib.iter().collect();
        let mut io = ProcessIo {
            frames: n,
            inputs: &refs,
            input_connected: &connected,
            outputs: &mut ob,
            modulation: &mb,
            modulated: &modulated,
        };
        u.m.process(&mut io);
        for (k, o) in out.iter_mut().enumerate() {
            o[pos..pos + n].copy_from_slice(&ob[k][..n]);
        }
        pos += n;
    }
    out
}

/// Runs `m` on one input signal (the others unconnected), 64-frame calls.
pub fn run1(u: &mut Unit, x: &[f32]) -> Vec<Vec<f32>> {
    drive(u, x.len(), 64, &[Some(x)], &[])
}

/// A sine of `freq` Hz and amplitude `amp`.
pub fn sine_wave(freq: f64, amp: f64, sr: f64, frames: usize) -> Vec<f32> {
    (0..frames)
        .map(|i| (amp * (std::f64::consts::TAU * freq * i as f64 / sr).sin()) as f32)
        .collect()
}

/// Root mean square.
pub fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / x.len() as f64).sqrt()
}

/// Peak absolute value.
pub fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// Amplitude ratio in dB.
pub fn db(x: f64) -> f64 {
    20.0 * x.max(1e-30).log10()
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
