//! JACK port metadata as other JACK programs see it: `jack_property -l` lists the outputs'
//! pretty names (`Out L`, `Out R`), their port group and order, and the client's pretty name;
//! after the server restarts and synth-jack reconnects, the new ports carry them again.

mod common;

use common::engine::*;
use common::*;
use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

const PRETTY: &str = "http://jackaudio.org/metadata/pretty-name";
const GROUP: &str = "http://jackaudio.org/metadata/port-group";
const ORDER: &str = "http://jackaudio.org/metadata/order";

/// `jack_property -l` against `server`: properties by subject UUID, then by key.
fn properties(server: &JackServer) -> HashMap<u64, HashMap<String, String>> {
    let out = Command::new("jack_property")
        .arg("-l")
        .env("JACK_DEFAULT_SERVER", server.name())
        .env("JACK_NO_START_SERVER", "1")
        .output()
        .expect("run jack_property (jackd2's example clients)");
    assert!(out.status.success(), "jack_property -l: {}", out.status);
    let text = String::from_utf8_lossy(&out.stdout);
    let mut all: HashMap<u64, HashMap<String, String>> = HashMap::new();
    let mut subject = None;
    for line in text.lines() {
        if let Ok(uuid) = line.trim().parse::<u64>() {
            subject = Some(uuid);
        } else if let Some(rest) = line.strip_prefix("key: ") {
            let (key, value) = rest.split_once(" value: ").expect("key: K value: V");
            let value = value.split(" type: ").next().unwrap_or(value);
            let s = subject.expect("a key before any subject");
            all.entry(s)
                .or_default()
                .insert(key.to_string(), value.to_string());
        }
    }
    all
}

fn port_uuid(server: &JackServer, name: &str) -> u64 {
    let p = server
        .control()
        .port_by_name(name)
        .unwrap_or_else(|| panic!("no port {name}"));
    // SAFETY: a live port handle of the control client.
    unsafe { jack::jack_sys::jack_port_uuid(p.raw()) }
}

fn assert_described(server: &JackServer, when: &str) {
    let props = properties(server);
    for (k, (port, pretty)) in OUTS.iter().zip(["Out L", "Out R"]).enumerate() {
        let uuid = port_uuid(server, port);
        let p = props
            .get(&uuid)
            .unwrap_or_else(|| panic!("{when}: {port} ({uuid}) has no properties: {props:?}"));
        assert_eq!(
            p.get(PRETTY).map(String::as_str),
            Some(pretty),
            "{when}: {p:?}"
        );
        assert_eq!(
            p.get(GROUP).map(String::as_str),
            Some("Outputs"),
            "{when}: {p:?}"
        );
        assert_eq!(p.get(ORDER), Some(&k.to_string()), "{when}: {p:?}");
    }
    assert!(
        props
            .values()
            .any(|p| p.get(PRETTY).map(String::as_str) == Some("synth-jack")),
        "{when}: the client has no pretty name: {props:?}"
    );
}

#[test]
fn jack_property_lists_pretty_names_groups_and_order_also_after_a_reconnect() {
    let mut server = JackServer::start_with(DEFAULT_RATE, DEFAULT_PERIOD, &["-S"]);
    let (mut synth, _osc) = start_synth(&server, &[]);
    assert_described(&server, "at start");
    server.restart();
    synth.wait_for_ports(&server, &OUTS, Duration::from_secs(20));
    // The ports appear before their metadata is set.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while properties(&server).len() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_described(&server, "after the reconnect");
    assert!(synth.try_wait().is_none(), "synth-jack exited");
}
