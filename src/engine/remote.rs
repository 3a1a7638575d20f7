//! Remote control: RemoteStartTransaction, RemoteStopTransaction, UnlockConnector and DataTransfer
//! in both directions.

use super::*;

impl<S: Station> ChargePoint<S> {
    /// The answer, and the connector the transaction will start on when Accepted.
    pub(super) fn on_remote_start(
        &mut self,
        now: Instant,
        req: RemoteStartTransactionRequest,
    ) -> (RemoteStartStopResponse, Option<u8>) {
        let reject = (
            RemoteStartStopResponse {
                status: RemoteStartStopStatus::Rejected,
            },
            None,
        );
        let accept = |connector| {
            (
                RemoteStartStopResponse {
                    status: RemoteStartStopStatus::Accepted,
                },
                Some(connector),
            )
        };
        let cp_operative = self.connectors.first().is_some_and(|c| c.operative);
        let connector = match req.connector_id {
            Some(0) => None,
            Some(id) => u8::try_from(id)
                .ok()
                .filter(|&id| self.takes_remote_start(now, id, &req.id_tag)),
            None => (1..=self.number_of_connectors())
                .find(|&id| self.takes_remote_start(now, id, &req.id_tag)),
        };
        // A pending Reset refuses new transactions (see start_transaction).
        let Some(connector) = connector.filter(|_| cp_operative && !self.reset_pending()) else {
            return reject;
        };
        if self.config.AuthorizeRemoteTxRequests {
            let cached = self
                .known_tag(now, &req.id_tag)
                .filter(|i| i.status == AuthorizationStatus::Accepted);
            if cached.is_none() || !self.config.LocalPreAuthorize {
                let authorize = Outgoing::Authorize {
                    ticket: None,
                    id_tag: req.id_tag,
                    remote_start_connector: Some(connector),
                };
                return match self.push_outgoing(authorize) {
                    Ok(()) => accept(connector),
                    Err(_) => reject,
                };
            }
        }
        if self.station.remote_start(connector, &req.id_tag) {
            accept(connector)
        } else {
            reject
        }
    }

    /// Free, operative and not reserved for another idTag.
    fn takes_remote_start(&self, now: Instant, connector: u8, id_tag: &CiString20) -> bool {
        let Some(c) = self
            .connectors
            .get(usize::from(connector))
            .filter(|_| connector > 0)
        else {
            return false;
        };
        #[cfg(feature = "reservation")]
        if matches!(
            self.reservation_check(now, connector, id_tag),
            reservation::ReservationCheck::HeldForOther
        ) {
            return false;
        }
        let _ = (now, id_tag);
        c.transaction.is_none()
            && c.operative
            && (matches!(
                c.status,
                ChargePointStatus::Available
                    | ChargePointStatus::Preparing
                    | ChargePointStatus::Finishing
            ) || (cfg!(feature = "reservation") && c.status == ChargePointStatus::Reserved))
    }

    pub(super) fn on_remote_stop(
        &mut self,
        req: RemoteStopTransactionRequest,
    ) -> RemoteStartStopResponse {
        let found = self.connectors.iter().position(|c| {
            c.transaction
                .as_ref()
                .is_some_and(|t| t.transaction_id == Some(req.transaction_id))
        });
        let accepted = match found {
            Some(index) => {
                let connector = index as u8;
                let accepted = self.station.remote_stop(connector);
                if accepted {
                    if let Some(tx) = self
                        .connectors
                        .get_mut(index)
                        .and_then(|c| c.transaction.as_mut())
                    {
                        tx.remote_stop_requested = true;
                    }
                }
                accepted
            }
            None => false,
        };
        let status = if accepted {
            RemoteStartStopStatus::Accepted
        } else {
            RemoteStartStopStatus::Rejected
        };
        RemoteStartStopResponse { status }
    }

    pub(super) fn on_unlock(
        &mut self,
        now: Instant,
        req: UnlockConnectorRequest,
    ) -> UnlockConnectorResponse {
        let connector = u8::try_from(req.connector_id)
            .ok()
            .filter(|&c| c > 0 && c <= self.number_of_connectors());
        let Some(connector) = connector else {
            return UnlockConnectorResponse {
                status: UnlockStatus::NotSupported,
            };
        };
        if self.has_transaction(connector) {
            let meter = self.meter_register(connector);
            self.queue_stop(now, connector, meter, Reason::UnlockCommand, None, None);
        }
        UnlockConnectorResponse {
            status: self.station.unlock_connector(connector),
        }
    }

    /// Sends a vendor-specific DataTransfer; the answer comes as [`Event::DataTransferred`].
    pub fn data_transfer(
        &mut self,
        vendor_id: &str,
        message_id: Option<&str>,
        data: Option<&str>,
    ) -> Result<Ticket, CommandError> {
        if !self.is_online() {
            return Err(CommandError::NotReady);
        }
        if self.data_transfer_request.is_some() {
            return Err(CommandError::Busy);
        }
        let bad = |_| CommandError::InvalidArgument;
        let request = DataTransferRequest {
            vendor_id: CiString::try_from_str(vendor_id).map_err(bad)?,
            message_id: message_id
                .map(CiString::try_from_str)
                .transpose()
                .map_err(bad)?,
            data: data.map(CiString::try_from_str).transpose().map_err(bad)?,
        };
        self.reserve_answer()?;
        let ticket = self.new_ticket();
        self.push_outgoing(Outgoing::DataTransfer { ticket })?;
        self.data_transfer_request = Some(request);
        Ok(ticket)
    }

    /// The Central System's answer to a [`ChargePoint::data_transfer`], once.
    pub fn take_data_transfer_response(&mut self, ticket: Ticket) -> Option<DataTransferResponse> {
        match self.data_transfer_response.take() {
            Some((t, response)) if t == ticket => Some(response),
            other => {
                self.data_transfer_response = other;
                None
            }
        }
    }

    /// DataTransfer from the Central System, answered by the station.
    #[inline(never)]
    pub(super) fn handle_data_transfer(&mut self, mut call: Incoming) -> Answer {
        let mut request = <DataTransferRequest as crate::codec::Member>::EMPTY;
        crate::messages::parse_payload_into(call.io.payload(), call.scratch, &mut request)?;
        let response = self.station.data_transfer(&request);
        Ok(crate::codec::write_call_result(
            call.io.reply(),
            call.id,
            &response,
        ))
    }

    #[cfg(not(feature = "smart-charging"))]
    pub(super) fn handle_remote_start(&mut self, call: Incoming) -> Answer {
        let now = call.now;
        self.answer(call, |cp, req| cp.on_remote_start(now, req).0)
    }

    pub(super) fn handle_remote_stop(&mut self, call: Incoming) -> Answer {
        self.answer(call, Self::on_remote_stop)
    }

    pub(super) fn handle_unlock_connector(&mut self, call: Incoming) -> Answer {
        let now = call.now;
        self.answer(call, |cp, req| cp.on_unlock(now, req))
    }
}
