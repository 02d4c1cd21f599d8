//! The `synth-jack` binary.

use clap::Parser;

// Debug builds check the real-time threads for allocation; every build
// writes zeroed memory at once (no first-touch page faults while rendering).
#[global_allocator]
static ALLOC: synth_jack::rt::alloc::RtAlloc = synth_jack::rt::alloc::RtAlloc;

fn main() {
    let cli = synth_jack::cli::Cli::parse();
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("info,jack_sys=warn"),
    )
    .format_timestamp_millis()
    .init();
    std::process::exit(synth_jack::app::main(cli));
}
