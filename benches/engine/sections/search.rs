//! The voice-count search shared by synth-jack's and scsynth's voice sections: trials,
//! bisection, confirmation, and how xruns decide a trial.

use crate::osc::R;
use crate::procs::{strict_xruns, Jackd, Xruns};
use std::time::Instant;

use super::*;

/// One trial of a voice count.
#[derive(Debug, Clone, Default)]
pub struct Trial {
    pub pass: bool,
    pub why: String,
    /// Average DSP load (fraction of a period for synth-jack, % for scsynth).
    pub load_avg: f64,
    /// Peak DSP load over the trial.
    pub load_peak: f64,
    /// The xruns during the trial, by kind.
    pub xruns: Xruns,
}

/// How a bisection went.
pub struct Found {
    pub count: u32,
    pub trial: Trial,
    pub confirmed: bool,
    pub trials: usize,
    pub cap_reached: bool,
    pub history: Vec<(u32, bool, f64)>,
    /// Median over every trial of 128 voices or more of load × 100 / voices.
    pub load_per_100: f64,
    /// How many trials that median is of.
    pub load_samples: usize,
}

/// Largest count `n <= cap` for which `trial(n, secs)` passes: doubling from
/// `start`, bisection to within 4%, then a 20 s confirmation (down 10% per
/// failed confirmation, 3 counts; if none holds, the bisection's count is
/// returned unconfirmed). A failed trial is repeated once before it
/// counts as a failure: on a shared machine a stray xrun must not decide.
pub fn search(
    start: u32,
    cap: u32,
    short: f64,
    long: f64,
    mut trial: impl FnMut(u32, f64) -> R<Trial>,
) -> R<Found> {
    let mut history = Vec::new();
    let mut per_voice = Vec::new();
    let mut trials = 0usize;
    let mut run = |n: u32, secs: f64, history: &mut Vec<(u32, bool, f64)>| -> R<Trial> {
        let mut t = trial(n, secs)?;
        trials += 1;
        eprintln!(
            "[bench]   {n} voices, {secs:.0} s: {} (load avg {:.3}, peak {:.3}) {}",
            if t.pass { "pass" } else { "FAIL" },
            t.load_avg,
            t.load_peak,
            t.why
        );
        if !t.pass {
            t = trial(n, secs)?;
            trials += 1;
            eprintln!(
                "[bench]   {n} voices, {secs:.0} s, again: {} (load avg {:.3}, peak {:.3}) {}",
                if t.pass { "pass" } else { "FAIL" },
                t.load_avg,
                t.load_peak,
                t.why
            );
        }
        history.push((n, t.pass, secs));
        if n >= 128 && t.load_avg.is_finite() {
            per_voice.push(t.load_avg * 100.0 / n as f64);
        }
        Ok(t)
    };
    let (mut lo, mut hi) = (0u32, cap + 1);
    let mut lo_trial = Trial::default();
    let mut n = start.min(cap);
    loop {
        let t = run(n, short, &mut history)?;
        if t.pass {
            lo = n;
            lo_trial = t;
            if n >= cap {
                break;
            }
            n = (2 * n).min(cap);
        } else {
            hi = n;
            if lo > 0 || n <= 1 {
                break;
            }
            n /= 2;
        }
    }
    while lo > 0 && hi - lo > (lo / 25).max(2) {
        let mid = lo + (hi - lo) / 2;
        let t = run(mid, short, &mut history)?;
        if t.pass {
            lo = mid;
            lo_trial = t;
        } else {
            hi = mid;
        }
    }
    // Confirm over `long`; on failure try 10% fewer, three counts at most.
    // If none holds, the short-trial result is reported, marked unconfirmed.
    let mut confirmed = false;
    let (mut count, mut trial_at) = (lo, lo_trial.clone());
    let mut c = lo;
    for _ in 0..3 {
        if c == 0 {
            break;
        }
        let t = run(c, long, &mut history)?;
        if t.pass {
            (count, trial_at, confirmed) = (c, t, true);
            break;
        }
        c = c * 9 / 10;
    }
    Ok(Found {
        count,
        trial: trial_at,
        confirmed,
        trials,
        cap_reached: count >= cap,
        load_per_100: median(&per_voice),
        load_samples: per_voice.len(),
        history,
    })
}

/// Watches a running trial every 250 ms for `secs`: fails at the first
/// underrun (`underruns`) or xrun that counts (see [`xruns_fail`]).
pub(super) fn watch(
    secs: f64,
    jack: &Jackd,
    client: &str,
    mut poll: impl FnMut() -> R<(f64, f64, f64)>,
) -> R<Trial> {
    let x0 = jack.xruns(client);
    let (u0, _, _) = poll()?;
    let t0 = Instant::now();
    let mut peak: f64 = 0.0;
    loop {
        sleep_ms(250);
        let (u, avg, pk) = poll()?;
        peak = peak.max(pk);
        let x = jack.xruns(client).since(&x0);
        let du = u - u0;
        let done = t0.elapsed().as_secs_f64() >= secs;
        if du > 0.0 || xruns_fail(&x) || done {
            let pass = du == 0.0 && !xruns_fail(&x);
            let mut why = if pass {
                String::new()
            } else {
                format!(
                    "{du} underruns, {} overran after {:.1} s",
                    x.overran,
                    t0.elapsed().as_secs_f64()
                )
            };
            if x.driver_late + x.not_started > 0 {
                why += &format!(
                    " (scheduling xruns, not counted: driver late {}, client not started {})",
                    x.driver_late, x.not_started
                );
            }
            return Ok(Trial {
                pass,
                why,
                load_avg: avg,
                load_peak: peak,
                xruns: x,
            });
        }
    }
}

/// One trial of a search, for the notes: `512✓`, `1024✗(20 s)`.
pub(super) fn hist_item((n, ok, secs): (u32, bool, f64)) -> String {
    format!(
        "{n}{}{}",
        if ok { "✓" } else { "✗" },
        if secs > 10.0 {
            format!("({secs:.0} s)")
        } else {
            String::new()
        }
    )
}

/// What the xruns of the confirming run were.
pub(super) fn xrun_note(x: &Xruns, client: &str) -> String {
    format!(
        "{} xruns in the reported trial: {} of {client} overrunning its cycle, {} scheduling (driver woke late {}, a client not started {}){}",
        x.total(),
        x.overran,
        x.driver_late + x.not_started,
        x.driver_late,
        x.not_started,
        if strict_xruns() {
            "; BENCH_STRICT_XRUNS=1: every xrun fails a trial"
        } else {
            "; only overruns fail a trial"
        }
    )
}

/// True when these xruns fail a trial: with `BENCH_STRICT_XRUNS=1` any xrun,
/// else only the client under test overrunning its cycle.
pub(super) fn xruns_fail(x: &Xruns) -> bool {
    if strict_xruns() {
        x.total() > 0
    } else {
        x.overran > 0
    }
}
