//! What a message asks for: address and argument checking as a pure function
//! from an OSC message to a [`Request`] or the reason it is refused.

use super::decode::{param, show, switch, text, type_name};
use super::Failure;
use dsp::name::is_valid_name;
use dsp::patch::read_assignments;
use dsp::ParamArg;
use rosc::{OscMessage, OscType};

/// A checked request.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// `/patch/create id type [param value]...`
    Create {
        /// Module id.
        id: String,
        /// Module type.
        kind: String,
        /// Initial parameter values.
        params: Vec<(String, ParamArg)>,
    },
    /// `/patch/connect src dst`
    Connect {
        /// `id` or `id.output`.
        src: String,
        /// `id`, `id.input` or `id.param`.
        dst: String,
    },
    /// `/patch/disconnect src dst`
    Disconnect {
        /// `id` or `id.output`.
        src: String,
        /// `id`, `id.input` or `id.param`.
        dst: String,
    },
    /// `/patch/delete id`
    Delete {
        /// Module id.
        id: String,
    },
    /// `/patch/set id param value`
    Set {
        /// Module id.
        id: String,
        /// Parameter name.
        param: String,
        /// The value: a number, or text (a choice name or a number written as text).
        value: ParamArg,
    },
    /// `/patch/commit`
    Commit,
    /// `/patch/abort`
    Abort,
    /// `/patch/cancel`
    Cancel,
    /// `/patch/clear`
    Clear,
    /// `/patch/dump [pending|active]`
    Dump {
        /// Dump the pending patch instead of the playing one.
        pending: bool,
    },
    /// `/patch/load name`
    Load {
        /// File name without directory or extension.
        name: String,
    },
    /// `/patch/save name`
    Save {
        /// File name without directory or extension.
        name: String,
    },
    /// `/patch/graph name`
    Graph {
        /// File name without directory or extension.
        name: String,
    },
    /// `/mod/<id>/<param> value`
    Mod {
        /// Module id.
        id: String,
        /// Parameter name.
        param: String,
        /// The value: a number, or text (a choice name or a number written as text).
        value: ParamArg,
    },
    /// `/gate/<id> on|off`
    Gate {
        /// Module id.
        id: String,
        /// Open or close.
        on: bool,
    },
    /// `/status`
    Status,
    /// `/telemetry`
    Telemetry,
    /// `/notify 1|0`
    Notify(bool),
    /// `/sync id`
    Sync(OscType),
    /// `/record/start [name [overwrite]]`: the file name, and whether an
    /// existing file of that name may be replaced.
    RecordStart(Option<String>, bool),
    /// `/record/stop`
    RecordStop,
    /// `/modules`
    Modules,
    /// `/plugins`: every installed LV2 plugin.
    Plugins,
    /// `/plugin/info URI`
    PluginInfo {
        /// Plugin URI.
        uri: String,
    },
    /// `/plugin/get ID SYMBOL`: a plugin port's current value.
    PluginGet {
        /// Module id.
        id: String,
        /// Port symbol.
        symbol: String,
    },
    /// `/plugin/stats`: per-plugin run counts and overruns.
    PluginStats,
    /// `/quit`
    Quit,
    /// `/note/on`, `/note/off`, `/note`, `/note/bend`, `/note/pressure`, `/note/alloff`
    Note {
        /// Instrument id.
        inst: String,
        /// What to do.
        ev: dsp::NoteEvent,
        /// `/note`: the note-off follows this many ms after the note-on.
        dur_ms: Option<f32>,
    },
    /// `/voice/create name [count] [key value]...`
    VoiceCreate {
        /// Instrument id.
        name: String,
        /// Voice settings (`count`, `mode`, `steal`, ...).
        params: Vec<(String, ParamArg)>,
    },
    /// `/midi/map channel instrument`
    MidiMap {
        /// MIDI channel 1–16.
        channel: u8,
        /// Instrument id.
        inst: String,
    },
    /// `/midi/cc channel cc target min max [lin|exp]`
    MidiCc(dsp::voice::midi::CcRoute),
    /// `/patch/commit bar|beat|N`, `/tempo`, `/transport`, `/at`.
    Musical(super::musical::Musical),
    /// `/buffer/load NAME FILE`
    BufferLoad {
        /// Buffer name (as for module ids).
        name: String,
        /// WAV file, relative to the sample directory.
        file: String,
    },
    /// `/buffer/free NAME`
    BufferFree {
        /// Buffer name.
        name: String,
    },
    /// `/buffer/list`
    BufferList,
}

impl Request {
    /// True for requests answered only when they fail (`/mod`, `/gate`).
    pub fn silent(&self) -> bool {
        matches!(
            self,
            Request::Mod { .. } | Request::Gate { .. } | Request::Note { .. }
        )
    }
}

/// Argument reader with messages that name the argument at fault.
struct Args<'a> {
    args: &'a [OscType],
    usage: &'a str,
}

impl<'a> Args<'a> {
    fn count(&self, min: usize, max: usize) -> Result<(), String> {
        let n = self.args.len();
        if n < min || n > max {
            let want = if min == max {
                format!("{min}")
            } else if max == usize::MAX {
                format!("at least {min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(format!(
                "expected {want} argument{}, got {n}; usage: {}",
                if want == "1" { "" } else { "s" },
                self.usage
            ));
        }
        Ok(())
    }

    fn wrong(&self, i: usize, what: &str) -> String {
        let a = &self.args[i];
        format!(
            "argument {} must be {what}, got {} {}; usage: {}",
            i + 1,
            type_name(a),
            quoted(a),
            self.usage
        )
    }

    fn text(&self, i: usize, what: &str) -> Result<&'a str, String> {
        text(&self.args[i]).ok_or_else(|| self.wrong(i, what))
    }

    /// A module id: a string of 1 to 64 characters of `[A-Za-z0-9_-]`, or
    /// `INSTRUMENT.ID` for a module of a voice template.
    fn id(&self, i: usize) -> Result<String, String> {
        let s = self.text(i, "a module id (string)")?;
        check_id(s)?;
        Ok(s.to_string())
    }

    fn file_name(&self, i: usize) -> Result<String, String> {
        let s = self.text(i, "a name (string)")?;
        check_name(s, "name")?;
        Ok(s.to_string())
    }

    fn value(&self, i: usize) -> Result<ParamArg, String> {
        param(&self.args[i]).ok_or_else(|| self.wrong(i, "a number or a string"))
    }
}

fn quoted(a: &OscType) -> String {
    format!("'{}'", clip(&show(a)))
}

/// Refuses names that are not 1 to 64 characters of `[A-Za-z0-9_-]` (so file
/// names cannot leave their directory).
pub fn check_name(s: &str, what: &str) -> Result<(), String> {
    if is_valid_name(s) {
        Ok(())
    } else {
        Err(format!(
            "bad {what} '{}': use 1 to 64 characters of A-Z a-z 0-9 _ -",
            clip(s)
        ))
    }
}

/// A module id, or `INSTRUMENT.ID` for a module of a voice template.
fn check_id(s: &str) -> Result<(), String> {
    if dsp::voice::edit::inner_id(s).is_some() {
        return Ok(());
    }
    check_name(s, "module id")
}

/// An endpoint `id`, `id.port`: the id part must be a valid name; ports are
/// checked against the module type later.
fn endpoint(a: &Args, i: usize) -> Result<String, String> {
    let s = a.text(i, "an endpoint (string: id or id.port)")?;
    let id = s.split_once('.').map_or(s, |(id, _)| id);
    check_name(id, "module id").map_err(|e| format!("endpoint '{}': {e}", clip(s)))?;
    Ok(s.to_string())
}

/// Checks a message's address and arguments.
pub fn parse(msg: &OscMessage) -> Result<Request, Failure> {
    let Some(row) = super::addresses::lookup(&msg.addr) else {
        return Err(Failure::UnknownAddress(unknown(&msg.addr)));
    };
    check(msg, row.usage).map_err(Failure::BadRequest)
}

/// Checks the arguments of a message to a known address (`usage` is its row's).
fn check(msg: &OscMessage, usage: &str) -> Result<Request, String> {
    let addr = msg.addr.as_str();
    let args = msg.args.as_slice();
    let a = Args { args, usage };
    if let Some(r) = super::musical::parse(msg) {
        return r.map(Request::Musical);
    }
    if let Some(r) = super::notes::parse(addr, args, usage) {
        return r;
    }
    match addr {
        "/patch/create" => {
            a.count(2, usize::MAX)?;
            let id = a.id(0)?;
            let kind = a.text(1, "a module type (string)")?.to_string();
            let params = read_assignments(
                args.len() - 2,
                |k| a.text(k + 2, "a parameter name (string)"),
                |k| a.value(k + 2),
                |name| format!("parameter '{name}' has no value; usage: {}", a.usage),
            )?;
            Ok(Request::Create { id, kind, params })
        }
        "/patch/connect" | "/patch/disconnect" => {
            let connect = addr == "/patch/connect";
            a.count(2, 2)?;
            let src = endpoint(&a, 0)?;
            let dst = endpoint(&a, 1)?;
            Ok(if connect {
                Request::Connect { src, dst }
            } else {
                Request::Disconnect { src, dst }
            })
        }
        "/patch/delete" => {
            a.count(1, 1)?;
            Ok(Request::Delete { id: a.id(0)? })
        }
        "/patch/set" => {
            a.count(3, 3)?;
            Ok(Request::Set {
                id: a.id(0)?,
                param: a.text(1, "a parameter name (string)")?.to_string(),
                value: a.value(2)?,
            })
        }
        "/patch/commit" => a.count(0, 0).map(|_| Request::Commit),
        "/patch/abort" => a.count(0, 0).map(|_| Request::Abort),
        "/patch/cancel" => a.count(0, 0).map(|_| Request::Cancel),
        "/patch/clear" => a.count(0, 0).map(|_| Request::Clear),
        "/patch/dump" => {
            a.count(0, 1)?;
            if args.is_empty() {
                return Ok(Request::Dump { pending: false });
            }
            match a.text(0, "'pending' or 'active'")? {
                "pending" => Ok(Request::Dump { pending: true }),
                "active" | "committed" => Ok(Request::Dump { pending: false }),
                other => Err(format!(
                    "unknown patch '{}': use 'pending' or 'active'",
                    clip(other)
                )),
            }
        }
        "/patch/load" | "/patch/save" => {
            let load = addr == "/patch/load";
            a.count(1, 1)?;
            let name = a.file_name(0)?;
            Ok(if load {
                Request::Load { name }
            } else {
                Request::Save { name }
            })
        }
        "/patch/graph" => {
            a.count(1, 1)?;
            a.file_name(0).map(|name| Request::Graph { name })
        }
        "/status" => a.count(0, 0).map(|_| Request::Status),
        "/telemetry" => a.count(0, 0).map(|_| Request::Telemetry),
        "/notify" => {
            a.count(1, 1)?;
            switch(&args[0])
                .map(Request::Notify)
                .ok_or_else(|| a.wrong(0, "1 or 0"))
        }
        "/sync" => {
            a.count(1, 1)?;
            match &args[0] {
                id @ (OscType::Int(_)
                | OscType::Long(_)
                | OscType::Float(_)
                | OscType::Double(_)
                | OscType::String(_)) => Ok(Request::Sync(id.clone())),
                _ => Err(a.wrong(0, "an int (or a string)")),
            }
        }
        "/record/start" => {
            a.count(0, 2)?;
            if args.is_empty() {
                return Ok(Request::RecordStart(None, false));
            }
            let overwrite = match args.get(1) {
                None => false,
                Some(OscType::String(w)) if w == "overwrite" => true,
                Some(_) => return Err(a.wrong(1, "the word `overwrite`")),
            };
            Ok(Request::RecordStart(Some(a.file_name(0)?), overwrite))
        }
        "/record/stop" => a.count(0, 0).map(|_| Request::RecordStop),
        "/buffer/load" => {
            a.count(2, 2)?;
            Ok(Request::BufferLoad {
                name: a.file_name(0)?,
                file: a.text(1, "a file name (string)")?.to_string(),
            })
        }
        "/buffer/free" => {
            a.count(1, 1)?;
            a.file_name(0).map(|name| Request::BufferFree { name })
        }
        "/buffer/list" => a.count(0, 0).map(|_| Request::BufferList),
        "/modules" => a.count(0, 0).map(|_| Request::Modules),
        "/plugins" => a.count(0, 0).map(|_| Request::Plugins),
        "/plugin/info" => {
            a.count(1, 1)?;
            Ok(Request::PluginInfo {
                uri: a.text(0, "a plugin URI (string)")?.to_string(),
            })
        }
        "/plugin/get" => {
            a.count(2, 2)?;
            Ok(Request::PluginGet {
                id: a.id(0)?,
                symbol: a.text(1, "a port symbol (string)")?.to_string(),
            })
        }
        "/plugin/stats" => a.count(0, 0).map(|_| Request::PluginStats),
        "/quit" => a.count(0, 0).map(|_| Request::Quit),
        _ => {
            if let Some(rest) = addr.strip_prefix("/mod/") {
                let (id, p) = rest
                    .split_once('/')
                    .filter(|(_, p)| !p.is_empty() && !p.contains('/'))
                    .ok_or_else(|| unknown(addr))?;
                check_id(id)?;
                a.count(1, 1)?;
                Ok(Request::Mod {
                    id: id.to_string(),
                    param: p.to_string(),
                    value: a.value(0)?,
                })
            } else if let Some(id) = addr.strip_prefix("/gate/") {
                check_name(id, "module id")?;
                a.count(1, 1)?;
                let on = switch(&args[0])
                    .ok_or_else(|| a.wrong(0, "1/0, on/off, true/false or an OSC T/F"))?;
                Ok(Request::Gate {
                    id: id.to_string(),
                    on,
                })
            } else {
                Err(unknown(addr))
            }
        }
    }
}

/// Why an address is refused: a malformed `/mod/` or `/gate/` one gets its
/// usage, any other the pointer to the reference.
fn unknown(addr: &str) -> String {
    if addr.starts_with("/mod/") {
        format!("bad address '{}': use /mod/ID/PARAM", clip(addr))
    } else if let Some(id) = addr.strip_prefix("/gate/") {
        check_name(id, "module id")
            .err()
            .unwrap_or_else(|| format!("bad address '{}': use /gate/ID", clip(addr)))
    } else {
        format!(
            "unknown address '{}' (see docs/osc.md for the addresses synth-jack answers)",
            clip(addr)
        )
    }
}

/// Text shortened for messages.
pub fn clip(s: &str) -> String {
    if s.len() <= 80 {
        return s.to_string();
    }
    let mut cut = 77;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &s[..cut])
}
