//! The sans-IO OCPP 1.6J charge point.
//!
//! In: received text frames ([`ChargePoint::handle_frame`]), connection changes, the time
//! ([`ChargePoint::handle_timeout`]) and application commands (`authorize`, `start_transaction`,
//! ...). Out: frames to send ([`ChargePoint::poll_transmit`]), events ([`ChargePoint::poll_event`])
//! and the next deadline ([`ChargePoint::poll_timeout`]). Decisions only the hardware can make
//! (meter readings, unlocking, accepting a remote start) are asked of the [`Station`].
//!
//! Nothing here blocks, allocates or reads a clock: `now` is always passed in.

mod authorization;
mod availability;
mod boot;
pub mod config;
mod configuration;
mod connectors;
#[cfg(feature = "security-profiles")]
pub mod credentials;
mod dispatch;
#[cfg(feature = "firmware-management")]
pub mod firmware;
mod keepalive;
#[cfg(feature = "local-auth-list")]
pub mod local_list;
mod metering;
pub mod queue;
mod remote;
mod requests;
#[cfg(feature = "reservation")]
pub mod reservation;
#[cfg(feature = "security")]
mod security;
#[cfg(feature = "smart-charging")]
pub mod smart_charging;
pub mod store;
mod transactions;
#[cfg(feature = "remote-trigger")]
mod trigger;

#[cfg(test)]
mod tests;

use core::fmt::Write as _;
use core::mem::MaybeUninit;

use crate::logging::{debug, info, warn};
use heapless::{Deque, Vec};

use crate::capacity::{
    AUTH_CACHE_SIZE, EVENT_QUEUE_DEPTH, MAX_CONNECTORS, MAX_SAMPLED_VALUES, OUTBOX_DEPTH,
};
use crate::cistring::{CiString, CiString20};
use crate::datetime::{DateTime, Instant};
use crate::messages::*;
use crate::rpc::{self, BufferTooSmall, ErrorCode, Frame, MessageId};
pub use config::{ConfigKey, Configuration};
use config::{ConfigurationView, KeySelection};
#[cfg(feature = "security-profiles")]
pub use credentials::{ConnectionFailure, ConnectionSettings, Provisioning};
#[cfg(feature = "firmware-management")]
pub use firmware::{TransferError, TransferJob, TransferKind};
use queue::{LocalTxId, Stamp, TransactionQueue, TxMessage, MAX_RECORD};
#[cfg(feature = "certificate-signing")]
pub use security::certificate_signing::{CsrRequest, CHAIN_DER_MAX};
#[cfg(feature = "signed-firmware")]
pub use security::FirmwareSignature;

use authorization::CacheEntry;
use boot::WallClock;
use connectors::Connector;
use dispatch::{Answer, Incoming};
use metering::meter_values_request;
pub use metering::sample_text;
use requests::{InFlight, Origin, Outgoing};
use store::Record;
pub use store::{RestoreError, RestoreReport, StoreOp, MAX_STORED_RECORD};
use transactions::Transaction;

/// The hardware side of the charge point: what only the application can know or do.
/// Every method has a conservative default.
pub trait Station {
    /// A reading of `measurand` on `connector` (0 = the main meter), as decimal text in the
    /// measurand's default unit (see [`Measurand::default_unit`]); None when not available.
    fn read_meter(&mut self, connector: u8, measurand: Measurand) -> Option<SampleText> {
        let _ = (connector, measurand);
        None
    }

    /// The Central System asks to start charging `id_tag` on `connector` (already checked to be
    /// free and operative, and authorized when AuthorizeRemoteTxRequests is set). Return whether
    /// the station will do so; it then calls [`ChargePoint::start_transaction`].
    fn remote_start(&mut self, connector: u8, id_tag: &str) -> bool {
        let _ = (connector, id_tag);
        false
    }

    /// The Central System asks to stop the transaction on `connector`; the station then calls
    /// [`ChargePoint::stop_transaction`] (the reason defaults to Remote).
    fn remote_stop(&mut self, connector: u8) -> bool {
        let _ = connector;
        false
    }

    /// Unlock the cable on `connector` (its transaction, if any, was already stopped).
    fn unlock_connector(&mut self, connector: u8) -> UnlockStatus {
        let _ = connector;
        UnlockStatus::NotSupported
    }

    /// A vendor-specific DataTransfer from the Central System.
    /// After a power cut, the transaction of `id_tag` on `connector` was running: return true
    /// when the session is still physically active and continues (else it is stopped with
    /// reason PowerLoss).
    fn resume_transaction(&mut self, connector: u8, id_tag: &str) -> bool {
        let _ = (connector, id_tag);
        false
    }

    fn data_transfer(&mut self, request: &DataTransferRequest) -> DataTransferResponse {
        let _ = request;
        DataTransferResponse {
            status: DataTransferStatus::UnknownVendorId,
            data: None,
        }
    }
}

/// Identifies an application command whose outcome arrives later as an [`Event`].
pub type Ticket = u32;

/// Why a request to the Central System did not produce an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestError {
    /// Not connected, or the connection dropped before the answer.
    Offline,
    /// No answer within the response timeout.
    Timeout,
    /// The Central System answered with a CALLERROR.
    CallError(Option<ErrorCode>),
    /// The answer did not match the schema.
    BadResponse,
    /// The request does not fit in a frame.
    TooLarge,
}

impl crate::logging::Piece for RequestError {
    fn put(&self, line: &mut crate::logging::Line) {
        line.push_str(match self {
            RequestError::Offline => "Offline",
            RequestError::Timeout => "Timeout",
            RequestError::CallError(code) => {
                line.push_str("CallError ");
                return crate::logging::Piece::put(code, line);
            }
            RequestError::BadResponse => "BadResponse",
            RequestError::TooLarge => "TooLarge",
        });
    }
}

/// What became of a StartTransaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOutcome {
    /// Confirmed by the Central System with this transactionId.
    Accepted { transaction_id: i32 },
    /// Confirmed, but the idTag was not accepted (the transaction is stopped when
    /// StopTransactionOnInvalidId is set).
    Rejected {
        transaction_id: i32,
        status: AuthorizationStatus,
    },
    /// Held in the transaction queue: it will be delivered after (re)connection.
    Queued,
}

/// What became of a StopTransaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopOutcome {
    Delivered,
    Queued,
}

/// Something the application should know about; drained with [`ChargePoint::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The Central System answered a BootNotification.
    Registration(RegistrationStatus),
    /// The connection to the Central System dropped.
    Disconnected,
    Authorized {
        ticket: Ticket,
        result: Result<IdTagInfo, RequestError>,
    },
    TransactionStarted {
        ticket: Ticket,
        connector: u8,
        result: Result<StartOutcome, RequestError>,
    },
    TransactionStopped {
        ticket: Ticket,
        connector: u8,
        result: Result<StopOutcome, RequestError>,
    },
    /// The answer to [`ChargePoint::data_transfer`]; its data is in
    /// [`ChargePoint::take_data_transfer_response`].
    DataTransferred {
        ticket: Ticket,
        result: Result<DataTransferStatus, RequestError>,
    },
    /// A Reset was accepted; running transactions were stopped. [`Event::ResetDue`] follows
    /// once their messages are delivered.
    ResetRequested(ResetType),
    /// The accepted Reset takes effect now: the transaction queue was delivered (or
    /// `Options::reset_timeout_ms` passed). The platform reboots (Zephyr) or reconnects and
    /// registers anew (host), unless the application takes it over.
    ResetDue(ResetType),
    AvailabilityChanged {
        connector: u8,
        operative: bool,
    },
    ConfigurationChanged(ConfigKey),
    CacheCleared,
    /// A transaction message was given up after TransactionMessageAttempts failures.
    TransactionMessageDiscarded {
        connector: u8,
        action: Action,
    },
    /// A reservation of `connector` (0: any connector) was made, cancelled or expired.
    #[cfg(feature = "reservation")]
    Reservation {
        connector: u8,
        reservation_id: i32,
        change: reservation::ReservationChange,
    },
    /// SendLocalList installed a new Local Authorization List version.
    #[cfg(feature = "local-auth-list")]
    LocalListUpdated {
        version: i32,
    },
    /// The limit in force on `connector` (0: the charge point's total) changed; None: nothing
    /// limits it any more. Also at period boundaries, driven by the engine's timer.
    #[cfg(feature = "smart-charging")]
    ChargingLimitChanged {
        connector: u8,
        limit: Option<smart_charging::ChargingLimit>,
    },
    /// The Central System's TriggerMessage was accepted; the message follows its answer.
    #[cfg(feature = "remote-trigger")]
    MessageTriggered {
        message: MessageTrigger,
        /// The connector it was asked for; None: all of them (or not connector-related).
        connector: Option<u8>,
    },
    /// A firmware update reached this status (a FirmwareStatusNotification follows).
    /// Installing comes with the [`TransferJob::Install`] the platform carries out.
    #[cfg(feature = "firmware-management")]
    FirmwareStatusChanged(FirmwareStatus),
    /// A diagnostics upload reached this status (a DiagnosticsStatusNotification follows).
    #[cfg(feature = "firmware-management")]
    DiagnosticsStatusChanged(DiagnosticsStatus),
}

impl Event {
    /// Only informs the application (the state can be read again); dropped first when the
    /// event queue overflows.
    fn is_informative(&self) -> bool {
        match self {
            Event::ConfigurationChanged(_)
            | Event::CacheCleared
            | Event::TransactionMessageDiscarded { .. } => true,
            #[cfg(feature = "remote-trigger")]
            Event::MessageTriggered { .. } => true,
            #[cfg(feature = "reservation")]
            Event::Reservation { .. } => true,
            #[cfg(feature = "local-auth-list")]
            Event::LocalListUpdated { .. } => true,
            #[cfg(feature = "smart-charging")]
            Event::ChargingLimitChanged { .. } => true,
            #[cfg(feature = "firmware-management")]
            Event::FirmwareStatusChanged(_) | Event::DiagnosticsStatusChanged(_) => true,
            _ => false,
        }
    }

    /// The event's name, for logs.
    fn kind(&self) -> &'static str {
        match self {
            Event::Registration(_) => "Registration",
            Event::Disconnected => "Disconnected",
            Event::Authorized { .. } => "Authorized",
            Event::TransactionStarted { .. } => "TransactionStarted",
            Event::TransactionStopped { .. } => "TransactionStopped",
            Event::DataTransferred { .. } => "DataTransferred",
            Event::ResetRequested(_) => "ResetRequested",
            Event::ResetDue(_) => "ResetDue",
            Event::AvailabilityChanged { .. } => "AvailabilityChanged",
            _ => "an informative event",
        }
    }
}

/// Misuse of a command by the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandError {
    /// No such connector.
    InvalidConnector,
    /// A string argument is too long or empty.
    InvalidArgument,
    /// The connector already has a transaction (start) or has none (stop).
    Busy,
    /// The connector or charge point is Unavailable.
    Unavailable,
    /// Not registered with the Central System and no local decision possible.
    NotReady,
    /// A bounded queue is full.
    QueueFull,
    /// The connector is reserved for another idTag (Reservation profile).
    Reserved,
}

crate::logging::piece_by_name!(CommandError {
    InvalidConnector,
    InvalidArgument,
    Busy,
    Unavailable,
    NotReady,
    QueueFull,
    Reserved,
});

/// Engine tunables that are not OCPP configuration keys.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How long to wait for the answer to a CALL before giving up on it.
    pub response_timeout_ms: u32,
    /// Retry interval for a BootNotification answered with interval 0, a CALLERROR or nothing.
    pub boot_retry_secs: u32,
    /// Longest wait, after an accepted Reset, for the transaction queue to be delivered.
    pub reset_timeout_ms: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            response_timeout_ms: crate::capacity::RESPONSE_TIMEOUT_MS as u32,
            boot_retry_secs: 30,
            reset_timeout_ms: crate::capacity::RESET_TIMEOUT_MS as u32,
        }
    }
}

/// Scratch for unescaping payload strings: the longest is a CiString500 value (or a firmware
/// location).
#[cfg(not(feature = "firmware-management"))]
const UNESCAPE_SCRATCH: usize = 512;
#[cfg(feature = "firmware-management")]
const UNESCAPE_SCRATCH: usize = store::max(512, crate::capacity::FIRMWARE_LOCATION_MAX);

/// The OCPP 1.6J charge point state machine.
pub struct ChargePoint<S: Station> {
    station: S,
    boot_info: BootNotificationRequest,
    config: Configuration,
    options: Options,
    /// Index 0 is the charge point as a whole.
    connectors: Vec<Connector, { MAX_CONNECTORS + 1 }>,
    connected: bool,
    /// The answer to this connection's BootNotification.
    registration: Option<RegistrationStatus>,
    next_boot_at: Option<Instant>,
    next_heartbeat_at: Option<Instant>,
    next_aligned_at: Option<Instant>,
    /// An accepted Reset waiting for the transaction queue to drain.
    reset: Option<availability::PendingReset>,
    in_flight: Option<InFlight>,
    keepalive: keepalive::KeepAlive,
    outbox: Deque<(u32, Outgoing), OUTBOX_DEPTH>,
    /// The readings of the outbox's MeterValues, oldest first: at most one clock-aligned or
    /// triggered reading per connector waits at a time, so they do not take a slot of every
    /// outbox entry.
    meter_readings: Deque<Vec<SampledValue, MAX_SAMPLED_VALUES>, { MAX_CONNECTORS + 1 }>,
    transactions: TransactionQueue,
    events: Deque<Event, EVENT_QUEUE_DEPTH>,
    auth_cache: Vec<CacheEntry, AUTH_CACHE_SIZE>,
    #[cfg(feature = "local-auth-list")]
    local_list: local_list::LocalAuthList,
    #[cfg(feature = "reservation")]
    reservations: reservation::Reservations,
    #[cfg(feature = "smart-charging")]
    smart: smart_charging::SmartCharging,
    #[cfg(feature = "firmware-management")]
    firmware: firmware::FirmwareManagement,
    #[cfg(feature = "security-profiles")]
    credentials: credentials::Credentials,
    #[cfg(feature = "security-log")]
    security_log: security::SecurityLog,
    #[cfg(feature = "certificates")]
    certificates: security::certificates::CertificateStore,
    #[cfg(feature = "certificate-signing")]
    signing: security::certificate_signing::CertificateSigning,
    data_transfer_request: Option<DataTransferRequest>,
    data_transfer_response: Option<(Ticket, DataTransferResponse)>,
    wall: Option<WallClock>,
    store: store::Persistence,
    next_message_id: u32,
    next_ticket: Ticket,
    next_seq: u32,
    next_local_tx: LocalTxId,
}

impl<S: Station> ChargePoint<S> {
    /// The engine's RAM by part, in bytes of the target's layout (the application's `Station`
    /// left out), for `bench/footprint.sh`: which capacity to turn down for which saving.
    #[doc(hidden)]
    pub fn ram_parts() -> [(&'static str, usize); 24] {
        use core::mem::size_of;
        let mut parts = [("", 0); 24];
        let list: &[(&'static str, usize)] = &[
            (
                "the whole engine (ChargePoint)",
                size_of::<Self>() - size_of::<S>(),
            ),
            (
                "transaction queue (OCPP_TX_QUEUE_SIZE)",
                size_of::<TransactionQueue>(),
            ),
            (
                "connectors (OCPP_MAX_CONNECTORS + 1)",
                size_of::<Vec<Connector, { MAX_CONNECTORS + 1 }>>(),
            ),
            (
                "meter readings waiting (per connector)",
                size_of::<Deque<Vec<SampledValue, MAX_SAMPLED_VALUES>, { MAX_CONNECTORS + 1 }>>(),
            ),
            (
                "outbox (OCPP_OUTBOX_DEPTH)",
                size_of::<Deque<(u32, Outgoing), OUTBOX_DEPTH>>(),
            ),
            (
                "events (OCPP_EVENT_QUEUE_DEPTH)",
                size_of::<Deque<Event, EVENT_QUEUE_DEPTH>>(),
            ),
            (
                "authorization cache (OCPP_AUTH_CACHE_SIZE)",
                size_of::<Vec<CacheEntry, AUTH_CACHE_SIZE>>(),
            ),
            (
                "DataTransfer request and answer (C API)",
                size_of::<Option<DataTransferRequest>>()
                    + size_of::<Option<(Ticket, DataTransferResponse)>>(),
            ),
            ("configuration keys", size_of::<Configuration>()),
            (
                "BootNotification fields",
                size_of::<BootNotificationRequest>(),
            ),
            ("message in flight", size_of::<Option<InFlight>>()),
            #[cfg(feature = "local-auth-list")]
            (
                "local authorization list",
                size_of::<local_list::LocalAuthList>(),
            ),
            #[cfg(feature = "reservation")]
            ("reservations", size_of::<reservation::Reservations>()),
            #[cfg(feature = "smart-charging")]
            (
                "charging profiles",
                size_of::<smart_charging::SmartCharging>(),
            ),
            #[cfg(feature = "firmware-management")]
            (
                "firmware management",
                size_of::<firmware::FirmwareManagement>(),
            ),
            #[cfg(feature = "security-profiles")]
            ("credentials", size_of::<credentials::Credentials>()),
            #[cfg(feature = "security-log")]
            ("security log", size_of::<security::SecurityLog>()),
            #[cfg(feature = "certificates")]
            (
                "certificate store",
                size_of::<security::certificates::CertificateStore>(),
            ),
            #[cfg(feature = "certificate-signing")]
            (
                "certificate signing",
                size_of::<security::certificate_signing::CertificateSigning>(),
            ),
        ];
        for (slot, part) in parts.iter_mut().zip(list) {
            *slot = *part;
        }
        parts
    }

    /// A charge point with `connectors` connectors (1..=MAX_CONNECTORS), identified to the
    /// Central System by `boot_info`.
    ///
    /// ```
    /// use ocpp::engine::{ChargePoint, Options};
    /// # use ocpp::doc_support::{boot_info, Hardware};
    /// let now = ocpp::Instant::from_millis(0);
    /// let cp = ChargePoint::new(boot_info(), 2, Hardware, Options::default(), now).unwrap();
    /// assert_eq!(cp.number_of_connectors(), 2);
    /// ```
    pub fn new(
        boot_info: BootNotificationRequest,
        connectors: u8,
        station: S,
        options: Options,
        now: Instant,
    ) -> Result<Self, CommandError> {
        Self::check(&boot_info, connectors)?;
        let mut cp = Self::unconnected(boot_info, connectors, station, options);
        cp.add_connectors(connectors, now);
        Ok(cp)
    }

    /// As [`ChargePoint::new`], but builds the charge point in `slot`: the engine is several KB,
    /// and a platform keeping it in a static should not need that much stack to create it.
    pub fn init_in(
        slot: &mut MaybeUninit<Self>,
        boot_info: BootNotificationRequest,
        connectors: u8,
        station: S,
        options: Options,
        now: Instant,
    ) -> Result<&mut Self, CommandError> {
        Self::check(&boot_info, connectors)?;
        let cp = slot.write(Self::unconnected(boot_info, connectors, station, options));
        cp.add_connectors(connectors, now);
        Ok(cp)
    }

    fn check(boot_info: &BootNotificationRequest, connectors: u8) -> Result<(), CommandError> {
        if connectors == 0 || usize::from(connectors) > MAX_CONNECTORS {
            return Err(CommandError::InvalidConnector);
        }
        if boot_info.charge_point_vendor.is_empty() || boot_info.charge_point_model.is_empty() {
            return Err(CommandError::InvalidArgument);
        }
        Ok(())
    }

    /// Everything but the connectors; inlined so a caller's destination is written in place.
    #[inline(always)]
    fn unconnected(
        boot_info: BootNotificationRequest,
        connectors: u8,
        station: S,
        options: Options,
    ) -> Self {
        Self {
            station,
            boot_info,
            config: Configuration::new(connectors),
            options,
            connectors: Vec::new(),
            connected: false,
            registration: None,
            next_boot_at: None,
            next_heartbeat_at: None,
            next_aligned_at: None,
            reset: None,
            in_flight: None,
            keepalive: keepalive::KeepAlive::default(),
            outbox: Deque::new(),
            meter_readings: Deque::new(),
            transactions: TransactionQueue::new(),
            events: Deque::new(),
            auth_cache: Vec::new(),
            #[cfg(feature = "local-auth-list")]
            local_list: local_list::LocalAuthList::default(),
            #[cfg(feature = "reservation")]
            reservations: reservation::Reservations::default(),
            #[cfg(feature = "smart-charging")]
            smart: smart_charging::SmartCharging::default(),
            #[cfg(feature = "firmware-management")]
            firmware: firmware::FirmwareManagement::default(),
            #[cfg(feature = "security-profiles")]
            credentials: credentials::Credentials::default(),
            #[cfg(feature = "security-log")]
            security_log: security::SecurityLog::new(),
            #[cfg(feature = "certificates")]
            certificates: security::certificates::CertificateStore::new(),
            #[cfg(feature = "certificate-signing")]
            signing: security::certificate_signing::CertificateSigning::new(),
            data_transfer_request: None,
            data_transfer_response: None,
            wall: None,
            store: store::Persistence::default(),
            next_message_id: 1,
            next_ticket: 1,
            next_seq: 1,
            next_local_tx: 1,
        }
    }

    fn add_connectors(&mut self, connectors: u8, now: Instant) {
        self.connectors.clear();
        for _ in 0..=connectors {
            // Capacity is MAX_CONNECTORS + 1, checked by `check`.
            let _ = self.connectors.push(Connector::new(now));
        }
    }

    pub fn station(&self) -> &S {
        &self.station
    }

    pub fn station_mut(&mut self) -> &mut S {
        &mut self.station
    }

    fn next_seq(&mut self) -> u32 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        seq
    }

    fn new_ticket(&mut self) -> Ticket {
        let t = self.next_ticket;
        self.next_ticket = self.next_ticket.wrapping_add(1).max(1);
        t
    }

    /// Queues an event. When the queue is full, the oldest event that only informs (a changed
    /// key, a triggered message...) makes room: the answers to commands and the connection's
    /// state are never the ones lost, as commands keep room for their answers
    /// ([`ChargePoint::reserve_answer`]).
    fn emit(&mut self, event: Event) {
        if self.events.is_full() {
            let oldest_informative = self.events.iter().position(Event::is_informative);
            let dropped = match oldest_informative {
                Some(index) => {
                    // Rotate the queue once, leaving that one out (order is kept).
                    let mut dropped = None;
                    for i in 0..self.events.len() {
                        if let Some(e) = self.events.pop_front() {
                            match i == index {
                                true => dropped = Some(e),
                                false => {
                                    let _ = self.events.push_back(e);
                                }
                            }
                        }
                    }
                    dropped
                }
                None => self.events.pop_front(),
            };
            let dropped = dropped.as_ref().map_or("nothing", Event::kind);
            warn!("event queue full: dropped ", dropped);
        }
        let _ = self.events.push_back(event);
    }

    /// A command that will answer with an event first makes sure that event, the answers of
    /// every command still outstanding and a Disconnected will all fit the event queue.
    fn reserve_answer(&self) -> Result<(), CommandError> {
        let answers = |o: &Outgoing| {
            matches!(
                o,
                Outgoing::Authorize {
                    ticket: Some(_),
                    ..
                } | Outgoing::DataTransfer { .. }
            )
        };
        let in_flight = self
            .in_flight
            .as_ref()
            .is_some_and(|f| matches!(&f.origin, Origin::Outbox(o) if answers(o)));
        let outstanding = self.outbox.iter().filter(|(_, o)| answers(o)).count()
            + usize::from(in_flight)
            + self.transactions.waiting_len();
        match self.events.len() + outstanding + 2 <= EVENT_QUEUE_DEPTH {
            true => Ok(()),
            false => Err(CommandError::QueueFull),
        }
    }

    /// The WebSocket to the Central System is open: a BootNotification goes first.
    ///
    /// ```
    /// # use ocpp::doc_support::*;
    /// # let (mut cp, now) = online();
    /// cp.handle_disconnected(now);
    /// cp.handle_connected(now); // the WebSocket is open again: a BootNotification goes first
    /// assert_eq!(answer(&mut cp, now, r#"{"status":"Accepted","currentTime":"2026-01-01T00:00:00Z","interval":300}"#),
    ///            "BootNotification");
    /// ```
    pub fn handle_connected(&mut self, now: Instant) {
        if self.connected {
            // A new connection without news of the old one's end: end it first.
            self.handle_disconnected(now);
        }
        info!("connected to the Central System");
        #[cfg(feature = "security-profiles")]
        self.credentials_connected();
        self.connected = true;
        #[cfg(feature = "certificate-signing")]
        self.certificate_signing_connected();
        self.registration = None;
        self.next_boot_at = Some(now);
        self.next_heartbeat_at = None;
        self.keepalive_connected(now);
        for c in self.connectors.iter_mut() {
            c.reported = None;
        }
    }

    /// The WebSocket closed. Transaction messages stay queued; other requests fail.
    ///
    /// ```
    /// # use ocpp::doc_support::*;
    /// # let (mut cp, now) = online();
    /// cp.handle_disconnected(now);
    /// // Offline, a transaction still starts: its StartTransaction waits in the queue.
    /// cp.start_transaction(now, 1, "TAG-1", 0, None).unwrap();
    /// assert_eq!(cp.queued_transaction_messages(), 1);
    /// ```
    pub fn handle_disconnected(&mut self, now: Instant) {
        if !self.connected {
            return;
        }
        info!("disconnected from the Central System");
        self.connected = false;
        self.registration = None;
        self.next_boot_at = None;
        self.next_heartbeat_at = None;
        self.keepalive_disconnected();
        // A transaction message in flight is resent after reconnection, its attempt not counted.
        if let Some(flight) = self.in_flight.take() {
            if let Origin::Outbox(outgoing) = flight.origin {
                self.fail_outgoing(outgoing, RequestError::Offline);
            }
        }
        while let Some((_, outgoing)) = self.outbox.pop_front() {
            self.fail_outgoing(outgoing, RequestError::Offline);
        }
        self.meter_readings.clear();
        // Callers waiting on queued transaction messages learn that delivery is deferred.
        let waiting = self.transactions.take_all_waiting();
        for (ticket, connector, is_start) in waiting {
            self.emit(if is_start {
                Event::TransactionStarted {
                    ticket,
                    connector,
                    result: Ok(StartOutcome::Queued),
                }
            } else {
                Event::TransactionStopped {
                    ticket,
                    connector,
                    result: Ok(StopOutcome::Queued),
                }
            });
        }
        let _ = now;
        self.emit(Event::Disconnected);
    }

    /// The earliest instant at which [`ChargePoint::handle_timeout`] has work to do.
    ///
    /// ```
    /// # use ocpp::doc_support::*;
    /// # let (mut cp, now) = online();
    /// // The platform sleeps until the earliest deadline, then calls handle_timeout.
    /// let next = cp.poll_timeout().expect("a timer is always armed");
    /// assert!(next <= now.plus_millis(300_000), "the heartbeat at the latest");
    /// ```
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        // Each feature owns its timers; the earliest of them is the engine's deadline.
        let deadlines = [
            #[cfg(feature = "reservation")]
            self.reservation_deadline(),
            #[cfg(feature = "smart-charging")]
            self.charging_deadline(),
            #[cfg(feature = "firmware-management")]
            self.firmware_deadline(),
            self.request_deadline(),
            self.keepalive_deadline(),
            self.boot_deadline(),
            self.heartbeat_deadline(),
            self.status_deadline(),
            self.transaction_deadline(),
            self.metering_deadline(),
            self.reset_deadline(),
        ];
        deadlines.into_iter().flatten().min()
    }

    /// Runs everything due at `now`. Extra calls are harmless.
    ///
    /// ```
    /// # use ocpp::doc_support::*;
    /// # let (mut cp, now) = online();
    /// let later = now.plus_millis(300_000);
    /// cp.handle_timeout(later); // calling it early or twice is harmless
    /// cp.handle_timeout(later);
    /// assert_eq!(answer(&mut cp, later, r#"{"currentTime":"2026-01-01T00:05:00Z"}"#), "Heartbeat");
    /// ```
    pub fn handle_timeout(&mut self, now: Instant) {
        // Before the request timeout: a response lost on a dead link is not an attempt.
        self.keepalive_timeout(now);
        self.request_timeout(now);
        self.heartbeat_timeout(now);
        self.metering_timeout(now);
        #[cfg(feature = "reservation")]
        self.reservation_timeout(now);
        self.reset_timeout(now);
        #[cfg(feature = "smart-charging")]
        self.charging_timeout(now);
    }

    /// The next event for the application.
    ///
    /// ```
    /// # use ocpp::doc_support::*;
    /// use ocpp::engine::Event;
    /// # let (mut cp, now) = online();
    /// let ticket = cp.authorize(now, "TAG-1").unwrap();
    /// answer(&mut cp, now, r#"{"idTagInfo":{"status":"Accepted"}}"#);
    /// assert!(matches!(cp.poll_event(), Some(Event::Authorized { ticket: t, result: Ok(_) }) if t == ticket));
    /// ```
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}

fn tag(id_tag: &str) -> Result<CiString20, CommandError> {
    if id_tag.is_empty() {
        return Err(CommandError::InvalidArgument);
    }
    CiString::try_from_str(id_tag).map_err(|_| CommandError::InvalidArgument)
}
