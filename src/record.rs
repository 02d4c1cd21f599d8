//! Recording the output to WAV. The callback copies each period into a
//! preallocated block from a lock-free pool (never blocking; when the pool is
//! empty the period is counted as overflow); a writer thread drains the
//! blocks into the file. A recording never overwrites a file unless asked,
//! stops by itself at its size limit or when the disk is full, and its header
//! is kept valid while it runs (rewritten every second) and when it ends.
//! The callback's side, the tap, is in `rt::record_tap`.

pub use crate::rt::record_tap::{RecordShared, RecordTap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::*};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A running recording: the writer thread, its file, its stop flag.
type Writer = (
    JoinHandle<Result<u64, RecordError>>,
    PathBuf,
    Arc<AtomicBool>,
);

/// Why the recorder refused a request or a recording failed. Its `Display` is
/// the `/fail` reason musicians see.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordError {
    /// `/record/start` while a recording runs.
    AlreadyRunning,
    /// The file exists and replacing it was not asked for.
    Exists(PathBuf),
    /// `/record/stop` with no recording running.
    NotRunning,
    /// The file could not be created.
    Create {
        /// The file (the `.wav.part` it is written to first).
        path: PathBuf,
        /// What the system said.
        error: String,
    },
    /// The header of a file whose writing failed could not be repaired.
    Repair {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: String,
    },
    /// The finished file could not be renamed to its name.
    Rename(String),
    /// The writer thread could not be started.
    Spawn(String),
    /// The writer thread panicked.
    Panicked,
    /// A thread panicked while it held the recorder's lock.
    Poisoned,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            RecordError::AlreadyRunning => f.write_str("a recording is already running"),
            RecordError::Exists(p) => write!(
                f,
                "{} exists; send `/record/start NAME overwrite` to replace it",
                p.display()
            ),
            RecordError::NotRunning => f.write_str("no recording is running"),
            RecordError::Create { path, error } => {
                write!(f, "cannot create {}: {error}", path.display())
            }
            RecordError::Repair { path, error } => {
                write!(f, "cannot repair {}: {error}", path.display())
            }
            RecordError::Rename(e) | RecordError::Spawn(e) => f.write_str(e),
            RecordError::Panicked => f.write_str("recorder thread panicked"),
            RecordError::Poisoned => f.write_str("recorder poisoned"),
        }
    }
}

impl std::error::Error for RecordError {}

/// Default size limit of one recording (`--record-max-mib`).
pub const DEFAULT_MAX_MIB: u64 = 2048;

/// The control side: starts and stops recordings.
pub struct Recorder {
    shared: Arc<RecordShared>,
    writer: Mutex<Option<Writer>>,
    sample_rate: AtomicU32,
    max_bytes: AtomicU64,
}

impl Recorder {
    /// A recorder for `channels` channels and its callback tap.
    pub fn new(channels: usize, sample_rate: u32) -> (Recorder, RecordTap) {
        let shared = RecordShared::new(channels);
        (
            Recorder {
                shared: shared.clone(),
                writer: Mutex::new(None),
                sample_rate: AtomicU32::new(sample_rate),
                max_bytes: AtomicU64::new(DEFAULT_MAX_MIB << 20),
            },
            RecordTap::new(shared),
        )
    }

    /// A new tap on the same recorder (after a reconnect).
    pub fn tap(&self) -> RecordTap {
        RecordTap::new(self.shared.clone())
    }

    /// Size limit of one recording's audio data, in MiB.
    pub fn set_max_mib(&self, mib: u64) {
        self.max_bytes.store(mib.max(1) << 20, Relaxed);
    }

    /// The running recording's file while it is written (`.wav.part`) and
    /// its final name, and the channel count: what a process replacing this
    /// one (see `rescue`) needs to finish the file.
    pub fn in_progress(&self) -> Option<(PathBuf, PathBuf, usize)> {
        let w = self.writer.lock().ok()?;
        let (h, path, _) = w.as_ref()?;
        (!h.is_finished()).then(|| {
            (
                path.with_extension("wav.part"),
                path.clone(),
                self.shared.channels,
            )
        })
    }

    /// True while recording.
    pub fn is_recording(&self) -> bool {
        self.shared.active.load(Acquire)
    }

    /// Starts recording into `path` (32-bit float WAV); refuses an existing
    /// file unless `overwrite`.
    pub fn start(&self, path: &Path, overwrite: bool) -> Result<(), RecordError> {
        let mut w = self.writer.lock().map_err(|_| RecordError::Poisoned)?;
        if w.as_ref().is_some_and(|(h, _, _)| h.is_finished()) {
            // It stopped by itself (size limit, disk full): reap it.
            if let Some((h, path, _)) = w.take() {
                if let Ok(Err(e)) = h.join() {
                    log::warn!("recording {}: {e}", path.display());
                }
            }
        }
        if w.is_some() {
            return Err(RecordError::AlreadyRunning);
        }
        if !overwrite && path.exists() {
            return Err(RecordError::Exists(path.to_path_buf()));
        }
        let spec = hound::WavSpec {
            channels: self.shared.channels as u16,
            sample_rate: self.sample_rate.load(Relaxed),
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let tmp = path.with_extension("wav.part");
        let file = hound::WavWriter::create(&tmp, spec).map_err(|e| RecordError::Create {
            path: tmp.clone(),
            error: e.to_string(),
        })?;
        let shared = self.shared.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let final_path = path.to_path_buf();
        let max_bytes = self.max_bytes.load(Relaxed);
        // Blocks left from an earlier recording are not part of this one.
        while let Some(b) = shared.filled.pop() {
            let _ = shared.free.push(b);
        }
        shared.overflow.store(0, Relaxed);
        shared.frames.store(0, Relaxed);
        shared.active.store(true, Release);
        let handle = std::thread::Builder::new()
            .name("recorder".into())
            .spawn(move || write_file(file, &shared, &stop2, max_bytes, &tmp, &final_path))
            .map_err(|e| RecordError::Spawn(e.to_string()))?;
        *w = Some((handle, path.to_path_buf(), stop));
        Ok(())
    }

    /// Stops the recording; returns the file and the frames written.
    pub fn stop(&self) -> Result<(PathBuf, u64), RecordError> {
        let mut w = self.writer.lock().map_err(|_| RecordError::Poisoned)?;
        let Some((handle, path, stop)) = w.take() else {
            return Err(RecordError::NotRunning);
        };
        self.shared.active.store(false, Release);
        // Let the callback hand over its partial block.
        std::thread::sleep(Duration::from_millis(50));
        stop.store(true, Release);
        let frames = handle.join().map_err(|_| RecordError::Panicked)??;
        let overflow = self.shared.overflow.load(Relaxed);
        if overflow > 0 {
            log::warn!(
                "recording {}: {overflow} frames lost (writer too slow)",
                path.display()
            );
        }
        Ok((path, frames))
    }

    /// The server now runs at `rate` Hz: a running recording at another rate
    /// is finalized and continues in a new file (`NAME-RATE.wav`).
    pub fn set_rate(&self, rate: u32) -> Result<Option<PathBuf>, RecordError> {
        let old = self.sample_rate.swap(rate, Relaxed);
        let running = self
            .writer
            .lock()
            .map_err(|_| RecordError::Poisoned)?
            .as_ref()
            .map(|(h, p, _)| (h.is_finished(), p.clone()));
        let Some((false, path)) = running else {
            return Ok(None);
        };
        if old == rate {
            return Ok(None);
        }
        let (done, frames) = self.stop()?;
        log::info!(
            "recording {} finalized at {old} Hz ({frames} frames); the server now runs at {rate} Hz",
            done.display()
        );
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut next = dir.join(format!("{stem}-{rate}.wav"));
        let mut k = 2;
        while next.exists() {
            next = dir.join(format!("{stem}-{rate}-{k}.wav"));
            k += 1;
        }
        self.start(&next, false)?;
        log::info!("recording continues in {}", next.display());
        Ok(Some(next))
    }

    /// Frames lost to overflow in the current or last recording.
    pub fn overflow(&self) -> u64 {
        self.shared.overflow.load(Relaxed)
    }
}

/// The writer thread: drains blocks into `file` until stopped, the size
/// limit or a write error; finalizes the header and renames `tmp` to `path`.
fn write_file(
    mut file: hound::WavWriter<std::io::BufWriter<std::fs::File>>,
    shared: &RecordShared,
    stop: &AtomicBool,
    max_bytes: u64,
    tmp: &Path,
    path: &Path,
) -> Result<u64, RecordError> {
    let ch = shared.channels;
    let mut written = 0u64;
    let mut ended: Option<String> = None;
    let mut last_header = Instant::now();
    loop {
        let stopping = stop.load(Acquire);
        let mut any = false;
        while let Some(b) = shared.filled.pop() {
            any = true;
            if ended.is_none() {
                let bytes = (written + b.frames as u64) * ch as u64 * 4;
                if bytes > max_bytes {
                    ended = Some(format!(
                        "reached the size limit of {} MiB (--record-max-mib)",
                        max_bytes >> 20
                    ));
                } else if let Err(e) = b.data[..b.frames * ch]
                    .iter()
                    .try_for_each(|x| file.write_sample(*x))
                {
                    ended = Some(format!("write error ({e}), disk full?"));
                } else {
                    written += b.frames as u64;
                }
                if ended.is_some() {
                    shared.active.store(false, Release);
                }
            }
            let _ = shared.free.push(b);
        }
        if ended.is_none() && last_header.elapsed() > Duration::from_secs(1) {
            // The header says what is on disk: a crash leaves a valid file.
            if let Err(e) = file.flush() {
                ended = Some(format!("write error ({e}), disk full?"));
                shared.active.store(false, Release);
            }
            last_header = Instant::now();
        }
        if (stopping || ended.is_some()) && !any {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if let Some(why) = &ended {
        log::warn!(
            "recording {} stopped after {written} frames: {why}",
            path.display()
        );
    }
    if let Err(e) = file.finalize() {
        log::warn!("recording {}: {e}; repairing its header", path.display());
        repair_header(tmp, ch).map_err(|e| RecordError::Repair {
            path: tmp.to_path_buf(),
            error: e.to_string(),
        })?;
    }
    std::fs::rename(tmp, path).map_err(|e| RecordError::Rename(e.to_string()))?;
    Ok(written)
}

/// Makes a WAV file written up to an error valid: cuts the data to whole
/// frames and writes the RIFF and data sizes that match the file.
pub fn repair_header(path: &Path, channels: usize) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    let mut head = [0u8; 128];
    let n = f.read(&mut head)?;
    let data = head[..n]
        .windows(4)
        .position(|w| w == b"data")
        .ok_or_else(|| std::io::Error::other("no data chunk"))?;
    let len = f.metadata()?.len();
    let frame = 4 * channels as u64;
    let body = (len.saturating_sub(data as u64 + 8) / frame * frame).min(u32::MAX as u64 - 64);
    f.set_len(data as u64 + 8 + body)?;
    f.seek(SeekFrom::Start(4))?;
    f.write_all(&((data as u64 + body) as u32).to_le_bytes())?;
    f.seek(SeekFrom::Start(data as u64 + 4))?;
    f.write_all(&(body as u32).to_le_bytes())?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push_periods(tap: &mut RecordTap, periods: usize, value: f32) {
        let mut a = vec![value; 256];
        let mut b = vec![-value; 256];
        for _ in 0..periods {
            let outs: [&mut [f32]; 2] = [&mut a, &mut b];
            tap.push(&outs, 256);
        }
    }

    #[test]
    fn refuses_to_overwrite_unless_asked_and_stops_at_the_size_limit() {
        let dir = std::env::temp_dir().join(format!("synthjack-rec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("take.wav");
        std::fs::write(&path, b"precious").unwrap();
        let (rec, mut tap) = Recorder::new(2, 48_000);
        let e = rec.start(&path, false).unwrap_err();
        assert_eq!(e, RecordError::Exists(path.clone()));
        assert!(e.to_string().contains("overwrite"), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), b"precious");
        rec.set_max_mib(1);
        rec.start(&path, true).unwrap();
        // 2 MiB of audio offered, 1 MiB allowed: it stops by itself.
        for _ in 0..400 {
            push_periods(&mut tap, 8, 0.25);
            std::thread::sleep(Duration::from_millis(2));
        }
        assert!(!rec.is_recording(), "still recording past the limit");
        let (p, frames) = rec.stop().unwrap();
        let r = hound::WavReader::open(&p).unwrap();
        assert_eq!(r.duration() as u64, frames);
        assert!(frames * 8 <= 1 << 20 && frames > 0, "{frames} frames");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn repairs_a_header_left_by_a_failed_write() {
        let dir = std::env::temp_dir().join(format!("synthjack-rep-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cut.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 44_100,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..1000 {
            w.write_sample(i as f32).unwrap();
        }
        w.flush().unwrap();
        std::mem::forget(w); // as if the process had died here: header says 1000 samples
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        std::io::Write::write_all(&mut f, &[0u8; 4 * 101]).unwrap(); // 50.5 frames more
        repair_header(&path, 2).unwrap();
        let r = hound::WavReader::open(&path).unwrap();
        assert_eq!(r.duration(), 550);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
