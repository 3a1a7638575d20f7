//! Scenario tests over a real WebSocket: a [`HostChargePoint`] against the development Central
//! System (tools/dev_cs.py, one process per test). Each test asserts what the Central System
//! recorded (control API /messages, /transactions) and what the engine returned. Every frame is
//! logged to `target/frames/<test>.jsonl` for `tools/validate_frames.py`.
//!
//! Run with `OCPP_LOG=debug` to see the charge point's log.

mod common;

use std::time::{Duration, Instant as StdInstant, SystemTime, UNIX_EPOCH};

use common::*;
use ocpp::engine::{
    CommandError, ConfigKey, Event, Options, RequestError, StartOutcome, StopOutcome,
};
use ocpp::messages::{AuthorizationStatus, DataTransferStatus, RegistrationStatus, ResetType};
use ocpp::platform::host::{charge_point_url, HostChargePoint, HostConfig};
use ocpp::rpc::ErrorCode;
use serde_json::{json, Value};

fn accepted_id(outcome: Result<StartOutcome, RequestError>) -> i32 {
    match outcome {
        Ok(StartOutcome::Accepted { transaction_id }) => transaction_id,
        other => panic!("expected an accepted StartTransaction, got {other:?}"),
    }
}

fn transaction(cs: &DevCs, cp: &str, transaction_id: i32) -> Value {
    cs.transactions(cp)
        .into_iter()
        .find(|t| t["transaction_id"] == transaction_id)
        .unwrap_or_else(|| {
            panic!(
                "the CS has no transaction {transaction_id}: {:?}",
                cs.transactions(cp)
            )
        })
}

/// Waits until the CS recorded the stop of `transaction_id`; returns the record.
fn wait_stopped(cs: &DevCs, cp: &str, transaction_id: i32) -> Value {
    wait_until(SOON, || {
        cs.transactions(cp)
            .into_iter()
            .find(|t| t["transaction_id"] == transaction_id && t["active"] == false)
    })
    .unwrap_or_else(|| {
        panic!(
            "transaction {transaction_id} not stopped at the CS: {:?}",
            cs.transactions(cp)
        )
    })
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Parses a raw CALLERROR reply into (id, code).
fn call_error(reply: &str) -> (String, String) {
    let v: Value =
        serde_json::from_str(reply).unwrap_or_else(|e| panic!("reply is not JSON ({e}): {reply}"));
    assert_eq!(v[0], 4, "expected a CALLERROR, got {reply}");
    assert_eq!(
        v.as_array().map(Vec::len),
        Some(5),
        "CALLERROR has 5 elements: {reply}"
    );
    assert!(
        v[4].is_object(),
        "CALLERROR details must be an object: {reply}"
    );
    (
        v[1].as_str().unwrap_or_default().to_owned(),
        v[2].as_str().unwrap_or_default().to_owned(),
    )
}

// ------------------------------------------------------------------------------ boot

#[test]
fn boot_accepted_reports_every_connector_and_reconnects() {
    let cs = DevCs::start("boot_accepted");
    let id = "CP_BOOT";
    let cp = TestCp::start(&cs, id, 2);
    cp.wait_online(SOON);
    assert!(
        cp.host
            .wait_event(
                |e| *e == Event::Registration(RegistrationStatus::Accepted),
                SOON
            )
            .is_some(),
        "Registration(Accepted) event"
    );

    let boot = &cs.wait_messages(id, "BootNotification", 1, SOON)[0];
    assert_eq!(boot["payload"]["chargePointVendor"], "zephyr-ocpp");
    assert_eq!(boot["payload"]["chargePointModel"], "host-test");
    let status = cs.status(id);
    assert_eq!(status["subprotocol"], "ocpp1.6", "{status}");
    assert_eq!(status["path"], "/ocpp/CP_BOOT", "{status}");
    for connector in 0..=2 {
        cs.wait_status(id, connector, "Available", 0, SOON);
    }
    assert_eq!(
        cs.messages(id, None)[0]["action"],
        "BootNotification",
        "BootNotification goes first"
    );

    // The Central System drops the connection: the charge point reconnects and boots again.
    let mark = cp.host.event_mark();
    cs.post("/disconnect", json!({"cp_id": id}));
    assert!(
        cp.host
            .wait_event_since(mark, |e| *e == Event::Disconnected, SOON)
            .is_some(),
        "Disconnected event"
    );
    assert!(
        cp.host
            .wait_event_since(
                mark,
                |e| *e == Event::Registration(RegistrationStatus::Accepted),
                SOON
            )
            .is_some(),
        "booted again after the reconnect"
    );
    cs.wait_messages(id, "BootNotification", 2, SOON);
    assert_eq!(cs.status(id)["connect_count"], 2);

    // Shutdown closes the WebSocket cleanly and promptly.
    let started = StdInstant::now();
    cp.host.shutdown();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "shutdown took {:?}",
        started.elapsed()
    );
    assert!(
        wait_until(SOON, || (cs.status(id)["connected"] == false).then_some(())).is_some(),
        "still connected"
    );
    let frames = cs.get(&format!("/frames?cp_id={id}"));
    assert!(frames.as_array().is_some_and(|f| !f.is_empty()));
}

#[test]
fn boot_pending_sends_nothing_else_until_accepted() {
    let cs = DevCs::start_with(
        "boot_pending",
        &["--boot-status", "Pending", "--boot-interval", "1"],
    );
    let id = "CP_PENDING";
    let cp = TestCp::start(&cs, id, 1);
    assert!(
        cp.host
            .wait_event(
                |e| *e == Event::Registration(RegistrationStatus::Pending),
                SOON
            )
            .is_some(),
        "Registration(Pending) event"
    );
    assert!(!cp.host.is_online());
    assert_eq!(
        cp.host.with(|cp, now| cp.authorize(now, "TAG-1")),
        Err(CommandError::NotReady)
    );
    assert_eq!(
        cp.host.with(|cp, _| cp.data_transfer("dev-cs", None, None)),
        Err(CommandError::NotReady)
    );
    // Retried at the interval the Central System gave (1 s).
    cs.wait_messages(id, "BootNotification", 2, SOON);

    let switched = unix_now();
    cs.config(json!({"boot_status": "Accepted", "heartbeat_interval": 300}));
    cp.wait_online(SOON);
    cs.wait_status(id, 1, "Available", 0, SOON);
    let all = cs.messages(id, None);
    let first_other = all
        .iter()
        .position(|m| m["action"] != "BootNotification")
        .expect("a StatusNotification");
    assert!(
        first_other >= 3,
        "two Pending boots and an Accepted one first: {all:?}"
    );
    for m in &all {
        if m["ts"].as_f64().unwrap_or(f64::MAX) < switched {
            assert_eq!(m["action"], "BootNotification", "sent while Pending: {m}");
        }
    }
    assert_eq!(
        cp.authorize("TAG-1").map(|i| i.status),
        Ok(AuthorizationStatus::Accepted)
    );
}

#[test]
fn boot_rejected_keeps_the_charge_point_silent() {
    let cs = DevCs::start_with(
        "boot_rejected",
        &["--boot-status", "Rejected", "--boot-interval", "30"],
    );
    let id = "CP_REJECTED";
    let cp = TestCp::start(&cs, id, 1);
    assert!(
        cp.host
            .wait_event(
                |e| *e == Event::Registration(RegistrationStatus::Rejected),
                SOON
            )
            .is_some(),
        "Registration(Rejected) event"
    );
    assert!(!cp.host.is_online());
    // A rejected charge point does not answer the Central System's requests.
    let answer = cs.call_with_timeout(id, "GetConfiguration", json!({}), 1.0);
    assert_eq!(answer["error"]["code"], "Timeout", "{answer}");
    let actions: Vec<Value> = cs
        .messages(id, None)
        .into_iter()
        .map(|m| m["action"].clone())
        .collect();
    assert_eq!(
        actions,
        vec![json!("BootNotification")],
        "only the BootNotification"
    );
}

// ------------------------------------------------------------------------------ authorization

#[test]
fn authorize_reports_the_central_systems_status() {
    let cs = DevCs::start("authorize");
    let id = "CP_AUTH";
    let cp = TestCp::start(&cs, id, 1);
    cp.wait_online(SOON);
    for (tag, expected) in [
        ("TAG-OK", AuthorizationStatus::Accepted),
        ("INVALID-1", AuthorizationStatus::Invalid),
        ("BLOCKED-1", AuthorizationStatus::Blocked),
        ("EXPIRED-1", AuthorizationStatus::Expired),
    ] {
        assert_eq!(cp.authorize(tag).map(|i| i.status), Ok(expected), "{tag}");
    }
    let tags: Vec<Value> = cs
        .messages(id, Some("Authorize"))
        .iter()
        .map(|m| m["payload"]["idTag"].clone())
        .collect();
    assert_eq!(
        tags,
        vec![
            json!("TAG-OK"),
            json!("INVALID-1"),
            json!("BLOCKED-1"),
            json!("EXPIRED-1")
        ]
    );
    assert_eq!(
        cp.host.with(|cp, now| cp.authorize(now, "")),
        Err(CommandError::InvalidArgument)
    );
    assert_eq!(
        cp.host
            .with(|cp, now| cp.authorize(now, "TAG-MORE-THAN-20-CHARS")),
        Err(CommandError::InvalidArgument)
    );
}

#[test]
fn call_error_from_the_central_system_ends_the_request_at_once() {
    let cs = DevCs::start("callerror_authorize");
    let id = "CP_CALLERROR";
    let mut config = test_config(charge_point_url(&cs.base_url(), id));
    config.options = Options {
        response_timeout_ms: 30_000,
        ..Options::default()
    };
    let cp = TestCp::start_with(config, id, 1);
    cp.wait_online(SOON);
    cs.config(json!({"callerror_next": {"action": "Authorize", "code": "InternalError", "description": "boom"}}));
    let started = StdInstant::now();
    assert_eq!(
        cp.authorize("TAG-ERR"),
        Err(RequestError::CallError(Some(ErrorCode::InternalError)))
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}: waited for the timeout?",
        started.elapsed()
    );
    // The fault was one-shot: the next request goes through.
    assert_eq!(
        cp.authorize("TAG-ERR").map(|i| i.status),
        Ok(AuthorizationStatus::Accepted)
    );
}

// ------------------------------------------------------------------------------ transactions

#[test]
fn transaction_sends_meter_values_and_stops() {
    let cs = DevCs::start("transaction");
    let id = "CP_TX";
    let cp = TestCp::start(&cs, id, 2);
    cp.wait_online(SOON);
    let answer = cs.call_ok(
        id,
        "ChangeConfiguration",
        json!({"key": "MeterValueSampleInterval", "value": "1"}),
    );
    assert_eq!(answer["status"], "Accepted");

    let since = cs.status_count(id);
    let (outcome, meter_start) = cp.start_tx(1, "TAG-TX");
    let tx = accepted_id(outcome);
    assert_eq!(cp.host.with(|cp, _| cp.transaction_id(1)), Some(tx));
    cs.wait_status(id, 1, "Charging", since, SOON);
    let samples = cs.wait_messages(id, "MeterValues", 3, SOON);
    let (stopped, meter_stop) = cp.stop_tx(1, None);
    assert_eq!(stopped, Ok(StopOutcome::Delivered));
    assert!(!cp.host.with(|cp, _| cp.has_transaction(1)));
    cs.wait_status(id, 1, "Finishing", since, SOON);

    let record = transaction(&cs, id, tx);
    assert_eq!(record["connector_id"], 1);
    assert_eq!(record["id_tag"], "TAG-TX");
    assert_eq!(record["meter_start"], meter_start);
    assert_eq!(record["meter_stop"], meter_stop);
    assert_eq!(record["reason"], "Local");
    assert_eq!(record["active"], false);

    let mut last = f64::from(meter_start);
    for m in &samples {
        assert_eq!(m["payload"]["connectorId"], 1, "{m}");
        assert_eq!(m["payload"]["transactionId"], tx, "{m}");
        let value = &m["payload"]["meterValue"][0]["sampledValue"][0];
        assert_eq!(value["context"], "Sample.Periodic", "{m}");
        assert_eq!(value["unit"], "Wh", "{m}");
        for reading in energy_readings(m) {
            assert!(reading > last, "readings increase: {reading} after {last}");
            last = reading;
        }
    }
    assert!(last <= f64::from(meter_stop));
    let stop = cs
        .messages(id, Some("StopTransaction"))
        .pop()
        .expect("StopTransaction");
    assert_eq!(stop["payload"]["transactionId"], tx);
    assert_eq!(
        stop["payload"]["transactionData"][0]["sampledValue"][0]["context"], "Transaction.End",
        "StopTxnSampledData: {stop}"
    );
    // Order as sent: StartTransaction, MeterValues..., StopTransaction.
    let order: Vec<String> = cs
        .messages(id, None)
        .iter()
        .filter_map(|m| m["action"].as_str().map(str::to_owned))
        .filter(|a| ["StartTransaction", "MeterValues", "StopTransaction"].contains(&a.as_str()))
        .collect();
    assert_eq!(order.first().map(String::as_str), Some("StartTransaction"));
    assert_eq!(order.last().map(String::as_str), Some("StopTransaction"));

    // Misuse is refused without a message.
    assert_eq!(
        cp.host
            .with(|cp, now| cp.stop_transaction(now, 1, 0, None, None)),
        Err(CommandError::Busy)
    );
    assert_eq!(
        cp.try_start_tx(3, "TAG").1.err(),
        Some(CommandError::InvalidConnector)
    );
}

#[test]
fn remote_start_and_remote_stop() {
    let cs = DevCs::start("remote_start_stop");
    let id = "CP_REMOTE";
    let cp = TestCp::start(&cs, id, 2);
    cp.wait_online(SOON);

    let answer = cs.call_ok(
        id,
        "RemoteStartTransaction",
        json!({"connectorId": 2, "idTag": "REMOTE-1"}),
    );
    assert_eq!(answer["status"], "Accepted");
    let asked = wait_until(SOON, || cp.record(|r| r.remote_starts.first().cloned()));
    assert_eq!(
        asked,
        Some((2, "REMOTE-1".to_owned())),
        "station.remote_start called with the idTag"
    );
    let tx = accepted_id(cp.start_tx(2, "REMOTE-1").0);

    let answer = cs.call_ok(id, "RemoteStopTransaction", json!({"transactionId": tx}));
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(cp.record(|r| r.remote_stops.clone()), vec![2]);
    let (stopped, meter_stop) = cp.stop_tx(2, None);
    assert_eq!(stopped, Ok(StopOutcome::Delivered));
    let record = transaction(&cs, id, tx);
    assert_eq!(record["reason"], "Remote", "{record}");
    assert_eq!(record["id_tag"], "REMOTE-1");
    assert_eq!(record["connector_id"], 2);
    assert_eq!(record["meter_stop"], meter_stop);

    let answer = cs.call_ok(
        id,
        "RemoteStopTransaction",
        json!({"transactionId": tx + 1000}),
    );
    assert_eq!(answer["status"], "Rejected", "unknown transaction");
    let answer = cs.call_ok(
        id,
        "RemoteStartTransaction",
        json!({"connectorId": 7, "idTag": "REMOTE-2"}),
    );
    assert_eq!(answer["status"], "Rejected", "no such connector");
    assert_eq!(cp.record(|r| r.remote_starts.len()), 1);
}

#[test]
fn unlock_connector_stops_the_transaction() {
    let cs = DevCs::start("unlock");
    let id = "CP_UNLOCK";
    let cp = TestCp::start(&cs, id, 2);
    cp.wait_online(SOON);
    let tx = accepted_id(cp.start_tx(1, "TAG-UNLOCK").0);
    let answer = cs.call_ok(id, "UnlockConnector", json!({"connectorId": 1}));
    assert_eq!(answer["status"], "Unlocked");
    assert_eq!(cp.record(|r| r.unlocks.clone()), vec![1]);
    assert!(!cp.host.with(|cp, _| cp.has_transaction(1)));
    let record = wait_stopped(&cs, id, tx);
    assert_eq!(record["reason"], "UnlockCommand", "{record}");
    let answer = cs.call_ok(id, "UnlockConnector", json!({"connectorId": 9}));
    assert_eq!(answer["status"], "NotSupported", "no such connector");
}

// ------------------------------------------------------------------------------ configuration

#[test]
fn get_configuration_all_and_listed_keys() {
    let cs = DevCs::start("get_configuration");
    let id = "CP_GETCONF";
    let cp = TestCp::start(&cs, id, 2);
    cp.wait_online(SOON);

    let all = cs.call_ok(id, "GetConfiguration", json!({}));
    assert!(all.get("unknownKey").is_none(), "{all}");
    let keys = all["configurationKey"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(keys.len() >= 20, "every Core key: {all}");
    let find = |name: &str| keys.iter().find(|k| k["key"] == name).cloned();
    let connectors = find("NumberOfConnectors").expect("NumberOfConnectors");
    assert_eq!(connectors["value"], "2");
    assert_eq!(connectors["readonly"], true);
    let heartbeat = find("HeartbeatInterval").expect("HeartbeatInterval");
    assert_eq!(heartbeat["readonly"], false);
    assert_eq!(
        heartbeat["value"], "300",
        "the interval from the BootNotification answer"
    );
    assert!(find("MeterValueSampleInterval").is_some());

    let listed = cs.call_ok(
        id,
        "GetConfiguration",
        json!({"key": ["HeartbeatInterval", "NoSuchKey", "NumberOfConnectors"]}),
    );
    let names: Vec<Value> = listed["configurationKey"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|k| k["key"].clone())
        .collect();
    assert_eq!(
        names,
        vec![json!("HeartbeatInterval"), json!("NumberOfConnectors")],
        "{listed}"
    );
    assert_eq!(listed["unknownKey"], json!(["NoSuchKey"]), "{listed}");
}

#[test]
fn change_configuration_statuses_and_heartbeat_interval() {
    let cs = DevCs::start("change_configuration");
    let id = "CP_CHANGECONF";
    let cp = TestCp::start(&cs, id, 1);
    cp.wait_online(SOON);

    let mark = cp.host.event_mark();
    for (key, value, expected) in [
        ("MeterValueSampleInterval", "30", "Accepted"),
        ("NumberOfConnectors", "3", "Rejected"),
        ("HeartbeatInterval", "abc", "Rejected"),
        ("HeartbeatInterval", "-5", "Rejected"),
        ("NoSuchKey", "1", "NotSupported"),
    ] {
        let answer = cs.call_ok(
            id,
            "ChangeConfiguration",
            json!({"key": key, "value": value}),
        );
        assert_eq!(answer["status"], expected, "{key}={value}");
    }
    assert!(cp
        .host
        .wait_event_since(
            mark,
            |e| *e == Event::ConfigurationChanged(ConfigKey::MeterValueSampleInterval),
            SOON
        )
        .is_some());
    let listed = cs.call_ok(
        id,
        "GetConfiguration",
        json!({"key": ["MeterValueSampleInterval", "NumberOfConnectors"]}),
    );
    assert_eq!(listed["configurationKey"][0]["value"], "30");
    assert_eq!(
        listed["configurationKey"][1]["value"], "1",
        "read-only key unchanged"
    );

    // A new HeartbeatInterval takes effect at once.
    let before = cs.messages(id, Some("Heartbeat")).len();
    let answer = cs.call_ok(
        id,
        "ChangeConfiguration",
        json!({"key": "HeartbeatInterval", "value": "1"}),
    );
    assert_eq!(answer["status"], "Accepted");
    let beats = cs.wait_messages(id, "Heartbeat", before + 3, Duration::from_secs(8));
    let times: Vec<f64> = beats[before..]
        .iter()
        .filter_map(|m| m["ts"].as_f64())
        .collect();
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            (0.8..=2.0).contains(&gap),
            "heartbeats {gap:.3} s apart, expected ~1 s: {times:?}"
        );
    }
}

// ------------------------------------------------------------------------------ reset, availability

#[test]
fn reset_soft_and_hard_stop_transactions() {
    let cs = DevCs::start("reset");
    let id = "CP_RESET";
    let cp = TestCp::start(&cs, id, 2);
    cp.wait_online(SOON);
    let tx1 = accepted_id(cp.start_tx(1, "TAG-R1").0);
    let tx2 = accepted_id(cp.start_tx(2, "TAG-R2").0);

    let mark = cp.host.event_mark();
    assert_eq!(
        cs.call_ok(id, "Reset", json!({"type": "Soft"}))["status"],
        "Accepted"
    );
    assert!(cp
        .host
        .wait_event_since(mark, |e| *e == Event::ResetRequested(ResetType::Soft), SOON)
        .is_some());
    for tx in [tx1, tx2] {
        assert_eq!(wait_stopped(&cs, id, tx)["reason"], "SoftReset");
    }
    assert!(!cp
        .host
        .with(|cp, _| cp.has_transaction(1) || cp.has_transaction(2)));
    // Defect 11 of issue 10: the reset takes effect once the stops are delivered; the host
    // cannot reboot, so it reconnects and registers anew.
    assert!(cp
        .host
        .wait_event_since(mark, |e| *e == Event::ResetDue(ResetType::Soft), SOON)
        .is_some());
    assert!(
        wait_until(SOON, || (cs.messages(id, Some("BootNotification")).len()
            >= 2)
            .then_some(()))
        .is_some(),
        "no new BootNotification after the Soft reset"
    );
    cp.wait_online(SOON);

    let tx3 = accepted_id(cp.start_tx(1, "TAG-R3").0);
    let mark = cp.host.event_mark();
    assert_eq!(
        cs.call_ok(id, "Reset", json!({"type": "Hard"}))["status"],
        "Accepted"
    );
    assert!(cp
        .host
        .wait_event_since(mark, |e| *e == Event::ResetRequested(ResetType::Hard), SOON)
        .is_some());
    let record = wait_stopped(&cs, id, tx3);
    assert_eq!(record["reason"], "HardReset");
    assert!(
        wait_until(SOON, || (cs.messages(id, Some("BootNotification")).len()
            >= 3)
            .then_some(()))
        .is_some(),
        "no new BootNotification after the Hard reset"
    );
    assert!(
        record["meter_stop"].as_i64().unwrap_or(0)
            >= record["meter_start"].as_i64().unwrap_or(i64::MAX)
    );
}

#[test]
fn change_availability_now_and_scheduled() {
    let cs = DevCs::start("change_availability");
    let id = "CP_AVAIL";
    let cp = TestCp::start(&cs, id, 2);
    cp.wait_online(SOON);
    cs.wait_status(id, 2, "Available", 0, SOON);

    let since = cs.status_count(id);
    let mark = cp.host.event_mark();
    let answer = cs.call_ok(
        id,
        "ChangeAvailability",
        json!({"connectorId": 2, "type": "Inoperative"}),
    );
    assert_eq!(answer["status"], "Accepted");
    cs.wait_status(id, 2, "Unavailable", since, SOON);
    assert!(cp
        .host
        .wait_event_since(
            mark,
            |e| *e
                == Event::AvailabilityChanged {
                    connector: 2,
                    operative: false
                },
            SOON
        )
        .is_some());
    assert_eq!(
        cp.try_start_tx(2, "TAG-A").1.err(),
        Some(CommandError::Unavailable)
    );

    let tx = accepted_id(cp.start_tx(1, "TAG-A").0);
    let answer = cs.call_ok(
        id,
        "ChangeAvailability",
        json!({"connectorId": 1, "type": "Inoperative"}),
    );
    assert_eq!(
        answer["status"], "Scheduled",
        "a transaction runs on connector 1"
    );
    assert!(
        cp.host.with(|cp, _| cp.has_transaction(1)),
        "the transaction keeps running"
    );
    let since = cs.status_count(id);
    assert_eq!(cp.stop_tx(1, None).0, Ok(StopOutcome::Delivered));
    cs.wait_status(id, 1, "Unavailable", since, SOON);
    assert_eq!(transaction(&cs, id, tx)["reason"], "Local");

    let since = cs.status_count(id);
    let answer = cs.call_ok(
        id,
        "ChangeAvailability",
        json!({"connectorId": 0, "type": "Operative"}),
    );
    assert_eq!(answer["status"], "Accepted");
    cs.wait_status(id, 1, "Available", since, SOON);
    cs.wait_status(id, 2, "Available", since, SOON);
    let answer = cs.call_ok(
        id,
        "ChangeAvailability",
        json!({"connectorId": 5, "type": "Inoperative"}),
    );
    assert_eq!(answer["status"], "Rejected", "no such connector");
}

// ------------------------------------------------------------------------------ data transfer

#[test]
fn data_transfer_both_ways() {
    let cs = DevCs::start("data_transfer");
    let id = "CP_DATA";
    let cp = TestCp::start(&cs, id, 1);
    cp.wait_online(SOON);

    // Central System -> charge point: answered by the station.
    let answer = cs.call_ok(
        id,
        "DataTransfer",
        json!({"vendorId": "zephyr-ocpp", "messageId": "ping", "data": "hi"}),
    );
    assert_eq!(answer, json!({"status": "Accepted", "data": "pong:hi"}));
    let answer = cs.call_ok(id, "DataTransfer", json!({"vendorId": "someone-else"}));
    assert_eq!(answer["status"], "UnknownVendorId");
    let seen = cp.record(|r| {
        r.data_transfers
            .iter()
            .map(|d| d.vendor_id.as_str().to_owned())
            .collect::<Vec<_>>()
    });
    assert_eq!(seen, vec!["zephyr-ocpp", "someone-else"]);

    // Charge point -> Central System.
    let (ticket, event) = cp
        .host
        .with_then_wait(
            |cp, _| cp.data_transfer("dev-cs", Some("echo"), Some("hello \"world\"")),
            |t, e| matches!(e, Event::DataTransferred { ticket, .. } if ticket == t),
            SOON,
        )
        .expect("data_transfer");
    assert!(
        matches!(
            event,
            Some(Event::DataTransferred {
                result: Ok(DataTransferStatus::Accepted),
                ..
            })
        ),
        "{event:?}"
    );
    let response = cp
        .host
        .with(|cp, _| cp.take_data_transfer_response(ticket))
        .expect("the response data");
    assert_eq!(
        response.data.as_ref().map(|d| d.as_str()),
        Some("hello \"world\"")
    );

    let (_, event) = cp
        .host
        .with_then_wait(
            |cp, _| cp.data_transfer("dev-cs", Some("nope"), None),
            |t, e| matches!(e, Event::DataTransferred { ticket, .. } if ticket == t),
            SOON,
        )
        .expect("data_transfer");
    assert!(
        matches!(
            event,
            Some(Event::DataTransferred {
                result: Ok(DataTransferStatus::UnknownMessageId),
                ..
            })
        ),
        "{event:?}"
    );
    let sent = cs.messages(id, Some("DataTransfer"));
    assert_eq!(
        sent[0]["payload"],
        json!({"vendorId": "dev-cs", "messageId": "echo", "data": "hello \"world\""})
    );
}

// ------------------------------------------------------------------------------ protocol errors

#[test]
fn unknown_and_unsupported_actions() {
    let cs = DevCs::start("unknown_action");
    let id = "CP_UNKNOWN";
    let cp = TestCp::start(&cs, id, 1);
    cp.wait_online(SOON);
    let reply = cs.raw(id, r#"[2,"raw-1","FooBar",{}]"#);
    assert_eq!(
        call_error(&reply),
        ("raw-1".to_owned(), "NotImplemented".to_owned()),
        "{reply}"
    );
    // A profile the build may leave out: NotSupported then; answered (empty) when built.
    let reply = cs.raw(
        id,
        r#"[2,"raw-2","UpdateFirmware",{"location":"http://127.0.0.1/fw.bin","retrieveDate":"2030-01-01T00:00:00Z"}]"#,
    );
    #[cfg(not(feature = "firmware-management"))]
    assert_eq!(
        call_error(&reply),
        ("raw-2".to_owned(), "NotSupported".to_owned()),
        "{reply}"
    );
    #[cfg(feature = "firmware-management")]
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&reply).ok(),
        Some(json!([3, "raw-2", {}])),
        "{reply}"
    );
    // Still serving normally afterwards.
    assert_eq!(
        cs.call_ok(id, "ClearCache", json!({}))["status"],
        "Accepted"
    );
}

#[test]
fn malformed_payloads_get_the_right_call_error() {
    let cs = DevCs::start("malformed");
    let id = "CP_MALFORMED";
    let cp = TestCp::start(&cs, id, 1);
    cp.wait_online(SOON);
    let long_key = "K".repeat(51);
    let cases = [
        (
            r#"[2,"m-1","Reset",{"type":]"#.to_owned(),
            "FormationViolation",
        ),
        (
            r#"[2,"m-2","Reset","Soft"]"#.to_owned(),
            "FormationViolation",
        ),
        (
            r#"[2,"m-3","ChangeConfiguration",{"key":5,"value":"1"}]"#.to_owned(),
            "TypeConstraintViolation",
        ),
        (
            r#"[2,"m-4","UnlockConnector",{"connectorId":"one"}]"#.to_owned(),
            "TypeConstraintViolation",
        ),
        (
            r#"[2,"m-5","Reset",{"type":"Medium"}]"#.to_owned(),
            "PropertyConstraintViolation",
        ),
        (
            format!(r#"[2,"m-6","ChangeConfiguration",{{"key":"{long_key}","value":"1"}}]"#),
            "PropertyConstraintViolation",
        ),
        (
            r#"[2,"m-7","Reset",{}]"#.to_owned(),
            "OccurenceConstraintViolation",
        ),
        (
            r#"[2,"m-8","RemoteStopTransaction",{"foo":1}]"#.to_owned(),
            "OccurenceConstraintViolation",
        ),
    ];
    for (frame, expected) in &cases {
        let reply = cs.raw(id, frame);
        let (reply_id, code) = call_error(&reply);
        let sent_id = frame.split('"').nth(1).unwrap_or_default();
        assert_eq!(reply_id, sent_id, "{frame} -> {reply}");
        assert_eq!(code, *expected, "{frame} -> {reply}");
    }
    assert!(
        cp.host.is_online(),
        "malformed requests do not break the connection"
    );
    assert!(
        cp.events()
            .iter()
            .all(|e| !matches!(e, Event::ResetRequested(_))),
        "no handler ran"
    );
}

#[test]
fn oversized_frame_is_refused_and_the_connection_stays_up() {
    let cs = DevCs::start("oversized");
    let id = "CP_OVERSIZED";
    let cp = TestCp::start(&cs, id, 1);
    cp.wait_online(SOON);
    let data = "x".repeat(ocpp::capacity::FRAME_CAPACITY + 100);
    let frame =
        format!(r#"[2,"big-1","DataTransfer",{{"vendorId":"zephyr-ocpp","data":"{data}"}}]"#);
    let reply = cs.raw(id, &frame);
    assert_eq!(
        call_error(&reply),
        ("big-1".to_owned(), "GenericError".to_owned()),
        "{reply}"
    );
    assert!(
        cp.record(|r| r.data_transfers.is_empty()),
        "the station never saw it"
    );
    assert_eq!(
        cs.call_ok(id, "ClearCache", json!({}))["status"],
        "Accepted"
    );
    assert_eq!(cs.status(id)["connect_count"], 1);
}

#[test]
fn websocket_pings_are_answered() {
    // The dev CS closes a connection whose pings go unanswered for the ping interval.
    let cs = DevCs::start_with("pings", &["--ping-interval", "0.3"]);
    let id = "CP_PING";
    let cp = TestCp::start(&cs, id, 1);
    cp.wait_online(SOON);
    std::thread::sleep(Duration::from_secs(2));
    let status = cs.status(id);
    assert_eq!(status["connected"], true, "{status}");
    assert_eq!(
        status["connect_count"], 1,
        "no reconnect: every ping got its pong in time: {status}"
    );
    assert!(cp.host.is_online());
}

// ------------------------------------------------------------------------------ offline queue

/// The Central System dies (SIGKILL) mid-transaction. The charge point keeps sampling, stops that
/// transaction and runs a whole new one offline; a new Central System on the same port receives
/// everything once, in order, with the right transaction ids.
#[test]
fn offline_transaction_messages_are_replayed_in_order_after_cs_restart() {
    let name = "offline_replay";
    let id = "CP_OFFLINE";
    let mut cs = DevCs::start(name);
    let cp = TestCp::start(&cs, id, 2);
    cp.wait_online(SOON);
    let answer = cs.call_ok(
        id,
        "ChangeConfiguration",
        json!({"key": "MeterValueSampleInterval", "value": "1"}),
    );
    assert_eq!(answer["status"], "Accepted");
    // Two short transactions first, so this CS's ids differ from those of the next one.
    for _ in 0..2 {
        accepted_id(cp.start_tx(2, "WARMUP").0);
        assert_eq!(cp.stop_tx(2, None).0, Ok(StopOutcome::Delivered));
    }
    let (started, meter_start_a) = cp.start_tx(1, "TAG-A");
    let tx_a = accepted_id(started);
    wait_until(SOON, || {
        cs.messages(id, Some("MeterValues"))
            .iter()
            .any(|m| m["payload"]["transactionId"] == tx_a)
            .then_some(())
    })
    .expect("a MeterValues delivered online");

    let port = cs.ws_port;
    let mark = cp.host.event_mark();
    cs.kill();
    assert!(
        cp.host
            .wait_event_since(mark, |e| *e == Event::Disconnected, SOON)
            .is_some(),
        "Disconnected"
    );
    assert!(!cp.host.is_online());

    // Offline: transaction A keeps sampling, then stops; transaction B runs entirely offline.
    let queued = |cp: &TestCp| cp.host.with(|cp, _| cp.queued_transaction_messages());
    wait_until(SOON, || (queued(&cp) >= 2).then_some(())).expect("meter values queued offline");
    let (stopped_a, meter_stop_a) = cp.stop_tx(1, None);
    assert_eq!(stopped_a, Ok(StopOutcome::Queued));
    let (started_b, meter_start_b) = cp.start_tx(2, "TAG-B");
    assert_eq!(started_b, Ok(StartOutcome::Queued));
    let before = queued(&cp);
    wait_until(SOON, || (queued(&cp) > before).then_some(()))
        .expect("meter values of B queued offline");
    let (stopped_b, meter_stop_b) = cp.stop_tx(2, None);
    assert_eq!(stopped_b, Ok(StopOutcome::Queued));
    let held = queued(&cp);
    assert!(
        held >= 6,
        "MeterValues A x2+, Stop A, Start B, MeterValues B, Stop B: {held}"
    );

    // A new Central System on the same port.
    let cs2 = DevCs::restart_on(name, port);
    cp.wait_online(Duration::from_secs(15));
    wait_until(SOON, || (queued(&cp) == 0).then_some(())).expect("queue delivered");
    let delivered: Vec<Value> = cs2
        .messages(id, None)
        .into_iter()
        .filter(|m| {
            ["StartTransaction", "MeterValues", "StopTransaction"]
                .contains(&m["action"].as_str().unwrap_or(""))
        })
        .collect();
    assert_eq!(
        delivered.len(),
        held,
        "each held message delivered exactly once: {delivered:#?}"
    );

    let action = |m: &Value| m["action"].as_str().unwrap_or_default().to_owned();
    let stop_a = delivered
        .iter()
        .position(|m| action(m) == "StopTransaction")
        .expect("StopTransaction A");
    assert!(stop_a >= 2, "meter values of A first: {delivered:#?}");
    let mut last_ts = String::new();
    for m in &delivered[..stop_a] {
        assert_eq!(action(m), "MeterValues");
        assert_eq!(m["payload"]["transactionId"], tx_a, "{m}");
        let ts = m["payload"]["meterValue"][0]["timestamp"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            ts > last_ts,
            "in order, no duplicates: {ts} after {last_ts}"
        );
        last_ts = ts;
    }
    let stop = &delivered[stop_a]["payload"];
    assert_eq!(stop["transactionId"], tx_a, "the id the first CS assigned");
    assert_eq!(stop["meterStop"], meter_stop_a);
    assert_eq!(stop["reason"], "Local");

    let start_b = &delivered[stop_a + 1];
    assert_eq!(action(start_b), "StartTransaction");
    assert_eq!(start_b["payload"]["idTag"], "TAG-B");
    assert_eq!(start_b["payload"]["meterStart"], meter_start_b);
    let tx_b = cs2
        .transactions(id)
        .into_iter()
        .find(|t| t["id_tag"] == "TAG-B")
        .and_then(|t| t["transaction_id"].as_i64())
        .expect("transaction B at the new CS");
    assert_ne!(tx_b, i64::from(tx_a));
    let rest = &delivered[stop_a + 2..];
    let (stop_b, samples_b) = rest.split_last().expect("StopTransaction B");
    assert!(!samples_b.is_empty(), "meter values of B");
    for m in samples_b {
        assert_eq!(action(m), "MeterValues");
        assert_eq!(
            m["payload"]["transactionId"], tx_b,
            "the id the new CS assigned: {m}"
        );
    }
    assert_eq!(action(stop_b), "StopTransaction");
    assert_eq!(
        stop_b["payload"]["transactionId"], tx_b,
        "the id the new CS assigned"
    );
    let record_b = transaction(&cs2, id, tx_b as i32);
    assert_eq!(record_b["meter_start"], meter_start_b);
    assert_eq!(record_b["meter_stop"], meter_stop_b);
    let record_a = transaction(&cs2, id, tx_a);
    assert_eq!(record_a["meter_stop"], meter_stop_a);

    // Nothing lost across the two Central Systems: the samples of A, from both frame logs, are
    // about one second apart from the start to the stop.
    let log = std::fs::read_to_string(&cs2.frames_log).expect("frames log");
    let mut stamps: Vec<String> = log
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|r| r["dir"] == "cp->cs" && r["cp_id"] == id)
        .filter_map(|r| serde_json::from_str::<Value>(r["frame"].as_str()?).ok())
        .filter(|f| f[0] == 2 && f[2] == "MeterValues" && f[3]["transactionId"] == tx_a)
        .filter_map(|f| {
            f[3]["meterValue"][0]["timestamp"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    stamps.sort();
    stamps.dedup();
    let millis = |ts: &str| -> i64 {
        // ...THH:MM:SS.mmmZ within one run: seconds of the day are enough.
        let time = ts
            .split('T')
            .nth(1)
            .unwrap_or_default()
            .trim_end_matches('Z');
        let mut parts = time.split(':');
        let h: i64 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let m: i64 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let s: f64 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0.0);
        (h * 3600 + m * 60) * 1000 + (s * 1000.0) as i64
    };
    for pair in stamps.windows(2) {
        let gap = millis(&pair[1]) - millis(&pair[0]);
        assert!(
            (500..=1800).contains(&gap),
            "a sample of A is missing between {} and {}",
            pair[0],
            pair[1]
        );
    }
    let _ = meter_start_a;
}

// ------------------------------------------------------------------------------ host API

#[test]
fn spawn_rejects_bad_urls() {
    for url in [
        "wss://127.0.0.1:9/ocpp/CP",
        "http://127.0.0.1:9/ocpp/CP",
        "ws://127.0.0.1:9",
        "not a url",
    ] {
        let (station, _) = TestStation::new();
        let result = HostChargePoint::spawn(
            HostConfig::new(url),
            boot_info("x"),
            1,
            station,
            |_: &Event| {},
        );
        assert_eq!(result.err(), Some(CommandError::InvalidArgument), "{url}");
    }
    let (station, _) = TestStation::new();
    let result = HostChargePoint::spawn(
        HostConfig::new("ws://127.0.0.1:9/ocpp/CP"),
        boot_info("x"),
        0,
        station,
        |_: &Event| {},
    );
    assert_eq!(result.err(), Some(CommandError::InvalidConnector));
}

#[test]
fn offline_commands_and_wait_semantics_without_a_central_system() {
    // Nothing listens on this port: the charge point stays offline and keeps retrying.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let cp = TestCp::start_with(
        test_config(format!("ws://127.0.0.1:{port}/ocpp/CP_NOWHERE")),
        "CP_NOWHERE",
        1,
    );
    assert!(!cp.host.is_online());
    // An offline start is queued at once; its event is not missed although it came before the wait.
    let ticket = cp
        .host
        .with(|cp, now| cp.start_transaction(now, 1, "TAG-OFF", 100, None))
        .expect("start");
    let event = cp.host.wait_event(
        |e| matches!(e, Event::TransactionStarted { ticket: t, .. } if *t == ticket),
        SOON,
    );
    assert!(
        matches!(
            event,
            Some(Event::TransactionStarted {
                result: Ok(StartOutcome::Queued),
                ..
            })
        ),
        "{event:?}"
    );
    // Taken events are not returned twice; marks exclude older events.
    assert!(cp
        .host
        .wait_event(
            |e| matches!(e, Event::TransactionStarted { .. }),
            Duration::from_millis(50)
        )
        .is_none());
    let mark = cp.host.event_mark();
    assert!(cp
        .host
        .wait_event_since(mark, |_| true, Duration::from_millis(50))
        .is_none());
    // on_event saw it too, on the IO thread.
    assert!(wait_until(SOON, || cp
        .events()
        .iter()
        .any(|e| matches!(e, Event::TransactionStarted { .. }))
        .then_some(()))
    .is_some());
    // AllowOfflineTxForUnknownId is off: an unknown tag cannot be authorized offline.
    assert_eq!(
        cp.host.with(|cp, now| cp.authorize(now, "TAG-X")),
        Err(CommandError::NotReady)
    );
    let started = StdInstant::now();
    drop(cp);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "drop shuts down promptly: {:?}",
        started.elapsed()
    );
}
