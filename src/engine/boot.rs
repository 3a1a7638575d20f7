//! Boot and heartbeat: the BootNotification of every connection, registration status, the
//! heartbeat timer and the wall clock (set by the platform or taken from the Central System).

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ClockSource {
    /// Set by the platform (host clock, SNTP): the Central System's time is not applied.
    External,
    CentralSystem,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct WallClock {
    pub(super) at: Instant,
    pub(super) time: DateTime,
    pub(super) source: ClockSource,
}

impl<S: Station> ChargePoint<S> {
    /// Connected and the BootNotification accepted: requests go to the Central System.
    pub fn is_online(&self) -> bool {
        self.connected && self.registration == Some(RegistrationStatus::Accepted)
    }

    /// The WebSocket connection is open (between `handle_connected` and `handle_disconnected`).
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    pub fn registration(&self) -> Option<RegistrationStatus> {
        self.registration
    }

    /// The wall-clock time at `now`, when known.
    pub fn wall_time(&self, now: Instant) -> Option<DateTime> {
        self.wall.map(|w| {
            DateTime::from_unix_ms(
                w.time.unix_ms + now.millis_since(w.at) as i64 - w.at.millis_since(now) as i64,
            )
        })
    }

    /// Sets the wall clock from a trusted source (host clock, SNTP); the Central System's
    /// currentTime is then no longer applied. Returns by how many milliseconds the clock jumped
    /// (new minus old) when that is more than `CONFIG_OCPP_CLOCK_JUMP_THRESHOLD` seconds either
    /// way; such a jump is logged as "SettingSystemTime".
    pub fn set_wall_clock(&mut self, now: Instant, time: DateTime) -> Option<i64> {
        let jump = self.clock_jump(now, time, "SNTP or the platform");
        self.wall = Some(WallClock {
            at: now,
            time,
            source: ClockSource::External,
        });
        self.record_clock_jump(now, jump);
        self.schedule_aligned(now);
        jump
    }

    /// The jump from the running wall clock to `time` at `now`, when above the threshold
    /// (logged once here: a clock that jumps makes stamps and aligned readings jump too).
    fn clock_jump(&self, now: Instant, time: DateTime, source: &str) -> Option<i64> {
        let old = self.wall_time(now)?;
        let jump = time.unix_ms.saturating_sub(old.unix_ms);
        let threshold = (crate::capacity::CLOCK_JUMP_THRESHOLD_S as i64).saturating_mul(1000);
        (jump.unsigned_abs() > threshold.unsigned_abs()).then(|| {
            info!(
                "SettingSystemTime: the wall clock jumps by ",
                jump, " ms to ", time, " (from ", source, ")"
            );
            jump
        })
    }

    pub(super) fn stamp(&self, now: Instant) -> Stamp {
        match self.wall_time(now) {
            Some(t) => Stamp::Wall(t),
            None => Stamp::Monotonic(now),
        }
    }

    /// Wall-clock time of a stamp; the epoch when the clock was never set (the field is required).
    pub(super) fn resolve(&self, stamp: Stamp) -> DateTime {
        match stamp {
            Stamp::Wall(t) => t,
            Stamp::Monotonic(at) => self.wall_time(at).unwrap_or_default(),
        }
    }

    pub(super) fn on_boot_response(&mut self, now: Instant, conf: BootNotificationResponse) {
        info!(
            "BootNotification: ",
            conf.status, " (interval ", conf.interval, ")"
        );
        self.set_time_from_central_system(now, conf.current_time);
        self.registration = Some(conf.status);
        let interval = u32::try_from(conf.interval).unwrap_or(0);
        match conf.status {
            RegistrationStatus::Accepted => {
                if interval > 0 {
                    self.config.HeartbeatInterval = interval;
                }
                let heartbeat = self.config.HeartbeatInterval;
                self.next_heartbeat_at = (heartbeat > 0).then(|| now.plus_secs(heartbeat));
                // Every connector's status is reported again on each accepted boot.
                for c in self.connectors.iter_mut() {
                    c.reported = None;
                }
            }
            RegistrationStatus::Pending | RegistrationStatus::Rejected => {
                let retry = if interval > 0 {
                    interval
                } else {
                    self.options.boot_retry_secs
                };
                self.next_boot_at = Some(now.plus_secs(retry));
            }
        }
        self.emit(Event::Registration(conf.status));
    }

    pub(super) fn set_time_from_central_system(&mut self, now: Instant, time: DateTime) {
        if self.wall.is_some_and(|w| w.source == ClockSource::External) {
            return;
        }
        let jump = self.clock_jump(now, time, "the Central System's currentTime");
        self.wall = Some(WallClock {
            at: now,
            time,
            source: ClockSource::CentralSystem,
        });
        self.record_clock_jump(now, jump);
        self.schedule_aligned(now);
    }

    /// A jump of the running wall clock is the whitepaper's SettingSystemTime security event
    /// (recorded after the clock is set, so it carries the new time). Setting a clock that was
    /// not running is not a jump.
    fn record_clock_jump(&mut self, now: Instant, jump: Option<i64>) {
        #[cfg(feature = "security")]
        if let Some(jump) = jump {
            let mut tech_info = crate::cistring::CiString::<32>::new();
            let _ = core::fmt::write(&mut tech_info, format_args!("jump of {jump} ms"));
            let _ = self.record_security_event(
                now,
                crate::messages::SecurityEventType::SettingSystemTime,
                Some(tech_info.as_str()),
            );
        }
        #[cfg(not(feature = "security"))]
        let _ = (now, jump);
    }

    /// When the next BootNotification may go.
    pub(super) fn boot_deadline(&self) -> Option<Instant> {
        self.next_boot_at.filter(|_| self.connected)
    }

    pub(super) fn heartbeat_deadline(&self) -> Option<Instant> {
        self.next_heartbeat_at.filter(|_| self.is_online())
    }

    /// Queues a Heartbeat when the interval passed without any other message.
    pub(super) fn heartbeat_timeout(&mut self, now: Instant) {
        if !self.is_online() || self.next_heartbeat_at.is_none_or(|t| t > now) {
            return;
        }
        self.next_heartbeat_at = None;
        let pending = self.outbox.iter().any(|(_, o)| *o == Outgoing::Heartbeat)
            || matches!(
                &self.in_flight,
                Some(InFlight {
                    origin: Origin::Outbox(Outgoing::Heartbeat),
                    ..
                })
            );
        if !pending && self.push_outgoing(Outgoing::Heartbeat).is_err() {
            warn!("outbox full: heartbeat skipped");
        }
    }
}
