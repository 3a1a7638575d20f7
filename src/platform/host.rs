//! The host platform (feature `std`): drives a [`ChargePoint`] over a `ws://` WebSocket, or
//! `wss://` with the Security Profiles (feature `security-profiles`: TLS by rustls, Basic Auth),
//! from a thread named `ocpp`.
//!
//! ```text
//!  application threads                    IO thread "ocpp"
//!  ─────────────────────                  ─────────────────────────────────────────────
//!  with(|cp, now| cp.authorize(..))  ──►  Mutex<ChargePoint> ◄── connect, handle_frame,
//!  wait_event(pred, timeout)         ◄──  event log (ring)   ◄── poll_transmit, poll_event,
//!                                         on_event(&Event)        handle_timeout, reconnect
//! ```
//!
//! The engine sits behind a mutex. Application commands run through [`HostChargePoint::with`];
//! the IO thread sends what they queued within [`POLL_INTERVAL`]. Every event the engine
//! produces goes into a bounded log of recent events (for [`HostChargePoint::wait_event`] and
//! friends) and is handed to the `on_event` callback on the IO thread.
//!
//! ```no_run
//! use std::time::Duration;
//! use ocpp::engine::{Event, Station};
//! use ocpp::messages::BootNotificationRequest;
//! use ocpp::platform::host::{charge_point_url, HostChargePoint, HostConfig};
//!
//! struct Meter;
//! impl Station for Meter {}
//!
//! let boot = BootNotificationRequest {
//!     charge_point_vendor: ocpp::CiString::try_from_str("acme").unwrap(),
//!     charge_point_model: ocpp::CiString::try_from_str("one").unwrap(),
//!     ..Default::default()
//! };
//! let config = HostConfig::new(charge_point_url("ws://127.0.0.1:9000/ocpp", "CP_1"));
//! let host = HostChargePoint::spawn(config, boot, 2, Meter, |e: &Event| println!("{e:?}")).unwrap();
//! while !host.is_online() {
//!     std::thread::sleep(Duration::from_millis(50));
//! }
//! let answer = host.with_then_wait(
//!     |cp, now| cp.start_transaction(now, 1, "TAG-1", 0, None),
//!     |ticket, e| matches!(e, Event::TransactionStarted { ticket: t, .. } if t == ticket),
//!     Duration::from_secs(10),
//! );
//! host.shutdown();
//! ```
//!
//! # Threading contract
//! - [`Station`] methods are called by the engine with the engine locked: on the IO thread, or
//!   on the thread inside a [`HostChargePoint::with`] call that triggered them (for example
//!   `read_meter` from `stop_transaction`). They must not call back into the
//!   [`HostChargePoint`] (that would deadlock) and must not block for long. To act on a request
//!   (remote start, say), hand it to another thread, which then calls `with`.
//! - `on_event` runs on the IO thread *without* the engine lock, in the order the engine
//!   produced the events. It may call [`HostChargePoint::with`] (through a handle it shares),
//!   but must not block: no `wait_event*` there, since the IO thread is the one producing events.
//!
//! # Clocks
//! The engine's monotonic [`Instant`] is milliseconds since [`HostChargePoint::spawn`]; the wall
//! clock is set once from [`SystemTime`] (the host's clock is trusted, so the Central System's
//! `currentTime` is not applied).

#[cfg(feature = "firmware-management")]
use std::path::PathBuf;

mod config;
mod connection;
#[cfg(feature = "certificate-signing")]
pub mod csr;
mod event_log;
pub use config::{charge_point_url, HostConfig};
#[cfg(feature = "firmware-management")]
pub mod http;
#[cfg(feature = "security-profiles")]
mod tls;
#[cfg(feature = "firmware-management")]
pub mod transfers;
use connection::{close, Stream, Target};
use event_log::EventLog;
#[cfg(feature = "firmware-management")]
pub use transfers::{DiagnosticsSource, FirmwareConfig, FirmwareHandler, InstallDecision};

use super::host_store::{DirStore, StoreStats};
use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use log::{debug, info, warn};
use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::client::Request;
use tungstenite::http::Uri;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::HandshakeError;
use tungstenite::{ClientRequestBuilder, Message, WebSocket};

use crate::capacity::{FRAME_CAPACITY, SEND_CAPACITY};
use crate::datetime::{DateTime, Instant};
use crate::engine::{ChargePoint, CommandError, Event, Station};
use crate::messages::BootNotificationRequest;

/// The WebSocket subprotocol of OCPP 1.6J, offered in the handshake and required in the answer.
pub const SUBPROTOCOL: &str = "ocpp1.6";

/// Longest the IO thread blocks on the socket: commands issued through
/// [`HostChargePoint::with`] are sent at most this much later.
pub const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// Recent events kept for [`HostChargePoint::wait_event`]; older ones are forgotten.
pub const EVENT_HISTORY: usize = 256;

/// Every socket write.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a clean close waits for the Central System's close frame.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a connection stays open after the answer to a CALL that changed its credentials,
/// before it is closed for the new ones (see `session`).
#[cfg(feature = "security-profiles")]
const RECONNECT_GRACE: Duration = Duration::from_millis(250);
/// Frames up to this size are received whole (and refused by the engine when larger than
/// `FRAME_CAPACITY`); larger ones end the connection.
const MAX_MESSAGE_SIZE: usize = 1 << 20;
/// Events not yet handed to `on_event` (only grows when the callback is stuck).
const MAX_UNDELIVERED: usize = 4096;

/// A position in the event log: [`HostChargePoint::wait_event_since`] only considers events
/// produced after the mark was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventMark(u64);

struct Shared<S: Station> {
    engine: Mutex<ChargePoint<S>>,
    log: Mutex<EventLog>,
    /// Signalled whenever events are added to the log.
    logged: Condvar,
    stop: AtomicBool,
    /// An accepted Reset is due (Event::ResetDue): the IO thread reconnects and registers anew.
    reset_due: AtomicBool,
    /// The engine's `Instant` 0.
    epoch: std::time::Instant,
    /// Written after every engine step, under the engine lock.
    store: Mutex<Option<DirStore>>,
    /// The transfer thread's job queue (None: none runs).
    #[cfg(feature = "firmware-management")]
    transfers: Mutex<Option<std::sync::mpsc::Sender<transfers::Work>>>,
    #[cfg(feature = "firmware-management")]
    diagnostics_file: Option<PathBuf>,
}

/// A poisoned lock only means another thread panicked while holding it; the data is still the
/// best we have, and a charge point should keep running.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<S: Station> Shared<S> {
    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn engine(&self) -> MutexGuard<'_, ChargePoint<S>> {
        lock(&self.engine)
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Moves the engine's events into the log. Called with the engine locked, so the log's
    /// order is the engine's order and a mark taken under the same lock is exact.
    fn collect(&self, cp: &mut ChargePoint<S>) {
        if let Some(store) = lock(&self.store).as_mut() {
            store.sync(cp);
        }
        #[cfg(feature = "firmware-management")]
        self.start_transfers(cp);
        let mut any = false;
        let mut log = lock(&self.log);
        while let Some(event) = cp.poll_event() {
            debug!("event: {event:?}");
            if matches!(event, Event::ResetDue(_)) {
                self.reset_due.store(true, Ordering::Release);
            }
            log.push(event);
            any = true;
        }
        drop(log);
        if any {
            self.logged.notify_all();
        }
    }

    fn mark(&self) -> EventMark {
        EventMark(lock(&self.log).next_seq)
    }

    fn wait(
        &self,
        from: Option<u64>,
        mut pred: impl FnMut(&Event) -> bool,
        timeout: Duration,
    ) -> Option<Event> {
        let deadline = std::time::Instant::now().checked_add(timeout);
        let mut log = lock(&self.log);
        // Events before `next` were already shown to `pred`.
        let mut next = from.unwrap_or(0);
        loop {
            if self.stopped() {
                // Shutting down (HostChargePoint::interrupt): no event is coming.
                return None;
            }
            for record in log.recent.iter_mut().filter(|r| r.seq >= next && !r.taken) {
                if pred(&record.event) {
                    record.taken = true;
                    return Some(record.event.clone());
                }
            }
            next = log.next_seq;
            let left = match deadline {
                Some(deadline) => deadline
                    .checked_duration_since(std::time::Instant::now())
                    .filter(|d| !d.is_zero())?,
                None => Duration::from_secs(3600),
            };
            log = match self.logged.wait_timeout(log, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Hands the logged events to `on_event` (IO thread only, engine not locked).
    fn deliver(&self, on_event: &mut impl FnMut(&Event)) {
        loop {
            let Some(event) = lock(&self.log).undelivered.pop_front() else {
                return;
            };
            on_event(&event);
        }
    }

    /// Sleeps up to `duration`, returning early on shutdown.
    fn sleep(&self, duration: Duration) {
        let until = std::time::Instant::now() + duration;
        while !self.stopped() {
            let Some(left) = until
                .checked_duration_since(std::time::Instant::now())
                .filter(|d| !d.is_zero())
            else {
                return;
            };
            thread::park_timeout(left);
        }
    }
}

/// A [`ChargePoint`] connected to a Central System by a background IO thread, reconnecting
/// with back-off. Dropping it shuts it down like [`HostChargePoint::shutdown`].
pub struct HostChargePoint<S: Station + Send + 'static> {
    shared: Arc<Shared<S>>,
    thread: Option<JoinHandle<()>>,
}

impl<S: Station + Send + 'static> HostChargePoint<S> {
    /// Creates the engine, spawns the IO thread (named "ocpp") and returns at once; the thread
    /// connects in the background (see [`HostChargePoint::is_online`]).
    ///
    /// Errors: [`CommandError::InvalidConnector`] / [`CommandError::InvalidArgument`] as
    /// [`ChargePoint::new`]; `InvalidArgument` too for a URL that is not `ws://host[:port]/path`;
    /// [`CommandError::NotReady`] when the thread cannot be spawned.
    ///
    /// `on_event` receives every event, on the IO thread, without the engine lock (see the
    /// module documentation for what it may do).
    ///
    /// ```no_run
    /// use ocpp::platform::host::{charge_point_url, HostChargePoint, HostConfig};
    /// # use ocpp::doc_support::{boot_info, Hardware};
    /// let url = charge_point_url("ws://127.0.0.1:9000/ocpp", "CP-1");
    /// let cp = HostChargePoint::spawn(HostConfig::new(url), boot_info(), 2, Hardware, |event| {
    ///     println!("{event:?}");
    /// })
    /// .unwrap();
    /// cp.with(|engine, now| engine.authorize(now, "TAG-1")).unwrap();
    /// ```
    pub fn spawn(
        config: HostConfig,
        boot: BootNotificationRequest,
        connectors: u8,
        station: S,
        on_event: impl FnMut(&Event) + Send + 'static,
    ) -> Result<Self, CommandError> {
        let target = Target::parse(&config.url).map_err(|e| {
            warn!("{e}");
            CommandError::InvalidArgument
        })?;
        #[cfg(feature = "security-profiles")]
        let tls = match target.tls {
            true => Some(tls::Tls::load(&config, &target.host).map_err(|e| {
                warn!("{e}");
                CommandError::InvalidArgument
            })?),
            false => None,
        };
        let epoch = std::time::Instant::now();
        let mut engine = ChargePoint::new(
            boot,
            connectors,
            station,
            config.options,
            Instant::from_millis(0),
        )?;
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => {
                let ms = i64::try_from(since.as_millis()).unwrap_or(i64::MAX);
                engine.set_wall_clock(Instant::from_millis(0), DateTime::from_unix_ms(ms));
            }
            Err(_) => {
                warn!("the system clock is before 1970; waiting for the Central System's time")
            }
        }
        #[cfg(feature = "security-profiles")]
        {
            let client_certificate = tls.as_ref().is_some_and(tls::Tls::has_client_certificate);
            engine.set_provisioning(crate::engine::Provisioning {
                tls: tls.is_some(),
                client_certificate,
            });
            let key = config.authorization_key.as_deref();
            let profile = config.security_profile.or(match () {
                _ if client_certificate => Some(3),
                _ if tls.is_some() => Some(2),
                _ if key.is_some() => Some(1),
                _ => None,
            });
            engine.provision_credentials(profile, key).inspect_err(|_| {
                warn!("SecurityProfile {profile:?} or AuthorizationKey (16-40 printable characters) invalid")
            })?;
        }
        let store = match &config.store_dir {
            Some(dir) => {
                let mut store = DirStore::open(dir).map_err(|e| {
                    warn!("store {}: {e}", dir.display());
                    CommandError::InvalidArgument
                })?;
                let _ = store.restore(&mut engine, Instant::from_millis(0));
                #[cfg(feature = "firmware-management")]
                transfers::check_boot(&mut engine, &config.firmware.dir(), Instant::from_millis(0));
                Some(store)
            }
            None => None,
        };
        #[cfg(feature = "certificate-signing")]
        let keys = csr::KeyFiles::open(config.store_dir.clone());
        #[cfg(feature = "certificate-signing")]
        if let (Some(tls), Some(chain), Some(key)) =
            (&tls, engine.client_certificate_chain(), keys.active())
        {
            match tls.set_signed_client_certificate(Some((chain, &key))) {
                Ok(()) => engine.set_provisioning(crate::engine::Provisioning {
                    tls: true,
                    client_certificate: true,
                }),
                Err(e) => warn!("the signed client certificate is not usable: {e}"),
            }
        }
        // The whitepaper's StartupOfTheDevice, after the store is restored (it queues behind
        // what was queued before the restart).
        #[cfg(feature = "security")]
        let _ = engine.record_security_event(
            Instant::from_millis(0),
            crate::messages::SecurityEventType::StartupOfTheDevice,
            None,
        );
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            engine: Mutex::new(engine),
            log: Mutex::new(EventLog::default()),
            logged: Condvar::new(),
            stop: AtomicBool::new(false),
            reset_due: AtomicBool::new(false),
            epoch,
            #[cfg(feature = "firmware-management")]
            transfers: Mutex::new(None),
            #[cfg(feature = "firmware-management")]
            diagnostics_file: config.firmware.diagnostics_file.clone(),
        });
        #[cfg(feature = "firmware-management")]
        Shared::spawn_transfers(&shared, &config.firmware);
        let io = IoThread {
            shared: Arc::clone(&shared),
            target,
            config,
            #[cfg(feature = "security-profiles")]
            tls,
            #[cfg(feature = "certificate-signing")]
            keys,
        };
        let thread = thread::Builder::new()
            .name("ocpp".into())
            .spawn(move || io.run(on_event))
            .map_err(|e| {
                warn!("cannot spawn the ocpp thread: {e}");
                CommandError::NotReady
            })?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// Runs `f` with the engine locked and the current engine `Instant`; events it causes are
    /// logged before the lock is released. Frames it queued are sent by the IO thread within
    /// [`POLL_INTERVAL`]. Used for every command (`authorize`, `start_transaction`, ...).
    ///
    /// `f` must not call back into this `HostChargePoint`.
    pub fn with<R>(&self, f: impl FnOnce(&mut ChargePoint<S>, Instant) -> R) -> R {
        let mut cp = self.shared.engine();
        let result = f(&mut cp, self.shared.now());
        self.shared.collect(&mut cp);
        result
    }

    /// Waits until an event matching `pred` is produced, or `timeout` elapses.
    ///
    /// Considers the recent events (the last [`EVENT_HISTORY`]) not yet returned by a
    /// `wait_event*` call, oldest first, then new ones as they come: an event produced between a
    /// [`with`](Self::with) call and this one is not missed. The event returned is marked taken
    /// and is not returned again. Match on a [`Ticket`](crate::engine::Ticket) where the event
    /// has one; for events without a ticket, prefer [`wait_event_since`](Self::wait_event_since)
    /// so an older, unclaimed event of the same kind does not match.
    ///
    /// `pred` runs with the event log locked: it must not call into this `HostChargePoint`.
    /// Must not be called from `on_event` (the IO thread is the one producing events).
    pub fn wait_event(&self, pred: impl FnMut(&Event) -> bool, timeout: Duration) -> Option<Event> {
        self.shared.wait(None, pred, timeout)
    }

    /// The current end of the event log, to pass to [`wait_event_since`](Self::wait_event_since).
    /// Take it before issuing the command whose events you wait for.
    pub fn event_mark(&self) -> EventMark {
        self.shared.mark()
    }

    /// As [`wait_event`](Self::wait_event), but only events produced after `mark` are considered.
    pub fn wait_event_since(
        &self,
        mark: EventMark,
        pred: impl FnMut(&Event) -> bool,
        timeout: Duration,
    ) -> Option<Event> {
        self.shared.wait(Some(mark.0), pred, timeout)
    }

    /// Runs a command and waits for the event it leads to: `pred` sees the command's result
    /// and each event produced from the moment the command ran. A command error returns at once.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use ocpp::engine::{Event, Station};
    /// # fn f<S: Station + Send + 'static>(host: &ocpp::platform::host::HostChargePoint<S>) {
    /// let answer = host.with_then_wait(
    ///     |cp, now| cp.authorize(now, "TAG-1"),
    ///     |ticket, e| matches!(e, Event::Authorized { ticket: t, .. } if t == ticket),
    ///     Duration::from_secs(10),
    /// );
    /// # }
    /// ```
    pub fn with_then_wait<T, E>(
        &self,
        f: impl FnOnce(&mut ChargePoint<S>, Instant) -> Result<T, E>,
        mut pred: impl FnMut(&T, &Event) -> bool,
        timeout: Duration,
    ) -> Result<(T, Option<Event>), E> {
        let (mark, result) = {
            let mut cp = self.shared.engine();
            // Under the engine lock: every event of `f` comes after the mark.
            let mark = self.shared.mark();
            let result = f(&mut cp, self.shared.now());
            self.shared.collect(&mut cp);
            (mark, result)
        };
        let value = result?;
        let event = self.shared.wait(Some(mark.0), |e| pred(&value, e), timeout);
        Ok((value, event))
    }

    /// What the persistent store has written so far (None without a store).
    pub fn store_stats(&self) -> Option<StoreStats> {
        lock(&self.shared.store).as_ref().map(DirStore::stats)
    }

    /// Connected and the BootNotification accepted.
    pub fn is_online(&self) -> bool {
        self.shared.engine().is_online()
    }

    /// Begins the shutdown: the IO thread stops, and every call waiting for an event returns
    /// None at once (a `shutdown` follows).
    pub fn interrupt(&self) {
        self.shared.stop.store(true, Ordering::Release);
        // Under the log lock, so no waiter is between its check and its wait.
        let _log = lock(&self.shared.log);
        self.shared.logged.notify_all();
    }

    /// Stops the IO thread: closes the WebSocket with a close frame (waiting briefly for the
    /// Central System's), tells the engine it is disconnected, delivers the last events, joins.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        // The transfer thread ends after its job (cancelled: `alive` is false now).
        #[cfg(feature = "firmware-management")]
        lock(&self.shared.transfers).take();
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            if thread.join().is_err() {
                warn!("the ocpp thread panicked");
            }
        }
    }
}

impl<S: Station + Send + 'static> Drop for HostChargePoint<S> {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Why a connection ended.
enum End {
    Shutdown,
    Lost,
    /// A Reset took effect: the host cannot reboot, so it closes, reconnects at once and sends
    /// a new BootNotification.
    Reset,
    /// The credentials changed (SecurityProfile, AuthorizationKey): close, connect with the new.
    #[cfg_attr(not(feature = "security-profiles"), allow(dead_code))]
    Reconnect,
}

fn is_timeout(e: &tungstenite::Error) -> bool {
    matches!(e, tungstenite::Error::Io(io) if matches!(io.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut))
}

struct IoThread<S: Station> {
    shared: Arc<Shared<S>>,
    target: Target,
    config: HostConfig,
    #[cfg(feature = "security-profiles")]
    tls: Option<tls::Tls>,
    #[cfg(feature = "certificate-signing")]
    keys: csr::KeyFiles,
}

impl<S: Station> IoThread<S> {
    fn run(self, mut on_event: impl FnMut(&Event)) {
        let min = self.config.reconnect_min.max(Duration::from_millis(1));
        let max = self.config.reconnect_max.max(min);
        let mut backoff = min;
        while !self.shared.stopped() {
            info!("connecting to {}", self.target.url);
            match self.connect(&mut on_event) {
                Ok(mut ws) => {
                    info!("connected to {}", self.target.url);
                    // A Reset due while offline is served by this new connection's boot.
                    self.shared.reset_due.store(false, Ordering::Release);
                    self.step(|cp, now| cp.handle_connected(now));
                    let (end, registered) = self.session(&mut ws, &mut on_event);
                    match end {
                        End::Shutdown | End::Reset | End::Reconnect => close(&mut ws),
                        End::Lost => info!("connection to {} lost", self.target.url),
                    }
                    self.step(|cp, now| cp.handle_disconnected(now));
                    self.shared.deliver(&mut on_event);
                    if registered {
                        backoff = min;
                    }
                    if matches!(end, End::Reset) && !self.shared.stopped() {
                        info!("reset: reconnecting to register anew");
                        continue;
                    }
                    if matches!(end, End::Reconnect) && !self.shared.stopped() {
                        info!("credentials changed: reconnecting with them");
                        continue;
                    }
                }
                Err(e) => warn!("{e}"),
            }
            if self.shared.stopped() {
                break;
            }
            debug!("reconnecting in {backoff:?}");
            self.idle(backoff, &mut on_event);
            backoff = backoff.saturating_mul(2).min(max);
        }
        self.shared.deliver(&mut on_event);
        info!("ocpp thread stopped");
    }

    /// Runs the engine's due timers (meter samples are queued while the socket is slow).
    fn tick(&self, on_event: &mut impl FnMut(&Event)) {
        self.step(|cp, now| {
            if cp.poll_timeout().is_some_and(|t| t <= now) {
                cp.handle_timeout(now);
            }
        });
        self.shared.deliver(on_event);
    }

    /// TCP connect and WebSocket handshake, bounded together by `connect_timeout`. Neither
    /// blocks the engine: the connect runs on a helper thread, the handshake reads in
    /// POLL_INTERVAL slices, and the timers run in between.
    fn connect(&self, on_event: &mut impl FnMut(&Event)) -> Result<WebSocket<Stream>, String> {
        let deadline = std::time::Instant::now() + self.config.connect_timeout;
        let left = || {
            deadline
                .checked_duration_since(std::time::Instant::now())
                .filter(|d| !d.is_zero())
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let (host, port) = (self.target.host.clone(), self.target.port);
        let timeout = self.config.connect_timeout.max(Duration::from_millis(1));
        thread::Builder::new()
            .name("ocpp-connect".into())
            .spawn(move || {
                let _ = tx.send(Target::open_tcp(&host, port, timeout));
            })
            .map_err(|e| format!("cannot spawn the connect thread: {e}"))?;
        let stream = loop {
            match rx.recv_timeout(POLL_INTERVAL * 10) {
                Ok(result) => break result?,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err("the connect thread ended without a result".into())
                }
            }
            self.tick(on_event);
            if self.shared.stopped() {
                return Err("shutting down".into());
            }
            // The helper ends by itself, at the latest after the connect timeout.
            left().ok_or("TCP connect timed out")?;
        };
        let setup = |s: &TcpStream| -> io::Result<()> {
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(POLL_INTERVAL))?;
            s.set_write_timeout(Some(IO_TIMEOUT))
        };
        setup(&stream).map_err(|e| format!("socket options: {e}"))?;
        #[cfg(feature = "security-profiles")]
        let (stream, password) = {
            let (profile, password) = self.step_with(|cp, _| {
                #[cfg(feature = "certificate-signing")]
                self.client_certificate_changed(cp);
                let _ = cp.poll_reconnect();
                let settings = cp.connection_settings();
                (
                    settings.profile,
                    settings.basic_auth_password.map(str::to_owned),
                )
            });
            let stream = match &self.tls {
                Some(tls) => self.tls_handshake(tls, stream, profile >= 3, on_event, &left)?,
                None if profile >= 2 => {
                    return Err(format!(
                        "SecurityProfile {profile} needs a wss:// Central System URL"
                    ))
                }
                None => Stream::Plain(stream),
            };
            (stream, password)
        };
        #[cfg(not(feature = "security-profiles"))]
        let (stream, password) = (Stream::Plain(stream), None::<String>);
        let ws_config = WebSocketConfig {
            max_message_size: Some(MAX_MESSAGE_SIZE),
            max_frame_size: Some(MAX_MESSAGE_SIZE),
            ..WebSocketConfig::default()
        };
        let request = self.target.request(password.as_deref())?;
        let url = &self.target.url;
        let mut attempt = tungstenite::client::client_with_config(request, stream, Some(ws_config));
        let (ws, response) = loop {
            match attempt {
                Ok(done) => break done,
                Err(HandshakeError::Failure(e)) => {
                    #[cfg(feature = "security-profiles")]
                    self.report_failure(&e);
                    return Err(format!("WebSocket handshake with {url}: {e}"));
                }
                Err(HandshakeError::Interrupted(mid)) => {
                    self.tick(on_event);
                    if self.shared.stopped() {
                        return Err("shutting down".into());
                    }
                    if left().is_none() {
                        return Err(format!(
                            "WebSocket handshake with {url} not done within {:?}",
                            self.config.connect_timeout
                        ));
                    }
                    attempt = mid.handshake();
                }
            }
        };
        let protocol = response
            .headers()
            .get("Sec-WebSocket-Protocol")
            .and_then(|v| v.to_str().ok());
        if protocol != Some(SUBPROTOCOL) {
            return Err(format!(
                "the Central System answered subprotocol {protocol:?}, not {SUBPROTOCOL}"
            ));
        }
        Ok(ws)
    }

    fn step(&self, f: impl FnOnce(&mut ChargePoint<S>, Instant)) {
        self.step_with(f)
    }

    fn step_with<R>(&self, f: impl FnOnce(&mut ChargePoint<S>, Instant) -> R) -> R {
        let mut cp = self.shared.engine();
        let result = f(&mut cp, self.shared.now());
        self.shared.collect(&mut cp);
        result
    }

    /// The TLS handshake on `tcp`, in POLL_INTERVAL slices with the timers run in between, within
    /// the connect deadline. A refused certificate, version or cipher suite is classified and
    /// handed to the engine.
    #[cfg(feature = "security-profiles")]
    fn tls_handshake(
        &self,
        tls: &tls::Tls,
        mut tcp: TcpStream,
        mutual: bool,
        on_event: &mut impl FnMut(&Event),
        left: &impl Fn() -> Option<Duration>,
    ) -> Result<Stream, String> {
        // The engine's installed CentralSystemRootCertificates join the CA file's roots: one
        // installed by InstallCertificate is trusted from this (the next) connection on.
        #[cfg(feature = "certificates")]
        let (roots_version, installed) = self.step_with(|cp, _| {
            use crate::messages::CertificateUse;
            let installed: Vec<Vec<u8>> = cp
                .installed_certificates(CertificateUse::CentralSystemRootCertificate)
                .map(<[u8]>::to_vec)
                .collect();
            (Some(cp.central_system_roots_version()), installed)
        });
        #[cfg(not(feature = "certificates"))]
        let (roots_version, installed) = (None, Vec::new());
        let mut conn = tls.session(mutual, roots_version, &installed)?;
        loop {
            match tls::handshake_step(&mut conn, &mut tcp) {
                Ok(true) => break,
                Ok(false) => {}
                Err(e) => {
                    if let Some(failure) = tls.classify(&e) {
                        self.step(|cp, now| cp.handle_connection_failed(now, failure));
                    }
                    return Err(format!("TLS handshake with {}: {e}", self.target.url));
                }
            }
            self.tick(on_event);
            if self.shared.stopped() {
                return Err("shutting down".into());
            }
            left().ok_or_else(|| format!("TLS handshake with {} timed out", self.target.url))?;
        }
        // Which installed root verified this connection: DeleteCertificate refuses to delete it.
        #[cfg(feature = "certificates")]
        if let Some(top) = conn.peer_certificates().and_then(<[_]>::last) {
            let top = top.as_ref().to_vec();
            self.step(|cp, _| cp.tls_peer_verified(&top));
        }
        Ok(Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))))
    }

    /// A failed WebSocket upgrade: 401 is refused credentials; a TLS alert now (TLS 1.3 sends
    /// a refused client certificate after the handshake) is classified as in the handshake.
    #[cfg(feature = "security-profiles")]
    fn report_failure(&self, e: &tungstenite::Error) {
        use crate::engine::ConnectionFailure;
        let failure = match e {
            tungstenite::Error::Http(response) if response.status().as_u16() == 401 => {
                warn!(
                    "{}: 401 Unauthorized: the Central System refused the Basic Auth credentials",
                    self.target.url
                );
                Some(ConnectionFailure::Unauthorized)
            }
            tungstenite::Error::Io(io) => self.tls.as_ref().and_then(|tls| tls.classify(io)),
            _ => None,
        };
        if let Some(failure) = failure {
            self.step(|cp, now| cp.handle_connection_failed(now, failure));
        }
    }

    /// The engine accepted a CertificateSigned chain (or dropped a refused one): the next TLS
    /// connection presents it with the key of its CSR (or the provisioned certificate again).
    #[cfg(feature = "certificate-signing")]
    fn client_certificate_changed(&self, cp: &mut ChargePoint<S>) {
        if !cp.poll_client_certificate_changed() {
            return;
        }
        let signed = self.keys.chain_changed(cp.client_certificate_chain());
        let Some(tls) = &self.tls else { return };
        let result = match &signed {
            Some((der, key)) => {
                info!("using the signed client certificate from this connection on");
                tls.set_signed_client_certificate(Some((der, key)))
            }
            None => {
                info!("using the provisioned client certificate again");
                tls.set_signed_client_certificate(None)
            }
        };
        if let Err(e) = result {
            warn!("the signed client certificate is not usable: {e}");
            let _ = tls.set_signed_client_certificate(None);
        }
    }

    /// Offline for `duration`: the engine's timers still run (meter samples are queued).
    fn idle(&self, duration: Duration, on_event: &mut impl FnMut(&Event)) {
        let until = std::time::Instant::now() + duration;
        while !self.shared.stopped() {
            self.step(|cp, now| {
                if cp.poll_timeout().is_some_and(|t| t <= now) {
                    cp.handle_timeout(now);
                }
            });
            self.shared.deliver(on_event);
            let Some(left) = until
                .checked_duration_since(std::time::Instant::now())
                .filter(|d| !d.is_zero())
            else {
                return;
            };
            self.shared.sleep(left.min(POLL_INTERVAL * 10));
        }
    }

    /// One connection, until it drops or shutdown. Returns whether the boot was accepted.
    fn session(
        &self,
        ws: &mut WebSocket<Stream>,
        on_event: &mut impl FnMut(&Event),
    ) -> (End, bool) {
        // Frames sent get the transmit buffer of Zephyr's build (OCPP_SEND_BUFFER_SIZE).
        let mut out = vec![0u8; SEND_CAPACITY];
        let mut reply = vec![0u8; SEND_CAPACITY];
        let mut frames: Vec<String> = Vec::new();
        let mut registered = false;
        let mut read_timeout = POLL_INTERVAL;
        loop {
            if self.shared.stopped() {
                return (End::Shutdown, registered);
            }
            let (wait, ping) = {
                let mut cp = self.shared.engine();
                let now = self.shared.now();
                if cp.poll_timeout().is_some_and(|t| t <= now) {
                    cp.handle_timeout(now);
                }
                if cp.link_dead() {
                    drop(cp);
                    warn!("the Central System does not answer pings; reconnecting");
                    return (End::Lost, registered);
                }
                #[cfg(feature = "certificate-signing")]
                self.keys.serve(&mut cp, now, &self.target.cp_id);
                #[cfg(feature = "security-profiles")]
                if cp.poll_reconnect() {
                    drop(cp);
                    // The answer to the CALL that changed the credentials was just sent: give
                    // the Central System a moment to read it before the close and the new
                    // connection (which some, ours among them, take as replacing this one).
                    std::thread::sleep(RECONNECT_GRACE);
                    return (End::Reconnect, registered);
                }
                if self.shared.reset_due.swap(false, Ordering::AcqRel) {
                    drop(cp);
                    // on_event sees ResetDue (the application may act on it) before the close.
                    self.shared.deliver(on_event);
                    return (End::Reset, registered);
                }
                let ping = cp.poll_ping(now);
                while let Some(n) = cp.poll_transmit(now, &mut out) {
                    match out
                        .get(..n)
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                    {
                        Some(text) => frames.push(text),
                        None => warn!("engine reported a frame longer than the buffer"),
                    }
                }
                registered |= cp.is_online();
                self.shared.collect(&mut cp);
                let wait = cp.poll_timeout().map_or(POLL_INTERVAL, |t| {
                    Duration::from_millis(t.millis_since(now))
                });
                (wait, ping)
            };
            if ping {
                debug!("-> ping");
                if let Err(e) = ws.send(Message::Ping(Vec::new())) {
                    warn!("send failed: {e}");
                    return (End::Lost, registered);
                }
            }
            for text in frames.drain(..) {
                debug!("-> {text}");
                if let Err(e) = ws.send(Message::Text(text)) {
                    warn!("send failed: {e}");
                    return (End::Lost, registered);
                }
            }
            self.shared.deliver(on_event);

            let timeout = wait.clamp(Duration::from_millis(1), POLL_INTERVAL);
            if timeout != read_timeout {
                if let Err(e) = ws.get_ref().tcp().set_read_timeout(Some(timeout)) {
                    warn!("socket options: {e}");
                    return (End::Lost, registered);
                }
                read_timeout = timeout;
            }
            match ws.read() {
                Ok(Message::Text(text)) => {
                    debug!("<- {text}");
                    let answer = {
                        let mut cp = self.shared.engine();
                        let bytes = text.as_bytes();
                        let n = if bytes.len() > FRAME_CAPACITY {
                            let prefix = bytes.get(..FRAME_CAPACITY).unwrap_or(bytes);
                            cp.handle_oversized_frame(prefix, bytes.len(), &mut reply)
                        } else {
                            cp.handle_frame(self.shared.now(), bytes, &mut reply)
                        };
                        self.shared.collect(&mut cp);
                        n.and_then(|n| reply.get(..n))
                            .map(|b| String::from_utf8_lossy(b).into_owned())
                    };
                    if let Some(answer) = answer {
                        debug!("-> {answer}");
                        if let Err(e) = ws.send(Message::Text(answer)) {
                            warn!("send failed: {e}");
                            return (End::Lost, registered);
                        }
                    }
                }
                Ok(Message::Binary(data)) => warn!(
                    "ignoring a binary frame of {} bytes (OCPP-J is text only)",
                    data.len()
                ),
                Ok(Message::Close(frame)) => {
                    info!("the Central System closes the connection: {frame:?}")
                }
                // Signs of life (WebSocketPingInterval); pings are answered by tungstenite
                // (flushed below).
                Ok(Message::Ping(_) | Message::Pong(_)) => {
                    let mut cp = self.shared.engine();
                    cp.handle_pong(self.shared.now());
                }
                Ok(Message::Frame(_)) => {}
                Err(e) if is_timeout(&e) => {}
                Err(tungstenite::Error::ConnectionClosed) => return (End::Lost, registered),
                Err(e) => {
                    warn!("receive failed: {e}");
                    return (End::Lost, registered);
                }
            }
            // Pongs and close replies queued by `read`.
            match ws.flush() {
                Ok(()) => {}
                Err(e) if is_timeout(&e) => {}
                Err(tungstenite::Error::ConnectionClosed) => return (End::Lost, registered),
                Err(e) => {
                    warn!("flush failed: {e}");
                    return (End::Lost, registered);
                }
            }
        }
    }
}
