//! Shared plumbing of the filter, control and effect modules: one smoother
//! per parameter built from the spec, a rising-edge detector for trigger
//! inputs, and the boilerplate `Module` impl.

use crate::module::{Params, ProcessIo};

/// A module's parameter values (the declaration's [`Params`]), read here
/// together with their audio-rate modulation through [`Sweep`].
pub type Knobs<const N: usize> = Params<N>;

/// Per-sample reading of a module's parameters with their modulation.
pub trait Sweep<const N: usize> {
    /// True when no parameter glides and none is modulated during this call:
    /// every [`Sweep::tick`] of the call returns the same values.
    fn steady(&self, m: &Mods<N>) -> bool;

    /// Advances every parameter one sample: its smoothed value plus the
    /// modulation at frame `i`.
    fn tick(&mut self, m: &Mods<N>, i: usize) -> [f32; N];

    /// Calls `f(i, values)` for each frame `i` of `n`, with the values
    /// [`Sweep::tick`] gives; when nothing moves they are computed once, so
    /// whatever `f` derives from them can be hoisted out of the loop.
    #[inline(always)]
    fn each(&mut self, m: &Mods<N>, n: usize, mut f: impl FnMut(usize, [f32; N])) {
        if self.steady(m) {
            let p = self.tick(m, 0);
            for i in 0..n {
                f(i, p);
            }
        } else {
            for i in 0..n {
                let p = self.tick(m, i);
                f(i, p);
            }
        }
    }

    /// Like [`Sweep::each`] for a module whose frames read state derived from
    /// the values (filter coefficients kept in `s`): `derive(s, values)` runs
    /// once per call when nothing moves, else before every frame.
    #[inline(always)]
    fn each_derived<S>(
        &mut self,
        m: &Mods<N>,
        n: usize,
        s: &mut S,
        mut derive: impl FnMut(&mut S, [f32; N]),
        mut f: impl FnMut(&mut S, usize),
    ) {
        if self.steady(m) {
            derive(s, self.tick(m, 0));
            for i in 0..n {
                f(s, i);
            }
        } else {
            for i in 0..n {
                derive(s, self.tick(m, i));
                f(s, i);
            }
        }
    }

    /// Like [`Sweep::each`], with what `f` needs derived from the values by
    /// `prep`: once per call when nothing moves, else once per frame.
    #[inline(always)]
    fn each_with<P: Copy>(
        &mut self,
        m: &Mods<N>,
        n: usize,
        prep: impl Fn([f32; N]) -> P,
        mut f: impl FnMut(usize, P),
    ) {
        if self.steady(m) {
            let p = prep(self.tick(m, 0));
            for i in 0..n {
                f(i, p);
            }
        } else {
            for i in 0..n {
                let p = prep(self.tick(m, i));
                f(i, p);
            }
        }
    }
}

impl<const N: usize> Sweep<N> for Params<N> {
    #[inline]
    fn steady(&self, m: &Mods<N>) -> bool {
        self.0.iter().all(|s| !s.is_moving()) && m.0.iter().all(|m| m.is_none())
    }

    #[inline]
    fn tick(&mut self, m: &Mods<N>, i: usize) -> [f32; N] {
        std::array::from_fn(|k| self.0[k].next() + m.0[k].map_or(0.0, |b| b[i]))
    }
}

/// The modulation buffers of a module's `N` parameters for one call.
pub struct Mods<'a, const N: usize>(pub [Option<&'a [f32]>; N]);

impl<'a, const N: usize> Mods<'a, N> {
    /// The modulation of every parameter in `io`.
    #[inline]
    pub fn of(io: &ProcessIo<'a>) -> Self {
        Mods(std::array::from_fn(|k| io.modulation_of(k)))
    }
}

/// Level at or above which a trigger or gate input counts as high.
pub const TRIGGER_LEVEL: f32 = 0.5;

/// Frames in an envelope segment of `ms` milliseconds at `sr` Hz: rounded,
/// NaN and negatives 0, at most ten minutes (adsr, ar).
#[inline]
pub fn segment_frames(ms: f32, sr: f32) -> u32 {
    let ms = if ms.is_nan() {
        0.0
    } else {
        ms.clamp(0.0, 600_000.0)
    };
    (ms as f64 * sr as f64 / 1000.0 + 0.5) as u32
}

/// Rising-edge detector for trigger inputs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Edge {
    high: bool,
}

impl Edge {
    /// True on the sample where `x` rises to [`TRIGGER_LEVEL`] or above.
    #[inline]
    pub fn rise(&mut self, x: f32) -> bool {
        let high = x >= TRIGGER_LEVEL;
        let r = high && !self.high;
        self.high = high;
        r
    }
}

/// A parameter value with NaN replaced by `default` and clamped into range.
#[inline]
pub fn sane(v: f32, lo: f32, hi: f32, default: f32) -> f32 {
    if v.is_nan() {
        default
    } else {
        v.clamp(lo, hi)
    }
}

/// Samples in `ms` milliseconds at `sr`, at least `min`.
#[inline]
pub fn ms_to_samples(ms: f32, sr: f32, min: f32) -> f32 {
    (ms * sr / 1000.0).max(min)
}

/// Implements [`crate::Module`] for a type with a `knobs: Knobs<N>` field
/// and the methods `run(&mut self, io)`, `clear(&mut self)` and
/// `carry(&mut self, old: &Self)` (running state only; knobs are carried
/// here). Optional extras: `gate = method` (gate events), `seed = method`,
/// `take = method` (`fn(&mut self, old: &mut Self)`: [`crate::Module::take_from`],
/// swapping delay lines instead of copying them), `buffer = field` (an
/// `Option<SampleRef>` field set by `set_buffer`) or `load = method`
/// (`fn(&mut self, Option<SampleRef>)`, called by `set_buffer`).
/// `knob_module!(T, state = field)` writes `clear`, `carry` and `take` for a
/// type whose running state is one field with `clear`, `carry_from` and
/// `take_from` methods (a [`crate::modules::line::Swept`]). `heap = method`
/// (`fn(&self) -> usize`) reports the bytes of its lines for the memory budget.
#[macro_export]
#[doc(hidden)]
macro_rules! knob_module {
    ($t:ty, state = $f:ident) => {
        impl $t {
            fn clear(&mut self) {
                self.$f.clear();
            }

            fn carry(&mut self, o: &Self) {
                self.$f.carry_from(&o.$f);
            }

            fn take(&mut self, o: &mut Self) {
                self.$f.take_from(&mut o.$f);
            }

            fn heap(&self) -> usize {
                self.$f.bytes()
            }
        }

        $crate::knob_module!($t, take = take, heap = heap);
    };
    ($t:ty $(, gate = $gate:ident)? $(, seed = $seed:ident)? $(, take = $take:ident)? $(, buffer = $buf:ident)? $(, load = $load:ident)? $(, heap = $heap:ident)?) => {
        impl $crate::module::Module for $t {
            fn params_mut(&mut self) -> &mut [$crate::module::Smoother] {
                &mut self.knobs.0
            }
            $(fn set_gate(&mut self, on: bool) {
                self.$gate(on);
            })?
            $(fn seed(&mut self, seed: u64) {
                self.$seed(seed);
            })?
            $(fn set_buffer(&mut self, b: Option<$crate::sample::SampleRef>) {
                self.$buf = b;
            })?
            $(fn set_buffer(&mut self, b: Option<$crate::sample::SampleRef>) {
                self.$load(b);
            })?
            $(fn heap_bytes(&self) -> usize {
                self.$heap()
            })?
            fn process(&mut self, io: &mut $crate::module::ProcessIo) {
                self.run(io);
            }
            fn reset(&mut self) {
                self.clear();
            }
            fn carry_from(&mut self, old: &dyn $crate::module::Module) {
                if let Some(o) = $crate::module::same_type::<$t>(old) {
                    self.knobs.carry_from(&o.knobs);
                    self.carry(o);
                }
            }
            $(fn take_from(&mut self, old: &mut dyn $crate::module::Module) {
                if let Some(o) = $crate::module::same_type_mut::<$t>(old) {
                    self.knobs.carry_from(&o.knobs);
                    self.$take(o);
                }
            })?
        }
    };
}
