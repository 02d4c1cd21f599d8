//! OSC shorthands: argument and message builders, timetags, and reading
//! replies (numbers of any width, a message as one line of text).

use rosc::{OscMessage, OscPacket, OscTime, OscType};
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
const NTP_UNIX: u64 = 2_208_988_800;

/// The "immediately" timetag.
pub const IMMEDIATELY: OscTime = OscTime {
    seconds: 0,
    fractional: 1,
};

/// A string argument.
pub fn s(x: &str) -> OscType {
    OscType::String(x.to_string())
}

/// A float argument.
pub fn f(x: f32) -> OscType {
    OscType::Float(x)
}

/// An int argument.
pub fn i(x: i32) -> OscType {
    OscType::Int(x)
}

/// A message packet.
pub fn msg(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: addr.to_string(),
        args,
    })
}

/// An OSC timetag for Unix time `secs`.
pub fn timetag(secs: f64) -> OscTime {
    let whole = secs.floor();
    let frac = ((secs - whole) * 4_294_967_296.0) as u64;
    OscTime {
        seconds: (whole as u64 + NTP_UNIX) as u32,
        fractional: frac.min(u32::MAX as u64) as u32,
    }
}

/// Unix time now, in seconds.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64()
}

/// A number argument as f64 (ints and floats of any width).
pub fn num(a: Option<&OscType>) -> Option<f64> {
    match a? {
        OscType::Int(x) => Some(*x as f64),
        OscType::Long(x) => Some(*x as f64),
        OscType::Float(x) => Some(*x as f64),
        OscType::Double(x) => Some(*x),
        _ => None,
    }
}

/// A message as one line: address, then each argument (numbers as numbers).
pub fn show(m: &OscMessage) -> String {
    let args: Vec<String> = m
        .args
        .iter()
        .map(|a| match a {
            OscType::String(x) => x.clone(),
            other => num(Some(other))
                .map(|v| v.to_string())
                .unwrap_or_else(|| format!("{other:?}")),
        })
        .collect();
    format!("{} {}", m.addr, args.join(" "))
}

/// `/telemetry.reply`'s name/value pairs (values of any number type).
pub fn telemetry_pairs(m: &OscMessage) -> HashMap<String, f64> {
    let mut out = HashMap::new();
    for pair in m.args.chunks(2) {
        if let [OscType::String(k), v] = pair {
            if let Some(x) = num(Some(v)) {
                out.insert(k.clone(), x);
            }
        }
    }
    out
}

/// The first message of a packet (depth first through bundles).
pub fn first_message(p: OscPacket) -> Option<OscMessage> {
    match p {
        OscPacket::Message(m) => Some(m),
        OscPacket::Bundle(b) => b.content.into_iter().find_map(first_message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timetags_and_numbers() {
        assert_eq!(timetag(0.5).seconds as u64, NTP_UNIX);
        assert_eq!(timetag(0.5).fractional, 1 << 31);
        assert_eq!(num(Some(&i(3))), Some(3.0));
        assert_eq!(num(Some(&OscType::Double(0.25))), Some(0.25));
        assert_eq!(num(Some(&s("x"))), None);
        let m = OscMessage {
            addr: "/a".into(),
            args: vec![s("b"), i(2), f(0.5)],
        };
        assert_eq!(show(&m), "/a b 2 0.5");
    }
}
