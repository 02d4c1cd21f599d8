//! The `synth-jack` binary.

use clap::Parser;

#[cfg(debug_assertions)]
#[global_allocator]
static ALLOC: synth_jack::rt::guard::RtAlloc = synth_jack::rt::guard::RtAlloc;

fn main() {
    let cli = synth_jack::cli::Cli::parse();
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("info,jack_sys=warn"),
    )
    .format_timestamp_millis()
    .init();
    std::process::exit(synth_jack::app::main(cli));
}
