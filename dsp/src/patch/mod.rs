//! A patch description: modules with ids, types and parameter values, and
//! connections. Edited by OSC commands and patch files; compiled into a
//! [`Graph`](crate::graph::Graph). Plain data plus a lookup index that keeps
//! edits fast on large patches; clone it to keep a version.

mod edit;
mod heard;
mod index;
mod text;

pub use edit::{resolve_value, split_endpoint};
pub use text::read_assignments;
pub(crate) use text::{content_lines, word_assignments};

use crate::error::PatchError;
use crate::registry::Registry;
use crate::spec::ModuleSpec;
use index::Index;
use std::fmt;

/// One module of a patch.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleDecl {
    /// Unique id (`osc1`).
    pub id: String,
    /// Canonical type name (`sine`, never an alias).
    pub kind: String,
    /// Parameter values set explicitly, by canonical name, clamped.
    pub params: Vec<(String, f32)>,
    /// The sample buffer it reads (`buffer=kick`), for types that read one.
    pub buffer: Option<String>,
}

/// Where a connection lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// An audio input, summed with other connections into it.
    Input(usize),
    /// A parameter, modulated at audio rate (added to its value).
    Param(usize),
}

/// A connection between a module's output and another module's input or parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Connection {
    /// Source module id.
    pub from: String,
    /// Source output port name (canonical).
    pub from_port: String,
    /// Destination module id.
    pub to: String,
    /// Destination input or parameter name (canonical).
    pub to_port: String,
}

impl Connection {
    /// `from.port -> to.port`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "{}.{} -> {}.{}",
            self.from, self.from_port, self.to, self.to_port
        )
    }
}

/// A value given for a parameter: a number or a word (`mode lowpass`).
#[derive(Debug, Clone, PartialEq)]
pub enum ParamArg {
    /// A number.
    Number(f32),
    /// Text: a choice name, or a number written as text.
    Text(String),
}

/// A patch: modules and connections.
///
/// Read `modules` and `connections` freely; edit through the methods, which
/// keep a lookup index beside them so every edit stays fast on a patch of
/// thousands of modules (`connect` is amortised O(1) for patches built in
/// signal order, never a full sort). If you edit the fields directly, call
/// [`Patch::reindex`] afterwards (a change in either field's length is
/// noticed and repaired automatically).
#[derive(Clone, Default)]
pub struct Patch {
    /// Modules in creation order.
    pub modules: Vec<ModuleDecl>,
    /// Connections in creation order.
    pub connections: Vec<Connection>,
    /// Voice templates of the instruments (see [`crate::voice`]).
    pub voices: Vec<crate::voice::VoiceTemplate>,
    /// MIDI channel routes (`midi 1 lead`).
    pub midi: Vec<crate::voice::midi::ChannelRoute>,
    /// MIDI controller routes (`cc 74 lead.filt.cutoff 200 8000`).
    pub ccs: Vec<crate::voice::midi::CcRoute>,
    /// Sample buffers and their files (`buffer kick kick.wav`), in order.
    pub buffers: Vec<crate::sample::BufferLine>,
    index: Index,
    /// Estimated compiled size in bytes and what it was computed for (see
    /// [`crate::budget`]).
    estimate: Option<(u64, EstimateKey)>,
}

/// See [`Patch::estimate_key`].
type EstimateKey = (usize, usize, u32);

impl PartialEq for Patch {
    fn eq(&self, other: &Patch) -> bool {
        self.modules == other.modules
            && self.connections == other.connections
            && self.voices == other.voices
            && self.midi == other.midi
            && self.ccs == other.ccs
            && self.buffers == other.buffers
    }
}

impl fmt::Debug for Patch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Patch")
            .field("modules", &self.modules)
            .field("connections", &self.connections)
            .field("voices", &self.voices)
            .field("midi", &self.midi)
            .field("ccs", &self.ccs)
            .field("buffers", &self.buffers)
            .finish()
    }
}

impl Patch {
    /// An empty patch.
    pub fn new() -> Self {
        Patch::default()
    }

    /// A patch made of these modules and connections, as they are (nothing
    /// is checked until [`Graph::compile`](crate::graph::Graph::compile) or
    /// [`Patch::topological_order`]).
    pub fn from_parts(modules: Vec<ModuleDecl>, connections: Vec<Connection>) -> Self {
        let index = Index::build(&modules, &connections);
        Patch {
            modules,
            connections,
            index,
            ..Patch::default()
        }
    }

    /// Rebuilds the lookup index after `modules` or `connections` were
    /// edited directly. O(modules + connections).
    pub fn reindex(&mut self) {
        self.index = Index::build(&self.modules, &self.connections);
    }

    fn fresh(&self) -> bool {
        self.index.built_for == (self.modules.len(), self.connections.len())
    }

    fn ensure_index(&mut self) {
        if !self.fresh() {
            self.reindex();
        }
    }

    /// What an estimate was computed for: the module and connection counts
    /// and the sample rate delay lines were charged at.
    pub(crate) fn estimate_key(&self, reg: &Registry) -> EstimateKey {
        (
            self.modules.len(),
            self.connections.len(),
            reg.sample_rate().to_bits(),
        )
    }

    /// Estimated compiled size in bytes (see [`crate::budget`]); O(1) while
    /// the patch only grows through `create` and `connect`.
    pub fn estimated_bytes(&mut self, reg: &Registry) -> u64 {
        let lens = self.estimate_key(reg);
        match self.estimate {
            Some((b, built)) if built == lens => b,
            _ => {
                let b = crate::budget::patch_bytes(self, reg);
                self.estimate = Some((b, lens));
                b
            }
        }
    }

    /// Index of the module with this id (O(1)).
    pub fn module_index(&self, id: &str) -> Option<usize> {
        if self.fresh() {
            match self.index.ids.get(id) {
                None => return None,
                Some(&i) => {
                    if self.modules.get(i as usize).is_some_and(|m| m.id == id) {
                        return Some(i as usize);
                    }
                }
            }
        }
        self.modules.iter().position(|m| m.id == id)
    }

    /// The module with this id.
    pub fn module(&self, id: &str) -> Option<&ModuleDecl> {
        self.module_index(id).map(|i| &self.modules[i])
    }

    /// The type of module `id`.
    pub fn spec_of(&self, reg: &Registry, id: &str) -> Result<&'static ModuleSpec, PatchError> {
        let m = self
            .module(id)
            .ok_or_else(|| PatchError::UnknownModule(id.to_string()))?;
        reg.find(&m.kind)
            .map(|t| t.spec)
            .ok_or_else(|| PatchError::UnknownType(m.kind.clone()))
    }

    /// Records that buffer `name` is loaded from `file` (replacing an
    /// earlier line for `name`), or with `file` `None` that it is not.
    pub fn set_buffer_line(&mut self, name: &str, file: Option<&str>) {
        let at = self.buffers.iter().position(|b| b.name == name);
        match (at, file) {
            (Some(i), Some(f)) => self.buffers[i].file = f.to_string(),
            (None, Some(f)) => self.buffers.push(crate::sample::BufferLine {
                name: name.to_string(),
                file: f.to_string(),
            }),
            (Some(i), None) => {
                self.buffers.remove(i);
            }
            (None, None) => {}
        }
    }

    /// The value of parameter `param` (a name or alias) of module `id`: the
    /// value set in the patch, or the type's default.
    pub fn param_value(&self, reg: &Registry, id: &str, param: &str) -> Result<f32, PatchError> {
        let spec = self.spec_of(reg, id)?;
        let ps = spec
            .param_index(param)
            .map(|i| &spec.params[i])
            .ok_or_else(|| PatchError::unknown_param(id, spec, param))?;
        let m = self.module(id).expect("checked by spec_of");
        Ok(m.params
            .iter()
            .find(|(n, _)| ps.matches(n))
            .map(|(_, v)| *v)
            .unwrap_or(ps.default))
    }
}
