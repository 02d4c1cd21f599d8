//! Maps wall-clock times (OSC timetags) to frames on the engine's timeline.
//!
//! The mapping is anchored once and kept while it agrees with JACK's clock
//! within 2 ms, so two timetags 10 ms apart always map exactly 480 frames
//! apart at 48 kHz instead of jittering with callback scheduling.

use crate::engine::Engine;
use crate::rt::shared::Shared;
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Wall clock ↔ timeline mapping.
#[derive(Default)]
pub struct Clock {
    anchor: Option<(f64, f64)>,
    rate: f64,
}

impl Clock {
    /// Forgets the anchor (after an xrun or a reconnect).
    pub fn reset(&mut self) {
        self.anchor = None;
    }

    /// The timeline frame now.
    pub fn frame_now(engine: &Engine) -> u64 {
        let us = engine.client().map(|c| c.time()).unwrap_or(0);
        engine.shared().frame_now(us)
    }

    /// Timeline frame for Unix time `t` (seconds).
    pub fn frame_at(&mut self, engine: &Engine, t: f64) -> u64 {
        let shared: &Shared = engine.shared();
        let sr = shared
            .sample_rate
            .load(std::sync::atomic::Ordering::Relaxed) as f64;
        let now_sys = unix_now();
        let now_frame = Self::frame_now(engine) as f64;
        let keep = match self.anchor {
            Some((s, f)) if self.rate == sr => {
                let predicted = f + (now_sys - s) * sr;
                (predicted - now_frame).abs() < 0.002 * sr
            }
            _ => false,
        };
        if !keep {
            self.anchor = Some((now_sys, now_frame));
            self.rate = sr;
        }
        let (s, f) = self.anchor.unwrap_or((now_sys, now_frame));
        let frame = f + (t - s) * sr;
        if frame < 0.0 {
            0
        } else {
            (frame + 0.5) as u64
        }
    }
}
