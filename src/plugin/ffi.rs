//! The few lilv functions and LV2 C structures the plugin host uses, declared
//! by hand (no bindgen): lilv's C API has been stable since 0.24, and this
//! links Debian's `liblilv-0` directly.

#![allow(non_camel_case_types, missing_docs)]

use std::ffi::{c_char, c_void};

/// Opaque lilv types.
pub enum LilvWorld {}
pub enum LilvPlugin {}
pub enum LilvPlugins {}
pub enum LilvPort {}
pub enum LilvNode {}
pub enum LilvNodes {}
pub enum LilvState {}
/// An iterator position in a lilv collection.
pub type LilvIter = c_void;

/// `LV2_Feature`: a URI and its data.
#[repr(C)]
pub struct LV2_Feature {
    pub uri: *const c_char,
    pub data: *mut c_void,
}

/// `LV2_Descriptor`: a plugin's entry points.
#[repr(C)]
pub struct LV2_Descriptor {
    pub uri: *const c_char,
    pub instantiate: *const c_void,
    pub connect_port: unsafe extern "C" fn(*mut c_void, u32, *mut c_void),
    pub activate: Option<unsafe extern "C" fn(*mut c_void)>,
    pub run: unsafe extern "C" fn(*mut c_void, u32),
    pub deactivate: Option<unsafe extern "C" fn(*mut c_void)>,
    pub cleanup: unsafe extern "C" fn(*mut c_void),
    pub extension_data: Option<unsafe extern "C" fn(*const c_char) -> *const c_void>,
}

/// `LilvInstance` (public in lilv.h; its run/connect helpers are inline).
#[repr(C)]
pub struct LilvInstance {
    pub descriptor: *const LV2_Descriptor,
    pub handle: *mut c_void,
    pub pimpl: *mut c_void,
}

/// `LV2_URID_Map`.
#[repr(C)]
pub struct LV2_URID_Map {
    pub handle: *mut c_void,
    pub map: unsafe extern "C" fn(*mut c_void, *const c_char) -> u32,
}

/// `LV2_URID_Unmap`.
#[repr(C)]
pub struct LV2_URID_Unmap {
    pub handle: *mut c_void,
    pub unmap: unsafe extern "C" fn(*mut c_void, u32) -> *const c_char,
}

/// `LV2_Options_Option` (context 0 = instance).
#[repr(C)]
pub struct LV2_Options_Option {
    pub context: u32,
    pub subject: u32,
    pub key: u32,
    pub size: u32,
    pub type_: u32,
    pub value: *const c_void,
}

/// `LV2_Worker_Respond_Function`.
pub type RespondFn = unsafe extern "C" fn(*mut c_void, u32, *const c_void) -> u32;

/// `LV2_Worker_Schedule`.
#[repr(C)]
pub struct LV2_Worker_Schedule {
    pub handle: *mut c_void,
    pub schedule_work: unsafe extern "C" fn(*mut c_void, u32, *const c_void) -> u32,
}

/// `LV2_Worker_Interface`.
#[repr(C)]
pub struct LV2_Worker_Interface {
    pub work: unsafe extern "C" fn(*mut c_void, RespondFn, *mut c_void, u32, *const c_void) -> u32,
    pub work_response: unsafe extern "C" fn(*mut c_void, u32, *const c_void) -> u32,
    pub end_run: Option<unsafe extern "C" fn(*mut c_void) -> u32>,
}

/// `LV2_Atom`: size of the body, then its type.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct LV2_Atom {
    pub size: u32,
    pub type_: u32,
}

/// `LV2_Atom_Sequence_Body` header after the atom (unit, pad).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct LV2_Atom_Sequence {
    pub atom: LV2_Atom,
    pub unit: u32,
    pub pad: u32,
}

/// `LV2_Atom_Event` header: frame time, then an atom.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct LV2_Atom_Event {
    pub frames: i64,
    pub body: LV2_Atom,
}

/// `LilvSetPortValueFunc` / `LilvGetPortValueFunc` for state.
pub type SetPortValueFn = unsafe extern "C" fn(*const c_char, *mut c_void, *const c_void, u32, u32);
pub type GetPortValueFn =
    unsafe extern "C" fn(*const c_char, *mut c_void, *mut u32, *mut u32) -> *const c_void;

/// `LV2_WORKER_SUCCESS` and `LV2_WORKER_ERR_NO_SPACE`.
pub const WORKER_SUCCESS: u32 = 0;
pub const WORKER_ERR_NO_SPACE: u32 = 2;
/// `LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE`.
pub const STATE_FLAGS: u32 = 1 | 2;

#[link(name = "lilv-0")]
extern "C" {
    pub fn lilv_free(ptr: *mut c_void);
    pub fn lilv_world_new() -> *mut LilvWorld;
    pub fn lilv_world_free(world: *mut LilvWorld);
    pub fn lilv_world_load_all(world: *mut LilvWorld);
    pub fn lilv_world_get_all_plugins(world: *const LilvWorld) -> *const LilvPlugins;
    pub fn lilv_world_get(
        world: *mut LilvWorld,
        subject: *const LilvNode,
        predicate: *const LilvNode,
        object: *const LilvNode,
    ) -> *mut LilvNode;
    pub fn lilv_new_uri(world: *mut LilvWorld, uri: *const c_char) -> *mut LilvNode;
    pub fn lilv_node_free(node: *mut LilvNode);
    pub fn lilv_node_as_string(node: *const LilvNode) -> *const c_char;
    pub fn lilv_node_as_uri(node: *const LilvNode) -> *const c_char;
    pub fn lilv_node_is_uri(node: *const LilvNode) -> bool;

    pub fn lilv_plugins_begin(c: *const LilvPlugins) -> *mut LilvIter;
    pub fn lilv_plugins_next(c: *const LilvPlugins, i: *mut LilvIter) -> *mut LilvIter;
    pub fn lilv_plugins_is_end(c: *const LilvPlugins, i: *mut LilvIter) -> bool;
    pub fn lilv_plugins_get(c: *const LilvPlugins, i: *mut LilvIter) -> *const LilvPlugin;
    pub fn lilv_plugins_get_by_uri(
        c: *const LilvPlugins,
        uri: *const LilvNode,
    ) -> *const LilvPlugin;

    pub fn lilv_nodes_begin(c: *const LilvNodes) -> *mut LilvIter;
    pub fn lilv_nodes_next(c: *const LilvNodes, i: *mut LilvIter) -> *mut LilvIter;
    pub fn lilv_nodes_is_end(c: *const LilvNodes, i: *mut LilvIter) -> bool;
    pub fn lilv_nodes_get(c: *const LilvNodes, i: *mut LilvIter) -> *const LilvNode;
    pub fn lilv_nodes_free(c: *mut LilvNodes);

    pub fn lilv_plugin_get_uri(p: *const LilvPlugin) -> *const LilvNode;
    pub fn lilv_plugin_get_name(p: *const LilvPlugin) -> *mut LilvNode;
    pub fn lilv_plugin_get_num_ports(p: *const LilvPlugin) -> u32;
    pub fn lilv_plugin_get_port_by_index(p: *const LilvPlugin, index: u32) -> *const LilvPort;
    pub fn lilv_plugin_get_port_ranges_float(
        p: *const LilvPlugin,
        min: *mut f32,
        max: *mut f32,
        def: *mut f32,
    );
    pub fn lilv_plugin_get_required_features(p: *const LilvPlugin) -> *mut LilvNodes;
    pub fn lilv_plugin_has_feature(p: *const LilvPlugin, feature: *const LilvNode) -> bool;
    pub fn lilv_plugin_has_extension_data(p: *const LilvPlugin, uri: *const LilvNode) -> bool;
    pub fn lilv_plugin_instantiate(
        p: *const LilvPlugin,
        sample_rate: f64,
        features: *const *const LV2_Feature,
    ) -> *mut LilvInstance;
    pub fn lilv_instance_free(instance: *mut LilvInstance);

    pub fn lilv_port_get_symbol(p: *const LilvPlugin, port: *const LilvPort) -> *const LilvNode;
    pub fn lilv_port_get_name(p: *const LilvPlugin, port: *const LilvPort) -> *mut LilvNode;
    pub fn lilv_port_is_a(
        p: *const LilvPlugin,
        port: *const LilvPort,
        class: *const LilvNode,
    ) -> bool;
    pub fn lilv_port_has_property(
        p: *const LilvPlugin,
        port: *const LilvPort,
        property: *const LilvNode,
    ) -> bool;
    pub fn lilv_port_supports_event(
        p: *const LilvPlugin,
        port: *const LilvPort,
        event: *const LilvNode,
    ) -> bool;
    pub fn lilv_port_get(
        p: *const LilvPlugin,
        port: *const LilvPort,
        predicate: *const LilvNode,
    ) -> *mut LilvNode;

    pub fn lilv_state_new_from_instance(
        p: *const LilvPlugin,
        instance: *mut LilvInstance,
        map: *mut LV2_URID_Map,
        scratch_dir: *const c_char,
        copy_dir: *const c_char,
        link_dir: *const c_char,
        save_dir: *const c_char,
        get_value: GetPortValueFn,
        user_data: *mut c_void,
        flags: u32,
        features: *const *const LV2_Feature,
    ) -> *mut LilvState;
    pub fn lilv_state_new_from_world(
        world: *mut LilvWorld,
        map: *mut LV2_URID_Map,
        subject: *const LilvNode,
    ) -> *mut LilvState;
    pub fn lilv_state_new_from_string(
        world: *mut LilvWorld,
        map: *mut LV2_URID_Map,
        text: *const c_char,
    ) -> *mut LilvState;
    pub fn lilv_state_to_string(
        world: *mut LilvWorld,
        map: *mut LV2_URID_Map,
        unmap: *mut LV2_URID_Unmap,
        state: *const LilvState,
        uri: *const c_char,
        base_uri: *const c_char,
    ) -> *mut c_char;
    pub fn lilv_state_restore(
        state: *const LilvState,
        instance: *mut LilvInstance,
        set_value: SetPortValueFn,
        user_data: *mut c_void,
        flags: u32,
        features: *const *const LV2_Feature,
    );
    pub fn lilv_state_free(state: *mut LilvState);
}

/// Copies a C string owned by lilv into a `String` (empty for null).
///
/// # Safety
/// `s` is null or a valid NUL-terminated string.
pub unsafe fn to_string(s: *const c_char) -> String {
    if s.is_null() {
        return String::new();
    }
    std::ffi::CStr::from_ptr(s).to_string_lossy().into_owned()
}
