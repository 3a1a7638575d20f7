//! Remote Trigger profile messages (OCPP 1.6 TriggerMessage): the Central System asks the Charge
//! Point to send one of its own messages now. Compiled with feature `remote-trigger`.

use super::core_profile::{request, Request};
use super::{ocpp_enum, ocpp_message};

ocpp_enum! {
    /// The message a TriggerMessage.req asks for.
    MessageTrigger {
        BootNotification = "BootNotification",
        DiagnosticsStatusNotification = "DiagnosticsStatusNotification",
        FirmwareStatusNotification = "FirmwareStatusNotification",
        Heartbeat = "Heartbeat",
        MeterValues = "MeterValues",
        StatusNotification = "StatusNotification",
    }
}

ocpp_enum! {
    TriggerMessageStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
        NotImplemented = "NotImplemented",
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct TriggerMessageRequest {
        "requestedMessage" pub requested_message: MessageTrigger,
        /// The connector the message is about (MeterValues, StatusNotification); absent: all.
        "connectorId" pub connector_id: Option<u32>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct TriggerMessageResponse {
        "status" pub status: TriggerMessageStatus,
    }
}
request!(TriggerMessageRequest => TriggerMessageResponse, TriggerMessage);

#[cfg(test)]
mod tests {
    //! TriggerMessage for every requested message, with and without a connector, answered with
    //! every status; the frames go to `target/frames/unit-messages-remote-trigger.jsonl`.
    use super::*;
    use crate::messages::test_support::*;
    use crate::messages::{Action, FeatureProfile};
    use crate::rpc::ErrorCode;

    #[test]
    fn central_system_requests_and_the_answers_to_them() {
        assert_eq!(
            TriggerMessageRequest::ACTION.profile(),
            FeatureProfile::RemoteTrigger
        );
        let mut frames = Frames::new("unit-messages-remote-trigger");
        let statuses = TriggerMessageStatus::ALL.iter().cycle();
        for (&requested_message, &status) in MessageTrigger::ALL.iter().zip(statuses) {
            for connector_id in [Some(1), None] {
                let trigger = TriggerMessageRequest {
                    requested_message,
                    connector_id,
                };
                let payload = round_trip(&trigger, serde_parse);
                let answer = TriggerMessageResponse { status };
                round_trip(&answer, serde_parse);
                frames.answer(Action::TriggerMessage, &payload, &answer);
            }
        }
        assert_eq!(
            json(&TriggerMessageRequest {
                requested_message: MessageTrigger::StatusNotification,
                connector_id: Some(2),
            }),
            r#"{"requestedMessage":"StatusNotification","connectorId":2}"#
        );
        assert_eq!(
            json(&TriggerMessageRequest {
                requested_message: MessageTrigger::Heartbeat,
                connector_id: None,
            }),
            r#"{"requestedMessage":"Heartbeat"}"#,
            "an absent connector is not sent"
        );
    }

    #[test]
    fn payloads_that_do_not_match_the_schema() {
        use ErrorCode::*;
        for (payload, code) in [
            (r#"{}"#, OccurenceConstraintViolation),
            (r#"{"connectorId":1}"#, OccurenceConstraintViolation),
            (
                r#"{"requestedMessage":"Authorize"}"#,
                PropertyConstraintViolation,
            ),
            (
                r#"{"requestedMessage":"heartbeat"}"#,
                PropertyConstraintViolation,
            ),
            (r#"{"requestedMessage":5}"#, TypeConstraintViolation),
            (
                r#"{"requestedMessage":"Heartbeat","connectorId":"1"}"#,
                TypeConstraintViolation,
            ),
            (
                r#"{"requestedMessage":"Heartbeat","connectorId":1.5}"#,
                TypeConstraintViolation,
            ),
            (
                r#"{"requestedMessage":"Heartbeat","connectorId":-1}"#,
                TypeConstraintViolation,
            ),
            (r#"[]"#, TypeConstraintViolation),
        ] {
            assert_eq!(
                serde_parse::<TriggerMessageRequest>(payload.as_bytes()),
                Err(code),
                "{payload}"
            );
        }
        assert_eq!(
            serde_parse::<TriggerMessageResponse>(br#"{"status":"Maybe"}"#),
            Err(PropertyConstraintViolation)
        );
        assert_eq!(
            serde_parse::<TriggerMessageRequest>(
                br#"{"connectorId":null,"requestedMessage":"MeterValues"}"#
            ),
            Ok(TriggerMessageRequest {
                requested_message: MessageTrigger::MeterValues,
                connector_id: None,
            }),
            "null is an absent connector"
        );
    }
}
