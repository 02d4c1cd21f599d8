//! The one table of the addresses synth-jack accepts. The parser
//! ([`super::request::parse`]) refuses any address not listed here and
//! quotes the listed usage in its `/fail` replies; OSCQuery
//! (`crate::oscquery::tree`) and the tests that keep docs/osc.md complete
//! read the same table, so the three cannot drift apart.
//!
//! To add an address: add a row here, a [`super::request::Request`]
//! variant with its parsing, and its handling in `dispatch/`.

/// One address the server accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Address {
    /// The address; `*` stands for one path part (`/mod/*/*` is
    /// `/mod/ID/PARAM`). Such patterns are listed by OSCQuery per module of
    /// the playing patch, not as themselves.
    pub path: &'static str,
    /// OSC type tags of its usual arguments (OSCQuery `TYPE`); empty when it
    /// takes none or only optional ones.
    pub types: &'static str,
    /// The usage line `/fail` replies quote.
    pub usage: &'static str,
    /// What it does (OSCQuery `DESCRIPTION`).
    pub description: &'static str,
}

const fn a(
    path: &'static str,
    types: &'static str,
    usage: &'static str,
    description: &'static str,
) -> Address {
    Address {
        path,
        types,
        usage,
        description,
    }
}

/// Every address the server accepts, grouped as in docs/osc.md.
pub const ADDRESSES: &[Address] = &[
    a(
        "/patch/create",
        "ss",
        "/patch/create ID TYPE [PARAM VALUE | PARAM=VALUE]...",
        "create a module in the pending patch: id type [param value]...",
    ),
    a(
        "/patch/connect",
        "ss",
        "/patch/connect SRC[.OUTPUT] DST[.INPUT|.PARAM]",
        "connect src[.output] to dst[.input|.param] in the pending patch",
    ),
    a(
        "/patch/disconnect",
        "ss",
        "/patch/disconnect SRC[.OUTPUT] DST[.INPUT|.PARAM]",
        "remove a connection from the pending patch",
    ),
    a(
        "/patch/delete",
        "s",
        "/patch/delete ID",
        "delete a module from the pending patch: id",
    ),
    a(
        "/patch/set",
        "ssf",
        "/patch/set ID PARAM VALUE",
        "set a parameter in the pending patch: id param value",
    ),
    a(
        "/patch/commit",
        "",
        "/patch/commit [bar|beat|BEATS]",
        "switch to the pending patch (answered once it plays), now or on the next bar/beat",
    ),
    a("/patch/abort", "", "/patch/abort", "discard pending edits"),
    a(
        "/patch/cancel",
        "",
        "/patch/cancel",
        "cancel the commits waiting for their bar or beat",
    ),
    a(
        "/patch/clear",
        "",
        "/patch/clear",
        "empty the pending patch",
    ),
    a(
        "/patch/dump",
        "",
        "/patch/dump [pending|active]",
        "the playing patch as text ([pending|active])",
    ),
    a(
        "/patch/load",
        "s",
        "/patch/load NAME",
        "load a saved patch into the pending patch: name",
    ),
    a(
        "/patch/save",
        "s",
        "/patch/save NAME",
        "save the playing patch: name",
    ),
    a(
        "/patch/graph",
        "s",
        "/patch/graph NAME",
        "draw the playing patch as Graphviz DOT (and SVG): name",
    ),
    a(
        "/mod/*/*",
        "f",
        "/mod/ID/PARAM VALUE",
        "set a parameter of the playing patch",
    ),
    a(
        "/gate/*",
        "i",
        "/gate/ID 1|0|on|off",
        "open (1) or close (0) an envelope's gate",
    ),
    a("/status", "", "/status", "engine counters"),
    a(
        "/telemetry",
        "",
        "/telemetry",
        "every engine counter by name",
    ),
    a(
        "/notify",
        "i",
        "/notify 1|0",
        "1: also send this client notifications (switches, xruns, late bundles)",
    ),
    a(
        "/sync",
        "i",
        "/sync ID",
        "answered with /synced id once everything sent before it took effect",
    ),
    a(
        "/record/start",
        "",
        "/record/start [NAME [overwrite]]",
        "record the output to a WAV file ([name [overwrite]])",
    ),
    a("/record/stop", "", "/record/stop", "stop recording"),
    a(
        "/buffer/load",
        "ss",
        "/buffer/load NAME FILE",
        "load a WAV file of the sample directory into a sample buffer: name file",
    ),
    a(
        "/buffer/free",
        "s",
        "/buffer/free NAME",
        "forget a sample buffer: name",
    ),
    a(
        "/buffer/list",
        "",
        "/buffer/list",
        "the loaded sample buffers",
    ),
    a(
        "/modules",
        "",
        "/modules",
        "the module types and their parameters",
    ),
    a("/plugins", "", "/plugins", "every installed LV2 plugin"),
    a(
        "/plugin/info",
        "s",
        "/plugin/info URI",
        "an LV2 plugin's name and ports: uri",
    ),
    a(
        "/plugin/get",
        "ss",
        "/plugin/get ID SYMBOL",
        "a plugin port's current value: id symbol",
    ),
    a(
        "/plugin/stats",
        "",
        "/plugin/stats",
        "per-plugin run counts and overruns",
    ),
    a("/quit", "", "/quit", "stop synth-jack"),
    a(
        "/tempo",
        "f",
        "/tempo BPM",
        "the internal clock's tempo in BPM (1..999)",
    ),
    a(
        "/transport",
        "",
        "/transport [start | stop | locate BEAT|BAR:BEAT]",
        "report, start, stop or relocate the JACK transport",
    ),
    a(
        "/at",
        "ss",
        "/at WHEN ADDRESS [ARGS...]",
        "run a message at a musical time: beat, \"+BEATS\" or \"BAR:BEAT\"",
    ),
    a(
        "/voice/create",
        "s",
        "/voice/create NAME [COUNT] [KEY VALUE | KEY=VALUE]...",
        "make an instrument of the pending patch's voice template: name [count] [key value]...",
    ),
    a(
        "/note/on",
        "sff",
        "/note/on INSTRUMENT NOTE VELOCITY(0-127)",
        "start a note: instrument note velocity",
    ),
    a(
        "/note/off",
        "sf",
        "/note/off INSTRUMENT NOTE",
        "release a note: instrument note",
    ),
    a(
        "/note",
        "sfff",
        "/note INSTRUMENT NOTE VELOCITY(0-127) DURATION_MS",
        "play a note for a duration: instrument note velocity ms",
    ),
    a(
        "/note/bend",
        "sf",
        "/note/bend INSTRUMENT SEMITONES",
        "bend an instrument's notes: instrument semitones",
    ),
    a(
        "/note/pressure",
        "sf",
        "/note/pressure INSTRUMENT VALUE(0-1)",
        "channel pressure for an instrument: instrument value",
    ),
    a(
        "/note/alloff",
        "s",
        "/note/alloff INSTRUMENT",
        "release every note of an instrument",
    ),
    a(
        "/midi/map",
        "is",
        "/midi/map CHANNEL(1-16) INSTRUMENT",
        "play an instrument from a MIDI channel",
    ),
    a(
        "/midi/cc",
        "iisff",
        "/midi/cc CHANNEL(0-16, 0 = any) CC TARGET MIN MAX [lin|exp]",
        "drive a parameter from a MIDI controller",
    ),
];

/// The row for `addr` (`/mod/osc1/freq` finds `/mod/*/*`), `None` when the
/// server does not accept it.
pub fn lookup(addr: &str) -> Option<&'static Address> {
    ADDRESSES.iter().find(|a| matches(a.path, addr))
}

/// True when `addr` fits `pattern`, whose `*` parts match any one part (an
/// empty one too, so `/gate/` is refused for its id, not as unknown).
fn matches(pattern: &str, addr: &str) -> bool {
    let (mut p, mut s) = (pattern.split('/'), addr.split('/'));
    loop {
        match (p.next(), s.next()) {
            (None, None) => return true,
            (Some("*"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osc::request::parse;
    use crate::osc::Failure;
    use rosc::OscMessage;

    /// Accepted path of a row (`*` filled in).
    fn concrete(path: &str) -> String {
        path.replace('*', "x")
    }

    #[test]
    fn patterns_match_one_part_each() {
        assert_eq!(lookup("/mod/osc1/freq").map(|a| a.path), Some("/mod/*/*"));
        assert_eq!(lookup("/gate/env").map(|a| a.path), Some("/gate/*"));
        assert!(lookup("/mod/osc1").is_none());
        assert!(lookup("/mod/osc1/freq/x").is_none());
        assert!(lookup("/gate/a/b").is_none());
        assert!(lookup("/note/").is_none());
        assert_eq!(lookup("/note").map(|a| a.path), Some("/note"));
    }

    #[test]
    fn rows_are_unique_and_well_formed() {
        for (i, a) in ADDRESSES.iter().enumerate() {
            assert!(a.path.starts_with('/'), "{}", a.path);
            let first = a.usage.split(' ').next().unwrap_or("");
            assert!(
                lookup(first).is_some_and(|r| r.path == a.path),
                "usage of {} must start with its address",
                a.path
            );
            assert!(!a.description.is_empty(), "{} has no description", a.path);
            assert!(
                ADDRESSES[..i].iter().all(|b| b.path != a.path),
                "{} listed twice",
                a.path
            );
        }
    }

    /// Every listed address reaches its own parser (wrong arguments are
    /// refused with a usage, never as an unknown address).
    #[test]
    fn every_listed_address_is_parsed() {
        for a in ADDRESSES {
            let msg = OscMessage {
                addr: concrete(a.path),
                args: vec![rosc::OscType::Blob(vec![1]); 9],
            };
            let e = parse(&msg).expect_err(a.path);
            assert!(
                matches!(e, Failure::BadRequest(_)) && !e.to_string().contains("unknown address"),
                "{}: {e}",
                a.path
            );
        }
    }

    /// An address the parser matches on but the table does not list fails
    /// here (and is refused as unknown at run time): add its row above.
    #[test]
    fn every_parsed_address_is_listed() {
        let sources = [
            ("request.rs", include_str!("request.rs")),
            ("notes.rs", include_str!("notes.rs")),
            ("musical.rs", include_str!("musical.rs")),
        ];
        let mut seen = 0;
        for (file, src) in sources {
            for line in src.lines() {
                let code = line.trim_start();
                if code.starts_with("//") || !code.starts_with('"') || !code.contains("=>") {
                    continue;
                }
                let arms = code.split("=>").next().unwrap_or("");
                for lit in arms.split('"').skip(1).step_by(2) {
                    if lit.starts_with('/') {
                        seen += 1;
                        assert!(
                            lookup(lit).is_some(),
                            "{file} parses {lit}, which osc::addresses::ADDRESSES does not list"
                        );
                    }
                }
            }
        }
        assert!(seen > 30, "found only {seen} parsed addresses");
    }

    /// docs/osc.md names every address.
    #[test]
    fn the_reference_names_every_address() {
        let doc = include_str!("../../docs/osc.md");
        for a in ADDRESSES {
            let shown = a
                .path
                .replace("/mod/*/*", "/mod/<id>/<param>")
                .replace("/gate/*", "/gate/<id>");
            assert!(
                doc.contains(&format!("`{shown}`")),
                "docs/osc.md does not list `{shown}`"
            );
        }
    }
}
