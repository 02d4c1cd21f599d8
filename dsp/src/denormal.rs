//! Flush-to-zero while processing, so denormals cannot slow filters down.

/// Sets the CPU's flush-to-zero and denormals-are-zero modes while alive,
/// restoring the previous mode on drop. On a thread that is already in that
/// mode (see [`flush_denormals_on_this_thread`]) it only reads the control
/// register: writing it stalls the pipeline, and a graph enters this mode
/// once per block.
pub struct FlushDenormals {
    #[cfg(target_arch = "x86_64")]
    saved: u32,
}

/// The MXCSR bits of flush-to-zero (15) and denormals-are-zero (6).
#[cfg(target_arch = "x86_64")]
const FTZ_DAZ: u32 = 0x8040;

/// Puts the calling thread in flush-to-zero and denormals-are-zero mode for
/// good (render threads call it once when they start); every
/// [`FlushDenormals`] on the thread then does nothing. Code that clears the
/// mode afterwards (a plugin) makes denormals slow on this thread again.
pub fn flush_denormals_on_this_thread() {
    std::mem::forget(FlushDenormals::new());
    #[cfg(target_arch = "x86_64")]
    FLUSHING.with(|f| f.set(true));
}

#[cfg(target_arch = "x86_64")]
thread_local! {
    /// Set by [`flush_denormals_on_this_thread`]: the mode is on for good, so
    /// [`FlushDenormals`] need not even read the control register (a slow,
    /// microcoded instruction).
    static FLUSHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(target_arch = "x86_64")]
impl FlushDenormals {
    /// Enters FTZ/DAZ mode.
    #[inline]
    pub fn new() -> Self {
        if FLUSHING.with(|f| f.get()) {
            return FlushDenormals { saved: FTZ_DAZ };
        }
        let mut saved: u32 = 0;
        // SAFETY: stmxcsr/ldmxcsr only read and write the SSE control register;
        // bits 15 (FTZ) and 6 (DAZ) change rounding of denormals, nothing else.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut saved, options(nostack));
            if saved & FTZ_DAZ != FTZ_DAZ {
                let new = saved | FTZ_DAZ;
                std::arch::asm!("ldmxcsr [{}]", in(reg) &new, options(nostack));
            }
        }
        FlushDenormals { saved }
    }
}

#[cfg(target_arch = "x86_64")]
impl Drop for FlushDenormals {
    #[inline]
    fn drop(&mut self) {
        if self.saved & FTZ_DAZ != FTZ_DAZ {
            // SAFETY: restores the value read in `new`.
            unsafe {
                std::arch::asm!("ldmxcsr [{}]", in(reg) &self.saved, options(nostack));
            }
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
impl FlushDenormals {
    /// No-op on this architecture; filters add no denormal-prone feedback here.
    #[inline]
    pub fn new() -> Self {
        FlushDenormals {}
    }
}

impl Default for FlushDenormals {
    fn default() -> Self {
        Self::new()
    }
}
