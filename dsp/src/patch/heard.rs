//! Whether a switch between two patches changes what is heard at its frame,
//! which decides between a cut and a cross-fade.

use super::{Connection, ModuleDecl, Patch};
use crate::registry::Registry;
use crate::spec::ParamSpec;
use std::collections::{HashMap, HashSet};

impl Patch {
    /// True when switching from `self` (playing) to `new` changes nothing
    /// heard at the switch frame: every module that feeds an `output` is in
    /// both patches with the same type, incoming connections and voice
    /// template, reads no sample buffer, and differs at most in smoothed
    /// parameters (which glide from the carried value). With state carried
    /// over, both graphs then play the same signal from that frame, so the
    /// switch cuts: a cross-fade would mix in the old graph after the switch,
    /// which has lost the state moved out of it (delay and reverb memory,
    /// plugin instances). A patch without an `output` module plays every
    /// module that feeds nothing, so there every module must qualify.
    pub fn heard_the_same(&self, new: &Patch, reg: &Registry) -> bool {
        let (into_old, into_new) = (incoming(self), incoming(new));
        let heard = heard(self, &into_old);
        if heard != self::heard(new, &into_new) {
            return false;
        }
        heard.iter().all(|id| {
            let (Some(a), Some(b)) = (self.module(id), new.module(id)) else {
                return false;
            };
            if a.kind != b.kind || a.buffer.is_some() || b.buffer.is_some() {
                return false;
            }
            let Ok(t) = reg.lookup(&a.kind) else {
                return false;
            };
            let value = |m: &ModuleDecl, p: &ParamSpec| {
                m.params
                    .iter()
                    .find(|(n, _)| n == p.name)
                    .map_or(p.default, |(_, v)| *v)
            };
            let params_glide =
                t.spec.params.iter().all(|p| {
                    value(a, p).to_bits() == value(b, p).to_bits() || p.smoothing_ms > 0.0
                });
            let same_voice = self.voices.iter().find(|v| v.name == *id)
                == new.voices.iter().find(|v| v.name == *id);
            params_glide && into_old.get(id) == into_new.get(id) && same_voice
        })
    }
}

/// The connections into each module, sorted.
fn incoming(p: &Patch) -> HashMap<&str, Vec<&Connection>> {
    let mut m: HashMap<&str, Vec<&Connection>> = HashMap::new();
    for c in &p.connections {
        m.entry(c.to.as_str()).or_default().push(c);
    }
    for v in m.values_mut() {
        v.sort_by(|a, b| {
            (&a.from, &a.from_port, &a.to_port).cmp(&(&b.from, &b.from_port, &b.to_port))
        });
    }
    m
}

/// Ids of the modules heard in `p`: the `output` modules and those feeding
/// them, directly or through others; every module when there is no output.
fn heard<'a>(p: &'a Patch, into: &HashMap<&str, Vec<&'a Connection>>) -> HashSet<&'a str> {
    let outputs: Vec<&str> = p
        .modules
        .iter()
        .filter(|m| m.kind == "output")
        .map(|m| m.id.as_str())
        .collect();
    if outputs.is_empty() {
        return p.modules.iter().map(|m| m.id.as_str()).collect();
    }
    let mut heard: HashSet<&str> = outputs.iter().copied().collect();
    let mut todo = outputs;
    while let Some(id) = todo.pop() {
        for c in into.get(id).into_iter().flatten() {
            if heard.insert(c.from.as_str()) {
                todo.push(c.from.as_str());
            }
        }
    }
    heard
}
