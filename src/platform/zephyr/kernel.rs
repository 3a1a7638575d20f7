//! The kernel services the platform needs: the engine's mutex and condition variable, the OCPP
//! thread, uptime and sleep. A C application gets them from the C port (port.c: Zephyr's
//! `K_MUTEX_DEFINE`, `k_thread_create` and friends are macros and inline syscalls). A
//! zephyr-lang-rust application (feature `zephyr-lang-rust`) gets them from the crate
//! `zephyr-ocpp-kernel` (src/platform/zephyr/kernel), built on the `zephyr` crate: the
//! declarations below are resolved at link time, as `critical-section` does it, so this crate
//! needs no Cargo dependency on `zephyr` (which only exists inside a Zephyr build).

/// `entry(arg)` runs on the OCPP thread.
pub type Entry = extern "C" fn(*mut core::ffi::c_void);

#[cfg(not(feature = "zephyr-lang-rust"))]
mod imp {
    use super::super::port;
    use super::Entry;

    pub fn lock() {
        // SAFETY: plain call into the C port.
        unsafe { port::ocpp_port_lock() }
    }
    pub fn unlock() {
        // SAFETY: plain call into the C port (the caller holds the lock).
        unsafe { port::ocpp_port_unlock() }
    }
    pub fn wait(timeout_ms: i32) -> bool {
        // SAFETY: plain call into the C port (the caller holds the lock).
        unsafe { port::ocpp_port_wait(timeout_ms) == 0 }
    }
    pub fn notify_all() {
        // SAFETY: plain call into the C port.
        unsafe { port::ocpp_port_notify_all() }
    }
    pub fn start_thread(entry: Entry, arg: *mut core::ffi::c_void) -> bool {
        // SAFETY: the caller passes what `entry` expects.
        unsafe { port::ocpp_port_start_thread(Some(entry), arg) == 0 }
    }
    pub fn join_thread(timeout_ms: i32) -> bool {
        // SAFETY: plain call into the C port.
        unsafe { port::ocpp_port_join_thread(timeout_ms) == 0 }
    }
    pub fn on_ocpp_thread() -> bool {
        // SAFETY: plain call into the C port.
        unsafe { port::ocpp_port_on_ocpp_thread() }
    }
    pub fn uptime_ms() -> i64 {
        // SAFETY: plain call into the C port.
        unsafe { port::ocpp_port_uptime_ms() }
    }
    pub fn sleep_ms(ms: i32) {
        // SAFETY: plain call into the C port.
        unsafe { port::ocpp_port_sleep_ms(ms) }
    }
}

#[cfg(feature = "zephyr-lang-rust")]
mod imp {
    use super::Entry;

    // Defined by zephyr-ocpp-kernel (src/platform/zephyr/kernel/src/lib.rs), same signatures.
    extern "Rust" {
        fn zephyr_ocpp_kernel_lock();
        fn zephyr_ocpp_kernel_unlock();
        fn zephyr_ocpp_kernel_wait(timeout_ms: i32) -> bool;
        fn zephyr_ocpp_kernel_notify_all();
        fn zephyr_ocpp_kernel_start_thread(entry: Entry, arg: usize) -> bool;
        fn zephyr_ocpp_kernel_join_thread(timeout_ms: i32) -> bool;
        fn zephyr_ocpp_kernel_on_ocpp_thread() -> bool;
        fn zephyr_ocpp_kernel_uptime_ms() -> i64;
        fn zephyr_ocpp_kernel_sleep_ms(ms: i32);
    }

    pub fn lock() {
        // SAFETY: safe function of zephyr-ocpp-kernel, declared with its signature.
        unsafe { zephyr_ocpp_kernel_lock() }
    }
    pub fn unlock() {
        // SAFETY: as in `lock` (the caller holds the lock).
        unsafe { zephyr_ocpp_kernel_unlock() }
    }
    pub fn wait(timeout_ms: i32) -> bool {
        // SAFETY: as in `lock` (the caller holds the lock).
        unsafe { zephyr_ocpp_kernel_wait(timeout_ms) }
    }
    pub fn notify_all() {
        // SAFETY: as in `lock`.
        unsafe { zephyr_ocpp_kernel_notify_all() }
    }
    pub fn start_thread(entry: Entry, arg: *mut core::ffi::c_void) -> bool {
        // SAFETY: as in `lock`; the address goes to `entry` unchanged.
        unsafe { zephyr_ocpp_kernel_start_thread(entry, arg as usize) }
    }
    pub fn join_thread(timeout_ms: i32) -> bool {
        // SAFETY: as in `lock`.
        unsafe { zephyr_ocpp_kernel_join_thread(timeout_ms) }
    }
    pub fn on_ocpp_thread() -> bool {
        // SAFETY: as in `lock`.
        unsafe { zephyr_ocpp_kernel_on_ocpp_thread() }
    }
    pub fn uptime_ms() -> i64 {
        // SAFETY: as in `lock`.
        unsafe { zephyr_ocpp_kernel_uptime_ms() }
    }
    pub fn sleep_ms(ms: i32) {
        // SAFETY: as in `lock`.
        unsafe { zephyr_ocpp_kernel_sleep_ms(ms) }
    }
}

pub use imp::*;
