//! netjack2 on one machine over loopback (docs/scaling.md): a master dummy server with the
//! `netmanager` internal client, a slave server `jackd -d net -a 127.0.0.1`, synth-jack on the
//! slave wired to the slave's playback ports, and a capture on the master that hears it through
//! the slave's `from_slave_N` ports. Skips, saying why, where netjack2 cannot run (no net
//! backend, no netmanager); never silently.

mod common;

use common::*;
use std::process::Command;
use std::time::Duration;

/// Why netjack2 cannot run here, if it cannot.
fn unavailable() -> Option<String> {
    match Command::new("jackd").args(["-d", "net", "--help"]).output() {
        Ok(o) => {
            let text = String::from_utf8_lossy(&o.stdout) + String::from_utf8_lossy(&o.stderr);
            (!text.contains("multicast-ip")).then(|| format!("jackd has no net backend:\n{text}"))
        }
        Err(e) => Some(format!("cannot run jackd: {e}")),
    }
}

#[test]
fn synth_jack_on_a_netjack_slave_is_heard_on_the_master() {
    if let Some(why) = unavailable() {
        eprintln!("[test] SKIPPED: netjack2 cannot run here: {why}");
        return;
    }
    let master = JackServer::start();
    // A UDP port of our own, so parallel test runs do not meet.
    let net_port = (20_000 + std::process::id() % 20_000).to_string();
    let load = Command::new("jack_load")
        .args([
            "-s",
            master.name(),
            "-i",
            &format!("-p {net_port}"),
            "netmanager",
        ])
        .output()
        .expect("run jack_load (jackd2's example clients)");
    let said = String::from_utf8_lossy(&load.stdout) + String::from_utf8_lossy(&load.stderr);
    if !said.contains("is running") {
        eprintln!("[test] SKIPPED: netjack2 cannot run here: jack_load netmanager: {said}");
        return;
    }

    let slave_name = format!("{}-slave", master.name());
    let client = format!("slave{}", std::process::id());
    let mut slave = SynthProcess::spawn_program(
        "jackd",
        &[],
        &[
            "--no-realtime",
            "-n",
            &slave_name,
            "-d",
            "net",
            "-a",
            "127.0.0.1",
            "-p",
            &net_port,
            "-l",
            "2",
            "-n",
            &client,
        ],
    );
    let from = [
        format!("{client}:from_slave_1"),
        format!("{client}:from_slave_2"),
    ];
    let from: Vec<&str> = from.iter().map(String::as_str).collect();
    if let Err(e) = master.wait_for_ports(&from, Duration::from_secs(20)) {
        // jackd allows a fixed number of servers per machine; parallel test runs can use them up.
        if slave.output().contains("Too many servers already active") {
            eprintln!("[test] SKIPPED: netjack2 cannot run here now: no room for a slave server (jackd: Too many servers already active)");
            return;
        }
        panic!(
            "the slave never joined the master: {e}\nslave:\n{}\nmaster:\n{}",
            slave.output(),
            master.log()
        );
    }

    let patch = master.write_file("sine.patch", "create osc1 sine freq=440 gain=0.5\n");
    let mut synth = SynthProcess::spawn_env(
        &[
            ("JACK_DEFAULT_SERVER", &slave_name),
            ("JACK_NO_START_SERVER", "1"),
        ],
        &[
            "--osc-port",
            "0",
            "--oscquery-port",
            "0",
            "--connect",
            "--patch",
            patch.to_str().unwrap(),
        ],
    );
    let mut capture = Capture::start(&master, &from);
    if capture
        .wait_for_signal(0.1, Duration::from_secs(20))
        .is_none()
    {
        panic!(
            "nothing from the slave reached the master\nsynth:\n{}\nslave:\n{}",
            synth.output(),
            slave.output()
        );
    }
    // Network cycles lost on a loaded machine leave silent gaps: the best of three seconds
    // counts (a sine of amplitude 0.5 has rms 0.354).
    let mut best = (0.0, Vec::new());
    for _ in 0..3 {
        let rec = capture.take(1.0);
        let r = rec.iter().map(|x| rms(x)).fold(f64::INFINITY, f64::min);
        if r > best.0 {
            best = (r, rec);
        }
    }
    for (c, x) in best.1.iter().enumerate() {
        let f = dominant_frequency(x, DEFAULT_RATE);
        let r = rms(x);
        eprintln!("master hears channel {c}: {f:.2} Hz, rms {r:.4}");
        assert!((f - 440.0).abs() < 1.0, "channel {c}: {f} Hz");
        assert!(r > 0.15, "channel {c}: rms {r}");
    }
    assert!(
        synth.try_wait().is_none(),
        "synth-jack exited\n{}",
        synth.output()
    );
    synth.terminate();
    slave.terminate();
}
