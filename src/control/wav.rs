//! Reading WAV files into sample buffers (on the buffer loader thread, or
//! at start-up): 8, 16, 24 and 32-bit integer or 32-bit float, mono or
//! stereo. Every claim of the header is checked against the file's real
//! size before anything is allocated, so a hostile header cannot make the
//! engine reserve memory the file does not hold.

use hound::{SampleFormat, WavReader};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

/// What a WAV header says, once checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Header {
    /// 1 or 2.
    pub channels: usize,
    /// Frames in the data chunk (at most what the file holds).
    pub frames: usize,
    /// Sample rate in Hz.
    pub rate: u32,
}

impl Header {
    /// Bytes the samples take once at `rate` Hz as 32-bit floats.
    pub fn bytes_at(&self, rate: f32) -> usize {
        let frames = (self.frames as f64 * rate as f64 / self.rate as f64).ceil() as usize;
        frames.saturating_add(1) * self.channels * std::mem::size_of::<f32>()
    }
}

/// An open WAV file, its header checked.
pub struct Wav {
    reader: WavReader<BufReader<File>>,
    /// The checked header.
    pub header: Header,
}

/// Opens `path` and checks its header: a WAV file, a supported format,
/// 1 or 2 channels, at least one frame, and no more data claimed than the
/// file holds.
pub fn open(path: &Path) -> Result<Wav, String> {
    let reader = WavReader::open(path).map_err(|e| format!("not a readable WAV file: {e}"))?;
    let spec = reader.spec();
    let supported = match spec.sample_format {
        SampleFormat::Int => matches!(spec.bits_per_sample, 8 | 16 | 24 | 32),
        SampleFormat::Float => spec.bits_per_sample == 32,
    };
    if !supported {
        return Err(format!(
            "unsupported WAV format: {} bit {:?} (use 8/16/24/32-bit integer or 32-bit float)",
            spec.bits_per_sample, spec.sample_format
        ));
    }
    if !(1..=2).contains(&spec.channels) {
        return Err(format!(
            "{} channels: only mono and stereo files are read",
            spec.channels
        ));
    }
    if spec.sample_rate == 0 {
        return Err("the header claims a sample rate of 0 Hz".into());
    }
    let frames = reader.duration() as u64;
    if frames == 0 {
        return Err("the file holds no audio frames".into());
    }
    let file_len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let bytes = frames * spec.channels as u64 * spec.bits_per_sample.div_ceil(8) as u64;
    if bytes > file_len {
        return Err(format!(
            "the header claims {frames} frames ({bytes} bytes) but the file has only {file_len} bytes (truncated?)"
        ));
    }
    Ok(Wav {
        reader,
        header: Header {
            channels: spec.channels as usize,
            frames: frames as usize,
            rate: spec.sample_rate,
        },
    })
}

impl Wav {
    /// Reads every sample, interleaved, scaled to -1..1.
    pub fn decode(mut self) -> Result<Vec<f32>, String> {
        let spec = self.reader.spec();
        let n = self.header.frames * self.header.channels;
        let mut out = Vec::with_capacity(n);
        let bad = |e: hound::Error| format!("cannot read the samples: {e}");
        match spec.sample_format {
            SampleFormat::Float => {
                for s in self.reader.samples::<f32>().take(n) {
                    let v = s.map_err(bad)?;
                    out.push(if v.is_finite() { v } else { 0.0 });
                }
            }
            SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
                for s in self.reader.samples::<i32>().take(n) {
                    out.push(s.map_err(bad)? as f32 * scale);
                }
            }
        }
        if out.len() < n {
            return Err(format!(
                "the file ends after {} of {n} samples (truncated)",
                out.len()
            ));
        }
        Ok(out)
    }
}
