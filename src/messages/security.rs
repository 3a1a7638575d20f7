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

// ---- GetLog (feature `security-log`) ----------------------------------------------------

/// For `request!` in the module below (it names `super::Action`).
#[cfg(feature = "security-log")]
use super::Action;
#[cfg(feature = "security-log")]
pub use security_log::*;

#[cfg(feature = "security-log")]
mod security_log {
    use super::super::core_profile::{request, Request};
    use super::super::{ocpp_enum, ocpp_message};
    use crate::cistring::CiString255;
    use crate::datetime::DateTime;
    use crate::messages::TransferLocation;

    ocpp_enum! {
        /// Which log a GetLog.req asks for.
        LogType {
            DiagnosticsLog = "DiagnosticsLog",
            SecurityLog = "SecurityLog",
        }
    }

    ocpp_message! {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct LogParameters {
            /// Where the file goes (a directory when it ends with `/`); bounded by
            /// `CONFIG_OCPP_FIRMWARE_LOCATION_MAX` (the schema allows 512).
            "remoteLocation" pub remote_location: TransferLocation,
            "oldestTimestamp" pub oldest_timestamp: Option<DateTime>,
            "latestTimestamp" pub latest_timestamp: Option<DateTime>,
        }
    }

    ocpp_message! {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct GetLogRequest {
            "logType" pub log_type: LogType,
            "requestId" pub request_id: i32,
            "retries" pub retries: Option<i32>,
            "retryInterval" pub retry_interval: Option<i32>,
            "log" pub log: LogParameters,
        }
    }

    ocpp_enum! {
        /// GetLog.conf's status.
        LogStatus {
            Accepted = "Accepted",
            Rejected = "Rejected",
            /// Accepted, and the upload that was running is cancelled.
            AcceptedCanceled = "AcceptedCanceled",
        }
    }

    ocpp_message! {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct GetLogResponse {
            "status" pub status: LogStatus,
            /// The name of the file that will be uploaded.
            "filename" pub filename: Option<CiString255>,
        }
    }
    request!(GetLogRequest => GetLogResponse, GetLog);
}

// ---- SignedUpdateFirmware (feature `signed-firmware`) --------------------------------------

/// For `request!` in the module below (it names `super::Action`).
#[cfg(all(feature = "signed-firmware", not(feature = "security-log")))]
use super::Action;
#[cfg(feature = "signed-firmware")]
pub use signed_firmware::*;

#[cfg(feature = "signed-firmware")]
mod signed_firmware {
    use super::super::core_profile::{request, Request};
    use super::super::{ocpp_enum, ocpp_message};
    use crate::cistring::CiString;
    use crate::datetime::DateTime;
    use crate::messages::TransferLocation;

    /// The longest signingCertificate (PEM) the schema allows.
    pub const SIGNING_CERTIFICATE_PEM_MAX: usize = 5500;
    /// The longest signature (base64) the schema allows.
    pub const FIRMWARE_SIGNATURE_BASE64_MAX: usize = 800;

    ocpp_message! {
        /// FirmwareType. The engine reads a request without copying the certificate (see
        /// `engine/security/signed_firmware.rs`); this type writes and checks the frames.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct SignedFirmware {
            "location" pub location: TransferLocation,
            "retrieveDateTime" pub retrieve_date_time: DateTime,
            "installDateTime" pub install_date_time: Option<DateTime>,
            /// PEM of the certificate the firmware was signed with.
            "signingCertificate" pub signing_certificate: CiString<SIGNING_CERTIFICATE_PEM_MAX>,
            /// Base64 of the firmware's signature.
            "signature" pub signature: CiString<FIRMWARE_SIGNATURE_BASE64_MAX>,
        }
    }

    ocpp_message! {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct SignedUpdateFirmwareRequest {
            "retries" pub retries: Option<i32>,
            "retryInterval" pub retry_interval: Option<i32>,
            "requestId" pub request_id: i32,
            "firmware" pub firmware: SignedFirmware,
        }
    }

    ocpp_enum! {
        /// SignedUpdateFirmware.conf's status (UpdateFirmwareStatusEnumType).
        UpdateFirmwareStatus {
            Accepted = "Accepted",
            Rejected = "Rejected",
            AcceptedCanceled = "AcceptedCanceled",
            InvalidCertificate = "InvalidCertificate",
            RevokedCertificate = "RevokedCertificate",
        }
    }

    ocpp_message! {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct SignedUpdateFirmwareResponse {
            "status" pub status: UpdateFirmwareStatus,
        }
    }
    request!(SignedUpdateFirmwareRequest => SignedUpdateFirmwareResponse, SignedUpdateFirmware);

    ocpp_enum! {
        /// SignedFirmwareStatusNotification's status (FirmwareStatusEnumType).
        SignedFirmwareStatus {
            Downloaded = "Downloaded",
            DownloadFailed = "DownloadFailed",
            Downloading = "Downloading",
            DownloadScheduled = "DownloadScheduled",
            DownloadPaused = "DownloadPaused",
            Idle = "Idle",
            InstallationFailed = "InstallationFailed",
            Installing = "Installing",
            Installed = "Installed",
            InstallRebooting = "InstallRebooting",
            InstallScheduled = "InstallScheduled",
            InstallVerificationFailed = "InstallVerificationFailed",
            InvalidSignature = "InvalidSignature",
            SignatureVerified = "SignatureVerified",
        }
    }

    ocpp_message! {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct SignedFirmwareStatusNotificationRequest {
            "status" pub status: SignedFirmwareStatus,
            "requestId" pub request_id: Option<i32>,
        }
    }

    ocpp_message! {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct SignedFirmwareStatusNotificationResponse {}
    }
    request!(SignedFirmwareStatusNotificationRequest => SignedFirmwareStatusNotificationResponse, SignedFirmwareStatusNotification);
}

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

    #[cfg(feature = "security-log")]
    #[test]
    fn get_log_round_trips_and_its_frames_are_written() {
        let mut frames = Frames::new("unit-messages-security-log");
        for &log_type in LogType::ALL {
            for (oldest, latest, retries) in
                [(None, None, None), (Some(time()), Some(time()), Some(2))]
            {
                let request = GetLogRequest {
                    log_type,
                    request_id: 42,
                    retries,
                    retry_interval: retries.map(|r| r * 10),
                    log: LogParameters {
                        remote_location: text("http://127.0.0.1:8080/diagnostics/"),
                        oldest_timestamp: oldest,
                        latest_timestamp: latest,
                    },
                };
                let payload = round_trip(&request, serde_parse);
                for &status in LogStatus::ALL {
                    let answer = GetLogResponse {
                        status,
                        filename: (status != LogStatus::Rejected)
                            .then(|| text("cp-securitylog.log")),
                    };
                    round_trip(&answer, serde_parse);
                    frames.answer(Action::GetLog, &payload, &answer);
                }
            }
        }
        use ErrorCode::*;
        for (payload, code) in [
            (
                r#"{"logType":"SecurityLog","requestId":1}"#,
                OccurenceConstraintViolation,
            ),
            (
                r#"{"logType":"Other","requestId":1,"log":{"remoteLocation":"x"}}"#,
                PropertyConstraintViolation,
            ),
            (
                r#"{"logType":"SecurityLog","requestId":"1","log":{"remoteLocation":"x"}}"#,
                TypeConstraintViolation,
            ),
            (
                r#"{"logType":"SecurityLog","requestId":1,"log":{}}"#,
                OccurenceConstraintViolation,
            ),
        ] {
            let parsed: Result<GetLogRequest, _> =
                crate::messages::parse_payload(payload.as_bytes(), &mut [0u8; 64]);
            assert_eq!(parsed, Err(code), "{payload}");
        }
    }

    #[cfg(feature = "signed-firmware")]
    #[test]
    fn signed_firmware_messages_round_trip_and_their_frames_are_written() {
        let mut frames = Frames::new("unit-messages-signed-firmware");
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        for install in [None, Some(time())] {
            let request = SignedUpdateFirmwareRequest {
                retries: install.map(|_| 2),
                retry_interval: install.map(|_| 30),
                request_id: 5,
                firmware: SignedFirmware {
                    location: text("http://127.0.0.1:8080/firmware/fw.bin"),
                    retrieve_date_time: time(),
                    install_date_time: install,
                    signing_certificate: text(pem),
                    signature: text("MEUCIQ=="),
                },
            };
            let payload = round_trip(&request, serde_parse);
            for &status in UpdateFirmwareStatus::ALL {
                let answer = SignedUpdateFirmwareResponse { status };
                round_trip(&answer, serde_parse);
                frames.answer(Action::SignedUpdateFirmware, &payload, &answer);
            }
        }
        for &status in SignedFirmwareStatus::ALL {
            for request_id in [None, Some(5)] {
                let request = SignedFirmwareStatusNotificationRequest { status, request_id };
                round_trip(&request, serde_parse);
                frames.call(&request);
            }
        }
        round_trip(&SignedFirmwareStatusNotificationResponse {}, serde_parse);
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
