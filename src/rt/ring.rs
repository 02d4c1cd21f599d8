//! A slot's ring of preallocated period buffers.
//!
//! Two lock-free queues hold every buffer: `free` (ready to render into) and
//! `filled` (rendered, waiting for the callback). A worker can only render
//! after taking a buffer from `free`, so it can never write into a full ring;
//! buffers are recycled, never allocated while running. Audio that was
//! rendered and is thrown away unplayed is counted (see [`super::shared::Slot::discard`]).

use crossbeam_queue::ArrayQueue;

/// Largest JACK period the rings hold (JACK allows up to 8192 frames).
pub const MAX_PERIOD: usize = 8192;

/// One rendered stretch of audio on the engine's timeline, planar channels.
pub struct Block {
    /// Timeline frame of the first sample.
    pub start: u64,
    /// Valid frames per channel.
    pub frames: usize,
    /// Patch version that rendered it.
    pub version: u32,
    channels: usize,
    data: Box<[f32]>,
}

impl Block {
    fn new(channels: usize) -> Box<Block> {
        Box::new(Block {
            start: 0,
            frames: 0,
            version: 0,
            channels,
            data: vec![0.0; channels * MAX_PERIOD].into_boxed_slice(),
        })
    }

    /// Timeline frame one past the last sample.
    pub fn end(&self) -> u64 {
        self.start + self.frames as u64
    }

    /// Channel `c`'s valid samples.
    pub fn channel(&self, c: usize) -> &[f32] {
        &self.data[c * MAX_PERIOD..c * MAX_PERIOD + self.frames]
    }

    /// Mutable slices for `frames` frames of every channel, for rendering into.
    pub fn channels_mut<'a>(&'a mut self, frames: usize, out: &mut [&'a mut [f32]]) {
        let mut rest: &'a mut [f32] = &mut self.data;
        for slot in out.iter_mut().take(self.channels) {
            let (head, tail) = rest.split_at_mut(MAX_PERIOD);
            *slot = &mut head[..frames];
            rest = tail;
        }
    }

    /// Number of channels.
    pub fn channel_count(&self) -> usize {
        self.channels
    }
}

/// The two queues of one slot.
pub struct Ring {
    /// Rendered blocks in timeline order.
    pub filled: ArrayQueue<Box<Block>>,
    /// Blocks ready to be rendered into.
    pub free: ArrayQueue<Box<Block>>,
    capacity: usize,
}

impl Ring {
    /// A ring of `capacity` blocks of `channels` channels, all free.
    pub fn new(capacity: usize, channels: usize) -> Ring {
        let free = ArrayQueue::new(capacity);
        for _ in 0..capacity {
            let _ = free.push(Block::new(channels));
        }
        Ring {
            filled: ArrayQueue::new(capacity),
            free,
            capacity,
        }
    }

    /// Total blocks (filled + free + any held by the callback or worker).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Returns a block to the free queue. Never fails: there are exactly
    /// `capacity` blocks and the queue holds `capacity`.
    pub fn recycle(&self, b: Box<Block>) {
        if self.free.push(b).is_err() {
            unreachable!("ring holds more blocks than its capacity");
        }
    }

    /// Moves every filled block back to free (stale audio after a stop);
    /// returns how many there were.
    pub fn drain(&self) -> u64 {
        let mut n = 0;
        while let Some(b) = self.filled.pop() {
            self.recycle(b);
            n += 1;
        }
        n
    }
}
