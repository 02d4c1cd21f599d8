//! Timed events applied inside a block at an exact sample offset.

use crate::name::Name;

/// What an event does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventKind {
    /// Set parameter `index` (smoothed for continuous parameters).
    Param {
        /// Parameter index in the module's spec.
        index: u16,
        /// New value, already clamped.
        value: f32,
    },
    /// Gate on (`true`) or off.
    Gate(bool),
}

/// An event for one module, `offset` frames into the block being rendered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Frame offset inside the block passed to `Graph::process`.
    pub offset: u32,
    /// The target module's id.
    pub module: Name,
    /// What to do.
    pub kind: EventKind,
}
