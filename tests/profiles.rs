//! The optional profiles (Remote Trigger, Reservation, Local Auth List Management, Smart
//! Charging) over real
//! sockets against the dev Central System (tools/dev_cs.py): every frame goes to
//! `target/frames/<test>.jsonl` and is schema-validated by scripts/test.sh.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use ocpp::engine::reservation::ReservationChange;
use ocpp::engine::{CommandError, Event, StartOutcome};
use ocpp::messages::{AuthorizationStatus, MessageTrigger};
use serde_json::{json, Value};

/// An ISO 8601 UTC time `secs` from now.
fn utc_in(secs: u64) -> String {
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(secs);
    let secs = t.as_secs() as i64;
    ocpp::datetime::DateTime::from_unix_secs(secs).to_string()
}

/// The frames the CS logged for `cp`, in order, as parsed JSON arrays.
fn frames(cs: &DevCs, cp: &str) -> Vec<(String, Value)> {
    match cs.get(&format!("/frames?cp_id={cp}")) {
        Value::Array(items) => items
            .into_iter()
            .map(|f| {
                let dir = f["dir"].as_str().unwrap_or_default().to_owned();
                let frame = serde_json::from_str(f["frame"].as_str().unwrap_or("null")).unwrap();
                (dir, frame)
            })
            .collect(),
        other => panic!("/frames: {other}"),
    }
}

#[test]
fn trigger_message_answers_first_then_sends_each_message() {
    let cs = DevCs::start("profiles_trigger");
    let id = "CP_TRIGGER";
    let cp = TestCp::start(&cs, id, 2);
    cp.wait_online(SOON);
    let cases = [
        ("BootNotification", None),
        ("Heartbeat", None),
        ("StatusNotification", Some(2)),
        ("MeterValues", Some(1)),
        ("DiagnosticsStatusNotification", None),
        ("FirmwareStatusNotification", None),
    ];
    for (message, connector) in cases {
        let before = cs.messages(id, Some(message)).len();
        let mut payload = json!({ "requestedMessage": message });
        if let Some(c) = connector {
            payload["connectorId"] = json!(c);
        }
        let answer = cs.call_ok(id, "TriggerMessage", payload);
        assert_eq!(answer["status"], "Accepted", "{message}");
        let sent = cs.wait_messages(id, message, before + 1, SOON);
        let last = &sent[sent.len() - 1]["payload"];
        match message {
            "StatusNotification" => assert_eq!(last["connectorId"], 2),
            "MeterValues" => {
                assert_eq!(last["connectorId"], 1);
                assert_eq!(
                    last["meterValue"][0]["sampledValue"][0]["context"],
                    "Trigger"
                );
            }
            "DiagnosticsStatusNotification" | "FirmwareStatusNotification" => {
                assert_eq!(last["status"], "Idle")
            }
            _ => {}
        }
    }
    // On the wire: each TriggerMessage's CALLRESULT goes before the message it asked for.
    let log = frames(&cs, id);
    for (message, _) in cases {
        let trigger = log
            .iter()
            .position(|(dir, f)| {
                dir == "cs->cp" && f[2] == "TriggerMessage" && f[3]["requestedMessage"] == message
            })
            .unwrap();
        let trigger_id = &log[trigger].1[1];
        let answer = log
            .iter()
            .position(|(dir, f)| dir == "cp->cs" && f[0] == 3 && &f[1] == trigger_id)
            .unwrap();
        let next_call = log
            .iter()
            .skip(trigger)
            .position(|(dir, f)| dir == "cp->cs" && f[0] == 2 && f[2] == message)
            .map(|i| i + trigger)
            .unwrap();
        assert!(
            answer < next_call,
            "{message}: answer {answer}, message {next_call}"
        );
    }
    let answer = cs.call_ok(
        id,
        "TriggerMessage",
        json!({"requestedMessage": "StatusNotification", "connectorId": 3}),
    );
    assert_eq!(answer["status"], "Rejected");
    assert!(cp.events().contains(&Event::MessageTriggered {
        message: MessageTrigger::MeterValues,
        connector: Some(1)
    }));
}

#[test]
fn reservation_is_made_used_cancelled_and_expires() {
    let cs = DevCs::start("profiles_reservation");
    let id = "CP_RESERVE";
    let cp = TestCp::start(&cs, id, 2);
    cp.wait_online(SOON);
    let since = cs.status_count(id);
    let reserve = |connector: u32, tag: &str, res: i32, secs: u64| -> Value {
        cs.call_ok(
            id,
            "ReserveNow",
            json!({"connectorId": connector, "expiryDate": utc_in(secs), "idTag": tag,
                   "reservationId": res}),
        )["status"]
            .clone()
    };
    assert_eq!(reserve(1, "HOLDER", 1, 3600), "Accepted");
    cs.wait_status(id, 1, "Reserved", since, SOON);
    assert_eq!(reserve(1, "OTHER", 2, 3600), "Occupied");
    assert_eq!(reserve(5, "OTHER", 2, 3600), "Rejected");
    let (_, refused) = cp.try_start_tx(1, "OTHER");
    assert_eq!(refused.err(), Some(CommandError::Reserved));
    let started = cp.start_tx(1, "HOLDER").0;
    assert!(
        matches!(started, Ok(StartOutcome::Accepted { .. })),
        "{started:?}"
    );
    let tx = cs.transactions(id);
    assert_eq!(tx.last().unwrap()["reservation_id"], 1, "{tx:?}");

    // Cancelled: the connector is Available again.
    let since = cs.status_count(id);
    assert_eq!(reserve(2, "SOMEONE", 3, 3600), "Accepted");
    cs.wait_status(id, 2, "Reserved", since, SOON);
    let answer = cs.call_ok(id, "CancelReservation", json!({"reservationId": 3}));
    assert_eq!(answer["status"], "Accepted");
    cs.wait_status(id, 2, "Available", since, SOON);
    let answer = cs.call_ok(id, "CancelReservation", json!({"reservationId": 3}));
    assert_eq!(answer["status"], "Rejected");

    // Expiry in two seconds: Available again without anyone asking.
    let since = cs.status_count(id);
    assert_eq!(reserve(2, "LATE", 4, 2), "Accepted");
    cs.wait_status(id, 2, "Reserved", since, SOON);
    cs.wait_status(id, 2, "Available", since, SOON);
    assert!(cp.events().iter().any(|e| matches!(
        e,
        Event::Reservation {
            connector: 2,
            reservation_id: 4,
            change: ReservationChange::Expired,
        }
    )));
}

#[test]
fn local_list_full_differential_and_offline_authorization() {
    let mut cs = DevCs::start("profiles_local_list");
    let id = "CP_LOCAL_LIST";
    let cp = TestCp::start(&cs, id, 1);
    cp.wait_online(SOON);
    let version =
        |cs: &DevCs| cs.call_ok(id, "GetLocalListVersion", json!({}))["listVersion"].clone();
    assert_eq!(version(&cs), 0);
    let full = json!({"listVersion": 10, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "LIST-OK", "idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET"}},
        {"idTag": "LIST-BLOCKED", "idTagInfo": {"status": "Blocked"}},
        {"idTag": "LIST-GONE", "idTagInfo": {"status": "Accepted"}}]});
    assert_eq!(cs.call_ok(id, "SendLocalList", full)["status"], "Accepted");
    assert_eq!(version(&cs), 10);
    let stale = json!({"listVersion": 10, "updateType": "Differential",
        "localAuthorizationList": [{"idTag": "X", "idTagInfo": {"status": "Accepted"}}]});
    assert_eq!(
        cs.call_ok(id, "SendLocalList", stale)["status"],
        "VersionMismatch"
    );
    let diff = json!({"listVersion": 11, "updateType": "Differential",
        "localAuthorizationList": [{"idTag": "LIST-GONE"}]});
    assert_eq!(cs.call_ok(id, "SendLocalList", diff)["status"], "Accepted");
    assert_eq!(version(&cs), 11);
    assert!(cp
        .host
        .with(|cp, _| cp.local_list().find("LIST-GONE").is_none()));
    let bad = r#"{"listVersion":12,"updateType":"Full","localAuthorizationList":[{"idTag":5}]}"#;
    let reply = cs.raw(id, &format!("[2,\"bad-list\",\"SendLocalList\",{bad}]"));
    assert!(reply.contains("TypeConstraintViolation"), "{reply}");
    assert_eq!(version(&cs), 11);

    // Offline, the list decides (LocalAuthorizeOffline is true by default).
    cs.kill();
    assert!(wait_until(SOON, || (!cp.host.is_online()).then_some(())).is_some());
    let ok = cp.authorize("list-ok").expect("decided locally");
    assert_eq!(ok.status, AuthorizationStatus::Accepted);
    assert_eq!(ok.parent_id_tag.as_ref().map(|p| p.as_str()), Some("FLEET"));
    let blocked = cp.authorize("LIST-BLOCKED").expect("decided locally");
    assert_eq!(blocked.status, AuthorizationStatus::Blocked);
    let started = cp.start_tx(1, "LIST-OK").0;
    assert_eq!(started, Ok(StartOutcome::Queued));
}

/// A csChargingProfiles object: `periods` are (startPeriod, limit).
fn charging_profile(
    id: i32,
    stack: u32,
    purpose: &str,
    kind: &str,
    periods: &[(u32, f64)],
) -> Value {
    let periods: Vec<Value> = periods
        .iter()
        .map(|&(start, limit)| json!({"startPeriod": start, "limit": limit}))
        .collect();
    json!({"chargingProfileId": id, "stackLevel": stack, "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": periods}})
}

#[test]
fn smart_charging_set_replace_clear_composite_and_remote_start() {
    use ocpp::capacity::{
        CHARGE_PROFILE_MAX_STACK_LEVEL, MAX_CHARGING_PROFILES, MAX_SCHEDULE_PERIODS,
    };
    use ocpp::engine::smart_charging::ChargingLimit;
    use ocpp::messages::{ChargingRateUnitType, Tenths};

    let cs = DevCs::start("profiles_smart_charging");
    let id = "CP_SMART";
    let cp = TestCp::start(&cs, id, 2);
    cp.wait_online(SOON);
    let set = |connector: u32, profile: Value| {
        let payload = json!({"connectorId": connector, "csChargingProfiles": profile});
        cs.call_ok(id, "SetChargingProfile", payload)["status"].clone()
    };
    let clear = |payload: Value| cs.call_ok(id, "ClearChargingProfile", payload)["status"].clone();
    let composite = |connector: u32, unit: &str| {
        let payload = json!({"connectorId": connector, "duration": 600, "chargingRateUnit": unit});
        cs.call_ok(id, "GetCompositeSchedule", payload)
    };
    let limit = |connector| cp.host.with(|cp, now| cp.charging_limit(connector, now));
    let amps = |a: i32| {
        Some(ChargingLimit {
            limit: Tenths(a * 10),
            unit: ChargingRateUnitType::A,
            phases: 3,
        })
    };

    assert_eq!(
        set(
            0,
            charging_profile(1, 0, "ChargePointMaxProfile", "Absolute", &[(0, 20.0)])
        ),
        "Accepted"
    );
    assert_eq!(
        set(
            0,
            charging_profile(2, 0, "TxDefaultProfile", "Absolute", &[(0, 16.0)])
        ),
        "Accepted"
    );
    assert_eq!(limit(1), amps(16));
    // Same chargingProfileId: replaced.
    assert_eq!(
        set(
            0,
            charging_profile(2, 0, "TxDefaultProfile", "Absolute", &[(0, 10.0)])
        ),
        "Accepted"
    );
    assert_eq!(limit(2), amps(10));
    let schedule = composite(1, "A");
    assert_eq!(schedule["status"], "Accepted", "{schedule}");
    assert_eq!(
        schedule["chargingSchedule"]["chargingSchedulePeriod"],
        json!([{"startPeriod": 0, "limit": 10, "numberPhases": 3}])
    );
    assert_eq!(
        composite(1, "W")["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"],
        6900
    );
    assert_eq!(
        composite(0, "A")["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"],
        20,
        "capped total"
    );
    assert_eq!(composite(3, "A")["status"], "Rejected");
    assert!(wait_until(SOON, || cp
        .events()
        .iter()
        .any(|e| matches!(
        e, Event::ChargingLimitChanged { connector: 1, limit } if *limit == amps(10)))
        .then_some(()))
    .is_some());

    // A TxProfile with RemoteStartTransaction applies to that transaction and ends with it.
    let tx = charging_profile(3, 1, "TxProfile", "Relative", &[(0, 6.0)]);
    let answer = cs.call_ok(
        id,
        "RemoteStartTransaction",
        json!({"connectorId": 1, "idTag": "SMART", "chargingProfile": tx}),
    );
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(
        cp.record(|r| r.remote_starts.clone()),
        [(1, "SMART".to_owned())]
    );
    assert!(matches!(
        cp.start_tx(1, "SMART").0,
        Ok(StartOutcome::Accepted { .. })
    ));
    assert_eq!(limit(1), amps(6));
    assert_eq!(
        composite(1, "A")["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"],
        6
    );
    // SetChargingProfile TxProfile: only for the running transaction's id.
    let tx_id = cp
        .host
        .with(|cp, _| cp.transaction_id(1))
        .expect("transactionId");
    let mut wrong = charging_profile(4, 2, "TxProfile", "Absolute", &[(0, 8.0)]);
    wrong["transactionId"] = json!(tx_id + 1);
    assert_eq!(set(1, wrong.clone()), "Rejected");
    wrong["transactionId"] = json!(tx_id);
    assert_eq!(set(1, wrong), "Accepted");
    assert_eq!(limit(1), amps(8));
    assert_eq!(
        set(
            2,
            charging_profile(5, 0, "TxProfile", "Absolute", &[(0, 8.0)])
        ),
        "Rejected",
        "no transaction"
    );
    cp.stop_tx(1, None).0.expect("stopped");
    assert_eq!(limit(1), amps(10), "its TxProfiles went with it");
    assert_eq!(cp.host.with(|cp, _| cp.charging_profiles().len()), 2);

    // Every capacity: one over is Rejected.
    let periods: Vec<(u32, f64)> = (0..=MAX_SCHEDULE_PERIODS as u32)
        .map(|i| (i * 60, 10.0))
        .collect();
    assert_eq!(
        set(
            0,
            charging_profile(6, 3, "TxDefaultProfile", "Absolute", &periods)
        ),
        "Rejected"
    );
    assert_eq!(
        set(
            0,
            charging_profile(
                6,
                3,
                "TxDefaultProfile",
                "Absolute",
                &periods[1..]
                    .iter()
                    .map(|&(s, l)| (s - 60, l))
                    .collect::<Vec<_>>()
            )
        ),
        "Accepted"
    );
    let level = CHARGE_PROFILE_MAX_STACK_LEVEL as u32;
    assert_eq!(
        set(
            0,
            charging_profile(7, level + 1, "TxDefaultProfile", "Absolute", &[(0, 9.0)])
        ),
        "Rejected"
    );
    for n in 0..MAX_CHARGING_PROFILES as i32 - 3 {
        assert_eq!(
            set(
                2,
                charging_profile(
                    10 + n,
                    n as u32,
                    "TxDefaultProfile",
                    "Absolute",
                    &[(0, 9.0)]
                )
            ),
            "Accepted"
        );
    }
    assert_eq!(
        set(
            1,
            charging_profile(99, 0, "TxDefaultProfile", "Absolute", &[(0, 9.0)])
        ),
        "Rejected",
        "full"
    );
    let keys = cs.call_ok(
        id,
        "GetConfiguration",
        json!({"key": ["MaxChargingProfilesInstalled", "ChargingScheduleMaxPeriods"]}),
    );
    assert_eq!(
        keys["configurationKey"][0]["value"],
        MAX_CHARGING_PROFILES.to_string()
    );
    assert_eq!(
        keys["configurationKey"][1]["value"],
        MAX_SCHEDULE_PERIODS.to_string()
    );

    // Clearing.
    assert_eq!(clear(json!({"connectorId": 2})), "Accepted");
    assert_eq!(clear(json!({"connectorId": 2})), "Unknown");
    assert_eq!(clear(json!({"id": 1})), "Accepted");
    assert_eq!(
        clear(json!({"chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 0})),
        "Accepted"
    );
    assert_eq!(clear(json!({})), "Accepted");
    assert_eq!(clear(json!({})), "Unknown");
    assert_eq!(limit(1), None);
    let empty = composite(1, "A");
    assert_eq!(empty["status"], "Accepted");
    assert!(empty.get("chargingSchedule").is_none(), "{empty}");
}
