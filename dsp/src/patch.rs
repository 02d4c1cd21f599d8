//! A patch description: modules with ids, types and parameter values, and
//! connections. Edited by OSC commands and patch files; compiled into a
//! [`Graph`](crate::graph::Graph). Plain data plus a lookup index that keeps
//! edits fast on large patches; clone it to keep a version.

use crate::error::PatchError;
use crate::name::is_valid_name;
use crate::registry::Registry;
use crate::spec::ModuleSpec;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Most modules a patch may hold (a thousand-voice patch fits).
pub const MAX_MODULES: usize = 4096;
/// Most connections a patch may hold.
pub const MAX_CONNECTIONS: usize = 16384;

/// One module of a patch.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleDecl {
    /// Unique id (`osc1`).
    pub id: String,
    /// Canonical type name (`sine`, never an alias).
    pub kind: String,
    /// Parameter values set explicitly, by canonical name, clamped.
    pub params: Vec<(String, f32)>,
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
    index: Index,
}

impl PartialEq for Patch {
    fn eq(&self, other: &Patch) -> bool {
        self.modules == other.modules
            && self.connections == other.connections
            && self.voices == other.voices
            && self.midi == other.midi
            && self.ccs == other.ccs
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
            .finish()
    }
}

const NONE: u32 = u32::MAX;

/// Lookup structures derived from a patch's modules and connections.
#[derive(Clone, Default)]
struct Index {
    /// Lengths of `modules` and `connections` the index describes.
    built_for: (usize, usize),
    /// Module id to index in `modules`.
    ids: HashMap<String, u32>,
    /// Every connection, for duplicate checks.
    conns: HashSet<Connection>,
    /// Destination modules of each module's connections (one per connection).
    succ: Vec<Vec<u32>>,
    /// Source modules of each module's connections (one per connection).
    pred: Vec<Vec<u32>>,
    /// Each module's position in a topological order, kept up to date on
    /// every `connect` (Pearce–Kelly): an edge that already goes forward in
    /// this order cannot close a cycle, so most connects need no search.
    ord: Vec<u32>,
    /// Search marks, compared against `stamp`.
    mark: Vec<u32>,
    /// Search tree parents, for naming a cycle.
    parent: Vec<u32>,
    stamp: u32,
}

impl Index {
    fn build(modules: &[ModuleDecl], connections: &[Connection]) -> Index {
        let n = modules.len();
        let mut ix = Index {
            built_for: (n, connections.len()),
            ids: HashMap::with_capacity(n),
            conns: HashSet::with_capacity(connections.len()),
            succ: vec![Vec::new(); n],
            pred: vec![Vec::new(); n],
            ord: vec![NONE; n],
            mark: vec![0; n],
            parent: vec![NONE; n],
            stamp: 0,
        };
        for (i, m) in modules.iter().enumerate() {
            ix.ids.entry(m.id.clone()).or_insert(i as u32);
        }
        for c in connections {
            if let (Some(&a), Some(&b)) = (ix.ids.get(&c.from), ix.ids.get(&c.to)) {
                ix.succ[a as usize].push(b);
                ix.pred[b as usize].push(a);
            }
            ix.conns.insert(c.clone());
        }
        // Kahn's algorithm; modules left on cycles (only possible when the
        // fields were edited directly) go last, in creation order.
        let mut indeg: Vec<usize> = ix.pred.iter().map(|p| p.len()).collect();
        let mut ready: Vec<u32> = (0..n as u32)
            .rev()
            .filter(|&i| indeg[i as usize] == 0)
            .collect();
        let mut next = 0u32;
        while let Some(i) = ready.pop() {
            ix.ord[i as usize] = next;
            next += 1;
            for &j in ix.succ[i as usize].iter().rev() {
                indeg[j as usize] -= 1;
                if indeg[j as usize] == 0 {
                    ready.push(j);
                }
            }
        }
        for o in ix.ord.iter_mut() {
            if *o == NONE {
                *o = next;
                next += 1;
            }
        }
        ix
    }

    fn new_stamp(&mut self) -> u32 {
        if self.stamp == u32::MAX {
            self.mark.fill(0);
            self.stamp = 0;
        }
        self.stamp += 1;
        self.stamp
    }

    /// Adds the edge `x -> y`, keeping `ord` topological. On a cycle, leaves
    /// everything unchanged and returns the modules on it, `x` first and last.
    fn add_edge(&mut self, x: u32, y: u32) -> Result<(), Vec<u32>> {
        if x == y {
            return Err(vec![x, x]);
        }
        let (lb, ub) = (self.ord[y as usize], self.ord[x as usize]);
        if lb < ub {
            // Forward from y through modules ordered before x: reaching x is a cycle.
            let s = self.new_stamp();
            let mut fwd = vec![y];
            let mut stack = vec![y];
            self.mark[y as usize] = s;
            self.parent[y as usize] = NONE;
            while let Some(v) = stack.pop() {
                for k in 0..self.succ[v as usize].len() {
                    let w = self.succ[v as usize][k];
                    if w == x {
                        let mut path = vec![v];
                        let mut at = v;
                        while self.parent[at as usize] != NONE {
                            at = self.parent[at as usize];
                            path.push(at);
                        }
                        path.push(x);
                        path.reverse();
                        path.push(x);
                        return Err(path);
                    }
                    if self.mark[w as usize] != s && self.ord[w as usize] < ub {
                        self.mark[w as usize] = s;
                        self.parent[w as usize] = v;
                        stack.push(w);
                        fwd.push(w);
                    }
                }
            }
            // Backward from x through modules ordered after y.
            let s = self.new_stamp();
            let mut bwd = vec![x];
            let mut stack = vec![x];
            self.mark[x as usize] = s;
            while let Some(v) = stack.pop() {
                for k in 0..self.pred[v as usize].len() {
                    let w = self.pred[v as usize][k];
                    if self.mark[w as usize] != s && self.ord[w as usize] > lb {
                        self.mark[w as usize] = s;
                        stack.push(w);
                        bwd.push(w);
                    }
                }
            }
            // Everything that leads to x now goes before everything y leads to,
            // reusing the same positions.
            fwd.sort_unstable_by_key(|&v| self.ord[v as usize]);
            bwd.sort_unstable_by_key(|&v| self.ord[v as usize]);
            let mut slots: Vec<u32> = fwd
                .iter()
                .chain(bwd.iter())
                .map(|&v| self.ord[v as usize])
                .collect();
            slots.sort_unstable();
            for (v, slot) in bwd.iter().chain(fwd.iter()).zip(slots) {
                self.ord[*v as usize] = slot;
            }
        }
        self.succ[x as usize].push(y);
        self.pred[y as usize].push(x);
        Ok(())
    }

    fn remove_edge(&mut self, x: u32, y: u32) {
        if let Some(k) = self.succ[x as usize].iter().position(|&w| w == y) {
            self.succ[x as usize].swap_remove(k);
        }
        if let Some(k) = self.pred[y as usize].iter().position(|&w| w == x) {
            self.pred[y as usize].swap_remove(k);
        }
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

    /// The value of parameter `param` (a name or alias) of module `id`: the
    /// value set in the patch, or the type's default.
    pub fn param_value(&self, reg: &Registry, id: &str, param: &str) -> Result<f32, PatchError> {
        let spec = self.spec_of(reg, id)?;
        let ps = spec
            .param_index(param)
            .map(|i| &spec.params[i])
            .ok_or_else(|| PatchError::UnknownParam {
                module: id.to_string(),
                kind: spec.name.to_string(),
                param: param.to_string(),
            })?;
        let m = self.module(id).expect("checked by spec_of");
        Ok(m.params
            .iter()
            .find(|(n, _)| ps.matches(n))
            .map(|(_, v)| *v)
            .unwrap_or(ps.default))
    }

    /// Adds a module. Returns warnings (values clamped into range).
    pub fn create(
        &mut self,
        reg: &Registry,
        id: &str,
        kind: &str,
        params: &[(String, ParamArg)],
    ) -> Result<Vec<String>, PatchError> {
        if let Some((inst, inner)) = crate::voice::edit::inner_id(id) {
            return self.template_create(reg, inst, inner, kind, params);
        }
        if !is_valid_name(id) {
            return Err(PatchError::BadName(id.to_string()));
        }
        let t = reg
            .find(kind)
            .ok_or_else(|| PatchError::UnknownType(kind.to_string()))?;
        self.ensure_index();
        if self.module_index(id).is_some() {
            return Err(PatchError::DuplicateId(id.to_string()));
        }
        if self.modules.len() >= MAX_MODULES {
            return Err(PatchError::OverCapacity {
                what: "modules",
                limit: MAX_MODULES,
            });
        }
        let mut decl = ModuleDecl {
            id: id.to_string(),
            kind: t.spec.name.to_string(),
            params: Vec::new(),
        };
        let mut warnings = Vec::new();
        for (name, value) in params {
            let (pname, v, w) = resolve_value(t.spec, id, name, value)?;
            warnings.extend(w);
            set_in(&mut decl.params, pname, v);
        }
        let n = self.modules.len() as u32;
        self.modules.push(decl);
        let ix = &mut self.index;
        ix.ids.insert(id.to_string(), n);
        ix.succ.push(Vec::new());
        ix.pred.push(Vec::new());
        ix.ord.push(n);
        ix.mark.push(0);
        ix.parent.push(NONE);
        ix.built_for.0 += 1;
        if t.spec.name == crate::voice::instrument::SPEC.name && self.template(id).is_none() {
            self.voices.push(crate::voice::VoiceTemplate::new(id));
        }
        Ok(warnings)
    }

    /// Sets a parameter's value in the patch. Returns the clamped value and warnings.
    pub fn set(
        &mut self,
        reg: &Registry,
        id: &str,
        param: &str,
        value: &ParamArg,
    ) -> Result<(f32, Vec<String>), PatchError> {
        if let Some((inst, inner)) = crate::voice::edit::inner_id(id) {
            return self.template_set(reg, inst, inner, param, value);
        }
        let spec = self.spec_of(reg, id)?;
        let (pname, v, w) = resolve_value(spec, id, param, value)?;
        let i = self.module_index(id).expect("checked by spec_of");
        set_in(&mut self.modules[i].params, pname, v);
        Ok((v, w))
    }

    /// Removes a module and every connection to or from it. O(modules + connections).
    pub fn delete(&mut self, id: &str) -> Result<(), PatchError> {
        if let Some((inst, inner)) = crate::voice::edit::inner_id(id) {
            return self.template_delete(inst, inner);
        }
        self.forget_module(id);
        let i = self
            .module_index(id)
            .ok_or_else(|| PatchError::UnknownModule(id.to_string()))?;
        self.modules.remove(i);
        self.connections.retain(|c| c.from != id && c.to != id);
        self.reindex();
        Ok(())
    }

    /// Resolves `src` (`id` or `id.output`) and `dst` (`id`, `id.input` or
    /// `id.param`) into a canonical connection.
    pub fn resolve_connection(
        &self,
        reg: &Registry,
        src: &str,
        dst: &str,
    ) -> Result<Connection, PatchError> {
        let (sid, sport) = split_endpoint(src);
        let (did, dport) = split_endpoint(dst);
        let sspec = self.spec_of(reg, sid)?;
        let dspec = self.spec_of(reg, did)?;
        let from_port = match sport {
            None => sspec.outputs.first().map(|p| p.name),
            Some(p) => sspec.output_index(p).map(|i| sspec.outputs[i].name),
        }
        .ok_or_else(|| PatchError::UnknownPort {
            module: sid.to_string(),
            kind: sspec.name.to_string(),
            port: sport.unwrap_or("(default output)").to_string(),
            what: "output",
        })?;
        let to_port = match dport {
            None => dspec.inputs.first().map(|p| p.name),
            Some(p) => dspec
                .input_index(p)
                .map(|i| dspec.inputs[i].name)
                .or_else(|| dspec.param_index(p).map(|i| dspec.params[i].name)),
        }
        .ok_or_else(|| PatchError::UnknownPort {
            module: did.to_string(),
            kind: dspec.name.to_string(),
            port: dport.unwrap_or("(default input)").to_string(),
            what: "input or parameter",
        })?;
        Ok(Connection {
            from: sid.to_string(),
            from_port: from_port.to_string(),
            to: did.to_string(),
            to_port: to_port.to_string(),
        })
    }

    /// Connects `src` to `dst`; refuses duplicates, cycles (naming the
    /// modules on the cycle) and going over capacity. The cycle check is
    /// incremental: it searches only the modules whose order must change.
    pub fn connect(&mut self, reg: &Registry, src: &str, dst: &str) -> Result<(), PatchError> {
        if let Some((inst, s, d)) = self.template_endpoints(src, dst) {
            return self.template_connect(reg, &inst, s, d, true);
        }
        self.ensure_index();
        let c = self.resolve_connection(reg, src, dst)?;
        if self.index.conns.contains(&c) {
            return Err(PatchError::DuplicateConnection(c.describe()));
        }
        if self.connections.len() >= MAX_CONNECTIONS {
            return Err(PatchError::OverCapacity {
                what: "connections",
                limit: MAX_CONNECTIONS,
            });
        }
        let a = self.module_index(&c.from).expect("resolved") as u32;
        let b = self.module_index(&c.to).expect("resolved") as u32;
        if let Err(cycle) = self.index.add_edge(a, b) {
            return Err(PatchError::Cycle(
                cycle
                    .iter()
                    .map(|&i| self.modules[i as usize].id.clone())
                    .collect(),
            ));
        }
        self.index.conns.insert(c.clone());
        self.connections.push(c);
        self.index.built_for.1 += 1;
        Ok(())
    }

    /// Removes the connection from `src` to `dst`.
    pub fn disconnect(&mut self, reg: &Registry, src: &str, dst: &str) -> Result<(), PatchError> {
        if let Some((inst, s, d)) = self.template_endpoints(src, dst) {
            return self.template_connect(reg, &inst, s, d, false);
        }
        self.ensure_index();
        let c = self.resolve_connection(reg, src, dst)?;
        if !self.index.conns.remove(&c) {
            return Err(PatchError::NoConnection(c.describe()));
        }
        if let Some(k) = self.connections.iter().position(|x| *x == c) {
            self.connections.remove(k);
        }
        let a = self.module_index(&c.from).expect("resolved") as u32;
        let b = self.module_index(&c.to).expect("resolved") as u32;
        self.index.remove_edge(a, b);
        self.index.built_for.1 -= 1;
        Ok(())
    }

    /// Topological order of module indices (sources first, ties in creation
    /// order), or the error that prevents one: a cycle (naming the modules
    /// on it), a duplicate id, or a connection naming a missing module.
    /// O(modules + connections).
    pub fn topological_order(&self) -> Result<Vec<usize>, PatchError> {
        let n = self.modules.len();
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(n);
        for (i, m) in self.modules.iter().enumerate() {
            if index.insert(m.id.as_str(), i).is_some() {
                return Err(PatchError::DuplicateId(m.id.clone()));
            }
        }
        let mut succ = vec![Vec::new(); n];
        let mut indeg = vec![0usize; n];
        for c in &self.connections {
            let a = *index
                .get(c.from.as_str())
                .ok_or_else(|| PatchError::UnknownModule(c.from.clone()))?;
            let b = *index
                .get(c.to.as_str())
                .ok_or_else(|| PatchError::UnknownModule(c.to.clone()))?;
            succ[a].push(b);
            indeg[b] += 1;
        }
        let mut ready: Vec<usize> = (0..n).rev().filter(|&i| indeg[i] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(i) = ready.pop() {
            order.push(i);
            for &j in succ[i].iter().rev() {
                indeg[j] -= 1;
                if indeg[j] == 0 {
                    ready.push(j);
                }
            }
        }
        if order.len() == n {
            return Ok(order);
        }
        Err(PatchError::Cycle(self.find_cycle(&succ, &indeg)))
    }

    /// Names one cycle among the modules Kahn's algorithm could not order
    /// (those left with `indeg > 0`): first module on it first and last.
    fn find_cycle(&self, succ: &[Vec<usize>], indeg: &[usize]) -> Vec<String> {
        let n = succ.len();
        // Every module left over has a predecessor that is also left over.
        let mut pred = vec![usize::MAX; n];
        for (a, s) in succ.iter().enumerate() {
            if indeg[a] == 0 {
                continue;
            }
            for &b in s {
                if indeg[b] > 0 && pred[b] == usize::MAX {
                    pred[b] = a;
                }
            }
        }
        let Some(start) = (0..n).find(|&i| indeg[i] > 0 && pred[i] != usize::MAX) else {
            return Vec::new();
        };
        // Walking back n steps surely lands on a cycle.
        let mut at = start;
        for _ in 0..n {
            at = pred[at];
        }
        let mut back = vec![at];
        let mut x = pred[at];
        while x != at && back.len() <= n {
            back.push(x);
            x = pred[x];
        }
        back.reverse(); // now in signal order: each feeds the next, the last feeds the first
        let first = (0..back.len()).min_by_key(|&k| back[k]).unwrap_or(0);
        back.rotate_left(first);
        back.push(back[0]);
        back.iter().map(|&i| self.modules[i].id.clone()).collect()
    }

    /// The patch in patch-file syntax.
    pub fn to_text(&self, reg: &Registry) -> String {
        let mut s = String::new();
        for m in &self.modules {
            let spec = reg.find(&m.kind).map(|t| t.spec);
            let mut params = String::new();
            for (p, v) in &m.params {
                let text = spec
                    .and_then(|sp| sp.param_index(p).map(|i| sp.params[i].format_value(*v)))
                    .unwrap_or_else(|| format!("{v}"));
                params.push_str(&format!(" {p}={text}"));
            }
            if m.kind == crate::voice::instrument::SPEC.name {
                s.push_str(&self.voice_text(reg, &m.id, &params));
            } else {
                s.push_str(&format!("create {} {}{params}\n", m.id, m.kind));
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
    /// `disconnect`, `delete`, `set`), `#` comments. Errors carry the line.
    pub fn parse(reg: &Registry, text: &str) -> Result<(Patch, Vec<String>), PatchError> {
        let mut p = Patch::new();
        let mut warnings = Vec::new();
        // Inside `voice NAME ... end`, ids are prefixed `NAME.`.
        let mut voice: Option<String> = None;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let owned;
            let line = match (&voice, line.split_whitespace().next()) {
                (_, Some("voice" | "end" | "midi" | "cc")) | (None, _) => line,
                (Some(v), _) => {
                    owned = crate::voice::edit::prefix_line(v, line);
                    owned.as_str()
                }
            };
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
                        "unknown command '{other}' (use create, connect, disconnect, delete, set, voice, end, midi, cc)"
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

/// Splits `id.port` into its parts.
pub fn split_endpoint(s: &str) -> (&str, Option<&str>) {
    match s.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    }
}

fn set_in(params: &mut Vec<(String, f32)>, name: &str, v: f32) {
    match params.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = v,
        None => params.push((name.to_string(), v)),
    }
}

/// Resolves a parameter name and value against a spec: canonical name,
/// clamped value, warnings.
pub fn resolve_value(
    spec: &'static ModuleSpec,
    id: &str,
    name: &str,
    value: &ParamArg,
) -> Result<(&'static str, f32, Vec<String>), PatchError> {
    let pi = spec
        .param_index(name)
        .ok_or_else(|| PatchError::UnknownParam {
            module: id.to_string(),
            kind: spec.name.to_string(),
            param: name.to_string(),
        })?;
    let ps = &spec.params[pi];
    let raw = match value {
        ParamArg::Number(v) if v.is_finite() => Some(*v),
        ParamArg::Number(_) => None,
        ParamArg::Text(t) => ps.parse_value(t),
    }
    .ok_or_else(|| PatchError::BadValue {
        module: id.to_string(),
        param: ps.name.to_string(),
        value: match value {
            ParamArg::Number(v) => v.to_string(),
            ParamArg::Text(t) => t.clone(),
        },
    })?;
    let (v, clamped) = ps.clamp(raw);
    let mut warnings = Vec::new();
    if clamped {
        warnings.push(format!(
            "{id}.{}: {raw} is out of range {}..{}, clamped to {v}",
            ps.name, ps.min, ps.max
        ));
    }
    Ok((ps.name, v, warnings))
}
