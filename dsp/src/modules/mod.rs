//! The built-in module types, one file each, and the machinery they share.
//!
//! Adding a type: write `newtype.rs` (a `module_type!` declaration and a
//! [`Module`](crate::Module) impl; see `docs/modules.md`) and add its name to
//! the `types!` list below. Nothing else changes: the registry, the OSC
//! layer, patch files, `synth-jack modules`, the conformance tests and the
//! benchmarks all pick it up from there.

use crate::registry::ModuleType;

// Shared machinery (no type of their own).
pub mod knobs;
pub mod line;
pub mod osc;
pub mod probe;
pub mod shared;
pub mod steps;
pub mod table_osc;

/// Declares each listed file as a module type and lists its `TYPE`.
macro_rules! types {
    ($($m:ident),* $(,)?) => {
        $(pub mod $m;)*

        /// Every built-in module type, in listing order.
        pub fn all() -> Vec<ModuleType> {
            vec![$($m::TYPE),*]
        }
    };
}

// The registry: one line per type, in the order `synth-jack modules` lists them.
types! {
    sine,
    saw,
    square,
    triangle,
    noise,
    lfo,
    adsr,
    vca,
    biquad,
    ladder,
    mixer,
    pan,
    delay,
    distortion,
    reverb,
    output,
    clock,
    seq,
    euclid,
    clockdiv,
    svf,
    comb,
    allpass,
    formant,
    eq,
    slew,
    sh,
    quantize,
    math,
    compare,
    logic,
    xfade,
    switch,
    random,
    envfollow,
    ar,
    chorus,
    flanger,
    phaser,
    wavefolder,
    compressor,
    limiter,
    stereo,
    pingpong,
    fm,
    supersaw,
    pluck,
    scope,
    meter,
    sampler,
    grains,
    wavetable,
}
