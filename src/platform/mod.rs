//! Platforms: the IO loops around the sans-IO [`crate::engine`]. Each one owns the socket, the
//! clocks and the threads; none holds protocol logic.

#[cfg(feature = "std")]
pub mod host;
#[cfg(feature = "std")]
pub mod host_store;

#[cfg(feature = "zephyr")]
pub mod zephyr;
