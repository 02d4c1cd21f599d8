//! Checking the instrument addresses: `/note/*`, `/voice/create`,
//! `/midi/map`, `/midi/cc` (see docs/osc.md, "Instruments").

use super::decode::{number, param, text};
use super::request::{check_name, clip, Request};
use dsp::voice::midi::{split_target, CcRoute};
use dsp::{NoteEvent, ParamArg};
use rosc::OscType;

/// The request for an instrument address, `None` for any other address;
/// `usage` is its row's in [`super::addresses::ADDRESSES`].
pub fn parse(addr: &str, args: &[OscType], usage: &str) -> Option<Result<Request, String>> {
    let mine = ["/note", "/voice/", "/midi/"];
    if !mine.iter().any(|p| addr.starts_with(p)) {
        return None;
    }
    Some(parse_with(addr, args, usage))
}

fn parse_with(addr: &str, args: &[OscType], usage: &str) -> Result<Request, String> {
    let a = A { args, usage };
    match addr {
        "/note/on" | "/note" => {
            let timed = addr == "/note";
            a.count(if timed { 4 } else { 3 })?;
            let inst = a.id(0)?;
            let note = a.num(1, "a note number 0-127", 0.0, 127.0)?;
            let vel = a.num(2, "a velocity 0-127", 0.0, 127.0)?;
            let dur_ms = if timed {
                Some(a.num(3, "a duration in ms >= 0", 0.0, 3.6e6)?)
            } else {
                None
            };
            let ev = if vel == 0.0 {
                NoteEvent::Off { note }
            } else {
                NoteEvent::On {
                    note,
                    vel: vel / 127.0,
                }
            };
            Ok(Request::Note { inst, ev, dur_ms })
        }
        "/note/off" => {
            a.count(2)?;
            let note = a.num(1, "a note number 0-127", 0.0, 127.0)?;
            a.note(NoteEvent::Off { note })
        }
        "/note/bend" => {
            a.count(2)?;
            let st = a.num(1, "semitones -48..48", -48.0, 48.0)?;
            a.note(NoteEvent::Bend(st))
        }
        "/note/pressure" => {
            a.count(2)?;
            let p = a.num(1, "a pressure 0-1", 0.0, 1.0)?;
            a.note(NoteEvent::Pressure(p))
        }
        "/note/alloff" => {
            a.count(1)?;
            a.note(NoteEvent::AllOff)
        }
        "/voice/create" => {
            if args.is_empty() {
                return Err(format!("expected at least 1 argument; usage: {usage}"));
            }
            let name = a.id(0)?;
            let mut params = Vec::new();
            let mut i = 1;
            if args.len() > 1 && number(&args[1]).is_some() {
                params.push(("count".to_string(), param(&args[1]).expect("a number")));
                i = 2;
            }
            while i < args.len() {
                let key = text(&args[i]).ok_or_else(|| a.wrong(i, "a key (string)"))?;
                if let Some((k, v)) = key.split_once('=') {
                    params.push((k.to_string(), ParamArg::Text(v.to_string())));
                    i += 1;
                } else if i + 1 < args.len() {
                    let v = param(&args[i + 1]).ok_or_else(|| a.wrong(i + 1, "a value"))?;
                    params.push((key.to_string(), v));
                    i += 2;
                } else {
                    return Err(format!("key '{}' has no value; usage: {usage}", clip(key)));
                }
            }
            Ok(Request::VoiceCreate { name, params })
        }
        "/midi/map" => {
            a.count(2)?;
            let channel = a.num(0, "a MIDI channel 1-16", 1.0, 16.0)? as u8;
            Ok(Request::MidiMap {
                channel,
                inst: a.id(1)?,
            })
        }
        "/midi/cc" => {
            if !(5..=6).contains(&args.len()) {
                return Err(format!(
                    "expected 5 or 6 arguments, got {}; usage: {usage}",
                    args.len()
                ));
            }
            let channel = a.num(0, "a MIDI channel 0-16", 0.0, 16.0)? as u8;
            let cc = a.num(1, "a controller number 0-127", 0.0, 127.0)? as u8;
            let target = text(&args[2])
                .ok_or_else(|| a.wrong(2, "a target (string MODULE.PARAM)"))?
                .to_string();
            split_target(&target).map_err(|e| e.to_string())?;
            let min = a.num(3, "a number", f32::MIN, f32::MAX)?;
            let max = a.num(4, "a number", f32::MIN, f32::MAX)?;
            let exp = match args.get(5).map(text) {
                None | Some(Some("lin")) => false,
                Some(Some("exp")) => true,
                _ => return Err(a.wrong(5, "'lin' or 'exp'")),
            };
            Ok(Request::MidiCc(CcRoute {
                channel,
                cc,
                target,
                min,
                max,
                exp,
            }))
        }
        _ => Err(format!("'{}' is not an instrument address", clip(addr))),
    }
}

struct A<'a> {
    args: &'a [OscType],
    usage: &'a str,
}

impl A<'_> {
    fn count(&self, n: usize) -> Result<(), String> {
        if self.args.len() != n {
            return Err(format!(
                "expected {n} argument{}, got {}; usage: {}",
                if n == 1 { "" } else { "s" },
                self.args.len(),
                self.usage
            ));
        }
        Ok(())
    }

    fn wrong(&self, i: usize, what: &str) -> String {
        let got = self
            .args
            .get(i)
            .map(|a| clip(&format!("{a:?}")))
            .unwrap_or_else(|| "nothing".into());
        format!(
            "argument {} must be {what}, got {got}; usage: {}",
            i + 1,
            self.usage
        )
    }

    fn id(&self, i: usize) -> Result<String, String> {
        let s = text(&self.args[i]).ok_or_else(|| self.wrong(i, "an instrument id (string)"))?;
        check_name(s, "instrument id")?;
        Ok(s.to_string())
    }

    fn num(&self, i: usize, what: &str, lo: f32, hi: f32) -> Result<f32, String> {
        number(&self.args[i])
            .map(|v| v as f32)
            .filter(|v| v.is_finite() && *v >= lo && *v <= hi)
            .ok_or_else(|| self.wrong(i, what))
    }

    fn note(&self, ev: NoteEvent) -> Result<Request, String> {
        Ok(Request::Note {
            inst: self.id(0)?,
            ev,
            dur_ms: None,
        })
    }
}
