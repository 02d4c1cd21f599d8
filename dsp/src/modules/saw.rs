//! `saw`: band-limited rising sawtooth from mip-mapped wavetables.

use super::wavetable::TableOsc;
use crate::registry::ModuleType;
use crate::spec::{ModuleSpec, ParamSpec, PortSpec};
use crate::table::saw_tables;

/// Metadata of `saw`.
pub static SPEC: ModuleSpec = ModuleSpec {
    name: "saw",
    aliases: &["sawtooth"],
    description: "band-limited rising sawtooth oscillator (alias-free wavetables)",
    inputs: &[],
    outputs: &[PortSpec::new("out")],
    params: &[
        ParamSpec::new("freq", 0.0, 20000.0, 440.0, "Hz", 5.0).with_aliases(&["frequency"]),
        ParamSpec::new("gain", 0.0, 4.0, 0.5, "", 5.0).with_aliases(&["amp", "amplitude"]),
    ],
    gate: false,
};

/// The `saw` type.
pub const TYPE: ModuleType = ModuleType {
    spec: &SPEC,
    build: |sr| Box::new(TableOsc::new(&SPEC, saw_tables(), sr)),
};
