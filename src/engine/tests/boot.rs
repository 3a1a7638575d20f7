//! Boot, heartbeat, connection changes and the CALL in flight.

use super::*;

#[test]
fn boot_is_sent_first_and_repeated_until_accepted() {
    let mut h = Harness::new("boot", 1);
    h.nothing_sent();
    h.cp.handle_connected(h.now);
    h.answer(
        "BootNotification",
        json!({"status": "Pending", "currentTime": CS_TIME, "interval": 5}),
    );
    assert_eq!(h.cp.registration(), Some(RegistrationStatus::Pending));
    // Nothing but the boot goes out while Pending, even with work queued.
    h.cp.set_connector_status(
        h.now,
        1,
        ChargePointStatus::Preparing,
        ChargePointErrorCode::NoError,
    )
    .unwrap();
    h.advance(4_999);
    h.nothing_sent();
    // Pending still answers the Central System's requests.
    assert_eq!(
        h.cs_call("GetConfiguration", json!({"key": ["HeartbeatInterval"]}))["configurationKey"][0]
            ["value"],
        "86400"
    );
    h.advance(1);
    h.answer(
        "BootNotification",
        json!({"status": "Rejected", "currentTime": CS_TIME, "interval": 7}),
    );
    assert_eq!(
        h.cs_raw(r#"[2,"x","Reset",{"type":"Soft"}]"#),
        None,
        "Rejected: requests are ignored"
    );
    h.advance(6_999);
    h.nothing_sent();
    h.advance(1);
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 60}),
    );
    assert!(h.cp.is_online());
    assert_eq!(h.cp.configuration().HeartbeatInterval, 60);
    assert_eq!(
        h.cp.wall_time(h.now).unwrap(),
        DateTime::parse(CS_TIME).unwrap()
    );
    assert_eq!(h.answer("StatusNotification", json!({}))["connectorId"], 0);
    assert_eq!(
        h.answer("StatusNotification", json!({}))["status"],
        "Preparing"
    );
}

#[test]
fn boot_retries_after_callerror_and_timeout() {
    let mut h = Harness::new("boot-retry", 1);
    h.cp.handle_connected(h.now);
    let (id, _) = h.expect_call("BootNotification");
    h.error(&id, "InternalError");
    h.advance(29_999);
    h.nothing_sent();
    h.advance(1);
    h.expect_call("BootNotification");
    h.advance(10_000); // response timeout
    h.advance(30_000);
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 0}),
    );
    assert!(h.cp.is_online());
    assert_eq!(
        h.cp.configuration().HeartbeatInterval,
        86_400,
        "interval 0 keeps the configured heartbeat"
    );
}

#[test]
fn boot_again_after_every_reconnect() {
    let mut h = Harness::new("reconnect", 1);
    h.online();
    h.cp.handle_disconnected(h.now);
    assert!(h.events().contains(&Event::Disconnected));
    h.nothing_sent();
    h.online();
}

#[test]
fn heartbeat_follows_interval_and_configuration_change() {
    let mut h = Harness::new("heartbeat", 1);
    h.online();
    h.advance(299_999);
    h.nothing_sent();
    h.advance(1);
    h.answer("Heartbeat", json!({"currentTime": "2026-11-21T12:00:00Z"}));
    assert_eq!(
        h.cp.wall_time(h.now).unwrap(),
        DateTime::parse("2026-11-21T12:00:00Z").unwrap()
    );
    // The clock jumped by 1 h 55 min: the whitepaper's SettingSystemTime.
    #[cfg(feature = "security")]
    setting_system_time_reported(&mut h, 6_900_000);
    assert_eq!(
        h.cs_call(
            "ChangeConfiguration",
            json!({"key": "HeartbeatInterval", "value": "10"})
        )["status"],
        "Accepted"
    );
    assert!(h
        .events()
        .contains(&Event::ConfigurationChanged(ConfigKey::HeartbeatInterval)));
    h.advance(10_000);
    h.answer("Heartbeat", json!({"currentTime": "2026-11-21T12:00:10Z"}));
    h.advance(10_000);
    h.answer("Heartbeat", json!({"currentTime": "2026-11-21T12:00:20Z"}));
}

#[test]
fn construction_is_validated() {
    let boot = BootNotificationRequest {
        charge_point_vendor: CiString::try_from_str("v").unwrap(),
        charge_point_model: CiString::try_from_str("m").unwrap(),
        ..Default::default()
    };
    let make = |n| {
        ChargePoint::new(
            boot.clone(),
            n,
            FakeStation::default(),
            Options::default(),
            Instant(0),
        )
        .err()
    };
    assert_eq!(make(0), Some(CommandError::InvalidConnector));
    assert_eq!(
        make(MAX_CONNECTORS as u8 + 1),
        Some(CommandError::InvalidConnector)
    );
    assert_eq!(make(1), None);
    let no_vendor = BootNotificationRequest {
        charge_point_vendor: CiString::new(),
        ..boot.clone()
    };
    assert!(ChargePoint::new(
        no_vendor,
        1,
        FakeStation::default(),
        Options::default(),
        Instant(0)
    )
    .is_err());
}

#[test]
fn requests_in_flight_fail_on_disconnect() {
    let mut h = Harness::new("disconnect", 1);
    h.online();
    let a = h.cp.authorize(h.now, "A").unwrap();
    let b = h.cp.authorize(h.now, "B").unwrap();
    h.expect_call("Authorize");
    h.cp.handle_disconnected(h.now);
    let events = h.events();
    assert!(events.contains(&Event::Authorized {
        ticket: a,
        result: Err(RequestError::Offline)
    }));
    assert!(events.contains(&Event::Authorized {
        ticket: b,
        result: Err(RequestError::Offline)
    }));
}

#[test]
fn late_and_unknown_answers_are_ignored() {
    let mut h = Harness::new("late", 1);
    h.online();
    let ticket = h.cp.authorize(h.now, "TAG").unwrap();
    let (id, _) = h.expect_call("Authorize");
    h.result("999", json!({"idTagInfo": {"status": "Accepted"}}));
    assert!(h.events().is_empty());
    h.advance(10_000);
    assert_eq!(
        h.events(),
        [Event::Authorized {
            ticket,
            result: Err(RequestError::Timeout)
        }]
    );
    h.result(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    assert!(h.events().is_empty(), "a late answer changes nothing");
}

#[test]
fn callerror_ends_the_pending_request() {
    let mut h = Harness::new("callerror", 1);
    h.online();
    let ticket = h.cp.authorize(h.now, "TAG").unwrap();
    let (id, _) = h.expect_call("Authorize");
    h.error(&id, "InternalError");
    assert_eq!(
        h.events(),
        [Event::Authorized {
            ticket,
            result: Err(RequestError::CallError(Some(ErrorCode::InternalError)))
        }]
    );
    let ticket = h.cp.authorize(h.now, "TAG").unwrap();
    let (id, _) = h.expect_call("Authorize");
    h.error(&id, "FormatViolation"); // not a 1.6 code, seen from real Central Systems
    assert_eq!(
        h.events(),
        [Event::Authorized {
            ticket,
            result: Err(RequestError::CallError(None))
        }]
    );
    let ticket = h.cp.authorize(h.now, "TAG").unwrap();
    let (id, _) = h.expect_call("Authorize");
    h.result(&id, json!({"idTagInfo": {"status": "Bogus"}}));
    assert_eq!(
        h.events(),
        [Event::Authorized {
            ticket,
            result: Err(RequestError::BadResponse)
        }]
    );
}

/// Regression: with more outstanding commands than the event queue could answer, a disconnect
/// lost answers and the Disconnected event itself. Commands now keep room for their answers.
#[test]
fn every_answer_and_disconnected_fit_the_event_queue() {
    let mut h = Harness::new("events-on-disconnect", MAX_CONNECTORS as u8);
    h.online();
    let mut tickets = StdVec::new();
    let mut refused = 0;
    for i in 0..40 {
        let tag = format!("TAG{i}");
        let issued = match i % 3 {
            0 => h.cp.authorize(h.now, &tag),
            1 => h.cp.data_transfer("acme", None, None),
            _ => {
                h.cp.start_transaction(h.now, (i % MAX_CONNECTORS + 1) as u8, &tag, 0, None)
            }
        };
        match issued {
            Ok(ticket) => tickets.push(ticket),
            Err(CommandError::QueueFull) => refused += 1,
            Err(_) => {}
        }
    }
    assert!(refused > 0, "the queue bound was reached");
    // Informative events never crowd answers out.
    for _ in 0..EVENT_QUEUE_DEPTH {
        h.cp.change_configuration(h.now, "HeartbeatInterval", "60");
    }
    h.cp.handle_disconnected(h.now);
    let events = h.events();
    assert_eq!(events.last(), Some(&Event::Disconnected), "{events:?}");
    for ticket in tickets {
        let answered = events.iter().any(|e| match e {
            Event::Authorized { ticket: t, .. }
            | Event::DataTransferred { ticket: t, .. }
            | Event::TransactionStarted { ticket: t, .. } => *t == ticket,
            _ => false,
        });
        assert!(answered, "ticket {ticket} unanswered: {events:?}");
    }
}

/// Found by fuzzing: a second handle_connected without a handle_disconnected kept the old
/// connection's CALL in flight, so the new connection's BootNotification never went.
#[test]
fn connected_again_without_disconnect_starts_over() {
    let mut h = Harness::new("connected-twice", 1);
    h.cp.handle_connected(h.now);
    h.expect_call("BootNotification");
    h.cp.handle_connected(h.now);
    assert!(h.events().contains(&Event::Disconnected));
    h.expect_call("BootNotification");
}

/// Found by the codec study: a time past 9999-12-31 made the serializer fail, and
/// serde-json-core panics on a serializer error. Such times are refused from the Central System
/// and written clamped when the clock runs past them.
#[test]
fn times_beyond_year_9999_neither_panic_nor_break_frames() {
    let mut h = Harness::new("year-10000", 1);
    h.cp.handle_connected(h.now);
    let boot =
        json!({"status": "Accepted", "currentTime": "9999-12-31T23:59:59-01:00", "interval": 300});
    h.answer("BootNotification", boot);
    assert_eq!(
        h.cp.registration(),
        None,
        "a bad currentTime is a bad answer"
    );
    h.cp.set_wall_clock(h.now, DateTime::from_unix_ms(DateTime::MAX.unix_ms - 500));
    h.advance(30_000);
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300}),
    );
    h.advance(10_000);
    h.cp.set_connector_status(
        h.now,
        1,
        ChargePointStatus::Preparing,
        ChargePointErrorCode::NoError,
    )
    .unwrap();
    let mut last = Value::Null;
    while let Some(frame) = h.transmit() {
        let id = frame[1].as_str().unwrap().to_string();
        last = frame[3].clone();
        h.result(&id, json!({}));
    }
    assert_eq!(last["timestamp"], "9999-12-31T23:59:59.999Z");
}

#[test]
fn clock_jumps_above_the_threshold_are_reported_and_sntp_wins_over_the_central_system() {
    let threshold_ms = crate::capacity::CLOCK_JUMP_THRESHOLD_S as i64 * 1000;
    let mut h = Harness::new("clock-jump", 1);
    // No SNTP (yet): the Central System's currentTime sets the clock.
    h.online();
    let cs_time =
        h.cp.wall_time(h.now)
            .expect("set from the BootNotification answer");
    // SNTP answers close to it: a silent correction.
    let close = DateTime::from_unix_ms(cs_time.unix_ms + threshold_ms);
    assert_eq!(h.cp.set_wall_clock(h.now, close), None);
    // Far from it: a jump, reported with its sign.
    let far = DateTime::from_unix_ms(close.unix_ms - threshold_ms - 1);
    assert_eq!(h.cp.set_wall_clock(h.now, far), Some(-threshold_ms - 1));
    #[cfg(feature = "security")]
    setting_system_time_reported(&mut h, -threshold_ms - 1);
    // Once SNTP set it, the Central System's currentTime is no longer applied.
    h.advance(300_000);
    h.answer("Heartbeat", json!({"currentTime": "2001-01-01T00:00:00Z"}));
    assert_eq!(
        h.cp.wall_time(h.now).unwrap().unix_ms,
        far.unix_ms + 300_000,
        "the SNTP time runs on"
    );
}

/// The SecurityEventNotification SettingSystemTime of a clock jump, stamped with the new time.
#[cfg(feature = "security")]
fn setting_system_time_reported(h: &mut Harness, jump_ms: i64) {
    let (id, event) = h.expect_call("SecurityEventNotification");
    assert_eq!(event["type"], "SettingSystemTime");
    assert_eq!(event["techInfo"], format!("jump of {jump_ms} ms"));
    assert_eq!(
        event["timestamp"],
        h.cp.wall_time(h.now).unwrap().to_string()
    );
    h.result(&id, json!({}));
}
