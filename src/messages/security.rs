//! Messages of the OCPP 1.6 security whitepaper (edition 3) that this build speaks:
//! SecurityEventNotification, ExtendedTriggerMessage and LogStatusNotification (the answer to a
//! triggered one). Compiled with feature `security`.

use super::core_profile::{request, Request};
use super::{ocpp_enum, ocpp_message};
use crate::cistring::CiString;
use crate::datetime::DateTime;

/// Bytes of a SecurityEventNotification's techInfo this build keeps (the schema allows 255).
pub const TECH_INFO_MAX: usize = crate::capacity::SECURITY_TECH_INFO_MAX;
pub type TechInfo = CiString<TECH_INFO_MAX>;

ocpp_enum! {
    /// The whitepaper's security events (its appendix 1). The schema's `type` is free text
    /// (50 characters); these are the names the whitepaper defines.
    SecurityEventType {
        FirmwareUpdated = "FirmwareUpdated",
        FailedToAuthenticateAtCentralSystem = "FailedToAuthenticateAtCentralSystem",
        CentralSystemFailedToAuthenticate = "CentralSystemFailedToAuthenticate",
        SettingSystemTime = "SettingSystemTime",
        StartupOfTheDevice = "StartupOfTheDevice",
        ResetOrReboot = "ResetOrReboot",
        SecurityLogWasCleared = "SecurityLogWasCleared",
        ReconfigurationOfSecurityParameters = "ReconfigurationOfSecurityParameters",
        MemoryExhaustion = "MemoryExhaustion",
        InvalidMessages = "InvalidMessages",
        AttemptedReplayAttacks = "AttemptedReplayAttacks",
        TamperDetectionActivated = "TamperDetectionActivated",
        InvalidFirmwareSignature = "InvalidFirmwareSignature",
        InvalidFirmwareSigningCertificate = "InvalidFirmwareSigningCertificate",
        InvalidCentralSystemCertificate = "InvalidCentralSystemCertificate",
        InvalidChargePointCertificate = "InvalidChargePointCertificate",
        InvalidTLSVersion = "InvalidTLSVersion",
        InvalidTLSCipherSuite = "InvalidTLSCipherSuite",
    }
}

impl SecurityEventType {
    /// The whitepaper's "critical" events: those it requires to be pushed to the Central System.
    pub const fn is_critical(self) -> bool {
        use SecurityEventType::*;
        !matches!(
            self,
            FailedToAuthenticateAtCentralSystem
                | CentralSystemFailedToAuthenticate
                | InvalidMessages
                | InvalidCentralSystemCertificate
                | InvalidChargePointCertificate
                | InvalidTLSVersion
                | InvalidTLSCipherSuite
        )
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SecurityEventNotificationRequest {
        "type" pub kind: SecurityEventType,
        "timestamp" pub timestamp: DateTime,
        "techInfo" pub tech_info: Option<TechInfo>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SecurityEventNotificationResponse {}
}
request!(SecurityEventNotificationRequest => SecurityEventNotificationResponse, SecurityEventNotification);

ocpp_enum! {
    /// The message an ExtendedTriggerMessage.req asks for.
    ExtendedMessageTrigger {
        BootNotification = "BootNotification",
        LogStatusNotification = "LogStatusNotification",
        FirmwareStatusNotification = "FirmwareStatusNotification",
        Heartbeat = "Heartbeat",
        MeterValues = "MeterValues",
        SignChargePointCertificate = "SignChargePointCertificate",
        StatusNotification = "StatusNotification",
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ExtendedTriggerMessageRequest {
        "requestedMessage" pub requested_message: ExtendedMessageTrigger,
        "connectorId" pub connector_id: Option<u32>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ExtendedTriggerMessageResponse {
        "status" pub status: super::TriggerMessageStatus,
    }
}
request!(ExtendedTriggerMessageRequest => ExtendedTriggerMessageResponse, ExtendedTriggerMessage);

ocpp_enum! {
    UploadLogStatus {
        BadMessage = "BadMessage",
        Idle = "Idle",
        NotSupportedOperation = "NotSupportedOperation",
        PermissionDenied = "PermissionDenied",
        Uploaded = "Uploaded",
        UploadFailure = "UploadFailure",
        Uploading = "Uploading",
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct LogStatusNotificationRequest {
        "status" pub status: UploadLogStatus,
        "requestId" pub request_id: Option<i32>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct LogStatusNotificationResponse {}
}
request!(LogStatusNotificationRequest => LogStatusNotificationResponse, LogStatusNotification);

#[cfg(test)]
mod tests {
    //! Every message of this module written and read back; the frames go to
    //! `target/frames/unit-messages-security.jsonl` for the schema check.
    use super::*;
    use crate::messages::test_support::*;
    use crate::messages::{Action, TriggerMessageStatus};
    use crate::rpc::ErrorCode;

    #[test]
    fn every_message_round_trips_and_its_frames_are_written() {
        let mut frames = Frames::new("unit-messages-security");
        for &kind in SecurityEventType::ALL {
            for tech_info in [None, Some(text("tls: unknown issuer \"x\""))] {
                let request = SecurityEventNotificationRequest {
                    kind,
                    timestamp: time(),
                    tech_info,
                };
                round_trip(&request, serde_parse);
                frames.call(&request);
            }
        }
        round_trip(&SecurityEventNotificationResponse {}, serde_parse);
        let statuses = TriggerMessageStatus::ALL.iter().cycle();
        for (&requested_message, &status) in ExtendedMessageTrigger::ALL.iter().zip(statuses) {
            for connector_id in [Some(1), None] {
                let request = ExtendedTriggerMessageRequest {
                    requested_message,
                    connector_id,
                };
                let payload = round_trip(&request, serde_parse);
                let answer = ExtendedTriggerMessageResponse { status };
                round_trip(&answer, serde_parse);
                frames.answer(Action::ExtendedTriggerMessage, &payload, &answer);
            }
        }
        for &status in UploadLogStatus::ALL {
            for request_id in [None, Some(7)] {
                let request = LogStatusNotificationRequest { status, request_id };
                round_trip(&request, serde_parse);
                frames.call(&request);
            }
        }
        assert_eq!(
            json(&SecurityEventNotificationRequest {
                kind: SecurityEventType::StartupOfTheDevice,
                timestamp: time(),
                tech_info: None,
            }),
            r#"{"type":"StartupOfTheDevice","timestamp":"2026-11-21T10:00:00.000Z"}"#
        );
    }

    #[test]
    fn extended_trigger_payloads_that_do_not_match_the_schema() {
        use ErrorCode::*;
        for (payload, code) in [
            (r#"{}"#, OccurenceConstraintViolation),
            (
                r#"{"requestedMessage":"DiagnosticsStatusNotification"}"#,
                PropertyConstraintViolation,
            ),
            (r#"{"requestedMessage":3}"#, TypeConstraintViolation),
            (
                r#"{"requestedMessage":"Heartbeat","connectorId":"1"}"#,
                TypeConstraintViolation,
            ),
        ] {
            let parsed: Result<ExtendedTriggerMessageRequest, _> =
                crate::messages::parse_payload(payload.as_bytes(), &mut [0u8; 64]);
            assert_eq!(parsed, Err(code), "{payload}");
            assert_eq!(
                serde_parse::<ExtendedTriggerMessageRequest>(payload.as_bytes()),
                Err(code),
                "{payload}"
            );
        }
    }
}
