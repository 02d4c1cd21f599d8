//! Editing a patch: creating and deleting modules, setting parameters,
//! connecting and disconnecting, each checked against the module types.

use super::index::NONE;
use super::{Connection, ModuleDecl, ParamArg, Patch};
use crate::error::PatchError;
use crate::name::is_valid_name;
use crate::registry::Registry;
use crate::spec::ModuleSpec;

impl Patch {
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
        // `TYPE uri=ARG` names the run-time type `TYPE:ARG` (an LV2 plugin:
        // `lv2 uri=http://...`); the other parameters are its own.
        let rest: Vec<(String, ParamArg)>;
        let qualified;
        let (kind, params) = match params.iter().position(|(n, _)| n == "uri") {
            Some(i) => {
                qualified = match &params[i].1 {
                    ParamArg::Text(t) => format!("{kind}:{t}"),
                    ParamArg::Number(v) => format!("{kind}:{v}"),
                };
                rest = params.iter().filter(|(n, _)| n != "uri").cloned().collect();
                (qualified.as_str(), rest.as_slice())
            }
            None => (kind, params),
        };
        let t = reg.lookup(kind)?;
        self.ensure_index();
        if self.module_index(id).is_some() {
            return Err(PatchError::DuplicateId(id.to_string()));
        }
        let bytes = self.estimated_bytes(reg) + crate::budget::type_bytes(t, reg);
        reg.check_budget(bytes, self)?;
        let mut decl = ModuleDecl {
            id: id.to_string(),
            kind: t.spec.name.to_string(),
            params: Vec::new(),
            buffer: None,
        };
        let mut warnings = Vec::new();
        for (name, value) in params {
            if let Some(b) = buffer_setting(t.spec, id, name, value)? {
                decl.buffer = Some(b);
                continue;
            }
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
        self.estimate = Some((bytes, self.estimate_key(reg)));
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
        if let Some(b) = buffer_setting(spec, id, param, value)? {
            let i = self.module_index(id).expect("checked by spec_of");
            self.modules[i].buffer = Some(b);
            return Ok((0.0, Vec::new()));
        }
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
        let bytes = self.estimated_bytes(reg) + crate::budget::CONNECTION_BYTES;
        reg.check_budget(bytes, self)?;
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
        self.estimate = Some((bytes, self.estimate_key(reg)));
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

/// The buffer name of a `buffer` setting, for types that read one
/// (`None`: not such a setting; other types say `buffer` is unknown).
fn buffer_setting(
    spec: &'static ModuleSpec,
    id: &str,
    name: &str,
    value: &ParamArg,
) -> Result<Option<String>, PatchError> {
    if !spec.buffer || name != "buffer" || spec.param_index(name).is_some() {
        return Ok(None);
    }
    match value {
        ParamArg::Text(t) if is_valid_name(t) => Ok(Some(t.clone())),
        _ => Err(PatchError::BadValue {
            module: id.to_string(),
            param: "buffer".to_string(),
            value: match value {
                ParamArg::Number(v) => v.to_string(),
                ParamArg::Text(t) => t.clone(),
            },
        }),
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
        .ok_or_else(|| PatchError::unknown_param(id, spec, name))?;
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
