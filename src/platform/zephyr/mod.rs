//! Zephyr platform: one OCPP thread drives the engine over Zephyr's WebSocket client, and the
//! blocking C API waits on a kernel condition variable. The kernel objects (mutex, condition
//! variable, thread, time) come from [`kernel`]: the C port, or the `zephyr` crate in a
//! zephyr-lang-rust application. Websocket, log, zbus, SNTP, settings and reboot are reached
//! through the C port (`port.c`: macros or inline syscalls on the C side); `port.h` is turned
//! into Rust by bindgen (build.rs).
//!
//! Everything lives in a `'static` [`State`] that the caller declares, so no heap is needed:
//! the engine, the recent-event log, the endpoint and the frame buffers of the OCPP thread.

use core::cell::UnsafeCell;
#[cfg(not(feature = "zephyr-lang-rust"))]
#[cfg(feature = "selftest")]
use core::fmt::Write as _;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crate::logging::{info, warn};
use heapless::{Deque, String};

use crate::capacity::{
    CONNECT_TIMEOUT_MS, EVENT_QUEUE_DEPTH, FRAME_CAPACITY, RECONNECT_MAX_MS, RECONNECT_MIN_MS,
    SEND_CAPACITY,
};
use crate::datetime::Instant;
use crate::engine::{ChargePoint, Event, Options, Station};
use crate::messages::{BootNotificationRequest, RegistrationStatus};

#[cfg(feature = "firmware-management")]
mod firmware;
mod kernel;
#[cfg(feature = "security-profiles")]
pub mod security;
mod sntp;
#[cfg(feature = "persistence")]
mod store;

#[allow(non_camel_case_types, non_upper_case_globals, dead_code, clippy::all)]
mod port {
    include!(concat!(env!("OUT_DIR"), "/port.rs"));
}

/// Zephyr's errno values the loop looks at (lib/libc: EAGAIN 11, EMSGSIZE 122).
const EAGAIN: i32 = 11;
const EMSGSIZE: i32 = 122;
/// Longest wait on the socket, so commands issued meanwhile go out promptly.
const POLL_MS: u64 = 100;
const SEND_TIMEOUT_MS: i32 = 5_000;

/// Events kept for waiters (each is returned once).
const EVENT_HISTORY: usize = EVENT_QUEUE_DEPTH;

/// Where the Central System is, copied into the state (NUL-terminated for the port).
pub struct Endpoint<'a> {
    /// An IPv4 or IPv6 address literal.
    pub host: &'a str,
    pub port: u16,
    /// The application's `sa_family` (AF_INET or AF_INET6).
    pub family: i32,
    /// The WebSocket path, e.g. `/steve/websocket/CentralSystemService/zephyr`.
    pub path: &'a str,
}

/// The endpoint or the station identity does not fit, or the platform is running already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartError {
    TooLong,
    Running,
    Thread,
}

/// One event of the recent-event log: returned once to a waiter (`taken`), handed once to the
/// application's `on_event` (`delivered`). One log for both, so each event is kept once.
struct Record {
    seq: u32,
    event: Event,
    taken: bool,
    delivered: bool,
}

struct Inner<S: Station> {
    engine: MaybeUninit<ChargePoint<S>>,
    recent: Deque<Record, EVENT_HISTORY>,
    next_seq: u32,
    host: String<64>,
    path: String<200>,
    port: u16,
    family: i32,
    on_event: Option<fn(&Event)>,
    /// The job handed to the transfer thread.
    #[cfg(feature = "firmware-management")]
    mailbox: firmware::Mailbox,
}

/// One buffer for the frames received and sent: the larger of the two capacities.
const FRAME_BUFFER: usize = if FRAME_CAPACITY > SEND_CAPACITY {
    FRAME_CAPACITY
} else {
    SEND_CAPACITY
};

/// The platform's storage; declare one as a `static` and pass it to [`ZephyrChargePoint::launch`].
pub struct State<S: Station> {
    /// Guarded by the port's mutex (`ocpp_port_lock`).
    inner: UnsafeCell<Inner<S>>,
    /// The OCPP thread's one frame buffer (only that thread touches it): a frame is received
    /// into its first FRAME_CAPACITY bytes, its answer overwrites it
    /// ([`ChargePoint::handle_frame_in_place`]), and each frame sent is sent before the next
    /// one is received.
    frame: UnsafeCell<[u8; FRAME_BUFFER]>,
    running: AtomicBool,
    stop: AtomicBool,
    /// An accepted Reset is due and did not reboot: reconnect and register anew.
    reset_due: AtomicBool,
    /// Depth of application callbacks running on the OCPP thread.
    callback_depth: AtomicU32,
    /// The record being written to or read from the settings store (under the port mutex).
    #[cfg(feature = "persistence")]
    store_buf: UnsafeCell<[u8; crate::engine::MAX_STORED_RECORD]>,
}

// SAFETY: `inner` is only touched with the port mutex held (see `Locked`), `frame` only by the
// OCPP thread, the rest are atomics.
unsafe impl<S: Station + Send> Sync for State<S> {}

impl<S: Station> State<S> {
    pub const fn new() -> Self {
        Self {
            inner: UnsafeCell::new(Inner {
                engine: MaybeUninit::uninit(),
                recent: Deque::new(),
                next_seq: 0,
                host: String::new(),
                path: String::new(),
                port: 0,
                family: 0,
                on_event: None,
                #[cfg(feature = "firmware-management")]
                mailbox: firmware::Mailbox::new(),
            }),
            frame: UnsafeCell::new([0; FRAME_BUFFER]),
            running: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            reset_due: AtomicBool::new(false),
            callback_depth: AtomicU32::new(0),
            #[cfg(feature = "persistence")]
            store_buf: UnsafeCell::new([0; crate::engine::MAX_STORED_RECORD]),
        }
    }
}

impl<S: Station> Default for State<S> {
    fn default() -> Self {
        Self::new()
    }
}

/// The state with the port mutex held; unlocks on drop.
struct Locked<'a, S: Station> {
    state: &'a State<S>,
}

impl<'a, S: Station> Locked<'a, S> {
    fn new(state: &'a State<S>) -> Self {
        kernel::lock();
        Self { state }
    }

    fn inner(&mut self) -> &mut Inner<S> {
        // SAFETY: the port mutex is held for the life of `self`, and `&mut self` makes this the
        // only reference derived from it.
        unsafe { &mut *self.state.inner.get() }
    }

    fn engine(&mut self) -> &mut ChargePoint<S> {
        // SAFETY: `running` is only set after the engine was written (under this lock), and no
        // `Locked` is made before that (see `ZephyrChargePoint`).
        unsafe { self.inner().engine.assume_init_mut() }
    }

    /// Writes what the store needs, moves the engine's events into the log and wakes the
    /// waiters.
    fn collect(&mut self) {
        // First: a job handed out changes what the store must hold (an install's record).
        #[cfg(feature = "firmware-management")]
        firmware::start_due(self);
        #[cfg(feature = "persistence")]
        {
            // SAFETY: the store buffer is only touched with the port mutex held, which this
            // `Locked` holds; nothing else borrows it meanwhile.
            let buf = unsafe { &mut *self.state.store_buf.get() };
            store::sync(self.engine(), buf);
        }
        let mut any = false;
        while let Some(event) = self.engine().poll_event() {
            if matches!(event, Event::ResetDue(_)) {
                self.state.reset_due.store(true, Ordering::Release);
            }
            let inner = self.inner();
            if inner.recent.is_full() {
                let _ = inner.recent.pop_front();
            }
            let seq = inner.next_seq;
            inner.next_seq = seq.wrapping_add(1);
            let _ = inner.recent.push_back(Record {
                seq,
                event,
                taken: false,
                delivered: false,
            });
            any = true;
        }
        if any {
            kernel::notify_all();
        }
    }
}

impl<S: Station> Drop for Locked<'_, S> {
    fn drop(&mut self) {
        // This `Locked` holds the mutex.
        kernel::unlock();
    }
}

fn now() -> Instant {
    Instant::from_millis(u64::try_from(kernel::uptime_ms()).unwrap_or(0))
}

fn sleep_ms(ms: u64) {
    kernel::sleep_ms(ms.min(i32::MAX as u64) as i32);
}

/// A charge point running on its Zephyr thread; a handle to its `'static` [`State`].
pub struct ZephyrChargePoint<S: Station + 'static> {
    state: &'static State<S>,
}

impl<S: Station + Send + 'static> ZephyrChargePoint<S> {
    /// Copies the endpoint, builds the engine and starts the OCPP thread, which connects in the
    /// background. `on_event` sees every event on that thread, without the engine lock.
    pub fn launch(
        state: &'static State<S>,
        endpoint: &Endpoint<'_>,
        boot: BootNotificationRequest,
        connectors: u8,
        station: S,
        options: Options,
        on_event: fn(&Event),
    ) -> Result<Self, crate::engine::CommandError> {
        use crate::engine::CommandError;
        if state.running.load(Ordering::Acquire) {
            return Err(CommandError::Busy);
        }
        // First, so the restore's and the boot check's lines are logged (a zephyr-lang-rust
        // application owns the `log` logger: `zephyr::set_logger`).
        #[cfg(not(feature = "zephyr-lang-rust"))]
        install_logger();
        {
            let mut locked = Locked::new(state);
            let inner = locked.inner();
            inner.host.clear();
            inner.path.clear();
            let fits = inner.host.push_str(endpoint.host).is_ok()
                && inner.host.push('\0').is_ok()
                && inner.path.push_str(endpoint.path).is_ok()
                && inner.path.push('\0').is_ok();
            if !fits {
                return Err(CommandError::InvalidArgument);
            }
            inner.port = endpoint.port;
            inner.family = endpoint.family;
            inner.on_event = Some(on_event);
            inner.recent.clear();
            #[cfg(feature = "firmware-management")]
            firmware::reset(&mut inner.mailbox);
            // Built in place: the caller's stack (e.g. main's) never holds the engine.
            ChargePoint::init_in(&mut inner.engine, boot, connectors, station, options, now())?;
            #[cfg(feature = "security-profiles")]
            security::provision(locked.engine());
            #[cfg(feature = "persistence")]
            {
                // SAFETY: as in `collect`: the port mutex is held.
                let buf = unsafe { &mut *state.store_buf.get() };
                store::restore(locked.engine(), buf, now());
                #[cfg(feature = "firmware-management")]
                firmware::check_boot(locked.engine());
                locked.collect();
            }
            // A signed client certificate restored from the store, with its stored key.
            #[cfg(all(feature = "certificate-signing", feature = "persistence"))]
            security::use_signed_client_certificate(locked.engine(), false);
            // The whitepaper's StartupOfTheDevice, behind what the store restored.
            #[cfg(feature = "security")]
            let _ = locked.engine().record_security_event(
                now(),
                crate::messages::SecurityEventType::StartupOfTheDevice,
                None,
            );
        }
        state.stop.store(false, Ordering::Release);
        state.running.store(true, Ordering::Release);
        // `arg` points to a `'static` State<S>, which is what `thread_main::<S>` expects.
        let arg = state as *const State<S> as *mut core::ffi::c_void;
        if !kernel::start_thread(thread_main::<S>, arg) {
            state.running.store(false, Ordering::Release);
            return Err(CommandError::NotReady);
        }
        #[cfg(feature = "firmware-management")]
        firmware::start_thread(state);
        Ok(Self { state })
    }

    /// Runs `f` with the engine locked, then collects the events it produced.
    pub fn with<R>(&self, f: impl FnOnce(&mut ChargePoint<S>, Instant) -> R) -> R {
        let mut locked = Locked::new(self.state);
        let result = f(locked.engine(), now());
        locked.collect();
        result
    }

    /// Runs a command, then waits up to `timeout_ms` for an event `pred` accepts among those
    /// produced from the command on. A command error returns at once.
    pub fn with_then_wait<T, E>(
        &self,
        f: impl FnOnce(&mut ChargePoint<S>, Instant) -> Result<T, E>,
        mut pred: impl FnMut(&T, &Event) -> bool,
        timeout_ms: u32,
    ) -> Result<(T, Option<Event>), E> {
        let mut locked = Locked::new(self.state);
        let mark = locked.inner().next_seq;
        let value = f(locked.engine(), now())?;
        locked.collect();
        let event = wait(
            &mut locked,
            Some(mark),
            &mut |e| pred(&value, e),
            timeout_ms,
        );
        Ok((value, event))
    }

    /// Waits up to `timeout_ms` for a recent event `pred` accepts that no wait returned yet.
    pub fn wait_event(
        &self,
        mut pred: impl FnMut(&Event) -> bool,
        timeout_ms: u32,
    ) -> Option<Event> {
        let mut locked = Locked::new(self.state);
        wait(&mut locked, None, &mut pred, timeout_ms)
    }

    /// Begins the shutdown: the OCPP thread stops, and every call waiting for an event returns
    /// None at once (a `shutdown` follows).
    pub fn interrupt(&self) {
        self.state.stop.store(true, Ordering::Release);
        let _locked = Locked::new(self.state);
        kernel::notify_all();
    }

    /// Stops the OCPP thread (it closes the connection) and waits for it.
    pub fn shutdown(self) {
        self.state.stop.store(true, Ordering::Release);
        if !kernel::join_thread(CONNECT_TIMEOUT_MS as i32 + 1_000) {
            warn!("the OCPP thread did not stop in time");
        }
        let mut locked = Locked::new(self.state);
        // SAFETY: the engine was written by `launch` and is dropped exactly once, here.
        unsafe { locked.inner().engine.assume_init_drop() };
        self.state.running.store(false, Ordering::Release);
    }
}

impl<S: Station> State<S> {
    /// Runs `f` (the application's callback) marked as such.
    pub fn run_callback<R>(&self, f: impl FnOnce() -> R) -> R {
        self.callback_depth.fetch_add(1, Ordering::AcqRel);
        let result = f();
        self.callback_depth.fetch_sub(1, Ordering::AcqRel);
        result
    }

    /// Whether the calling thread is inside the application's callback (the engine is locked).
    pub fn in_callback(&self) -> bool {
        self.callback_depth.load(Ordering::Acquire) > 0 && kernel::on_ocpp_thread()
    }
}

/// Sleeps the calling thread.
pub fn sleep(ms: u32) {
    sleep_ms(u64::from(ms));
}

/// One loop for every waiting C API call (`pred` is a trait object: a generic one copied the
/// loop into each of them).
#[inline(never)]
fn wait<S: Station>(
    locked: &mut Locked<'_, S>,
    from: Option<u32>,
    pred: &mut dyn FnMut(&Event) -> bool,
    timeout_ms: u32,
) -> Option<Event> {
    let deadline = now().plus_millis(u64::from(timeout_ms));
    let mut next = from;
    loop {
        if locked.state.stop.load(Ordering::Acquire) {
            // Shutting down (ZephyrChargePoint::interrupt): no event is coming.
            return None;
        }
        let inner = locked.inner();
        for record in inner.recent.iter_mut() {
            let fresh = next.is_none_or(|n| record.seq.wrapping_sub(n) < u32::MAX / 2);
            if fresh && !record.taken && pred(&record.event) {
                record.taken = true;
                return Some(record.event.clone());
            }
        }
        next = Some(inner.next_seq);
        let left = deadline.millis_since(now());
        if left == 0 {
            return None;
        }
        // The mutex is held (by `locked`), as the wait requires.
        let _ = kernel::wait(left.min(i32::MAX as u64) as i32);
    }
}

/// The OCPP thread.
extern "C" fn thread_main<S: Station + Send + 'static>(arg: *mut core::ffi::c_void) {
    // SAFETY: `launch` passes a pointer to a `'static` State<S>.
    let state: &'static State<S> = unsafe { &*(arg as *const State<S>) };
    sntp::reset();
    sntp::sync_if_due(state);
    let mut backoff = RECONNECT_MIN_MS as u64;
    while !state.stop.load(Ordering::Acquire) {
        let connected = {
            let mut locked = Locked::new(state);
            #[cfg(feature = "security-profiles")]
            {
                let _ = locked.engine().poll_reconnect();
                let path = locked.inner().path.clone();
                let set = security::prepare(locked.engine(), &path);
                if set != 0 {
                    warn!("security settings not applied (", set, ")");
                }
            }
            let inner = locked.inner();
            // SAFETY: host and path are NUL-terminated strings in the 'static state, which only
            // `launch` changes (not while this thread runs).
            unsafe {
                port::ocpp_port_ws_connect(
                    inner.host.as_ptr().cast(),
                    inner.port,
                    inner.family,
                    inner.path.as_ptr().cast(),
                    CONNECT_TIMEOUT_MS as i32,
                )
            }
        };
        if connected == 0 {
            if session(state) {
                backoff = RECONNECT_MIN_MS as u64;
            }
            // SAFETY: plain call into the C port.
            unsafe { port::ocpp_port_ws_close() };
        } else {
            warn!(
                "connection failed (",
                connected, "); retrying in ", backoff, " ms"
            );
            #[cfg(feature = "security-profiles")]
            {
                let mut locked = Locked::new(state);
                security::connect_failed(locked.engine(), now(), connected);
                locked.collect();
            }
        }
        deliver(state);
        let mut slept = 0;
        while slept < backoff && !state.stop.load(Ordering::Acquire) {
            // Offline, transfers still start when due (a download at its retrieveDate).
            #[cfg(feature = "firmware-management")]
            Locked::new(state).collect();
            sleep_ms(POLL_MS);
            slept += POLL_MS;
        }
        backoff = (backoff * 2).min(RECONNECT_MAX_MS as u64);
    }
}

/// One connection, until it drops or the platform stops. Returns whether the boot was accepted.
fn session<S: Station + Send + 'static>(state: &'static State<S>) -> bool {
    // SAFETY: only this thread touches the frame buffer.
    let buf = unsafe { &mut *state.frame.get() };
    let mut accepted = false;
    // A Reset due while offline is served by this connection's boot.
    state.reset_due.store(false, Ordering::Release);
    {
        let mut locked = Locked::new(state);
        locked.engine().handle_connected(now());
        locked.collect();
    }
    while !state.stop.load(Ordering::Acquire) {
        sntp::sync_if_due(state);
        let next = {
            let mut locked = Locked::new(state);
            let t = now();
            locked.engine().handle_timeout(t);
            if locked.engine().link_dead() {
                warn!("the Central System does not answer pings; reconnecting");
                break;
            }
            #[cfg(feature = "security-profiles")]
            if locked.engine().poll_reconnect() {
                info!("credentials changed: reconnecting with them");
                break;
            }
            // Delivered (on_event: the reset handler or sys_reboot) in the previous round.
            if state.reset_due.swap(false, Ordering::AcqRel) {
                info!("reset: reconnecting to register anew");
                break;
            }
            if locked.engine().poll_ping(t) {
                // SAFETY: plain call into the C port.
                let sent = unsafe { port::ocpp_port_ws_ping(SEND_TIMEOUT_MS) };
                if sent != 0 {
                    warn!("ping failed (", sent, ")");
                    break;
                }
            }
            #[cfg(feature = "certificate-signing")]
            {
                let path = locked.inner().path.clone();
                security::serve_csr(locked.engine(), t, &path, tx_part(buf));
            }
            if !flush(locked.engine(), t, tx_part(buf)) {
                break;
            }
            accepted |= locked.engine().registration() == Some(RegistrationStatus::Accepted);
            locked.collect();
            locked.engine().poll_timeout()
        };
        deliver(state);
        let t = now();
        let wait = next.map_or(POLL_MS, |n| n.millis_since(t).min(POLL_MS));
        let mut total = 0u64;
        let mut pong = false;
        let rx = rx_part(buf);
        // SAFETY: rx is a valid buffer of rx.len() bytes owned by this thread; the out-pointers
        // are valid locals.
        let got = unsafe {
            port::ocpp_port_ws_recv(
                rx.as_mut_ptr(),
                rx.len(),
                wait as i32,
                &mut total,
                &mut pong,
            )
        };
        let mut locked = Locked::new(state);
        let t = now();
        if pong {
            locked.engine().handle_pong(t);
        }
        let reply = match got {
            n if n >= 0 => locked
                .engine()
                .handle_frame_in_place(t, buf, n as usize, SEND_CAPACITY),
            e if e == -EMSGSIZE => locked.engine().handle_oversized_frame_in_place(
                rx_part(buf),
                total as usize,
                SEND_CAPACITY,
            ),
            e if e == -EAGAIN => None,
            e => {
                warn!("connection lost (", e, ")");
                break;
            }
        };
        if let Some(n) = reply {
            if send(buf, n).is_err() {
                break;
            }
        }
        locked.collect();
    }
    let mut locked = Locked::new(state);
    locked.engine().handle_disconnected(now());
    locked.collect();
    accepted
}

/// The part of the frame buffer a frame is received into (CONFIG_OCPP_RECV_BUFFER_SIZE).
fn rx_part(buf: &mut [u8; FRAME_BUFFER]) -> &mut [u8] {
    buf.get_mut(..FRAME_CAPACITY).unwrap_or_default()
}

/// The part a frame is written into (CONFIG_OCPP_SEND_BUFFER_SIZE: the websocket client
/// allocates one frame of that size to mask it).
fn tx_part(buf: &mut [u8; FRAME_BUFFER]) -> &mut [u8] {
    buf.get_mut(..SEND_CAPACITY).unwrap_or_default()
}

fn send(tx: &[u8], n: usize) -> Result<(), i32> {
    let frame = tx.get(..n).unwrap_or_default();
    // SAFETY: `frame` is a valid slice for the duration of the call.
    match unsafe { port::ocpp_port_ws_send(frame.as_ptr(), frame.len(), SEND_TIMEOUT_MS) } {
        0 => Ok(()),
        e => {
            warn!("send failed (", e, ")");
            Err(e)
        }
    }
}

/// Sends every frame the engine has; false when the connection failed.
fn flush<S: Station>(cp: &mut ChargePoint<S>, now: Instant, tx: &mut [u8]) -> bool {
    while let Some(n) = cp.poll_transmit(now, tx) {
        if send(tx, n).is_err() {
            return false;
        }
    }
    true
}

/// Reboots (sys_reboot: cold or warm) with CONFIG_OCPP_RESET_REBOOT; returns without it.
pub fn reboot(cold: bool) {
    // SAFETY: plain call into the C port.
    unsafe { port::ocpp_port_reboot(cold) }
}

/// Hands logged events to the application's `on_event` (and zbus), without the lock.
fn deliver<S: Station>(state: &'static State<S>) {
    loop {
        let (event, on_event) = {
            let mut locked = Locked::new(state);
            let inner = locked.inner();
            let next = inner.recent.iter_mut().find(|r| !r.delivered).map(|r| {
                r.delivered = true;
                r.event.clone()
            });
            (next, inner.on_event)
        };
        let Some(event) = event else { return };
        if let Some(on_event) = on_event {
            on_event(&event);
        }
    }
}

/// The C compiler's sizes of the C API's types (see `ffi::abi_matches_c`).
pub fn c_abi_sizes() -> [usize; 5] {
    let mut sizes = [0usize; 5];
    // SAFETY: the port writes exactly five sizes into the array.
    unsafe { port::ocpp_port_abi_sizes(sizes.as_mut_ptr()) };
    sizes
}

/// Publishes an application event on zbus (the port drops it when zbus is off).
pub fn publish<T>(event: &T) {
    // SAFETY: `event` is valid for the call; the port copies `size` bytes.
    unsafe { port::ocpp_port_publish((event as *const T).cast(), core::mem::size_of::<T>()) };
}

/// Publishes a charging limit change on zbus (the port drops it when zbus is off).
#[cfg(feature = "smart-charging")]
pub fn publish_limit<T>(limit: &T) {
    // SAFETY: `limit` is valid for the call; the port copies `size` bytes.
    unsafe { port::ocpp_port_publish_limit((limit as *const T).cast(), core::mem::size_of::<T>()) };
}

/// A finished log line (src/logging.rs) to Zephyr's log subsystem (module `ocpp`,
/// CONFIG_OCPP_LOG_LEVEL) and, with Firmware Management, to the diagnostics ring.
#[cfg(not(feature = "zephyr-lang-rust"))]
pub(crate) fn log_line(level: log::Level, line: &str) {
    let (level, _tag) = match level {
        log::Level::Error => (1, "E "),
        log::Level::Warn => (2, "W "),
        log::Level::Info => (3, "I "),
        _ => (4, "D "),
    };
    #[cfg(feature = "firmware-management")]
    firmware::record_log_line(_tag, line);
    // SAFETY: `line` is valid for the call; the port reads `len` bytes.
    unsafe { port::ocpp_port_log(level, line.as_ptr().cast(), line.len()) };
}

/// `log` records (only the self-tests still write any: the library logs through
/// src/logging.rs, which needs no core::fmt) go the same way.
#[cfg(all(feature = "selftest", not(feature = "zephyr-lang-rust")))]
struct ZephyrLog;

#[cfg(all(feature = "selftest", not(feature = "zephyr-lang-rust")))]
impl log::Log for ZephyrLog {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let mut line: String<{ crate::logging::LINE_CAPACITY }> = String::new();
        // Too long a line is cut: this is a log line, not data.
        let _ = write!(line, "{}", record.args());
        log_line(record.level(), &line);
    }

    fn flush(&self) {}
}

#[cfg(not(feature = "zephyr-lang-rust"))]
fn install_logger() {
    #[cfg(feature = "selftest")]
    {
        static LOGGER: ZephyrLog = ZephyrLog;
        let _ = log::set_logger(&LOGGER);
    }
    // CONFIG_OCPP_LOG_LEVEL: records above it are dropped before they are assembled.
    log::set_max_level(match crate::capacity::LOG_LEVEL {
        0 => log::LevelFilter::Off,
        1 => log::LevelFilter::Error,
        2 => log::LevelFilter::Warn,
        3 => log::LevelFilter::Info,
        _ => log::LevelFilter::Debug,
    });
}

/// The zephyr-lang-rust application's `zephyr` crate brings the panic handler otherwise.
#[cfg(all(not(test), not(feature = "zephyr-lang-rust")))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut text: String<96> = String::new();
    // The location only, without core::fmt: formatting the message would link it in (~2 KB).
    if let Some(location) = info.location() {
        let mut digits = [0u8; 10];
        let _ = text.push_str(location.file().get(..80).unwrap_or(location.file()));
        let _ = text.push(':');
        let _ = text.push_str(crate::json::decimal(location.line(), &mut digits));
    }
    // SAFETY: `text` is valid for the call; the port never returns.
    unsafe { port::ocpp_port_panic(text.as_ptr().cast(), text.len()) };
    loop {
        core::hint::spin_loop();
    }
}
