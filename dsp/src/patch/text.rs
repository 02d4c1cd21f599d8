//! The patch-file text format: writing a patch out and reading it back.

use super::{ParamArg, Patch};
use crate::error::PatchError;
use crate::registry::Registry;

impl Patch {
    /// The patch in patch-file syntax.
    pub fn to_text(&self, reg: &Registry) -> String {
        let mut s = String::new();
        for b in &self.buffers {
            s.push_str(&format!("buffer {} {}\n", b.name, b.file));
        }
        for m in &self.modules {
            let spec = reg.find(&m.kind).map(|t| t.spec);
            let mut params = String::new();
            for (p, v) in &m.params {
                let text = spec
                    .and_then(|sp| sp.param_index(p).map(|i| sp.params[i].format_value(*v)))
                    .unwrap_or_else(|| format!("{v}"));
                params.push_str(&format!(" {p}={text}"));
            }
            if let Some(b) = &m.buffer {
                params.push_str(&format!(" buffer={b}"));
            }
            if m.kind == crate::voice::instrument::SPEC.name {
                s.push_str(&self.voice_text(reg, &m.id, &params));
            } else {
                match m.kind.split_once(':') {
                    // A run-time type `TYPE:ARG` reads back as `TYPE uri=ARG`.
                    Some((family, arg)) => {
                        s.push_str(&format!("create {} {family} uri={arg}", m.id))
                    }
                    None => s.push_str(&format!("create {} {}", m.id, m.kind)),
                }
                s.push_str(&params);
                s.push('\n');
            }
        }
        for c in &self.connections {
            s.push_str(&format!(
                "connect {}.{} {}.{}\n",
                c.from, c.from_port, c.to, c.to_port
            ));
        }
        s.push_str(&self.midi_text());
        s
    }

    /// Reads patch-file text: one command per line (`create`, `connect`,
    /// `disconnect`, `delete`, `set`, `buffer`), `#` comments. Errors carry the line.
    pub fn parse(reg: &Registry, text: &str) -> Result<(Patch, Vec<String>), PatchError> {
        let mut p = Patch::new();
        let mut warnings = Vec::new();
        // Inside `voice NAME ... end`, ids are prefixed `NAME.`.
        let mut voice: Option<String> = None;
        for (n, line) in content_lines(text) {
            let owned;
            let line = match (&voice, line.split_whitespace().next()) {
                (_, Some("voice" | "end" | "midi" | "cc")) | (None, _) => line,
                (Some(v), _) => {
                    owned = crate::voice::edit::prefix_line(v, line);
                    owned.as_str()
                }
            };
            let at = |e: PatchError| PatchError::Parse {
                line: n,
                message: e.to_string(),
            };
            let words: Vec<&str> = line.split_whitespace().collect();
            let usage = |u: &str| PatchError::Parse {
                line: n,
                message: format!("usage: {u}"),
            };
            match words[0] {
                "voice" | "end" | "midi" | "cc" => {
                    let w = p
                        .parse_voice_line(reg, &words, &mut voice)
                        .map_err(at)?;
                    warnings.extend(w);
                }
                "create" => {
                    if words.len() < 3 {
                        return Err(usage("create ID TYPE [param=value]..."));
                    }
                    let params = word_assignments(&words[3..])
                        .map_err(|_| usage("create ID TYPE [param=value]..."))?;
                    warnings.extend(p.create(reg, words[1], words[2], &params).map_err(at)?);
                }
                "connect" | "disconnect" => {
                    if words.len() != 3 {
                        return Err(usage(&format!("{} SRC DST", words[0])));
                    }
                    if words[0] == "connect" {
                        p.connect(reg, words[1], words[2]).map_err(at)?;
                    } else {
                        p.disconnect(reg, words[1], words[2]).map_err(at)?;
                    }
                }
                "buffer" => {
                    if words.len() != 3 || !crate::name::is_valid_name(words[1]) {
                        return Err(usage("buffer NAME FILE (NAME: A-Z a-z 0-9 _ -)"));
                    }
                    p.set_buffer_line(words[1], Some(words[2]));
                }
                "delete" => {
                    if words.len() != 2 {
                        return Err(usage("delete ID"));
                    }
                    p.delete(words[1]).map_err(at)?;
                }
                "set" => {
                    let one = match words.get(2..).map(word_assignments) {
                        Some(Ok(v)) if words.len() >= 3 && v.len() == 1 => v,
                        _ => return Err(usage("set ID PARAM VALUE")),
                    };
                    let (param, value) = &one[0];
                    let (_, w) = p.set(reg, words[1], param, value).map_err(at)?;
                    warnings.extend(w);
                }
                other => {
                    return Err(PatchError::Parse {
                        line: n,
                        message: format!(
                        "unknown command '{other}' (use create, connect, disconnect, delete, set, buffer, voice, end, midi, cc)"
                    ),
                    })
                }
            }
        }
        if let Some(v) = voice {
            return Err(PatchError::Parse {
                line: text.lines().count(),
                message: format!("voice {v} has no `end`"),
            });
        }
        Ok((p, warnings))
    }
}

/// Lines of a patch or events file without comments and blank ones, each
/// with its 1-based line number.
pub(crate) fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(n, raw)| {
        let line = raw.split('#').next().unwrap_or("").trim();
        (!line.is_empty()).then_some((n + 1, line))
    })
}

/// Reads parameter assignments, each written `name=value` (one item) or
/// `name value` (two items): the one parser for patch files, events files
/// and `/patch/create`. `name(k)` reads item `k` as a name (or says why it
/// cannot), `value(k)` reads item `k` as a value, and `missing(name)` is the
/// error for a last name without a value.
pub fn read_assignments<'a, E>(
    count: usize,
    mut name: impl FnMut(usize) -> Result<&'a str, E>,
    mut value: impl FnMut(usize) -> Result<ParamArg, E>,
    missing: impl FnOnce(&str) -> E,
) -> Result<Vec<(String, ParamArg)>, E> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < count {
        let n = name(k)?;
        if let Some((p, v)) = n.split_once('=') {
            out.push((p.to_string(), ParamArg::Text(v.to_string())));
            k += 1;
        } else if k + 1 < count {
            out.push((n.to_string(), value(k + 1)?));
            k += 2;
        } else {
            return Err(missing(n));
        }
    }
    Ok(out)
}

/// [`read_assignments`] over words of text; the error is the name left
/// without a value.
pub(crate) fn word_assignments(words: &[&str]) -> Result<Vec<(String, ParamArg)>, String> {
    read_assignments(
        words.len(),
        |k| Ok(words[k]),
        |k| Ok(ParamArg::Text(words[k].to_string())),
        |n| n.to_string(),
    )
}
