//! A worker's timed events: a binary min-heap on (frame, arrival) with a
//! capacity fixed at creation, so inserting costs O(log n) in whatever order
//! events arrive (4,096 arriving newest-first cost no more than oldest-first)
//! and never allocates on the worker.

use dsp::Event;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One event with its timeline frame and arrival number (equal frames keep
/// arrival order).
struct Timed {
    frame: u64,
    seq: u64,
    event: Event,
}

impl PartialEq for Timed {
    fn eq(&self, other: &Self) -> bool {
        (self.frame, self.seq) == (other.frame, other.seq)
    }
}

impl Eq for Timed {}

impl PartialOrd for Timed {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timed {
    /// Reversed, so the max-heap pops the earliest frame first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.frame, other.seq).cmp(&(self.frame, self.seq))
    }
}

/// Timed events waiting for their frame.
pub struct TimedEvents {
    heap: BinaryHeap<Timed>,
    capacity: usize,
    seq: u64,
}

impl TimedEvents {
    /// Room for `capacity` events, allocated here (control side) only.
    pub fn with_capacity(capacity: usize) -> TimedEvents {
        TimedEvents {
            heap: BinaryHeap::with_capacity(capacity),
            capacity,
            seq: 0,
        }
    }

    /// Events held.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when none is held.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Adds `event` for `frame`; false (nothing added) when full.
    pub fn push(&mut self, frame: u64, event: Event) -> bool {
        if self.heap.len() >= self.capacity {
            return false;
        }
        self.seq += 1;
        self.heap.push(Timed {
            frame,
            seq: self.seq,
            event,
        });
        true
    }

    /// The earliest event if its frame is before `end`.
    pub fn pop_before(&mut self, end: u64) -> Option<(u64, Event)> {
        if self.heap.peek()?.frame >= end {
            return None;
        }
        self.heap.pop().map(|t| (t.frame, t.event))
    }

    /// Forgets every event before `frame`.
    pub fn drop_before(&mut self, frame: u64) {
        while self.pop_before(frame).is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dsp::{EventKind, Name};

    fn ev(i: u16) -> Event {
        Event {
            offset: 0,
            module: Name::new("m").unwrap(),
            kind: EventKind::Param {
                index: i,
                value: 0.0,
            },
        }
    }

    fn index(e: &Event) -> u16 {
        match e.kind {
            EventKind::Param { index, .. } => index,
            _ => unreachable!(),
        }
    }

    #[test]
    fn pops_in_frame_order_and_keeps_arrival_order_for_equal_frames() {
        let mut t = TimedEvents::with_capacity(8);
        assert!(t.push(30, ev(0)));
        assert!(t.push(10, ev(1)));
        assert!(t.push(20, ev(2)));
        assert!(t.push(10, ev(3)));
        assert_eq!(t.pop_before(5), None);
        let got: Vec<(u64, u16)> = std::iter::from_fn(|| t.pop_before(25))
            .map(|(f, e)| (f, index(&e)))
            .collect();
        assert_eq!(got, vec![(10, 1), (10, 3), (20, 2)]);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn refuses_beyond_capacity_and_drops_stale_events() {
        let mut t = TimedEvents::with_capacity(2);
        assert!(t.push(1, ev(0)));
        assert!(t.push(5, ev(1)));
        assert!(!t.push(3, ev(2)));
        t.drop_before(4);
        assert_eq!(t.len(), 1);
        assert!(t.push(3, ev(2)));
    }

    #[test]
    fn four_thousand_newest_first_insertions_never_allocate() {
        let n = crate::rt::worker::EVENT_CAPACITY;
        let mut t = TimedEvents::with_capacity(n);
        assert_no_alloc::assert_no_alloc(|| {
            for i in (0..n as u64).rev() {
                assert!(t.push(1000 + i, ev(0)));
            }
            let mut last = 0;
            while let Some((f, _)) = t.pop_before(u64::MAX) {
                assert!(f >= last);
                last = f;
            }
        });
        assert!(t.is_empty());
    }
}
