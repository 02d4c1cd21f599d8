//! `wavetable`: an oscillator reading single-cycle frames from a sample
//! buffer (`buffer=NAME`, see [`crate::sample`]), morphing between them.
//!
//! The buffer holds consecutive cycles of [`WAVE_LEN`] (2048) samples each,
//! the layout of Serum's and Vital's wavetable files; a buffer shorter than
//! one cycle is one cycle of its whole length, and at most [`MAX_FRAMES`]
//! are read. When the module receives its buffer (while its graph is
//! compiled, on the control thread) every frame is band-limited the way
//! `saw`'s tables are: one copy per third of an octave of pitch, holding
//! only the harmonics that stay below Nyquist, so no pitch aliases.
//! A frame's DC offset is removed. `morph` (0..1) crossfades between
//! adjacent frames across the table.
//! Without a buffer it is silent.
//!
//! The tables are kept with the buffer ([`crate::derived`]): a commit that
//! compiles the patch again with the same buffer shares them, a buffer
//! replaced by a new load gets its own.

use super::shared;
use crate::fft::fft;
use crate::knob_module;
use crate::module::ProcessIo;
use crate::modules::knobs::{sane, Knobs, Mods, Sweep};
use crate::sample::{Sample, SampleRef};
use std::sync::Arc;
use crate::spec::ParamSpec;
use crate::table::{phase_inc, read_cycle_fixed, BandTables, WaveCycle, WAVE_BANDS, WAVE_LEN};

crate::module_type! {
    name: "wavetable" | "wt",
    description: "wavetable oscillator (buffer=NAME: single cycles of 2048 samples one after \
                  another); morph 0..1 crossfades across them; band-limited at every pitch",
    inputs: [],
    outputs: [OUT = "out"],
    params: [
        FREQ = shared::FREQ,
        MORPH = ParamSpec::new("morph", 0.0, 1.0, 0.0, "of table", 5.0)
            .with_aliases(&["position", "pos"]),
        GAIN = shared::GAIN,
    ],
    gate: false,
    buffer: true,
    build: |cx| Box::new(Wavetable::new(cx.sample_rate)),
}

/// Most frames read from one buffer (each takes about 250 KiB of tables).
pub const MAX_FRAMES: usize = 64;

/// The band-limited tables of one buffer, shared by every `wavetable`
/// reading it (see [`crate::derived`]).
pub struct Tables {
    /// Band-limited cycles, `WAVE_BANDS` per frame, frame after frame.
    cycles: Box<[WaveCycle]>,
    /// Frames read from the buffer (0: none).
    frames: usize,
}

impl Tables {
    /// The tables of buffer `b` (control thread: allocates, runs FFTs).
    fn build(b: &Sample) -> Tables {
        let frames = (b.frames() / WAVE_LEN).clamp(1, MAX_FRAMES);
        let mut cycles = vec![[0.0f32; WAVE_LEN + 1]; frames * WAVE_BANDS];
        // A short buffer is one cycle: read it stretched to WAVE_LEN.
        let step = if b.frames() < WAVE_LEN {
            b.frames() as f64 / WAVE_LEN as f64
        } else {
            1.0
        };
        for (f, bands) in cycles.chunks_mut(WAVE_BANDS).enumerate() {
            let mut re: Vec<f64> = (0..WAVE_LEN)
                .map(|i| {
                    let pos = (f * WAVE_LEN) as f64 + i as f64 * step;
                    (b.read_linear(0, pos) + b.read_linear(1, pos)) as f64 * 0.5
                })
                .collect();
            let mut im = vec![0.0; WAVE_LEN];
            fft(&mut re, &mut im, false);
            band_limit(&re, &im, bands);
        }
        Tables {
            cycles: cycles.into_boxed_slice(),
            frames,
        }
    }
}

/// The settings the tables depend on, beyond the buffer: none can change
/// today (cycle length, frame count and bands are constants), so one key.
const TABLES_KEY: u64 = 0;

/// `wavetable` state.
pub struct Wavetable {
    inv_sr: f64,
    knobs: Knobs<{ param::COUNT }>,
    /// The buffer's tables (`None`: no buffer, silent).
    tables: Option<Arc<Tables>>,
    phase: u64,
}

impl Wavetable {
    /// A silent oscillator until it gets a buffer.
    pub fn new(sample_rate: f32) -> Self {
        Wavetable {
            inv_sr: 1.0 / sample_rate as f64,
            knobs: Knobs::new(SPEC.params, sample_rate),
            tables: None,
            phase: 0,
        }
    }

    /// Takes the band-limited tables of `b`, built now unless an earlier
    /// compile built them (control thread: may allocate).
    fn load_tables(&mut self, b: Option<SampleRef>) {
        self.tables = b
            .filter(|b| b.frames() > 0)
            .map(|b| b.derived(TABLES_KEY, Tables::build));
    }

    fn run(&mut self, io: &mut ProcessIo) {
        let m = Mods::of(io);
        let out = &mut io.outputs[output::OUT];
        let Some(tables) = self.tables.as_deref() else {
            for (i, o) in out[..io.frames].iter_mut().enumerate() {
                self.knobs.tick(&m, i);
                *o = 0.0;
            }
            return;
        };
        let frames = tables.frames;
        let (inv_sr, last) = (self.inv_sr, (frames - 1) as f32);
        let prep = |p: [f32; param::COUNT]| {
            let mut c = (p[param::FREQ] as f64 * inv_sr).clamp(-0.5, 0.5);
            if c.is_nan() {
                c = 0.0;
            }
            let at = sane(p[param::MORPH], 0.0, 1.0, 0.0) * last;
            let lo = (at as usize).min(frames.saturating_sub(2));
            let band = BandTables::band_index(c);
            Step {
                inc: phase_inc(c),
                a: lo * WAVE_BANDS + band,
                b: (lo + 1).min(frames - 1) * WAVE_BANDS + band,
                t: at - lo as f32,
                gain: sane(p[param::GAIN], 0.0, 4.0, 0.5),
            }
        };
        let (cycles, mut ph) = (&tables.cycles, self.phase);
        self.knobs.each_with(&m, io.frames, prep, |i, s| {
            let (x, y) = (
                read_cycle_fixed(&cycles[s.a], ph),
                read_cycle_fixed(&cycles[s.b], ph),
            );
            out[i] = s.gain * (x + (y - x) * s.t);
            ph = ph.wrapping_add(s.inc);
        });
        self.phase = ph;
    }

    fn clear(&mut self) {
        self.phase = 0;
    }

    fn carry(&mut self, o: &Self) {
        self.phase = o.phase;
    }
}

/// What one frame reads: phase step, the two cycles and the mix between them.
#[derive(Clone, Copy)]
struct Step {
    inc: u64,
    a: usize,
    b: usize,
    t: f32,
    gain: f32,
}

/// Fills `bands` (one cycle per band, see [`BandTables`]) from the spectrum
/// `re`/`im` of one cycle: band `k` keeps harmonics 1 to
/// [`BandTables::harmonics`]`(k)`; DC is dropped.
fn band_limit(re: &[f64], im: &[f64], bands: &mut [WaveCycle]) {
    let n = WAVE_LEN;
    let mut made: Option<(usize, usize)> = None; // (harmonics, band) built last
    for k in 0..WAVE_BANDS {
        let h = BandTables::harmonics(k);
        if let Some((hm, src)) = made.filter(|&(hm, _)| hm == h) {
            bands[k] = bands[src];
            made = Some((hm, src));
            continue;
        }
        let (mut r, mut i) = (vec![0.0; n], vec![0.0; n]);
        for j in 1..=h {
            (r[j], i[j]) = (re[j], im[j]);
            (r[n - j], i[n - j]) = (re[n - j], im[n - j]);
        }
        fft(&mut r, &mut i, true);
        for (d, s) in bands[k].iter_mut().zip(&r) {
            *d = (*s / n as f64) as f32;
        }
        bands[k][n] = bands[k][0];
        made = Some((h, k));
    }
}

knob_module!(Wavetable, load = load_tables);
