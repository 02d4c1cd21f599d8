//! The decoder, timetags, request parsing and `synth-jack send`'s type inference.

use super::*;

#[test]
fn timetags_convert_without_rosc() {
    assert_eq!(
        timetag(OscTime {
            seconds: 0,
            fractional: 1
        }),
        When::Now
    );
    assert_eq!(
        timetag(OscTime {
            seconds: 0,
            fractional: 0
        }),
        When::Now
    );
    let t = OscTime {
        seconds: 2_208_988_800 + 10,
        fractional: 1 << 31,
    };
    assert_eq!(timetag(t), When::At(10.5));
    let back = to_timetag(1_700_000_000.123_456);
    match timetag(back) {
        When::At(x) => assert!((x - 1_700_000_000.123_456).abs() < 1e-6),
        When::Now => panic!(),
    }
}

#[test]
fn requests_parse_purely() {
    let msg = |addr: &str, args| OscMessage {
        addr: addr.into(),
        args,
    };
    assert_eq!(
        parse(&msg("/mod/osc1/freq", vec![OscType::Long(5)])),
        Ok(Request::Mod {
            id: "osc1".into(),
            param: "freq".into(),
            value: ParamArg::Number(5.0)
        })
    );
    assert_eq!(
        parse(&msg("/patch/dump", vec![st("pending")])),
        Ok(Request::Dump { pending: true })
    );
    assert!(parse(&msg("/mod//freq", vec![OscType::Int(1)])).is_err());
    assert!(parse(&msg("/mod/a/b/c", vec![OscType::Int(1)])).is_err());
    assert!(parse(&msg("/gate/", vec![OscType::Int(1)])).is_err());
    assert!(parse(&msg("/sync", vec![OscType::Nil])).is_err());
    assert!(parse(&msg("/notify", vec![st("perhaps")])).is_err());
    assert!(Request::Mod {
        id: "a".into(),
        param: "b".into(),
        value: ParamArg::Number(1.0)
    }
    .silent());
}

#[test]
fn send_infers_types() {
    assert_eq!(infer("42"), OscType::Int(42));
    assert_eq!(infer("-3"), OscType::Int(-3));
    assert_eq!(infer("0.5"), OscType::Float(0.5));
    assert_eq!(infer("1e3"), OscType::Float(1000.0));
    assert_eq!(infer("osc1"), st("osc1"));
    assert_eq!(infer("true"), st("true"));
    assert_eq!(infer("inf"), st("inf"));
    assert_eq!(infer("nan"), st("nan"));
    assert_eq!(infer("99999999999"), OscType::Float(99_999_999_999.0));
}

#[test]
fn decoder_limits() {
    // Nesting at the limit is fine; one deeper is refused before rosc.
    let mut p = m("/status", vec![]);
    for _ in 0..decode::MAX_DEPTH {
        p = bundle(
            OscTime {
                seconds: 0,
                fractional: 1,
            },
            vec![p],
        );
    }
    assert!(decode(&enc(&p)).is_ok());
    let deeper = bundle(
        OscTime {
            seconds: 0,
            fractional: 1,
        },
        vec![p],
    );
    assert!(decode(&enc(&deeper)).unwrap_err().contains("nested"));
    // Message count.
    let many = bundle(
        OscTime {
            seconds: 0,
            fractional: 1,
        },
        (0..decode::MAX_MESSAGES + 1)
            .map(|_| m("/status", vec![]))
            .collect(),
    );
    assert!(decode(&enc(&many)).unwrap_err().contains("messages"));
    // Deep arrays in a type-tag string.
    let mut bytes = b"/status\0".to_vec();
    let mut tags = b",".to_vec();
    tags.extend([b'['; 5000]);
    tags.extend([b']'; 5000]);
    tags.push(0);
    while tags.len() & 3 != 0 {
        tags.push(0);
    }
    bytes.extend(tags);
    assert!(decode(&bytes).unwrap_err().contains("arrays"));
    // A deep hand-made bundle chain (bigger than any encoder would nest).
    let mut chain = Vec::new();
    let depth = 3000;
    for k in 0..depth {
        chain.extend_from_slice(b"#bundle\0");
        chain.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
        let rest = (depth - k - 1) * 20 + 12;
        chain.extend_from_slice(&(rest as u32).to_be_bytes());
    }
    chain.extend_from_slice(b"/status\0,\0\0\0");
    assert!(decode(&chain).unwrap_err().contains("nested"));
    // Trailing bytes after a message.
    let mut extra = enc(&m("/status", vec![]));
    extra.extend_from_slice(&[0, 0, 0, 1]);
    assert!(decode(&extra).is_err());
    // Flattening keeps each bundle's own time and order.
    let t1 = to_timetag(100.0);
    let t2 = to_timetag(200.0);
    let items = flatten(bundle(
        t1,
        vec![
            m("/a", vec![]),
            bundle(t2, vec![m("/b", vec![])]),
            m("/c", vec![]),
        ],
    ));
    let got: Vec<(&str, When, usize)> = items
        .iter()
        .map(|i| (i.msg.addr.as_str(), i.when, i.bundle))
        .collect();
    assert_eq!(
        got,
        vec![
            ("/a", When::At(100.0), 1),
            ("/b", When::At(200.0), 2),
            ("/c", When::At(100.0), 1)
        ]
    );
}
