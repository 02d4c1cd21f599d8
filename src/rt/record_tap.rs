//! The recorder's real-time end: the callback copies each period into a
//! preallocated block from a lock-free pool (never blocking; an empty pool
//! counts the period as overflow). The writer thread in `record.rs` drains
//! the filled blocks into the file.

use crossbeam_queue::ArrayQueue;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::Arc;

/// Frames per recording block.
pub(crate) const REC_BLOCK: usize = 8192;
/// Blocks in the pool: about 5 s of stereo audio at 48 kHz.
pub(crate) const REC_BLOCKS: usize = 32;

/// One block of interleaved frames.
pub(crate) struct RecBlock {
    pub(crate) frames: usize,
    pub(crate) data: Box<[f32]>,
}

/// State shared by the tap (callback) and the writer.
pub struct RecordShared {
    pub(crate) free: ArrayQueue<Box<RecBlock>>,
    pub(crate) filled: ArrayQueue<Box<RecBlock>>,
    pub(crate) active: AtomicBool,
    /// Frames lost because the pool was empty.
    pub overflow: AtomicU64,
    /// Frames handed to the writer.
    pub frames: AtomicU64,
    pub(crate) channels: usize,
}

impl RecordShared {
    /// The pool for `channels` channels, every block free (allocates: call
    /// it on the control thread).
    pub fn new(channels: usize) -> Arc<RecordShared> {
        let free = ArrayQueue::new(REC_BLOCKS);
        for _ in 0..REC_BLOCKS {
            let _ = free.push(Box::new(RecBlock {
                frames: 0,
                data: vec![0.0; REC_BLOCK * channels].into_boxed_slice(),
            }));
        }
        Arc::new(RecordShared {
            free,
            filled: ArrayQueue::new(REC_BLOCKS),
            active: AtomicBool::new(false),
            overflow: AtomicU64::new(0),
            frames: AtomicU64::new(0),
            channels,
        })
    }
}

/// The callback's end: copies periods while a recording runs.
pub struct RecordTap {
    shared: Arc<RecordShared>,
    current: Option<Box<RecBlock>>,
}

impl Drop for RecordTap {
    /// A partly filled block goes to the writer (its audio was played), so
    /// the pool keeps every block across reconnects.
    fn drop(&mut self) {
        if let Some(b) = self.current.take() {
            if let Err(b) = self.shared.filled.push(b) {
                let _ = self.shared.free.push(b);
            }
        }
    }
}

impl RecordTap {
    /// A tap on `shared`, holding no block yet.
    pub fn new(shared: Arc<RecordShared>) -> RecordTap {
        RecordTap {
            shared,
            current: None,
        }
    }

    /// Copies `n` frames of `outs` (interleaved into the block). Real-time safe.
    pub fn push(&mut self, outs: &[&mut [f32]], n: usize) {
        let sh = &self.shared;
        if !sh.active.load(Acquire) {
            if let Some(b) = self.current.take() {
                let _ = sh.filled.push(b);
            }
            return;
        }
        let ch = sh.channels;
        let mut i = 0;
        while i < n {
            if self.current.is_none() {
                match sh.free.pop() {
                    Some(mut b) => {
                        b.frames = 0;
                        self.current = Some(b);
                    }
                    None => {
                        sh.overflow.fetch_add((n - i) as u64, Relaxed);
                        return;
                    }
                }
            }
            let Some(b) = self.current.as_mut() else {
                return;
            };
            let k = (REC_BLOCK - b.frames).min(n - i);
            for f in 0..k {
                for c in 0..ch {
                    let x = outs.get(c).map_or(0.0, |o| o[i + f]);
                    b.data[(b.frames + f) * ch + c] = x;
                }
            }
            b.frames += k;
            i += k;
            sh.frames.fetch_add(k as u64, Relaxed);
            if b.frames == REC_BLOCK {
                if let Some(b) = self.current.take() {
                    if let Err(b) = sh.filled.push(b) {
                        let _ = sh.free.push(b);
                    }
                }
            }
        }
    }
}
