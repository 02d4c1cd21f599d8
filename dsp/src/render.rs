//! Offline rendering (filled in below).
