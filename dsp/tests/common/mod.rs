//! Helpers shared by the module tests: building and rendering graphs,
//! driving one module directly, and signal analysis (pitch, spectra, levels).

#![allow(dead_code)] // each test binary uses its own subset

use dsp::module::Block;
use dsp::{
    Event, EventKind, Graph, Module, ModuleSpec, Name, ParamArg, Patch, ProcessIo, Registry,
    MAX_BLOCK,
};

// assert_no_alloc checks in debug builds (CI runs the tests in debug); its
// default `disable_release` feature turns it into a no-op in release.
#[cfg(debug_assertions)]
#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// The standard registry with sample buffers `samples` loaded (by name).
pub fn registry_with(samples: Vec<(&'static str, dsp::Sample)>) -> Registry {
    // Tests never collect: buffers freed here simply stay allocated.
    let handle = Box::leak(Box::new(basedrop::Collector::new())).handle();
    let loaded: Vec<(&str, dsp::SampleRef)> = samples
        .into_iter()
        .map(|(n, s)| (n, basedrop::Shared::new(&handle, s)))
        .collect();
    let mut reg = Registry::standard();
    reg.set_samples(std::sync::Arc::new(move |name: &str| {
        loaded
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.clone())
    }));
    reg
}

/// The standard registry with one stereo buffer, `test` (a quarter second
/// at 48 kHz: a 440 Hz sine left, a 660 Hz one right), for the types that
/// read a buffer (the conformance harness names it).
pub fn registry() -> Registry {
    let sr = 48_000.0;
    let (l, r) = (
        sine_wave(440.0, 0.8, sr, 12_000),
        sine_wave(660.0, 0.5, sr, 12_000),
    );
    let data = l.iter().zip(&r).flat_map(|(a, b)| [*a, *b]).collect();
    registry_with(vec![("test", dsp::Sample::new(2, sr as f32, data))])
}

/// A module declaration for [`graph`]: id, type, parameters.
pub type Decl<'a> = (&'a str, &'a str, &'a [(&'a str, f32)]);

/// Compiles a patch of `mods` and `conns` (`"a.out" -> "b.in"`).
pub fn graph(sr: f32, channels: usize, mods: &[Decl], conns: &[(&str, &str)]) -> Graph {
    let reg = Registry::standard();
    let mut p = Patch::new();
    for (id, kind, params) in mods {
        let params: Vec<(String, ParamArg)> = params
            .iter()
            .map(|(n, v)| (n.to_string(), ParamArg::Number(*v)))
            .collect();
        p.create(&reg, id, kind, &params).unwrap();
    }
    for (a, b) in conns {
        p.connect(&reg, a, b).unwrap();
    }
    Graph::compile(&p, &reg, sr, channels).unwrap()
}

/// Renders `frames` frames of channel 0 in calls of `block` frames.
pub fn render(g: &mut Graph, frames: usize, block: usize) -> Vec<f32> {
    render_ch(g, frames, block, &[]).remove(0)
}

/// Renders every channel in calls of `block` frames; `events` carry
/// absolute frame offsets and are delivered to the call containing them.
pub fn render_ch(g: &mut Graph, frames: usize, block: usize, events: &[Event]) -> Vec<Vec<f32>> {
    let ch = g.channels();
    let mut out = vec![vec![0.0f32; frames]; ch];
    let mut pos = 0;
    let mut local = Vec::new();
    while pos < frames {
        let n = block.min(frames - pos);
        local.clear();
        for e in events {
            let at = e.offset as usize;
            if at >= pos && at < pos + n {
                let mut e = *e;
                e.offset = (at - pos) as u32;
                local.push(e);
            }
        }
        let mut bufs: Vec<&mut [f32]> = out.iter_mut().map(|c| &mut c[pos..pos + n]).collect();
        g.process(&mut bufs, &local);
        pos += n;
    }
    out
}

/// Renders one oscillator of `kind` at `freq`.
pub fn osc(kind: &str, freq: f32, sr: f32, frames: usize) -> Vec<f32> {
    let mut g = graph(sr, 1, &[("o", kind, &[("freq", freq), ("gain", 1.0)])], &[]);
    render(&mut g, frames, 512)
}

/// A module outside any graph, with its type's spec.
pub struct Unit {
    pub spec: &'static ModuleSpec,
    pub m: Box<dyn Module>,
}

/// Builds a module directly (its constructor sets the spec defaults), then `params`.
pub fn module(kind: &str, sr: f32, params: &[(&str, f32)]) -> Unit {
    let reg = Registry::standard();
    let t = reg.find(kind).unwrap();
    let mut m = t.instantiate(sr);
    for (name, v) in params {
        let i = t.spec.param_index(name).unwrap();
        m.set_param_now(i, t.spec.params[i].clamp(*v).0);
    }
    Unit { spec: t.spec, m }
}

/// Drives a module directly: `inputs[k]` feeds input k (None: unconnected),
/// `mods` is (param index, buffer). Returns every output, `frames` long.
pub fn drive(
    u: &mut Unit,
    frames: usize,
    block: usize,
    inputs: &[Option<&[f32]>],
    mods: &[(usize, &[f32])],
) -> Vec<Vec<f32>> {
    let (spec, m) = (u.spec, &mut u.m);
    let ni = spec.inputs.len();
    let no = spec.outputs.len();
    let np = spec.params.len();
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
            time: &dsp::time::Time::new(48000.0, 120.0, 4.0),
        };
        m.process(&mut io);
        for (k, o) in out.iter_mut().enumerate() {
            o[pos..pos + n].copy_from_slice(&ob[k][..n]);
        }
        pos += n;
    }
    out
}

pub fn sine_wave(freq: f64, amp: f64, sr: f64, frames: usize) -> Vec<f32> {
    (0..frames)
        .map(|i| (amp * (std::f64::consts::TAU * freq * i as f64 / sr).sin()) as f32)
        .collect()
}

pub fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / x.len() as f64).sqrt()
}

pub fn db(x: f64) -> f64 {
    20.0 * x.max(1e-30).log10()
}

/// Frequency from upward zero crossings, linearly interpolated.
pub fn zero_cross_freq(x: &[f32], sr: f64) -> f64 {
    let mut first = None;
    let mut last = 0.0;
    let mut count = 0usize;
    for i in 1..x.len() {
        let (a, b) = (x[i - 1] as f64, x[i] as f64);
        if a < 0.0 && b >= 0.0 {
            let t = (i - 1) as f64 + a / (a - b);
            if first.is_none() {
                first = Some(t);
            } else {
                count += 1;
            }
            last = t;
        }
    }
    let first = first.expect("no zero crossing");
    assert!(count >= 10, "too few cycles ({count})");
    count as f64 * sr / (last - first)
}

/// The one FFT the workspace's tests share.
pub use support::signal::fft;

/// Blackman-Harris-windowed power spectrum (bins 0..=n/2) of `x[..n]`.
pub fn spectrum(x: &[f32], n: usize) -> Vec<f64> {
    let (a0, a1, a2, a3) = (0.35875, 0.48829, 0.14128, 0.01168);
    let mut re: Vec<f64> = (0..n)
        .map(|i| {
            let t = std::f64::consts::TAU * i as f64 / n as f64;
            let w = a0 - a1 * t.cos() + a2 * (2.0 * t).cos() - a3 * (3.0 * t).cos();
            x[i] as f64 * w
        })
        .collect();
    let mut im = vec![0.0; n];
    fft(&mut re, &mut im);
    (0..=n / 2).map(|k| re[k] * re[k] + im[k] * im[k]).collect()
}

/// Level in dB, relative to the fundamental, of the strongest spectral
/// component that is not a harmonic of `f0` (nor within the window's main
/// lobe of one).
pub fn worst_alias_db(x: &[f32], f0: f64, sr: f64) -> f64 {
    let n = 1 << 16;
    let p = spectrum(x, n);
    let bin = sr / n as f64;
    let guard = 8.0; // Blackman-Harris main lobe is ±4 bins
    let fund = (((f0 / bin) - guard) as usize..=((f0 / bin) + guard) as usize)
        .map(|k| p[k])
        .fold(0.0, f64::max);
    let mut worst = 0.0f64;
    for (k, &v) in p.iter().enumerate() {
        let f = k as f64 * bin;
        let h = (f / f0).round();
        if h >= 1.0 && (f - h * f0).abs() <= guard * bin {
            continue;
        }
        worst = worst.max(v);
    }
    10.0 * (worst / fund).log10()
}

pub fn ev(offset: u32, module: &str, kind: EventKind) -> Event {
    Event {
        offset,
        module: Name::new(module).unwrap(),
        kind,
    }
}
