//! The code's layout rules, checked so they stay true: the real-time boundary is exactly
//! src/rt/ (nothing there reaches into control, OSC or the engine), OSC reaches the engine only
//! through its `Backend` trait (implemented in src/live.rs), and no source file grows
//! past 600 lines (the architecture issue's limit; aim for 500).

use std::fs;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What src/rt/ may name with `crate::`: itself, and `sched` (priority set once when a
/// render thread starts, before it renders). Its tests may also drive the recorder.
const RT_MAY_USE: &[&str] = &["rt", "sched"];
const RT_TESTS_MAY_USE: &[&str] = &["record"];

/// Longest a source file may be.
const MAX_LINES: usize = 600;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module names a file reaches with `crate::name`.
fn crate_paths(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        // `crate::{a::x, b}` names a and b.
        let group = match rest.strip_prefix('{') {
            Some(inner) => inner.split('}').next().unwrap_or(""),
            None => rest,
        };
        for part in group.split(',') {
            let name: String = part
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                names.push(name);
            }
            if !rest.starts_with('{') {
                break;
            }
        }
    }
    names
}

#[test]
fn the_real_time_boundary_imports_nothing_from_control_osc_or_engine() {
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src/rt"), &mut files);
    assert!(files.len() > 5, "src/rt/ not found under {ROOT}");
    let mut bad = Vec::new();
    for f in &files {
        let text = fs::read_to_string(f).unwrap();
        let is_test = f
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains("test"));
        for name in crate_paths(&text) {
            let ok = RT_MAY_USE.contains(&name.as_str())
                || (is_test && RT_TESTS_MAY_USE.contains(&name.as_str()));
            if !ok {
                bad.push(format!("{}: crate::{name}", f.display()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "src/rt/ reaches outside itself:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_osc_surface_knows_only_its_traits_not_the_engine() {
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src/osc"), &mut files);
    assert!(files.len() > 5, "src/osc/ not found under {ROOT}");
    let bad: Vec<String> = files
        .iter()
        .flat_map(|f| {
            crate_paths(&fs::read_to_string(f).unwrap())
                .into_iter()
                .filter(|n| n == "engine" || n == "app" || n == "live")
                .map(move |n| format!("{}: crate::{n}", f.display()))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "src/osc/ reaches the engine:\n{}",
        bad.join("\n")
    );
}

#[test]
fn no_source_file_is_longer_than_the_limit() {
    let mut files = Vec::new();
    for dir in [
        "src",
        "tests",
        "benches",
        "support",
        "dsp/src",
        "dsp/tests",
        "dsp/benches",
    ] {
        rust_files(&Path::new(ROOT).join(dir), &mut files);
    }
    assert!(files.len() > 100, "found only {} files", files.len());
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = fs::read_to_string(f).unwrap().lines().count();
            (n > MAX_LINES).then(|| format!("{}: {n} lines", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn crate_paths_are_found() {
    assert_eq!(
        crate_paths("use crate::rt::x; let a = crate::osc::f(); use crate::{engine::E, control};"),
        ["rt", "osc", "engine", "control"]
    );
}
