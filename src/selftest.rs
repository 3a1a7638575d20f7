//! Engine self-tests that run on the target (feature `selftest`), for the twister suite
//! `tests/zephyr/engine`: they prove that the `no_std` engine, compiled for the board (32-bit
//! Thumb, Kconfig capacities), behaves as the host unit tests say it does.
//!
//! Each `ocpp_selftest_*` function runs one scenario on a [`ChargePoint`] with a virtual clock,
//! playing the Central System itself: it reads every frame the engine writes back with the
//! crate's own [`rpc::parse_frame`] and the typed messages, and answers with typed responses.
//! It returns 0 on success, or minus the source line of the check that failed. Nothing here
//! allocates, and nothing panics on a failed check. The functions are not part of
//! `<zephyr/net/ocpp.h>` (`cbindgen:ignore` in `lib.rs`); the test application declares them.
//!
//! The host unit tests (`src/engine/tests.rs`) cover the engine in breadth; these few cases are
//! the ones whose outcome depends on the target: framing and serde on a 32-bit core, timers
//! on 64-bit instants, the transaction queue's byte records, and whether the Kconfig buffer
//! sizes hold the largest frames the engine builds.

use core::cell::UnsafeCell;
use core::fmt::Write as _;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, Ordering};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::capacity::{FRAME_CAPACITY, MAX_CONNECTORS, MAX_SAMPLED_VALUES, SEND_CAPACITY};
use crate::cistring::{CiString, CiString500};
use crate::datetime::{DateTime, Instant};
use crate::engine::config::Access;
use crate::engine::queue::{TransactionQueue, TxMessage};
use crate::engine::{
    sample_text, ChargePoint, ConfigKey, Event, Options, StartOutcome, Station, StopOutcome,
};
use crate::messages::*;
use crate::rpc::{self, ErrorCode, Frame, MessageId};

/// A failed check: the line it is on.
type Failure = u32;
type Outcome = Result<(), Failure>;

/// Fails the scenario with the current line unless `$cond` holds.
macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            return Err(line!());
        }
    };
}

/// The value inside `Some`, or a failure with the current line (use `.ok()` on a `Result`).
macro_rules! take {
    ($value:expr) => {
        match $value {
            Some(v) => v,
            None => return Err(line!()),
        }
    };
}

fn report(outcome: Outcome) -> i32 {
    match outcome {
        Ok(()) => 0,
        Err(line) => -i32::try_from(line).unwrap_or(i32::MAX),
    }
}

/// The Central System's clock at the first boot: 2026-11-21T10:00:00Z.
const CS_TIME: DateTime = DateTime::from_unix_secs(1_795_255_200);

/// The hardware: energy registers the scenarios move, and a vendor extension that echoes.
#[derive(Default)]
struct TestStation {
    energy_wh: [i64; MAX_CONNECTORS + 1],
}

impl Station for TestStation {
    fn read_meter(&mut self, connector: u8, measurand: Measurand) -> Option<SampleText> {
        let wh = self.energy_wh.get(usize::from(connector))?;
        (measurand == Measurand::EnergyActiveImportRegister).then(|| sample_text(*wh))
    }

    fn data_transfer(&mut self, request: &DataTransferRequest) -> DataTransferResponse {
        let known = request.vendor_id.as_str() == "acme";
        DataTransferResponse {
            status: if known {
                DataTransferStatus::Accepted
            } else {
                DataTransferStatus::UnknownVendorId
            },
            data: request.data.clone().filter(|_| known),
        }
    }
}

/// A CALL the charge point sent; its frame is in `Harness::out`.
struct Sent {
    id: MessageId,
    action: Action,
    len: usize,
}

/// Where the cases keep their charge point and buffers: static storage, as the Zephyr platform
/// keeps its engine and frame buffers (`platform::zephyr::State`), so that the test thread's
/// stack holds what the engine's calls need and not ~11 KB of state. One case at a time.
/// (Uninitialized and zeros: it goes to .bss, not to flash.)
struct Storage {
    busy: AtomicBool,
    /// Written by `install`, dropped by `run` after the case.
    cp: UnsafeCell<MaybeUninit<ChargePoint<TestStation>>>,
    out: UnsafeCell<[u8; SEND_CAPACITY]>,
    cs: UnsafeCell<[u8; FRAME_CAPACITY]>,
}

// SAFETY: the cells are only reached through `run`, which `busy` makes exclusive.
unsafe impl Sync for Storage {}

static STORAGE: Storage = Storage {
    busy: AtomicBool::new(false),
    cp: UnsafeCell::new(MaybeUninit::uninit()),
    out: UnsafeCell::new([0; SEND_CAPACITY]),
    cs: UnsafeCell::new([0; FRAME_CAPACITY]),
};

/// Runs `case` on a new charge point with `connectors` connectors; 0 or minus the failed line.
fn run(connectors: u8, case: fn(&mut Harness<'_>) -> Outcome) -> i32 {
    if STORAGE.busy.swap(true, Ordering::Acquire) {
        return report(Err(line!())); // another case is running
    }
    // SAFETY: `busy` was false and is now true: until it is cleared below, these are the only
    // references to the cells.
    let (slot, out, cs) = unsafe {
        (
            &mut *STORAGE.cp.get(),
            &mut *STORAGE.out.get(),
            &mut *STORAGE.cs.get(),
        )
    };
    let outcome = match install(slot, connectors) {
        Ok(cp) => {
            let outcome = case(&mut Harness {
                cp,
                now: Instant(0),
                out,
                cs,
                scratch: [0; 512],
            });
            // SAFETY: `install` initialized the slot, and the harness that borrowed it is gone.
            unsafe { slot.assume_init_drop() };
            outcome
        }
        Err(line) => Err(line),
    };
    STORAGE.busy.store(false, Ordering::Release);
    report(outcome)
}

/// Puts a new charge point into `slot`. Not inlined, so that the temporaries of building it
/// (the engine is made on the stack, then moved, as in `ocpp_init`) are gone before the case
/// runs.
#[inline(never)]
fn install(
    slot: &mut MaybeUninit<ChargePoint<TestStation>>,
    connectors: u8,
) -> Result<&mut ChargePoint<TestStation>, Failure> {
    let boot = BootNotificationRequest {
        charge_point_vendor: take!(CiString::try_from_str("zephyr-ocpp").ok()),
        charge_point_model: take!(CiString::try_from_str("selftest").ok()),
        ..Default::default()
    };
    let options = Options {
        response_timeout_ms: 10_000,
        boot_retry_secs: 30,
    };
    let cp = ChargePoint::new(
        boot,
        connectors,
        TestStation::default(),
        options,
        Instant(0),
    );
    Ok(slot.write(take!(cp.ok())))
}

/// A charge point on a virtual clock, with the buffers the platform would give it.
struct Harness<'a> {
    cp: &'a mut ChargePoint<TestStation>,
    now: Instant,
    /// What the charge point writes: CALLs and its answers (the platform's transmit buffer).
    out: &'a mut [u8; SEND_CAPACITY],
    /// What the Central System sends (the platform's receive buffer).
    cs: &'a mut [u8; FRAME_CAPACITY],
    /// Unescaping scratch for the payloads parsed here.
    scratch: [u8; 512],
}

impl Harness<'_> {
    /// Moves the virtual clock forward by `ms`, handling every deadline on the way.
    fn advance(&mut self, ms: u64) {
        let end = self.now.plus_millis(ms);
        while let Some(t) = self.cp.poll_timeout().filter(|t| *t <= end) {
            self.now = self.now.max(t);
            self.cp.handle_timeout(self.now);
            if self.cp.poll_timeout() == Some(t) {
                break; // due work waits for poll_transmit
            }
        }
        self.now = end;
        self.cp.handle_timeout(self.now);
    }

    /// The next CALL the charge point sends, if any.
    fn sent(&mut self) -> Result<Option<Sent>, Failure> {
        let Some(len) = self.cp.poll_transmit(self.now, self.out.as_mut_slice()) else {
            return Ok(None);
        };
        match rpc::parse_frame(take!(self.out.get(..len))) {
            Ok(Frame::Call { id, action, .. }) => Ok(Some(Sent {
                id,
                action: take!(Action::from_name(action)),
                len,
            })),
            _ => Err(line!()),
        }
    }

    /// The typed payload of the frame in `out` (a CALL or a CALLRESULT).
    fn payload<T: DeserializeOwned>(&mut self, len: usize) -> Result<T, Failure> {
        let payload = match rpc::parse_frame(take!(self.out.get(..len))) {
            Ok(Frame::Call { payload, .. } | Frame::CallResult { payload, .. }) => payload,
            _ => return Err(line!()),
        };
        parse_payload(payload, &mut self.scratch).map_err(|_| line!())
    }

    /// Expects a CALL of `action` and returns its id and typed payload.
    fn expect<T: DeserializeOwned>(&mut self, action: Action) -> Result<(MessageId, T), Failure> {
        let sent = take!(self.sent()?);
        check!(sent.action == action);
        Ok((sent.id, self.payload(sent.len)?))
    }

    fn nothing_sent(&mut self) -> Outcome {
        check!(self.sent()?.is_none());
        Ok(())
    }

    /// A frame from the Central System; returns the length of the charge point's reply in `out`.
    fn receive(&mut self, len: usize) -> Option<usize> {
        let frame = self.cs.get(..len)?;
        self.cp
            .handle_frame(self.now, frame, self.out.as_mut_slice())
    }

    /// Answers the CALL `id` with `payload`, which needs no reply.
    fn answer<T: Serialize>(&mut self, id: &MessageId, payload: &T) -> Outcome {
        let len = take!(rpc::write_call_result(self.cs.as_mut_slice(), id, payload).ok());
        check!(self.receive(len).is_none());
        Ok(())
    }

    /// A raw frame from the Central System; returns the length of the reply in `out`.
    fn raw(&mut self, text: &[u8]) -> Option<usize> {
        let len = text.len();
        self.cs.get_mut(..len)?.copy_from_slice(text);
        self.receive(len)
    }

    /// Answers StatusNotifications until another CALL comes (or nothing); returns that one.
    fn skip_statuses(&mut self) -> Result<Option<Sent>, Failure> {
        for _ in 0..MAX_CONNECTORS + 2 {
            match self.sent()? {
                Some(s) if s.action == Action::StatusNotification => {
                    self.answer(&s.id, &StatusNotificationResponse {})?
                }
                other => return Ok(other),
            }
        }
        Err(line!())
    }

    /// Expects a StatusNotification of `connector` with `status` and answers it.
    fn expect_status(&mut self, connector: u32, status: ChargePointStatus) -> Outcome {
        let (id, req) = self.expect::<StatusNotificationRequest>(Action::StatusNotification)?;
        check!(req.connector_id == connector && req.status == status);
        check!(req.error_code == ChargePointErrorCode::NoError);
        self.answer(&id, &StatusNotificationResponse {})
    }

    /// Expects a BootNotification and answers it with `status`.
    fn boot(&mut self, status: RegistrationStatus, at: DateTime, interval: i32) -> Outcome {
        let (id, req) = self.expect::<BootNotificationRequest>(Action::BootNotification)?;
        check!(req.charge_point_vendor.as_str() == "zephyr-ocpp");
        check!(req.charge_point_model.as_str() == "selftest");
        let response = BootNotificationResponse {
            status,
            current_time: at,
            interval,
        };
        self.answer(&id, &response)
    }

    /// Connects and completes an accepted boot and the initial StatusNotifications.
    fn online(&mut self) -> Outcome {
        self.cp.handle_connected(self.now);
        self.boot(RegistrationStatus::Accepted, CS_TIME, 300)?;
        for connector in 0..=self.cp.number_of_connectors() {
            self.expect_status(connector.into(), ChargePointStatus::Available)?;
        }
        self.nothing_sent()?;
        check!(self.cp.is_online());
        Ok(())
    }

    /// Drains the events; whether one of them is `expected`.
    fn saw(&mut self, expected: &Event) -> bool {
        let mut seen = false;
        while let Some(event) = self.cp.poll_event() {
            seen |= event == *expected;
        }
        seen
    }

    /// The error code and id of the CALLERROR in `out`.
    fn call_error(&self, len: Option<usize>) -> Result<(MessageId, Option<ErrorCode>), Failure> {
        match rpc::parse_frame(take!(self.out.get(..take!(len)))) {
            Ok(Frame::CallError { id, code, .. }) => Ok((id, code)),
            _ => Err(line!()),
        }
    }
}

fn accepted() -> IdTagInfo {
    IdTagInfo {
        expiry_date: None,
        parent_id_tag: None,
        status: AuthorizationStatus::Accepted,
    }
}

// ------------------------------------------------------------------------------- the cases

/// A new charge point with every connector the build allows: offline, Available, nothing
/// queued or sent. (Its stack use is that of `ChargePoint::new` alone, as in `ocpp_init`.)
#[no_mangle]
pub extern "C" fn ocpp_selftest_new() -> i32 {
    run(MAX_CONNECTORS as u8, new)
}

fn new(h: &mut Harness<'_>) -> Outcome {
    check!(usize::from(h.cp.number_of_connectors()) == MAX_CONNECTORS);
    check!(!h.cp.is_online() && h.cp.registration().is_none());
    for connector in 0..=h.cp.number_of_connectors() {
        check!(h.cp.connector_status(connector) == Some(ChargePointStatus::Available));
        check!(!h.cp.has_transaction(connector));
    }
    check!(h
        .cp
        .connector_status(h.cp.number_of_connectors() + 1)
        .is_none());
    check!(h.cp.queued_transaction_messages() == 0 && h.cp.transaction_queue_bytes().is_empty());
    check!(h.cp.poll_event().is_none() && h.cp.poll_timeout().is_none());
    h.nothing_sent()
}

/// (a) Framing: a valid CALL, one padded with whitespace and escapes, and malformed, invalid
/// and oversized frames get the CALLRESULT or the CALLERROR code the spec asks for.
#[no_mangle]
pub extern "C" fn ocpp_selftest_framing() -> i32 {
    run(1, framing)
}

fn framing(h: &mut Harness<'_>) -> Outcome {
    h.online()?;
    let len = take!(h.raw(br#"[2,"a1","ClearCache",{}]"#));
    let cleared: ClearCacheResponse = h.payload(len)?;
    check!(cleared.status == ClearCacheStatus::Accepted);

    // Whitespace between tokens and unknown fields are fine; JSON escapes are decoded.
    let padded = b"\r\n[ 2 ,\t\"ws-1\" , \"DataTransfer\" , { \"vendorId\" : \"ac\\u006de\", \"data\": \"a\\\"b\", \"x\": [1, {}] } ]\n";
    let len = take!(h.raw(padded));
    match rpc::parse_frame(take!(h.out.get(..len))) {
        Ok(Frame::CallResult { id, .. }) => check!(id.as_str() == "ws-1"),
        _ => return Err(line!()),
    }
    let echoed: DataTransferResponse = h.payload(len)?;
    check!(echoed.status == DataTransferStatus::Accepted);
    check!(echoed.data.as_deref() == Some("a\"b"));

    let cases: [(&[u8], &str, ErrorCode); 8] = [
        (b"garbage", "-1", ErrorCode::FormationViolation),
        (
            br#"[2,"b1","Reset",{"type":}]"#,
            "b1",
            ErrorCode::FormationViolation,
        ),
        (br#"[2,"b2","Reset"]"#, "b2", ErrorCode::ProtocolError),
        (
            br#"[2,"b3","FlyToTheMoon",{}]"#,
            "b3",
            ErrorCode::NotImplemented,
        ),
        (
            br#"[2,"b4","ReserveNow",{}]"#,
            "b4",
            ErrorCode::NotSupported,
        ),
        (
            br#"[2,"b5","Reset",{}]"#,
            "b5",
            ErrorCode::OccurenceConstraintViolation,
        ),
        (
            br#"[2,"b6","Reset",{"type":"Sideways"}]"#,
            "b6",
            ErrorCode::PropertyConstraintViolation,
        ),
        (
            br#"[2,"b7","UnlockConnector",{"connectorId":"1"}]"#,
            "b7",
            ErrorCode::TypeConstraintViolation,
        ),
    ];
    for (frame, expected_id, expected_code) in cases {
        let reply = h.raw(frame);
        let (id, code) = h.call_error(reply)?;
        check!(id.as_str() == expected_id && code == Some(expected_code));
    }
    // A CiString longer than its limit is a property violation, not a formation violation.
    let too_long = br#"[2,"b8","RemoteStartTransaction",{"idTag":"123456789012345678901"}]"#;
    let reply = h.raw(too_long);
    let (_, code) = h.call_error(reply)?;
    check!(code == Some(ErrorCode::PropertyConstraintViolation));
    // A malformed answer to one of our CALLs gets no reply.
    check!(h.raw(br#"[3,"7",{"a":}]"#).is_none());

    // A frame larger than the receive buffer: refused with the id read from its beginning.
    let prefix = br#"[2,"big-1","DataTransfer",{"vendorId":"acme","data":"xxxxxxxx"#;
    let oversized =
        h.cp.handle_oversized_frame(prefix, FRAME_CAPACITY * 4, h.out.as_mut_slice());
    let (id, code) = h.call_error(oversized)?;
    check!(id.as_str() == "big-1" && code == Some(ErrorCode::GenericError));
    // ... and silently dropped when it was not a CALL.
    let dropped =
        h.cp.handle_oversized_frame(br#"[3,"1",{"#, FRAME_CAPACITY * 4, h.out.as_mut_slice());
    check!(dropped.is_none());
    h.nothing_sent()
}

/// (b) BootNotification: Pending, retried after the interval, then Accepted; the heartbeat
/// follows the interval the Central System gave, and its answer sets the clock.
#[no_mangle]
pub extern "C" fn ocpp_selftest_boot() -> i32 {
    run(2, boot)
}

fn boot(h: &mut Harness<'_>) -> Outcome {
    h.nothing_sent()?;
    h.cp.handle_connected(h.now);
    h.boot(RegistrationStatus::Pending, CS_TIME, 5)?;
    check!(h.cp.registration() == Some(RegistrationStatus::Pending));
    check!(h.saw(&Event::Registration(RegistrationStatus::Pending)));
    h.advance(4_999);
    h.nothing_sent()?;
    h.advance(1);
    h.boot(RegistrationStatus::Accepted, CS_TIME, 60)?;
    check!(h.cp.is_online());
    check!(h.saw(&Event::Registration(RegistrationStatus::Accepted)));
    check!(h.cp.configuration().HeartbeatInterval == 60);
    check!(h.cp.wall_time(h.now) == Some(CS_TIME));
    for connector in 0..=2 {
        h.expect_status(connector, ChargePointStatus::Available)?;
    }
    h.advance(59_999);
    h.nothing_sent()?;
    h.advance(1);
    let (id, _) = h.expect::<HeartbeatRequest>(Action::Heartbeat)?;
    let later = DateTime::from_unix_secs(CS_TIME.unix_secs() + 3_600);
    h.answer(
        &id,
        &HeartbeatResponse {
            current_time: later,
        },
    )?;
    check!(h.cp.wall_time(h.now) == Some(later));
    h.advance(60_000);
    let (id, _) = h.expect::<HeartbeatRequest>(Action::Heartbeat)?;
    h.answer(
        &id,
        &HeartbeatResponse {
            current_time: later,
        },
    )?;
    h.nothing_sent()
}

/// (c) A transaction online: Authorize, StartTransaction, periodic MeterValues and the
/// StopTransaction, all carrying the Central System's transactionId.
#[no_mangle]
pub extern "C" fn ocpp_selftest_transaction() -> i32 {
    run(2, transaction)
}

fn transaction(h: &mut Harness<'_>) -> Outcome {
    h.online()?;
    let interval =
        h.cp.change_configuration(h.now, "MeterValueSampleInterval", "10");
    check!(interval == ConfigurationStatus::Accepted);
    let _ = h.saw(&Event::ConfigurationChanged(
        ConfigKey::MeterValueSampleInterval,
    ));

    let ticket = take!(h.cp.authorize(h.now, "TAG-1").ok());
    let (id, req) = h.expect::<AuthorizeRequest>(Action::Authorize)?;
    check!(req.id_tag.as_str() == "TAG-1");
    h.answer(
        &id,
        &AuthorizeResponse {
            id_tag_info: accepted(),
        },
    )?;
    check!(h.saw(&Event::Authorized {
        ticket,
        result: Ok(accepted())
    }));

    h.cp.station_mut().energy_wh[1] = 1_000;
    let ticket = take!(h.cp.start_transaction(h.now, 1, "TAG-1", 1_000, None).ok());
    let (id, req) = h.expect::<StartTransactionRequest>(Action::StartTransaction)?;
    check!(req.connector_id == 1 && req.id_tag.as_str() == "TAG-1" && req.meter_start == 1_000);
    check!(req.timestamp == CS_TIME);
    let started = StartTransactionResponse {
        id_tag_info: accepted(),
        transaction_id: 4_711,
    };
    h.answer(&id, &started)?;
    h.expect_status(1, ChargePointStatus::Charging)?;
    let outcome = Ok(StartOutcome::Accepted {
        transaction_id: 4_711,
    });
    check!(h.saw(&Event::TransactionStarted {
        ticket,
        connector: 1,
        result: outcome
    }));
    check!(h.cp.transaction_id(1) == Some(4_711));

    for sample in 1..=3 {
        h.cp.station_mut().energy_wh[1] += 50;
        h.advance(9_999);
        h.nothing_sent()?;
        h.advance(1);
        let (id, req) = h.expect::<MeterValuesRequest>(Action::MeterValues)?;
        check!(req.connector_id == 1 && req.transaction_id == Some(4_711));
        let value = take!(req.meter_value.first());
        check!(value.timestamp == DateTime::from_unix_secs(CS_TIME.unix_secs() + 10 * sample));
        let reading = take!(value.sampled_value.first());
        check!(reading.value == sample_text(1_000 + 50 * sample));
        check!(reading.measurand == Some(Measurand::EnergyActiveImportRegister));
        check!(reading.context == Some(ReadingContext::SamplePeriodic));
        check!(reading.unit == Some(UnitOfMeasure::Wh));
        h.answer(&id, &MeterValuesResponse {})?;
    }

    let ticket = take!(h
        .cp
        .stop_transaction(h.now, 1, 1_150, None, Some("TAG-1"))
        .ok());
    let (id, req) = h.expect::<StopTransactionRequest>(Action::StopTransaction)?;
    check!(req.transaction_id == 4_711 && req.meter_stop == 1_150);
    check!(req.reason == Some(Reason::Local));
    check!(req.id_tag.as_ref().map(|t| t.as_str()) == Some("TAG-1"));
    let end = take!(req.transaction_data.as_ref().and_then(|d| d.last()));
    let reading = take!(end.sampled_value.first());
    check!(reading.context == Some(ReadingContext::TransactionEnd));
    h.answer(&id, &StopTransactionResponse { id_tag_info: None })?;
    h.expect_status(1, ChargePointStatus::Finishing)?;
    let outcome = Ok(StopOutcome::Delivered);
    check!(h.saw(&Event::TransactionStopped {
        ticket,
        connector: 1,
        result: outcome
    }));
    check!(!h.cp.has_transaction(1) && h.cp.queued_transaction_messages() == 0);
    h.advance(60_000);
    h.nothing_sent()
}

/// (d) Offline: transactions started and stopped without a connection are replayed in order
/// after reconnecting, and each StopTransaction carries the id assigned on replay.
#[no_mangle]
pub extern "C" fn ocpp_selftest_offline_replay() -> i32 {
    run(2, offline_replay)
}

fn offline_replay(h: &mut Harness<'_>) -> Outcome {
    h.online()?;
    h.cp.change_configuration(h.now, "MeterValueSampleInterval", "0");
    h.cp.handle_disconnected(h.now);
    check!(h.saw(&Event::Disconnected));

    for connector in [1u8, 2] {
        let tag = if connector == 1 { "OFF-1" } else { "OFF-2" };
        let meter = 100 * i32::from(connector);
        let ticket = take!(h
            .cp
            .start_transaction(h.now, connector, tag, meter, None)
            .ok());
        let queued = Ok(StartOutcome::Queued);
        check!(h.saw(&Event::TransactionStarted {
            ticket,
            connector,
            result: queued
        }));
        h.advance(1_000);
    }
    for connector in [1u8, 2] {
        let meter = 100 * i32::from(connector) + 50;
        let ticket = take!(h
            .cp
            .stop_transaction(h.now, connector, meter, None, None)
            .ok());
        let queued = Ok(StopOutcome::Queued);
        check!(h.saw(&Event::TransactionStopped {
            ticket,
            connector,
            result: queued
        }));
        h.advance(1_000);
    }
    h.nothing_sent()?;
    check!(h.cp.queued_transaction_messages() == 4);

    h.advance(60_000);
    h.cp.handle_connected(h.now);
    h.boot(RegistrationStatus::Accepted, CS_TIME, 300)?;
    // Expected order: both starts, then both stops with the ids given to the starts.
    let mut replayed = 0;
    let mut last_start = None;
    while let Some(sent) = h.skip_statuses()? {
        match (replayed, sent.action) {
            (0 | 1, Action::StartTransaction) => {
                let req: StartTransactionRequest = h.payload(sent.len)?;
                check!(req.connector_id == replayed + 1);
                check!(req.meter_start == 100 * (replayed as i32 + 1));
                // Stamped when it happened offline, not when it was sent.
                check!(req.timestamp.unix_secs() == CS_TIME.unix_secs() + i64::from(replayed));
                check!(last_start.is_none_or(|t| t < req.timestamp));
                last_start = Some(req.timestamp);
                let started = StartTransactionResponse {
                    id_tag_info: accepted(),
                    transaction_id: 500 + replayed as i32 + 1,
                };
                h.answer(&sent.id, &started)?;
            }
            (2 | 3, Action::StopTransaction) => {
                let req: StopTransactionRequest = h.payload(sent.len)?;
                let connector = replayed as i32 - 1;
                check!(req.transaction_id == 500 + connector);
                check!(req.meter_stop == 100 * connector + 50);
                check!(req.reason == Some(Reason::Local));
                h.answer(&sent.id, &StopTransactionResponse { id_tag_info: None })?;
            }
            _ => return Err(line!()),
        }
        replayed += 1;
    }
    check!(replayed == 4 && h.cp.queued_transaction_messages() == 0);
    Ok(())
}

/// (e) GetConfiguration of every key fits the send buffer (CONFIG_OCPP_SEND_BUFFER_SIZE):
/// with the default values, and with every writable key at its longest value.
#[no_mangle]
pub extern "C" fn ocpp_selftest_configuration_fits() -> i32 {
    run(MAX_CONNECTORS as u8, configuration_fits)
}

/// Counts the entries of a `configurationKey` array, parsing each as a [`KeyValue`] (one at a
/// time: the whole response as a typed value would not fit a small stack).
struct KeyCount(usize);

impl<'de> serde::Deserialize<'de> for KeyCount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Counter;
        impl<'de> serde::de::Visitor<'de> for Counter {
            type Value = KeyCount;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a list of KeyValue")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<KeyCount, A::Error> {
                let mut n = 0;
                while seq.next_element::<KeyValue>()?.is_some() {
                    n += 1;
                }
                Ok(KeyCount(n))
            }
        }
        deserializer.deserialize_seq(Counter)
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct AllKeys {
    configuration_key: KeyCount,
}

fn configuration_fits(h: &mut Harness<'_>) -> Outcome {
    get_every_key(h)?;

    // The longest value each writable key accepts: the largest number, the longest measurands,
    // a full phase rotation list, "false".
    let mut measurands = CiString500::new();
    let mut used = [false; Measurand::ALL.len()];
    for _ in 0..MAX_SAMPLED_VALUES {
        let longest = (0..Measurand::ALL.len())
            .filter(|&i| !used.get(i).copied().unwrap_or(true))
            .max_by_key(|&i| Measurand::ALL.get(i).map_or(0, |m| m.as_str().len()));
        let Some(i) = longest else { break };
        if let (Some(flag), Some(m)) = (used.get_mut(i), Measurand::ALL.get(i)) {
            *flag = true;
            let comma = if measurands.is_empty() { "" } else { "," };
            check!(write!(measurands, "{comma}{m}").is_ok());
        }
    }
    let mut rotation = CiString::<128>::new();
    for i in 0..8 {
        let comma = if i == 0 { "" } else { "," };
        check!(write!(rotation, "{comma}{i}.NotApplicable").is_ok());
    }
    // (ConnectorPhaseRotation takes any short list: it gets the longest text.)
    let candidates = [
        rotation.as_str(),
        "4294967295",
        measurands.as_str(),
        "false",
    ];
    for &key in ConfigKey::ALL {
        if key.access() == Access::ReadOnly {
            continue;
        }
        let changed = candidates.iter().any(|value| {
            h.cp.change_configuration(h.now, key.as_str(), value) != ConfigurationStatus::Rejected
        });
        check!(changed);
    }
    check!(h.cp.configuration().MeterValuesSampledData.len() == MAX_SAMPLED_VALUES);
    get_every_key(h)
}

/// GetConfiguration without keys, answered into a buffer of the platform's send size.
fn get_every_key(h: &mut Harness<'_>) -> Outcome {
    let len = take!(h.raw(br#"[2,"gc","GetConfiguration",{}]"#));
    let frame = rpc::parse_frame(take!(h.out.get(..len)));
    let Ok(Frame::CallResult { id, .. }) = frame else {
        // A CALLERROR InternalError: the answer does not fit SEND_CAPACITY.
        return Err(line!());
    };
    check!(id.as_str() == "gc");
    let all: AllKeys = h.payload(len)?;
    check!(all.configuration_key.0 == ConfigKey::ALL.len());
    log::info!("GetConfiguration of every key: {len} of {SEND_CAPACITY} bytes");
    Ok(())
}

/// (f) The transaction queue's bytes (what a platform persists) restore into the same records,
/// and a torn write restores the complete records before it.
#[no_mangle]
pub extern "C" fn ocpp_selftest_queue_persistence() -> i32 {
    run(1, queue_persistence)
}

fn queue_persistence(h: &mut Harness<'_>) -> Outcome {
    h.online()?;
    h.cp.change_configuration(h.now, "MeterValueSampleInterval", "10");
    h.cp.handle_disconnected(h.now);
    h.cp.station_mut().energy_wh[1] = 7;
    take!(h
        .cp
        .start_transaction(h.now, 1, "PERSIST", 7, Some(42))
        .ok());
    h.cp.station_mut().energy_wh[1] = 19;
    h.advance(10_000);
    take!(h
        .cp
        .stop_transaction(h.now, 1, 23, None, Some("PERSIST"))
        .ok());
    check!(h.cp.queued_transaction_messages() == 3);

    let saved = h.cp.transaction_queue_bytes();
    let mut queue = TransactionQueue::new();
    check!(queue.restore(saved) == 3);
    check!(queue.as_bytes() == saved);
    let start = take!(queue.pop_front()).message;
    let TxMessage::Start {
        local_id,
        connector: 1,
        id_tag,
        meter_start: 7,
        reservation_id: Some(42),
        ..
    } = start
    else {
        return Err(line!());
    };
    check!(id_tag.as_str() == "PERSIST");
    let TxMessage::MeterValues { values, .. } = take!(queue.pop_front()).message else {
        return Err(line!());
    };
    check!(take!(values.first()).value.as_str() == "19");
    let stop = take!(queue.pop_front()).message;
    let TxMessage::Stop {
        meter_stop: 23,
        reason: Reason::Local,
        ..
    } = stop
    else {
        return Err(line!());
    };
    check!(stop.local_id() == local_id && queue.is_empty());

    // A write torn in the last record: the records before it come back.
    check!(queue.restore(take!(saved.get(..saved.len().saturating_sub(1)))) == 2);
    check!(queue.len() == 2);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_selftest_passes_on_the_host() {
        let cases: [(&str, extern "C" fn() -> i32); 7] = [
            ("new", super::ocpp_selftest_new),
            ("framing", super::ocpp_selftest_framing),
            ("boot", super::ocpp_selftest_boot),
            ("transaction", super::ocpp_selftest_transaction),
            ("offline_replay", super::ocpp_selftest_offline_replay),
            (
                "configuration_fits",
                super::ocpp_selftest_configuration_fits,
            ),
            ("queue_persistence", super::ocpp_selftest_queue_persistence),
        ];
        for (name, case) in cases {
            assert_eq!(case(), 0, "{name}: failed check at src/selftest.rs line");
        }
    }

    #[test]
    fn memory() {
        std::println!(
            "Harness {} B, ChargePoint {} B, TransactionQueue {} B",
            core::mem::size_of::<super::Harness>(),
            core::mem::size_of::<crate::engine::ChargePoint<super::TestStation>>(),
            core::mem::size_of::<super::TransactionQueue>()
        );
    }
}
