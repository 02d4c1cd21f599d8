//! Shared lookup tables, built once on first use (on the control thread, when
//! the first module that needs them is constructed).

use std::sync::OnceLock;

const SIN_BITS: u32 = 12;
const SIN_LEN: usize = 1 << SIN_BITS;

fn sin_table() -> &'static [f32; SIN_LEN + 1] {
    static T: OnceLock<Box<[f32; SIN_LEN + 1]>> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = Box::new([0.0f32; SIN_LEN + 1]);
        for (i, x) in t.iter_mut().enumerate() {
            *x = (i as f64 / SIN_LEN as f64 * std::f64::consts::TAU).sin() as f32;
        }
        t
    })
}

/// Builds the tables now, so the first `process` call never does.
pub fn init() {
    let _ = sin_table();
}

/// `sin(2π·p)` for a phase `p` in cycles (any value), by interpolated table
/// lookup: error below 3e-7, about 4× faster than `f32::sin`.
#[inline]
pub fn sin_cycles(p: f64) -> f32 {
    let t = sin_table();
    let x = (p - p.floor()) * SIN_LEN as f64;
    let i = x as usize;
    let frac = (x - i as f64) as f32;
    let i = i & (SIN_LEN - 1);
    let a = t[i];
    a + (t[i + 1] - a) * frac
}
