//! `saw`: band-limited rising sawtooth from mip-mapped wavetables.

use super::wavetable::{TableOsc, PARAMS};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, PortSpec};
use crate::table::saw_tables;

/// Metadata of `saw`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "saw",
    aliases: &["sawtooth"],
    description: "band-limited rising sawtooth oscillator (alias-free wavetables)",
    inputs: &[],
    outputs: &[PortSpec::new("out")],
    params: PARAMS,
    gate: false,
};

/// The `saw` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(TableOsc::new(&SPEC, saw_tables(), sr)),
};
