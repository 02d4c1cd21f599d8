//! Musical time on the OSC surface: quantized commits, `/tempo`,
//! `/transport`, `/at`, and `/transport.changed` for `/notify` clients.
//!
//! `/at` messages wait here, sorted by beat, and go to the engine (as timed
//! messages at the exact frame of their beat) once the transport rolls and
//! their beat is less than [`AT_HORIZON_SECS`] ahead, so a relocation or a
//! tempo change before then is taken into account.

use super::reply::{int, s};
use super::{Backend, Dispatcher};
use crate::control::transport::{Command, TransportInfo};
use crate::osc::musical::{Musical, When};
use crate::osc::peer::Peer;
use crate::osc::{Failure, NO_TRANSPORT};
use rosc::{OscMessage, OscType};

/// Most `/at` messages waiting at once.
pub const MAX_AT: usize = 4096;
/// How far ahead of the rendered position an `/at` message is handed to
/// the engine.
pub const AT_HORIZON_SECS: f64 = 0.25;

/// An `/at` message waiting for its beat.
#[derive(Debug, Clone)]
pub(super) struct AtWait {
    beat: f64,
    from: Peer,
    msg: OscMessage,
}

/// The transport as reply arguments: state, bpm, bar, beat, frame,
/// beats per bar, master.
pub fn transport_args(t: &TransportInfo) -> Vec<OscType> {
    vec![
        s(t.state()),
        OscType::Float(t.bpm as f32),
        OscType::Int(t.bar.clamp(i32::MIN as i64, i32::MAX as i64) as i32),
        OscType::Float(t.beat as f32),
        int(t.frame),
        OscType::Float(t.beats_per_bar as f32),
        s(t.master),
    ]
}

impl Dispatcher {
    pub(super) fn musical(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        req: Musical,
    ) -> Result<(), Failure> {
        match req {
            Musical::Commit(q) => {
                let ticket = b.commit_quantized(q)?;
                self.commits.push_back((ticket, from));
            }
            Musical::Tempo(bpm) => {
                b.set_tempo(bpm)?;
                self.done(from, "/tempo", vec![OscType::Float(bpm as f32)]);
            }
            Musical::Query => {
                let t = b.transport().ok_or(Failure::Unavailable(NO_TRANSPORT))?;
                self.reply(from, "/transport.reply", transport_args(&t));
            }
            Musical::Start | Musical::Stop | Musical::Locate(_) => {
                let (cmd, what) = match req {
                    Musical::Start => (Command::Start, "start"),
                    Musical::Stop => (Command::Stop, "stop"),
                    Musical::Locate(w) => (Command::Locate(self.beat_of(b, w)?), "locate"),
                    _ => unreachable!("matched above"),
                };
                b.transport_command(cmd)?;
                self.done(from, "/transport", vec![s(what)]);
            }
            Musical::At(w, msg) => {
                if self.at.len() >= MAX_AT {
                    return Err(Failure::Busy(format!(
                        "{MAX_AT} /at messages wait already; send fewer ahead of time"
                    )));
                }
                let beat = self.beat_of(b, w)?;
                let pos = self.at.partition_point(|a| a.beat <= beat);
                self.at.insert(pos, AtWait { beat, from, msg });
                self.done(from, "/at", vec![OscType::Double(beat)]);
                self.poll_at(b);
            }
        }
        Ok(())
    }

    /// Absolute beat of a musical time.
    fn beat_of(&self, b: &dyn Backend, w: When) -> Result<f64, Failure> {
        Ok(match w {
            When::Beat(x) => x,
            When::After(x) => b.beat_now() + x,
            When::BarBeat(bar, beat) => {
                let t = b.transport().ok_or(Failure::Unavailable(NO_TRANSPORT))?;
                (bar - 1) as f64 * t.beats_per_bar + (beat - 1.0)
            }
        })
    }

    /// Hands the `/at` messages whose beat is near to the engine; one whose
    /// beat has passed (a relocation jumped over it) runs at once and is
    /// reported with `/late`.
    pub fn poll_at(&mut self, b: &mut dyn Backend) {
        let horizon = (AT_HORIZON_SECS * b.sample_rate()) as u64;
        while let Some(first) = self.at.first() {
            let frame = match b.frame_of_beat(first.beat) {
                Ok(None) => return,
                Ok(Some(f)) if f > b.rendered() + horizon => return,
                Ok(Some(f)) => Some(f),
                Err(behind) => {
                    self.tell_all(
                        "/late",
                        vec![OscType::Float(behind as f32), s(first.msg.addr.clone())],
                    );
                    None
                }
            };
            let w = self.at.remove(0);
            self.execute(b, w.from, &w.msg, frame);
        }
    }

    /// `/transport.changed` to every `/notify` client.
    pub(super) fn transport_changed(&mut self, t: &TransportInfo) {
        self.tell_all("/transport.changed", transport_args(t));
    }
}
