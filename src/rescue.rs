//! The last resort after a libjack deadlock: the process replaces itself
//! (`execv`) with a fresh copy of synth-jack that loads the last committed
//! patch, waits for a server, listens on the same OSC port and makes the same
//! port connections, so it comes back by itself instead of needing a
//! supervisor.
//!
//! Everything is prepared before the risky JACK call: when the watchdog
//! fires, a libjack thread may hold the heap's lock, so firing only makes
//! system calls.

use std::ffi::{c_char, CString, OsString};
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

/// Set in the environment of the replacement process: its start waits for a
/// JACK server instead of exiting when none runs yet.
pub const RESCUED_ENV: &str = "SYNTH_JACK_RESCUED";

/// The replaced process's port connections, one `ours<TAB>theirs` per line.
const CONNECTIONS_ENV: &str = "SYNTH_JACK_RESCUE_CONNECTIONS";

/// The replaced process's unfinished recording: `part<TAB>final<TAB>channels`.
const RECORDING_ENV: &str = "SYNTH_JACK_RESCUE_RECORDING";

/// A prepared replacement: the command line, with the patch file it loads,
/// and the environment.
pub struct Rescue {
    argv: Vec<CString>,
    envp: Vec<CString>,
    /// Highest file descriptor to mark close-on-exec (libjack's sockets are not).
    max_fd: i32,
}

impl Rescue {
    /// Writes `patch_text` to a file in the temporary directory and builds
    /// this process's command line with `--patch` pointing at it and
    /// `--osc-port osc_port` (the port actually bound, so clients keep
    /// reaching it). `None` (and a log line) when the file cannot be written.
    /// `connections`: (ours, theirs) to make again; `recording`: the
    /// recording in progress (see `Recorder::in_progress`), which the
    /// replacement finishes (valid header, final name).
    pub fn prepare(
        name: &str,
        patch_text: &str,
        osc_port: u16,
        connections: &[(String, String)],
        recording: Option<(PathBuf, PathBuf, usize)>,
    ) -> Option<Rescue> {
        let file = std::env::temp_dir().join(format!("synth-jack-{name}-rescue.patch"));
        if let Err(e) = std::fs::write(&file, patch_text) {
            log::warn!(
                "no rescue patch ({}: {e}); a libjack deadlock would end the process",
                file.display()
            );
            return None;
        }
        let argv = rewrite_args(std::env::args_os().collect(), &file, osc_port);
        let argv = argv
            .into_iter()
            .map(|a| CString::new(a.into_vec()).ok())
            .collect::<Option<Vec<_>>>()?;
        let lines: String = connections
            .iter()
            .map(|(s, d)| format!("{s}\t{d}\n"))
            .collect();
        let envp = std::env::vars_os()
            .filter(|(k, _)| k != RESCUED_ENV && k != CONNECTIONS_ENV && k != RECORDING_ENV)
            .map(|(k, v)| {
                let mut kv = k.into_vec();
                kv.push(b'=');
                kv.extend(v.into_vec());
                kv
            })
            .chain([
                format!("{RESCUED_ENV}=1").into_bytes(),
                format!("{CONNECTIONS_ENV}={lines}").into_bytes(),
            ])
            .chain(recording.map(|(part, fin, ch)| {
                format!(
                    "{RECORDING_ENV}={}\t{}\t{ch}",
                    part.display(),
                    fin.display()
                )
                .into_bytes()
            }))
            .map(|kv| CString::new(kv).ok())
            .collect::<Option<Vec<_>>>()?;
        // SAFETY: getrlimit fills a valid struct.
        let max_fd = unsafe {
            let mut lim = std::mem::zeroed::<libc::rlimit>();
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
                lim.rlim_cur.min(65_536) as i32
            } else {
                4096
            }
        };
        Some(Rescue { argv, envp, max_fd })
    }

    /// The `execve` argument and environment vectors (null-terminated).
    /// Built before they are needed: building allocates.
    pub fn pointers(&self) -> [Vec<*const c_char>; 2] {
        [&self.argv, &self.envp].map(|v| {
            let mut p: Vec<*const c_char> = v.iter().map(|a| a.as_ptr()).collect();
            p.push(std::ptr::null());
            p
        })
    }

    /// Replaces the process; returns only if `execv` failed. Makes system
    /// calls only.
    ///
    /// # Safety
    /// `ptrs` must come from [`Rescue::pointers`] on this `Rescue`.
    pub unsafe fn exec(&self, ptrs: &[Vec<*const c_char>; 2]) {
        for fd in 3..self.max_fd {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
        libc::execve(
            c"/proc/self/exe".as_ptr(),
            ptrs[0].as_ptr(),
            ptrs[1].as_ptr(),
        );
    }
}

/// True in a process started by [`Rescue::exec`].
pub fn rescued() -> bool {
    std::env::var_os(RESCUED_ENV).is_some()
}

/// The connections the replaced process had (none in a normal start).
pub fn inherited_connections() -> Vec<(String, String)> {
    let text = std::env::var(CONNECTIONS_ENV).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(s, d)| (s.to_string(), d.to_string()))
        .collect()
}

/// Finishes the recording the replaced process left unfinished: repairs
/// its header (sizes from the file's length, whole frames) and gives it its
/// final name. Logs what it did; a normal start has none.
pub fn finish_inherited_recording() {
    let Ok(v) = std::env::var(RECORDING_ENV) else {
        return;
    };
    let mut it = v.split('\t');
    let (Some(part), Some(fin), Some(Ok(ch))) =
        (it.next(), it.next(), it.next().map(str::parse::<usize>))
    else {
        log::warn!("{RECORDING_ENV} is malformed: {v:?}");
        return;
    };
    let done = crate::record::repair_header(std::path::Path::new(part), ch.max(1))
        .and_then(|()| std::fs::rename(part, fin));
    match done {
        Ok(()) => log::warn!(
            "the recording {fin} ended when the process replaced itself; its file is finished"
        ),
        Err(e) => {
            log::error!("cannot finish the recording {part} left by the replaced process: {e}")
        }
    }
}

/// `args` without its `--patch`/`--osc-port` options (both spellings), then
/// `--patch file --osc-port port` after the program name.
fn rewrite_args(args: Vec<OsString>, file: &std::path::Path, osc_port: u16) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len() + 4);
    let mut it = args.into_iter();
    out.extend(it.next());
    out.push("--patch".into());
    out.push(PathBuf::from(file).into_os_string());
    out.push("--osc-port".into());
    out.push(osc_port.to_string().into());
    while let Some(a) = it.next() {
        let s = a.to_string_lossy();
        if s == "--patch" || s == "--osc-port" {
            it.next();
        } else if !(s.starts_with("--patch=") || s.starts_with("--osc-port=")) {
            out.push(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn replaces_patch_and_port_in_both_spellings_and_keeps_the_rest() {
        let got = rewrite_args(
            strings(&[
                "synth-jack",
                "--patch",
                "a.patch",
                "--name",
                "x",
                "--osc-port=0",
                "--lead",
                "3",
            ]),
            std::path::Path::new("/tmp/r.patch"),
            5123,
        );
        assert_eq!(
            got,
            strings(&[
                "synth-jack",
                "--patch",
                "/tmp/r.patch",
                "--osc-port",
                "5123",
                "--name",
                "x",
                "--lead",
                "3"
            ])
        );
    }
}
