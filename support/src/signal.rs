//! Pure measurements of audio: levels, silences, steps, frequencies (one FFT).

/// Root mean square (0 for an empty slice).
pub fn rms(samples: &[f32]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&x| (x as f64) * (x as f64)).sum();
    (sum / samples.len() as f64).sqrt()
}

/// Largest `|x|` (0 for an empty slice).
pub fn peak(samples: &[f32]) -> f32 {
    samples.iter().fold(0.0f32, |m, &x| m.max(x.abs()))
}

/// Length of the longest run of consecutive samples with `|x| < threshold`.
pub fn longest_silence(samples: &[f32], threshold: f32) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for &x in samples {
        if x.abs() < threshold {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// Largest `|x[i+1] - x[i]|` (0 for fewer than two samples).
pub fn max_step(samples: &[f32]) -> f32 {
    samples
        .windows(2)
        .fold(0.0f32, |m, w| m.max((w[1] - w[0]).abs()))
}

/// Index of the first sample with `|x| >= threshold`.
pub fn first_nonsilent(samples: &[f32], threshold: f32) -> Option<usize> {
    samples.iter().position(|x| x.abs() >= threshold)
}

/// `samples` from the first sample with `|x| >= threshold` on (empty if all are silent).
pub fn skip_leading_silence(samples: &[f32], threshold: f32) -> &[f32] {
    match first_nonsilent(samples, threshold) {
        Some(i) => &samples[i..],
        None => &[],
    }
}

/// In-place radix-2 FFT; `re.len()` must be a power of two (the DSP crate's one FFT).
pub fn fft(re: &mut [f64], im: &mut [f64]) {
    assert!(re.len().is_power_of_two() && im.len() == re.len());
    dsp::fft::fft(re, im, false);
}

/// `|DTFT|²` of the (already windowed) signal at `freq` Hz.
pub fn dtft_power(x: &[f64], freq: f64, rate: f64) -> f64 {
    let (s, c) = (-std::f64::consts::TAU * freq / rate).sin_cos();
    let (mut z_re, mut z_im) = (1.0f64, 0.0f64);
    let (mut acc_re, mut acc_im) = (0.0f64, 0.0f64);
    for (i, &v) in x.iter().enumerate() {
        acc_re += v * z_re;
        acc_im += v * z_im;
        let next = z_re * c - z_im * s;
        z_im = z_re * s + z_im * c;
        z_re = next;
        if i % 1024 == 1023 {
            // Keep the rotating phasor on the unit circle.
            let norm = (z_re * z_re + z_im * z_im).sqrt();
            z_re /= norm;
            z_im /= norm;
        }
    }
    acc_re * acc_re + acc_im * acc_im
}

/// Frequency (Hz) of the strongest spectral component, excluding DC.
///
/// Hann-windowed, zero-padded FFT to find the peak bin, parabolic interpolation on the log
/// magnitude, then a golden-section search of the windowed DTFT magnitude within ±½ bin. For a
/// sine of ≥ 0.25 s the error is far below 0.01 Hz. Returns 0.0 for a constant/silent signal.
/// Panics on fewer than 64 samples.
pub fn dominant_frequency(samples: &[f32], rate: u32) -> f64 {
    assert!(
        samples.len() >= 64,
        "dominant_frequency needs at least 64 samples, got {}",
        samples.len()
    );
    let rate = rate as f64;
    let n = samples.len();
    let x = hann_centered(samples);
    if x.iter().all(|&v| v == 0.0) {
        return 0.0;
    }
    let m = (2 * n).next_power_of_two();
    let mut re = vec![0.0; m];
    let mut im = vec![0.0; m];
    re[..n].copy_from_slice(&x);
    fft(&mut re, &mut im);
    let power: Vec<f64> = (0..=m / 2).map(|k| re[k] * re[k] + im[k] * im[k]).collect();
    let k = (1..m / 2)
        .max_by(|&a, &b| power[a].total_cmp(&power[b]))
        .unwrap();
    let bin = rate / m as f64;
    let (a, b, c) = (
        power[k - 1].max(1e-300).ln(),
        power[k].max(1e-300).ln(),
        power[k + 1].max(1e-300).ln(),
    );
    let denom = a - 2.0 * b + c;
    let delta = if denom.abs() > 0.0 {
        (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    let coarse = (k as f64 + delta) * bin;
    // Golden-section search for the maximum of the DTFT around the coarse estimate. The search
    // interval is ±1 zero-padded bin = ±½ bin of the unpadded window, inside the Hann main lobe.
    let (mut lo, mut hi) = ((coarse - bin).max(0.0), (coarse + bin).min(rate / 2.0));
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let mut x1 = hi - g * (hi - lo);
    let mut x2 = lo + g * (hi - lo);
    let mut f1 = dtft_power(&x, x1, rate);
    let mut f2 = dtft_power(&x, x2, rate);
    for _ in 0..40 {
        if f1 < f2 {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + g * (hi - lo);
            f2 = dtft_power(&x, x2, rate);
        } else {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - g * (hi - lo);
            f1 = dtft_power(&x, x1, rate);
        }
    }
    (lo + hi) / 2.0
}

/// Hann-windowed copy of `samples` with the mean removed, for [`dtft_power`].
fn hann_centered(samples: &[f32]) -> Vec<f64> {
    let n = samples.len();
    let mean = samples.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
    samples
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let w = 0.5 - 0.5 * (std::f64::consts::TAU * (i as f64 + 0.5) / n as f64).cos();
            (v as f64 - mean) * w
        })
        .collect()
}

/// Frequency (Hz) of the strongest component within ±`cents` of `near`: for
/// the fundamental of a signal whose overtones may be louder (a plucked
/// string). Scans the Hann-windowed DTFT on a grid of 1/8 bin, then refines
/// by golden-section search; as exact as [`dominant_frequency`].
pub fn peak_frequency_near(samples: &[f32], rate: u32, near: f64, cents: f64) -> f64 {
    let rate = rate as f64;
    let x = hann_centered(samples);
    let step = rate / x.len() as f64 / 8.0;
    let (lo, hi) = (
        near * (-cents / 1200.0).exp2(),
        near * (cents / 1200.0).exp2(),
    );
    let mut best = (f64::MIN, near);
    let mut f = lo;
    while f <= hi {
        let p = dtft_power(&x, f, rate);
        if p > best.0 {
            best = (p, f);
        }
        f += step;
    }
    let (mut lo, mut hi) = (best.1 - step, best.1 + step);
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..40 {
        let (x1, x2) = (hi - g * (hi - lo), lo + g * (hi - lo));
        if dtft_power(&x, x1, rate) < dtft_power(&x, x2, rate) {
            lo = x1;
        } else {
            hi = x2;
        }
    }
    (lo + hi) / 2.0
}

/// Power of the component at `freq` Hz in `samples` (Hann-windowed, mean
/// removed), for following one partial's level over time.
pub fn power_at(samples: &[f32], rate: u32, freq: f64) -> f64 {
    dtft_power(&hann_centered(samples), freq, rate as f64)
}
