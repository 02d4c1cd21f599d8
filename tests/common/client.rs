//! In-process JACK clients on a named server (see the module docs of `common` for why they
//! are opened through libjack directly and one server per process).

use std::cell::Cell;
use std::ffi::{c_char, CString};
use std::marker::PhantomData;
use std::sync::{Mutex, MutexGuard, Once};

use jack::jack_sys as j;

use super::*;

/// Serialises opening, activating, deactivating and closing of the clients made here (libjack's
/// client open/close is not safe to run concurrently; the `jack` crate uses its own private lock
/// for the same reason, which `Client::from_raw` cannot take).
pub(super) static CLIENT_LIFECYCLE: Mutex<()> = Mutex::new(());

pub(super) fn lifecycle_lock() -> MutexGuard<'static, ()> {
    CLIENT_LIFECYCLE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Held by a [`JackServer`] for its whole life (see the module docs).
pub(super) static ONE_SERVER_PER_PROCESS: Mutex<()> = Mutex::new(());

thread_local! {
    static THREAD_HAS_SERVER: Cell<bool> = const { Cell::new(false) };
}

pub(super) struct ProcessServerLock {
    _guard: MutexGuard<'static, ()>,
}

impl ProcessServerLock {
    pub(super) fn acquire() -> ProcessServerLock {
        if THREAD_HAS_SERVER.with(|f| f.get()) {
            panic!(
                "only one JackServer per test process at a time (libjack keeps one server's state \
                 in process-wide globals); this thread already has one"
            );
        }
        let guard = ONE_SERVER_PER_PROCESS
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        THREAD_HAS_SERVER.with(|f| f.set(true));
        ProcessServerLock { _guard: guard }
    }
}

impl Drop for ProcessServerLock {
    fn drop(&mut self) {
        THREAD_HAS_SERVER.with(|f| f.set(false));
    }
}

pub(super) static LOGGING: Once = Once::new();

/// Routes libjack's messages to the `log` crate (silent in tests), as `jack::Client::new` does;
/// otherwise every failed connection attempt while polling for a server prints to stderr.
pub(super) fn init_jack_logging() {
    LOGGING.call_once(|| jack::set_logger(jack::LoggerType::Log));
}

type JackClientOpenFn = unsafe extern "C" fn(
    client_name: *const c_char,
    options: j::jack_options_t,
    status: *mut j::jack_status_t,
    ...
) -> *mut j::jack_client_t;

/// Opens a JACK client on the server called `server_name` (never starts a server). Private: use
/// [`JackServer::client`], which also guarantees the one-server-per-process rule.
///
/// `jack::Client::new` can't pass a server name (it calls `jack_client_open` without the variadic
/// argument), so this looks `jack_client_open` up in the libjack the `jack` crate loaded and calls
/// it with `JackServerName | JackNoStartServer` and the name, then wraps the pointer with
/// `jack::Client::from_raw`.
pub(super) fn open_client<'s>(
    server_name: &str,
    client_name: &str,
    options: jack::ClientOptions,
) -> Result<(TestClient<'s>, jack::ClientStatus), String> {
    init_jack_logging();
    let lib = j::library().map_err(|e| format!("cannot load libjack: {e}"))?;
    // SAFETY: the symbol has exactly this C signature:
    // jack_client_t *jack_client_open(const char *, jack_options_t, jack_status_t *, ...).
    let open: JackClientOpenFn = unsafe {
        *lib.get::<JackClientOpenFn>(b"jack_client_open\0")
            .map_err(|e| format!("jack_client_open not found: {e}"))?
    };
    let c_client = CString::new(client_name).map_err(|e| e.to_string())?;
    let c_server = CString::new(server_name).map_err(|e| e.to_string())?;
    let opts =
        (options | jack::ClientOptions::NO_START_SERVER | jack::ClientOptions::SERVER_NAME).bits();
    let mut status: j::jack_status_t = 0;
    let _guard = lifecycle_lock();
    // SAFETY: valid NUL-terminated strings that outlive the call; with JackServerName set,
    // libjack reads exactly one `const char *` variadic argument.
    let ptr = unsafe { open(c_client.as_ptr(), opts, &mut status, c_server.as_ptr()) };
    let status = jack::ClientStatus::from_bits_truncate(status);
    if ptr.is_null() {
        return Err(format!(
            "cannot open client {client_name:?} on JACK server {server_name:?}: {status:?}"
        ));
    }
    // SAFETY: a valid client pointer we own; jack::Client closes it on drop.
    let client = unsafe { jack::Client::from_raw(ptr) };
    Ok((
        TestClient {
            inner: Some(client),
            _server: PhantomData,
        },
        status,
    ))
}

/// An in-process `jack::Client` on a [`JackServer`] (which it cannot outlive); derefs to
/// `jack::Client`. Closed on drop (under the same lock as opening).
pub struct TestClient<'s> {
    inner: Option<jack::Client>,
    _server: PhantomData<&'s JackServer>,
}

impl std::ops::Deref for TestClient<'_> {
    type Target = jack::Client;
    fn deref(&self) -> &jack::Client {
        self.inner.as_ref().expect("client already consumed")
    }
}

impl<'s> TestClient<'s> {
    /// Activates the client (see `jack::Client::activate_async`).
    pub fn activate<N, P>(mut self, notifications: N, process: P) -> ActiveClient<'s, N, P>
    where
        N: 'static + Send + Sync + jack::NotificationHandler,
        P: 'static + Send + jack::ProcessHandler,
    {
        let client = self.inner.take().expect("client already consumed");
        let _guard = lifecycle_lock();
        match client.activate_async(notifications, process) {
            Ok(active) => ActiveClient {
                inner: Some(active),
                _server: PhantomData,
            },
            Err(e) => panic!("cannot activate JACK client: {e:?}"),
        }
    }
}

impl Drop for TestClient<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.inner.take() {
            let _guard = lifecycle_lock();
            drop(c);
        }
    }
}

/// An activated client; deactivated and closed on drop (under the lifecycle lock).
pub struct ActiveClient<'s, N, P> {
    inner: Option<jack::AsyncClient<N, P>>,
    _server: PhantomData<&'s JackServer>,
}

impl<N, P> ActiveClient<'_, N, P> {
    pub fn as_client(&self) -> &jack::Client {
        self.inner
            .as_ref()
            .expect("client already closed")
            .as_client()
    }

    /// Deactivates and closes the client now.
    pub fn close(&mut self) {
        if let Some(c) = self.inner.take() {
            let _guard = lifecycle_lock();
            drop(c);
        }
    }
}

impl<N, P> Drop for ActiveClient<'_, N, P> {
    fn drop(&mut self) {
        self.close();
    }
}
