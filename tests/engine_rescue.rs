//! Field reliability, the last resort: libjack deadlocks while synth-jack closes the client of a
//! lost server (the `fault` module's `hang` makes the next reconnect block there). Past the
//! close watchdog's bound the process replaces itself: same process id, same OSC port, the last
//! committed patch playing on the new server, its port connections made again, the recording
//! that ran finished as a valid WAV file, and the next commit works.

mod common;

use common::engine::*;
use common::osc::*;
use common::*;
use std::time::Duration;

#[test]
fn a_reconnect_that_hangs_comes_back_playing_the_committed_patch() {
    let mut server = JackServer::start();
    let dir = TempDir::new("rescue-rec");
    let rec_dir = dir.path().to_str().unwrap().to_string();
    let (mut synth, osc) = start_synth(&server, &["--record-dir", &rec_dir]);
    create(&osc, "osc1", "sine", &[("freq", 440.0), ("gain", 0.5)]);
    create(&osc, "f", "fault", &[]);
    connect(&osc, "osc1", "f");
    osc.commit();
    // The committed patch differs from anything given at start (there was none).
    osc.ok("/patch/set", vec![s("osc1"), s("freq"), f(550.0)]);
    osc.send("/patch/commit", vec![]);
    assert_eq!(commit_reply(&osc, Duration::from_secs(20)).addr, "/done");
    wait_plays(&server, 550.0, "before the restart");
    server.connect(OUTS[0], "system:playback_1").unwrap();
    // Remembered at the periodic look (every second).
    std::thread::sleep(Duration::from_millis(1500));
    let pid = synth.pid();
    osc.ok("/record/start", vec![s("take")]);
    std::thread::sleep(Duration::from_millis(1500));

    live(&osc, "f", "hang", 1.0);
    sync(&osc, 1);
    std::thread::sleep(Duration::from_millis(300));
    server.restart();

    // 5 s of watchdog, then a fresh start that waits for the server and loads the patch.
    synth.wait_for_ports(&server, &OUTS, Duration::from_secs(60));
    assert!(
        synth.try_wait().is_none(),
        "synth-jack exited:\n{}",
        synth.output()
    );
    assert_eq!(synth.pid(), pid);
    assert!(
        synth.output().contains(
            "hung for 5s (a libjack deadlock); restarting itself with the last committed patch"
        ),
        "{}",
        synth.output()
    );
    wait_plays(&server, 550.0, "after the process replaced itself");
    let take = hound::WavReader::open(dir.path().join("take.wav")).expect("recording finished");
    assert_eq!(take.spec().sample_rate, server.rate());
    let x: Vec<f32> = take
        .into_samples::<f32>()
        .step_by(2)
        .map(|v| v.unwrap())
        .collect();
    assert!(x.len() > 24_000, "{} frames recorded", x.len());
    let hz = dominant_frequency(&x[x.len() - 24_000..], server.rate());
    assert!((hz - 550.0).abs() < 1.0, "the recording plays {hz} Hz");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !server
        .connections(OUTS[0])
        .iter()
        .any(|c| c == "system:playback_1")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "connection not restored: {:?}",
            server.connections(OUTS[0])
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    sync_within_a_second(&osc, 2);
    osc.ok("/patch/set", vec![s("osc1"), s("freq"), f(660.0)]);
    osc.send("/patch/commit", vec![]);
    assert_eq!(commit_reply(&osc, Duration::from_secs(20)).addr, "/done");
    wait_plays(&server, 660.0, "the next commit");
    assert!(synth.try_wait().is_none(), "synth-jack exited");
}
