//! Pictures of patches: `synth-jack graph FILE` and `/patch/graph NAME` write Graphviz DOT
//! (a box per module with its parameters, an edge per connection, modulation dashed) and, with
//! Graphviz installed (`make test-deps` installs it), the SVG beside it.

mod common;
mod osc_support;

use common::osc::*;
use common::*;
use osc_support::*;
use rosc::OscType;
use std::process::Command;

fn has_dot() -> bool {
    Command::new("dot").arg("-V").output().is_ok()
}

/// Checks the DOT of examples/lfo-pad.patch-like content.
fn assert_dot(dot: &str) {
    assert!(dot.starts_with("digraph patch {"), "{dot}");
    assert!(dot.contains("\"filt\" [label=\"filt\\nbiquad\\n"), "{dot}");
    assert!(dot.contains("cutoff=900\\l"), "{dot}");
    assert!(
        dot.contains("\"sweep\" -> \"filt\" [label=\"out → cutoff\", style=dashed]"),
        "{dot}"
    );
    assert!(
        dot.contains("\"mix\" -> \"filt\" [label=\"out → in\"];"),
        "{dot}"
    );
}

fn assert_svg(path: &std::path::Path) {
    if !has_dot() {
        eprintln!("[test] Graphviz's dot is not installed: SVG not checked");
        return;
    }
    let svg = std::fs::read_to_string(path).expect("the SVG beside the DOT");
    assert!(svg.contains("<svg") && svg.contains(">filt<"), "{svg}");
}

#[test]
fn graph_subcommand_writes_dot_and_svg() {
    let dir = TempDir::new("graph");
    let out = dir.path().join("pad.dot");
    let patch = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/lfo-pad.patch");
    let r = Command::new(synth_binary())
        .args(["graph", patch, "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_dot(&std::fs::read_to_string(&out).unwrap());
    assert_svg(&out.with_extension("svg"));
    // A bad patch file is an error with exit code 1.
    let bad = dir.write("bad.patch", "create x nosuchtype\n");
    let r = Command::new(synth_binary())
        .args(["graph", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1));
}

#[test]
fn patch_graph_draws_the_playing_patch() {
    let server = JackServer::start();
    let pad = include_str!("../examples/lfo-pad.patch");
    let synth = Synth::with_patch(&server, pad);
    let r = synth.osc.ok("/patch/graph", vec![s("pad")]);
    let dot_path = synth.patch_dir.join("pad.dot");
    assert_eq!(r.args.get(1), Some(&s("pad")), "{r:?}");
    assert_eq!(
        r.args.get(2),
        Some(&OscType::String(dot_path.display().to_string())),
        "{r:?}"
    );
    assert_dot(&std::fs::read_to_string(&dot_path).unwrap());
    assert_svg(&dot_path.with_extension("svg"));
    let why = synth.osc.fails("/patch/graph", vec![s("../escape")]);
    assert_mentions(&why, &["name"]);
}
