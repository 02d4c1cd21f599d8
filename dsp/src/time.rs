//! Musical time: where the frames a graph renders sit on the transport.
//!
//! The engine hands every block a [`Time`] (the JACK transport followed by
//! the callback, predicted for the frames a worker renders ahead); offline
//! rendering builds one from a tempo and a start position. Modules that keep
//! time (`clock`, `seq`, `euclid`, tempo-synced `lfo` and `delay`) compute
//! everything from it frame by frame, so their output depends only on the
//! transport position: a relocation makes them jump, a stopped transport
//! holds them, and the same patch renders the same samples live and offline.
//!
//! Positions are in beats. The tempo map is linear from an anchor:
//! `beat(frame) = anchor_beat + (frame - anchor_frame) · bpm / (60 · rate)`.
//! With the anchor at (0, 0) (a constant tempo), this is exactly how
//! `jack_transport` computes bar and beat from the transport frame.

/// Musical position and tempo of the first frame of a block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Time {
    /// True while the transport rolls. Stopped, `frame` does not advance.
    pub rolling: bool,
    /// Transport frame of the block's first frame.
    pub frame: u64,
    /// Transport frame at which the tempo map's `anchor_beat` falls.
    pub anchor_frame: u64,
    /// Beat position at `anchor_frame` (0 = first beat of bar 1).
    pub anchor_beat: f64,
    /// Tempo in beats per minute.
    pub bpm: f64,
    /// Beats in a bar.
    pub beats_per_bar: f64,
    /// Frames per second.
    pub sample_rate: f64,
}

impl Time {
    /// A transport rolling from frame 0 (bar 1, beat 1) at `bpm` with
    /// `beats_per_bar` beats a bar.
    pub fn new(sample_rate: f64, bpm: f64, beats_per_bar: f64) -> Time {
        Time {
            rolling: true,
            frame: 0,
            anchor_frame: 0,
            anchor_beat: 0.0,
            bpm: sane(bpm, 120.0),
            beats_per_bar: sane(beats_per_bar, 4.0),
            sample_rate: sane(sample_rate, 48000.0),
        }
    }

    /// The same transport `n` frames later (unchanged when stopped).
    #[inline]
    pub fn advanced(&self, n: usize) -> Time {
        let mut t = *self;
        if t.rolling {
            t.frame += n as u64;
        }
        t
    }

    /// Frames in one beat at this tempo.
    #[inline]
    pub fn frames_per_beat(&self) -> f64 {
        self.sample_rate * 60.0 / self.bpm
    }

    /// Beat position of transport frame `frame`.
    #[inline]
    pub fn beat_at(&self, frame: u64) -> f64 {
        self.anchor_beat + (frame as f64 - self.anchor_frame as f64) / self.frames_per_beat()
    }

    /// Beat position of this block's first frame.
    #[inline]
    pub fn beat(&self) -> f64 {
        self.beat_at(self.frame)
    }

    /// The exact (fractional) transport frame where `beat` falls.
    #[inline]
    pub fn frame_of(&self, beat: f64) -> f64 {
        self.anchor_frame as f64 + (beat - self.anchor_beat) * self.frames_per_beat()
    }

    /// Bar (from 1) and beat in the bar (from 1, with a fraction) of `beat`.
    pub fn bar_beat(&self, beat: f64) -> (i64, f64) {
        let bar = (beat / self.beats_per_bar).floor();
        (bar as i64 + 1, beat - bar * self.beats_per_bar + 1.0)
    }
}

/// `x` when it is a positive finite number, else `fallback`.
fn sane(x: f64, fallback: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        fallback
    }
}

/// Equally spaced ticks on the beat grid: tick `k` falls on beat
/// `(k + swing·[k odd]) / per_beat + offset`, rendered on the nearest frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    /// Ticks per beat (4: sixteenth notes in 4/4).
    pub per_beat: f64,
    /// Odd ticks are late by this fraction of a tick (0..0.9).
    pub swing: f64,
    /// Shift of the whole grid, in beats.
    pub offset: f64,
}

impl Grid {
    /// A straight grid of `per_beat` ticks per beat.
    pub fn new(per_beat: f64) -> Grid {
        Grid {
            per_beat: sane(per_beat, 1.0),
            swing: 0.0,
            offset: 0.0,
        }
    }

    /// Beat position of tick `k`.
    #[inline]
    pub fn beat_of(&self, k: i64) -> f64 {
        let late = if k & 1 == 1 { self.swing } else { 0.0 };
        (k as f64 + late) / self.per_beat + self.offset
    }

    /// Frame of tick `k` (the exact frame rounded to the nearest).
    #[inline]
    pub fn frame_of(&self, t: &Time, k: i64) -> i64 {
        t.frame_of(self.beat_of(k)).round() as i64
    }

    /// Where frame `f` sits: the last tick at or before it.
    pub fn cursor(&self, t: &Time, f: u64) -> Cursor {
        let f = f as i64;
        let guess = ((t.beat_at(f as u64) - self.offset) * self.per_beat).floor() as i64;
        let mut k = guess - 2;
        while self.frame_of(t, k + 1) <= f {
            k += 1;
        }
        while k > guess - 8 && self.frame_of(t, k) > f {
            k -= 1;
        }
        Cursor {
            k,
            start: self.frame_of(t, k),
            next: self.frame_of(t, k + 1),
        }
    }
}

/// The tick a frame belongs to, and when the next one falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Tick index.
    pub k: i64,
    /// Frame of tick `k`.
    pub start: i64,
    /// Frame of tick `k + 1`.
    pub next: i64,
}

impl Cursor {
    /// Moves to frame `f` (the next frame of the same block); true when a
    /// new tick starts exactly there.
    #[inline]
    pub fn step(&mut self, grid: &Grid, t: &Time, f: u64) -> bool {
        let mut fresh = false;
        while f as i64 >= self.next {
            self.k += 1;
            self.start = self.next;
            self.next = grid.frame_of(t, self.k + 1);
            fresh = true;
        }
        fresh
    }

    /// Frames the current tick lasts.
    #[inline]
    pub fn len(&self) -> i64 {
        (self.next - self.start).max(1)
    }

    /// Always false: a tick lasts at least one frame.
    #[inline]
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Note values for tempo sync (`sync=1/4`, `sync=3/16`...): choice names in
/// parameter order; index 0 is `off`. A beat is a quarter note.
pub const SYNC_CHOICES: &[&str] = &[
    "off", "4/1", "2/1", "1/1", "1/2", "1/4", "1/8", "1/16", "1/32", "3/4", "3/8", "3/16", "1/2t",
    "1/4t", "1/8t", "1/16t", "1/2.", "1/4.", "1/8.",
];

/// Length in beats of the note value at `index` in [`SYNC_CHOICES`]
/// (`None` for `off` or an unknown index).
pub fn sync_beats(index: usize) -> Option<f64> {
    let name = SYNC_CHOICES.get(index).copied()?;
    if index == 0 {
        return None;
    }
    let (core, factor) = match name.as_bytes().last() {
        Some(b't') => (&name[..name.len() - 1], 2.0 / 3.0),
        Some(b'.') => (&name[..name.len() - 1], 1.5),
        _ => (name, 1.0),
    };
    let (n, d) = core.split_once('/')?;
    let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
    Some(4.0 * n / d * factor)
}

/// Rising edges of a pulse signal (crossing 0.5 upwards).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Edge {
    high: bool,
}

impl Edge {
    /// Feeds one sample; true on a rising edge.
    #[inline]
    pub fn rising(&mut self, x: f32) -> bool {
        let h = x > 0.5;
        let rose = h && !self.high;
        self.high = h;
        rose
    }
}

/// A well-mixed 64-bit hash of `(seed, k)`: per-step random decisions that
/// are the same live, offline and after a relocation.
#[inline]
pub fn hash(seed: u64, k: i64) -> u64 {
    let mut z = seed ^ (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// [`hash`] as a number in `[0, 1)`.
#[inline]
pub fn chance(seed: u64, k: i64) -> f32 {
    (hash(seed, k) >> 40) as f32 / (1u64 << 24) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_values() {
        let b = |s: &str| sync_beats(SYNC_CHOICES.iter().position(|c| *c == s).unwrap());
        assert_eq!(b("off"), None);
        assert_eq!(b("1/4"), Some(1.0));
        assert_eq!(b("3/16"), Some(0.75));
        assert_eq!(b("1/1"), Some(4.0));
        assert!((b("1/8t").unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(b("1/4."), Some(1.5));
    }

    #[test]
    fn cursor_finds_the_tick_of_a_frame() {
        let t = Time::new(48000.0, 120.0, 4.0);
        let g = Grid::new(4.0); // 6000 frames per tick
        assert_eq!(g.cursor(&t, 0).k, 0);
        assert_eq!(g.cursor(&t, 5999).k, 0);
        let c = g.cursor(&t, 6000);
        assert_eq!((c.k, c.start, c.next), (1, 6000, 12000));
        assert_eq!(t.bar_beat(4.5), (2, 1.5));
    }
}
