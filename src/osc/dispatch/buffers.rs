//! Sample buffers: `/buffer/load NAME FILE` (answered once the loader thread
//! is done: `/done /buffer/load NAME FRAMES CHANNELS` or `/fail`),
//! `/buffer/free NAME`, `/buffer/list`, and the `buffer` lines of a patch
//! file loaded with `/patch/load` (each answered the same way). The store
//! itself is [`crate::control::buffers`].

use super::reply::{int, s};
use super::{Backend, Dispatcher};
use crate::control::buffers::{BufferStore, Outcome};
use crate::osc::peer::Peer;
use crate::osc::Failure;

const LOAD: &str = "/buffer/load";

impl Dispatcher {
    /// Serves `/buffer/...` from `store` from now on.
    pub fn set_buffers(&mut self, store: BufferStore) {
        self.buffers = Some(store);
    }

    /// Loads a patch's `buffer` lines at once (see
    /// [`crate::control::buffers::load_lines_now`]).
    pub fn load_lines_now(&mut self, lines: &[dsp::sample::BufferLine], rate: f32) {
        if let Some(store) = self.buffers.as_mut() {
            crate::control::buffers::load_lines_now(store, lines, rate);
        }
    }

    fn store(&mut self) -> Result<&mut BufferStore, Failure> {
        self.buffers.as_mut().ok_or(Failure::Unavailable(
            "sample buffers are not available here",
        ))
    }

    pub(super) fn buffer_load(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        name: &str,
        file: &str,
    ) -> Result<(), Failure> {
        let rate = b.sample_rate() as f32;
        self.store()?
            .load(name, file, rate)
            .map_err(|error| Failure::BufferLoad {
                name: name.to_string(),
                error,
            })?;
        self.buffer_waits.push((from, name.to_string()));
        Ok(())
    }

    /// Starts loading the `buffer` lines of the pending patch (after
    /// `/patch/load`); each is answered like a `/buffer/load` from `from`.
    pub(super) fn load_buffer_lines(&mut self, b: &mut dyn Backend, from: Peer) {
        let lines = b.pending().buffers.clone();
        for l in lines {
            if let Err(e) = self.buffer_load(b, from, &l.name, &l.file) {
                self.fail(from, LOAD, &e);
            }
        }
    }

    pub(super) fn buffer_free(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        name: &str,
    ) -> Result<(), Failure> {
        self.store()?.free(name).map_err(Failure::Buffer)?;
        b.set_buffer_line(name, None);
        log::info!("buffer '{name}' freed");
        self.done(from, "/buffer/free", vec![s(name.to_string())]);
        Ok(())
    }

    /// `/done /buffer/list` then `NAME FRAMES CHANNELS` per loaded buffer.
    pub(super) fn buffer_list(&mut self, from: Peer) -> Result<(), Failure> {
        let mut args = Vec::new();
        for (name, _, frames, channels) in self.store()?.list() {
            args.extend([s(name), int(frames as u64), int(channels as u64)]);
        }
        self.done(from, "/buffer/list", args);
        Ok(())
    }

    /// Answers the loads that finished.
    pub fn poll_buffers(&mut self, b: &mut dyn Backend) {
        let Some(store) = self.buffers.as_mut() else {
            return;
        };
        for out in store.poll() {
            let name = match &out {
                Outcome::Loaded { name, .. } | Outcome::Failed { name, .. } => name.clone(),
            };
            let to = self
                .buffer_waits
                .iter()
                .position(|(_, n)| *n == name)
                .map(|i| self.buffer_waits.remove(i).0);
            match out {
                Outcome::Loaded {
                    name,
                    file,
                    frames,
                    channels,
                } => {
                    log::info!(
                        "buffer '{name}' loaded from {file}: {frames} frames, {channels} channels"
                    );
                    b.set_buffer_line(&name, Some(&file));
                    if let Some(to) = to {
                        let args = vec![s(name), int(frames as u64), int(channels as u64)];
                        self.done(to, LOAD, args);
                    }
                }
                Outcome::Failed { name, reason } => {
                    let why = Failure::BufferLoad {
                        name,
                        error: reason,
                    };
                    match to {
                        Some(to) => self.fail(to, LOAD, &why),
                        None => log::warn!("{why}"),
                    }
                }
            }
        }
    }
}
