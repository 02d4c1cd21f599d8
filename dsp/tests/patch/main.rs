//! Patch editing: errors name what is wrong, clamping warns, cycles are
//! refused with the modules on them, patch files round-trip, and edits stay
//! fast on patches at full capacity.
//!
//! The tests are grouped by concern in the files beside this one.

mod capacity;
mod cycles;
mod errors;
mod text;

use dsp::patch::{Connection, ModuleDecl};
use dsp::{ParamArg, Patch, PatchError, Registry};
use std::time::Instant;

fn reg() -> Registry {
    Registry::standard()
}

fn no_params() -> Vec<(String, ParamArg)> {
    Vec::new()
}

fn sines(reg: &Registry, ids: &[&str]) -> Patch {
    let mut p = Patch::new();
    for id in ids {
        p.create(reg, id, "sine", &no_params()).unwrap();
    }
    p
}

/// Every consecutive pair of a reported cycle is an existing connection or
/// the one being attempted, and it closes on itself.
fn assert_real_cycle(p: &Patch, attempted: (&str, &str), cycle: &[String]) {
    assert!(cycle.len() >= 2, "{cycle:?}");
    assert_eq!(cycle.first(), cycle.last(), "{cycle:?}");
    for w in cycle.windows(2) {
        let ok = (w[0] == attempted.0 && w[1] == attempted.1)
            || p.connections.iter().any(|c| c.from == w[0] && c.to == w[1]);
        assert!(ok, "{} -> {} is not a connection in {cycle:?}", w[0], w[1]);
    }
}
