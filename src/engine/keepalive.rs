//! Dead-link detection (WebSocketPingInterval). A Central System that keeps the socket open but
//! stops answering is only noticed by asking it something: after `WebSocketPingInterval` seconds
//! without hearing from it the platform sends a WebSocket ping ([`ChargePoint::poll_ping`]);
//! when neither a pong ([`ChargePoint::handle_pong`]) nor a frame arrives within the pong
//! timeout, [`ChargePoint::link_dead`] tells the platform to drop the connection and reconnect.
//!
//! Transaction messages sent on such a link were never seen by a live Central System: their
//! response timeout does not count as a delivery attempt (see `request_timeout`). When the
//! answer is late and nothing was heard since the message was sent, the link is probed with a
//! ping first; only a link that proves alive makes the timeout count.

use super::*;

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct KeepAlive {
    /// WebSocketPingInterval in ms as read at connection (the key is RebootRequired); 0: off.
    interval_ms: u64,
    /// Last time anything arrived from the Central System on this connection.
    last_heard: Instant,
    next_ping_at: Option<Instant>,
    /// A ping is out; the link is dead if nothing arrives by then.
    pong_due: Option<Instant>,
    dead: bool,
}

impl KeepAlive {
    /// Nothing arrived from the Central System after `at` (and pings are on to find out). A
    /// frame in the same millisecond may have come before: the probe then settles it.
    pub(super) fn silent_since(&self, at: Instant) -> bool {
        self.interval_ms > 0 && self.last_heard <= at
    }
}

impl<S: Station> ChargePoint<S> {
    pub(super) fn pong_timeout_ms(&self) -> u64 {
        self.keepalive
            .interval_ms
            .min(u64::from(self.options.response_timeout_ms))
            .max(1)
    }

    pub(super) fn keepalive_connected(&mut self, now: Instant) {
        let interval_ms = u64::from(self.config.WebSocketPingInterval) * 1000;
        self.keepalive = KeepAlive {
            interval_ms,
            last_heard: now,
            next_ping_at: (interval_ms > 0).then(|| now.plus_millis(interval_ms)),
            pong_due: None,
            dead: false,
        };
    }

    pub(super) fn keepalive_disconnected(&mut self) {
        self.keepalive = KeepAlive::default();
    }

    /// Something arrived from the Central System: the link is alive.
    pub(super) fn heard(&mut self, now: Instant) {
        let k = &mut self.keepalive;
        if !self.connected || k.dead {
            return;
        }
        k.last_heard = now;
        k.pong_due = None;
        if k.interval_ms > 0 {
            k.next_ping_at = Some(now.plus_millis(k.interval_ms));
        }
        // A probed message's link is alive after all: its timeout counts, now.
        if let Some(f) = self.in_flight.as_mut().filter(|f| f.probed) {
            f.deadline = f.deadline.min(now);
        }
    }

    /// The platform received a WebSocket pong (or any other control frame from the peer).
    pub fn handle_pong(&mut self, now: Instant) {
        self.heard(now);
    }

    /// Whether the platform should send a WebSocket ping now; true once per ping.
    #[must_use]
    pub fn poll_ping(&mut self, now: Instant) -> bool {
        if !self.connected
            || self.keepalive.dead
            || self.keepalive.next_ping_at.is_none_or(|t| t > now)
        {
            return false;
        }
        self.keepalive.next_ping_at = None;
        if self.keepalive.pong_due.is_none() {
            self.keepalive.pong_due = Some(now.plus_millis(self.pong_timeout_ms()));
        }
        true
    }

    /// The Central System stopped answering: the platform should close the connection (and
    /// report it with [`ChargePoint::handle_disconnected`]) and reconnect.
    #[must_use]
    pub fn link_dead(&self) -> bool {
        self.connected && self.keepalive.dead
    }

    /// Asks for a ping at once; false when pings are off.
    pub(super) fn probe_link(&mut self, now: Instant) -> bool {
        if self.keepalive.interval_ms == 0 || self.keepalive.dead {
            return false;
        }
        if self.keepalive.pong_due.is_none() {
            self.keepalive.next_ping_at = Some(now);
        }
        true
    }

    pub(super) fn keepalive_deadline(&self) -> Option<Instant> {
        if !self.connected || self.keepalive.dead {
            return None;
        }
        [self.keepalive.next_ping_at, self.keepalive.pong_due]
            .into_iter()
            .flatten()
            .min()
    }

    pub(super) fn keepalive_timeout(&mut self, now: Instant) {
        if self.link_dead() || self.keepalive.pong_due.is_none_or(|t| t > now) {
            return;
        }
        warn!("no pong from the Central System in time: the link is dead");
        self.declare_link_dead();
    }

    pub(super) fn declare_link_dead(&mut self) {
        self.keepalive.dead = true;
        self.keepalive.next_ping_at = None;
        self.keepalive.pong_due = None;
    }
}
