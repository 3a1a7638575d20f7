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
use crate::engine::store::StoreKey;
use crate::engine::{
    sample_text, ChargePoint, ConfigKey, Event, Options, StartOutcome, Station, StopOutcome,
    StoreOp, MAX_STORED_RECORD,
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
        reset_timeout_ms: 20_000,
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
            feature = "local-auth-list",
            feature = "smart-charging",
            feature = "firmware-management"
        )),
        allow(dead_code)
    )]
    cs_ids: u32,
}

impl Harness<'_> {
    /// A power cut: the charge point is dropped and built again in its place, as after a
    /// reboot (what the store kept is all that survives).
    fn reboot(&mut self) -> Outcome {
        let connectors = self.cp.number_of_connectors();
        let cp: *mut ChargePoint<TestStation> = &mut *self.cp;
        // SAFETY: `cp` points at the initialized charge point in `STORAGE` (this harness holds
        // its only reference); it is dropped once, and `install` initializes the same memory
        // again before anything reads it: `install` cannot fail with the arguments it took
        // for this very charge point, and `run` drops the slot after the case.
        let slot = unsafe {
            core::ptr::drop_in_place(cp);
            &mut *cp.cast::<MaybeUninit<ChargePoint<TestStation>>>()
        };
        let cp = install(slot, connectors)?;
        self.cp = cp;
        self.now = Instant(0);
        Ok(())
    }

    /// Moves the virtual clock forward by `ms`, handling every deadline on the way.
    fn advance(&mut self, ms: u64) {
        let end = self.now.plus_millis(ms);
        while let Some(t) = self.cp.poll_timeout().filter(|t| *t <= end) {
            self.now = self.now.max(t);
            self.cp.handle_timeout(self.now);
            // WebSocketPingInterval: the Central System answers every ping at once.
            if self.cp.poll_ping(self.now) {
                self.cp.handle_pong(self.now);
            }
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
        serde_parse_payload(payload, &mut self.scratch).map_err(|_| line!())
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

    /// The Central System's time: CS_TIME until the charge point's clock runs, then its time
    /// (a Central System that agrees with the clock causes no SettingSystemTime jump).
    fn cs_time(&self) -> DateTime {
        self.cp.wall_time(self.now).unwrap_or(CS_TIME)
    }

    /// Connects and completes an accepted boot and the initial StatusNotifications.
    fn online(&mut self) -> Outcome {
        self.cp.handle_connected(self.now);
        let at = self.cs_time();
        self.boot(RegistrationStatus::Accepted, at, 300)?;
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
    feature = "local-auth-list",
    feature = "firmware-management"
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

#[cfg(any(
    feature = "remote-trigger",
    feature = "reservation",
    feature = "local-auth-list",
    feature = "smart-charging",
    feature = "firmware-management"
))]
impl Harness<'_> {
    /// A new id for a CALL of the Central System.
    fn next_cs_id(&mut self) -> MessageId {
        self.cs_ids += 1;
        MessageId::from_counter(self.cs_ids)
    }
}

fn accepted() -> IdTagInfo {
    IdTagInfo {
        expiry_date: None,
        parent_id_tag: None,
        status: AuthorizationStatus::Accepted,
    }
}

// One file per group of cases.
mod core_cases;
pub use core_cases::*;
#[cfg(feature = "firmware-management")]
mod firmware;
#[cfg(feature = "local-auth-list")]
mod local_list;
#[cfg(feature = "remote-trigger")]
mod remote_trigger;
#[cfg(feature = "reservation")]
mod reservation;
#[cfg(feature = "smart-charging")]
mod smart_charging;
#[cfg(feature = "firmware-management")]
pub use firmware::ocpp_selftest_firmware;
#[cfg(feature = "local-auth-list")]
pub use local_list::ocpp_selftest_local_list;
#[cfg(feature = "remote-trigger")]
pub use remote_trigger::ocpp_selftest_remote_trigger;
#[cfg(feature = "reservation")]
pub use reservation::ocpp_selftest_reservation;
#[cfg(feature = "smart-charging")]
pub use smart_charging::ocpp_selftest_smart_charging;

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
            ("power_cut", super::ocpp_selftest_power_cut),
            #[cfg(feature = "remote-trigger")]
            ("remote_trigger", super::ocpp_selftest_remote_trigger),
            #[cfg(feature = "reservation")]
            ("reservation", super::ocpp_selftest_reservation),
            #[cfg(feature = "local-auth-list")]
            ("local_list", super::ocpp_selftest_local_list),
            #[cfg(feature = "smart-charging")]
            ("smart_charging", super::ocpp_selftest_smart_charging),
            #[cfg(feature = "firmware-management")]
            ("firmware", super::ocpp_selftest_firmware),
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
            core::mem::size_of::<crate::engine::queue::TransactionQueue>()
        );
    }
}
