//! `synth-jack render`: a patch plus timed events to a WAV file, no JACK.

use crate::cli::RenderArgs;

/// Renders as asked; returns a message on failure.
pub fn run(args: &RenderArgs) -> Result<(), String> {
    let mut reg = crate::registry();
    let text = std::fs::read_to_string(&args.patch)
        .map_err(|e| format!("cannot read {}: {e}", args.patch.display()))?;
    let (patch, warnings) =
        dsp::Patch::parse(&reg, &text).map_err(|e| format!("{}: {e}", args.patch.display()))?;
    for w in warnings {
        log::warn!("{}: {w}", args.patch.display());
    }
    crate::plugin::state::load_beside(&args.patch, &patch);
    let events = match &args.events {
        Some(p) => {
            let t = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            dsp::render::parse_events(&t, args.rate as f32)
                .map_err(|e| format!("{}: {e}", p.display()))?
        }
        None => Vec::new(),
    };
    if !(args.seconds > 0.0 && args.seconds < 86400.0) {
        return Err(format!(
            "--seconds {} is out of range (0, 86400)",
            args.seconds
        ));
    }
    if !(8000..=384000).contains(&args.rate) {
        return Err(format!("--rate {} is out of range 8000..384000", args.rate));
    }
    let frames = (args.seconds * args.rate as f64).round() as usize;
    let channels = (args.channels as usize).clamp(1, dsp::graph::MAX_CHANNELS);
    if !(args.beats_per_bar >= 1.0 && args.beats_per_bar <= 64.0) {
        return Err(format!(
            "--beats-per-bar {} is out of range 1..64",
            args.beats_per_bar
        ));
    }
    if !(args.start_beat.is_finite() && args.start_beat >= 0.0) {
        return Err(format!("--start-beat {} must be >= 0", args.start_beat));
    }
    // The transport rolls from --start-beat at --bpm, like a JACK transport
    // located there and started with the first frame.
    // The patch's buffers, loaded at the render rate; kept (never collected)
    // until the process ends.
    let collector = basedrop::Collector::new();
    let mut buffers = crate::control::buffers::BufferStore::new(
        collector.handle(),
        args.sample_dir.clone(),
        crate::control::buffers::DEFAULT_BUDGET_MIB,
    );
    crate::control::buffers::load_lines_now(&mut buffers, &patch.buffers, args.rate as f32);
    reg.set_samples(buffers.lookup());
    let mut time = dsp::Time::new(args.rate as f64, args.bpm, args.beats_per_bar);
    time.frame = time.frame_of(args.start_beat).round() as u64;
    let mut graph =
        dsp::Graph::compile(&patch, &reg, args.rate as f32, channels).map_err(|e| e.to_string())?;
    graph.set_time(time);
    let (events, _) =
        dsp::render::resolve_events(&patch, &reg, &events).map_err(|e| e.to_string())?;
    // The engine's render pool: the graph's bundles on `threads` threads.
    let threads = args
        .threads
        .map_or_else(crate::app::default_threads, |n| n as usize);
    let mut pool = crate::rt::pool::Pool::new(threads - 1, "render", None);
    let out = dsp::render::render_graph_with(&mut graph, &events, frames, 256, &mut pool);
    let spec = hound::WavSpec {
        channels: channels as u16,
        sample_rate: args.rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&args.out, spec)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    for i in 0..frames {
        for ch in &out {
            w.write_sample(ch[i]).map_err(|e| e.to_string())?;
        }
    }
    w.finalize().map_err(|e| e.to_string())?;
    log::info!(
        "wrote {} ({frames} frames, {channels} channels)",
        args.out.display()
    );
    Ok(())
}
