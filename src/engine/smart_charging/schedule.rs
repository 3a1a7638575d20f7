//! The arithmetic of Smart Charging, apart from the engine: which period of which profile is in
//! force at an instant, the limit that results per connector, when it may next change, and the
//! composite schedule. Times are whole seconds of wall-clock time (Unix); nothing here reads a
//! clock or the network.
//!
//! The rules (OCPP 1.6 §3.13):
//! - a profile is valid from `validFrom` (inclusive) to `validTo` (exclusive); its schedule
//!   starts at `startSchedule` (Absolute), at `startSchedule` plus a whole number of days or
//!   weeks (Recurring; nothing before the first), or at the transaction's start (Relative);
//!   `duration` ends it; its last period lasts until then;
//! - within a purpose, the valid profile with the highest `stackLevel` that has a period at that
//!   instant wins; where it has none, the next level down is asked (a connector's own
//!   TxDefaultProfile before connector 0's at the same level);
//! - a TxProfile (while a transaction runs) replaces the TxDefaultProfile; the limit in force
//!   is the smaller of that and the ChargePointMaxProfile, compared in watts
//!   (W = A × voltage × phases, 3 phases when not given);
//! - connector 0 is the charge point's total: the sum of every connector's limit, capped by
//!   the ChargePointMaxProfile (only the cap when some connector is unlimited).

use heapless::Vec;

use super::{ChargingLimit, InstalledProfile};
use crate::capacity::MAX_CONNECTORS;
use crate::datetime::DateTime;
use crate::messages::{
    ChargingProfile, ChargingProfileKindType as Kind, ChargingProfilePurposeType as Purpose,
    ChargingRateUnitType as Unit, ChargingSchedulePeriod, CompositeSchedule, RecurrencyKindType,
    Tenths,
};

/// Phases assumed when a period does not say (the spec's default).
pub const DEFAULT_PHASES: u8 = 3;

/// Wall-clock seconds of a timestamp.
pub fn secs(time: DateTime) -> i64 {
    time.unix_ms.div_euclid(1000)
}

/// What the evaluation needs to know of one connector.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    /// A transaction runs (its TxProfiles apply).
    pub running: bool,
    /// When it started: Relative schedules count from here.
    pub started: Option<i64>,
}

/// The installed profiles and the connectors' state, as of one evaluation.
pub struct View<'a> {
    pub profiles: &'a [InstalledProfile],
    /// Index = connector (index 0 unused).
    pub activity: &'a [Activity],
    pub voltage: u32,
    /// Where Relative schedules start on a connector without a transaction: None (they do not
    /// apply) for the limit in force, the schedule's start for a composite schedule (the
    /// schedule a transaction started now would get).
    pub idle_start: Option<i64>,
}

/// A limit in its own unit, with the phases it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rate {
    tenths: i64,
    unit: Unit,
    phases: u8,
}

impl Rate {
    fn of(unit: Unit, period: &ChargingSchedulePeriod) -> Self {
        Rate {
            tenths: i64::from(period.limit.0),
            unit,
            phases: period.number_phases.unwrap_or(DEFAULT_PHASES),
        }
    }

    fn watts(self, voltage: u32) -> i64 {
        match self.unit {
            Unit::W => self.tenths,
            Unit::A => self.tenths * i64::from(voltage) * i64::from(self.phases),
        }
    }

    /// In `unit`, tenths; amperes from watts round down (a limit must not be exceeded).
    fn in_unit(self, unit: Unit, voltage: u32) -> i64 {
        let per_amp = i64::from(voltage) * i64::from(self.phases.max(1));
        match (self.unit, unit) {
            (Unit::A, Unit::W) => self.tenths * per_amp,
            (Unit::W, Unit::A) => self.tenths.div_euclid(per_amp.max(1)),
            _ => self.tenths,
        }
    }

    fn plus(self, other: Rate, voltage: u32) -> Rate {
        match self.unit == other.unit && self.phases == other.phases {
            true => Rate {
                tenths: self.tenths + other.tenths,
                ..self
            },
            false => Rate {
                tenths: self.watts(voltage) + other.watts(voltage),
                unit: Unit::W,
                phases: self.phases.max(other.phases),
            },
        }
    }

    fn min(self, other: Rate, voltage: u32) -> Rate {
        match other.watts(voltage) < self.watts(voltage) {
            true => other,
            false => self,
        }
    }

    fn limit(self) -> ChargingLimit {
        ChargingLimit {
            limit: Tenths(clamp(self.tenths)),
            unit: self.unit,
            phases: self.phases,
        }
    }
}

fn clamp(tenths: i64) -> i32 {
    i32::try_from(tenths).unwrap_or(if tenths < 0 { i32::MIN } else { i32::MAX })
}

/// Seconds of one recurrence.
fn recurrence(kind: RecurrencyKindType) -> i64 {
    match kind {
        RecurrencyKindType::Daily => 86_400,
        RecurrencyKindType::Weekly => 7 * 86_400,
    }
}

/// Where the schedule of `p` containing instant `t` starts (None: it has no schedule then).
fn schedule_start(p: &ChargingProfile, t: i64, relative: Option<i64>) -> Option<i64> {
    let start = p.charging_schedule.start_schedule.map(secs);
    match p.charging_profile_kind {
        Kind::Absolute => start,
        Kind::Relative => relative,
        Kind::Recurring => {
            let (start, every) = (start?, recurrence(p.recurrency_kind?));
            (t >= start).then(|| start + (t - start).div_euclid(every) * every)
        }
    }
}

fn is_valid(p: &ChargingProfile, t: i64) -> bool {
    p.valid_from.is_none_or(|from| secs(from) <= t) && p.valid_to.is_none_or(|to| t < secs(to))
}

/// The period of `p` in force at `t` (None: invalid then, or its schedule has not started or
/// has ended). `relative`: where a Relative schedule starts.
pub fn period_at(
    p: &ChargingProfile,
    t: i64,
    relative: Option<i64>,
) -> Option<&ChargingSchedulePeriod> {
    if !is_valid(p, t) {
        return None;
    }
    let offset = t - schedule_start(p, t, relative)?;
    let schedule = &p.charging_schedule;
    if offset < 0 || schedule.duration.is_some_and(|d| offset >= i64::from(d)) {
        return None;
    }
    schedule
        .charging_schedule_period
        .iter()
        .rev()
        .find(|period| i64::from(period.start_period) <= offset)
}

/// The earliest instant after `after` at which `p`'s period in force may change.
fn next_edge(p: &ChargingProfile, after: i64, relative: Option<i64>) -> Option<i64> {
    let mut best: Option<i64> = None;
    let mut consider = |edge: i64| {
        if edge > after && best.is_none_or(|b| edge < b) {
            best = Some(edge);
        }
    };
    if let Some(from) = p.valid_from {
        consider(secs(from));
    }
    if let Some(to) = p.valid_to {
        consider(secs(to));
    }
    let schedule = &p.charging_schedule;
    let mut schedule_edges = |start: i64| {
        consider(start);
        for period in schedule.charging_schedule_period.iter() {
            consider(start + i64::from(period.start_period));
        }
        if let Some(duration) = schedule.duration {
            consider(start + i64::from(duration));
        }
    };
    match p.charging_profile_kind {
        Kind::Absolute => {
            if let Some(start) = schedule.start_schedule {
                schedule_edges(secs(start));
            }
        }
        Kind::Relative => {
            if let Some(start) = relative {
                schedule_edges(start);
            }
        }
        Kind::Recurring => {
            if let (Some(start), Some(kind)) = (schedule.start_schedule, p.recurrency_kind) {
                let (start, every) = (secs(start), recurrence(kind));
                let cycle = match after < start {
                    true => start,
                    false => start + (after - start).div_euclid(every) * every,
                };
                schedule_edges(cycle);
                schedule_edges(cycle + every);
            }
        }
    }
    best
}

impl View<'_> {
    fn activity(&self, connector: u8) -> Activity {
        self.activity
            .get(usize::from(connector))
            .copied()
            .unwrap_or_default()
    }

    fn relative_start(&self, connector: u8) -> Option<i64> {
        let activity = self.activity(connector);
        match activity.running {
            true => activity.started,
            false => self.idle_start,
        }
    }

    fn connectors(&self) -> u8 {
        u8::try_from(self.activity.len().saturating_sub(1)).unwrap_or(u8::MAX)
    }

    /// The winner of one purpose's stack at `t` among the profiles installed on `on` (in order
    /// of precedence at equal stack level), for `connector`'s transaction.
    fn stack(&self, purpose: Purpose, on: &[u8], connector: u8, t: i64) -> Option<Rate> {
        let relative = self.relative_start(connector);
        let mut best: Option<(u32, usize, Rate)> = None;
        for entry in self.profiles {
            let p = &entry.profile;
            let Some(rank) = on.iter().position(|&c| c == entry.connector) else {
                continue;
            };
            if p.charging_profile_purpose != purpose {
                continue;
            }
            let Some(period) = period_at(p, t, relative) else {
                continue;
            };
            let better = best.is_none_or(|(level, best_rank, _)| {
                p.stack_level > level || (p.stack_level == level && rank < best_rank)
            });
            if better {
                let rate = Rate::of(p.charging_schedule.charging_rate_unit, period);
                best = Some((p.stack_level, rank, rate));
            }
        }
        best.map(|(_, _, rate)| rate)
    }

    /// The transaction's limit on `connector` (not capped by the charge point's).
    fn transaction_rate(&self, connector: u8, t: i64) -> Option<Rate> {
        let tx = match self.activity(connector).running {
            true => self.stack(Purpose::TxProfile, &[connector], connector, t),
            false => None,
        };
        tx.or_else(|| self.stack(Purpose::TxDefaultProfile, &[connector, 0], connector, t))
    }

    fn rate(&self, connector: u8, t: i64) -> Option<Rate> {
        let cap = self.stack(Purpose::ChargePointMaxProfile, &[0], 0, t);
        let own = match connector {
            0 => (|| {
                let mut total: Option<Rate> = None;
                for c in 1..=self.connectors() {
                    // One unlimited connector leaves the total unlimited.
                    let rate = self.transaction_rate(c, t)?;
                    total = Some(total.map_or(rate, |sum| sum.plus(rate, self.voltage)));
                }
                total
            })(),
            c => self.transaction_rate(c, t),
        };
        match (cap, own) {
            (Some(cap), Some(own)) => Some(cap.min(own, self.voltage)),
            (cap, own) => cap.or(own),
        }
    }

    /// The limit in force on `connector` at `t` (None: nothing limits it).
    pub fn limit(&self, connector: u8, t: i64) -> Option<ChargingLimit> {
        self.rate(connector, t).map(Rate::limit)
    }

    /// The earliest instant after `after` at which a limit may change (None: never, as far as
    /// the installed profiles go).
    pub fn next_change(&self, after: i64) -> Option<i64> {
        let mut best: Option<i64> = None;
        let connectors = self.connectors();
        for entry in self.profiles {
            // A profile on connector 0 counts from each connector's transaction.
            let (first, last) = match entry.connector {
                0 => (1, connectors.max(1)),
                c => (c, c),
            };
            let relative_kind = entry.profile.charging_profile_kind == Kind::Relative;
            for c in first..=last {
                let edge = next_edge(&entry.profile, after, self.relative_start(c));
                if let Some(edge) = edge {
                    best = Some(best.map_or(edge, |b: i64| b.min(edge)));
                }
                if !relative_kind {
                    break;
                }
            }
        }
        best
    }

    /// The composite schedule of `connector` over `[start, start + duration)` in `unit` (None:
    /// the unit of the first limit, else A). It begins at the first limited instant and ends
    /// at the first unlimited one after it (a schedule cannot say "no limit"), at the end of
    /// the window, when [`crate::messages::COMPOSITE_PERIODS`] periods are filled, or after
    /// [`COMPOSITE_STEPS`] boundaries (a daily profile asked about for years would otherwise
    /// keep the CPU for a while).
    /// None: nothing limits the connector in the window.
    pub fn composite(
        &self,
        connector: u8,
        start: i64,
        duration: u32,
        unit: Option<Unit>,
    ) -> Option<CompositeSchedule> {
        let end = start + i64::from(duration);
        let mut periods: Vec<ChargingSchedulePeriod, { crate::messages::COMPOSITE_PERIODS }> =
            Vec::new();
        let mut begins: Option<(i64, Unit)> = None;
        let mut covered = end;
        let mut t = start;
        for step in 0.. {
            if t >= end {
                break;
            }
            if step == COMPOSITE_STEPS {
                covered = t;
                break;
            }
            let next = self.next_change(t).map_or(end, |n| n.min(end));
            match (self.rate(connector, t), begins) {
                (None, None) => {}
                (None, Some(_)) => {
                    covered = t;
                    break;
                }
                (Some(rate), _) => {
                    let (first, unit) = *begins.get_or_insert((t, unit.unwrap_or(rate.unit)));
                    let period = ChargingSchedulePeriod {
                        start_period: u32::try_from(t - first).unwrap_or(u32::MAX),
                        limit: Tenths(clamp(rate.in_unit(unit, self.voltage))),
                        number_phases: Some(rate.phases),
                    };
                    let same = periods.last().is_some_and(|last| {
                        last.limit == period.limit && last.number_phases == period.number_phases
                    });
                    if !same && periods.push(period).is_err() {
                        covered = t;
                        break;
                    }
                }
            }
            t = next;
        }
        let (first, unit) = begins?;
        Some(CompositeSchedule {
            duration: Some(u32::try_from(covered - first).unwrap_or(u32::MAX)),
            start_schedule: Some(DateTime::from_unix_secs(first)),
            charging_rate_unit: unit,
            charging_schedule_period: periods,
        })
    }
}

/// The most boundaries a composite schedule is evaluated at.
pub const COMPOSITE_STEPS: usize = 1024;

/// One [`Activity`] per connector (index 0 unused), for a [`View`].
pub type Activities = Vec<Activity, { MAX_CONNECTORS + 1 }>;
