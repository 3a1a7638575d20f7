//! Reservation (ReserveNow, CancelReservation): a connector, or with
//! ReserveConnectorZeroSupported any connector of the charge point, is held for one idTag (or
//! the idTags sharing its parentIdTag) until `expiryDate`.
//!
//! At most one reservation per connector, connector 0 included: the table is bounded by the
//! connector count, lives in the engine (no heap) and is plain data a store can save (the expiry
//! is wall-clock time, so it survives a reboot).

use heapless::Vec;

use super::*;

/// One reservation, as the Central System made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub id: i32,
    /// 0: any connector of the charge point.
    pub connector: u8,
    pub id_tag: CiString20,
    pub parent_id_tag: Option<CiString20>,
    pub expiry: DateTime,
}

/// The reservations in force, at most one per connector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reservations {
    slots: Vec<Reservation, { MAX_CONNECTORS + 1 }>,
}

impl Reservations {
    pub fn iter(&self) -> impl Iterator<Item = &Reservation> {
        self.slots.iter()
    }

    pub fn on_connector(&self, connector: u8) -> Option<&Reservation> {
        self.slots.iter().find(|r| r.connector == connector)
    }

    /// Puts back a stored reservation; None when its connector or id is taken already.
    pub(super) fn restore(&mut self, reservation: Reservation) -> Option<()> {
        let taken = self
            .slots
            .iter()
            .any(|r| r.id == reservation.id || r.connector == reservation.connector);
        (!taken).then_some(())?;
        self.slots.push(reservation).ok()
    }

    fn remove(&mut self, id: i32) -> Option<Reservation> {
        let index = self.slots.iter().position(|r| r.id == id)?;
        Some(self.slots.swap_remove(index))
    }
}

/// What happened to a reservation ([`Event::Reservation`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReservationChange {
    /// A ReserveNow was accepted: the connector is held for its idTag.
    Made,
    /// The Central System cancelled it (CancelReservation).
    Cancelled,
    /// It reached its expiryDate unused.
    Expired,
}

/// Whether a start by some idTag on a connector may go ahead.
pub(super) enum ReservationCheck {
    /// No reservation concerns this start.
    Free,
    /// The idTag holds this reservation: the start uses (and ends) it.
    Holder(i32),
    /// The connector (or the last free one) is held for another idTag.
    HeldForOther,
}

impl<S: Station> ChargePoint<S> {
    /// Reservations seen from the outside (for a store, the shell, the C API).
    pub fn reservations(&self) -> &Reservations {
        &self.reservations
    }

    /// The reservation on `connector` (0: the charge-point-wide one), if any.
    pub fn reservation(&self, connector: u8) -> Option<&Reservation> {
        self.reservations.on_connector(connector)
    }

    pub(super) fn handle_reserve_now(&mut self, call: Incoming) -> Answer {
        let now = call.now;
        self.answer(call, |cp, req| ReserveNowResponse {
            status: cp.on_reserve_now(now, req),
        })
    }

    pub(super) fn handle_cancel_reservation(&mut self, call: Incoming) -> Answer {
        let now = call.now;
        self.answer(call, |cp, req: CancelReservationRequest| {
            let status = match cp.end_reservation(now, req.reservation_id) {
                Some(connector) => {
                    cp.emit(Event::Reservation {
                        connector,
                        reservation_id: req.reservation_id,
                        change: ReservationChange::Cancelled,
                    });
                    CancelReservationStatus::Accepted
                }
                None => CancelReservationStatus::Rejected,
            };
            CancelReservationResponse { status }
        })
    }

    /// The spec's answers, in order: unknown connector or connector 0 without
    /// ReserveConnectorZeroSupported Rejected; Unavailable; Faulted; a transaction, a plugged
    /// cable or another reservation Occupied; otherwise Accepted (an expiry in the past, or no
    /// wall clock to tell, Rejected). The same reservationId replaces the earlier reservation.
    fn on_reserve_now(&mut self, now: Instant, req: ReserveNowRequest) -> ReservationStatus {
        let Some(target) = u8::try_from(req.connector_id)
            .ok()
            .filter(|&c| usize::from(c) < self.connectors.len())
        else {
            return ReservationStatus::Rejected;
        };
        if target == 0 && !self.config.ReserveConnectorZeroSupported {
            return ReservationStatus::Rejected;
        }
        let Some(wall) = self.wall_time(now) else {
            return ReservationStatus::Rejected;
        };
        let status = self.reservable(target, req.reservation_id);
        if status != ReservationStatus::Accepted {
            return status;
        }
        if req.expiry_date <= wall {
            return ReservationStatus::Rejected;
        }
        // A new reservation with a known id replaces the old one, wherever it was.
        let _ = self.end_reservation(now, req.reservation_id);
        let reservation = Reservation {
            id: req.reservation_id,
            connector: target,
            id_tag: req.id_tag,
            parent_id_tag: req.parent_id_tag,
            expiry: req.expiry_date,
        };
        if self.reservations.slots.push(reservation).is_err() {
            // One slot per connector and the target's is free: cannot happen.
            return ReservationStatus::Rejected;
        }
        self.store_changed(Record::Reservations);
        if target > 0 {
            self.set_status_inner(
                now,
                target,
                ChargePointStatus::Reserved,
                ChargePointErrorCode::NoError,
            );
        }
        self.emit(Event::Reservation {
            connector: target,
            reservation_id: req.reservation_id,
            change: ReservationChange::Made,
        });
        ReservationStatus::Accepted
    }

    /// Whether `target` can take reservation `id` (replacing its own earlier self is fine).
    fn reservable(&self, target: u8, id: i32) -> ReservationStatus {
        let Some(c) = self.connectors.get(usize::from(target)) else {
            return ReservationStatus::Rejected;
        };
        let charge_point = self.connectors.first();
        let unavailable = !c.operative
            || c.status == ChargePointStatus::Unavailable
            || charge_point.is_some_and(|cp| !cp.operative);
        if unavailable {
            return ReservationStatus::Unavailable;
        }
        if c.status == ChargePointStatus::Faulted
            || charge_point.is_some_and(|cp| cp.status == ChargePointStatus::Faulted)
        {
            return ReservationStatus::Faulted;
        }
        let held_by_other = self
            .reservations
            .on_connector(target)
            .is_some_and(|r| r.id != id);
        if held_by_other {
            return ReservationStatus::Occupied;
        }
        if target == 0 {
            // Some connector must be left for the holder.
            let any_free = (1..=self.number_of_connectors()).any(|i| self.is_free_for_anyone(i));
            return match any_free {
                true => ReservationStatus::Accepted,
                false => ReservationStatus::Occupied,
            };
        }
        let busy = c.transaction.is_some()
            || !matches!(
                c.status,
                ChargePointStatus::Available | ChargePointStatus::Reserved
            );
        match busy {
            true => ReservationStatus::Occupied,
            false => ReservationStatus::Accepted,
        }
    }

    /// Operative, Available, no transaction and no reservation of its own.
    fn is_free_for_anyone(&self, connector: u8) -> bool {
        self.connectors
            .get(usize::from(connector))
            .is_some_and(|c| {
                c.operative && c.transaction.is_none() && c.status == ChargePointStatus::Available
            })
            && self.reservations.on_connector(connector).is_none()
    }

    /// Removes reservation `id`; its connector, if it showed Reserved, becomes Available.
    /// Returns the connector it was on.
    fn end_reservation(&mut self, now: Instant, id: i32) -> Option<u8> {
        let reservation = self.reservations.remove(id)?;
        self.store_changed(Record::Reservations);
        let connector = reservation.connector;
        let shown_reserved = self
            .connectors
            .get(usize::from(connector))
            .is_some_and(|c| c.status == ChargePointStatus::Reserved);
        if connector > 0 && shown_reserved {
            self.set_status_inner(
                now,
                connector,
                ChargePointStatus::Available,
                ChargePointErrorCode::NoError,
            );
        }
        Some(connector)
    }

    /// Whether `id_tag` may start on `connector` as far as reservations go: it holds the
    /// connector's reservation (same idTag, or same parentIdTag as known from the local list or
    /// the cache), or the charge-point-wide one; or it takes nothing reserved for another idTag
    /// (a connector-0 reservation keeps the last free connector).
    pub(super) fn reservation_check(
        &self,
        now: Instant,
        connector: u8,
        id_tag: &CiString20,
    ) -> ReservationCheck {
        if let Some(r) = self.reservations.on_connector(connector) {
            return match self.holds(now, r, id_tag) {
                true => ReservationCheck::Holder(r.id),
                false => ReservationCheck::HeldForOther,
            };
        }
        let Some(r) = self.reservations.on_connector(0) else {
            return ReservationCheck::Free;
        };
        if self.holds(now, r, id_tag) {
            return ReservationCheck::Holder(r.id);
        }
        let others_free = (1..=self.number_of_connectors())
            .filter(|&i| i != connector)
            .any(|i| self.is_free_for_anyone(i));
        match others_free {
            true => ReservationCheck::Free,
            false => ReservationCheck::HeldForOther,
        }
    }

    fn holds(&self, now: Instant, reservation: &Reservation, id_tag: &CiString20) -> bool {
        if reservation.id_tag.eq_ignore_case(id_tag) {
            return true;
        }
        let Some(parent) = &reservation.parent_id_tag else {
            return false;
        };
        self.known_tag(now, id_tag)
            .and_then(|info| info.parent_id_tag)
            .is_some_and(|p| p.eq_ignore_case(parent))
    }

    /// A transaction started on reservation `id`: the reservation is used up.
    pub(super) fn use_reservation(&mut self, id: i32) {
        if self.reservations.remove(id).is_some() {
            self.store_changed(Record::Reservations);
        }
    }

    pub(super) fn is_reserved(&self, connector: u8) -> bool {
        connector > 0 && self.reservations.on_connector(connector).is_some()
    }

    /// When the earliest reservation expires (its wall-clock expiry on the monotonic clock).
    pub(super) fn reservation_deadline(&self) -> Option<Instant> {
        let wall = self.wall?;
        self.reservations
            .iter()
            .map(|r| {
                let wait = r.expiry.unix_ms.saturating_sub(wall.time.unix_ms);
                wall.at.plus_millis(u64::try_from(wait).unwrap_or(0))
            })
            .min()
    }

    /// Expired reservations end; their connectors become Available.
    pub(super) fn reservation_timeout(&mut self, now: Instant) {
        let Some(wall) = self.wall_time(now) else {
            return;
        };
        loop {
            let expired = self.reservations.iter().find(|r| r.expiry <= wall);
            let Some(id) = expired.map(|r| r.id) else {
                break;
            };
            if let Some(connector) = self.end_reservation(now, id) {
                info!("reservation ", id, " on connector ", connector, " expired");
                self.emit(Event::Reservation {
                    connector,
                    reservation_id: id,
                    change: ReservationChange::Expired,
                });
            }
        }
    }
}
