//! Patches whose parts render on different threads, shared by the live (`engine_parallel`) and
//! offline (`cli_tools`) bit-identity tests: voices, chains meeting at a mixer, voices sharing a
//! modulator, feedback through delays.
#![allow(dead_code)]

use std::fmt::Write as _;

/// Every patch of this module, by name.
pub fn all() -> [(&'static str, String); 4] {
    [
        ("voices", voices()),
        ("chains", chains()),
        ("shared", shared_modulator()),
        ("feedback", feedback_delay()),
    ]
}

/// Saw → ladder voices into `out`: one part each.
pub fn voices() -> String {
    let mut t = String::from("create out output\n");
    for v in 0..12 {
        writeln!(
            t,
            "create vo{v} saw freq={} gain=0.05\ncreate vf{v} ladder cutoff={} resonance=0.4\n\
             connect vo{v} vf{v}\nconnect vf{v} out",
            55 + 7 * v,
            400 + 50 * v
        )
        .unwrap();
    }
    t
}

/// Square → svf chains meeting at a mixer, then a reverb into `out`.
pub fn chains() -> String {
    let mut t = String::from("create cmix mixer\ncreate cverb reverb\ncreate out output\n");
    for v in 1..=4 {
        writeln!(
            t,
            "create co{v} square freq={} gain=0.2\ncreate cf{v} svf cutoff={}\n\
             connect co{v} cf{v}\nconnect cf{v} cmix.in{v}",
            100 * v,
            300 * v
        )
        .unwrap();
    }
    t + "connect cmix cverb\nconnect cverb out\n"
}

/// Sines into `out`, every other one frequency-modulated by one shared LFO.
pub fn shared_modulator() -> String {
    let mut t = String::from("create out output\ncreate mlfo sine freq=3 gain=4\n");
    for v in 0..8 {
        writeln!(
            t,
            "create mo{v} sine freq={} gain=0.05\nconnect mo{v} out",
            200 + 30 * v
        )
        .unwrap();
        if v % 2 == 0 {
            writeln!(t, "connect mlfo mo{v}.freq").unwrap();
        }
    }
    t
}

/// Saws through delays feeding back on themselves, into `out`.
pub fn feedback_delay() -> String {
    let mut t = String::from("create out output\n");
    for v in 0..6 {
        writeln!(
            t,
            "create do{v} saw freq={} gain=0.05\n\
             create dd{v} delay time=0.003 feedback=0.9 mix=0.7\n\
             connect do{v} dd{v}\nconnect dd{v} out",
            110 + 20 * v
        )
        .unwrap();
    }
    t
}
