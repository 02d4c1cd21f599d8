//! The built-in module types, one file per concern.

use crate::registry::ModuleType;

pub mod adsr;
pub mod biquad;
pub mod clock;
pub mod clockdiv;
pub mod delay;
pub mod distortion;
pub mod euclid;
pub mod ladder;
pub mod lfo;
pub mod mixer;
pub mod noise;
pub mod osc;
pub mod output;
pub mod pan;
pub mod reverb;
pub mod saw;
pub mod seq;
pub mod sine;
pub mod square;
pub mod steps;
pub mod triangle;
pub mod vca;
pub mod wavetable;

/// Every built-in module type.
pub fn all() -> Vec<ModuleType> {
    vec![
        sine::TYPE,
        saw::TYPE,
        square::TYPE,
        triangle::TYPE,
        noise::TYPE,
        lfo::TYPE,
        adsr::TYPE,
        vca::TYPE,
        biquad::TYPE,
        ladder::TYPE,
        mixer::TYPE,
        pan::TYPE,
        delay::TYPE,
        distortion::TYPE,
        reverb::TYPE,
        output::TYPE,
        clock::TYPE,
        seq::TYPE,
        euclid::TYPE,
        clockdiv::TYPE,
    ]
}
