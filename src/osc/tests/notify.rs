//! Notifications, `/sync`, recording, `/modules` and `/quit`.

use super::*;

#[test]
fn notify_relays_engine_notices() {
    let mut r = Rig::new();
    r.send_from(other(), m("/notify", vec![OscType::Int(1)]));
    let got = r.notices(vec![
        Notice::Xrun(7),
        Notice::Failover {
            from: 0,
            to: 1,
            module: "",
        },
        Notice::Failover {
            from: 1,
            to: 0,
            module: "delay",
        },
        Notice::Committed {
            ticket: Ticket(99),
            slot: 1,
            version: 4,
        },
    ]);
    let lines: Vec<String> = got
        .iter()
        .map(|(to, m)| {
            assert_eq!(*to, other());
            format_message(m)
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            "/xrun 7",
            "/failover 0 1 stall",
            "/failover 1 0 panic delay",
            "/patch.switched 1 4"
        ]
    );
    r.send_from(other(), m("/notify", vec![OscType::Int(0)]));
    assert!(r.notices(vec![Notice::Xrun(8)]).is_empty());
    // A failed commit is answered to its sender.
    r.ok(m("/patch/create", vec![st("a"), st("sine")]));
    assert!(r.send(m("/patch/commit", vec![])).is_empty());
    let t = r.b.queued[0].0;
    r.b.queued.clear();
    let got = r.notices(vec![Notice::CommitFailed {
        ticket: t,
        reason: crate::control::CommitError::QueueFull,
    }]);
    assert_eq!(
        format_message(&got[0].1),
        "/fail /patch/commit worker queue full"
    );
}

#[test]
fn sync_waits_for_commits_and_rendering() {
    let mut r = Rig::new();
    // Nothing pending: at once.
    assert_eq!(
        format_message(&r.send(m("/sync", vec![OscType::Int(5)]))[0]),
        "/synced 5"
    );
    r.playing();
    r.ok(m(
        "/patch/set",
        vec![st("osc1"), st("freq"), OscType::Int(100)],
    ));
    let replies = r.send(bundle(
        OscTime {
            seconds: 0,
            fractional: 1,
        },
        vec![
            m("/patch/commit", vec![]),
            m("/sync", vec![OscType::Int(6)]),
        ],
    ));
    assert!(replies.is_empty(), "{replies:?}");
    let n = r.b.switch();
    let got: Vec<String> = r
        .notices(n)
        .iter()
        .map(|(_, m)| format_message(m))
        .collect();
    assert_eq!(got, vec!["/done /patch/commit 0 2", "/synced 6"]);
    // After a live change, waits until the worker rendered further.
    assert!(r
        .send(m("/mod/osc1/freq", vec![OscType::Int(200)]))
        .is_empty());
    assert!(r.send(m("/sync", vec![st("x")])).is_empty());
    assert!(r.notices(vec![]).is_empty());
    r.b.rendered += 256;
    let got = r.notices(vec![]);
    assert_eq!(format_message(&got[0].1), "/synced x");
}

#[test]
fn record_modules_quit() {
    let mut r = Rig::new();
    let done = r.ok(m("/record/start", vec![st("take1")]));
    let path = match &done.args[1] {
        OscType::String(s) => PathBuf::from(s),
        _ => panic!(),
    };
    assert!(path.is_absolute());
    assert!(path.ends_with("recordings/take1.wav"));
    r.fails(m("/record/start", vec![]));
    let done = r.ok(m("/record/stop", vec![]));
    assert_eq!(done.args[2], OscType::Int(48_000));
    r.fails(m("/record/stop", vec![]));
    let done = r.ok(m("/record/start", vec![]));
    assert!(format!("{:?}", done.args[1]).contains("rec-1700000000.wav"));
    r.fails(m("/record/start", vec![st("../../etc/x")]));

    let list = r.send(m("/modules", vec![]));
    assert_eq!(list[0].addr, "/modules.reply");
    assert_eq!(list[0].args.len(), r.b.reg.types().len());
    assert!(list[0].args.contains(&st("sine freq gain phase")));
    assert_eq!(modules_list(&r.b.reg).len(), r.b.reg.types().len());

    let t = r.send(m("/telemetry", vec![]));
    assert_eq!(t[0].addr, "/telemetry.reply");
    let pairs: Vec<(String, f64)> = t[0]
        .args
        .chunks(2)
        .map(|p| match p {
            [OscType::String(k), OscType::Double(v)] => (k.clone(), *v),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(pairs[0], ("cycles".to_string(), 12.0));
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|p| p.1);
    // Everything sent so far, including this /telemetry.
    assert_eq!(get("osc.messages"), Some(8.0));
    assert_eq!(get("osc.failures"), Some(3.0));

    assert!(!r.d.quit_requested());
    assert_eq!(r.ok(m("/quit", vec![])).args, vec![st("/quit")]);
    assert!(r.d.quit_requested());
}
