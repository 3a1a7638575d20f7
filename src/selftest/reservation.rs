//! Reservation: ReserveNow, CancelReservation, expiry, and the holder's StartTransaction.

use super::*;
use crate::engine::reservation::ReservationChange;
use crate::engine::CommandError;

/// (h) ReserveNow Accepted shows the connector Reserved; another idTag cannot start there;
/// CancelReservation Accepted (Rejected for an unknown id) and expiry on the virtual clock
/// make the connector Available; a connector with a transaction is Occupied; the holder's
/// StartTransaction carries the reservationId and uses the reservation up.
#[no_mangle]
pub extern "C" fn ocpp_selftest_reservation() -> i32 {
    run(2, reservation)
}

fn reserve(
    h: &mut Harness<'_>,
    connector: u32,
    id_tag: &str,
    reservation_id: i32,
    expiry_date: DateTime,
) -> Result<ReservationStatus, Failure> {
    let request = ReserveNowRequest {
        connector_id: connector,
        expiry_date,
        id_tag: take!(CiString::try_from_str(id_tag).ok()),
        parent_id_tag: None,
        reservation_id,
    };
    Ok(h.call(&request)?.status)
}

fn cancel(h: &mut Harness<'_>, reservation_id: i32) -> Result<CancelReservationStatus, Failure> {
    Ok(h.call(&CancelReservationRequest { reservation_id })?.status)
}

/// Expects the StartTransaction of `connector` with `reservation_id`, answers it with
/// `transaction_id` and expects the connector Charging.
fn started(
    h: &mut Harness<'_>,
    connector: u32,
    reservation_id: Option<i32>,
    transaction_id: i32,
) -> Outcome {
    let (id, req) = h.expect::<StartTransactionRequest>(Action::StartTransaction)?;
    check!(req.connector_id == connector && req.reservation_id == reservation_id);
    let answer = StartTransactionResponse {
        id_tag_info: accepted(),
        transaction_id,
    };
    h.answer(&id, &answer)?;
    h.expect_status(connector, ChargePointStatus::Charging)
}

fn reservation(h: &mut Harness<'_>) -> Outcome {
    h.online()?;
    let _ = h.saw(&Event::Disconnected);
    let in_an_hour = DateTime::from_unix_secs(CS_TIME.unix_secs() + 3_600);

    check!(reserve(h, 1, "RES-1", 7, in_an_hour)? == ReservationStatus::Accepted);
    h.expect_status(1, ChargePointStatus::Reserved)?;
    h.nothing_sent()?;
    check!(h.saw(&Event::Reservation {
        connector: 1,
        reservation_id: 7,
        change: ReservationChange::Made,
    }));
    check!(h.cp.reservation(1).map(|r| r.id) == Some(7));
    // Another idTag is refused on the reserved connector.
    let other = h.cp.start_transaction(h.now, 1, "OTHER", 0, None);
    check!(other == Err(CommandError::Reserved));
    h.nothing_sent()?;

    // CancelReservation: an unknown id Rejected; the reservation's id Accepted, once.
    check!(reserve(h, 2, "RES-2", 8, in_an_hour)? == ReservationStatus::Accepted);
    h.expect_status(2, ChargePointStatus::Reserved)?;
    check!(cancel(h, 99)? == CancelReservationStatus::Rejected);
    h.nothing_sent()?;
    check!(cancel(h, 8)? == CancelReservationStatus::Accepted);
    h.expect_status(2, ChargePointStatus::Available)?;
    check!(h.saw(&Event::Reservation {
        connector: 2,
        reservation_id: 8,
        change: ReservationChange::Cancelled,
    }));
    check!(cancel(h, 8)? == CancelReservationStatus::Rejected);
    check!(h.cp.reservation(2).is_none());

    // A reservation for a minute expires on the virtual clock: Available again.
    let in_a_minute = DateTime::from_unix_secs(CS_TIME.unix_secs() + 60);
    check!(reserve(h, 2, "RES-3", 9, in_a_minute)? == ReservationStatus::Accepted);
    h.expect_status(2, ChargePointStatus::Reserved)?;
    let _ = h.saw(&Event::Disconnected);
    h.advance(59_999);
    h.nothing_sent()?;
    check!(h.cp.connector_status(2) == Some(ChargePointStatus::Reserved));
    h.advance(1);
    check!(h.saw(&Event::Reservation {
        connector: 2,
        reservation_id: 9,
        change: ReservationChange::Expired,
    }));
    h.expect_status(2, ChargePointStatus::Available)?;
    check!(h.cp.reservation(2).is_none());
    check!(h.cp.reservation(1).map(|r| r.id) == Some(7));

    // A connector with a transaction: Occupied.
    take!(h.cp.start_transaction(h.now, 2, "TX-2", 0, None).ok());
    started(h, 2, None, 21)?;
    check!(reserve(h, 2, "RES-4", 10, in_an_hour)? == ReservationStatus::Occupied);
    h.nothing_sent()?;

    // The holder (its idTag in any case) starts with the reservationId, using it up.
    take!(h.cp.start_transaction(h.now, 1, "res-1", 100, None).ok());
    started(h, 1, Some(7), 22)?;
    check!(h.cp.reservation(1).is_none() && h.cp.reservations().iter().next().is_none());
    check!(h.cp.transaction_id(1) == Some(22) && h.cp.transaction_id(2) == Some(21));
    h.nothing_sent()
}
