//! [`SynthProcess`]: the `synth-jack` binary run against a [`JackServer`](super::JackServer).

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::*;

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
