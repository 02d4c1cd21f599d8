//! `/status.reply` on the wire: the one place its argument layout is written.
//! The dispatcher encodes it; tests, the benchmark and clients decode it.

use super::dispatch::Status;
use rosc::{OscMessage, OscType};

/// `/status.reply`'s arguments, by name, in their OSC types (counters
/// saturate at `i32::MAX`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusReply {
    /// Slot playing (0 or 1).
    pub active_slot: i32,
    /// Patch version playing.
    pub patch_version: i32,
    /// Modules in the playing patch.
    pub modules: i32,
    /// Average DSP load of the active worker (fraction of a period).
    pub dsp_load_avg: f32,
    /// Peak DSP load since the previous `/status`.
    pub dsp_load_peak: f32,
    /// Underruns so far.
    pub underruns: i32,
    /// Xruns so far.
    pub xruns: i32,
    /// Drops so far (must stay 0).
    pub drops: i32,
    /// Late renders of both slots plus late bundles.
    pub late: i32,
    /// Switches so far.
    pub switches: i32,
    /// Failovers so far.
    pub failovers: i32,
    /// Sample rate in Hz.
    pub sample_rate: f32,
    /// JACK period in frames.
    pub buffer_size: i32,
    /// Periods the workers render ahead.
    pub lead: i32,
    /// Ring occupancy of the active slot, in periods.
    pub ring: f32,
}

/// A counter as an OSC int (saturating).
fn sat(v: u64) -> i32 {
    v.min(i32::MAX as u64) as i32
}

impl StatusReply {
    /// The reply's OSC address.
    pub const ADDR: &'static str = "/status.reply";
    /// Number of arguments of the engine counters.
    pub const LEN: usize = 15;
    /// Number of arguments when the transport follows them (state, bpm,
    /// bar, beat, frame, beats per bar, master: see `/transport.reply`), as
    /// it does whenever synth-jack runs on JACK.
    pub const WITH_TRANSPORT: usize = Self::LEN + 7;

    /// The reply for the engine's counters, `late_bundles` added to its late renders.
    pub fn new(st: &Status, late_bundles: u64) -> StatusReply {
        let c = &st.counters;
        StatusReply {
            active_slot: sat(c.active_slot as u64),
            patch_version: sat(c.version as u64),
            modules: sat(st.modules as u64),
            dsp_load_avg: c.load_avg,
            dsp_load_peak: c.load_peak,
            underruns: sat(c.underruns),
            xruns: sat(c.xruns),
            drops: sat(c.drops),
            late: sat(c.late.saturating_add(late_bundles)),
            switches: sat(c.switches),
            failovers: sat(c.failovers),
            sample_rate: st.sample_rate,
            buffer_size: sat(st.buffer_size as u64),
            lead: sat(st.lead as u64),
            ring: c.ring,
        }
    }

    /// The arguments, in wire order.
    pub fn encode(&self) -> Vec<OscType> {
        use OscType::{Float, Int};
        vec![
            Int(self.active_slot),
            Int(self.patch_version),
            Int(self.modules),
            Float(self.dsp_load_avg),
            Float(self.dsp_load_peak),
            Int(self.underruns),
            Int(self.xruns),
            Int(self.drops),
            Int(self.late),
            Int(self.switches),
            Int(self.failovers),
            Float(self.sample_rate),
            Int(self.buffer_size),
            Int(self.lead),
            Float(self.ring),
        ]
    }

    /// Reads a `/status.reply` message; says what is wrong with it otherwise.
    pub fn decode(m: &OscMessage) -> Result<StatusReply, String> {
        if m.addr != Self::ADDR {
            return Err(format!("expected {}, got {}", Self::ADDR, m.addr));
        }
        if m.args.len() != Self::LEN && m.args.len() != Self::WITH_TRANSPORT {
            return Err(format!(
                "{} has {} arguments, expected {} or {}",
                Self::ADDR,
                m.args.len(),
                Self::LEN,
                Self::WITH_TRANSPORT
            ));
        }
        let mut it = m.args.iter().enumerate();
        let mut next = || it.next().expect("length checked");
        let int = |(k, a): (usize, &OscType)| match a {
            OscType::Int(v) => Ok(*v),
            x => Err(format!("{} argument {k} is not an int: {x:?}", Self::ADDR)),
        };
        let fl = |(k, a): (usize, &OscType)| match a {
            OscType::Float(v) => Ok(*v),
            x => Err(format!("{} argument {k} is not a float: {x:?}", Self::ADDR)),
        };
        Ok(StatusReply {
            active_slot: int(next())?,
            patch_version: int(next())?,
            modules: int(next())?,
            dsp_load_avg: fl(next())?,
            dsp_load_peak: fl(next())?,
            underruns: int(next())?,
            xruns: int(next())?,
            drops: int(next())?,
            late: int(next())?,
            switches: int(next())?,
            failovers: int(next())?,
            sample_rate: fl(next())?,
            buffer_size: int(next())?,
            lead: int(next())?,
            ring: fl(next())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StatusReply {
        StatusReply {
            active_slot: 1,
            patch_version: 2,
            modules: 3,
            dsp_load_avg: 0.25,
            dsp_load_peak: 0.5,
            underruns: 4,
            xruns: 5,
            drops: 6,
            late: 7,
            switches: 8,
            failovers: 9,
            sample_rate: 48_000.0,
            buffer_size: 256,
            lead: 2,
            ring: 1.5,
        }
    }

    /// The order docs/osc.md documents, position by position.
    #[test]
    fn encodes_in_the_documented_order() {
        use OscType::{Float, Int};
        assert_eq!(
            sample().encode(),
            vec![
                Int(1),
                Int(2),
                Int(3),
                Float(0.25),
                Float(0.5),
                Int(4),
                Int(5),
                Int(6),
                Int(7),
                Int(8),
                Int(9),
                Float(48_000.0),
                Int(256),
                Int(2),
                Float(1.5)
            ]
        );
    }

    #[test]
    fn decodes_what_it_encodes_and_names_what_is_wrong() {
        let m = |addr: &str, args| OscMessage {
            addr: addr.into(),
            args,
        };
        let st = sample();
        assert_eq!(
            StatusReply::decode(&m(StatusReply::ADDR, st.encode())),
            Ok(st.clone())
        );
        let mut short = st.encode();
        short.pop();
        assert!(StatusReply::decode(&m(StatusReply::ADDR, short))
            .unwrap_err()
            .contains("14 arguments"));
        let mut wrong = st.encode();
        wrong[3] = OscType::Int(0);
        assert!(StatusReply::decode(&m(StatusReply::ADDR, wrong))
            .unwrap_err()
            .contains("argument 3 is not a float"));
        assert!(StatusReply::decode(&m("/done", st.encode())).is_err());
    }

    /// Counters beyond `i32::MAX` saturate; late bundles add to late renders.
    #[test]
    fn saturates_counters_and_adds_late_bundles() {
        let st = Status {
            counters: crate::status::Snapshot {
                underruns: u64::MAX,
                late: 5,
                ..Default::default()
            },
            ..Status::default()
        };
        let r = StatusReply::new(&st, 2);
        assert_eq!(r.underruns, i32::MAX);
        assert_eq!(r.late, 7);
    }
}
