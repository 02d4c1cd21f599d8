//! Commit, abort, clear, dump, capacity, and every commit answered.

use crate::common::osc::*;
use crate::common::*;
use crate::osc_support::*;
use rosc::OscPacket;
use std::time::Duration;

#[test]
fn commit_replies_after_the_switch_with_alternating_slots_and_queues() {
    let server = JackServer::start();
    let mut synth = Synth::start(&server, &[]);
    let osc = &synth.osc;
    let mut capture = Capture::start(&server, &OUTS);
    let st0 = osc.status();
    assert_eq!(
        (st0.patch_version, st0.switches, st0.modules),
        (0, 0, 0),
        "{st0:?}"
    );

    osc.ok("/patch/create", vec![s("osc1"), s("sine"), s("freq=440")]);
    let (slot1, v1) = commit_checked(osc);
    assert_eq!(v1, 1);
    // The reply came once the switch happened: the new patch is heard right away.
    capture.clear();
    let rec = capture.take(0.3);
    let first = first_nonsilent(&rec[0], 0.01).expect("commit not heard");
    assert!(
        first < 4800,
        "the committed patch was heard only {first} frames after /done"
    );
    assert_tone(
        &listen_steady(&mut capture, osc, 0.0, 0.4),
        440.0,
        SINE_RMS,
        "v1",
    );

    osc.ok("/patch/set", vec![s("osc1"), s("freq"), f(550.0)]);
    let (slot2, v2) = commit_checked(osc);
    assert_eq!((slot2, v2), (1 - slot1, 2));
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.4),
        550.0,
        SINE_RMS,
        "v2",
    );

    // Three commits sent back to back are queued and answered in order, each once switched.
    for k in 0..3 {
        osc.send(
            "/patch/set",
            vec![s("osc1"), s("freq"), f(600.0 + 100.0 * k as f32)],
        );
        osc.send("/patch/commit", vec![]);
    }
    let mut got = Vec::new();
    while got.len() < 6 {
        let m = osc.recv(REPLY).expect("missing replies to queued commits");
        if m.addr != "/patch.switched" {
            got.push(m);
        }
    }
    // The edits are answered at once, each commit when its switch happened (so after them).
    let (sets, commits): (Vec<_>, Vec<_>) = got
        .iter()
        .partition(|m| m.args.first() == Some(&s("/patch/set")));
    assert_eq!(sets.len(), 3, "{got:?}");
    assert!(
        got.iter().all(|m| m.addr == "/done"),
        "a queued edit or commit failed: {got:?}"
    );
    let mut slot = slot2;
    let mut version = v2;
    for c in commits {
        slot = 1 - slot;
        version += 1;
        assert_eq!(
            c.args,
            vec![s("/patch/commit"), i(slot), i(version)],
            "{got:?}"
        );
    }
    let st = osc.status();
    assert_eq!(
        (st.active_slot, st.patch_version, st.switches),
        (slot, 5, 5),
        "{st:?}"
    );
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.4),
        800.0,
        SINE_RMS,
        "v5",
    );

    // A commit with arguments is refused and switches nothing.
    let reason = osc.fails("/patch/commit", vec![s("bar"), i(1)]);
    assert_mentions(&reason, &["takes 0 or 1 arguments", "got 2"]);
    assert_eq!(osc.status().switches, 5);
    assert_eq!(st.drops, 0);
    synth.assert_alive();
}

#[test]
fn abort_discards_pending_edits() {
    let server = JackServer::start();
    let mut synth = Synth::with_patch(&server, "create osc1 sine freq=440 gain=0.5\n");
    let osc = &synth.osc;
    let mut capture = Capture::start(&server, &OUTS);

    osc.ok("/patch/set", vec![s("osc1"), s("freq"), f(880.0)]);
    osc.ok("/patch/create", vec![s("osc2"), s("sine"), s("freq=1000")]);
    assert_ne!(dump(osc, true), dump(osc, false));
    let r = osc.ok("/patch/abort", vec![]);
    assert_eq!(r.args, vec![s("/patch/abort")], "{r:?}");
    let (pending, active) = (dump(osc, true), dump(osc, false));
    assert_eq!(
        pending, active,
        "after abort the pending patch must equal the playing one"
    );
    assert_eq!(created(&pending), vec!["create osc1 sine"]);
    assert!(pending.contains("freq=440"), "{pending}");

    commit_checked(osc);
    assert_tone(
        &listen_steady(&mut capture, osc, 0.05, 0.5),
        440.0,
        SINE_RMS,
        "after abort+commit",
    );
    assert_eq!(osc.status().modules, 1);

    let reason = osc.fails("/patch/abort", vec![s("now")]);
    assert_mentions(&reason, &["expected 0 arguments, got 1"]);
    synth.assert_alive();
}

#[test]
fn clear_then_commit_is_silence() {
    let server = JackServer::start();
    let (mut synth, mut capture) = playing_sine(&server);
    let osc = &synth.osc;

    let reason = osc.fails("/patch/clear", vec![i(1)]);
    assert_mentions(&reason, &["expected 0 arguments, got 1"]);
    assert_eq!(created(&dump(osc, true)), vec!["create osc1 sine"]);

    let r = osc.ok("/patch/clear", vec![]);
    assert_eq!(r.args, vec![s("/patch/clear")], "{r:?}");
    assert!(created(&dump(osc, true)).is_empty());
    // Pending only: still playing.
    assert_tone(
        &listen_steady(&mut capture, osc, 0.0, 0.3),
        440.0,
        SINE_RMS,
        "cleared, not committed",
    );
    commit_checked(osc);
    assert_silent(&listen(&mut capture, 0.05, 0.5), "cleared and committed");
    let st = osc.status();
    assert_eq!(st.modules, 0, "{st:?}");
    synth.assert_alive();
}

#[test]
fn dump_shows_active_or_pending_and_refuses_other_arguments() {
    let server = JackServer::start();
    let mut synth = Synth::with_patch(&server, "create osc1 sine freq=440\n");
    let osc = &synth.osc;

    osc.ok(
        "/patch/create",
        vec![s("f1"), s("ladder"), s("cutoff"), i(800)],
    );
    osc.ok("/patch/connect", vec![s("osc1"), s("f1")]);
    let active = dump(osc, false);
    assert_eq!(created(&active), vec!["create osc1 sine"], "{active}");
    let r = osc.request("/patch/dump", vec![s("active")]);
    assert_eq!(r.args, vec![s(&active)]);
    let pending = dump(osc, true);
    assert_eq!(
        created(&pending),
        vec!["create f1 ladder", "create osc1 sine"],
        "{pending}"
    );
    assert!(pending.contains("cutoff=800"), "{pending}");
    assert!(pending.contains("connect osc1.out f1.in"), "{pending}");

    for (args, words) in [
        (vec![s("foo")], vec!["foo", "pending"]),
        (vec![i(1)], vec!["argument 1", "int"]),
        (
            vec![s("pending"), s("active")],
            vec!["expected 0 to 1 arguments, got 2"],
        ),
    ] {
        let reason = osc.fails("/patch/dump", args.clone());
        eprintln!("/patch/dump {args:?}: {reason}");
        assert_mentions(&reason, &words);
    }
    synth.assert_alive();
}

/// Sends `msgs` as bundles of `per` messages ("immediately"), each bundle's replies read before
/// the next is sent (so no reply is lost in a full socket buffer); returns every reply.
fn send_batched(osc: &OscClient, msgs: Vec<OscPacket>, per: usize) -> Vec<rosc::OscMessage> {
    let mut replies = Vec::new();
    for chunk in msgs.chunks(per) {
        osc.send_bundle(IMMEDIATELY, chunk.to_vec());
        for _ in 0..chunk.len() {
            replies.push(osc.recv(REPLY).expect("a reply per message"));
        }
    }
    replies
}

/// Past the memory budget (`--max-graph-mib`), creates and then connects
/// are refused by name; the playing patch keeps playing and the pending one
/// can still be cleared.
#[test]
fn over_budget_is_refused() {
    let server = JackServer::start();
    let file = server.write_file("start.patch", "create osc1 sine freq=440\n");
    let mut synth = Synth::start(
        &server,
        &["--patch", file.to_str().unwrap(), "--max-graph-mib", "1"],
    );
    let osc = &synth.osc;
    let mut capture = Capture::start(&server, &OUTS);

    // vcas until the budget refuses one, 128 at a time.
    let mut created = 1;
    let reason = 'fill: loop {
        let creates: Vec<OscPacket> = (created..created + 128)
            .map(|k| msg("/patch/create", vec![s(&format!("v{k}")), s("vca")]))
            .collect();
        for reply in send_batched(osc, creates, 128) {
            if reply.addr != "/done" {
                break 'fill format!("{:?}", reply.args);
            }
            created += 1;
        }
        assert!(created < 100_000, "1 MiB held {created} vcas");
    };
    assert!(created > 100, "only {created} modules fit in 1 MiB");
    let named = format!("largest: {} × vca = ", created - 1);
    assert_mentions(&reason, &["memory budget", "--max-graph-mib", &named]);

    // Connections cost memory too: what headroom is left fills up with wires.
    let connects: Vec<OscPacket> = (1..created)
        .map(|k| msg("/patch/connect", vec![s("osc1"), s(&format!("v{k}.in"))]))
        .collect();
    let replies = send_batched(osc, connects, 128);
    let refused = replies.iter().find(|m| m.addr != "/done");
    let reason = format!(
        "{:?}",
        refused.expect("every connect fit in the budget").args
    );
    assert_mentions(&reason, &["memory budget", "--max-graph-mib"]);

    // Still playing the start patch, and still answering.
    assert_tone(
        &listen_steady(&mut capture, osc, 0.0, 0.4),
        440.0,
        SINE_RMS,
        "after the budget refusals",
    );
    assert_eq!(osc.status().modules, 1);
    osc.ok("/patch/clear", vec![]);
    synth.assert_alive();
}

/// Regression: a commit hung forever (no /done, /sync never answered) when the old slot's
/// worker posted Stopped before the callback posted Switched.
#[test]
fn every_commit_is_answered() {
    let server = JackServer::start();
    let mut synth = Synth::with_patch(&server, "create osc1 sine freq=440\n");
    let osc = &synth.osc;
    for k in 0..40 {
        osc.send(
            "/patch/set",
            vec![s("osc1"), s("freq"), f(440.0 + k as f32)],
        );
        osc.send("/patch/commit", vec![]);
        let mut done = None;
        while let Some(m) = osc.recv(Duration::from_secs(3)) {
            if m.args.first() == Some(&s("/patch/commit")) {
                done = Some(m);
                break;
            }
        }
        let st = osc.status();
        assert!(
            done.is_some(),
            "commit {} of 40 never answered; /status: {st:?}",
            k + 1
        );
        assert_eq!(st.patch_version, k + 2, "{st:?}");
        // Alternate between back-to-back commits and commits after a pause.
        if k % 2 == 0 {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    synth.assert_alive();
}
