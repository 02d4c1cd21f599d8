//! The OSC address space as an OSCQuery JSON tree: the fixed commands, and
//! for the playing patch `/mod/<id>/<param>` (TYPE, RANGE, UNIT, VALUE,
//! ACCESS from the module type's parameter table) and `/gate/<id>`.

use super::json::Json;
use crate::osc::addresses::ADDRESSES;
use dsp::spec::{ParamKind, ParamSpec};
use dsp::{Patch, Registry};

/// ACCESS: no value to read or write (a command).
pub const NO_VALUE: i64 = 0;
/// ACCESS: written over OSC only.
pub const WRITE_ONLY: i64 = 2;
/// ACCESS: read here (VALUE), written over OSC.
pub const READ_WRITE: i64 = 3;

/// The containers above the commands, with what they hold.
const CONTAINERS: &[(&str, &str)] = &[
    (
        "/patch",
        "editing the pending patch, committing it, patch files",
    ),
    ("/record", "recording the output to WAV files"),
    ("/mod", "live parameters of the playing patch"),
    ("/gate", "gates of the playing patch's envelopes"),
    ("/plugin", "LV2 plugins: descriptions, values, statistics"),
    ("/voice", "instruments made of voice templates"),
    ("/midi", "MIDI channel and controller routing"),
];

/// An f32 as the JSON number it prints as (0.6, not 0.6000000238418579).
fn num(v: f32) -> Json {
    Json::Num(v.to_string().parse().unwrap_or(v as f64))
}

fn node(
    path: &str,
    description: &str,
    access: i64,
    extra: Vec<(&str, Json)>,
) -> Vec<(String, Json)> {
    let mut n = vec![
        ("FULL_PATH".to_string(), Json::str(path)),
        ("DESCRIPTION".to_string(), Json::str(description)),
        ("ACCESS".to_string(), Json::Int(access)),
    ];
    n.extend(extra.into_iter().map(|(k, v)| (k.to_string(), v)));
    n
}

/// Inserts `leaf` at `path` under `root` (an object with CONTENTS),
/// creating containers on the way; a node already there (`/note`, the
/// container of `/note/on`, is also an address) takes the leaf's attributes.
fn insert(root: &mut Vec<(String, Json)>, path: &str, leaf: Vec<(String, Json)>) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut here = root;
    let mut full = String::new();
    for (k, part) in parts.iter().enumerate() {
        full.push('/');
        full.push_str(part);
        let contents = match here.iter().position(|(k, _)| k == "CONTENTS") {
            Some(i) => i,
            None => {
                here.push(("CONTENTS".into(), Json::Obj(Vec::new())));
                here.len() - 1
            }
        };
        let Json::Obj(children) = &mut here[contents].1 else {
            unreachable!("CONTENTS is always an object")
        };
        let last = k + 1 == parts.len();
        let i = match children.iter().position(|(name, _)| name == part) {
            Some(i) => {
                if let (true, Json::Obj(there)) = (last, &mut children[i].1) {
                    for (key, v) in &leaf {
                        match there.iter_mut().find(|(k, _)| k == key) {
                            Some(slot) => slot.1 = v.clone(),
                            None => there.push((key.clone(), v.clone())),
                        }
                    }
                }
                i
            }
            None => {
                let fresh = if last {
                    leaf.clone()
                } else {
                    node(&full, "", NO_VALUE, vec![])
                };
                children.push((part.to_string(), Json::Obj(fresh)));
                children.len() - 1
            }
        };
        let Json::Obj(next) = &mut children[i].1 else {
            unreachable!("nodes are objects")
        };
        here = next;
    }
}

/// TYPE, RANGE, UNIT and VALUE of a parameter whose value is `v`.
fn param_attrs(p: &ParamSpec, v: f32) -> Vec<(&'static str, Json)> {
    match p.kind {
        ParamKind::Choice(choices) => vec![
            ("TYPE", Json::str("s")),
            (
                "RANGE",
                Json::Arr(vec![Json::obj([(
                    "VALS",
                    Json::Arr(choices.iter().map(|c| Json::str(*c)).collect()),
                )])]),
            ),
            ("VALUE", Json::Arr(vec![Json::str(p.format_value(v))])),
        ],
        ParamKind::Continuous => {
            let mut a = vec![
                ("TYPE", Json::str("f")),
                (
                    "RANGE",
                    Json::Arr(vec![Json::obj([("MIN", num(p.min)), ("MAX", num(p.max))])]),
                ),
                ("VALUE", Json::Arr(vec![num(v)])),
            ];
            if !p.unit.is_empty() {
                a.push(("UNIT", Json::Arr(vec![Json::str(p.unit)])));
            }
            a
        }
    }
}

/// The namespace of a synth-jack named `name` playing `patch`.
pub fn namespace(name: &str, patch: &Patch, reg: &Registry) -> Json {
    let mut root = node("/", &format!("synth-jack '{name}'"), NO_VALUE, vec![]);
    for (addr, what) in CONTAINERS {
        let mut c = node(addr, what, NO_VALUE, vec![]);
        c.push(("CONTENTS".into(), Json::Obj(Vec::new())));
        insert(&mut root, addr, c);
    }
    for row in ADDRESSES.iter().filter(|a| !a.path.contains('*')) {
        let (addr, types, what) = (row.path, row.types, row.description);
        let extra = if types.is_empty() {
            vec![]
        } else {
            vec![("TYPE", Json::str(types))]
        };
        let access = if types.is_empty() {
            NO_VALUE
        } else {
            WRITE_ONLY
        };
        insert(&mut root, addr, node(addr, what, access, extra));
    }
    // Module ids are unique: their nodes are appended to `/mod` and `/gate` directly (an
    // `insert` each would search the siblings, quadratic in the patch's size).
    let mut mods = Vec::with_capacity(patch.modules.len());
    let mut gates = Vec::new();
    for m in &patch.modules {
        let Some(spec) = reg.find(&m.kind).map(|t| t.spec) else {
            continue;
        };
        let base = format!("/mod/{}", m.id);
        let mut module = node(
            &base,
            &format!("{} ({})", m.kind, spec.description),
            NO_VALUE,
            vec![],
        );
        let mut params = Vec::with_capacity(spec.params.len());
        for (i, p) in spec.params.iter().enumerate() {
            let v = m
                .params
                .iter()
                .find(|(n, _)| spec.param_index(n) == Some(i))
                .map_or(p.default, |(_, v)| *v);
            let path = format!("{base}/{}", p.name);
            let what = format!(
                "{} of {} (smoothed over {} ms)",
                p.name, m.id, p.smoothing_ms
            );
            let leaf = node(&path, &what, READ_WRITE, param_attrs(p, v));
            params.push((p.name.to_string(), Json::Obj(leaf)));
        }
        if !params.is_empty() {
            module.push(("CONTENTS".into(), Json::Obj(params)));
        }
        mods.push((m.id.to_string(), Json::Obj(module)));
        if spec.gate {
            let path = format!("/gate/{}", m.id);
            let range = Json::Arr(vec![Json::obj([
                ("MIN", Json::Int(0)),
                ("MAX", Json::Int(1)),
            ])]);
            let what = format!("gate of {}: 1 opens, 0 closes", m.id);
            let leaf = node(
                &path,
                &what,
                WRITE_ONLY,
                vec![("TYPE", Json::str("i")), ("RANGE", range)],
            );
            gates.push((m.id.to_string(), Json::Obj(leaf)));
        }
    }
    append(&mut root, "mod", mods);
    append(&mut root, "gate", gates);
    Json::Obj(root)
}

/// Appends `nodes` to the contents of the top-level container `name`; a
/// node whose name is already there (an address of the table) is merged
/// into it by [`insert`] instead.
fn append(root: &mut Vec<(String, Json)>, name: &str, nodes: Vec<(String, Json)>) {
    let children = root
        .iter_mut()
        .find(|(k, _)| k == "CONTENTS")
        .and_then(|(_, c)| match c {
            Json::Obj(c) => c.iter_mut().find(|(k, _)| k == name),
            _ => None,
        })
        .and_then(|(_, n)| match n {
            Json::Obj(n) => n.iter_mut().find(|(k, _)| k == "CONTENTS"),
            _ => None,
        });
    let Some((_, Json::Obj(children))) = children else {
        unreachable!("/{name} is one of CONTAINERS")
    };
    let taken: std::collections::HashSet<String> =
        children.iter().map(|(k, _)| k.clone()).collect();
    let (fresh, clashing): (Vec<_>, Vec<_>) =
        nodes.into_iter().partition(|(k, _)| !taken.contains(k));
    children.extend(fresh);
    for (k, n) in clashing {
        if let Json::Obj(n) = n {
            insert(root, &format!("/{name}/{k}"), n);
        }
    }
}

/// The node at `path` (`/`, `/mod/osc1`, `/mod/osc1/freq/`).
pub fn find<'a>(root: &'a Json, path: &str) -> Option<&'a Json> {
    let mut here = root;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        here = here.get("CONTENTS")?.get(part)?;
    }
    Some(here)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_carry_their_declared_ranges_and_values() {
        let reg = crate::registry();
        let (p, _) = Patch::parse(
            &reg,
            "create f1 biquad cutoff=800 mode=highpass\ncreate e adsr\n",
        )
        .unwrap();
        let ns = namespace("sj", &p, &reg);
        let cutoff = find(&ns, "/mod/f1/cutoff").expect("cutoff");
        let spec = reg.find("biquad").unwrap().spec;
        let ps = &spec.params[spec.param_index("cutoff").unwrap()];
        assert_eq!(cutoff.get("FULL_PATH"), Some(&Json::str("/mod/f1/cutoff")));
        assert_eq!(
            cutoff.get("VALUE"),
            Some(&Json::Arr(vec![Json::Num(800.0)]))
        );
        assert_eq!(
            cutoff.get("RANGE"),
            Some(&Json::Arr(vec![Json::obj([
                ("MIN", num(ps.min)),
                ("MAX", num(ps.max))
            ])]))
        );
        let mode = find(&ns, "/mod/f1/mode/").expect("mode");
        assert_eq!(
            mode.get("VALUE"),
            Some(&Json::Arr(vec![Json::str("highpass")]))
        );
        assert!(find(&ns, "/gate/e").is_some());
        assert!(find(&ns, "/gate/f1").is_none());
        assert_eq!(
            find(&ns, "/patch/commit").and_then(|n| n.get("FULL_PATH")),
            Some(&Json::str("/patch/commit"))
        );
        assert!(find(&ns, "/nosuch").is_none());
    }

    /// Every address the server accepts is in the tree with its type, so
    /// the namespace cannot drift from the parser (both read one table).
    #[test]
    fn lists_every_accepted_address() {
        let reg = crate::registry();
        let (p, _) = Patch::parse(&reg, "create o sine\ncreate e adsr\n").unwrap();
        let ns = namespace("sj", &p, &reg);
        for row in ADDRESSES {
            let path = row
                .path
                .replace("/mod/*/*", "/mod/o/freq")
                .replace("/gate/*", "/gate/e");
            let n = find(&ns, &path).unwrap_or_else(|| panic!("{path} is not listed"));
            assert_eq!(n.get("FULL_PATH"), Some(&Json::str(path.as_str())));
            if !row.path.contains('*') {
                assert_eq!(
                    n.get("DESCRIPTION"),
                    Some(&Json::str(row.description)),
                    "{path}"
                );
            }
        }
        for path in [
            "/note",
            "/note/on",
            "/midi/map",
            "/at",
            "/tempo",
            "/plugin/get",
        ] {
            assert!(find(&ns, path).is_some(), "{path}");
        }
        assert!(
            find(&ns, "/note/on").is_some() && find(&ns, "/note").unwrap().get("TYPE").is_some()
        );
    }
}
