//! Plugin state beside a patch file: `/patch/save` writes, for each plugin
//! module whose plugin offers the LV2 state extension, `NAME.lv2state/ID.ttl`
//! (control port values are in the patch text itself); `/patch/load` stages
//! those files, and the module built with that id and URI restores them
//! right after instantiation.

use super::ffi::*;
use super::instance::{instantiation, playing, Instance};
use super::module::PREFIX;
use super::world::world;
use crate::files::FileError;
use std::collections::HashMap;
use std::ffi::{c_char, c_void, CString};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::*;
use std::sync::Mutex;

/// State to restore, by module id: (plugin URI, Turtle text).
static STAGED: Mutex<Option<HashMap<String, (String, String)>>> = Mutex::new(None);

/// The directory of plugin states beside `patch` (`x.patch` -> `x.lv2state`).
pub fn dir_for(patch: &Path) -> PathBuf {
    patch.with_extension("lv2state")
}

unsafe extern "C" fn no_port_value(
    _: *const c_char,
    _: *mut c_void,
    _: *mut u32,
    _: *mut u32,
) -> *const c_void {
    std::ptr::null()
}

unsafe extern "C" fn ignore_port_value(
    _: *const c_char,
    _: *mut c_void,
    _: *const c_void,
    _: u32,
    _: u32,
) {
}

/// The state of the playing instance of module `id` as Turtle, or None when
/// its plugin has no state extension (or no instance plays).
pub fn save_one(id: &str, uri: &str) -> Result<Option<String>, String> {
    let w = world();
    let Some(info) = w.info(uri) else {
        return Ok(None);
    };
    if !info.has_state {
        return Ok(None);
    }
    let Some(shared) = playing(id) else {
        return Ok(None);
    };
    let plugin = w
        .plugin(uri)
        .ok_or_else(|| format!("unknown plugin {uri}"))?;
    let _g = instantiation();
    let raw = shared.raw.load(Acquire);
    if raw.is_null() {
        return Ok(None);
    }
    let subject = CString::new(format!("urn:synth-jack:state:{id}")).expect("no NUL");
    // SAFETY: the instance stays alive while the instantiation lock is held;
    // LV2 allows save() beside run().
    unsafe {
        let st = lilv_state_new_from_instance(
            plugin,
            raw,
            super::features::map_ptr(),
            std::ptr::null(),
            std::ptr::null(),
            std::ptr::null(),
            std::ptr::null(),
            no_port_value,
            std::ptr::null_mut(),
            STATE_FLAGS,
            std::ptr::null(),
        );
        if st.is_null() {
            return Err(format!("{id}: the plugin did not save its state"));
        }
        let text = lilv_state_to_string(
            w.world,
            super::features::map_ptr(),
            super::features::unmap_ptr(),
            st,
            subject.as_ptr(),
            std::ptr::null(),
        );
        lilv_state_free(st);
        if text.is_null() {
            return Err(format!("{id}: cannot serialise the plugin state"));
        }
        let s = to_string(text);
        lilv_free(text.cast());
        Ok(Some(s))
    }
}

/// Writes the state of every plugin module of `patch` into the directory
/// beside `patch_file`. Returns how many states were written.
pub fn save_beside(patch_file: &Path, patch: &dsp::Patch) -> Result<usize, FileError> {
    let dir = dir_for(patch_file);
    let mut n = 0;
    for m in &patch.modules {
        let Some(uri) = m.kind.strip_prefix(PREFIX) else {
            continue;
        };
        if let Some(text) = save_one(&m.id, uri).map_err(FileError::PluginState)? {
            let io = |p: &Path, e| FileError::PluginState(format!("{}: {e}", p.display()));
            std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
            let f = dir.join(format!("{}.ttl", m.id));
            std::fs::write(&f, text).map_err(|e| io(&f, e))?;
            n += 1;
        }
    }
    Ok(n)
}

/// Stages the states saved beside `patch_file` for the plugin modules of
/// `patch`; the next instance built with each id restores it.
/// Returns how many were found.
pub fn load_beside(patch_file: &Path, patch: &dsp::Patch) -> usize {
    let dir = dir_for(patch_file);
    let mut staged = STAGED.lock().unwrap_or_else(|e| e.into_inner());
    let map = staged.get_or_insert_with(HashMap::new);
    map.clear();
    for m in &patch.modules {
        let Some(uri) = m.kind.strip_prefix(PREFIX) else {
            continue;
        };
        if let Ok(text) = std::fs::read_to_string(dir.join(format!("{}.ttl", m.id))) {
            map.insert(m.id.clone(), (uri.to_string(), text));
        }
    }
    map.len()
}

/// Whether a loaded state waits for an instance of module `id`.
pub fn is_staged(id: &str) -> bool {
    let staged = STAGED.lock().unwrap_or_else(|e| e.into_inner());
    staged.as_ref().is_some_and(|m| m.contains_key(id))
}

/// Restores (once) the staged state for `inst`'s module id and URI, or else the
/// plugin's default state (`state:loadDefaultState`), if any (control
/// thread, before activation).
pub(crate) fn restore_staged(w: &super::world::World, inst: &Instance) {
    let text = {
        let mut staged = STAGED.lock().unwrap_or_else(|e| e.into_inner());
        let m = staged.get_or_insert_with(HashMap::new);
        match m.get(&inst.shared.id) {
            Some((uri, _)) if *uri == inst.info.uri => m.remove(&inst.shared.id).map(|(_, t)| t),
            _ => None,
        }
    };
    let default_state = "http://lv2plug.in/ns/ext/state#loadDefaultState";
    if text.is_none() && !inst.info.required.iter().any(|r| r == default_state) {
        return;
    }
    let from_file = text.is_some();
    let (raw, features) = inst.raw();
    let map = super::features::map_ptr();
    let _g = instantiation();
    // SAFETY: a fresh instance not yet run anywhere; the state is freed here.
    unsafe {
        let st = match text.and_then(|t| CString::new(t).ok()) {
            Some(c) => lilv_state_new_from_string(w.world, map, c.as_ptr()),
            None => lilv_state_new_from_world(w.world, map, w.uri(&inst.info.uri).0),
        };
        if st.is_null() {
            log::warn!("{}: plugin state unreadable", inst.shared.id);
            return;
        }
        lilv_state_restore(
            st,
            raw,
            ignore_port_value,
            std::ptr::null_mut(),
            0,
            features,
        );
        lilv_state_free(st);
    }
    if from_file {
        log::info!("{}: plugin state restored", inst.shared.id);
    }
}
