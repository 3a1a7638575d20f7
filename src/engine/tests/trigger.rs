//! Remote Trigger: every requested message, with and without connectorId, always after the
//! CALLRESULT.

use super::*;

/// Sends a TriggerMessage; returns its answer.
fn triggered(h: &mut Harness, message: &str, connector: Option<u32>) -> Value {
    let mut payload = json!({ "requestedMessage": message });
    if let Some(c) = connector {
        payload["connectorId"] = json!(c);
    }
    h.cs_call("TriggerMessage", payload)
}

#[test]
fn every_requested_message_follows_its_answer() {
    let mut h = Harness::new("trigger-messages", 2);
    h.online();
    h.cp.station_mut().energy_wh[1..3].copy_from_slice(&[1200, 3400]);

    // Accepted first (the CALLRESULT is what handle_frame returns); only then is the triggered
    // message sent, by the next poll_transmit.
    assert_eq!(
        triggered(&mut h, "Heartbeat", None),
        json!({"status": "Accepted"})
    );
    h.answer("Heartbeat", json!({"currentTime": CS_TIME}));
    h.nothing_sent();

    assert_eq!(
        triggered(&mut h, "BootNotification", None)["status"],
        "Accepted"
    );
    let boot = h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 120}),
    );
    assert_eq!(boot["chargePointModel"], "unit");
    assert_eq!(h.cp.configuration().HeartbeatInterval, 120);
    // An accepted boot reports every connector again.
    for connector in 0..=2 {
        assert_eq!(
            h.answer("StatusNotification", json!({}))["connectorId"],
            connector
        );
    }
    h.nothing_sent();

    for (message, status) in [
        ("DiagnosticsStatusNotification", "Idle"),
        ("FirmwareStatusNotification", "Idle"),
    ] {
        assert_eq!(triggered(&mut h, message, None)["status"], "Accepted");
        assert_eq!(h.answer(message, json!({})), json!({ "status": status }));
    }
    h.nothing_sent();
    let events = h.events();
    assert!(events.contains(&Event::MessageTriggered {
        message: MessageTrigger::FirmwareStatusNotification,
        connector: None
    }));
}

#[test]
fn status_notification_per_connector_or_all_even_unchanged() {
    let mut h = Harness::new("trigger-status", 2);
    h.online();
    h.cp.change_configuration(h.now, "MinimumStatusDuration", "600");
    assert_eq!(
        triggered(&mut h, "StatusNotification", Some(2))["status"],
        "Accepted"
    );
    // Unchanged and inside MinimumStatusDuration, still sent at once.
    let status = h.answer("StatusNotification", json!({}));
    assert_eq!(
        (status["connectorId"].clone(), status["status"].clone()),
        (json!(2), json!("Available"))
    );
    h.nothing_sent();
    assert_eq!(
        h.events(),
        [
            Event::ConfigurationChanged(ConfigKey::MinimumStatusDuration),
            Event::MessageTriggered {
                message: MessageTrigger::StatusNotification,
                connector: Some(2)
            }
        ]
    );

    triggered(&mut h, "StatusNotification", None);
    for connector in 0..=2 {
        assert_eq!(
            h.answer("StatusNotification", json!({}))["connectorId"],
            connector
        );
    }
    h.nothing_sent();
    triggered(&mut h, "StatusNotification", Some(0));
    assert_eq!(h.answer("StatusNotification", json!({}))["connectorId"], 0);
}

#[test]
fn meter_values_carry_context_trigger_and_the_transaction() {
    let mut h = Harness::new("trigger-meter-values", 2);
    h.online();
    h.cp.change_configuration(
        h.now,
        "MeterValuesSampledData",
        "Energy.Active.Import.Register,Power.Active.Import",
    );
    h.cp.station_mut().energy_wh[1..3].copy_from_slice(&[1000, 2000]);
    h.start(1, "TAG", 1000);
    h.answer(
        "StartTransaction",
        json!({"transactionId": 77, "idTagInfo": {"status": "Accepted"}}),
    );
    h.answer("StatusNotification", json!({}));
    h.cp.station_mut().energy_wh[1] = 1500;

    assert_eq!(
        triggered(&mut h, "MeterValues", Some(1))["status"],
        "Accepted"
    );
    let mv = h.answer("MeterValues", json!({}));
    assert_eq!(mv["connectorId"], 1);
    assert_eq!(mv["transactionId"], 77);
    let values = mv["meterValue"][0]["sampledValue"].as_array().unwrap();
    assert_eq!(values.len(), 2);
    assert!(values.iter().all(|v| v["context"] == "Trigger"));
    assert_eq!(values[0]["value"], "1500");
    assert_eq!(values[1]["measurand"], "Power.Active.Import");
    h.nothing_sent();

    // Without connectorId: every connector, the one without a transaction without an id.
    triggered(&mut h, "MeterValues", None);
    let first = h.answer("MeterValues", json!({}));
    let second = h.answer("MeterValues", json!({}));
    assert_eq!(
        (first["connectorId"].clone(), second["connectorId"].clone()),
        (json!(1), json!(2))
    );
    assert!(second.get("transactionId").is_none());
    assert_eq!(second["meterValue"][0]["sampledValue"][0]["value"], "2000");
    h.nothing_sent();
}

#[test]
fn connector_out_of_range_or_nothing_to_send_is_rejected() {
    let mut h = Harness::new("trigger-rejected", 2);
    h.online();
    for message in ["StatusNotification", "MeterValues", "Heartbeat"] {
        assert_eq!(
            triggered(&mut h, message, Some(3)),
            json!({"status": "Rejected"}),
            "{message}"
        );
    }
    // connectorId 3 of 2, and one beyond u8.
    assert_eq!(
        triggered(&mut h, "StatusNotification", Some(300))["status"],
        "Rejected"
    );
    // No reading available on connector 4's meter: nothing to send.
    h.cp.station_mut().energy_wh = [0; MAX_CONNECTORS + 1];
    h.cp.change_configuration(h.now, "MeterValuesSampledData", "Voltage");
    assert_eq!(
        triggered(&mut h, "MeterValues", Some(1))["status"],
        "Rejected"
    );
    h.nothing_sent();
    assert!(!h
        .events()
        .iter()
        .any(|e| matches!(e, Event::MessageTriggered { .. })));
    assert_eq!(
        h.cs_call_error("TriggerMessage", r#"{"requestedMessage":"Coffee"}"#),
        "PropertyConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error("TriggerMessage", r#"{"connectorId":1}"#),
        "OccurenceConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error(
            "TriggerMessage",
            r#"{"requestedMessage":"Heartbeat","connectorId":"1"}"#
        ),
        "TypeConstraintViolation"
    );
}

#[test]
fn triggered_message_waits_for_the_call_in_flight() {
    let mut h = Harness::new("trigger-in-flight", 1);
    h.online();
    h.cp.authorize(h.now, "TAG").unwrap();
    let (id, _) = h.expect_call("Authorize");
    triggered(&mut h, "Heartbeat", None);
    // One CALL at a time: the Heartbeat goes once the Authorize is answered.
    h.nothing_sent();
    h.result(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    h.answer("Heartbeat", json!({"currentTime": CS_TIME}));
}
