//! Fixed-size module identifiers that can be copied through lock-free queues.

use std::fmt;

/// Longest module id, in bytes.
pub const MAX_NAME: usize = 64;

/// A module id stored inline (no heap), so commands that carry one are `Copy`
/// and can cross the real-time boundary without allocating.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name {
    len: u8,
    bytes: [u8; MAX_NAME],
}

impl Name {
    /// Makes a name from `text` if it is 1..=64 characters of `[A-Za-z0-9_-]`.
    pub fn new(text: &str) -> Option<Name> {
        if !is_valid_name(text) {
            return None;
        }
        let mut bytes = [0u8; MAX_NAME];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Some(Name {
            len: text.len() as u8,
            bytes,
        })
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

/// True for names made of 1..=64 characters of `[A-Za-z0-9_-]`.
pub fn is_valid_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_NAME
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_rejects() {
        assert_eq!(Name::new("osc_1-a").unwrap().as_str(), "osc_1-a");
        assert!(Name::new("").is_none());
        assert!(Name::new("a b").is_none());
        assert!(Name::new("../x").is_none());
        assert!(Name::new(&"x".repeat(65)).is_none());
        assert!(Name::new(&"x".repeat(64)).is_some());
    }
}
