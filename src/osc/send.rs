//! `synth-jack send` (placeholder).

/// Sends one message.
pub fn run(_args: &crate::cli::SendArgs) -> i32 {
    eprintln!("not yet");
    1
}
