//! `triangle`: band-limited triangle from its own mip-mapped wavetables.

use super::shared;
use super::table_osc::TableOsc;
use crate::table::triangle_tables;

crate::module_type! {
    name: "triangle" | "tri",
    description: "band-limited triangle oscillator (alias-free wavetables)",
    inputs: [],
    outputs: [OUT = "out"],
    params: [FREQ = shared::FREQ, GAIN = shared::GAIN],
    gate: false,
    build: |cx| Box::new(TableOsc::new(cx.spec, triangle_tables(), cx.sample_rate)),
}
