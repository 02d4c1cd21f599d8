//! Engine benchmarks of synth-jack (`make bench`, through bench/run.sh) and
//! the soak test (`make soak`, through bench/soak.sh).
//!
//! `cargo bench --bench engine --features fault-injection -- [SECTION...]`
//! runs the release `synth-jack` (and `scsynth`, for comparison) against
//! private `jackd --no-realtime -d dummy` servers it starts and stops itself,
//! prints `BENCH engine.<name> value=...` lines, writes
//! `target/bench/engine.json`, and merges it with `target/bench/dsp.json`
//! (from `cargo bench -p dsp --bench dsp`) into `target/bench/report.md` and
//! `target/bench/report.json`.
//!
//! Sections (all by default): `runtime` (added latency, callback cost,
//! memory), `commit` (commit-to-switch), `osc` (OSC throughput), `stall`
//! (stall recovery), `voices` (largest voice count, synth-jack), `scsynth`
//! (the same for scsynth), `plugins` (16 LV2 eg-amp vs 16 built-in vca, in
//! process), `instruments` (1,024 idle voices vs 8, a 10,000 notes/s flood),
//! `carryover` (300 delays and 50 reverbs: the worker's time at a switch).
//! `report` only rebuilds the report from the JSON
//! files; `soak` runs the soak test instead (`SOAK_SECONDS`, default 600).
//!
//! Environment: `SYNTH_JACK_BIN` (default: the binary cargo built with this
//! bench), `BENCH_DIR` (default `target/bench` of the workspace),
//! `BENCH_KEEP=1` keeps the scratch directory with every log.

mod osc;
mod procs;
mod report;
mod sections;
mod soak;
mod synthdef;

use std::path::PathBuf;
use std::time::Instant;

/// One figure of the report.
#[derive(Debug, Clone)]
pub struct Metric {
    /// Key in report.json (`engine.<section>.<what>`).
    pub name: String,
    /// Row label in the table.
    pub label: String,
    /// The value (NaN: not measured; `note` says why).
    pub value: f64,
    /// Unit.
    pub unit: String,
    /// Context: load, target, how it was obtained.
    pub note: String,
}

/// What every section needs.
pub struct Ctx {
    /// The synth-jack binary.
    pub bin: PathBuf,
    /// Scratch directory: patches, logs.
    pub dir: PathBuf,
    /// Where the JSON and the report go.
    pub out: PathBuf,
    /// Figures so far.
    pub metrics: Vec<Metric>,
}

impl Ctx {
    /// Records a figure and prints its `BENCH` line.
    pub fn put(&mut self, name: &str, label: &str, value: f64, unit: &str, note: &str) {
        println!(
            "BENCH engine.{name} value={} unit={unit}{}",
            fmt_value(value),
            if note.is_empty() {
                String::new()
            } else {
                format!(" note=\"{note}\"")
            }
        );
        self.metrics.push(Metric {
            name: format!("engine.{name}"),
            label: label.to_string(),
            value,
            unit: unit.to_string(),
            note: note.to_string(),
        });
    }

    /// Records a figure that could not be measured.
    pub fn missing(&mut self, name: &str, label: &str, why: &str) {
        self.put(name, label, f64::NAN, "", why);
    }
}

/// A value for tables: integers without decimals, others with 2 or 3 significant places.
pub fn fmt_value(v: f64) -> String {
    if v.is_nan() {
        "n/a".into()
    } else if v == v.trunc() && v.abs() < 1e12 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// The 1-minute load average and the steal ticks (1/100 s, all CPUs) so far.
fn machine_noise() -> (f64, f64) {
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(f64::NAN);
    let steal = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(8).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(f64::NAN);
    (load, steal)
}

fn workspace_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let bin = std::env::var_os("SYNTH_JACK_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_synth-jack")));
    let out = std::env::var_os("BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_dir().join("target/bench"));
    let _ = std::fs::create_dir_all(&out);
    let dir = std::env::temp_dir().join(format!("synth-jack-bench-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        std::process::exit(1);
    }
    let mut ctx = Ctx {
        bin,
        dir: dir.clone(),
        out,
        metrics: Vec::new(),
    };
    let code = if args.first().map(String::as_str) == Some("soak") {
        soak::run(&ctx)
    } else if args.first().map(String::as_str) == Some("report") {
        report::write(
            &ctx,
            &report::read_engine_json(&ctx.out.join("engine.json")),
        );
        0
    } else {
        run_sections(&mut ctx, &args)
    };
    if std::env::var_os("BENCH_KEEP").is_some() || code != 0 {
        eprintln!("[bench] logs kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    std::process::exit(code);
}

fn run_sections(ctx: &mut Ctx, args: &[String]) -> i32 {
    let all = [
        "runtime",
        "commit",
        "osc",
        "stall",
        "voices",
        "scsynth",
        "plugins",
        "instruments",
        "carryover",
    ];
    let wanted: Vec<&str> = if args.is_empty() {
        all.to_vec()
    } else {
        all.iter()
            .copied()
            .filter(|s| args.iter().any(|a| a == s))
            .collect()
    };
    if wanted.is_empty() {
        eprintln!("unknown section(s) {args:?}; known: {all:?}, report, soak");
        return 2;
    }
    if !ctx.bin.exists() {
        eprintln!(
            "{} does not exist (cargo build --release --features fault-injection)",
            ctx.bin.display()
        );
        return 1;
    }
    // BENCH_PERIODS=256 (say) limits the per-period sections, for quick runs.
    let periods: Vec<u32> = std::env::var("BENCH_PERIODS")
        .ok()
        .map(|v| v.split(',').filter_map(|p| p.trim().parse().ok()).collect())
        .filter(|v: &Vec<u32>| !v.is_empty())
        .unwrap_or_else(|| vec![256, 128]);
    eprintln!(
        "[bench] servers: {}; periods {periods:?}",
        procs::sched_note()
    );
    let started = Instant::now();
    for s in &wanted {
        let t = Instant::now();
        let before = machine_noise();
        eprintln!("[bench] === {s} ===");
        let r = match *s {
            "runtime" => sections::runtime(ctx),
            "commit" => sections::commit_to_switch(ctx, &periods),
            "osc" => sections::osc_throughput(ctx),
            "stall" => sections::stall_recovery(ctx),
            "voices" => sections::voices_synth_jack(ctx, &periods),
            "scsynth" => sections::voices_scsynth(ctx, &periods),
            "plugins" => sections::plugins(ctx),
            "instruments" => sections::instruments(ctx),
            "carryover" => sections::carry_over(ctx),
            _ => Ok(()),
        };
        if let Err(e) = r {
            eprintln!("[bench] {s} failed: {e}");
            ctx.missing(&format!("{s}.error"), &format!("{s}: not measured"), &e);
        }
        let after = machine_noise();
        let took = t.elapsed().as_secs_f64();
        ctx.put(
            &format!("{s}.machine"),
            &format!("machine during {s}"),
            after.0,
            "load avg",
            &format!(
                "1-minute load average {:.2} → {:.2} over {took:.0} s; CPU time stolen by the hypervisor {:.0} ms",
                before.0,
                after.0,
                (after.1 - before.1) * 10.0
            ),
        );
        eprintln!("[bench] {s} took {took:.0} s");
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!("[bench] engine benchmarks took {secs:.0} s");
    let mut metrics = ctx.metrics.clone();
    if wanted.len() < all.len() {
        // A partial run updates its sections and keeps the others' figures.
        let old = report::read_engine_json(&ctx.out.join("engine.json"));
        let mut merged: Vec<Metric> = old
            .into_iter()
            .filter(|m| {
                !wanted
                    .iter()
                    .any(|s| m.name.starts_with(&format!("engine.{s}.")))
            })
            .collect();
        merged.extend(metrics);
        metrics = merged;
    }
    report::write_engine_json(&ctx.out.join("engine.json"), &metrics, secs);
    report::write(ctx, &metrics);
    0
}
