//! Pictures of a patch: Graphviz DOT (modules as boxes listing their
//! parameters, audio connections as solid edges, modulation of a parameter
//! as dashed edges), and SVG through Graphviz's `dot` when it is installed.
//! Used by `synth-jack graph` and `/patch/graph`.

use crate::files::FileError;
use dsp::{Patch, Registry};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `s` quoted for a DOT string.
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                q.push('\\');
                q.push(c);
            }
            '\n' => q.push_str("\\n"),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// The patch as a DOT digraph.
pub fn dot(patch: &Patch, reg: &Registry) -> String {
    let mut out = String::from(
        "digraph patch {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    for m in &patch.modules {
        let spec = reg.find(&m.kind).map(|t| t.spec);
        // DOT's \l ends a left-justified line; it must not be escaped.
        let mut label = format!("{}\\n{}\\n", esc(&m.id), esc(&m.kind));
        for (p, v) in &m.params {
            let text = spec
                .and_then(|sp| sp.param_index(p).map(|i| sp.params[i].format_value(*v)))
                .unwrap_or_else(|| format!("{v}"));
            label.push_str(&format!("{}={}\\l", esc(p), esc(&text)));
        }
        out.push_str(&format!("  {} [label=\"{label}\"];\n", quote(&m.id)));
    }
    for c in &patch.connections {
        let modulation = patch
            .module(&c.to)
            .and_then(|m| reg.find(&m.kind))
            .is_some_and(|t| t.spec.param_index(&c.to_port).is_some());
        let style = if modulation { ", style=dashed" } else { "" };
        out.push_str(&format!(
            "  {} -> {} [label={}{style}];\n",
            quote(&c.from),
            quote(&c.to),
            quote(&format!("{} → {}", c.from_port, c.to_port))
        ));
    }
    out.push_str("}\n");
    out
}

/// `s` escaped for inside a DOT string (no quotes added).
fn esc(s: &str) -> String {
    let q = quote(s);
    q[1..q.len() - 1].to_string()
}

/// Writes `dot` into `path` (`.dot`) and, when Graphviz's `dot` runs, the
/// SVG beside it (`.svg`); returns the files written.
pub fn write(dot: &str, path: &Path) -> Result<Vec<PathBuf>, FileError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| FileError::create_dir("", dir, e))?;
    }
    std::fs::write(path, dot).map_err(|e| FileError::write(path, e))?;
    let mut written = vec![path.to_path_buf()];
    let svg = path.with_extension("svg");
    match Command::new("dot")
        .arg("-Tsvg")
        .arg("-o")
        .arg(&svg)
        .arg(path)
        .output()
    {
        Ok(o) if o.status.success() => written.push(svg),
        Ok(o) => log::warn!(
            "dot could not draw {}: {}",
            path.display(),
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(_) => log::info!("Graphviz's dot is not installed: wrote DOT only"),
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_boxes_and_modulation_is_dashed() {
        let reg = crate::registry();
        let (p, _) = Patch::parse(
            &reg,
            "create osc saw freq=110\ncreate lfo lfo\ncreate out output\nconnect lfo osc.freq\nconnect osc out.in1\n",
        )
        .unwrap();
        let d = dot(&p, &reg);
        assert!(d.starts_with("digraph patch {"), "{d}");
        assert!(
            d.contains("\"osc\" [label=\"osc\\nsaw\\nfreq=110\\l\"]"),
            "{d}"
        );
        assert!(
            d.contains("\"lfo\" -> \"osc\" [label=\"out → freq\", style=dashed]"),
            "{d}"
        );
        assert!(
            d.contains("\"osc\" -> \"out\" [label=\"out → in1\"];"),
            "{d}"
        );
        assert_eq!(quote("a\"b\\"), "\"a\\\"b\\\\\"");
    }
}
