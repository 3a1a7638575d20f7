//! Reservation: every ReserveNow answer, expiry, cancellation, replacement, parentIdTag,
//! connector 0 and the reservationId of the holder's StartTransaction.

use super::*;
use crate::engine::reservation::ReservationChange;

const IN_AN_HOUR: &str = "2026-11-21T11:00:00.000Z";

fn reserve(h: &mut Harness, connector: u32, id_tag: &str, id: i32) -> Value {
    reserve_with(
        h,
        json!({"connectorId": connector, "expiryDate": IN_AN_HOUR,
        "idTag": id_tag, "reservationId": id}),
    )
}

fn reserve_with(h: &mut Harness, payload: Value) -> Value {
    h.cs_call("ReserveNow", payload)["status"].clone()
}

fn status_of(h: &mut Harness) -> (Value, Value) {
    let s = h.answer("StatusNotification", json!({}));
    (s["connectorId"].clone(), s["status"].clone())
}

#[test]
fn holder_starts_on_the_reserved_connector_with_the_reservation_id() {
    let mut h = Harness::new("reservation-holder", 2);
    h.online();
    assert_eq!(reserve(&mut h, 1, "RES-1", 7), "Accepted");
    assert_eq!(status_of(&mut h), (json!(1), json!("Reserved")));
    h.nothing_sent();
    assert_eq!(
        h.events(),
        [Event::Reservation {
            connector: 1,
            reservation_id: 7,
            change: ReservationChange::Made,
        }]
    );
    assert_eq!(h.cp.reservation(1).map(|r| r.id), Some(7));
    assert_eq!(
        h.cp.start_transaction(h.now, 1, "OTHER", 0, None),
        Err(CommandError::Reserved)
    );
    // Unplugging and plugging in (the application's statuses) keep showing the reservation.
    h.cp.set_connector_status(
        h.now,
        1,
        ChargePointStatus::Preparing,
        ChargePointErrorCode::NoError,
    )
    .unwrap();
    h.cp.set_connector_status(
        h.now,
        1,
        ChargePointStatus::Available,
        ChargePointErrorCode::NoError,
    )
    .unwrap();
    assert_eq!(h.cp.connector_status(1), Some(ChargePointStatus::Reserved));
    // The idTag matches case-insensitively (CiString).
    h.start(1, "res-1", 10);
    let start = h.answer(
        "StartTransaction",
        json!({"transactionId": 1, "idTagInfo": {"status": "Accepted"}}),
    );
    assert_eq!(start["reservationId"], 7);
    assert_eq!(status_of(&mut h), (json!(1), json!("Charging")));
    assert!(h.cp.reservation(1).is_none(), "used up by the start");
    // Another connector is not affected.
    h.start(2, "OTHER", 0);
    let start = h.answer(
        "StartTransaction",
        json!({"transactionId": 2, "idTagInfo": {"status": "Accepted"}}),
    );
    assert!(start.get("reservationId").is_none());
}

#[test]
fn every_answer_of_reserve_now() {
    let mut h = Harness::new("reservation-answers", 2);
    h.online();
    // Unknown connector; connector 0 while ReserveConnectorZeroSupported is false.
    assert_eq!(reserve(&mut h, 3, "T", 1), "Rejected");
    h.cp.config.ReserveConnectorZeroSupported = false;
    assert_eq!(reserve(&mut h, 0, "T", 1), "Rejected");
    // An expiry already past.
    let past = json!({"connectorId": 1, "expiryDate": "2026-11-21T09:59:59.000Z",
        "idTag": "T", "reservationId": 1});
    assert_eq!(reserve_with(&mut h, past), "Rejected");
    // A transaction runs; a cable is plugged in: Occupied.
    h.start(1, "TX", 0);
    h.answer(
        "StartTransaction",
        json!({"transactionId": 1, "idTagInfo": {"status": "Accepted"}}),
    );
    status_of(&mut h);
    assert_eq!(reserve(&mut h, 1, "T", 1), "Occupied");
    h.cp.set_connector_status(
        h.now,
        2,
        ChargePointStatus::Preparing,
        ChargePointErrorCode::NoError,
    )
    .unwrap();
    status_of(&mut h);
    assert_eq!(reserve(&mut h, 2, "T", 1), "Occupied");
    h.cp.set_connector_status(
        h.now,
        2,
        ChargePointStatus::Faulted,
        ChargePointErrorCode::GroundFailure,
    )
    .unwrap();
    status_of(&mut h);
    assert_eq!(reserve(&mut h, 2, "T", 1), "Faulted");
    h.cp.set_connector_status(
        h.now,
        2,
        ChargePointStatus::Available,
        ChargePointErrorCode::NoError,
    )
    .unwrap();
    status_of(&mut h);
    assert_eq!(
        h.cs_call(
            "ChangeAvailability",
            json!({"connectorId": 2, "type": "Inoperative"})
        )["status"],
        "Accepted"
    );
    assert_eq!(status_of(&mut h), (json!(2), json!("Unavailable")));
    assert_eq!(reserve(&mut h, 2, "T", 1), "Unavailable");
    h.cs_call(
        "ChangeAvailability",
        json!({"connectorId": 2, "type": "Operative"}),
    );
    status_of(&mut h);
    assert_eq!(reserve(&mut h, 2, "T", 1), "Accepted");
    status_of(&mut h);
    // Held by another reservation: Occupied; the same id again replaces it.
    assert_eq!(reserve(&mut h, 2, "U", 2), "Occupied");
    assert_eq!(reserve(&mut h, 2, "U", 1), "Accepted");
    assert_eq!(h.cp.reservation(2).map(|r| r.id_tag.as_str()), Some("U"));
    h.nothing_sent();
    // The whole charge point unavailable.
    h.cs_call(
        "ChangeAvailability",
        json!({"connectorId": 0, "type": "Inoperative"}),
    );
    assert_eq!(reserve(&mut h, 2, "T", 5), "Unavailable");
    assert_eq!(
        h.cs_call_error(
            "ReserveNow",
            r#"{"connectorId":1,"expiryDate":"soon","idTag":"T","reservationId":1}"#
        ),
        "PropertyConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error(
            "ReserveNow",
            r#"{"connectorId":1,"idTag":"T","reservationId":1}"#
        ),
        "OccurenceConstraintViolation"
    );
}

#[test]
fn reservations_expire_and_can_be_cancelled_or_moved() {
    let mut h = Harness::new("reservation-expiry", 2);
    h.online();
    assert_eq!(reserve(&mut h, 1, "T", 1), "Accepted");
    assert_eq!(status_of(&mut h), (json!(1), json!("Reserved")));
    // The same reservationId on another connector moves it.
    assert_eq!(reserve(&mut h, 2, "T", 1), "Accepted");
    assert_eq!(status_of(&mut h), (json!(1), json!("Available")));
    assert_eq!(status_of(&mut h), (json!(2), json!("Reserved")));
    h.events();
    // An hour later it expires: Available again, and the application is told.
    assert!(h.cp.poll_timeout().is_some());
    h.advance(3_600_000);
    assert_eq!(
        h.events(),
        [Event::Reservation {
            connector: 2,
            reservation_id: 1,
            change: ReservationChange::Expired,
        }]
    );
    // (The heartbeat interval passed meanwhile.)
    h.answer("Heartbeat", json!({"currentTime": CS_TIME}));
    assert_eq!(status_of(&mut h), (json!(2), json!("Available")));
    // The Heartbeat's time set the clock back an hour: the whitepaper's SettingSystemTime.
    #[cfg(feature = "security")]
    {
        let (id, event) = h.expect_call("SecurityEventNotification");
        assert_eq!(event["type"], "SettingSystemTime");
        h.result(&id, json!({}));
    }
    h.nothing_sent();

    assert_eq!(reserve(&mut h, 1, "T", 9), "Accepted");
    status_of(&mut h);
    assert_eq!(
        h.cs_call("CancelReservation", json!({"reservationId": 8})),
        json!({"status": "Rejected"})
    );
    assert_eq!(
        h.cs_call("CancelReservation", json!({"reservationId": 9})),
        json!({"status": "Accepted"})
    );
    assert_eq!(status_of(&mut h), (json!(1), json!("Available")));
    assert!(h.events().contains(&Event::Reservation {
        connector: 1,
        reservation_id: 9,
        change: ReservationChange::Cancelled,
    }));
    assert_eq!(
        h.cs_call("CancelReservation", json!({"reservationId": 9}))["status"],
        "Rejected"
    );
}

#[test]
fn parent_id_tag_from_authorize_or_the_local_list_opens_the_reservation() {
    let mut h = Harness::new("reservation-parent", 2);
    h.online();
    let payload = json!({"connectorId": 1, "expiryDate": IN_AN_HOUR, "idTag": "OWNER",
        "parentIdTag": "FLEET", "reservationId": 3});
    assert_eq!(reserve_with(&mut h, payload), "Accepted");
    status_of(&mut h);
    // Unknown parent: refused until an Authorize tells the parent.
    assert_eq!(
        h.cp.start_transaction(h.now, 1, "DRIVER", 0, None),
        Err(CommandError::Reserved)
    );
    h.cp.authorize(h.now, "DRIVER").unwrap();
    h.answer(
        "Authorize",
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "fleet"}}),
    );
    h.cp.authorize(h.now, "STRANGER").unwrap();
    h.answer(
        "Authorize",
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "OTHER"}}),
    );
    assert_eq!(
        h.cp.start_transaction(h.now, 1, "STRANGER", 0, None),
        Err(CommandError::Reserved)
    );
    // Remote start follows the same rule.
    assert_eq!(
        h.cs_call(
            "RemoteStartTransaction",
            json!({"idTag": "STRANGER", "connectorId": 1})
        )["status"],
        "Rejected"
    );
    assert_eq!(
        h.cs_call(
            "RemoteStartTransaction",
            json!({"idTag": "DRIVER", "connectorId": 1})
        )["status"],
        "Accepted"
    );
    h.start(1, "DRIVER", 0);
    let start = h.answer(
        "StartTransaction",
        json!({"transactionId": 4, "idTagInfo": {"status": "Accepted"}}),
    );
    assert_eq!(start["reservationId"], 3);

    // A parent known from the Local Authorization List works the same way.
    #[cfg(feature = "local-auth-list")]
    {
        let list = json!({"listVersion": 1, "updateType": "Full", "localAuthorizationList": [
            {"idTag": "LISTED", "idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET"}}]});
        assert_eq!(h.cs_call("SendLocalList", list)["status"], "Accepted");
        let payload = json!({"connectorId": 2, "expiryDate": IN_AN_HOUR, "idTag": "OWNER",
            "parentIdTag": "FLEET", "reservationId": 5});
        assert_eq!(reserve_with(&mut h, payload), "Accepted");
        h.start(2, "LISTED", 0);
    }
}

#[test]
fn connector_zero_keeps_one_connector_for_the_holder() {
    let mut h = Harness::new("reservation-zero", 2);
    h.online();
    assert!(h.cp.configuration().ReserveConnectorZeroSupported);
    assert_eq!(reserve(&mut h, 0, "R0", 11), "Accepted");
    // No connector shows Reserved: any of them may serve the holder.
    h.nothing_sent();
    h.start(1, "OTHER", 0);
    h.answer(
        "StartTransaction",
        json!({"transactionId": 1, "idTagInfo": {"status": "Accepted"}}),
    );
    status_of(&mut h);
    // The last free connector is kept for the holder.
    assert_eq!(
        h.cp.start_transaction(h.now, 2, "ANOTHER", 0, None),
        Err(CommandError::Reserved)
    );
    assert_eq!(reserve(&mut h, 0, "R1", 12), "Occupied");
    h.start(2, "R0", 0);
    let start = h.answer(
        "StartTransaction",
        json!({"transactionId": 2, "idTagInfo": {"status": "Accepted"}}),
    );
    assert_eq!(start["reservationId"], 11);
    assert!(h.cp.reservation(0).is_none());
    // Nothing free: a new charge-point reservation is Occupied.
    status_of(&mut h);
    assert_eq!(reserve(&mut h, 0, "R2", 13), "Occupied");
}
