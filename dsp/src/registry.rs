//! Module types by name: metadata plus a constructor.

use crate::error::PatchError;
use crate::module::Module;
use crate::spec::ModuleSpec;

/// What a constructor is given. Runs on the control thread (may allocate).
#[derive(Clone, Copy)]
pub struct BuildCtx {
    /// Sample rate the module will run at.
    pub sample_rate: f32,
    /// The type being built, so one constructor can serve several types
    /// (`saw` and `triangle` share theirs).
    pub spec: &'static ModuleSpec,
}

/// Builds a module. Runs on the control thread (may allocate).
pub type Constructor = fn(&BuildCtx) -> Box<dyn Module>;

/// A module type: its metadata and how to build one.
#[derive(Clone, Copy)]
pub struct ModuleType {
    /// Name, ports and parameters of the type.
    pub spec: &'static ModuleSpec,
    /// Builds one module of this type for a sample rate.
    pub build: Constructor,
}

impl ModuleType {
    /// A module of this type for `sample_rate`, its parameters at their defaults.
    pub fn instantiate(&self, sample_rate: f32) -> Box<dyn Module> {
        (self.build)(&BuildCtx {
            sample_rate,
            spec: self.spec,
        })
    }
}

/// Finds a module type known only at run time (a plugin, named
/// `family:argument`): `None` when the name is not its to resolve, else the
/// type or why it cannot be used. Types it returns live for the whole process.
pub type Resolver = fn(name: &str) -> Option<Result<&'static ModuleType, String>>;

/// Builds a module of a resolved type for module `id` (control thread);
/// may fail (a plugin that does not instantiate).
pub type DynConstructor =
    fn(spec: &'static ModuleSpec, id: &str, sample_rate: f32) -> Result<Box<dyn Module>, String>;

/// Whether a run-time type plays notes (a plugin with a MIDI input): such
/// modules take `/note/*` and MIDI channels like instruments do.
pub type PlaysNotes = fn(spec: &ModuleSpec) -> bool;

/// The set of module types a patch may use.
#[derive(Clone, Default)]
pub struct Registry {
    types: Vec<ModuleType>,
    dynamic: Option<(Resolver, DynConstructor, PlaysNotes)>,
    /// Most bytes one compiled patch may take (None: the default).
    budget: Option<u64>,
    /// Sample rate the budget charges delay lines at (None: 48 kHz).
    rate: Option<f32>,
    samples: Option<crate::sample::SampleLookup>,
}

impl Registry {
    /// An empty registry.
    pub fn empty() -> Self {
        Registry::default()
    }

    /// Every built-in module type.
    pub fn standard() -> Self {
        let mut r = Registry::empty();
        for t in crate::modules::all() {
            r.register(t);
        }
        r.register(crate::voice::instrument::TYPE);
        r.register(crate::voice::note::TYPE);
        r
    }

    /// Sets the memory budget of one compiled patch, in bytes (see
    /// [`crate::budget`]); edits and compiles beyond it are refused.
    pub fn set_memory_budget(&mut self, bytes: u64) {
        self.budget = Some(bytes);
    }

    /// The memory budget of one compiled patch, in bytes.
    pub fn memory_budget(&self) -> u64 {
        self.budget.unwrap_or(crate::budget::DEFAULT_BUDGET)
    }

    /// Sets the sample rate the budget charges delay and reverb lines at
    /// (the engine's; patches compiled at another rate are charged at theirs).
    pub fn set_sample_rate(&mut self, rate: f32) {
        self.rate = Some(rate);
    }

    /// The sample rate the budget charges lines at.
    pub fn sample_rate(&self) -> f32 {
        self.rate.unwrap_or(48_000.0)
    }

    /// Bytes one module of built-in type `t` allocates for its lines at
    /// [`Registry::sample_rate`], measured by building one (control thread);
    /// 0 for run-time types (plugins) and instruments (charged by their voices).
    pub fn line_bytes(&self, t: &ModuleType) -> u64 {
        let built_in = self.types.iter().any(|x| std::ptr::eq(x.spec, t.spec));
        if !built_in || t.spec.name == crate::voice::instrument::SPEC.name {
            return 0;
        }
        t.instantiate(self.sample_rate()).heap_bytes() as u64
    }

    /// Refuses `bytes` (the estimate of `patch` after an edit) when it
    /// exceeds the memory budget, naming the module types that take most.
    pub fn check_budget(&self, bytes: u64, patch: &crate::patch::Patch) -> Result<(), PatchError> {
        let budget = self.memory_budget();
        if bytes > budget {
            return Err(PatchError::OverBudget {
                needed_mib: crate::budget::mib(bytes),
                budget_mib: crate::budget::mib(budget),
                largest: crate::budget::largest(patch, self),
            });
        }
        Ok(())
    }

    /// Adds a type (the engine adds `fault` this way); replaces one of the same name.
    pub fn register(&mut self, t: ModuleType) {
        self.types.retain(|x| x.spec.name != t.spec.name);
        self.types.push(t);
    }

    /// Adds module types known only at run time: `resolve` finds them by
    /// name, `build` makes their modules, `notes` tells which of them play
    /// notes (the engine adds LV2 plugins this way).
    pub fn set_dynamic(&mut self, resolve: Resolver, build: DynConstructor, notes: PlaysNotes) {
        self.dynamic = Some((resolve, build, notes));
    }

    /// Whether modules of type `spec` play notes: instruments, and run-time
    /// types that say so. `/note/*` and MIDI channel routes reach only these.
    pub fn plays_notes(&self, spec: &ModuleSpec) -> bool {
        spec.name == crate::voice::instrument::SPEC.name
            || self.dynamic.is_some_and(|(_, _, notes)| notes(spec))
    }

    /// Where compiled graphs find sample buffers by name (the engine's
    /// buffer store); without it every `buffer=` names no buffer.
    pub fn set_samples(&mut self, lookup: crate::sample::SampleLookup) {
        self.samples = Some(lookup);
    }

    /// The loaded sample buffer called `name`, if any.
    pub fn sample(&self, name: &str) -> Option<crate::sample::SampleRef> {
        self.samples.as_ref().and_then(|f| f(name))
    }

    /// The type called `name` or with `name` as an alias.
    pub fn find(&self, name: &str) -> Option<&ModuleType> {
        self.lookup(name).ok()
    }

    /// Like [`Registry::find`], with an error that says why a type is missing.
    pub fn lookup(&self, name: &str) -> Result<&ModuleType, PatchError> {
        if let Some(t) = self.types.iter().find(|t| t.spec.matches(name)) {
            return Ok(t);
        }
        match self.dynamic.and_then(|(resolve, _, _)| resolve(name)) {
            Some(Ok(t)) => Ok(t),
            Some(Err(reason)) => Err(PatchError::Unusable {
                kind: name.to_string(),
                reason,
            }),
            None => Err(PatchError::UnknownType(name.to_string())),
        }
    }

    /// Builds a module of type `t` for module `id` (control thread).
    pub fn build(
        &self,
        t: &ModuleType,
        id: &str,
        sample_rate: f32,
    ) -> Result<Box<dyn Module>, PatchError> {
        let own = self.types.iter().any(|x| std::ptr::eq(x.spec, t.spec));
        match self.dynamic {
            Some((_, build, _)) if !own => {
                build(t.spec, id, sample_rate).map_err(|reason| PatchError::Unusable {
                    kind: t.spec.name.to_string(),
                    reason,
                })
            }
            _ => Ok(t.instantiate(sample_rate)),
        }
    }

    /// All types, in registration order.
    pub fn types(&self) -> &[ModuleType] {
        &self.types
    }

    /// A listing for users: each type with its ports and parameters.
    pub fn describe(&self) -> String {
        use crate::spec::ParamKind;
        let mut s = String::new();
        for t in &self.types {
            let sp = t.spec;
            s.push_str(sp.name);
            if !sp.aliases.is_empty() {
                s.push_str(&format!(" (alias {})", sp.aliases.join(", ")));
            }
            s.push_str(&format!(": {}\n", sp.description));
            let names = |ports: &[crate::spec::PortSpec]| {
                ports.iter().map(|p| p.name).collect::<Vec<_>>().join(" ")
            };
            if !sp.inputs.is_empty() {
                s.push_str(&format!("  inputs:  {}\n", names(sp.inputs)));
            }
            if !sp.outputs.is_empty() {
                s.push_str(&format!("  outputs: {}\n", names(sp.outputs)));
            }
            if sp.gate {
                s.push_str("  gate:    yes\n");
            }
            if sp.buffer {
                s.push_str("  buffer:  buffer=NAME, a sample buffer loaded with /buffer/load\n");
            }
            for p in sp.params {
                match p.kind {
                    ParamKind::Choice(c) => s.push_str(&format!(
                        "  {:<10} {} (default {})\n",
                        p.name,
                        c.join("|"),
                        p.format_value(p.default)
                    )),
                    ParamKind::Continuous => s.push_str(&format!(
                        "  {:<10} {} .. {} {} (default {}, smoothing {} ms)\n",
                        p.name, p.min, p.max, p.unit, p.default, p.smoothing_ms
                    )),
                }
                if !p.aliases.is_empty() {
                    s.push_str(&format!("             alias {}\n", p.aliases.join(", ")));
                }
            }
        }
        s
    }
}
