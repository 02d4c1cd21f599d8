//! `plugins`: the cost of LV2 hosting, in process (no JACK): a chain of 16
//! `eg-amp` plugin instances against 16 built-in `vca`s, both after one sine,
//! rendered in the same run at 48 kHz in 256-frame blocks.

use crate::Ctx;
use std::time::Instant;

/// Renders `blocks` blocks of `patch`; returns nanoseconds per block.
fn cost(patch: &str, blocks: usize) -> Result<f64, String> {
    let reg = synth_jack::registry();
    let (p, _) = dsp::Patch::parse(&reg, patch).map_err(|e| e.to_string())?;
    let mut g = dsp::Graph::compile(&p, &reg, 48000.0, 2).map_err(|e| e.to_string())?;
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    for _ in 0..blocks / 10 {
        g.process(&mut [&mut l, &mut r], &[]);
    }
    let t = Instant::now();
    for _ in 0..blocks {
        g.process(&mut [&mut l, &mut r], &[]);
    }
    Ok(t.elapsed().as_nanos() as f64 / blocks as f64)
}

/// A sine through 16 modules of `kind` (`create` arguments after the id).
fn chain(kind: &str) -> String {
    let mut s = String::from("create osc sine freq=440 gain=0.1\ncreate out output\n");
    let mut prev = "osc".to_string();
    for k in 0..16 {
        s.push_str(&format!("create m{k} {kind}\nconnect {prev} m{k}\n"));
        prev = format!("m{k}");
    }
    s.push_str(&format!("connect {prev} out.in1\n"));
    s
}

/// Measures both chains and records the figures.
pub fn plugins(ctx: &mut Ctx) -> Result<(), String> {
    let blocks = 20_000;
    let amp = cost(
        &chain("lv2 uri=http://lv2plug.in/plugins/eg-amp gain=0"),
        blocks,
    )?;
    let vca = cost(&chain("vca gain=1"), blocks)?;
    let note = "sine -> 16 modules -> output, 256-frame blocks at 48 kHz, in process";
    ctx.put(
        "plugins.eg_amp16",
        "16 eg-amp (LV2) per block",
        amp / 1e3,
        "µs",
        note,
    );
    ctx.put(
        "plugins.vca16",
        "16 built-in vca per block",
        vca / 1e3,
        "µs",
        note,
    );
    ctx.put("plugins.ratio", "16 eg-amp / 16 vca", amp / vca, "x", note);
    Ok(())
}
