//! `triangle`: band-limited triangle from its own mip-mapped wavetables.

use super::wavetable::TableOsc;
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use crate::table::triangle_tables;

/// Metadata of `triangle`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "triangle",
    aliases: &["tri"],
    description: "band-limited triangle oscillator (alias-free wavetables)",
    inputs: &[],
    outputs: &[PortSpec::new("out")],
    params: &[
        ParamSpec::new("freq", 0.0, 20000.0, 440.0, "Hz", 5.0).with_aliases(&["frequency"]),
        ParamSpec::new("gain", 0.0, 4.0, 0.5, "", 5.0).with_aliases(&["amp", "amplitude"]),
    ],
    gate: false,
};

/// The `triangle` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(TableOsc::new(&SPEC, triangle_tables(), sr)),
};
