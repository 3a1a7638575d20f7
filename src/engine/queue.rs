//! The transaction message queue: StartTransaction, transaction MeterValues and StopTransaction
//! held in order until the Central System confirms them (OCPP 1.6 sections 3.16 and 4.8).
//!
//! Records are stored encoded, back to back, in one fixed byte buffer: RAM is spent on what is
//! queued, not on the largest possible record times the depth, and the buffer's bytes are what a
//! platform persists and puts back after a reboot ([`TransactionQueue::as_bytes`],
//! `restore_record`). Transactions are known by a local id; the Central System's
//! transactionId is filled in when their StartTransaction is confirmed, so messages of a
//! transaction started offline carry the right id when they are replayed.

use heapless::Vec;

use super::Ticket;
use crate::capacity::{MAX_CONNECTORS, MAX_SAMPLED_VALUES, TX_QUEUE_BYTES};
use crate::cistring::{CiString, CiString20};
use crate::datetime::{DateTime, Instant};
use crate::messages::{
    Location, Measurand, Phase, ReadingContext, Reason, SampleText, SampledValue, UnitOfMeasure,
    ValueFormat,
};
#[cfg(feature = "security")]
use crate::messages::{SecurityEventType, TechInfo, TECH_INFO_MAX};

/// When something happened: wall-clock time if it was known then, else the monotonic instant
/// (turned into wall-clock time once the clock is set, before the message is sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    Wall(DateTime),
    Monotonic(Instant),
}

/// Our own id of a transaction, valid before the Central System has assigned one.
pub type LocalTxId = u32;

pub type Samples = Vec<SampledValue, MAX_SAMPLED_VALUES>;

/// A transaction message, decoded. Only ever transient (the queue stores records encoded),
/// so the size difference between variants costs stack, not queue RAM.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxMessage {
    Start {
        local_id: LocalTxId,
        connector: u8,
        id_tag: CiString20,
        meter_start: i32,
        reservation_id: Option<i32>,
        at: Stamp,
    },
    MeterValues {
        local_id: LocalTxId,
        connector: u8,
        at: Stamp,
        values: Samples,
    },
    Stop {
        local_id: LocalTxId,
        connector: u8,
        id_tag: Option<CiString20>,
        meter_stop: i32,
        reason: Reason,
        at: Stamp,
        /// StopTxnSampledData readings at the end of the transaction.
        end_values: Samples,
        /// The latest StopTxnAlignedData readings taken during the transaction.
        aligned: Option<(Stamp, Samples)>,
    },
    /// A SecurityEventNotification: queued like transaction messages so it survives offline
    /// periods; it belongs to no transaction (local id 0, connector 0).
    #[cfg(feature = "security")]
    SecurityEvent {
        kind: SecurityEventType,
        tech_info: Option<TechInfo>,
        at: Stamp,
    },
}

impl TxMessage {
    pub fn local_id(&self) -> LocalTxId {
        match self {
            TxMessage::Start { local_id, .. }
            | TxMessage::MeterValues { local_id, .. }
            | TxMessage::Stop { local_id, .. } => *local_id,
            #[cfg(feature = "security")]
            TxMessage::SecurityEvent { .. } => 0,
        }
    }

    pub fn connector(&self) -> u8 {
        match self {
            TxMessage::Start { connector, .. }
            | TxMessage::MeterValues { connector, .. }
            | TxMessage::Stop { connector, .. } => *connector,
            #[cfg(feature = "security")]
            TxMessage::SecurityEvent { .. } => 0,
        }
    }

    /// Whether it belongs to a transaction (and so to a local id's mapping).
    pub fn is_transaction(&self) -> bool {
        match self {
            #[cfg(feature = "security")]
            TxMessage::SecurityEvent { .. } => false,
            _ => true,
        }
    }

    pub fn is_start(&self) -> bool {
        matches!(self, TxMessage::Start { .. })
    }

    /// Turns monotonic stamps into `now`; returns whether any changed.
    fn rebase_monotonic(&mut self, now: Instant) -> bool {
        let mut changed = false;
        let mut rebase = |stamp: &mut Stamp| {
            if let Stamp::Monotonic(_) = stamp {
                *stamp = Stamp::Monotonic(now);
                changed = true;
            }
        };
        match self {
            TxMessage::Start { at, .. } | TxMessage::MeterValues { at, .. } => rebase(at),
            #[cfg(feature = "security")]
            TxMessage::SecurityEvent { at, .. } => rebase(at),
            TxMessage::Stop { at, aligned, .. } => {
                rebase(at);
                if let Some((at, _)) = aligned {
                    rebase(at);
                }
            }
        }
        changed
    }
}

/// A decoded queue entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedTx {
    /// Position in the engine's send order (shared with other outgoing messages).
    pub seq: u32,
    /// The application call waiting for this message's outcome, if any.
    pub waiting: Option<Ticket>,
    pub message: TxMessage,
}

/// The queue cannot take the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull;

/// Transactions with messages in the queue or still running.
const TRACKED_TRANSACTIONS: usize = MAX_CONNECTORS * 4;
/// Application calls waiting on queued records at once.
const WAITING_CALLS: usize = MAX_CONNECTORS * 2;
/// Bytes before each record: its length.
const RECORD_HEADER: usize = 2;

/// The largest encoded record: a StopTransaction with full idTag and two full samples.
pub const MAX_RECORD: usize =
    RECORD_HEADER + 4 + 1 + 4 + 1 + 10 + (1 + 20) + 4 + 1 + 2 * SAMPLES_MAX + 1 + 10;
const SAMPLES_MAX: usize = 1 + MAX_SAMPLED_VALUES * (1 + 24 + 6);

// A start needs room for itself and a StopTransaction held in reserve: with less, every
// start_transaction would fail. The message names the Kconfig symbols to adjust.
const _: () = assert!(
    TX_QUEUE_BYTES >= 2 * MAX_RECORD,
    "OCPP_TX_QUEUE_SIZE is too small for two worst-case records: raise it or lower OCPP_MAX_SAMPLED_VALUES"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IdMapping {
    local_id: LocalTxId,
    transaction_id: Option<i32>,
}

#[derive(Debug)]
pub struct TransactionQueue {
    bytes: Vec<u8, TX_QUEUE_BYTES>,
    count: usize,
    /// Delivery state of the head record: failed attempts and the retry back-off.
    head_attempts: u8,
    head_not_before: Option<Instant>,
    waiting: Vec<(u32, Ticket), WAITING_CALLS>,
    ids: Vec<IdMapping, TRACKED_TRANSACTIONS>,
    /// Persistence: how many records at the head are in the store, and the stored records
    /// removed since the platform last erased (their seqs).
    stored: usize,
    erasures: Vec<u32, PENDING_ERASURES>,
    /// A removed record whose erasure could not be remembered: stored records older than this
    /// seq are stale (kept in the ids record, applied at restore).
    floor: Option<u32>,
    floor_changed: bool,
}

/// Erasures remembered between two drains of the store (the platforms drain after every step).
const PENDING_ERASURES: usize = 8;

impl Default for TransactionQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl TransactionQueue {
    pub const fn new() -> Self {
        Self {
            bytes: Vec::new(),
            count: 0,
            head_attempts: 0,
            head_not_before: None,
            waiting: Vec::new(),
            ids: Vec::new(),
            stored: 0,
            erasures: Vec::new(),
            floor: None,
            floor_changed: false,
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn free_bytes(&self) -> usize {
        TX_QUEUE_BYTES - self.bytes.len()
    }

    /// Whether a record of the worst-case size still fits (kept free for a StopTransaction).
    pub fn has_room_for_stop(&self) -> bool {
        self.free_bytes() >= MAX_RECORD
    }

    /// Appends a record; `waiting` is the application call to tell about its outcome. Returns
    /// whether that call is kept waiting: when too many are, the record is queued all the same
    /// and the caller must be told at once that it is queued.
    pub fn push(
        &mut self,
        seq: u32,
        message: &TxMessage,
        waiting: Option<Ticket>,
    ) -> Result<bool, QueueFull> {
        let mut buf = [0u8; MAX_RECORD];
        let mut record = Writer::new(&mut buf);
        record.u16(0); // length, patched below
        record.u32(seq);
        encode(&mut record, message);
        let len = record.finish().ok_or(QueueFull)?;
        let encoded = buf.get_mut(..len).ok_or(QueueFull)?;
        let len = u16::try_from(len).map_err(|_| QueueFull)?;
        encoded
            .get_mut(..2)
            .ok_or(QueueFull)?
            .copy_from_slice(&len.to_le_bytes());
        if encoded.len() > self.free_bytes() {
            return Err(QueueFull);
        }
        let local_id = message.local_id();
        if message.is_transaction() && !self.ids.iter().any(|m| m.local_id == local_id) {
            self.ids
                .push(IdMapping {
                    local_id,
                    transaction_id: None,
                })
                .map_err(|_| QueueFull)?;
        }
        self.bytes
            .extend_from_slice(encoded)
            .map_err(|()| QueueFull)?;
        self.count += 1;
        Ok(waiting.is_some_and(|ticket| self.waiting.push((seq, ticket)).is_ok()))
    }

    fn records(&self) -> impl Iterator<Item = &[u8]> {
        let mut rest = self.bytes.as_slice();
        core::iter::from_fn(move || {
            let len = usize::from(u16::from_le_bytes([*rest.first()?, *rest.get(1)?]));
            let (record, tail) = (rest.get(..len)?, rest.get(len..)?);
            rest = tail;
            Some(record)
        })
    }

    fn decode_record(&self, record: &[u8]) -> Option<QueuedTx> {
        // Layout: length (u16), seq (u32), then the message: kind (u8), local id (u32), ...
        let mut r = Reader {
            bytes: record.get(RECORD_HEADER..)?,
        };
        let seq = r.u32()?;
        let message = decode(&mut r)?;
        let waiting = self
            .waiting
            .iter()
            .find(|(s, _)| *s == seq)
            .map(|(_, t)| *t);
        Some(QueuedTx {
            seq,
            waiting,
            message,
        })
    }

    /// The oldest record, decoded.
    pub fn front(&self) -> Option<QueuedTx> {
        self.decode_record(self.records().next()?)
    }

    /// The send-order position of the oldest record, without decoding it.
    pub fn front_seq(&self) -> Option<u32> {
        let b = self.bytes.get(2..6)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// When the head may be sent again after a failure.
    pub fn head_not_before(&self) -> Option<Instant> {
        self.head_not_before.filter(|_| self.count > 0)
    }

    /// Records a failed delivery of the head: returns the attempts so far and sets the back-off.
    pub fn head_failed(&mut self, retry_at: impl FnOnce(u8) -> Instant) -> u8 {
        self.head_attempts = self.head_attempts.saturating_add(1);
        self.head_not_before = Some(retry_at(self.head_attempts));
        self.head_attempts
    }

    /// How many application calls wait on queued records.
    pub fn waiting_len(&self) -> usize {
        self.waiting.len()
    }

    /// Forgets the call waiting on record `seq` (its caller was already answered).
    pub fn release_waiting(&mut self, seq: u32) -> Option<Ticket> {
        let index = self.waiting.iter().position(|(s, _)| *s == seq)?;
        Some(self.waiting.swap_remove(index).1)
    }

    /// Every waiting call with the record it waits on (connector, is it a start).
    pub fn take_all_waiting(&mut self) -> Vec<(Ticket, u8, bool), WAITING_CALLS> {
        let mut out = Vec::new();
        for record in self.records() {
            if let Some(q) = self.decode_record(record) {
                if let Some(ticket) = q.waiting {
                    let _ = out.push((ticket, q.message.connector(), q.message.is_start()));
                }
            }
        }
        self.waiting.clear();
        out
    }

    /// Removes the head without decoding it (the confirmation path: the caller decoded it
    /// already); forgets the transaction's id once none of its messages is left and it has
    /// stopped. Returns the ticket that was waiting on it.
    pub fn drop_front(&mut self) -> Option<Ticket> {
        let head = self.records().next()?;
        let (record_len, (seq, kind, local_id)) = (head.len(), record_head(head)?);
        let rest = self.bytes.len() - record_len;
        self.bytes.copy_within(record_len.., 0);
        self.bytes.truncate(rest);
        self.count -= 1;
        if self.stored > 0 {
            self.stored -= 1;
            if self.erasures.push(seq).is_err() {
                // Not drained in time: records before the new head are stale at restore.
                self.floor = Some(self.front_seq().unwrap_or(seq.wrapping_add(1)));
                self.floor_changed = true;
            }
        }
        self.head_attempts = 0;
        self.head_not_before = None;
        let ticket = self.release_waiting(seq);
        let others = self
            .records()
            .any(|r| record_head(r).is_some_and(|(_, _, id)| id == local_id));
        if kind == STOP && !others {
            self.ids.retain(|m| m.local_id != local_id);
        }
        ticket
    }

    /// Records the Central System's transactionId for a local transaction.
    pub fn assign(&mut self, local_id: LocalTxId, transaction_id: i32) {
        if let Some(m) = self.ids.iter_mut().find(|m| m.local_id == local_id) {
            m.transaction_id = Some(transaction_id);
        }
    }

    pub fn transaction_id(&self, local_id: LocalTxId) -> Option<i32> {
        self.ids
            .iter()
            .find(|m| m.local_id == local_id)
            .and_then(|m| m.transaction_id)
    }

    /// The queued records in their encoded form.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The next stored record to erase (removed from the queue since the last drain).
    pub(super) fn take_erasure(&mut self) -> Option<u32> {
        self.erasures.pop()
    }

    /// The next record not yet in the store, as (seq, encoded record); counted as stored.
    pub(super) fn take_unstored(&mut self) -> Option<(u32, &[u8])> {
        let at: usize = self.records().take(self.stored).map(<[u8]>::len).sum();
        let len = usize::from(record_len(self.bytes.get(at..)?)?);
        self.stored += 1;
        let record = self.bytes.get(at..at + len)?;
        Some((record_head(record)?.0, record))
    }

    /// The encoded record `seq`, when still queued.
    pub(super) fn record(&self, seq: u32) -> Option<&[u8]> {
        self.records()
            .find(|r| record_head(r).is_some_and(|(s, _, _)| s == seq))
    }

    /// Whether the floor moved since the last call (the ids record holds it).
    pub(super) fn take_floor_change(&mut self) -> bool {
        core::mem::take(&mut self.floor_changed)
    }

    /// The stale-record floor, when one was set (see `floor`).
    pub(super) fn floor(&self) -> Option<u32> {
        self.floor
    }

    /// Every queued message, decoded (restore-time scans).
    pub(super) fn messages(&self) -> impl Iterator<Item = TxMessage> + '_ {
        self.records_with_seq().map(|(_, m)| m)
    }

    pub(super) fn records_with_seq(&self) -> impl Iterator<Item = (u32, TxMessage)> + '_ {
        self.records()
            .filter_map(|r| self.decode_record(r))
            .map(|q| (q.seq, q.message))
    }

    /// Highest seq and local transaction id queued, so new ones continue after them.
    pub(super) fn highest_ids(&self) -> (u32, LocalTxId) {
        self.records()
            .filter_map(record_head)
            .fold((0, 0), |(s, l), (seq, _, id)| (s.max(seq), l.max(id)))
    }

    /// Every (local id, transactionId) mapping known, for the store.
    pub(super) fn id_mappings(&self) -> impl Iterator<Item = (LocalTxId, i32)> + '_ {
        self.ids
            .iter()
            .filter_map(|m| Some((m.local_id, m.transaction_id?)))
    }
}

fn record_len(record: &[u8]) -> Option<u16> {
    Some(u16::from_le_bytes([*record.first()?, *record.get(1)?]))
}

// ---------------------------------------------------------------- record codec

/// Writes little-endian fields into a caller's buffer; an overflow is reported by `finish`.
pub(super) struct Writer<'a> {
    out: &'a mut [u8],
    len: usize,
    overflow: bool,
}

impl<'a> Writer<'a> {
    pub(super) fn new(out: &'a mut [u8]) -> Self {
        Self {
            out,
            len: 0,
            overflow: false,
        }
    }
    pub(super) fn bytes(&mut self, b: &[u8]) {
        match self.out.get_mut(self.len..self.len + b.len()) {
            Some(dst) => {
                dst.copy_from_slice(b);
                self.len += b.len();
            }
            None => self.overflow = true,
        }
    }
    pub(super) fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }
    pub(super) fn u16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }
    pub(super) fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }
    pub(super) fn i32(&mut self, v: i32) {
        self.bytes(&v.to_le_bytes());
    }
    pub(super) fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    pub(super) fn str(&mut self, s: &str) {
        // Every string stored here is a bounded CiString of at most 80 bytes (idTag, sample,
        // techInfo): its length fits the u8.
        self.u8(s.len() as u8);
        self.bytes(s.as_bytes());
    }
    /// The bytes written, unless they did not fit.
    pub(super) fn finish(self) -> Option<usize> {
        (!self.overflow).then_some(self.len)
    }
}

pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
}

impl Reader<'_> {
    pub(super) fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, tail) = (self.bytes.get(..n)?, self.bytes.get(n..)?);
        self.bytes = tail;
        Some(head)
    }
    pub(super) fn u8(&mut self) -> Option<u8> {
        self.take(1).and_then(|b| b.first().copied())
    }
    fn array<const K: usize>(&mut self) -> Option<[u8; K]> {
        self.take(K)?.try_into().ok()
    }
    pub(super) fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }
    pub(super) fn i32(&mut self) -> Option<i32> {
        self.array().map(i32::from_le_bytes)
    }
    pub(super) fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }
    pub(super) fn str<const N: usize>(&mut self) -> Option<CiString<N>> {
        let len = usize::from(self.u8()?);
        let text = core::str::from_utf8(self.take(len)?).ok()?;
        CiString::try_from_str(text).ok()
    }
}

const START: u8 = 1;
const METER_VALUES: u8 = 2;
const STOP: u8 = 3;
#[cfg(feature = "security")]
const SECURITY_EVENT: u8 = 4;

/// A security event's record: header, kind, local id, connector, stamp, type, techInfo.
#[cfg(feature = "security")]
const SECURITY_RECORD_MAX: usize = RECORD_HEADER + 4 + 1 + 4 + 1 + 9 + 1 + 1 + TECH_INFO_MAX;
#[cfg(feature = "security")]
const _: () = assert!(
    SECURITY_RECORD_MAX <= MAX_RECORD,
    "OCPP_SECURITY_TECH_INFO_MAX is too large for the transaction queue's records: lower it"
);

/// An enum value as its index in `ALL` plus one; 0 is None.
pub(super) fn index_of<T: PartialEq>(all: &[T], value: Option<T>) -> u8 {
    value
        .and_then(|v| all.iter().position(|a| *a == v))
        .map_or(0, |i| i as u8 + 1)
}

pub(super) fn from_index<T: Copy>(all: &[T], index: u8) -> Option<Option<T>> {
    match index {
        0 => Some(None),
        i => all.get(usize::from(i) - 1).copied().map(Some),
    }
}

pub(super) fn encode_stamp(w: &mut Writer, stamp: Stamp) {
    match stamp {
        Stamp::Wall(t) => {
            w.u8(0);
            w.u64(t.unix_ms as u64);
        }
        Stamp::Monotonic(at) => {
            w.u8(1);
            w.u64(at.as_millis());
        }
    }
}

pub(super) fn decode_stamp(r: &mut Reader) -> Option<Stamp> {
    match r.u8()? {
        0 => Some(Stamp::Wall(DateTime::from_unix_ms(r.u64()? as i64))),
        1 => Some(Stamp::Monotonic(Instant(r.u64()?))),
        _ => None,
    }
}

fn encode_samples(w: &mut Writer, samples: &Samples) {
    w.u8(samples.len() as u8);
    for s in samples {
        w.str(&s.value);
        w.u8(index_of(ReadingContext::ALL, s.context));
        w.u8(index_of(ValueFormat::ALL, s.format));
        w.u8(index_of(Measurand::ALL, s.measurand));
        w.u8(index_of(Phase::ALL, s.phase));
        w.u8(index_of(Location::ALL, s.location));
        w.u8(index_of(UnitOfMeasure::ALL, s.unit));
    }
}

fn decode_samples(r: &mut Reader) -> Option<Samples> {
    let mut samples = Samples::new();
    for _ in 0..r.u8()? {
        let value: SampleText = r.str()?;
        let sample = SampledValue {
            value,
            context: from_index(ReadingContext::ALL, r.u8()?)?,
            format: from_index(ValueFormat::ALL, r.u8()?)?,
            measurand: from_index(Measurand::ALL, r.u8()?)?,
            phase: from_index(Phase::ALL, r.u8()?)?,
            location: from_index(Location::ALL, r.u8()?)?,
            unit: from_index(UnitOfMeasure::ALL, r.u8()?)?,
        };
        samples.push(sample).ok()?;
    }
    Some(samples)
}

fn encode(w: &mut Writer, message: &TxMessage) {
    match message {
        TxMessage::Start {
            local_id,
            connector,
            id_tag,
            meter_start,
            reservation_id,
            at,
        } => {
            w.u8(START);
            w.u32(*local_id);
            w.u8(*connector);
            encode_stamp(w, *at);
            w.str(id_tag);
            w.i32(*meter_start);
            w.u8(u8::from(reservation_id.is_some()));
            w.i32(reservation_id.unwrap_or(0));
        }
        TxMessage::MeterValues {
            local_id,
            connector,
            at,
            values,
        } => {
            w.u8(METER_VALUES);
            w.u32(*local_id);
            w.u8(*connector);
            encode_stamp(w, *at);
            encode_samples(w, values);
        }
        TxMessage::Stop {
            local_id,
            connector,
            id_tag,
            meter_stop,
            reason,
            at,
            end_values,
            aligned,
        } => {
            w.u8(STOP);
            w.u32(*local_id);
            w.u8(*connector);
            encode_stamp(w, *at);
            w.u8(u8::from(id_tag.is_some()));
            w.str(id_tag.as_deref().unwrap_or_default());
            w.i32(*meter_stop);
            w.u8(index_of(Reason::ALL, Some(*reason)));
            encode_samples(w, end_values);
            match aligned {
                Some((at, values)) => {
                    w.u8(1);
                    encode_stamp(w, *at);
                    encode_samples(w, values);
                }
                None => w.u8(0),
            }
        }
        #[cfg(feature = "security")]
        TxMessage::SecurityEvent {
            kind,
            tech_info,
            at,
        } => {
            w.u8(SECURITY_EVENT);
            w.u32(0);
            w.u8(0);
            encode_stamp(w, *at);
            w.u8(index_of(SecurityEventType::ALL, Some(*kind)));
            w.u8(u8::from(tech_info.is_some()));
            w.str(tech_info.as_deref().unwrap_or_default());
        }
    }
}

/// A record's seq, message kind and local transaction id: fixed offsets, nothing decoded.
fn record_head(record: &[u8]) -> Option<(u32, u8, LocalTxId)> {
    let field = |at: usize| -> Option<[u8; 4]> { record.get(at..at + 4)?.try_into().ok() };
    let seq = u32::from_le_bytes(field(RECORD_HEADER)?);
    let kind = *record.get(RECORD_HEADER + 4)?;
    let local_id = u32::from_le_bytes(field(RECORD_HEADER + 5)?);
    Some((seq, kind, local_id))
}

fn decode(r: &mut Reader) -> Option<TxMessage> {
    let kind = r.u8()?;
    let local_id = r.u32()?;
    let connector = r.u8()?;
    let at = decode_stamp(r)?;
    Some(match kind {
        START => {
            let id_tag = r.str()?;
            let meter_start = r.i32()?;
            let has_reservation = r.u8()? != 0;
            let reservation = r.i32()?;
            TxMessage::Start {
                local_id,
                connector,
                id_tag,
                meter_start,
                reservation_id: has_reservation.then_some(reservation),
                at,
            }
        }
        METER_VALUES => TxMessage::MeterValues {
            local_id,
            connector,
            at,
            values: decode_samples(r)?,
        },
        STOP => {
            let has_tag = r.u8()? != 0;
            let tag: CiString20 = r.str()?;
            let meter_stop = r.i32()?;
            let reason = from_index(Reason::ALL, r.u8()?)??;
            let end_values = decode_samples(r)?;
            let aligned = match r.u8()? {
                0 => None,
                _ => Some((decode_stamp(r)?, decode_samples(r)?)),
            };
            TxMessage::Stop {
                local_id,
                connector,
                id_tag: has_tag.then_some(tag),
                meter_stop,
                reason,
                at,
                end_values,
                aligned,
            }
        }
        #[cfg(feature = "security")]
        SECURITY_EVENT => {
            let kind = from_index(SecurityEventType::ALL, r.u8()?)??;
            let has_info = r.u8()? != 0;
            let info: TechInfo = r.str()?;
            TxMessage::SecurityEvent {
                kind,
                tech_info: has_info.then_some(info),
                at,
            }
        }
        _ => return None,
    })
}

mod restore;
#[cfg(test)]
mod tests;
