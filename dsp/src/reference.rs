//! The reference patch every benchmark renders (the DSP bench, the engine
//! bench, the render-pool bench, the fixed-work example), written once so
//! their figures stay comparable.

/// `n` voices of saw → ladder → adsr → vca summed into `output`; voice `v`
/// plays `55 + 5 v + shift` Hz (`shift` gives a second patch with the same
/// modules). Gates go to `env0`…`env{n-1}`.
pub fn voices(n: usize, shift: usize) -> String {
    let mut t = String::from("create out output\n");
    for v in 0..n {
        t += &format!(
            "create osc{v} saw freq={} gain=0.3\ncreate flt{v} ladder cutoff=1000 resonance=0.3\n\
             create env{v} adsr\ncreate amp{v} vca gain=0.1\n\
             connect osc{v} flt{v}\nconnect flt{v} env{v}\nconnect env{v} amp{v}\nconnect amp{v} out\n",
            55 + 5 * v + shift
        );
    }
    t
}
