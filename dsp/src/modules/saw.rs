//! `saw`: band-limited rising sawtooth from mip-mapped wavetables.

use super::shared;
use super::table_osc::TableOsc;
use crate::table::saw_tables;

crate::module_type! {
    name: "saw" | "sawtooth",
    description: "band-limited rising sawtooth oscillator (alias-free wavetables)",
    inputs: [],
    outputs: [OUT = "out"],
    params: [FREQ = shared::FREQ, GAIN = shared::GAIN],
    gate: false,
    build: |cx| Box::new(TableOsc::new(cx.spec, saw_tables(), cx.sample_rate)),
}
