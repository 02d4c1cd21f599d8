//! Recording the output to WAV. The callback copies each period into a
//! preallocated block from a lock-free pool (never blocking; when the pool is
//! empty the period is counted as overflow); a writer thread drains the
//! blocks into the file.

use crossbeam_queue::ArrayQueue;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Frames per recording block.
const REC_BLOCK: usize = 8192;
/// Blocks in the pool: about 5 s of stereo audio at 48 kHz.
const REC_BLOCKS: usize = 32;

struct RecBlock {
    frames: usize,
    data: Box<[f32]>,
}

/// State shared by the tap (callback) and the writer.
pub struct RecordShared {
    free: ArrayQueue<Box<RecBlock>>,
    filled: ArrayQueue<Box<RecBlock>>,
    active: AtomicBool,
    /// Frames lost because the pool was empty.
    pub overflow: AtomicU64,
    /// Frames handed to the writer.
    pub frames: AtomicU64,
    channels: usize,
}

/// The callback's end: copies periods while a recording runs.
pub struct RecordTap {
    shared: Arc<RecordShared>,
    current: Option<Box<RecBlock>>,
}

impl RecordTap {
    /// Copies `n` frames of `outs` (interleaved into the block). Real-time safe.
    pub fn push(&mut self, outs: &[&mut [f32]], n: usize) {
        let sh = &self.shared;
        if !sh.active.load(Acquire) {
            if let Some(b) = self.current.take() {
                let _ = sh.filled.push(b);
            }
            return;
        }
        let ch = sh.channels;
        let mut i = 0;
        while i < n {
            if self.current.is_none() {
                match sh.free.pop() {
                    Some(mut b) => {
                        b.frames = 0;
                        self.current = Some(b);
                    }
                    None => {
                        sh.overflow.fetch_add((n - i) as u64, Relaxed);
                        return;
                    }
                }
            }
            let Some(b) = self.current.as_mut() else {
                return;
            };
            let k = (REC_BLOCK - b.frames).min(n - i);
            for f in 0..k {
                for c in 0..ch {
                    let x = outs.get(c).map_or(0.0, |o| o[i + f]);
                    b.data[(b.frames + f) * ch + c] = x;
                }
            }
            b.frames += k;
            i += k;
            sh.frames.fetch_add(k as u64, Relaxed);
            if b.frames == REC_BLOCK {
                if let Some(b) = self.current.take() {
                    if let Err(b) = sh.filled.push(b) {
                        let _ = sh.free.push(b);
                    }
                }
            }
        }
    }
}

/// A running recording: the writer thread, its file, its stop flag.
type Writer = (JoinHandle<Result<u64, String>>, PathBuf, Arc<AtomicBool>);

/// The control side: starts and stops recordings.
pub struct Recorder {
    shared: Arc<RecordShared>,
    writer: Mutex<Option<Writer>>,
    sample_rate: u32,
}

impl Recorder {
    /// A recorder for `channels` channels and its callback tap.
    pub fn new(channels: usize, sample_rate: u32) -> (Recorder, RecordTap) {
        let free = ArrayQueue::new(REC_BLOCKS);
        for _ in 0..REC_BLOCKS {
            let _ = free.push(Box::new(RecBlock {
                frames: 0,
                data: vec![0.0; REC_BLOCK * channels].into_boxed_slice(),
            }));
        }
        let shared = Arc::new(RecordShared {
            free,
            filled: ArrayQueue::new(REC_BLOCKS),
            active: AtomicBool::new(false),
            overflow: AtomicU64::new(0),
            frames: AtomicU64::new(0),
            channels,
        });
        (
            Recorder {
                shared: shared.clone(),
                writer: Mutex::new(None),
                sample_rate,
            },
            RecordTap {
                shared,
                current: None,
            },
        )
    }

    /// A new tap on the same recorder (after a reconnect).
    pub fn tap(&self) -> RecordTap {
        RecordTap {
            shared: self.shared.clone(),
            current: None,
        }
    }

    /// True while recording.
    pub fn is_recording(&self) -> bool {
        self.shared.active.load(Acquire)
    }

    /// Starts recording into `path` (32-bit float WAV).
    pub fn start(&self, path: &Path) -> Result<(), String> {
        let mut w = self
            .writer
            .lock()
            .map_err(|_| "recorder poisoned".to_string())?;
        if w.is_some() {
            return Err("a recording is already running".into());
        }
        let spec = hound::WavSpec {
            channels: self.shared.channels as u16,
            sample_rate: self.sample_rate,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let tmp = path.with_extension("wav.part");
        let mut file = hound::WavWriter::create(&tmp, spec)
            .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        let shared = self.shared.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let final_path = path.to_path_buf();
        shared.overflow.store(0, Relaxed);
        shared.frames.store(0, Relaxed);
        shared.active.store(true, Release);
        let handle = std::thread::Builder::new()
            .name("recorder".into())
            .spawn(move || {
                let ch = shared.channels;
                let mut written = 0u64;
                loop {
                    let stopping = stop2.load(Acquire);
                    let mut any = false;
                    while let Some(b) = shared.filled.pop() {
                        any = true;
                        for x in &b.data[..b.frames * ch] {
                            file.write_sample(*x).map_err(|e| e.to_string())?;
                        }
                        written += b.frames as u64;
                        let _ = shared.free.push(b);
                    }
                    if stopping && !any {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                file.finalize().map_err(|e| e.to_string())?;
                std::fs::rename(&tmp, &final_path).map_err(|e| e.to_string())?;
                Ok(written)
            })
            .map_err(|e| e.to_string())?;
        *w = Some((handle, path.to_path_buf(), stop));
        Ok(())
    }

    /// Stops the recording; returns the file and the frames written.
    pub fn stop(&self) -> Result<(PathBuf, u64), String> {
        let mut w = self
            .writer
            .lock()
            .map_err(|_| "recorder poisoned".to_string())?;
        let Some((handle, path, stop)) = w.take() else {
            return Err("no recording is running".into());
        };
        self.shared.active.store(false, Release);
        // Let the callback hand over its partial block.
        std::thread::sleep(Duration::from_millis(50));
        stop.store(true, Release);
        let frames = handle
            .join()
            .map_err(|_| "recorder thread panicked".to_string())??;
        let overflow = self.shared.overflow.load(Relaxed);
        if overflow > 0 {
            log::warn!(
                "recording {}: {overflow} frames lost (writer too slow)",
                path.display()
            );
        }
        Ok((path, frames))
    }

    /// Frames lost to overflow in the current or last recording.
    pub fn overflow(&self) -> u64 {
        self.shared.overflow.load(Relaxed)
    }
}
