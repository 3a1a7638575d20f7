//! The security whitepaper's messages: SecurityEventNotification queued offline and across a
//! power cut, in order with transaction messages, retried; ExtendedTriggerMessage's messages.

use super::store::MemStore;
use super::*;
use crate::messages::SecurityEventType;

/// The next CALL sent, if any: (id, (action, payload)).
fn try_call(h: &mut Harness) -> Option<(String, (String, Value))> {
    let frame = h.transmit()?;
    assert_eq!(frame[0], 2, "{frame}");
    let action = frame[2].as_str()?.to_string();
    Some((frame[1].as_str()?.to_string(), (action, frame[3].clone())))
}

#[test]
fn security_events_recorded_offline_are_sent_in_order_after_registration() {
    let mut h = Harness::new("security-events-offline", 1);
    // Before any connection: the wall clock is unknown, the stamp is monotonic.
    h.cp.record_security_event(h.now, SecurityEventType::StartupOfTheDevice, None)
        .unwrap();
    h.cp.record_security_event(
        h.now,
        SecurityEventType::InvalidCentralSystemCertificate,
        Some("unknown issuer"),
    )
    .unwrap();
    h.cp.handle_connected(h.now);
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300}),
    );
    let mut sent = StdVec::new();
    while let Some((id, (action, payload))) = try_call(&mut h) {
        h.result(&id, json!({}));
        if action == "SecurityEventNotification" {
            sent.push(payload);
        }
    }
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0]["type"], "StartupOfTheDevice");
    assert!(sent[0].get("techInfo").is_none(), "{}", sent[0]);
    // Recorded before the clock was known: stamped when it became known.
    assert_eq!(sent[0]["timestamp"], CS_TIME);
    assert_eq!(sent[1]["type"], "InvalidCentralSystemCertificate");
    assert_eq!(sent[1]["techInfo"], "unknown issuer");

    // Online: with a known clock, the event's own time.
    h.advance(5_000);
    h.cp.record_security_event(h.now, SecurityEventType::ResetOrReboot, None)
        .unwrap();
    let third = h.answer("SecurityEventNotification", json!({}));
    assert_eq!(third["type"], "ResetOrReboot");
    assert_eq!(third["timestamp"], "2026-11-21T10:00:05.000Z");
}

#[test]
fn security_events_keep_their_place_among_transaction_messages() {
    let mut h = Harness::new("security-events-order", 1);
    h.online();
    h.cp.handle_disconnected(h.now);
    h.start(1, "TAG1", 10);
    h.cp.record_security_event(h.now, SecurityEventType::TamperDetectionActivated, None)
        .unwrap();
    h.cp.handle_connected(h.now);
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300}),
    );
    let mut order = StdVec::new();
    while let Some((id, (action, _))) = try_call(&mut h) {
        let payload = match action.as_str() {
            "StartTransaction" => {
                json!({"transactionId": 7, "idTagInfo": {"status": "Accepted"}})
            }
            _ => json!({}),
        };
        h.result(&id, payload);
        if action != "StatusNotification" {
            order.push(action);
        }
    }
    assert_eq!(order, ["StartTransaction", "SecurityEventNotification"]);
}

#[test]
fn a_security_event_without_an_answer_is_retried_and_techinfo_is_cut_on_a_char_boundary() {
    let mut h = Harness::new("security-events-retry", 1);
    h.online();
    let long = "é".repeat(crate::capacity::SECURITY_TECH_INFO_MAX);
    h.cp.record_security_event(h.now, SecurityEventType::InvalidMessages, Some(&long))
        .unwrap();
    let (id, request) = h.expect_call("SecurityEventNotification");
    let info = request["techInfo"].as_str().unwrap().to_string();
    assert!(info.len() <= crate::capacity::SECURITY_TECH_INFO_MAX);
    assert!(long.starts_with(&info) && !info.is_empty());
    h.error(&id, "InternalError");
    h.nothing_sent();
    // The transaction queue's back-off, then the same event again.
    let retry = u64::from(h.cp.configuration().TransactionMessageRetryInterval) * 1000;
    h.advance(retry);
    let again = h.answer("SecurityEventNotification", json!({}));
    assert_eq!(again["techInfo"], info.as_str());
    h.nothing_sent();
}

#[test]
fn security_events_survive_a_power_cut() {
    let mut h = Harness::new("security-events-store", 1);
    h.cp.enable_store();
    h.online();
    let mut store = MemStore::default();
    store.drain(&mut h.cp);
    h.cp.handle_disconnected(h.now);
    h.cp.record_security_event(h.now, SecurityEventType::SettingSystemTime, Some("sntp"))
        .unwrap();
    store.drain(&mut h.cp);
    // Power cut: a new charge point restored from the store.
    let (mut h, _report) = store.boot("security-events-store-restored", h.now);
    h.cp.handle_connected(h.now);
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300}),
    );
    let mut events = StdVec::new();
    while let Some((id, (action, payload))) = try_call(&mut h) {
        h.result(&id, json!({}));
        if action == "SecurityEventNotification" {
            events.push(payload);
        }
    }
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "SettingSystemTime");
    assert_eq!(events[0]["techInfo"], "sntp");
}

#[test]
fn security_events_never_crowd_out_a_running_transactions_stop() {
    let mut h = Harness::new("security-events-full", 1);
    h.online();
    h.cp.handle_disconnected(h.now);
    h.start(1, "TAG1", 10);
    let mut queued = 0;
    while h
        .cp
        .record_security_event(h.now, SecurityEventType::InvalidMessages, Some("x"))
        .is_ok()
    {
        queued += 1;
        assert!(queued < 10_000, "the queue never filled");
    }
    assert_eq!(
        h.cp.record_security_event(h.now, SecurityEventType::MemoryExhaustion, None),
        Err(CommandError::QueueFull)
    );
    assert!(queued > 0);
    // The StopTransaction still fits.
    assert!(h.cp.stop_transaction(h.now, 1, 20, None, None).is_ok());
}

fn extended(h: &mut Harness, message: &str, connector: Option<u32>) -> Value {
    let mut payload = json!({ "requestedMessage": message });
    if let Some(c) = connector {
        payload["connectorId"] = json!(c);
    }
    h.cs_call("ExtendedTriggerMessage", payload)
}

#[test]
fn extended_trigger_message_sends_each_message_after_its_answer() {
    let mut h = Harness::new("security-extended-trigger", 2);
    h.online();
    h.cp.station_mut().energy_wh[1] = 1200;
    assert_eq!(extended(&mut h, "Heartbeat", None)["status"], "Accepted");
    h.answer("Heartbeat", json!({"currentTime": CS_TIME}));
    assert_eq!(
        extended(&mut h, "LogStatusNotification", None)["status"],
        "Accepted"
    );
    assert_eq!(
        h.answer("LogStatusNotification", json!({})),
        json!({"status": "Idle"})
    );
    assert_eq!(
        extended(&mut h, "FirmwareStatusNotification", None)["status"],
        "Accepted"
    );
    // With SignedUpdateFirmware built, the signed update's state (Idle, no requestId).
    let firmware = match cfg!(feature = "signed-firmware") {
        true => "SignedFirmwareStatusNotification",
        false => "FirmwareStatusNotification",
    };
    assert_eq!(h.answer(firmware, json!({})), json!({"status": "Idle"}));
    assert_eq!(
        extended(&mut h, "StatusNotification", Some(2))["status"],
        "Accepted"
    );
    assert_eq!(h.answer("StatusNotification", json!({}))["connectorId"], 2);
    assert_eq!(
        extended(&mut h, "MeterValues", Some(1))["status"],
        "Accepted"
    );
    let meter = h.answer("MeterValues", json!({}));
    assert_eq!(meter["connectorId"], 1);
    assert_eq!(
        meter["meterValue"][0]["sampledValue"][0]["context"],
        "Trigger"
    );
    assert_eq!(
        extended(&mut h, "BootNotification", None)["status"],
        "Accepted"
    );
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300}),
    );
    while let Some((id, _)) = try_call(&mut h) {
        h.result(&id, json!({}));
    }
    assert_eq!(
        extended(&mut h, "SignChargePointCertificate", None)["status"],
        // With certificate-signing, a CSR request for the platform (nothing sent yet).
        if cfg!(feature = "certificate-signing") {
            "Accepted"
        } else {
            "NotImplemented"
        }
    );
    assert_eq!(
        extended(&mut h, "StatusNotification", Some(3))["status"],
        "Rejected",
        "no connector 3"
    );
    h.nothing_sent();
    assert!(h.events().contains(&Event::MessageTriggered {
        message: MessageTrigger::StatusNotification,
        connector: Some(2)
    }));
}

#[test]
fn extended_trigger_message_that_does_not_match_the_schema() {
    let mut h = Harness::new("security-extended-trigger-bad", 1);
    h.online();
    assert_eq!(
        h.cs_call_error(
            "ExtendedTriggerMessage",
            r#"{"requestedMessage":"DiagnosticsStatusNotification"}"#
        ),
        "PropertyConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error("ExtendedTriggerMessage", r#"{}"#),
        "OccurenceConstraintViolation"
    );
    h.nothing_sent();
}

#[cfg(feature = "security-profiles")]
#[test]
fn a_refused_connection_is_queued_as_its_security_event() {
    use crate::engine::ConnectionFailure;
    let mut h = Harness::new("security-event-refused", 1);
    h.cp.handle_connection_failed(h.now, ConnectionFailure::Unauthorized);
    h.cp.handle_connection_failed(h.now, ConnectionFailure::InvalidCentralSystemCertificate);
    h.cp.handle_connected(h.now);
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300}),
    );
    let mut sent = StdVec::new();
    while let Some((id, (action, payload))) = try_call(&mut h) {
        h.result(&id, json!({}));
        if action == "SecurityEventNotification" {
            sent.push(payload["type"].as_str().unwrap_or_default().to_owned());
        }
    }
    assert_eq!(
        sent,
        [
            "FailedToAuthenticateAtCentralSystem",
            "InvalidCentralSystemCertificate"
        ]
    );
}
