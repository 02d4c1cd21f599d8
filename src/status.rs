//! The one-line live status, shown when stdout is a terminal.

use crate::rt::shared::Shared;
use std::io::Write;
use std::sync::atomic::Ordering::*;

/// True when stdout is a terminal.
pub fn stdout_is_tty() -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(1) == 1 }
}

/// A snapshot of the engine's counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Slot playing.
    pub active_slot: u32,
    /// Patch version playing.
    pub version: u32,
    /// Average DSP load of the active worker (fraction of a period).
    pub load_avg: f32,
    /// Peak DSP load since the last snapshot.
    pub load_peak: f32,
    /// Ring occupancy of the active slot, in periods.
    pub ring: f32,
    /// Underruns so far.
    pub underruns: u64,
    /// Xruns so far.
    pub xruns: u64,
    /// Drops so far (must stay 0).
    pub drops: u64,
    /// Late renders so far (both slots).
    pub late: u64,
    /// Switches so far.
    pub switches: u64,
    /// Failovers so far.
    pub failovers: u64,
    /// Peak level per channel in dBFS since the last snapshot.
    pub peaks_db: Vec<f32>,
}

impl Snapshot {
    /// Reads the counters (and resets the peaks).
    pub fn take(sh: &Shared) -> Snapshot {
        let (a, version, switches, failovers) = Self::switch_state(sh);
        let s = &sh.slots[a as usize];
        let period = sh.period.load(Relaxed).max(1) as f32;
        Snapshot {
            active_slot: a,
            version,
            load_avg: s.stats.load_avg.load(Relaxed) as f32 / 1e6,
            load_peak: s.stats.load_peak.swap(0, Relaxed) as f32 / 1e6,
            ring: s.buffered() as f32 / period,
            underruns: sh.stats.underruns.load(Relaxed),
            xruns: sh.stats.xruns.load(Relaxed),
            drops: sh.slots.iter().map(|s| s.stats.drops.load(Relaxed)).sum(),
            late: sh.slots.iter().map(|s| s.stats.late.load(Relaxed)).sum(),
            switches,
            failovers,
            peaks_db: (0..sh.channels.min(dsp::graph::MAX_CHANNELS))
                .map(|c| {
                    let p = sh.stats.take_peak(c);
                    if p > 0.0 {
                        20.0 * p.log10()
                    } else {
                        f32::NEG_INFINITY
                    }
                })
                .collect(),
        }
    }

    /// Active slot, version, switches and failovers as of one moment: read
    /// under the callback's `switch_seq` (it writes them in a few
    /// instructions, so the retries are bounded in practice; after 1000 the
    /// last reading is returned).
    fn switch_state(sh: &Shared) -> (u32, u32, u64, u64) {
        let st = &sh.stats;
        let mut reading = (0, 0, 0, 0);
        for _ in 0..1000 {
            let before = st.switch_seq.load(Acquire);
            reading = (
                st.active_slot.load(Acquire),
                st.version.load(Acquire),
                st.switches.load(Acquire),
                st.failovers.load(Acquire),
            );
            if before.is_multiple_of(2) && st.switch_seq.load(Acquire) == before {
                break;
            }
            std::hint::spin_loop();
        }
        reading
    }

    /// The status line text.
    pub fn line(&self) -> String {
        let peaks: Vec<String> = self
            .peaks_db
            .iter()
            .map(|d| {
                let figure = if d.is_finite() {
                    format!("{d:6.1}")
                } else {
                    "  -inf".into()
                };
                format!("{} {figure}", meter_bar(*d))
            })
            .collect();
        format!(
            "slot {} v{} | dsp {:4.1}% (peak {:4.1}%) | ring {:.1} | underruns {} xruns {} drops {} late {} | peak dBFS [{}]",
            self.active_slot,
            self.version,
            self.load_avg * 100.0,
            self.load_peak * 100.0,
            self.ring,
            self.underruns,
            self.xruns,
            self.drops,
            self.late,
            peaks.join(" ")
        )
    }
}

/// Lowest level a meter bar shows, in dBFS.
pub const METER_FLOOR_DB: f32 = -48.0;
/// Characters of a meter bar.
pub const METER_WIDTH: usize = 12;

/// A peak level as a bar: `[=======     ]`, empty at [`METER_FLOOR_DB`]
/// and below, full at 0 dBFS; a `!` at the end when the level is over 0.
pub fn meter_bar(db: f32) -> String {
    let frac = if db.is_nan() {
        0.0
    } else {
        ((db - METER_FLOOR_DB) / -METER_FLOOR_DB).clamp(0.0, 1.0)
    };
    let n = (frac * METER_WIDTH as f32).round() as usize;
    let mut bar = String::with_capacity(METER_WIDTH + 2);
    bar.push('[');
    bar.extend(std::iter::repeat_n('=', n));
    bar.extend(std::iter::repeat_n(' ', METER_WIDTH - n));
    bar.push(if db > 0.0 { '!' } else { ']' });
    bar
}

/// Rewrites the status line in place.
pub fn print(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "\r\x1b[2K{line}");
    let _ = out.flush();
}

/// Every counter, by name, for `/telemetry` and the benchmarks.
/// Per-slot names are prefixed `slotN.`.
pub fn telemetry(sh: &Shared) -> Vec<(String, f64)> {
    let st = &sh.stats;
    let cycles = st.cycles.load(Relaxed);
    let mut v: Vec<(String, f64)> = vec![
        ("active_slot".into(), st.active_slot.load(Relaxed) as f64),
        ("version".into(), st.version.load(Relaxed) as f64),
        ("underruns".into(), st.underruns.load(Relaxed) as f64),
        ("xruns".into(), st.xruns.load(Relaxed) as f64),
        ("switches".into(), st.switches.load(Relaxed) as f64),
        ("failovers".into(), st.failovers.load(Relaxed) as f64),
        ("reconnects".into(), st.reconnects.load(Relaxed) as f64),
        ("recoveries".into(), st.recoveries.load(Relaxed) as f64),
        ("cycles".into(), cycles as f64),
        ("period".into(), sh.period.load(Relaxed) as f64),
        ("sample_rate".into(), sh.sample_rate.load(Relaxed) as f64),
        ("lead".into(), sh.lead as f64),
        ("timeline".into(), sh.cycle_frame.load(Relaxed) as f64),
        (
            "callback_ns_avg".into(),
            st.callback_ns_sum.load(Relaxed) as f64 / cycles.max(1) as f64,
        ),
        (
            "callback_ns_max".into(),
            st.callback_ns_max.load(Relaxed) as f64,
        ),
        ("midi_events".into(), st.midi_events.load(Relaxed) as f64),
        (
            "late_switches".into(),
            st.late_switches.load(Relaxed) as f64,
        ),
        ("fade_gaps".into(), st.fade_gaps.load(Relaxed) as f64),
    ];
    for (i, s) in sh.slots.iter().enumerate() {
        let t = &s.stats;
        let n = t.occupancy_n.load(Relaxed);
        let min = t.occupancy_min.load(Relaxed);
        let fields: [(&str, f64); 26] = [
            ("frames", t.frames.load(Relaxed) as f64),
            ("produced", s.produced.load(Relaxed) as f64),
            ("consumed", s.consumed.load(Relaxed) as f64),
            ("rendering", s.rendering.load(Relaxed) as u8 as f64),
            ("alive", s.alive.load(Relaxed) as u8 as f64),
            ("version", s.version.load(Relaxed) as f64),
            ("late", t.late.load(Relaxed) as f64),
            ("drops", t.drops.load(Relaxed) as f64),
            ("burst_last", t.burst_last.load(Relaxed) as f64),
            ("burst_max", t.burst_max.load(Relaxed) as f64),
            ("recovery_last", t.recovery_last.load(Relaxed) as f64),
            ("recovery_max", t.recovery_max.load(Relaxed) as f64),
            (
                "handover_us_max",
                t.handover_ns_max.load(Relaxed) as f64 / 1e3,
            ),
            (
                "occupancy_avg",
                t.occupancy_sum.load(Relaxed) as f64 / n.max(1) as f64,
            ),
            (
                "occupancy_min",
                if min == u64::MAX { 0.0 } else { min as f64 },
            ),
            ("load_avg", t.load_avg.load(Relaxed) as f64 / 1e6),
            ("load_peak", t.load_peak.load(Relaxed) as f64 / 1e6),
            ("reanchors", t.reanchors.load(Relaxed) as f64),
            ("late_events", t.late_events.load(Relaxed) as f64),
            ("lost_events", t.lost_events.load(Relaxed) as f64),
            ("nan_resets", t.nan_resets.load(Relaxed) as f64),
            ("voices_busy", t.voices_busy.load(Relaxed) as f64),
            ("voices_rendered", t.voices_rendered.load(Relaxed) as f64),
            ("voice_steals", t.voice_steals.load(Relaxed) as f64),
            ("notes_dropped", t.notes_dropped.load(Relaxed) as f64),
            ("heartbeat", t.heartbeat.load(Relaxed) as f64),
        ];
        for (k, x) in fields {
            v.push((format!("slot{i}.{k}"), x));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_bars_follow_the_level() {
        assert_eq!(meter_bar(f32::NEG_INFINITY), "[            ]");
        assert_eq!(meter_bar(-48.0), "[            ]");
        assert_eq!(meter_bar(-24.0), "[======      ]");
        assert_eq!(meter_bar(0.0), "[============]");
        assert_eq!(meter_bar(3.0), "[============!");
    }
}
