//! The compiled graph: routing, audio-rate modulation, sample-exact events,
//! state carry-over, the NaN guard, compile errors, and no allocation while
//! processing.
//!
//! The tests are grouped by concern in the files beside this one.

mod carry;
mod errors;
mod events;
mod no_alloc;
mod parallel;
mod routing;

use assert_no_alloc::assert_no_alloc;
use dsp::module::{same_type, Module, ProcessIo, Smoother};
use dsp::patch::{Connection, ModuleDecl};
use dsp::registry::ModuleType;
use dsp::render::render_graph;
use dsp::spec::{ModuleSpec, ParamSpec, PortSpec};
use dsp::{Event, EventKind, Graph, Name, ParamArg, Patch, PatchError, Registry};
use std::sync::atomic::{AtomicUsize, Ordering};

// `disable_release` (assert_no_alloc's default) removes the checker in release.
#[cfg(debug_assertions)]
#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

const SR: f32 = 48000.0;

// ---------------------------------------------------------------------------
// Test-only module types.

/// Counts `NanBomb::reset` calls.
static BOMB_RESETS: AtomicUsize = AtomicUsize::new(0);

static BOMB_SPEC: ModuleSpec = ModuleSpec {
    name: "nanbomb",
    aliases: &[],
    description: "test: mode 0 outputs 0.25, 1 NaN, 2 infinity, 3 f32::MAX",
    inputs: &[],
    outputs: &[PortSpec::new("out")],
    params: &[ParamSpec::new("mode", 0.0, 3.0, 0.0, "", 0.0)],
    gate: false,
};

struct NanBomb {
    mode: f32,
}

impl Module for NanBomb {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut []
    }
    fn set_param(&mut self, _index: usize, value: f32) {
        self.mode = value;
    }
    fn process(&mut self, io: &mut ProcessIo) {
        let v = match self.mode as u32 {
            0 => 0.25,
            1 => f32::NAN,
            2 => f32::INFINITY,
            _ => f32::MAX,
        };
        // Poison one sample only: the guard must still catch it.
        io.outputs[0][..io.frames].fill(0.25);
        io.outputs[0][io.frames / 2] = v;
    }
    fn reset(&mut self) {
        BOMB_RESETS.fetch_add(1, Ordering::SeqCst);
    }
    fn carry_from(&mut self, _old: &dyn Module) {}
}

static PROBE_SPEC: ModuleSpec = ModuleSpec {
    name: "probe",
    aliases: &[],
    description: "test: out = gate (0/1) + in; ftz = 1 while denormals flush to zero",
    inputs: &[PortSpec::new("in")],
    outputs: &[PortSpec::new("out"), PortSpec::new("ftz")],
    params: &[],
    gate: true,
};

struct Probe {
    gate: bool,
}

impl Module for Probe {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut []
    }
    fn set_param(&mut self, _index: usize, _value: f32) {}
    fn set_gate(&mut self, on: bool) {
        self.gate = on;
    }
    fn process(&mut self, io: &mut ProcessIo) {
        let tiny = std::hint::black_box(1e-30f32) * std::hint::black_box(1e-10f32);
        let ftz = if tiny == 0.0 { 1.0 } else { 0.0 };
        let g = if self.gate { 1.0 } else { 0.0 };
        for i in 0..io.frames {
            io.outputs[0][i] = g + io.inputs[0][i];
            io.outputs[1][i] = ftz;
        }
    }
    fn reset(&mut self) {}
    fn carry_from(&mut self, old: &dyn Module) {
        if let Some(o) = same_type::<Probe>(old) {
            self.gate = o.gate;
        }
    }
}

fn test_registry() -> Registry {
    let mut r = Registry::standard();
    r.register(ModuleType {
        spec: &BOMB_SPEC,
        build: |_| Box::new(NanBomb { mode: 0.0 }),
    });
    r.register(ModuleType {
        spec: &PROBE_SPEC,
        build: |_| Box::new(Probe { gate: false }),
    });
    r
}

// ---------------------------------------------------------------------------
// Helpers.

fn parse(reg: &Registry, text: &str) -> Patch {
    let (p, w) = Patch::parse(reg, text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(w.is_empty(), "{w:?}");
    p
}

fn compile(reg: &Registry, p: &Patch, channels: usize) -> Graph {
    Graph::compile(p, reg, SR, channels).unwrap()
}

fn ev(offset: u32, module: &str, kind: EventKind) -> Event {
    Event {
        offset,
        module: Name::new(module).unwrap(),
        kind,
    }
}

/// Amplitude of the `freq` Hz component of `x` (exact for whole cycles).
fn amplitude(x: &[f32], freq: f64) -> f64 {
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for (n, &s) in x.iter().enumerate() {
        let w = std::f64::consts::TAU * freq * n as f64 / SR as f64;
        re += s as f64 * w.cos();
        im -= s as f64 * w.sin();
    }
    2.0 * (re * re + im * im).sqrt() / x.len() as f64
}

fn render(reg: &Registry, text: &str, channels: usize, frames: usize) -> Vec<Vec<f32>> {
    let mut g = compile(reg, &parse(reg, text), channels);
    render_graph(&mut g, &[], frames, 64)
}
