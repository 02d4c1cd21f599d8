//! [`Live`]: the OSC surface's [`Backend`] over what really runs — the
//! control thread's patch and commit state and the engine — and [`View`], the
//! read-only part that answering notices and `/sync` needs. The OSC code knows
//! only its traits; this is where they meet the engine.

use crate::control::{clock, transport, Control, Ticket};
use crate::engine::Engine;
use crate::osc::{Backend, Failure, Progress, Status};
use crate::status::Snapshot;
use dsp::{ParamArg, Patch, PatchError, Registry};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::*;

/// The real [`Backend`]: the control thread's state and the engine.
pub struct Live<'a> {
    /// Patch and commit state.
    pub control: &'a mut Control,
    /// The running engine.
    pub engine: &'a mut Engine,
}

impl Progress for Live<'_> {
    fn is_settled(&self) -> bool {
        self.control.is_settled()
    }

    fn rendered(&self) -> u64 {
        rendered(self.engine)
    }
}

impl Backend for Live<'_> {
    fn edit(&mut self) -> (&Registry, &mut Patch) {
        self.control.edit_pending()
    }

    fn registry(&self) -> &Registry {
        self.control.registry()
    }

    fn pending(&self) -> &Patch {
        &self.control.pending
    }

    fn committed(&self) -> &Patch {
        self.control.committed()
    }

    fn abort(&mut self) {
        self.control.abort()
    }

    fn commit(&mut self, at: Option<u64>) -> Result<Ticket, PatchError> {
        self.control.commit(self.engine, at)
    }

    fn cancel(&mut self) -> usize {
        self.control.cancel(self.engine)
    }

    fn set_live(
        &mut self,
        id: &str,
        param: &str,
        value: &ParamArg,
        frame: Option<u64>,
    ) -> Result<(f32, Vec<String>), PatchError> {
        self.control.set_live(self.engine, id, param, value, frame)
    }

    fn gate(&mut self, id: &str, on: bool, frame: Option<u64>) -> Result<(), PatchError> {
        self.control.gate(self.engine, id, on, frame)
    }

    fn note(
        &mut self,
        inst: &str,
        ev: dsp::NoteEvent,
        frame: Option<u64>,
    ) -> Result<(), PatchError> {
        self.control.note(self.engine, inst, ev, frame)
    }

    fn unix_now(&self) -> f64 {
        clock::unix_now()
    }

    fn frame_at(&mut self, t: f64) -> u64 {
        self.control.clock.frame_at(self.engine, t)
    }

    fn sample_rate(&self) -> f64 {
        self.engine.sample_rate() as f64
    }

    fn set_buffer_line(&mut self, name: &str, file: Option<&str>) {
        self.control.set_buffer_line(name, file);
    }

    fn status(&mut self) -> Status {
        let sh = self.engine.shared().clone();
        // One consistent picture: take in what the callback reported, and
        // again if it switched while we looked.
        let mut snap;
        let mut tries = 0;
        loop {
            self.control.poll(self.engine);
            snap = Snapshot::take(&sh);
            tries += 1;
            // Control learns of a switch a moment after the callback made
            // it (the Switched event follows the counters).
            if snap.version == self.control.version() || tries == 100 {
                break;
            }
            std::thread::yield_now();
        }
        snap.version = self.control.version();
        Status {
            counters: snap,
            modules: self.control.committed().modules.len(),
            sample_rate: self.engine.sample_rate(),
            buffer_size: sh.period.load(Relaxed),
            lead: sh.lead,
        }
    }

    fn telemetry(&self) -> Vec<(String, f64)> {
        let mut t = crate::status::telemetry(self.engine.shared());
        let pending = self.control.pending_commits();
        let sh = self.engine.shared();
        let scheduled_in = pending.at.map_or(-1.0, |f| {
            f.saturating_sub(sh.next_frame.load(Relaxed)) as f64
                / self.engine.sample_rate().max(1.0) as f64
        });
        t.push(("commits.pending".into(), pending.count as f64));
        t.push(("commits.scheduled_in".into(), scheduled_in));
        t
    }

    fn record_start(&mut self, path: &Path, overwrite: bool) -> Result<(), Failure> {
        self.engine
            .recorder()
            .start(path, overwrite)
            .map_err(Failure::Record)
    }

    fn record_stop(&mut self) -> Result<(PathBuf, u64), Failure> {
        self.engine.recorder().stop().map_err(Failure::Record)
    }

    fn transport(&self) -> Option<transport::TransportInfo> {
        Some(transport::info(self.engine))
    }

    fn commit_quantized(&mut self, q: transport::Quantum) -> Result<Ticket, PatchError> {
        self.control.commit_quantized(self.engine, q)
    }

    fn set_tempo(&mut self, bpm: f64) -> Result<(), Failure> {
        transport::set_tempo(self.engine, bpm).map_err(Failure::Transport)
    }

    fn transport_command(&mut self, c: transport::Command) -> Result<(), Failure> {
        transport::command(self.engine, c).map_err(Failure::Transport)
    }

    fn frame_of_beat(&self, beat: f64) -> Result<Option<u64>, f64> {
        transport::frame_of_beat(self.engine, beat)
    }

    fn beat_now(&self) -> f64 {
        transport::beat_now(self.engine)
    }
}

/// What answering notices and syncs needs: a read-only view.
pub struct View<'a> {
    /// Patch and commit state.
    pub control: &'a Control,
    /// The running engine.
    pub engine: &'a Engine,
}

impl Progress for View<'_> {
    fn is_settled(&self) -> bool {
        self.control.is_settled()
    }

    fn rendered(&self) -> u64 {
        rendered(self.engine)
    }
}

/// Timeline frame the playing worker has rendered up to.
fn rendered(engine: &Engine) -> u64 {
    let sh = engine.shared();
    let a = sh.stats.active_slot.load(Acquire) as usize & 1;
    sh.slots[a].produced.load(Acquire)
}
