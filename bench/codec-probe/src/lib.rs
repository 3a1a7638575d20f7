//! Codec probe: one exported function that parses the payload of a received frame as each
//! message type selected by a `de-T` feature and writes each selected by a `ser-T` feature,
//! with serde + serde-json-core or, with feature `table`, the table codec (`ocpp::codec`).
//! Inputs are opaque (`black_box`), so `--gc-sections` keeps exactly the code of the selected
//! types' (de)serialization; `bench/codec.sh` weighs each type as the flash it adds.
//!
//! With feature `both`, each selected type is handled by serde and by the table codec: the
//! flash of a build in the middle of a migration, with both codecs linked.
//!
//! With feature `stack`, `ocpp_codec_stack_case` runs one realistic case at a time instead, for
//! the stack measurement on a Cortex-M7 (`bench/codec-stack/`).
#![no_std]
#![allow(unused_macros, unused_imports, unused_mut, unused_variables)]

use core::hint::black_box;

use ocpp::codec::Member;
use ocpp::messages::*;
use ocpp::rpc::{self, Frame, MessageId};

/// Parses `payload` as `$ty` with the probe's codec.
macro_rules! parse {
    ($ty:ty, $payload:expr, $scratch:expr) => {{
        #[cfg(not(feature = "table"))]
        let parsed = ocpp::messages::serde_parse_payload::<$ty>($payload, $scratch);
        #[cfg(feature = "table")]
        let parsed = ocpp::codec::parse::<$ty>($payload, $scratch);
        #[cfg(feature = "both")]
        black_box(ocpp::codec::parse::<$ty>(black_box($payload), $scratch).is_ok());
        parsed
    }};
}

/// Writes `$value` as a CALL (`call`) or a CALLRESULT (`result`) with the probe's codec.
macro_rules! write {
    (call $ty:ty, $value:expr, $buf:expr, $id:expr) => {{
        let action = <$ty as Request>::ACTION.as_str();
        #[cfg(not(feature = "table"))]
        let written = rpc::write_call($buf, $id, action, $value);
        #[cfg(feature = "table")]
        let written = ocpp::codec::write_call($buf, $id, action, $value);
        #[cfg(feature = "both")]
        black_box(ocpp::codec::write_call($buf, $id, action, black_box($value)).is_ok());
        written
    }};
    (result $ty:ty, $value:expr, $buf:expr, $id:expr) => {{
        #[cfg(not(feature = "table"))]
        let written = rpc::write_call_result($buf, $id, $value);
        #[cfg(feature = "table")]
        let written = ocpp::codec::write_call_result($buf, $id, $value);
        #[cfg(feature = "both")]
        black_box(ocpp::codec::write_call_result($buf, $id, black_box($value)).is_ok());
        written
    }};
}

/// Each selected type, parsed (`de`) or written (`ser`) from opaque inputs.
macro_rules! reach {
    ($total:ident, $payload:ident, $scratch:ident, $buf:ident, $id:ident;
     de { $($de_feature:tt $de:ident),* }
     call { $($call_feature:tt $call:ident),* }
     result { $($result_feature:tt $result:ident),* }) => {
        $(
            #[cfg(feature = $de_feature)]
            {
                let parsed = parse!($de, black_box($payload), &mut $scratch);
                $total += usize::from(black_box(&parsed).is_ok());
            }
        )*
        $(
            #[cfg(feature = $call_feature)]
            {
                let value = black_box(<$call as Member>::EMPTY);
                $total += write!(call $call, &value, &mut *$buf, &$id).unwrap_or(0);
            }
        )*
        $(
            #[cfg(feature = $result_feature)]
            {
                let value = black_box(<$result as Member>::EMPTY);
                $total += write!(result $result, &value, &mut *$buf, &$id).unwrap_or(0);
            }
        )*
    };
}

/// # Safety
/// `input` must point to `len` readable bytes and `out` to `cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn ocpp_codec_probe(
    input: *const u8,
    len: usize,
    out: *mut u8,
    cap: usize,
) -> usize {
    // SAFETY: the caller guarantees both buffers.
    let (frame, buf) = unsafe {
        (
            core::slice::from_raw_parts(input, len),
            core::slice::from_raw_parts_mut(out, cap),
        )
    };
    // The framing is shared by both codecs (and by the engine): it is in every probe.
    let Ok(Frame::Call { id, payload, .. }) = rpc::parse_frame(frame) else {
        return 0;
    };
    let mut scratch = [0u8; 512];
    let mut total = 0;
    reach!(total, payload, scratch, buf, id;
        de {
            "de-ChangeAvailabilityRequest" ChangeAvailabilityRequest,
            "de-RemoteStartTransactionRequest" RemoteStartTransactionRequest,
            "de-ReserveNowRequest" ReserveNowRequest,
            "de-TriggerMessageRequest" TriggerMessageRequest,
            "de-AuthorizeResponse" AuthorizeResponse,
            "de-StartTransactionResponse" StartTransactionResponse,
            "de-BootNotificationResponse" BootNotificationResponse,
            "de-StatusNotificationResponse" StatusNotificationResponse,
            "de-MeterValuesResponse" MeterValuesResponse
        }
        call {
            "ser-BootNotificationRequest" BootNotificationRequest,
            "ser-StatusNotificationRequest" StatusNotificationRequest,
            "ser-MeterValuesRequest" MeterValuesRequest,
            "ser-AuthorizeRequest" AuthorizeRequest,
            "ser-StartTransactionRequest" StartTransactionRequest
        }
        result {
            "ser-ChangeAvailabilityResponse" ChangeAvailabilityResponse,
            "ser-RemoteStartStopResponse" RemoteStartStopResponse,
            "ser-ReserveNowResponse" ReserveNowResponse,
            "ser-TriggerMessageResponse" TriggerMessageResponse
        }
    );
    total
}

#[cfg(feature = "stack")]
mod stack;
