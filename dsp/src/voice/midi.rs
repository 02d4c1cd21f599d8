//! MIDI routing: channel to instrument (`midi 1 lead`), controller to
//! parameter (`cc 74 lead.filt.cutoff 200 8000 [lin|exp]`). Declared in the
//! patch, compiled into the graph, applied by the graph at the exact frame of
//! each MIDI event without allocating.
//!
//! Messages understood: note on/off with velocity, pitch bend (times the
//! instrument's `bend` range), channel pressure, polyphonic aftertouch,
//! CC64 sustain, CC120 all sound off, CC123 all notes off, and mapped CCs.
//! An unmapped channel plays the first instrument of the patch.

use crate::error::PatchError;
use crate::event::NoteEvent;
use crate::name::Name;
use crate::patch::split_endpoint;
use crate::spec::ParamSpec;

/// `midi CHANNEL INSTRUMENT`: channel 1–16 plays an instrument.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelRoute {
    /// MIDI channel, 1–16.
    pub channel: u8,
    /// Instrument id.
    pub instrument: String,
}

/// `cc NUMBER TARGET MIN MAX [lin|exp]`: a controller sets a parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct CcRoute {
    /// MIDI channel 1–16, or 0 for every channel.
    pub channel: u8,
    /// Controller number 0–127.
    pub cc: u8,
    /// `module.param`, or `instrument.module.param` inside a voice template.
    pub target: String,
    /// Value at controller 0.
    pub min: f32,
    /// Value at controller 127.
    pub max: f32,
    /// Exponential curve (`min·(max/min)^x`) instead of linear.
    pub exp: bool,
}

impl CcRoute {
    /// The value for controller value `x` in 0–1.
    pub fn value(&self, x: f32) -> f32 {
        if self.exp && self.min > 0.0 && self.max > 0.0 {
            self.min * (self.max / self.min).powf(x)
        } else {
            self.min + (self.max - self.min) * x
        }
    }

    /// The route as a patch-file line.
    pub fn to_line(&self) -> String {
        let ch = if self.channel == 0 {
            String::new()
        } else {
            format!(" channel={}", self.channel)
        };
        let curve = if self.exp { " exp" } else { "" };
        format!(
            "cc {} {} {} {}{curve}{ch}\n",
            self.cc, self.target, self.min, self.max
        )
    }
}

/// Where a target of a CC route lands.
#[derive(Debug, Clone, Copy)]
pub struct CcTarget {
    /// Graph node index of the module (or instrument).
    pub node: u32,
    /// The module inside the instrument's voices, if any.
    pub inner: Option<Name>,
    /// Parameter index.
    pub index: u16,
    /// Its spec, for clamping.
    pub spec: &'static ParamSpec,
}

/// Splits a CC target into (outer id, inner id, parameter).
pub fn split_target(target: &str) -> Result<(&str, Option<&str>, &str), PatchError> {
    let (a, rest) = split_endpoint(target);
    let bad = || PatchError::Instrument {
        name: target.to_string(),
        message: "a CC target is MODULE.PARAM or INSTRUMENT.MODULE.PARAM".into(),
    };
    let rest = rest.ok_or_else(bad)?;
    Ok(match split_endpoint(rest) {
        (b, Some(p)) => (a, Some(b), p),
        (p, None) => (a, None, p),
    })
}

/// The compiled MIDI map of a graph.
#[derive(Debug, Clone)]
pub struct MidiMap {
    /// Graph node of the instrument each channel plays (`u32::MAX`: none).
    pub channels: [u32; 16],
    /// Controller routes with their resolved targets.
    pub ccs: Vec<(CcRoute, CcTarget)>,
}

impl Default for MidiMap {
    fn default() -> Self {
        MidiMap {
            channels: [u32::MAX; 16],
            ccs: Vec::new(),
        }
    }
}

/// What one MIDI message does to one graph node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Routed {
    /// A note event for an instrument.
    Note(NoteEvent),
    /// A parameter of a plain module.
    Param {
        /// Parameter index.
        index: u16,
        /// New value, clamped.
        value: f32,
    },
}

impl MidiMap {
    /// Calls `f(node, what)` for each effect of `msg`. Allocation-free.
    pub fn route(&self, msg: [u8; 3], mut f: impl FnMut(u32, Routed)) {
        let status = msg[0] & 0xf0;
        let ch = (msg[0] & 0x0f) as usize;
        let (d1, d2) = (msg[1] & 0x7f, msg[2] & 0x7f);
        let x = d2 as f32 / 127.0;
        let inst = self.channels[ch];
        let note = |e: NoteEvent| (inst != u32::MAX).then_some((inst, Routed::Note(e)));
        let ev = match status {
            0x90 if d2 > 0 => note(NoteEvent::On {
                note: d1 as f32,
                vel: x,
            }),
            0x80 | 0x90 => note(NoteEvent::Off { note: d1 as f32 }),
            0xa0 => note(NoteEvent::PolyPressure {
                note: d1 as f32,
                value: x,
            }),
            0xd0 => note(NoteEvent::Pressure(d1 as f32 / 127.0)),
            0xe0 => {
                let v = ((d2 as i32) << 7 | d1 as i32) - 8192;
                note(NoteEvent::BendRange(v as f32 / 8192.0))
            }
            0xb0 => match d1 {
                64 => note(NoteEvent::Sustain(d2 >= 64)),
                120 => note(NoteEvent::AllSoundOff),
                123 => note(NoteEvent::AllOff),
                _ => {
                    for (r, t) in &self.ccs {
                        if r.cc != d1 || (r.channel != 0 && r.channel as usize != ch + 1) {
                            continue;
                        }
                        let value = t.spec.clamp(r.value(x)).0;
                        let what = match t.inner {
                            Some(module) => Routed::Note(NoteEvent::Param {
                                module,
                                index: t.index,
                                value,
                            }),
                            None => Routed::Param {
                                index: t.index,
                                value,
                            },
                        };
                        f(t.node, what);
                    }
                    None
                }
            },
            _ => None,
        };
        if let Some((node, what)) = ev {
            f(node, what);
        }
    }
}
