//! OSC live control and queries against a running synth-jack: `/mod`, `/gate`, `/sync`,
//! `/notify`, `/status`, `/modules`, unknown addresses and malformed packets. Happy paths check
//! the reply (or its absence: `/mod` and `/gate` are answered only on failure) and the sound;
//! refusals check the `/fail` reason and that the sound did not change.
//!
//! The tests are grouped by concern in the files beside this one.

#[path = "../common/mod.rs"]
mod common;
#[path = "../osc_support/mod.rs"]
mod osc_support;

mod live;
mod query;
