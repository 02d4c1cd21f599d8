//! Random and mutated datagrams through the decoder and the dispatcher.

use super::*;

/// Valid packets the fuzzer starts from.
fn seeds(now: f64) -> Vec<Vec<u8>> {
    let i = OscType::Int;
    let f = OscType::Float;
    let packets = vec![
        m(
            "/patch/create",
            vec![st("osc1"), st("sine"), st("freq"), i(440)],
        ),
        m(
            "/patch/create",
            vec![st("f1"), st("biquad"), st("mode=lowpass")],
        ),
        m("/patch/create", vec![st("e"), st("adsr")]),
        m("/patch/create", vec![st("o"), st("output")]),
        m("/patch/connect", vec![st("osc1"), st("f1")]),
        m("/patch/connect", vec![st("f1.out"), st("e.in")]),
        m("/patch/connect", vec![st("e"), st("o.in1")]),
        m("/patch/disconnect", vec![st("osc1"), st("f1")]),
        m("/patch/delete", vec![st("f1")]),
        m("/patch/set", vec![st("f1"), st("cutoff"), f(800.0)]),
        m("/patch/commit", vec![]),
        m("/patch/abort", vec![]),
        m("/patch/clear", vec![]),
        m("/patch/dump", vec![st("pending")]),
        m("/patch/save", vec![st("fuzz")]),
        m("/patch/load", vec![st("fuzz")]),
        m("/mod/osc1/freq", vec![f(300.0)]),
        m("/mod/f1/mode", vec![st("notch")]),
        m("/gate/e", vec![OscType::Bool(true)]),
        m("/gate/e", vec![st("off")]),
        m("/status", vec![]),
        m("/notify", vec![i(1)]),
        m("/sync", vec![i(3)]),
        m("/record/start", vec![st("r")]),
        m("/record/stop", vec![]),
        m("/modules", vec![]),
        m(
            "/x",
            vec![
                OscType::Blob(vec![1, 2, 3]),
                OscType::Double(1.0),
                OscType::Long(5),
                OscType::Nil,
                OscType::Inf,
                OscType::Char('x'),
                OscType::Array(rosc::OscArray {
                    content: vec![i(1), st("a")],
                }),
            ],
        ),
        bundle(
            to_timetag(now + 0.5),
            vec![
                m("/gate/e", vec![i(1)]),
                bundle(to_timetag(now + 0.51), vec![m("/gate/e", vec![i(0)])]),
                m("/patch/commit", vec![]),
            ],
        ),
        bundle(
            to_timetag(now - 1.0),
            vec![m("/mod/osc1/gain", vec![f(0.1)])],
        ),
    ];
    packets.iter().map(enc).collect()
}

/// 100,000 random and mutated datagrams through the decoder and the
/// dispatcher: no panic, and every datagram that is not a valid silent
/// request gets an answer or is a valid request answered later.
#[test]
fn fuzz_decoder_and_dispatcher() {
    let mut r = Rig::new();
    let base = seeds(r.b.now);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut answered = 0usize;
    // SYNTH_JACK_FUZZ=N runs N datagrams instead (e.g. a million in release).
    let total: usize = std::env::var("SYNTH_JACK_FUZZ")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    for n in 0..total {
        if n % 2000 == 0 {
            // Keep the patches small so commits stay cheap.
            r.b.pending = Patch::new();
            r.b.committed = Patch::new();
            let notices = r.b.switch();
            r.d.notices(&r.b, notices);
            r.b.recording = None;
        }
        let mut bytes = base[xorshift(&mut seed) as usize % base.len()].clone();
        match xorshift(&mut seed) % 10 {
            // Pure noise.
            0 => {
                let len = (xorshift(&mut seed) % 300) as usize;
                bytes = (0..len).map(|_| xorshift(&mut seed) as u8).collect();
            }
            // Truncated.
            1 => {
                let cut = xorshift(&mut seed) as usize % (bytes.len() + 1);
                bytes.truncate(cut);
            }
            // Byte flips.
            2 | 3 => {
                for _ in 0..1 + xorshift(&mut seed) % 4 {
                    if bytes.is_empty() {
                        break;
                    }
                    let k = xorshift(&mut seed) as usize % bytes.len();
                    bytes[k] = xorshift(&mut seed) as u8;
                }
            }
            // Type tag swaps.
            4 => {
                let tags = b"ifsbhdtTFNIcmr[]S";
                if let Some(k) = bytes.iter().position(|&b| b == b',') {
                    for b in bytes.iter_mut().skip(k + 1) {
                        if *b == 0 {
                            break;
                        }
                        if xorshift(&mut seed) & 1 == 0 {
                            *b = tags[xorshift(&mut seed) as usize % tags.len()];
                        }
                    }
                }
            }
            // Huge string argument.
            5 => {
                let len = 1000 + (xorshift(&mut seed) % 60_000) as usize;
                let big: String = (0..len).map(|k| (b'a' + (k % 26) as u8) as char).collect();
                let addr = ["/patch/create", "/patch/load", "/mod/a/b", "/sync", "/zz"]
                    [xorshift(&mut seed) as usize % 5];
                bytes = enc(&m(addr, vec![st(&big), st(&big[..len / 2])]));
            }
            // Nested bundles with random depth and times.
            6 => {
                let mut p = m("/gate/e", vec![OscType::Int(1)]);
                for _ in 0..xorshift(&mut seed) % 12 {
                    let t = OscTime {
                        seconds: xorshift(&mut seed) as u32,
                        fractional: xorshift(&mut seed) as u32,
                    };
                    p = bundle(t, vec![p.clone(), m("/status", vec![])]);
                }
                bytes = enc(&p);
            }
            // Element size fields overwritten.
            7 if bytes.starts_with(b"#bundle") && bytes.len() >= 20 => {
                let v = xorshift(&mut seed) as u32;
                bytes[16..20].copy_from_slice(&v.to_be_bytes());
            }
            // Two valid packets glued together.
            8 => {
                let extra = &base[xorshift(&mut seed) as usize % base.len()];
                bytes.extend_from_slice(extra);
            }
            // Unmodified.
            _ => {}
        }
        let packet = decode(&bytes);
        r.d.handle(&mut r.b, client(), packet);
        if !r.d.out.is_empty() {
            answered += 1;
        }
        r.d.out.clear();
        if n % 7 == 0 {
            r.b.rendered += 256;
            let notices = r.b.switch();
            r.d.notices(&r.b, notices);
            r.d.out.clear();
        }
    }
    assert!(answered > total / 2, "answered {answered} of {total}");
}
