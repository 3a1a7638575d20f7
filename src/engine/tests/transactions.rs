//! Transactions, meter values and the offline transaction queue.

use super::*;

#[test]
fn transaction_with_periodic_meter_values() {
    let mut h = Harness::new("transaction", 2);
    h.online();
    assert_eq!(
        h.cs_call(
            "ChangeConfiguration",
            json!({"key": "MeterValueSampleInterval", "value": "15"})
        )["status"],
        "Accepted"
    );
    h.cs_call(
        "ChangeConfiguration",
        json!({"key": "MeterValuesSampledData", "value": "Energy.Active.Import.Register,Power.Active.Import,Voltage"}),
    );
    h.cp.station_mut().energy_wh[2] = 1000;
    let ticket = h.start(2, "TAG", 1000);
    let start = h.answer(
        "StartTransaction",
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 42}),
    );
    assert_eq!(
        (start["connectorId"].as_u64(), start["meterStart"].as_i64()),
        (Some(2), Some(1000))
    );
    assert_eq!(start["timestamp"], "2026-11-21T10:00:00.000Z");
    assert_eq!(
        h.answer("StatusNotification", json!({}))["status"],
        "Charging"
    );
    assert!(h.events().contains(&Event::TransactionStarted {
        ticket,
        connector: 2,
        result: Ok(StartOutcome::Accepted { transaction_id: 42 })
    }));
    assert_eq!(h.cp.transaction_id(2), Some(42));
    assert_eq!(
        h.cp.start_transaction(h.now, 2, "TAG", 0, None),
        Err(CommandError::Busy)
    );
    for i in 1..=3 {
        h.cp.station_mut().energy_wh[2] += 100;
        h.advance(15_000);
        let mv = h.answer("MeterValues", json!({}));
        assert_eq!(mv["transactionId"], 42);
        assert_eq!(mv["connectorId"], 2);
        let values = mv["meterValue"][0]["sampledValue"].as_array().unwrap();
        assert_eq!(
            values.len(),
            2,
            "Voltage is not available from the station: {mv}"
        );
        assert_eq!(values[0]["value"], (1000 + 100 * i).to_string());
        assert_eq!(values[0]["measurand"], "Energy.Active.Import.Register");
        assert_eq!(values[0]["unit"], "Wh");
        assert_eq!(values[0]["context"], "Sample.Periodic");
        assert_eq!(values[1]["unit"], "W");
    }
    let ticket =
        h.cp.stop_transaction(h.now, 2, 1300, None, Some("TAG"))
            .unwrap();
    let stop = h.answer(
        "StopTransaction",
        json!({"idTagInfo": {"status": "Accepted"}}),
    );
    assert_eq!(
        (stop["transactionId"].as_i64(), stop["meterStop"].as_i64()),
        (Some(42), Some(1300))
    );
    assert_eq!(stop["reason"], "Local");
    assert_eq!(
        stop["transactionData"][0]["sampledValue"][0]["context"],
        "Transaction.End"
    );
    assert_eq!(
        h.answer("StatusNotification", json!({}))["status"],
        "Finishing"
    );
    assert!(h.events().contains(&Event::TransactionStopped {
        ticket,
        connector: 2,
        result: Ok(StopOutcome::Delivered)
    }));
    h.advance(60_000);
    h.nothing_sent();
    assert_eq!(h.cp.queued_transaction_messages(), 0);
}

#[test]
fn transaction_command_errors() {
    let mut h = Harness::new("transaction-errors", 2);
    h.online();
    assert_eq!(
        h.cp.start_transaction(h.now, 0, "T", 0, None),
        Err(CommandError::InvalidConnector)
    );
    assert_eq!(
        h.cp.start_transaction(h.now, 3, "T", 0, None),
        Err(CommandError::InvalidConnector)
    );
    assert_eq!(
        h.cp.start_transaction(h.now, 1, "", 0, None),
        Err(CommandError::InvalidArgument)
    );
    assert_eq!(
        h.cp.stop_transaction(h.now, 1, 0, None, None),
        Err(CommandError::Busy)
    );
    assert_eq!(
        h.cp.stop_transaction(h.now, 9, 0, None, None),
        Err(CommandError::InvalidConnector)
    );
    h.start(1, "T", 0);
    assert_eq!(
        h.cp.start_transaction(h.now, 1, "T", 0, None),
        Err(CommandError::Busy)
    );
    h.cp.set_connector_status(
        h.now,
        2,
        ChargePointStatus::Faulted,
        ChargePointErrorCode::GroundFailure,
    )
    .unwrap();
    assert_eq!(
        h.cp.start_transaction(h.now, 2, "T", 0, None),
        Err(CommandError::Unavailable)
    );
    assert_eq!(
        h.cp.set_connector_status(
            h.now,
            3,
            ChargePointStatus::Available,
            ChargePointErrorCode::NoError
        ),
        Err(CommandError::InvalidConnector)
    );
}

#[test]
fn rejected_id_tag_stops_the_transaction() {
    let mut h = Harness::new("deauthorized", 1);
    h.online();
    h.cp.station_mut().energy_wh[1] = 55;
    let ticket = h.start(1, "INVALID1", 50);
    h.answer(
        "StartTransaction",
        json!({"idTagInfo": {"status": "Invalid"}, "transactionId": 7}),
    );
    assert!(h.events().contains(&Event::TransactionStarted {
        ticket,
        connector: 1,
        result: Ok(StartOutcome::Rejected {
            transaction_id: 7,
            status: AuthorizationStatus::Invalid
        })
    }));
    // The stop supersedes the unreported Charging status: StopTransaction, then Finishing.
    let stop = h.answer("StopTransaction", json!({}));
    assert_eq!(
        h.answer("StatusNotification", json!({}))["status"],
        "Finishing"
    );
    assert_eq!(
        (
            stop["reason"].as_str(),
            stop["transactionId"].as_i64(),
            stop["meterStop"].as_i64()
        ),
        (Some("DeAuthorized"), Some(7), Some(55))
    );
    assert!(!h.cp.has_transaction(1));
}

#[test]
fn offline_transactions_are_queued_and_replayed_in_order() {
    let mut h = Harness::new("offline", 2);
    h.cs_ids = 0;
    h.online();
    h.cp.change_configuration(h.now, "MeterValueSampleInterval", "10");
    // A transaction started online...
    h.start(1, "ONLINE", 0);
    h.answer(
        "StartTransaction",
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 100}),
    );
    h.answer("StatusNotification", json!({}));
    h.events();
    // ...then the link drops mid-transaction.
    h.cp.handle_disconnected(h.now);
    h.cp.station_mut().energy_wh[1] = 10;
    h.advance(10_000);
    h.cp.station_mut().energy_wh[1] = 20;
    h.advance(10_000);
    // A transaction started and stopped offline on connector 2.
    let t2 = h.start(2, "OFFLINE", 500);
    h.advance(10_000);
    let t2_stop = h.cp.stop_transaction(h.now, 2, 600, None, None).unwrap();
    let t1_stop = h.cp.stop_transaction(h.now, 1, 30, None, None).unwrap();
    let events = h.events();
    assert!(events.contains(&Event::TransactionStarted {
        ticket: t2,
        connector: 2,
        result: Ok(StartOutcome::Queued)
    }));
    assert!(events.contains(&Event::TransactionStopped {
        ticket: t2_stop,
        connector: 2,
        result: Ok(StopOutcome::Queued)
    }));
    assert!(events.contains(&Event::TransactionStopped {
        ticket: t1_stop,
        connector: 1,
        result: Ok(StopOutcome::Queued)
    }));
    h.nothing_sent();
    assert_eq!(h.cp.queued_transaction_messages(), 7);
    // Reconnect: boot, statuses (they changed while offline), then the queue in order.
    h.cp.handle_connected(h.now);
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": "2026-11-21T10:01:00Z", "interval": 300}),
    );
    let mut sent = StdVec::new();
    while let Some(frame) = h.transmit() {
        let (id, action, payload) = (
            frame[1].as_str().unwrap().to_string(),
            frame[2].as_str().unwrap().to_string(),
            frame[3].clone(),
        );
        let answer = match action.as_str() {
            "StartTransaction" => {
                json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 200})
            }
            "StopTransaction" => json!({}),
            _ => json!({}),
        };
        h.result(&id, answer);
        if action != "StatusNotification" {
            sent.push((
                action,
                payload["connectorId"].as_u64(),
                payload["transactionId"].as_i64(),
            ));
        }
    }
    let expected = [
        ("MeterValues", Some(1), Some(100)),
        ("MeterValues", Some(1), Some(100)),
        ("StartTransaction", Some(2), None),
        ("MeterValues", Some(1), Some(100)),
        ("MeterValues", Some(2), Some(200)),
        ("StopTransaction", None, Some(200)),
        ("StopTransaction", None, Some(100)),
        // The reconnection's currentTime set the clock back (SettingSystemTime, whitepaper).
        #[cfg(feature = "security")]
        ("SecurityEventNotification", None, None),
    ];
    let sent: StdVec<_> = sent.iter().map(|(a, c, t)| (a.as_str(), *c, *t)).collect();
    assert_eq!(sent, expected);
    assert_eq!(h.cp.queued_transaction_messages(), 0);
}

#[test]
fn transaction_messages_retry_then_give_up() {
    let mut h = Harness::new("retry", 1);
    h.online();
    h.cp.change_configuration(h.now, "TransactionMessageAttempts", "3");
    h.cp.change_configuration(h.now, "TransactionMessageRetryInterval", "10");
    h.cp.change_configuration(h.now, "MeterValueSampleInterval", "0");
    let ticket = h.start(1, "TAG", 0);
    let (id, _) = h.expect_call("StartTransaction");
    h.error(&id, "InternalError");
    assert!(h.events().contains(&Event::TransactionStarted {
        ticket,
        connector: 1,
        result: Ok(StartOutcome::Queued)
    }));
    h.answer("StatusNotification", json!({}));
    h.advance(9_999);
    h.nothing_sent();
    h.advance(1);
    let (id, _) = h.expect_call("StartTransaction");
    h.advance(10_000); // no answer: the second attempt fails by timeout
    h.advance(19_999);
    h.nothing_sent();
    h.advance(1);
    let (id2, _) = h.expect_call("StartTransaction");
    assert_ne!(id, id2, "every attempt has a new message id");
    h.error(&id2, "InternalError");
    assert!(h.events().contains(&Event::TransactionMessageDiscarded {
        connector: 1,
        action: Action::StartTransaction
    }));
    assert_eq!(h.cp.queued_transaction_messages(), 0);
}

#[test]
fn stop_transaction_carries_aligned_and_end_readings() {
    let mut h = Harness::new("stop-txn-data", 1);
    h.online(); // wall clock 10:00:00
    h.cp.change_configuration(h.now, "HeartbeatInterval", "0");
    h.cp.change_configuration(h.now, "StopTxnAlignedData", "Energy.Active.Import.Register");
    h.cp.change_configuration(
        h.now,
        "StopTxnSampledData",
        "Energy.Active.Import.Register,Power.Active.Import",
    );
    h.cp.change_configuration(h.now, "MeterValuesAlignedData", "");
    h.cp.change_configuration(h.now, "MeterValueSampleInterval", "0");
    h.cp.change_configuration(h.now, "ClockAlignedDataInterval", "60");
    h.start(1, "T", 0);
    h.answer(
        "StartTransaction",
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 8}),
    );
    h.answer("StatusNotification", json!({}));
    h.cp.station_mut().energy_wh[1] = 120;
    h.advance(60_000);
    h.nothing_sent(); // MeterValuesAlignedData is empty: nothing is sent at the boundary
    h.cp.station_mut().energy_wh[1] = 150;
    h.advance(30_000);
    h.cp.stop_transaction(h.now, 1, 150, None, None).unwrap();
    let stop = h.answer("StopTransaction", json!({}));
    let data = stop["transactionData"].as_array().unwrap();
    assert_eq!(data.len(), 2, "{stop}");
    assert_eq!(data[0]["timestamp"], "2026-11-21T10:01:00.000Z");
    assert_eq!(data[0]["sampledValue"][0]["value"], "120");
    assert_eq!(data[0]["sampledValue"][0]["context"], "Sample.Clock");
    assert_eq!(data[1]["sampledValue"].as_array().unwrap().len(), 2);
    assert_eq!(data[1]["sampledValue"][0]["value"], "150");
    assert_eq!(data[1]["sampledValue"][0]["context"], "Transaction.End");
}

#[test]
fn clock_aligned_meter_values() {
    let mut h = Harness::new("aligned", 1);
    h.online(); // wall clock 10:00:00
    h.cp.change_configuration(h.now, "HeartbeatInterval", "0");
    h.cp.change_configuration(
        h.now,
        "MeterValuesAlignedData",
        "Energy.Active.Import.Register",
    );
    h.cp.change_configuration(h.now, "ClockAlignedDataInterval", "900");
    h.advance(899_999);
    h.nothing_sent();
    h.advance(1);
    let mv = h.answer("MeterValues", json!({}));
    assert_eq!(mv["meterValue"][0]["timestamp"], "2026-11-21T10:15:00.000Z");
    assert_eq!(
        mv["meterValue"][0]["sampledValue"][0]["context"],
        "Sample.Clock"
    );
    assert!(mv.get("transactionId").is_none());
}

/// Regression: with every waiting slot taken (2 per connector), a stop used to be accepted and
/// then silently not queued. It is queued, and its caller told so at once.
#[test]
fn stop_is_queued_even_when_every_waiting_slot_is_taken() {
    let connectors = MAX_CONNECTORS as u8;
    let mut h = Harness::new("stop-waiting-full", connectors);
    h.online();
    let mut tickets = StdVec::new();
    for c in 1..=connectors {
        tickets.push(h.start(c, "TAG", 0));
    }
    for c in 1..connectors {
        tickets.push(h.cp.stop_transaction(h.now, c, 10, None, None).unwrap());
    }
    tickets.push(h.start(1, "TAG", 10));
    assert_eq!(
        h.cp.transactions.waiting_len(),
        2 * MAX_CONNECTORS,
        "every slot taken"
    );
    let last =
        h.cp.stop_transaction(h.now, connectors, 10, None, None)
            .unwrap();
    assert!(h.events().contains(&Event::TransactionStopped {
        ticket: last,
        connector: connectors,
        result: Ok(StopOutcome::Queued)
    }));
    // Everything reaches the Central System, in order.
    let (mut starts, mut stops, mut id) = (0, 0, 0);
    while let Some(frame) = h.transmit() {
        let (action, msg_id) = (frame[2].as_str().unwrap().to_string(), frame[1].clone());
        let payload = match action.as_str() {
            "StartTransaction" => {
                starts += 1;
                id += 1;
                json!({"transactionId": id, "idTagInfo": {"status": "Accepted"}})
            }
            "StopTransaction" => {
                stops += 1;
                json!({})
            }
            _ => json!({}),
        };
        h.result(msg_id.as_str().unwrap(), payload);
    }
    assert_eq!((starts, stops), (MAX_CONNECTORS + 1, MAX_CONNECTORS));
    let answered = h
        .events()
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::TransactionStarted { .. } | Event::TransactionStopped { .. }
            )
        })
        .count();
    assert_eq!(answered, tickets.len(), "every other caller got its answer");
}

/// Regression: meterStop came from the caller while the Transaction.End sample was read from
/// the station a moment later, so one StopTransaction carried two end readings.
#[test]
fn stop_carries_one_end_reading() {
    let mut h = Harness::new("stop-one-reading", 1);
    h.online();
    h.start(1, "T", 0);
    h.answer(
        "StartTransaction",
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 3}),
    );
    h.answer("StatusNotification", json!({}));
    // The station's register has moved on since the application read 4200 for the stop.
    h.cp.station_mut().energy_wh[1] = 4250;
    h.cp.stop_transaction(h.now, 1, 4200, None, None).unwrap();
    let stop = h.answer("StopTransaction", json!({}));
    assert_eq!(stop["meterStop"], 4200);
    let end = &stop["transactionData"][0]["sampledValue"][0];
    assert_eq!(
        (end["value"].clone(), end["context"].clone()),
        (json!("4200"), json!("Transaction.End"))
    );
}

#[test]
fn sample_text_writes_any_reading_as_its_decimal_text() {
    for value in [
        0,
        7,
        -7,
        999_999_999,
        1_000_000_000,
        -1_000_000_001,
        i64::MAX,
        i64::MIN,
    ] {
        assert_eq!(sample_text(value).as_str(), value.to_string(), "{value}");
    }
}
