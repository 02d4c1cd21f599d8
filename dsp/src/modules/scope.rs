//! `scope`: sends the latest `points` samples of its input to `/notify`
//! clients, up to 30 times a second, as `/scope id v1 v2 ...` (the
//! control thread reads them from a lock-free tap; see [`super::probe`]).

use super::probe::Probe;
use crate::tap::TapKind;
use crate::spec::ParamSpec;

crate::module_type! {
    name: "scope" | "oscilloscope",
    description: "oscilloscope: /notify clients get /scope id v1 .. vN, the latest `points` \
                  samples of in, up to 30 times a second; out = in, so it can sit inline",
    inputs: [IN = "in"],
    outputs: [OUT = "out" | "thru"],
    params: [POINTS = ParamSpec::new("points", 16.0, 1024.0, 256.0, "samples", 0.0)],
    gate: false,
    build: |cx| Box::new(Probe::new(cx.spec, TapKind::Trace, cx.sample_rate)),
}
