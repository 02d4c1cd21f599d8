//! Editing instruments inside a [`Patch`]: voice templates addressed as
//! `INSTRUMENT.ID`, MIDI routes, and the patch-file lines for both.
//!
//! ```text
//! voice lead count=16 mode=poly steal=oldest glide=0
//!   create osc saw
//!   create env adsr attack=5 release=400
//!   connect note.freq osc.freq
//!   connect note.gate env.gate
//!   connect osc env
//! end
//! midi 1 lead
//! cc 74 lead.filt.cutoff 200 8000 exp
//! ```

use super::instrument::SPEC as INSTRUMENT;
use super::midi::{split_target, CcRoute, ChannelRoute};
use super::template::{self, VoiceTemplate};
use crate::error::PatchError;
use crate::patch::{split_endpoint, ParamArg, Patch};
use crate::registry::Registry;

impl Patch {
    /// The voice template of instrument `inst`.
    pub fn template(&self, inst: &str) -> Option<&VoiceTemplate> {
        self.voices.iter().find(|t| t.name == inst)
    }

    fn template_mut(&mut self, inst: &str) -> Result<&mut VoiceTemplate, PatchError> {
        let is_instrument = self.module(inst).is_some_and(|m| m.kind == INSTRUMENT.name);
        if !is_instrument {
            return Err(PatchError::Instrument {
                name: inst.to_string(),
                message: "no such instrument (create it with `voice` or /voice/create)".into(),
            });
        }
        if self.template(inst).is_none() {
            self.voices.push(VoiceTemplate::new(inst));
        }
        Ok(self
            .voices
            .iter_mut()
            .find(|t| t.name == inst)
            .expect("just ensured"))
    }

    /// Creates instrument `name` with voice settings `params` (`count`,
    /// `mode`, `steal`, ...) and a template holding only `note`.
    pub fn voice_create(
        &mut self,
        reg: &Registry,
        name: &str,
        params: &[(String, ParamArg)],
    ) -> Result<Vec<String>, PatchError> {
        let w = self.create(reg, name, INSTRUMENT.name, params)?;
        self.template_mut(name)?;
        Ok(w)
    }

    /// `create INSTRUMENT.ID TYPE ...`: a module in a voice template.
    pub(crate) fn template_create(
        &mut self,
        reg: &Registry,
        inst: &str,
        id: &str,
        kind: &str,
        params: &[(String, ParamArg)],
    ) -> Result<Vec<String>, PatchError> {
        self.template_mut(inst)?.create(reg, id, kind, params)
    }

    /// When `src` and `dst` are both `INST.ID[.PORT]` of modules in one
    /// instrument's template: the instrument and the inner endpoints.
    pub(crate) fn template_endpoints<'a>(
        &self,
        src: &'a str,
        dst: &'a str,
    ) -> Option<(String, &'a str, &'a str)> {
        let (a, sr) = split_endpoint(src);
        let (b, dr) = split_endpoint(dst);
        let (sr, dr) = (sr?, dr?);
        let t = self.template(a).filter(|_| a == b)?;
        let inside = |e: &str| t.patch.module(split_endpoint(e).0).is_some();
        (inside(sr) && inside(dr)).then(|| (a.to_string(), sr, dr))
    }

    /// Connects inside a template (see [`Patch::template_endpoints`]).
    pub(crate) fn template_connect(
        &mut self,
        reg: &Registry,
        inst: &str,
        src: &str,
        dst: &str,
        connect: bool,
    ) -> Result<(), PatchError> {
        let t = self.template_mut(inst)?;
        if connect {
            t.connect(reg, src, dst)
        } else {
            t.disconnect(reg, src, dst)
        }
    }

    /// Sets a parameter of `INST.ID` in its template.
    pub(crate) fn template_set(
        &mut self,
        reg: &Registry,
        inst: &str,
        id: &str,
        param: &str,
        value: &ParamArg,
    ) -> Result<(f32, Vec<String>), PatchError> {
        let reg = template::registry(reg);
        self.template_mut(inst)?.patch.set(&reg, id, param, value)
    }

    /// Deletes `INST.ID` from its template, with the CC routes to it.
    pub(crate) fn template_delete(&mut self, inst: &str, id: &str) -> Result<(), PatchError> {
        self.template_mut(inst)?.delete(id)?;
        let prefix = format!("{inst}.{id}.");
        self.ccs.retain(|r| !r.target.starts_with(&prefix));
        Ok(())
    }

    /// When module `id` is deleted: its template (an instrument's) and the
    /// MIDI routes to it go too.
    pub(crate) fn forget_module(&mut self, id: &str) {
        self.voices.retain(|t| t.name != id);
        self.midi.retain(|r| r.instrument != id);
        self.ccs.retain(|r| split_endpoint(&r.target).0 != id);
    }

    /// `midi CHANNEL INSTRUMENT` / `/midi/map`: replaces the channel's route.
    /// The target is an instrument or another module that plays notes (an
    /// LV2 plugin with a MIDI input, see [`Registry::plays_notes`]).
    pub fn map_midi(&mut self, reg: &Registry, channel: u8, inst: &str) -> Result<(), PatchError> {
        if !(1..=16).contains(&channel) {
            return Err(PatchError::Instrument {
                name: inst.to_string(),
                message: format!("MIDI channel {channel} is not 1-16"),
            });
        }
        let plugin = self
            .module(inst)
            .filter(|m| m.kind != INSTRUMENT.name)
            .and_then(|m| reg.find(&m.kind))
            .is_some_and(|t| reg.plays_notes(t.spec));
        if !plugin {
            self.template_mut(inst)?;
        }
        self.midi.retain(|r| r.channel != channel);
        self.midi.push(ChannelRoute {
            channel,
            instrument: inst.to_string(),
        });
        Ok(())
    }

    /// `cc ...` / `/midi/cc`: adds a controller route, replacing one with the
    /// same channel, controller and target. The target must exist.
    pub fn add_cc(&mut self, reg: &Registry, route: CcRoute) -> Result<(), PatchError> {
        let (outer, inner, param) = split_target(&route.target)?;
        let spec = match inner {
            None => self.spec_of(reg, outer)?,
            Some(id) => self
                .template(outer)
                .ok_or_else(|| PatchError::UnknownModule(outer.to_string()))?
                .patch
                .spec_of(&template::registry(reg), id)?,
        };
        if spec.param_index(param).is_none() {
            return Err(PatchError::UnknownParam {
                module: route.target.clone(),
                kind: spec.name.to_string(),
                param: param.to_string(),
            });
        }
        self.ccs
            .retain(|r| (r.channel, r.cc, &r.target) != (route.channel, route.cc, &route.target));
        self.ccs.push(route);
        Ok(())
    }

    /// Patch-file text of instrument module `id` (its `voice ... end` block).
    pub(crate) fn voice_text(&self, reg: &Registry, id: &str, params: &str) -> String {
        let body = self
            .template(id)
            .map(|t| t.body_text(reg))
            .unwrap_or_default();
        format!("voice {id}{params}\n{body}end\n")
    }

    /// Patch-file lines of the MIDI routes.
    pub(crate) fn midi_text(&self) -> String {
        let mut s = String::new();
        for r in &self.midi {
            s.push_str(&format!("midi {} {}\n", r.channel, r.instrument));
        }
        for r in &self.ccs {
            s.push_str(&r.to_line());
        }
        s
    }

    /// Reads a `midi` or `cc` patch-file line (already split into words).
    pub(crate) fn parse_midi_line(
        &mut self,
        reg: &Registry,
        words: &[&str],
    ) -> Result<(), PatchError> {
        let usage = |u: &str| PatchError::Instrument {
            name: words.get(1).unwrap_or(&"").to_string(),
            message: format!("usage: {u}"),
        };
        match words[0] {
            "midi" => {
                let [_, ch, inst] = words else {
                    return Err(usage("midi CHANNEL(1-16) INSTRUMENT"));
                };
                let ch = ch
                    .parse::<u8>()
                    .map_err(|_| usage("midi CHANNEL(1-16) INSTRUMENT"))?;
                self.map_midi(reg, ch, inst)
            }
            _ => {
                const U: &str = "cc NUMBER TARGET MIN MAX [lin|exp] [channel=N]";
                if words.len() < 5 {
                    return Err(usage(U));
                }
                let num = |w: &str| w.parse::<f32>().ok().filter(|v| v.is_finite());
                let cc = words[1].parse::<u8>().ok().filter(|c| *c < 128);
                let (Some(cc), Some(min), Some(max)) = (cc, num(words[3]), num(words[4])) else {
                    return Err(usage(U));
                };
                let mut route = CcRoute {
                    channel: 0,
                    cc,
                    target: words[2].to_string(),
                    min,
                    max,
                    exp: false,
                };
                for w in &words[5..] {
                    match *w {
                        "lin" => route.exp = false,
                        "exp" => route.exp = true,
                        _ => {
                            let ch = w.strip_prefix("channel=").and_then(|c| c.parse().ok());
                            route.channel = ch.filter(|c| *c <= 16).ok_or_else(|| usage(U))?;
                        }
                    }
                }
                self.add_cc(reg, route)
            }
        }
    }
}

impl Patch {
    /// Reads a `voice NAME key=value...`, `end`, `midi` or `cc` line.
    /// `voice` holds the instrument whose block is open.
    pub(crate) fn parse_voice_line(
        &mut self,
        reg: &Registry,
        words: &[&str],
        voice: &mut Option<String>,
    ) -> Result<Vec<String>, PatchError> {
        let bad = |message: String| PatchError::Instrument {
            name: words.get(1).unwrap_or(&"").to_string(),
            message,
        };
        match words[0] {
            "voice" => {
                if let Some(open) = voice {
                    return Err(bad(format!(
                        "voice {open} is still open: close it with `end`"
                    )));
                }
                let name = words
                    .get(1)
                    .ok_or_else(|| bad("usage: voice NAME [key=value]...".into()))?;
                let mut params = Vec::new();
                for w in &words[2..] {
                    let (k, v) = w
                        .split_once('=')
                        .ok_or_else(|| bad(format!("'{w}': settings are key=value")))?;
                    params.push((k.to_string(), ParamArg::Text(v.to_string())));
                }
                let w = self.voice_create(reg, name, &params)?;
                *voice = Some(name.to_string());
                Ok(w)
            }
            "end" => {
                voice
                    .take()
                    .ok_or_else(|| bad("`end` without `voice`".into()))?;
                Ok(Vec::new())
            }
            _ => self.parse_midi_line(reg, words).map(|_| Vec::new()),
        }
    }
}

/// A template line of `voice NAME ... end` with its ids prefixed `NAME.`,
/// so the patch's own commands apply it to the template.
pub fn prefix_line(voice: &str, line: &str) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    let ids = match words[0] {
        "connect" | "disconnect" => 2,
        "create" | "delete" | "set" => 1,
        _ => 0,
    };
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i >= 1 && i <= ids {
                format!("{voice}.{w}")
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `INSTRUMENT.ID` split in two, when both parts are valid names.
pub fn inner_id(id: &str) -> Option<(&str, &str)> {
    use crate::name::is_valid_name;
    id.split_once('.')
        .filter(|(a, b)| is_valid_name(a) && is_valid_name(b))
}
