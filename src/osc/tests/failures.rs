//! Failures by kind: the dispatcher's [`Failure`] for representative
//! refusals, and its text as the `/fail` reply carries it.

use super::*;
use crate::osc::dispatch::save_atomically;

impl Rig {
    /// Carries out `msg` from `client()` at once; why it failed.
    fn failure(&mut self, addr: &str, args: Vec<OscType>) -> Failure {
        let msg = OscMessage {
            addr: addr.into(),
            args,
        };
        let why = self
            .d
            .attempt(&mut self.b, client(), &msg, None)
            .expect_err(addr);
        // The `/fail` reply says exactly what the kind displays.
        let (to, reason) = self.fails(OscPacket::Message(msg));
        assert_eq!((to.as_str(), reason), (addr, why.to_string()));
        why
    }
}

#[test]
fn unknown_addresses_and_bad_arguments_are_bad_requests() {
    let mut r = Rig::new();
    assert!(matches!(
        r.failure("/patch/frobnicate", vec![]),
        Failure::UnknownAddress(_)
    ));
    assert!(matches!(
        r.failure("/patch/delete", vec![OscType::Int(3)]),
        Failure::BadRequest(_)
    ));
    assert!(matches!(
        r.failure("/patch/commit", vec![st("now"), st("please")]),
        Failure::BadRequest(_)
    ));
    assert!(matches!(
        r.failure("/mod/osc1", vec![OscType::Float(1.0)]),
        Failure::UnknownAddress(_)
    ));
    assert!(matches!(
        r.failure("/mod/osc1/freq", vec![OscType::Blob(vec![1])]),
        Failure::BadRequest(_)
    ));
}

#[test]
fn unknown_modules_are_patch_errors_or_not_playing() {
    let mut r = Rig::new();
    let args = || vec![st("ghost"), st("freq"), OscType::Float(1.0)];
    assert_eq!(
        r.failure("/patch/set", args()),
        Failure::Patch(PatchError::UnknownModule("ghost".into()))
    );
    let live = || vec![OscType::Float(1.0)];
    assert_eq!(
        r.failure("/mod/ghost/freq", live()),
        Failure::NotPlaying {
            id: "ghost".into(),
            pending: false
        }
    );
    r.ok(m("/patch/create", vec![st("ghost"), st("sine")]));
    assert_eq!(
        r.failure("/mod/ghost/freq", live()),
        Failure::NotPlaying {
            id: "ghost".into(),
            pending: true
        }
    );
    assert!(r.failure("/mod/ghost/freq", live()).is_client_error());
}

#[test]
fn files_outside_the_patch_dir_are_refused_before_any_file_is_touched() {
    let mut r = Rig::new();
    for addr in ["/patch/load", "/patch/save", "/patch/graph"] {
        assert!(matches!(
            r.failure(addr, vec![st("../escape")]),
            Failure::BadRequest(_)
        ));
    }
    assert!(matches!(
        save_atomically(&r.dir, "../escape", "").unwrap_err(),
        Failure::BadRequest(_)
    ));
    assert!(!r.dir.join("escape.patch").exists());
    // A valid name that names no file is a file failure.
    assert!(matches!(
        r.failure("/patch/load", vec![st("absent")]),
        Failure::File(_)
    ));
}

#[test]
fn limits_and_the_engine_side_have_their_own_kinds() {
    let mut r = Rig::new();
    for port in 0..MAX_NOTIFY as u16 {
        let p = Peer::Udp(([127, 0, 0, 1], 41000 + port).into());
        r.send_from(p, m("/notify", vec![OscType::Int(1)]));
    }
    assert!(matches!(
        r.failure("/notify", vec![OscType::Int(1)]),
        Failure::Busy(_)
    ));
    assert_eq!(
        r.failure("/tempo", vec![OscType::Float(120.0)]),
        Failure::Unavailable(crate::osc::NO_TRANSPORT)
    );
    r.ok(m("/record/start", vec![st("take")]));
    let busy = r.failure("/record/start", vec![st("take2")]);
    assert_eq!(busy, Failure::Record(RecordError::AlreadyRunning));
    assert!(!busy.is_client_error());
}
