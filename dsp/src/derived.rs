//! Data derived from a sample buffer and kept with it: what a module builds
//! from a buffer on the control thread (a `wavetable`'s band-limited
//! tables) is built once per buffer and settings, and every later graph
//! compiled with the same buffer and settings shares it.
//!
//! The cache lives inside the [`Sample`](crate::Sample), so its entries go
//! exactly when the buffer goes: a buffer replaced by a new load is a new
//! `Sample` with an empty cache, and a freed one is dropped (with its
//! entries) on the collector thread when the last graph using it is retired,
//! like the buffer itself. A graph's modules hold the entries they use, so
//! an entry outlives its buffer only as long as a graph playing it.
//! Memory is bounded: at most [`MAX_ENTRIES`] per buffer (the oldest goes).

use std::any::{Any, TypeId};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

/// Most derived values kept per buffer.
pub const MAX_ENTRIES: usize = 4;

/// One derived value: its type, the settings it was built with, the value.
struct Entry {
    kind: TypeId,
    key: u64,
    value: Arc<dyn Any + Send + Sync>,
}

/// The derived values of one buffer (control thread only: the lock is
/// never taken on a real-time thread).
#[derive(Default)]
pub struct Derived {
    entries: Mutex<Vec<Entry>>,
    /// Values built so far (a value found in the cache is not counted).
    built: AtomicU64,
}

impl Derived {
    /// The value of type `T` built with settings `key`: the cached one, or
    /// `build()`'s, which is then cached (control thread: may allocate).
    pub fn get_or_build<T: Any + Send + Sync>(
        &self,
        key: u64,
        build: impl FnOnce() -> T,
    ) -> Arc<T> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let kind = TypeId::of::<T>();
        let found = entries.iter().find(|e| e.kind == kind && e.key == key);
        if let Some(v) = found.and_then(|e| e.value.clone().downcast::<T>().ok()) {
            return v;
        }
        let value = Arc::new(build());
        self.built.fetch_add(1, Relaxed);
        entries.retain(|e| !(e.kind == kind && e.key == key));
        if entries.len() >= MAX_ENTRIES {
            entries.remove(0);
        }
        entries.push(Entry {
            kind,
            key,
            value: value.clone(),
        });
        value
    }

    /// How many values were built (cache misses) for this buffer.
    pub fn built(&self) -> u64 {
        self.built.load(Relaxed)
    }
}

/// A copy of a buffer is a new buffer: it starts with an empty cache.
impl Clone for Derived {
    fn clone(&self) -> Self {
        Derived::default()
    }
}

/// The cache is not part of a buffer's value.
impl PartialEq for Derived {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Derived {{ built: {} }}", self.built())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_built_once_per_key_and_the_oldest_goes_past_the_bound() {
        let d = Derived::default();
        let a = d.get_or_build(1, || 10u32);
        let b = d.get_or_build(1, || 20u32);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!((*b, d.built()), (10, 1));
        assert_eq!(*d.get_or_build(2, || 30u32), 30);
        assert_eq!(d.built(), 2);
        for k in 3..=(MAX_ENTRIES as u64 + 1) {
            d.get_or_build(k, || 0u32);
        }
        // Key 1 was the oldest: it is built again.
        assert_eq!(*d.get_or_build(1, || 40u32), 40);
        assert_eq!(d.entries.lock().unwrap().len(), MAX_ENTRIES);
    }
}
