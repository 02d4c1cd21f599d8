//! Parameter groups that several module types share, written once. A type
//! lists them in its `module_type!` declaration (`FREQ = shared::FREQ`),
//! adjusting a default with `.with_default(..)` where its use differs.

use crate::spec::ParamSpec;

/// Oscillator frequency in Hz (audio-rate modulation adds Hz).
pub const FREQ: ParamSpec =
    ParamSpec::new("freq", 0.0, 20000.0, 440.0, "Hz", 5.0).with_aliases(&["frequency"]);

/// Oscillator or generator output gain (linear).
pub const GAIN: ParamSpec =
    ParamSpec::new("gain", 0.0, 4.0, 0.5, "", 5.0).with_aliases(&["amp", "amplitude"]);

/// A linear level applied to a signal passing through (unity by default);
/// rename it with `.named(..)` for per-input gains.
pub const LEVEL: ParamSpec = ParamSpec::new("gain", 0.0, 4.0, 1.0, "", 5.0);

/// Filter cutoff in Hz.
pub const CUTOFF: ParamSpec = ParamSpec::new("cutoff", 10.0, 20000.0, 1000.0, "Hz", 10.0)
    .with_aliases(&["freq", "frequency"]);

/// Dry/wet balance of an effect: `out = (1-mix)*dry + mix*wet`.
pub const MIX: ParamSpec = ParamSpec::new("mix", 0.0, 1.0, 0.5, "", 5.0).with_aliases(&["wet"]);

/// Tempo sync: `off`, or a note value (`1/4`, `3/16`, `1/8t`...) at the
/// transport's tempo ([`crate::time::sync_beats`] gives its length in beats).
pub const SYNC: ParamSpec = ParamSpec::choice("sync", crate::time::SYNC_CHOICES, 0);
