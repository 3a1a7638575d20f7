//! Metering: periodic (MeterValueSampleInterval) and clock-aligned (ClockAlignedDataInterval)
//! samples, the readings that go into StopTransaction.

use super::*;

impl<S: Station> ChargePoint<S> {
    /// Samples `measurands` on `connector` and queues a MeterValues: with the transaction queue
    /// when a transaction runs, else only while online.
    pub(super) fn queue_meter_values(
        &mut self,
        now: Instant,
        connector: u8,
        measurands: &[Measurand],
        context: ReadingContext,
    ) {
        let values = self.sample(connector, measurands, context);
        if values.is_empty() {
            return;
        }
        let at = self.stamp(now);
        let local_id = self
            .connectors
            .get(usize::from(connector))
            .and_then(|c| c.transaction.as_ref())
            .map(|t| t.local_id);
        match local_id {
            Some(local_id) => {
                self.note_reading(now, connector, register_wh(&values), at);
                let message = TxMessage::MeterValues {
                    local_id,
                    connector,
                    at,
                    values,
                };
                // Room stays reserved for the StopTransaction of every running transaction.
                let reserve = MAX_RECORD * (self.running_transactions() + 1);
                let seq = self.next_seq();
                if self.transactions.free_bytes() < reserve
                    || self.transactions.push(seq, &message, None).is_err()
                {
                    warn!(
                        "transaction queue full: meter values of connector ",
                        connector, " dropped"
                    );
                }
            }
            None if self.is_online()
                && self
                    .push_meter_values(
                        Outgoing::MeterValues {
                            connector,
                            #[cfg(feature = "remote-trigger")]
                            transaction_id: None,
                            at,
                        },
                        values,
                    )
                    .is_err() =>
            {
                warn!(
                    "outbox full: meter values of connector ",
                    connector, " dropped"
                );
            }
            None => {}
        }
    }

    /// Keeps a running transaction's latest register reading (a PowerLoss stop's meterStop),
    /// writing it to the store at most every PERSIST_METER_INTERVAL.
    fn note_reading(&mut self, now: Instant, connector: u8, wh: Option<i32>, at: Stamp) {
        let Some(wh) = wh else { return };
        let Some(tx) = self
            .connectors
            .get_mut(usize::from(connector))
            .and_then(|c| c.transaction.as_mut())
        else {
            return;
        };
        tx.last_reading = Some((wh, at));
        if store::reading_due(tx.reading_stored_at, now) {
            tx.reading_stored_at = Some(now);
            self.store_changed(Record::Transaction(connector));
        }
    }

    pub(super) fn sample(
        &mut self,
        connector: u8,
        measurands: &[Measurand],
        context: ReadingContext,
    ) -> Vec<SampledValue, MAX_SAMPLED_VALUES> {
        let mut values = Vec::new();
        for &measurand in measurands {
            if let Some(value) = self.station.read_meter(connector, measurand) {
                let _ = values.push(SampledValue {
                    value,
                    context: Some(context),
                    format: None,
                    measurand: Some(measurand),
                    phase: None,
                    location: None,
                    unit: measurand.default_unit(),
                });
            }
        }
        values
    }

    /// The next ClockAlignedDataInterval boundary after `now` (aligned to UTC midnight).
    pub(super) fn schedule_aligned(&mut self, now: Instant) {
        let interval_ms = i64::from(self.config.ClockAlignedDataInterval) * 1000;
        self.next_aligned_at = match self.wall_time(now) {
            Some(wall) if interval_ms > 0 => {
                let since_midnight = wall.unix_ms - wall.midnight().unix_ms;
                let wait = interval_ms - since_midnight.rem_euclid(interval_ms);
                Some(now.plus_millis(wait as u64))
            }
            _ => None,
        };
    }

    /// The next periodic or clock-aligned sample.
    pub(super) fn metering_deadline(&self) -> Option<Instant> {
        let periodic = self
            .connectors
            .iter()
            .filter_map(|c| c.transaction.as_ref().and_then(|t| t.next_sample_at));
        periodic.chain(self.next_aligned_at).min()
    }

    pub(super) fn metering_timeout(&mut self, now: Instant) {
        for index in 1..self.connectors.len() {
            let due = self
                .connectors
                .get(index)
                .and_then(|c| c.transaction.as_ref())
                .and_then(|t| t.next_sample_at)
                .is_some_and(|t| t <= now);
            if due {
                let interval = self.config.MeterValueSampleInterval;
                if let Some(tx) = self
                    .connectors
                    .get_mut(index)
                    .and_then(|c| c.transaction.as_mut())
                {
                    tx.next_sample_at = (interval > 0).then(|| now.plus_secs(interval));
                }
                let measurands = self.config.MeterValuesSampledData.clone();
                self.queue_meter_values(
                    now,
                    index as u8,
                    &measurands,
                    ReadingContext::SamplePeriodic,
                );
            }
        }
        if self.next_aligned_at.is_some_and(|t| t <= now) {
            let measurands = self.config.MeterValuesAlignedData.clone();
            let stop_measurands = self.config.StopTxnAlignedData.clone();
            for index in 1..self.connectors.len() {
                let connector = index as u8;
                self.queue_meter_values(now, connector, &measurands, ReadingContext::SampleClock);
                if self.has_transaction(connector) && !stop_measurands.is_empty() {
                    let values =
                        self.sample(connector, &stop_measurands, ReadingContext::SampleClock);
                    let at = self.stamp(now);
                    if let Some(tx) = self
                        .connectors
                        .get_mut(index)
                        .and_then(|c| c.transaction.as_mut())
                    {
                        tx.last_aligned = (!values.is_empty()).then_some((at, values));
                    }
                }
            }
            self.schedule_aligned(now.plus_millis(1));
        }
    }
}

pub(super) fn meter_values_request(
    connector: u8,
    transaction_id: Option<i32>,
    timestamp: DateTime,
    sampled_value: Vec<SampledValue, MAX_SAMPLED_VALUES>,
) -> MeterValuesRequest {
    let mut meter_value = Vec::new();
    let _ = meter_value.push(MeterValue {
        timestamp,
        sampled_value,
    });
    MeterValuesRequest {
        connector_id: u32::from(connector),
        transaction_id,
        meter_value,
    }
}

/// Renders an integer reading for [`Station::read_meter`] implementations.
pub fn sample_text(value: i64) -> SampleText {
    let mut text = SampleText::new();
    if value < 0 {
        let _ = text.push_str("-");
    }
    // Nine digits at a time through the u32 writer: no core::fmt, no 64-bit division per digit.
    let magnitude = value.unsigned_abs();
    let (high, low) = (
        magnitude / 1_000_000_000,
        (magnitude % 1_000_000_000) as u32,
    );
    let mut digits = [0u8; 10];
    if high > 0 {
        let _ = text.push_str(&sample_text(high as i64));
        let low_text = crate::json::decimal(low, &mut digits);
        for _ in low_text.len()..9 {
            let _ = text.push_str("0");
        }
        let _ = text.push_str(low_text);
    } else {
        let _ = text.push_str(crate::json::decimal(low, &mut digits));
    }
    text
}

/// The energy register (Wh) among sampled values, when present.
pub(super) fn register_wh(values: &[SampledValue]) -> Option<i32> {
    values
        .iter()
        .find(|v| v.measurand == Some(Measurand::EnergyActiveImportRegister))
        .and_then(|v| whole_number(&v.value))
}

/// The whole part of a decimal reading ("1234.5" -> 1234).
pub(super) fn whole_number(text: &str) -> Option<i32> {
    text.split('.')
        .next()
        .and_then(|whole| whole.trim_ascii().parse().ok())
}
