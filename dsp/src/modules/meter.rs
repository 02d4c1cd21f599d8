//! `meter`: sends the level of its input to `/notify` clients, up to 30
//! times a second, as `/meter id rms peak` over the samples since the last
//! reading (the control thread reads them from a lock-free tap; see
//! [`super::probe`]).

use super::probe::Probe;
use crate::tap::TapKind;

crate::module_type! {
    name: "meter" | "level",
    description: "level meter: /notify clients get /meter id rms peak (linear) over the \
                  input since the previous reading, up to 30 times a second; out = in, so it can sit inline",
    inputs: [IN = "in"],
    outputs: [OUT = "out" | "thru"],
    params: [],
    gate: false,
    build: |cx| Box::new(Probe::new(cx.spec, TapKind::Levels, cx.sample_rate)),
}
