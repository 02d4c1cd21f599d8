//! [`JackServer`]: a private `jackd` per test.

use std::fs::{self};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::*;

/// A private `jackd --no-realtime -n <unique> -d dummy` for one test.
///
/// Dropping it closes its control client, sends SIGTERM, waits (SIGKILL after [`TERM_TIMEOUT`]).
/// When dropped during a panic, its log is printed. The server also gets SIGTERM if the thread
/// that started it dies, so create it on the test's own thread (it is not `Send` anyway).
/// Only one at a time per test process: see the module docs.
pub struct JackServer {
    name: String,
    rate: u32,
    period: u32,
    child: Option<Child>,
    pid: u32,
    dir: TempDir,
    log_path: PathBuf,
    control: Option<TestClient<'static>>,
    /// Arguments it was started with, for [`restart`](Self::restart).
    server_args: Vec<String>,
    driver_args: Vec<String>,
    // Last: released after everything else of the server is gone.
    _lock: ProcessServerLock,
}

impl JackServer {
    /// `jackd --no-realtime -n <unique> -d dummy -r 48000 -p 256`, ready for clients.
    pub fn start() -> JackServer {
        Self::start_with(DEFAULT_RATE, DEFAULT_PERIOD, &[])
    }

    /// Like [`start`](Self::start) with another rate/period; `server_args` go before `-d dummy`
    /// (e.g. `&["-S"]` for synchronous mode, `&["-t", "2000"]` for the client timeout).
    pub fn start_with(rate: u32, period: u32, server_args: &[&str]) -> JackServer {
        Self::start_full(rate, period, server_args, &[])
    }

    /// Full control: `jackd --no-realtime -n NAME <server_args> -d dummy -r RATE -p PERIOD
    /// <driver_args>` (driver args e.g. `&["-C", "4", "-P", "4"]` for more dummy channels).
    pub fn start_full(
        rate: u32,
        period: u32,
        server_args: &[&str],
        driver_args: &[&str],
    ) -> JackServer {
        let lock = ProcessServerLock::acquire();
        let name = format!("synthjack-test-{}", unique_suffix());
        let dir = TempDir::named(&name);
        let log_path = dir.path().join("jackd.log");
        let mut server = JackServer {
            name,
            rate,
            period,
            child: None,
            pid: 0,
            dir,
            log_path,
            control: None,
            server_args: server_args.iter().map(|a| a.to_string()).collect(),
            driver_args: driver_args.iter().map(|a| a.to_string()).collect(),
            _lock: lock,
        };
        server.spawn_jackd();
        server.wait_until_ready();
        server
    }

    /// Runs jackd with the stored name and arguments, its output appended to the log.
    fn spawn_jackd(&mut self) {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .expect("open jackd log");
        let log_err = log.try_clone().expect("clone jackd log handle");
        let mut cmd = Command::new("jackd");
        cmd.arg("--no-realtime")
            .arg("-n")
            .arg(&self.name)
            .args(&self.server_args)
            .args([
                "-d",
                "dummy",
                "-r",
                &self.rate.to_string(),
                "-p",
                &self.period.to_string(),
            ])
            .args(&self.driver_args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err));
        kill_with_parent(&mut cmd);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run jackd (is jackd2 installed?): {e}"));
        self.pid = child.id();
        self.child = Some(child);
    }

    /// Stops the server (SIGTERM, like [`stop`](Self::stop)) and starts it again with the same
    /// name, rate, period and arguments, ready for clients; the same process-wide lock is kept.
    /// Close every client of this process on it first (captures, generators): libjack's
    /// in-process state belongs to the old server until they are gone. Returns the old
    /// server's exit status.
    pub fn restart(&mut self) -> Option<ExitStatus> {
        let (rate, period) = (self.rate, self.period);
        self.restart_with(rate, period)
    }

    /// Like [`restart`](Self::restart), at another sample rate and period.
    pub fn restart_with(&mut self, rate: u32, period: u32) -> Option<ExitStatus> {
        let status = self.stop(); // also removes the old server's leftovers
        self.rate = rate;
        self.period = period;
        self.spawn_jackd();
        self.wait_until_ready();
        status
    }

    fn wait_until_ready(&mut self) {
        let first = Instant::now();
        let mut start = first;
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                // libjack knows at most 8 servers at once: when parallel tests (or several
                // checkouts) hold them all, wait for one to go instead of failing.
                if self.log().contains("Too many servers already active")
                    && first.elapsed() < Duration::from_secs(180)
                {
                    std::thread::sleep(Duration::from_millis(250 + u64::from(self.pid % 500)));
                    self.spawn_jackd();
                    start = Instant::now();
                    continue;
                }
                panic!(
                    "jackd {} exited during startup ({status}); log:\n{}",
                    self.name,
                    self.log()
                );
            }
            match open_client(&self.name, "test-control", jack::ClientOptions::empty()) {
                Ok((client, _)) => {
                    let (r, p) = (client.sample_rate(), client.buffer_size());
                    assert_eq!(
                        (r, p),
                        (self.rate, self.period),
                        "server runs at an unexpected rate/period"
                    );
                    self.control = Some(client);
                    return;
                }
                Err(e) if start.elapsed() > SERVER_START_TIMEOUT => {
                    panic!(
                        "jackd {} not ready after {:?}: {e}; log:\n{}",
                        self.name,
                        SERVER_START_TIMEOUT,
                        self.log()
                    );
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// The unique server name (what `JACK_DEFAULT_SERVER` must be set to for child processes).
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn pid(&self) -> u32 {
        self.pid
    }
    pub fn rate(&self) -> u32 {
        self.rate
    }
    pub fn period(&self) -> u32 {
        self.period
    }
    /// jackd's stdout+stderr so far.
    pub fn log(&self) -> String {
        read_lossy(&self.log_path)
    }
    /// A scratch directory living as long as the server (for patch files etc.).
    pub fn scratch_dir(&self) -> &Path {
        self.dir.path()
    }
    /// Writes a file into the scratch directory and returns its path.
    pub fn write_file(&self, name: &str, contents: &str) -> PathBuf {
        self.dir.write(name, contents)
    }
    /// Whether the jackd process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// The always-open control client (not activated, no ports) used for port queries.
    pub fn control(&self) -> &jack::Client {
        self.control.as_ref().expect("server stopped")
    }

    /// Opens another (inactive) client on this server.
    pub fn client(&self, client_name: &str) -> TestClient<'_> {
        open_client(&self.name, client_name, jack::ClientOptions::empty())
            .unwrap_or_else(|e| panic!("{e}"))
            .0
    }

    /// All port names matching the regular expression `pattern` (all if empty).
    pub fn ports(&self, pattern: &str) -> Vec<String> {
        self.control()
            .ports(Some(pattern), None, jack::PortFlags::empty())
    }

    /// Audio output ports whose names match the regular expression `pattern`.
    pub fn audio_outputs(&self, pattern: &str) -> Vec<String> {
        self.control()
            .ports(Some(pattern), Some("audio"), jack::PortFlags::IS_OUTPUT)
    }

    /// Whether a port with exactly this full name exists.
    pub fn port_exists(&self, port: &str) -> bool {
        self.control().port_by_name(port).is_some()
    }

    /// Polls until all `ports` exist. Err lists the missing ones on timeout.
    pub fn wait_for_ports(&self, ports: &[&str], timeout: Duration) -> Result<Duration, String> {
        let start = Instant::now();
        loop {
            let missing: Vec<&str> = ports
                .iter()
                .copied()
                .filter(|p| !self.port_exists(p))
                .collect();
            if missing.is_empty() {
                return Ok(start.elapsed());
            }
            if start.elapsed() > timeout {
                return Err(format!(
                    "ports {missing:?} did not appear within {timeout:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Connects `source` (an output) to `destination` (an input).
    pub fn connect(&self, source: &str, destination: &str) -> Result<(), String> {
        self.control()
            .connect_ports_by_name(source, destination)
            .map_err(|e| format!("cannot connect {source} -> {destination}: {e:?}"))
    }

    pub fn disconnect(&self, source: &str, destination: &str) -> Result<(), String> {
        self.control()
            .disconnect_ports_by_name(source, destination)
            .map_err(|e| format!("cannot disconnect {source} -> {destination}: {e:?}"))
    }

    /// Full names of the ports connected to `port` (empty if none or no such port).
    pub fn connections(&self, port: &str) -> Vec<String> {
        self.control()
            .port_by_name(port)
            .map(|p| p.get_connections())
            .unwrap_or_default()
    }

    /// `(min, max)` latency of `port` in frames, as `jack_lsp -l` shows it.
    pub fn port_latency(&self, port: &str, mode: jack::LatencyType) -> Option<(u32, u32)> {
        self.control()
            .port_by_name(port)
            .map(|p| p.get_latency_range(mode))
    }

    /// The server's current (estimated) frame time.
    pub fn frame_time(&self) -> u32 {
        self.control().frame_time()
    }

    /// Output of `jack_lsp <args>` against this server (e.g. `&["-c"]`, `&["-l"]`).
    pub fn jack_lsp(&self, args: &[&str]) -> String {
        let out = Command::new("jack_lsp")
            .args(args)
            .env("JACK_DEFAULT_SERVER", &self.name)
            .env("JACK_NO_START_SERVER", "1")
            .output()
            .expect("run jack_lsp");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `/dev/shm` entries belonging to this server (by name).
    pub fn shm_entries(&self) -> Vec<String> {
        shm_entries_for(&self.name)
    }

    /// Stops the server now (what drop does). Returns jackd's exit status.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        self.control = None; // closes the control client first
        let mut child = self.child.take()?;
        let (status, killed) = terminate_child(&mut child, TERM_TIMEOUT);
        if killed {
            eprintln!(
                "[test] jackd {} ignored SIGTERM for {:?}; killed",
                self.name, TERM_TIMEOUT
            );
        }
        // jackd is gone. Whatever is still named after it is a leftover (killed; dead of SIGPIPE
        // while telling a client it shuts down, as jackd 1.9 sometimes is; or the semaphore of
        // a client still attached): certainly its own, so remove it.
        self.remove_shm_entries();
        status
    }

    /// Removes the `/dev/shm` entries named after this server (only once jackd is gone).
    fn remove_shm_entries(&self) {
        for entry in shm_entries_for(&self.name) {
            let _ = fs::remove_file(Path::new("/dev/shm").join(entry));
        }
    }
}

impl std::fmt::Debug for JackServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JackServer")
            .field("name", &self.name)
            .field("pid", &self.pid)
            .field("rate", &self.rate)
            .field("period", &self.period)
            .finish()
    }
}

impl Drop for JackServer {
    fn drop(&mut self) {
        let panicking = std::thread::panicking();
        let status = self.stop();
        if panicking {
            eprintln!(
                "[test] jackd {} (pid {}) stopped: {status:?}; log:\n{}",
                self.name,
                self.pid,
                self.log()
            );
        }
    }
}
