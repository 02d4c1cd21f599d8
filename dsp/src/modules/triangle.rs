//! `triangle`: band-limited triangle from its own mip-mapped wavetables.

use super::wavetable::{TableOsc, PARAMS};
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, PortSpec};
use crate::table::triangle_tables;

/// Metadata of `triangle`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "triangle",
    aliases: &["tri"],
    description: "band-limited triangle oscillator (alias-free wavetables)",
    inputs: &[],
    outputs: &[PortSpec::new("out")],
    params: PARAMS,
    gate: false,
};

/// The `triangle` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(TableOsc::new(&SPEC, triangle_tables(), sr)),
};
