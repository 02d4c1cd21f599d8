//! OSC patch editing against a running synth-jack: `/patch/create`, `/patch/connect`,
//! `/patch/disconnect`, `/patch/delete`, `/patch/set`, `/patch/commit`, `/patch/abort`,
//! `/patch/clear`, `/patch/dump`; cycles and capacity. Every happy path checks the reply and
//! what the capture hears; every refusal checks the `/fail` reason names what is at fault and
//! that nothing changed (neither the pending patch nor the sound).
//!
//! The tests are grouped by concern in the files beside this one.

#[path = "../common/mod.rs"]
mod common;
#[path = "../osc_support/mod.rs"]
mod osc_support;

mod commit;
mod edit;
