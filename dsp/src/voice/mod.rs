//! Instruments: voice templates played polyphonically by note events from
//! OSC and MIDI. `note` is the per-voice source module, `alloc` decides
//! which voice plays which note, `instrument` renders the voices, `template`
//! edits and compiles the voice patch, `midi` routes MIDI messages.

pub mod alloc;
pub mod edit;
pub mod instrument;
pub mod midi;
pub mod note;
pub mod template;

pub use instrument::{Instrument, VoiceJobs};
pub use template::VoiceTemplate;

use crate::error::PatchError;
use crate::module::Module;
use crate::name::Name;
use crate::patch::{ModuleDecl, Patch};
use crate::registry::Registry;
use crate::spec::ModuleSpec;
use midi::{CcTarget, MidiMap};

/// What a graph's instruments are doing, summed over them (telemetry).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VoiceStats {
    /// Voices held, sustained or still sounding their release.
    pub busy: u64,
    /// Voice copies rendered in the last block (fading ones included).
    pub rendered: u64,
    /// Held voices taken by a new note (poly steals).
    pub stolen: u64,
    /// Notes dropped (every voice held and `steal=none`).
    pub dropped: u64,
}

impl VoiceStats {
    /// Adds one instrument's figures.
    pub fn add(&mut self, i: &Instrument) {
        self.busy += i.busy_voices() as u64;
        self.rendered += i.rendered_slots() as u64;
        self.stolen += i.stolen();
        self.dropped += i.dropped();
    }
}

/// The voice template of instrument `id` in `patch`.
pub fn template_of<'a>(patch: &'a Patch, id: &str) -> Option<&'a VoiceTemplate> {
    patch.voices.iter().find(|t| t.name == id)
}

/// Builds instrument `decl` of `patch` from its template (control thread).
pub fn build_instrument(
    patch: &Patch,
    decl: &ModuleDecl,
    reg: &Registry,
    sample_rate: f32,
) -> Result<Box<dyn Module>, PatchError> {
    let value = |i: usize| {
        let p = &instrument::SPEC.params[i];
        decl.params
            .iter()
            .find(|(n, _)| p.matches(n))
            .map_or(p.default, |(_, v)| p.clamp(*v).0) as usize
    };
    let (count, unison) = (
        value(instrument::param::COUNT),
        value(instrument::param::UNISON),
    );
    let empty;
    let template = match template_of(patch, &decl.id) {
        Some(t) => t,
        None => {
            empty = VoiceTemplate::new(&decl.id);
            &empty
        }
    };
    let n = Instrument::slots_needed(count, unison);
    let voices = template.compile_voices(reg, sample_rate, n)?;
    Ok(Box::new(Instrument::new(
        voices,
        count,
        unison,
        sample_rate,
    )))
}

/// Compiles the patch's MIDI routes; `find(id)` gives a module's graph node
/// and type. The first module that plays notes (an instrument, or a plugin
/// with a MIDI input) in creation order plays unmapped channels.
pub fn compile_midi(
    patch: &Patch,
    reg: &Registry,
    find: impl Fn(&str) -> Option<(u32, &'static ModuleSpec)>,
) -> Result<MidiMap, PatchError> {
    let mut map = MidiMap::default();
    let instrument = |id: &str| {
        find(id)
            .filter(|(_, s)| reg.plays_notes(s))
            .map(|(n, _)| n)
            .ok_or_else(|| PatchError::Instrument {
                name: id.to_string(),
                message: "no such instrument for a MIDI route".into(),
            })
    };
    if let Some(first) = patch
        .modules
        .iter()
        .find(|m| reg.find(&m.kind).is_some_and(|t| reg.plays_notes(t.spec)))
    {
        map.channels = [instrument(&first.id)?; 16];
    }
    for r in &patch.midi {
        map.channels[(r.channel.clamp(1, 16) - 1) as usize] = instrument(&r.instrument)?;
    }
    for r in &patch.ccs {
        let (outer, inner, param) = midi::split_target(&r.target)?;
        let (node, spec) = find(outer).ok_or_else(|| PatchError::UnknownModule(outer.into()))?;
        let spec = match inner {
            None => spec,
            Some(id) => template_of(patch, outer)
                .ok_or_else(|| PatchError::Instrument {
                    name: outer.to_string(),
                    message: format!("no voice template holding '{id}'"),
                })?
                .patch
                .spec_of(&template::registry(reg), id)?,
        };
        let index = spec
            .param_index(param)
            .ok_or_else(|| PatchError::UnknownParam {
                module: r.target.clone(),
                kind: spec.name.to_string(),
                param: param.to_string(),
            })?;
        let inner = match inner {
            Some(id) => Some(Name::new(id).ok_or_else(|| PatchError::BadName(id.into()))?),
            None => None,
        };
        let target = CcTarget {
            node,
            inner,
            index: index as u16,
            spec: &spec.params[index],
        };
        map.ccs.push((r.clone(), target));
    }
    Ok(map)
}
