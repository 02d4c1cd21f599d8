//! Voice templates: the patch one voice of an instrument plays, edited like
//! any patch (`voice NAME ... end` in patch files, `/voice/create` and
//! `NAME.ID` ids over OSC) and compiled once per voice copy.
//!
//! Every template holds the built-in module `note`. Modules with a gate
//! (envelopes) follow the note's gate at the exact frame of each note-on and
//! note-off: `connect note.gate env.gate` wires it at audio rate (adsr has a
//! `gate` input) and the instrument also sends the module gate events, so a
//! mono retrigger restarts the envelope although `note.gate` stays high. For
//! a gated module without a `gate` input, `connect note.gate ID.gate` makes
//! a gate link; a template with no gate link gates every such module.

use super::instrument::VoiceGraph;
use crate::error::PatchError;
use crate::graph::Graph;
use crate::patch::{split_endpoint, ParamArg, Patch};
use crate::registry::Registry;

/// The patch played by each voice of instrument `name`.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceTemplate {
    /// The instrument's module id in the outer patch.
    pub name: String,
    /// The template (always holds `note`).
    pub patch: Patch,
    /// Ids of modules whose gate follows `note.gate`.
    pub gates: Vec<String>,
}

/// The module types a template may use: the patch's, plus `note`.
pub fn registry(reg: &Registry) -> Registry {
    let mut r = reg.clone();
    if r.find("note").is_none() {
        r.register(super::note::TYPE);
    }
    r
}

impl VoiceTemplate {
    /// A template holding only `note`.
    pub fn new(name: &str) -> VoiceTemplate {
        let mut patch = Patch::new();
        patch
            .create(&registry(&Registry::empty()), "note", "note", &[])
            .expect("note is a valid module");
        VoiceTemplate {
            name: name.to_string(),
            patch,
            gates: Vec::new(),
        }
    }

    /// Adds a module to the template (no instruments inside instruments).
    pub fn create(
        &mut self,
        reg: &Registry,
        id: &str,
        kind: &str,
        params: &[(String, ParamArg)],
    ) -> Result<Vec<String>, PatchError> {
        if reg.find(kind).is_some_and(|t| t.spec.name == "instrument") {
            return Err(PatchError::UnknownType(format!(
                "{kind} (an instrument cannot be part of a voice template)"
            )));
        }
        self.patch.create(&registry(reg), id, kind, params)
    }

    /// When `dst` is `ID.gate` of a module with a gate and no input or
    /// parameter of that name, the gated module's id.
    fn gate_target(&self, reg: &Registry, src: &str, dst: &str) -> Option<String> {
        let (did, port) = split_endpoint(dst);
        if port != Some("gate") || !matches!(src, "note.gate") {
            return None;
        }
        let spec = self.patch.spec_of(&registry(reg), did).ok()?;
        let plain = spec.input_index("gate").is_none() && spec.param_index("gate").is_none();
        (spec.gate && plain).then(|| did.to_string())
    }

    /// Connects inside the template (`note.gate` to `ID.gate` makes a gate link).
    pub fn connect(&mut self, reg: &Registry, src: &str, dst: &str) -> Result<(), PatchError> {
        if let Some(id) = self.gate_target(reg, src, dst) {
            if self.gates.contains(&id) {
                return Err(PatchError::DuplicateConnection(format!("{src} -> {dst}")));
            }
            self.gates.push(id);
            return Ok(());
        }
        self.patch.connect(&registry(reg), src, dst)
    }

    /// Removes a connection or gate link.
    pub fn disconnect(&mut self, reg: &Registry, src: &str, dst: &str) -> Result<(), PatchError> {
        if let Some(id) = self.gate_target(reg, src, dst) {
            let k = self
                .gates
                .iter()
                .position(|g| *g == id)
                .ok_or_else(|| PatchError::NoConnection(format!("{src} -> {dst}")))?;
            self.gates.remove(k);
            return Ok(());
        }
        self.patch.disconnect(&registry(reg), src, dst)
    }

    /// Removes a module (not `note`) and its connections and gate link.
    pub fn delete(&mut self, id: &str) -> Result<(), PatchError> {
        if id == "note" {
            return Err(PatchError::UnknownModule(
                "note (every voice template keeps it)".into(),
            ));
        }
        self.patch.delete(id)?;
        self.gates.retain(|g| g != id);
        Ok(())
    }

    /// The template's body in patch-file syntax (without `voice`/`end`).
    pub fn body_text(&self, reg: &Registry) -> String {
        let text = self.patch.to_text(&registry(reg));
        let mut s = String::new();
        for line in text.lines().filter(|l| *l != "create note note") {
            s.push_str("  ");
            s.push_str(line);
            s.push('\n');
        }
        for g in &self.gates {
            s.push_str(&format!("  connect note.gate {g}.gate\n"));
        }
        s
    }

    /// Compiles `n` copies of the template for one instrument.
    pub fn compile_voices(
        &self,
        reg: &Registry,
        sample_rate: f32,
        n: usize,
    ) -> Result<Vec<VoiceGraph>, PatchError> {
        let reg = registry(reg);
        // A parameter fed by note.freq plays the note's frequency: its own
        // value (an oscillator's default 440 Hz) would be added, so it is 0.
        let mut patch = self.patch.clone();
        for c in &self.patch.connections {
            let Ok(spec) = self.patch.spec_of(&reg, &c.to) else {
                continue;
            };
            let to_param = spec.input_index(&c.to_port).is_none();
            if c.from == "note" && c.from_port == "freq" && to_param {
                if let Some(i) = patch.module_index(&c.to) {
                    let params = &mut patch.modules[i].params;
                    params.retain(|(n, _)| *n != c.to_port);
                    params.push((c.to_port.clone(), 0.0));
                }
            }
        }
        let first =
            Graph::compile(&patch, &reg, sample_rate, 1).map_err(|e| in_template(&self.name, e))?;
        let note = Name::new("note").and_then(|n| first.find(&n));
        let note = note.ok_or_else(|| PatchError::UnknownModule(format!("{}.note", self.name)))?;
        let gates: Vec<usize> = if self.gates.is_empty() {
            (0..first.len())
                .filter(|&i| first.spec_of(i).gate)
                .collect()
        } else {
            self.gates
                .iter()
                .filter_map(|g| Name::new(g).and_then(|n| first.find(&n)))
                .collect()
        };
        let mut voices = Vec::with_capacity(n);
        voices.push(VoiceGraph {
            graph: first,
            note,
            gates: gates.clone(),
        });
        for _ in 1..n {
            voices.push(VoiceGraph {
                graph: Graph::compile(&patch, &reg, sample_rate, 1)?,
                note,
                gates: gates.clone(),
            });
        }
        Ok(voices)
    }
}

use crate::name::Name;

/// Prefixes an error with the instrument it comes from.
fn in_template(name: &str, e: PatchError) -> PatchError {
    PatchError::Instrument {
        name: name.to_string(),
        message: format!("in its voice template: {e}"),
    }
}
