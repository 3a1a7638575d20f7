//! Start-up: the stored records given back, and the repairs a power cut may call for
//! (PowerLoss stops, StartTransactions confirmed or never stored).

use super::*;

impl<S: Station> ChargePoint<S> {
    /// Gives back one stored record at start-up, before [`ChargePoint::finish_restore`] (in any
    /// order). A refused record should be erased by the platform.
    pub fn restore_record(&mut self, key: &str, bytes: &[u8]) -> Result<(), RestoreError> {
        let record = Record::from_key(key).ok_or(RestoreError::UnknownKey)?;
        let payload = unframe(record, bytes)?;
        let mut r = Reader { bytes: payload };
        let restored = self.restore_payload(record, &mut r);
        // What the store holds per slot; finish_restore compares it with the table.
        #[cfg(feature = "smart-charging")]
        if let (Some(()), Record::ChargingProfile(slot)) = (restored, record) {
            if let Some(s) = self.store.profile_sums.get_mut(usize::from(slot)) {
                *s = record_sum(bytes);
            }
        }
        match restored {
            Some(()) if r.bytes.is_empty() => Ok(()),
            Some(()) => Err(RestoreError::Damaged),
            None => Err(RestoreError::Foreign),
        }
    }

    fn restore_payload(&mut self, record: Record, r: &mut Reader) -> Option<()> {
        match record {
            Record::Queued(seq) => {
                // The queue record is checked for its own seq too: a renamed file is foreign.
                let body = r.take(r.bytes.len())?;
                let own = body.get(2..6).and_then(|b| b.try_into().ok());
                (own.map(u32::from_le_bytes) == Some(seq)).then_some(())?;
                self.transactions.restore_record(body).ok()
            }
            Record::Transaction(connector) => {
                let slot = self
                    .connectors
                    .get_mut(usize::from(connector))
                    .filter(|c| connector > 0 && c.transaction.is_none())?;
                slot.transaction = Some(decode_transaction(r)?);
                self.store.restored |= 1 << u32::from(connector);
                Some(())
            }
            Record::TransactionIds => {
                let has_floor = r.u8()? != 0;
                let floor = r.u32()?;
                let count = r.u8()?;
                for _ in 0..count {
                    let (local_id, transaction_id) = (r.u32()?, r.i32()?);
                    self.transactions.restore_mapping(local_id, transaction_id);
                }
                if has_floor {
                    self.transactions.apply_floor(floor);
                }
                Some(())
            }
            Record::Configuration => self.config.restore_writable(r),
            Record::Availability => {
                let count = usize::from(r.u8()?);
                let flags = r.take(count)?;
                (count == self.connectors.len()).then_some(())?;
                for (c, flag) in self.connectors.iter_mut().zip(flags) {
                    c.operative = *flag != 0;
                    if !c.operative {
                        c.status = ChargePointStatus::Unavailable;
                    }
                }
                Some(())
            }
            Record::AuthorizationCache => {
                self.auth_cache.clear();
                for _ in 0..r.u8()? {
                    let (id_tag, info) = decode_tag_info(r)?;
                    self.auth_cache.push(CacheEntry { id_tag, info }).ok()?;
                }
                Some(())
            }
            #[cfg(feature = "local-auth-list")]
            Record::LocalList => {
                let version = r.i32()?;
                let mut entries = Vec::new();
                for _ in 0..r.u8()? {
                    let (id_tag, info) = decode_tag_info(r)?;
                    entries.push(local_list::LocalEntry { id_tag, info }).ok()?;
                }
                self.local_list = local_list::LocalAuthList::restored(version, entries);
                Some(())
            }
            #[cfg(feature = "smart-charging")]
            Record::ChargingProfile(slot) => {
                let entry = profile_record::decode(r)?;
                (usize::from(slot) < self.store.profile_sums.len()).then_some(())?;
                self.restore_charging_profile(Instant(0), entry).ok()
            }
            #[cfg(feature = "certificates")]
            Record::Certificate(slot) => {
                let usage = from_index(CertificateUse::ALL, r.u8()?)??;
                let der = r.take(r.bytes.len())?;
                self.certificates.restore(slot, usage, der)
            }
            #[cfg(feature = "certificate-signing")]
            Record::ClientCertificate => self.restore_client_certificate(r),
            #[cfg(feature = "firmware-management")]
            Record::Firmware => {
                self.firmware.update = Some(firmware::decode_update(r)?);
                Some(())
            }
            #[cfg(feature = "reservation")]
            Record::Reservations => {
                let mut list = reservation::Reservations::default();
                for _ in 0..r.u8()? {
                    let id = r.i32()?;
                    let connector = r.u8()?;
                    (usize::from(connector) < self.connectors.len()).then_some(())?;
                    let id_tag = r.str()?;
                    let parent_id_tag = decode_opt_tag(r)?;
                    let expiry = DateTime::from_unix_ms(r.u64()? as i64);
                    list.restore(reservation::Reservation {
                        id,
                        connector,
                        id_tag,
                        parent_id_tag,
                        expiry,
                    })?;
                }
                self.reservations = list;
                Some(())
            }
        }
    }

    /// Ends the restore: the transactions that were running are stopped with reason PowerLoss
    /// (meterStop and time of their last stored reading) unless [`Station::resume_transaction`]
    /// says they still run; stamps of the previous boot's monotonic clock become `now`.
    /// Enables the store.
    pub fn finish_restore(&mut self, now: Instant) -> RestoreReport {
        let mut report = RestoreReport::default();
        let restored = core::mem::take(&mut self.store.restored);
        let mut highest = self.transactions.highest_ids();
        for c in self.connectors.iter_mut() {
            if let Some(tx) = c.transaction.as_mut() {
                tx.rebase_monotonic(now);
                highest.1 = highest.1.max(tx.local_id);
                if let Some(id) = tx.transaction_id {
                    self.transactions.restore_mapping(tx.local_id, id);
                }
            }
        }
        self.next_seq = self.next_seq.max(highest.0.wrapping_add(1));
        self.next_local_tx = self.next_local_tx.max(highest.1.wrapping_add(1));
        self.transactions.rebase_monotonic(now);
        self.store.enabled = true;
        #[cfg(feature = "firmware-management")]
        self.firmware_restored(now);
        #[cfg(feature = "smart-charging")]
        {
            // Profiles come back in load order: slots that now differ are rewritten.
            self.store.profile_slots = u32::MAX;
        }
        // A StartTransaction whose transactionId is known was confirmed; only its erasure was
        // cut short. Sending it again would open a second transaction.
        loop {
            let confirmed = self.transactions.records_with_seq().find_map(|(seq, m)| {
                let known = self.transactions.transaction_id(m.local_id()).is_some();
                (m.is_start() && known).then_some(seq)
            });
            match confirmed {
                Some(seq) => self.transactions.remove(seq),
                None => break,
            }
        }
        for connector in 1..=self.number_of_connectors() {
            if restored & (1 << u32::from(connector)) == 0 {
                continue;
            }
            let tx = self
                .connectors
                .get_mut(usize::from(connector))
                .and_then(|c| c.transaction.take());
            if let Some(tx) = tx {
                self.end_or_resume(now, connector, tx, &mut report);
            }
        }
        // A StartTransaction stored without its transaction's record (cut in between): the
        // transaction ran, so it ends like the others. Each pass settles one.
        for _ in 0..self.transactions.len() {
            let orphan = self.transactions.messages().find_map(|m| match m {
                TxMessage::Start {
                    local_id,
                    connector,
                    id_tag,
                    meter_start,
                    reservation_id,
                    at,
                } if !self.queued_stop(local_id) && !self.running(local_id) => Some((
                    connector,
                    Transaction::new(local_id, id_tag, meter_start, reservation_id, at),
                )),
                _ => None,
            });
            let Some((connector, tx)) = orphan else { break };
            self.end_or_resume(now, connector, tx, &mut report);
        }
        let connectors = &self.connectors;
        self.transactions.forget_unused_mappings(|id| {
            connectors
                .iter()
                .any(|c| c.transaction.as_ref().is_some_and(|t| t.local_id == id))
        });
        report.queued = self.transactions.len();
        if report.queued > 0 || report.stopped > 0 {
            info!(
                "restored ",
                report.queued,
                " transaction messages; ",
                report.stopped,
                " transactions stopped (PowerLoss), ",
                report.resumed,
                " resumed"
            );
        }
        report
    }

    /// A transaction that was running at the cut: resumed when the station says it still runs
    /// (and the connector is free), else stopped with reason PowerLoss.
    fn end_or_resume(
        &mut self,
        now: Instant,
        connector: u8,
        mut tx: Transaction,
        report: &mut RestoreReport,
    ) {
        self.store_changed(Record::Transaction(connector));
        if self.queued_stop(tx.local_id) {
            return; // its StopTransaction was stored before the cut
        }
        if tx.transaction_id.is_none()
            && !self.queued_start(tx.local_id)
            && self.transactions.transaction_id(tx.local_id).is_none()
        {
            // Its StartTransaction never reached the store: queue it again.
            self.requeue_start(&tx, connector);
        }
        self.latest_queued_reading(&mut tx);
        let free = self
            .connectors
            .get(usize::from(connector))
            .is_some_and(|c| c.transaction.is_none());
        if free && self.station.resume_transaction(connector, &tx.id_tag) {
            info!(
                "transaction on connector ",
                connector, " resumed after the power cut"
            );
            let interval = self.config.MeterValueSampleInterval;
            tx.next_sample_at = (interval > 0).then(|| now.plus_secs(interval));
            if let Some(c) = self.connectors.get_mut(usize::from(connector)) {
                c.transaction = Some(tx);
            }
            self.set_status_inner(
                now,
                connector,
                ChargePointStatus::Charging,
                ChargePointErrorCode::NoError,
            );
            report.resumed += 1;
        } else {
            self.power_loss_stop(connector, tx);
            report.stopped += 1;
        }
    }

    fn running(&self, local_id: LocalTxId) -> bool {
        self.connectors.iter().any(|c| {
            c.transaction
                .as_ref()
                .is_some_and(|t| t.local_id == local_id)
        })
    }

    fn queued_stop(&self, local_id: LocalTxId) -> bool {
        self.transactions.messages().any(|m| {
            !m.is_start() && matches!(m, TxMessage::Stop { .. }) && m.local_id() == local_id
        })
    }

    fn queued_start(&self, local_id: LocalTxId) -> bool {
        self.transactions
            .messages()
            .any(|m| m.is_start() && m.local_id() == local_id)
    }

    /// A newer register reading than the transaction record's, from its queued MeterValues.
    fn latest_queued_reading(&self, tx: &mut Transaction) {
        for message in self.transactions.messages() {
            if let TxMessage::MeterValues {
                local_id,
                at,
                values,
                ..
            } = message
            {
                if local_id == tx.local_id {
                    if let Some(wh) = metering::register_wh(&values) {
                        tx.last_reading = Some((wh, at));
                    }
                }
            }
        }
    }

    fn requeue_start(&mut self, tx: &Transaction, connector: u8) {
        let message = TxMessage::Start {
            local_id: tx.local_id,
            connector,
            id_tag: tx.id_tag.clone(),
            meter_start: tx.meter_start,
            reservation_id: tx.reservation_id,
            at: tx.started,
        };
        let seq = self.next_seq();
        if self.transactions.push(seq, &message, None).is_err() {
            warn!(
                "store: no room to queue the StartTransaction of connector ",
                connector, " again"
            );
        }
    }

    fn power_loss_stop(&mut self, connector: u8, tx: Transaction) {
        let (meter_stop, at) = tx.last_reading.unwrap_or((tx.meter_start, tx.started));
        info!(
            "transaction on connector ",
            connector, " stopped: PowerLoss, meterStop ", meter_stop
        );
        let message = TxMessage::Stop {
            local_id: tx.local_id,
            connector,
            id_tag: None,
            meter_stop,
            reason: Reason::PowerLoss,
            at,
            end_values: Vec::new(),
            aligned: tx.last_aligned,
        };
        let seq = self.next_seq();
        if self.transactions.push(seq, &message, None).is_err() {
            warn!(
                "store: no room for the PowerLoss StopTransaction of connector ",
                connector
            );
        }
    }
}
