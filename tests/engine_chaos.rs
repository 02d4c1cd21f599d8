//! Chaos: a seeded, reproducible random sequence of the faults synth-jack must survive (server
//! restarts at the same and other settings, worker stalls and panics, a flooded command queue,
//! a commit scheduled 10 s ahead and superseded) interleaved with commits, timed commits, `/mod`
//! traffic, gates and recordings, for about a minute. At the end the last committed patch plays
//! at the right pitch, `/sync` answers within a second, no thread or file descriptor leaked,
//! resident memory stayed bounded and every recording is a valid WAV.
//!
//! The seed is printed; `CHAOS_SEED=N` replays a run, `CHAOS_STEPS=N` changes its length.
#![cfg(feature = "fault-injection")]

mod common;

use common::engine::*;
use common::osc::*;
use common::*;
use rosc::OscType;
use std::path::Path;
use std::time::{Duration, Instant};

/// The seed of the run `make test` does.
const DEFAULT_SEED: u64 = 0x5eed_0009;
/// Steps of that run (about a minute on a 2-core machine).
const DEFAULT_STEPS: u64 = 80;
/// Pitches the commits choose from.
const FREQS: [f32; 5] = [330.0, 440.0, 550.0, 660.0, 770.0];
/// Server settings a restart chooses from (what a non-real-time dummy server keeps up with).
const SETTINGS: [(u32, u32); 3] = [(48_000, 256), (44_100, 512), (48_000, 128)];
/// Threads and fds that may come and go without being a leak (a recorder, a worker being
/// replaced, a JACK client's sockets while it reconnects).
const THREAD_MARGIN: usize = 4;
const FD_MARGIN: usize = 8;
/// Resident memory may grow this much over the baseline (graphs and rings rebuilt at other
/// rates, allocator slack), not more.
const RSS_MARGIN_KIB: u64 = 32 * 1024;

/// SplitMix64: small, seedable, the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => {
            let v = v.trim();
            let parsed = match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => v.parse(),
            };
            parsed.unwrap_or_else(|e| panic!("{name}={v}: {e}"))
        }
        Err(_) => default,
    }
}

/// Sends and asserts `/done` (stale replies of earlier floods skipped).
fn ok(osc: &OscClient, addr: &str, args: Vec<OscType>) {
    osc.send(addr, args.clone());
    let r = reply_to(osc, addr, Duration::from_secs(30));
    assert_eq!(r.addr, "/done", "{addr} {args:?}: {r:?}");
}

/// `/sync id`, waiting for its `/synced`; returns how long it took.
fn sync_took(osc: &OscClient, id: i32, timeout: Duration) -> Duration {
    let t = Instant::now();
    osc.send("/sync", vec![OscType::Int(id)]);
    loop {
        let left = (t + timeout).saturating_duration_since(Instant::now());
        let m = osc
            .recv(left)
            .unwrap_or_else(|| panic!("/sync {id} unanswered within {timeout:?}"));
        if m.addr == "/synced" && m.args.first() == Some(&OscType::Int(id)) {
            return t.elapsed();
        }
    }
}

/// Threads, open fds and resident memory (KiB) of process `pid`.
fn footprint(pid: u32) -> (usize, usize, u64) {
    let count = |d: String| std::fs::read_dir(d).map(|r| r.count()).unwrap_or(0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    (
        count(format!("/proc/{pid}/task")),
        count(format!("/proc/{pid}/fd")),
        rss,
    )
}

/// What the run did and expects.
struct Chaos {
    server: JackServer,
    synth: SynthProcess,
    osc: OscClient,
    rng: Rng,
    /// Pitch of the last commit answered with `/done`.
    freq: f32,
    recording: bool,
    takes: u32,
    sync_id: i32,
}

impl Chaos {
    /// Sets the pending pitch and sends a commit (timed `ahead` seconds from now, if given).
    fn send_commit(&mut self, hz: f32, ahead: Option<f64>) {
        ok(&self.osc, "/patch/set", vec![s("osc1"), s("freq"), f(hz)]);
        match ahead {
            Some(dt) => self
                .osc
                .send_bundle(timetag(unix_now() + dt), vec![msg("/patch/commit", vec![])]),
            None => self.osc.send("/patch/commit", vec![]),
        }
    }

    /// Waits for a commit's answer; a `/done` makes `hz` the expected pitch.
    /// Waits for a commit's answer: `/done` makes `hz` the expected pitch. The only `/fail`
    /// allowed is the one a starved machine can cause (the new slot did not start playing
    /// within the phase bound, again and again): the previous patch then plays on.
    fn answered(&mut self, hz: f32, what: &str) {
        let r = reply_to(&self.osc, "/patch/commit", Duration::from_secs(60));
        if r.addr == "/done" {
            self.freq = hz;
            return;
        }
        let why = format!("{:?}", r.args);
        assert!(
            why.contains("did not start playing") || why.contains("too heavy"),
            "{what} failed: {r:?}"
        );
        eprintln!("[chaos] {what} refused on a starved machine: {why}");
    }

    fn restart(&mut self, rate: u32, period: u32) {
        self.server.restart_with(rate, period);
        self.synth
            .wait_for_ports(&self.server, &OUTS, Duration::from_secs(30));
    }

    /// One random step; returns what it did.
    fn step(&mut self) -> String {
        let hz = self.rng.pick(&FREQS);
        match self.rng.below(100) {
            0..=19 => {
                self.send_commit(hz, None);
                self.answered(hz, "an immediate commit");
                format!("commit {hz}")
            }
            20..=29 => {
                let ahead = 0.2 + self.rng.below(8) as f64 / 10.0;
                self.send_commit(hz, Some(ahead));
                self.answered(hz, "a timed commit");
                format!("commit {hz} in {ahead:.1} s")
            }
            30..=37 => {
                // Scheduled 10 s ahead, a fault meanwhile, then superseded by a later commit.
                self.send_commit(hz, Some(10.0));
                let fault = match self.rng.below(3) {
                    0 => {
                        self.restart(self.server.rate(), self.server.period());
                        "restart"
                    }
                    1 => {
                        live(&self.osc, "f", "panic", 1.0);
                        std::thread::sleep(Duration::from_millis(300));
                        "panic"
                    }
                    _ => "nothing",
                };
                let later = self.rng.pick(&FREQS);
                self.send_commit(later, None);
                let first = reply_to(&self.osc, "/patch/commit", Duration::from_secs(60));
                assert_eq!(
                    first.addr, "/fail",
                    "the scheduled commit was not superseded"
                );
                self.answered(later, "the superseding commit");
                format!("commit {hz} in 10 s, {fault}, superseded by {later}")
            }
            38..=52 => {
                let n = 50 + self.rng.below(400);
                for k in 0..n {
                    live(&self.osc, "osc2", "gain", 0.01 + (k % 10) as f32 * 0.01);
                }
                format!("{n} × /mod")
            }
            53..=62 => {
                let on = self.rng.below(2) as f32;
                self.osc.send("/gate/env", vec![f(on)]);
                format!("gate {on}")
            }
            63..=72 => {
                if self.recording {
                    ok(&self.osc, "/record/stop", vec![]);
                } else {
                    self.takes += 1;
                    ok(
                        &self.osc,
                        "/record/start",
                        vec![s(&format!("take{}", self.takes))],
                    );
                }
                self.recording = !self.recording;
                format!("recording {}", self.recording)
            }
            73..=80 => {
                self.restart(self.server.rate(), self.server.period());
                "restart".into()
            }
            81..=85 => {
                let (rate, period) = self.rng.pick(&SETTINGS);
                self.restart(rate, period);
                format!("restart at {rate}/{period}")
            }
            86..=92 => {
                let ms = self.rng.pick(&[50.0, 300.0, 600.0]);
                live(&self.osc, "f", "stall_ms", ms);
                format!("stall {ms} ms")
            }
            93..=96 => {
                live(&self.osc, "f", "panic", 1.0);
                "panic".into()
            }
            _ => {
                // A flood while the playing worker stalls, then a commit.
                live(&self.osc, "f", "stall_ms", 1000.0);
                for k in 0..6000 {
                    live(&self.osc, "osc2", "gain", 0.01 + (k % 10) as f32 * 0.01);
                    if k % 500 == 0 {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                }
                self.send_commit(hz, None);
                self.answered(hz, "the commit after a flood");
                format!("flood, commit {hz}")
            }
        }
    }
}

/// Every file in `dir` is a complete, readable WAV at a rate the server ran at.
fn assert_valid_wavs(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        let wav = hound::WavReader::open(&path)
            .unwrap_or_else(|e| panic!("{}: not a valid WAV: {e}", path.display()));
        let spec = wav.spec();
        assert!(
            SETTINGS.iter().any(|(r, _)| *r == spec.sample_rate),
            "{}: {spec:?}",
            path.display()
        );
        let frames = wav.duration() as usize;
        let mut samples = 0;
        for v in wav.into_samples::<f32>() {
            v.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            samples += 1;
        }
        assert_eq!(
            samples,
            frames * spec.channels as usize,
            "{}",
            path.display()
        );
        eprintln!(
            "[chaos] {}: {frames} frames at {} Hz",
            path.display(),
            spec.sample_rate
        );
        n += 1;
    }
    n
}

#[test]
fn a_minute_of_random_faults_ends_playing_the_last_commit() {
    let seed = env_u64("CHAOS_SEED", DEFAULT_SEED);
    let steps = env_u64("CHAOS_STEPS", DEFAULT_STEPS);
    eprintln!("[chaos] seed {seed:#x}, {steps} steps (CHAOS_SEED={seed:#x} replays this run)");
    let dir = TempDir::new("chaos-rec");
    let rec_dir = dir.path().to_str().unwrap().to_string();
    let server = JackServer::start_with(48_000, 256, &["-S"]);
    // No backtraces: symbolizing the first one maps the debug info (~100 MiB resident in a
    // debug build), which would hide a real leak under the memory bound.
    let (synth, osc) = start_synth_env(
        &server,
        &[("RUST_BACKTRACE", "0")],
        &["--record-dir", &rec_dir],
    );
    create(&osc, "osc1", "sine", &[("freq", 440.0), ("gain", 0.5)]);
    create(&osc, "f", "fault", &[]);
    connect(&osc, "osc1", "f");
    create(&osc, "osc2", "sine", &[("freq", 3000.0), ("gain", 0.05)]);
    create(&osc, "env", "adsr", &[]);
    connect(&osc, "osc2", "env");
    osc.commit();
    std::thread::sleep(Duration::from_secs(1));
    let base = footprint(synth.pid());
    eprintln!(
        "[chaos] baseline: {} threads, {} fds, {} KiB resident",
        base.0, base.1, base.2
    );
    let mut chaos = Chaos {
        server,
        synth,
        osc,
        rng: Rng(seed),
        freq: 440.0,
        recording: false,
        takes: 0,
        sync_id: 0,
    };
    let start = Instant::now();
    let mut peak_rss = base.2;
    for k in 0..steps {
        let what = chaos.step();
        let play_ms = 200 + chaos.rng.below(800);
        std::thread::sleep(Duration::from_millis(play_ms));
        let now = footprint(chaos.synth.pid());
        peak_rss = peak_rss.max(now.2);
        eprintln!(
            "[chaos] {:5.1} s  step {k}: {what} ({} threads, {} fds, {} KiB)",
            start.elapsed().as_secs_f64(),
            now.0,
            now.1,
            now.2
        );
        assert!(
            chaos.synth.try_wait().is_none(),
            "synth-jack exited after {what}"
        );
    }
    if chaos.recording {
        ok(&chaos.osc, "/record/stop", vec![]);
    }
    chaos.osc.send("/gate/env", vec![f(0.0)]);
    let Chaos {
        server,
        mut synth,
        osc,
        freq,
        mut sync_id,
        ..
    } = chaos;
    // Settled: /sync answers (generously the first time, then within a second).
    sync_id += 1;
    sync_took(&osc, sync_id, Duration::from_secs(30));
    wait_plays(&server, freq as f64, "at the end");
    sync_id += 1;
    let took = sync_took(&osc, sync_id, Duration::from_secs(10));
    assert!(took < Duration::from_secs(1), "/sync took {took:?}");
    // Threads and fds of replaced workers and old JACK clients are gone (given time to leave).
    let mut last = base;
    let settled = (0..50).any(|_| {
        last = footprint(synth.pid());
        let ok = last.0 <= base.0 + THREAD_MARGIN && last.1 <= base.1 + FD_MARGIN;
        if !ok {
            std::thread::sleep(Duration::from_millis(200));
        }
        ok
    });
    eprintln!(
        "[chaos] end: {} threads, {} fds, {} KiB resident (peak {peak_rss} KiB)",
        last.0, last.1, last.2
    );
    assert!(
        settled,
        "threads/fds leaked: {last:?} against baseline {base:?}"
    );
    assert!(
        peak_rss <= base.2 + RSS_MARGIN_KIB,
        "resident memory grew from {} to {peak_rss} KiB",
        base.2
    );
    let files = assert_valid_wavs(dir.path());
    eprintln!(
        "[chaos] {files} recordings, all valid; {:?} in all",
        start.elapsed()
    );
    assert!(synth.try_wait().is_none(), "synth-jack exited");
}
