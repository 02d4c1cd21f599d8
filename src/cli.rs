//! Command-line interface.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// synth-jack: a real-time modular synthesizer for JACK, driven over OSC.
#[derive(Parser, Debug)]
#[command(version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// A tool instead of the synthesizer.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of the synthesizer.
    #[command(flatten)]
    pub run: RunArgs,
}

/// What to do instead of playing live: render offline, send one OSC message, list module types.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Render a patch offline to a WAV file (no JACK server needed).
    Render(RenderArgs),
    /// Send one OSC message to a running synth-jack and print the reply.
    Send(SendArgs),
    /// List the module types and their parameters.
    Modules,
    /// Draw a patch file as Graphviz DOT (and SVG when `dot` is installed).
    Graph(GraphArgs),
    /// List the installed LV2 plugins (honours LV2_PATH), or show one.
    Plugins {
        /// Plugin URI to show.
        uri: Option<String>,
    },
}

/// Options of the synthesizer.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// JACK client name.
    #[arg(long, default_value = "synth-jack")]
    pub name: String,
    /// Number of output ports (out_1..out_N).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=dsp::graph::MAX_CHANNELS as i64))]
    pub channels: u16,
    /// Connect the outputs to the first physical playback ports.
    #[arg(long)]
    pub connect: bool,
    /// Patch file to load and commit at start.
    #[arg(long)]
    pub patch: Option<PathBuf>,
    /// UDP port for OSC (0 lets the system choose; the port is logged).
    #[arg(long, default_value_t = 5005)]
    pub osc_port: u16,
    /// Address to bind the OSC socket to.
    #[arg(long, default_value = "127.0.0.1")]
    pub osc_bind: String,
    /// Also serve OSC over TCP on the same port number (`--osc-tcp false`: UDP only).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub osc_tcp: bool,
    /// HTTP port for OSCQuery (default: the OSC port + 1, or a free one; 0: off).
    #[arg(long)]
    pub oscquery_port: Option<u16>,
    /// Start a JACK server if none is running.
    #[arg(long)]
    pub start_server: bool,
    /// Periods each worker renders ahead of JACK (added latency).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=16))]
    pub lead: u32,
    /// Cross-fade length on commit, in ms.
    #[arg(long, default_value_t = 10.0)]
    pub fade_ms: f32,
    /// Fail over when the playing worker is this many ms behind.
    #[arg(long, default_value_t = 150)]
    pub failover_ms: u64,
    /// Exit (code 3) when the JACK server goes away instead of waiting for it.
    #[arg(long)]
    pub no_reconnect: bool,
    /// Do not register the JACK MIDI input port `midi_in`.
    #[arg(long)]
    pub no_midi: bool,
    /// Directory for /patch/load and /patch/save.
    #[arg(long, default_value = "patches")]
    pub patch_dir: PathBuf,
    /// Directory for /record/start.
    #[arg(long, default_value = "recordings")]
    pub record_dir: PathBuf,
    /// Directory /buffer/load and patch `buffer` lines read WAV files from.
    #[arg(long, default_value = "samples")]
    pub sample_dir: PathBuf,
    /// Memory limit of all sample buffers together, in MiB.
    #[arg(long, default_value_t = crate::control::buffers::DEFAULT_BUDGET_MIB)]
    pub buffer_budget_mib: u64,
    /// After a failover caused by an LV2 plugin hanging in run(), reload the
    /// patch without that plugin (default: reload it as it was).
    #[arg(long)]
    pub quarantine_plugins: bool,
    /// Size limit of one recording in MiB; it stops there.
    #[arg(long, default_value_t = crate::record::DEFAULT_MAX_MIB)]
    pub record_max_mib: u64,
    /// Memory budget of one compiled patch, in MiB: edits and commits beyond it are refused.
    #[arg(long, default_value_t = dsp::budget::DEFAULT_BUDGET >> 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_graph_mib: u64,
    /// Render threads of the playing patch: the worker and N - 1 helpers (default: the number of
    /// cores; 1 renders on the worker alone).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub threads: Option<u32>,
    /// Timed bundles further ahead than this many seconds are refused.
    #[arg(long, default_value_t = 60.0)]
    pub max_ahead: f64,
    /// Tempo of the internal clock (used while no JACK timebase master sets one).
    #[arg(long, default_value_t = 120.0, value_parser = parse_bpm)]
    pub bpm: f64,
    /// Become the JACK timebase master: publish the internal clock's tempo and bar/beat.
    #[arg(long)]
    pub timebase_master: bool,
    /// What a quantized commit does while the transport is stopped: wait for it to roll, or switch now.
    #[arg(long, value_enum, default_value_t = QuantWhenStopped::Wait)]
    pub quant_when_stopped: QuantWhenStopped,
}

/// `--quant-when-stopped`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantWhenStopped {
    /// Wait until the transport rolls, then switch on the boundary.
    Wait,
    /// Switch at once.
    Now,
}

/// Smallest and largest tempo accepted (`--bpm`, `/tempo`).
pub const BPM_RANGE: std::ops::RangeInclusive<f64> = 1.0..=999.0;

fn parse_bpm(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if BPM_RANGE.contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is out of range 1..999 BPM"))
    }
}

/// Options of `render`.
#[derive(Args, Debug)]
pub struct RenderArgs {
    /// Patch file.
    #[arg(long)]
    pub patch: PathBuf,
    /// Events file: lines of `SECONDS set ID PARAM VALUE` or `SECONDS gate ID on|off`.
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Length in seconds.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Sample rate.
    #[arg(long, default_value_t = 48000)]
    pub rate: u32,
    /// Output channels in the WAV file (1 to 8).
    #[arg(long, default_value_t = 2)]
    pub channels: u16,
    /// Tempo of the transport the patch's clocks and sequencers follow.
    #[arg(long, default_value_t = 120.0, value_parser = parse_bpm)]
    pub bpm: f64,
    /// Beats in a bar.
    #[arg(long, default_value_t = 4.0)]
    pub beats_per_bar: f64,
    /// Transport position of the first frame, in beats (0 = bar 1, beat 1).
    #[arg(long, default_value_t = 0.0)]
    pub start_beat: f64,
    /// Render threads (default: the number of cores); the output is bit-identical for any count.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub threads: Option<u32>,
    /// Directory the patch's `buffer` lines read WAV files from.
    #[arg(long, default_value = "samples")]
    pub sample_dir: PathBuf,
    /// Output WAV file.
    pub out: PathBuf,
}

/// Options of `send`.
#[derive(Args, Debug)]
pub struct SendArgs {
    /// Host running synth-jack.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Its OSC port.
    #[arg(long, default_value_t = 5005)]
    pub port: u16,
    /// Seconds to wait for a reply.
    #[arg(long, default_value_t = 2.0)]
    pub timeout: f64,
    /// OSC address, e.g. /patch/create.
    pub address: String,
    /// Arguments: ints, floats and strings are inferred.
    #[arg(allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Options of `graph`.
#[derive(Args, Debug)]
pub struct GraphArgs {
    /// Patch file to draw.
    pub patch: PathBuf,
    /// DOT file to write (default: the patch file with `.dot`); the SVG goes beside it.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}
