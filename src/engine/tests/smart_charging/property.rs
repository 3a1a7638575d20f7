//! Random valid profile sets against an evaluator written here from the rules alone, second by
//! second: the limit in force at every second of a window, and every composite schedule,
//! expanded back to seconds, must agree with it. A small xorshift PRNG keeps it deterministic.

use crate::engine::smart_charging::schedule::{Activity, View};
use crate::engine::smart_charging::{ChargingProfiles, InstalledProfile};
use crate::messages::*;

const VOLTAGE: u32 = 230;
const BASE: i64 = 1_795_000_000;
const WINDOW: i64 = 1_500;
const CASES: u32 = 3_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn time(secs: i64) -> crate::DateTime {
    crate::DateTime::from_unix_secs(secs)
}

fn random_profile(rng: &mut Rng, id: i32, connectors: u8) -> InstalledProfile {
    use ChargingProfileKindType as Kind;
    use ChargingProfilePurposeType as Purpose;
    let purpose = [
        Purpose::ChargePointMaxProfile,
        Purpose::TxDefaultProfile,
        Purpose::TxProfile,
    ][rng.below(3) as usize];
    let connector = match purpose {
        Purpose::ChargePointMaxProfile => 0,
        Purpose::TxProfile => rng.range(1, i64::from(connectors)) as u8,
        Purpose::TxDefaultProfile => rng.range(0, i64::from(connectors)) as u8,
    };
    let kind = match (purpose, rng.below(3)) {
        (Purpose::ChargePointMaxProfile, 2) => Kind::Absolute,
        (_, 0) => Kind::Absolute,
        (_, 1) => Kind::Recurring,
        _ => Kind::Relative,
    };
    let recurrency = [RecurrencyKindType::Daily, RecurrencyKindType::Weekly][rng.below(2) as usize];
    let every = match recurrency {
        RecurrencyKindType::Daily => 86_400,
        RecurrencyKindType::Weekly => 604_800,
    };
    let start = match kind {
        // A few recurrences back, so that a cycle boundary may fall in the window.
        Kind::Recurring => BASE - every * rng.range(0, 2) + rng.range(-1_000, 1_500),
        _ => BASE + rng.range(-1_000, 1_000),
    };
    let unit = match rng.chance(70) {
        true => ChargingRateUnitType::A,
        false => ChargingRateUnitType::W,
    };
    let mut periods = SchedulePeriods::new();
    let mut at = 0u32;
    for _ in 0..rng.range(1, 4) {
        let limit = match unit {
            ChargingRateUnitType::A => rng.range(0, 640) as i32,
            ChargingRateUnitType::W => rng.range(0, 440) as i32 * 500,
        };
        let number_phases = rng.chance(50).then(|| rng.range(1, 3) as u8);
        let _ = periods.items.push(ChargingSchedulePeriod {
            start_period: at,
            limit: Tenths(limit),
            number_phases,
        });
        at += rng.range(1, 600) as u32;
    }
    let valid_from = rng.chance(30).then(|| time(BASE + rng.range(-500, WINDOW)));
    let valid_to = rng
        .chance(30)
        .then(|| time(BASE + rng.range(0, WINDOW + 500)));
    InstalledProfile {
        connector,
        profile: ChargingProfile {
            charging_profile_id: id,
            transaction_id: None,
            stack_level: rng.range(0, 3) as u32,
            charging_profile_purpose: purpose,
            charging_profile_kind: kind,
            recurrency_kind: (kind == Kind::Recurring).then_some(recurrency),
            valid_from,
            valid_to,
            charging_schedule: ChargingSchedule {
                duration: rng.chance(60).then(|| rng.range(1, 1_500) as u32),
                start_schedule: (kind != Kind::Relative).then(|| time(start)),
                charging_rate_unit: unit,
                charging_schedule_period: periods,
                min_charging_rate: None,
            },
        },
    }
}

/// (tenths, unit, phases), as the brute force sees a limit.
type Brute = (i64, ChargingRateUnitType, i64);

fn watts((tenths, unit, phases): Brute) -> i64 {
    match unit {
        ChargingRateUnitType::W => tenths,
        ChargingRateUnitType::A => tenths * i64::from(VOLTAGE) * phases,
    }
}

fn convert(b: Brute, to: ChargingRateUnitType) -> i64 {
    match (b.1, to) {
        (ChargingRateUnitType::A, ChargingRateUnitType::W) => b.0 * i64::from(VOLTAGE) * b.2,
        (ChargingRateUnitType::W, ChargingRateUnitType::A) => {
            b.0.div_euclid(i64::from(VOLTAGE) * b.2)
        }
        _ => b.0,
    }
}

fn secs(t: crate::DateTime) -> i64 {
    t.unix_ms.div_euclid(1000)
}

/// The period of one profile at `t`, by walking (no division).
fn brute_period(p: &ChargingProfile, t: i64, relative: Option<i64>) -> Option<Brute> {
    if p.valid_from.is_some_and(|v| t < secs(v)) || p.valid_to.is_some_and(|v| t >= secs(v)) {
        return None;
    }
    let s = &p.charging_schedule;
    let start = match p.charging_profile_kind {
        ChargingProfileKindType::Absolute => secs(s.start_schedule?),
        ChargingProfileKindType::Relative => relative?,
        ChargingProfileKindType::Recurring => {
            let every = match p.recurrency_kind? {
                RecurrencyKindType::Daily => 86_400,
                RecurrencyKindType::Weekly => 604_800,
            };
            let mut start = secs(s.start_schedule?);
            if t < start {
                return None;
            }
            while start + every <= t {
                start += every;
            }
            start
        }
    };
    let offset = t - start;
    if offset < 0 || s.duration.is_some_and(|d| offset >= i64::from(d)) {
        return None;
    }
    let mut found = None;
    for period in s.charging_schedule_period.iter() {
        if i64::from(period.start_period) <= offset {
            found = Some((
                i64::from(period.limit.0),
                s.charging_rate_unit,
                i64::from(period.number_phases.unwrap_or(3)),
            ));
        }
    }
    found
}

struct Brutal<'a> {
    profiles: &'a [InstalledProfile],
    activity: &'a [Activity],
    idle_start: Option<i64>,
}

impl Brutal<'_> {
    fn relative(&self, c: u8) -> Option<i64> {
        let a = self.activity[usize::from(c)];
        if a.running {
            a.started
        } else {
            self.idle_start
        }
    }

    fn stack(
        &self,
        purpose: ChargingProfilePurposeType,
        on: &[u8],
        c: u8,
        t: i64,
    ) -> Option<Brute> {
        for level in (0..=3).rev() {
            for &connector in on {
                for e in self.profiles {
                    let p = &e.profile;
                    if e.connector == connector
                        && p.stack_level == level
                        && p.charging_profile_purpose == purpose
                    {
                        if let Some(b) = brute_period(p, t, self.relative(c)) {
                            return Some(b);
                        }
                    }
                }
            }
        }
        None
    }

    fn own(&self, c: u8, t: i64) -> Option<Brute> {
        use ChargingProfilePurposeType as P;
        let tx = if self.activity[usize::from(c)].running {
            self.stack(P::TxProfile, &[c], c, t)
        } else {
            None
        };
        tx.or_else(|| self.stack(P::TxDefaultProfile, &[c, 0], c, t))
    }

    fn limit(&self, c: u8, t: i64) -> Option<Brute> {
        let cap = self.stack(
            ChargingProfilePurposeType::ChargePointMaxProfile,
            &[0],
            0,
            t,
        );
        let own = if c == 0 {
            let all: Option<Vec<Brute>> = (1..self.activity.len() as u8)
                .map(|k| self.own(k, t))
                .collect();
            self.total(all)
        } else {
            self.own(c, t)
        };
        match (cap, own) {
            (Some(cap), Some(own)) => Some(if watts(own) < watts(cap) { own } else { cap }),
            (cap, own) => cap.or(own),
        }
    }

    /// Every connector's limit added up (None when one is unlimited).
    fn total(&self, all: Option<Vec<Brute>>) -> Option<Brute> {
        {
            let all = all?;
            let first = all[0];
            let same = all.iter().all(|b| b.1 == first.1 && b.2 == first.2);
            Some(match same {
                true => (all.iter().map(|b| b.0).sum(), first.1, first.2),
                false => (
                    all.iter().map(|&b| watts(b)).sum(),
                    ChargingRateUnitType::W,
                    all.iter().map(|b| b.2).max().unwrap_or(3),
                ),
            })
        }
    }
}

#[test]
fn random_profile_sets_agree_with_a_brute_force_evaluator() {
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let (mut limited_seconds, mut periods_seen, mut gaps) = (0u64, 0usize, 0u32);
    for case in 0..CASES {
        let connectors = rng.range(1, 2) as u8;
        let mut activity = vec![Activity::default()];
        for _ in 0..connectors {
            let running = rng.chance(60);
            activity.push(Activity {
                running,
                started: running.then(|| BASE - rng.range(0, 1_000)),
            });
        }
        let mut table = ChargingProfiles::default();
        for id in 0..rng.range(0, 8) as i32 {
            let _ = table.install(random_profile(&mut rng, id, connectors));
        }
        let profiles: Vec<InstalledProfile> = table.iter().cloned().collect();
        let view = View {
            profiles: &profiles,
            activity: &activity,
            voltage: VOLTAGE,
            idle_start: None,
        };
        let brute = Brutal {
            profiles: &profiles,
            activity: &activity,
            idle_start: None,
        };
        for c in 0..=connectors {
            for t in BASE..BASE + WINDOW {
                let engine = view
                    .limit(c, t)
                    .map(|l| (i64::from(l.limit.0), l.unit, i64::from(l.phases)));
                assert_eq!(
                    engine,
                    brute.limit(c, t),
                    "case {case}, connector {c}, t = BASE + {}: {profiles:#?}",
                    t - BASE
                );
                limited_seconds += u64::from(engine.is_some());
            }
        }
        // Composite schedules from a random instant, in a random unit.
        let start = BASE + rng.range(0, WINDOW / 2);
        let duration = rng.range(1, WINDOW) as u32;
        let unit = [
            None,
            Some(ChargingRateUnitType::A),
            Some(ChargingRateUnitType::W),
        ][rng.below(3) as usize];
        let view = View {
            idle_start: Some(start),
            ..view
        };
        let brute = Brutal {
            idle_start: Some(start),
            ..brute
        };
        for c in 0..=connectors {
            let end = start + i64::from(duration);
            let Some(schedule) = view.composite(c, start, duration, unit) else {
                assert!(
                    (start..end).all(|t| brute.limit(c, t).is_none()),
                    "case {case}: no schedule"
                );
                continue;
            };
            let first = secs(schedule.start_schedule.unwrap());
            let covered = first + i64::from(schedule.duration.unwrap());
            assert!(
                (start..first).all(|t| brute.limit(c, t).is_none()),
                "case {case}: leading gap"
            );
            let periods = &schedule.charging_schedule_period;
            periods_seen += periods.len();
            assert_eq!(periods.first().map(|p| p.start_period), Some(0));
            let unit = schedule.charging_rate_unit;
            for t in first..covered {
                let period = periods
                    .iter()
                    .rev()
                    .find(|p| i64::from(p.start_period) <= t - first)
                    .unwrap();
                let expected = brute
                    .limit(c, t)
                    .unwrap_or_else(|| panic!("case {case}: unlimited at {}", t - start));
                assert_eq!(
                    i64::from(period.limit.0),
                    convert(expected, unit),
                    "case {case}, connector {c}, t = start + {}",
                    t - start
                );
                assert_eq!(period.number_phases, Some(expected.2 as u8), "case {case}");
            }
            if covered < end && periods.len() < COMPOSITE_PERIODS {
                assert!(
                    brute.limit(c, covered).is_none(),
                    "case {case}: ended early at {}",
                    covered - start
                );
                gaps += 1;
            }
        }
    }
    // The generator reaches the interesting cases.
    assert!(
        limited_seconds > u64::from(CASES) * WINDOW as u64 / 4,
        "{limited_seconds}"
    );
    assert!(periods_seen > CASES as usize, "{periods_seen}");
    assert!(gaps > CASES / 20, "{gaps}");
}
