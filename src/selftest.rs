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
//! The host unit tests (`src/engine/tests/`) cover the engine in breadth; these few cases are
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
                cs_ids: 0,
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

/// Builds a new charge point in `slot`, in place, as the Zephyr platform's `ocpp_init` does
/// (`ChargePoint::init_in`): building it on the stack and moving it would take twice its size
/// of stack (~16 KB on qemu_cortex_m3 with the optional profiles) for a moment. Not inlined, so
/// that the temporaries of building it are gone before the case runs.
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
    let cp = ChargePoint::init_in(
        slot,
        boot,
        connectors,
        TestStation::default(),
        options,
        Instant(0),
    );
    cp.map_err(|_| line!())
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
    /// The id of the last CALL the Central System sent (the profiles' cases send CALLs).
    #[cfg_attr(
        not(any(
            feature = "remote-trigger",
            feature = "reservation",
            feature = "local-auth-list"
        )),
        allow(dead_code)
    )]
    cs_ids: u32,
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

/// The Central System's own CALLs, for the optional profiles' cases.
#[cfg(any(
    feature = "remote-trigger",
    feature = "reservation",
    feature = "local-auth-list"
))]
impl Harness<'_> {
    /// A CALL from the Central System, written into `cs` from its typed request; returns the
    /// typed payload of the CALLRESULT the charge point answered with (a CALLERROR fails).
    fn call<R>(&mut self, request: &R) -> Result<R::Response, Failure>
    where
        R: Request,
        R::Response: DeserializeOwned,
    {
        let id = self.next_cs_id();
        let frame = rpc::write_call(self.cs.as_mut_slice(), &id, R::ACTION.as_str(), request);
        let reply = self.receive(take!(frame.ok()));
        self.result(&id, reply)
    }

    /// A new id for a CALL of the Central System.
    fn next_cs_id(&mut self) -> MessageId {
        self.cs_ids += 1;
        MessageId::from_counter(self.cs_ids)
    }

    /// The typed payload of the CALLRESULT in `out` that answers the Central System's CALL `id`.
    fn result<T: DeserializeOwned>(
        &mut self,
        id: &MessageId,
        reply: Option<usize>,
    ) -> Result<T, Failure> {
        let len = take!(reply);
        match rpc::parse_frame(take!(self.out.get(..len))) {
            Ok(Frame::CallResult { id: answered, .. }) => check!(answered == *id),
            _ => return Err(line!()),
        }
        self.payload(len)
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
/// queued or sent. (Its stack use is that of `ChargePoint::init_in` alone, as in `ocpp_init`.)
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
        // Sent by the Charge Point only: NotSupported whatever profiles the build has (a
        // profile's own requests answer NotSupported only when the profile is left out).
        (br#"[2,"b4","Heartbeat",{}]"#, "b4", ErrorCode::NotSupported),
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

// ------------------------------------------------------------ the optional profiles' cases
// Each is compiled with its Cargo feature (Kconfig CONFIG_OCPP_PROFILE_*), as the engine module
// it tests is.

#[cfg(feature = "remote-trigger")]
pub use remote_trigger::ocpp_selftest_remote_trigger;

/// Remote Trigger: what TriggerMessage asks for is sent after the CALLRESULT.
#[cfg(feature = "remote-trigger")]
mod remote_trigger {
    use super::*;

    /// (g) TriggerMessage for one connector's StatusNotification and for MeterValues (context
    /// Trigger, with the transactionId of a running transaction) is Accepted, and the triggered
    /// CALL follows the CALLRESULT; a connectorId out of range is Rejected and nothing is sent.
    #[no_mangle]
    pub extern "C" fn ocpp_selftest_remote_trigger() -> i32 {
        run(2, remote_trigger)
    }

    fn trigger(
        h: &mut Harness<'_>,
        message: MessageTrigger,
        connector: u32,
    ) -> Result<TriggerMessageStatus, Failure> {
        let request = TriggerMessageRequest {
            requested_message: message,
            connector_id: Some(connector),
        };
        Ok(h.call(&request)?.status)
    }

    fn remote_trigger(h: &mut Harness<'_>) -> Outcome {
        h.online()?;
        let _ = h.saw(&Event::Disconnected);

        // Unchanged since the boot, the status of connector 2 is sent again; handle_frame
        // returned the CALLRESULT, and only the next poll_transmit the StatusNotification.
        let status = trigger(h, MessageTrigger::StatusNotification, 2)?;
        check!(status == TriggerMessageStatus::Accepted);
        h.expect_status(2, ChargePointStatus::Available)?;
        h.nothing_sent()?;
        check!(h.saw(&Event::MessageTriggered {
            message: MessageTrigger::StatusNotification,
            connector: Some(2)
        }));

        // MeterValues of connector 1 during a transaction: context Trigger, its transactionId.
        h.cp.station_mut().energy_wh[1] = 1_000;
        take!(h.cp.start_transaction(h.now, 1, "TRIG", 1_000, None).ok());
        let (id, _) = h.expect::<StartTransactionRequest>(Action::StartTransaction)?;
        let started = StartTransactionResponse {
            id_tag_info: accepted(),
            transaction_id: 88,
        };
        h.answer(&id, &started)?;
        h.expect_status(1, ChargePointStatus::Charging)?;
        let _ = h.saw(&Event::Disconnected);
        h.cp.station_mut().energy_wh[1] = 1_234;
        h.cp.station_mut().energy_wh[2] = 500;
        for (connector, transaction_id, wh) in [(1u8, Some(88), 1_234), (2, None, 500)] {
            let status = trigger(h, MessageTrigger::MeterValues, connector.into())?;
            check!(status == TriggerMessageStatus::Accepted);
            let (id, req) = h.expect::<MeterValuesRequest>(Action::MeterValues)?;
            check!(req.connector_id == u32::from(connector));
            check!(req.transaction_id == transaction_id);
            let value = take!(req.meter_value.first());
            check!(value.timestamp == CS_TIME);
            let reading = take!(value.sampled_value.first());
            check!(reading.value == sample_text(wh));
            check!(reading.context == Some(ReadingContext::Trigger));
            check!(reading.measurand == Some(Measurand::EnergyActiveImportRegister));
            h.answer(&id, &MeterValuesResponse {})?;
            h.nothing_sent()?;
            check!(h.saw(&Event::MessageTriggered {
                message: MessageTrigger::MeterValues,
                connector: Some(connector)
            }));
        }

        // connectorId 3 of 2, and one beyond u8: Rejected, nothing sent, no event.
        for message in [
            MessageTrigger::StatusNotification,
            MessageTrigger::MeterValues,
        ] {
            for connector in [3, 300] {
                check!(trigger(h, message, connector)? == TriggerMessageStatus::Rejected);
            }
        }
        h.nothing_sent()?;
        check!(h.cp.poll_event().is_none());
        Ok(())
    }
}

#[cfg(feature = "reservation")]
pub use reservation::ocpp_selftest_reservation;

/// Reservation: ReserveNow, CancelReservation, expiry, and the holder's StartTransaction.
#[cfg(feature = "reservation")]
mod reservation {
    use super::*;
    use crate::engine::reservation::ReservationChange;
    use crate::engine::CommandError;

    /// (h) ReserveNow Accepted shows the connector Reserved; another idTag cannot start there;
    /// CancelReservation Accepted (Rejected for an unknown id) and expiry on the virtual clock
    /// make the connector Available; a connector with a transaction is Occupied; the holder's
    /// StartTransaction carries the reservationId and uses the reservation up.
    #[no_mangle]
    pub extern "C" fn ocpp_selftest_reservation() -> i32 {
        run(2, reservation)
    }

    fn reserve(
        h: &mut Harness<'_>,
        connector: u32,
        id_tag: &str,
        reservation_id: i32,
        expiry_date: DateTime,
    ) -> Result<ReservationStatus, Failure> {
        let request = ReserveNowRequest {
            connector_id: connector,
            expiry_date,
            id_tag: take!(CiString::try_from_str(id_tag).ok()),
            parent_id_tag: None,
            reservation_id,
        };
        Ok(h.call(&request)?.status)
    }

    fn cancel(
        h: &mut Harness<'_>,
        reservation_id: i32,
    ) -> Result<CancelReservationStatus, Failure> {
        Ok(h.call(&CancelReservationRequest { reservation_id })?.status)
    }

    /// Expects the StartTransaction of `connector` with `reservation_id`, answers it with
    /// `transaction_id` and expects the connector Charging.
    fn started(
        h: &mut Harness<'_>,
        connector: u32,
        reservation_id: Option<i32>,
        transaction_id: i32,
    ) -> Outcome {
        let (id, req) = h.expect::<StartTransactionRequest>(Action::StartTransaction)?;
        check!(req.connector_id == connector && req.reservation_id == reservation_id);
        let answer = StartTransactionResponse {
            id_tag_info: accepted(),
            transaction_id,
        };
        h.answer(&id, &answer)?;
        h.expect_status(connector, ChargePointStatus::Charging)
    }

    fn reservation(h: &mut Harness<'_>) -> Outcome {
        h.online()?;
        let _ = h.saw(&Event::Disconnected);
        let in_an_hour = DateTime::from_unix_secs(CS_TIME.unix_secs() + 3_600);

        check!(reserve(h, 1, "RES-1", 7, in_an_hour)? == ReservationStatus::Accepted);
        h.expect_status(1, ChargePointStatus::Reserved)?;
        h.nothing_sent()?;
        check!(h.saw(&Event::Reservation {
            connector: 1,
            reservation_id: 7,
            change: ReservationChange::Made,
        }));
        check!(h.cp.reservation(1).map(|r| r.id) == Some(7));
        // Another idTag is refused on the reserved connector.
        let other = h.cp.start_transaction(h.now, 1, "OTHER", 0, None);
        check!(other == Err(CommandError::Reserved));
        h.nothing_sent()?;

        // CancelReservation: an unknown id Rejected; the reservation's id Accepted, once.
        check!(reserve(h, 2, "RES-2", 8, in_an_hour)? == ReservationStatus::Accepted);
        h.expect_status(2, ChargePointStatus::Reserved)?;
        check!(cancel(h, 99)? == CancelReservationStatus::Rejected);
        h.nothing_sent()?;
        check!(cancel(h, 8)? == CancelReservationStatus::Accepted);
        h.expect_status(2, ChargePointStatus::Available)?;
        check!(h.saw(&Event::Reservation {
            connector: 2,
            reservation_id: 8,
            change: ReservationChange::Cancelled,
        }));
        check!(cancel(h, 8)? == CancelReservationStatus::Rejected);
        check!(h.cp.reservation(2).is_none());

        // A reservation for a minute expires on the virtual clock: Available again.
        let in_a_minute = DateTime::from_unix_secs(CS_TIME.unix_secs() + 60);
        check!(reserve(h, 2, "RES-3", 9, in_a_minute)? == ReservationStatus::Accepted);
        h.expect_status(2, ChargePointStatus::Reserved)?;
        let _ = h.saw(&Event::Disconnected);
        h.advance(59_999);
        h.nothing_sent()?;
        check!(h.cp.connector_status(2) == Some(ChargePointStatus::Reserved));
        h.advance(1);
        check!(h.saw(&Event::Reservation {
            connector: 2,
            reservation_id: 9,
            change: ReservationChange::Expired,
        }));
        h.expect_status(2, ChargePointStatus::Available)?;
        check!(h.cp.reservation(2).is_none());
        check!(h.cp.reservation(1).map(|r| r.id) == Some(7));

        // A connector with a transaction: Occupied.
        take!(h.cp.start_transaction(h.now, 2, "TX-2", 0, None).ok());
        started(h, 2, None, 21)?;
        check!(reserve(h, 2, "RES-4", 10, in_an_hour)? == ReservationStatus::Occupied);
        h.nothing_sent()?;

        // The holder (its idTag in any case) starts with the reservationId, using it up.
        take!(h.cp.start_transaction(h.now, 1, "res-1", 100, None).ok());
        started(h, 1, Some(7), 22)?;
        check!(h.cp.reservation(1).is_none() && h.cp.reservations().iter().next().is_none());
        check!(h.cp.transaction_id(1) == Some(22) && h.cp.transaction_id(2) == Some(21));
        h.nothing_sent()
    }
}

#[cfg(feature = "local-auth-list")]
pub use local_list::ocpp_selftest_local_list;

/// Local Auth List Management: SendLocalList, GetLocalListVersion, and the list deciding.
#[cfg(feature = "local-auth-list")]
mod local_list {
    use super::*;
    use crate::capacity::LOCAL_AUTH_LIST_SIZE;
    use crate::engine::CommandError;

    /// (i) SendLocalList Full fills the list to LOCAL_AUTH_LIST_SIZE; one more entry Fails and
    /// changes nothing; a Full update of several entries replaces it; a Differential one with a
    /// stale version is VersionMismatch, with a newer one adds, updates and deletes; the version
    /// is that of GetLocalListVersion. Offline, the list decides (before the cache).
    #[no_mangle]
    pub extern "C" fn ocpp_selftest_local_list() -> i32 {
        run(1, local_list)
    }

    /// Writes text and JSON values into a byte buffer (the Central System's frame).
    struct FrameText<'b> {
        buf: &'b mut [u8],
        len: usize,
    }

    impl FrameText<'_> {
        fn json<T: Serialize>(&mut self, value: &T) -> Result<(), Failure> {
            let rest = take!(self.buf.get_mut(self.len..));
            self.len += take!(serde_json_core::to_slice(value, rest).ok());
            Ok(())
        }
    }

    impl core::fmt::Write for FrameText<'_> {
        fn write_str(&mut self, text: &str) -> core::fmt::Result {
            let end = self.len + text.len();
            let space = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
            space.copy_from_slice(text.as_bytes());
            self.len = end;
            Ok(())
        }
    }

    /// Sends a SendLocalList of `count` entries, entry `i` made by `entry(i)`, written one by
    /// one into the receive buffer (the request is never held whole, as in the engine);
    /// returns the answer's status.
    fn send_local_list(
        h: &mut Harness<'_>,
        version: i32,
        update_type: UpdateType,
        count: usize,
        entry: impl Fn(usize) -> Option<AuthorizationData>,
    ) -> Result<UpdateStatus, Failure> {
        let id = h.next_cs_id();
        let mut frame = FrameText {
            buf: h.cs.as_mut_slice(),
            len: 0,
        };
        let head = write!(
            frame,
            r#"[2,"{}","SendLocalList",{{"listVersion":{version},"updateType":"{update_type}","localAuthorizationList":["#,
            id.as_str()
        );
        check!(head.is_ok());
        for i in 0..count {
            if i > 0 {
                check!(frame.write_str(",").is_ok());
            }
            frame.json(&take!(entry(i)))?;
        }
        check!(frame.write_str("]}]").is_ok());
        let len = frame.len;
        if count > LOCAL_AUTH_LIST_SIZE {
            log::info!("SendLocalList of {count} entries: {len} of {FRAME_CAPACITY} bytes");
        }
        let reply = h.receive(len);
        let answer: SendLocalListResponse = h.result(&id, reply)?;
        Ok(answer.status)
    }

    fn listed(
        id_tag: &str,
        status: Option<AuthorizationStatus>,
        expiry_date: Option<DateTime>,
    ) -> Option<AuthorizationData> {
        Some(AuthorizationData {
            id_tag: CiString::try_from_str(id_tag).ok()?,
            id_tag_info: status.map(|status| IdTagInfo {
                expiry_date,
                parent_id_tag: None,
                status,
            }),
        })
    }

    /// A short idTag `<prefix><i>` (Accepted), so that a list longer than the capacity fits
    /// the receive buffer.
    fn numbered(prefix: char, i: usize) -> Option<AuthorizationData> {
        let mut id_tag = CiString::new();
        write!(id_tag, "{prefix}{i}").ok()?;
        Some(AuthorizationData {
            id_tag,
            id_tag_info: Some(accepted()),
        })
    }

    fn version(h: &mut Harness<'_>) -> Result<i32, Failure> {
        Ok(h.call(&GetLocalListVersionRequest {})?.list_version)
    }

    /// The status an offline Authorize of `id_tag` is decided with at once (None: not decided).
    fn offline_status(
        h: &mut Harness<'_>,
        id_tag: &str,
    ) -> Result<Option<AuthorizationStatus>, Failure> {
        let ticket = match h.cp.authorize(h.now, id_tag) {
            Ok(ticket) => ticket,
            Err(CommandError::NotReady) => return Ok(None),
            Err(_) => return Err(line!()),
        };
        let Some(Event::Authorized {
            ticket: decided,
            result: Ok(info),
        }) = h.cp.poll_event()
        else {
            return Err(line!());
        };
        check!(decided == ticket && h.cp.poll_event().is_none());
        Ok(Some(info.status))
    }

    fn status_of(h: &Harness<'_>, id_tag: &str) -> Option<AuthorizationStatus> {
        h.cp.local_list().find(id_tag).map(|e| e.info.status)
    }

    fn local_list(h: &mut Harness<'_>) -> Outcome {
        // The list below holds 4 idTags (CONFIG_OCPP_LOCAL_AUTH_LIST_SIZE >= 4), and a list of
        // one idTag more than the capacity must fit the receive buffer (~51 bytes an entry).
        check!(LOCAL_AUTH_LIST_SIZE >= 4);
        h.online()?;
        check!(version(h)? == 0);
        // The Central System accepts CACHED: the authorization cache remembers it.
        take!(h.cp.authorize(h.now, "CACHED").ok());
        let (id, _) = h.expect::<AuthorizeRequest>(Action::Authorize)?;
        h.answer(
            &id,
            &AuthorizeResponse {
                id_tag_info: accepted(),
            },
        )?;
        let _ = h.saw(&Event::Disconnected);

        // The list at its capacity, then one entry more: Failed, and the list unchanged.
        let full = send_local_list(h, 1, UpdateType::Full, LOCAL_AUTH_LIST_SIZE, |i| {
            numbered('T', i)
        })?;
        check!(full == UpdateStatus::Accepted);
        check!(h.cp.local_list().entries().len() == LOCAL_AUTH_LIST_SIZE);
        check!(h.saw(&Event::LocalListUpdated { version: 1 }));
        let over = send_local_list(h, 2, UpdateType::Full, LOCAL_AUTH_LIST_SIZE + 1, |i| {
            numbered('U', i)
        })?;
        check!(over == UpdateStatus::Failed);
        check!(version(h)? == 1);
        let entries = h.cp.local_list().entries();
        check!(entries.len() == LOCAL_AUTH_LIST_SIZE);
        check!(entries.iter().all(|e| e.id_tag.as_str().starts_with('T')));
        check!(h.cp.poll_event().is_none());

        // A Full update of several entries replaces the list.
        let an_hour_ago = DateTime::from_unix_secs(CS_TIME.unix_secs() - 3_600);
        let several = |i: usize| match i {
            0 => listed("A", Some(AuthorizationStatus::Accepted), None),
            1 => listed("B", Some(AuthorizationStatus::Accepted), None),
            2 => listed("CACHED", Some(AuthorizationStatus::Blocked), None),
            3 => listed(
                "OLD",
                Some(AuthorizationStatus::Accepted),
                Some(an_hour_ago),
            ),
            _ => None,
        };
        check!(send_local_list(h, 3, UpdateType::Full, 4, several)? == UpdateStatus::Accepted);
        check!(h.saw(&Event::LocalListUpdated { version: 3 }));
        check!(h.cp.local_list().entries().len() == 4 && version(h)? == 3);

        // A differential update must raise the version.
        let add_c = |_| listed("C", Some(AuthorizationStatus::Accepted), None);
        for stale in [2, 3] {
            let stale = send_local_list(h, stale, UpdateType::Differential, 1, add_c)?;
            check!(stale == UpdateStatus::VersionMismatch);
        }
        check!(h.cp.local_list().find("C").is_none() && version(h)? == 3);
        // Adds C, updates b (case-insensitively), deletes A; deleting Z, unknown, is harmless.
        let changes = |i: usize| match i {
            0 => listed("C", Some(AuthorizationStatus::Accepted), None),
            1 => listed("b", Some(AuthorizationStatus::Blocked), None),
            2 => listed("A", None, None),
            3 => listed("Z", None, None),
            _ => None,
        };
        let diff = send_local_list(h, 4, UpdateType::Differential, 4, changes)?;
        check!(diff == UpdateStatus::Accepted);
        check!(version(h)? == 4 && h.cp.local_list().version() == 4);
        check!(h.cp.local_list().entries().len() == 4);
        check!(status_of(h, "A").is_none());
        check!(status_of(h, "B") == Some(AuthorizationStatus::Blocked));
        check!(status_of(h, "C") == Some(AuthorizationStatus::Accepted));
        check!(h.saw(&Event::LocalListUpdated { version: 4 }));

        // Offline (LocalAuthorizeOffline), the list decides at once, over the cache.
        h.cp.handle_disconnected(h.now);
        check!(h.saw(&Event::Disconnected));
        check!(offline_status(h, "C")? == Some(AuthorizationStatus::Accepted));
        check!(offline_status(h, "c")? == Some(AuthorizationStatus::Accepted));
        check!(offline_status(h, "B")? == Some(AuthorizationStatus::Blocked));
        check!(offline_status(h, "CACHED")? == Some(AuthorizationStatus::Blocked));
        check!(offline_status(h, "OLD")? == Some(AuthorizationStatus::Expired));
        // Deleted from the list and never cached; unknown: not decided offline.
        check!(offline_status(h, "A")?.is_none());
        check!(offline_status(h, "UNKNOWN")?.is_none());
        h.nothing_sent()
    }
}

#[cfg(test)]
mod tests {
    /// One test runs them all: the cases share the static storage, one case at a time.
    #[test]
    fn every_selftest_passes_on_the_host() {
        let cases: &[(&str, extern "C" fn() -> i32)] = &[
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
            #[cfg(feature = "remote-trigger")]
            ("remote_trigger", super::ocpp_selftest_remote_trigger),
            #[cfg(feature = "reservation")]
            ("reservation", super::ocpp_selftest_reservation),
            #[cfg(feature = "local-auth-list")]
            ("local_list", super::ocpp_selftest_local_list),
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
