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

/// Tempo in beats (quarter notes) per minute, for tempo-synced rates.
pub const TEMPO: ParamSpec =
    ParamSpec::new("tempo", 20.0, 400.0, 120.0, "BPM", 0.0).with_aliases(&["bpm"]);

/// Note values a tempo-synced rate can follow; `free` uses the rate in Hz.
/// `t` is a triplet (2/3 of the length), `d` dotted (3/2 of it).
pub const DIVISIONS: &[&str] = &[
    "free", "4/1", "2/1", "1/1", "1/2", "1/4", "1/8", "1/16", "1/32", "1/2t", "1/4t", "1/8t",
    "1/16t", "1/2d", "1/4d", "1/8d", "1/16d",
];

/// Length of each of [`DIVISIONS`] in beats (`free`: 0).
const DIVISION_BEATS: [f64; 17] = [
    0.0,
    16.0,
    8.0,
    4.0,
    2.0,
    1.0,
    0.5,
    0.25,
    0.125,
    2.0 * 2.0 / 3.0,
    2.0 / 3.0,
    0.5 * 2.0 / 3.0,
    0.25 * 2.0 / 3.0,
    3.0,
    1.5,
    0.75,
    0.375,
];

/// Tempo sync: `free`, or one cycle per note value of [`DIVISIONS`] at [`TEMPO`].
pub const SYNC: ParamSpec = ParamSpec::choice("sync", DIVISIONS, 0).with_aliases(&["division"]);

/// The rate in Hz of a tempo-synced parameter group: `free_hz` when `sync`
/// is `free`, else one cycle per note value at `tempo` BPM.
#[inline]
pub fn synced_hz(free_hz: f32, tempo: f32, sync: usize) -> f32 {
    match DIVISION_BEATS.get(sync) {
        Some(&beats) if beats > 0.0 => (tempo as f64 / 60.0 / beats) as f32,
        _ => free_hz,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divisions_and_beats_line_up() {
        assert_eq!(DIVISIONS.len(), DIVISION_BEATS.len());
        assert_eq!(synced_hz(3.0, 120.0, 0), 3.0);
        // A quarter note at 120 BPM: 2 Hz; a whole note: 0.5 Hz.
        assert_eq!(synced_hz(3.0, 120.0, 5), 2.0);
        assert_eq!(synced_hz(3.0, 120.0, 3), 0.5);
        // Eighth-note triplets at 120 BPM: 6 per second.
        assert!((synced_hz(3.0, 120.0, 11) - 6.0).abs() < 1e-6);
    }
}
