//! The measurements. Each starts its own jackd (and synth-jack or scsynth),
//! records its figures in the [`Ctx`], and stops what it started.
//! One file per section; this one holds what several share.

mod carryover;
mod commit;
mod instruments;
mod latency;
mod plugins;
mod runtime;
mod scsynth;
mod search;
mod stall;
mod throughput;
mod voices;

pub use carryover::carry_over;
pub use commit::commit_to_switch;
pub use instruments::instruments;
pub use plugins::plugins;
pub use runtime::runtime;
pub use scsynth::voices_scsynth;
pub use stall::stall_recovery;
pub use throughput::osc_throughput;
pub use voices::voices_synth_jack;

use search::*;

use crate::osc::{i, msg, s, show, Osc, R};
use rosc::OscPacket;
use std::path::Path;
use std::time::Duration;
use synth_jack::osc::StatusReply;

pub(super) const SEC: Duration = Duration::from_secs(1);

pub(super) fn sleep_ms(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// A small deterministic random generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    /// Next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The `p`-th percentile (0..=100) of `v` by the nearest-rank method.
pub fn percentile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut w = v.to_vec();
    w.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * w.len() as f64).ceil().max(1.0) as usize;
    w[rank.min(w.len()) - 1]
}

/// The median of `v`.
pub fn median(v: &[f64]) -> f64 {
    percentile(v, 50.0)
}

/// The voice patch: `n` × (saw → ladder → adsr → vca), summed into `output`.
/// `shift` changes the frequencies (a second patch with the same modules).
pub fn voices_patch(n: u32, shift: u32) -> String {
    dsp::reference::voices(n as usize, shift as usize)
}

pub(super) fn write_patch(dir: &Path, name: &str, text: &str) -> R<()> {
    let p = dir.join(format!("{name}.patch"));
    std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))
}

/// Loads `name` from the patch directory and commits it; returns the /done.
pub(super) fn load_commit(o: &mut Osc, name: &str) -> R<()> {
    o.done("/patch/load", vec![s(name)], 30 * SEC)?;
    o.done("/patch/commit", vec![], 30 * SEC)?;
    Ok(())
}

/// Opens the gates `env0..env{n-1}` (bundles of 256 messages).
pub(super) fn gates_on(o: &mut Osc, n: u32) -> R<()> {
    let gates: Vec<OscPacket> = (0..n)
        .map(|v| msg(&format!("/gate/env{v}"), vec![i(1)]))
        .collect();
    o.send_bundled(gates, 256)?;
    o.sync(7, 10 * SEC)
}

/// synth-jack's `/status` (also resets the DSP load peak).
pub fn sj_status(o: &mut Osc) -> R<StatusReply> {
    let r = o.ask("/status", vec![], StatusReply::ADDR)?;
    StatusReply::decode(&r).map_err(|e| format!("{e}: {}", show(&r)))
}
