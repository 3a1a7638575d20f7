//! Connectors and their status: the state machine of each connector and the StatusNotification it
//! owes the Central System (MinimumStatusDuration, the time of the change).

use super::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Connector {
    pub(super) status: ChargePointStatus,
    pub(super) error_code: ChargePointErrorCode,
    /// When `status` was entered (MinimumStatusDuration).
    pub(super) since: Instant,
    /// Position in the send order of the pending StatusNotification.
    pub(super) seq: u32,
    /// What the Central System was last told on this connection.
    pub(super) reported: Option<(ChargePointStatus, ChargePointErrorCode)>,
    /// A TriggerMessage asked for this connector's status: sent without MinimumStatusDuration.
    #[cfg(feature = "remote-trigger")]
    pub(super) triggered: bool,
    pub(super) operative: bool,
    /// An availability change waiting for the running transaction to end.
    pub(super) scheduled_operative: Option<bool>,
    pub(super) transaction: Option<Transaction>,
}

impl Connector {
    /// Its status is owed at once (TriggerMessage), whatever MinimumStatusDuration says.
    pub(super) fn is_triggered(&self) -> bool {
        #[cfg(feature = "remote-trigger")]
        return self.triggered;
        #[cfg(not(feature = "remote-trigger"))]
        return false;
    }

    pub(super) fn new(now: Instant) -> Self {
        Self {
            status: ChargePointStatus::Available,
            error_code: ChargePointErrorCode::NoError,
            since: now,
            seq: 0,
            reported: None,
            #[cfg(feature = "remote-trigger")]
            triggered: false,
            operative: true,
            scheduled_operative: None,
            transaction: None,
        }
    }
}

impl<S: Station> ChargePoint<S> {
    pub fn number_of_connectors(&self) -> u8 {
        (self.connectors.len() - 1) as u8
    }

    pub fn connector_status(&self, connector: u8) -> Option<ChargePointStatus> {
        self.connectors
            .get(usize::from(connector))
            .map(|c| c.status)
    }

    /// Reports a connector status change (plug in/out, fault, suspension...). Connector 0 is the
    /// charge point as a whole.
    ///
    /// ```
    /// # use ocpp::doc_support::*;
    /// use ocpp::messages::{ChargePointErrorCode, ChargePointStatus};
    /// # let (mut cp, now) = online();
    /// cp.set_connector_status(now, 2, ChargePointStatus::Preparing, ChargePointErrorCode::NoError).unwrap();
    /// assert_eq!(answer(&mut cp, now, "{}"), "StatusNotification");
    /// ```
    pub fn set_connector_status(
        &mut self,
        now: Instant,
        connector: u8,
        status: ChargePointStatus,
        error_code: ChargePointErrorCode,
    ) -> Result<(), CommandError> {
        if usize::from(connector) >= self.connectors.len() {
            return Err(CommandError::InvalidConnector);
        }
        self.set_status_inner(now, connector, status, error_code);
        Ok(())
    }

    pub(super) fn set_status_inner(
        &mut self,
        now: Instant,
        connector: u8,
        status: ChargePointStatus,
        error_code: ChargePointErrorCode,
    ) {
        // A reserved connector that becomes free again shows its reservation.
        #[cfg(feature = "reservation")]
        let status = match status {
            ChargePointStatus::Available if self.is_reserved(connector) => {
                ChargePointStatus::Reserved
            }
            other => other,
        };
        // A downloaded image waits for the connectors to be free: they stay Unavailable.
        #[cfg(feature = "firmware-management")]
        let status = match status {
            ChargePointStatus::Available if connector > 0 && self.firmware_holds_connectors() => {
                ChargePointStatus::Unavailable
            }
            other => other,
        };
        let seq = self.next_seq();
        if let Some(c) = self.connectors.get_mut(usize::from(connector)) {
            if c.status != status || c.error_code != error_code {
                debug!("connector ", connector, ": ", c.status, " -> ", status);
                c.status = status;
                c.error_code = error_code;
                c.since = now;
                c.seq = seq;
            }
        }
    }

    /// When the oldest unreported status change may be sent (MinimumStatusDuration).
    pub(super) fn status_deadline(&self) -> Option<Instant> {
        if !self.is_online() || self.in_flight.is_some() {
            return None;
        }
        let min_duration = u64::from(self.config.MinimumStatusDuration) * 1000;
        self.connectors
            .iter()
            .filter(|c| c.reported != Some((c.status, c.error_code)))
            .map(|c| match c.is_triggered() {
                true => c.since,
                false => c.since.plus_millis(min_duration),
            })
            .min()
    }

    /// Serializes the StatusNotification of `connector`'s status `sent`.
    // Its own frame: what it decodes is not on the stack while the outbox is written.
    #[inline(never)]
    pub(super) fn transmit_status(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        connector: u8,
        sent: (ChargePointStatus, ChargePointErrorCode),
    ) -> Option<usize> {
        let request = StatusNotificationRequest {
            connector_id: u32::from(connector),
            error_code: sent.1,
            info: None,
            status: sent.0,
            // When the status changed, not when it could be sent (e.g. after reconnecting).
            timestamp: self
                .connectors
                .get(usize::from(connector))
                .and_then(|c| self.wall_time(c.since)),
            vendor_id: None,
            vendor_error_code: None,
        };
        self.send(now, buf, Origin::Status { connector, sent }, &request)
    }
}
