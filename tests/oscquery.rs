//! OSCQuery as a client sees it, through `curl`: `/?HOST_INFO` names the OSC server, `/` is a
//! tree whose every node carries the proposal's attributes consistently (FULL_PATH matching its
//! place, CONTENTS for containers, ACCESS, DESCRIPTION, and RANGE/VALUE/UNIT agreeing with
//! TYPE); after a commit that adds a module its parameters appear with the ranges, units and
//! values of the module type's declaration; live changes and deletions follow.

mod common;
mod osc_support;

use common::osc::*;
use common::*;
use osc_support::*;
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

/// The OSCQuery URL synth-jack logged (`OSCQuery on http://IP:PORT/`).
fn base_url(synth: &Synth) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = synth.process.stderr();
        if let Some(line) = log.lines().find(|l| l.contains("OSCQuery on ")) {
            let url = line.split("OSCQuery on ").nth(1).unwrap().trim();
            return url.trim_end_matches('/').to_string();
        }
        assert!(Instant::now() < deadline, "no OSCQuery URL logged\n{log}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `curl` of `url`: HTTP status and body.
fn curl(url: &str) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}", url])
        .output()
        .expect("run curl (`make test-deps` installs it)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').expect("status line");
    (code.trim().parse().expect("HTTP status"), body.to_string())
}

fn get_json(url: &str) -> Value {
    let (code, body) = curl(url);
    assert_eq!(code, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url}: not JSON ({e}): {body}"))
}

/// Checks one node and everything under it against the proposal's attributes.
fn check_node(n: &Value, path: &str, count: &mut usize) {
    *count += 1;
    assert_eq!(n["FULL_PATH"], Value::from(path), "{n}");
    assert!(n["DESCRIPTION"].is_string(), "{path}: DESCRIPTION {n}");
    let access = n["ACCESS"].as_i64().unwrap_or(-1);
    assert!((0..=3).contains(&access), "{path}: ACCESS {n}");
    if let Some(contents) = n.get("CONTENTS") {
        let contents = contents.as_object().expect("CONTENTS is an object");
        for (name, child) in contents {
            let child_path = if path == "/" {
                format!("/{name}")
            } else {
                format!("{path}/{name}")
            };
            check_node(child, &child_path, count);
        }
        return;
    }
    let Some(types) = n.get("TYPE") else {
        assert_eq!(
            access, 0,
            "{path}: a method without TYPE takes no value: {n}"
        );
        return;
    };
    let arity = types.as_str().expect("TYPE is a string").len();
    for key in ["RANGE", "VALUE"] {
        if let Some(v) = n.get(key) {
            assert_eq!(v.as_array().map(Vec::len), Some(arity), "{path}: {key} {n}");
        }
    }
    if let Some(ranges) = n.get("RANGE") {
        for r in ranges.as_array().unwrap() {
            let ranged = r.get("MIN").is_some_and(Value::is_number)
                && r.get("MAX").is_some_and(Value::is_number);
            let listed = r.get("VALS").is_some_and(Value::is_array);
            assert!(ranged || listed, "{path}: RANGE {r}");
        }
    }
    if access & 1 == 1 {
        assert!(
            n.get("VALUE").is_some(),
            "{path}: readable without VALUE: {n}"
        );
    }
}

fn tree_until(url: &str, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let t = get_json(url);
        if ok(&t) {
            return t;
        }
        assert!(Instant::now() < deadline, "{what}: {t}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn host_info_and_a_namespace_that_follows_commits() {
    let server = JackServer::start();
    let synth = Synth::start(&server, &[]);
    let url = base_url(&synth);

    let info = get_json(&format!("{url}/?HOST_INFO"));
    assert_eq!(info["NAME"], "synth-jack", "{info}");
    assert_eq!(info["OSC_IP"], "127.0.0.1", "{info}");
    assert_eq!(info["OSC_PORT"], synth.port as i64, "{info}");
    assert_eq!(info["OSC_TRANSPORT"], "UDP", "{info}");
    for ext in ["ACCESS", "VALUE", "RANGE", "DESCRIPTION"] {
        assert_eq!(info["EXTENSIONS"][ext], true, "{info}");
    }

    let root = get_json(&format!("{url}/"));
    let mut nodes = 0;
    check_node(&root, "/", &mut nodes);
    assert!(
        root["CONTENTS"]["patch"]["CONTENTS"]["commit"].is_object(),
        "{root}"
    );
    assert_eq!(
        root["CONTENTS"]["mod"]["CONTENTS"],
        serde_json::json!({}),
        "{root}"
    );

    // A commit adds a filter and an envelope.
    let osc = &synth.osc;
    osc.ok(
        "/patch/create",
        vec![s("f1"), s("biquad"), s("cutoff"), f(800.0)],
    );
    osc.ok("/patch/create", vec![s("env"), s("adsr")]);
    osc.commit();
    let root = tree_until(&format!("{url}/"), "f1 never appeared", |t| {
        t["CONTENTS"]["mod"]["CONTENTS"]["f1"].is_object()
    });
    let mut nodes = 0;
    check_node(&root, "/", &mut nodes);
    let reg = synth_jack::registry();
    let spec = reg.find("biquad").unwrap().spec;
    let f1 = &root["CONTENTS"]["mod"]["CONTENTS"]["f1"]["CONTENTS"];
    assert_eq!(f1.as_object().unwrap().len(), spec.params.len(), "{f1}");
    for p in spec.params {
        let n = &f1[p.name];
        match p.kind {
            dsp::spec::ParamKind::Continuous => {
                assert_eq!(n["TYPE"], "f", "{n}");
                assert_eq!(
                    n["RANGE"][0]["MIN"].as_f64().map(|v| v as f32),
                    Some(p.min),
                    "{n}"
                );
                assert_eq!(
                    n["RANGE"][0]["MAX"].as_f64().map(|v| v as f32),
                    Some(p.max),
                    "{n}"
                );
                let want = if p.name == "cutoff" { 800.0 } else { p.default };
                assert_eq!(n["VALUE"][0].as_f64().map(|v| v as f32), Some(want), "{n}");
                if !p.unit.is_empty() {
                    assert_eq!(n["UNIT"][0], p.unit, "{n}");
                }
            }
            dsp::spec::ParamKind::Choice(choices) => {
                assert_eq!(n["TYPE"], "s", "{n}");
                assert_eq!(n["RANGE"][0]["VALS"], serde_json::json!(choices), "{n}");
            }
        }
        assert_eq!(n["ACCESS"], 3, "{n}");
    }
    assert_eq!(
        root["CONTENTS"]["gate"]["CONTENTS"]["env"]["TYPE"], "i",
        "{root}"
    );
    assert!(
        root["CONTENTS"]["gate"]["CONTENTS"].get("f1").is_none(),
        "{root}"
    );

    // One node, one attribute, and the errors.
    let cutoff = get_json(&format!("{url}/mod/f1/cutoff"));
    assert_eq!(cutoff["FULL_PATH"], "/mod/f1/cutoff", "{cutoff}");
    let range = get_json(&format!("{url}/mod/f1/cutoff?RANGE"));
    assert_eq!(range.as_object().unwrap().len(), 1, "{range}");
    assert_eq!(range["RANGE"], cutoff["RANGE"], "{range}");
    assert_eq!(curl(&format!("{url}/mod/nosuch")).0, 404);
    assert_eq!(curl(&format!("{url}/mod/f1/cutoff?NOPE")).0, 400);

    // A live change shows in VALUE; a deletion removes the module.
    osc.send("/mod/f1/cutoff", vec![f(2000.0)]);
    tree_until(
        &format!("{url}/mod/f1/cutoff?VALUE"),
        "VALUE never followed",
        |t| t["VALUE"][0] == 2000.0,
    );
    osc.ok("/patch/delete", vec![s("f1")]);
    osc.commit();
    tree_until(&format!("{url}/mod"), "f1 never went away", |t| {
        t["CONTENTS"].get("f1").is_none() && t["CONTENTS"].get("env").is_some()
    });
}

#[test]
fn port_zero_disables_it() {
    let server = JackServer::start();
    let synth = Synth::start(&server, &["--oscquery-port", "0"]);
    synth.osc.status();
    assert!(
        !synth.process.stderr().contains("OSCQuery on"),
        "{}",
        synth.process.stderr()
    );
}
