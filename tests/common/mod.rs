//! Shared helpers for synth-jack integration tests.
//!
//! * [`JackServer`]: a private `jackd` (dummy backend) per test, with a unique server name, stopped
//!   with SIGTERM on drop (SIGKILL after a timeout), also when the test panics.
//! * [`SynthProcess`]: the `synth-jack` binary run against such a server, stopped on drop.
//! * [`Capture`]: an in-process JACK client that records ports into memory (allocation-free
//!   process callback, lock-free ring buffer).
//! * [`ToneGenerator`]: an in-process JACK client that plays a sine (a known test signal).
//! * [`midi::MidiSender`]: an in-process JACK client that plays MIDI messages at known frames.
//! * Pure analysis functions: [`dominant_frequency`], [`rms`], [`longest_silence`], [`max_step`],
//!   [`first_nonsilent`], [`skip_leading_silence`], [`peak`].
//!
//! In-process clients never rely on `JACK_DEFAULT_SERVER` (the environment is process-global and
//! tests run as parallel threads): they are opened by [`JackServer::client`], which calls
//! libjack's `jack_client_open` with the `JackServerName` option and the server name as its
//! variadic argument (the `jack` crate's own `Client::new` cannot pass a server name). Child
//! processes get `JACK_DEFAULT_SERVER` in their own environment only.
//!
//! ONE SERVER PER TEST PROCESS AT A TIME: libjack (jack2) keeps the graph manager, engine control
//! and semaphore table of "the" server in process-wide globals, re-pointed by every client open,
//! so in-process clients of two live servers would mix up their graphs. [`JackServer`] therefore
//! holds a process-wide lock for its whole life: tests of one test binary that start a server run
//! one after another (tests without a server still run in parallel; separate test processes, e.g.
//! other test binaries or nextest, are fully independent). Starting a second server on a thread
//! that already has one panics instead of deadlocking. Clients, captures and generators borrow the
//! server, so they cannot outlive it.
#![allow(dead_code)]

pub mod engine;
pub mod midi;
pub mod osc;
pub mod transport;

mod analysis;
mod capture;
mod client;
mod process;
mod server;
mod synth;
mod tone;

// Every test binary uses a different part of these; the paths stay `common::Name`.
#[allow(unused_imports)]
pub use analysis::*;
#[allow(unused_imports)]
pub use capture::*;
#[allow(unused_imports)]
pub use client::*;
#[allow(unused_imports)]
pub use process::*;
#[allow(unused_imports)]
pub use server::*;
#[allow(unused_imports)]
pub use synth::*;
#[allow(unused_imports)]
pub use tone::*;

use std::ffi::c_int;
use std::time::Duration;

/// Sample rate used by [`JackServer::start`].
pub const DEFAULT_RATE: u32 = 48_000;
/// Period (frames per cycle) used by [`JackServer::start`].
pub const DEFAULT_PERIOD: u32 = 256;
/// How long a process gets to exit after SIGTERM before it is killed with SIGKILL.
pub const TERM_TIMEOUT: Duration = Duration::from_secs(3);
/// How long [`JackServer::start`] waits for the server to accept clients.
pub const SERVER_START_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time [`SynthProcess::wait_ready`] waits for the synth's ports.
pub const SYNTH_READY_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) const SIGKILL: c_int = 9;
pub(super) const SIGTERM: c_int = 15;
pub(super) const PR_SET_PDEATHSIG: c_int = 1;

extern "C" {
    pub(super) fn kill(pid: c_int, sig: c_int) -> c_int;
    pub(super) fn prctl(option: c_int, ...) -> c_int;
}
