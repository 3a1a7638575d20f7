//! zephyr-ocpp's kernel services in a zephyr-lang-rust application: the functions the platform
//! layer (`ocpp::platform::zephyr`, feature `zephyr-lang-rust`) declares and calls, built on the
//! `zephyr` crate. An application links them by naming this crate once:
//! `use zephyr_ocpp_kernel as _;`. It re-exports the library as [`ocpp`].
//!
//! `zephyr::sys::sync::Condvar` has no timed wait, so the engine's mutex and condition variable
//! are the `zephyr` crate's kernel objects (`ZephyrObject`) driven through `zephyr::raw`
//! (zephyr-sys); the thread is a `#[zephyr::thread]` with the stack size of
//! CONFIG_OCPP_INT_THREAD_STACKSIZE + CONFIG_OCPP_WSREADER_THREAD_STACKSIZE (zephyr::kconfig).
#![no_std]

pub use ocpp;

use core::cell::UnsafeCell;
use core::ffi::c_void;
use core::sync::atomic::{AtomicPtr, Ordering};

use zephyr::object::ZephyrObject;
use zephyr::raw::{k_condvar, k_mutex, k_thread};
use zephyr::thread::RunningThread;
use zephyr::time::{Duration, Forever, Timeout};

/// The platform's `kernel::Entry`.
type Entry = extern "C" fn(*mut c_void);

/// The engine's lock and its condition (the C port's `engine_lock` and `engine_changed`).
struct EngineLock {
    mutex: ZephyrObject<k_mutex>,
    changed: ZephyrObject<k_condvar>,
}

// SAFETY: Zephyr's kernel objects are made to be shared between threads; ZephyrObject
// initializes each once, on first use, under its own atomic state.
unsafe impl Sync for EngineLock {}

static ENGINE: EngineLock = EngineLock {
    mutex: ZephyrObject::new_raw(),
    changed: ZephyrObject::new_raw(),
};

/// The OCPP thread, once it runs (for on_ocpp_thread).
static OCPP_THREAD: AtomicPtr<k_thread> = AtomicPtr::new(core::ptr::null_mut());

/// The started OCPP thread, for join.
struct Running(UnsafeCell<Option<RunningThread>>);

// SAFETY: only start_thread and join_thread touch it, and the platform calls them in turn
// (`ZephyrChargePoint::launch`, then `shutdown`), never at once.
unsafe impl Sync for Running {}

static RUNNING: Running = Running(UnsafeCell::new(None));

const OCPP_STACK: usize = zephyr::kconfig::CONFIG_OCPP_INT_THREAD_STACKSIZE as usize
    + zephyr::kconfig::CONFIG_OCPP_WSREADER_THREAD_STACKSIZE as usize;

fn millis(ms: i32) -> Timeout {
    Duration::millis(u64::try_from(ms).unwrap_or(0)).into()
}

#[no_mangle]
fn zephyr_ocpp_kernel_lock() {
    // SAFETY: ENGINE is a static, so the object never moves after its first `get`.
    let _ = unsafe { zephyr::raw::k_mutex_lock(ENGINE.mutex.get(), Timeout::from(Forever).0) };
}

#[no_mangle]
fn zephyr_ocpp_kernel_unlock() {
    // SAFETY: as in lock; the caller holds the mutex.
    let _ = unsafe { zephyr::raw::k_mutex_unlock(ENGINE.mutex.get()) };
}

#[no_mangle]
fn zephyr_ocpp_kernel_wait(timeout_ms: i32) -> bool {
    // SAFETY: as in lock; the caller holds the mutex, which k_condvar_wait releases and retakes.
    unsafe {
        zephyr::raw::k_condvar_wait(
            ENGINE.changed.get(),
            ENGINE.mutex.get(),
            millis(timeout_ms).0,
        ) == 0
    }
}

#[no_mangle]
fn zephyr_ocpp_kernel_notify_all() {
    // SAFETY: as in lock.
    let _ = unsafe { zephyr::raw::k_condvar_broadcast(ENGINE.changed.get()) };
}

/// The OCPP thread's body: records itself, then runs the platform's loop.
#[zephyr::thread(stack_size = OCPP_STACK)]
fn ocpp_thread(entry: Entry, arg: usize) {
    // SAFETY: plain syscall.
    OCPP_THREAD.store(unsafe { zephyr::raw::k_current_get() }, Ordering::Release);
    entry(arg as *mut c_void);
}

#[no_mangle]
fn zephyr_ocpp_kernel_start_thread(entry: Entry, arg: usize) -> bool {
    // The platform joins a thread before it starts the next, so the macro's pool of one always
    // has room.
    let thread = ocpp_thread(entry, arg);
    thread.set_priority(7);
    let running = thread.start();
    // SAFETY: see `Running`.
    unsafe { *RUNNING.0.get() = Some(running) };
    true
}

#[no_mangle]
fn zephyr_ocpp_kernel_join_thread(timeout_ms: i32) -> bool {
    // SAFETY: see `Running`.
    let running = unsafe { &mut *RUNNING.0.get() };
    let done = running
        .as_ref()
        .is_none_or(|thread| thread.join_timeout(millis(timeout_ms)).is_ok());
    if done {
        *running = None;
        OCPP_THREAD.store(core::ptr::null_mut(), Ordering::Release);
    }
    done
}

#[no_mangle]
fn zephyr_ocpp_kernel_on_ocpp_thread() -> bool {
    // SAFETY: plain syscall.
    let current = unsafe { zephyr::raw::k_current_get() };
    current == OCPP_THREAD.load(Ordering::Acquire)
}

#[no_mangle]
fn zephyr_ocpp_kernel_uptime_ms() -> i64 {
    zephyr::sys::uptime_get()
}

#[no_mangle]
fn zephyr_ocpp_kernel_sleep_ms(ms: i32) {
    let _ = zephyr::time::sleep(Duration::millis(u64::try_from(ms).unwrap_or(0)));
}
