//! Transactions and their queue: StartTransaction/StopTransaction, the offline transaction queue,
//! confirmation, retries (TransactionMessageAttempts) and StopTransactionOnInvalidId.

use super::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Transaction {
    pub(super) local_id: LocalTxId,
    pub(super) id_tag: CiString20,
    pub(super) meter_start: i32,
    pub(super) transaction_id: Option<i32>,
    pub(super) remote_stop_requested: bool,
    pub(super) next_sample_at: Option<Instant>,
    /// The latest StopTxnAlignedData readings, for the StopTransaction (bounded: one sample).
    pub(super) last_aligned: Option<(Stamp, Vec<SampledValue, MAX_SAMPLED_VALUES>)>,
    pub(super) reservation_id: Option<i32>,
    pub(super) started: Stamp,
    /// The latest energy register reading (Wh): a PowerLoss stop's meterStop.
    pub(super) last_reading: Option<(i32, Stamp)>,
    /// When `last_reading` was last written to the store (wear bound).
    pub(super) reading_stored_at: Option<Instant>,
}

impl Transaction {
    pub(super) fn new(
        local_id: LocalTxId,
        id_tag: CiString20,
        meter_start: i32,
        reservation_id: Option<i32>,
        started: Stamp,
    ) -> Self {
        Self {
            local_id,
            id_tag,
            meter_start,
            transaction_id: None,
            remote_stop_requested: false,
            next_sample_at: None,
            last_aligned: None,
            reservation_id,
            started,
            last_reading: None,
            reading_stored_at: None,
        }
    }

    /// Stamps of a previous boot's monotonic clock become `now`.
    pub(super) fn rebase_monotonic(&mut self, now: Instant) {
        let rebase = |s: &mut Stamp| {
            if let Stamp::Monotonic(_) = s {
                *s = Stamp::Monotonic(now);
            }
        };
        rebase(&mut self.started);
        if let Some((_, at)) = self.last_reading.as_mut() {
            rebase(at);
        }
        if let Some((at, _)) = self.last_aligned.as_mut() {
            rebase(at);
        }
    }
}

#[cfg(not(feature = "firmware-management"))]
impl<S: Station> ChargePoint<S> {
    fn firmware_busy(&self) -> bool {
        false
    }
}

impl<S: Station> ChargePoint<S> {
    /// The Central System's transactionId of the transaction on `connector`, once known.
    pub fn transaction_id(&self, connector: u8) -> Option<i32> {
        self.connectors
            .get(usize::from(connector))?
            .transaction
            .as_ref()?
            .transaction_id
    }

    /// The idTag of the transaction on `connector`.
    pub fn transaction_id_tag(&self, connector: u8) -> Option<&str> {
        self.connectors
            .get(usize::from(connector))?
            .transaction
            .as_ref()
            .map(|t| t.id_tag.as_str())
    }

    pub fn has_transaction(&self, connector: u8) -> bool {
        self.connectors
            .get(usize::from(connector))
            .is_some_and(|c| c.transaction.is_some())
    }

    pub(super) fn running_transactions(&self) -> usize {
        self.connectors
            .iter()
            .filter(|c| c.transaction.is_some())
            .count()
    }

    /// The transaction queue's records as bytes, for a platform to persist.
    pub fn transaction_queue_bytes(&self) -> &[u8] {
        self.transactions.as_bytes()
    }

    /// Transaction messages not yet confirmed by the Central System.
    pub fn queued_transaction_messages(&self) -> usize {
        self.transactions.len()
    }

    /// Starts a transaction on `connector` with the meter at `meter_start` Wh. The outcome comes
    /// as [`Event::TransactionStarted`] (Queued at once when offline).
    ///
    /// ```
    /// # use ocpp::doc_support::*;
    /// use ocpp::engine::{Event, StartOutcome};
    /// # let (mut cp, now) = online();
    /// let ticket = cp.start_transaction(now, 1, "TAG-1", 1_000, None).unwrap();
    /// answer(&mut cp, now, r#"{"transactionId":7,"idTagInfo":{"status":"Accepted"}}"#);
    /// let started = std::iter::from_fn(|| cp.poll_event())
    ///     .find(|e| matches!(e, Event::TransactionStarted { .. }));
    /// assert_eq!(started, Some(Event::TransactionStarted {
    ///     ticket, connector: 1, result: Ok(StartOutcome::Accepted { transaction_id: 7 }) }));
    /// ```
    pub fn start_transaction(
        &mut self,
        now: Instant,
        connector: u8,
        id_tag: &str,
        meter_start: i32,
        reservation_id: Option<i32>,
    ) -> Result<Ticket, CommandError> {
        let tag = tag(id_tag)?;
        if connector == 0 {
            return Err(CommandError::InvalidConnector);
        }
        let operative = self.connectors.first().is_some_and(|c| c.operative);
        let c = self
            .connectors
            .get(usize::from(connector))
            .ok_or(CommandError::InvalidConnector)?;
        if c.transaction.is_some() {
            return Err(CommandError::Busy);
        }
        // An accepted Reset is about to take effect: no new transaction to cut short.
        if !c.operative
            || !operative
            || c.status == ChargePointStatus::Faulted
            || self.reset_pending()
            || self.firmware_busy()
        {
            return Err(CommandError::Unavailable);
        }
        #[cfg(feature = "reservation")]
        let reservation_id = match self.reservation_check(now, connector, &tag) {
            reservation::ReservationCheck::Free => reservation_id,
            reservation::ReservationCheck::Holder(id) => Some(id),
            reservation::ReservationCheck::HeldForOther => return Err(CommandError::Reserved),
        };
        // Room for this StartTransaction and, later, a StopTransaction of every transaction.
        if self.transactions.free_bytes() < MAX_RECORD * (self.running_transactions() + 2) {
            return Err(CommandError::QueueFull);
        }
        self.reserve_answer()?;
        let local_id = self.next_local_tx;
        self.next_local_tx = self.next_local_tx.wrapping_add(1);
        let ticket = self.new_ticket();
        let online = self.is_online();
        let at = self.stamp(now);
        let message = TxMessage::Start {
            local_id,
            connector,
            id_tag: tag.clone(),
            meter_start,
            reservation_id,
            at,
        };
        let seq = self.next_seq();
        let waits = self
            .transactions
            .push(seq, &message, online.then_some(ticket))
            .map_err(|_| CommandError::QueueFull)?;
        #[cfg(feature = "reservation")]
        if let Some(id) = reservation_id {
            self.use_reservation(id);
        }
        let interval = self.config.MeterValueSampleInterval;
        if let Some(c) = self.connectors.get_mut(usize::from(connector)) {
            let mut tx = Transaction::new(local_id, tag, meter_start, reservation_id, at);
            tx.next_sample_at = (interval > 0).then(|| now.plus_secs(interval));
            c.transaction = Some(tx);
        }
        #[cfg(feature = "smart-charging")]
        self.charging_transaction_started(now, connector);
        self.store_changed(Record::Transaction(connector));
        self.set_status_inner(
            now,
            connector,
            ChargePointStatus::Charging,
            ChargePointErrorCode::NoError,
        );
        if !waits {
            // Offline, or too many calls wait already: the caller learns now that it is queued.
            self.emit(Event::TransactionStarted {
                ticket,
                connector,
                result: Ok(StartOutcome::Queued),
            });
        }
        Ok(ticket)
    }

    /// Stops the transaction on `connector` with the meter at `meter_stop` Wh. `reason` defaults
    /// to Remote after a RemoteStopTransaction, else Local. The outcome comes as
    /// [`Event::TransactionStopped`] (Queued at once when offline).
    ///
    /// ```
    /// # use ocpp::doc_support::*;
    /// use ocpp::messages::Reason;
    /// # let (mut cp, now) = online();
    /// cp.start_transaction(now, 1, "TAG-1", 1_000, None).unwrap();
    /// answer(&mut cp, now, r#"{"transactionId":7,"idTagInfo":{"status":"Accepted"}}"#);
    /// # while answer(&mut cp, now, "{}") == "StatusNotification" {}
    /// cp.stop_transaction(now, 1, 1_250, Some(Reason::Local), None).unwrap();
    /// assert_eq!(cp.transaction_id(1), None);
    /// # while !answer(&mut cp, now, "{}").starts_with("Stop") {}
    /// ```
    pub fn stop_transaction(
        &mut self,
        now: Instant,
        connector: u8,
        meter_stop: i32,
        reason: Option<Reason>,
        id_tag: Option<&str>,
    ) -> Result<Ticket, CommandError> {
        let id_tag = id_tag.map(tag).transpose()?;
        let c = self
            .connectors
            .get(usize::from(connector))
            .filter(|_| connector > 0)
            .ok_or(CommandError::InvalidConnector)?;
        let tx = c.transaction.as_ref().ok_or(CommandError::Busy)?;
        let reason = reason.unwrap_or(if tx.remote_stop_requested {
            Reason::Remote
        } else {
            Reason::Local
        });
        if !self.transactions.has_room_for_stop() {
            return Err(CommandError::QueueFull);
        }
        let ticket = self.new_ticket();
        self.queue_stop(now, connector, meter_stop, reason, id_tag, Some(ticket));
        Ok(ticket)
    }

    pub(super) fn queue_stop(
        &mut self,
        now: Instant,
        connector: u8,
        meter_stop: i32,
        reason: Reason,
        id_tag: Option<CiString20>,
        ticket: Option<Ticket>,
    ) {
        let Some(tx) = self
            .connectors
            .get_mut(usize::from(connector))
            .and_then(|c| c.transaction.take())
        else {
            return;
        };
        #[cfg(feature = "smart-charging")]
        self.charging_transaction_ended(now, connector);
        self.store_changed(Record::Transaction(connector));
        let measurands = self.config.StopTxnSampledData.clone();
        let mut end_values = self.sample(connector, &measurands, ReadingContext::TransactionEnd);
        // One end reading: the register in the Transaction.End sample is meterStop itself, not
        // a second reading taken a moment later.
        for value in end_values
            .iter_mut()
            .filter(|v| v.measurand == Some(Measurand::EnergyActiveImportRegister))
        {
            value.value = sample_text(i64::from(meter_stop));
        }
        let online = self.is_online();
        let message = TxMessage::Stop {
            local_id: tx.local_id,
            connector,
            id_tag,
            meter_stop,
            reason,
            at: self.stamp(now),
            end_values,
            aligned: tx.last_aligned,
        };
        let seq = self.next_seq();
        // Room for the stop of every running transaction is kept free (start_transaction and
        // the meter samples reserve it), so this cannot fail for want of bytes.
        let result = match self
            .transactions
            .push(seq, &message, ticket.filter(|_| online))
        {
            Ok(true) => None,
            Ok(false) => Some(Ok(StopOutcome::Queued)),
            Err(_) => {
                warn!(
                    "transaction queue full: StopTransaction of connector ",
                    connector, " lost"
                );
                Some(Err(RequestError::TooLarge))
            }
        };
        if let (Some(ticket), Some(result)) = (ticket, result) {
            self.emit(Event::TransactionStopped {
                ticket,
                connector,
                result,
            });
        }
        self.set_status_inner(
            now,
            connector,
            ChargePointStatus::Finishing,
            ChargePointErrorCode::NoError,
        );
        if let Some(operative) = self
            .connectors
            .get_mut(usize::from(connector))
            .and_then(|c| c.scheduled_operative.take())
        {
            self.set_operative(now, connector, operative);
        }
    }

    #[inline(never)]
    pub(super) fn on_transaction_confirmed(
        &mut self,
        now: Instant,
        payload: &[u8],
        scratch: &mut [u8],
    ) {
        let Some(head) = self.transactions.front() else {
            return;
        };
        let (message, waiting) = (head.message, head.waiting);
        match message {
            TxMessage::Start {
                local_id,
                connector,
                id_tag,
                ..
            } => {
                let Ok(conf) = parse_payload::<StartTransactionResponse>(payload, scratch) else {
                    return self.request_failed(
                        now,
                        Origin::Transaction,
                        RequestError::BadResponse,
                    );
                };
                let _ = self.transactions.drop_front();
                self.transactions.assign(local_id, conf.transaction_id);
                self.remember_tag(&id_tag, &conf.id_tag_info);
                let running = self
                    .connectors
                    .get_mut(usize::from(connector))
                    .and_then(|c| c.transaction.as_mut())
                    .filter(|t| t.local_id == local_id);
                let still_running = running.is_some();
                if let Some(tx) = running {
                    tx.transaction_id = Some(conf.transaction_id);
                    self.store_changed(Record::Transaction(connector));
                }
                self.store_changed(Record::TransactionIds);
                let status = conf.id_tag_info.status;
                let outcome = if status == AuthorizationStatus::Accepted {
                    StartOutcome::Accepted {
                        transaction_id: conf.transaction_id,
                    }
                } else {
                    StartOutcome::Rejected {
                        transaction_id: conf.transaction_id,
                        status,
                    }
                };
                if let Some(ticket) = waiting {
                    self.emit(Event::TransactionStarted {
                        ticket,
                        connector,
                        result: Ok(outcome),
                    });
                }
                if status != AuthorizationStatus::Accepted
                    && still_running
                    && self.config.StopTransactionOnInvalidId
                {
                    info!(
                        "idTag ",
                        id_tag, " not accepted (", status, "): stopping the transaction"
                    );
                    let meter = self.meter_register(connector);
                    self.queue_stop(now, connector, meter, Reason::DeAuthorized, None, None);
                }
            }
            TxMessage::MeterValues { .. } => {
                let _ = self.transactions.drop_front();
            }
            #[cfg(feature = "security")]
            TxMessage::SecurityEvent { .. } => {
                let _ = self.transactions.drop_front();
            }
            TxMessage::Stop {
                connector, id_tag, ..
            } => {
                let _ = self.transactions.drop_front();
                if let (Some(tag), Ok(conf)) = (
                    id_tag,
                    parse_payload::<StopTransactionResponse>(payload, scratch),
                ) {
                    if let Some(info) = conf.id_tag_info {
                        self.remember_tag(&tag, &info);
                    }
                }
                if let Some(ticket) = waiting {
                    self.emit(Event::TransactionStopped {
                        ticket,
                        connector,
                        result: Ok(StopOutcome::Delivered),
                    });
                }
            }
        }
    }

    /// The energy register of `connector` in Wh, for stops the engine initiates; the start value
    /// when the station cannot tell.
    pub(super) fn meter_register(&mut self, connector: u8) -> i32 {
        let start = self
            .connectors
            .get(usize::from(connector))
            .and_then(|c| c.transaction.as_ref())
            .map_or(0, |t| t.meter_start);
        self.station
            .read_meter(connector, Measurand::EnergyActiveImportRegister)
            .and_then(|text| metering::whole_number(&text))
            .unwrap_or(start)
    }

    pub(super) fn discard_transaction_head(&mut self, connector: u8, action: Action) {
        // `action` is the head's, so it is not decoded again (this runs under send's frame,
        // the deepest on the OCPP thread).
        if let Some(ticket) = self.transactions.drop_front() {
            match action {
                Action::StartTransaction => self.emit(Event::TransactionStarted {
                    ticket,
                    connector,
                    result: Err(RequestError::TooLarge),
                }),
                Action::StopTransaction => self.emit(Event::TransactionStopped {
                    ticket,
                    connector,
                    result: Err(RequestError::TooLarge),
                }),
                _ => {}
            }
        }
        self.emit(Event::TransactionMessageDiscarded { connector, action });
    }

    /// When the head of the transaction queue may be (re)sent.
    pub(super) fn transaction_deadline(&self) -> Option<Instant> {
        if !self.is_online() || self.in_flight.is_some() {
            return None;
        }
        self.transactions.head_not_before()
    }

    /// Serializes the head of the transaction queue with the transactionId known by now.
    // Its own frame: what it decodes is not on the stack while the outbox is written.
    #[inline(never)]
    pub(super) fn transmit_transaction(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        let message = self.transactions.front()?.message;
        let transaction_id = self.transactions.transaction_id(message.local_id());
        match message {
            TxMessage::Start {
                connector,
                id_tag,
                meter_start,
                reservation_id,
                at,
                ..
            } => {
                let request = StartTransactionRequest {
                    connector_id: u32::from(connector),
                    id_tag,
                    meter_start,
                    reservation_id,
                    timestamp: self.resolve(at),
                };
                self.send(now, buf, Origin::Transaction, &request)
            }
            TxMessage::MeterValues {
                connector,
                at,
                values,
                ..
            } => {
                let request =
                    meter_values_request(connector, transaction_id, self.resolve(at), values);
                self.send(now, buf, Origin::Transaction, &request)
            }
            TxMessage::Stop { connector, .. } => {
                let Some(transaction_id) = transaction_id else {
                    // Its StartTransaction was never confirmed: there is no id to stop.
                    warn!(
                        "StopTransaction of connector ",
                        connector, " has no transactionId; dropped"
                    );
                    self.discard_transaction_head(connector, Action::StopTransaction);
                    return None;
                };
                self.transmit_stop(now, buf, &message, transaction_id)
            }
            #[cfg(feature = "security")]
            TxMessage::SecurityEvent {
                kind,
                tech_info,
                at,
            } => {
                let request = SecurityEventNotificationRequest {
                    kind,
                    timestamp: self.resolve(at),
                    tech_info,
                };
                self.send(now, buf, Origin::Transaction, &request)
            }
        }
    }

    /// A queued StopTransaction, built in this frame only: its transactionData (two sets of
    /// samples) is not on the stack while the queue's record is decoded.
    #[inline(never)]
    fn transmit_stop(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        message: &TxMessage,
        transaction_id: i32,
    ) -> Option<usize> {
        let TxMessage::Stop {
            id_tag,
            meter_stop,
            reason,
            at,
            end_values,
            aligned,
            ..
        } = message
        else {
            return None;
        };
        let timestamp = self.resolve(*at);
        let mut request = StopTransactionRequest {
            id_tag: id_tag.clone(),
            meter_stop: *meter_stop,
            timestamp,
            transaction_id,
            reason: Some(*reason),
            transaction_data: None,
        };
        let aligned = aligned
            .as_ref()
            .map(|(at, values)| (self.resolve(*at), values));
        let end = (!end_values.is_empty()).then_some((timestamp, end_values));
        for (timestamp, values) in [aligned, end].into_iter().flatten() {
            let data = request.transaction_data.get_or_insert_with(Vec::new);
            let _ = data.push(MeterValue {
                timestamp,
                sampled_value: values.clone(),
            });
        }
        self.send(now, buf, Origin::Transaction, &request)
    }

    /// The head of the queue got no (valid) answer: retried after the spec's back-off, or
    /// discarded after TransactionMessageAttempts.
    pub(super) fn transaction_failed(&mut self, now: Instant, error: RequestError) {
        let max_attempts = self.config.TransactionMessageAttempts.max(1);
        let retry = self.config.TransactionMessageRetryInterval;
        let Some(head) = self.transactions.front() else {
            return;
        };
        let (connector, action) = (head.message.connector(), tx_action(&head.message));
        // The spec's back-off: RetryInterval times the number of attempts so far.
        let attempts = self
            .transactions
            .head_failed(|n| now.plus_secs(retry.saturating_mul(u32::from(n))));
        let result = if u32::from(attempts) >= max_attempts {
            warn!(action, " failed ", attempts, " times; discarded");
            let _ = self.transactions.drop_front();
            self.emit(Event::TransactionMessageDiscarded { connector, action });
            Err(error)
        } else {
            // The caller learns at once that the message is held for retry.
            let _ = self.transactions.release_waiting(head.seq);
            Ok(())
        };
        if let Some(ticket) = head.waiting {
            self.emit(match (head.message.is_start(), result) {
                (true, Ok(())) => Event::TransactionStarted {
                    ticket,
                    connector,
                    result: Ok(StartOutcome::Queued),
                },
                (true, Err(e)) => Event::TransactionStarted {
                    ticket,
                    connector,
                    result: Err(e),
                },
                (false, Ok(())) => Event::TransactionStopped {
                    ticket,
                    connector,
                    result: Ok(StopOutcome::Queued),
                },
                (false, Err(e)) => Event::TransactionStopped {
                    ticket,
                    connector,
                    result: Err(e),
                },
            });
        }
    }
}

pub(super) fn tx_action(message: &TxMessage) -> Action {
    match message {
        TxMessage::Start { .. } => Action::StartTransaction,
        TxMessage::MeterValues { .. } => Action::MeterValues,
        TxMessage::Stop { .. } => Action::StopTransaction,
        #[cfg(feature = "security")]
        TxMessage::SecurityEvent { .. } => Action::SecurityEventNotification,
    }
}
