//! The trait every module type implements, and the buffers it sees.

use crate::spec::ParamSpec;
use std::any::Any;

/// Largest number of frames a module processes in one call. The graph splits
/// longer blocks (JACK may ask for 8192) and splits at every event, so modules
/// only ever see short runs; buffers stay small and cache-friendly.
pub const MAX_BLOCK: usize = 64;

/// One preallocated audio buffer.
pub type Block = [f32; MAX_BLOCK];

/// What a module reads and writes during one `process` call.
pub struct ProcessIo<'a> {
    /// Frames to produce, `1..=MAX_BLOCK`.
    pub frames: usize,
    /// Audio inputs in spec order: the sum of everything connected (the
    /// source's own block when one wire feeds it; silence when none does).
    pub inputs: &'a [&'a Block],
    /// Whether anything is connected to each input.
    pub input_connected: &'a [bool],
    /// Audio outputs, in spec order. Modules write `[..frames]` of each.
    pub outputs: &'a mut [Block],
    /// Audio-rate modulation per parameter, added to the parameter's value.
    pub modulation: &'a [Block],
    /// Whether anything modulates each parameter.
    pub modulated: &'a [bool],
    /// Musical time of the first of these frames (see [`crate::time`]).
    pub time: &'a crate::time::Time,
}

impl<'a> ProcessIo<'a> {
    /// The modulation buffer of parameter `p`, if anything modulates it.
    #[inline]
    pub fn modulation_of(&self, p: usize) -> Option<&'a [f32]> {
        if self.modulated.get(p).copied().unwrap_or(false) {
            let m: &'a [crate::module::Block] = self.modulation;
            Some(&m[p][..self.frames])
        } else {
            None
        }
    }
}

/// Any `'static` type can be seen as `&dyn Any`; every module gets this for
/// free (a blanket impl), so `carry_from` can downcast without each module
/// writing the same `as_any` body.
pub trait AsAny {
    /// `self` as `&dyn Any`.
    fn as_any(&self) -> &dyn Any;
    /// `self` as `&mut dyn Any` (for [`Module::take_from`]).
    fn any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A processing unit. Built (and allocated) on the control thread; processed
/// on a worker thread, where it must never allocate, lock or do I/O.
///
/// Its ports and parameters are declared once, with
/// [`module_type!`](crate::module_type); the graph passes buffers and parameter indices in
/// that declaration's order, and the type's `param::`, `input::` and
/// `output::` constants name them.
pub trait Module: AsAny + Send + 'static {
    /// The module's parameter values, one per declared parameter, in
    /// declaration order (usually a [`Params`] built from the type's spec).
    fn params_mut(&mut self) -> &mut [Smoother];

    /// Called after parameter `index` changed (live or initial value), for
    /// modules that derive something from it (a mode, coefficients).
    fn param_changed(&mut self, _index: usize) {}

    /// Sets parameter `index` to `value` (already clamped). Continuous
    /// parameters with a smoothing time glide there; others jump.
    fn set_param(&mut self, index: usize, value: f32) {
        if let Some(p) = self.params_mut().get_mut(index) {
            p.set(value);
            self.param_changed(index);
        }
    }

    /// Sets parameter `index` at once, with no smoothing (initial values):
    /// `set_param`, then the glide is finished.
    fn set_param_now(&mut self, index: usize, value: f32) {
        self.set_param(index, value);
        if let Some(p) = self.params_mut().get_mut(index) {
            p.jump(value);
        }
    }

    /// Seeds any random generator, so the same patch renders the same
    /// samples live and offline. The graph passes a hash of the module id.
    fn seed(&mut self, _seed: u64) {}

    /// The sample buffer named by the module's `buffer` setting (`None`:
    /// none, or not loaded); only types declared with `buffer: true` get
    /// one. Called on the control thread while the graph is compiled.
    fn set_buffer(&mut self, _buffer: Option<crate::sample::SampleRef>) {}

    /// Gate on or off; ignored by modules without a gate.
    fn set_gate(&mut self, _on: bool) {}

    /// A note event; only instruments (`crate::voice`) react to them.
    fn note(&mut self, _ev: &crate::event::NoteEvent) {}

    /// Mutable downcast, for the few modules another module drives directly
    /// (an instrument drives its voices' `note` modules). `None` by default.
    fn as_any_mut(&mut self) -> Option<&mut dyn Any> {
        None
    }

    /// The window this module publishes its input through, for observers
    /// (`scope`, `meter`; see [`crate::tap`]); `None` for everything else.
    /// Called on the control thread when a graph is built.
    fn tap(&self) -> Option<std::sync::Arc<crate::tap::SignalTap>> {
        None
    }

    /// Bytes the module allocated for its state beyond its own struct
    /// (delay lines, reverb memory), charged to the memory budget (see
    /// [`crate::budget`]); 0 for modules without such memory.
    fn heap_bytes(&self) -> usize {
        0
    }

    /// Produces `io.frames` frames.
    fn process(&mut self, io: &mut ProcessIo);

    /// Clears all running state (phase, filter memory, delay lines), keeping
    /// parameters. Used when the module produced NaN or infinity.
    fn reset(&mut self);

    /// Copies running state (and smoothed parameter positions) from `old`, a
    /// module of the same type in the graph being replaced. Must not allocate.
    fn carry_from(&mut self, old: &dyn Module);

    /// Like [`Module::carry_from`], for a switch: `old` is being retired and
    /// is never heard again, so large memory (delay and reverb lines) is
    /// swapped with it instead of copied, which costs the same for any size.
    /// Copies by default (right for modules with small state).
    fn take_from(&mut self, old: &mut dyn Module) {
        self.carry_from(old);
    }
}

/// Downcasts `old` to the concrete type of a module, for `carry_from`.
pub fn same_type<T: Module>(old: &dyn Module) -> Option<&T> {
    old.as_any().downcast_ref::<T>()
}

/// Mutable [`same_type`], for `take_from`.
pub fn same_type_mut<T: Module>(old: &mut dyn Module) -> Option<&mut T> {
    old.any_mut().downcast_mut::<T>()
}

/// The parameter values of a module with `N` parameters, built from its
/// declaration: each starts at its default and glides over its smoothing
/// time (parameters without one, and choices, jump). Index it with the
/// type's `param::` constants: `self.p[param::CUTOFF].next()`.
#[derive(Debug, Clone, Copy)]
pub struct Params<const N: usize>(pub [Smoother; N]);

impl<const N: usize> Params<N> {
    /// Values at the defaults of `specs` (the type's `SPEC.params`, which
    /// must have `N` entries) for `sample_rate`.
    pub fn new(specs: &[ParamSpec], sample_rate: f32) -> Self {
        assert_eq!(
            specs.len(),
            N,
            "Params<{N}> built from {} specs",
            specs.len()
        );
        Params(std::array::from_fn(|i| {
            Smoother::new(specs[i].default, specs[i].smoothing_ms, sample_rate)
        }))
    }

    /// Takes over the glide positions of `old`, keeping these targets.
    pub fn carry_from(&mut self, old: &Params<N>) {
        for (s, o) in self.0.iter_mut().zip(&old.0) {
            s.carry_from(o);
        }
    }

    /// True when none of the parameters in `which` is gliding.
    #[inline]
    pub fn still(&self, which: &[usize]) -> bool {
        which.iter().all(|&i| !self.0[i].is_moving())
    }

    /// The current value of parameter `i`.
    #[inline]
    pub fn value(&self, i: usize) -> f32 {
        self.0[i].current
    }

    /// Parameter `i` as a choice index (or a whole number).
    #[inline]
    pub fn index(&self, i: usize) -> usize {
        self.0[i].current as usize
    }

    /// Two different parameters at once, for loops that advance both.
    #[inline]
    pub fn pair_mut(&mut self, a: usize, b: usize) -> (&mut Smoother, &mut Smoother) {
        assert!(a != b, "pair_mut of one parameter");
        if a < b {
            let (x, y) = self.0.split_at_mut(b);
            (&mut x[a], &mut y[0])
        } else {
            let (x, y) = self.0.split_at_mut(a);
            (&mut y[0], &mut x[b])
        }
    }
}

impl<const N: usize> std::ops::Index<usize> for Params<N> {
    type Output = Smoother;
    #[inline]
    fn index(&self, i: usize) -> &Smoother {
        &self.0[i]
    }
}

impl<const N: usize> std::ops::IndexMut<usize> for Params<N> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut Smoother {
        &mut self.0[i]
    }
}

/// A parameter smoother: exponential glide towards a target.
///
/// One-pole smoothing never overshoots, so no step it makes is larger than
/// the change itself spread over the smoothing time.
#[derive(Debug, Clone, Copy)]
pub struct Smoother {
    /// Current value.
    pub current: f32,
    /// Value being approached.
    pub target: f32,
    coeff: f32,
}

impl Smoother {
    /// A smoother sitting at `value` with time constant `ms` at `sample_rate`.
    pub fn new(value: f32, ms: f32, sample_rate: f32) -> Self {
        let coeff = if ms <= 0.0 {
            1.0
        } else {
            1.0 - (-1.0 / (ms * 0.001 * sample_rate)).exp()
        };
        Smoother {
            current: value,
            target: value,
            coeff,
        }
    }

    /// Starts a glide to `target`.
    #[inline]
    pub fn set(&mut self, target: f32) {
        self.target = target;
        if self.coeff >= 1.0 {
            self.current = target;
        }
    }

    /// Jumps to `value`.
    #[inline]
    pub fn jump(&mut self, value: f32) {
        self.current = value;
        self.target = value;
    }

    /// True while gliding.
    #[inline]
    pub fn is_moving(&self) -> bool {
        self.current != self.target
    }

    /// Advances one sample and returns the new value.
    #[inline]
    #[allow(clippy::should_implement_trait)] // not an iterator: it never ends
    pub fn next(&mut self) -> f32 {
        if self.current != self.target {
            let d = self.target - self.current;
            if d.abs() <= 1e-6 * self.target.abs().max(1e-3) {
                self.current = self.target;
            } else {
                self.current += d * self.coeff;
            }
        }
        self.current
    }

    /// Copies the glide position from `old`, keeping this smoother's target.
    #[inline]
    pub fn carry_from(&mut self, old: &Smoother) {
        self.current = old.current;
    }
}
