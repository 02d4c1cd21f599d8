//! The sample buffer store: buffers loaded by name from WAV files in the
//! sample directory (`--sample-dir`), within a memory budget
//! (`--buffer-budget-mib`). Files are read, decoded and resampled to the
//! engine rate on the `buffer-loader` thread, never on the OSC/control
//! thread (which only checks the request) nor a real-time one; results come
//! back through [`BufferStore::poll`]. Graphs find buffers through
//! [`BufferStore::lookup`] when they are compiled and hold them (basedrop
//! `Shared`): freeing a buffer by name leaves it playing in every graph that
//! uses it, and the last reference is released on the collector thread.

use super::wav;
use basedrop::{Handle, Shared};
use dsp::sample::SampleLookup;
use dsp::{Sample, SampleRef};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Most buffers loaded (or loading) at once.
pub const MAX_BUFFERS: usize = 256;
/// Default memory budget for all buffers, in MiB (`--buffer-budget-mib`).
pub const DEFAULT_BUDGET_MIB: u64 = 1024;

/// Why a buffer request was refused or a load failed: the `/fail` reason.
#[derive(Debug, Clone, PartialEq)]
pub enum BufferError {
    /// No loader thread (it could not be started).
    NoLoader,
    /// The loader thread ended.
    LoaderStopped,
    /// `/buffer/free` of a name that is not loaded.
    NotLoaded(String),
    /// [`MAX_BUFFERS`] are loaded or loading.
    TooMany,
    /// A file name that is empty, absolute or has `..`.
    NotInside(String),
    /// The sample directory itself cannot be opened.
    SampleDir {
        /// The directory.
        dir: PathBuf,
        /// What the system said.
        error: String,
    },
    /// The file cannot be opened.
    CannotOpen {
        /// The file as named.
        file: String,
        /// The sample directory.
        root: PathBuf,
        /// What the system said.
        error: String,
    },
    /// The file (through a symbolic link) is outside the sample directory.
    LeadsOutside {
        /// The file as named.
        file: String,
        /// The sample directory.
        root: PathBuf,
    },
    /// The name is a directory or another non-file.
    NotAFile(String),
    /// The file is not a WAV file synth-jack reads.
    Wav {
        /// The file as named.
        file: String,
        /// Why.
        error: wav::WavError,
    },
    /// Loading it would exceed `--buffer-budget-mib`.
    OverBudget {
        /// The file as named.
        file: String,
        /// Bytes the load needs at its peak.
        need: usize,
        /// Bytes of the budget free.
        free: usize,
    },
}

impl std::fmt::Display for BufferError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            BufferError::NoLoader => f.write_str("the buffer loader thread is not running"),
            BufferError::LoaderStopped => f.write_str("the buffer loader thread has stopped"),
            BufferError::NotLoaded(name) => write!(f, "no buffer '{name}' is loaded"),
            BufferError::TooMany => write!(f, "too many buffers: at most {MAX_BUFFERS}"),
            BufferError::NotInside(file) => write!(
                f,
                "'{file}': name a file inside the sample directory (no absolute path, no ..)"
            ),
            BufferError::SampleDir { dir, error } => {
                write!(f, "sample directory {}: {error} (--sample-dir)", dir.display())
            }
            BufferError::CannotOpen { file, root, error } => {
                write!(f, "cannot open '{file}' in {}: {error}", root.display())
            }
            BufferError::LeadsOutside { file, root } => write!(
                f,
                "'{file}' leads outside the sample directory {}",
                root.display()
            ),
            BufferError::NotAFile(file) => write!(f, "'{file}' is not a file"),
            BufferError::Wav { file, error } => write!(f, "{file}: {error}"),
            BufferError::OverBudget { file, need, free } => write!(
                f,
                "{file}: needs {:.1} MiB to load, {:.1} MiB of the buffer budget are free (--buffer-budget-mib)",
                *need as f64 / (1 << 20) as f64,
                *free as f64 / (1 << 20) as f64
            ),
        }
    }
}

impl std::error::Error for BufferError {}

/// A finished load, for the reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Buffer `name` now holds `file`.
    Loaded {
        /// Buffer name.
        name: String,
        /// File, relative to the sample directory.
        file: String,
        /// Frames, at the engine rate.
        frames: usize,
        /// 1 or 2.
        channels: usize,
    },
    /// Buffer `name` could not be loaded (an earlier one of that name stays).
    Failed {
        /// Buffer name.
        name: String,
        /// Why.
        reason: BufferError,
    },
}

struct Entry {
    name: String,
    file: String,
    sample: SampleRef,
}

/// What the loader thread and the control thread share (never a real-time one).
#[derive(Default)]
struct Inner {
    loaded: Vec<Entry>,
    /// Bytes promised to loads in flight.
    reserved: usize,
    /// Loads queued or running.
    in_flight: usize,
}

impl Inner {
    fn used(&self) -> usize {
        self.loaded.iter().map(|e| e.sample.bytes()).sum()
    }
}

struct Job {
    name: String,
    file: String,
    path: PathBuf,
    rate: f32,
}

/// Loaded sample buffers and the thread that loads them.
pub struct BufferStore {
    dir: PathBuf,
    budget: usize,
    handle: Handle,
    inner: Arc<Mutex<Inner>>,
    jobs: Option<Sender<Job>>,
    done: Receiver<Outcome>,
    thread: Option<JoinHandle<()>>,
}

impl BufferStore {
    /// A store reading files from `dir`, holding at most `budget_mib` MiB;
    /// `handle` is the engine's collector (where unused buffers are freed).
    pub fn new(handle: Handle, dir: PathBuf, budget_mib: u64) -> BufferStore {
        let budget = (budget_mib as usize).saturating_mul(1 << 20);
        let inner = Arc::new(Mutex::new(Inner::default()));
        let (jobs, rx) = channel::<Job>();
        let (tx, done) = channel();
        let (h, shared) = (handle.clone(), inner.clone());
        let thread = std::thread::Builder::new()
            .name("buffer-loader".into())
            .spawn(move || {
                crate::sched::background();
                for job in rx {
                    let name = job.name.clone();
                    let out = load(&job, &shared, budget, &h);
                    lock(&shared).in_flight -= 1;
                    let _ = tx.send(out.unwrap_or_else(|reason| Outcome::Failed { name, reason }));
                }
            })
            .ok();
        BufferStore {
            dir,
            budget,
            handle,
            inner,
            jobs: thread.is_some().then_some(jobs),
            done,
            thread,
        }
    }

    /// How compiled graphs find buffers (for [`dsp::Registry::set_samples`]).
    pub fn lookup(&self) -> SampleLookup {
        let inner = self.inner.clone();
        Arc::new(move |name: &str| {
            lock(&inner)
                .loaded
                .iter()
                .find(|e| e.name == name)
                .map(|e| e.sample.clone())
        })
    }

    /// Starts loading `file` (relative to the sample directory) as buffer
    /// `name`, resampled to `rate`; the result comes from [`BufferStore::poll`].
    /// Errors found without reading the file (a path leading outside the
    /// directory, a missing file, too many buffers) come back at once.
    pub fn load(&mut self, name: &str, file: &str, rate: f32) -> Result<(), BufferError> {
        let job = self.job(name, file, rate)?;
        let jobs = self.jobs.as_ref().ok_or(BufferError::NoLoader)?;
        lock(&self.inner).in_flight += 1;
        if jobs.send(job).is_err() {
            lock(&self.inner).in_flight -= 1;
            return Err(BufferError::LoaderStopped);
        }
        Ok(())
    }

    /// Loads at once on this thread (start-up, before anything plays).
    pub fn load_now(&mut self, name: &str, file: &str, rate: f32) -> Outcome {
        let out = self
            .job(name, file, rate)
            .and_then(|job| load(&job, &self.inner, self.budget, &self.handle));
        out.unwrap_or_else(|reason| Outcome::Failed {
            name: name.to_string(),
            reason,
        })
    }

    /// Loads that finished since the last call.
    pub fn poll(&mut self) -> Vec<Outcome> {
        self.done.try_iter().collect()
    }

    /// Forgets buffer `name`; graphs playing it keep it until replaced.
    pub fn free(&mut self, name: &str) -> Result<(), BufferError> {
        let mut inner = lock(&self.inner);
        let i = inner
            .loaded
            .iter()
            .position(|e| e.name == name)
            .ok_or_else(|| BufferError::NotLoaded(name.to_string()))?;
        inner.loaded.remove(i);
        Ok(())
    }

    /// Every loaded buffer: name, file, frames, channels.
    pub fn list(&self) -> Vec<(String, String, usize, usize)> {
        lock(&self.inner)
            .loaded
            .iter()
            .map(|e| {
                let s = &e.sample;
                (e.name.clone(), e.file.clone(), s.frames(), s.channels())
            })
            .collect()
    }

    /// Bytes held by loaded buffers.
    pub fn used_bytes(&self) -> usize {
        lock(&self.inner).used()
    }

    fn job(&self, name: &str, file: &str, rate: f32) -> Result<Job, BufferError> {
        let inner = lock(&self.inner);
        let known = inner.loaded.iter().any(|e| e.name == name);
        if !known && inner.loaded.len() + inner.in_flight >= MAX_BUFFERS {
            return Err(BufferError::TooMany);
        }
        drop(inner);
        Ok(Job {
            name: name.to_string(),
            file: file.to_string(),
            path: inside(&self.dir, file)?,
            rate,
        })
    }
}

impl Drop for BufferStore {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Loads `lines` (a patch's `buffer` lines) at once, logging each result
/// (start-up and session switches, before the patch is committed).
pub fn load_lines_now(store: &mut BufferStore, lines: &[dsp::sample::BufferLine], rate: f32) {
    for l in lines {
        match store.load_now(&l.name, &l.file, rate) {
            Outcome::Loaded {
                frames, channels, ..
            } => log::info!(
                "buffer '{}' loaded from {}: {frames} frames, {channels} channels",
                l.name,
                l.file
            ),
            Outcome::Failed { reason, .. } => log::error!("buffer '{}': {reason}", l.name),
        }
    }
}

/// `file` inside `dir`: relative, without `..`, and (symbolic links
/// followed) still inside `dir`; the file must exist.
pub fn inside(dir: &Path, file: &str) -> Result<PathBuf, BufferError> {
    let rel = Path::new(file);
    let plain = rel.components().all(|c| matches!(c, Component::Normal(_)));
    if file.is_empty() || rel.is_absolute() || !plain {
        return Err(BufferError::NotInside(file.to_string()));
    }
    let root = dir.canonicalize().map_err(|e| BufferError::SampleDir {
        dir: dir.to_path_buf(),
        error: e.to_string(),
    })?;
    let full = root
        .join(rel)
        .canonicalize()
        .map_err(|e| BufferError::CannotOpen {
            file: file.to_string(),
            root: root.clone(),
            error: e.to_string(),
        })?;
    if !full.starts_with(&root) {
        return Err(BufferError::LeadsOutside {
            file: file.to_string(),
            root,
        });
    }
    if !full.is_file() {
        return Err(BufferError::NotAFile(file.to_string()));
    }
    Ok(full)
}

/// Reads, checks against the budget, decodes and resamples one file, and
/// stores it (loader thread, or at start-up).
fn load(
    job: &Job,
    inner: &Mutex<Inner>,
    budget: usize,
    handle: &Handle,
) -> Result<Outcome, BufferError> {
    let bad_wav = |error| BufferError::Wav {
        file: job.file.clone(),
        error,
    };
    let wav = wav::open(&job.path).map_err(bad_wav)?;
    let header = wav.header;
    // At the peak the decoded file and its resampled copy are both held.
    let decoded_bytes = header.bytes_at(header.rate as f32);
    let need = if header.rate as f32 == job.rate {
        decoded_bytes
    } else {
        decoded_bytes.saturating_add(header.bytes_at(job.rate))
    };
    {
        let mut i = lock(inner);
        let replaced: usize = i
            .loaded
            .iter()
            .filter(|e| e.name == job.name)
            .map(|e| e.sample.bytes())
            .sum();
        let free = budget.saturating_sub(i.used() - replaced + i.reserved);
        if need > free {
            return Err(BufferError::OverBudget {
                file: job.file.clone(),
                need,
                free,
            });
        }
        i.reserved += need;
    }
    let decoded = wav
        .decode()
        .map(|data| Sample::new(header.channels, header.rate as f32, data))
        .map(|s| {
            if s.rate() == job.rate {
                s
            } else {
                s.resampled(job.rate)
            }
        });
    let mut i = lock(inner);
    i.reserved -= need;
    let sample = decoded.map_err(bad_wav)?;
    let (frames, channels) = (sample.frames(), sample.channels());
    let entry = Entry {
        name: job.name.clone(),
        file: job.file.clone(),
        sample: Shared::new(handle, sample),
    };
    match i.loaded.iter_mut().find(|e| e.name == job.name) {
        Some(e) => *e = entry,
        None => i.loaded.push(entry),
    }
    Ok(Outcome::Loaded {
        name: job.name.clone(),
        file: job.file.clone(),
        frames,
        channels,
    })
}

/// The shared state, even after a panic elsewhere (it holds no invariant a
/// panic could break halfway).
fn lock(m: &Mutex<Inner>) -> std::sync::MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
