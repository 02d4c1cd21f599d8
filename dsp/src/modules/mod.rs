//! The built-in module types, one file per concern.

use crate::registry::ModuleType;

pub mod adsr;
pub mod allpass;
pub mod ar;
pub mod biquad;
pub mod chorus;
pub mod comb;
pub mod compare;
pub mod compressor;
pub mod delay;
pub mod distortion;
pub mod envfollow;
pub mod eq;
pub mod flanger;
pub mod formant;
pub mod knobs;
pub mod ladder;
pub mod lfo;
pub mod limiter;
pub mod line;
pub mod logic;
pub mod math;
pub mod mixer;
pub mod noise;
pub mod osc;
pub mod output;
pub mod pan;
pub mod phaser;
pub mod pingpong;
pub mod quantize;
pub mod random;
pub mod reverb;
pub mod saw;
pub mod sh;
pub mod sine;
pub mod slew;
pub mod square;
pub mod stereo;
pub mod svf;
pub mod switch;
pub mod triangle;
pub mod vca;
pub mod wavefolder;
pub mod wavetable;
pub mod xfade;

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
        svf::TYPE,
        comb::TYPE,
        allpass::TYPE,
        formant::TYPE,
        eq::TYPE,
        slew::TYPE,
        sh::TYPE,
        quantize::TYPE,
        math::TYPE,
        compare::TYPE,
        logic::TYPE,
        xfade::TYPE,
        switch::TYPE,
        random::TYPE,
        envfollow::TYPE,
        ar::TYPE,
        chorus::TYPE,
        flanger::TYPE,
        phaser::TYPE,
        wavefolder::TYPE,
        compressor::TYPE,
        limiter::TYPE,
        stereo::TYPE,
        pingpong::TYPE,
    ]
}
