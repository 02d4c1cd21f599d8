//! Helpers shared by the per-type accuracy tests: build one module at its
//! defaults, drive it with buffers, and measure levels.

#![allow(dead_code)] // each test binary uses its own subset

use dsp::module::Block;
use dsp::{Module, ProcessIo, Registry, MAX_BLOCK};

/// Builds a module of `kind` at its spec defaults, then sets `params` (clamped).
pub fn module(kind: &str, sr: f32, params: &[(&str, f32)]) -> Box<dyn Module> {
    let reg = Registry::standard();
    let t = reg.find(kind).unwrap();
    let mut m = (t.build)(sr);
    for (i, p) in t.spec.params.iter().enumerate() {
        m.set_param_now(i, p.default);
    }
    for (name, v) in params {
        set(&mut *m, name, *v);
    }
    m
}

/// Sets parameter `name` of `m` at once (clamped to its range).
pub fn set(m: &mut dyn Module, name: &str, v: f32) {
    let spec = m.spec();
    let i = spec
        .param_index(name)
        .unwrap_or_else(|| panic!("{} has no parameter {name}", spec.name));
    m.set_param_now(i, spec.params[i].clamp(v).0);
}

/// Drives `m` for `frames` frames in calls of `block`: `inputs[k]` feeds
/// input k (None: unconnected), `mods` is (parameter index, buffer).
/// Returns every output.
pub fn drive(
    m: &mut dyn Module,
    frames: usize,
    block: usize,
    inputs: &[Option<&[f32]>],
    mods: &[(usize, &[f32])],
) -> Vec<Vec<f32>> {
    let spec = m.spec();
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
        m.process(&mut io);
        for (k, o) in out.iter_mut().enumerate() {
            o[pos..pos + n].copy_from_slice(&ob[k][..n]);
        }
        pos += n;
    }
    out
}

/// Runs `m` on one input signal (the others unconnected), 64-frame calls.
pub fn run1(m: &mut dyn Module, x: &[f32]) -> Vec<Vec<f32>> {
    drive(m, x.len(), 64, &[Some(x)], &[])
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
    let y = run1(&mut *m, &x);
    db(rms(&y[out][24_000..]) / rms(&x[24_000..]))
}
