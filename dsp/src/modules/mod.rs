//! The built-in module types, one file per concern.

use crate::registry::ModuleType;

pub mod output;
pub mod sine;

/// Every built-in module type.
pub fn all() -> Vec<ModuleType> {
    vec![sine::TYPE, output::TYPE]
}
