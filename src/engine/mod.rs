//! The sans-IO OCPP 1.6J charge point.
//!
//! In: received text frames ([`ChargePoint::handle_frame`]), connection changes, the time
//! ([`ChargePoint::handle_timeout`]) and application commands (`authorize`, `start_transaction`,
//! ...). Out: frames to send ([`ChargePoint::poll_transmit`]), events ([`ChargePoint::poll_event`])
//! and the next deadline ([`ChargePoint::poll_timeout`]). Decisions only the hardware can make
//! (meter readings, unlocking, accepting a remote start) are asked of the [`Station`].
//!
//! Nothing here blocks, allocates or reads a clock: `now` is always passed in.

pub mod config;
pub mod queue;

#[cfg(test)]
mod tests;

use core::fmt::Write as _;
use core::mem::MaybeUninit;

use heapless::{Deque, Vec};
use log::{debug, info, warn};

use crate::capacity::{
    AUTH_CACHE_SIZE, EVENT_QUEUE_DEPTH, MAX_CONNECTORS, MAX_SAMPLED_VALUES, OUTBOX_DEPTH,
};
use crate::cistring::{CiString, CiString20};
use crate::datetime::{DateTime, Instant};
use crate::messages::*;
use crate::rpc::{self, BufferTooSmall, ErrorCode, Frame, MessageId};
pub use config::{ConfigKey, Configuration};
use config::{ConfigurationView, KeySelection};
use queue::{LocalTxId, Stamp, TransactionQueue, TxMessage, MAX_RECORD};

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
    /// A Reset was accepted; running transactions were stopped. Reboot once the transaction
    /// queue is delivered (or at once for Hard).
    ResetRequested(ResetType),
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
}

/// Engine tunables that are not OCPP configuration keys.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How long to wait for the answer to a CALL before giving up on it.
    pub response_timeout_ms: u32,
    /// Retry interval for a BootNotification answered with interval 0, a CALLERROR or nothing.
    pub boot_retry_secs: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            response_timeout_ms: 30_000,
            boot_retry_secs: 30,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Transaction {
    local_id: LocalTxId,
    id_tag: CiString20,
    meter_start: i32,
    transaction_id: Option<i32>,
    remote_stop_requested: bool,
    next_sample_at: Option<Instant>,
    /// The latest StopTxnAlignedData readings, for the StopTransaction (bounded: one sample).
    last_aligned: Option<(Stamp, Vec<SampledValue, MAX_SAMPLED_VALUES>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Connector {
    status: ChargePointStatus,
    error_code: ChargePointErrorCode,
    /// When `status` was entered (MinimumStatusDuration).
    since: Instant,
    /// Position in the send order of the pending StatusNotification.
    seq: u32,
    /// What the Central System was last told on this connection.
    reported: Option<(ChargePointStatus, ChargePointErrorCode)>,
    operative: bool,
    /// An availability change waiting for the running transaction to end.
    scheduled_operative: Option<bool>,
    transaction: Option<Transaction>,
}

impl Connector {
    fn new(now: Instant) -> Self {
        Self {
            status: ChargePointStatus::Available,
            error_code: ChargePointErrorCode::NoError,
            since: now,
            seq: 0,
            reported: None,
            operative: true,
            scheduled_operative: None,
            transaction: None,
        }
    }
}

/// Non-transaction requests waiting to be sent.
// MeterValues is the large variant; there is no heap to box it into, and the outbox is bounded.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outgoing {
    Heartbeat,
    Authorize {
        ticket: Option<Ticket>,
        id_tag: CiString20,
        remote_start_connector: Option<u8>,
    },
    /// The request itself waits in `ChargePoint::data_transfer_request` (one at a time).
    DataTransfer {
        ticket: Ticket,
    },
    /// Clock-aligned readings of a connector without a transaction (not queued offline).
    MeterValues {
        connector: u8,
        at: Stamp,
        values: Vec<SampledValue, MAX_SAMPLED_VALUES>,
    },
}

/// What the CALL awaiting an answer was.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    Boot,
    Status {
        connector: u8,
        sent: (ChargePointStatus, ChargePointErrorCode),
    },
    /// The head of the transaction queue.
    Transaction,
    Outbox(Outgoing),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct InFlight {
    id: MessageId,
    origin: Origin,
    deadline: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClockSource {
    /// Set by the platform (host clock, SNTP): the Central System's time is not applied.
    External,
    CentralSystem,
}

#[derive(Debug, Clone, Copy)]
struct WallClock {
    at: Instant,
    time: DateTime,
    source: ClockSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct CacheEntry {
    id_tag: CiString20,
    info: IdTagInfo,
}

/// Scratch for unescaping payload strings: the longest is a CiString500 value.
const UNESCAPE_SCRATCH: usize = 512;

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
    in_flight: Option<InFlight>,
    outbox: Deque<(u32, Outgoing), OUTBOX_DEPTH>,
    transactions: TransactionQueue,
    events: Deque<Event, EVENT_QUEUE_DEPTH>,
    auth_cache: Vec<CacheEntry, AUTH_CACHE_SIZE>,
    data_transfer_request: Option<DataTransferRequest>,
    data_transfer_response: Option<(Ticket, DataTransferResponse)>,
    wall: Option<WallClock>,
    next_message_id: u32,
    next_ticket: Ticket,
    next_seq: u32,
    next_local_tx: LocalTxId,
}

impl<S: Station> ChargePoint<S> {
    /// A charge point with `connectors` connectors (1..=MAX_CONNECTORS), identified to the
    /// Central System by `boot_info`.
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
            in_flight: None,
            outbox: Deque::new(),
            transactions: TransactionQueue::new(),
            events: Deque::new(),
            auth_cache: Vec::new(),
            data_transfer_request: None,
            data_transfer_response: None,
            wall: None,
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

    pub fn configuration(&self) -> &Configuration {
        &self.config
    }

    /// Changes a configuration key locally, as a ChangeConfiguration would.
    pub fn change_configuration(
        &mut self,
        now: Instant,
        key: &str,
        value: &str,
    ) -> ConfigurationStatus {
        let (status, changed) = self.config.change(key, value);
        if let Some(key) = changed {
            self.apply_configuration(now, key);
        }
        status
    }

    pub fn number_of_connectors(&self) -> u8 {
        (self.connectors.len() - 1) as u8
    }

    /// Connected and the BootNotification accepted: requests go to the Central System.
    pub fn is_online(&self) -> bool {
        self.connected && self.registration == Some(RegistrationStatus::Accepted)
    }

    pub fn registration(&self) -> Option<RegistrationStatus> {
        self.registration
    }

    pub fn connector_status(&self, connector: u8) -> Option<ChargePointStatus> {
        self.connectors
            .get(usize::from(connector))
            .map(|c| c.status)
    }

    /// The Central System's transactionId of the transaction on `connector`, once known.
    pub fn transaction_id(&self, connector: u8) -> Option<i32> {
        self.connectors
            .get(usize::from(connector))?
            .transaction
            .as_ref()?
            .transaction_id
    }

    pub fn has_transaction(&self, connector: u8) -> bool {
        self.connectors
            .get(usize::from(connector))
            .is_some_and(|c| c.transaction.is_some())
    }

    fn running_transactions(&self) -> usize {
        self.connectors
            .iter()
            .filter(|c| c.transaction.is_some())
            .count()
    }

    /// The transaction queue's records as bytes, for a platform to persist.
    pub fn transaction_queue_bytes(&self) -> &[u8] {
        self.transactions.as_bytes()
    }

    /// Transaction messages not yet confirmed by the Central System.
    pub fn queued_transaction_messages(&self) -> usize {
        self.transactions.len()
    }

    /// The wall-clock time at `now`, when known.
    pub fn wall_time(&self, now: Instant) -> Option<DateTime> {
        self.wall.map(|w| {
            DateTime::from_unix_ms(
                w.time.unix_ms + now.millis_since(w.at) as i64 - w.at.millis_since(now) as i64,
            )
        })
    }

    /// Sets the wall clock from a trusted source (host clock, SNTP); the Central System's
    /// currentTime is then no longer applied.
    pub fn set_wall_clock(&mut self, now: Instant, time: DateTime) {
        self.wall = Some(WallClock {
            at: now,
            time,
            source: ClockSource::External,
        });
        self.schedule_aligned(now);
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

    fn emit(&mut self, event: Event) {
        if self.events.push_back(event).is_err() {
            warn!("event queue full, dropping an event");
        }
    }

    fn stamp(&self, now: Instant) -> Stamp {
        match self.wall_time(now) {
            Some(t) => Stamp::Wall(t),
            None => Stamp::Monotonic(now),
        }
    }

    /// Wall-clock time of a stamp; the epoch when the clock was never set (the field is required).
    fn resolve(&self, stamp: Stamp) -> DateTime {
        match stamp {
            Stamp::Wall(t) => t,
            Stamp::Monotonic(at) => self.wall_time(at).unwrap_or_default(),
        }
    }

    // ---------------------------------------------------------------- connection

    /// The WebSocket to the Central System is open: a BootNotification goes first.
    pub fn handle_connected(&mut self, now: Instant) {
        info!("connected to the Central System");
        self.connected = true;
        self.registration = None;
        self.next_boot_at = Some(now);
        self.next_heartbeat_at = None;
        for c in self.connectors.iter_mut() {
            c.reported = None;
        }
    }

    /// The WebSocket closed. Transaction messages stay queued; other requests fail.
    pub fn handle_disconnected(&mut self, now: Instant) {
        if !self.connected {
            return;
        }
        info!("disconnected from the Central System");
        self.connected = false;
        self.registration = None;
        self.next_boot_at = None;
        self.next_heartbeat_at = None;
        if let Some(flight) = self.in_flight.take() {
            if let Origin::Outbox(outgoing) = flight.origin {
                self.fail_outgoing(outgoing, RequestError::Offline);
            }
        }
        while let Some((_, outgoing)) = self.outbox.pop_front() {
            self.fail_outgoing(outgoing, RequestError::Offline);
        }
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

    fn fail_outgoing(&mut self, outgoing: Outgoing, error: RequestError) {
        match outgoing {
            Outgoing::Authorize {
                ticket: Some(ticket),
                ..
            } => self.emit(Event::Authorized {
                ticket,
                result: Err(error),
            }),
            Outgoing::DataTransfer { ticket } => {
                self.data_transfer_request = None;
                self.emit(Event::DataTransferred {
                    ticket,
                    result: Err(error),
                })
            }
            _ => {}
        }
    }

    // ---------------------------------------------------------------- application commands

    /// Asks whether `id_tag` may charge. The answer comes as [`Event::Authorized`] (at once when
    /// decided locally: LocalPreAuthorize, or offline with LocalAuthorizeOffline /
    /// AllowOfflineTxForUnknownId).
    pub fn authorize(&mut self, now: Instant, id_tag: &str) -> Result<Ticket, CommandError> {
        let tag = tag(id_tag)?;
        let ticket = self.new_ticket();
        let cached = self.cached(now, &tag);
        if self.is_online() {
            if let Some(info) = cached.filter(|i| {
                self.config.LocalPreAuthorize && i.status == AuthorizationStatus::Accepted
            }) {
                self.emit(Event::Authorized {
                    ticket,
                    result: Ok(info),
                });
                return Ok(ticket);
            }
            self.push_outgoing(Outgoing::Authorize {
                ticket: Some(ticket),
                id_tag: tag,
                remote_start_connector: None,
            })?;
            return Ok(ticket);
        }
        let local = match cached {
            Some(info) if self.config.LocalAuthorizeOffline => Some(info),
            None if self.config.AllowOfflineTxForUnknownId => Some(IdTagInfo {
                expiry_date: None,
                parent_id_tag: None,
                status: AuthorizationStatus::Accepted,
            }),
            _ => None,
        };
        match local {
            Some(info) => {
                self.emit(Event::Authorized {
                    ticket,
                    result: Ok(info),
                });
                Ok(ticket)
            }
            None => Err(CommandError::NotReady),
        }
    }

    /// Starts a transaction on `connector` with the meter at `meter_start` Wh. The outcome comes
    /// as [`Event::TransactionStarted`] (Queued at once when offline).
    pub fn start_transaction(
        &mut self,
        now: Instant,
        connector: u8,
        id_tag: &str,
        meter_start: i32,
        reservation_id: Option<i32>,
    ) -> Result<Ticket, CommandError> {
        let tag = tag(id_tag)?;
        if connector == 0 {
            return Err(CommandError::InvalidConnector);
        }
        let operative = self.connectors.first().is_some_and(|c| c.operative);
        let c = self
            .connectors
            .get(usize::from(connector))
            .ok_or(CommandError::InvalidConnector)?;
        if c.transaction.is_some() {
            return Err(CommandError::Busy);
        }
        if !c.operative || !operative || c.status == ChargePointStatus::Faulted {
            return Err(CommandError::Unavailable);
        }
        // Room for this StartTransaction and, later, a StopTransaction of every transaction.
        if self.transactions.free_bytes() < MAX_RECORD * (self.running_transactions() + 2) {
            return Err(CommandError::QueueFull);
        }
        let local_id = self.next_local_tx;
        self.next_local_tx = self.next_local_tx.wrapping_add(1);
        let ticket = self.new_ticket();
        let online = self.is_online();
        let message = TxMessage::Start {
            local_id,
            connector,
            id_tag: tag.clone(),
            meter_start,
            reservation_id,
            at: self.stamp(now),
        };
        let seq = self.next_seq();
        self.transactions
            .push(seq, &message, online.then_some(ticket))
            .map_err(|_| CommandError::QueueFull)?;
        let interval = self.config.MeterValueSampleInterval;
        if let Some(c) = self.connectors.get_mut(usize::from(connector)) {
            c.transaction = Some(Transaction {
                local_id,
                id_tag: tag,
                meter_start,
                transaction_id: None,
                remote_stop_requested: false,
                next_sample_at: (interval > 0).then(|| now.plus_secs(interval)),
                last_aligned: None,
            });
        }
        self.set_status_inner(
            now,
            connector,
            ChargePointStatus::Charging,
            ChargePointErrorCode::NoError,
        );
        if !online {
            self.emit(Event::TransactionStarted {
                ticket,
                connector,
                result: Ok(StartOutcome::Queued),
            });
        }
        Ok(ticket)
    }

    /// Stops the transaction on `connector` with the meter at `meter_stop` Wh. `reason` defaults
    /// to Remote after a RemoteStopTransaction, else Local. The outcome comes as
    /// [`Event::TransactionStopped`] (Queued at once when offline).
    pub fn stop_transaction(
        &mut self,
        now: Instant,
        connector: u8,
        meter_stop: i32,
        reason: Option<Reason>,
        id_tag: Option<&str>,
    ) -> Result<Ticket, CommandError> {
        let id_tag = id_tag.map(tag).transpose()?;
        let c = self
            .connectors
            .get(usize::from(connector))
            .filter(|_| connector > 0)
            .ok_or(CommandError::InvalidConnector)?;
        let tx = c.transaction.as_ref().ok_or(CommandError::Busy)?;
        let reason = reason.unwrap_or(if tx.remote_stop_requested {
            Reason::Remote
        } else {
            Reason::Local
        });
        if !self.transactions.has_room_for_stop() {
            return Err(CommandError::QueueFull);
        }
        let ticket = self.new_ticket();
        self.queue_stop(now, connector, meter_stop, reason, id_tag, Some(ticket));
        Ok(ticket)
    }

    fn queue_stop(
        &mut self,
        now: Instant,
        connector: u8,
        meter_stop: i32,
        reason: Reason,
        id_tag: Option<CiString20>,
        ticket: Option<Ticket>,
    ) {
        let Some(tx) = self
            .connectors
            .get_mut(usize::from(connector))
            .and_then(|c| c.transaction.take())
        else {
            return;
        };
        let measurands = self.config.StopTxnSampledData.clone();
        let end_values = self.sample(connector, &measurands, ReadingContext::TransactionEnd);
        let online = self.is_online();
        let message = TxMessage::Stop {
            local_id: tx.local_id,
            connector,
            id_tag,
            meter_stop,
            reason,
            at: self.stamp(now),
            end_values,
            aligned: tx.last_aligned,
        };
        let seq = self.next_seq();
        if self
            .transactions
            .push(seq, &message, ticket.filter(|_| online))
            .is_err()
        {
            // Callers check free space first; internal stops (reset, unlock) can still hit this.
            warn!("transaction queue full: StopTransaction of connector {connector} lost");
        }
        if let Some(ticket) = ticket.filter(|_| !online) {
            self.emit(Event::TransactionStopped {
                ticket,
                connector,
                result: Ok(StopOutcome::Queued),
            });
        }
        self.set_status_inner(
            now,
            connector,
            ChargePointStatus::Finishing,
            ChargePointErrorCode::NoError,
        );
        if let Some(operative) = self
            .connectors
            .get_mut(usize::from(connector))
            .and_then(|c| c.scheduled_operative.take())
        {
            self.set_operative(now, connector, operative);
        }
    }

    /// Reports a connector status change (plug in/out, fault, suspension...). Connector 0 is the
    /// charge point as a whole.
    pub fn set_connector_status(
        &mut self,
        now: Instant,
        connector: u8,
        status: ChargePointStatus,
        error_code: ChargePointErrorCode,
    ) -> Result<(), CommandError> {
        if usize::from(connector) >= self.connectors.len() {
            return Err(CommandError::InvalidConnector);
        }
        self.set_status_inner(now, connector, status, error_code);
        Ok(())
    }

    fn set_status_inner(
        &mut self,
        now: Instant,
        connector: u8,
        status: ChargePointStatus,
        error_code: ChargePointErrorCode,
    ) {
        let seq = self.next_seq();
        if let Some(c) = self.connectors.get_mut(usize::from(connector)) {
            if c.status != status || c.error_code != error_code {
                debug!("connector {connector}: {} -> {status}", c.status);
                c.status = status;
                c.error_code = error_code;
                c.since = now;
                c.seq = seq;
            }
        }
    }

    /// Sends a vendor-specific DataTransfer; the answer comes as [`Event::DataTransferred`].
    pub fn data_transfer(
        &mut self,
        vendor_id: &str,
        message_id: Option<&str>,
        data: Option<&str>,
    ) -> Result<Ticket, CommandError> {
        if !self.is_online() {
            return Err(CommandError::NotReady);
        }
        if self.data_transfer_request.is_some() {
            return Err(CommandError::Busy);
        }
        let bad = |_| CommandError::InvalidArgument;
        let request = DataTransferRequest {
            vendor_id: CiString::try_from_str(vendor_id).map_err(bad)?,
            message_id: message_id
                .map(CiString::try_from_str)
                .transpose()
                .map_err(bad)?,
            data: data.map(CiString::try_from_str).transpose().map_err(bad)?,
        };
        let ticket = self.new_ticket();
        self.push_outgoing(Outgoing::DataTransfer { ticket })?;
        self.data_transfer_request = Some(request);
        Ok(ticket)
    }

    /// The Central System's answer to a [`ChargePoint::data_transfer`], once.
    pub fn take_data_transfer_response(&mut self, ticket: Ticket) -> Option<DataTransferResponse> {
        match self.data_transfer_response.take() {
            Some((t, response)) if t == ticket => Some(response),
            other => {
                self.data_transfer_response = other;
                None
            }
        }
    }

    fn push_outgoing(&mut self, outgoing: Outgoing) -> Result<(), CommandError> {
        let seq = self.next_seq();
        self.outbox
            .push_back((seq, outgoing))
            .map_err(|_| CommandError::QueueFull)
    }

    /// Drops the idTags the Central System confirmed (as ClearCache does).
    pub fn clear_authorization_cache(&mut self) {
        self.auth_cache.clear();
    }

    fn cached(&self, now: Instant, id_tag: &CiString20) -> Option<IdTagInfo> {
        let entry = self
            .auth_cache
            .iter()
            .find(|e| e.id_tag.eq_ignore_case(id_tag))?;
        let expired = match (entry.info.expiry_date, self.wall_time(now)) {
            (Some(expiry), Some(wall)) => expiry <= wall,
            _ => false,
        };
        let mut info = entry.info.clone();
        if expired {
            info.status = AuthorizationStatus::Expired;
        }
        Some(info)
    }

    fn remember_tag(&mut self, id_tag: &CiString20, info: &IdTagInfo) {
        if !self.config.AuthorizationCacheEnabled {
            return;
        }
        self.auth_cache.retain(|e| !e.id_tag.eq_ignore_case(id_tag));
        if self.auth_cache.is_full() {
            // Oldest first: the entry least recently confirmed goes.
            self.auth_cache.remove(0);
        }
        let _ = self.auth_cache.push(CacheEntry {
            id_tag: id_tag.clone(),
            info: info.clone(),
        });
    }

    // ---------------------------------------------------------------- time

    /// The earliest instant at which [`ChargePoint::handle_timeout`] has work to do.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut earliest: Option<Instant> = None;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                earliest = Some(earliest.map_or(t, |e| e.min(t)));
            }
        };
        consider(self.in_flight.as_ref().map(|f| f.deadline));
        if self.connected {
            consider(self.next_boot_at);
        }
        if self.is_online() {
            consider(self.next_heartbeat_at);
            if self.in_flight.is_none() {
                consider(self.transactions.head_not_before());
                let min_duration = u64::from(self.config.MinimumStatusDuration) * 1000;
                for c in self
                    .connectors
                    .iter()
                    .filter(|c| c.reported != Some((c.status, c.error_code)))
                {
                    consider(Some(c.since.plus_millis(min_duration)));
                }
            }
        }
        consider(self.next_aligned_at);
        for c in &self.connectors {
            consider(c.transaction.as_ref().and_then(|t| t.next_sample_at));
        }
        earliest
    }

    /// Runs everything due at `now`. Extra calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(flight) = self.in_flight.as_ref().filter(|f| f.deadline <= now) {
            warn!("no answer to message {} in time", flight.id.as_str());
            if let Some(flight) = self.in_flight.take() {
                self.request_failed(now, flight.origin, RequestError::Timeout);
            }
        }
        if self.is_online() && self.next_heartbeat_at.is_some_and(|t| t <= now) {
            self.next_heartbeat_at = None;
            let pending = self.outbox.iter().any(|(_, o)| *o == Outgoing::Heartbeat)
                || matches!(
                    &self.in_flight,
                    Some(InFlight {
                        origin: Origin::Outbox(Outgoing::Heartbeat),
                        ..
                    })
                );
            if !pending && self.push_outgoing(Outgoing::Heartbeat).is_err() {
                warn!("outbox full: heartbeat skipped");
            }
        }
        for index in 1..self.connectors.len() {
            let due = self
                .connectors
                .get(index)
                .and_then(|c| c.transaction.as_ref())
                .and_then(|t| t.next_sample_at)
                .is_some_and(|t| t <= now);
            if due {
                let interval = self.config.MeterValueSampleInterval;
                if let Some(tx) = self
                    .connectors
                    .get_mut(index)
                    .and_then(|c| c.transaction.as_mut())
                {
                    tx.next_sample_at = (interval > 0).then(|| now.plus_secs(interval));
                }
                let measurands = self.config.MeterValuesSampledData.clone();
                self.queue_meter_values(
                    now,
                    index as u8,
                    &measurands,
                    ReadingContext::SamplePeriodic,
                );
            }
        }
        if self.next_aligned_at.is_some_and(|t| t <= now) {
            let measurands = self.config.MeterValuesAlignedData.clone();
            let stop_measurands = self.config.StopTxnAlignedData.clone();
            for index in 1..self.connectors.len() {
                let connector = index as u8;
                self.queue_meter_values(now, connector, &measurands, ReadingContext::SampleClock);
                if self.has_transaction(connector) && !stop_measurands.is_empty() {
                    let values =
                        self.sample(connector, &stop_measurands, ReadingContext::SampleClock);
                    let at = self.stamp(now);
                    if let Some(tx) = self
                        .connectors
                        .get_mut(index)
                        .and_then(|c| c.transaction.as_mut())
                    {
                        tx.last_aligned = (!values.is_empty()).then_some((at, values));
                    }
                }
            }
            self.schedule_aligned(now.plus_millis(1));
        }
    }

    /// Samples `measurands` on `connector` and queues a MeterValues: with the transaction queue
    /// when a transaction runs, else only while online.
    fn queue_meter_values(
        &mut self,
        now: Instant,
        connector: u8,
        measurands: &[Measurand],
        context: ReadingContext,
    ) {
        let values = self.sample(connector, measurands, context);
        if values.is_empty() {
            return;
        }
        let at = self.stamp(now);
        let local_id = self
            .connectors
            .get(usize::from(connector))
            .and_then(|c| c.transaction.as_ref())
            .map(|t| t.local_id);
        match local_id {
            Some(local_id) => {
                let message = TxMessage::MeterValues {
                    local_id,
                    connector,
                    at,
                    values,
                };
                // Room stays reserved for the StopTransaction of every running transaction.
                let reserve = MAX_RECORD * (self.running_transactions() + 1);
                let seq = self.next_seq();
                if self.transactions.free_bytes() < reserve
                    || self.transactions.push(seq, &message, None).is_err()
                {
                    warn!("transaction queue full: meter values of connector {connector} dropped");
                }
            }
            None if self.is_online()
                && self
                    .push_outgoing(Outgoing::MeterValues {
                        connector,
                        at,
                        values,
                    })
                    .is_err() =>
            {
                warn!("outbox full: meter values of connector {connector} dropped");
            }
            None => {}
        }
    }

    fn sample(
        &mut self,
        connector: u8,
        measurands: &[Measurand],
        context: ReadingContext,
    ) -> Vec<SampledValue, MAX_SAMPLED_VALUES> {
        let mut values = Vec::new();
        for &measurand in measurands {
            if let Some(value) = self.station.read_meter(connector, measurand) {
                let _ = values.push(SampledValue {
                    value,
                    context: Some(context),
                    format: None,
                    measurand: Some(measurand),
                    phase: None,
                    location: None,
                    unit: measurand.default_unit(),
                });
            }
        }
        values
    }

    /// The next ClockAlignedDataInterval boundary after `now` (aligned to UTC midnight).
    fn schedule_aligned(&mut self, now: Instant) {
        let interval_ms = i64::from(self.config.ClockAlignedDataInterval) * 1000;
        self.next_aligned_at = match self.wall_time(now) {
            Some(wall) if interval_ms > 0 => {
                let since_midnight = wall.unix_ms - wall.midnight().unix_ms;
                let wait = interval_ms - since_midnight.rem_euclid(interval_ms);
                Some(now.plus_millis(wait as u64))
            }
            _ => None,
        };
    }

    fn apply_configuration(&mut self, now: Instant, key: ConfigKey) {
        match key {
            ConfigKey::HeartbeatInterval if self.is_online() => {
                let interval = self.config.HeartbeatInterval;
                self.next_heartbeat_at = (interval > 0).then(|| now.plus_secs(interval));
            }
            ConfigKey::MeterValueSampleInterval => {
                let interval = self.config.MeterValueSampleInterval;
                for tx in self
                    .connectors
                    .iter_mut()
                    .filter_map(|c| c.transaction.as_mut())
                {
                    tx.next_sample_at = (interval > 0).then(|| now.plus_secs(interval));
                }
            }
            ConfigKey::ClockAlignedDataInterval => self.schedule_aligned(now),
            ConfigKey::AuthorizationCacheEnabled if !self.config.AuthorizationCacheEnabled => {
                self.auth_cache.clear()
            }
            _ => {}
        }
        self.emit(Event::ConfigurationChanged(key));
    }

    // ---------------------------------------------------------------- output

    /// The next event for the application.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Writes the next frame to send into `buf` (give it FRAME_CAPACITY bytes) and returns its
    /// length. Call until it returns None. A request that cannot fit any buffer is dropped and
    /// reported ([`RequestError::TooLarge`]).
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        if !self.connected || self.in_flight.is_some() {
            return None;
        }
        if self.registration != Some(RegistrationStatus::Accepted) {
            if self.next_boot_at.is_some_and(|t| t <= now) {
                self.next_boot_at = None;
                let boot = self.boot_info.clone();
                return self.send(now, buf, Origin::Boot, &boot);
            }
            return None;
        }
        loop {
            let origin = self.next_origin(now)?;
            if let Some(n) = self.transmit(now, buf, origin) {
                return Some(n);
            }
        }
    }

    /// Picks the oldest due message among status changes, the outbox and the transaction queue.
    fn next_origin(&mut self, now: Instant) -> Option<Origin> {
        let min_duration = u64::from(self.config.MinimumStatusDuration) * 1000;
        let status = self
            .connectors
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.reported != Some((c.status, c.error_code))
                    && c.since.plus_millis(min_duration) <= now
            })
            .min_by_key(|(_, c)| c.seq)
            .map(|(i, c)| (c.seq, i as u8, (c.status, c.error_code)));
        let outbox = self.outbox.front().map(|(seq, _)| *seq);
        let tx = self
            .transactions
            .front_seq()
            .filter(|_| self.transactions.head_not_before().is_none_or(|t| t <= now));
        let best = [status.map(|s| s.0), outbox, tx]
            .into_iter()
            .flatten()
            .min()?;
        if let Some((seq, connector, sent)) = status {
            if seq == best {
                return Some(Origin::Status { connector, sent });
            }
        }
        if outbox == Some(best) {
            return self.outbox.pop_front().map(|(_, o)| Origin::Outbox(o));
        }
        Some(Origin::Transaction)
    }

    /// Serializes one message; None when it was dropped (and reported) instead.
    #[inline(never)]
    fn transmit(&mut self, now: Instant, buf: &mut [u8], origin: Origin) -> Option<usize> {
        match &origin {
            Origin::Boot => None,
            Origin::Status { connector, sent } => {
                let request = StatusNotificationRequest {
                    connector_id: u32::from(*connector),
                    error_code: sent.1,
                    info: None,
                    status: sent.0,
                    // When the status changed, not when it could be sent (e.g. after reconnecting).
                    timestamp: self
                        .connectors
                        .get(usize::from(*connector))
                        .and_then(|c| self.wall_time(c.since)),
                    vendor_id: None,
                    vendor_error_code: None,
                };
                self.send(now, buf, origin, &request)
            }
            Origin::Outbox(Outgoing::Heartbeat) => {
                self.send(now, buf, origin, &HeartbeatRequest {})
            }
            Origin::Outbox(Outgoing::Authorize { id_tag, .. }) => {
                let request = AuthorizeRequest {
                    id_tag: id_tag.clone(),
                };
                self.send(now, buf, origin, &request)
            }
            Origin::Outbox(Outgoing::DataTransfer { .. }) => {
                let request = self.data_transfer_request.clone()?;
                self.send(now, buf, origin, &request)
            }
            Origin::Outbox(Outgoing::MeterValues {
                connector,
                at,
                values,
            }) => {
                let request =
                    meter_values_request(*connector, None, self.resolve(*at), values.clone());
                self.send(now, buf, origin, &request)
            }
            Origin::Transaction => {
                let message = self.transactions.front()?.message;
                let transaction_id = self.transactions.transaction_id(message.local_id());
                match message {
                    TxMessage::Start {
                        connector,
                        id_tag,
                        meter_start,
                        reservation_id,
                        at,
                        ..
                    } => {
                        let request = StartTransactionRequest {
                            connector_id: u32::from(connector),
                            id_tag,
                            meter_start,
                            reservation_id,
                            timestamp: self.resolve(at),
                        };
                        self.send(now, buf, origin, &request)
                    }
                    TxMessage::MeterValues {
                        connector,
                        at,
                        values,
                        ..
                    } => {
                        let request = meter_values_request(
                            connector,
                            transaction_id,
                            self.resolve(at),
                            values,
                        );
                        self.send(now, buf, origin, &request)
                    }
                    TxMessage::Stop {
                        id_tag,
                        meter_stop,
                        reason,
                        at,
                        end_values,
                        aligned,
                        connector,
                        ..
                    } => {
                        let Some(transaction_id) = transaction_id else {
                            // Its StartTransaction was never confirmed: there is no id to stop.
                            warn!("StopTransaction of connector {connector} has no transactionId; dropped");
                            self.discard_transaction_head(connector, Action::StopTransaction);
                            return None;
                        };
                        let timestamp = self.resolve(at);
                        let mut data = Vec::new();
                        if let Some((at, values)) = aligned {
                            let _ = data.push(MeterValue {
                                timestamp: self.resolve(at),
                                sampled_value: values,
                            });
                        }
                        if !end_values.is_empty() {
                            let _ = data.push(MeterValue {
                                timestamp,
                                sampled_value: end_values,
                            });
                        }
                        let request = StopTransactionRequest {
                            id_tag,
                            meter_stop,
                            timestamp,
                            transaction_id,
                            reason: Some(reason),
                            transaction_data: (!data.is_empty()).then_some(data),
                        };
                        self.send(now, buf, origin, &request)
                    }
                }
            }
        }
    }

    #[inline(never)]
    fn send<T: Request>(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        origin: Origin,
        request: &T,
    ) -> Option<usize> {
        let id = MessageId::from_counter(self.next_message_id);
        match rpc::write_call(buf, &id, T::ACTION.as_str(), request) {
            Ok(n) => {
                self.next_message_id = self.next_message_id.wrapping_add(1);
                self.in_flight = Some(InFlight {
                    id,
                    origin,
                    deadline: now.plus_millis(self.options.response_timeout_ms.into()),
                });
                let interval = self.config.HeartbeatInterval;
                if self.is_online() && interval > 0 {
                    self.next_heartbeat_at = Some(now.plus_secs(interval));
                }
                Some(n)
            }
            Err(BufferTooSmall) => {
                warn!("{} does not fit in {} bytes; dropped", T::ACTION, buf.len());
                match origin {
                    Origin::Boot => {
                        self.next_boot_at = Some(now.plus_secs(self.options.boot_retry_secs))
                    }
                    Origin::Status { connector, sent } => {
                        if let Some(c) = self.connectors.get_mut(usize::from(connector)) {
                            c.reported = Some(sent);
                        }
                    }
                    Origin::Transaction => {
                        let connector = self
                            .transactions
                            .front()
                            .map_or(0, |q| q.message.connector());
                        self.discard_transaction_head(connector, T::ACTION);
                    }
                    Origin::Outbox(outgoing) => {
                        self.fail_outgoing(outgoing, RequestError::TooLarge)
                    }
                }
                None
            }
        }
    }

    fn discard_transaction_head(&mut self, connector: u8, action: Action) {
        if let Some(item) = self.transactions.pop_front() {
            match (item.waiting, &item.message) {
                (Some(ticket), TxMessage::Start { .. }) => self.emit(Event::TransactionStarted {
                    ticket,
                    connector,
                    result: Err(RequestError::TooLarge),
                }),
                (Some(ticket), TxMessage::Stop { .. }) => self.emit(Event::TransactionStopped {
                    ticket,
                    connector,
                    result: Err(RequestError::TooLarge),
                }),
                _ => {}
            }
        }
        self.emit(Event::TransactionMessageDiscarded { connector, action });
    }

    // ---------------------------------------------------------------- input

    /// Handles one received text frame. When it is a CALL, the answer (CALLRESULT or CALLERROR)
    /// is written into `reply` and its length returned: send it before anything else.
    #[must_use]
    pub fn handle_frame(&mut self, now: Instant, frame: &[u8], reply: &mut [u8]) -> Option<usize> {
        match rpc::parse_frame(frame) {
            Ok(Frame::Call {
                id,
                action,
                payload,
            }) => self.handle_call(now, &id, action, payload, reply),
            Ok(Frame::CallResult { id, payload }) => {
                self.handle_result(now, &id, Ok(payload));
                None
            }
            Ok(Frame::CallError {
                id,
                code,
                description,
            }) => {
                warn!(
                    "CALLERROR for {}: {} {}",
                    id.as_str(),
                    code.map_or("(unknown code)", ErrorCode::as_str),
                    core::str::from_utf8(description).unwrap_or("<non UTF-8>")
                );
                self.handle_result(now, &id, Err(code));
                None
            }
            Err(e) => {
                warn!("bad frame ({}): {}", e.code, e.reason);
                if !e.is_call && e.id.is_some() {
                    // A malformed answer to one of our CALLs: answering it would be a protocol error.
                    return None;
                }
                let id = e.id.unwrap_or_else(MessageId::unknown);
                rpc::write_call_error(reply, &id, e.code, e.reason).ok()
            }
        }
    }

    /// A frame larger than the receive buffer arrived; `prefix` is its beginning. Answers it
    /// with a CALLERROR when it was a CALL whose id could be read (never truncates silently).
    #[must_use]
    pub fn handle_oversized_frame(
        &mut self,
        prefix: &[u8],
        total_len: usize,
        reply: &mut [u8],
    ) -> Option<usize> {
        warn!("dropping a frame of {total_len} bytes: larger than the receive buffer");
        match rpc::recover_call_id(prefix) {
            (Some(id), true) => rpc::write_call_error(
                reply,
                &id,
                ErrorCode::GenericError,
                "frame exceeds the receive buffer",
            )
            .ok(),
            _ => None,
        }
    }

    #[inline(never)]
    fn handle_result(
        &mut self,
        now: Instant,
        id: &MessageId,
        result: Result<&[u8], Option<ErrorCode>>,
    ) {
        if self.in_flight.as_ref().is_none_or(|f| f.id != *id) {
            info!(
                "ignoring an answer to unknown or late message {}",
                id.as_str()
            );
            return;
        }
        let Some(flight) = self.in_flight.take() else {
            return;
        };
        let payload = match result {
            Ok(payload) => payload,
            Err(code) => {
                return self.request_failed(now, flight.origin, RequestError::CallError(code))
            }
        };
        let mut scratch = [0u8; UNESCAPE_SCRATCH];
        match flight.origin {
            Origin::Boot => {
                match parse_payload::<BootNotificationResponse>(payload, &mut scratch) {
                    Ok(conf) => self.on_boot_response(now, conf),
                    Err(_) => self.request_failed(now, Origin::Boot, RequestError::BadResponse),
                }
            }
            Origin::Status { connector, sent } => {
                if let Some(c) = self.connectors.get_mut(usize::from(connector)) {
                    c.reported = Some(sent);
                }
            }
            Origin::Outbox(Outgoing::Heartbeat) => {
                if let Ok(conf) = parse_payload::<HeartbeatResponse>(payload, &mut scratch) {
                    self.set_time_from_central_system(now, conf.current_time);
                }
            }
            Origin::Outbox(Outgoing::MeterValues { .. }) => {}
            Origin::Outbox(Outgoing::Authorize {
                ticket,
                id_tag,
                remote_start_connector,
            }) => {
                let result = parse_payload::<AuthorizeResponse>(payload, &mut scratch)
                    .map(|conf| conf.id_tag_info)
                    .map_err(|_| RequestError::BadResponse);
                if let Ok(info) = &result {
                    self.remember_tag(&id_tag, info);
                    if let Some(connector) = remote_start_connector {
                        if info.status == AuthorizationStatus::Accepted
                            && !self.has_transaction(connector)
                        {
                            let _ = self.station.remote_start(connector, &id_tag);
                        }
                    }
                }
                if let Some(ticket) = ticket {
                    self.emit(Event::Authorized { ticket, result });
                }
            }
            Origin::Outbox(Outgoing::DataTransfer { ticket }) => {
                self.data_transfer_request = None;
                let result = match parse_payload::<DataTransferResponse>(payload, &mut scratch) {
                    Ok(conf) => {
                        let status = conf.status;
                        self.data_transfer_response = Some((ticket, conf));
                        Ok(status)
                    }
                    Err(_) => Err(RequestError::BadResponse),
                };
                self.emit(Event::DataTransferred { ticket, result });
            }
            Origin::Transaction => self.on_transaction_confirmed(now, payload, &mut scratch),
        }
    }

    fn on_boot_response(&mut self, now: Instant, conf: BootNotificationResponse) {
        info!(
            "BootNotification: {} (interval {})",
            conf.status, conf.interval
        );
        self.set_time_from_central_system(now, conf.current_time);
        self.registration = Some(conf.status);
        let interval = u32::try_from(conf.interval).unwrap_or(0);
        match conf.status {
            RegistrationStatus::Accepted => {
                if interval > 0 {
                    self.config.HeartbeatInterval = interval;
                }
                let heartbeat = self.config.HeartbeatInterval;
                self.next_heartbeat_at = (heartbeat > 0).then(|| now.plus_secs(heartbeat));
                // Every connector's status is reported again on each accepted boot.
                for c in self.connectors.iter_mut() {
                    c.reported = None;
                }
            }
            RegistrationStatus::Pending | RegistrationStatus::Rejected => {
                let retry = if interval > 0 {
                    interval
                } else {
                    self.options.boot_retry_secs
                };
                self.next_boot_at = Some(now.plus_secs(retry));
            }
        }
        self.emit(Event::Registration(conf.status));
    }

    fn set_time_from_central_system(&mut self, now: Instant, time: DateTime) {
        if self.wall.is_some_and(|w| w.source == ClockSource::External) {
            return;
        }
        self.wall = Some(WallClock {
            at: now,
            time,
            source: ClockSource::CentralSystem,
        });
        self.schedule_aligned(now);
    }

    #[inline(never)]
    fn on_transaction_confirmed(&mut self, now: Instant, payload: &[u8], scratch: &mut [u8]) {
        let Some(head) = self.transactions.front() else {
            return;
        };
        let (message, waiting) = (head.message, head.waiting);
        match message {
            TxMessage::Start {
                local_id,
                connector,
                id_tag,
                ..
            } => {
                let Ok(conf) = parse_payload::<StartTransactionResponse>(payload, scratch) else {
                    return self.request_failed(
                        now,
                        Origin::Transaction,
                        RequestError::BadResponse,
                    );
                };
                let _ = self.transactions.pop_front();
                self.transactions.assign(local_id, conf.transaction_id);
                self.remember_tag(&id_tag, &conf.id_tag_info);
                let running = self
                    .connectors
                    .get_mut(usize::from(connector))
                    .and_then(|c| c.transaction.as_mut())
                    .filter(|t| t.local_id == local_id);
                let still_running = running.is_some();
                if let Some(tx) = running {
                    tx.transaction_id = Some(conf.transaction_id);
                }
                let status = conf.id_tag_info.status;
                let outcome = if status == AuthorizationStatus::Accepted {
                    StartOutcome::Accepted {
                        transaction_id: conf.transaction_id,
                    }
                } else {
                    StartOutcome::Rejected {
                        transaction_id: conf.transaction_id,
                        status,
                    }
                };
                if let Some(ticket) = waiting {
                    self.emit(Event::TransactionStarted {
                        ticket,
                        connector,
                        result: Ok(outcome),
                    });
                }
                if status != AuthorizationStatus::Accepted
                    && still_running
                    && self.config.StopTransactionOnInvalidId
                {
                    info!("idTag {id_tag} not accepted ({status}): stopping the transaction");
                    let meter = self.meter_register(connector);
                    self.queue_stop(now, connector, meter, Reason::DeAuthorized, None, None);
                }
            }
            TxMessage::MeterValues { .. } => {
                let _ = self.transactions.pop_front();
            }
            TxMessage::Stop {
                connector, id_tag, ..
            } => {
                let _ = self.transactions.pop_front();
                if let (Some(tag), Ok(conf)) = (
                    id_tag,
                    parse_payload::<StopTransactionResponse>(payload, scratch),
                ) {
                    if let Some(info) = conf.id_tag_info {
                        self.remember_tag(&tag, &info);
                    }
                }
                if let Some(ticket) = waiting {
                    self.emit(Event::TransactionStopped {
                        ticket,
                        connector,
                        result: Ok(StopOutcome::Delivered),
                    });
                }
            }
        }
    }

    /// The energy register of `connector` in Wh, for stops the engine initiates; the start value
    /// when the station cannot tell.
    fn meter_register(&mut self, connector: u8) -> i32 {
        let start = self
            .connectors
            .get(usize::from(connector))
            .and_then(|c| c.transaction.as_ref())
            .map_or(0, |t| t.meter_start);
        self.station
            .read_meter(connector, Measurand::EnergyActiveImportRegister)
            .and_then(|text| {
                text.split('.')
                    .next()
                    .and_then(|whole| whole.trim().parse().ok())
            })
            .unwrap_or(start)
    }

    fn request_failed(&mut self, now: Instant, origin: Origin, error: RequestError) {
        match origin {
            Origin::Boot => self.next_boot_at = Some(now.plus_secs(self.options.boot_retry_secs)),
            // Retried on the next poll: `reported` is unchanged.
            Origin::Status { .. } => {}
            Origin::Outbox(outgoing) => self.fail_outgoing(outgoing, error),
            Origin::Transaction => {
                let max_attempts = self.config.TransactionMessageAttempts.max(1);
                let retry = self.config.TransactionMessageRetryInterval;
                let Some(head) = self.transactions.front() else {
                    return;
                };
                let (connector, action) = (head.message.connector(), tx_action(&head.message));
                // The spec's back-off: RetryInterval times the number of attempts so far.
                let attempts = self
                    .transactions
                    .head_failed(|n| now.plus_secs(retry.saturating_mul(u32::from(n))));
                let result = if u32::from(attempts) >= max_attempts {
                    warn!("{action} failed {attempts} times; discarded");
                    let _ = self.transactions.pop_front();
                    self.emit(Event::TransactionMessageDiscarded { connector, action });
                    Err(error)
                } else {
                    // The caller learns at once that the message is held for retry.
                    let _ = self.transactions.release_waiting(head.seq);
                    Ok(())
                };
                if let Some(ticket) = head.waiting {
                    self.emit(match (head.message.is_start(), result) {
                        (true, Ok(())) => Event::TransactionStarted {
                            ticket,
                            connector,
                            result: Ok(StartOutcome::Queued),
                        },
                        (true, Err(e)) => Event::TransactionStarted {
                            ticket,
                            connector,
                            result: Err(e),
                        },
                        (false, Ok(())) => Event::TransactionStopped {
                            ticket,
                            connector,
                            result: Ok(StopOutcome::Queued),
                        },
                        (false, Err(e)) => Event::TransactionStopped {
                            ticket,
                            connector,
                            result: Err(e),
                        },
                    });
                }
            }
        }
    }

    #[inline(never)]
    fn handle_call(
        &mut self,
        now: Instant,
        id: &MessageId,
        action: &str,
        payload: &[u8],
        reply: &mut [u8],
    ) -> Option<usize> {
        if self.registration == Some(RegistrationStatus::Rejected) {
            // The spec forbids the Central System to send requests to a rejected charge point,
            // and the charge point to send anything until the retry interval expires.
            warn!("ignoring {action} while the registration is Rejected");
            return None;
        }
        let Some(action) = Action::from_name(action) else {
            return rpc::write_call_error(reply, id, ErrorCode::NotImplemented, "unknown action")
                .ok();
        };
        if !action.is_sent_by_central_system() || action.profile() != FeatureProfile::Core {
            return rpc::write_call_error(
                reply,
                id,
                ErrorCode::NotSupported,
                "action not supported",
            )
            .ok();
        }
        let mut scratch = [0u8; UNESCAPE_SCRATCH];
        let scratch = &mut scratch[..];
        let written = match action {
            Action::ChangeAvailability => self.call(payload, scratch, reply, id, |cp, req| {
                cp.on_change_availability(now, req)
            }),
            Action::ChangeConfiguration => {
                self.change_configuration_from_central_system(now, payload, scratch, reply, id)
            }
            Action::ClearCache => {
                self.call(payload, scratch, reply, id, |cp, _: ClearCacheRequest| {
                    cp.auth_cache.clear();
                    cp.emit(Event::CacheCleared);
                    ClearCacheResponse {
                        status: ClearCacheStatus::Accepted,
                    }
                })
            }
            Action::DataTransfer => {
                self.data_transfer_from_central_system(payload, scratch, reply, id)
            }
            Action::GetConfiguration => self.get_configuration(payload, scratch, reply, id),
            Action::RemoteStartTransaction => self.call(payload, scratch, reply, id, |cp, req| {
                cp.on_remote_start(now, req)
            }),
            Action::RemoteStopTransaction => self.call(
                payload,
                scratch,
                reply,
                id,
                |cp, req: RemoteStopTransactionRequest| cp.on_remote_stop(req),
            ),
            Action::Reset => self.call(payload, scratch, reply, id, |cp, req: ResetRequest| {
                cp.on_reset(now, req)
            }),
            Action::UnlockConnector => self.call(payload, scratch, reply, id, |cp, req| {
                cp.on_unlock(now, req)
            }),
            _ => Err(ErrorCode::NotSupported),
        };
        match written {
            Ok(Ok(n)) => Some(n),
            Ok(Err(BufferTooSmall)) => rpc::write_call_error(
                reply,
                id,
                ErrorCode::InternalError,
                "response exceeds the frame size",
            )
            .ok(),
            Err(code) => {
                rpc::write_call_error(reply, id, code, "payload does not match the schema").ok()
            }
        }
    }

    /// ChangeConfiguration from the Central System (its 500-byte value in this frame only).
    #[inline(never)]
    fn change_configuration_from_central_system(
        &mut self,
        now: Instant,
        payload: &[u8],
        scratch: &mut [u8],
        reply: &mut [u8],
        id: &MessageId,
    ) -> Result<Result<usize, BufferTooSmall>, ErrorCode> {
        let request = ChangeConfigurationRequest::parse(payload, scratch)?;
        let response = self.on_change_configuration(now, request);
        Ok(rpc::write_call_result(reply, id, &response))
    }

    /// DataTransfer from the Central System, answered by the station.
    #[inline(never)]
    fn data_transfer_from_central_system(
        &mut self,
        payload: &[u8],
        scratch: &mut [u8],
        reply: &mut [u8],
        id: &MessageId,
    ) -> Result<Result<usize, BufferTooSmall>, ErrorCode> {
        let request = DataTransferRequest::parse(payload, scratch)?;
        let response = self.station.data_transfer(&request);
        Ok(rpc::write_call_result(reply, id, &response))
    }

    /// GetConfiguration.conf, streamed from the configuration into `reply`. The request is read
    /// key by key ([`KeySelection::parse`]) rather than into a GetConfigurationRequest: serde
    /// would hold several copies of its 16-key list on the stack.
    #[inline(never)]
    fn get_configuration(
        &self,
        payload: &[u8],
        scratch: &mut [u8],
        reply: &mut [u8],
        id: &MessageId,
    ) -> Result<Result<usize, BufferTooSmall>, ErrorCode> {
        let selection = KeySelection::parse(payload, scratch)?;
        let view = ConfigurationView {
            config: &self.config,
            selection: &selection,
        };
        Ok(rpc::write_call_result(reply, id, &view))
    }

    /// Parses a request, runs its handler and writes the CALLRESULT; a payload that does not
    /// match the schema yields the CALLERROR code instead (and the handler does not run).
    // Each request type in its own frame: only the one being answered occupies the stack.
    #[inline(never)]
    fn call<'p, Req, Resp>(
        &mut self,
        payload: &'p [u8],
        scratch: &mut [u8],
        reply: &mut [u8],
        id: &MessageId,
        handler: impl FnOnce(&mut Self, Req) -> Resp,
    ) -> Result<Result<usize, BufferTooSmall>, ErrorCode>
    where
        Req: serde::Deserialize<'p>,
        Resp: serde::Serialize,
    {
        let request = parse_payload::<Req>(payload, scratch)?;
        let response = handler(self, request);
        Ok(rpc::write_call_result(reply, id, &response))
    }

    fn on_change_availability(
        &mut self,
        now: Instant,
        req: ChangeAvailabilityRequest,
    ) -> ChangeAvailabilityResponse {
        let operative = req.kind == AvailabilityType::Operative;
        let Ok(target) = u8::try_from(req.connector_id) else {
            return ChangeAvailabilityResponse {
                status: AvailabilityStatus::Rejected,
            };
        };
        if usize::from(target) >= self.connectors.len() {
            return ChangeAvailabilityResponse {
                status: AvailabilityStatus::Rejected,
            };
        }
        let targets = if target == 0 {
            0..=self.number_of_connectors()
        } else {
            target..=target
        };
        let mut scheduled = false;
        for connector in targets {
            let Some(c) = self.connectors.get_mut(usize::from(connector)) else {
                continue;
            };
            if c.transaction.is_some() && !operative {
                c.scheduled_operative = Some(false);
                scheduled = true;
            } else {
                c.scheduled_operative = None;
                self.set_operative(now, connector, operative);
            }
        }
        let status = if scheduled {
            AvailabilityStatus::Scheduled
        } else {
            AvailabilityStatus::Accepted
        };
        ChangeAvailabilityResponse { status }
    }

    fn set_operative(&mut self, now: Instant, connector: u8, operative: bool) {
        let Some(c) = self.connectors.get_mut(usize::from(connector)) else {
            return;
        };
        let changed = c.operative != operative;
        c.operative = operative;
        let status = c.status;
        let next = match (operative, status) {
            (false, ChargePointStatus::Faulted) => None,
            (false, _) => Some(ChargePointStatus::Unavailable),
            (true, ChargePointStatus::Unavailable) => Some(ChargePointStatus::Available),
            (true, _) => None,
        };
        if let Some(next) = next {
            self.set_status_inner(now, connector, next, ChargePointErrorCode::NoError);
        }
        if changed {
            self.emit(Event::AvailabilityChanged {
                connector,
                operative,
            });
        }
    }

    fn on_change_configuration(
        &mut self,
        now: Instant,
        req: ChangeConfigurationRequest,
    ) -> ChangeConfigurationResponse {
        let status = self.change_configuration(now, &req.key, &req.value);
        ChangeConfigurationResponse { status }
    }

    fn on_remote_start(
        &mut self,
        now: Instant,
        req: RemoteStartTransactionRequest,
    ) -> RemoteStartStopResponse {
        let reject = RemoteStartStopResponse {
            status: RemoteStartStopStatus::Rejected,
        };
        let cp_operative = self.connectors.first().is_some_and(|c| c.operative);
        let free = |c: &Connector| {
            c.transaction.is_none()
                && c.operative
                && matches!(
                    c.status,
                    ChargePointStatus::Available
                        | ChargePointStatus::Preparing
                        | ChargePointStatus::Finishing
                )
        };
        let connector = match req.connector_id {
            Some(0) => None,
            Some(id) => u8::try_from(id)
                .ok()
                .filter(|&id| self.connectors.get(usize::from(id)).is_some_and(free)),
            None => (1..self.connectors.len())
                .find(|&i| self.connectors.get(i).is_some_and(free))
                .map(|i| i as u8),
        };
        let Some(connector) = connector.filter(|_| cp_operative) else {
            return reject;
        };
        if self.config.AuthorizeRemoteTxRequests {
            let cached = self
                .cached(now, &req.id_tag)
                .filter(|i| i.status == AuthorizationStatus::Accepted);
            if cached.is_none() || !self.config.LocalPreAuthorize {
                let authorize = Outgoing::Authorize {
                    ticket: None,
                    id_tag: req.id_tag,
                    remote_start_connector: Some(connector),
                };
                return match self.push_outgoing(authorize) {
                    Ok(()) => RemoteStartStopResponse {
                        status: RemoteStartStopStatus::Accepted,
                    },
                    Err(_) => reject,
                };
            }
        }
        if self.station.remote_start(connector, &req.id_tag) {
            RemoteStartStopResponse {
                status: RemoteStartStopStatus::Accepted,
            }
        } else {
            reject
        }
    }

    fn on_remote_stop(&mut self, req: RemoteStopTransactionRequest) -> RemoteStartStopResponse {
        let found = self.connectors.iter().position(|c| {
            c.transaction
                .as_ref()
                .is_some_and(|t| t.transaction_id == Some(req.transaction_id))
        });
        let accepted = match found {
            Some(index) => {
                let connector = index as u8;
                let accepted = self.station.remote_stop(connector);
                if accepted {
                    if let Some(tx) = self
                        .connectors
                        .get_mut(index)
                        .and_then(|c| c.transaction.as_mut())
                    {
                        tx.remote_stop_requested = true;
                    }
                }
                accepted
            }
            None => false,
        };
        let status = if accepted {
            RemoteStartStopStatus::Accepted
        } else {
            RemoteStartStopStatus::Rejected
        };
        RemoteStartStopResponse { status }
    }

    fn on_reset(&mut self, now: Instant, req: ResetRequest) -> ResetResponse {
        let reason = match req.kind {
            ResetType::Hard => Reason::HardReset,
            ResetType::Soft => Reason::SoftReset,
        };
        for connector in 1..=self.number_of_connectors() {
            if self.has_transaction(connector) {
                let meter = self.meter_register(connector);
                self.queue_stop(now, connector, meter, reason, None, None);
            }
        }
        self.emit(Event::ResetRequested(req.kind));
        ResetResponse {
            status: ResetStatus::Accepted,
        }
    }

    fn on_unlock(&mut self, now: Instant, req: UnlockConnectorRequest) -> UnlockConnectorResponse {
        let connector = u8::try_from(req.connector_id)
            .ok()
            .filter(|&c| c > 0 && c <= self.number_of_connectors());
        let Some(connector) = connector else {
            return UnlockConnectorResponse {
                status: UnlockStatus::NotSupported,
            };
        };
        if self.has_transaction(connector) {
            let meter = self.meter_register(connector);
            self.queue_stop(now, connector, meter, Reason::UnlockCommand, None, None);
        }
        UnlockConnectorResponse {
            status: self.station.unlock_connector(connector),
        }
    }
}

fn tag(id_tag: &str) -> Result<CiString20, CommandError> {
    if id_tag.is_empty() {
        return Err(CommandError::InvalidArgument);
    }
    CiString::try_from_str(id_tag).map_err(|_| CommandError::InvalidArgument)
}

fn tx_action(message: &TxMessage) -> Action {
    match message {
        TxMessage::Start { .. } => Action::StartTransaction,
        TxMessage::MeterValues { .. } => Action::MeterValues,
        TxMessage::Stop { .. } => Action::StopTransaction,
    }
}

fn meter_values_request(
    connector: u8,
    transaction_id: Option<i32>,
    timestamp: DateTime,
    sampled_value: Vec<SampledValue, MAX_SAMPLED_VALUES>,
) -> MeterValuesRequest {
    let mut meter_value = Vec::new();
    let _ = meter_value.push(MeterValue {
        timestamp,
        sampled_value,
    });
    MeterValuesRequest {
        connector_id: u32::from(connector),
        transaction_id,
        meter_value,
    }
}

/// Renders an integer reading for [`Station::read_meter`] implementations.
pub fn sample_text(value: i64) -> SampleText {
    let mut text = SampleText::new();
    let _ = write!(text, "{value}");
    text
}
