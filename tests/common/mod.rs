//! Shared helpers for synth-jack integration tests.
//!
//! * [`JackServer`]: a private `jackd` (dummy backend) per test, with a unique server name, stopped
//!   with SIGTERM on drop (SIGKILL after a timeout), also when the test panics.
//! * [`SynthProcess`]: the `synth-jack` binary run against such a server, stopped on drop.
//! * [`Capture`]: an in-process JACK client that records ports into memory (allocation-free
//!   process callback, lock-free ring buffer).
//! * [`ToneGenerator`]: an in-process JACK client that plays a sine (a known test signal).
//! * Pure analysis functions: [`dominant_frequency`], [`rms`], [`longest_silence`], [`max_step`],
//!   [`first_nonsilent`], [`skip_leading_silence`], [`peak`].
//!
//! In-process clients never rely on `JACK_DEFAULT_SERVER` (the environment is process-global and
//! tests run as parallel threads): they are opened by [`JackServer::client`], which calls
//! libjack's `jack_client_open` with the `JackServerName` option and the server name as its
//! variadic argument (the `jack` crate's own `Client::new` cannot pass a server name). Child
//! processes get `JACK_DEFAULT_SERVER` in their own environment only.
//!
//! ONE SERVER PER TEST PROCESS AT A TIME: libjack (jack2) keeps the graph manager, engine control
//! and semaphore table of "the" server in process-wide globals, re-pointed by every client open,
//! so in-process clients of two live servers would mix up their graphs. [`JackServer`] therefore
//! holds a process-wide lock for its whole life: tests of one test binary that start a server run
//! one after another (tests without a server still run in parallel; separate test processes, e.g.
//! other test binaries or nextest, are fully independent). Starting a second server on a thread
//! that already has one panics instead of deadlocking. Clients, captures and generators borrow the
//! server, so they cannot outlive it.
#![allow(dead_code)]

pub mod engine;
pub mod osc;

use std::cell::Cell;
use std::ffi::{c_char, c_int, CString};
use std::fs::{self, File};
use std::io::Read;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Once};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jack::jack_sys as j;

/// Sample rate used by [`JackServer::start`].
pub const DEFAULT_RATE: u32 = 48_000;
/// Period (frames per cycle) used by [`JackServer::start`].
pub const DEFAULT_PERIOD: u32 = 256;
/// How long a process gets to exit after SIGTERM before it is killed with SIGKILL.
pub const TERM_TIMEOUT: Duration = Duration::from_secs(3);
/// How long [`JackServer::start`] waits for the server to accept clients.
pub const SERVER_START_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time [`SynthProcess::wait_ready`] waits for the synth's ports.
pub const SYNTH_READY_TIMEOUT: Duration = Duration::from_secs(10);

const SIGKILL: c_int = 9;
const SIGTERM: c_int = 15;
const PR_SET_PDEATHSIG: c_int = 1;

extern "C" {
    fn kill(pid: c_int, sig: c_int) -> c_int;
    fn prctl(option: c_int, ...) -> c_int;
}

// ---------------------------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------------------------

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A string unique to this call in this machine: `<pid>-<counter>-<nanoseconds>`.
pub fn unique_suffix() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}-{}-{}", std::process::id(), n, nanos)
}

/// Sends `sig` to `pid`. Returns false if the process does not exist (any more).
fn send_signal(pid: u32, sig: c_int) -> bool {
    // SAFETY: plain libc call with integer arguments.
    unsafe { kill(pid as c_int, sig) == 0 }
}

/// SIGKILL to exactly this PID (for strays a test found by name, e.g. an auto-started server).
pub fn kill_pid(pid: u32) -> bool {
    send_signal(pid, SIGKILL)
}

/// Makes the child get SIGTERM when the thread that spawned it dies (a safety net for a test
/// process that is killed without running destructors). Note: Linux delivers this signal when the
/// spawning *thread* exits, so spawn servers and synths on the thread that owns them.
fn kill_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            prctl(PR_SET_PDEATHSIG, SIGTERM as std::ffi::c_ulong);
            Ok(())
        });
    }
}

/// Waits up to `timeout` for `child` to exit.
fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) => {}
            Err(_) => return None,
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// SIGTERM, wait up to `timeout`, then SIGKILL and wait. Returns the exit status and whether
/// SIGKILL was needed.
fn terminate_child(child: &mut Child, timeout: Duration) -> (Option<ExitStatus>, bool) {
    if let Ok(Some(status)) = child.try_wait() {
        return (Some(status), false);
    }
    send_signal(child.id(), SIGTERM);
    if let Some(status) = wait_timeout(child, timeout) {
        return (Some(status), false);
    }
    let _ = child.kill();
    (child.wait().ok(), true)
}

/// PIDs of live processes whose command line contains `needle` (like `pgrep -f`), excluding this
/// process. Zombies (empty command line) are not listed.
pub fn pids_with_cmdline_containing(needle: &str) -> Vec<u32> {
    let me = std::process::id();
    let mut pids = Vec::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return pids;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        if let Ok(cmdline) = fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(needle) {
                pids.push(pid);
            }
        }
    }
    pids
}

/// Whether a process with this PID exists and is not a zombie.
pub fn process_alive(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the field after the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .map(|(_, rest)| !rest.trim_start().starts_with('Z'))
            .unwrap_or(false),
        Err(_) => false,
    }
}

/// Names of `/dev/shm` entries that contain `server_name` (sockets, semaphores of that server).
pub fn shm_entries_for(server_name: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir("/dev/shm")
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.contains(server_name))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn read_lossy(path: &Path) -> String {
    let mut bytes = Vec::new();
    if let Ok(mut f) = File::open(path) {
        let _ = f.read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A scratch directory under the system temp dir. Removed on drop, unless the thread is
/// panicking (then it is kept for diagnostics and its path printed).
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// `<tmp>/<prefix>-<unique suffix>`.
    pub fn new(prefix: &str) -> TempDir {
        Self::named(&format!("{prefix}-{}", unique_suffix()))
    }

    /// `<tmp>/<name>`; `name` must already be unique.
    pub fn named(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(name);
        fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `contents` to `<dir>/<name>` and returns the full path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let p = self.path.join(name);
        fs::write(&p, contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("[test] kept {} for diagnostics", self.path.display());
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// In-process JACK clients on a named server
// ---------------------------------------------------------------------------------------------

/// Serialises opening, activating, deactivating and closing of the clients made here (libjack's
/// client open/close is not safe to run concurrently; the `jack` crate uses its own private lock
/// for the same reason, which `Client::from_raw` cannot take).
static CLIENT_LIFECYCLE: Mutex<()> = Mutex::new(());

fn lifecycle_lock() -> MutexGuard<'static, ()> {
    CLIENT_LIFECYCLE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Held by a [`JackServer`] for its whole life (see the module docs).
static ONE_SERVER_PER_PROCESS: Mutex<()> = Mutex::new(());

thread_local! {
    static THREAD_HAS_SERVER: Cell<bool> = const { Cell::new(false) };
}

struct ProcessServerLock {
    _guard: MutexGuard<'static, ()>,
}

impl ProcessServerLock {
    fn acquire() -> ProcessServerLock {
        if THREAD_HAS_SERVER.with(|f| f.get()) {
            panic!(
                "only one JackServer per test process at a time (libjack keeps one server's state \
                 in process-wide globals); this thread already has one"
            );
        }
        let guard = ONE_SERVER_PER_PROCESS
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        THREAD_HAS_SERVER.with(|f| f.set(true));
        ProcessServerLock { _guard: guard }
    }
}

impl Drop for ProcessServerLock {
    fn drop(&mut self) {
        THREAD_HAS_SERVER.with(|f| f.set(false));
    }
}

static LOGGING: Once = Once::new();

/// Routes libjack's messages to the `log` crate (silent in tests), as `jack::Client::new` does;
/// otherwise every failed connection attempt while polling for a server prints to stderr.
fn init_jack_logging() {
    LOGGING.call_once(|| jack::set_logger(jack::LoggerType::Log));
}

type JackClientOpenFn = unsafe extern "C" fn(
    client_name: *const c_char,
    options: j::jack_options_t,
    status: *mut j::jack_status_t,
    ...
) -> *mut j::jack_client_t;

/// Opens a JACK client on the server called `server_name` (never starts a server). Private: use
/// [`JackServer::client`], which also guarantees the one-server-per-process rule.
///
/// `jack::Client::new` can't pass a server name (it calls `jack_client_open` without the variadic
/// argument), so this looks `jack_client_open` up in the libjack the `jack` crate loaded and calls
/// it with `JackServerName | JackNoStartServer` and the name, then wraps the pointer with
/// `jack::Client::from_raw`.
fn open_client<'s>(
    server_name: &str,
    client_name: &str,
    options: jack::ClientOptions,
) -> Result<(TestClient<'s>, jack::ClientStatus), String> {
    init_jack_logging();
    let lib = j::library().map_err(|e| format!("cannot load libjack: {e}"))?;
    // SAFETY: the symbol has exactly this C signature:
    // jack_client_t *jack_client_open(const char *, jack_options_t, jack_status_t *, ...).
    let open: JackClientOpenFn = unsafe {
        *lib.get::<JackClientOpenFn>(b"jack_client_open\0")
            .map_err(|e| format!("jack_client_open not found: {e}"))?
    };
    let c_client = CString::new(client_name).map_err(|e| e.to_string())?;
    let c_server = CString::new(server_name).map_err(|e| e.to_string())?;
    let opts =
        (options | jack::ClientOptions::NO_START_SERVER | jack::ClientOptions::SERVER_NAME).bits();
    let mut status: j::jack_status_t = 0;
    let _guard = lifecycle_lock();
    // SAFETY: valid NUL-terminated strings that outlive the call; with JackServerName set,
    // libjack reads exactly one `const char *` variadic argument.
    let ptr = unsafe { open(c_client.as_ptr(), opts, &mut status, c_server.as_ptr()) };
    let status = jack::ClientStatus::from_bits_truncate(status);
    if ptr.is_null() {
        return Err(format!(
            "cannot open client {client_name:?} on JACK server {server_name:?}: {status:?}"
        ));
    }
    // SAFETY: a valid client pointer we own; jack::Client closes it on drop.
    let client = unsafe { jack::Client::from_raw(ptr) };
    Ok((
        TestClient {
            inner: Some(client),
            _server: PhantomData,
        },
        status,
    ))
}

/// An in-process `jack::Client` on a [`JackServer`] (which it cannot outlive); derefs to
/// `jack::Client`. Closed on drop (under the same lock as opening).
pub struct TestClient<'s> {
    inner: Option<jack::Client>,
    _server: PhantomData<&'s JackServer>,
}

impl std::ops::Deref for TestClient<'_> {
    type Target = jack::Client;
    fn deref(&self) -> &jack::Client {
        self.inner.as_ref().expect("client already consumed")
    }
}

impl<'s> TestClient<'s> {
    /// Activates the client (see `jack::Client::activate_async`).
    pub fn activate<N, P>(mut self, notifications: N, process: P) -> ActiveClient<'s, N, P>
    where
        N: 'static + Send + Sync + jack::NotificationHandler,
        P: 'static + Send + jack::ProcessHandler,
    {
        let client = self.inner.take().expect("client already consumed");
        let _guard = lifecycle_lock();
        match client.activate_async(notifications, process) {
            Ok(active) => ActiveClient {
                inner: Some(active),
                _server: PhantomData,
            },
            Err(e) => panic!("cannot activate JACK client: {e:?}"),
        }
    }
}

impl Drop for TestClient<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.inner.take() {
            let _guard = lifecycle_lock();
            drop(c);
        }
    }
}

/// An activated client; deactivated and closed on drop (under the lifecycle lock).
pub struct ActiveClient<'s, N, P> {
    inner: Option<jack::AsyncClient<N, P>>,
    _server: PhantomData<&'s JackServer>,
}

impl<N, P> ActiveClient<'_, N, P> {
    pub fn as_client(&self) -> &jack::Client {
        self.inner
            .as_ref()
            .expect("client already closed")
            .as_client()
    }

    /// Deactivates and closes the client now.
    pub fn close(&mut self) {
        if let Some(c) = self.inner.take() {
            let _guard = lifecycle_lock();
            drop(c);
        }
    }
}

impl<N, P> Drop for ActiveClient<'_, N, P> {
    fn drop(&mut self) {
        self.close();
    }
}

// ---------------------------------------------------------------------------------------------
// JackServer
// ---------------------------------------------------------------------------------------------

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
        let start = Instant::now();
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
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

// ---------------------------------------------------------------------------------------------
// SynthProcess
// ---------------------------------------------------------------------------------------------

/// Path of the synth-jack binary built by cargo for these tests.
pub fn synth_binary() -> &'static str {
    env!("CARGO_BIN_EXE_synth-jack")
}

/// The `synth-jack` binary running as a child process. SIGTERM + wait on drop (SIGKILL after
/// [`TERM_TIMEOUT`]); its output is printed when dropped during a panic.
pub struct SynthProcess {
    child: Option<Child>,
    pid: u32,
    dir: TempDir,
    stdout_path: PathBuf,
    stderr_path: PathBuf,
    status: Option<ExitStatus>,
    /// Client name whose `out_1` [`wait_ready`](Self::wait_ready) waits for.
    pub client_name: String,
}

impl SynthProcess {
    /// Runs `synth-jack <args>` with `JACK_DEFAULT_SERVER=<server name>` and
    /// `JACK_NO_START_SERVER=1` in its environment.
    pub fn spawn(server: &JackServer, args: &[&str]) -> SynthProcess {
        Self::spawn_env(
            &[
                ("JACK_DEFAULT_SERVER", server.name()),
                ("JACK_NO_START_SERVER", "1"),
            ],
            args,
        )
    }

    /// Runs `synth-jack <args>` with extra environment variables (nothing else is changed).
    pub fn spawn_env(env: &[(&str, &str)], args: &[&str]) -> SynthProcess {
        Self::spawn_program(synth_binary(), env, args)
    }

    /// Runs any program with the same supervision (used to test the helper itself).
    pub fn spawn_program(program: &str, env: &[(&str, &str)], args: &[&str]) -> SynthProcess {
        let dir = TempDir::new("synthjack-proc");
        let stdout_path = dir.path().join("stdout.log");
        let stderr_path = dir.path().join("stderr.log");
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env("RUST_BACKTRACE", "1")
            .stdin(Stdio::null())
            .stdout(File::create(&stdout_path).expect("create stdout log"))
            .stderr(File::create(&stderr_path).expect("create stderr log"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        kill_with_parent(&mut cmd);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        SynthProcess {
            pid: child.id(),
            child: Some(child),
            dir,
            stdout_path,
            stderr_path,
            status: None,
            client_name: "synth-jack".to_string(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }
    pub fn stdout(&self) -> String {
        read_lossy(&self.stdout_path)
    }
    pub fn stderr(&self) -> String {
        read_lossy(&self.stderr_path)
    }
    /// stdout and stderr, labelled, for assertion messages.
    pub fn output(&self) -> String {
        format!(
            "--- synth-jack stdout ---\n{}--- synth-jack stderr ---\n{}",
            self.stdout(),
            self.stderr()
        )
    }

    /// The exit status if it has exited.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            if let Some(child) = self.child.as_mut() {
                self.status = child.try_wait().ok().flatten();
            }
        }
        self.status
    }

    /// Waits up to `timeout` for it to exit on its own.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        if self.status.is_none() {
            if let Some(child) = self.child.as_mut() {
                self.status = wait_timeout(child, timeout);
            }
        }
        self.status
    }

    /// SIGTERM, wait (SIGKILL after [`TERM_TIMEOUT`]). Returns the status and whether it had to
    /// be killed.
    pub fn terminate(&mut self) -> (Option<ExitStatus>, bool) {
        if self.status.is_some() {
            return (self.status, false);
        }
        match self.child.as_mut() {
            Some(child) => {
                let (status, killed) = terminate_child(child, TERM_TIMEOUT);
                self.status = status;
                (status, killed)
            }
            None => (None, false),
        }
    }

    /// Waits until all `ports` exist on `server`; panics (with the synth's output) if it exits
    /// first or on timeout. Returns how long it took.
    pub fn wait_for_ports(
        &mut self,
        server: &JackServer,
        ports: &[&str],
        timeout: Duration,
    ) -> Duration {
        let start = Instant::now();
        loop {
            if ports.iter().all(|p| server.port_exists(p)) {
                return start.elapsed();
            }
            if let Some(status) = self.try_wait() {
                panic!(
                    "synth-jack exited ({status}) before ports {ports:?} appeared\n{}",
                    self.output()
                );
            }
            if start.elapsed() > timeout {
                panic!(
                    "ports {ports:?} did not appear within {timeout:?}; present: {:?}\n{}",
                    server.ports(""),
                    self.output()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits (up to [`SYNTH_READY_TIMEOUT`]) for `<client_name>:out_1`.
    pub fn wait_ready(&mut self, server: &JackServer) -> Duration {
        let port = format!("{}:out_1", self.client_name);
        self.wait_for_ports(server, &[&port], SYNTH_READY_TIMEOUT)
    }
}

impl Drop for SynthProcess {
    fn drop(&mut self) {
        let (status, killed) = self.terminate();
        if killed {
            eprintln!(
                "[test] synth-jack (pid {}) ignored SIGTERM for {:?}; killed",
                self.pid, TERM_TIMEOUT
            );
        }
        if std::thread::panicking() {
            eprintln!(
                "[test] synth-jack (pid {}) stopped: {status:?}\n{}",
                self.pid,
                self.output()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Capture
// ---------------------------------------------------------------------------------------------

/// Bytes of the per-cycle header in the capture ring: `n_frames: u32`, `last_frame_time: u32`.
const CYCLE_HEADER: usize = 8;

struct CaptureHandler {
    ports: Vec<jack::Port<jack::AudioIn>>,
    writer: jack::RingBufferWriter,
    dropped_cycles: Arc<AtomicU64>,
    cycles: Arc<AtomicU64>,
}

impl jack::ProcessHandler for CaptureHandler {
    // Real-time: no allocation, no locks. One ring record per cycle:
    // header, then n frames of port 0, n frames of port 1, ...
    fn process(&mut self, _: &jack::Client, ps: &jack::ProcessScope) -> jack::Control {
        let n = ps.n_frames() as usize;
        let need = CYCLE_HEADER + n * 4 * self.ports.len();
        if self.writer.space() < need {
            self.dropped_cycles.fetch_add(1, Ordering::Relaxed);
            return jack::Control::Continue;
        }
        let mut header = [0u8; CYCLE_HEADER];
        header[..4].copy_from_slice(&(n as u32).to_ne_bytes());
        header[4..].copy_from_slice(&ps.last_frame_time().to_ne_bytes());
        self.writer.write_buffer(&header);
        for port in &self.ports {
            let samples = port.as_slice(ps);
            // SAFETY: f32 has no padding; viewing its bytes is always valid.
            let bytes = unsafe {
                std::slice::from_raw_parts(samples.as_ptr().cast::<u8>(), samples.len() * 4)
            };
            self.writer.write_buffer(bytes);
        }
        self.cycles.fetch_add(1, Ordering::Release);
        jack::Control::Continue
    }
}

/// Records audio from JACK ports into memory, one channel per source port.
///
/// The process callback only copies into a preallocated lock-free ring (sized for
/// `max_seconds`); the test thread drains it in [`take`](Self::take) & co. All channels stay
/// sample-aligned (they are written per cycle together).
pub struct Capture<'s> {
    client: ActiveClient<'s, (), CaptureHandler>,
    reader: jack::RingBufferReader,
    channels: usize,
    rate: u32,
    sources: Vec<String>,
    inputs: Vec<String>,
    dropped_cycles: Arc<AtomicU64>,
    cycles: Arc<AtomicU64>,
    pending: Vec<Vec<f32>>,
    /// Frame time of `pending[_][0]`.
    pending_start: Option<u32>,
    /// Frame time expected for the next cycle record (continuity check).
    next_frame: Option<u32>,
    discontinuities: usize,
    first_frame_time: Option<u32>,
    scratch: Vec<u8>,
}

impl<'s> Capture<'s> {
    /// Default ring capacity in seconds (audio older than this that was not read is dropped).
    pub const DEFAULT_MAX_SECONDS: f64 = 20.0;

    /// Opens client `capture` with inputs `in_1..in_N`, activates it and connects
    /// `sources[k] -> in_{k+1}`.
    pub fn start(server: &'s JackServer, sources: &[&str]) -> Capture<'s> {
        Self::start_with_capacity(server, sources, Self::DEFAULT_MAX_SECONDS)
    }

    /// Opens client `capture` with inputs `in_1..in_N` and activates it without connecting
    /// anything: for tests where someone else (synth-jack restoring its connections) does.
    pub fn unconnected(server: &'s JackServer, channels: usize) -> Capture<'s> {
        let none = vec![""; channels];
        Self::open(server, &none, Self::DEFAULT_MAX_SECONDS, false)
    }

    pub fn start_with_capacity(
        server: &'s JackServer,
        sources: &[&str],
        max_seconds: f64,
    ) -> Capture<'s> {
        Self::open(server, sources, max_seconds, true)
    }

    fn open(
        server: &'s JackServer,
        sources: &[&str],
        max_seconds: f64,
        connect: bool,
    ) -> Capture<'s> {
        assert!(
            !sources.is_empty(),
            "Capture needs at least one source port"
        );
        let client = server.client("capture");
        let rate = client.sample_rate();
        let mut ports = Vec::new();
        let mut inputs = Vec::new();
        for k in 0..sources.len() {
            let port = client
                .register_port(&format!("in_{}", k + 1), jack::AudioIn::default())
                .unwrap_or_else(|e| panic!("cannot register capture port: {e:?}"));
            inputs.push(port.name().expect("port name"));
            ports.push(port);
        }
        let bytes_per_sec = rate as f64 * 4.0 * sources.len() as f64;
        let size = (bytes_per_sec * max_seconds) as usize + 64 * 1024;
        let ring = jack::RingBuffer::new(size).expect("allocate capture ring buffer");
        let (reader, writer) = ring.into_reader_writer();
        let dropped_cycles = Arc::new(AtomicU64::new(0));
        let cycles = Arc::new(AtomicU64::new(0));
        let handler = CaptureHandler {
            ports,
            writer,
            dropped_cycles: dropped_cycles.clone(),
            cycles: cycles.clone(),
        };
        let active = client.activate((), handler);
        for (src, dst) in sources.iter().zip(&inputs).filter(|_| connect) {
            active
                .as_client()
                .connect_ports_by_name(src, dst)
                .unwrap_or_else(|e| panic!("cannot connect {src} -> {dst}: {e:?}"));
        }
        Capture {
            client: active,
            reader,
            channels: sources.len(),
            rate,
            sources: sources.iter().map(|s| s.to_string()).collect(),
            inputs,
            dropped_cycles,
            cycles,
            pending: vec![Vec::new(); sources.len()],
            pending_start: None,
            next_frame: None,
            discontinuities: 0,
            first_frame_time: None,
            scratch: Vec::new(),
        }
    }

    pub fn rate(&self) -> u32 {
        self.rate
    }
    pub fn channels(&self) -> usize {
        self.channels
    }
    /// The capture's own input port names (`capture:in_1`, ...).
    pub fn input_ports(&self) -> &[String] {
        &self.inputs
    }
    pub fn sources(&self) -> &[String] {
        &self.sources
    }
    /// Process cycles recorded so far.
    pub fn cycles(&self) -> u64 {
        self.cycles.load(Ordering::Acquire)
    }
    /// Cycles lost because the ring was full (since the last [`clear`](Self::clear)).
    pub fn dropped_cycles(&self) -> u64 {
        self.dropped_cycles.load(Ordering::Relaxed)
    }
    /// Times the frame time of a cycle was not the previous one plus its length (skipped cycles).
    pub fn discontinuities(&self) -> usize {
        self.discontinuities
    }
    /// JACK frame time of the very first captured frame.
    pub fn first_frame_time(&self) -> Option<u32> {
        self.first_frame_time
    }
    /// JACK frame time of the next frame [`take`](Self::take) will return (if already captured).
    pub fn pending_start_frame(&mut self) -> Option<u32> {
        self.drain();
        self.pending_start
    }
    /// Frames captured and not yet taken.
    pub fn pending_frames(&mut self) -> usize {
        self.drain();
        self.pending[0].len()
    }

    /// Moves complete cycle records from the ring into `pending`.
    fn drain(&mut self) {
        loop {
            let avail = self.reader.space();
            if avail < CYCLE_HEADER {
                return;
            }
            let mut header = [0u8; CYCLE_HEADER];
            self.reader.peek(&mut header);
            let n = u32::from_ne_bytes(header[..4].try_into().unwrap()) as usize;
            let frame = u32::from_ne_bytes(header[4..].try_into().unwrap());
            let need = CYCLE_HEADER + n * 4 * self.channels;
            if avail < need {
                return; // the writer is in the middle of this record
            }
            self.reader.advance(CYCLE_HEADER);
            if let Some(expected) = self.next_frame {
                if expected != frame {
                    self.discontinuities += 1;
                }
            }
            self.next_frame = Some(frame.wrapping_add(n as u32));
            if self.first_frame_time.is_none() {
                self.first_frame_time = Some(frame);
            }
            if self.pending[0].is_empty() {
                self.pending_start = Some(frame);
            }
            self.scratch.resize(n * 4, 0);
            for ch in 0..self.channels {
                let got = self.reader.read_buffer(&mut self.scratch);
                assert_eq!(got, n * 4, "short read from capture ring");
                self.pending[ch].extend(
                    self.scratch
                        .chunks_exact(4)
                        .map(|b| f32::from_ne_bytes(b.try_into().unwrap())),
                );
            }
        }
    }

    fn check_no_overflow(&self) {
        let dropped = self.dropped_cycles();
        assert_eq!(
            dropped, 0,
            "capture ring overflowed: {dropped} cycles dropped (read more often, or use \
             start_with_capacity)"
        );
    }

    /// Discards everything captured so far (and resets the overflow counter).
    pub fn clear(&mut self) {
        self.drain();
        for ch in &mut self.pending {
            ch.clear();
        }
        self.pending_start = None;
        self.dropped_cycles.store(0, Ordering::Relaxed);
    }

    /// Removes and returns the first `frames` pending frames per channel, waiting for them up to
    /// `timeout` (panics on timeout or ring overflow).
    pub fn take_frames(&mut self, frames: usize, timeout: Duration) -> Vec<Vec<f32>> {
        let start = Instant::now();
        loop {
            self.drain();
            if self.pending[0].len() >= frames {
                break;
            }
            if start.elapsed() > timeout {
                panic!(
                    "capture: only {} of {frames} frames within {timeout:?} ({} cycles so far)",
                    self.pending[0].len(),
                    self.cycles()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.check_no_overflow();
        let out: Vec<Vec<f32>> = self
            .pending
            .iter_mut()
            .map(|ch| {
                let rest = ch.split_off(frames);
                std::mem::replace(ch, rest)
            })
            .collect();
        self.pending_start = if self.pending[0].is_empty() {
            None
        } else {
            self.pending_start.map(|f| f.wrapping_add(frames as u32))
        };
        out
    }

    /// Removes and returns the next `seconds` of audio per channel (waiting for it).
    pub fn take(&mut self, seconds: f64) -> Vec<Vec<f32>> {
        let frames = (seconds * self.rate as f64).round() as usize;
        self.take_frames(frames, Duration::from_secs_f64(seconds * 3.0 + 5.0))
    }

    /// Discards what was captured so far, then records for `duration`.
    pub fn record_for(&mut self, duration: Duration) -> Vec<Vec<f32>> {
        self.clear();
        self.take(duration.as_secs_f64())
    }

    /// Removes and returns everything captured so far.
    pub fn samples(&mut self) -> Vec<Vec<f32>> {
        self.drain();
        self.check_no_overflow();
        self.pending_start = None;
        self.pending.iter_mut().map(std::mem::take).collect()
    }

    /// Discards frames until one channel has a sample with `|x| >= threshold`; that frame then
    /// is the first one [`take`](Self::take) returns. Returns its JACK frame time, or `None` on
    /// timeout.
    pub fn wait_for_signal(&mut self, threshold: f32, timeout: Duration) -> Option<u32> {
        let start = Instant::now();
        loop {
            self.drain();
            let onset = self
                .pending
                .iter()
                .filter_map(|ch| first_nonsilent(ch, threshold))
                .min();
            match onset {
                Some(i) => {
                    for ch in &mut self.pending {
                        ch.drain(..i);
                    }
                    self.pending_start = self.pending_start.map(|f| f.wrapping_add(i as u32));
                    return self.pending_start;
                }
                None => {
                    for ch in &mut self.pending {
                        ch.clear();
                    }
                    self.pending_start = None;
                }
            }
            if start.elapsed() > timeout {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Deactivates and closes the capture client now (also done on drop).
    pub fn stop(&mut self) {
        self.client.close();
    }
}

// ---------------------------------------------------------------------------------------------
// ToneGenerator
// ---------------------------------------------------------------------------------------------

struct ToneHandler {
    port: jack::Port<jack::AudioOut>,
    phase: f64,
    increment: f64,
    amplitude: f64,
}

impl jack::ProcessHandler for ToneHandler {
    fn process(&mut self, _: &jack::Client, ps: &jack::ProcessScope) -> jack::Control {
        for x in self.port.as_mut_slice(ps) {
            *x = (self.amplitude * (self.phase * std::f64::consts::TAU).sin()) as f32;
            self.phase += self.increment;
            self.phase -= self.phase.floor();
        }
        jack::Control::Continue
    }
}

/// An in-process client `tone` with one output `out` playing `amplitude * sin(2π f t)`.
pub struct ToneGenerator<'s> {
    client: ActiveClient<'s, (), ToneHandler>,
    port: String,
}

impl<'s> ToneGenerator<'s> {
    pub fn start(server: &'s JackServer, frequency: f64, amplitude: f64) -> ToneGenerator<'s> {
        let client = server.client("tone");
        let rate = client.sample_rate() as f64;
        let port = client
            .register_port("out", jack::AudioOut::default())
            .expect("register tone port");
        let name = port.name().expect("port name");
        let handler = ToneHandler {
            port,
            phase: 0.0,
            increment: frequency / rate,
            amplitude,
        };
        ToneGenerator {
            client: client.activate((), handler),
            port: name,
        }
    }

    /// Full name of the output port.
    pub fn port(&self) -> &str {
        &self.port
    }

    pub fn stop(&mut self) {
        self.client.close();
    }
}

// ---------------------------------------------------------------------------------------------
// Analysis (pure functions)
// ---------------------------------------------------------------------------------------------

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

/// In-place iterative radix-2 FFT; `re.len()` must be a power of two.
fn fft(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    assert!(n.is_power_of_two() && im.len() == n);
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = -std::f64::consts::TAU / len as f64;
        let (w_im, w_re) = ang.sin_cos();
        for start in (0..n).step_by(len) {
            let (mut c_re, mut c_im) = (1.0f64, 0.0f64);
            for k in 0..len / 2 {
                let (a, b) = (start + k, start + k + len / 2);
                let t_re = re[b] * c_re - im[b] * c_im;
                let t_im = re[b] * c_im + im[b] * c_re;
                re[b] = re[a] - t_re;
                im[b] = im[a] - t_im;
                re[a] += t_re;
                im[a] += t_im;
                let next = c_re * w_re - c_im * w_im;
                c_im = c_re * w_im + c_im * w_re;
                c_re = next;
            }
        }
        len <<= 1;
    }
}

/// `|DTFT|²` of the (already windowed) signal at `freq` Hz.
fn dtft_power(x: &[f64], freq: f64, rate: f64) -> f64 {
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
    let mean = samples.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
    let x: Vec<f64> = samples
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let w = 0.5 - 0.5 * (std::f64::consts::TAU * (i as f64 + 0.5) / n as f64).cos();
            (v as f64 - mean) * w
        })
        .collect();
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
