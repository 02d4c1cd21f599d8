//! The real-time side. Code in this module runs on JACK's process thread or
//! on the worker threads: it never allocates, locks a mutex, does I/O or logs
//! on its render path (debug builds abort on any allocation there).

pub mod alloc;
pub mod callback;
pub mod command;
mod death;
pub mod guard;
pub mod midi;
pub mod pool;
pub mod record_tap;
pub mod ring;
pub mod shared;
pub mod telemetry;
pub mod timed;
pub mod transport;
pub mod worker;

#[cfg(test)]
mod sim_tests;
