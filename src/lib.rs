//! zephyr-ocpp: an OCPP 1.6J charge-point library for microcontrollers.
//!
//! Three rooms (see `../shared/design.md`):
//! - [`engine`]: the sans-IO charge-point state machine (frames, time and commands in; frames,
//!   events and deadlines out). No sockets, threads, clocks or allocator.
//! - `ffi`: Zephyr's C API (`<zephyr/net/ocpp.h>`) on top of a platform.
//! - `platform`: IO only (`host` with feature `std`, `zephyr` on the RTOS).
//!
//! # The engine in one example
//!
//! Time, frames and commands go in; frames, events and deadlines come out. Here the Central
//! System's side is played by hand (a platform moves the frames over a WebSocket instead:
//! `platform::host` on `std`, `platform::zephyr` on Zephyr):
//!
//! ```
//! use ocpp::engine::{Event, Options, StartOutcome, Station};
//! use ocpp::messages::{BootNotificationRequest, RegistrationStatus};
//! use ocpp::{CiString, ChargePoint, Instant};
//!
//! struct Hardware; // every Station method has a default
//! impl Station for Hardware {}
//!
//! let boot = BootNotificationRequest {
//!     charge_point_vendor: CiString::try_from_str("zephyr-ocpp").unwrap(),
//!     charge_point_model: CiString::try_from_str("doc-example").unwrap(),
//!     ..BootNotificationRequest::default()
//! };
//! let mut now = Instant::from_millis(0);
//! let mut cp = ChargePoint::new(boot, 2, Hardware, Options::default(), now).unwrap();
//! let mut out = [0u8; 1024];
//!
//! // The Central System answers each CALL with a CALLRESULT echoing its id.
//! let mut answer = |cp: &mut ChargePoint<Hardware>, now, out: &mut [u8], payload: &str| {
//!     let n = cp.poll_transmit(now, out).expect("a CALL to answer");
//!     let call: serde_json::Value = serde_json::from_slice(&out[..n]).unwrap();
//!     let reply = format!(r#"[3,{},{payload}]"#, call[1]);
//!     assert_eq!(cp.handle_frame(now, reply.as_bytes(), out), None); // nothing to say back
//!     call[2].as_str().unwrap().to_owned()
//! };
//!
//! cp.handle_connected(now); // the WebSocket is open: a BootNotification goes first
//! let action = answer(&mut cp, now, &mut out,
//!     r#"{"status":"Accepted","currentTime":"2026-01-01T00:00:00Z","interval":300}"#);
//! assert_eq!(action, "BootNotification");
//! assert_eq!(cp.poll_event(), Some(Event::Registration(RegistrationStatus::Accepted)));
//! for _ in 0..3 { // a StatusNotification of connectors 0, 1 and 2, one CALL at a time
//!     assert_eq!(answer(&mut cp, now, &mut out, "{}"), "StatusNotification");
//! }
//!
//! // Commands return a ticket; their outcome is an event carrying it.
//! now = now.plus_millis(1_000);
//! cp.handle_timeout(now);
//! let ticket = cp.start_transaction(now, 1, "TAG-1", 1_000, None).unwrap();
//! let action = answer(&mut cp, now, &mut out,
//!     r#"{"transactionId":7,"idTagInfo":{"status":"Accepted"}}"#);
//! assert_eq!(action, "StartTransaction");
//! let started = std::iter::from_fn(|| cp.poll_event()).find(|e| matches!(e, Event::TransactionStarted { .. }));
//! assert_eq!(started, Some(Event::TransactionStarted {
//!     ticket, connector: 1, result: Ok(StartOutcome::Accepted { transaction_id: 7 }),
//! }));
//! assert_eq!(cp.transaction_id(1), Some(7));
//! // The next timer (heartbeat, meter sample, ...) says when to call handle_timeout again.
//! assert!(cp.poll_timeout().is_some());
//! ```
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
mod logging;
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
pub mod sha256;
/// cbindgen:ignore
#[cfg(feature = "firmware-management")]
pub mod transfer;
/// cbindgen:ignore
pub mod x509;

/// cbindgen:ignore
#[cfg(feature = "std")]
#[doc(hidden)]
pub mod doc_support;

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
