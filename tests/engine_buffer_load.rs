//! Loading a 100 MiB WAV while a patch plays causes no underrun: the file is read, decoded and
//! held off the real-time threads (`/buffer/load` runs on the buffer loader thread), `/done`
//! arrives with its length, a sampler then plays the end of it at its pitch, and freeing it
//! (released on the collector thread) causes none either.

mod common;

use common::engine::*;
use common::osc::*;
use common::*;
use rosc::OscType;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// Frames of the big file: 16-bit stereo, so its data is exactly 100 MiB.
const FRAMES: usize = 100 << 18;
/// Longest the load may take (a debug build decoding on a loaded 2-core machine).
const LOAD: Duration = Duration::from_secs(600);

/// Writes a 48 kHz 16-bit stereo WAV of `frames` frames: 1 kHz at amplitude 0.5 on both sides.
fn write_big(path: &Path, frames: usize) {
    let data = (frames * 4) as u32;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut head = Vec::new();
    head.extend_from_slice(b"RIFF");
    head.extend_from_slice(&(36 + data).to_le_bytes());
    head.extend_from_slice(b"WAVEfmt ");
    head.extend_from_slice(&16u32.to_le_bytes());
    head.extend_from_slice(&1u16.to_le_bytes()); // PCM
    head.extend_from_slice(&2u16.to_le_bytes()); // stereo
    head.extend_from_slice(&48_000u32.to_le_bytes());
    head.extend_from_slice(&192_000u32.to_le_bytes());
    head.extend_from_slice(&4u16.to_le_bytes());
    head.extend_from_slice(&16u16.to_le_bytes());
    head.extend_from_slice(b"data");
    head.extend_from_slice(&data.to_le_bytes());
    f.write_all(&head).unwrap();
    // One second (1000 whole cycles), written over and over.
    let second: Vec<u8> = (0..48_000)
        .flat_map(|k| {
            let v = 0.5 * (std::f64::consts::TAU * 1000.0 * k as f64 / 48_000.0).sin();
            let b = ((v * 32767.0).round() as i16).to_le_bytes();
            [b[0], b[1], b[0], b[1]]
        })
        .collect();
    let mut left = frames * 4;
    while left > 0 {
        let n = left.min(second.len());
        f.write_all(&second[..n]).unwrap();
        left -= n;
    }
    f.flush().unwrap();
    // Written back now, not by the kernel while the engine loads it.
    f.get_ref().sync_all().unwrap();
}

/// One run; Err when the engine counted underruns while a sine played and the file loaded.
fn load_big_while_playing() -> Result<(), String> {
    let server = JackServer::start();
    let samples = server.scratch_dir().join("samples");
    std::fs::create_dir_all(&samples).unwrap();
    let big = samples.join("big.wav");
    write_big(&big, FRAMES);
    assert_eq!(
        std::fs::metadata(&big).unwrap().len(),
        44 + (100 << 20),
        "a 100 MiB file"
    );
    let patch = server.write_file("sine.patch", "create osc1 sine freq=440 gain=0.3\n");
    let (synth, osc) = start_synth(
        &server,
        &[
            "--sample-dir",
            samples.to_str().unwrap(),
            "--patch",
            patch.to_str().unwrap(),
        ],
    );
    wait_for(Duration::from_secs(30), "the start patch", || {
        (osc.status().patch_version == 1).then_some(())
    });
    std::thread::sleep(Duration::from_secs(1));
    let before = osc.status();

    osc.send("/buffer/load", vec![s("big"), s("big.wav")]);
    let reply = loop {
        let m = osc
            .recv(LOAD)
            .expect("no answer to /buffer/load within the timeout");
        if m.addr == "/done" || m.addr == "/fail" {
            break m;
        }
    };
    assert_eq!(
        reply.args,
        vec![
            s("/buffer/load"),
            s("big"),
            OscType::Int(FRAMES as i32),
            OscType::Int(2)
        ],
        "{reply:?}"
    );
    let loaded = osc.status();
    let during = loaded.underruns - before.underruns;

    // The end of the file plays at its pitch: all of it was decoded.
    let mut capture = Capture::start(&server, &OUTS);
    osc.ok("/patch/delete", vec![s("osc1")]);
    osc.ok(
        "/patch/create",
        vec![
            s("tail"),
            s("sampler"),
            s("buffer"),
            s("big"),
            s("mode"),
            s("loop"),
            s("loop_start"),
            f(0.99),
            s("start"),
            f(0.99),
        ],
    );
    osc.commit();
    std::thread::sleep(Duration::from_millis(300));
    capture.clear();
    let rec = capture.take(0.5);
    let a = tone_amplitude(&rec[0], 1000.0, capture.rate());
    assert!(
        (a - 0.5).abs() < 0.05,
        "the buffer's end plays 1 kHz at {a}"
    );

    // Freed and replaced: the graph that held it is retired, the memory released off the
    // real-time threads.
    osc.ok("/buffer/free", vec![s("big")]);
    osc.ok("/patch/delete", vec![s("tail")]);
    osc.commit();
    std::thread::sleep(Duration::from_secs(1));
    let after = osc.status();
    assert_eq!(after.failovers, 0, "{after:?}");
    // A block is dropped only when its worker was late (preempted on a loaded machine).
    assert!(after.drops <= after.late, "{after:?}");
    let freeing = after.underruns - loaded.underruns;
    drop(capture);
    drop(synth);
    if during + freeing > 0 {
        return Err(format!(
            "{during} underruns during the load, {freeing} after it"
        ));
    }
    Ok(())
}

#[test]
fn loading_a_100_mib_wav_causes_no_underrun() {
    retry_disturbed(3, load_big_while_playing);
}
