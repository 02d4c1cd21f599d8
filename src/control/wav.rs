//! Reading WAV files into sample buffers (on the buffer loader thread, or
//! at start-up): 8, 16, 24 and 32-bit integer or 32-bit float, mono or
//! stereo. Every claim of the header is checked against the file's real
//! size before anything is allocated, so a hostile header cannot make the
//! engine reserve memory the file does not hold.

use dsp::sample::{append_pcm, Pcm};
use hound::{SampleFormat, WavReader};
use std::fs::File;
use std::io::{BufReader, Read};
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
    /// How its samples are stored, when each takes exactly its bits (every
    /// plain PCM or float file; not e.g. 24 bits in 4-byte containers).
    packed: Option<Pcm>,
    /// The checked header.
    pub header: Header,
}

/// Why a WAV file cannot be read as a sample buffer.
#[derive(Debug, Clone, PartialEq)]
pub enum WavError {
    /// Not a WAV file hound can read.
    Unreadable(String),
    /// A sample format other than 8/16/24/32-bit integer or 32-bit float.
    Unsupported {
        /// Bits per sample.
        bits: u16,
        /// Integer or float.
        format: SampleFormat,
    },
    /// Neither mono nor stereo.
    Channels(u16),
    /// A header with a sample rate of 0 Hz.
    ZeroRate,
    /// No frames at all.
    NoFrames,
    /// The header claims more data than the file holds.
    Truncated {
        /// Frames the header claims.
        frames: u64,
        /// Bytes those frames take.
        bytes: u64,
        /// Bytes the file has.
        file_len: u64,
    },
    /// The data ended early while decoding.
    EndsEarly {
        /// Samples read.
        read: usize,
        /// Samples the header claims.
        of: usize,
        /// What the reader said, if anything.
        error: Option<String>,
    },
    /// A sample could not be decoded.
    Samples(String),
}

impl std::fmt::Display for WavError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            WavError::Unreadable(e) => write!(f, "not a readable WAV file: {e}"),
            WavError::Unsupported { bits, format } => write!(
                f,
                "unsupported WAV format: {bits} bit {format:?} (use 8/16/24/32-bit integer or 32-bit float)"
            ),
            WavError::Channels(n) => write!(f, "{n} channels: only mono and stereo files are read"),
            WavError::ZeroRate => f.write_str("the header claims a sample rate of 0 Hz"),
            WavError::NoFrames => f.write_str("the file holds no audio frames"),
            WavError::Truncated {
                frames,
                bytes,
                file_len,
            } => write!(
                f,
                "the header claims {frames} frames ({bytes} bytes) but the file has only {file_len} bytes (truncated?)"
            ),
            WavError::EndsEarly { read, of, error } => {
                write!(f, "the file ends after {read} of {of} samples (truncated)")?;
                match error {
                    Some(e) => write!(f, ": {e}"),
                    None => Ok(()),
                }
            }
            WavError::Samples(e) => write!(f, "cannot read the samples: {e}"),
        }
    }
}

impl std::error::Error for WavError {}

/// Opens `path` and checks its header: a WAV file, a supported format,
/// 1 or 2 channels, at least one frame, and no more data claimed than the
/// file holds.
pub fn open(path: &Path) -> Result<Wav, WavError> {
    let reader = WavReader::open(path).map_err(|e| WavError::Unreadable(e.to_string()))?;
    let spec = reader.spec();
    let supported = match spec.sample_format {
        SampleFormat::Int => matches!(spec.bits_per_sample, 8 | 16 | 24 | 32),
        SampleFormat::Float => spec.bits_per_sample == 32,
    };
    if !supported {
        return Err(WavError::Unsupported {
            bits: spec.bits_per_sample,
            format: spec.sample_format,
        });
    }
    if !(1..=2).contains(&spec.channels) {
        return Err(WavError::Channels(spec.channels));
    }
    if spec.sample_rate == 0 {
        return Err(WavError::ZeroRate);
    }
    let frames = reader.duration() as u64;
    if frames == 0 {
        return Err(WavError::NoFrames);
    }
    let file_len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let bytes = frames * spec.channels as u64 * spec.bits_per_sample.div_ceil(8) as u64;
    if bytes > file_len {
        return Err(WavError::Truncated {
            frames,
            bytes,
            file_len,
        });
    }
    let packed = match (spec.sample_format, spec.bits_per_sample) {
        (SampleFormat::Int, 8) => Some(Pcm::U8),
        (SampleFormat::Int, 16) => Some(Pcm::I16),
        (SampleFormat::Int, 24) => Some(Pcm::I24),
        (SampleFormat::Int, 32) => Some(Pcm::I32),
        (SampleFormat::Float, 32) => Some(Pcm::F32),
        _ => None,
    }
    .filter(|p| block_align(path) == Some(p.bytes() * spec.channels as usize));
    Ok(Wav {
        reader,
        packed,
        header: Header {
            channels: spec.channels as usize,
            frames: frames as usize,
            rate: spec.sample_rate,
        },
    })
}

impl Wav {
    /// Reads every sample, interleaved, scaled to -1..1.
    pub fn decode(mut self) -> Result<Vec<f32>, WavError> {
        let spec = self.reader.spec();
        let n = self.header.frames * self.header.channels;
        let mut out = Vec::with_capacity(n);
        if let Some(format) = self.packed {
            // The reader stands at the first sample: read the data in large
            // blocks and convert them in `dsp` (optimised even in debug builds).
            let mut r = self.reader.into_inner();
            let mut block = vec![0u8; (1 << 20) * format.bytes()];
            let mut left = n * format.bytes();
            while left > 0 {
                let k = left.min(block.len());
                r.read_exact(&mut block[..k])
                    .map_err(|e| WavError::EndsEarly {
                        read: out.len(),
                        of: n,
                        error: Some(e.to_string()),
                    })?;
                append_pcm(&mut out, &block[..k], format);
                left -= k;
            }
            return Ok(out);
        }
        let bad = |e: hound::Error| WavError::Samples(e.to_string());
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
            return Err(WavError::EndsEarly {
                read: out.len(),
                of: n,
                error: None,
            });
        }
        Ok(out)
    }
}

/// The block alignment (bytes per frame) of the WAV file at `path`, from its
/// `fmt ` chunk; None when it cannot be read.
fn block_align(path: &Path) -> Option<usize> {
    let mut f = BufReader::new(File::open(path).ok()?);
    let mut head = [0u8; 12];
    f.read_exact(&mut head).ok()?;
    loop {
        let mut chunk = [0u8; 8];
        f.read_exact(&mut chunk).ok()?;
        let len = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]) as u64;
        if &chunk[..4] == b"fmt " {
            let mut fmt = [0u8; 14];
            f.read_exact(&mut fmt).ok()?;
            return Some(u16::from_le_bytes([fmt[12], fmt[13]]) as usize);
        }
        // Chunks are padded to an even length.
        std::io::copy(&mut (&mut f).take(len + (len & 1)), &mut std::io::sink()).ok()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every format decodes through the fast path to what hound's own reader gives.
    #[test]
    fn packed_formats_decode_like_hound() {
        let dir = std::env::temp_dir().join(format!("synth-jack-wav-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (bits, format) in [
            (8, SampleFormat::Int),
            (16, SampleFormat::Int),
            (24, SampleFormat::Int),
            (32, SampleFormat::Int),
            (32, SampleFormat::Float),
        ] {
            let path = dir.join(format!("{bits}-{format:?}.wav"));
            let spec = hound::WavSpec {
                channels: 2,
                sample_rate: 48_000,
                bits_per_sample: bits,
                sample_format: format,
            };
            let mut w = hound::WavWriter::create(&path, spec).unwrap();
            let vals: Vec<f64> = (0..1000).map(|k| ((k as f64) * 0.37).sin() * 0.9).collect();
            for v in &vals {
                match format {
                    SampleFormat::Float => w.write_sample(*v as f32).unwrap(),
                    SampleFormat::Int => {
                        let full = (1i64 << (bits - 1)) as f64;
                        w.write_sample((v * full) as i32).unwrap()
                    }
                }
            }
            w.finalize().unwrap();
            let wav = open(&path).unwrap();
            assert!(wav.packed.is_some(), "{bits} {format:?}: fast path");
            let fast = wav.decode().unwrap();
            let mut slow = open(&path).unwrap();
            slow.packed = None;
            assert_eq!(fast, slow.decode().unwrap(), "{bits} {format:?}");
            assert_eq!(fast.len(), 1000);
            assert!((fast[1] as f64 - vals[1]).abs() < 0.01, "{bits} {format:?}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
