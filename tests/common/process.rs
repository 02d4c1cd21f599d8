//! Processes and scratch space: unique names, signals, waiting with a timeout, finding
//! processes and shared-memory entries by name, temporary directories.

use std::ffi::c_int;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::*;

pub(super) static COUNTER: AtomicUsize = AtomicUsize::new(0);

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
pub(super) fn send_signal(pid: u32, sig: c_int) -> bool {
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
pub(super) fn kill_with_parent(cmd: &mut Command) {
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
pub(super) fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
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
pub(super) fn terminate_child(child: &mut Child, timeout: Duration) -> (Option<ExitStatus>, bool) {
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

pub(super) fn read_lossy(path: &Path) -> String {
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
