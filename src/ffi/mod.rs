//! Zephyr's OCPP C API (`zephyr/net/ocpp.h`) on top of the engine.
//!
//! The header `include/zephyr/net/ocpp.h` is generated from this file by cbindgen (see
//! `cbindgen.toml`): the doc comments of the exported items are its doxygen comments. Types,
//! field order and enum values are Zephyr 4.3's, so C applications written for Zephyr's own
//! library compile and link unchanged.
//!
//! This module holds no protocol logic. It checks arguments, maps engine errors to negative
//! errno values, keeps the session table, blocks for answers and turns [`Station`] requests into
//! calls of the application's callback. The charge point itself runs on a platform (see
//! `Runtime`): `HostChargePoint` with feature `std`.
//!
//! Threading: every call takes the engine lock of the platform; the sessions live inside the
//! `CallbackStation`, so they are protected by the same lock. The callback is called with that
//! lock held (it is a [`Station`] method), so ocpp_* calls made from inside it fail with -EBUSY
//! instead of deadlocking.
#![allow(non_camel_case_types)]
// The safety contract of every exported function is the C API's own, documented in the header
// (valid pointers, NUL-terminated strings); a Rust "# Safety" heading would land in the header.
#![allow(clippy::missing_safety_doc)]

// The C types, the sessions, the platform, then the functions: Zephyr's here, ours in
// `extra`, and one file per optional profile's.
mod types;
pub use types::*;
mod session;
use session::*;
mod runtime;
use runtime::*;
mod extra;
pub use extra::*;
mod reset;
pub use reset::*;
mod status;
pub use status::*;
#[cfg(feature = "local-auth-list")]
mod local_list;
#[cfg(feature = "reservation")]
mod reservation;
#[cfg(feature = "local-auth-list")]
pub use local_list::*;
#[cfg(feature = "reservation")]
pub use reservation::*;
#[cfg(feature = "firmware-management")]
mod firmware;
#[cfg(feature = "firmware-management")]
pub use firmware::*;
#[cfg(feature = "smart-charging")]
mod smart_charging;
#[cfg(feature = "smart-charging")]
pub use smart_charging::*;
#[cfg(feature = "security-profiles")]
mod security;
#[cfg(feature = "security")]
mod security_events;
#[cfg(feature = "security-profiles")]
pub use security::*;
#[cfg(feature = "security")]
pub use security_events::*;

#[allow(unused_imports)]
use crate::logging::{error, info, warn};
use core::cell::UnsafeCell;
use core::ffi::{c_char, c_int, c_void, CStr};
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering::SeqCst};

use crate::capacity::{MAX_CONNECTORS, MAX_SESSIONS};
use crate::cistring::{CiString, CiString20};
use crate::datetime::Instant;
use crate::engine::config::Access;
use crate::engine::{
    ChargePoint, CommandError, Configuration, Event, RequestError, StartOutcome, Station,
};
use crate::messages::{
    AuthorizationStatus, BootNotificationRequest, ChargePointErrorCode, ChargePointStatus,
    ConfigurationStatus, Measurand, RegistrationStatus, ResetType, SampleText, UnlockStatus,
};

// ---------------------------------------------------------------------------------------- errno

/// The errno values this API returns, as positive numbers (returned negated).
///
/// Most are equal in every C library we target; EALREADY is not: Linux 114, the BSDs and macOS
/// 37, Zephyr's picolibc and newlib 120, Zephyr's minimal libc 69 (set `OCPP_LIBC_MINIMAL=1` in
/// the build environment for that one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Errno {
    NoEnt = 2,
    Io = 5,
    Again = 11,
    NoMem = 12,
    Acces = 13,
    Busy = 16,
    Inval = 22,
    NoSpc = 28,
    #[cfg(all(feature = "zephyr", ocpp_libc_minimal))]
    Already = 69,
    #[cfg(all(feature = "zephyr", not(ocpp_libc_minimal)))]
    Already = 120,
    #[cfg(not(feature = "zephyr"))]
    Already = if HOST_IS_BSD { 37 } else { 114 },
    /// ENOTSUP, only off Zephyr (no TLS credentials subsystem): 45 on the BSDs, 95 on Linux.
    #[cfg(all(feature = "security-profiles", not(feature = "zephyr")))]
    NotSup = if HOST_IS_BSD { 45 } else { 95 },
}

/// The host's errno values are the BSDs' (macOS included) or Linux's.
#[cfg(not(feature = "zephyr"))]
const HOST_IS_BSD: bool = cfg!(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
));

impl Errno {
    /// The value a function returns for this error.
    const fn ret(self) -> c_int {
        -(self as c_int)
    }
}

/// The errno for a command the engine refused.
const fn command_error(e: CommandError) -> c_int {
    match e {
        CommandError::InvalidConnector | CommandError::InvalidArgument => Errno::Inval.ret(),
        CommandError::Busy | CommandError::Unavailable | CommandError::Reserved => {
            Errno::Busy.ret()
        }
        CommandError::NotReady => Errno::Again.ret(),
        CommandError::QueueFull => Errno::NoMem.ret(),
    }
}

/// The errno for a request that got no usable answer.
const fn request_error(e: RequestError) -> c_int {
    match e {
        RequestError::Offline | RequestError::Timeout => Errno::Again.ret(),
        RequestError::CallError(_) | RequestError::BadResponse | RequestError::TooLarge => {
            Errno::Io.ret()
        }
    }
}

// -------------------------------------------------------------------------- strings from C

/// The text of a C string; None when it is not UTF-8.
///
/// # Safety
/// `ptr` is non-null and points to a NUL-terminated string that outlives `'a`.
unsafe fn c_str<'a>(ptr: *const c_char) -> Option<&'a str> {
    // SAFETY: guaranteed by the caller.
    unsafe { CStr::from_ptr(ptr) }.to_str().ok()
}

/// A required CiString argument: non-null, UTF-8, 1..=N bytes.
///
/// # Safety
/// `ptr` is null or a NUL-terminated string.
unsafe fn required<const N: usize>(ptr: *const c_char) -> Result<CiString<N>, c_int> {
    if ptr.is_null() {
        return Err(Errno::Inval.ret());
    }
    // SAFETY: non-null and NUL-terminated per the caller.
    let text = unsafe { c_str(ptr) }.ok_or(Errno::Inval.ret())?;
    if text.is_empty() {
        return Err(Errno::Inval.ret());
    }
    CiString::try_from_str(text).map_err(|_| Errno::Inval.ret())
}

/// An optional CiString argument: NULL or empty is absent; else UTF-8 of at most N bytes.
///
/// # Safety
/// `ptr` is null or a NUL-terminated string.
unsafe fn optional<const N: usize>(ptr: *const c_char) -> Result<Option<CiString<N>>, c_int> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-null and NUL-terminated per the caller.
    let text = unsafe { c_str(ptr) }.ok_or(Errno::Inval.ret())?;
    if text.is_empty() {
        return Ok(None);
    }
    CiString::try_from_str(text)
        .map(Some)
        .map_err(|_| Errno::Inval.ret())
}

/// A meter reading written by the callback: NUL-terminated within the buffer, a decimal number
/// (`-`, digits, an optional fraction) that fits a sampled value.
fn reading(raw: &[c_char; CISTR50]) -> Option<SampleText> {
    let mut bytes = [0u8; CISTR50];
    for (b, &c) in bytes.iter_mut().zip(raw) {
        // c_char is i8 on x86 and u8 on Arm: the cast is a no-op on one of them.
        #[allow(clippy::unnecessary_cast)]
        let byte = c as u8;
        *b = byte;
    }
    let len = bytes.iter().position(|&b| b == 0)?;
    let text = core::str::from_utf8(bytes.get(..len)?).ok()?;
    let number = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (number, None),
    };
    let decimal = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !decimal(whole) || fraction.is_some_and(|f| !decimal(f)) {
        return None;
    }
    SampleText::try_from_str(text).ok()
}

// -------------------------------------------------------------------------- global state

/// The library as ocpp_init set it up.
struct Context {
    runtime: Platform,
    connectors: u8,
}

/// States of [`Global`].
/// cbindgen:ignore
mod state {
    pub(super) const UNINIT: u8 = 0;
    pub(super) const STARTING: u8 = 1;
    pub(super) const READY: u8 = 2;
    pub(super) const STOPPING: u8 = 3;
}
use state::{READY, STARTING, STOPPING, UNINIT};

/// The one library instance. `context` is written while `state` is STARTING and read only
/// while it is READY; `users` counts the calls using it, so ocpp_deinit can wait for them.
struct Global {
    state: AtomicU8,
    users: AtomicUsize,
    /// A BootNotification was accepted since ocpp_init.
    registered: AtomicBool,
    /// Connected and the last BootNotification accepted (from the events).
    online: AtomicBool,
    context: UnsafeCell<MaybeUninit<Context>>,
}

// SAFETY: `context` is only accessed under the state protocol described on `Global` (one writer
// while STARTING/STOPPING with no users, shared readers while READY); `Context` is Sync.
unsafe impl Sync for Global {}

/// cbindgen:ignore
static GLOBAL: Global = Global {
    state: AtomicU8::new(UNINIT),
    users: AtomicUsize::new(0),
    registered: AtomicBool::new(false),
    online: AtomicBool::new(false),
    context: UnsafeCell::new(MaybeUninit::uninit()),
};

/// A call using the initialized library; ocpp_deinit waits for it to end.
struct Use {
    context: &'static Context,
}

impl Use {
    /// The library, when initialized (-EINVAL otherwise), and not from inside the callback
    /// (-EBUSY: the engine is locked by this very thread).
    fn enter() -> Result<Self, c_int> {
        if Platform::in_callback() {
            return Err(Errno::Busy.ret());
        }
        // Announce first, then check: ocpp_deinit changes the state first, then waits for users
        // (both sequentially consistent), so one of the two sees the other.
        GLOBAL.users.fetch_add(1, SeqCst);
        if GLOBAL.state.load(SeqCst) != READY {
            GLOBAL.users.fetch_sub(1, SeqCst);
            return Err(Errno::Inval.ret());
        }
        // SAFETY: READY means `context` is initialized, and it stays so until `users` drops to 0.
        let context = unsafe { (*GLOBAL.context.get()).assume_init_ref() };
        Ok(Self { context })
    }
}

impl Drop for Use {
    fn drop(&mut self) {
        GLOBAL.users.fetch_sub(1, SeqCst);
    }
}

impl core::ops::Deref for Use {
    type Target = Context;
    fn deref(&self) -> &Context {
        self.context
    }
}

/// Keeps the online flags up to date (the platform's thread, no engine lock).
fn track(event: &Event) {
    match event {
        Event::Registration(status) => {
            let accepted = *status == RegistrationStatus::Accepted;
            if accepted {
                GLOBAL.registered.store(true, SeqCst);
            }
            GLOBAL.online.store(accepted, SeqCst);
        }
        Event::Disconnected => GLOBAL.online.store(false, SeqCst),
        Event::ResetDue(kind) => reset_due(*kind),
        _ => {}
    }
}

/// Runs `f`, returning its errno on failure or 0.
fn outcome(f: impl FnOnce() -> Result<(), c_int>) -> c_int {
    match f() {
        Ok(()) => 0,
        Err(e) => e,
    }
}

// --------------------------------------------------------------------- Zephyr's functions

/// @brief Start the library.
///
/// Copies what it needs from cpi and csi and returns at once; the library
/// connects to the Central System, sends the BootNotification (with the
/// optional fields that are set) and reconnects in the background.
///
/// @param cpi the charge point's identity and connector count
/// @param csi the Central System's address
/// @param cb the application's callback
/// @param user_data handed back to every callback
///
/// @return 0, or a negative errno:
/// @retval -EINVAL cpi, cpi->model, cpi->vendor, csi, csi->cs_ip,
///         csi->ws_url or cb is NULL, num_of_con < 1, a string is empty
///         (model, vendor, cs_ip), too long or not UTF-8, or port is not
///         1..65535
/// @retval -ENOMEM num_of_con exceeds CONFIG_OCPP_MAX_CONNECTORS, or no thread
/// @retval -EALREADY the library is already initialized (see ocpp_deinit)
///
/// @note The other ocpp_* functions need it first.
/// @note Persistence: with CONFIG_OCPP_PERSISTENCE (Zephyr settings) or, on
///       the host, the environment variable OCPP_STORE_DIR naming a directory,
///       running transactions and queued transaction messages survive a power
///       cut: restored here, before connecting (a transaction that was running
///       is stopped with reason PowerLoss).
#[no_mangle]
pub unsafe extern "C" fn ocpp_init(
    cpi: *mut ocpp_cp_info,
    csi: *mut ocpp_cs_info,
    cb: ocpp_user_notify_callback_t,
    user_data: *mut c_void,
) -> c_int {
    outcome(|| {
        // SAFETY: NULL or a valid struct, per the API contract.
        let (cpi, csi) = unsafe { (cpi.as_ref(), csi.as_ref()) };
        let (Some(cpi), Some(csi), Some(callback)) = (cpi, csi, cb) else {
            return Err(Errno::Inval.ret());
        };
        if cpi.num_of_con < 1 {
            return Err(Errno::Inval.ret());
        }
        let connectors = u8::try_from(cpi.num_of_con)
            .ok()
            .filter(|&n| usize::from(n) <= MAX_CONNECTORS)
            .ok_or(Errno::NoMem.ret())?;
        // SAFETY (all string reads below): each pointer is NULL or a NUL-terminated string.
        let boot = unsafe {
            BootNotificationRequest {
                charge_point_vendor: required(cpi.vendor)?,
                charge_point_model: required(cpi.model)?,
                charge_point_serial_number: optional(cpi.sl_no)?,
                charge_box_serial_number: optional(cpi.box_sl_no)?,
                firmware_version: optional(cpi.fw_ver)?,
                iccid: optional(cpi.iccid)?,
                imsi: optional(cpi.imsi)?,
                meter_type: optional(cpi.meter_type)?,
                meter_serial_number: optional(cpi.meter_sl_no)?,
            }
        };
        if csi.cs_ip.is_null() || csi.ws_url.is_null() {
            return Err(Errno::Inval.ret());
        }
        // SAFETY: both non-null and NUL-terminated per the API contract.
        let (host, ws_url) = unsafe { (c_str(csi.cs_ip), c_str(csi.ws_url)) };
        let (Some(host), Some(ws_url)) = (host, ws_url) else {
            return Err(Errno::Inval.ret());
        };
        let port = u16::try_from(csi.port)
            .ok()
            .filter(|&p| p > 0)
            .ok_or(Errno::Inval.ret())?;
        if host.is_empty() || ws_url.trim_matches('/').is_empty() {
            return Err(Errno::Inval.ret());
        }
        // The path is used as given; Zephyr's library too passes ws_url as the request path.
        let mut path = CiString::<256>::new();
        if !ws_url.starts_with('/') {
            let _ = path.push_str("/");
        }
        path.push_str(ws_url).map_err(|_| Errno::Inval.ret())?;
        if Platform::in_callback() {
            return Err(Errno::Busy.ret());
        }
        if GLOBAL
            .state
            .compare_exchange(UNINIT, STARTING, SeqCst, SeqCst)
            .is_err()
        {
            return Err(Errno::Already.ret());
        }
        GLOBAL.registered.store(false, SeqCst);
        GLOBAL.online.store(false, SeqCst);
        let endpoint = Endpoint {
            host,
            port,
            family: csi.sa_family,
            path: &path,
        };
        let station = CallbackStation::new(callback, user_data);
        match Platform::start(&endpoint, boot, connectors, station, track) {
            Ok(runtime) => {
                // SAFETY: STARTING: this thread is the only one touching `context`.
                unsafe {
                    (*GLOBAL.context.get()).write(Context {
                        runtime,
                        connectors,
                    })
                };
                GLOBAL.state.store(READY, SeqCst);
                Ok(())
            }
            Err(e) => {
                GLOBAL.state.store(UNINIT, SeqCst);
                Err(e)
            }
        }
    })
}

/// @brief Open a session.
///
/// @param hndl receives the new session's handle
///
/// @return 0, or a negative errno:
/// @retval -EINVAL hndl is NULL or the library is not initialized
/// @retval -ENOMEM all CONFIG_OCPP_MAX_SESSIONS sessions are open
///
/// @note Give each connector (each charging user) its own session; a
///       session holds at most one transaction.
#[no_mangle]
pub unsafe extern "C" fn ocpp_session_open(hndl: *mut ocpp_session_handle_t) -> c_int {
    outcome(|| {
        if hndl.is_null() {
            return Err(Errno::Inval.ret());
        }
        let lib = Use::enter()?;
        let opened = lib.runtime.locked(|cp, _| cp.station_mut().open())?;
        // SAFETY: non-null and writable per the API contract.
        unsafe { hndl.write(opened) };
        Ok(())
    })
}

/// @brief Close a session.
///
/// An unknown or already closed handle is ignored, and so is a call from
/// the callback. A transaction the session started and did not stop keeps
/// running (its messages are still delivered); stop it with
/// ocpp_stop_connector_transaction.
///
/// @param hndl the session
#[no_mangle]
pub extern "C" fn ocpp_session_close(hndl: ocpp_session_handle_t) {
    let Ok(lib) = Use::enter() else { return };
    lib.runtime.locked(|cp, _| {
        if let Ok(session) = cp.station_mut().session(hndl) {
            session.open = false;
        }
    });
}

/// @brief Ask whether an idTag may charge (Authorize).
///
/// The idtag is remembered by the session for ocpp_start_transaction. When
/// the charge point is offline the answer may come from the authorization
/// cache (LocalAuthorizeOffline) or AllowOfflineTxForUnknownId.
///
/// @param hndl the session
/// @param idtag the idTag, NUL-terminated, at most 20 characters
/// @param status receives the verdict (OCPP_AUTH_INVALID unless 0 is
///        returned)
/// @param timeout_ms how long to wait for the Central System, in milliseconds
///
/// @return 0, or a negative errno:
/// @retval -EINVAL bad handle, idtag or status, or not initialized
/// @retval -EAGAIN no BootNotification accepted yet since ocpp_init, no
///         answer within timeout_ms, offline without a local decision
/// @retval -EIO the Central System answered with an error
/// @retval -ENOMEM too many requests waiting to be sent
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_authorize(
    hndl: ocpp_session_handle_t,
    idtag: *mut c_char,
    status: *mut ocpp_auth_status,
    timeout_ms: u32,
) -> c_int {
    if status.is_null() {
        return Errno::Inval.ret();
    }
    // SAFETY: non-null and writable per the API contract.
    unsafe { status.write(ocpp_auth_status::OCPP_AUTH_INVALID) };
    outcome(|| {
        // SAFETY: NULL or a NUL-terminated string per the API contract.
        let tag: CiString20 = unsafe { required(idtag) }?;
        let lib = Use::enter()?;
        if !GLOBAL.registered.load(SeqCst) {
            // A bad handle is -EINVAL in every state.
            lib.runtime
                .locked(|cp, _| cp.station_mut().session(hndl).map(|_| ()))?;
            return Err(Errno::Again.ret());
        }
        let (_, event) = lib.runtime.locked_then_wait(
            |cp, now| {
                cp.station_mut().session(hndl)?.id_tag = Some(tag.clone());
                cp.authorize(now, &tag).map_err(command_error)
            },
            |&ticket, e| matches!(e, Event::Authorized { ticket: t, .. } if *t == ticket),
            timeout_ms,
        )?;
        match event {
            Some(Event::Authorized {
                result: Ok(info), ..
            }) => {
                // SAFETY: checked non-null above, writable per the API contract.
                unsafe { status.write(info.status.into()) };
                Ok(())
            }
            Some(Event::Authorized { result: Err(e), .. }) => Err(request_error(e)),
            _ => Err(Errno::Again.ret()),
        }
    })
}

/// @brief Start a transaction (StartTransaction).
///
/// Starts a transaction for the idtag of the session's last ocpp_authorize.
/// It is never dropped: when the Central System cannot be reached (offline,
/// or no answer within timeout_ms) the StartTransaction is queued, delivered
/// later, and 0 is returned, as for an accepted one, so that charging can go
/// on; ocpp_get_transaction tells the two apart (OCPP_TX_PENDING or
/// OCPP_TX_CONFIRMED). ocpp_stop_transaction works in both cases (queued as
/// well while offline). A queued start whose idTag the Central System later
/// rejects is stopped by the library (StopTransactionOnInvalidId): the
/// session's state becomes OCPP_TX_ENDED.
///
/// @param hndl the session
/// @param meter_val the connector's energy register, Wh
/// @param conn_id the connector, 1..num_of_con
/// @param timeout_ms how long to wait for the Central System, in milliseconds
///
/// @return 0, or a negative errno:
/// @retval 0 started: confirmed, or queued for delivery (see above)
/// @retval -EACCES the Central System did not accept the idTag; call
///         ocpp_stop_transaction (the library may already have stopped it)
/// @retval -EINVAL bad handle, conn_id 0 or above num_of_con, no
///         ocpp_authorize on this session, or not initialized
/// @retval -EBUSY the session or the connector already has a transaction,
///         the connector is unavailable or faulted, or a Reset is taking
///         effect; or called from the callback
/// @retval -ENOMEM the transaction queue is full
/// @retval -EIO the StartTransaction was given up (too large or refused
///         TransactionMessageAttempts times)
#[no_mangle]
pub extern "C" fn ocpp_start_transaction(
    hndl: ocpp_session_handle_t,
    meter_val: c_int,
    conn_id: u8,
    timeout_ms: u32,
) -> c_int {
    outcome(|| {
        let lib = Use::enter()?;
        if conn_id == 0 || conn_id > lib.connectors {
            return Err(Errno::Inval.ret());
        }
        let (_, event) = lib.runtime.locked_then_wait(
            |cp, now| {
                let session = cp.station_mut().session(hndl)?;
                let tag = session.id_tag.clone().ok_or(Errno::Inval.ret())?;
                let tx = session.tx;
                if let SessionTx::Running(connector) = tx {
                    if cp.has_transaction(connector) {
                        return Err(Errno::Busy.ret());
                    }
                }
                let ticket = cp
                    .start_transaction(now, conn_id, &tag, meter_val, None)
                    .map_err(command_error)?;
                cp.station_mut().claim(hndl, conn_id);
                Ok(ticket)
            },
            |&ticket, e| matches!(e, Event::TransactionStarted { ticket: t, .. } if *t == ticket),
            timeout_ms,
        )?;
        match event {
            Some(Event::TransactionStarted {
                result: Ok(StartOutcome::Rejected { .. }),
                ..
            }) => Err(Errno::Acces.ret()),
            Some(Event::TransactionStarted { result: Err(e), .. }) => Err(match e {
                RequestError::Offline | RequestError::Timeout => Errno::Io.ret(),
                other => request_error(other),
            }),
            // Accepted, queued, or not answered in time (then queued in the engine as well).
            _ => Ok(()),
        }
    })
}

/// Who asks for a stop: a session (its own transaction) or anyone (a connector's).
#[derive(Clone, Copy)]
enum StopTarget {
    Session(ocpp_session_handle_t),
    Connector(u8),
}

/// Stops a transaction and waits for the answer. 0 when it was delivered or queued.
fn stop(lib: &Use, target: StopTarget, meter_val: c_int, timeout_ms: u32) -> c_int {
    let stopped = lib.runtime.locked_then_wait(
        |cp, now| {
            let connector = match target {
                StopTarget::Connector(c) if cp.has_transaction(c) => c,
                StopTarget::Connector(_) => return Err(Errno::Inval.ret()),
                StopTarget::Session(hndl) => match { cp.station_mut().session(hndl)?.tx } {
                    SessionTx::Idle => return Err(Errno::Inval.ret()),
                    SessionTx::Running(c) if cp.has_transaction(c) => c,
                    // Already ended by the library: nothing left to stop (Err(0): done).
                    SessionTx::Running(_) | SessionTx::Ended => {
                        cp.station_mut().session(hndl)?.tx = SessionTx::Idle;
                        return Err(0);
                    }
                },
            };
            let ticket = cp
                .stop_transaction(now, connector, meter_val, None, None)
                .map_err(command_error)?;
            cp.station_mut().release(connector);
            Ok(ticket)
        },
        |&ticket, e| matches!(e, Event::TransactionStopped { ticket: t, .. } if *t == ticket),
        timeout_ms,
    );
    match stopped {
        Err(code) => code,
        Ok((_, Some(Event::TransactionStopped { result: Err(_), .. }))) => Errno::Io.ret(),
        // Delivered, queued, or not answered in time (then still queued).
        Ok(_) => 0,
    }
}

/// @brief Stop the session's transaction (StopTransaction).
///
/// Stops the session's transaction, with reason Remote after a remote stop
/// request (OCPP_USR_STOP_CHARGING), else Local. Like the start it is never
/// dropped: offline or without an answer within timeout_ms it is queued and
/// delivered later, and 0 is returned.
///
/// @param hndl the session
/// @param meter_val the connector's energy register, Wh
/// @param timeout_ms how long to wait for the Central System, in milliseconds
///
/// @return 0, or a negative errno:
/// @retval 0 stopped (delivered or queued), or already ended by the library
/// @retval -EINVAL bad handle, no transaction on this session, or not
///         initialized
/// @retval -ENOMEM the transaction queue is full (try again)
/// @retval -EIO the StopTransaction was given up
/// @retval -EBUSY called from the callback
#[no_mangle]
pub extern "C" fn ocpp_stop_transaction(
    hndl: ocpp_session_handle_t,
    meter_val: c_int,
    timeout_ms: u32,
) -> c_int {
    match Use::enter() {
        Ok(lib) => stop(&lib, StopTarget::Session(hndl), meter_val, timeout_ms),
        Err(e) => e,
    }
}

#[cfg(test)]
mod tests;
