//! Offline rendering: a patch and timed events rendered block by block, just
//! as the engine renders them live, into sample buffers. Writing WAV files is
//! left to the caller.
//!
//! Events files hold one event per line, `#` starting a comment:
//!
//! ```text
//! # seconds  what  module  ...
//! 0.5   set  osc1 freq 220
//! 0.5   gate env1 on
//! 1.25  gate env1 off        # or 1 / 0
//! 2     set  filt mode highpass
//! ```

use crate::error::PatchError;
use crate::event::{Event, EventKind};
use crate::graph::Graph;
use crate::name::Name;
use crate::patch::{content_lines, resolve_value, word_assignments, ParamArg, Patch};
use crate::registry::Registry;
use crate::time::Time;

/// What a timed event does, with names not yet resolved against a patch.
#[derive(Debug, Clone, PartialEq)]
pub enum TimedKind {
    /// Set a parameter (a name or alias) to a value.
    Set {
        /// Parameter name.
        param: String,
        /// New value: a number, or a choice name.
        value: ParamArg,
    },
    /// Gate on (`true`) or off.
    Gate(bool),
}

/// An event at an absolute frame of a render.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedEvent {
    /// Frame from the start of the render at which the event takes effect.
    pub frame: u64,
    /// Target module id.
    pub module: String,
    /// What to do.
    pub kind: TimedKind,
}

impl TimedEvent {
    /// Sets `module.param` to `value` at `frame`.
    pub fn set(frame: u64, module: &str, param: &str, value: f32) -> Self {
        TimedEvent {
            frame,
            module: module.to_string(),
            kind: TimedKind::Set {
                param: param.to_string(),
                value: ParamArg::Number(value),
            },
        }
    }

    /// Turns `module`'s gate on or off at `frame`.
    pub fn gate(frame: u64, module: &str, on: bool) -> Self {
        TimedEvent {
            frame,
            module: module.to_string(),
            kind: TimedKind::Gate(on),
        }
    }
}

/// Reads an events file (see the module docs). Times are in seconds and
/// become frames at `sample_rate`, rounded to the nearest frame. Errors name
/// the line.
pub fn parse_events(text: &str, sample_rate: f32) -> Result<Vec<TimedEvent>, PatchError> {
    let mut events = Vec::new();
    for (n, line) in content_lines(text) {
        let err = |message: String| PatchError::Parse { line: n, message };
        let words: Vec<&str> = line.split_whitespace().collect();
        let usage = "use '<seconds> set <id> <param> <value>' or '<seconds> gate <id> on|off'";
        if words.len() < 3 {
            return Err(err(format!("incomplete event: {usage}")));
        }
        let seconds: f64 = words[0]
            .parse()
            .ok()
            .filter(|s: &f64| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| err(format!("bad time '{}': use seconds >= 0", words[0])))?;
        let frame = (seconds * sample_rate as f64).round() as u64;
        let module = words[2];
        if !crate::name::is_valid_name(module) {
            return Err(err(PatchError::BadName(module.to_string()).to_string()));
        }
        let kind = match words[1] {
            "set" => {
                // `set id param value`, `set id param=value` or `set id.param value`.
                if !(4..=5).contains(&words.len()) {
                    return Err(err(format!("wrong number of words: {usage}")));
                }
                let mut one = match word_assignments(&words[3..]) {
                    Ok(v) if v.len() == 1 => v,
                    Err(_) => return Err(err(format!("missing value: {usage}"))),
                    Ok(_) => return Err(err(format!("wrong number of words: {usage}"))),
                };
                let (param, value) = one.remove(0);
                TimedKind::Set { param, value }
            }
            "gate" => {
                if words.len() != 4 {
                    return Err(err(format!("wrong number of words: {usage}")));
                }
                let on = match words[3].to_ascii_lowercase().as_str() {
                    "on" | "1" | "true" => true,
                    "off" | "0" | "false" => false,
                    other => return Err(err(format!("bad gate '{other}': use on, off, 1 or 0"))),
                };
                TimedKind::Gate(on)
            }
            other => return Err(err(format!("unknown event '{other}': {usage}"))),
        };
        events.push(TimedEvent {
            frame,
            module: module.to_string(),
            kind,
        });
    }
    Ok(events)
}

/// Resolves events against a patch: parameter names to indices, values
/// parsed and clamped (clamping is reported in the warnings). The result is
/// sorted by frame; events at the same frame keep their order. Errors name
/// an unknown module or parameter, a bad value, or a gate sent to a module
/// without one.
#[allow(clippy::type_complexity)]
pub fn resolve_events(
    patch: &Patch,
    reg: &Registry,
    events: &[TimedEvent],
) -> Result<(Vec<(u64, Event)>, Vec<String>), PatchError> {
    let mut out = Vec::with_capacity(events.len());
    let mut warnings = Vec::new();
    for e in events {
        let spec = patch.spec_of(reg, &e.module)?;
        let module = Name::new(&e.module).ok_or_else(|| PatchError::BadName(e.module.clone()))?;
        let kind = match &e.kind {
            TimedKind::Set { param, value } => {
                let (name, v, w) = resolve_value(spec, &e.module, param, value)?;
                warnings.extend(w);
                let index = spec.param_index(name).expect("resolved") as u16;
                EventKind::Param { index, value: v }
            }
            TimedKind::Gate(on) => {
                if !spec.gate {
                    return Err(PatchError::NoGate(e.module.clone()));
                }
                EventKind::Gate(*on)
            }
        };
        out.push((
            e.frame,
            Event {
                offset: 0,
                module,
                kind,
            },
        ));
    }
    out.sort_by_key(|(f, _)| *f);
    Ok((out, warnings))
}

/// Renders `frames` frames of `patch` with `channels` channels (clamped to
/// `1..=MAX_CHANNELS`), `block` frames per `Graph::process` call, applying
/// each event at its exact frame. Events at or past `frames` are ignored.
/// The transport rolls from bar 1 at 120 BPM in 4/4 (see [`render_from`]).
pub fn render(
    patch: &Patch,
    reg: &Registry,
    events: &[TimedEvent],
    sample_rate: f32,
    channels: usize,
    frames: usize,
    block: usize,
) -> Result<Vec<Vec<f32>>, PatchError> {
    let time = Time::new(sample_rate as f64, 120.0, 4.0);
    render_from(patch, reg, events, time, channels, frames, block)
}

/// [`render`] with the transport at `time` on the first frame (tempo,
/// meter, position, rolling or stopped; the sample rate is
/// `time.sample_rate`). Event frames count from the start of the render.
pub fn render_from(
    patch: &Patch,
    reg: &Registry,
    events: &[TimedEvent],
    time: Time,
    channels: usize,
    frames: usize,
    block: usize,
) -> Result<Vec<Vec<f32>>, PatchError> {
    let mut graph = Graph::compile(patch, reg, time.sample_rate as f32, channels)?;
    graph.set_time(time);
    let (events, _warnings) = resolve_events(patch, reg, events)?;
    Ok(render_graph(&mut graph, &events, frames, block))
}

/// Renders `frames` frames from an already compiled graph, `block` frames
/// per `Graph::process` call. `events` are `(frame, event)` pairs sorted by
/// frame, frames counted from the start of this call; each event's `offset`
/// is set from its frame. Returns one buffer per graph channel.
pub fn render_graph(
    graph: &mut Graph,
    events: &[(u64, Event)],
    frames: usize,
    block: usize,
) -> Vec<Vec<f32>> {
    render_graph_with(graph, events, frames, block, &mut crate::graph::Serial)
}

/// [`render_graph`] with the graph's bundles run by `runner` (the output is
/// bit-identical whatever the runner).
pub fn render_graph_with(
    graph: &mut Graph,
    events: &[(u64, Event)],
    frames: usize,
    block: usize,
    runner: &mut dyn crate::graph::Runner,
) -> Vec<Vec<f32>> {
    let block = block.max(1);
    let mut out = vec![vec![0.0f32; frames]; graph.channels()];
    let mut block_events: Vec<Event> = Vec::new();
    let mut e = 0;
    let mut start = 0usize;
    while start < frames {
        let len = block.min(frames - start);
        let end = (start + len) as u64;
        block_events.clear();
        while e < events.len() && events[e].0 < end {
            let (frame, mut ev) = events[e];
            ev.offset = frame.saturating_sub(start as u64) as u32;
            block_events.push(ev);
            e += 1;
        }
        let mut chans: Vec<&mut [f32]> =
            out.iter_mut().map(|c| &mut c[start..start + len]).collect();
        graph.process_with(&mut chans, &block_events, runner);
        start += len;
    }
    out
}
