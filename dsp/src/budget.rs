//! The memory budget of a patch: the only limit on its size. Each module is
//! charged an estimate of what its compiled node costs (state, sample blocks
//! for its inputs, outputs and parameters), plus the memory it allocates for
//! delay and reverb lines at the registry's sample rate (measured on one
//! module of its type, [`crate::Module::heap_bytes`]), each connection its
//! wire, and an instrument its voice copies. Edits and [`Graph::compile`](crate::graph::Graph::compile)
//! refuse a patch whose estimate exceeds the registry's budget
//! ([`Registry::set_memory_budget`](crate::registry::Registry::set_memory_budget)).

use crate::module::MAX_BLOCK;
use crate::patch::{ModuleDecl, Patch};
use crate::registry::{ModuleType, Registry};
use crate::spec::ModuleSpec;
use std::collections::HashMap;

/// Budget of one compiled graph when none is set: 1 GiB.
pub const DEFAULT_BUDGET: u64 = 1024 << 20;
/// Bytes of one sample block.
const BLOCK_BYTES: u64 = (MAX_BLOCK * std::mem::size_of::<f32>()) as u64;
/// A node's own cost beside its blocks: the boxed module state, its id, its
/// lookup entries and the patch's copy of its declaration.
const NODE_BYTES: u64 = 1024;
/// One connection: its wire and the patch's copy of it.
pub const CONNECTION_BYTES: u64 = 160;

/// Estimated bytes of one module of type `spec` without its lines (an
/// instrument's voices are charged separately, see [`patch_bytes`]).
pub fn module_bytes(spec: &ModuleSpec) -> u64 {
    let blocks = spec.inputs.len() + spec.outputs.len() + spec.params.len();
    NODE_BYTES + blocks as u64 * BLOCK_BYTES
}

/// Estimated bytes of one module of type `t` with its lines at the
/// registry's sample rate (builds one module of the type).
pub fn type_bytes(t: &ModuleType, reg: &Registry) -> u64 {
    module_bytes(t.spec).saturating_add(reg.line_bytes(t))
}

/// Per type name, [`type_bytes`] once measured: a patch's modules of one type
/// are charged without building one each.
type Measured<'a> = HashMap<&'a str, u64>;

/// Estimated bytes of `patch` compiled: every module, connection and voice
/// copy. Modules of unknown type cost a node. O(modules + connections).
pub fn patch_bytes(patch: &Patch, reg: &Registry) -> u64 {
    let mut seen = Measured::new();
    let mut total = patch.connections.len() as u64 * CONNECTION_BYTES;
    for m in &patch.modules {
        total = total.saturating_add(decl_bytes(patch, m, reg, &mut seen));
    }
    total
}

/// The module types that take most of `patch`'s estimate, for the message of
/// a patch over the budget: up to three, largest first, each with its
/// count, its share and its first module ids.
pub fn largest(patch: &Patch, reg: &Registry) -> String {
    let mut seen = Measured::new();
    let mut by_kind: Vec<(&str, usize, u64, Vec<&str>)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for m in &patch.modules {
        let bytes = decl_bytes(patch, m, reg, &mut seen);
        let i = *at.entry(m.kind.as_str()).or_insert_with(|| {
            by_kind.push((m.kind.as_str(), 0, 0, Vec::new()));
            by_kind.len() - 1
        });
        let e = &mut by_kind[i];
        e.1 += 1;
        e.2 = e.2.saturating_add(bytes);
        if e.3.len() < 2 {
            e.3.push(&m.id);
        }
    }
    by_kind.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
    let parts: Vec<String> = by_kind
        .iter()
        .take(3)
        .map(|(kind, n, bytes, ids)| {
            let more = if *n > ids.len() { ", …" } else { "" };
            format!(
                "{n} × {kind} = {} MiB ({}{more})",
                mib(*bytes),
                ids.join(", ")
            )
        })
        .collect();
    parts.join("; ")
}

/// Estimated bytes of one declared module, with its voices for an instrument.
fn decl_bytes<'a>(
    patch: &Patch,
    m: &'a ModuleDecl,
    reg: &Registry,
    seen: &mut Measured<'a>,
) -> u64 {
    let Some(t) = reg.find(&m.kind) else {
        return NODE_BYTES;
    };
    let own = *seen
        .entry(m.kind.as_str())
        .or_insert_with(|| type_bytes(t, reg));
    if t.spec.name != crate::voice::instrument::SPEC.name {
        return own;
    }
    let value = |i: usize| {
        let p = &crate::voice::instrument::SPEC.params[i];
        m.params
            .iter()
            .find(|(n, _)| p.matches(n))
            .map_or(p.default, |(_, v)| p.clamp(*v).0) as usize
    };
    use crate::voice::instrument::{param, Instrument};
    let copies = Instrument::slots_needed(value(param::COUNT), value(param::UNISON)) as u64;
    let voice = patch
        .voices
        .iter()
        .find(|v| v.name == m.id)
        .map_or(NODE_BYTES, |v| patch_bytes(&v.patch, reg));
    own.saturating_add(copies.saturating_mul(voice))
}

/// Mebibytes, rounded up, for messages.
pub fn mib(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}
