//! The platform the C API drives: the host runner (feature `std`), the Zephyr OCPP thread
//! (feature `zephyr`), or none (a `no_std` build without a platform, for size probes).

use super::*;

// ------------------------------------------------------------------------------- platform

/// The engine as the C API drives it.
/// cbindgen:ignore
pub(super) type Engine = ChargePoint<CallbackStation>;

/// Where the Central System is.
pub(super) struct Endpoint<'a> {
    pub(super) host: &'a str,
    pub(super) port: u16,
    /// The application's `sa_family` (AF_INET or AF_INET6 of its platform). The host runtime
    /// does not need it: its URL carries the address, whatever its family.
    #[cfg_attr(not(feature = "zephyr"), allow(dead_code))]
    pub(super) family: sa_family_t,
    /// The WebSocket path, starting with `/`, ending with the charge point identity.
    pub(super) path: &'a str,
}

/// What the C API needs from a platform: the engine running in the background, with a lock to
/// issue commands and a way to wait for the events they lead to. `host` implements it with
/// `HostChargePoint`; a Zephyr platform provides the same.
pub(super) trait Runtime: Sized + Sync {
    /// Starts the charge point; it connects in the background. `on_event` sees every event on
    /// the platform's thread, without the engine lock.
    fn start(
        endpoint: &Endpoint<'_>,
        boot: BootNotificationRequest,
        connectors: u8,
        station: CallbackStation,
        on_event: fn(&Event),
    ) -> Result<Self, c_int>;

    /// Runs `f` with the engine locked.
    fn locked<R>(&self, f: impl FnOnce(&mut Engine, Instant) -> R) -> R;

    /// Runs `f` with the engine locked, then waits up to `timeout_ms` for an event that `pred`
    /// accepts among those produced from `f` on (none is missed). `f`'s error returns at once.
    fn locked_then_wait<T>(
        &self,
        f: impl FnOnce(&mut Engine, Instant) -> Result<T, c_int>,
        pred: impl FnMut(&T, &Event) -> bool,
        timeout_ms: u32,
    ) -> Result<(T, Option<Event>), c_int>;

    /// Waits up to `timeout_ms` for a recent event `pred` accepts and no wait returned yet.
    fn wait_for(&self, pred: impl FnMut(&Event) -> bool, timeout_ms: u32) -> Option<Event>;

    /// Wakes every call waiting for an event (they return None) and stops the background
    /// thread(s) from doing more; `close` follows.
    fn interrupt(&self);

    /// Stops the background thread(s) and closes the connection.
    fn close(self);

    fn sleep_ms(ms: u32);

    /// Runs `f` (a call of the application's callback) marked as such on this thread.
    fn callback_scope<R>(f: impl FnOnce() -> R) -> R;

    /// Whether this thread is inside the application's callback (the engine is locked).
    fn in_callback() -> bool;

    /// A Reset is due and the application did not take it over: reboot when the platform
    /// can and is configured to (it does not return then). Otherwise the platform reconnects
    /// and registers anew by itself.
    fn reboot(kind: ResetType);
}

/// cbindgen:ignore
#[cfg(feature = "std")]
mod host_runtime {
    use std::cell::Cell;
    use std::time::Duration;

    use super::{c_int, CallbackStation, Endpoint, Engine, Errno, Runtime};
    use crate::datetime::Instant;
    use crate::engine::{CommandError, Event};
    use crate::messages::{BootNotificationRequest, ResetType};
    use crate::platform::host::{HostChargePoint, HostConfig};

    pub(crate) type Platform = HostChargePoint<CallbackStation>;

    /// On the host, the C API keeps its persistent store in the directory this environment
    /// variable names (unset: nothing is kept). On Zephyr, CONFIG_OCPP_PERSISTENCE.
    pub(crate) const STORE_DIR_VARIABLE: &str = "OCPP_STORE_DIR";
    /// Firmware Management on the host: where images are downloaded and "installed" (unset: a
    /// directory under the system's temporary directory) and the file GetDiagnostics uploads
    /// (unset: the recent events).
    #[cfg(feature = "firmware-management")]
    pub(crate) const FIRMWARE_DIR_VARIABLE: &str = "OCPP_FIRMWARE_DIR";
    #[cfg(feature = "firmware-management")]
    pub(crate) const DIAGNOSTICS_FILE_VARIABLE: &str = "OCPP_DIAGNOSTICS_FILE";

    std::thread_local! {
        static CALLBACK_DEPTH: Cell<u32> = const { Cell::new(0) };
    }

    impl Runtime for Platform {
        fn start(
            endpoint: &Endpoint<'_>,
            boot: BootNotificationRequest,
            connectors: u8,
            station: CallbackStation,
            on_event: fn(&Event),
        ) -> Result<Self, c_int> {
            let host = if endpoint.host.contains(':') && !endpoint.host.starts_with('[') {
                format!("[{}]", endpoint.host)
            } else {
                endpoint.host.to_owned()
            };
            let url = format!("ws://{host}:{}{}", endpoint.port, endpoint.path);
            let config = HostConfig {
                store_dir: std::env::var_os(STORE_DIR_VARIABLE).map(Into::into),
                #[cfg(feature = "firmware-management")]
                firmware: crate::platform::host::FirmwareConfig {
                    dir: std::env::var_os(FIRMWARE_DIR_VARIABLE).map(Into::into),
                    diagnostics_file: std::env::var_os(DIAGNOSTICS_FILE_VARIABLE).map(Into::into),
                    handler: Some(super::super::firmware::host_handler()),
                    diagnostics: Some(super::super::firmware::host_diagnostics()),
                },
                ..HostConfig::new(url)
            };
            HostChargePoint::spawn(config, boot, connectors, station, on_event).map_err(|e| match e
            {
                CommandError::NotReady => Errno::NoMem.ret(),
                _ => Errno::Inval.ret(),
            })
        }

        fn locked<R>(&self, f: impl FnOnce(&mut Engine, Instant) -> R) -> R {
            HostChargePoint::with(self, f)
        }

        fn locked_then_wait<T>(
            &self,
            f: impl FnOnce(&mut Engine, Instant) -> Result<T, c_int>,
            pred: impl FnMut(&T, &Event) -> bool,
            timeout_ms: u32,
        ) -> Result<(T, Option<Event>), c_int> {
            HostChargePoint::with_then_wait(self, f, pred, Duration::from_millis(timeout_ms.into()))
        }

        fn wait_for(&self, pred: impl FnMut(&Event) -> bool, timeout_ms: u32) -> Option<Event> {
            HostChargePoint::wait_event(self, pred, Duration::from_millis(timeout_ms.into()))
        }

        fn interrupt(&self) {
            HostChargePoint::interrupt(self)
        }

        fn close(self) {
            HostChargePoint::shutdown(self)
        }

        fn sleep_ms(ms: u32) {
            std::thread::sleep(Duration::from_millis(ms.into()))
        }

        fn callback_scope<R>(f: impl FnOnce() -> R) -> R {
            struct Scope;
            impl Drop for Scope {
                fn drop(&mut self) {
                    CALLBACK_DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
                }
            }
            CALLBACK_DEPTH.with(|d| d.set(d.get() + 1));
            let _scope = Scope;
            f()
        }

        fn in_callback() -> bool {
            CALLBACK_DEPTH.with(|d| d.get() > 0)
        }

        fn reboot(kind: ResetType) {
            // A process does not reboot its host; the IO thread re-registers instead.
            crate::logging::info!(
                "reset (",
                kind,
                "): reconnecting and sending a new BootNotification"
            );
        }
    }
}
#[cfg(feature = "std")]
pub(super) use host_runtime::Platform;

/// On Zephyr: the OCPP thread of `platform::zephyr` drives the engine; events also go to zbus.
/// cbindgen:ignore
#[cfg(all(feature = "zephyr", not(feature = "std")))]
mod zephyr_runtime {
    use super::{c_int, track, CallbackStation, Endpoint, Engine, Errno, Runtime};
    use crate::capacity::RESPONSE_TIMEOUT_MS;
    use crate::datetime::Instant;
    use crate::engine::{CommandError, Event, Options};
    use crate::messages::{BootNotificationRequest, ResetType};
    use crate::platform::zephyr::{self, State, ZephyrChargePoint};

    pub(crate) type Platform = ZephyrChargePoint<CallbackStation>;

    static STATE: State<CallbackStation> = State::new();

    /// The C API's view of every event: its own bookkeeping, then the zbus channel.
    fn on_event(event: &Event) {
        track(event);
        if let Some(published) = super::ocpp_event::from_event(event) {
            zephyr::publish(&published);
        }
        #[cfg(feature = "smart-charging")]
        if let Some(limit) = super::ocpp_charging_limit::from_event(event) {
            zephyr::publish_limit(&limit);
        }
    }

    impl Runtime for Platform {
        fn start(
            endpoint: &Endpoint<'_>,
            boot: BootNotificationRequest,
            connectors: u8,
            station: CallbackStation,
            _on_event: fn(&Event),
        ) -> Result<Self, c_int> {
            if !super::abi_matches_c() {
                return Err(Errno::Inval.ret());
            }
            let endpoint = zephyr::Endpoint {
                host: endpoint.host,
                port: endpoint.port,
                family: i32::from(endpoint.family),
                path: endpoint.path,
            };
            let options = Options {
                response_timeout_ms: RESPONSE_TIMEOUT_MS as u32,
                ..Options::default()
            };
            ZephyrChargePoint::launch(
                &STATE, &endpoint, boot, connectors, station, options, on_event,
            )
            .map_err(|e| match e {
                CommandError::NotReady | CommandError::QueueFull => Errno::NoMem.ret(),
                CommandError::Busy => Errno::Already.ret(),
                _ => Errno::Inval.ret(),
            })
        }

        fn locked<R>(&self, f: impl FnOnce(&mut Engine, Instant) -> R) -> R {
            ZephyrChargePoint::with(self, f)
        }

        fn locked_then_wait<T>(
            &self,
            f: impl FnOnce(&mut Engine, Instant) -> Result<T, c_int>,
            pred: impl FnMut(&T, &Event) -> bool,
            timeout_ms: u32,
        ) -> Result<(T, Option<Event>), c_int> {
            ZephyrChargePoint::with_then_wait(self, f, pred, timeout_ms)
        }

        fn wait_for(&self, pred: impl FnMut(&Event) -> bool, timeout_ms: u32) -> Option<Event> {
            ZephyrChargePoint::wait_event(self, pred, timeout_ms)
        }

        fn interrupt(&self) {
            ZephyrChargePoint::interrupt(self)
        }

        fn close(self) {
            ZephyrChargePoint::shutdown(self)
        }

        fn sleep_ms(ms: u32) {
            zephyr::sleep(ms)
        }

        fn callback_scope<R>(f: impl FnOnce() -> R) -> R {
            STATE.run_callback(f)
        }

        fn in_callback() -> bool {
            STATE.in_callback()
        }

        fn reboot(kind: ResetType) {
            zephyr::reboot(kind == ResetType::Hard)
        }
    }
}
#[cfg(all(feature = "zephyr", not(feature = "std")))]
pub(super) use zephyr_runtime::Platform;

/// The C compiler's sizes of the API's types (from the Zephyr port) equal Rust's: the layouts
/// of `repr(C)` types follow the target's C ABI (e.g. 1-byte enums on arm-none-eabi), and this
/// catches a build whose C flags say otherwise before any struct crosses the boundary.
/// cbindgen:ignore
#[cfg(all(feature = "zephyr", not(feature = "std")))]
pub(super) fn abi_matches_c() -> bool {
    use core::mem::size_of;
    let c = crate::platform::zephyr::c_abi_sizes();
    let rust = [
        size_of::<ocpp_io_value>(),
        size_of::<ocpp_cp_info>(),
        size_of::<ocpp_cs_info>(),
        size_of::<ocpp_event>(),
        size_of::<ocpp_auth_status>(),
    ];
    if c != rust {
        error!("C and Rust disagree on the sizes of the API's types; check the C flags");
    }
    c == rust
}

/// Without a platform (a `no_std` build of the engine alone) the C API exists but ocpp_init
/// fails with -EINVAL.
/// cbindgen:ignore
#[cfg(not(any(feature = "std", feature = "zephyr")))]
mod no_runtime {
    use super::{c_int, CallbackStation, Endpoint, Engine, Errno, Runtime};
    use crate::datetime::Instant;
    use crate::engine::Event;
    use crate::messages::{BootNotificationRequest, ResetType};

    /// Never constructed: `start` always fails, so no other method is ever called.
    pub(crate) struct Platform(());

    const NEVER: &str = "no platform: ocpp_init never succeeds";

    impl Runtime for Platform {
        fn start(
            endpoint: &Endpoint<'_>,
            _: BootNotificationRequest,
            _: u8,
            _: CallbackStation,
            _: fn(&Event),
        ) -> Result<Self, c_int> {
            crate::logging::warn!(
                "no platform in this build: cannot connect to ",
                endpoint.host,
                ":",
                endpoint.port,
                endpoint.path
            );
            Err(Errno::Inval.ret())
        }
        fn locked<R>(&self, _: impl FnOnce(&mut Engine, Instant) -> R) -> R {
            unreachable!("{NEVER}")
        }
        fn locked_then_wait<T>(
            &self,
            _: impl FnOnce(&mut Engine, Instant) -> Result<T, c_int>,
            _: impl FnMut(&T, &Event) -> bool,
            _: u32,
        ) -> Result<(T, Option<Event>), c_int> {
            unreachable!("{NEVER}")
        }
        fn wait_for(&self, _: impl FnMut(&Event) -> bool, _: u32) -> Option<Event> {
            unreachable!("{NEVER}")
        }
        fn interrupt(&self) {}
        fn close(self) {}
        fn sleep_ms(_: u32) {}
        fn callback_scope<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        fn in_callback() -> bool {
            false
        }
        fn reboot(_: ResetType) {}
    }
}
#[cfg(not(any(feature = "std", feature = "zephyr")))]
pub(super) use no_runtime::Platform;
