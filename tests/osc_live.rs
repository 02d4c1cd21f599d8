//! OSC live control and queries against a running synth-jack: `/mod`, `/gate`, `/sync`,
//! `/notify`, `/status`, `/modules`, unknown addresses and malformed packets. Happy paths check
//! the reply (or its absence: `/mod` and `/gate` are answered only on failure) and the sound;
//! refusals check the `/fail` reason and that the sound did not change.

mod common;
mod osc_support;

use common::osc::*;
use common::*;
use osc_support::*;
use rosc::{OscArray, OscBundle, OscPacket, OscType};
use std::time::Duration;

#[test]
fn mod_changes_what_plays_silently_and_refuses_bad_requests() {
    let server = JackServer::start();
    let mut synth = Synth::with_patch(
        &server,
        "create osc1 sine freq=440 gain=0.5\n\
         create f1 biquad mode=lowpass cutoff=5000\n\
         create out output\n\
         connect osc1 f1\n\
         connect f1 out\n",
    );
    let osc = &synth.osc;
    let mut capture = Capture::start(&server, &OUTS);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.4),
        440.0,
        SINE_RMS,
        "start",
    );

    // A float, an int, an alias, a string number: each applied, none answered.
    osc.send("/mod/osc1/freq", vec![f(660.0)]);
    sync_clean(osc, 1);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.4),
        660.0,
        SINE_RMS,
        "/mod/osc1/freq 660.0",
    );
    osc.send("/mod/osc1/freq", vec![i(550)]);
    sync_clean(osc, 2);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.4),
        550.0,
        SINE_RMS,
        "/mod/osc1/freq 550",
    );
    osc.send("/mod/osc1/frequency", vec![f(330.0)]);
    osc.send("/mod/osc1/gain", vec![s("0.25")]);
    sync_clean(osc, 3);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.4),
        330.0,
        SINE_RMS / 2.0,
        "/mod/osc1/frequency 330, gain '0.25'",
    );
    // A choice parameter switches at once: a 5 kHz highpass all but silences 330 Hz.
    osc.send("/mod/f1/mode", vec![s("highpass")]);
    sync_clean(osc, 4);
    let rec = listen_steady(&mut capture, osc, 0.05, 0.3);
    for ch in &rec {
        let r = rms(ch);
        assert!(r < 0.01, "/mod/f1/mode highpass: rms {r}, want < 0.01");
    }
    osc.send("/mod/f1/mode", vec![s("lowpass")]);
    sync_clean(osc, 5);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.3),
        330.0,
        SINE_RMS / 2.0,
        "/mod/f1/mode lowpass",
    );

    // Live changes are recorded in the playing patch and the pending one.
    for pending in [false, true] {
        let d = dump(osc, pending);
        assert!(
            d.contains("freq=330") && d.contains("gain=0.25"),
            "pending={pending}: live changes missing from\n{d}"
        );
    }
    // Out of range is clamped, not refused.
    osc.send("/mod/osc1/gain", vec![f(100.0)]);
    sync_clean(osc, 6);
    osc.send("/mod/osc1/gain", vec![f(0.25)]);
    sync_clean(osc, 7);

    osc.ok("/patch/create", vec![s("osc9"), s("sine")]);
    let bad: Vec<(&str, Vec<OscType>, Vec<&str>)> = vec![
        (
            "/mod/nosuch/freq",
            vec![f(1.0)],
            vec!["unknown module", "nosuch"],
        ),
        ("/mod/osc1/nope", vec![f(1.0)], vec!["osc1", "sine", "nope"]),
        ("/mod/osc1/mode", vec![s("lowpass")], vec!["osc1", "mode"]),
        (
            "/mod/osc9/freq",
            vec![f(1.0)],
            vec!["osc9", "not playing", "commit"],
        ),
        (
            "/mod/osc1/gain",
            vec![s("loud")],
            vec!["loud", "osc1", "gain"],
        ),
        (
            "/mod/f1/mode",
            vec![s("sideways")],
            vec!["sideways", "mode"],
        ),
        ("/mod/osc1/freq", vec![f(f32::NAN)], vec!["osc1", "freq"]),
        (
            "/mod/osc1/freq",
            vec![f(f32::NEG_INFINITY)],
            vec!["osc1", "freq"],
        ),
        ("/mod/osc1/freq", vec![], vec!["expected 1 argument, got 0"]),
        (
            "/mod/osc1/freq",
            vec![f(1.0), f(2.0)],
            vec!["expected 1 argument, got 2"],
        ),
        (
            "/mod/osc1/freq",
            vec![OscType::Blob(vec![0; 4])],
            vec!["argument 1", "blob"],
        ),
        (
            "/mod/osc1/freq",
            vec![OscType::Nil],
            vec!["argument 1", "nil"],
        ),
        ("/mod/osc1", vec![f(1.0)], vec!["bad address", "/mod/osc1"]),
        ("/mod/osc1/freq/x", vec![f(1.0)], vec!["bad address"]),
        ("/mod//freq", vec![f(1.0)], vec!["bad module id"]),
    ];
    for (addr, args, words) in bad {
        let reason = osc.fails(addr, args.clone());
        eprintln!("{addr} {args:?}: {reason}");
        assert_mentions(&reason, &words);
    }
    // Nothing changed.
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.4),
        330.0,
        SINE_RMS / 2.0,
        "after refusals",
    );
    synth.assert_alive();
}

#[test]
fn gate_opens_and_closes_the_envelope_with_every_switch_spelling() {
    let server = JackServer::start();
    let mut synth = Synth::with_patch(
        &server,
        "create osc1 sine freq=440 gain=0.5\n\
         create env1 adsr attack=1 decay=0 sustain=1 release=1\n\
         create out output\n\
         connect osc1 env1\n\
         connect env1 out\n",
    );
    let osc = &synth.osc;
    let mut capture = Capture::start(&server, &OUTS);
    assert_silent(&listen(&mut capture, 0.05, 0.3), "gate never opened");

    let spellings: Vec<(OscType, OscType)> = vec![
        (i(1), i(0)),
        (s("on"), s("off")),
        (s("true"), s("false")),
        (OscType::Bool(true), OscType::Bool(false)),
        (f(1.0), f(0.0)),
        (s("YES"), s("No")),
        (s("1"), s("0")),
    ];
    for (k, (on, off)) in spellings.into_iter().enumerate() {
        let what = format!("/gate/env1 {on:?}");
        osc.send("/gate/env1", vec![on]);
        sync_clean(osc, 2 * k as i32);
        assert_tone(
            &listen_steady(&mut capture, osc, 0.05, 0.3),
            440.0,
            SINE_RMS,
            &what,
        );
        osc.send("/gate/env1", vec![off.clone()]);
        sync_clean(osc, 2 * k as i32 + 1);
        assert_silent(
            &listen(&mut capture, 0.05, 0.2),
            &format!("/gate/env1 {off:?}"),
        );
    }

    osc.ok("/patch/create", vec![s("env9"), s("adsr")]);
    let bad: Vec<(&str, Vec<OscType>, Vec<&str>)> = vec![
        ("/gate/osc1", vec![i(1)], vec!["osc1", "no gate"]),
        ("/gate/nosuch", vec![i(1)], vec!["unknown module", "nosuch"]),
        (
            "/gate/env9",
            vec![i(1)],
            vec!["env9", "not playing", "commit"],
        ),
        ("/gate/env1", vec![s("maybe")], vec!["argument 1", "maybe"]),
        ("/gate/env1", vec![OscType::Nil], vec!["argument 1", "nil"]),
        ("/gate/env1", vec![f(f32::NAN)], vec!["argument 1"]),
        ("/gate/env1", vec![], vec!["expected 1 argument, got 0"]),
        (
            "/gate/env1",
            vec![i(1), i(1)],
            vec!["expected 1 argument, got 2"],
        ),
        ("/gate/", vec![i(1)], vec!["bad module id"]),
        ("/gate/env1/x", vec![i(1)], vec!["bad module id"]),
    ];
    for (addr, args, words) in bad {
        let reason = osc.fails(addr, args.clone());
        eprintln!("{addr} {args:?}: {reason}");
        assert_mentions(&reason, &words);
    }
    // None of them opened the gate.
    assert_silent(&listen(&mut capture, 0.05, 0.3), "after refused gates");
    synth.assert_alive();
}

#[test]
fn sync_answers_in_order_after_earlier_messages_took_effect() {
    let server = JackServer::start();
    let mut synth = Synth::with_patch(&server, "create osc1 sine freq=440 gain=0.5\n");
    let osc = &synth.osc;
    let mut capture = Capture::start(&server, &OUTS);

    // The id is echoed as sent.
    for id in [i(7), s("abc"), f(2.5)] {
        let r = osc.request("/sync", vec![id.clone()]);
        assert_eq!((r.addr.as_str(), r.args.clone()), ("/synced", vec![id]));
    }
    // In order.
    for k in 10..20 {
        osc.send("/sync", vec![i(k)]);
    }
    for k in 10..20 {
        let m = osc.expect("/synced", REPLY);
        assert_eq!(m.args, vec![i(k)]);
    }

    // A commit and a sync sent back to back: /synced only after the commit's /done.
    let before = osc.status();
    osc.send("/patch/set", vec![s("osc1"), s("freq"), f(880.0)]);
    osc.send("/patch/commit", vec![]);
    osc.send("/sync", vec![i(99)]);
    let replies: Vec<_> = (0..3)
        .map(|_| osc.recv(REPLY).expect("three replies"))
        .filter(|m| m.addr != "/patch.switched")
        .collect();
    let addrs: Vec<String> = replies
        .iter()
        .map(|m| format!("{} {:?}", m.addr, m.args.first()))
        .collect();
    assert_eq!(
        addrs,
        vec![
            "/done Some(String(\"/patch/set\"))",
            "/done Some(String(\"/patch/commit\"))",
            "/synced Some(Int(99))"
        ],
        "{replies:?}"
    );
    let after = osc.status();
    assert_eq!(after.switches, before.switches + 1);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.03, 0.3),
        880.0,
        SINE_RMS,
        "after commit + sync",
    );

    // A second client's /sync sent just after another client's commit also waits for it.
    let other = synth.client();
    let before = osc.status();
    osc.send("/patch/set", vec![s("osc1"), s("freq"), f(660.0)]);
    osc.send("/patch/commit", vec![]);
    let r = other.request("/sync", vec![i(5)]);
    assert_eq!(r.addr, "/synced", "{r:?}");
    let st = other.status();
    assert_eq!(
        st.switches,
        before.switches + 1,
        "/synced arrived before the other client's commit switched: {st:?}"
    );
    osc.expect("/done", REPLY);
    osc.expect("/done", REPLY);

    // A /mod followed by /sync: once /synced arrives the change is rendered (heard within the
    // lead plus the 5 ms smoothing).
    osc.send("/mod/osc1/freq", vec![f(330.0)]);
    sync_clean(osc, 100);
    capture.clear();
    let rec = capture.take(0.33);
    let tail: Vec<Vec<f32>> = rec.iter().map(|c| c[1440..].to_vec()).collect();
    assert_tone(&tail, 330.0, SINE_RMS, "30 ms after /synced");

    for (args, words) in [
        (vec![], vec!["expected 1 argument, got 0"]),
        (vec![i(1), i(2)], vec!["expected 1 argument, got 2"]),
        (vec![OscType::Blob(vec![1])], vec!["argument 1", "blob"]),
        (vec![OscType::Nil], vec!["argument 1", "nil"]),
    ] {
        let reason = osc.fails("/sync", args.clone());
        eprintln!("/sync {args:?}: {reason}");
        assert_mentions(&reason, &words);
    }
    synth.assert_alive();
}

#[test]
fn notify_registers_for_switch_notifications_and_unregisters() {
    let server = JackServer::start();
    let mut synth = Synth::start(&server, &[]);
    let osc = &synth.osc;
    let listener = synth.client();

    let r = listener.request("/notify", vec![i(1)]);
    assert_eq!(r.args, vec![s("/notify")], "{r:?}");
    assert_eq!(r.addr, "/done");
    // Registering twice keeps one registration (one notification per switch).
    listener.ok("/notify", vec![s("on")]);

    osc.ok("/patch/create", vec![s("osc1"), s("sine")]);
    let (slot, version) = osc.commit();
    let n = listener.expect("/patch.switched", REPLY);
    assert_eq!(n.args, vec![i(slot), i(version)]);
    // Only the registered client is told.
    let extra: Vec<_> = std::iter::from_fn(|| listener.recv(Duration::from_millis(300)))
        .filter(|m| m.addr != "/xrun")
        .collect();
    assert!(extra.is_empty(), "unexpected messages: {extra:?}");
    let m = osc.recv(Duration::from_millis(300));
    assert!(m.is_none(), "unregistered client got {m:?}");

    // A second switch: exactly one notification (no duplicate registration).
    let (slot, version) = osc.commit();
    let n = listener.expect("/patch.switched", REPLY);
    assert_eq!(n.args, vec![i(slot), i(version)]);
    let mut dups = Vec::new();
    while let Some(m) = listener.recv(Duration::from_millis(300)) {
        if m.addr != "/xrun" {
            dups.push(m);
        }
    }
    assert!(dups.is_empty(), "duplicate notification {dups:?}");

    listener.ok("/notify", vec![OscType::Bool(false)]);
    osc.commit();
    let m = listener.recv(Duration::from_millis(500));
    assert!(m.is_none(), "notified after /notify 0: {m:?}");

    for (args, words) in [
        (vec![s("maybe")], vec!["argument 1", "maybe"]),
        (vec![], vec!["expected 1 argument, got 0"]),
        (vec![i(1), i(1)], vec!["expected 1 argument, got 2"]),
        (vec![OscType::Nil], vec!["argument 1", "nil"]),
    ] {
        let reason = listener.fails("/notify", args.clone());
        eprintln!("/notify {args:?}: {reason}");
        assert_mentions(&reason, &words);
    }

    // At most 64 registered clients.
    let clients: Vec<OscClient> = (0..64).map(|_| synth.client()).collect();
    for c in &clients {
        c.ok("/notify", vec![i(1)]);
    }
    let one_more = synth.client();
    let reason = one_more.fails("/notify", vec![i(1)]);
    assert_mentions(&reason, &["64"]);
    clients[0].ok("/notify", vec![i(0)]);
    one_more.ok("/notify", vec![i(1)]);
    synth.assert_alive();
}

#[test]
fn status_reports_the_engine() {
    let server = JackServer::start();
    let mut synth = Synth::start(&server, &["--lead", "3"]);
    let osc = &synth.osc;

    let r = osc.request("/status", vec![]);
    assert_eq!(r.addr, "/status.reply");
    assert_eq!(r.args.len(), 17, "{r:?}");
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
    assert_eq!(osc.expect("/status.reply", REPLY).args.len(), 17);

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
