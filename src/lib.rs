//! zephyr-ocpp: an OCPP 1.6J charge-point library for microcontrollers.
//!
//! Three rooms (see `../shared/design.md`):
//! - [`engine`]: the sans-IO charge-point state machine (frames, time and commands in; frames,
//!   events and deadlines out). No sockets, threads, clocks or allocator.
//! - `ffi`: Zephyr's C API (`<zephyr/net/ocpp.h>`) on top of a platform.
//! - `platform`: IO only (`host` with feature `std`, `zephyr` on the RTOS).
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_op_in_unsafe_fn)]

/// Compile-time capacities (Kconfig on Zephyr, defaults on the host).
pub mod capacity {
    include!(concat!(env!("OUT_DIR"), "/capacity.rs"));
}

// cbindgen builds include/zephyr/net/ocpp.h from `ffi` alone: the `cbindgen:ignore` lines keep
// it out of the other modules (it cannot parse heapless types such as `Vec<T, N>`).
/// cbindgen:ignore
pub mod cistring;
/// cbindgen:ignore
pub mod codec;
/// cbindgen:ignore
pub mod datetime;
/// cbindgen:ignore
pub mod engine;
pub mod ffi;
/// cbindgen:ignore
pub mod json;
/// cbindgen:ignore
pub mod messages;
/// cbindgen:ignore
#[cfg(any(feature = "std", feature = "zephyr"))]
pub mod platform;
/// cbindgen:ignore
pub mod rpc;
/// cbindgen:ignore
#[cfg(feature = "selftest")]
pub mod selftest;
/// cbindgen:ignore
#[cfg(feature = "firmware-management")]
pub mod transfer;

pub use cistring::CiString;
pub use datetime::{DateTime, Instant};
pub use engine::{ChargePoint, Event, Station};

/// A `no_std` staticlib must bring its own panic handler. Panics are bugs here (input never
/// panics), so halting is the honest answer; the Zephyr platform reports through the kernel.
#[cfg(all(not(feature = "std"), not(test), not(feature = "zephyr")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
