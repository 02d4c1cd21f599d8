//! synth-jack under a session manager: an in-test NSM server speaking the published NSM API
//! (announce, open, save, dirty/clean, SIGTERM) drives it. The client announces before it
//! touches JACK, takes the client id as its JACK name, keeps its files in the session path, saves
//! a `session.patch` that reproduces the playing patch (with its MIDI routes), reports dirty/clean, quits cleanly on
//! SIGTERM, and a second run in the same session plays the saved patch again.

mod common;

use common::osc::*;
use common::*;
use rosc::{OscMessage, OscPacket, OscType};
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::time::Duration;

/// A minimal NSM server: one UDP socket, messages to and from one client.
struct NsmServer {
    sock: UdpSocket,
    client: Option<SocketAddr>,
}

impl NsmServer {
    fn new() -> NsmServer {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        NsmServer { sock, client: None }
    }

    fn url(&self) -> String {
        format!("osc.udp://{}/", self.sock.local_addr().unwrap())
    }

    /// The next message from the client (remembering where it came from).
    fn recv(&mut self, timeout: Duration) -> Option<OscMessage> {
        self.sock.set_read_timeout(Some(timeout)).unwrap();
        let mut buf = [0u8; 8192];
        let (n, from) = self.sock.recv_from(&mut buf).ok()?;
        self.client = Some(from);
        match rosc::decoder::decode_udp(&buf[..n]).unwrap().1 {
            OscPacket::Message(m) => Some(m),
            OscPacket::Bundle(b) => panic!("NSM clients send messages, got {b:?}"),
        }
    }

    fn expect(&mut self, addr: &str) -> OscMessage {
        let m = self
            .recv(Duration::from_secs(15))
            .unwrap_or_else(|| panic!("no {addr} from the client"));
        assert_eq!(m.addr, addr, "{m:?}");
        m
    }

    fn send(&self, addr: &str, args: Vec<OscType>) {
        let p = OscPacket::Message(OscMessage {
            addr: addr.into(),
            args,
        });
        let to = self.client.expect("the client announced itself");
        self.sock
            .send_to(&rosc::encoder::encode(&p).unwrap(), to)
            .unwrap();
    }

    /// Receives the announce and answers it as nsmd does; returns its arguments.
    fn accept_announce(&mut self) -> Vec<OscType> {
        let m = self.expect("/nsm/server/announce");
        self.send(
            "/reply",
            vec![
                s("/nsm/server/announce"),
                s("Howdy, what took you so long?"),
                s("test-nsm"),
                s(":server-control:"),
            ],
        );
        m.args
    }

    /// Opens a session and waits for the client's `/reply`.
    fn open(&mut self, path: &Path, client_id: &str) {
        self.send(
            "/nsm/client/open",
            vec![s(path.to_str().unwrap()), s("Test Session"), s(client_id)],
        );
        let r = self.expect("/reply");
        assert_eq!(r.args.first(), Some(&s("/nsm/client/open")), "{r:?}");
    }
}

fn spawn_under_nsm(server: &JackServer, nsm: &NsmServer) -> SynthProcess {
    SynthProcess::spawn_env(
        &[
            ("JACK_DEFAULT_SERVER", server.name()),
            ("JACK_NO_START_SERVER", "1"),
            ("NSM_URL", &nsm.url()),
        ],
        &["--osc-port", "0", "--oscquery-port", "0"],
    )
}

#[test]
fn announce_open_save_dirty_clean_and_sigterm() {
    let server = JackServer::start();
    let session = server
        .scratch_dir()
        .join("session")
        .join("synth-jack.nTEST");
    let id = "nTEST";
    let outs = [format!("{id}:out_1"), format!("{id}:out_2")];
    let outs: Vec<&str> = outs.iter().map(String::as_str).collect();

    let mut nsm = NsmServer::new();
    let mut synth = spawn_under_nsm(&server, &nsm);
    let args = nsm.accept_announce();
    assert_eq!(args.len(), 6, "{args:?}");
    assert_eq!(args[0], s("synth-jack"));
    assert_eq!(args[1], s(":switch:dirty:message:"));
    assert!(
        matches!(&args[2], OscType::String(e) if e.contains("synth-jack")),
        "{args:?}"
    );
    assert_eq!((&args[3], &args[4]), (&i(1), &i(2)));
    assert_eq!(args[5], i(synth.pid() as i32));
    // Nothing is registered with JACK before the session opens.
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.ports(id).is_empty() && server.ports("synth-jack").is_empty());

    nsm.open(&session, id);
    synth.wait_for_ports(&server, &outs, Duration::from_secs(10));
    assert!(session.join("patches").is_dir() && session.join("recordings").is_dir());

    // A commit makes the session dirty...
    let osc = OscClient::for_synth(&synth);
    osc.ok(
        "/patch/create",
        vec![s("osc1"), s("sine"), s("freq"), f(330.0)],
    );
    // An instrument played from MIDI channel 2, its release on CC 74.
    osc.ok("/voice/create", vec![s("lead"), i(2)]);
    osc.ok("/patch/create", vec![s("lead.osc"), s("saw")]);
    osc.ok("/patch/create", vec![s("lead.env"), s("adsr")]);
    osc.ok("/patch/create", vec![s("out"), s("output")]);
    for (a, b) in [
        ("lead.note.freq", "lead.osc.freq"),
        ("lead.note.gate", "lead.env.gate"),
        ("lead.osc", "lead.env"),
        ("lead", "out"),
    ] {
        osc.ok("/patch/connect", vec![s(a), s(b)]);
    }
    osc.ok("/midi/map", vec![i(2), s("lead")]);
    osc.ok(
        "/midi/cc",
        vec![i(0), i(74), s("lead.env.release"), i(10), i(1000), s("exp")],
    );
    // An LV2 plugin with the state extension: its state is saved too.
    let sampler = "http://lv2plug.in/plugins/eg-sampler";
    osc.ok(
        "/patch/create",
        vec![s("smp"), s("lv2"), s("uri"), s(sampler)],
    );
    osc.commit();
    nsm.expect("/nsm/client/is_dirty");
    // ...a save writes session.patch and makes it clean.
    nsm.send("/nsm/client/save", vec![]);
    let r = nsm.expect("/reply");
    assert_eq!(r.args.first(), Some(&s("/nsm/client/save")), "{r:?}");
    nsm.expect("/nsm/client/is_clean");
    let saved = std::fs::read_to_string(session.join("session.patch")).unwrap();
    assert_eq!(saved, dump_active(&osc));
    for line in ["midi 2 lead\n", "cc 74 lead.env.release 10 1000 exp\n"] {
        assert!(saved.contains(line), "the MIDI routes are saved: {saved}");
    }
    let state = std::fs::read_to_string(session.join("session.lv2state/smp.ttl"))
        .expect("the sampler's state saved with the session");
    assert!(state.contains("sample"), "{state}");
    // Recordings go into the session.
    let r = osc.ok("/record/start", vec![s("take")]);
    assert_eq!(
        r.args.get(1),
        Some(&s(session.join("recordings/take.wav").to_str().unwrap()))
    );
    osc.ok("/record/stop", vec![]);

    // SIGTERM: a clean exit.
    let (status, _) = synth.terminate();
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", synth.output());
    assert!(
        synth.stderr().contains("shutting down"),
        "{}",
        synth.output()
    );

    // The same session again: the saved patch plays at once, and the session is clean.
    let mut nsm = NsmServer::new();
    let mut synth = spawn_under_nsm(&server, &nsm);
    nsm.accept_announce();
    nsm.open(&session, id);
    synth.wait_for_ports(&server, &outs, Duration::from_secs(10));
    let osc = OscClient::for_synth(&synth);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while osc.status().patch_version < 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "session.patch never played"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(dump_active(&osc), saved);
    assert!(
        synth.stderr().contains("smp: plugin state restored"),
        "{}",
        synth.output()
    );
    assert!(
        nsm.recv(Duration::from_millis(500)).is_none(),
        "a reopened session is clean"
    );
}

fn dump_active(osc: &OscClient) -> String {
    let r = osc.request("/patch/dump", vec![]);
    match r.args.as_slice() {
        [OscType::String(t)] => t.clone(),
        other => panic!("bad /patch.dump: {other:?}"),
    }
}
