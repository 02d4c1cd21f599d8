//! OSC control surface (placeholder until the full surface lands).

pub mod send;

use crate::cli::RunArgs;
use crate::control::Control;
use crate::engine::Engine;
use std::time::Duration;

/// The UDP surface.
pub struct Surface {
    quit: bool,
}

impl Surface {
    /// Binds the socket.
    pub fn start(_args: &RunArgs) -> Result<Surface, String> {
        Ok(Surface { quit: false })
    }
    /// Handles datagrams for up to `wait`.
    pub fn serve(&mut self, _c: &mut Control, _e: &mut Engine, wait: Duration) {
        std::thread::sleep(wait);
    }
    /// Sends replies for what control reported.
    pub fn deliver(&mut self, c: &mut Control, _e: &Engine) {
        let _ = c.take_notices();
    }
    /// True after /quit.
    pub fn quit_requested(&self) -> bool {
        self.quit
    }
    /// Closes the socket.
    pub fn stop(&mut self) {}
}
