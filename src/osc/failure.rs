//! [`Failure`]: why the OSC surface refused or could not carry out a
//! message, by kind. Its `Display` is the reason text of the `/fail` reply
//! (clients and tests match on that text, so it is part of the interface);
//! code matches on the kind.

use crate::control::buffers::BufferError;
use crate::control::transport::TransportError;
use crate::control::CommitError;
use crate::files::FileError;
use crate::plugin::PluginError;
use crate::record::RecordError;
use dsp::PatchError;
use std::fmt;

/// Why a message failed: the reason of a `/fail` reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The datagram could not be decoded as OSC.
    Malformed(String),
    /// An address synth-jack does not answer.
    UnknownAddress(String),
    /// Arguments (or an address's id part) refused by the request checks.
    BadRequest(String),
    /// A timetag further ahead than `--max-ahead` allows.
    TooFarAhead {
        /// Seconds the timetag is ahead of now (may be infinite or NaN).
        ahead: f64,
        /// The horizon, in seconds.
        max: f64,
    },
    /// An edit or lookup the patch model refused.
    Patch(PatchError),
    /// `/mod` or `/gate` for a module that is not in the playing patch.
    NotPlaying {
        /// Module id.
        id: String,
        /// The module is in the pending patch (a commit would make it play).
        pending: bool,
    },
    /// A plugin check or look-up refused the request.
    Plugin(PluginError),
    /// A reply longer than one message may carry.
    TooLong {
        /// Length of the reply text in bytes.
        bytes: usize,
        /// The client talks UDP (OSC over TCP would carry more).
        udp: bool,
    },
    /// A limit is reached (`/notify` clients, waiting `/at` messages).
    Busy(String),
    /// A patch file (or a file beside it) could not be read or written.
    File(FileError),
    /// A sample buffer request refused.
    Buffer(BufferError),
    /// Loading buffer `name` was refused or failed.
    BufferLoad {
        /// The buffer.
        name: String,
        /// Why.
        error: BufferError,
    },
    /// What this engine does not have (no JACK transport, no sample buffers).
    Unavailable(&'static str),
    /// An accepted commit that does not play (engine side).
    Commit(CommitError),
    /// `/tempo` or `/transport` refused (engine side).
    Transport(TransportError),
    /// `/record/start` or `/record/stop` refused, or the recording failed
    /// (engine side).
    Record(RecordError),
}

/// The reason when there is no JACK transport.
pub const NO_TRANSPORT: &str = "no transport (not connected to JACK)";

impl Failure {
    /// True when the client's message is at fault (logged as a warning);
    /// false for failures on the engine side (logged as errors).
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            Failure::Commit(_) | Failure::Transport(_) | Failure::Record(_)
        )
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Failure::Malformed(t)
            | Failure::UnknownAddress(t)
            | Failure::BadRequest(t)
            | Failure::Busy(t)
 => f.write_str(t),
            Failure::Buffer(e) => fmt::Display::fmt(e, f),
            Failure::BufferLoad { name, error } => write!(f, "buffer '{name}': {error}"),
            Failure::File(e) => fmt::Display::fmt(e, f),
            Failure::Plugin(e) => fmt::Display::fmt(e, f),
            Failure::Commit(e) => fmt::Display::fmt(e, f),
            Failure::Transport(e) => fmt::Display::fmt(e, f),
            Failure::Record(e) => fmt::Display::fmt(e, f),
            Failure::Unavailable(t) => f.write_str(t),
            Failure::Patch(e) => fmt::Display::fmt(e, f),
            Failure::TooFarAhead { ahead, max } => write!(
                f,
                "timetag is {ahead:.0} s ahead; at most {max:.0} s are accepted (--max-ahead)"
            ),
            Failure::NotPlaying { id, pending: true } => write!(
                f,
                "module '{id}' is not playing yet: it is in the pending patch (send /patch/commit first)"
            ),
            Failure::NotPlaying { id, pending: false } => {
                write!(f, "unknown module '{id}' in the playing patch")
            }
            Failure::TooLong { bytes, udp } => write!(
                f,
                "the patch is {bytes} bytes of text, too long for one reply; use /patch/save{}",
                if *udp { " or OSC over TCP" } else { "" }
            ),
        }
    }
}

impl std::error::Error for Failure {}

impl From<PatchError> for Failure {
    fn from(e: PatchError) -> Failure {
        Failure::Patch(e)
    }
}

impl From<FileError> for Failure {
    fn from(e: FileError) -> Failure {
        Failure::File(e)
    }
}

impl From<TransportError> for Failure {
    fn from(e: TransportError) -> Failure {
        Failure::Transport(e)
    }
}

impl From<RecordError> for Failure {
    fn from(e: RecordError) -> Failure {
        Failure::Record(e)
    }
}
