//! Shared plumbing of the filter, control and effect modules: one smoother
//! per parameter built from the spec, a rising-edge detector for trigger
//! inputs, and the boilerplate `Module` impl.

use crate::module::{ProcessIo, Smoother};
use crate::spec::ModuleSpec;

/// A module's parameters: one smoother each, at the spec's default and
/// smoothing time (choice parameters have none, so they jump).
#[derive(Debug, Clone, Copy)]
pub struct Knobs<const N: usize> {
    s: [Smoother; N],
}

impl<const N: usize> Knobs<N> {
    /// Every parameter of `spec` at its default.
    pub fn new(spec: &ModuleSpec, sample_rate: f32) -> Self {
        debug_assert_eq!(spec.params.len(), N, "{}", spec.name);
        Knobs {
            s: std::array::from_fn(|i| {
                let p = &spec.params[i];
                Smoother::new(p.default, p.smoothing_ms, sample_rate)
            }),
        }
    }

    /// Glides parameter `i` to `v`.
    #[inline]
    pub fn set(&mut self, i: usize, v: f32) {
        if let Some(s) = self.s.get_mut(i) {
            s.set(v);
        }
    }

    /// Jumps parameter `i` to `v`.
    #[inline]
    pub fn set_now(&mut self, i: usize, v: f32) {
        if let Some(s) = self.s.get_mut(i) {
            s.jump(v);
        }
    }

    /// The current (smoothed) value of parameter `i`, without modulation.
    #[inline]
    pub fn get(&self, i: usize) -> f32 {
        self.s[i].current
    }

    /// Copies the glide positions of `old`, keeping these targets.
    pub fn carry_from(&mut self, old: &Self) {
        for (s, o) in self.s.iter_mut().zip(&old.s) {
            s.carry_from(o);
        }
    }

    /// True when no parameter glides and none is modulated during this call:
    /// every [`Knobs::tick`] of the call returns the same values.
    #[inline]
    pub fn still(&self, m: &Mods<N>) -> bool {
        self.s.iter().all(|s| !s.is_moving()) && m.0.iter().all(|m| m.is_none())
    }

    /// Calls `f(i, values)` for each frame `i` of `n`, with the values
    /// [`Knobs::tick`] gives; when nothing moves they are computed once, so
    /// whatever `f` derives from them can be hoisted out of the loop.
    #[inline(always)]
    pub fn each(&mut self, m: &Mods<N>, n: usize, mut f: impl FnMut(usize, [f32; N])) {
        if self.still(m) {
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

    /// Like [`Knobs::each`], with what `f` needs derived from the values by
    /// `prep`: once per call when nothing moves, else once per frame.
    #[inline(always)]
    pub fn each_with<P: Copy>(
        &mut self,
        m: &Mods<N>,
        n: usize,
        prep: impl Fn([f32; N]) -> P,
        mut f: impl FnMut(usize, P),
    ) {
        if self.still(m) {
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

    /// Advances every parameter one sample: its smoothed value plus the
    /// modulation at frame `i`.
    #[inline]
    pub fn tick(&mut self, m: &Mods<N>, i: usize) -> [f32; N] {
        std::array::from_fn(|k| self.s[k].next() + m.0[k].map_or(0.0, |b| b[i]))
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
/// here). Optional extras: `gate = method` (gate events), `seed = method`.
#[macro_export]
#[doc(hidden)]
macro_rules! knob_module {
    ($t:ty, $spec:expr $(, gate = $gate:ident)? $(, seed = $seed:ident)?) => {
        impl $crate::module::Module for $t {
            fn spec(&self) -> &'static $crate::spec::ModuleSpec {
                &$spec
            }
            fn set_param(&mut self, index: usize, value: f32) {
                self.knobs.set(index, value);
            }
            fn set_param_now(&mut self, index: usize, value: f32) {
                self.knobs.set_now(index, value);
            }
            $(fn set_gate(&mut self, on: bool) {
                self.$gate(on);
            })?
            $(fn seed(&mut self, seed: u64) {
                self.$seed(seed);
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
            fn as_any(&self) -> &dyn std::any::Any {
                self
            }
        }
    };
}
