//! OSCQuery: an HTTP server (tiny_http, on its own thread) that describes
//! the OSC address space as JSON per the OSCQuery proposal, so tools such
//! as ossia score, Chataigne or TouchOSC can discover what synth-jack
//! offers. `GET /` is the whole tree, `GET /mod/osc1` one node,
//! `GET /mod/osc1/freq?RANGE` one attribute, `GET /?HOST_INFO` the server.
//!
//! The control thread [`OscQuery::publish`]es the tree after commits and
//! live changes; the HTTP thread only reads the latest one.

pub mod json;
pub mod tree;

use crate::control::Control;
use json::Json;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Attributes a node may be asked for with `?ATTR`.
pub const ATTRIBUTES: &[&str] = &[
    "FULL_PATH",
    "CONTENTS",
    "TYPE",
    "VALUE",
    "RANGE",
    "ACCESS",
    "DESCRIPTION",
    "UNIT",
];
/// How often the tree is compared with the playing patch.
const PUBLISH_EVERY: Duration = Duration::from_millis(100);

type Shared = Arc<Mutex<Arc<Json>>>;

/// The running OSCQuery server.
pub struct OscQuery {
    tree: Shared,
    name: String,
    /// The patch the tree shows.
    shown: Option<dsp::Patch>,
    last: Instant,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    local: SocketAddr,
}

impl OscQuery {
    /// Serves on `bind`:`port` (`None`: the OSC port + 1, or any free port
    /// if that is taken) describing the OSC server at `osc`; `Some(0)`
    /// disables it (returns `Ok(None)`).
    pub fn start(
        name: &str,
        bind: &str,
        port: Option<u16>,
        osc: SocketAddr,
    ) -> Result<Option<OscQuery>, String> {
        let server = match port {
            Some(0) => return Ok(None),
            Some(p) => tiny_http::Server::http((bind, p))
                .map_err(|e| format!("cannot serve OSCQuery on {bind}:{p}: {e}"))?,
            None => {
                let want = osc.port().wrapping_add(1);
                match tiny_http::Server::http((bind, want)) {
                    Ok(s) => s,
                    Err(e) => {
                        log::warn!("OSCQuery: port {want} is not free ({e}); using another");
                        tiny_http::Server::http((bind, 0))
                            .map_err(|e| format!("cannot serve OSCQuery on {bind}: {e}"))?
                    }
                }
            }
        };
        let local = server
            .server_addr()
            .to_ip()
            .ok_or("OSCQuery: not an IP socket")?;
        let host_info = Json::obj([
            ("NAME", Json::str(name)),
            ("OSC_IP", Json::str(osc.ip().to_string())),
            ("OSC_PORT", Json::Int(osc.port() as i64)),
            ("OSC_TRANSPORT", Json::str("UDP")),
            (
                "EXTENSIONS",
                Json::obj(
                    [
                        ("ACCESS", true),
                        ("VALUE", true),
                        ("RANGE", true),
                        ("DESCRIPTION", true),
                        ("UNIT", true),
                        ("TAGS", false),
                        ("CLIPMODE", false),
                        ("LISTEN", false),
                        ("PATH_CHANGED", false),
                    ]
                    .map(|(k, v)| (k, Json::Bool(v))),
                ),
            ),
        ])
        .to_text();
        let empty = tree::namespace(name, &dsp::Patch::new(), &crate::registry());
        let tree: Shared = Arc::new(Mutex::new(Arc::new(empty)));
        let stop = Arc::new(AtomicBool::new(false));
        let (t2, s2) = (tree.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("oscquery".into())
            .spawn(move || serve(server, t2, host_info, s2))
            .map_err(|e| format!("cannot start the OSCQuery thread: {e}"))?;
        log::info!("OSCQuery on http://{local}/");
        Ok(Some(OscQuery {
            tree,
            name: name.to_string(),
            shown: None,
            last: Instant::now(),
            stop,
            thread: Some(thread),
            local,
        }))
    }

    /// The address it serves on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Rebuilds the tree when the playing patch (modules, values) changed;
    /// looks at most every 100 ms.
    pub fn publish(&mut self, control: &Control) {
        if self.last.elapsed() < PUBLISH_EVERY {
            return;
        }
        self.last = Instant::now();
        let now = control.committed();
        if self.shown.as_ref() == Some(now) {
            return;
        }
        let t = Arc::new(tree::namespace(&self.name, now, control.registry()));
        *self.tree.lock().unwrap_or_else(|e| e.into_inner()) = t;
        self.shown = Some(now.clone());
    }

    /// Stops the HTTP thread.
    pub fn stop(&mut self) {
        self.stop.store(true, Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for OscQuery {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Status and body for `GET url`.
pub fn answer(root: &Json, host_info: &str, url: &str) -> (u16, String) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    // Requests may append other parameters (`?VALUE&x=1`); the first counts.
    let query = query.split('&').next().unwrap_or("");
    if query == "HOST_INFO" {
        return (200, host_info.to_string());
    }
    let Some(node) = tree::find(root, path) else {
        return (404, format!("{{\"ERROR\":\"no OSC address {path}\"}}"));
    };
    if query.is_empty() {
        return (200, node.to_text());
    }
    if !ATTRIBUTES.contains(&query) {
        return (400, format!("{{\"ERROR\":\"unknown attribute {query}\"}}"));
    }
    match node.get(query) {
        Some(v) => (200, Json::obj([(query, v.clone())]).to_text()),
        None => (204, String::new()),
    }
}

fn serve(server: tiny_http::Server, tree: Shared, host_info: String, stop: Arc<AtomicBool>) {
    let json =
        tiny_http::Header::from_bytes("Content-Type", "application/json").expect("a valid header");
    while !stop.load(Acquire) {
        let req = match server.recv_timeout(Duration::from_millis(50)) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(e) => {
                log::warn!("OSCQuery: {e}");
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let root = tree.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let (code, body) = if *req.method() == tiny_http::Method::Get {
            answer(&root, &host_info, req.url())
        } else {
            (405, "{\"ERROR\":\"only GET is served\"}".to_string())
        };
        let resp = tiny_http::Response::from_string(body)
            .with_status_code(code)
            .with_header(json.clone());
        if let Err(e) = req.respond(resp) {
            log::debug!("OSCQuery: cannot answer: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_nodes_attributes_host_info_and_errors() {
        let root = tree::namespace("sj", &dsp::Patch::new(), &crate::registry());
        let (code, body) = answer(&root, "{\"NAME\":\"sj\"}", "/?HOST_INFO");
        assert_eq!((code, body.as_str()), (200, "{\"NAME\":\"sj\"}"));
        let (code, body) = answer(&root, "", "/patch/commit?FULL_PATH");
        assert_eq!(
            (code, body.as_str()),
            (200, "{\"FULL_PATH\":\"/patch/commit\"}")
        );
        assert_eq!(answer(&root, "", "/patch/commit?VALUE").0, 204);
        assert_eq!(answer(&root, "", "/patch/commit?NOPE").0, 400);
        assert_eq!(answer(&root, "", "/mod/nosuch").0, 404);
        assert_eq!(answer(&root, "", "/").1, root.to_text());
    }
}
