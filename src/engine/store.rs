//! Persistence: what must survive a power cut, through one seam.
//!
//! The engine says what changed; the platform writes it. [`ChargePoint::poll_store`] hands out
//! one write or erase at a time (a key and the record's bytes), which the platform performs at
//! once (Zephyr settings, host files). At start-up the platform gives every stored record back to
//! [`ChargePoint::restore_record`], then calls [`ChargePoint::finish_restore`]: transactions that
//! were running are stopped with reason PowerLoss (or resumed, when the station says so) and the
//! queued transaction messages are sent again in their order.
//!
//! Wear: each transaction message is one small record, written once and erased once when the
//! Central System confirms it; nothing rewrites the whole queue. A running transaction's record
//! is written at start, when its transactionId arrives and with its meter reading at most every
//! `PERSIST_METER_INTERVAL` seconds. The other records change only when the Central System
//! changes them (configuration, cache, local list, reservations, availability).
//!
//! Records are self-checking (format, kind, CRC-32) and decoded with the current capacities, so
//! a torn, damaged or foreign record is refused alone, with a log line.
//!
//! Write order keeps every cut recoverable: new queue records first (a StopTransaction is stored
//! before its transaction's record is erased), then transaction records and transactionIds (an
//! id is stored before its StartTransaction's record is erased), then erasures.

use super::queue::{decode_stamp, encode_stamp, from_index, index_of, Reader, Writer};
use super::*;
use crate::capacity::PERSIST_METER_INTERVAL;

/// A record's key: `q/<seq>`, `tx/<connector>`, `ids`, `cfg`, ... (a settings name below the
/// platform's own prefix, or a file name).
pub type StoreKey = heapless::String<16>;

/// A piece of state the platform keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// One transaction message, by its send-order seq.
    Queued(u32),
    /// The transaction running on a connector.
    Transaction(u8),
    /// The Central System's transactionIds of queued transactions.
    TransactionIds,
    /// The configuration keys the Central System can change.
    Configuration,
    /// Which connectors are operative (ChangeAvailability persists across reboots).
    Availability,
    AuthorizationCache,
    #[cfg(feature = "local-auth-list")]
    LocalList,
    #[cfg(feature = "reservation")]
    Reservations,
    /// One slot of the charging-profile table (Smart Charging).
    #[cfg(feature = "smart-charging")]
    ChargingProfile(u8),
    /// The firmware update in progress (Firmware Management).
    #[cfg(feature = "firmware-management")]
    Firmware,
    /// One slot of the certificate store (InstallCertificate).
    #[cfg(feature = "certificates")]
    Certificate(u8),
    /// The client certificate chain accepted by CertificateSigned and the key of the CSR
    /// awaiting one (certificate signing).
    #[cfg(feature = "certificate-signing")]
    ClientCertificate,
}

/// Fixed-name records: (record, key, kind byte).
const FIXED: &[(Record, &str, u8)] = &[
    (Record::TransactionIds, "ids", 3),
    (Record::Configuration, "cfg", 4),
    (Record::Availability, "avail", 5),
    (Record::AuthorizationCache, "cache", 6),
    #[cfg(feature = "local-auth-list")]
    (Record::LocalList, "list", 7),
    #[cfg(feature = "reservation")]
    (Record::Reservations, "resv", 8),
    #[cfg(feature = "firmware-management")]
    (Record::Firmware, "fw", 10),
    #[cfg(feature = "certificate-signing")]
    (Record::ClientCertificate, "ccert", 13),
];
const KIND_QUEUED: u8 = 1;
const KIND_TRANSACTION: u8 = 2;
#[cfg(feature = "smart-charging")]
const KIND_CHARGING_PROFILE: u8 = 9;
#[cfg(feature = "certificates")]
const KIND_CERTIFICATE: u8 = 11;

impl Record {
    pub fn key(self) -> StoreKey {
        let mut key = StoreKey::new();
        let _ = match self {
            Record::Queued(seq) => write!(key, "q/{seq:08x}"),
            Record::Transaction(connector) => write!(key, "tx/{connector}"),
            #[cfg(feature = "smart-charging")]
            Record::ChargingProfile(slot) => write!(key, "cp/{slot}"),
            #[cfg(feature = "certificates")]
            Record::Certificate(slot) => write!(key, "cert/{slot}"),
            fixed => key
                .push_str(fixed.fixed().map_or("", |f| f.1))
                .map_err(|_| core::fmt::Error),
        };
        key
    }

    pub fn from_key(key: &str) -> Option<Self> {
        if let Some(seq) = key.strip_prefix("q/") {
            return (seq.len() == 8)
                .then(|| u32::from_str_radix(seq, 16).ok())
                .flatten()
                .map(Record::Queued);
        }
        if let Some(connector) = key.strip_prefix("tx/") {
            return connector.parse().ok().map(Record::Transaction);
        }
        #[cfg(feature = "smart-charging")]
        if let Some(slot) = key.strip_prefix("cp/") {
            return slot.parse().ok().map(Record::ChargingProfile);
        }
        #[cfg(feature = "certificates")]
        if let Some(slot) = key.strip_prefix("cert/") {
            return slot.parse().ok().map(Record::Certificate);
        }
        FIXED.iter().find(|f| f.1 == key).map(|f| f.0)
    }

    fn fixed(self) -> Option<&'static (Record, &'static str, u8)> {
        FIXED.iter().find(|f| f.0 == self)
    }

    fn kind(self) -> u8 {
        match self {
            Record::Queued(_) => KIND_QUEUED,
            Record::Transaction(_) => KIND_TRANSACTION,
            #[cfg(feature = "smart-charging")]
            Record::ChargingProfile(_) => KIND_CHARGING_PROFILE,
            #[cfg(feature = "certificates")]
            Record::Certificate(_) => KIND_CERTIFICATE,
            fixed => fixed.fixed().map_or(0, |f| f.2),
        }
    }

    /// Its bit in `Persistence::dirty` (fixed records only).
    fn bit(self) -> u16 {
        FIXED.iter().position(|f| f.0 == self).map_or(0, |i| 1 << i)
    }
}

/// One thing for the platform to do to its store.
#[derive(Debug, PartialEq, Eq)]
pub enum StoreOp<'a> {
    Write { key: StoreKey, data: &'a [u8] },
    Erase { key: StoreKey },
}

/// Why a stored record was refused; the platform erases it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreError {
    /// Not one of our keys.
    UnknownKey,
    /// Too short, bad checksum, or another format.
    Damaged,
    /// Well formed, but not for this build (capacities, connectors) or already restored.
    Foreign,
}

crate::logging::piece_by_name!(RestoreError {
    UnknownKey,
    Damaged,
    Foreign,
});

/// What [`ChargePoint::finish_restore`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RestoreReport {
    /// Transaction messages queued again (including the PowerLoss stops).
    pub queued: usize,
    /// Transactions stopped with reason PowerLoss.
    pub stopped: u8,
    /// Transactions the station said are still running.
    pub resumed: u8,
}

impl crate::logging::Piece for RestoreReport {
    fn put(&self, line: &mut crate::logging::Line) {
        line.push_str("queued ");
        self.queued.put(line);
        line.push_str(", stopped ");
        self.stopped.put(line);
        line.push_str(", resumed ");
        self.resumed.put(line);
    }
}

const MAGIC: u8 = b'O';
const FORMAT: u8 = 1;
const HEADER: usize = 3;
const CHECKSUM: usize = 4;
const TAG: usize = 1 + 20;
const INFO: usize = 1 + 1 + 8 + TAG;
const STAMP: usize = 1 + 8;
const TRANSACTION_RECORD: usize = 4 + TAG + 4 + 5 + 5 + STAMP + 1 + 4 + STAMP;
const IDS_RECORD: usize = 1 + 4 + 1 + MAX_CONNECTORS * 4 * 8;
const CONFIG_RECORD: usize = 1 + 2 + config::WRITABLE_TEXT_MAX;
const CACHE_RECORD: usize = 1 + AUTH_CACHE_SIZE * (TAG + INFO);
#[cfg(feature = "local-auth-list")]
const LIST_RECORD: usize = 4 + 1 + crate::capacity::LOCAL_AUTH_LIST_SIZE * (TAG + INFO);
#[cfg(not(feature = "local-auth-list"))]
const LIST_RECORD: usize = 0;
#[cfg(feature = "reservation")]
const RESERVATIONS_RECORD: usize = 1 + (MAX_CONNECTORS + 1) * (4 + 1 + TAG + TAG + 8);
#[cfg(not(feature = "reservation"))]
const RESERVATIONS_RECORD: usize = 0;
#[cfg(feature = "smart-charging")]
const PROFILE_RECORD: usize =
    1 + 4 + 5 + 4 + 3 + 3 * 9 + 5 + 1 + 5 + 1 + crate::capacity::MAX_SCHEDULE_PERIODS * 9;
#[cfg(not(feature = "smart-charging"))]
const PROFILE_RECORD: usize = 0;
#[cfg(feature = "firmware-management")]
const FIRMWARE_RECORD: usize =
    1 + 2 + crate::capacity::FIRMWARE_LOCATION_MAX + 8 + 4 + 4 + SIGNED_PART;
/// A SignedUpdateFirmware's part of the `fw` record (`security::encode_signed`).
#[cfg(feature = "signed-firmware")]
const SIGNED_PART: usize = super::security::SIGNED_RECORD;
#[cfg(all(feature = "firmware-management", not(feature = "signed-firmware")))]
const SIGNED_PART: usize = 0;
#[cfg(not(feature = "firmware-management"))]
const FIRMWARE_RECORD: usize = 0;
#[cfg(feature = "certificates")]
const CERTIFICATE_RECORD: usize = 1 + crate::capacity::CERTIFICATE_STORE_BYTES;
#[cfg(not(feature = "certificates"))]
const CERTIFICATE_RECORD: usize = 0;
#[cfg(feature = "certificate-signing")]
const CLIENT_CERTIFICATE_RECORD: usize = 2
    + super::security::certificate_signing::CHAIN_DER_MAX
    + 2
    + super::security::certificate_signing::SPKI_MAX;
#[cfg(not(feature = "certificate-signing"))]
const CLIENT_CERTIFICATE_RECORD: usize = 0;

pub(super) const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// The largest record [`ChargePoint::poll_store`] writes: the buffer a platform provides.
pub const MAX_STORED_RECORD: usize = HEADER
    + CHECKSUM
    + max(
        max(
            max(MAX_RECORD, TRANSACTION_RECORD),
            max(IDS_RECORD, CONFIG_RECORD),
        ),
        max(
            max(CACHE_RECORD, LIST_RECORD),
            max(
                max(RESERVATIONS_RECORD, PROFILE_RECORD),
                max(
                    max(FIRMWARE_RECORD, CERTIFICATE_RECORD),
                    max(CLIENT_CERTIFICATE_RECORD, MAX_CONNECTORS + 2),
                ),
            ),
        ),
    );

/// CRC-32 (IEEE), bitwise: records are small and written rarely, so no table.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// A framed record's own CRC-32 (its last four bytes): what identifies its content. (The CRC
/// over a record with its CRC appended is the same constant for every record.)
#[cfg(feature = "smart-charging")]
fn record_sum(record: &[u8]) -> u32 {
    record
        .len()
        .checked_sub(CHECKSUM)
        .and_then(|at| record.get(at..))
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

/// Checks a stored record's frame and returns its payload.
fn unframe(record: Record, bytes: &[u8]) -> Result<&[u8], RestoreError> {
    let body_len = bytes
        .len()
        .checked_sub(CHECKSUM)
        .filter(|n| *n >= HEADER)
        .ok_or(RestoreError::Damaged)?;
    let (body, sum) = bytes.split_at(body_len);
    let sum = u32::from_le_bytes(sum.try_into().map_err(|_| RestoreError::Damaged)?);
    if crc32(body) != sum || body.first() != Some(&MAGIC) || body.get(1) != Some(&FORMAT) {
        return Err(RestoreError::Damaged);
    }
    if body.get(2) != Some(&record.kind()) {
        return Err(RestoreError::Foreign);
    }
    body.get(HEADER..).ok_or(RestoreError::Damaged)
}

/// A record's bytes as framed into the caller's buffer.
enum Encoded {
    Bytes(usize),
    /// The record holds nothing: erase it.
    Empty,
    TooLarge,
}

impl From<Option<usize>> for Encoded {
    fn from(n: Option<usize>) -> Self {
        n.map_or(Encoded::TooLarge, Encoded::Bytes)
    }
}

/// What the store needs to know between two drains.
#[derive(Debug, Default)]
pub(super) struct Persistence {
    enabled: bool,
    /// Fixed records to write (bits by `Record::bit`).
    dirty: u16,
    /// Connectors whose transaction record to write or erase (bit = connector).
    transactions: u32,
    /// Connectors whose transaction was read back, until `finish_restore` (bit = connector).
    restored: u32,
    /// Charging-profile slots to compare with the store (bit = slot), and the CRC of what each
    /// slot's record holds (0: none): a change rewrites only the slots that differ.
    #[cfg(feature = "smart-charging")]
    profile_slots: u32,
    #[cfg(feature = "smart-charging")]
    profile_sums: [u32; crate::capacity::MAX_CHARGING_PROFILES],
}

#[cfg(feature = "smart-charging")]
const _: () = assert!(
    crate::capacity::MAX_CHARGING_PROFILES <= 32,
    "one bit per charging-profile slot"
);

const _: () = assert!(MAX_CONNECTORS < 32, "one dirty bit per connector");

impl<S: Station> ChargePoint<S> {
    /// Starts telling the platform about changes through [`ChargePoint::poll_store`]. Call it
    /// once the stored records are restored (or at start when there are none); until then the
    /// engine keeps nothing for the store.
    pub fn enable_store(&mut self) {
        self.store.enabled = true;
    }

    pub(super) fn store_changed(&mut self, record: Record) {
        if self.store.enabled {
            match record {
                Record::Transaction(c) => self.store.transactions |= 1 << u32::from(c),
                Record::Queued(_) => {}
                #[cfg(feature = "smart-charging")]
                Record::ChargingProfile(_) => self.store.profile_slots = u32::MAX,
                fixed => self.store.dirty |= fixed.bit(),
            }
        }
    }

    /// The next write or erase for the platform's store, its bytes in `buf` (at least
    /// [`MAX_STORED_RECORD`] bytes). The platform performs it before calling again; None when
    /// the store is up to date.
    #[must_use]
    pub fn poll_store<'b>(&mut self, buf: &'b mut [u8]) -> Option<StoreOp<'b>> {
        if !self.store.enabled {
            return None;
        }
        if self.transactions.take_floor_change() {
            self.store.dirty |= Record::TransactionIds.bit();
        }
        let (record, encoded) = self.next_change(buf)?;
        let key = record.key();
        match encoded {
            Some(n) => buf.get(..n).map(|data| StoreOp::Write { key, data }),
            None => Some(StoreOp::Erase { key }),
        }
    }

    /// The next record to write (Some: its length in `buf`) or erase (None), in the order
    /// that keeps every cut recoverable (module documentation).
    fn next_change(&mut self, buf: &mut [u8]) -> Option<(Record, Option<usize>)> {
        loop {
            let (record, encoded) = if let Some((seq, body)) = self.transactions.take_unstored() {
                let record = Record::Queued(seq);
                (record, Encoded::from(frame(buf, record, |w| w.bytes(body))))
            } else if self.store.transactions != 0 {
                let connector = self.store.transactions.trailing_zeros() as u8;
                self.store.transactions &= !(1 << u32::from(connector));
                let record = Record::Transaction(connector);
                let tx = self
                    .connectors
                    .get(usize::from(connector))
                    .and_then(|c| c.transaction.as_ref());
                let encoded = match tx {
                    Some(tx) => Encoded::from(frame(buf, record, |w| encode_transaction(w, tx))),
                    None => Encoded::Empty,
                };
                (record, encoded)
            } else if let Some(record) = self.take_dirty(|r| r == Record::TransactionIds) {
                (record, self.encode_fixed(record, buf))
            } else if let Some(change) = self.next_profile_change(buf) {
                return change;
            } else if let Some(change) = self.next_certificate_change(buf) {
                change
            } else if let Some(seq) = self.transactions.take_erasure() {
                // Right after the confirmation that caused it: the window in which a cut makes
                // the Central System see a message twice is one operation wide.
                (Record::Queued(seq), Encoded::Empty)
            } else {
                let record = self.take_dirty(|_| true)?;
                (record, self.encode_fixed(record, buf))
            };
            match encoded {
                Encoded::Bytes(n) => return Some((record, Some(n))),
                Encoded::Empty => return Some((record, None)),
                // Never reached with a MAX_STORED_RECORD buffer; the stored copy stays.
                Encoded::TooLarge => warn!("store: ", record.key(), " does not fit the buffer"),
            }
        }
    }

    /// The first dirty fixed record matching `which`, now clean.
    fn take_dirty(&mut self, which: impl Fn(Record) -> bool) -> Option<Record> {
        let dirty = self.store.dirty;
        let record = FIXED
            .iter()
            .map(|f| f.0)
            .find(|r| dirty & r.bit() != 0 && which(*r))?;
        self.store.dirty &= !record.bit();
        Some(record)
    }

    /// The next charging-profile slot whose record differs from the table, written (or erased).
    #[cfg(feature = "smart-charging")]
    fn next_profile_change(&mut self, buf: &mut [u8]) -> Option<Option<(Record, Option<usize>)>> {
        while self.store.profile_slots != 0 {
            let slot = self.store.profile_slots.trailing_zeros();
            self.store.profile_slots &= !(1 << slot);
            let Some(stored) = self.store.profile_sums.get(slot as usize).copied() else {
                self.store.profile_slots = 0;
                break;
            };
            let record = Record::ChargingProfile(slot as u8);
            let (n, sum) = match self.charging_profiles().slot(slot as usize) {
                Some(entry) => {
                    let Some(n) = frame(buf, record, |w| profile_record::encode(w, entry)) else {
                        warn!(
                            "store: charging profile slot ",
                            slot, " does not fit the buffer"
                        );
                        continue;
                    };
                    (Some(n), record_sum(buf.get(..n).unwrap_or_default()))
                }
                None => (None, 0),
            };
            if sum == stored {
                continue; // the store holds exactly this already
            }
            if let Some(s) = self.store.profile_sums.get_mut(slot as usize) {
                *s = sum;
            }
            return Some(Some((record, n)));
        }
        None
    }

    /// The next certificate slot to write (or erase).
    #[cfg(feature = "certificates")]
    fn next_certificate_change(&mut self, buf: &mut [u8]) -> Option<(Record, Encoded)> {
        let (slot, content) = self.certificates.take_dirty()?;
        let record = Record::Certificate(slot);
        let encoded = match content {
            Some((usage, der)) => Encoded::from(frame(buf, record, |w| {
                w.u8(index_of(CertificateUse::ALL, Some(usage)));
                w.bytes(der);
            })),
            None => Encoded::Empty,
        };
        Some((record, encoded))
    }

    #[cfg(not(feature = "certificates"))]
    fn next_certificate_change(&mut self, _: &mut [u8]) -> Option<(Record, Encoded)> {
        None
    }

    #[cfg(not(feature = "smart-charging"))]
    fn next_profile_change(&mut self, _: &mut [u8]) -> Option<Option<(Record, Option<usize>)>> {
        None
    }

    /// A fixed record's bytes, or Empty when it holds nothing (the platform erases it).
    fn encode_fixed(&self, record: Record, buf: &mut [u8]) -> Encoded {
        let written = match record {
            Record::TransactionIds => {
                let floor = self.transactions.floor();
                let count = self.transactions.id_mappings().count();
                frame(buf, record, |w| {
                    w.u8(u8::from(floor.is_some()));
                    w.u32(floor.unwrap_or(0));
                    w.u8(count as u8);
                    for (local_id, transaction_id) in self.transactions.id_mappings() {
                        w.u32(local_id);
                        w.i32(transaction_id);
                    }
                })
            }
            Record::Configuration => frame(buf, record, |w| self.config.encode_writable(w)),
            Record::Availability => frame(buf, record, |w| {
                w.u8(self.connectors.len() as u8);
                for c in &self.connectors {
                    w.u8(u8::from(c.operative));
                }
            }),
            Record::AuthorizationCache if self.auth_cache.is_empty() => return Encoded::Empty,
            Record::AuthorizationCache => frame(buf, record, |w| {
                w.u8(self.auth_cache.len() as u8);
                for e in &self.auth_cache {
                    encode_tag_info(w, &e.id_tag, &e.info);
                }
            }),
            #[cfg(feature = "local-auth-list")]
            Record::LocalList if self.local_list.version() == 0 => return Encoded::Empty,
            #[cfg(feature = "local-auth-list")]
            Record::LocalList => frame(buf, record, |w| {
                w.i32(self.local_list.version());
                w.u8(self.local_list.entries().len() as u8);
                for e in self.local_list.entries() {
                    encode_tag_info(w, &e.id_tag, &e.info);
                }
            }),
            #[cfg(feature = "reservation")]
            Record::Reservations if self.reservations.iter().next().is_none() => {
                return Encoded::Empty
            }
            #[cfg(feature = "reservation")]
            Record::Reservations => frame(buf, record, |w| {
                w.u8(self.reservations.iter().count() as u8);
                for r in self.reservations.iter() {
                    w.i32(r.id);
                    w.u8(r.connector);
                    w.str(&r.id_tag);
                    encode_opt_tag(w, r.parent_id_tag.as_ref());
                    w.u64(r.expiry.unix_ms as u64);
                }
            }),
            #[cfg(feature = "firmware-management")]
            Record::Firmware => match self.firmware.update.as_ref() {
                Some(u) => frame(buf, record, |w| firmware::encode_update(w, u)),
                None => return Encoded::Empty,
            },
            #[cfg(feature = "certificate-signing")]
            Record::ClientCertificate if self.client_certificate_is_empty() => {
                return Encoded::Empty
            }
            #[cfg(feature = "certificate-signing")]
            Record::ClientCertificate => frame(buf, record, |w| self.encode_client_certificate(w)),
            Record::Queued(_) | Record::Transaction(_) => return Encoded::Empty,
            #[cfg(feature = "smart-charging")]
            Record::ChargingProfile(_) => return Encoded::Empty,
            #[cfg(feature = "certificates")]
            Record::Certificate(_) => return Encoded::Empty,
        };
        Encoded::from(written)
    }
}

/// Writes a record's frame into `buf`: header, `payload`, CRC-32. None when it does not fit.
fn frame(buf: &mut [u8], record: Record, payload: impl FnOnce(&mut Writer)) -> Option<usize> {
    let mut w = Writer::new(buf);
    w.u8(MAGIC);
    w.u8(FORMAT);
    w.u8(record.kind());
    payload(&mut w);
    let n = w.finish()?;
    let sum = crc32(buf.get(..n)?);
    buf.get_mut(n..n + CHECKSUM)?
        .copy_from_slice(&sum.to_le_bytes());
    Some(n + CHECKSUM)
}

fn encode_opt_tag(w: &mut Writer, tag: Option<&CiString20>) {
    w.u8(u8::from(tag.is_some()));
    if let Some(tag) = tag {
        w.str(tag);
    }
}

fn decode_opt_tag(r: &mut Reader) -> Option<Option<CiString20>> {
    match r.u8()? {
        0 => Some(None),
        _ => r.str().map(Some),
    }
}

fn encode_tag_info(w: &mut Writer, id_tag: &CiString20, info: &IdTagInfo) {
    w.str(id_tag);
    w.u8(index_of(AuthorizationStatus::ALL, Some(info.status)));
    w.u8(u8::from(info.expiry_date.is_some()));
    w.u64(info.expiry_date.map_or(0, |t| t.unix_ms as u64));
    encode_opt_tag(w, info.parent_id_tag.as_ref());
}

fn decode_tag_info(r: &mut Reader) -> Option<(CiString20, IdTagInfo)> {
    let id_tag = r.str()?;
    let status = from_index(AuthorizationStatus::ALL, r.u8()?)??;
    let has_expiry = r.u8()? != 0;
    let expiry = DateTime::from_unix_ms(r.u64()? as i64);
    let parent_id_tag = decode_opt_tag(r)?;
    Some((
        id_tag,
        IdTagInfo {
            expiry_date: has_expiry.then_some(expiry),
            parent_id_tag,
            status,
        },
    ))
}

fn encode_opt_i32(w: &mut Writer, value: Option<i32>) {
    w.u8(u8::from(value.is_some()));
    w.i32(value.unwrap_or(0));
}

fn decode_opt_i32(r: &mut Reader) -> Option<Option<i32>> {
    let present = r.u8()? != 0;
    let value = r.i32()?;
    Some(present.then_some(value))
}

fn encode_transaction(w: &mut Writer, tx: &Transaction) {
    w.u32(tx.local_id);
    w.str(&tx.id_tag);
    w.i32(tx.meter_start);
    encode_opt_i32(w, tx.transaction_id);
    encode_opt_i32(w, tx.reservation_id);
    encode_stamp(w, tx.started);
    match &tx.last_reading {
        Some((wh, at)) => {
            w.u8(1);
            w.i32(*wh);
            encode_stamp(w, *at);
        }
        None => w.u8(0),
    }
}

fn decode_transaction(r: &mut Reader) -> Option<Transaction> {
    let local_id = r.u32()?;
    let id_tag = r.str()?;
    let meter_start = r.i32()?;
    let transaction_id = decode_opt_i32(r)?;
    let reservation_id = decode_opt_i32(r)?;
    let started = decode_stamp(r)?;
    let last_reading = match r.u8()? {
        0 => None,
        _ => Some((r.i32()?, decode_stamp(r)?)),
    };
    let mut tx = Transaction::new(local_id, id_tag, meter_start, reservation_id, started);
    tx.transaction_id = transaction_id;
    tx.last_reading = last_reading;
    Some(tx)
}

/// Whether a reading taken at `now` should rewrite the transaction's record (wear bound).
pub(super) fn reading_due(stored_at: Option<Instant>, now: Instant) -> bool {
    stored_at.is_none_or(|at| now.millis_since(at) >= PERSIST_METER_INTERVAL as u64 * 1000)
}

#[cfg(feature = "smart-charging")]
mod profile_record;
mod restore;
