//! Checking the musical-time requests: `/patch/commit bar|beat|N`,
//! `/tempo BPM`, `/transport [start|stop|locate WHEN]` and
//! `/at WHEN ADDRESS [ARGS...]`. Carried out in `dispatch/musical.rs`.

use crate::control::transport::Quantum;
use rosc::{OscMessage, OscType};

/// A musical time: an absolute beat (0 = bar 1, beat 1), beats from now,
/// or bar and beat.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    /// Beat position from the transport's origin.
    Beat(f64),
    /// This many beats after what is rendered now.
    After(f64),
    /// Bar (from 1) and beat in the bar (from 1, fraction allowed).
    BarBeat(i64, f64),
}

/// A checked musical-time request.
#[derive(Debug, Clone, PartialEq)]
pub enum Musical {
    /// Commit on the next boundary.
    Commit(Quantum),
    /// Set the internal clock's tempo.
    Tempo(f64),
    /// Report the transport.
    Query,
    /// Start the JACK transport.
    Start,
    /// Stop it.
    Stop,
    /// Relocate it.
    Locate(When),
    /// Run `msg` at a musical time.
    At(When, OscMessage),
}

fn number(a: &OscType) -> Option<f64> {
    match a {
        OscType::Int(v) => Some(*v as f64),
        OscType::Long(v) => Some(*v as f64),
        OscType::Float(v) => Some(*v as f64),
        OscType::Double(v) => Some(*v),
        OscType::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|v: &f64| v.is_finite())
}

/// `12.5` (beat), `"+2"` (beats from now) or `"5:3"` / `"5:3.5"` (bar:beat).
fn when(a: &OscType) -> Result<When, String> {
    let bad = || {
        "a musical time: a beat number (0 = bar 1 beat 1), \"+BEATS\" from now, or \"BAR:BEAT\""
            .to_string()
    };
    if let OscType::String(s) = a {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix('+') {
            let v: f64 = rest.parse().map_err(|_| bad())?;
            return (v.is_finite() && v >= 0.0)
                .then_some(When::After(v))
                .ok_or_else(bad);
        }
        if let Some((bar, beat)) = s.split_once(':') {
            let bar: i64 = bar.parse().map_err(|_| bad())?;
            let beat: f64 = beat.parse().map_err(|_| bad())?;
            return (bar >= 1 && beat >= 1.0 && beat.is_finite())
                .then_some(When::BarBeat(bar, beat))
                .ok_or_else(bad);
        }
    }
    number(a).map(When::Beat).ok_or_else(bad)
}

/// Checks `msg` when its address is a musical-time one (`None`: it is not;
/// `/patch/commit` without arguments is left to the plain parser).
pub fn parse(msg: &OscMessage) -> Option<Result<Musical, String>> {
    let args = msg.args.as_slice();
    let r = match msg.addr.as_str() {
        "/patch/commit" if !args.is_empty() => {
            if args.len() != 1 {
                return Some(Err(format!(
                    "/patch/commit takes 0 or 1 arguments (bar, beat or a number of beats), got {}",
                    args.len()
                )));
            }
            match &args[0] {
                OscType::String(s) if s == "bar" => Ok(Musical::Commit(Quantum::Bar)),
                OscType::String(s) if s == "beat" => Ok(Musical::Commit(Quantum::Beats(1.0))),
                a => match number(a) {
                    Some(n) if n > 0.0 && n <= 1024.0 => Ok(Musical::Commit(Quantum::Beats(n))),
                    _ => Err(format!(
                        "bad quantum {a:?}: use bar, beat or a number of beats (0 < N <= 1024)"
                    )),
                },
            }
        }
        "/tempo" => match args {
            [a] => match number(a) {
                Some(v) if crate::cli::BPM_RANGE.contains(&v) => Ok(Musical::Tempo(v)),
                _ => Err(format!("bad tempo {a:?}: use a number of BPM in 1..999")),
            },
            _ => Err(format!("usage: /tempo BPM (got {} arguments)", args.len())),
        },
        "/transport" => match args {
            [] => Ok(Musical::Query),
            [OscType::String(c)] if c == "start" => Ok(Musical::Start),
            [OscType::String(c)] if c == "stop" => Ok(Musical::Stop),
            [OscType::String(c), w] if c == "locate" => when(w).and_then(|w| match w {
                When::After(_) => Err("locate takes an absolute time (beat or BAR:BEAT)".into()),
                w => Ok(Musical::Locate(w)),
            }),
            _ => Err("usage: /transport [start | stop | locate BEAT|BAR:BEAT]".into()),
        },
        "/at" => {
            if args.len() < 2 {
                return Some(Err("usage: /at WHEN ADDRESS [ARGS...]".into()));
            }
            let w = match when(&args[0]) {
                Ok(w) => w,
                Err(e) => return Some(Err(format!("/at: {e}"))),
            };
            match &args[1] {
                OscType::String(addr) if addr.starts_with('/') && addr != "/at" => Ok(Musical::At(
                    w,
                    OscMessage {
                        addr: addr.clone(),
                        args: args[2..].to_vec(),
                    },
                )),
                a => Err(format!(
                    "/at: bad address {a:?}: the second argument is the message's address (not /at)"
                )),
            }
        }
        _ => return None,
    };
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(addr: &str, args: Vec<OscType>) -> OscMessage {
        OscMessage {
            addr: addr.into(),
            args,
        }
    }

    fn st(s: &str) -> OscType {
        OscType::String(s.into())
    }

    #[test]
    fn parses_musical_requests() {
        let p = |addr, args| parse(&m(addr, args)).unwrap();
        assert_eq!(
            p("/patch/commit", vec![st("bar")]),
            Ok(Musical::Commit(Quantum::Bar))
        );
        assert_eq!(
            p("/patch/commit", vec![OscType::Int(2)]),
            Ok(Musical::Commit(Quantum::Beats(2.0)))
        );
        assert!(p("/patch/commit", vec![OscType::Int(0)]).is_err());
        assert!(parse(&m("/patch/commit", vec![])).is_none());
        assert_eq!(
            p("/tempo", vec![OscType::Float(123.5)]),
            Ok(Musical::Tempo(123.5))
        );
        assert!(p("/tempo", vec![OscType::Float(0.0)]).is_err());
        assert_eq!(p("/transport", vec![]), Ok(Musical::Query));
        assert_eq!(
            p("/transport", vec![st("locate"), st("3:2")]),
            Ok(Musical::Locate(When::BarBeat(3, 2.0)))
        );
        assert_eq!(
            p("/at", vec![st("+1"), st("/gate/env"), OscType::Int(1)]),
            Ok(Musical::At(
                When::After(1.0),
                m("/gate/env", vec![OscType::Int(1)])
            ))
        );
        assert!(p("/at", vec![OscType::Int(4), st("/at")]).is_err());
        assert!(p("/at", vec![st("x"), st("/gate/e")]).is_err());
    }
}
