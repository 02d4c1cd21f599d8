//! [`ToneGenerator`]: an in-process client playing a known sine.

use super::*;

pub(super) struct ToneHandler {
    port: jack::Port<jack::AudioOut>,
    phase: f64,
    increment: f64,
    amplitude: f64,
}

impl jack::ProcessHandler for ToneHandler {
    fn process(&mut self, _: &jack::Client, ps: &jack::ProcessScope) -> jack::Control {
        for x in self.port.as_mut_slice(ps) {
            *x = (self.amplitude * (self.phase * std::f64::consts::TAU).sin()) as f32;
            self.phase += self.increment;
            self.phase -= self.phase.floor();
        }
        jack::Control::Continue
    }
}

/// An in-process client `tone` with one output `out` playing `amplitude * sin(2π f t)`.
pub struct ToneGenerator<'s> {
    client: ActiveClient<'s, (), ToneHandler>,
    port: String,
}

impl<'s> ToneGenerator<'s> {
    pub fn start(server: &'s JackServer, frequency: f64, amplitude: f64) -> ToneGenerator<'s> {
        let client = server.client("tone");
        let rate = client.sample_rate() as f64;
        let port = client
            .register_port("out", jack::AudioOut::default())
            .expect("register tone port");
        let name = port.name().expect("port name");
        let handler = ToneHandler {
            port,
            phase: 0.0,
            increment: frequency / rate,
            amplitude,
        };
        ToneGenerator {
            client: client.activate((), handler),
            port: name,
        }
    }

    /// Full name of the output port.
    pub fn port(&self) -> &str {
        &self.port
    }

    pub fn stop(&mut self) {
        self.client.close();
    }
}
