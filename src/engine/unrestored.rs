//! Connections to restore after a reconnect whose port is not there yet:
//! kept, bounded, and made when the port appears.

/// Most connections kept waiting for their port to appear.
pub const MAX_UNRESTORED: usize = 256;

/// Keeps `src -> dst` in `list` to be made when `dst` appears (at most
/// [`MAX_UNRESTORED`], oldest dropped).
pub(super) fn wait_for_port(list: &mut Vec<(String, String)>, src: String, dst: String) {
    if list.iter().any(|(s, d)| *s == src && *d == dst) {
        return;
    }
    if list.len() >= MAX_UNRESTORED {
        list.remove(0);
    }
    list.push((src, dst));
}
