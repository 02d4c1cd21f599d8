//! OSC over TCP on the OSC port number: liblo's `oscsend osc.tcp://` builds and commits a
//! patch; a SLIP client and a length-prefixed client each get their own replies (and the
//! notifications they asked for) on their own connection; a dump of more than 1 MB arrives
//! whole; 100 idle connections and a client that stops reading neither block the control thread
//! nor disturb the audio, and the non-reading client is closed.

mod common;
mod osc_support;

use common::osc::*;
use common::*;
use osc_support::tcp::TcpClient;
use osc_support::*;
use rosc::OscType;
use std::process::Command;
use std::time::Duration;
use synth_jack::osc::stream::Framing;

/// `oscsend osc.tcp://127.0.0.1:PORT <args>`; panics unless it exits 0.
fn oscsend_tcp(port: u16, args: &[&str]) {
    let out = Command::new("oscsend")
        .arg(format!("osc.tcp://127.0.0.1:{port}"))
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run oscsend (liblo-tools; `make test-deps` installs it): {e}")
        });
    assert!(
        out.status.success(),
        "oscsend {args:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn text(m: &rosc::OscMessage) -> &str {
    match m.args.as_slice() {
        [OscType::String(t)] => t,
        other => panic!("expected one string argument: {other:?} in {m:?}"),
    }
}

#[test]
fn oscsend_over_tcp_builds_and_commits_a_patch() {
    let server = JackServer::start();
    let synth = Synth::start(&server, &[]);
    let mut capture = Capture::start(&server, &OUTS);
    // oscsend frames TCP messages with a length prefix (liblo's default) and closes at once.
    oscsend_tcp(
        synth.port,
        &["/patch/create", "sssf", "osc1", "sine", "freq", "330"],
    );
    // Each oscsend is its own connection with its own reader: nothing orders
    // two connections' packets, so the commit waits until the create is in.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while created(&dump(&synth.osc, true)) != ["create osc1 sine"] {
        assert!(
            std::time::Instant::now() < deadline,
            "the create sent over TCP never reached the pending patch"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    oscsend_tcp(synth.port, &["/patch/commit"]);
    wait_status(&synth.osc, Duration::from_secs(5), |st| {
        st.patch_version == 1
    });
    assert_eq!(created(&dump(&synth.osc, false)), ["create osc1 sine"]);
    assert_tone(
        &listen_steady(&mut capture, &synth.osc, 0.05, 0.4),
        330.0,
        SINE_RMS,
        "after oscsend over TCP",
    );
}

#[test]
fn slip_and_length_prefixed_clients_get_their_own_replies() {
    let server = JackServer::start();
    let synth = Synth::start(&server, &[]);
    let mut slip = TcpClient::connect(synth.port, Framing::Slip);
    let mut len = TcpClient::connect(synth.port, Framing::Length);
    for (c, id) in [(&mut slip, "a"), (&mut len, "b")] {
        let r = c.request("/patch/create", vec![s(id), s("sine")]);
        assert_eq!(
            (r.addr.as_str(), &r.args[..]),
            ("/done", &[s("/patch/create"), s(id)][..])
        );
        let r = c.request("/notify", vec![i(1)]);
        assert_eq!(r.addr, "/done", "{r:?}");
    }
    // Errors come back to the sender only.
    let r = slip.request("/mod/nosuch/freq", vec![f(1.0)]);
    assert_eq!(r.addr, "/fail", "{r:?}");
    let r = len.request("/patch/commit", vec![]);
    assert_eq!(
        (r.addr.as_str(), &r.args[0]),
        ("/done", &s("/patch/commit"))
    );
    // Both asked for notifications; the committing client got its /done first.
    for c in [&mut slip, &mut len] {
        expect_switched(c);
    }
    // Nothing else was meant for either.
    let r = len.request("/status", vec![]);
    assert_eq!(r.addr, "/status.reply", "{r:?}");
    // (Engine notifications such as /xrun may come on a loaded machine.)
    while let Some(m) = slip.recv(Duration::from_millis(300)) {
        assert!(
            matches!(m.addr.as_str(), "/xrun" | "/late" | "/failover"),
            "{m:?}"
        );
    }
    // UDP clients are not told about TCP clients' business.
    assert!(synth.osc.recv(Duration::from_millis(100)).is_none());
}

/// Waits for `/patch.switched`, passing over engine notifications (an `/xrun` on a loaded
/// machine).
fn expect_switched(c: &mut TcpClient) {
    loop {
        let n = c
            .recv(Duration::from_secs(5))
            .expect("a /patch.switched notification");
        if n.addr == "/patch.switched" {
            return;
        }
        assert!(
            matches!(n.addr.as_str(), "/xrun" | "/late" | "/failover"),
            "{n:?}"
        );
    }
}

/// A chain of `n` vca modules with 64-character ids, each feeding the next one's input and
/// cv, in the dump's own format (so the dump must reproduce it byte for byte).
fn big_patch(n: usize) -> String {
    let id = |k: usize| format!("v{k:0>63}");
    let mut t = String::new();
    for k in 0..n {
        t.push_str(&format!("create {} vca\n", id(k)));
    }
    for k in 1..n {
        for port in ["in", "cv"] {
            t.push_str(&format!("connect {}.out {}.{port}\n", id(k - 1), id(k)));
        }
    }
    t
}

#[test]
fn a_dump_of_more_than_a_megabyte_arrives_whole() {
    let server = JackServer::start();
    let synth = Synth::start(&server, &[]);
    let patch = big_patch(4000);
    assert!(patch.len() > 1 << 20, "{} bytes", patch.len());
    std::fs::create_dir_all(&synth.patch_dir).unwrap();
    std::fs::write(synth.patch_dir.join("big.patch"), &patch).unwrap();
    let mut c = TcpClient::connect(synth.port, Framing::Length);
    let r = c.request("/patch/load", vec![s("big")]);
    assert_eq!(r.addr, "/done", "{r:?}");
    for framing in [Framing::Length, Framing::Slip] {
        let mut c = TcpClient::connect(synth.port, framing);
        let r = c.request("/patch/dump", vec![s("pending")]);
        assert_eq!(r.addr, "/patch.dump", "{framing:?}: {r:?}");
        assert!(
            text(&r) == patch,
            "{framing:?}: the dump differs from the patch"
        );
    }
    // Over UDP the same dump is refused with a pointer to TCP.
    let why = synth.osc.fails("/patch/dump", vec![s("pending")]);
    assert_mentions(&why, &["TCP"]);
}

#[test]
fn idle_connections_and_a_client_that_stops_reading_do_not_disturb_the_audio() {
    let server = JackServer::start();
    let (mut synth, mut capture) = playing_sine(&server);
    let _idle: Vec<TcpClient> = (0..100)
        .map(|_| TcpClient::connect(synth.port, Framing::Length))
        .collect();
    // A pending patch whose dump is over 1 MB, asked for 64 times by a client that never reads.
    std::fs::create_dir_all(&synth.patch_dir).unwrap();
    std::fs::write(synth.patch_dir.join("big.patch"), big_patch(4000)).unwrap();
    synth.osc.ok("/patch/load", vec![s("big")]);
    let mut stalled = TcpClient::connect(synth.port, Framing::Slip);
    stalled.send("/notify", vec![i(1)]);
    for _ in 0..64 {
        stalled.send("/patch/dump", vec![s("pending")]);
    }
    // The control thread still answers everyone else at once...
    let mut other = TcpClient::connect(synth.port, Framing::Length);
    assert_eq!(other.request("/status", vec![]).addr, "/status.reply");
    let st = synth.osc.status();
    assert_eq!(st.patch_version, 1, "{st:?}");
    // ...the sine plays on, unchanged...
    assert_tone(
        &listen_steady(&mut capture, &synth.osc, 0.0, 0.5),
        440.0,
        SINE_RMS,
        "with 100 idle connections and a stalled reader",
    );
    // ...and the stalled client was dropped once its queue was full.
    assert!(
        stalled.closed_within(Duration::from_secs(20)),
        "the server never closed the client that does not read"
    );
    synth.assert_alive();
    assert!(
        synth.process.stderr().contains("does not read them"),
        "{}",
        synth.process.stderr()
    );
    assert_eq!(other.request("/status", vec![]).addr, "/status.reply");
}
