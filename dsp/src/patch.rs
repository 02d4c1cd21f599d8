//! A patch description: modules with ids, types and parameter values, and
//! connections. Edited by OSC commands and patch files; compiled into a
//! [`Graph`](crate::graph::Graph). Plain data, cheap to clone.

use crate::error::PatchError;
use crate::name::is_valid_name;
use crate::registry::Registry;
use crate::spec::ModuleSpec;

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
#[derive(Debug, Clone, PartialEq)]
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
        format!("{}.{} -> {}.{}", self.from, self.from_port, self.to, self.to_port)
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
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Patch {
    /// Modules in creation order.
    pub modules: Vec<ModuleDecl>,
    /// Connections in creation order.
    pub connections: Vec<Connection>,
}

impl Patch {
    /// An empty patch.
    pub fn new() -> Self {
        Patch::default()
    }

    /// Index of the module with this id.
    pub fn module_index(&self, id: &str) -> Option<usize> {
        self.modules.iter().position(|m| m.id == id)
    }

    fn spec_of(&self, reg: &Registry, id: &str) -> Result<&'static ModuleSpec, PatchError> {
        let m = self
            .module_index(id)
            .map(|i| &self.modules[i])
            .ok_or_else(|| PatchError::UnknownModule(id.to_string()))?;
        reg.find(&m.kind)
            .map(|t| t.spec)
            .ok_or_else(|| PatchError::UnknownType(m.kind.clone()))
    }

    /// Adds a module. Returns warnings (values clamped into range).
    pub fn create(
        &mut self,
        reg: &Registry,
        id: &str,
        kind: &str,
        params: &[(String, ParamArg)],
    ) -> Result<Vec<String>, PatchError> {
        if !is_valid_name(id) {
            return Err(PatchError::BadName(id.to_string()));
        }
        let t = reg
            .find(kind)
            .ok_or_else(|| PatchError::UnknownType(kind.to_string()))?;
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
        self.modules.push(decl);
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
        let spec = self.spec_of(reg, id)?;
        let (pname, v, w) = resolve_value(spec, id, param, value)?;
        let i = self.module_index(id).expect("checked by spec_of");
        set_in(&mut self.modules[i].params, pname, v);
        Ok((v, w))
    }

    /// Removes a module and every connection to or from it.
    pub fn delete(&mut self, id: &str) -> Result<(), PatchError> {
        let i = self
            .module_index(id)
            .ok_or_else(|| PatchError::UnknownModule(id.to_string()))?;
        self.modules.remove(i);
        self.connections.retain(|c| c.from != id && c.to != id);
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

    /// Connects `src` to `dst`; refuses duplicates, cycles and going over capacity.
    pub fn connect(&mut self, reg: &Registry, src: &str, dst: &str) -> Result<(), PatchError> {
        let c = self.resolve_connection(reg, src, dst)?;
        if self.connections.contains(&c) {
            return Err(PatchError::DuplicateConnection(c.describe()));
        }
        if self.connections.len() >= MAX_CONNECTIONS {
            return Err(PatchError::OverCapacity {
                what: "connections",
                limit: MAX_CONNECTIONS,
            });
        }
        self.connections.push(c);
        if let Err(e) = self.check_cycles() {
            self.connections.pop();
            return Err(e);
        }
        Ok(())
    }

    /// Removes the connection from `src` to `dst`.
    pub fn disconnect(&mut self, reg: &Registry, src: &str, dst: &str) -> Result<(), PatchError> {
        let c = self.resolve_connection(reg, src, dst)?;
        let before = self.connections.len();
        self.connections.retain(|x| *x != c);
        if self.connections.len() == before {
            return Err(PatchError::NoConnection(c.describe()));
        }
        Ok(())
    }

    /// Topological order of module indices, or the modules on a cycle.
    pub fn topological_order(&self) -> Result<Vec<usize>, PatchError> {
        let n = self.modules.len();
        let index: std::collections::HashMap<&str, usize> = self
            .modules
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.as_str(), i))
            .collect();
        let mut succ = vec![Vec::new(); n];
        let mut indeg = vec![0usize; n];
        for c in &self.connections {
            let (Some(&a), Some(&b)) = (index.get(c.from.as_str()), index.get(c.to.as_str()))
            else {
                return Err(PatchError::UnknownModule(if index.contains_key(c.from.as_str()) {
                    c.to.clone()
                } else {
                    c.from.clone()
                }));
            };
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

    /// Walks backwards from a module left with inputs to name one cycle.
    fn find_cycle(&self, succ: &[Vec<usize>], indeg: &[usize]) -> Vec<String> {
        let n = succ.len();
        let mut pred = vec![usize::MAX; n];
        for (a, s) in succ.iter().enumerate() {
            for &b in s {
                if indeg[a] > 0 && indeg[b] > 0 {
                    pred[b] = a;
                }
            }
        }
        let start = (0..n).find(|&i| indeg[i] > 0 && pred[i] != usize::MAX).unwrap_or(0);
        // Step n times to be sure to stand on the cycle, then collect it.
        let mut at = start;
        for _ in 0..n {
            at = pred[at];
        }
        let mut cycle = vec![at];
        let mut x = pred[at];
        while x != at && cycle.len() <= n {
            cycle.push(x);
            x = pred[x];
        }
        cycle.reverse();
        cycle.push(at);
        cycle.iter().map(|&i| self.modules[i].id.clone()).collect()
    }

    fn check_cycles(&self) -> Result<(), PatchError> {
        self.topological_order().map(|_| ())
    }

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
                            params.push((rest[i].to_string(), ParamArg::Text(rest[i + 1].to_string())));
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
    let pi = spec.param_index(name).ok_or_else(|| PatchError::UnknownParam {
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
