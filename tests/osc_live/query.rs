//! Queries and refusals: `/status`, `/modules`, unknown addresses, malformed packets.

use crate::common::osc::*;
use crate::common::*;
use crate::osc_support::*;
use rosc::{OscArray, OscBundle, OscPacket, OscType};
use std::time::Duration;

#[test]
fn status_reports_the_engine() {
    let server = JackServer::start();
    let mut synth = Synth::start(&server, &["--lead", "3"]);
    let osc = &synth.osc;

    let r = osc.request("/status", vec![]);
    assert_eq!(r.addr, "/status.reply");
    assert_eq!(r.args.len(), Status::WITH_TRANSPORT, "{r:?}");
    let st = osc.status();
    assert_eq!(st.patch_version, 0, "{st:?}");
    assert_eq!(st.modules, 0, "{st:?}");
    assert_eq!(st.switches, 0, "{st:?}");
    assert_eq!(st.sample_rate, 48_000.0);
    assert_eq!(st.buffer_size, 256);
    assert_eq!(st.lead, 3);
    assert_eq!((st.drops, st.failovers, st.late), (0, 0, 0), "{st:?}");
    assert!((0..=1).contains(&st.active_slot));
    assert!(matches!(r.args[14], OscType::Float(x) if x >= 0.0), "{r:?}");

    osc.ok("/patch/create", vec![s("osc1"), s("sine")]);
    osc.ok("/patch/create", vec![s("osc2"), s("saw")]);
    let (slot, version) = osc.commit();
    let st = osc.status();
    assert_eq!(
        (st.active_slot, st.patch_version, st.modules, st.switches),
        (slot, version, 2, 1),
        "{st:?}"
    );
    for load in [st.dsp_load_avg, st.dsp_load_peak] {
        assert!(load.is_finite() && (0.0..10.0).contains(&load), "{st:?}");
    }

    let reason = osc.fails("/status", vec![i(1)]);
    assert_mentions(&reason, &["expected 0 arguments, got 1"]);
    synth.assert_alive();
}

#[test]
fn status_is_consistent_while_commits_switch() {
    let server = JackServer::start();
    let mut synth = Synth::start(&server, &[]);
    let osc = &synth.osc;
    osc.ok("/patch/create", vec![s("osc1"), s("sine")]);

    // Another client polls /status as fast as it can while the commits switch. Only commits
    // happen (no failover), so every reply must have switches == patch_version == modules' patch
    // and active_slot == switches % 2 (slot 0 plays the empty start patch).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poller = {
        let stop = stop.clone();
        let port = synth.port;
        std::thread::spawn(move || {
            let c = OscClient::new(port);
            let mut bad = Vec::new();
            let mut polls = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let st = c.status();
                polls += 1;
                let consistent = st.switches == st.patch_version
                    && st.active_slot == st.switches % 2
                    && st.modules == i32::from(st.patch_version > 0);
                if !consistent {
                    bad.push(st);
                }
            }
            (polls, bad)
        })
    };
    for k in 1..=20 {
        let (slot, version) = osc.commit();
        assert_eq!((slot, version), (k % 2, k));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (polls, bad) = poller.join().unwrap();
    eprintln!(
        "{polls} /status replies during 20 commits, {} inconsistent",
        bad.len()
    );
    assert!(
        bad.is_empty(),
        "{} of {polls} /status replies mixed two patch versions, e.g. {:?}",
        bad.len(),
        bad.first()
    );
    synth.assert_alive();
}

#[test]
fn modules_lists_every_type_with_its_parameters() {
    let server = JackServer::start();
    let mut synth = Synth::start(&server, &[]);
    let osc = &synth.osc;

    let r = osc.request("/modules", vec![]);
    assert_eq!(r.addr, "/modules.reply", "{r:?}");
    let entries: Vec<String> = r
        .args
        .iter()
        .map(|a| match a {
            OscType::String(t) => t.clone(),
            other => panic!("non-string in /modules.reply: {other:?}"),
        })
        .collect();

    // Compare with `synth-jack modules` (types at column 0, parameters indented by two).
    let out = std::process::Command::new(synth_binary())
        .arg("modules")
        .output()
        .expect("run synth-jack modules");
    let listing = String::from_utf8_lossy(&out.stdout);
    let mut want: Vec<String> = Vec::new();
    for line in listing.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            let name = line
                .split([' ', ':'])
                .next()
                .expect("type name")
                .to_string();
            want.push(name);
        } else if let Some(rest) = line.strip_prefix("  ") {
            let word = rest.split_whitespace().next().unwrap_or("");
            if !rest.starts_with(' ') && !word.ends_with(':') && !word.is_empty() {
                let last = want.last_mut().expect("a parameter before any type");
                last.push(' ');
                last.push_str(word);
            }
        }
    }
    assert!(
        want.len() >= 16,
        "cannot parse `synth-jack modules`:\n{listing}"
    );
    assert_eq!(entries, want);
    for must in [
        "sine freq gain phase",
        "adsr attack decay sustain release",
        "output",
    ] {
        assert!(
            entries.iter().any(|e| e == must),
            "{must:?} not in {entries:?}"
        );
    }

    let reason = osc.fails("/modules", vec![s("sine")]);
    assert_mentions(&reason, &["expected 0 arguments, got 1"]);
    synth.assert_alive();
}

/// Encodes a packet.
fn bytes(p: &OscPacket) -> Vec<u8> {
    rosc::encoder::encode(p).expect("encode")
}

#[test]
fn unknown_addresses_and_malformed_packets_fail_and_change_nothing() {
    let server = JackServer::start();
    let mut synth = Synth::with_patch(&server, "create osc1 sine freq=440 gain=0.5\n");
    let osc = &synth.osc;
    let mut capture = Capture::start(&server, &OUTS);

    for addr in [
        "/patch/comit",
        "/foo",
        "/",
        "/patch/*",
        "/STATUS",
        "/patch",
        "/mod",
    ] {
        let reason = osc.fails(addr, vec![i(1)]);
        eprintln!("{addr}: {reason}");
        assert_mentions(&reason, &["unknown address", addr]);
    }

    // Malformed datagrams: `/fail "" reason`.
    let valid = bytes(&msg("/status", vec![]));
    let with_args = bytes(&msg("/mod/osc1/freq", vec![f(660.0), s("x")]));
    let nest = |depth: usize| {
        let mut p = msg("/status", vec![]);
        for _ in 0..depth {
            p = OscPacket::Bundle(OscBundle {
                timetag: IMMEDIATELY,
                content: vec![p],
            });
        }
        bytes(&p)
    };
    let many = bytes(&OscPacket::Bundle(OscBundle {
        timetag: IMMEDIATELY,
        content: (0..1025).map(|_| msg("/sync", vec![i(1)])).collect(),
    }));
    let mut arrays = OscType::Int(1);
    for _ in 0..5 {
        arrays = OscType::Array(OscArray {
            content: vec![arrays],
        });
    }
    let deep_array = bytes(&msg("/sync", vec![arrays]));
    let mut bad_size = bytes(&OscPacket::Bundle(OscBundle {
        timetag: IMMEDIATELY,
        content: vec![msg("/status", vec![])],
    }));
    bad_size[16..20].copy_from_slice(&1000u32.to_be_bytes());
    let mut bad_tag = with_args.clone();
    let comma = bad_tag.iter().position(|&b| b == b',').unwrap();
    bad_tag[comma + 1] = b'x';
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("garbage", b"garbage!".to_vec(), "malformed"),
        ("empty", vec![], "malformed"),
        (
            "truncated",
            with_args[..with_args.len() - 6].to_vec(),
            "malformed",
        ),
        ("unpadded address", b"/status".to_vec(), "malformed"),
        ("bad type tag", bad_tag, "malformed"),
        ("bundle element too long", bad_size, "malformed"),
        ("bundle header only", b"#bundle\0".to_vec(), "malformed"),
        ("9 nested bundles", nest(9), "nested"),
        ("1025 messages", many, "1024"),
        ("arrays 5 deep", deep_array, "arrays"),
        (
            "invalid utf-8",
            [&b"/st\xffus\0\0"[..], &valid[8..]].concat(),
            "malformed",
        ),
    ];
    for (what, data, word) in cases {
        osc.send_raw(&data);
        let r = osc
            .recv(REPLY)
            .unwrap_or_else(|| panic!("{what}: no reply"));
        eprintln!("{what}: {r:?}");
        assert_eq!(r.addr, "/fail", "{what}: {r:?}");
        assert_eq!(r.args.first(), Some(&s("")), "{what}: {r:?}");
        match r.args.get(1) {
            Some(OscType::String(reason)) => assert_mentions(reason, &[word]),
            other => panic!("{what}: no reason: {other:?}"),
        }
    }
    // 8 nested bundles are fine.
    osc.send_raw(&nest(8));
    assert_eq!(
        osc.expect("/status.reply", REPLY).args.len(),
        Status::WITH_TRANSPORT
    );

    // Failures go to the sender only.
    let other = synth.client();
    other.send("/nope", vec![]);
    assert_eq!(other.expect("/fail", REPLY).args[0], s("/nope"));
    assert!(osc.recv(Duration::from_millis(200)).is_none());

    // Still alive, still playing, nothing counted as dropped.
    let st = osc.status();
    assert_eq!((st.patch_version, st.drops), (1, 0), "{st:?}");
    assert_tone(
        &listen_steady(&mut capture, osc, 0.0, 0.4),
        440.0,
        SINE_RMS,
        "after malformed packets",
    );
    synth.assert_alive();
}
