//! The processes a benchmark runs: a private `jackd` (dummy backend), the
//! release `synth-jack`, `scsynth`, and the driver's own JACK client (xrun
//! counter and capture). Every child is stopped by its PID with SIGTERM
//! (SIGKILL only if it ignores that), also when the driver dies
//! (`PR_SET_PDEATHSIG`).

use crate::osc::{Osc, R};
use jack::jack_sys as j;
use std::ffi::{c_char, CString};
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod client;
pub use client::{open_client, Monitor, Recording};

/// Sample rate of every server.
pub const RATE: u32 = 48_000;

/// SIGTERM to the child when the spawning thread dies.
fn die_with_parent(cmd: &mut Command) {
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong);
            Ok(())
        });
    }
}

/// SIGTERM by PID, wait up to 5 s, then SIGKILL.
fn stop_child(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    // SAFETY: plain libc call on our own child's PID.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    eprintln!("[bench] pid {} ignored SIGTERM; killing it", child.id());
    let _ = child.kill();
    let _ = child.wait();
}

fn read_lossy(p: &Path) -> String {
    std::fs::read(p)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// A field of /proc/`pid`/status in KiB (`VmRSS`, `RssAnon`, `RssShmem`...).
pub fn status_kib(pid: u32, field: &str) -> f64 {
    read_lossy(Path::new(&format!("/proc/{pid}/status")))
        .lines()
        .find(|l| l.split(':').next() == Some(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Resident memory (VmRSS) of `pid` in KiB.
pub fn rss_kib(pid: u32) -> f64 {
    status_kib(pid, "VmRSS")
}

/// Entries of a /proc directory of `pid` (`task`, `fd`).
pub fn proc_count(pid: u32, what: &str) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/{what}"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Xruns by cause, from jackd's log.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Xruns {
    /// The dummy driver's timer woke late (`JackTimedDriver::Process XRun = N usec`;
    /// it counts any lateness, even a few µs): the machine, not a client.
    pub driver_late: u64,
    /// A client had not started its cycle yet (`state = Triggered`), or
    /// another client than the one under test was late: scheduling.
    pub not_started: u64,
    /// The client under test was still running its callback when the cycle
    /// ended (`state = Running`): it overran the period.
    pub overran: u64,
}

impl Xruns {
    /// Every xrun.
    pub fn total(&self) -> u64 {
        self.driver_late + self.not_started + self.overran
    }

    /// The xruns since `before`.
    pub fn since(&self, before: &Xruns) -> Xruns {
        Xruns {
            driver_late: self.driver_late - before.driver_late,
            not_started: self.not_started - before.not_started,
            overran: self.overran - before.overran,
        }
    }
}

/// True when any xrun fails a voice trial (`BENCH_STRICT_XRUNS=1`); by
/// default only xruns of the client under test overrunning its cycle do.
pub fn strict_xruns() -> bool {
    std::env::var("BENCH_STRICT_XRUNS").as_deref() == Ok("1")
}

/// True when the servers run real-time (`jackd -R`): `BENCH_REALTIME=1`
/// forces it, `0` forbids it; by default it is used when this process may
/// use SCHED_FIFO (checked with `chrt -f 1 true`).
pub fn realtime() -> bool {
    static RT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *RT.get_or_init(|| match std::env::var("BENCH_REALTIME").as_deref() {
        Ok("1") => true,
        Ok("0") => false,
        _ => Command::new("chrt")
            .args(["-f", "1", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false),
    })
}

/// How the servers are scheduled, for the report.
pub fn sched_note() -> &'static str {
    if realtime() {
        "jackd -R (SCHED_FIFO)"
    } else {
        "jackd --no-realtime"
    }
}

/// A private `jackd -R -P 70 -n NAME -d dummy -r 48000 -p PERIOD` (or
/// `--no-realtime`, see [`realtime`]).
pub struct Jackd {
    child: Child,
    /// Unique server name.
    pub name: String,
    log: PathBuf,
}

impl Jackd {
    /// Starts it and waits until it accepts clients.
    pub fn start(dir: &Path, tag: &str, period: u32) -> R<Jackd> {
        let name = format!("sjbench-{}-{tag}", std::process::id());
        let log = dir.join(format!("jackd-{tag}.log"));
        let out = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new("jackd");
        if realtime() {
            cmd.args(["-R", "-P", "70"]);
        } else {
            cmd.arg("--no-realtime");
        }
        cmd.args(["-n", &name, "-d", "dummy", "-r"])
            .arg(RATE.to_string())
            .arg("-p")
            .arg(period.to_string())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        die_with_parent(&mut cmd);
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot run jackd (is jackd2 installed?): {e}"))?;
        let mut jd = Jackd { child, name, log };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(st)) = jd.child.try_wait() {
                return Err(format!("jackd exited at start ({st}): {}", jd.log_text()));
            }
            let ok = jd
                .tool("jack_lsp", &[])
                .map(|o| o.status.success())
                .unwrap_or(false);
            if ok {
                return Ok(jd);
            }
            if Instant::now() > deadline {
                return Err(format!("jackd not ready after 10 s: {}", jd.log_text()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs a JACK command-line tool against this server.
    pub fn tool(&self, prog: &str, args: &[&str]) -> R<std::process::Output> {
        Command::new(prog)
            .args(args)
            .env("JACK_DEFAULT_SERVER", &self.name)
            .env("JACK_NO_START_SERVER", "1")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{prog}: {e}"))
    }

    /// `jack_lsp ARGS`, stdout as text.
    pub fn lsp(&self, args: &[&str]) -> String {
        self.tool("jack_lsp", args)
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// `jack_connect A B`.
    pub fn connect(&self, a: &str, b: &str) -> R<()> {
        let o = self.tool("jack_connect", &[a, b])?;
        if o.status.success() {
            Ok(())
        } else {
            Err(format!(
                "jack_connect {a} {b}: {}",
                String::from_utf8_lossy(&o.stderr)
            ))
        }
    }

    /// jackd's output so far.
    pub fn log_text(&self) -> String {
        read_lossy(&self.log)
    }

    /// The xruns jackd logged so far, by kind, with `client` the one under test.
    pub fn xruns(&self, client: &str) -> Xruns {
        let mut x = Xruns::default();
        for l in self.log_text().lines() {
            if l.contains("JackTimedDriver::Process XRun") {
                x.driver_late += 1;
            } else if let Some(rest) = l.strip_prefix("JackEngine::XRun: client = ") {
                let name = rest.split(" was not finished").next().unwrap_or("");
                let running = rest.ends_with("state = Running");
                if name == client && running {
                    x.overran += 1;
                } else {
                    x.not_started += 1;
                }
            }
        }
        x
    }
}

impl Drop for Jackd {
    fn drop(&mut self) {
        stop_child(&mut self.child);
        // jackd removes its segments on SIGTERM, but not after a SIGKILL or
        // when a client died with it: sweep what carries this server's name.
        if let Ok(dir) = std::fs::read_dir("/dev/shm") {
            for e in dir.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.contains(&self.name) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
}

/// The release `synth-jack` on a [`Jackd`], with its OSC client.
pub struct Synth {
    child: Child,
    /// Its PID.
    pub pid: u32,
    /// OSC client talking to it.
    pub osc: Osc,
    log: PathBuf,
}

impl Synth {
    /// Starts `bin` (client name `synth-jack`, OSC on a free port, patches in
    /// `dir`) and waits for its `OSC listening on` line.
    pub fn start(bin: &Path, jack: &Jackd, dir: &Path, tag: &str, extra: &[&str]) -> R<Synth> {
        let log = dir.join(format!("synth-{tag}.log"));
        let err = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut cmd = Command::new(bin);
        cmd.args(["--name", "synth-jack", "--osc-port", "0", "--patch-dir"])
            .arg(dir)
            .args(["--record-dir"])
            .arg(dir)
            .args(extra)
            .env("JACK_DEFAULT_SERVER", &jack.name)
            .env("JACK_NO_START_SERVER", "1")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err);
        die_with_parent(&mut cmd);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
        let deadline = Instant::now() + Duration::from_secs(15);
        let port = loop {
            let text = read_lossy(&log);
            if let Some(l) = text.lines().find(|l| l.contains("OSC listening on ")) {
                let p = l.rsplit(':').next().and_then(|p| p.trim().parse().ok());
                break p.ok_or_else(|| format!("cannot parse the OSC port from {l:?}"))?;
            }
            if let Ok(Some(st)) = child.try_wait() {
                return Err(format!("synth-jack exited at start ({st}): {text}"));
            }
            if Instant::now() > deadline {
                stop_child(&mut child);
                return Err(format!("synth-jack never logged its OSC port: {text}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Ok(Synth {
            pid: child.id(),
            child,
            osc: Osc::new(port)?,
            log,
        })
    }

    /// Its stderr so far.
    pub fn log_text(&self) -> String {
        read_lossy(&self.log)
    }

    /// True while the process runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Synth {
    fn drop(&mut self) {
        stop_child(&mut self.child);
    }
}

/// `scsynth` or `supernova` on a [`Jackd`] (UDP on a free port), with its OSC client.
pub struct Scsynth {
    child: Child,
    /// OSC client talking to it.
    pub osc: Osc,
    log: PathBuf,
    port: u16,
}

impl Scsynth {
    /// Starts scsynth (block 64, 2 outputs, room for many nodes) and waits
    /// for "server ready".
    pub fn start(jack: &Jackd, dir: &Path, tag: &str) -> R<Scsynth> {
        Self::start_program("scsynth", &[], "server ready", jack, dir, tag)
    }

    /// Starts supernova with `threads` audio threads, otherwise as [`start`](Self::start);
    /// its JACK outputs are `supernova:output_N`.
    pub fn start_supernova(jack: &Jackd, dir: &Path, tag: &str, threads: usize) -> R<Scsynth> {
        let t = threads.to_string();
        Self::start_program("supernova", &["-T", &t], "Supernova ready", jack, dir, tag)
    }

    fn start_program(
        program: &str,
        extra: &[&str],
        ready: &str,
        jack: &Jackd,
        dir: &Path,
        tag: &str,
    ) -> R<Scsynth> {
        let port = {
            let s = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            s.local_addr().map_err(|e| e.to_string())?.port()
        };
        let log = dir.join(format!("{program}-{tag}.log"));
        let out = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(program);
        cmd.args(["-u", &port.to_string(), "-B", "127.0.0.1"])
            .args(["-i", "0", "-o", "2", "-z", "64", "-R", "0", "-l", "4"])
            .args(["-n", "65536", "-m", "262144", "-d", "64"])
            .args(extra)
            .env("JACK_DEFAULT_SERVER", &jack.name)
            .env("JACK_NO_START_SERVER", "1")
            .env("SC_JACK_DEFAULT_OUTPUTS", "")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        die_with_parent(&mut cmd);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let text = read_lossy(&log);
            if text.contains(ready) {
                break;
            }
            if let Ok(Some(st)) = child.try_wait() {
                return Err(format!("{program} exited at start ({st}): {text}"));
            }
            if Instant::now() > deadline {
                stop_child(&mut child);
                return Err(format!("{program} not ready after 15 s: {text}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Scsynth {
            child,
            osc: Osc::new(port)?,
            log,
            port,
        })
    }

    /// Its output so far.
    pub fn log_text(&self) -> String {
        read_lossy(&self.log)
    }
}

impl Drop for Scsynth {
    fn drop(&mut self) {
        stop_child(&mut self.child);
        // scsynth leaves its shared-memory segment (named after its UDP
        // port) behind even after a clean SIGTERM.
        let _ = std::fs::remove_file(format!("/dev/shm/SuperColliderServer_{}", self.port));
    }
}
