//! OSC packets on a byte stream: OSC 1.0 length-prefixed framing (a 32-bit
//! big-endian size before each packet; scsynth and liblo's default) and
//! OSC 1.1 SLIP framing (RFC 1055, with an END byte before and after each
//! packet). A connection's framing is told by its first byte: a length
//! prefix of a packet under 16 MiB starts with 0, a SLIP stream with END
//! (or, without the leading END, with the `/` or `#` of a packet).
//!
//! Pure and allocation-bounded: a [`Deframer`] never holds more than its
//! limit plus one read, and refuses a longer frame.

/// SLIP frame delimiter.
pub const END: u8 = 0xC0;
/// SLIP escape byte.
pub const ESC: u8 = 0xDB;
/// After ESC: an END byte in the data.
pub const ESC_END: u8 = 0xDC;
/// After ESC: an ESC byte in the data.
pub const ESC_ESC: u8 = 0xDD;

/// How packets are delimited on a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// OSC 1.0: 4-byte big-endian length, then the packet.
    Length,
    /// OSC 1.1: SLIP, END-delimited with ESC escapes.
    Slip,
}

impl Framing {
    /// The framing a stream starting with `first` uses.
    pub fn detect(first: u8) -> Framing {
        match first {
            END | b'/' | b'#' => Framing::Slip,
            _ => Framing::Length,
        }
    }

    /// `packet` framed for the stream.
    pub fn encode(self, packet: &[u8]) -> Vec<u8> {
        match self {
            Framing::Length => {
                let mut out = Vec::with_capacity(packet.len() + 4);
                out.extend_from_slice(&(packet.len() as u32).to_be_bytes());
                out.extend_from_slice(packet);
                out
            }
            Framing::Slip => {
                let mut out = Vec::with_capacity(packet.len() + packet.len() / 64 + 2);
                out.push(END);
                for &b in packet {
                    match b {
                        END => out.extend_from_slice(&[ESC, ESC_END]),
                        ESC => out.extend_from_slice(&[ESC, ESC_ESC]),
                        b => out.push(b),
                    }
                }
                out.push(END);
                out
            }
        }
    }
}

/// Splits a byte stream into packets.
pub struct Deframer {
    framing: Option<Framing>,
    max: usize,
    buf: Vec<u8>,
    /// Length framing: bytes of `buf` already handed out.
    start: usize,
    /// SLIP: the previous byte was ESC.
    escaped: bool,
}

impl Deframer {
    /// A deframer refusing packets longer than `max` bytes.
    pub fn new(max: usize) -> Deframer {
        Deframer {
            framing: None,
            max,
            buf: Vec::new(),
            start: 0,
            escaped: false,
        }
    }

    /// The stream's framing, once its first byte has arrived.
    pub fn framing(&self) -> Option<Framing> {
        self.framing
    }

    /// Takes the next bytes of the stream and hands each complete packet to
    /// `packet`. An error (a frame over the limit, a bad SLIP escape) means
    /// the stream cannot be followed any further: close it.
    pub fn push(&mut self, data: &[u8], mut packet: impl FnMut(&[u8])) -> Result<(), String> {
        let Some(&first) = data.first() else {
            return Ok(());
        };
        match *self.framing.get_or_insert(Framing::detect(first)) {
            Framing::Length => self.push_length(data, &mut packet),
            Framing::Slip => self.push_slip(data, &mut packet),
        }
    }

    fn push_length(&mut self, data: &[u8], packet: &mut impl FnMut(&[u8])) -> Result<(), String> {
        self.buf.extend_from_slice(data);
        loop {
            let have = &self.buf[self.start..];
            if have.len() < 4 {
                break;
            }
            let len = u32::from_be_bytes([have[0], have[1], have[2], have[3]]) as usize;
            if len > self.max {
                return Err(format!(
                    "a frame of {len} bytes is over the limit of {} bytes",
                    self.max
                ));
            }
            if have.len() < 4 + len {
                break;
            }
            packet(&have[4..4 + len]);
            self.start += 4 + len;
        }
        // Keep only the incomplete tail.
        self.buf.drain(..self.start);
        self.start = 0;
        Ok(())
    }

    fn push_slip(&mut self, data: &[u8], packet: &mut impl FnMut(&[u8])) -> Result<(), String> {
        for &b in data {
            if self.escaped {
                self.escaped = false;
                let byte = match b {
                    ESC_END => END,
                    ESC_ESC => ESC,
                    other => return Err(format!("bad SLIP escape 0x{other:02X}")),
                };
                self.buf.push(byte);
            } else if b == END {
                if !self.buf.is_empty() {
                    packet(&self.buf);
                    self.buf.clear();
                }
            } else if b == ESC {
                self.escaped = true;
            } else {
                self.buf.push(b);
            }
            if self.buf.len() > self.max {
                return Err(format!(
                    "a SLIP frame is over the limit of {} bytes",
                    self.max
                ));
            }
        }
        Ok(())
    }

    /// Bytes held for an incomplete packet.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(d: &mut Deframer, data: &[u8]) -> Result<Vec<Vec<u8>>, String> {
        let mut out = Vec::new();
        d.push(data, |p| out.push(p.to_vec()))?;
        Ok(out)
    }

    #[test]
    fn framing_is_told_by_the_first_byte() {
        assert_eq!(Framing::detect(0), Framing::Length);
        assert_eq!(Framing::detect(END), Framing::Slip);
        assert_eq!(Framing::detect(b'/'), Framing::Slip);
        assert_eq!(Framing::detect(b'#'), Framing::Slip);
    }

    #[test]
    fn both_framings_round_trip_byte_by_byte() {
        // Every awkward byte, and two packets back to back.
        let a: Vec<u8> = vec![b'/', b'a', 0, 0, END, ESC, ESC_END, ESC_ESC, 0, END];
        let b: Vec<u8> = (0..=255).collect();
        for framing in [Framing::Length, Framing::Slip] {
            let mut stream = framing.encode(&a);
            stream.extend(framing.encode(&b));
            let mut d = Deframer::new(1024);
            let mut got = Vec::new();
            for byte in &stream {
                got.extend(split(&mut d, std::slice::from_ref(byte)).unwrap());
            }
            assert_eq!(d.framing(), Some(framing));
            assert_eq!(got, vec![a.clone(), b.clone()], "{framing:?}");
            assert_eq!(d.pending(), 0);
        }
    }

    #[test]
    fn slip_without_a_leading_end_and_with_double_ends() {
        let mut d = Deframer::new(64);
        let got = split(&mut d, b"/x\0\0,\0\0\0\xC0\xC0/y\0\0,\0\0\0\xC0").unwrap();
        assert_eq!(
            got,
            vec![b"/x\0\0,\0\0\0".to_vec(), b"/y\0\0,\0\0\0".to_vec()]
        );
    }

    #[test]
    fn oversized_frames_are_refused_before_they_are_buffered() {
        let mut d = Deframer::new(16);
        let err = split(&mut d, &17u32.to_be_bytes()).unwrap_err();
        assert!(err.contains("17 bytes"), "{err}");
        let mut d = Deframer::new(16);
        assert!(split(&mut d, &[END; 1]).unwrap().is_empty());
        assert!(split(&mut d, &[b'/'; 17]).is_err());
        assert!(d.pending() <= 17);
        let mut d = Deframer::new(16);
        assert!(split(&mut d, &[END, b'/', ESC, 0x01]).is_err());
    }
}
