//! Readings of the observers (`scope`, `meter`) for `/notify` clients,
//! computed here on the control thread from the lock-free taps the modules
//! write (`dsp::tap`), never on a real-time thread.
//!
//! Every graph the control thread builds registers its taps. The two slots
//! may each hold a graph with an observer of the same id; a reading comes
//! from whichever of them advanced most since the previous one (the graph
//! that plays). Taps of dropped graphs are forgotten.

use dsp::tap::{levels, SignalTap, TapKind};
use dsp::Graph;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// Shortest time between two readings of one observer (at most 30 a second).
pub const READING_INTERVAL: Duration = Duration::from_micros(33_334);

/// What an observer saw.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// `scope id`: the latest samples, oldest first.
    Scope(String, Vec<f32>),
    /// `meter id`: RMS and peak (linear) since the previous reading.
    Meter(String, f32, f32),
}

struct Entry {
    id: String,
    scope: bool,
    tap: Weak<SignalTap>,
    /// Position read up to.
    pos: u64,
}

/// The registered taps.
#[derive(Default)]
pub struct Taps {
    entries: Mutex<Vec<Entry>>,
    last: Option<Instant>,
    scratch: Vec<f32>,
}

impl Taps {
    /// Registers the observers of a graph just built.
    pub fn register(&self, g: &Graph) {
        let found = g.taps();
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.retain(|x| x.tap.strong_count() > 0);
        for (id, _, tap) in found {
            e.push(Entry {
                id: id.to_string(),
                scope: tap.kind() == TapKind::Trace,
                pos: tap.written(),
                tap: Arc::downgrade(&tap),
            });
        }
    }

    /// The readings due now: none until [`READING_INTERVAL`] has passed
    /// since the previous call that returned some.
    pub fn poll(&mut self, now: Instant) -> Vec<Reading> {
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < READING_INTERVAL)
        {
            return Vec::new();
        }
        self.last = Some(now);
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.retain(|x| x.tap.strong_count() > 0);
        // Per id, the entry that advanced most.
        let mut best: HashMap<&str, (usize, u64)> = HashMap::new();
        for (i, x) in e.iter().enumerate() {
            let Some(tap) = x.tap.upgrade() else { continue };
            let ahead = tap.written().saturating_sub(x.pos);
            let b = best.entry(x.id.as_str()).or_insert((i, ahead));
            if ahead > b.1 {
                *b = (i, ahead);
            }
        }
        let mut chosen: Vec<usize> = best
            .into_values()
            .filter(|&(_, ahead)| ahead > 0)
            .map(|(i, _)| i)
            .collect();
        chosen.sort_unstable();
        let mut out = Vec::new();
        for (i, x) in e.iter_mut().enumerate() {
            let Some(tap) = x.tap.upgrade() else { continue };
            let points = (tap.setting() as usize).max(1);
            // A scope shows its latest `points` samples, new or not.
            let from = if x.scope {
                x.pos.min(tap.written().saturating_sub(points as u64))
            } else {
                x.pos
            };
            x.pos = tap.read_since(from, &mut self.scratch);
            if chosen.binary_search(&i).is_err() {
                continue;
            }
            let xs = &self.scratch;
            out.push(if x.scope {
                Reading::Scope(x.id.clone(), xs[xs.len().saturating_sub(points)..].to_vec())
            } else {
                let (rms, peak) = levels(xs);
                Reading::Meter(x.id.clone(), rms, peak)
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dsp::{Patch, Registry};

    fn graph(text: &str) -> Graph {
        let reg = Registry::standard();
        let p = Patch::parse(&reg, text).unwrap().0;
        Graph::compile(&p, &reg, 48_000.0, 1).unwrap()
    }

    #[test]
    fn readings_come_from_the_graph_that_plays_at_most_30_a_second() {
        let text = "create s sine freq=1000 gain=0.5\ncreate m meter\ncreate sc scope points=100\n\
                    connect s m\nconnect s sc\n";
        // Two slots' graphs; only `playing` renders.
        let (mut playing, idle) = (graph(text), graph(text));
        let mut taps = Taps::default();
        taps.register(&playing);
        taps.register(&idle);
        let t0 = Instant::now();
        assert!(taps.poll(t0).is_empty(), "nothing rendered yet");
        let mut out = vec![0.0f32; 4800];
        playing.process(&mut [&mut out[..]], &[]);
        assert!(taps.poll(t0).is_empty(), "within 1/30 s of the last poll");
        let mut got = taps.poll(t0 + READING_INTERVAL);
        got.sort_by_key(|r| matches!(r, Reading::Scope(..)));
        match &got[..] {
            [Reading::Meter(m, rms, peak), Reading::Scope(s, xs)] => {
                assert_eq!((m.as_str(), s.as_str()), ("m", "sc"));
                assert!((rms - 0.5 / 2f32.sqrt()).abs() < 1e-3, "rms {rms}");
                assert!((peak - 0.5).abs() < 1e-3, "peak {peak}");
                // The latest 100 of the 4800 samples rendered.
                assert_eq!(xs.len(), 100);
                for (k, x) in xs.iter().enumerate() {
                    let t = (4700 + k) as f32 / 48.0;
                    let want = 0.5 * (std::f32::consts::TAU * t).sin();
                    assert!((x - want).abs() < 1e-3, "sample {k}: {x} vs {want}");
                }
            }
            other => panic!("{other:?}"),
        }
        // Nothing new: no meter reading; the scope repeats its window.
        let again = taps.poll(t0 + 2 * READING_INTERVAL);
        assert!(again.is_empty(), "{again:?}");
        drop((playing, idle));
        taps.register(&graph("create s sine\n"));
        assert!(taps.entries.lock().unwrap().is_empty());
    }
}
