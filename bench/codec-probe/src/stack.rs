//! Stack cases (feature `stack`) for `bench/codec-stack`: the C harness calls
//! `ocpp_codec_stack_prepare(i)` (which builds case `i`'s message outside the measurement),
//! paints the free stack, calls `ocpp_codec_stack_run(i)` (one parse or one write, with the
//! probe's codec) and reads how deep the paint was overwritten. The scratch and output buffers
//! are statics, so the depth is the codec's own (the engine adds its 512-byte scratch).

use core::ffi::CStr;
use core::hint::black_box;
use core::mem::MaybeUninit;
use core::ptr::addr_of_mut;

use ocpp::codec::Member;
use ocpp::messages::*;
use ocpp::rpc::MessageId;
use ocpp::{CiString, DateTime};

const TIME: &str = "2026-11-21T10:00:00.000Z";

/// (name, payload) of the parse cases; the write cases follow, in `WRITES` order.
const PARSES: &[(&CStr, &str)] = &[
    (
        c"parse:ChangeAvailabilityRequest",
        r#"{"connectorId":1,"type":"Inoperative"}"#,
    ),
    (
        c"parse:RemoteStartTransactionRequest",
        r#"{"connectorId":1,"idTag":"04A2B3C4D5E6F7"}"#,
    ),
    (
        c"parse:ReserveNowRequest",
        r#"{"connectorId":1,"expiryDate":"2026-11-21T10:00:00.000Z","idTag":"04A2B3C4D5E6F7","parentIdTag":"PARENT-1","reservationId":42}"#,
    ),
    (
        c"parse:TriggerMessageRequest",
        r#"{"requestedMessage":"StatusNotification","connectorId":1}"#,
    ),
    (
        c"parse:AuthorizeResponse",
        r#"{"idTagInfo":{"status":"Accepted","expiryDate":"2026-11-21T10:00:00.000Z","parentIdTag":"PARENT-1"}}"#,
    ),
    (
        c"parse:StartTransactionResponse",
        r#"{"idTagInfo":{"status":"Accepted","expiryDate":"2026-11-21T10:00:00.000Z","parentIdTag":"PARENT-1"},"transactionId":123456}"#,
    ),
    (
        c"parse:BootNotificationResponse",
        r#"{"status":"Accepted","currentTime":"2026-11-21T10:00:00.000Z","interval":300}"#,
    ),
    (c"parse:StatusNotificationResponse", "{}"),
];

const WRITES: &[&CStr] = &[
    c"write:BootNotificationRequest",
    c"write:StatusNotificationRequest",
    c"write:MeterValuesRequest(6-values)",
    c"write:AuthorizeRequest",
    c"write:StartTransactionRequest",
    c"write:ChangeAvailabilityResponse",
    c"write:RemoteStartStopResponse",
    c"write:ReserveNowResponse",
    c"write:TriggerMessageResponse",
];

struct Values {
    boot: BootNotificationRequest,
    status: StatusNotificationRequest,
    meter: MeterValuesRequest,
    authorize: AuthorizeRequest,
    start: StartTransactionRequest,
}

static mut VALUES: MaybeUninit<Values> = MaybeUninit::uninit();
static mut SCRATCH: [u8; 512] = [0; 512];
static mut OUT: [u8; 2048] = [0; 2048];

fn text<const N: usize>(s: &str) -> CiString<N> {
    CiString::try_from_str(s).unwrap_or_default()
}

fn values() -> Values {
    let time = DateTime::parse(TIME).unwrap_or_default();
    let mut meter_value = MeterValue {
        timestamp: time,
        sampled_value: Member::EMPTY,
    };
    for measurand in [
        Measurand::EnergyActiveImportRegister,
        Measurand::PowerActiveImport,
        Measurand::CurrentImport,
        Measurand::Voltage,
        Measurand::Temperature,
        Measurand::SoC,
    ] {
        let _ = meter_value.sampled_value.push(SampledValue {
            value: text("12345"),
            context: Some(ReadingContext::SamplePeriodic),
            format: None,
            measurand: Some(measurand),
            phase: None,
            location: Some(Location::Outlet),
            unit: measurand.default_unit(),
        });
    }
    let mut meter = MeterValuesRequest {
        connector_id: 1,
        transaction_id: Some(17),
        meter_value: Member::EMPTY,
    };
    let _ = meter.meter_value.push(meter_value);
    Values {
        boot: BootNotificationRequest {
            charge_point_vendor: text("ACME Charging"),
            charge_point_model: text("Wallbox 22"),
            charge_point_serial_number: Some(text("WB22-000123")),
            charge_box_serial_number: None,
            firmware_version: Some(text("1.4.2")),
            iccid: None,
            imsi: None,
            meter_type: Some(text("EM340")),
            meter_serial_number: Some(text("EM-987654")),
        },
        status: StatusNotificationRequest {
            connector_id: 1,
            error_code: ChargePointErrorCode::NoError,
            info: None,
            status: ChargePointStatus::Charging,
            timestamp: Some(time),
            vendor_id: None,
            vendor_error_code: None,
        },
        meter,
        authorize: AuthorizeRequest {
            id_tag: text("04A2B3C4D5E6F7"),
        },
        start: StartTransactionRequest {
            connector_id: 1,
            id_tag: text("04A2B3C4D5E6F7"),
            meter_start: 1_234_567,
            reservation_id: None,
            timestamp: time,
        },
    }
}

#[no_mangle]
pub extern "C" fn ocpp_codec_stack_cases() -> u32 {
    (PARSES.len() + WRITES.len()) as u32
}

/// The case's name, NUL-terminated.
#[no_mangle]
pub extern "C" fn ocpp_codec_stack_name(case: u32) -> *const core::ffi::c_char {
    let case = case as usize;
    match PARSES.get(case) {
        Some((name, _)) => name.as_ptr(),
        None => WRITES
            .get(case - PARSES.len())
            .map_or(c"?".as_ptr(), |n| n.as_ptr()),
    }
}

/// Builds what case `case` reads or writes (outside the measurement).
#[no_mangle]
pub extern "C" fn ocpp_codec_stack_prepare(_case: u32) {
    // SAFETY: the harness is single-threaded and calls prepare and run one after the other.
    unsafe {
        (*addr_of_mut!(VALUES)).write(values());
    }
}

macro_rules! parse {
    ($ty:ty, $payload:expr, $scratch:expr) => {{
        #[cfg(not(feature = "table"))]
        let parsed = ocpp::messages::serde_parse_payload::<$ty>($payload, $scratch);
        #[cfg(feature = "table")]
        let parsed = ocpp::codec::parse::<$ty>($payload, $scratch);
        black_box(&parsed);
        if parsed.is_ok() {
            0
        } else {
            -1
        }
    }};
}

macro_rules! write {
    (call $ty:ty, $value:expr, $buf:expr) => {{
        let id = MessageId::default();
        let action = <$ty as Request>::ACTION.as_str();
        #[cfg(not(feature = "table"))]
        let written = ocpp::rpc::write_call($buf, &id, action, black_box($value));
        #[cfg(feature = "table")]
        let written = ocpp::codec::write_call($buf, &id, action, black_box($value));
        written.map_or(-1, |n| n as i32)
    }};
    (result $value:expr, $buf:expr) => {{
        let id = MessageId::default();
        #[cfg(not(feature = "table"))]
        let written = ocpp::rpc::write_call_result($buf, &id, black_box($value));
        #[cfg(feature = "table")]
        let written = ocpp::codec::write_call_result($buf, &id, black_box($value));
        written.map_or(-1, |n| n as i32)
    }};
}

// One function per case, so only the case's own message occupies the stack.
#[inline(never)]
fn parse0(p: &[u8], s: &mut [u8]) -> i32 {
    parse!(ChangeAvailabilityRequest, p, s)
}
#[inline(never)]
fn parse1(p: &[u8], s: &mut [u8]) -> i32 {
    parse!(RemoteStartTransactionRequest, p, s)
}
#[inline(never)]
fn parse2(p: &[u8], s: &mut [u8]) -> i32 {
    parse!(ReserveNowRequest, p, s)
}
#[inline(never)]
fn parse3(p: &[u8], s: &mut [u8]) -> i32 {
    parse!(TriggerMessageRequest, p, s)
}
#[inline(never)]
fn parse4(p: &[u8], s: &mut [u8]) -> i32 {
    parse!(AuthorizeResponse, p, s)
}
#[inline(never)]
fn parse5(p: &[u8], s: &mut [u8]) -> i32 {
    parse!(StartTransactionResponse, p, s)
}
#[inline(never)]
fn parse6(p: &[u8], s: &mut [u8]) -> i32 {
    parse!(BootNotificationResponse, p, s)
}
#[inline(never)]
fn parse7(p: &[u8], s: &mut [u8]) -> i32 {
    parse!(StatusNotificationResponse, p, s)
}
#[inline(never)]
fn write8(v: &Values, o: &mut [u8]) -> i32 {
    write!(call BootNotificationRequest, &v.boot, o)
}
#[inline(never)]
fn write9(v: &Values, o: &mut [u8]) -> i32 {
    write!(call StatusNotificationRequest, &v.status, o)
}
#[inline(never)]
fn write10(v: &Values, o: &mut [u8]) -> i32 {
    write!(call MeterValuesRequest, &v.meter, o)
}
#[inline(never)]
fn write11(v: &Values, o: &mut [u8]) -> i32 {
    write!(call AuthorizeRequest, &v.authorize, o)
}
#[inline(never)]
fn write12(v: &Values, o: &mut [u8]) -> i32 {
    write!(call StartTransactionRequest, &v.start, o)
}
#[inline(never)]
fn write13(o: &mut [u8]) -> i32 {
    write!(
        result
            & ChangeAvailabilityResponse {
                status: AvailabilityStatus::Accepted
            },
        o
    )
}
#[inline(never)]
fn write14(o: &mut [u8]) -> i32 {
    write!(
        result
            & RemoteStartStopResponse {
                status: RemoteStartStopStatus::Accepted
            },
        o
    )
}
#[inline(never)]
fn write15(o: &mut [u8]) -> i32 {
    write!(
        result
            & ReserveNowResponse {
                status: ReservationStatus::Accepted
            },
        o
    )
}
#[inline(never)]
fn write16(o: &mut [u8]) -> i32 {
    write!(
        result
            & TriggerMessageResponse {
                status: TriggerMessageStatus::Accepted
            },
        o
    )
}

/// Runs case `case`: 0 or the frame length on success, -1 on failure.
#[no_mangle]
pub extern "C" fn ocpp_codec_stack_run(case: u32) -> i32 {
    // SAFETY: as in `prepare`; `prepare` ran first, so VALUES is initialized.
    let (s, o, v) = unsafe {
        (
            &mut *addr_of_mut!(SCRATCH),
            &mut *addr_of_mut!(OUT),
            (*addr_of_mut!(VALUES)).assume_init_ref(),
        )
    };
    let p = black_box(
        PARSES
            .get(case as usize)
            .map_or(&b""[..], |(_, p)| p.as_bytes()),
    );
    match case {
        0 => parse0(p, s),
        1 => parse1(p, s),
        2 => parse2(p, s),
        3 => parse3(p, s),
        4 => parse4(p, s),
        5 => parse5(p, s),
        6 => parse6(p, s),
        7 => parse7(p, s),
        8 => write8(v, o),
        9 => write9(v, o),
        10 => write10(v, o),
        11 => write11(v, o),
        12 => write12(v, o),
        13 => write13(o),
        14 => write14(o),
        15 => write15(o),
        16 => write16(o),
        _ => 0,
    }
}
