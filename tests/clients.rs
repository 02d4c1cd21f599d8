//! The client examples in examples/clients, run for real against a running synth-jack (`make
//! test-deps` installs Pure Data, liblo's oscsend and python-osc): the Pure Data patch driven
//! headless (its boxes clicked by name, its number box sent a float), the python-osc client, and
//! the oscsend shell script. Each must leave the patch it builds playing. (A TCP client through
//! `oscsend osc.tcp://` is in osc_tcp.rs.)

mod common;
mod osc_support;

use common::*;
use osc_support::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const CLIENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/clients");

/// `pd -nogui` with examples/clients/client.pd open and `sends` sent at start.
fn pd(sends: &[String]) -> SynthProcess {
    let patch = format!("{CLIENTS}/client.pd");
    let mut args = vec![
        "-nogui", "-nosound", "-nomidi", "-noprefs", "-stderr", "-open", &patch,
    ];
    for s in sends {
        args.push("-send");
        args.push(s);
    }
    SynthProcess::spawn_program("pd", &[], &args)
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !ok() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn pure_data_client_builds_commits_and_plays() {
    let server = JackServer::start();
    let synth = Synth::start(&server, &[]);
    let mut capture = Capture::start(&server, &OUTS);
    let port = format!("client port {}", synth.port);
    let build: Vec<String> = [
        &port,
        "client clear",
        "client osc",
        "client env",
        "client out",
        "client wire1",
        "client wire2",
        "client commit",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut first = pd(&build);
    wait_status(&synth.osc, Duration::from_secs(15), |st| {
        st.patch_version == 1
    });
    assert_eq!(
        created(&dump(&synth.osc, false)),
        ["create env adsr", "create osc saw", "create out output"]
    );
    // Replies come back into Pd (netsend -b, oscparse) and print.
    wait_until("Pd never printed the commit's reply", || {
        first
            .stderr()
            .contains("synth-jack: done /patch/commit 1 1")
    });
    first.terminate();

    // A second session: open the gate and send the number box a float.
    let play = [
        port.clone(),
        "client gate-on".into(),
        "client-freq 330".into(),
    ];
    let mut second = pd(&play);
    wait_until("the number box's float never reached the synth", || {
        dump(&synth.osc, false).contains("freq=330")
    });
    let rec = listen_steady(&mut capture, &synth.osc, 0.3, 0.5);
    for (c, x) in rec.iter().enumerate() {
        let f = dominant_frequency(x, DEFAULT_RATE);
        let r = rms(x);
        eprintln!("channel {c}: {f:.2} Hz, rms {r:.4}");
        assert!(
            (f - 330.0).abs() < 1.0 && r > 0.05,
            "channel {c}: {f} Hz, rms {r}"
        );
    }
    second.terminate();
}

#[test]
fn python_osc_client_runs_to_the_end() {
    let server = JackServer::start();
    let synth = Synth::start(&server, &[]);
    let pydeps = concat!(env!("CARGO_MANIFEST_DIR"), "/target/pydeps");
    let out = Command::new("python3")
        .arg(format!("{CLIENTS}/client.py"))
        .args(["--port", &synth.port.to_string()])
        .env("PYTHONPATH", pydeps)
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named 'pythonosc'"),
        "python-osc is missing (`make test-deps` installs it into target/pydeps)"
    );
    assert!(
        out.status.success(),
        "client.py failed:\n{stdout}\n{stderr}"
    );
    for line in [
        "/done /patch/create filt",
        "/done /patch/commit",
        "/fail /mod/nosuch/freq",
        "/status.reply",
        "/patch.dump create osc saw",
    ] {
        assert!(stdout.contains(line), "no {line:?} in:\n{stdout}");
    }
    let d = dump(&synth.osc, false);
    assert!(
        d.contains("create filt ladder cutoff=1500 resonance=0.6"),
        "{d}"
    );
    assert!(d.contains("connect env.out out.in1"), "{d}");
}

#[test]
fn oscsend_script_runs_to_the_end() {
    let server = JackServer::start();
    let synth = Synth::start(&server, &[]);
    // The script calls `synth-jack send` by name.
    let bin_dir = Path::new(synth_binary()).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg(format!("{CLIENTS}/oscsend.sh"))
        .arg(synth.port.to_string())
        .env("PATH", path)
        .output()
        .expect("run sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "oscsend.sh failed:\n{stdout}\n{stderr}"
    );
    for line in [
        "/done /patch/commit 1 1",
        "/synced 1",
        "/fail /mod/filt/cutof",
        "(that was expected)",
        "/status.reply",
        "/done /patch/save sweep",
    ] {
        assert!(stdout.contains(line), "no {line:?} in:\n{stdout}");
    }
    let d = dump(&synth.osc, false);
    assert!(d.contains("create filt biquad mode=bandpass"), "{d}");
    assert!(d.contains("cutoff=600"), "{d}");
    assert!(synth.patch_dir.join("sweep.patch").exists());
}
