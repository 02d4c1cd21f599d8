//! Helpers for the engine acceptance tests (`tests/engine_*.rs`): starting synth-jack with an
//! OSC client, reading its counters, measuring tones (Goertzel, least-squares phase fits),
//! second differences, and per-thread CPU time from `/proc`.

use super::osc::{f, s, OscClient};
use super::{dominant_frequency, Capture, JackServer, SynthProcess, SYNTH_READY_TIMEOUT};
use rosc::OscType;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The synth's two default output ports.
pub const OUTS: [&str; 2] = ["synth-jack:out_1", "synth-jack:out_2"];

/// Runs synth-jack on `server` with `--osc-port 0` plus `args`, waits for its ports and returns
/// it with an OSC client talking to it.
pub fn start_synth(server: &JackServer, args: &[&str]) -> (SynthProcess, OscClient) {
    start_synth_env(server, &[], args)
}

/// Like [`start_synth`] with extra environment variables for the synth.
pub fn start_synth_env(
    server: &JackServer,
    env: &[(&str, &str)],
    args: &[&str],
) -> (SynthProcess, OscClient) {
    let mut all = vec!["--osc-port", "0"];
    all.extend_from_slice(args);
    let mut e = vec![
        ("JACK_DEFAULT_SERVER", server.name()),
        ("JACK_NO_START_SERVER", "1"),
    ];
    e.extend_from_slice(env);
    let mut synth = SynthProcess::spawn_env(&e, &all);
    synth.wait_for_ports(server, &OUTS, SYNTH_READY_TIMEOUT);
    let osc = OscClient::for_synth(&synth);
    (synth, osc)
}

/// `/patch/create id kind [param value]...` with float values, asserting `/done`.
pub fn create(osc: &OscClient, id: &str, kind: &str, params: &[(&str, f32)]) {
    let mut args = vec![s(id), s(kind)];
    for (p, v) in params {
        args.push(s(p));
        args.push(f(*v));
    }
    osc.ok("/patch/create", args);
}

/// `/patch/connect src dst`, asserting `/done`.
pub fn connect(osc: &OscClient, src: &str, dst: &str) {
    osc.ok("/patch/connect", vec![s(src), s(dst)]);
}

/// A live change `/mod/<id>/<param> value` (no reply on success).
pub fn live(osc: &OscClient, id: &str, param: &str, value: f32) {
    osc.send(&format!("/mod/{id}/{param}"), vec![f(value)]);
}

/// `/sync id` and waits for `/synced id`: every message sent before it has been handled.
pub fn sync(osc: &OscClient, id: i32) {
    let r = osc.request("/sync", vec![OscType::Int(id)]);
    assert_eq!(r.addr, "/synced", "{r:?}");
    assert_eq!(r.args.first(), Some(&OscType::Int(id)), "{r:?}");
}

/// Runs `attempt` up to `n` times while it reports a disturbance (`Err`): underruns that the
/// engine itself counted while a sample-exact measurement was being recorded. On a loaded
/// machine (non-real-time JACK, other builds running) a worker can be starved for tens of ms;
/// the gap it leaves makes phase and step analysis meaningless, so that recording is redone.
/// Everything else an attempt checks is asserted (panics) at once, and `n` disturbed attempts
/// in a row fail the test.
pub fn retry_disturbed<T>(n: usize, mut attempt: impl FnMut() -> Result<T, String>) -> T {
    let mut reasons = Vec::new();
    for k in 0..n {
        match attempt() {
            Ok(v) => return v,
            Err(why) => {
                eprintln!("[test] attempt {} disturbed: {why}", k + 1);
                reasons.push(why);
            }
        }
    }
    panic!("every attempt was disturbed: {reasons:?}");
}

/// A counter from a telemetry map (panics with the available names if missing).
pub fn stat(t: &HashMap<String, f64>, name: &str) -> f64 {
    match t.get(name) {
        Some(v) => *v,
        None => {
            let mut names: Vec<&String> = t.keys().collect();
            names.sort();
            panic!("telemetry has no {name:?}; it has {names:?}")
        }
    }
}

/// A per-slot counter, `slot<N>.<name>`.
pub fn slot_stat(t: &HashMap<String, f64>, slot: usize, name: &str) -> f64 {
    stat(t, &format!("slot{slot}.{name}"))
}

/// The counters that changed between two telemetry snapshots, as `name +delta` (diagnostics).
pub fn counter_deltas(before: &HashMap<String, f64>, after: &HashMap<String, f64>) -> String {
    let mut v: Vec<String> = after
        .iter()
        .filter(|(k, _)| {
            !k.contains("heartbeat")
                && !k.contains("frames")
                && !k.contains("produced")
                && !k.contains("consumed")
                && !k.contains("load")
                && !k.contains("occupancy")
                && !k.contains("callback_ns")
                && *k != "cycles"
                && *k != "timeline"
        })
        .filter_map(|(k, v)| {
            let b = before.get(k).copied().unwrap_or(0.0);
            (*v != b).then(|| format!("{k} {b}->{v}"))
        })
        .collect();
    v.sort();
    v.join(", ")
}

/// The slot the callback plays, from telemetry.
pub fn active_slot(t: &HashMap<String, f64>) -> usize {
    stat(t, "active_slot") as usize
}

/// Polls `f` every 20 ms until it returns `Some`, up to `timeout`; panics with `what` on timeout.
pub fn wait_for<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------------------------
// Tone measurement
// ---------------------------------------------------------------------------------------------

/// Amplitude of the component at `freq` Hz: Hann-windowed Goertzel, scaled so that a sine of
/// amplitude `A` at exactly `freq` measures `A`. Components further than ~2 bins
/// (`2 * rate / len` Hz) away contribute little (Hann sidelobes fall off fast).
pub fn tone_amplitude(samples: &[f32], freq: f64, rate: u32) -> f64 {
    let n = samples.len();
    assert!(n >= 64, "tone_amplitude needs at least 64 samples");
    let w = std::f64::consts::TAU * freq / rate as f64;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut wsum = 0.0;
    for (i, &x) in samples.iter().enumerate() {
        let win = 0.5 - 0.5 * (std::f64::consts::TAU * (i as f64 + 0.5) / n as f64).cos();
        wsum += win;
        let s0 = x as f64 * win + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let re = s1 - s2 * w.cos();
    let im = s2 * w.sin();
    2.0 * (re * re + im * im).sqrt() / wsum
}

/// One fitted sinusoid: `x[n] ≈ c·cos(ω n) + s·sin(ω n)`, with `n` the absolute sample index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tone {
    pub freq: f64,
    pub cos: f64,
    pub sin: f64,
}

impl Tone {
    pub fn amplitude(&self) -> f64 {
        self.cos.hypot(self.sin)
    }
    /// Value at absolute sample index `n`.
    pub fn at(&self, n: usize, rate: u32) -> f64 {
        let ph = std::f64::consts::TAU * self.freq * n as f64 / rate as f64;
        self.cos * ph.cos() + self.sin * ph.sin()
    }
    /// Distance between two fits of the same component: 0 when amplitude and phase agree.
    pub fn distance(&self, other: &Tone) -> f64 {
        (self.cos - other.cos).hypot(self.sin - other.sin)
    }
}

/// Least-squares fit of `x[i] ≈ dc + Σ tone_k(offset + i)` for the given frequencies (exact,
/// known frequencies; `offset` is the absolute index of `x[0]`, so fits of different windows of
/// one recording are directly comparable: equal `Tone`s mean the same phase).
pub fn fit_tones(x: &[f32], offset: usize, freqs: &[f64], rate: u32) -> (f64, Vec<Tone>) {
    let k = 2 * freqs.len() + 1;
    let mut ata = vec![vec![0.0f64; k]; k];
    let mut atb = vec![0.0f64; k];
    let mut row = vec![0.0f64; k];
    for (i, &v) in x.iter().enumerate() {
        let n = (offset + i) as f64;
        row[0] = 1.0;
        for (j, fr) in freqs.iter().enumerate() {
            let ph = std::f64::consts::TAU * fr * n / rate as f64;
            row[1 + 2 * j] = ph.cos();
            row[2 + 2 * j] = ph.sin();
        }
        for a in 0..k {
            atb[a] += row[a] * v as f64;
            for b in 0..k {
                ata[a][b] += row[a] * row[b];
            }
        }
    }
    let sol = solve(ata, atb);
    let tones = freqs
        .iter()
        .enumerate()
        .map(|(j, &freq)| Tone {
            freq,
            cos: sol[1 + 2 * j],
            sin: sol[2 + 2 * j],
        })
        .collect();
    (sol[0], tones)
}

/// Value of a fit (`dc` plus tones) at absolute index `n`.
pub fn model_at(dc: f64, tones: &[Tone], n: usize, rate: u32) -> f64 {
    dc + tones.iter().map(|t| t.at(n, rate)).sum::<f64>()
}

/// Gaussian elimination with partial pivoting (small dense systems).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let k = b.len();
    for col in 0..k {
        let p = (col..k)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap();
        a.swap(col, p);
        b.swap(col, p);
        let d = a[col][col];
        assert!(d.abs() > 1e-9, "singular fit (window too short?)");
        let (top, rest) = a.split_at_mut(col + 1);
        let pivot = &top[col];
        for (i, row) in rest.iter_mut().enumerate() {
            let m = row[col] / d;
            if m != 0.0 {
                for (x, p) in row[col..].iter_mut().zip(&pivot[col..]) {
                    *x -= m * p;
                }
                b[col + 1 + i] -= m * b[col];
            }
        }
    }
    let mut x = vec![0.0; k];
    for r in (0..k).rev() {
        let mut acc = b[r];
        for c in r + 1..k {
            acc -= a[r][c] * x[c];
        }
        x[r] = acc / a[r][r];
    }
    x
}

/// Largest `|x[i+1] - 2 x[i] + x[i-1]|` (a discontinuity shows up as a spike of about its size;
/// a smooth tone of amplitude `A` and angular step `ω` stays below `A ω²`).
pub fn max_second_difference(x: &[f32]) -> f32 {
    x.windows(3)
        .fold(0.0f32, |m, w| m.max((w[2] - 2.0 * w[1] + w[0]).abs()))
}

/// Index of the first sample (from `from`) where `x` departs from the fitted model by more than
/// `threshold`.
pub fn first_departure(
    x: &[f32],
    from: usize,
    dc: f64,
    tones: &[Tone],
    rate: u32,
    threshold: f64,
) -> Option<usize> {
    (from..x.len()).find(|&n| (x[n] as f64 - model_at(dc, tones, n, rate)).abs() > threshold)
}

// ---------------------------------------------------------------------------------------------
// Thread CPU time
// ---------------------------------------------------------------------------------------------

/// `(name, tid, cpu seconds)` of every thread of `pid` whose name starts with `prefix`
/// (user + system time from `/proc/<pid>/task/<tid>/stat`).
pub fn thread_cpu(pid: u32, prefix: &str) -> Vec<(String, u32, f64)> {
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for e in dir.flatten() {
        let Some(tid) = e.file_name().to_str().and_then(|t| t.parse::<u32>().ok()) else {
            continue;
        };
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        let comm = comm.trim().to_string();
        if !comm.starts_with(prefix) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // Fields after the ")" of the name: state is field 3; utime, stime are fields 14, 15.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let utime: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0);
        let stime: f64 = fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
        out.push((comm, tid, (utime + stime) / ticks));
    }
    out.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    out
}

/// CPU use of each thread of `pid` named `prefix*` over `window`, as a fraction of one core:
/// `(name, fraction)`, sorted by name. Threads that appear or vanish meanwhile are left out.
pub fn thread_cpu_fraction(pid: u32, prefix: &str, window: Duration) -> Vec<(String, f64)> {
    let before = thread_cpu(pid, prefix);
    let t0 = Instant::now();
    std::thread::sleep(window);
    let after = thread_cpu(pid, prefix);
    let secs = t0.elapsed().as_secs_f64();
    after
        .iter()
        .filter_map(|(name, tid, cpu)| {
            before
                .iter()
                .find(|(_, t, _)| t == tid)
                .map(|(_, _, c0)| (name.clone(), (cpu - c0) / secs))
        })
        .collect()
}

/// `/plugin/stats`: the plugin instances created since start, and the
/// `run()` calls of each playing plugin module by id.
pub fn plugin_stats(osc: &OscClient) -> (u64, HashMap<String, u64>) {
    let r = osc.request("/plugin/stats", vec![]);
    let n = |a: &OscType| match a {
        OscType::Int(v) => *v as u64,
        OscType::Long(v) => *v as u64,
        other => panic!("not a count: {other:?} in {r:?}"),
    };
    let created = n(&r.args[0]);
    let runs = r.args[1..]
        .chunks_exact(4)
        .map(|c| match &c[0] {
            OscType::String(id) => (id.clone(), n(&c[1])),
            other => panic!("not an id: {other:?} in {r:?}"),
        })
        .collect();
    (created, runs)
}

/// Amplitude of `freq` in `x`: the median over 100 ms windows (robust to the odd window an xrun
/// disturbed).
pub fn median_amplitude(x: &[f32], freq: f64, rate: u32) -> f64 {
    let mut a: Vec<f64> = x
        .chunks_exact(rate as usize / 10)
        .map(|w| tone_amplitude(w, freq, rate))
        .collect();
    a.sort_by(f64::total_cmp);
    a[a.len() / 2]
}

/// Waits until the synth plays `freq` at amplitude 0.5 on out_1: up to 12 half-second windows
/// (a switch or a reconnect may still be under way in the first ones). The capture is closed
/// before returning, so the server can be restarted afterwards.
pub fn wait_plays(server: &JackServer, freq: f64, when: &str) {
    let rate = server.rate();
    let mut capture = Capture::start(server, &OUTS);
    assert!(
        capture
            .wait_for_signal(1e-3, Duration::from_secs(20))
            .is_some(),
        "{when}: only silence"
    );
    let mut seen = Vec::new();
    for _ in 0..12 {
        let rec = capture.take(0.5);
        let f = dominant_frequency(&rec[0], rate);
        let a = tone_amplitude(&rec[0], freq, rate);
        if (f - freq).abs() < 1.0 && a > 0.4 {
            eprintln!("{when}: plays {f:.2} Hz, amplitude {a:.3}");
            return;
        }
        seen.push(format!("{f:.1} Hz/{a:.2}"));
    }
    panic!("{when}: never played {freq} Hz at amplitude 0.5: {seen:?}");
}

/// The next `/done` or `/fail` answering `addr` (notifications and other replies skipped).
pub fn reply_to(osc: &OscClient, addr: &str, timeout: Duration) -> rosc::OscMessage {
    let end = Instant::now() + timeout;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        let m = osc
            .recv(left)
            .unwrap_or_else(|| panic!("no reply to {addr} within {timeout:?}"));
        if (m.addr == "/done" || m.addr == "/fail") && m.args.first() == Some(&s(addr)) {
            return m;
        }
    }
}

/// The next `/done` or `/fail` answering `/patch/commit`.
pub fn commit_reply(osc: &OscClient, timeout: Duration) -> rosc::OscMessage {
    reply_to(osc, "/patch/commit", timeout)
}

/// `/sync` is answered within a second (the commit machine is not stuck).
pub fn sync_within_a_second(osc: &OscClient, id: i32) {
    let t = Instant::now();
    sync(osc, id);
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "/sync took {:?}",
        t.elapsed()
    );
}
