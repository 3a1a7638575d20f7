//! Smart Charging on the virtual clock, through frames: the stacking examples of OCPP 1.6 §3.13
//! (as the compliance test cases TC_066/TC_072 set them up), recurring and relative schedules
//! with their exact composite schedules, replacement and clearing, every rejection, unit
//! conversion, connector 0's total, and the limit events at period boundaries.

use super::*;
use crate::capacity::{
    CHARGE_PROFILE_MAX_STACK_LEVEL, MAX_CHARGING_PROFILES, MAX_SCHEDULE_PERIODS,
};
use crate::engine::smart_charging::ChargingLimit;

mod property;

/// A profile as the Central System writes it: `periods` are (startPeriod, limit).
pub(super) fn profile(
    id: i32,
    stack: u32,
    purpose: &str,
    kind: &str,
    unit: &str,
    periods: &[(u32, f64)],
) -> Value {
    let periods: StdVec<Value> = periods
        .iter()
        .map(|&(start, limit)| json!({"startPeriod": start, "limit": limit}))
        .collect();
    json!({
        "chargingProfileId": id,
        "stackLevel": stack,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": {"chargingRateUnit": unit, "chargingSchedulePeriod": periods},
    })
}

fn with(mut value: Value, key: &str, member: Value) -> Value {
    value[key] = member;
    value
}

fn schedule_with(mut profile: Value, key: &str, member: Value) -> Value {
    profile["chargingSchedule"][key] = member;
    profile
}

fn set(h: &mut Harness, connector: u32, profile: Value) -> String {
    let answer = h.cs_call(
        "SetChargingProfile",
        json!({"connectorId": connector, "csChargingProfiles": profile}),
    );
    answer["status"].as_str().unwrap().to_string()
}

fn clear(h: &mut Harness, request: Value) -> String {
    h.cs_call("ClearChargingProfile", request)["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// GetCompositeSchedule: (status, periods as (startPeriod, limit), duration).
fn composite(h: &mut Harness, request: Value) -> (String, StdVec<(u64, f64)>, Option<u64>) {
    let answer = h.cs_call("GetCompositeSchedule", request);
    let periods = answer["chargingSchedule"]["chargingSchedulePeriod"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|p| {
                    (
                        p["startPeriod"].as_u64().unwrap(),
                        p["limit"].as_f64().unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (
        answer["status"].as_str().unwrap().to_string(),
        periods,
        answer["chargingSchedule"]["duration"].as_u64(),
    )
}

fn amps(limit: f64) -> Option<ChargingLimit> {
    Some(ChargingLimit {
        limit: Tenths((limit * 10.0).round() as i32),
        unit: ChargingRateUnitType::A,
        phases: 3,
    })
}

/// The limit changes reported for connectors 1 and up (connector 0's total follows them).
fn limit_events(h: &mut Harness) -> StdVec<(u8, Option<ChargingLimit>)> {
    h.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::ChargingLimitChanged { connector, limit } if connector > 0 => {
                Some((connector, limit))
            }
            _ => None,
        })
        .collect()
}

/// A running transaction on `connector`, confirmed with `transaction_id`.
fn charging(h: &mut Harness, connector: u8, transaction_id: i32) {
    // The limit changes so far are read: a start needs room in the event queue for its answer.
    let _ = h.events();
    h.start(connector, "TAG", 0);
    h.answer(
        "StartTransaction",
        json!({"transactionId": transaction_id, "idTagInfo": {"status": "Accepted"}}),
    );
    h.answer("StatusNotification", json!({}));
}

const NOW: &str = CS_TIME; // 2026-11-21T10:00:00Z, a Saturday

#[test]
fn stacking_within_a_purpose_falls_through_to_lower_levels() {
    // TC_072: two TxDefaultProfiles; level 1 wins while it has a period, level 0 after.
    let mut h = Harness::new("smart-stacking", 1);
    h.online();
    let level0 = profile(
        1,
        0,
        "TxDefaultProfile",
        "Absolute",
        "A",
        &[(0, 6.0), (100, 8.0), (200, 10.0)],
    );
    let level0 = schedule_with(
        schedule_with(level0, "duration", json!(400)),
        "startSchedule",
        json!(NOW),
    );
    let level1 = profile(
        2,
        1,
        "TxDefaultProfile",
        "Absolute",
        "A",
        &[(0, 10.0), (100, 7.0)],
    );
    let level1 = schedule_with(
        schedule_with(level1, "duration", json!(150)),
        "startSchedule",
        json!(NOW),
    );
    assert_eq!(set(&mut h, 1, level0), "Accepted");
    assert_eq!(set(&mut h, 1, level1), "Accepted");
    assert_eq!(
        composite(
            &mut h,
            json!({"connectorId": 1, "duration": 500, "chargingRateUnit": "A"})
        ),
        (
            "Accepted".into(),
            vec![(0, 10.0), (100, 7.0), (150, 8.0), (200, 10.0)],
            Some(400)
        ),
        "level 1 for 150 s, then level 0 until its duration ends (then nothing limits)"
    );
    // The limit follows on the engine's timer.
    assert_eq!(limit_events(&mut h), [(1, amps(6.0)), (1, amps(10.0))]);
    h.advance(100_000);
    assert_eq!(limit_events(&mut h), [(1, amps(7.0))]);
    h.advance(50_000);
    assert_eq!(limit_events(&mut h), [(1, amps(8.0))]);
    h.advance(250_000);
    assert_eq!(limit_events(&mut h), [(1, amps(10.0)), (1, None)]);
}

#[test]
fn the_three_purposes_combine_to_the_lowest() {
    // TC_066: ChargePointMaxProfile, TxDefaultProfile and a TxProfile on a transaction: the
    // TxProfile replaces the default while it lasts; the charge point's maximum caps both.
    let mut h = Harness::new("smart-purposes", 1);
    h.online();
    charging(&mut h, 1, 42);
    let max = schedule_with(
        profile(1, 0, "ChargePointMaxProfile", "Absolute", "A", &[(0, 10.0)]),
        "duration",
        json!(86_400),
    );
    let default = profile(
        2,
        0,
        "TxDefaultProfile",
        "Absolute",
        "A",
        &[(0, 16.0), (200, 6.0)],
    );
    let tx = profile(3, 0, "TxProfile", "Absolute", "A", &[(0, 8.0), (100, 12.0)]);
    let tx = with(
        schedule_with(tx, "duration", json!(300)),
        "transactionId",
        json!(42),
    );
    assert_eq!(set(&mut h, 0, max), "Accepted");
    assert_eq!(set(&mut h, 1, default), "Accepted");
    assert_eq!(set(&mut h, 1, tx), "Accepted");
    assert_eq!(
        composite(
            &mut h,
            json!({"connectorId": 1, "duration": 400, "chargingRateUnit": "A"})
        ),
        (
            "Accepted".into(),
            vec![(0, 8.0), (100, 10.0), (300, 6.0)],
            Some(400)
        )
    );
    assert_eq!(h.cp.charging_limit(1, h.now), amps(8.0));
    // The transaction's end removes its TxProfile: the default (capped) applies.
    h.cp.stop_transaction(h.now, 1, 100, None, None).unwrap();
    assert_eq!(h.cp.charging_profiles().len(), 2);
    assert_eq!(h.cp.charging_limit(1, h.now), amps(10.0));
}

#[test]
fn recurring_daily_and_weekly_schedules() {
    let mut h = Harness::new("smart-recurring", 1);
    h.online();
    // Nights (from 20:00) at 32 A, days (from 06:00) at 16 A, every day since yesterday.
    let daily = profile(
        1,
        0,
        "TxDefaultProfile",
        "Recurring",
        "A",
        &[(0, 32.0), (36_000, 16.0)],
    );
    let daily = schedule_with(
        with(daily, "recurrencyKind", json!("Daily")),
        "startSchedule",
        json!("2026-11-20T20:00:00Z"),
    );
    assert_eq!(set(&mut h, 1, daily), "Accepted");
    assert_eq!(
        composite(&mut h, json!({"connectorId": 1, "duration": 86_400})),
        (
            "Accepted".into(),
            vec![(0, 16.0), (36_000, 32.0), (72_000, 16.0)],
            Some(86_400)
        )
    );
    assert_eq!(limit_events(&mut h), [(1, amps(16.0))]);
    h.advance(10 * 3_600_000);
    assert_eq!(
        limit_events(&mut h),
        [(1, amps(32.0))],
        "at 20:00, on the timer"
    );

    // Mondays (from the Monday before) at 10 A, stacked over the daily one.
    let mut h = Harness::new("smart-weekly", 1);
    h.online();
    let always = profile(1, 0, "TxDefaultProfile", "Absolute", "A", &[(0, 20.0)]);
    let monday = profile(2, 1, "TxDefaultProfile", "Recurring", "A", &[(0, 10.0)]);
    let monday = schedule_with(
        schedule_with(
            with(monday, "recurrencyKind", json!("Weekly")),
            "startSchedule",
            json!("2026-11-16T00:00:00Z"),
        ),
        "duration",
        json!(86_400),
    );
    assert_eq!(set(&mut h, 0, always), "Accepted");
    assert_eq!(set(&mut h, 0, monday), "Accepted");
    // From Saturday 10:00: Monday 00:00 is 38 h away, Tuesday 00:00 62 h.
    assert_eq!(
        composite(
            &mut h,
            json!({"connectorId": 1, "duration": 3 * 86_400, "chargingRateUnit": "A"})
        ),
        (
            "Accepted".into(),
            vec![(0, 20.0), (136_800, 10.0), (223_200, 20.0)],
            Some(259_200)
        )
    );
    // Before its first startSchedule a recurring profile has no period.
    let later = profile(3, 2, "TxDefaultProfile", "Recurring", "A", &[(0, 1.0)]);
    let later = schedule_with(
        with(later, "recurrencyKind", json!("Daily")),
        "startSchedule",
        json!("2026-11-22T00:00:00Z"),
    );
    assert_eq!(set(&mut h, 0, later), "Accepted");
    let (_, periods, _) = composite(&mut h, json!({"connectorId": 1, "duration": 86_400}));
    assert_eq!(periods, [(0, 20.0), (50_400, 1.0)]);
}

#[test]
fn relative_tx_profile_from_remote_start_counts_from_the_transaction() {
    let mut h = Harness::new("smart-relative", 1);
    h.online();
    let tx = profile(7, 0, "TxProfile", "Relative", "A", &[(0, 6.0), (60, 16.0)]);
    let tx = schedule_with(tx, "duration", json!(3_600));
    let answer = h.cs_call(
        "RemoteStartTransaction",
        json!({"connectorId": 1, "idTag": "REMOTE", "chargingProfile": tx}),
    );
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(h.cp.charging_profiles().len(), 1);
    assert_eq!(h.cp.charging_limit(1, h.now), None, "no transaction yet");
    h.advance(30_000);
    charging(&mut h, 1, 5);
    assert_eq!(limit_events(&mut h), [(1, amps(6.0))]);
    h.advance(59_000);
    assert!(limit_events(&mut h).is_empty());
    h.advance(1_000);
    assert_eq!(
        limit_events(&mut h),
        [(1, amps(16.0))],
        "60 s after the start"
    );
    assert_eq!(
        composite(&mut h, json!({"connectorId": 1, "duration": 7_200})),
        ("Accepted".into(), vec![(0, 16.0)], Some(3_540))
    );
    h.cp.stop_transaction(h.now, 1, 10, None, None).unwrap();
    assert!(
        h.cp.charging_profiles().is_empty(),
        "the TxProfile ends with its transaction"
    );
    assert_eq!(limit_events(&mut h), [(1, None)]);

    // Only TxProfiles, without a transactionId, come with a RemoteStart.
    for (purpose, tx_id) in [("TxDefaultProfile", None), ("TxProfile", Some(3))] {
        let mut p = profile(8, 0, purpose, "Relative", "A", &[(0, 6.0)]);
        if let Some(id) = tx_id {
            p = with(p, "transactionId", json!(id));
        }
        let answer = h.cs_call(
            "RemoteStartTransaction",
            json!({"connectorId": 1, "idTag": "REMOTE", "chargingProfile": p}),
        );
        assert_eq!(answer["status"], "Rejected", "{purpose}");
    }
    // A Relative TxDefaultProfile: a composite without a transaction starts it now.
    let default = profile(
        9,
        0,
        "TxDefaultProfile",
        "Relative",
        "A",
        &[(0, 6.0), (60, 16.0)],
    );
    assert_eq!(set(&mut h, 0, default), "Accepted");
    assert_eq!(
        composite(&mut h, json!({"connectorId": 1, "duration": 100})),
        ("Accepted".into(), vec![(0, 6.0), (60, 16.0)], Some(100))
    );
}

#[test]
fn replacing_and_clearing() {
    let mut h = Harness::new("smart-clear", 2);
    h.online();
    let p = |id, stack, limit| {
        profile(
            id,
            stack,
            "TxDefaultProfile",
            "Absolute",
            "A",
            &[(0, limit)],
        )
    };
    assert_eq!(set(&mut h, 1, p(1, 0, 10.0)), "Accepted");
    assert_eq!(
        set(&mut h, 1, p(1, 1, 11.0)),
        "Accepted",
        "same id: replaces"
    );
    assert_eq!(h.cp.charging_profiles().len(), 1);
    assert_eq!(
        set(&mut h, 1, p(2, 1, 12.0)),
        "Accepted",
        "same purpose and level: replaces"
    );
    assert_eq!(h.cp.charging_profiles().len(), 1);
    assert_eq!(h.cp.charging_limit(1, h.now), amps(12.0));
    assert_eq!(
        set(&mut h, 2, p(3, 1, 13.0)),
        "Accepted",
        "another connector"
    );
    assert_eq!(set(&mut h, 0, p(4, 0, 14.0)), "Accepted");
    assert_eq!(set(&mut h, 0, p(5, 2, 15.0)), "Accepted");
    assert_eq!(h.cp.charging_profiles().len(), 4);
    // Connector 0's default applies to every connector, above the connectors' own at level 2.
    assert_eq!(h.cp.charging_limit(1, h.now), amps(15.0));

    assert_eq!(clear(&mut h, json!({"id": 5})), "Accepted");
    assert_eq!(clear(&mut h, json!({"id": 5})), "Unknown");
    assert_eq!(h.cp.charging_limit(1, h.now), amps(12.0));
    assert_eq!(
        clear(&mut h, json!({"connectorId": 2, "stackLevel": 0})),
        "Unknown"
    );
    assert_eq!(
        clear(&mut h, json!({"connectorId": 2, "stackLevel": 1})),
        "Accepted"
    );
    assert_eq!(
        clear(
            &mut h,
            json!({"chargingProfilePurpose": "ChargePointMaxProfile"})
        ),
        "Unknown"
    );
    assert_eq!(
        clear(
            &mut h,
            json!({"chargingProfilePurpose": "TxDefaultProfile"})
        ),
        "Accepted"
    );
    assert!(h.cp.charging_profiles().is_empty());
    assert_eq!(clear(&mut h, json!({})), "Unknown");
    assert_eq!(set(&mut h, 1, p(6, 0, 6.0)), "Accepted");
    assert_eq!(
        clear(&mut h, json!({})),
        "Accepted",
        "no criteria: everything"
    );
    let events = limit_events(&mut h);
    assert_eq!(events.last(), Some(&(1, None)));
}

#[test]
fn rejections() {
    let mut h = Harness::new("smart-reject", 1);
    h.online();
    let p = |purpose| profile(1, 0, purpose, "Absolute", "A", &[(0, 10.0)]);
    assert_eq!(set(&mut h, 1, p("TxProfile")), "Rejected", "no transaction");
    assert_eq!(
        set(&mut h, 1, p("ChargePointMaxProfile")),
        "Rejected",
        "connector 0 only"
    );
    assert_eq!(set(&mut h, 0, p("TxProfile")), "Rejected");
    assert_eq!(
        set(&mut h, 2, p("TxDefaultProfile")),
        "Rejected",
        "no such connector"
    );
    let relative_max = profile(1, 0, "ChargePointMaxProfile", "Relative", "A", &[(0, 10.0)]);
    assert_eq!(set(&mut h, 0, relative_max), "Rejected");
    let recurring = profile(1, 0, "TxDefaultProfile", "Recurring", "A", &[(0, 10.0)]);
    assert_eq!(
        set(&mut h, 0, recurring.clone()),
        "Rejected",
        "no recurrencyKind"
    );
    assert_eq!(
        set(&mut h, 0, with(recurring, "recurrencyKind", json!("Daily"))),
        "Rejected",
        "no startSchedule"
    );
    let late_start = profile(1, 0, "TxDefaultProfile", "Absolute", "A", &[(10, 10.0)]);
    assert_eq!(
        set(&mut h, 0, late_start),
        "Rejected",
        "the first period starts at 0"
    );
    let unordered = profile(
        1,
        0,
        "TxDefaultProfile",
        "Absolute",
        "A",
        &[(0, 10.0), (60, 8.0), (60, 6.0)],
    );
    assert_eq!(set(&mut h, 0, unordered), "Rejected");
    let negative = profile(1, 0, "TxDefaultProfile", "Absolute", "A", &[(0, -1.0)]);
    assert_eq!(set(&mut h, 0, negative), "Rejected");
    let phases = profile(1, 0, "TxDefaultProfile", "Absolute", "A", &[(0, 10.0)]);
    let mut phases = phases;
    phases["chargingSchedule"]["chargingSchedulePeriod"][0]["numberPhases"] = json!(4);
    assert_eq!(set(&mut h, 0, phases), "Rejected");
    let level = CHARGE_PROFILE_MAX_STACK_LEVEL as u32;
    let too_high = profile(
        1,
        level + 1,
        "TxDefaultProfile",
        "Absolute",
        "A",
        &[(0, 10.0)],
    );
    assert_eq!(
        set(&mut h, 0, too_high),
        "Rejected",
        "over ChargeProfileMaxStackLevel"
    );
    let highest = profile(1, level, "TxDefaultProfile", "Absolute", "A", &[(0, 10.0)]);
    assert_eq!(set(&mut h, 0, highest), "Accepted");
    clear(&mut h, json!({}));

    // ChargingScheduleMaxPeriods: one more is Rejected, not truncated nor a CALLERROR.
    let periods: StdVec<(u32, f64)> = (0..=MAX_SCHEDULE_PERIODS as u32)
        .map(|i| (i * 60, 10.0))
        .collect();
    let full = profile(
        1,
        0,
        "TxDefaultProfile",
        "Absolute",
        "A",
        &periods[..MAX_SCHEDULE_PERIODS],
    );
    let over = profile(2, 1, "TxDefaultProfile", "Absolute", "A", &periods);
    assert_eq!(set(&mut h, 0, over), "Rejected");
    assert_eq!(set(&mut h, 0, full), "Accepted");
    clear(&mut h, json!({}));

    // MaxChargingProfilesInstalled: one more is Rejected; a replacement still fits.
    for id in 0..MAX_CHARGING_PROFILES as i32 {
        let p = profile(
            id,
            id as u32 % 4,
            "TxDefaultProfile",
            "Absolute",
            "A",
            &[(0, 10.0)],
        );
        assert_eq!(set(&mut h, (id / 4) as u32, p), "Accepted", "profile {id}");
    }
    let extra = profile(100, 7, "TxDefaultProfile", "Absolute", "A", &[(0, 10.0)]);
    assert_eq!(
        set(&mut h, 1, extra),
        "Rejected",
        "over MaxChargingProfilesInstalled"
    );
    let replacement = profile(0, 0, "TxDefaultProfile", "Absolute", "A", &[(0, 9.0)]);
    assert_eq!(set(&mut h, 0, replacement), "Accepted");
    assert_eq!(h.cp.charging_profiles().len(), MAX_CHARGING_PROFILES);

    // A transactionId that is not the running transaction's.
    clear(&mut h, json!({}));
    charging(&mut h, 1, 42);
    let tx = |id| with(p("TxProfile"), "transactionId", json!(id));
    assert_eq!(set(&mut h, 1, tx(41)), "Rejected");
    assert_eq!(set(&mut h, 1, tx(42)), "Accepted");
    assert_eq!(
        set(
            &mut h,
            0,
            with(p("TxDefaultProfile"), "transactionId", json!(42))
        ),
        "Rejected"
    );

    // GetCompositeSchedule of an unknown connector.
    let (status, _, _) = composite(&mut h, json!({"connectorId": 2, "duration": 60}));
    assert_eq!(status, "Rejected");

    // Schema violations are CALLERRORs: a limit finer than 0.1, a string for a number.
    let bad = r#"{"connectorId":0,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,
        "chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute",
        "chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16.55}]}}}"#;
    assert_eq!(
        h.cs_call_error("SetChargingProfile", bad),
        "PropertyConstraintViolation"
    );
    let bad = bad.replace("16.55", "\"16\"");
    assert_eq!(
        h.cs_call_error("SetChargingProfile", &bad),
        "TypeConstraintViolation"
    );
    let fine = bad.replace("\"16\"", "1.65e1");
    assert_eq!(
        h.cs_call_error("ClearChargingProfile", r#"{"id":"1"}"#),
        "TypeConstraintViolation"
    );
    assert_eq!(
        h.cs_call("SetChargingProfile", serde_json::from_str(&fine).unwrap())["status"],
        "Accepted"
    );
    assert_eq!(
        h.cs_call_error("GetCompositeSchedule", r#"{"connectorId":1}"#),
        "OccurenceConstraintViolation"
    );
}

#[test]
fn units_convert_with_the_phases_and_the_nominal_voltage() {
    let mut h = Harness::new("smart-units", 2);
    h.online();
    // 11 kW for the charge point; 32 A (3 phases, 22 080 W) per connector.
    let max = profile(
        1,
        0,
        "ChargePointMaxProfile",
        "Absolute",
        "W",
        &[(0, 11_000.0)],
    );
    let default = profile(2, 0, "TxDefaultProfile", "Absolute", "A", &[(0, 32.0)]);
    assert_eq!(set(&mut h, 0, max), "Accepted");
    assert_eq!(set(&mut h, 0, default), "Accepted");
    assert_eq!(
        h.cp.charging_limit(1, h.now),
        Some(ChargingLimit {
            limit: Tenths(110_000),
            unit: ChargingRateUnitType::W,
            phases: 3
        })
    );
    // 11 000 W / (230 V × 3) = 15.94 A, rounded down.
    assert_eq!(
        composite(
            &mut h,
            json!({"connectorId": 1, "duration": 60, "chargingRateUnit": "A"})
        ),
        ("Accepted".into(), vec![(0, 15.9)], Some(60))
    );
    // A 6 A single-phase period in W: 6 × 230 × 1 = 1380 W.
    let one_phase = profile(3, 1, "TxDefaultProfile", "Absolute", "A", &[(0, 6.0)]);
    let mut one_phase = one_phase;
    one_phase["chargingSchedule"]["chargingSchedulePeriod"][0]["numberPhases"] = json!(1);
    assert_eq!(set(&mut h, 2, one_phase), "Accepted");
    assert_eq!(
        composite(
            &mut h,
            json!({"connectorId": 2, "duration": 60, "chargingRateUnit": "W"})
        ),
        ("Accepted".into(), vec![(0, 1380.0)], Some(60))
    );
    // Connector 0: the sum of the connectors (22 080 + 1 380 W), capped at 11 kW.
    assert_eq!(
        composite(
            &mut h,
            json!({"connectorId": 0, "duration": 60, "chargingRateUnit": "W"})
        ),
        ("Accepted".into(), vec![(0, 11_000.0)], Some(60))
    );
    clear(&mut h, json!({"id": 1}));
    assert_eq!(
        composite(
            &mut h,
            json!({"connectorId": 0, "duration": 60, "chargingRateUnit": "W"})
        ),
        ("Accepted".into(), vec![(0, 23_460.0)], Some(60))
    );
    // Nothing installed: Accepted, without a schedule.
    clear(&mut h, json!({}));
    let answer = h.cs_call(
        "GetCompositeSchedule",
        json!({"connectorId": 0, "duration": 60}),
    );
    assert_eq!(answer["status"], "Accepted");
    assert!(answer.get("chargingSchedule").is_none(), "{answer}");
}

#[test]
fn valid_from_and_valid_to_bound_a_profile() {
    let mut h = Harness::new("smart-validity", 1);
    h.online();
    let base = profile(1, 0, "TxDefaultProfile", "Absolute", "A", &[(0, 20.0)]);
    let window = profile(2, 1, "TxDefaultProfile", "Absolute", "A", &[(0, 8.0)]);
    let window = with(
        with(window, "validFrom", json!("2026-11-21T10:10:00Z")),
        "validTo",
        json!("2026-11-21T10:20:00Z"),
    );
    assert_eq!(set(&mut h, 1, base), "Accepted");
    assert_eq!(set(&mut h, 1, window), "Accepted");
    assert_eq!(
        composite(&mut h, json!({"connectorId": 1, "duration": 3_600})),
        (
            "Accepted".into(),
            vec![(0, 20.0), (600, 8.0), (1_200, 20.0)],
            Some(3_600)
        )
    );
    let the_keys = h.cs_call(
        "GetConfiguration",
        json!({"key": ["ChargeProfileMaxStackLevel", "ChargingScheduleAllowedChargingRateUnit",
            "ChargingScheduleMaxPeriods", "MaxChargingProfilesInstalled",
            "ConnectorSwitch3to1PhaseSupported", "SupportedFeatureProfiles"]}),
    );
    let keys = the_keys["configurationKey"].as_array().unwrap();
    assert_eq!(keys.len(), 6, "{the_keys}");
    assert!(keys.iter().all(|k| k["readonly"] == true), "{the_keys}");
    assert_eq!(keys[1]["value"], "Current,Power");
    assert!(keys[5]["value"].as_str().unwrap().contains("SmartCharging"));
    let change = h.cs_call(
        "ChangeConfiguration",
        json!({"key": "MaxChargingProfilesInstalled", "value": "1"}),
    );
    assert_eq!(change["status"], "Rejected");
}
