//! Tests of the OSC surface without JACK: the decoder and the dispatcher run
//! against a mock backend that records what would reach the engine.
//!
//! This file holds the mock backend and the test rig; the tests are grouped
//! by concern in the files beside it.

mod decoding;
mod editing;
mod failures;
mod fuzz;
mod instruments;
mod live;
mod notify;
mod timetags;

use super::decode::{self, decode, flatten, timetag, to_timetag, When};
use super::dispatch::{modules_list, Backend, Dispatcher, Progress, Status, MAX_NOTIFY};
use super::request::{parse, Request};
use super::send::{format_message, infer};
use super::{Failure, StatusReply};
use crate::control::{Notice, Ticket};
use crate::osc::peer::Peer;
use crate::record::RecordError;
use dsp::{Graph, ParamArg, Patch, PatchError, Registry};
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
use std::path::{Path, PathBuf};

/// What the mock engine was asked to do.
#[derive(Debug, Clone, PartialEq)]
enum Did {
    Set(String, String, f32, Option<u64>),
    Gate(String, bool, Option<u64>),
    Commit(Option<u64>),
    Note(String, dsp::NoteEvent, Option<u64>),
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
    fn cancel(&mut self) -> usize {
        std::mem::take(&mut self.queued).len()
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
    fn note(
        &mut self,
        inst: &str,
        ev: dsp::NoteEvent,
        frame: Option<u64>,
    ) -> Result<(), PatchError> {
        if self.committed.spec_of(&self.reg, inst)?.name != "instrument" {
            return Err(PatchError::UnknownModule(inst.into()));
        }
        self.did.push(Did::Note(inst.into(), ev, frame));
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
            counters: crate::status::Snapshot {
                active_slot: 1,
                version: 3,
                load_avg: 0.25,
                load_peak: 0.5,
                underruns: 1,
                xruns: 2,
                drops: 0,
                late: 4,
                switches: 5,
                failovers: 6,
                ring: 2.5,
                peaks_db: Vec::new(),
            },
            modules: self.committed.modules.len(),
            sample_rate: 48_000.0,
            buffer_size: 256,
            lead: 2,
        }
    }
    fn telemetry(&self) -> Vec<(String, f64)> {
        vec![("cycles".into(), 12.0), ("slot0.lost_events".into(), 0.0)]
    }
    fn record_start(&mut self, path: &Path, overwrite: bool) -> Result<(), Failure> {
        if self.recording.is_some() {
            return Err(RecordError::AlreadyRunning.into());
        }
        if !overwrite && path.exists() {
            return Err(RecordError::Exists(path.to_path_buf()).into());
        }
        self.recording = Some(path.to_path_buf());
        Ok(())
    }
    fn record_stop(&mut self) -> Result<(PathBuf, u64), Failure> {
        self.recording
            .take()
            .map(|p| (p, 48_000))
            .ok_or(Failure::Record(RecordError::NotRunning))
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

/// A tiny deterministic random number generator for the tests.
fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}
