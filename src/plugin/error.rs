//! [`PluginError`]: why a plugin cannot be a module, or a value or request for
//! one was refused. Its `Display` is the `/fail` reason musicians see.

use std::fmt;

/// Why a plugin request was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum PluginError {
    /// `create ID lv2` without a `uri`.
    Usage,
    /// No installed plugin has this URI.
    Unknown {
        /// The URI asked for.
        uri: String,
        /// Where the installed plugins are listed (`/plugins` or `synth-jack plugins`).
        see: &'static str,
    },
    /// The plugin requires an LV2 feature synth-jack does not provide.
    MissingFeature {
        /// The plugin.
        uri: String,
        /// The feature's URI.
        feature: String,
    },
    /// A port of a type synth-jack cannot connect (neither audio, CV,
    /// control nor MIDI).
    OtherPort {
        /// The plugin.
        uri: String,
        /// The port's symbol.
        symbol: String,
    },
    /// More audio inputs or outputs than a module may have.
    TooManyPorts(String),
    /// A value outside a port's range.
    OutOfRange {
        /// Module id.
        id: String,
        /// Port symbol.
        param: String,
        /// The value refused.
        value: f32,
        /// The port's range and unit.
        min: f32,
        /// Top of the range.
        max: f32,
        /// Unit of the range.
        unit: String,
    },
    /// The plugin has no port of this symbol.
    NoPort {
        /// The plugin.
        uri: String,
        /// Module id.
        id: String,
        /// The symbol asked for.
        param: String,
    },
    /// The port is not a control input (so it is no parameter).
    NotControlInput {
        /// The plugin.
        uri: String,
        /// Module id.
        id: String,
        /// The port's symbol.
        param: String,
    },
    /// A value that is not a number.
    BadValue {
        /// Module id.
        id: String,
        /// Port symbol.
        param: String,
        /// The text sent.
        text: String,
    },
    /// A plugin request for a module that is not a plugin.
    NotAPlugin(String),
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            PluginError::Usage => f.write_str("usage: create ID lv2 uri URI [symbol value]..."),
            PluginError::Unknown { uri, see } => write!(f, "unknown plugin {uri} (see {see})"),
            PluginError::MissingFeature { uri, feature } => write!(
                f,
                "plugin {uri} requires feature {feature}, which synth-jack lacks"
            ),
            PluginError::OtherPort { uri, symbol } => write!(
                f,
                "plugin {uri}: port {symbol} has a type synth-jack cannot connect"
            ),
            PluginError::TooManyPorts(uri) => write!(
                f,
                "plugin {uri} has more than {} audio inputs or outputs",
                super::module::MAX_AUDIO_PORTS
            ),
            PluginError::OutOfRange {
                id,
                param,
                value,
                min,
                max,
                unit,
            } => write!(
                f,
                "{id}.{param}: {value} is out of range {min} .. {max} {unit}"
            ),
            PluginError::NoPort { uri, id, param } => {
                write!(f, "plugin {uri} has no port '{param}' (module '{id}')")
            }
            PluginError::NotControlInput { uri, id, param } => {
                write!(f, "{id}.{param} is not a control input of plugin {uri}")
            }
            PluginError::BadValue { id, param, text } => {
                write!(f, "bad value '{text}' for '{id}.{param}'")
            }
            PluginError::NotAPlugin(id) => write!(f, "module '{id}' is not a plugin"),
        }
    }
}

impl std::error::Error for PluginError {}

/// Where `synth-jack plugins` users look for installed plugins.
pub const SEE_CLI: &str = "`synth-jack plugins`";
/// Where OSC clients look for installed plugins.
pub const SEE_OSC: &str = "/plugins";
