//! Firmware Management requests of the Central System (OCPP 1.6 UpdateFirmware and
//! GetDiagnostics). Compiled with feature `firmware-management`; the status notifications they
//! lead to are in [`super::firmware`].

use super::core_profile::{request, Request};
use super::ocpp_message;
use crate::cistring::CiString255;
use crate::datetime::DateTime;

/// A location URI of UpdateFirmware or GetDiagnostics (anyURI), bounded by
/// `CONFIG_OCPP_FIRMWARE_LOCATION_MAX`: a longer one is a PropertyConstraintViolation.
pub type TransferLocation = crate::cistring::CiString<{ crate::capacity::FIRMWARE_LOCATION_MAX }>;

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct UpdateFirmwareRequest {
        "location" pub location: TransferLocation,
        /// Attempts after the first failed download (absent: the charge point decides).
        "retries" pub retries: Option<i32>,
        "retrieveDate" pub retrieve_date: DateTime,
        /// Seconds between attempts.
        "retryInterval" pub retry_interval: Option<i32>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct UpdateFirmwareResponse {}
}
request!(UpdateFirmwareRequest => UpdateFirmwareResponse, UpdateFirmware);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetDiagnosticsRequest {
        /// The directory the file is uploaded to.
        "location" pub location: TransferLocation,
        "retries" pub retries: Option<i32>,
        "retryInterval" pub retry_interval: Option<i32>,
        "startTime" pub start_time: Option<DateTime>,
        "stopTime" pub stop_time: Option<DateTime>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetDiagnosticsResponse {
        /// The file that will be uploaded; absent when nothing will be.
        "fileName" pub file_name: Option<CiString255>,
    }
}
request!(GetDiagnosticsRequest => GetDiagnosticsResponse, GetDiagnostics);

#[cfg(test)]
mod tests {
    //! UpdateFirmware and GetDiagnostics with and without their optional members, the
    //! notifications with every status; frames to `target/frames/unit-messages-firmware.jsonl`.
    use super::*;
    use crate::messages::firmware::*;
    use crate::messages::test_support::*;
    use crate::messages::{parse_payload, Action, FeatureProfile};
    use crate::rpc::ErrorCode;

    fn parse<T: crate::codec::Member>(payload: &[u8]) -> Result<T, ErrorCode> {
        parse_payload(payload, &mut [0u8; 600])
    }

    #[test]
    fn requests_answers_and_notifications() {
        assert_eq!(
            UpdateFirmwareRequest::ACTION.profile(),
            FeatureProfile::FirmwareManagement
        );
        let mut frames = Frames::new("unit-messages-firmware");
        let full = UpdateFirmwareRequest {
            location: text("http://127.0.0.1:8080/fw/image.bin"),
            retries: Some(3),
            retrieve_date: time(),
            retry_interval: Some(30),
        };
        let payload = round_trip(&full, parse);
        round_trip(&full, serde_parse);
        frames.answer(Action::UpdateFirmware, &payload, &UpdateFirmwareResponse {});
        let minimal = UpdateFirmwareRequest {
            retries: None,
            retry_interval: None,
            ..full
        };
        assert_eq!(
            round_trip(&minimal, parse),
            r#"{"location":"http://127.0.0.1:8080/fw/image.bin","retrieveDate":"2026-11-21T10:00:00.000Z"}"#
        );

        let diag = GetDiagnosticsRequest {
            location: text("http://127.0.0.1:8080/diagnostics/"),
            retries: Some(1),
            retry_interval: Some(10),
            start_time: Some(time()),
            stop_time: Some(time()),
        };
        let payload = round_trip(&diag, parse);
        for answer in [
            GetDiagnosticsResponse {
                file_name: Some(text("diagnostics.log")),
            },
            GetDiagnosticsResponse { file_name: None },
        ] {
            assert_eq!(round_trip(&answer, parse), round_trip(&answer, serde_parse));
            frames.answer(Action::GetDiagnostics, &payload, &answer);
        }
        for &status in FirmwareStatus::ALL {
            frames.call(&FirmwareStatusNotificationRequest { status });
        }
        for &status in DiagnosticsStatus::ALL {
            frames.call(&DiagnosticsStatusNotificationRequest { status });
        }
    }

    #[test]
    fn a_location_too_long_is_a_property_violation_never_truncated() {
        let max = crate::capacity::FIRMWARE_LOCATION_MAX;
        let fits = format!("http://h/{}", "a".repeat(max - 9));
        let payload = format!(r#"{{"location":"{fits}","retrieveDate":"2026-11-21T10:00:00Z"}}"#);
        let mut scratch = [0u8; 2 * crate::capacity::FIRMWARE_LOCATION_MAX];
        let ok: UpdateFirmwareRequest = parse_payload(payload.as_bytes(), &mut scratch).unwrap();
        assert_eq!(ok.location.len(), max);
        let long = payload.replace("http://h/", "http://h/x");
        assert_eq!(
            parse_payload::<UpdateFirmwareRequest>(long.as_bytes(), &mut scratch),
            Err(ErrorCode::PropertyConstraintViolation)
        );
        assert_eq!(
            serde_parse::<UpdateFirmwareRequest>(long.as_bytes()),
            Err(ErrorCode::PropertyConstraintViolation)
        );
    }

    #[test]
    fn bad_payloads() {
        let cases = [
            (
                r#"{"retrieveDate":"2026-11-21T10:00:00Z"}"#,
                ErrorCode::OccurenceConstraintViolation,
            ),
            (
                r#"{"location":"http://h/"}"#,
                ErrorCode::OccurenceConstraintViolation,
            ),
            (
                r#"{"location":7,"retrieveDate":"2026-11-21T10:00:00Z"}"#,
                ErrorCode::TypeConstraintViolation,
            ),
            (
                r#"{"location":"http://h/","retrieveDate":"yesterday"}"#,
                ErrorCode::PropertyConstraintViolation,
            ),
            (
                r#"{"location":"http://h/","retrieveDate":"2026-11-21T10:00:00Z","retries":"3"}"#,
                ErrorCode::TypeConstraintViolation,
            ),
        ];
        for (payload, code) in cases {
            assert_eq!(
                parse::<UpdateFirmwareRequest>(payload.as_bytes()).err(),
                Some(code),
                "{payload}"
            );
        }
    }
}
