//! Dev-only helpers shared by the integration tests (`tests/`), the DSP
//! crate's tests (`dsp/tests/`) and the benchmarks (`benches/`), so each is
//! written once: [`signal`] measures captured or rendered audio, [`osc`]
//! builds and reads OSC messages. No JACK here, so `dsp` stays free of it.

pub mod osc;
pub mod signal;
