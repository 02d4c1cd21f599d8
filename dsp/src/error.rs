//! Errors from editing and compiling patches. Each names what is wrong.

use crate::spec::ModuleSpec;
use std::fmt;

/// Something wrong with a patch or an edit to it.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchError {
    /// No module type with this name.
    UnknownType(String),
    /// A module type known only at run time (a plugin) that cannot be used
    /// or built: its name and why.
    Unusable {
        /// The type name.
        kind: String,
        /// Why (a missing plugin, a missing host feature...).
        reason: String,
    },
    /// No module with this id in the patch.
    UnknownModule(String),
    /// A module id is used twice.
    DuplicateId(String),
    /// A module id is not 1..=64 characters of `[A-Za-z0-9_-]`.
    BadName(String),
    /// The module has no such input, output or parameter.
    UnknownPort {
        /// Module id.
        module: String,
        /// Module type.
        kind: String,
        /// The port asked for.
        port: String,
        /// "input", "output" or "input or parameter".
        what: &'static str,
    },
    /// The module type has no such parameter.
    UnknownParam {
        /// Module id.
        module: String,
        /// Module type.
        kind: String,
        /// The parameter asked for.
        param: String,
    },
    /// A parameter value is not a number (or not one of the choices).
    BadValue {
        /// Module id.
        module: String,
        /// The parameter's canonical name.
        param: String,
        /// The text given.
        value: String,
    },
    /// The module has no gate.
    NoGate(String),
    /// No such connection.
    NoConnection(String),
    /// The connection already exists.
    DuplicateConnection(String),
    /// The connections form a cycle through these modules.
    Cycle(Vec<String>),
    /// Too many modules or connections.
    OverCapacity {
        /// "modules" or "connections".
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The patch would take more memory than the budget allows.
    OverBudget {
        /// Estimated size of the patch, MiB.
        needed_mib: u64,
        /// The budget, MiB (`--max-graph-mib`).
        budget_mib: u64,
        /// The module types taking most of it ([`crate::budget::largest`]).
        largest: String,
    },
    /// A line of a patch or events file could not be read.
    Parse {
        /// 1-based line number.
        line: usize,
        /// What went wrong.
        message: String,
    },
    /// Something wrong with an instrument: its voice template or a MIDI route.
    Instrument {
        /// The instrument (or MIDI route) concerned.
        name: String,
        /// What went wrong.
        message: String,
    },
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use PatchError::*;
        match self {
            UnknownType(t) => write!(f, "unknown module type '{t}'"),
            Unusable { reason, .. } => write!(f, "{reason}"),
            UnknownModule(m) => write!(f, "unknown module '{m}'"),
            DuplicateId(m) => write!(f, "module '{m}' already exists"),
            BadName(m) => write!(
                f,
                "bad module name '{m}': use 1 to 64 characters of A-Z a-z 0-9 _ -"
            ),
            UnknownPort {
                module,
                kind,
                port,
                what,
            } => write!(f, "module '{module}' ({kind}) has no {what} '{port}'"),
            UnknownParam {
                module,
                kind,
                param,
            } => write!(f, "module '{module}' ({kind}) has no parameter '{param}'"),
            BadValue {
                module,
                param,
                value,
            } => write!(f, "bad value '{value}' for '{module}.{param}'"),
            NoGate(m) => write!(f, "module '{m}' has no gate"),
            NoConnection(c) => write!(f, "no connection {c}"),
            DuplicateConnection(c) => write!(f, "connection {c} already exists"),
            Cycle(ms) => write!(f, "connection makes a cycle: {}", ms.join(" -> ")),
            OverCapacity { what, limit } => {
                write!(f, "over capacity: at most {limit} {what}")
            }
            OverBudget {
                needed_mib,
                budget_mib,
                largest,
            } => write!(
                f,
                "over the memory budget: the patch needs about {needed_mib} MiB, \
                 the budget is {budget_mib} MiB (--max-graph-mib); largest: {largest}"
            ),
            Parse { line, message } => write!(f, "line {line}: {message}"),
            Instrument { name, message } => write!(f, "instrument '{name}': {message}"),
        }
    }
}

impl std::error::Error for PatchError {}

impl PatchError {
    /// The error for module `module` of type `spec` having no parameter
    /// `param` (the one place it is built).
    pub fn unknown_param(module: &str, spec: &ModuleSpec, param: &str) -> PatchError {
        PatchError::UnknownParam {
            module: module.to_string(),
            kind: spec.name.to_string(),
            param: param.to_string(),
        }
    }
}
