//! FunDSP's units beside ours (a module of their own: FunDSP's prelude's
//! names clash with std's).

use super::VOICES;
use fundsp::prelude32::*;

/// A sine at 220 Hz, gain 0.8.
pub fn sine() -> Box<dyn AudioUnit> {
    Box::new(sine_hz(220.0) * 0.8)
}

/// FunDSP's closest unit to each of our module types.
pub fn equivalent(kind: &str) -> Option<Box<dyn AudioUnit>> {
    Some(match kind {
        "sine" => Box::new(sine_hz(440.0)),
        "saw" => Box::new(saw_hz(440.0)),
        "square" => Box::new(square_hz(440.0)),
        "triangle" => Box::new(triangle_hz(440.0)),
        "noise" => Box::new(noise()),
        // Our lfo computes every sample: so does an oscillator. FunDSP's
        // `lfo` (every 2 ms) is reported beside it, see `lfo_control_rate`.
        "lfo" => Box::new(sine_hz(1.0)),
        "adsr" => Box::new(pass() * (dc(1.0) >> adsr_live(0.005, 0.1, 0.7, 0.2))),
        "vca" => Box::new(pass() * pass()),
        "biquad" => Box::new(butterpass_hz(1000.0)),
        "ladder" => Box::new(moog_hz(1000.0, 0.3)),
        "mixer" => Box::new(pass() + pass() + pass() + pass() + pass() + pass() + pass() + pass()),
        "pan" => Box::new(pan(0.0)),
        "delay" => Box::new(pass() & feedback(delay(0.25) * 0.3)),
        "distortion" => Box::new(shape(Tanh(2.0))),
        "reverb" => Box::new(split::<U2>() >> reverb_stereo(10.0, 2.0, 0.5)),
        // FunDSP's SVF gives one response per unit; ours gives four.
        "svf" => Box::new(lowpass_hz(1000.0, 0.707)),
        "comb" => Box::new(feedback(delay(0.01) * 0.7)),
        "allpass" => Box::new(allnest_c(0.5, delay(0.005))),
        "formant" => Box::new(
            bandpass_hz(600.0, 10.0) & bandpass_hz(1040.0, 15.0) & bandpass_hz(2250.0, 20.0),
        ),
        "eq" => Box::new(
            lowshelf_hz(200.0, 0.707, 1.0)
                >> bell_hz(1000.0, 0.707, 1.0)
                >> highshelf_hz(4000.0, 0.707, 1.0),
        ),
        "sh" => Box::new(hold(0.0)),
        "math" => Box::new(pass() + pass()),
        // Stepped random values at a rate (ours: on its clock input's
        // edges, fed here; or at `rate` Hz).
        "random" => Box::new(sink() | (noise() >> hold_hz(8.0, 0.0))),
        "xfade" => Box::new(pass() * 0.5 + pass() * 0.5),
        "envfollow" => Box::new(afollow(0.005, 0.1)),
        "chorus" => Box::new(chorus(0, 0.012, 0.005, 0.6)),
        "flanger" => Box::new(flanger(0.5, 0.0005, 0.0025, |t| {
            lerp11(0.0005, 0.0025, sin_hz(0.2, t))
        })),
        "phaser" => Box::new(phaser(0.4, |t| sin_hz(0.4, t) * 0.5 + 0.5)),
        "limiter" => Box::new(limiter_stereo(0.005, 0.1)),
        // FunDSP modulates frequency, not phase: the same cost.
        "fm" => Box::new((pass() * 100.0 + 440.0) >> fundsp::prelude32::sine()),
        "supersaw" => Box::new(
            saw_hz(431.0)
                + saw_hz(434.0)
                + saw_hz(437.5)
                + saw_hz(440.0)
                + saw_hz(442.0)
                + saw_hz(446.0)
                + saw_hz(449.0),
        ),
        // Its input is the excitation; ours makes its own on a trigger.
        "pluck" => Box::new(pluck(220.0, 0.5, 0.5)),
        // Integer steps through the buffer, no interpolation (ours: cubic).
        "sampler" => {
            let wave = Wave::from_samples(48000.0, &[0.5f32; 48000]);
            Box::new(playwave(&std::sync::Arc::new(wave), 0, Some(0)))
        }
        // A pass-through publishing a level to another thread (ours:
        // a copy per block, peak and RMS computed off the audio thread).
        "meter" => Box::new(
            monitor(&shared(0.0), Meter::Peak(0.1)) >> monitor(&shared(0.0), Meter::Rms(0.1)),
        ),
        // A pass-through sending its samples to another thread.
        "scope" => {
            let (frontend, backend) = snoop(4096);
            // The frontend must live for the backend to send to it.
            std::mem::forget(frontend);
            Box::new(backend)
        }
        // FunDSP's band-limited wavetable saw: one table, no morph.
        "wavetable" => Box::new(saw_hz(440.0)),
        _ => return None,
    })
}

/// FunDSP's `lfo`: a 1 Hz sine evaluated about every 2 ms.
pub fn lfo_control_rate() -> Box<dyn AudioUnit> {
    Box::new(lfo(|t| sin_hz(1.0, t)))
}

pub fn voices_static() -> Box<dyn AudioUnit> {
    Box::new(busi::<U64, _, _>(|i| {
        ((saw_hz(55.0 + 5.0 * i as f32) * 0.3) >> moog_hz(1000.0, 0.3))
            * (dc(1.0) >> adsr_live(0.005, 0.1, 0.7, 0.2))
            * 0.1
    }))
}

pub fn voices_net() -> Box<dyn AudioUnit> {
    let voice = |i: usize| -> Net {
        let osc = Net::wrap(Box::new(saw_hz(55.0 + 5.0 * i as f32) * 0.3));
        let flt = Net::wrap(Box::new(moog_hz(1000.0, 0.3)));
        let env = Net::wrap(Box::new(dc(1.0) >> adsr_live(0.005, 0.1, 0.7, 0.2)));
        ((osc >> flt) * env) * 0.1
    };
    let mut net = voice(0);
    for i in 1..VOICES {
        net = net & voice(i);
    }
    Box::new(net)
}
