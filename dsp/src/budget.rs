//! The memory budget of a patch: the only limit on its size. Each module is
//! charged an estimate of what its compiled node costs (state, sample blocks
//! for its inputs, outputs and parameters), each connection its wire, and an
//! instrument its voice copies. Edits and [`Graph::compile`](crate::graph::Graph::compile)
//! refuse a patch whose estimate exceeds the registry's budget
//! ([`Registry::set_memory_budget`](crate::registry::Registry::set_memory_budget)).

use crate::module::MAX_BLOCK;
use crate::patch::{ModuleDecl, Patch};
use crate::registry::Registry;
use crate::spec::ModuleSpec;

/// Budget of one compiled graph when none is set: 2 GiB.
pub const DEFAULT_BUDGET: u64 = 2048 << 20;
/// Bytes of one sample block.
const BLOCK_BYTES: u64 = (MAX_BLOCK * std::mem::size_of::<f32>()) as u64;
/// A node's own cost beside its blocks: the boxed module state, its id, its
/// lookup entries and the patch's copy of its declaration.
const NODE_BYTES: u64 = 1024;
/// One connection: its wire and the patch's copy of it.
pub const CONNECTION_BYTES: u64 = 160;

/// Estimated bytes of one module of type `spec` (an instrument's voices are
/// charged separately, see [`patch_bytes`]).
pub fn module_bytes(spec: &ModuleSpec) -> u64 {
    let blocks = spec.inputs.len() + spec.outputs.len() + spec.params.len();
    NODE_BYTES + blocks as u64 * BLOCK_BYTES
}

/// Estimated bytes of `patch` compiled: every module, connection and voice
/// copy. Modules of unknown type cost a node. O(modules + connections).
pub fn patch_bytes(patch: &Patch, reg: &Registry) -> u64 {
    let mut total = patch.connections.len() as u64 * CONNECTION_BYTES;
    for m in &patch.modules {
        total = total.saturating_add(decl_bytes(patch, m, reg));
    }
    total
}

/// Estimated bytes of one declared module, with its voices for an instrument.
fn decl_bytes(patch: &Patch, m: &ModuleDecl, reg: &Registry) -> u64 {
    let Some(t) = reg.find(&m.kind) else {
        return NODE_BYTES;
    };
    let own = module_bytes(t.spec);
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
