//! Putting stored records back after a power cut, and the repairs of a cut's remains.

use super::*;

impl TransactionQueue {
    /// Stamps of a previous boot's monotonic clock mean nothing now: they become `now`.
    pub(in crate::engine) fn rebase_monotonic(&mut self, now: Instant) {
        let mut at = 0;
        while let Some(record) = self.bytes.get(at..).and_then(|rest| {
            let len = usize::from(record_len(rest)?);
            rest.get(..len)
        }) {
            let len = record.len();
            if let Some(mut q) = self.decode_record(record) {
                if q.message.rebase_monotonic(now) {
                    let mut buf = [0u8; MAX_RECORD];
                    let mut w = Writer::new(&mut buf);
                    w.u16(len as u16);
                    w.u32(q.seq);
                    encode(&mut w, &q.message);
                    // Stamps have one size whatever their kind: the record keeps its length.
                    if let (Some(n), Some(dst)) = (w.finish(), self.bytes.get_mut(at..at + len)) {
                        if let Some(src) = buf.get(..n).filter(|_| n == len) {
                            dst.copy_from_slice(src);
                        }
                    }
                }
            }
            at += len;
        }
    }

    /// Puts back one stored record (any order: it is placed by its seq). Err when it does not
    /// decode, is already queued, or does not fit.
    pub(in crate::engine) fn restore_record(&mut self, record: &[u8]) -> Result<(), ()> {
        let q = self.decode_record(record).ok_or(())?;
        if q.seq == 0 || record.len() != usize::from(record_len(record).ok_or(())?) {
            return Err(());
        }
        if self.record(q.seq).is_some() || record.len() > self.free_bytes() {
            return Err(());
        }
        let local_id = q.message.local_id();
        if q.message.is_transaction() && !self.ids.iter().any(|m| m.local_id == local_id) {
            self.ids
                .push(IdMapping {
                    local_id,
                    transaction_id: None,
                })
                .map_err(|_| ())?;
        }
        // Insert before the first record with a higher seq.
        let at = self
            .records()
            .take_while(|r| record_head(r).is_some_and(|(s, _, _)| s < q.seq))
            .map(<[u8]>::len)
            .sum::<usize>();
        let old_len = self.bytes.len();
        self.bytes.resize(old_len + record.len(), 0)?;
        self.bytes.copy_within(at..old_len, at + record.len());
        self.bytes
            .get_mut(at..at + record.len())
            .ok_or(())?
            .copy_from_slice(record);
        self.count += 1;
        self.stored += 1;
        Ok(())
    }

    /// Removes record `seq` wherever it is (restore-time repairs), asking for its erasure.
    pub(in crate::engine) fn remove(&mut self, seq: u32) {
        let mut at = 0;
        let mut index = 0;
        for record in self.records() {
            if record_head(record).is_some_and(|(s, _, _)| s == seq) {
                break;
            }
            at += record.len();
            index += 1;
        }
        let Some(len) = self.bytes.get(at..).and_then(record_len).map(usize::from) else {
            return;
        };
        let end = self.bytes.len();
        self.bytes.copy_within(at + len..end, at);
        self.bytes.truncate(end - len);
        self.count -= 1;
        let _ = self.release_waiting(seq);
        if index < self.stored {
            self.stored -= 1;
            if self.erasures.push(seq).is_err() {
                self.floor_changed = true;
            }
        }
        if index == 0 {
            self.head_attempts = 0;
            self.head_not_before = None;
        }
    }

    /// Drops the stored records older than `floor` (stale: removed before a power cut whose
    /// erasure was lost). Returns how many.
    pub(in crate::engine) fn apply_floor(&mut self, floor: u32) -> usize {
        let mut dropped = 0;
        while self.front_seq().is_some_and(|s| s < floor) {
            self.drop_front();
            dropped += 1;
        }
        self.floor = Some(floor);
        dropped
    }

    /// Restores a stored mapping (before or after the records that use it).
    pub(in crate::engine) fn restore_mapping(&mut self, local_id: LocalTxId, transaction_id: i32) {
        match self.ids.iter_mut().find(|m| m.local_id == local_id) {
            Some(m) => m.transaction_id = Some(transaction_id),
            None => {
                let _ = self.ids.push(IdMapping {
                    local_id,
                    transaction_id: Some(transaction_id),
                });
            }
        }
    }

    /// Forgets restored mappings of transactions with nothing left queued.
    pub(in crate::engine) fn forget_unused_mappings(&mut self, keep: impl Fn(LocalTxId) -> bool) {
        let mut ids = core::mem::take(&mut self.ids);
        ids.retain(|m| {
            keep(m.local_id)
                || self
                    .records()
                    .any(|r| record_head(r).is_some_and(|(_, _, id)| id == m.local_id))
        });
        self.ids = ids;
    }
}
