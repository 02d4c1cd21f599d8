//! Turning datagrams into timed messages: a bounds pre-scan, rosc decoding,
//! bundle flattening with NTP timetags, and argument coercion.
//!
//! Everything here is pure (no sockets, no engine) and never panics on any
//! input, so the fuzz test in `tests.rs` runs it over random datagrams.

use dsp::ParamArg;
use rosc::{OscMessage, OscPacket, OscTime, OscType};

/// Deepest bundle nesting accepted (a top-level bundle is depth 1).
pub const MAX_DEPTH: usize = 8;
/// Most messages accepted in one packet.
pub const MAX_MESSAGES: usize = 1024;
/// Deepest array nesting (`[[...]]`) accepted in a type-tag string.
pub const MAX_ARRAY_DEPTH: usize = 4;
/// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
pub const NTP_UNIX_OFFSET: f64 = 2_208_988_800.0;

/// When a message is to take effect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    /// At once: a bare message, or a bundle timetagged "immediately" (0, 1).
    Now,
    /// At this Unix time in seconds (from a bundle's timetag).
    At(f64),
}

/// One message of a packet with the time of its innermost bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The message.
    pub msg: OscMessage,
    /// When it takes effect.
    pub when: When,
    /// Which bundle of the packet holds it directly (0 for a bare message);
    /// lets a late bundle be counted once however many messages it holds.
    pub bundle: usize,
}

/// Decodes one datagram, refusing packets over the nesting and message
/// limits before rosc sees them (rosc recurses once per nested bundle), and
/// packets with bytes left over (rosc silently stops at a bad bundle element).
pub fn decode(buf: &[u8]) -> Result<OscPacket, String> {
    let mut scan = Scan {
        buf,
        messages: 0,
        error: None,
    };
    scan.packet(0, buf.len(), 1);
    if let Some(e) = scan.error {
        return Err(e);
    }
    match rosc::decoder::decode_udp(buf) {
        Ok(([], packet)) => Ok(packet),
        Ok((rest, _)) => Err(format!(
            "malformed OSC packet: {} of {} bytes could not be decoded (a bad bundle element?)",
            rest.len(),
            buf.len()
        )),
        Err(e) => Err(format!("malformed OSC packet: {}", describe_error(&e))),
    }
}

fn describe_error(e: &rosc::OscError) -> String {
    use rosc::OscError::*;
    match e {
        StringError(_) => "a string is not valid UTF-8".into(),
        ReadError(kind) => format!("truncated or inconsistent data ({kind:?})"),
        BadChar(c) => format!("bad character '{c}'"),
        BadPacket(s) => s.to_string(),
        BadMessage(s) => s.to_string(),
        BadString(s) => s.to_string(),
        BadArg(s) => s.clone(),
        BadBundle(s) => s.clone(),
        BadAddressPattern(s) => s.clone(),
        BadAddress(s) => s.clone(),
        RegexError(s) => s.clone(),
        Unimplemented => "unsupported OSC feature".into(),
    }
}

/// A structural walk mirroring rosc's parser, to enforce limits only: where
/// it cannot follow the structure it stops, and rosc (which stops at the same
/// place) reports the error.
struct Scan<'a> {
    buf: &'a [u8],
    messages: usize,
    error: Option<String>,
}

impl Scan<'_> {
    /// Reads a NUL-terminated, 4-byte padded string at `at` (absolute, as
    /// rosc pads relative to the datagram's start); returns it and the next offset.
    fn string(&self, at: usize, end: usize) -> Option<(&[u8], usize)> {
        let s = self.buf.get(at..end)?;
        let n = s.iter().position(|&b| b == 0)?;
        let next = (at + n + 1).next_multiple_of(4);
        (next <= end).then_some((&s[..n], next))
    }

    fn packet(&mut self, at: usize, end: usize, depth: usize) {
        if self.error.is_some() {
            return;
        }
        let Some((head, next)) = self.string(at, end) else {
            return;
        };
        if head == b"#bundle" {
            if depth > MAX_DEPTH {
                self.error = Some(format!(
                    "bundles nested deeper than {MAX_DEPTH} levels are refused"
                ));
                return;
            }
            let mut p = next + 8;
            while p + 4 <= end && self.error.is_none() {
                let size = u32::from_be_bytes([
                    self.buf[p],
                    self.buf[p + 1],
                    self.buf[p + 2],
                    self.buf[p + 3],
                ]) as usize;
                let start = p + 4;
                let Some(stop) = start.checked_add(size).filter(|&s| s <= end) else {
                    return;
                };
                self.packet(start, stop, depth + 1);
                p = stop;
            }
        } else if head.first() == Some(&b'/') {
            self.messages += 1;
            if self.messages > MAX_MESSAGES {
                self.error = Some(format!(
                    "packets of more than {MAX_MESSAGES} messages are refused"
                ));
                return;
            }
            if let Some((tags, _)) = self.string(next, end) {
                let mut d = 0usize;
                for &t in tags {
                    if t == b'[' {
                        d += 1;
                        if d > MAX_ARRAY_DEPTH {
                            self.error = Some(format!(
                                "arrays nested deeper than {MAX_ARRAY_DEPTH} levels are refused"
                            ));
                            return;
                        }
                    } else if t == b']' {
                        d = d.saturating_sub(1);
                    }
                }
            }
        }
    }
}

/// Converts a bundle timetag: (0, 1) ("immediately", and (0, 0)) is `Now`,
/// anything else the Unix time it names. Computed here: rosc's conversion
/// to `SystemTime` panics on (0, 1).
pub fn timetag(t: OscTime) -> When {
    if t.seconds == 0 && t.fractional <= 1 {
        return When::Now;
    }
    When::At(t.seconds as f64 - NTP_UNIX_OFFSET + t.fractional as f64 / 4_294_967_296.0)
}

/// The NTP timetag for Unix time `t` (seconds), for clients and tests.
pub fn to_timetag(t: f64) -> OscTime {
    let ntp = (t + NTP_UNIX_OFFSET).max(0.0);
    let seconds = ntp.floor();
    let fractional = ((ntp - seconds) * 4_294_967_296.0)
        .round()
        .min(u32::MAX as f64);
    OscTime {
        seconds: seconds as u32,
        fractional: fractional as u32,
    }
}

/// Flattens a packet into its messages in order, each with the time of its
/// innermost bundle (a nested bundle's own timetag applies to its messages).
pub fn flatten(packet: OscPacket) -> Vec<Item> {
    let mut out = Vec::new();
    let mut bundles = 0;
    walk(packet, When::Now, 0, &mut bundles, &mut out);
    out
}

fn walk(p: OscPacket, when: When, bundle: usize, count: &mut usize, out: &mut Vec<Item>) {
    match p {
        OscPacket::Message(msg) => out.push(Item { msg, when, bundle }),
        OscPacket::Bundle(b) => {
            *count += 1;
            let id = *count;
            let w = timetag(b.timetag);
            for c in b.content {
                walk(c, w, id, count, out);
            }
        }
    }
}

/// A number from an int, float, double or long argument.
pub fn number(a: &OscType) -> Option<f64> {
    match a {
        OscType::Int(v) => Some(*v as f64),
        OscType::Float(v) => Some(*v as f64),
        OscType::Double(v) => Some(*v),
        OscType::Long(v) => Some(*v as f64),
        _ => None,
    }
}

/// The text of a string argument.
pub fn text(a: &OscType) -> Option<&str> {
    match a {
        OscType::String(s) => Some(s),
        _ => None,
    }
}

/// A parameter value: any number (ints and floats alike), `T`/`F` as 1/0,
/// or a string (a choice name such as `lowpass`, or a number as text).
pub fn param(a: &OscType) -> Option<ParamArg> {
    match a {
        OscType::String(s) => Some(ParamArg::Text(s.clone())),
        OscType::Bool(b) => Some(ParamArg::Number(if *b { 1.0 } else { 0.0 })),
        _ => number(a).map(|v| ParamArg::Number(v as f32)),
    }
}

/// A switch: `T`/`F`, a number (> 0 is on), or one of the words
/// `on`/`off`, `true`/`false`, `yes`/`no`, `1`/`0` (any case).
pub fn switch(a: &OscType) -> Option<bool> {
    match a {
        OscType::Bool(b) => Some(*b),
        OscType::String(s) => match s.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => Some(true),
            "off" | "false" | "no" | "0" => Some(false),
            _ => None,
        },
        _ => number(a).filter(|v| !v.is_nan()).map(|v| v > 0.0),
    }
}

/// The OSC type of an argument, for error messages.
pub fn type_name(a: &OscType) -> &'static str {
    match a {
        OscType::Int(_) => "int",
        OscType::Float(_) => "float",
        OscType::String(_) => "string",
        OscType::Blob(_) => "blob",
        OscType::Time(_) => "timetag",
        OscType::Long(_) => "int64",
        OscType::Double(_) => "double",
        OscType::Char(_) => "char",
        OscType::Color(_) => "color",
        OscType::Midi(_) => "midi",
        OscType::Bool(_) => "bool",
        OscType::Array(_) => "array",
        OscType::Nil => "nil",
        OscType::Inf => "infinitum",
    }
}

/// An argument written for people (`/fail` texts, `synth-jack send` output).
pub fn show(a: &OscType) -> String {
    match a {
        OscType::Int(v) => v.to_string(),
        OscType::Long(v) => v.to_string(),
        OscType::Float(v) => v.to_string(),
        OscType::Double(v) => v.to_string(),
        OscType::String(s) => s.clone(),
        OscType::Bool(b) => b.to_string(),
        OscType::Char(c) => c.to_string(),
        OscType::Nil => "nil".into(),
        OscType::Inf => "inf".into(),
        OscType::Array(arr) => {
            let inner: Vec<String> = arr.content.iter().map(show).collect();
            format!("[{}]", inner.join(" "))
        }
        // Never rosc's Display: it converts timetags through SystemTime,
        // which panics on times before the Unix epoch.
        OscType::Time(t) => match timetag(*t) {
            When::Now => "immediately".into(),
            When::At(u) => format!("timetag {u:.6}"),
        },
        OscType::Blob(b) => format!("blob of {} bytes", b.len()),
        OscType::Color(c) => format!(
            "color {:02x}{:02x}{:02x}{:02x}",
            c.red, c.green, c.blue, c.alpha
        ),
        OscType::Midi(m) => format!(
            "midi {:02x} {:02x} {:02x} {:02x}",
            m.port, m.status, m.data1, m.data2
        ),
    }
}
