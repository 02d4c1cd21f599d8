//! What the dispatcher needs from the engine and the control thread: the
//! [`Backend`] trait, the [`Progress`] it reports and the [`Status`] counters.

use crate::control::transport::{Command, Quantum, TransportInfo};
use crate::control::Ticket;
use crate::osc::{Failure, NO_TRANSPORT};
use crate::status::Snapshot;
use dsp::{ParamArg, Patch, PatchError, Registry};
use std::path::{Path, PathBuf};

/// What `/status` reports: the engine's counters (the same [`Snapshot`] the
/// status line prints) and the settings they are read against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    /// The counters; `version` is the patch version control knows to be playing.
    pub counters: Snapshot,
    /// Modules in the playing patch.
    pub modules: usize,
    /// Sample rate in Hz.
    pub sample_rate: f32,
    /// JACK period in frames.
    pub buffer_size: u32,
    /// Periods the workers render ahead.
    pub lead: u32,
}

/// How far the engine has got: all that answering `/sync` needs.
pub trait Progress {
    /// True when no commit is switching or queued.
    fn is_settled(&self) -> bool;
    /// Timeline frame the playing worker has rendered up to.
    fn rendered(&self) -> u64;
}

/// What the dispatcher needs from the engine and the control thread.
pub trait Backend: Progress {
    /// The module types and the pending patch, to edit it.
    fn edit(&mut self) -> (&Registry, &mut Patch);
    /// The module types.
    fn registry(&self) -> &Registry;
    /// The pending patch.
    fn pending(&self) -> &Patch;
    /// The playing patch.
    fn committed(&self) -> &Patch;
    /// Pending becomes a copy of what plays.
    fn abort(&mut self);
    /// Compiles pending and switches to it at frame `at` (or at once).
    fn commit(&mut self, at: Option<u64>) -> Result<Ticket, PatchError>;
    /// Cancels the commits that have not switched yet; how many.
    fn cancel(&mut self) -> usize;
    /// Live, smoothed parameter change on what plays.
    fn set_live(
        &mut self,
        id: &str,
        param: &str,
        value: &ParamArg,
        frame: Option<u64>,
    ) -> Result<(f32, Vec<String>), PatchError>;
    /// Gate on or off.
    fn gate(&mut self, id: &str, on: bool, frame: Option<u64>) -> Result<(), PatchError>;
    /// A note event for instrument `inst` of what plays.
    fn note(
        &mut self,
        inst: &str,
        ev: dsp::NoteEvent,
        frame: Option<u64>,
    ) -> Result<(), PatchError>;
    /// Unix time now, in seconds.
    fn unix_now(&self) -> f64;
    /// Timeline frame for Unix time `t`.
    fn frame_at(&mut self, t: f64) -> u64;
    /// Sample rate in Hz.
    fn sample_rate(&self) -> f64;
    /// Engine counters.
    fn status(&mut self) -> Status;
    /// Every engine counter by name (`status::telemetry`).
    fn telemetry(&self) -> Vec<(String, f64)>;
    /// Starts recording the output into `path`.
    fn record_start(&mut self, path: &Path, overwrite: bool) -> Result<(), Failure>;
    /// Stops the recording: its file and length in frames.
    fn record_stop(&mut self) -> Result<(PathBuf, u64), Failure>;
    /// The transport now (`None` without JACK).
    fn transport(&self) -> Option<TransportInfo> {
        None
    }
    /// Compiles pending and switches to it on the next boundary `q`.
    fn commit_quantized(&mut self, _q: Quantum) -> Result<Ticket, PatchError> {
        self.commit(None)
    }
    /// Sets the internal clock's tempo.
    fn set_tempo(&mut self, _bpm: f64) -> Result<(), Failure> {
        Err(Failure::Unavailable(NO_TRANSPORT))
    }
    /// Starts, stops or relocates the JACK transport.
    fn transport_command(&mut self, _c: Command) -> Result<(), Failure> {
        Err(Failure::Unavailable(NO_TRANSPORT))
    }
    /// Timeline frame of absolute beat `beat`: `Ok(None)` while stopped,
    /// `Err(beats)` when it passed that many beats ago.
    fn frame_of_beat(&self, _beat: f64) -> Result<Option<u64>, f64> {
        Ok(None)
    }
    /// Records buffer `name`'s file (`None`: freed) in the pending and the
    /// playing patch (their `buffer` lines).
    fn set_buffer_line(&mut self, name: &str, file: Option<&str>) {
        self.edit().1.set_buffer_line(name, file);
    }
    /// Beat position at what is rendered now.
    fn beat_now(&self) -> f64 {
        0.0
    }
}
