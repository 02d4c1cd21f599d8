//! Tests of the OSC surface without JACK: the decoder and the dispatcher run
//! against a mock backend that records what would reach the engine.

use super::decode::{self, decode, flatten, timetag, to_timetag, When};
use super::dispatch::{modules_list, Backend, Dispatcher, Progress, Status};
use super::request::{parse, Request};
use super::send::{format_message, infer};
use crate::control::{Notice, Ticket};
use crate::osc::peer::Peer;
use dsp::{Graph, ParamArg, Patch, PatchError, Registry};
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
use std::path::{Path, PathBuf};

/// What the mock engine was asked to do.
#[derive(Debug, Clone, PartialEq)]
enum Did {
    Set(String, String, f32, Option<u64>),
    Gate(String, bool, Option<u64>),
    Commit(Option<u64>),
}

struct Mock {
    reg: Registry,
    pending: Patch,
    committed: Patch,
    queued: Vec<(Ticket, Patch)>,
    next_ticket: u64,
    now: f64,
    sr: f64,
    /// frame_at(t) = anchor.1 + (t - anchor.0)·sr, rounded like `Clock`.
    anchor: (f64, f64),
    rendered: u64,
    did: Vec<Did>,
    recording: Option<PathBuf>,
}

impl Mock {
    fn new() -> Mock {
        Mock {
            reg: crate::registry(),
            pending: Patch::new(),
            committed: Patch::new(),
            queued: Vec::new(),
            next_ticket: 1,
            now: 1_700_000_000.25,
            sr: 48_000.0,
            anchor: (1_700_000_000.0, 1_000_000.0),
            rendered: 1_012_000,
            did: Vec::new(),
            recording: None,
        }
    }

    /// The queued commits switch; returns the notices control would give.
    fn switch(&mut self) -> Vec<Notice> {
        let mut notices = Vec::new();
        for (ticket, p) in std::mem::take(&mut self.queued) {
            self.committed = p;
            notices.push(Notice::Committed {
                ticket,
                slot: (ticket.0 % 2) as usize,
                version: ticket.0 as u32,
            });
        }
        notices
    }
}

impl Progress for Mock {
    fn is_settled(&self) -> bool {
        self.queued.is_empty()
    }
    fn rendered(&self) -> u64 {
        self.rendered
    }
}

impl Backend for Mock {
    fn edit(&mut self) -> (&Registry, &mut Patch) {
        (&self.reg, &mut self.pending)
    }
    fn registry(&self) -> &Registry {
        &self.reg
    }
    fn pending(&self) -> &Patch {
        &self.pending
    }
    fn committed(&self) -> &Patch {
        &self.committed
    }
    fn abort(&mut self) {
        self.pending = self.committed.clone();
    }
    fn commit(&mut self, at: Option<u64>) -> Result<Ticket, PatchError> {
        Graph::compile(&self.pending, &self.reg, self.sr as f32, 2)?;
        let t = Ticket(self.next_ticket);
        self.next_ticket += 1;
        self.queued.push((t, self.pending.clone()));
        self.did.push(Did::Commit(at));
        Ok(t)
    }
    fn set_live(
        &mut self,
        id: &str,
        param: &str,
        value: &ParamArg,
        frame: Option<u64>,
    ) -> Result<(f32, Vec<String>), PatchError> {
        let (v, w) = self.committed.set(&self.reg, id, param, value)?;
        if self.pending.module_index(id).is_some() {
            let _ = self.pending.set(&self.reg, id, param, value);
        }
        let canonical = {
            let spec = self.committed.spec_of(&self.reg, id)?;
            spec.params[spec.param_index(param).expect("set checked it")].name
        };
        self.did
            .push(Did::Set(id.into(), canonical.into(), v, frame));
        Ok((v, w))
    }
    fn gate(&mut self, id: &str, on: bool, frame: Option<u64>) -> Result<(), PatchError> {
        if !self.committed.spec_of(&self.reg, id)?.gate {
            return Err(PatchError::NoGate(id.into()));
        }
        self.did.push(Did::Gate(id.into(), on, frame));
        Ok(())
    }
    fn unix_now(&self) -> f64 {
        self.now
    }
    fn frame_at(&mut self, t: f64) -> u64 {
        let f = self.anchor.1 + (t - self.anchor.0) * self.sr;
        if f < 0.0 {
            0
        } else {
            (f + 0.5) as u64
        }
    }
    fn sample_rate(&self) -> f64 {
        self.sr
    }
    fn status(&mut self) -> Status {
        Status {
            active_slot: 1,
            version: 3,
            modules: self.committed.modules.len(),
            load_avg: 0.25,
            load_peak: 0.5,
            underruns: 1,
            xruns: 2,
            drops: 0,
            late: 4,
            switches: 5,
            failovers: 6,
            sample_rate: 48_000.0,
            buffer_size: 256,
            lead: 2,
            ring: 2.5,
        }
    }
    fn telemetry(&self) -> Vec<(String, f64)> {
        vec![("cycles".into(), 12.0), ("slot0.lost_events".into(), 0.0)]
    }
    fn record_start(&mut self, path: &Path) -> Result<(), String> {
        if self.recording.is_some() {
            return Err("a recording is already running".into());
        }
        self.recording = Some(path.to_path_buf());
        Ok(())
    }
    fn record_stop(&mut self) -> Result<(PathBuf, u64), String> {
        self.recording
            .take()
            .map(|p| (p, 48_000))
            .ok_or_else(|| "no recording is running".into())
    }
}

fn client() -> Peer {
    Peer::Udp("127.0.0.1:40001".parse().unwrap())
}

fn other() -> Peer {
    Peer::Udp("127.0.0.1:40002".parse().unwrap())
}

fn m(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: addr.into(),
        args,
    })
}

fn st(x: &str) -> OscType {
    OscType::String(x.into())
}

fn bundle(time: OscTime, content: Vec<OscPacket>) -> OscPacket {
    OscPacket::Bundle(OscBundle {
        timetag: time,
        content,
    })
}

fn enc(p: &OscPacket) -> Vec<u8> {
    rosc::encoder::encode(p).unwrap()
}

struct Rig {
    d: Dispatcher,
    b: Mock,
    dir: PathBuf,
}

impl Rig {
    fn new() -> Rig {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("synth-jack-osc-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Rig {
            d: Dispatcher::new(dir.join("patches"), dir.join("recordings")),
            b: Mock::new(),
            dir,
        }
    }

    /// Sends a packet (encoded and decoded as on the wire) from `from`;
    /// returns every reply as (recipient, message).
    fn send_from(&mut self, from: Peer, p: OscPacket) -> Vec<(Peer, OscMessage)> {
        let packet = decode(&enc(&p));
        self.d.handle(&mut self.b, from, packet);
        self.d.out.drain(..).map(|r| (r.to, r.msg)).collect()
    }

    /// Sends from `client()`; returns the replies to it.
    fn send(&mut self, p: OscPacket) -> Vec<OscMessage> {
        self.send_from(client(), p)
            .into_iter()
            .filter(|(to, _)| *to == client())
            .map(|(_, m)| m)
            .collect()
    }

    fn raw(&mut self, bytes: &[u8]) -> Vec<OscMessage> {
        self.d.handle(&mut self.b, client(), decode(bytes));
        self.d.out.drain(..).map(|r| r.msg).collect()
    }

    fn notices(&mut self, n: Vec<Notice>) -> Vec<(Peer, OscMessage)> {
        self.d.notices(&self.b, n);
        self.d.out.drain(..).map(|r| (r.to, r.msg)).collect()
    }

    /// Sends and expects exactly one reply: `/done <what> ...`.
    fn ok(&mut self, p: OscPacket) -> OscMessage {
        let r = self.send(p);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].addr, "/done", "{r:?}");
        r[0].clone()
    }

    /// Sends and expects exactly one reply, `/fail`; returns (address, reason).
    fn fails(&mut self, p: OscPacket) -> (String, String) {
        let r = self.send(p);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].addr, "/fail", "{r:?}");
        match (&r[0].args[0], &r[0].args[1]) {
            (OscType::String(a), OscType::String(b)) => (a.clone(), b.clone()),
            other => panic!("bad /fail args {other:?}"),
        }
    }

    /// Builds and commits a sine and an adsr; switches.
    fn playing(&mut self) {
        self.ok(m(
            "/patch/create",
            vec![st("osc1"), st("sine"), st("freq"), OscType::Int(220)],
        ));
        self.ok(m("/patch/create", vec![st("env"), st("adsr")]));
        self.ok(m("/patch/create", vec![st("out"), st("output")]));
        self.ok(m("/patch/connect", vec![st("osc1"), st("env")]));
        self.ok(m("/patch/connect", vec![st("env.out"), st("out.in1")]));
        assert!(self.send(m("/patch/commit", vec![])).is_empty());
        let n = self.b.switch();
        self.notices(n);
        self.b.did.clear();
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

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
fn editing_and_commit_reply_after_the_switch() {
    let mut r = Rig::new();
    let done = r.ok(m(
        "/patch/create",
        vec![
            st("osc1"),
            st("sine"),
            st("freq"),
            OscType::Float(440.0),
            st("gain=0.3"),
        ],
    ));
    assert_eq!(done.args, vec![st("/patch/create"), st("osc1")]);
    let done = r.ok(m("/patch/create", vec![st("out"), st("output")]));
    assert_eq!(done.args, vec![st("/patch/create"), st("out")]);
    assert_eq!(
        r.ok(m("/patch/connect", vec![st("osc1"), st("out.in1")]))
            .args,
        vec![st("/patch/connect")]
    );
    assert_eq!(
        r.ok(m("/patch/disconnect", vec![st("osc1"), st("out")]))
            .args,
        vec![st("/patch/disconnect")]
    );
    r.fails(m("/patch/disconnect", vec![st("osc1"), st("out")]));
    r.ok(m("/patch/connect", vec![st("osc1.out"), st("out")]));
    r.ok(m(
        "/patch/set",
        vec![st("osc1"), st("freq"), OscType::Int(330)],
    ));
    assert_eq!(
        r.b.pending.param_value(&r.b.reg, "osc1", "freq").unwrap(),
        330.0
    );
    // Nothing until the switch, then /done with slot and version.
    assert!(r.send(m("/patch/commit", vec![])).is_empty());
    assert_eq!(r.b.did, vec![Did::Commit(None)]);
    let n = r.b.switch();
    let replies = r.notices(n);
    assert_eq!(
        replies,
        vec![(
            client(),
            OscMessage {
                addr: "/done".into(),
                args: vec![st("/patch/commit"), OscType::Int(1), OscType::Int(1)]
            }
        )]
    );
    // Dump both patches in patch-file syntax.
    let d = r.send(m("/patch/dump", vec![]));
    assert_eq!(d[0].addr, "/patch.dump");
    let text = match &d[0].args[0] {
        OscType::String(s) => s.clone(),
        _ => panic!(),
    };
    assert!(text.contains("create osc1 sine"), "{text}");
    assert!(text.contains("connect osc1.out out.in1"), "{text}");
    let (p, _) = Patch::parse(&r.b.reg, &text).unwrap();
    assert_eq!(p, r.b.committed);
    r.ok(m("/patch/delete", vec![st("osc1")]));
    let d = r.send(m("/patch/dump", vec![st("pending")]));
    assert!(!format!("{:?}", d[0].args).contains("osc1"));
    r.ok(m("/patch/abort", vec![]));
    assert_eq!(r.b.pending, r.b.committed);
    r.ok(m("/patch/clear", vec![]));
    assert!(r.b.pending.modules.is_empty());
}

#[test]
fn errors_name_what_is_wrong() {
    let mut r = Rig::new();
    let (a, why) = r.fails(m("/patch/create", vec![st("x"), st("nosuch")]));
    assert_eq!(a, "/patch/create");
    assert!(why.contains("nosuch"), "{why}");
    let (_, why) = r.fails(m("/patch/create", vec![st("../x"), st("sine")]));
    assert!(why.contains("../x"), "{why}");
    let (_, why) = r.fails(m("/patch/create", vec![OscType::Int(3), st("sine")]));
    assert!(why.contains("argument 1"), "{why}");
    let (_, why) = r.fails(m("/patch/create", vec![st("x")]));
    assert!(why.contains("expected at least 2"), "{why}");
    let (_, why) = r.fails(m("/patch/create", vec![st("x"), st("sine"), st("freq")]));
    assert!(why.contains("'freq' has no value"), "{why}");
    let (_, why) = r.fails(m(
        "/patch/create",
        vec![st("x"), st("sine"), st("nope"), OscType::Int(1)],
    ));
    assert!(why.contains("nope"), "{why}");
    r.ok(m("/patch/create", vec![st("a"), st("vca")]));
    r.ok(m("/patch/create", vec![st("b"), st("vca")]));
    r.ok(m("/patch/connect", vec![st("a"), st("b")]));
    let (_, why) = r.fails(m("/patch/connect", vec![st("b"), st("a")]));
    assert!(why.contains("cycle"), "{why}");
    let (_, why) = r.fails(m("/patch/connect", vec![st("a.zzz"), st("b")]));
    assert!(why.contains("zzz"), "{why}");
    let (_, why) = r.fails(m("/patch/connect", vec![st("a"), st("ghost")]));
    assert!(why.contains("ghost"), "{why}");
    let (_, why) = r.fails(m("/patch/set", vec![st("a"), st("gain"), st("loud")]));
    assert!(why.contains("loud"), "{why}");
    let (_, why) = r.fails(m("/patch/set", vec![st("a"), st("gain"), OscType::Nil]));
    assert!(why.contains("nil"), "{why}");
    let (a, why) = r.fails(m("/nope", vec![]));
    assert_eq!(a, "/nope");
    assert!(why.contains("unknown address"), "{why}");
    let (_, why) = r.fails(m("/status", vec![OscType::Int(1)]));
    assert!(why.contains("expected 0 arguments, got 1"), "{why}");
    let (_, why) = r.fails(m("/patch/delete", vec![st("ghost")]));
    assert!(why.contains("ghost"), "{why}");
    // Malformed: /fail with an empty address.
    let replies = r.raw(b"/status\0,i\0\0\0\0");
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].addr, "/fail");
    assert_eq!(replies[0].args[0], st(""));
    let replies = r.raw(b"garbage");
    assert_eq!(replies[0].args[0], st(""));
    let replies = r.raw(b"");
    assert_eq!(replies[0].addr, "/fail");
}

#[test]
fn choice_values_and_numbers_interchange() {
    let mut r = Rig::new();
    r.ok(m(
        "/patch/create",
        vec![st("f1"), st("biquad"), st("mode"), st("highpass")],
    ));
    r.ok(m("/patch/set", vec![st("f1"), st("mode"), st("notch")]));
    r.ok(m(
        "/patch/set",
        vec![st("f1"), st("cutoff"), OscType::Int(500)],
    ));
    r.ok(m(
        "/patch/set",
        vec![st("f1"), st("cutoff"), OscType::Double(600.5)],
    ));
    r.ok(m("/patch/set", vec![st("f1"), st("q"), st("2.5")]));
    let p = &r.b.pending;
    assert_eq!(p.param_value(&r.b.reg, "f1", "mode").unwrap(), 3.0);
    assert_eq!(p.param_value(&r.b.reg, "f1", "cutoff").unwrap(), 600.5);
    assert_eq!(p.param_value(&r.b.reg, "f1", "q").unwrap(), 2.5);
}

#[test]
fn mod_and_gate_answer_only_failures() {
    let mut r = Rig::new();
    r.playing();
    assert!(r
        .send(m("/mod/osc1/freq", vec![OscType::Int(300)]))
        .is_empty());
    assert!(r
        .send(m("/mod/osc1/frequency", vec![OscType::Float(310.0)]))
        .is_empty());
    assert_eq!(
        r.b.did,
        vec![
            Did::Set("osc1".into(), "freq".into(), 300.0, None),
            Did::Set("osc1".into(), "freq".into(), 310.0, None)
        ]
    );
    // Recorded in pending too.
    assert_eq!(
        r.b.pending.param_value(&r.b.reg, "osc1", "freq").unwrap(),
        310.0
    );
    let (a, why) = r.fails(m("/mod/osc1/nope", vec![OscType::Int(1)]));
    assert_eq!(a, "/mod/osc1/nope");
    assert!(why.contains("nope") && why.contains("osc1"), "{why}");
    let (_, why) = r.fails(m("/mod/ghost/freq", vec![OscType::Int(1)]));
    assert!(why.contains("ghost"), "{why}");
    let (_, why) = r.fails(m("/mod/osc1/freq", vec![st("fast")]));
    assert!(why.contains("fast"), "{why}");
    let (_, why) = r.fails(m("/mod/osc1/freq", vec![]));
    assert!(why.contains("expected 1 argument, got 0"), "{why}");
    let (_, why) = r.fails(m("/mod/osc1", vec![OscType::Int(1)]));
    assert!(why.contains("/mod/ID/PARAM"), "{why}");
    // A module only in pending gets a hint.
    r.ok(m("/patch/create", vec![st("later"), st("sine")]));
    let (_, why) = r.fails(m("/mod/later/freq", vec![OscType::Int(1)]));
    assert!(why.contains("pending"), "{why}");

    r.b.did.clear();
    for (arg, on) in [
        (OscType::Int(1), true),
        (OscType::Int(0), false),
        (OscType::Float(1.0), true),
        (OscType::Float(0.0), false),
        (st("on"), true),
        (st("off"), false),
        (st("true"), true),
        (st("false"), false),
        (OscType::Bool(true), true),
        (OscType::Bool(false), false),
    ] {
        assert!(r.send(m("/gate/env", vec![arg])).is_empty());
        assert_eq!(r.b.did.pop(), Some(Did::Gate("env".into(), on, None)));
    }
    let (_, why) = r.fails(m("/gate/osc1", vec![OscType::Int(1)]));
    assert!(why.contains("no gate"), "{why}");
    let (_, why) = r.fails(m("/gate/env", vec![st("maybe")]));
    assert!(why.contains("maybe"), "{why}");
}

#[test]
fn bundle_frames_keep_exact_spacing() {
    let mut r = Rig::new();
    r.playing();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..2000 {
        // Any start time between 0.5 and 1.5 s ahead, at NTP resolution.
        let t0 = r.b.now + 0.5 + (xorshift(&mut seed) % 1_000_000) as f64 / 1e6;
        r.b.anchor.1 = (xorshift(&mut seed) % 1_000_000_000) as f64;
        r.b.anchor.0 = r.b.now;
        r.b.rendered = r.b.anchor.1 as u64;
        r.b.did.clear();
        let p = bundle(
            to_timetag(t0),
            vec![
                bundle(to_timetag(t0), vec![m("/gate/env", vec![OscType::Int(1)])]),
                bundle(
                    to_timetag(t0 + 0.010),
                    vec![m("/gate/env", vec![OscType::Int(0)])],
                ),
            ],
        );
        assert!(r.send(p).is_empty());
        let frames: Vec<u64> =
            r.b.did
                .iter()
                .map(|d| match d {
                    Did::Gate(_, _, Some(f)) => *f,
                    other => panic!("{other:?}"),
                })
                .collect();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1] - frames[0], 480);
    }
    assert_eq!(r.d.late_bundles(), 0);
}

#[test]
fn timed_commit_and_mod_use_the_bundle_frame() {
    let mut r = Rig::new();
    r.playing();
    let t = r.b.now + 1.0;
    let expect = r.b.frame_at(t);
    r.ok(m(
        "/patch/set",
        vec![st("osc1"), st("freq"), OscType::Int(500)],
    ));
    let p = bundle(
        to_timetag(t),
        vec![
            m("/patch/commit", vec![]),
            m("/mod/osc1/gain", vec![OscType::Float(0.1)]),
        ],
    );
    assert!(r.send(p).is_empty());
    assert_eq!(
        r.b.did,
        vec![
            Did::Commit(Some(expect)),
            Did::Set("osc1".into(), "gain".into(), 0.1, Some(expect))
        ]
    );
    // "Immediately" is not late.
    r.b.did.clear();
    let p = bundle(
        OscTime {
            seconds: 0,
            fractional: 1,
        },
        vec![m("/gate/env", vec![OscType::Int(1)])],
    );
    assert!(r.send(p).is_empty());
    assert_eq!(r.b.did, vec![Did::Gate("env".into(), true, None)]);
    assert_eq!(r.d.late_bundles(), 0);
}

#[test]
fn late_bundles_apply_at_once_and_are_reported() {
    let mut r = Rig::new();
    r.playing();
    assert_eq!(
        r.send_from(other(), m("/notify", vec![OscType::Int(1)])),
        vec![(
            other(),
            OscMessage {
                addr: "/done".into(),
                args: vec![st("/notify")]
            }
        )]
    );
    // In the past.
    let p = bundle(
        to_timetag(r.b.now - 0.5),
        vec![
            m("/gate/env", vec![OscType::Int(1)]),
            m("/gate/env", vec![OscType::Int(0)]),
        ],
    );
    let replies = r.send_from(client(), p);
    assert_eq!(
        r.b.did,
        vec![
            Did::Gate("env".into(), true, None),
            Did::Gate("env".into(), false, None)
        ]
    );
    assert_eq!(replies.len(), 1, "one /late per bundle: {replies:?}");
    assert_eq!(replies[0].0, other());
    assert_eq!(replies[0].1.addr, "/late");
    match replies[0].1.args[..] {
        [OscType::Float(s), OscType::String(ref a)] => {
            assert!((s - 0.5).abs() < 0.01, "{s}");
            assert_eq!(a, "/gate/env");
        }
        ref other => panic!("{other:?}"),
    }
    // In the future but already rendered.
    r.b.did.clear();
    let t = r.b.now + 0.001;
    r.b.rendered = r.b.frame_at(t) + 100;
    let p = bundle(
        to_timetag(t),
        vec![m("/mod/osc1/freq", vec![OscType::Int(1)])],
    );
    let replies = r.send_from(client(), p);
    assert_eq!(replies.len(), 1);
    assert_eq!(
        r.b.did,
        vec![Did::Set("osc1".into(), "freq".into(), 1.0, None)]
    );
    assert_eq!(r.d.late_bundles(), 2);
    // /status adds late bundles to the workers' late renders.
    let s = r.send(m("/status", vec![]));
    assert_eq!(s[0].addr, "/status.reply");
    assert_eq!(s[0].args.len(), 15);
    assert_eq!(s[0].args[8], OscType::Int(4 + 2));
    assert_eq!(s[0].args[0], OscType::Int(1));
    assert_eq!(s[0].args[2], OscType::Int(3));
    assert_eq!(s[0].args[11], OscType::Float(48_000.0));
    assert_eq!(s[0].args[12], OscType::Int(256));
    assert_eq!(s[0].args[13], OscType::Int(2));
    // Far future is refused.
    let (_, why) = r.fails(bundle(
        to_timetag(r.b.now + 7200.0),
        vec![m("/gate/env", vec![OscType::Int(1)])],
    ));
    assert!(why.contains("ahead"), "{why}");
}

#[test]
fn notify_relays_engine_notices() {
    let mut r = Rig::new();
    r.send_from(other(), m("/notify", vec![OscType::Int(1)]));
    let got = r.notices(vec![
        Notice::Xrun(7),
        Notice::Failover { from: 0, to: 1 },
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
        vec!["/xrun 7", "/failover 0 1", "/patch.switched 1 4"]
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
        reason: "worker queue full".into(),
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
fn load_and_save_stay_in_their_directory() {
    let mut r = Rig::new();
    r.playing();
    let done = r.ok(m("/patch/save", vec![st("song_1")]));
    assert_eq!(done.args, vec![st("/patch/save"), st("song_1")]);
    let file = r.dir.join("patches/song_1.patch");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("create osc1 sine"));
    r.ok(m("/patch/clear", vec![]));
    let done = r.ok(m("/patch/load", vec![st("song_1")]));
    assert_eq!(done.args, vec![st("/patch/load"), st("song_1")]);
    assert_eq!(r.b.pending, r.b.committed);
    for bad in ["../x", "a/b", "", "x.patch", "/etc/passwd", &"y".repeat(65)] {
        let (_, why) = r.fails(m("/patch/load", vec![st(bad)]));
        assert!(why.contains("bad name"), "{bad}: {why}");
        r.fails(m("/patch/save", vec![st(bad)]));
    }
    let (_, why) = r.fails(m("/patch/load", vec![st("missing")]));
    assert!(why.contains("missing"), "{why}");
    std::fs::write(r.dir.join("patches/broken.patch"), "create x nosuch\n").unwrap();
    let (_, why) = r.fails(m("/patch/load", vec![st("broken")]));
    assert!(why.contains("line 1") && why.contains("nosuch"), "{why}");
    // No temp files left behind.
    let names: Vec<_> = std::fs::read_dir(r.dir.join("patches"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.contains("tmp")), "{names:?}");
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

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

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

/// Every example patch parses with this build's module types.
#[test]
fn example_patches_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let reg = crate::registry();
    let mut count = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().and_then(|x| x.to_str()) != Some("patch") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let (p, warnings) =
            Patch::parse(&reg, &text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(warnings.is_empty(), "{}: {warnings:?}", path.display());
        Graph::compile(&p, &reg, 48_000.0, 2).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        count += 1;
    }
    assert!(count >= 4, "only {count} example patches");
}
