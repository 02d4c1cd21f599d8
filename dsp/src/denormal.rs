//! Flush-to-zero while processing, so denormals cannot slow filters down.

/// Sets the CPU's flush-to-zero and denormals-are-zero modes while alive,
/// restoring the previous mode on drop.
pub struct FlushDenormals {
    #[cfg(target_arch = "x86_64")]
    saved: u32,
}

#[cfg(target_arch = "x86_64")]
impl FlushDenormals {
    /// Enters FTZ/DAZ mode.
    #[inline]
    pub fn new() -> Self {
        let mut saved: u32 = 0;
        // SAFETY: stmxcsr/ldmxcsr only read and write the SSE control register;
        // bits 15 (FTZ) and 6 (DAZ) change rounding of denormals, nothing else.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut saved, options(nostack));
            let new = saved | 0x8040;
            std::arch::asm!("ldmxcsr [{}]", in(reg) &new, options(nostack));
        }
        FlushDenormals { saved }
    }
}

#[cfg(target_arch = "x86_64")]
impl Drop for FlushDenormals {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: restores the value read in `new`.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &self.saved, options(nostack));
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
