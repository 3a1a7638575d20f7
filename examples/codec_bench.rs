//! Parses or writes one message `count` times with serde + serde-json-core or with the table
//! codec (feature `table-codec`), for `bench/codec.sh`: callgrind counts the instructions of
//! `count` = N against `count` = 0, so setup cancels out.
//!
//! ```text
//! cargo run --release --features table-codec --example codec_bench -- <serde|table> <case> <count>
//! cargo run --release --features table-codec --example codec_bench -- list
//! ```

use std::hint::black_box;

use ocpp::codec::{self, DecodeFields, EncodeFields, Member};
use ocpp::messages::*;
use ocpp::rpc::{self, MessageId};
use ocpp::{CiString, DateTime};
use serde::de::DeserializeOwned;
use serde::Serialize;

#[derive(Clone, Copy, PartialEq)]
enum Codec {
    Serde,
    Table,
}

const TIME: &str = "2026-11-21T10:00:00.000Z";

fn parse<T: DeserializeOwned + Member + DecodeFields>(codec: Codec, payload: &str, count: usize) {
    let mut scratch = [0u8; 512];
    let ok = match codec {
        Codec::Serde => serde_parse_payload::<T>(payload.as_bytes(), &mut scratch).is_ok(),
        Codec::Table => codec::parse::<T>(payload.as_bytes(), &mut scratch).is_ok(),
    };
    assert!(ok, "{payload}");
    for _ in 0..count {
        let payload = black_box(payload.as_bytes());
        match codec {
            Codec::Serde => drop(black_box(serde_parse_payload::<T>(payload, &mut scratch))),
            Codec::Table => drop(black_box(codec::parse::<T>(payload, &mut scratch))),
        }
    }
}

fn call<T: Serialize + EncodeFields + Request>(codec: Codec, value: T, count: usize) {
    let id = MessageId::from_counter(1234);
    let mut buf = [0u8; 4096];
    for _ in 0..count {
        let value = black_box(&value);
        let n = match codec {
            Codec::Serde => rpc::write_call(&mut buf, &id, T::ACTION.as_str(), value),
            Codec::Table => codec::write_call(&mut buf, &id, T::ACTION.as_str(), value),
        };
        black_box(n.expect("fits"));
    }
}

fn result<T: Serialize + EncodeFields>(codec: Codec, value: T, count: usize) {
    let id = MessageId::from_counter(1234);
    let mut buf = [0u8; 4096];
    for _ in 0..count {
        let value = black_box(&value);
        let n = match codec {
            Codec::Serde => rpc::write_call_result(&mut buf, &id, value),
            Codec::Table => codec::write_call_result(&mut buf, &id, value),
        };
        black_box(n.expect("fits"));
    }
}

fn text<const N: usize>(s: &str) -> CiString<N> {
    CiString::try_from_str(s).expect("fits")
}

fn time() -> DateTime {
    DateTime::parse(TIME).expect("a date-time")
}

fn meter_values(samples: usize) -> MeterValuesRequest {
    let measurands = [
        Measurand::EnergyActiveImportRegister,
        Measurand::PowerActiveImport,
        Measurand::CurrentImport,
        Measurand::Voltage,
        Measurand::Temperature,
        Measurand::SoC,
    ];
    let mut sampled_value = heapless::Vec::new();
    for (i, measurand) in measurands.into_iter().take(samples).enumerate() {
        let _ = sampled_value.push(SampledValue {
            value: ocpp::engine::sample_text(12_345 + i as i64),
            context: Some(ReadingContext::SamplePeriodic),
            format: None,
            measurand: Some(measurand),
            phase: None,
            location: Some(Location::Outlet),
            unit: measurand.default_unit(),
        });
    }
    let mut meter_value = heapless::Vec::new();
    let _ = meter_value.push(MeterValue {
        timestamp: time(),
        sampled_value,
    });
    MeterValuesRequest {
        connector_id: 1,
        transaction_id: Some(17),
        meter_value,
    }
}

const CASES: &[&str] = &[
    "parse ChangeAvailabilityRequest",
    "parse RemoteStartTransactionRequest",
    "parse ReserveNowRequest",
    "parse TriggerMessageRequest",
    "parse AuthorizeResponse",
    "parse StartTransactionResponse",
    "parse BootNotificationResponse",
    "parse StatusNotificationResponse",
    "write BootNotificationRequest",
    "write StatusNotificationRequest",
    "write MeterValuesRequest(1-value)",
    "write MeterValuesRequest(6-values)",
    "write AuthorizeRequest",
    "write StartTransactionRequest",
    "write ChangeAvailabilityResponse",
    "write RemoteStartStopResponse",
    "write ReserveNowResponse",
    "write TriggerMessageResponse",
];

fn run(codec: Codec, case: &str, n: usize) {
    let tag_info =
        format!(r#"{{"status":"Accepted","expiryDate":"{TIME}","parentIdTag":"PARENT-1"}}"#);
    match case {
        "parse ChangeAvailabilityRequest" => parse::<ChangeAvailabilityRequest>(
            codec,
            r#"{"connectorId":1,"type":"Inoperative"}"#,
            n,
        ),
        "parse RemoteStartTransactionRequest" => parse::<RemoteStartTransactionRequest>(
            codec,
            r#"{"connectorId":1,"idTag":"04A2B3C4D5E6F7"}"#,
            n,
        ),
        "parse ReserveNowRequest" => parse::<ReserveNowRequest>(
            codec,
            &format!(
                r#"{{"connectorId":1,"expiryDate":"{TIME}","idTag":"04A2B3C4D5E6F7","parentIdTag":"PARENT-1","reservationId":42}}"#
            ),
            n,
        ),
        "parse TriggerMessageRequest" => parse::<TriggerMessageRequest>(
            codec,
            r#"{"requestedMessage":"StatusNotification","connectorId":1}"#,
            n,
        ),
        "parse AuthorizeResponse" => {
            parse::<AuthorizeResponse>(codec, &format!(r#"{{"idTagInfo":{tag_info}}}"#), n)
        }
        "parse StartTransactionResponse" => parse::<StartTransactionResponse>(
            codec,
            &format!(r#"{{"idTagInfo":{tag_info},"transactionId":123456}}"#),
            n,
        ),
        "parse BootNotificationResponse" => parse::<BootNotificationResponse>(
            codec,
            &format!(r#"{{"status":"Accepted","currentTime":"{TIME}","interval":300}}"#),
            n,
        ),
        "parse StatusNotificationResponse" => parse::<StatusNotificationResponse>(codec, "{}", n),
        "write BootNotificationRequest" => call(
            codec,
            BootNotificationRequest {
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
            n,
        ),
        "write StatusNotificationRequest" => call(
            codec,
            StatusNotificationRequest {
                connector_id: 1,
                error_code: ChargePointErrorCode::NoError,
                info: None,
                status: ChargePointStatus::Charging,
                timestamp: Some(time()),
                vendor_id: None,
                vendor_error_code: None,
            },
            n,
        ),
        "write MeterValuesRequest(1-value)" => call(codec, meter_values(1), n),
        "write MeterValuesRequest(6-values)" => call(codec, meter_values(6), n),
        "write AuthorizeRequest" => call(
            codec,
            AuthorizeRequest {
                id_tag: text("04A2B3C4D5E6F7"),
            },
            n,
        ),
        "write StartTransactionRequest" => call(
            codec,
            StartTransactionRequest {
                connector_id: 1,
                id_tag: text("04A2B3C4D5E6F7"),
                meter_start: 1_234_567,
                reservation_id: None,
                timestamp: time(),
            },
            n,
        ),
        "write ChangeAvailabilityResponse" => result(
            codec,
            ChangeAvailabilityResponse {
                status: AvailabilityStatus::Accepted,
            },
            n,
        ),
        "write RemoteStartStopResponse" => result(
            codec,
            RemoteStartStopResponse {
                status: RemoteStartStopStatus::Accepted,
            },
            n,
        ),
        "write ReserveNowResponse" => result(
            codec,
            ReserveNowResponse {
                status: ReservationStatus::Accepted,
            },
            n,
        ),
        "write TriggerMessageResponse" => result(
            codec,
            TriggerMessageResponse {
                status: TriggerMessageStatus::Accepted,
            },
            n,
        ),
        other => panic!("unknown case {other:?}; `list` names them"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [list] if list == "list" => {
            // One word per case, for the shell.
            for case in CASES {
                println!("{}", case.replace(' ', ":"));
            }
        }
        [codec, case, count] => {
            let codec = match codec.as_str() {
                "serde" => Codec::Serde,
                "table" => Codec::Table,
                other => panic!("codec {other:?}: serde or table"),
            };
            let count = count.parse().expect("a count");
            run(codec, &case.replace(':', " "), count);
        }
        _ => panic!("usage: codec_bench <serde|table> <case> <count> | list"),
    }
}
