//! Who a request came from and where its replies go: a UDP sender address or
//! one TCP connection of the [`super::tcp`] server.

use std::fmt;
use std::net::SocketAddr;

/// Longest reply text (`/patch.dump`) sent in one UDP datagram.
pub const MAX_UDP_REPLY_TEXT: usize = 60_000;
/// Longest reply text sent over a TCP connection (a stream has no datagram
/// limit; this bounds what one reply may queue).
pub const MAX_TCP_REPLY_TEXT: usize = 4 << 20;

/// A reply target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Peer {
    /// A UDP sender: replies go back to its address from the OSC socket.
    Udp(SocketAddr),
    /// A TCP connection: replies go back on it, framed as it frames.
    Tcp {
        /// The connection's number (unique for the life of the process).
        conn: u64,
        /// The remote address, for logs.
        addr: SocketAddr,
    },
}

impl Peer {
    /// Longest reply text this peer can be sent in one message.
    pub fn max_reply_text(&self) -> usize {
        match self {
            Peer::Udp(_) => MAX_UDP_REPLY_TEXT,
            Peer::Tcp { .. } => MAX_TCP_REPLY_TEXT,
        }
    }
}

impl From<SocketAddr> for Peer {
    fn from(a: SocketAddr) -> Peer {
        Peer::Udp(a)
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Udp(a) => write!(f, "{a}"),
            Peer::Tcp { conn, addr } => write!(f, "tcp:{addr}#{conn}"),
        }
    }
}
