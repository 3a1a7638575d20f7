//! Availability and reset: ChangeAvailability (Scheduled while a transaction runs) and Reset
//! (transactions stopped first, their messages delivered, then [`Event::ResetDue`]).

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PendingReset {
    kind: ResetType,
    /// Due at the latest then, delivered or not.
    until: Instant,
}

impl<S: Station> ChargePoint<S> {
    pub(super) fn on_change_availability(
        &mut self,
        now: Instant,
        req: ChangeAvailabilityRequest,
    ) -> ChangeAvailabilityResponse {
        let operative = req.kind == AvailabilityType::Operative;
        let Ok(target) = u8::try_from(req.connector_id) else {
            return ChangeAvailabilityResponse {
                status: AvailabilityStatus::Rejected,
            };
        };
        if usize::from(target) >= self.connectors.len() {
            return ChangeAvailabilityResponse {
                status: AvailabilityStatus::Rejected,
            };
        }
        let targets = if target == 0 {
            0..=self.number_of_connectors()
        } else {
            target..=target
        };
        let mut scheduled = false;
        for connector in targets {
            let Some(c) = self.connectors.get_mut(usize::from(connector)) else {
                continue;
            };
            if c.transaction.is_some() && !operative {
                c.scheduled_operative = Some(false);
                scheduled = true;
            } else {
                c.scheduled_operative = None;
                self.set_operative(now, connector, operative);
            }
        }
        let status = if scheduled {
            AvailabilityStatus::Scheduled
        } else {
            AvailabilityStatus::Accepted
        };
        ChangeAvailabilityResponse { status }
    }

    pub(super) fn set_operative(&mut self, now: Instant, connector: u8, operative: bool) {
        let Some(c) = self.connectors.get_mut(usize::from(connector)) else {
            return;
        };
        let changed = c.operative != operative;
        c.operative = operative;
        let status = c.status;
        let next = match (operative, status) {
            (false, ChargePointStatus::Faulted) => None,
            (false, _) => Some(ChargePointStatus::Unavailable),
            (true, ChargePointStatus::Unavailable) => Some(ChargePointStatus::Available),
            (true, _) => None,
        };
        if let Some(next) = next {
            self.set_status_inner(now, connector, next, ChargePointErrorCode::NoError);
        }
        if changed {
            self.store_changed(Record::Availability);
            self.emit(Event::AvailabilityChanged {
                connector,
                operative,
            });
        }
    }

    pub(super) fn on_reset(&mut self, now: Instant, req: ResetRequest) -> ResetResponse {
        let reason = match req.kind {
            ResetType::Hard => Reason::HardReset,
            ResetType::Soft => Reason::SoftReset,
        };
        for connector in 1..=self.number_of_connectors() {
            if self.has_transaction(connector) {
                let meter = self.meter_register(connector);
                self.queue_stop(now, connector, meter, reason, None, None);
            }
        }
        self.emit(Event::ResetRequested(req.kind));
        // The whitepaper's ResetOrReboot, once per reset: queued like a StopTransaction, so the
        // reset waits for its confirmation (or the reset timeout) and it survives the reboot.
        #[cfg(feature = "security")]
        if self.reset.is_none() {
            let _ = self.record_security_event(
                now,
                crate::messages::SecurityEventType::ResetOrReboot,
                Some(req.kind.as_str()),
            );
        }
        // A second Reset while one is pending keeps the first deadline; Hard wins over Soft.
        let until = now.plus_millis(self.options.reset_timeout_ms.into());
        self.reset = Some(match self.reset {
            Some(p) => PendingReset {
                kind: if req.kind == ResetType::Hard {
                    ResetType::Hard
                } else {
                    p.kind
                },
                until: p.until,
            },
            None => PendingReset {
                kind: req.kind,
                until,
            },
        });
        ResetResponse {
            status: ResetStatus::Accepted,
        }
    }

    /// Due at once when the transaction queue is empty (after the Reset's answer went out:
    /// the platform sends a CALL's reply before it runs timers), else at the deadline.
    pub(super) fn reset_deadline(&self) -> Option<Instant> {
        let pending = self.reset?;
        Some(match self.transactions.is_empty() {
            true => Instant::default(),
            false => pending.until,
        })
    }

    pub(super) fn reset_timeout(&mut self, now: Instant) {
        let Some(pending) = self.reset else {
            return;
        };
        let drained = self.transactions.is_empty();
        if !drained && pending.until > now {
            return;
        }
        if !drained {
            warn!(
                "reset: ",
                self.transactions.len(),
                " transaction messages not delivered in time; resetting anyway"
            );
        }
        self.reset = None;
        self.emit(Event::ResetDue(pending.kind));
    }

    /// A Reset is accepted and not yet due.
    pub fn reset_pending(&self) -> bool {
        self.reset.is_some()
    }

    pub(super) fn handle_change_availability(&mut self, call: Incoming) -> Answer {
        let now = call.now;
        self.answer(call, |cp, req| cp.on_change_availability(now, req))
    }

    pub(super) fn handle_reset(&mut self, call: Incoming) -> Answer {
        let now = call.now;
        self.answer(call, |cp, req| cp.on_reset(now, req))
    }
}
