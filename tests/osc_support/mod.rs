//! Helpers shared by the `osc_*` integration tests: a synth-jack started with its OSC port, patch
//! and recording directories in the server's scratch directory, and tone/silence assertions on
//! captured audio.
#![allow(dead_code)]

use crate::common::osc::*;
use crate::common::*;
use rosc::{OscMessage, OscType};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub mod tcp;

/// The synth's two output ports.
pub const OUTS: [&str; 2] = ["synth-jack:out_1", "synth-jack:out_2"];
/// RMS of a sine of amplitude 0.5 (simple_sine's default gain).
pub const SINE_RMS: f64 = 0.353_553_390_593_273_8;
/// Longest a reply may take.
pub const REPLY: Duration = Duration::from_secs(5);

/// A running synth-jack with its OSC client and directories.
pub struct Synth {
    pub process: SynthProcess,
    pub osc: OscClient,
    pub port: u16,
    pub patch_dir: PathBuf,
    pub record_dir: PathBuf,
}

impl Synth {
    /// `synth-jack --osc-port 0 --patch-dir <scratch>/patches --record-dir <scratch>/recordings
    /// <extra>`, waiting for its ports and its first `/status` answer.
    pub fn start(server: &JackServer, extra: &[&str]) -> Synth {
        let patch_dir = server.scratch_dir().join("patches");
        let record_dir = server.scratch_dir().join("recordings");
        let mut args = vec![
            "--osc-port".to_string(),
            "0".to_string(),
            "--patch-dir".to_string(),
            patch_dir.display().to_string(),
            "--record-dir".to_string(),
            record_dir.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut process = SynthProcess::spawn(server, &refs);
        process.wait_for_ports(server, &OUTS, SYNTH_READY_TIMEOUT);
        let port = osc_port(&process, Duration::from_secs(10));
        let osc = OscClient::new(port);
        let st = osc.status();
        assert_eq!(st.sample_rate, 48_000.0, "{st:?}");
        Synth {
            process,
            osc,
            port,
            patch_dir,
            record_dir,
        }
    }

    /// Starts with a patch file (written into the scratch directory) committed at start.
    /// Waits until that patch plays (version 1).
    pub fn with_patch(server: &JackServer, patch: &str) -> Synth {
        let file = server.write_file("start.patch", patch);
        let synth = Synth::start(server, &["--patch", file.to_str().unwrap()]);
        wait_status(&synth.osc, Duration::from_secs(5), |st| {
            st.patch_version == 1
        });
        synth
    }

    /// Panics (with the synth's output) if the process has exited.
    pub fn assert_alive(&mut self) {
        if let Some(status) = self.process.try_wait() {
            panic!("synth-jack exited ({status})\n{}", self.process.output());
        }
    }

    /// A new OSC client (its own UDP port) for the same synth.
    pub fn client(&self) -> OscClient {
        OscClient::new(self.port)
    }
}

/// `/sync id` → `/synced id`, asserting nothing but notifications came before it (so every
/// message sent before the sync succeeded silently: `/mod` and `/gate` are not answered).
pub fn sync_clean(osc: &OscClient, id: i32) {
    let r = osc.request("/sync", vec![i(id)]);
    assert_eq!(
        (r.addr.as_str(), r.args.as_slice()),
        ("/synced", [i(id)].as_slice()),
        "expected only /synced {id}, got {r:?}"
    );
}

/// Commits and returns (slot, version), also checking `/status` agrees.
pub fn commit_checked(osc: &OscClient) -> (i32, i32) {
    let (slot, version) = osc.commit();
    let st = osc.status();
    assert_eq!(
        (st.active_slot, st.patch_version),
        (slot, version),
        "/status disagrees with /done /patch/commit: {st:?}"
    );
    (slot, version)
}

/// The text of a `/patch.dump` reply (`pending`: the pending patch).
pub fn dump(osc: &OscClient, pending: bool) -> String {
    let args = if pending { vec![s("pending")] } else { vec![] };
    let r = osc.request("/patch/dump", args);
    assert_eq!(r.addr, "/patch.dump", "{r:?}");
    match r.args.as_slice() {
        [OscType::String(t)] => t.clone(),
        other => panic!("bad /patch.dump arguments: {other:?}"),
    }
}

/// Module lines (`create ...`) of a dump, sorted.
pub fn created(dump: &str) -> Vec<String> {
    let mut v: Vec<String> = dump
        .lines()
        .filter(|l| l.starts_with("create "))
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .collect();
    v.sort();
    v
}

/// Asserts `reason` mentions every one of `words`.
pub fn assert_mentions(reason: &str, words: &[&str]) {
    for w in words {
        assert!(
            reason.contains(w),
            "reason {reason:?} does not mention {w:?}"
        );
    }
}

/// Discards what was captured, skips `settle` seconds (a commit's cross-fade, smoothing), then
/// returns `seconds` of audio per channel.
pub fn listen(capture: &mut Capture, settle: f64, seconds: f64) -> Vec<Vec<f32>> {
    capture.clear();
    if settle > 0.0 {
        capture.take(settle);
    }
    capture.take(seconds)
}

/// Like [`listen`], for steady sound: takes the audio again (up to 5 times) when JACK skipped
/// cycles or the synth reported an xrun or underrun meanwhile, so that a machine too loaded to
/// keep up (2 cores shared with compilers) does not put glitches into what is analysed.
pub fn listen_steady(
    capture: &mut Capture,
    osc: &OscClient,
    settle: f64,
    seconds: f64,
) -> Vec<Vec<f32>> {
    let mut rec = Vec::new();
    for attempt in 0..5 {
        let before = (osc.status(), capture.discontinuities());
        rec = listen(capture, if attempt == 0 { settle } else { 0.0 }, seconds);
        let after = (osc.status(), capture.discontinuities());
        let glitch = after.1 != before.1
            || after.0.xruns != before.0.xruns
            || after.0.underruns != before.0.underruns;
        if !glitch {
            return rec;
        }
        eprintln!(
            "[test] xrun/underrun while listening (capture discontinuities {} -> {}, xruns {} -> \
             {}, underruns {} -> {}); listening again",
            before.1, after.1, before.0.xruns, after.0.xruns, before.0.underruns, after.0.underruns
        );
    }
    rec
}

/// A synth playing a 440 Hz sine at 0.5 and a capture that has heard it.
pub fn playing_sine(server: &JackServer) -> (Synth, Capture<'_>) {
    let synth = Synth::with_patch(server, "create osc1 sine freq=440 gain=0.5\n");
    let mut capture = Capture::start(server, &OUTS);
    assert_tone(
        &listen_steady(&mut capture, &synth.osc, 0.05, 0.4),
        440.0,
        SINE_RMS,
        "start",
    );
    (synth, capture)
}

/// Asserts every channel is a tone of `freq` Hz (±0.5) with RMS `want_rms` (±3 %). On failure
/// the audio is kept as a WAV file in the temp directory (the path is in the message).
pub fn assert_tone(rec: &[Vec<f32>], freq: f64, want_rms: f64, what: &str) {
    for (c, x) in rec.iter().enumerate() {
        let f = dominant_frequency(x, DEFAULT_RATE);
        let r = rms(x);
        eprintln!("{what}: channel {c}: {f:.3} Hz, rms {r:.5}");
        if (f - freq).abs() > 0.5 || (r - want_rms).abs() > 0.03 * want_rms {
            let kept = keep_wav(rec, what);
            panic!(
                "{what}: channel {c} plays {f:.3} Hz with rms {r:.5}, want {freq} Hz (± 0.5) \
                 with rms {want_rms:.5} (± 3 %); audio kept in {kept}"
            );
        }
    }
}

/// Writes `rec` to `<tmp>/osc-test-<what>-<unique>.wav` (for diagnostics); returns the path.
pub fn keep_wav(rec: &[Vec<f32>], what: &str) -> String {
    let name: String = what
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let path = std::env::temp_dir().join(format!("osc-test-{name}-{}.wav", unique_suffix()));
    let spec = hound::WavSpec {
        channels: rec.len() as u16,
        sample_rate: DEFAULT_RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let Ok(mut w) = hound::WavWriter::create(&path, spec) else {
        return "(cannot write)".into();
    };
    for k in 0..rec.first().map_or(0, Vec::len) {
        for ch in rec {
            let _ = w.write_sample(ch[k]);
        }
    }
    let _ = w.finalize();
    path.display().to_string()
}

/// Asserts every channel is silent (peak below 1e-6).
pub fn assert_silent(rec: &[Vec<f32>], what: &str) {
    for (c, x) in rec.iter().enumerate() {
        let p = peak(x);
        assert!(p < 1e-6, "{what}: channel {c} is not silent (peak {p})");
    }
}

/// Messages (other than notifications) that arrive within `wait`.
pub fn replies_within(osc: &OscClient, wait: Duration) -> Vec<OscMessage> {
    let deadline = Instant::now() + wait;
    let mut out = Vec::new();
    while let Some(m) = osc.recv(deadline.saturating_duration_since(Instant::now())) {
        if !matches!(
            m.addr.as_str(),
            "/patch.switched" | "/xrun" | "/late" | "/failover"
        ) {
            out.push(m);
        }
    }
    out
}

/// Polls `/status` until `cond` holds (panics after `timeout`); returns that status.
pub fn wait_status(osc: &OscClient, timeout: Duration, cond: impl Fn(&Status) -> bool) -> Status {
    let deadline = Instant::now() + timeout;
    loop {
        let st = osc.status();
        if cond(&st) {
            return st;
        }
        assert!(
            Instant::now() < deadline,
            "status condition not met within {timeout:?}; last {st:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A deterministic xorshift64* generator.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}
