//! The patch-file text format: writing a patch out and reading it back.

use super::{ParamArg, Patch};
use crate::error::PatchError;
use crate::registry::Registry;

impl Patch {
    /// The patch in patch-file syntax.
    pub fn to_text(&self, reg: &Registry) -> String {
        let mut s = String::new();
        for m in &self.modules {
            s.push_str(&format!("create {} {}", m.id, m.kind));
            let spec = reg.find(&m.kind).map(|t| t.spec);
            for (p, v) in &m.params {
                let text = spec
                    .and_then(|sp| sp.param_index(p).map(|i| sp.params[i].format_value(*v)))
                    .unwrap_or_else(|| format!("{v}"));
                s.push_str(&format!(" {p}={text}"));
            }
            s.push('\n');
        }
        for c in &self.connections {
            s.push_str(&format!(
                "connect {}.{} {}.{}\n",
                c.from, c.from_port, c.to, c.to_port
            ));
        }
        s
    }

    /// Reads patch-file text: one command per line (`create`, `connect`,
    /// `disconnect`, `delete`, `set`), `#` comments. Errors carry the line.
    pub fn parse(reg: &Registry, text: &str) -> Result<(Patch, Vec<String>), PatchError> {
        let mut p = Patch::new();
        let mut warnings = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let at = |e: PatchError| PatchError::Parse {
                line: n + 1,
                message: e.to_string(),
            };
            let words: Vec<&str> = line.split_whitespace().collect();
            let usage = |u: &str| PatchError::Parse {
                line: n + 1,
                message: format!("usage: {u}"),
            };
            match words[0] {
                "create" => {
                    if words.len() < 3 {
                        return Err(usage("create ID TYPE [param=value]..."));
                    }
                    let mut params = Vec::new();
                    let rest = &words[3..];
                    let mut i = 0;
                    while i < rest.len() {
                        if let Some((k, v)) = rest[i].split_once('=') {
                            params.push((k.to_string(), ParamArg::Text(v.to_string())));
                            i += 1;
                        } else if i + 1 < rest.len() {
                            params.push((
                                rest[i].to_string(),
                                ParamArg::Text(rest[i + 1].to_string()),
                            ));
                            i += 2;
                        } else {
                            return Err(usage("create ID TYPE [param=value]..."));
                        }
                    }
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
                "delete" => {
                    if words.len() != 2 {
                        return Err(usage("delete ID"));
                    }
                    p.delete(words[1]).map_err(at)?;
                }
                "set" => {
                    let (id, param, value) = match words.len() {
                        3 => match words[2].split_once('=') {
                            Some((k, v)) => (words[1], k, v),
                            None => return Err(usage("set ID PARAM VALUE")),
                        },
                        4 => (words[1], words[2], words[3]),
                        _ => return Err(usage("set ID PARAM VALUE")),
                    };
                    let (_, w) = p
                        .set(reg, id, param, &ParamArg::Text(value.to_string()))
                        .map_err(at)?;
                    warnings.extend(w);
                }
                other => {
                    return Err(PatchError::Parse {
                        line: n + 1,
                        message: format!(
                        "unknown command '{other}' (use create, connect, disconnect, delete, set)"
                    ),
                    })
                }
            }
        }
        Ok((p, warnings))
    }
}
