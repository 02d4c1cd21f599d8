//! Pure analysis functions on captured samples: levels, silences, steps, frequencies. They live
//! in the `support` crate, shared with dsp's tests and the benchmarks.

pub use support::signal::*;
