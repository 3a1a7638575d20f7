//! SecurityEventNotification: the whitepaper's security events, queued with the transaction
//! messages (same order, retries, back-off and persistence), so they survive offline periods
//! and power cuts.

use super::super::*;
use crate::messages::{SecurityEventType, TechInfo, TECH_INFO_MAX};

impl<S: Station> ChargePoint<S> {
    /// Queues a SecurityEventNotification of `kind` that happened at `now`, with optional
    /// technical detail (cut, at a character boundary, to `CONFIG_OCPP_SECURITY_TECH_INFO_MAX`
    /// bytes). Sent once registered, in order with the transaction messages.
    ///
    /// Err(QueueFull) when the transaction queue has no room for it beyond what the running
    /// transactions' StopTransactions need (those are never crowded out by events).
    pub fn record_security_event(
        &mut self,
        now: Instant,
        kind: SecurityEventType,
        tech_info: Option<&str>,
    ) -> Result<(), CommandError> {
        #[cfg(feature = "security-log")]
        self.log_security_event(now, kind, tech_info);
        if self.transactions.free_bytes() < MAX_RECORD * (self.running_transactions() + 1) {
            warn!(
                "security event ",
                kind, " not queued: the transaction queue is full"
            );
            return Err(CommandError::QueueFull);
        }
        let message = TxMessage::SecurityEvent {
            kind,
            tech_info: tech_info.map(cut_tech_info),
            at: self.stamp(now),
        };
        let seq = self.next_seq();
        self.transactions
            .push(seq, &message, None)
            .map_err(|_| CommandError::QueueFull)?;
        info!("security event ", kind, " queued");
        Ok(())
    }
}

/// The longest prefix of `text` that fits a techInfo and ends on a character boundary.
fn cut_tech_info(text: &str) -> TechInfo {
    let mut end = text.len().min(TECH_INFO_MAX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        debug!("techInfo cut to ", end, " of ", text.len(), " bytes");
    }
    // `end` bytes fit the capacity by construction; an empty techInfo is the fallback.
    text.get(..end)
        .and_then(|t| CiString::try_from_str(t).ok())
        .unwrap_or_default()
}
