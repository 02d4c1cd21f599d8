//! `scope` and `meter` in a running engine: their readings reach `/notify`
//! clients as `/scope` and `/meter`, with the right values, at most 30 a
//! second per observer.

mod common;

use common::engine::start_synth;
use common::*;
use rosc::OscType;
use std::time::{Duration, Instant};

/// A 750 Hz sine at 48 kHz: 64 samples a period, so every window the
/// engine hands over (whole 64-frame blocks) holds whole periods.
const PATCH: &str = "create s sine freq=750 gain=0.5\ncreate m meter\n\
                     create sc scope points=64\nconnect s m\nconnect s sc\n";

fn floats(args: &[OscType]) -> Vec<f32> {
    args.iter()
        .map(|a| match a {
            OscType::Float(x) => *x,
            other => panic!("not a float: {other:?}"),
        })
        .collect()
}

#[test]
fn scope_and_meter_readings_reach_notify_clients() {
    let server = JackServer::start();
    let patch = server.write_file("observe.patch", PATCH);
    let (mut synth, osc) = start_synth(&server, &["--patch", patch.to_str().unwrap()]);
    osc.ok("/notify", vec![OscType::Int(1)]);
    let (mut meters, mut scopes) = (Vec::new(), Vec::new());
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut first: Option<Instant> = None;
    while meters.len() < 60 || scopes.len() < 10 {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(m) = osc.recv(left) else {
            panic!(
                "{} /meter and {} /scope within 30 s\n{}",
                meters.len(),
                scopes.len(),
                synth.output()
            );
        };
        match m.addr.as_str() {
            "/meter" => {
                assert_eq!(m.args[0], OscType::String("m".into()));
                first.get_or_insert_with(Instant::now);
                meters.push(floats(&m.args[1..]));
            }
            "/scope" => {
                assert_eq!(m.args[0], OscType::String("sc".into()));
                scopes.push(floats(&m.args[1..]));
            }
            _ => {}
        }
    }
    let elapsed = first.unwrap().elapsed().as_secs_f64();
    for r in &meters {
        let (rms, peak) = (r[0], r[1]);
        assert!((rms - 0.5 / 2f32.sqrt()).abs() < 1e-3, "meter rms {rms}");
        assert!((peak - 0.5).abs() < 1e-3, "meter peak {peak}");
    }
    for xs in &scopes {
        assert_eq!(xs.len(), 64, "points=64");
        // One whole period of the sine: its peaks and its RMS.
        let peak = xs.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!((peak - 0.5).abs() < 1e-3, "scope peak {peak}");
        assert!((rms(xs) - 0.5 / 2f64.sqrt()).abs() < 1e-3);
    }
    // At most 30 a second (with room for readings queued before the first
    // was received, on a loaded machine).
    let most = 30.0 * elapsed + 16.0;
    assert!(
        (meters.len() as f64) <= most,
        "{} /meter in {elapsed:.2} s",
        meters.len()
    );
    assert!(synth.try_wait().is_none(), "{}", synth.output());
}
