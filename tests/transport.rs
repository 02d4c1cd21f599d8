//! Musical time on a JACK dummy server (48 kHz, 256 frames, lead 4):
//! `jack_transport` as the timebase master at 120 BPM in 4/4, an in-test
//! client capturing synth-jack's output together with the transport frame
//! JACK reports for every cycle.
//!
//! - a commit sent mid-bar with `bar` fades in exactly on the next bar's
//!   first frame, where the patch's own `clock` clicks;
//! - `seq` plays the step the transport frame gives, holds with its gate
//!   closed while stopped, and jumps to the matching step after a locate;
//! - with `--timebase-master`, another client reads synth-jack's tempo and
//!   bar/beat, `/tempo` changes them, `/notify` clients hear of it.
//! - `/at BAR:BEAT MESSAGE` runs the message on the exact frame of that beat.

mod common;

use common::engine::*;
use common::osc::{f, s, OscClient};
use common::transport::{JackTransport, Take, TransportCapture};
use common::*;
use rosc::OscType;
use std::time::{Duration, Instant};

/// Frames in a beat and a bar at 120 BPM, 48 kHz, 4/4.
const BEAT: u64 = 24_000;
const BAR: u64 = 4 * BEAT;
/// Periods rendered ahead: room for a loaded test machine.
const LEAD: &str = "4";
/// Frames after a transport change before the audio follows it: the lead
/// plus the period in flight.
const FOLLOW: u64 = 5 * 256;

/// `/transport.reply` as (rolling, bpm, bar, beat, frame).
fn transport(osc: &OscClient) -> (bool, f32, i32, f32, i32) {
    let r = osc.request("/transport", vec![]);
    assert_eq!(r.addr, "/transport.reply", "{r:?}");
    match &r.args[..5] {
        [OscType::String(st), OscType::Float(bpm), OscType::Int(bar), OscType::Float(beat), OscType::Int(frame)] => {
            (st == "rolling", *bpm, *bar, *beat, *frame)
        }
        _ => panic!("bad /transport.reply {r:?}"),
    }
}

/// Waits until the transport's beat in the bar lies in `lo..hi`.
fn wait_for_beat(osc: &OscClient, lo: f32, hi: f32) {
    wait_for(Duration::from_secs(5), "a mid-bar position", || {
        let (rolling, _, _, beat, _) = transport(osc);
        (rolling && (lo..hi).contains(&beat)).then_some(())
    });
}

#[test]
fn commit_on_bar_fades_in_on_the_next_bar_line() {
    let server = JackServer::start();
    let mut jt = JackTransport::master(&server);
    jt.send("play");
    let (mut synth, osc) = start_synth(&server, &["--lead", LEAD]);
    // A one-frame click on every beat on out_1; silence on out_2.
    create(&osc, "click", "clock", &[("div", 1.0), ("width", 0.0)]);
    create(&osc, "level0", "lfo", &[("depth", 0.0), ("offset", 0.0)]);
    create(&osc, "out", "output", &[]);
    connect(&osc, "click.out", "out.in1");
    connect(&osc, "level0", "out.in2");
    osc.commit();
    let mut cap = TransportCapture::start(&server, &OUTS);
    let mut level = 0.0f32;
    // Each attempt commits a version whose out_2 holds the next level: the
    // first sample off the old level is the first frame of the fade. An
    // attempt with an xrun right before the switch is redone (the transport
    // moved under the audio there, see `settled`).
    retry_disturbed(6, || {
        let (old, new) = (level, level + 1.0);
        level = new;
        osc.ok("/patch/delete", vec![s(&format!("level{old}"))])
            .args
            .len();
        create(
            &osc,
            &format!("level{new}"),
            "lfo",
            &[("depth", 0.0), ("offset", new)],
        );
        connect(&osc, &format!("level{new}"), "out.in2");
        cap.record(Duration::from_millis(100));
        wait_for_beat(&osc, 1.5, 3.5);
        let (_, _, _, _, sent) = transport(&osc);
        osc.send("/patch/commit", vec![s("bar")]);
        let done = osc.expect("/done", Duration::from_secs(5));
        let take = cap.record(Duration::from_millis(300));
        assert_eq!(done.args[0], s("/patch/commit"), "{done:?}");
        let i = take.audio[1]
            .iter()
            .position(|&x| x != old)
            .expect("the new version never played");
        let at = take.frame[i];
        let ok = settled(&take);
        if ok.binary_search(&i).is_err() {
            return Err(format!("xrun or jump right before the switch at {at}"));
        }
        assert!(take.rolling[i]);
        assert_eq!(
            at % BAR,
            0,
            "the fade starts on transport frame {at}, not a bar line"
        );
        let next_bar = (sent as u64 / BAR + 1) * BAR;
        assert_eq!(at, next_bar, "commit sent at frame {sent}");
        // The fade's first gain step (1/480 for the default 10 ms) on that frame.
        let first = take.audio[1][i];
        assert!((first - (old + 1.0 / 480.0)).abs() < 1e-5, "{first}");
        // The clock clicks on that very frame, and only on beats.
        assert_eq!(take.audio[0][i], 1.0);
        let clicks: Vec<u64> = ok
            .iter()
            .copied()
            .filter(|&k| take.audio[0][k] > 0.5)
            .map(|k| take.frame[k])
            .collect();
        assert!(!clicks.is_empty());
        assert!(
            clicks.iter().all(|f| f % BEAT == 0),
            "clicks off the beat: {clicks:?}"
        );
        // `/done` reports where it landed.
        let bar = (at / BAR + 1) as i32;
        assert_eq!(&done.args[3..], &[OscType::Int(bar), f(1.0)], "{done:?}");
        Ok(())
    });
    assert!(
        synth.try_wait().is_none(),
        "synth-jack exited:\n{}",
        synth.output()
    );
}

/// The value `seq` must play at transport frame `tf` (8 steps of a 16th, values 1..8).
fn step_value(tf: u64) -> f32 {
    (tf / (BEAT / 4) % 8 + 1) as f32
}

/// Frames of `take` that lie at least [`FOLLOW`] after the last transport
/// change (start, stop or jump) before them, and that carry audio: under
/// heavy load the non-real-time dummy server skips cycles of the synth
/// (xruns), whose frames then read as silence.
fn settled(take: &Take) -> Vec<usize> {
    let mut since = 0u64;
    let mut out = Vec::new();
    for k in 0..take.frame.len() {
        let jump = k > 0
            && (take.rolling[k] != take.rolling[k - 1]
                || take.frame[k] != take.frame[k - 1] + take.rolling[k] as u64);
        since = if jump { 0 } else { since + 1 };
        let audio = take.audio.iter().any(|c| c[k] != 0.0);
        if k > 0 && since >= FOLLOW && audio {
            out.push(k);
        }
    }
    out
}

#[test]
fn seq_follows_stop_and_locate() {
    let server = JackServer::start();
    let mut jt = JackTransport::master(&server);
    jt.send("play");
    let (mut synth, osc) = start_synth(&server, &["--lead", LEAD]);
    let mut args = vec![s("s"), s("seq"), s("length"), f(8.0), s("div"), f(4.0)];
    for k in 1..=8 {
        args.extend([s(&format!("v{k}")), f(k as f32)]);
    }
    osc.ok("/patch/create", args);
    create(&osc, "out", "output", &[]);
    connect(&osc, "s.out", "out.in1");
    connect(&osc, "s.gate", "out.in2");
    osc.commit();
    let mut cap = TransportCapture::start(&server, &OUTS);

    // Rolling: every settled frame plays the step of its transport frame.
    let take = cap.record(Duration::from_millis(1000));
    let ok = settled(&take);
    assert!(ok.len() > 1_000, "{} settled frames", ok.len());
    for &k in &ok {
        assert!(take.rolling[k]);
        assert_eq!(
            take.audio[0][k],
            step_value(take.frame[k]),
            "frame {}",
            take.frame[k]
        );
    }

    // Stopped: the value holds and the gate stays closed.
    jt.send("stop");
    let take = cap.record(Duration::from_millis(400));
    let stopped: Vec<usize> = settled(&take)
        .into_iter()
        .filter(|&k| !take.rolling[k])
        .collect();
    assert!(stopped.len() > 1_000, "{} stopped frames", stopped.len());
    let held = take.audio[0][stopped[0]];
    assert!(stopped.iter().all(|&k| take.audio[0][k] == held));
    assert!(stopped.iter().all(|&k| take.audio[1][k] == 0.0));

    // Locate into step 6 and roll: the matching step plays at once.
    jt.send("locate 30100");
    jt.send("play");
    let take = cap.record(Duration::from_millis(500));
    let ok: Vec<usize> = settled(&take)
        .into_iter()
        .filter(|&k| take.rolling[k])
        .collect();
    assert!(!ok.is_empty());
    for &k in &ok {
        assert_eq!(
            take.audio[0][k],
            step_value(take.frame[k]),
            "frame {}",
            take.frame[k]
        );
    }
    let first = take.frame[ok[0]];
    assert!(
        (30_100..36_000).contains(&first),
        "first settled frame {first}"
    );
    assert_eq!(take.audio[0][ok[0]], 6.0);
    assert!(
        synth.try_wait().is_none(),
        "synth-jack exited:\n{}",
        synth.output()
    );
}

/// Waits for a `/transport.changed` reporting `state`.
fn changed_to(osc: &OscClient, state: &str) -> rosc::OscMessage {
    wait_for(Duration::from_secs(3), state, || {
        let m = osc.expect("/transport.changed", Duration::from_secs(3));
        (m.args[0] == s(state)).then_some(m)
    })
}

#[test]
fn timebase_master_publishes_tempo_and_bbt() {
    let server = JackServer::start();
    let (mut synth, osc) = start_synth(
        &server,
        &["--timebase-master", "--bpm", "100", "--lead", LEAD],
    );
    osc.ok("/notify", vec![OscType::Int(1)]);
    let reader = server.client("reader");
    reader.transport().start().expect("start the transport");
    changed_to(&osc, "rolling");
    let bbt_of = |want_bpm: f64| {
        wait_for(Duration::from_secs(3), "synth-jack's BBT", || {
            let q = reader.transport().query().ok()?;
            let bbt = q.pos.bbt()?;
            (bbt.bpm == want_bpm).then_some((q.pos.frame(), bbt))
        })
    };
    let (frame, bbt) = bbt_of(100.0);
    assert_eq!(bbt.sig_num, 4.0);
    // Bar and beat as the frame gives them at 100 BPM.
    let beats = frame as f64 * 100.0 / 60.0 / 48_000.0;
    assert_eq!(
        bbt.bar as u64,
        (beats / 4.0) as u64 + 1,
        "{bbt:?} at {frame}"
    );
    assert_eq!(
        bbt.beat as u64,
        (beats % 4.0) as u64 + 1,
        "{bbt:?} at {frame}"
    );
    let (rolling, bpm, _, _, _) = transport(&osc);
    assert!(rolling);
    assert_eq!(bpm, 100.0);
    // `/tempo` changes what other clients read; notified clients hear of it.
    osc.ok("/tempo", vec![f(90.0)]);
    let (_, bbt) = bbt_of(90.0);
    assert!(bbt.bar >= 1);
    let t0 = Instant::now();
    let changed = osc.expect("/transport.changed", Duration::from_secs(3));
    assert_eq!(
        changed.args[1],
        f(90.0),
        "{changed:?} after {:?}",
        t0.elapsed()
    );
    reader.transport().stop().expect("stop");
    changed_to(&osc, "stopped");
    assert!(
        synth.try_wait().is_none(),
        "synth-jack exited:\n{}",
        synth.output()
    );
}

#[test]
fn internal_clock_without_a_master_and_tempo_refused_under_one() {
    let server = JackServer::start();
    let (mut synth, osc) = start_synth(&server, &["--bpm", "132"]);
    let (rolling, bpm, _, _, _) = transport(&osc);
    assert!(!rolling);
    assert_eq!(bpm, 132.0);
    // Nobody publishes BBT: synth-jack is not the master unless asked.
    let reader = server.client("reader");
    assert!(reader.transport().query().unwrap().pos.bbt().is_none());
    osc.ok("/tempo", vec![f(70.0)]);
    wait_for(Duration::from_secs(2), "tempo 70", || {
        (transport(&osc).1 == 70.0).then_some(())
    });
    // Under another master, the tempo is that master's.
    let mut jt = JackTransport::master(&server);
    jt.send("play");
    wait_for(Duration::from_secs(2), "the master's tempo", || {
        (transport(&osc).1 == 120.0).then_some(())
    });
    let why = osc.fails("/tempo", vec![f(100.0)]);
    assert!(why.contains("timebase master"), "{why}");
    assert!(
        synth.try_wait().is_none(),
        "synth-jack exited:\n{}",
        synth.output()
    );
}

#[test]
fn at_runs_a_message_on_the_frame_of_its_beat() {
    let server = JackServer::start();
    let mut jt = JackTransport::master(&server);
    jt.send("play");
    let (mut synth, osc) = start_synth(&server, &["--lead", LEAD]);
    create(&osc, "click", "clock", &[("div", 1.0), ("width", 0.0)]);
    create(&osc, "level", "lfo", &[("depth", 0.0), ("offset", 0.0)]);
    create(&osc, "out", "output", &[]);
    connect(&osc, "click.out", "out.in1");
    connect(&osc, "level", "out.in2");
    osc.commit();
    let mut cap = TransportCapture::start(&server, &OUTS);
    let mut level = 0.0f32;
    retry_disturbed(6, || {
        level += 1.0;
        cap.record(Duration::from_millis(100));
        // Two beats after the next bar line, as BAR:BEAT.
        let (_, _, bar, _, _) = transport(&osc);
        let when = format!("{}:3", bar + 1);
        let r = osc.ok("/at", vec![s(&when), s("/mod/level/offset"), f(level)]);
        let beat = match r.args[1] {
            OscType::Double(b) => b,
            ref x => panic!("/done /at beat: {x:?}"),
        };
        assert_eq!(beat, (bar * 4 + 2) as f64, "{r:?}");
        let target = beat as u64 * BEAT;
        let mut take = Take::default();
        wait_for(Duration::from_secs(6), "the /at beat to pass", || {
            take.append(cap.record(Duration::from_millis(200)));
            take.frame
                .last()
                .is_some_and(|&f| f > target + BEAT)
                .then_some(())
        });
        let i = take.audio[1]
            .iter()
            .position(|&x| x > level - 1.0)
            .expect("the /at message never took effect");
        // `/at` fixes its frame when it hands the message to the engine (up
        // to 0.25 s ahead): an xrun in that window moves it (docs/osc.md).
        let window = (0.3 * 48_000.0) as usize;
        let jump =
            (i.saturating_sub(window).max(1)..=i).any(|k| take.frame[k] != take.frame[k - 1] + 1);
        if jump || i < window || settled(&take).binary_search(&i).is_err() {
            return Err(format!("xrun before frame {}", take.frame[i]));
        }
        assert_eq!(
            take.frame[i], target,
            "/at {when} applied at {}",
            take.frame[i]
        );
        assert_eq!(take.audio[0][i], 1.0, "no click on the beat's frame");
        Ok(())
    });
    assert!(
        synth.try_wait().is_none(),
        "synth-jack exited:\n{}",
        synth.output()
    );
}

#[test]
fn quantized_commits_wait_while_stopped_unless_told_otherwise() {
    let server = JackServer::start();
    let (mut synth, osc) = start_synth(&server, &["--lead", LEAD]);
    create(&osc, "a", "sine", &[]);
    osc.send("/patch/commit", vec![s("bar")]);
    assert!(
        osc.recv(Duration::from_millis(1500)).is_none(),
        "a quantized commit switched while the transport was stopped"
    );
    osc.ok("/transport", vec![s("start")]);
    let done = osc.expect("/done", Duration::from_secs(5));
    assert_eq!(done.args[0], s("/patch/commit"), "{done:?}");
    assert_eq!(done.args.len(), 5, "{done:?}");
    assert_eq!(done.args[4], f(1.0), "not on a bar line: {done:?}");
    osc.ok("/transport", vec![s("stop")]);
    drop(osc);
    synth.terminate();

    let (mut synth, osc) = start_synth(&server, &["--quant-when-stopped", "now"]);
    create(&osc, "a", "sine", &[]);
    let t0 = Instant::now();
    let done = osc.request("/patch/commit", vec![s("bar")]);
    assert_eq!(done.args[0], s("/patch/commit"), "{done:?}");
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    assert!(
        synth.try_wait().is_none(),
        "synth-jack exited:\n{}",
        synth.output()
    );
}
