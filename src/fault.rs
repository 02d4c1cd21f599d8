//! `fault`: a module that stalls or panics its worker on demand, or makes
//! control lose the worker's next handover event, so tests and benchmarks can
//! reproduce the prior engine's failures. Only built with the
//! `fault-injection` feature.

use crate::rt::command::EngineEvent;
use dsp::{Module, ParamSpec, ProcessIo, Smoother};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::Relaxed};

/// Which handover event control loses next: 0 none, 1 `Switched`, 2 `Stopped`.
static LOSE: AtomicU8 = AtomicU8::new(0);

/// Armed by a live change of `hang`: the next reconnect hangs while closing
/// the dead client, as a libjack deadlock would.
static HANG: AtomicBool = AtomicBool::new(false);

/// Blocks the calling thread for good when `hang` was armed (called where a
/// reconnect closes the dead client, under the close watchdog).
pub fn hang_if_armed() {
    if HANG.swap(false, Relaxed) {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
}

/// True when control must drop `event` as if it never arrived (armed once by
/// a live change of a `fault` module's `lose`).
pub fn lose(event: &EngineEvent) -> bool {
    let kind = match event {
        EngineEvent::Switched {
            failover: false, ..
        } => 1,
        EngineEvent::Stopped { .. } => 2,
        _ => return false,
    };
    LOSE.compare_exchange(kind, 0, Relaxed, Relaxed).is_ok()
}

dsp::module_type! {
    name: "fault",
    description: "test only: a live change of stall_ms stalls the worker once; panic=1 panics it; \
                  load=N makes every block take N times its duration (a patch too heavy for the CPU); \
                  lose=1 (2) makes control lose the next switch (stop) event; \
                  hang=1 makes the next reconnect hang like a libjack deadlock",
    inputs: [IN = "in"],
    outputs: [OUT = "out"],
    params: [
        STALL_MS = ParamSpec::new("stall_ms", 0.0, 10000.0, 0.0, "ms", 0.0),
        PANIC = ParamSpec::new("panic", 0.0, 1.0, 0.0, "", 0.0),
        LOAD = ParamSpec::new("load", 0.0, 100.0, 0.0, "x", 0.0),
        LOSE_EVENT = ParamSpec::new("lose", 0.0, 2.0, 0.0, "", 0.0),
        HANG = ParamSpec::new("hang", 0.0, 1.0, 0.0, "", 0.0),
    ],
    gate: false,
    build: |cx| Box::new(Fault { sample_rate: cx.sample_rate, ..Fault::default() }),
}

/// Passes its input through; misbehaves when a live change arms it.
#[derive(Default)]
pub struct Fault {
    stall_ms: f32,
    panic: bool,
    /// Real time each block takes, in multiples of its duration.
    load: f32,
    sample_rate: f32,
}

impl Module for Fault {
    /// No smoothed values: live changes arm it (see `set_param`).
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut []
    }

    fn set_param(&mut self, index: usize, value: f32) {
        match index {
            param::STALL_MS => self.stall_ms = value,
            param::PANIC => self.panic = value >= 0.5,
            param::LOAD => self.load = value,
            param::LOSE_EVENT => LOSE.store(value.round() as u8, Relaxed),
            param::HANG => HANG.store(value >= 0.5, Relaxed),
            _ => {}
        }
    }

    /// Initial values never arm a stall or a panic, so a rebuilt standby does
    /// not misbehave; `load` is what the patch costs, so it holds from the start.
    fn set_param_now(&mut self, index: usize, value: f32) {
        if index == param::LOAD {
            self.load = value;
        }
    }

    fn process(&mut self, io: &mut ProcessIo) {
        if self.stall_ms > 0.0 {
            let ms = std::mem::take(&mut self.stall_ms);
            std::thread::sleep(std::time::Duration::from_secs_f32(ms / 1000.0));
        }
        if self.load > 0.0 {
            let block = io.frames as f32 / self.sample_rate.max(1.0);
            std::thread::sleep(std::time::Duration::from_secs_f32(block * self.load));
        }
        if std::mem::take(&mut self.panic) {
            // A real panic, formatted message and all: the engine's allocator lets a
            // panicking thread allocate, so debug builds fail over like release builds.
            panic!("fault module: injected panic after {} frames", io.frames);
        }
        let n = io.frames;
        let x = io.inputs[input::IN];
        io.outputs[output::OUT][..n].copy_from_slice(&x[..n]);
    }

    fn reset(&mut self) {}

    fn carry_from(&mut self, _old: &dyn Module) {}
}
