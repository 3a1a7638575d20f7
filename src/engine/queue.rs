//! The transaction message queue: StartTransaction, transaction MeterValues and StopTransaction
//! held in order until the Central System confirms them (OCPP 1.6 section 4.8/3.16).
//!
//! Records are plain typed values (no JSON, no pointers) so a platform can persist them and put
//! them back after a reboot. Transactions are known by a local id; the id the Central System
//! assigns is filled in when the StartTransaction is confirmed, so messages of a transaction
//! started offline carry the right transactionId when they are replayed.

use heapless::{Deque, Vec};

use super::Ticket;
use crate::capacity::{MAX_CONNECTORS, MAX_SAMPLED_VALUES, TX_QUEUE_DEPTH};
use crate::cistring::CiString20;
use crate::datetime::{DateTime, Instant};
use crate::messages::{Reason, SampledValue};

/// When something happened: wall-clock time if it was known then, else the monotonic instant
/// (turned into wall-clock time once the clock is set, before the message is sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    Wall(DateTime),
    Monotonic(Instant),
}

/// Our own id of a transaction, valid before the Central System has assigned one.
pub type LocalTxId = u32;

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
        values: Vec<SampledValue, MAX_SAMPLED_VALUES>,
    },
    Stop {
        local_id: LocalTxId,
        connector: u8,
        id_tag: Option<CiString20>,
        meter_stop: i32,
        reason: Reason,
        at: Stamp,
        /// StopTxnSampledData readings at the end of the transaction.
        end_values: Vec<SampledValue, MAX_SAMPLED_VALUES>,
        /// The latest StopTxnAlignedData readings taken during the transaction.
        aligned: Option<(Stamp, Vec<SampledValue, MAX_SAMPLED_VALUES>)>,
    },
}

impl TxMessage {
    pub fn local_id(&self) -> LocalTxId {
        match self {
            TxMessage::Start { local_id, .. }
            | TxMessage::MeterValues { local_id, .. }
            | TxMessage::Stop { local_id, .. } => *local_id,
        }
    }

    pub fn connector(&self) -> u8 {
        match self {
            TxMessage::Start { connector, .. }
            | TxMessage::MeterValues { connector, .. }
            | TxMessage::Stop { connector, .. } => *connector,
        }
    }
}

/// A queued message and its delivery state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedTx {
    /// Position in the engine's send order (shared with other outgoing messages).
    pub seq: u32,
    /// Failed deliveries so far (CALLERROR or no answer), for TransactionMessageAttempts.
    pub attempts: u8,
    /// Not before this instant (TransactionMessageRetryInterval back-off).
    pub not_before: Option<Instant>,
    /// The application call waiting for this message's outcome, if any.
    pub waiting: Option<Ticket>,
    pub message: TxMessage,
}

/// Transactions that still have messages in flight, and the Central System's id for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IdMapping {
    local_id: LocalTxId,
    transaction_id: Option<i32>,
}

/// The queue is full: the record was not added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull;

#[derive(Debug, Default)]
pub struct TransactionQueue {
    items: Deque<QueuedTx, TX_QUEUE_DEPTH>,
    ids: Vec<IdMapping, { TX_QUEUE_DEPTH + MAX_CONNECTORS }>,
}

impl TransactionQueue {
    pub const fn new() -> Self {
        Self {
            items: Deque::new(),
            ids: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn free(&self) -> usize {
        self.items.capacity() - self.items.len()
    }

    pub fn push(&mut self, item: QueuedTx) -> Result<(), QueueFull> {
        let local_id = item.message.local_id();
        if !self.ids.iter().any(|m| m.local_id == local_id) {
            self.ids
                .push(IdMapping {
                    local_id,
                    transaction_id: None,
                })
                .map_err(|_| QueueFull)?;
        }
        self.items.push_back(item).map_err(|_| QueueFull)
    }

    pub fn front(&self) -> Option<&QueuedTx> {
        self.items.front()
    }

    pub fn front_mut(&mut self) -> Option<&mut QueuedTx> {
        self.items.front_mut()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut QueuedTx> {
        self.items.iter_mut()
    }

    pub fn iter(&self) -> impl Iterator<Item = &QueuedTx> {
        self.items.iter()
    }

    /// Removes the head (delivered or given up); forgets the transaction's id once none of its
    /// messages is left and it has stopped.
    pub fn pop_front(&mut self) -> Option<QueuedTx> {
        let item = self.items.pop_front()?;
        let local_id = item.message.local_id();
        let stopped = matches!(item.message, TxMessage::Stop { .. });
        if stopped && !self.items.iter().any(|q| q.message.local_id() == local_id) {
            self.ids.retain(|m| m.local_id != local_id);
        }
        Some(item)
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

    /// Tracks a running transaction whose messages are all delivered (its id is kept for the Stop).
    pub fn remember(
        &mut self,
        local_id: LocalTxId,
        transaction_id: Option<i32>,
    ) -> Result<(), QueueFull> {
        match self.ids.iter_mut().find(|m| m.local_id == local_id) {
            Some(m) => {
                m.transaction_id = m.transaction_id.or(transaction_id);
                Ok(())
            }
            None => self
                .ids
                .push(IdMapping {
                    local_id,
                    transaction_id,
                })
                .map_err(|_| QueueFull),
        }
    }
}
