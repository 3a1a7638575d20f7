//! Core profile messages (OCPP 1.6 sections 4 and 5). `*Request` is the `.req`, `*Response` the
//! `.conf`. Optional fields are skipped when absent, as the schemas require.

use heapless::Vec;
use serde::{Deserialize, Serialize};

use super::parse_payload;
use super::types::*;
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeRequest {
    pub id_tag: CiString20,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeResponse {
    pub id_tag_info: IdTagInfo,
}
request!(AuthorizeRequest => AuthorizeResponse, Authorize);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BootNotificationRequest {
    pub charge_point_vendor: CiString20,
    pub charge_point_model: CiString20,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge_point_serial_number: Option<CiString25>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge_box_serial_number: Option<CiString25>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_version: Option<CiString50>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iccid: Option<CiString20>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imsi: Option<CiString20>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meter_type: Option<CiString25>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meter_serial_number: Option<CiString25>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BootNotificationResponse {
    pub status: RegistrationStatus,
    pub current_time: DateTime,
    pub interval: i32,
}
request!(BootNotificationRequest => BootNotificationResponse, BootNotification);

/// Parsed with [`DataTransferRequest::parse`] (not serde's derive, which keeps several copies of
/// its three strings on the stack: 5 KB on Cortex-M).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataTransferRequest {
    pub vendor_id: CiString255,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<CiString50>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataText>,
}

impl DataTransferRequest {
    /// Parses a DataTransfer.req payload (syntax-checked by the framing) member by member, each
    /// value by serde as its own type: the CALLERROR codes are those of any other payload.
    pub fn parse(payload: &[u8], scratch: &mut [u8]) -> Result<Self, ErrorCode> {
        let mut vendor_id = None;
        let mut message_id = None;
        let mut data = None;
        crate::json::for_each_member(
            payload,
            ErrorCode::TypeConstraintViolation,
            |name, value| {
                match name {
                    b"vendorId" => vendor_id = Some(parse_payload::<CiString255>(value, scratch)?),
                    b"messageId" => {
                        message_id = parse_payload::<Option<CiString50>>(value, scratch)?
                    }
                    b"data" => data = parse_payload::<Option<DataText>>(value, scratch)?,
                    _ => {}
                }
                Ok(())
            },
        )?;
        Ok(Self {
            vendor_id: vendor_id.ok_or(ErrorCode::OccurenceConstraintViolation)?,
            message_id,
            data,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataTransferResponse {
    pub status: DataTransferStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataText>,
}
request!(DataTransferRequest => DataTransferResponse, DataTransfer);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatRequest {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeartbeatResponse {
    pub current_time: DateTime,
}
request!(HeartbeatRequest => HeartbeatResponse, Heartbeat);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeterValuesRequest {
    pub connector_id: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<i32>,
    pub meter_value: Vec<MeterValue, 1>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterValuesResponse {}
request!(MeterValuesRequest => MeterValuesResponse, MeterValues);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartTransactionRequest {
    pub connector_id: u32,
    pub id_tag: CiString20,
    pub meter_start: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation_id: Option<i32>,
    pub timestamp: DateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartTransactionResponse {
    pub id_tag_info: IdTagInfo,
    pub transaction_id: i32,
}
request!(StartTransactionRequest => StartTransactionResponse, StartTransaction);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusNotificationRequest {
    pub connector_id: u32,
    pub error_code: ChargePointErrorCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<CiString50>,
    pub status: ChargePointStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<CiString255>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_error_code: Option<CiString50>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusNotificationResponse {}
request!(StatusNotificationRequest => StatusNotificationResponse, StatusNotification);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StopTransactionRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_tag: Option<CiString20>,
    pub meter_stop: i32,
    pub timestamp: DateTime,
    pub transaction_id: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// At most the latest clock-aligned reading and the end-of-transaction reading.
    pub transaction_data: Option<Vec<MeterValue, 2>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StopTransactionResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_tag_info: Option<IdTagInfo>,
}
request!(StopTransactionRequest => StopTransactionResponse, StopTransaction);

// ---- Central System to Charge Point ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeAvailabilityRequest {
    pub connector_id: u32,
    #[serde(rename = "type")]
    pub kind: AvailabilityType,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeAvailabilityResponse {
    pub status: AvailabilityStatus,
}
request!(ChangeAvailabilityRequest => ChangeAvailabilityResponse, ChangeAvailability);

/// Parsed with [`ChangeConfigurationRequest::parse`] (serde's derive keeps several copies of the
/// 500-byte value on the stack: 5 KB on Cortex-M).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeConfigurationRequest {
    pub key: CiString50,
    pub value: CiString500,
}

impl ChangeConfigurationRequest {
    /// Parses a ChangeConfiguration.req payload member by member (see
    /// [`DataTransferRequest::parse`]).
    pub fn parse(payload: &[u8], scratch: &mut [u8]) -> Result<Self, ErrorCode> {
        let mut key = None;
        let mut value = None;
        crate::json::for_each_member(payload, ErrorCode::TypeConstraintViolation, |name, raw| {
            match name {
                b"key" => key = Some(parse_payload::<CiString50>(raw, scratch)?),
                b"value" => value = Some(parse_payload::<CiString500>(raw, scratch)?),
                _ => {}
            }
            Ok(())
        })?;
        match (key, value) {
            (Some(key), Some(value)) => Ok(Self { key, value }),
            _ => Err(ErrorCode::OccurenceConstraintViolation),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeConfigurationResponse {
    pub status: ConfigurationStatus,
}
request!(ChangeConfigurationRequest => ChangeConfigurationResponse, ChangeConfiguration);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClearCacheRequest {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClearCacheResponse {
    pub status: ClearCacheStatus,
}
request!(ClearCacheRequest => ClearCacheResponse, ClearCache);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetConfigurationRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Vec<CiString50, GET_CONFIGURATION_MAX_KEYS>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: CiString50,
    pub readonly: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<CiString500>,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteStartTransactionRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<u32>,
    pub id_tag: CiString20,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteStartStopResponse {
    pub status: RemoteStartStopStatus,
}
request!(RemoteStartTransactionRequest => RemoteStartStopResponse, RemoteStartTransaction);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteStopTransactionRequest {
    pub transaction_id: i32,
}
request!(RemoteStopTransactionRequest => RemoteStartStopResponse, RemoteStopTransaction);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetRequest {
    #[serde(rename = "type")]
    pub kind: ResetType,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetResponse {
    pub status: ResetStatus,
}
request!(ResetRequest => ResetResponse, Reset);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnlockConnectorRequest {
    pub connector_id: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlockConnectorResponse {
    pub status: UnlockStatus,
}
request!(UnlockConnectorRequest => UnlockConnectorResponse, UnlockConnector);
