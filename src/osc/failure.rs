//! [`Failure`]: why the OSC surface refused or could not carry out a
//! message, by kind. Its `Display` is the reason text of the `/fail` reply
//! (clients and tests match on that text, so it is part of the interface);
//! code matches on the kind.

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
    Plugin(String),
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
    File(String),
    /// A sample buffer request refused, or a load that failed.
    Buffer(String),
    /// What this engine does not have (no JACK transport, no sample buffers).
    Unavailable(&'static str),
    /// Refused or failed on the engine side: commits, the transport, the recorder.
    Engine(String),
}

/// The reason when there is no JACK transport.
pub const NO_TRANSPORT: &str = "no transport (not connected to JACK)";

impl Failure {
    /// True when the client's message is at fault (logged as a warning);
    /// false for failures on the engine side (logged as errors).
    pub fn is_client_error(&self) -> bool {
        !matches!(self, Failure::Engine(_))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Failure::Malformed(t)
            | Failure::UnknownAddress(t)
            | Failure::BadRequest(t)
            | Failure::Plugin(t)
            | Failure::Busy(t)
            | Failure::File(t)
            | Failure::Buffer(t)
            | Failure::Engine(t) => f.write_str(t),
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
