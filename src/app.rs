//! The synthesizer's main loop: engine, control, OSC, status line, server loss.

use crate::cli::{Cli, Command, RunArgs};
use crate::control::Control;
use crate::engine::{Config, Engine, StartError};
use crate::live::{Live, View};
use crate::status::{self, Snapshot};
use std::sync::atomic::Ordering::*;
use std::time::{Duration, Instant};

/// Runs the command line; returns the process exit code.
pub fn main(cli: Cli) -> i32 {
    match cli.command {
        Some(Command::Modules) => {
            print!("{}", crate::registry().describe());
            0
        }
        Some(Command::Plugins { uri }) => match crate::plugin::listing(uri.as_deref()) {
            Ok(text) => {
                print!("{text}");
                0
            }
            Err(e) => {
                eprintln!("synth-jack plugins: {e}");
                1
            }
        },
        Some(Command::Render(args)) => match crate::render_cmd::run(&args) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("synth-jack render: {e}");
                1
            }
        },
        Some(Command::Send(args)) => crate::osc::send::run(&args),
        Some(Command::Graph(args)) => graph(&args),
        None => run(cli.run),
    }
}

/// `synth-jack graph`: draws a patch file; returns the exit code.
fn graph(args: &crate::cli::GraphArgs) -> i32 {
    let reg = crate::registry();
    let drawn = std::fs::read_to_string(&args.patch)
        .map_err(|e| format!("cannot read {}: {e}", args.patch.display()))
        .and_then(|text| {
            dsp::Patch::parse(&reg, &text).map_err(|e| format!("{}: {e}", args.patch.display()))
        })
        .and_then(|(patch, _)| {
            let out = args
                .out
                .clone()
                .unwrap_or_else(|| args.patch.with_extension("dot"));
            crate::graph_dot::write(&crate::graph_dot::dot(&patch, &reg), &out)
                .map_err(|e| e.to_string())
        });
    match drawn {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
            0
        }
        Err(e) => {
            eprintln!("synth-jack graph: {e}");
            1
        }
    }
}

/// Plays until Ctrl-C, `/quit`, or (with `--no-reconnect`) server loss.
pub fn run(args: RunArgs) -> i32 {
    crate::signals::install();
    crate::rt::alloc::lock_memory();
    let (args, mut nsm) = match crate::nsm::from_env(args) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let cfg = Config {
        name: args.name.clone(),
        channels: args.channels as usize,
        lead: args.lead,
        fade_ms: args.fade_ms,
        connect: args.connect,
        start_server: args.start_server,
        midi: !args.no_midi,
        bpm: args.bpm,
        timebase_master: args.timebase_master,
        record_max_mib: args.record_max_mib,
        threads: args.threads.map_or_else(default_threads, |n| n as usize),
    };
    // A process that replaced a deadlocked one finishes its recording and
    // waits for the server it lost.
    crate::rescue::finish_inherited_recording();
    let started = loop {
        match Engine::start(cfg.clone()) {
            Err(StartError::NoServer(_))
                if crate::rescue::rescued() && !crate::signals::QUIT.load(Acquire) =>
            {
                std::thread::sleep(Duration::from_millis(250));
            }
            r => break r,
        }
    };
    let mut engine = match started {
        Ok(e) => e,
        Err(StartError::NoServer(detail)) => {
            eprintln!(
                "synth-jack: no JACK server is running ({detail}); start one with `jackd -d alsa` (or `jackd -d dummy`), or pass --start-server"
            );
            return 2;
        }
        Err(StartError::Other(e)) => {
            eprintln!("synth-jack: {e}");
            return 1;
        }
    };
    log::info!(
        "client '{}' active: {} Hz, {} frames/period, lead {} periods ({} frames), {} outputs",
        args.name,
        engine.sample_rate(),
        engine.shared().period.load(Relaxed),
        args.lead,
        engine.shared().lead_frames(),
        args.channels
    );
    let mut buffers = crate::control::buffers::BufferStore::new(
        engine.handle().clone(),
        args.sample_dir.clone(),
        args.buffer_budget_mib,
    );
    let mut reg = crate::registry();
    reg.set_memory_budget(args.max_graph_mib << 20);
    reg.set_sample_rate(engine.sample_rate());
    reg.set_samples(buffers.lookup());
    let mut control = Control::new(&mut engine, reg, Duration::from_millis(args.failover_ms));
    control.plugins.quarantine = args.quarantine_plugins;
    control.quant_now = args.quant_when_stopped == crate::cli::QuantWhenStopped::Now;
    if let Some(path) = &args.patch {
        match load_patch_file(&mut control, path) {
            Ok(()) => {
                let lines = control.pending.buffers.clone();
                crate::control::buffers::load_lines_now(&mut buffers, &lines, engine.sample_rate());
                if let Err(e) = control.commit(&mut engine, None) {
                    log::error!("{}: {e}", path.display());
                }
            }
            Err(e) => {
                eprintln!("synth-jack: {e}");
                engine.shutdown();
                return 1;
            }
        }
    }
    let mut osc = match crate::osc::Surface::start(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("synth-jack: {e}");
            engine.shutdown();
            return 1;
        }
    };
    osc.set_buffers(buffers);
    let mut oscquery = match crate::oscquery::OscQuery::start(
        &args.name,
        &args.osc_bind,
        args.oscquery_port,
        osc.local_addr(),
    ) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("synth-jack: {e}");
            osc.stop();
            engine.shutdown();
            return 1;
        }
    };
    if let Some(n) = &mut nsm {
        n.opened(Ok(&control.pending));
    }
    let tty = status::stdout_is_tty();
    let mut last_status = Instant::now();
    let mut last_remember = Instant::now();
    let mut last_counts = (0u64, 0u64, 0u64);
    let mut last_period = engine.shared().period.load(Relaxed);
    let mut code = 0;
    loop {
        if crate::signals::QUIT.load(Acquire) || osc.quit_requested() {
            break;
        }
        osc.serve(
            &mut Live {
                control: &mut control,
                engine: &mut engine,
            },
            Duration::from_millis(2),
        );
        control.poll(&mut engine);
        let notices = control.take_notices();
        osc.deliver(
            notices,
            &View {
                control: &control,
                engine: &engine,
            },
        );
        osc.observe(&mut control.taps);
        if let Some(q) = &mut oscquery {
            q.publish(&control);
        }
        if let Some(session) = nsm.as_mut().and_then(|n| n.poll(&control)) {
            let r = switch_session(&session, &mut control, &mut engine, &mut osc);
            if let Some(n) = &mut nsm {
                n.opened(r.as_ref().map_err(Clone::clone));
            }
        }
        if engine.server_gone() {
            log::error!("JACK server shut down");
            if args.no_reconnect {
                code = 3;
                break;
            }
            log::info!("waiting for a JACK server to come back");
            let rescue = crate::rescue::Rescue::prepare(
                &args.name,
                &control.committed().to_text(control.registry()),
                osc.local_addr().port(),
                &engine.remembered_connections(),
                engine.recorder().in_progress(),
            );
            match engine.reconnect(&crate::signals::QUIT, rescue) {
                Ok(()) => {
                    control.after_reconnect(&mut engine);
                    log::info!("reconnected to JACK");
                }
                Err(_) => break,
            }
        }
        let period = engine.shared().period.load(Relaxed);
        if period != last_period {
            log::info!("JACK buffer size is now {period} frames");
            last_period = period;
            engine.recompute_latency();
        }
        if engine.shared().connections_changed.swap(false, AcqRel) {
            engine.remember_connections(false);
        }
        if last_remember.elapsed() > Duration::from_secs(1) {
            engine.restore_connections();
            engine.remember_connections(true);
            last_remember = Instant::now();
            let sh = engine.shared();
            let counts = (
                sh.stats.underruns.load(Relaxed),
                sh.stats.xruns.load(Relaxed),
                sh.stats.failovers.load(Relaxed),
            );
            if counts != last_counts {
                log::info!(
                    "underruns {} xruns {} failovers {}",
                    counts.0,
                    counts.1,
                    counts.2
                );
                last_counts = counts;
            }
        }
        if tty && last_status.elapsed() > Duration::from_millis(500) {
            status::print(&Snapshot::take(engine.shared()).line());
            last_status = Instant::now();
        }
    }
    if tty {
        println!();
    }
    log::info!("shutting down");
    if let Some(mut q) = oscquery {
        q.stop();
    }
    osc.stop();
    engine.shutdown();
    code
}

/// Opens another NSM session (`:switch:`): its directories, and its
/// patch (or an empty one) committed; returns the patch.
fn switch_session(
    session: &crate::nsm::Session,
    control: &mut Control,
    engine: &mut Engine,
    osc: &mut crate::osc::Surface,
) -> Result<dsp::Patch, String> {
    let file = session.patch_file();
    if file.exists() {
        load_patch_file(control, &file)?;
        let lines = control.pending.buffers.clone();
        osc.load_buffers_now(&lines, engine.sample_rate());
    } else {
        control.pending = dsp::Patch::new();
    }
    control.commit(engine, None).map_err(|e| e.to_string())?;
    osc.set_dirs(session.patch_dir(), session.record_dir());
    Ok(control.pending.clone())
}

/// Reads a patch file into the pending patch.
pub fn load_patch_file(control: &mut Control, path: &std::path::Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read patch {}: {e}", path.display()))?;
    let (patch, warnings) = dsp::Patch::parse(control.registry(), &text)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    for w in warnings {
        log::warn!("{}: {w}", path.display());
    }
    crate::plugin::state::load_beside(path, &patch);
    control.pending = patch;
    Ok(())
}

/// `--threads` when not given: one render thread per core (the pool's
/// output is bit-identical whatever the count), capped at the option's 64.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(64))
}
