//! Core profile messages (OCPP 1.6 sections 4 and 5). `*Request` is the `.req`, `*Response` the
//! `.conf`. Optional fields are skipped when absent, as the schemas require.

use heapless::Vec;
use serde::{Deserialize, Serialize};

use super::types::*;
use super::{ocpp_message, parse_payload};
use crate::capacity::DATA_TRANSFER_CAPACITY;
use crate::cistring::{CiString, CiString20, CiString25, CiString255, CiString50, CiString500};
use crate::datetime::DateTime;
use crate::rpc::ErrorCode;

/// Keys a GetConfiguration.req may list (our GetConfigurationMaxKeys).
pub const GET_CONFIGURATION_MAX_KEYS: usize = 16;

/// DataTransfer `data`: free text in the spec, bounded here.
pub type DataText = CiString<DATA_TRANSFER_CAPACITY>;

/// Ties a request type to its action name and response type: one source of truth.
pub trait Request: Serialize {
    const ACTION: super::Action;
    type Response;
}

macro_rules! request {
    ($req:ty => $resp:ty, $action:ident) => {
        impl Request for $req {
            const ACTION: super::Action = super::Action::$action;
            type Response = $resp;
        }
    };
}
// For the optional profiles' modules, which may all be compiled out.
#[allow(unused_imports)]
pub(crate) use request;

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AuthorizeRequest {
        "idTag" pub id_tag: CiString20,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AuthorizeResponse {
        "idTagInfo" pub id_tag_info: IdTagInfo,
    }
}
request!(AuthorizeRequest => AuthorizeResponse, Authorize);

ocpp_message! {
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct BootNotificationRequest {
        "chargePointVendor" pub charge_point_vendor: CiString20,
        "chargePointModel" pub charge_point_model: CiString20,
        "chargePointSerialNumber" pub charge_point_serial_number: Option<CiString25>,
        "chargeBoxSerialNumber" pub charge_box_serial_number: Option<CiString25>,
        "firmwareVersion" pub firmware_version: Option<CiString50>,
        "iccid" pub iccid: Option<CiString20>,
        "imsi" pub imsi: Option<CiString20>,
        "meterType" pub meter_type: Option<CiString25>,
        "meterSerialNumber" pub meter_serial_number: Option<CiString25>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct BootNotificationResponse {
        "status" pub status: RegistrationStatus,
        "currentTime" pub current_time: DateTime,
        "interval" pub interval: i32,
    }
}
request!(BootNotificationRequest => BootNotificationResponse, BootNotification);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DataTransferRequest {
        "vendorId" pub vendor_id: CiString255,
        "messageId" pub message_id: Option<CiString50>,
        "data" pub data: Option<DataText>,
    }
}

impl DataTransferRequest {
    /// Parses a DataTransfer.req payload (syntax-checked by the framing). The table codec reads
    /// it in place, so its three strings are not copied around the stack as serde's derive did.
    pub fn parse(payload: &[u8], scratch: &mut [u8]) -> Result<Self, ErrorCode> {
        parse_payload(payload, scratch)
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DataTransferResponse {
        "status" pub status: DataTransferStatus,
        "data" pub data: Option<DataText>,
    }
}
request!(DataTransferRequest => DataTransferResponse, DataTransfer);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct HeartbeatRequest {}
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct HeartbeatResponse {
        "currentTime" pub current_time: DateTime,
    }
}
request!(HeartbeatRequest => HeartbeatResponse, Heartbeat);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct MeterValuesRequest {
        "connectorId" pub connector_id: u32,
        "transactionId" pub transaction_id: Option<i32>,
        "meterValue" pub meter_value: Vec<MeterValue, 1>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct MeterValuesResponse {}
}
request!(MeterValuesRequest => MeterValuesResponse, MeterValues);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StartTransactionRequest {
        "connectorId" pub connector_id: u32,
        "idTag" pub id_tag: CiString20,
        "meterStart" pub meter_start: i32,
        "reservationId" pub reservation_id: Option<i32>,
        "timestamp" pub timestamp: DateTime,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StartTransactionResponse {
        "idTagInfo" pub id_tag_info: IdTagInfo,
        "transactionId" pub transaction_id: i32,
    }
}
request!(StartTransactionRequest => StartTransactionResponse, StartTransaction);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StatusNotificationRequest {
        "connectorId" pub connector_id: u32,
        "errorCode" pub error_code: ChargePointErrorCode,
        "info" pub info: Option<CiString50>,
        "status" pub status: ChargePointStatus,
        "timestamp" pub timestamp: Option<DateTime>,
        "vendorId" pub vendor_id: Option<CiString255>,
        "vendorErrorCode" pub vendor_error_code: Option<CiString50>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StatusNotificationResponse {}
}
request!(StatusNotificationRequest => StatusNotificationResponse, StatusNotification);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StopTransactionRequest {
        "idTag" pub id_tag: Option<CiString20>,
        "meterStop" pub meter_stop: i32,
        "timestamp" pub timestamp: DateTime,
        "transactionId" pub transaction_id: i32,
        "reason" pub reason: Option<Reason>,
        /// At most the latest clock-aligned reading and the end-of-transaction reading.
        "transactionData" pub transaction_data: Option<Vec<MeterValue, 2>>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StopTransactionResponse {
        "idTagInfo" pub id_tag_info: Option<IdTagInfo>,
    }
}
request!(StopTransactionRequest => StopTransactionResponse, StopTransaction);

// ---- Central System to Charge Point ----

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ChangeAvailabilityRequest {
        "connectorId" pub connector_id: u32,
        "type" pub kind: AvailabilityType,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ChangeAvailabilityResponse {
        "status" pub status: AvailabilityStatus,
    }
}
request!(ChangeAvailabilityRequest => ChangeAvailabilityResponse, ChangeAvailability);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ChangeConfigurationRequest {
        "key" pub key: CiString50,
        "value" pub value: CiString500,
    }
}

impl ChangeConfigurationRequest {
    /// Parses a ChangeConfiguration.req payload (see [`DataTransferRequest::parse`]).
    pub fn parse(payload: &[u8], scratch: &mut [u8]) -> Result<Self, ErrorCode> {
        parse_payload(payload, scratch)
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ChangeConfigurationResponse {
        "status" pub status: ConfigurationStatus,
    }
}
request!(ChangeConfigurationRequest => ChangeConfigurationResponse, ChangeConfiguration);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ClearCacheRequest {}
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ClearCacheResponse {
        "status" pub status: ClearCacheStatus,
    }
}
request!(ClearCacheRequest => ClearCacheResponse, ClearCache);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetConfigurationRequest {
        "key" pub key: Option<Vec<CiString50, GET_CONFIGURATION_MAX_KEYS>>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct KeyValue {
        "key" pub key: CiString50,
        "readonly" pub readonly: bool,
        "value" pub value: Option<CiString500>,
    }
}

/// Built by the engine straight into the output buffer (see `engine::config`), so this type is
/// only used to parse the response in tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetConfigurationResponse<const KEYS: usize> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration_key: Option<Vec<KeyValue, KEYS>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_key: Option<Vec<CiString50, GET_CONFIGURATION_MAX_KEYS>>,
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RemoteStartTransactionRequest {
        "connectorId" pub connector_id: Option<u32>,
        "idTag" pub id_tag: CiString20,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RemoteStartStopResponse {
        "status" pub status: RemoteStartStopStatus,
    }
}
request!(RemoteStartTransactionRequest => RemoteStartStopResponse, RemoteStartTransaction);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RemoteStopTransactionRequest {
        "transactionId" pub transaction_id: i32,
    }
}
request!(RemoteStopTransactionRequest => RemoteStartStopResponse, RemoteStopTransaction);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ResetRequest {
        "type" pub kind: ResetType,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ResetResponse {
        "status" pub status: ResetStatus,
    }
}
request!(ResetRequest => ResetResponse, Reset);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct UnlockConnectorRequest {
        "connectorId" pub connector_id: u32,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct UnlockConnectorResponse {
        "status" pub status: UnlockStatus,
    }
}
request!(UnlockConnectorRequest => UnlockConnectorResponse, UnlockConnector);

#[cfg(test)]
mod tests {
    //! Every Core message serialised and parsed back. Each is also written as an OCPP-J frame to
    //! `target/frames/unit-messages-*.jsonl`, which `scripts/test.sh` validates against the official
    //! schemas: requests the Charge Point sends as CALLs, answers it gives as CALLRESULTs to CALLs
    //! from the Central System.
    use super::*;
    use crate::messages::test_support::*;
    use crate::messages::Action;

    fn meter_value() -> MeterValue {
        let mut sampled_value = Vec::new();
        sampled_value
            .push(SampledValue {
                value: text("1234.5"),
                context: Some(ReadingContext::SamplePeriodic),
                format: Some(ValueFormat::Raw),
                measurand: Some(Measurand::EnergyActiveImportRegister),
                phase: Some(Phase::L1),
                location: Some(Location::Outlet),
                unit: Some(UnitOfMeasure::Wh),
            })
            .unwrap();
        MeterValue {
            timestamp: time(),
            sampled_value,
        }
    }

    #[test]
    fn charge_point_requests_and_their_answers() {
        let mut frames = Frames::new("unit-messages-cp");
        let info = IdTagInfo {
            expiry_date: Some(time()),
            parent_id_tag: Some(text("PARENT")),
            status: AuthorizationStatus::Accepted,
        };

        let authorize = AuthorizeRequest {
            id_tag: text("TAG-1"),
        };
        round_trip(&authorize, serde_parse);
        frames.call(&authorize);
        round_trip(
            &AuthorizeResponse {
                id_tag_info: info.clone(),
            },
            serde_parse,
        );

        let boot = BootNotificationRequest {
            charge_point_vendor: text("vendor"),
            charge_point_model: text("model"),
            charge_point_serial_number: Some(text("cp-sn")),
            charge_box_serial_number: Some(text("box-sn")),
            firmware_version: Some(text("1.0.0")),
            iccid: Some(text("8949")),
            imsi: Some(text("262")),
            meter_type: Some(text("meter")),
            meter_serial_number: Some(text("meter-sn")),
        };
        assert!(round_trip(&boot, serde_parse).contains("\"meterSerialNumber\":\"meter-sn\""));
        frames.call(&boot);
        let minimal = BootNotificationRequest {
            charge_point_vendor: text("v"),
            charge_point_model: text("m"),
            ..Default::default()
        };
        assert_eq!(
            round_trip(&minimal, serde_parse),
            r#"{"chargePointVendor":"v","chargePointModel":"m"}"#,
            "absent fields are not sent"
        );
        frames.call(&minimal);
        round_trip(
            &BootNotificationResponse {
                status: RegistrationStatus::Pending,
                current_time: time(),
                interval: 30,
            },
            serde_parse,
        );

        let transfer = DataTransferRequest {
            vendor_id: text("vendor"),
            message_id: Some(text("msg")),
            data: Some(text("a \"quoted\" text")),
        };
        round_trip(&transfer, |p| {
            DataTransferRequest::parse(p, &mut [0u8; 600])
        });
        frames.call(&transfer);
        round_trip(
            &DataTransferResponse {
                status: DataTransferStatus::Accepted,
                data: Some(text("ok")),
            },
            serde_parse,
        );

        assert_eq!(round_trip(&HeartbeatRequest {}, serde_parse), "{}");
        frames.call(&HeartbeatRequest {});
        round_trip(
            &HeartbeatResponse {
                current_time: time(),
            },
            serde_parse,
        );

        let mut meter_value_list = Vec::new();
        meter_value_list.push(meter_value()).unwrap();
        let meter_values = MeterValuesRequest {
            connector_id: 1,
            transaction_id: Some(7),
            meter_value: meter_value_list.clone(),
        };
        round_trip(&meter_values, serde_parse);
        frames.call(&meter_values);
        round_trip(&MeterValuesResponse {}, serde_parse);

        let start = StartTransactionRequest {
            connector_id: 2,
            id_tag: text("TAG-1"),
            meter_start: 1000,
            reservation_id: Some(3),
            timestamp: time(),
        };
        round_trip(&start, serde_parse);
        frames.call(&start);
        round_trip(
            &StartTransactionResponse {
                id_tag_info: info.clone(),
                transaction_id: 7,
            },
            serde_parse,
        );

        let status = StatusNotificationRequest {
            connector_id: 0,
            error_code: ChargePointErrorCode::EvCommunicationError,
            info: Some(text("info")),
            status: ChargePointStatus::SuspendedEvse,
            timestamp: Some(time()),
            vendor_id: Some(text("vendor")),
            vendor_error_code: Some(text("E42")),
        };
        round_trip(&status, serde_parse);
        frames.call(&status);
        round_trip(&StatusNotificationResponse {}, serde_parse);

        let mut data = Vec::new();
        data.push(meter_value()).unwrap();
        let stop = StopTransactionRequest {
            id_tag: Some(text("TAG-1")),
            meter_stop: 1500,
            timestamp: time(),
            transaction_id: 7,
            reason: Some(Reason::EvDisconnected),
            transaction_data: Some(data),
        };
        round_trip(&stop, serde_parse);
        frames.call(&stop);
        round_trip(
            &StopTransactionResponse {
                id_tag_info: Some(info),
            },
            serde_parse,
        );
        assert_eq!(
            round_trip(&StopTransactionResponse { id_tag_info: None }, serde_parse),
            "{}"
        );
    }

    #[test]
    fn central_system_requests_and_the_answers_to_them() {
        let mut frames = Frames::new("unit-messages-cs");
        let availability = ChangeAvailabilityRequest {
            connector_id: 1,
            kind: AvailabilityType::Inoperative,
        };
        let payload = round_trip(&availability, serde_parse);
        frames.answer(
            Action::ChangeAvailability,
            &payload,
            &ChangeAvailabilityResponse {
                status: AvailabilityStatus::Scheduled,
            },
        );

        let change = ChangeConfigurationRequest {
            key: text("HeartbeatInterval"),
            value: text("30"),
        };
        let payload = round_trip(&change, |p| {
            ChangeConfigurationRequest::parse(p, &mut [0u8; 600])
        });
        frames.answer(
            Action::ChangeConfiguration,
            &payload,
            &ChangeConfigurationResponse {
                status: ConfigurationStatus::RebootRequired,
            },
        );

        let payload = round_trip(&ClearCacheRequest {}, serde_parse);
        frames.answer(
            Action::ClearCache,
            &payload,
            &ClearCacheResponse {
                status: ClearCacheStatus::Accepted,
            },
        );

        let mut keys = Vec::new();
        keys.push(text("HeartbeatInterval")).unwrap();
        keys.push(text("Unknown")).unwrap();
        let get = GetConfigurationRequest { key: Some(keys) };
        let payload = round_trip(&get, serde_parse);
        let mut known = Vec::new();
        known
            .push(KeyValue {
                key: text("HeartbeatInterval"),
                readonly: false,
                value: Some(text("30")),
            })
            .unwrap();
        let mut unknown = Vec::new();
        unknown.push(text("Unknown")).unwrap();
        let answer = GetConfigurationResponse::<4> {
            configuration_key: Some(known),
            unknown_key: Some(unknown),
        };
        round_trip(&answer, serde_parse);
        frames.answer(Action::GetConfiguration, &payload, &answer);

        let remote_start = RemoteStartTransactionRequest {
            connector_id: Some(2),
            id_tag: text("TAG-2"),
        };
        let payload = round_trip(&remote_start, serde_parse);
        frames.answer(
            Action::RemoteStartTransaction,
            &payload,
            &RemoteStartStopResponse {
                status: RemoteStartStopStatus::Accepted,
            },
        );

        let remote_stop = RemoteStopTransactionRequest { transaction_id: 7 };
        let payload = round_trip(&remote_stop, serde_parse);
        frames.answer(
            Action::RemoteStopTransaction,
            &payload,
            &RemoteStartStopResponse {
                status: RemoteStartStopStatus::Rejected,
            },
        );

        let reset = ResetRequest {
            kind: ResetType::Soft,
        };
        assert_eq!(round_trip(&reset, serde_parse), r#"{"type":"Soft"}"#);
        frames.answer(
            Action::Reset,
            r#"{"type":"Soft"}"#,
            &ResetResponse {
                status: ResetStatus::Accepted,
            },
        );

        let unlock = UnlockConnectorRequest { connector_id: 1 };
        let payload = round_trip(&unlock, serde_parse);
        frames.answer(
            Action::UnlockConnector,
            &payload,
            &UnlockConnectorResponse {
                status: UnlockStatus::UnlockFailed,
            },
        );

        let transfer = DataTransferRequest {
            vendor_id: text("vendor"),
            message_id: None,
            data: None,
        };
        let payload = round_trip(&transfer, |p| {
            DataTransferRequest::parse(p, &mut [0u8; 600])
        });
        frames.answer(
            Action::DataTransfer,
            &payload,
            &DataTransferResponse {
                status: DataTransferStatus::UnknownMessageId,
                data: None,
            },
        );
    }
}
