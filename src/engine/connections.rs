//! The port connections a reconnect restores: remembered from JACK every
//! second and on JACK's notifications, made again when their ports exist.

use super::unrestored::wait_for_port;
use super::Engine;
use std::sync::atomic::Ordering::Acquire;
use std::time::{Duration, Instant};

/// How long after a connection went away (its port still there) it is
/// looked at again: a closing client loses its connections before its ports.
const SECOND_LOOK: Duration = Duration::from_millis(500);

impl Engine {
    /// Makes the remembered connections whose ports exist now; the others
    /// wait for their port to appear (called again every second).
    pub fn restore_connections(&mut self) {
        let Some(c) = self.client.as_ref().map(|c| c.as_client()) else {
            return;
        };
        if self.unrestored.is_empty() || self.shared.server_gone.load(Acquire) {
            return;
        }
        self.unrestored.retain(|(src, dst)| {
            if c.port_by_name(dst).is_none() {
                return true;
            }
            match c.connect_ports_by_name(src, dst) {
                Ok(()) => log::info!("restored connection {src} -> {dst}"),
                Err(jack::Error::PortAlreadyConnected(..)) => {}
                Err(e) => log::warn!("cannot restore connection {src} -> {dst}: {e:?}"),
            }
            false
        });
    }

    /// Remembers the current port connections so a reconnect can restore
    /// them. A connection whose other port went away (its client quit or
    /// restarts) is kept and made again when that port comes back; one the
    /// user removed while both ports exist is forgotten: decided at a
    /// `second_look` (the periodic one, a second later), never at a look JACK's
    /// notifications trigger while a client may still be closing,
    /// and at least [`SECOND_LOOK`] after it went away.
    pub fn remember_connections(&mut self, second_look: bool) {
        let Some(c) = &self.client else {
            return;
        };
        if self.server_gone() {
            return;
        }
        let cl = c.as_client();
        let now: Vec<Vec<String>> = (0..self.config.channels)
            .map(|i| {
                let name = format!("{}:out_{}", cl.name(), i + 1);
                cl.port_by_name(&name)
                    .map(|p| p.get_connections())
                    .unwrap_or_default()
            })
            .collect();
        // Second look at those that went away last time: kept if their port
        // has gone since, forgotten (a user removed them) otherwise.
        if second_look {
            for (src, dst, since) in std::mem::take(&mut self.went_away) {
                if since.elapsed() < SECOND_LOOK {
                    self.went_away.push((src, dst, since));
                } else if cl.port_by_name(&dst).is_none() {
                    wait_for_port(&mut self.unrestored, src, dst);
                }
            }
        }
        for (i, dsts) in self.connections.iter().enumerate() {
            let src = format!("{}:out_{}", cl.name(), i + 1);
            for dst in dsts.iter().filter(|d| !now[i].contains(d)) {
                if cl.port_by_name(dst).is_some() {
                    self.went_away
                        .push((src.clone(), dst.clone(), Instant::now()));
                } else {
                    wait_for_port(&mut self.unrestored, src.clone(), dst.clone());
                }
            }
        }
        self.connections = now;
    }

    /// Every connection to make again on a new server, as (ours, theirs):
    /// what is connected now, what waits for its port, what just went away.
    pub fn remembered_connections(&self) -> Vec<(String, String)> {
        let name = &self.config.name;
        let mut all: Vec<(String, String)> = self
            .connections
            .iter()
            .enumerate()
            .flat_map(|(i, dsts)| {
                dsts.iter()
                    .map(move |d| (format!("{name}:out_{}", i + 1), d.clone()))
            })
            .collect();
        all.extend(self.unrestored.iter().cloned());
        all.extend(
            self.went_away
                .iter()
                .map(|(s, d, _)| (s.clone(), d.clone())),
        );
        all
    }

    /// Adds `pairs` to the connections made as soon as their ports exist
    /// (a process that replaced a deadlocked one inherits them).
    pub(super) fn adopt_connections(&mut self, pairs: Vec<(String, String)>) {
        for (src, dst) in pairs {
            wait_for_port(&mut self.unrestored, src, dst);
        }
    }
}
