//! Reservation profile messages (OCPP 1.6 ReserveNow and CancelReservation): the Central System
//! holds a connector for one idTag until a time. Compiled with feature `reservation`.

use super::core_profile::{request, Request};
use super::{ocpp_enum, ocpp_message};
use crate::cistring::CiString20;
use crate::datetime::DateTime;

ocpp_enum! {
    /// The answer to a ReserveNow.req.
    ReservationStatus {
        Accepted = "Accepted",
        Faulted = "Faulted",
        Occupied = "Occupied",
        Rejected = "Rejected",
        Unavailable = "Unavailable",
    }
}

ocpp_enum! {
    CancelReservationStatus { Accepted = "Accepted", Rejected = "Rejected" }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ReserveNowRequest {
        /// 0: any connector of the Charge Point.
        "connectorId" pub connector_id: u32,
        "expiryDate" pub expiry_date: DateTime,
        "idTag" pub id_tag: CiString20,
        "parentIdTag" pub parent_id_tag: Option<CiString20>,
        "reservationId" pub reservation_id: i32,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ReserveNowResponse {
        "status" pub status: ReservationStatus,
    }
}
request!(ReserveNowRequest => ReserveNowResponse, ReserveNow);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CancelReservationRequest {
        "reservationId" pub reservation_id: i32,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CancelReservationResponse {
        "status" pub status: CancelReservationStatus,
    }
}
request!(CancelReservationRequest => CancelReservationResponse, CancelReservation);

#[cfg(test)]
mod tests {
    //! ReserveNow with and without its optional parentIdTag and CancelReservation, answered with
    //! every status; the frames go to `target/frames/unit-messages-reservation.jsonl`.
    use super::*;
    use crate::messages::test_support::*;
    use crate::messages::{Action, FeatureProfile};
    use crate::rpc::ErrorCode;

    #[test]
    fn central_system_requests_and_the_answers_to_them() {
        assert_eq!(
            ReserveNowRequest::ACTION.profile(),
            FeatureProfile::Reservation
        );
        assert_eq!(
            CancelReservationRequest::ACTION.profile(),
            FeatureProfile::Reservation
        );
        let mut frames = Frames::new("unit-messages-reservation");

        let full = ReserveNowRequest {
            connector_id: 1,
            expiry_date: time(),
            id_tag: text("TAG-1"),
            parent_id_tag: Some(text("PARENT")),
            reservation_id: 42,
        };
        assert!(round_trip(&full, serde_parse).contains(r#""parentIdTag":"PARENT""#));
        let minimal = ReserveNowRequest {
            connector_id: 0,
            parent_id_tag: None,
            reservation_id: -1,
            ..full.clone()
        };
        assert_eq!(
            round_trip(&minimal, serde_parse),
            r#"{"connectorId":0,"expiryDate":"2026-11-21T10:00:00.000Z","idTag":"TAG-1","reservationId":-1}"#,
            "an absent parentIdTag is not sent"
        );
        let requests = [full, minimal].into_iter().cycle();
        for (&status, request) in ReservationStatus::ALL.iter().zip(requests) {
            let payload = round_trip(&request, serde_parse);
            let answer = ReserveNowResponse { status };
            round_trip(&answer, serde_parse);
            frames.answer(Action::ReserveNow, &payload, &answer);
        }

        for &status in CancelReservationStatus::ALL {
            let cancel = CancelReservationRequest { reservation_id: 42 };
            let payload = round_trip(&cancel, serde_parse);
            assert_eq!(payload, r#"{"reservationId":42}"#);
            let answer = CancelReservationResponse { status };
            round_trip(&answer, serde_parse);
            frames.answer(Action::CancelReservation, &payload, &answer);
        }
    }

    /// A ReserveNow.req payload: the valid members, each of `changes` replacing (or with `None`
    /// removing) the one of its name, or added after them.
    fn reserve_now(changes: &[(&str, Option<&str>)]) -> String {
        let mut members = vec![
            ("connectorId", Some("1")),
            ("expiryDate", Some(r#""2026-11-21T10:00:00Z""#)),
            ("idTag", Some(r#""T""#)),
            ("reservationId", Some("7")),
        ];
        for &(name, value) in changes {
            match members.iter_mut().find(|(n, _)| *n == name) {
                Some(member) => member.1 = value,
                None => members.push((name, value)),
            }
        }
        let members: Vec<_> = members
            .iter()
            .filter_map(|(name, value)| value.map(|v| format!(r#""{name}":{v}"#)))
            .collect();
        format!("{{{}}}", members.join(","))
    }

    #[test]
    fn payloads_that_do_not_match_the_schema() {
        use ErrorCode::*;
        let tag21 = format!(r#""{}""#, "T".repeat(21));
        for (changes, code) in [
            (&[("connectorId", None)][..], OccurenceConstraintViolation),
            (&[("expiryDate", None)], OccurenceConstraintViolation),
            (&[("idTag", None)], OccurenceConstraintViolation),
            (&[("reservationId", None)], OccurenceConstraintViolation),
            (&[("idTag", Some(&tag21[..]))], PropertyConstraintViolation),
            (
                &[("parentIdTag", Some(&tag21[..]))],
                PropertyConstraintViolation,
            ),
            (
                &[("expiryDate", Some(r#""tomorrow""#))],
                PropertyConstraintViolation,
            ),
            (&[("idTag", Some("5"))], TypeConstraintViolation),
            (
                &[("parentIdTag", Some(r#"["P"]"#))],
                TypeConstraintViolation,
            ),
            (&[("connectorId", Some(r#""1""#))], TypeConstraintViolation),
            (&[("connectorId", Some("-1"))], TypeConstraintViolation),
            (&[("reservationId", Some("7.5"))], TypeConstraintViolation),
            (
                &[("expiryDate", Some("1795270354"))],
                TypeConstraintViolation,
            ),
        ] {
            let payload = reserve_now(changes);
            assert_eq!(
                serde_parse::<ReserveNowRequest>(payload.as_bytes()),
                Err(code),
                "{payload}"
            );
        }
        assert!(serde_parse::<ReserveNowRequest>(reserve_now(&[]).as_bytes()).is_ok());
        let tag20 = format!(r#""{}""#, "T".repeat(20));
        let longest = reserve_now(&[("idTag", Some(&tag20)), ("parentIdTag", Some(&tag20))]);
        assert!(
            serde_parse::<ReserveNowRequest>(longest.as_bytes()).is_ok(),
            "20 characters fit"
        );

        for (payload, code) in [
            (&br#"{}"#[..], OccurenceConstraintViolation),
            (br#"{"reservationId":"7"}"#, TypeConstraintViolation),
            (br#"{"reservationId":null}"#, TypeConstraintViolation),
            (br#"{"reservationId":2147483648}"#, TypeConstraintViolation),
        ] {
            assert_eq!(
                serde_parse::<CancelReservationRequest>(payload),
                Err(code),
                "{}",
                std::str::from_utf8(payload).unwrap()
            );
        }
        assert_eq!(
            serde_parse::<ReserveNowResponse>(br#"{"status":"Reserved"}"#),
            Err(PropertyConstraintViolation)
        );
        assert_eq!(
            serde_parse::<CancelReservationResponse>(br#"{"status":"accepted"}"#),
            Err(PropertyConstraintViolation)
        );
    }
}
