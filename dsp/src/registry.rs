//! Module types by name: metadata plus a constructor.

use crate::module::Module;
use crate::spec::ModuleSpec;

/// What a constructor is given. Runs on the control thread (may allocate).
#[derive(Clone, Copy)]
pub struct BuildCtx {
    /// Sample rate the module will run at.
    pub sample_rate: f32,
    /// The type being built: lets one constructor serve many types whose
    /// specs were made at run time (a plugin host; see [`ModuleSpec::leak`]).
    pub spec: &'static ModuleSpec,
}

/// Builds a module. Runs on the control thread (may allocate).
pub type Constructor = fn(&BuildCtx) -> Box<dyn Module>;

/// A module type: its metadata and how to build one.
#[derive(Clone, Copy)]
pub struct ModuleType {
    /// Metadata.
    pub spec: &'static ModuleSpec,
    /// Constructor.
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

/// The set of module types a patch may use.
#[derive(Clone, Default)]
pub struct Registry {
    types: Vec<ModuleType>,
}

impl Registry {
    /// An empty registry.
    pub fn empty() -> Self {
        Registry { types: Vec::new() }
    }

    /// Every built-in module type.
    pub fn standard() -> Self {
        let mut r = Registry::empty();
        for t in crate::modules::all() {
            r.register(t);
        }
        r
    }

    /// Adds a type (the engine adds `fault` this way); replaces one of the same name.
    pub fn register(&mut self, t: ModuleType) {
        self.types.retain(|x| x.spec.name != t.spec.name);
        self.types.push(t);
    }

    /// The type called `name` or with `name` as an alias.
    pub fn find(&self, name: &str) -> Option<&ModuleType> {
        self.types.iter().find(|t| t.spec.matches(name))
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
