//! A delay line for the modules that need one (comb, allpass, chorus,
//! flanger, pingpong, limiter): memory allocated once at construction on the
//! control thread, read with linear interpolation. [`Swept`] is the
//! modulated-delay core of chorus and flanger: a line and the sine LFO that
//! sweeps where it is read.

/// A delay in samples split into whole samples and a fraction, for
/// [`DelayLine::read_at`] (computed once while the delay holds still).
#[derive(Debug, Clone, Copy)]
pub struct Tap {
    whole: usize,
    frac: f32,
}

impl Tap {
    /// `d` samples, clamped to `[1, max]` (NaN: 1).
    #[inline]
    pub fn new(d: f32, max: f32) -> Self {
        let d = if d >= 1.0 { d.min(max) } else { 1.0 };
        let whole = d as usize;
        Tap {
            whole,
            frac: d - whole as f32,
        }
    }
}

/// Power-of-two ring buffer of past samples.
pub struct DelayLine {
    buf: Box<[f32]>,
    mask: usize,
    /// Next write position.
    w: usize,
}

impl DelayLine {
    /// A silent line holding at least `max_delay` samples of history.
    pub fn new(max_delay: usize) -> Self {
        let len = (max_delay + 2).next_power_of_two();
        DelayLine {
            buf: vec![0.0; len].into_boxed_slice(),
            mask: len - 1,
            w: 0,
        }
    }

    /// Bytes of the line's memory.
    pub fn bytes(&self) -> usize {
        std::mem::size_of_val(&*self.buf)
    }

    /// Longest delay that [`DelayLine::read`] accepts, in samples.
    pub fn max_delay(&self) -> f32 {
        (self.buf.len() - 2) as f32
    }

    /// Appends one sample.
    #[inline]
    pub fn write(&mut self, x: f32) {
        self.buf[self.w] = x;
        self.w = (self.w + 1) & self.mask;
    }

    /// The sample written `d` samples ago (`d` ≥ 1: the last write is at 1),
    /// linearly interpolated; `d` is clamped to `[1, max_delay]`, NaN reads 1.
    #[inline]
    pub fn read(&self, d: f32) -> f32 {
        self.read_at(Tap::new(d, self.max_delay()))
    }

    /// [`DelayLine::read`] at a delay split beforehand.
    #[inline]
    pub fn read_at(&self, t: Tap) -> f32 {
        let a = self.buf[self.w.wrapping_sub(t.whole) & self.mask];
        let b = self.buf[self.w.wrapping_sub(t.whole + 1) & self.mask];
        a + (b - a) * t.frac
    }

    /// The sample written exactly `d` samples ago (`1 ≤ d ≤ max_delay`).
    #[inline]
    pub fn tap(&self, d: usize) -> f32 {
        self.buf[self.w.wrapping_sub(d) & self.mask]
    }

    /// Silence.
    pub fn clear(&mut self) {
        self.fill(0.0);
    }

    /// A history of `v` only.
    pub fn fill(&mut self, v: f32) {
        self.buf.fill(v);
        self.w = 0;
    }

    /// Takes `old`'s history when both lines have the same length.
    pub fn carry_from(&mut self, old: &DelayLine) {
        if old.buf.len() == self.buf.len() {
            self.buf.copy_from_slice(&old.buf);
            self.w = old.w;
        }
    }

    /// [`DelayLine::carry_from`] by swapping buffers with `old` (retired):
    /// constant time for any length.
    pub fn take_from(&mut self, old: &mut DelayLine) {
        if old.buf.len() == self.buf.len() {
            std::mem::swap(&mut self.buf, &mut old.buf);
            self.w = old.w;
        }
    }
}

/// A sine LFO phase in cycles, `[0, 1)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Phase(pub f64);

impl Phase {
    /// Advances by `hz / sr` and returns the phase before the step.
    #[inline]
    pub fn step(&mut self, hz: f32, sr: f32) -> f64 {
        let p = self.0;
        let inc = if hz.is_finite() {
            hz as f64 / sr as f64
        } else {
            0.0
        };
        self.0 = p + inc;
        if !(0.0..1.0).contains(&self.0) {
            self.0 -= self.0.floor();
            if !(0.0..1.0).contains(&self.0) {
                self.0 = 0.0;
            }
        }
        p
    }
}

/// A delay line read at a position a sine LFO sweeps (chorus, flanger): the
/// line and the LFO's phase, cleared, carried and moved together.
pub struct Swept {
    /// The line.
    pub line: DelayLine,
    /// The LFO's phase.
    pub phase: Phase,
}

impl Swept {
    /// Room for `max_delay` samples, LFO at phase 0.
    pub fn new(max_delay: usize) -> Self {
        Swept {
            line: DelayLine::new(max_delay),
            phase: Phase::default(),
        }
    }

    /// Bytes of the line's memory.
    pub fn bytes(&self) -> usize {
        self.line.bytes()
    }

    /// Silence and phase 0.
    pub fn clear(&mut self) {
        self.line.clear();
        self.phase = Phase::default();
    }

    /// Copies what `old` holds (a commit that keeps the module).
    pub fn carry_from(&mut self, old: &Swept) {
        self.line.carry_from(&old.line);
        self.phase = old.phase;
    }

    /// Moves what `old` holds (see [`DelayLine::take_from`]).
    pub fn take_from(&mut self, old: &mut Swept) {
        self.line.take_from(&mut old.line);
        self.phase = old.phase;
    }
}
