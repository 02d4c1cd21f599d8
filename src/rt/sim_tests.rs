//! Headless tests of the real-time core: the real callback and real worker
//! threads, driven by a simulated JACK cycle instead of a server. The test
//! binary's allocator aborts on any allocation inside `assert_no_alloc`.

use super::callback::Callback;
use super::command::{CallbackCmd, Handover, WorkerCmd};
use super::shared::Shared;
use super::worker::Worker;
use crate::record::Recorder;
use basedrop::{Collector, Owned};
use dsp::{Graph, Module, ModuleSpec, ModuleType, Patch, PortSpec, ProcessIo, Registry, Smoother};
use std::sync::atomic::{AtomicU64, Ordering::*};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SR: f32 = 48000.0;

/// Milliseconds the next `stall` module process call sleeps (one-shot).
static STALL_MS: AtomicU64 = AtomicU64::new(0);

static STALL_SPEC: ModuleSpec = ModuleSpec {
    name: "stall",
    aliases: &[],
    description: "test: sleeps once when STALL_MS is set",
    inputs: &[],
    outputs: &[PortSpec::new("out")],
    params: &[],
    gate: false,
    buffer: false,
};

struct Stall;
impl Module for Stall {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut []
    }
    fn set_param(&mut self, _: usize, _: f32) {}
    fn process(&mut self, io: &mut ProcessIo) {
        let ms = STALL_MS.swap(0, SeqCst);
        if ms > 0 {
            std::thread::sleep(Duration::from_millis(ms));
        }
        io.outputs[0][..io.frames].fill(0.0);
    }
    fn reset(&mut self) {}
    fn carry_from(&mut self, _: &dyn Module) {}
}

/// Microseconds a `slow` module sleeps per 256 frames it renders.
const SLOW_US: u64 = 13_000;

static SLOW_SPEC: ModuleSpec = ModuleSpec {
    name: "slow",
    description: "test: renders slower than real time",
    ..STALL_SPEC
};

/// A sine slower than real time ([`SLOW_US`] per 256 frames): a patch too heavy for the CPU.
struct Slow(f32);
impl Module for Slow {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut []
    }
    fn set_param(&mut self, _: usize, _: f32) {}
    fn process(&mut self, io: &mut ProcessIo) {
        std::thread::sleep(Duration::from_micros(SLOW_US * io.frames as u64 / 256));
        for x in &mut io.outputs[0][..io.frames] {
            self.0 += 440.0 / SR;
            *x = (self.0 * std::f32::consts::TAU).sin() * 0.5;
        }
    }
    fn reset(&mut self) {}
    fn carry_from(&mut self, _: &dyn Module) {}
}

fn registry() -> Registry {
    let mut r = Registry::standard();
    r.register(ModuleType {
        spec: &STALL_SPEC,
        build: |_| Box::new(Stall),
    });
    r.register(ModuleType {
        spec: &SLOW_SPEC,
        build: |_| Box::new(Slow(0.0)),
    });
    r
}

fn patch(lines: &str) -> Patch {
    Patch::parse(&registry(), lines).expect("patch").0
}

struct Sim {
    shared: Arc<Shared>,
    collector: Collector,
    cb: Callback,
    workers: Vec<std::thread::JoinHandle<()>>,
    period: usize,
    out: Vec<Vec<f32>>,
}

impl Sim {
    fn new(lead: u32, period: usize) -> Sim {
        let collector = Collector::new();
        let handle = collector.handle();
        let shared = Arc::new(Shared::new(&handle, 2, lead, period as u32, SR as u32, 480));
        let (_rec, tap) = Recorder::new(2, SR as u32);
        let cb = Callback::new(shared.clone(), Vec::new(), 0, 0, tap);
        let mut workers = Vec::new();
        for slot in 0..2 {
            let w = Worker::new(
                slot,
                shared.clone(),
                crate::rt::pool::Pool::new(0, "sim", None),
            );
            let h = std::thread::spawn(move || w.run());
            shared.slots[slot].set_thread(&handle, h.thread().clone());
            workers.push(h);
        }
        Sim {
            shared,
            collector,
            cb,
            workers,
            period,
            out: vec![Vec::new(), Vec::new()],
        }
    }

    fn graph(&self, p: &Patch) -> Owned<Graph> {
        Owned::new(
            &self.collector.handle(),
            Graph::compile(p, &registry(), SR, 2).expect("compile"),
        )
    }

    fn start(&mut self, p: &Patch) {
        let g = self.graph(p);
        let s = &self.shared.slots[0];
        assert!(s
            .cmds
            .push(WorkerCmd::Start {
                graph: Some(g),
                start: 0,
                version: 0,
            })
            .is_ok());
        s.wake();
        self.wait_lead(0);
    }

    /// Waits until `slot` has rendered its full lead (lockstep mode).
    fn wait_lead(&self, slot: usize) {
        let s = &self.shared.slots[slot];
        let deadline = Instant::now() + Duration::from_secs(10);
        while s.produced.load(Acquire) < s.consumed.load(Acquire) + self.shared.lead_frames()
            || !s.rendering.load(Acquire)
        {
            assert!(
                Instant::now() < deadline,
                "worker {slot} never reached its lead"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// One JACK cycle, under assert_no_alloc.
    fn cycle(&mut self) {
        let n = self.period;
        let mut a = vec![0.0f32; n];
        let mut b = vec![0.0f32; n];
        {
            let mut outs: [&mut [f32]; 2] = [&mut a, &mut b];
            let cb = &mut self.cb;
            assert_no_alloc::assert_no_alloc(|| cb.cycle(n, 0, &mut outs));
        }
        self.out[0].extend_from_slice(&a);
        self.out[1].extend_from_slice(&b);
    }

    fn active(&self) -> usize {
        self.shared.stats.active_slot.load(Acquire) as usize
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        for s in &self.shared.slots {
            let _ = s.cmds.push(WorkerCmd::Quit);
            s.wake();
        }
        for h in self.workers.drain(..) {
            let _ = h.join();
        }
    }
}

fn offline(p: &Patch, frames: usize) -> Vec<f32> {
    dsp::render::render(p, &registry(), &[], SR, 2, frames, 256).expect("render")[0].clone()
}

#[test]
fn steady_playback_equals_offline_render_with_no_drops() {
    let p = patch("create osc1 sine freq=440 gain=0.5\n");
    let mut sim = Sim::new(2, 256);
    sim.start(&p);
    for _ in 0..400 {
        sim.cycle();
        sim.wait_lead(0);
    }
    let want = offline(&p, sim.out[0].len());
    assert_eq!(sim.out[0].len(), 400 * 256);
    for (i, (a, b)) in sim.out[0].iter().zip(&want).enumerate() {
        assert!((a - b).abs() < 1e-6, "sample {i}: {a} vs {b}");
    }
    let s = &sim.shared.slots[0].stats;
    assert_eq!(s.drops.load(Relaxed), 0);
    assert_eq!(sim.shared.stats.underruns.load(Relaxed), 0);
    assert_eq!(
        s.burst_max.load(Relaxed),
        2,
        "initial fill is exactly the lead"
    );
    assert_eq!(sim.shared.slots[0].buffered(), 512);
}

#[test]
fn stall_refills_at_most_lead_and_drops_only_the_late_block() {
    let p = patch("create osc1 sine freq=440 gain=0.5\ncreate st stall\n");
    let lead = 3;
    let mut sim = Sim::new(lead, 256);
    sim.start(&p);
    for _ in 0..20 {
        sim.cycle();
        sim.wait_lead(0);
    }
    let shared = sim.shared.clone();
    let s = &shared.slots[0].stats;
    s.burst_max.store(0, Relaxed);
    STALL_MS.store(50, SeqCst);
    sim.shared.slots[0].wake();
    // Real-time cycles while the worker sleeps: the ring drains, underruns count.
    let t0 = Instant::now();
    let mut k = 0u32;
    while t0.elapsed() < Duration::from_millis(120) {
        sim.cycle();
        k += 1;
        std::thread::sleep(Duration::from_micros(5333));
    }
    assert!(k > 10);
    for _ in 0..50 {
        sim.cycle();
        sim.wait_lead(0);
    }
    assert!(
        sim.shared.stats.underruns.load(Relaxed) > 0,
        "the stall was audible"
    );
    assert!(
        s.late.load(Relaxed) >= 1,
        "the worker noticed it was behind"
    );
    assert!(
        s.burst_max.load(Relaxed) <= lead as u64,
        "catch-up burst {} exceeds lead {lead}",
        s.burst_max.load(Relaxed)
    );
    // The block rendered during the stall came too late to be played: counted, once.
    assert_eq!(s.drops.load(Relaxed), 1);
    assert_eq!(sim.shared.slots[0].buffered(), lead as u64 * 256);
    // After an underrun the output fades to silence, then resumes: no NaN, no jump above the signal.
    assert!(sim.out[0]
        .iter()
        .all(|x| x.is_finite() && x.abs() <= 0.5001));
}

#[test]
fn a_graph_slower_than_real_time_still_lands_blocks() {
    // 13 ms per 256-frame block (5.3 ms): 2.4 periods. Skipping to the
    // present would never land a block; skipping ahead by the load does.
    let p = patch("create s slow\ncreate out output\nconnect s out\n");
    let period = 256;
    let mut sim = Sim::new(6, period);
    sim.start(&p);
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_millis(1500) {
        sim.cycle();
        std::thread::sleep(Duration::from_micros(5333));
    }
    let tail = &sim.out[0][sim.out[0].len() / 2..];
    let played = tail
        .chunks(period)
        .filter(|c| c.iter().any(|x| x.abs() > 0.1))
        .count();
    let s = &sim.shared.slots[0].stats;
    eprintln!(
        "late {} drops {} load_avg {} frames {}",
        s.late.load(Relaxed),
        s.drops.load(Relaxed),
        s.load_avg.load(Relaxed),
        s.frames.load(Relaxed)
    );
    assert!(s.late.load(Relaxed) > 0, "the worker never fell behind");
    assert!(
        played > 0,
        "no block of the slow graph landed in the last 0.75 s"
    );
}

/// Plays `a`, commits `b` (cutting or cross-fading) after 10 cycles, plays
/// on to 100 cycles; returns the simulation (its output in `out`).
fn switch(a: &Patch, b: &Patch, cut: bool) -> Sim {
    let mut sim = Sim::new(2, 256);
    sim.start(a);
    for _ in 0..10 {
        sim.cycle();
        sim.wait_lead(0);
    }
    let g = sim.graph(b);
    assert!(sim.shared.slots[0]
        .cmds
        .push(WorkerCmd::Handover(Handover {
            graph: g,
            to: 1,
            at: None,
            version: 1,
            beat: None,
            cut,
        }))
        .is_ok());
    sim.shared.slots[0].wake();
    let mut switched_at = None;
    for i in 0..100 {
        sim.cycle();
        if sim.active() == 1 && switched_at.is_none() {
            switched_at = Some(i);
        }
        sim.wait_lead(sim.active());
        if switched_at.is_none() {
            // Worker 0 handed over before it reached its lead again: the
            // incoming worker renders its lead before the next cycle (lockstep,
            // however loaded the machine).
            sim.wait_lead(1);
        }
    }
    let at = switched_at.expect("switched to slot 1");
    assert!(
        at <= 2 + 1 + 2,
        "switch took {at} cycles (lead 2 + 1 + fade)"
    );
    assert_eq!(sim.shared.stats.switches.load(Relaxed), 1);
    assert_eq!(sim.shared.stats.underruns.load(Relaxed), 0);
    sim
}

/// The largest difference between `x` and an uninterrupted render of `p`.
fn largest_error(x: &[f32], p: &Patch) -> f32 {
    let want = offline(p, x.len());
    x.iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
}

#[test]
fn handover_keeps_unchanged_oscillator_sample_exact() {
    let a = patch("create osc1 sine freq=440 gain=0.5\n");
    let b = patch("create osc1 sine freq=440 gain=0.5\ncreate osc2 sine freq=660 gain=0\n");
    let sim = switch(&a, &b, false);
    // osc2 is silent (gain 0): the whole output must equal an uninterrupted osc1.
    let e = largest_error(&sim.out[0], &a);
    assert!(e < 1e-5, "differs from uninterrupted playback by {e}");
    // The old slot stopped and retired its graph.
    let deadline = Instant::now() + Duration::from_secs(5);
    while sim.shared.slots[0].rendering.load(Acquire) {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_cut_keeps_moved_delay_and_reverb_memory_sample_exact_where_a_fade_would_dip() {
    let a = patch(
        "create osc1 sine freq=440 gain=0.5\ncreate d delay time=3 feedback=0.9 mix=1\n\
         create rv reverb size=0.9 mix=1\ncreate out output\n\
         connect osc1 d\nconnect d rv\nconnect rv out\n",
    );
    let mut b = a.clone();
    b.create(&registry(), "lfo", "sine", &[]).expect("create");
    assert!(
        a.heard_the_same(&b, &registry()),
        "a module added elsewhere changes nothing heard: the commit cuts"
    );
    let cut = switch(&a, &b, true);
    let e = largest_error(&cut.out[0], &a);
    assert!(e < 1e-5, "the output differs by {e} after a cut");
    // The delay and reverb memory moved to the new graph at the switch: a cross-fade
    // would mix in the old graph's output without it.
    let faded = switch(&a, &b, false);
    let dip = largest_error(&faded.out[0], &a);
    let level = offline(&a, 100 * 256)
        .iter()
        .fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(dip > 0.1 * level, "a cross-fade: {dip} (level {level})");
}

#[test]
fn failover_fades_in_the_other_slot() {
    let a = patch("create osc1 sine freq=440 gain=0.5\n");
    let mut sim = Sim::new(2, 256);
    sim.start(&a);
    let g = sim.graph(&a);
    assert!(sim.shared.slots[1]
        .cmds
        .push(WorkerCmd::Load {
            graph: g,
            version: 0
        })
        .is_ok());
    for _ in 0..10 {
        sim.cycle();
        sim.wait_lead(0);
    }
    // Slot 0's worker quits (as if it died); slot 1 takes over from the present.
    assert!(sim.shared.slots[0].cmds.push(WorkerCmd::Quit).is_ok());
    sim.shared.slots[0].wake();
    while sim.shared.slots[0].alive.load(Acquire) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let start = sim.shared.cycle_frame.load(Acquire);
    assert!(sim.shared.slots[1]
        .cmds
        .push(WorkerCmd::Start {
            graph: None,
            start,
            version: 0
        })
        .is_ok());
    sim.shared.slots[1].wake();
    assert!(sim
        .shared
        .callback_cmds
        .push(CallbackCmd::Failover { to: 1, version: 0 })
        .is_ok());
    let before = sim.out[0].len();
    for _ in 0..20 {
        sim.cycle();
        sim.wait_lead(1);
    }
    assert_eq!(sim.active(), 1);
    assert_eq!(sim.shared.stats.failovers.load(Relaxed), 1);
    // Longest near-silent run after the failure: at most 3 periods.
    let tail = &sim.out[0][before..];
    let mut run = 0;
    let mut longest = 0;
    for x in tail {
        if x.abs() < 1e-4 {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    assert!(longest <= 3 * 256, "gap of {longest} frames");
    assert!(tail[tail.len() - 256..].iter().any(|x| x.abs() > 0.4));
}

#[test]
fn timed_live_change_reaches_the_graph_at_its_frame() {
    let p = patch("create osc1 sine freq=440 gain=0.5\n");
    let mut sim = Sim::new(2, 256);
    sim.start(&p);
    let frame = sim.shared.slots[0].produced.load(Acquire) + 100;
    let ev = dsp::Event {
        offset: 0,
        module: dsp::Name::new("osc1").expect("name"),
        kind: dsp::EventKind::Param {
            index: 1,
            value: 0.0,
        },
    };
    assert!(sim.shared.slots[0]
        .cmds
        .push(WorkerCmd::Event { frame, event: ev })
        .is_ok());
    for _ in 0..40 {
        sim.cycle();
        sim.wait_lead(0);
    }
    let out = &sim.out[0];
    let f = frame as usize;
    assert!(
        out[f - 50..f].iter().any(|x| x.abs() > 0.2),
        "still playing before the event"
    );
    assert!(
        out[out.len() - 256..].iter().all(|x| x.abs() < 1e-3),
        "silent after the gain glide"
    );
}
