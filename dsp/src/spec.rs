//! Static metadata every module type declares: ports and parameters.
//!
//! The engine, the OSC layer, the patch-file parser, error messages and
//! `synth-jack modules` all read these same tables.

/// How a parameter's value is interpreted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamKind {
    /// A continuous number, smoothed when it changes.
    Continuous,
    /// One of a fixed list of names; the value is the index. Never smoothed.
    Choice(&'static [&'static str]),
}

/// One parameter of a module type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    /// Name used in OSC addresses and patch files.
    pub name: &'static str,
    /// Other accepted names (the prior engine's, for instance).
    pub aliases: &'static [&'static str],
    /// Smallest accepted value; lower values are clamped.
    pub min: f32,
    /// Largest accepted value; higher values are clamped.
    pub max: f32,
    /// Value when the patch does not set one.
    pub default: f32,
    /// Unit shown to users ("Hz", "ms", "dB", "" ...).
    pub unit: &'static str,
    /// Smoothing time for live changes, in milliseconds (0 = none).
    pub smoothing_ms: f32,
    /// Continuous or choice.
    pub kind: ParamKind,
}

impl ParamSpec {
    /// A continuous parameter.
    pub const fn new(
        name: &'static str,
        min: f32,
        max: f32,
        default: f32,
        unit: &'static str,
        smoothing_ms: f32,
    ) -> Self {
        ParamSpec {
            name,
            aliases: &[],
            min,
            max,
            default,
            unit,
            smoothing_ms,
            kind: ParamKind::Continuous,
        }
    }

    /// A choice parameter; `default` is an index into `choices`.
    pub const fn choice(
        name: &'static str,
        choices: &'static [&'static str],
        default: usize,
    ) -> Self {
        ParamSpec {
            name,
            aliases: &[],
            min: 0.0,
            max: (choices.len() - 1) as f32,
            default: default as f32,
            unit: "",
            smoothing_ms: 0.0,
            kind: ParamKind::Choice(choices),
        }
    }

    /// The same parameter with alias names.
    pub const fn with_aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }

    /// The same parameter under another name (for a shared group used
    /// twice in one type, like a mixer's per-input gains).
    pub const fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    /// The same parameter with another default value.
    pub const fn with_default(mut self, default: f32) -> Self {
        self.default = default;
        self
    }

    /// The same parameter with another smoothing time.
    pub const fn with_smoothing(mut self, ms: f32) -> Self {
        self.smoothing_ms = ms;
        self
    }

    /// True when `name` is this parameter's name or one of its aliases.
    pub fn matches(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }

    /// Clamps `value` into range (choices are also rounded to an index).
    /// Returns the clamped value and whether clamping changed it.
    pub fn clamp(&self, value: f32) -> (f32, bool) {
        if value.is_nan() {
            return (self.default, true);
        }
        let mut v = value.clamp(self.min, self.max);
        if let ParamKind::Choice(_) = self.kind {
            v = v.round();
        }
        (v, v != value)
    }

    /// Parses a textual value: a number, or a choice name.
    pub fn parse_value(&self, text: &str) -> Option<f32> {
        if let ParamKind::Choice(choices) = self.kind {
            if let Some(i) = choices.iter().position(|c| c.eq_ignore_ascii_case(text)) {
                return Some(i as f32);
            }
        }
        text.parse::<f32>().ok().filter(|v| v.is_finite())
    }

    /// Formats a value for a patch file (choice names as names).
    pub fn format_value(&self, value: f32) -> String {
        match self.kind {
            ParamKind::Choice(choices) => choices
                .get(value.max(0.0) as usize)
                .map(|s| s.to_string())
                .unwrap_or_else(|| format!("{value}")),
            ParamKind::Continuous => format!("{value}"),
        }
    }
}

/// One audio input or output of a module type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PortSpec {
    /// Port name used in connections (`osc1.out`).
    pub name: &'static str,
    /// Other accepted names.
    pub aliases: &'static [&'static str],
}

impl PortSpec {
    /// A port without aliases.
    pub const fn new(name: &'static str) -> Self {
        PortSpec { name, aliases: &[] }
    }

    /// A port with aliases.
    pub const fn aliased(name: &'static str, aliases: &'static [&'static str]) -> Self {
        PortSpec { name, aliases }
    }

    /// True when `name` is this port's name or one of its aliases.
    pub fn matches(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }
}

/// Everything the rest of the system knows about a module type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModuleSpec {
    /// Type name used in `create` (`sine`, `biquad` ...).
    pub name: &'static str,
    /// Other accepted type names (`simple_sine` ...).
    pub aliases: &'static [&'static str],
    /// One line for users.
    pub description: &'static str,
    /// Audio inputs; several connections into one input are summed.
    pub inputs: &'static [PortSpec],
    /// Audio outputs.
    pub outputs: &'static [PortSpec],
    /// Parameters, in index order.
    pub params: &'static [ParamSpec],
    /// Whether the module reacts to gate events.
    pub gate: bool,
    /// Whether the module reads a sample buffer, named in the patch by its
    /// `buffer` setting (`create s sampler buffer=kick`; see [`crate::sample`]).
    pub buffer: bool,
}

impl ModuleSpec {
    /// True when `name` is this type's name or an alias.
    pub fn matches(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }

    /// Index of the parameter called `name` (or an alias).
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.matches(name))
    }

    /// Index of the input called `name` (or an alias).
    pub fn input_index(&self, name: &str) -> Option<usize> {
        self.inputs.iter().position(|p| p.matches(name))
    }

    /// Index of the output called `name` (or an alias).
    pub fn output_index(&self, name: &str) -> Option<usize> {
        self.outputs.iter().position(|p| p.matches(name))
    }
}
