//! Files: `/patch/load`, `/patch/save` (written atomically) and
//! `/record/start`, `/record/stop`.

use super::reply::{int, s};
use super::{Backend, Dispatcher};
use crate::files::FileError;
use crate::osc::peer::Peer;
use crate::osc::request::check_name;
use crate::osc::Failure;
use dsp::Patch;
use std::path::{Path, PathBuf};

impl Dispatcher {
    pub(super) fn load(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        name: String,
    ) -> Result<(), Failure> {
        let path = self.patch_dir.join(format!("{name}.patch"));
        let text = std::fs::read_to_string(&path).map_err(|err| FileError::ReadPatch {
            name: name.clone(),
            path: path.clone(),
            error: err.to_string(),
        })?;
        let (patch, warnings) =
            Patch::parse(b.registry(), &text).map_err(|error| FileError::ParsePatch {
                name: name.clone(),
                path: path.clone(),
                error: Box::new(error),
            })?;
        for w in warnings {
            log::warn!("{}: {w}", path.display());
        }
        let states = crate::plugin::state::load_beside(&path, &patch);
        if states > 0 {
            log::info!("{}: {states} plugin states to restore", path.display());
        }
        *b.edit().1 = patch;
        self.done(from, "/patch/load", vec![s(name)]);
        self.load_buffer_lines(b, from);
        Ok(())
    }

    pub(super) fn save(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        name: String,
    ) -> Result<(), Failure> {
        let text = b.committed().to_text(b.registry());
        let path = save_atomically(&self.patch_dir, &name, &text)?;
        let states = crate::plugin::state::save_beside(&path, b.committed())?;
        log::info!(
            "saved the playing patch to {} ({states} plugin states beside it)",
            path.display()
        );
        self.done(from, "/patch/save", vec![s(name)]);
        Ok(())
    }

    /// `/patch/graph name`: the playing patch as `<patch-dir>/name.dot`
    /// (and `.svg` when Graphviz is installed); answers with the files.
    pub(super) fn graph(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        name: String,
    ) -> Result<(), Failure> {
        let dot = crate::graph_dot::dot(b.committed(), b.registry());
        let path = self.patch_dir.join(format!("{name}.dot"));
        let files = crate::graph_dot::write(&dot, &path)?;
        let mut args = vec![s(name)];
        args.extend(files.iter().map(|f| s(f.display().to_string())));
        self.done(from, "/patch/graph", args);
        Ok(())
    }

    pub(super) fn record_start(
        &mut self,
        b: &mut dyn Backend,
        from: Peer,
        name: Option<String>,
        overwrite: bool,
    ) -> Result<(), Failure> {
        std::fs::create_dir_all(&self.record_dir)
            .map_err(|e| FileError::create_dir("the recording directory ", &self.record_dir, e))?;
        let dir = absolute(&self.record_dir);
        let path = match name {
            Some(n) => dir.join(format!("{n}.wav")),
            None => free_name(&dir, &format!("rec-{}", b.unix_now().max(0.0) as u64)),
        };
        b.record_start(&path, overwrite)?;
        log::info!("recording to {}", path.display());
        self.done(from, "/record/start", vec![s(path.display().to_string())]);
        Ok(())
    }

    pub(super) fn record_stop(&mut self, b: &mut dyn Backend, from: Peer) -> Result<(), Failure> {
        let (path, frames) = b.record_stop()?;
        log::info!("recorded {frames} frames to {}", path.display());
        self.done(
            from,
            "/record/stop",
            vec![s(path.display().to_string()), int(frames)],
        );
        Ok(())
    }
}

/// `dir` made absolute against the working directory.
fn absolute(dir: &Path) -> PathBuf {
    if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(dir))
            .unwrap_or_else(|_| dir.to_path_buf())
    }
}

/// `dir/base.wav`, or `dir/base-2.wav`, `-3`... if taken.
fn free_name(dir: &Path, base: &str) -> PathBuf {
    let first = dir.join(format!("{base}.wav"));
    if !first.exists() {
        return first;
    }
    (2..1000)
        .map(|k| dir.join(format!("{base}-{k}.wav")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// Writes `dir/name.patch` through a temporary file and a rename, creating
/// `dir` if needed; returns the path.
pub fn save_atomically(dir: &Path, name: &str, text: &str) -> Result<PathBuf, Failure> {
    check_name(name, "name").map_err(Failure::BadRequest)?;
    std::fs::create_dir_all(dir)
        .map_err(|e| FileError::create_dir("the patch directory ", dir, e))?;
    let path = dir.join(format!("{name}.patch"));
    let tmp = dir.join(format!(".{name}.patch.{}.tmp", std::process::id()));
    let write = std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, &path));
    if let Err(err) = write {
        let _ = std::fs::remove_file(&tmp);
        return Err(FileError::write(&path, err).into());
    }
    Ok(path)
}
