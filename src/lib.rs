//! synth-jack: a real-time modular synthesizer for JACK, driven over OSC.
//!
//! Data flows one way: OSC thread → control (builds graphs, allocates) →
//! workers (render, `rt/`) → rings → process callback (`rt/`) → JACK.

#![warn(missing_docs)]

// Unit tests abort on any allocation inside `assert_no_alloc`.
#[cfg(all(test, debug_assertions))]
#[global_allocator]
static ALLOC: rt::alloc::RtAlloc = rt::alloc::RtAlloc;

pub mod app;
pub mod cli;
pub mod control;
pub mod engine;
#[cfg(feature = "fault-injection")]
pub mod fault;
pub mod files;
pub mod graph_dot;
pub mod jack_log;
pub mod latency;
pub mod live;
pub mod nsm;
pub mod osc;
pub mod oscquery;
pub mod plugin;
pub mod ports;
pub mod record;
pub mod render_cmd;
pub mod rescue;
pub mod rt;
pub mod sched;
pub mod signals;
pub mod status;

/// The module types this build offers: the dsp crate's, every installed LV2
/// plugin as `lv2:URI`, plus `fault` with the `fault-injection` feature.
pub fn registry() -> dsp::Registry {
    #[allow(unused_mut)]
    let mut r = dsp::Registry::standard();
    r.set_dynamic(
        plugin::module::resolve,
        plugin::module::build_module,
        plugin::midi::plays_notes,
    );
    #[cfg(feature = "fault-injection")]
    r.register(fault::TYPE);
    r
}
