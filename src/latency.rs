//! Reports synth-jack's added latency (`lead` periods) to JACK, so hosts can
//! compensate. JACK asks through a latency callback whenever the graph
//! changes; each output's playback latency is what lies downstream of it
//! plus our lead. (The jack crate has no wrapper for this callback.)

use crate::rt::shared::Shared;
use jack::jack_sys as j;
use std::sync::Arc;

/// What the callback needs; boxed and kept alive by the engine while the
/// client exists.
pub struct LatencyReporter {
    client: *mut j::jack_client_t,
    ports: Vec<*mut j::jack_port_t>,
    shared: Arc<Shared>,
}

// SAFETY: the pointers are only used through libjack, which is thread-safe for
// these calls; the reporter lives as long as the client.
unsafe impl Send for LatencyReporter {}

impl LatencyReporter {
    /// Registers the callback for `ports` of `client` (before activation).
    pub fn install(
        client: &jack::Client,
        ports: &[jack::Port<jack::AudioOut>],
        shared: Arc<Shared>,
    ) -> Box<LatencyReporter> {
        let mut r = Box::new(LatencyReporter {
            client: client.raw(),
            ports: ports.iter().map(|p| p.raw()).collect(),
            shared,
        });
        let arg = &mut *r as *mut LatencyReporter as *mut libc::c_void;
        // SAFETY: `r` outlives the client (the engine drops it after deactivation).
        let rc = unsafe { j::jack_set_latency_callback(client.raw(), Some(on_latency), arg) };
        if rc != 0 {
            log::warn!(
                "cannot install the latency callback (rc {rc}); JACK will not know our latency"
            );
        }
        r
    }

    /// Asks JACK to recompute latencies (after a buffer-size change).
    pub fn recompute(&self) {
        // SAFETY: plain libjack call on a live client.
        unsafe {
            j::jack_recompute_total_latencies(self.client);
        }
    }
}

/// Largest playback latency range among the ports `port` connects to.
unsafe fn downstream(client: *mut j::jack_client_t, port: *mut j::jack_port_t) -> (u32, u32) {
    let names = j::jack_port_get_all_connections(client, port);
    if names.is_null() {
        return (0, 0);
    }
    let (mut lo, mut hi) = (u32::MAX, 0u32);
    let mut i = 0;
    loop {
        let name = *names.add(i);
        if name.is_null() {
            break;
        }
        let other = j::jack_port_by_name(client, name);
        if !other.is_null() {
            let mut r = j::jack_latency_range_t { min: 0, max: 0 };
            j::jack_port_get_latency_range(other, j::JackPlaybackLatency, &mut r);
            lo = lo.min(r.min);
            hi = hi.max(r.max);
        }
        i += 1;
    }
    j::jack_free(names as *mut libc::c_void);
    if lo == u32::MAX {
        (0, 0)
    } else {
        (lo, hi)
    }
}

unsafe extern "C" fn on_latency(mode: j::jack_latency_callback_mode_t, arg: *mut libc::c_void) {
    let r = &*(arg as *const LatencyReporter);
    let lead = r.shared.lead_frames() as u32;
    for &p in &r.ports {
        let mut range = if mode == j::JackPlaybackLatency {
            let (lo, hi) = downstream(r.client, p);
            j::jack_latency_range_t {
                min: lo + lead,
                max: hi + lead,
            }
        } else {
            // No inputs: nothing upstream of our outputs.
            j::jack_latency_range_t { min: 0, max: 0 }
        };
        j::jack_port_set_latency_range(p, mode, &mut range);
    }
}
