//! Requests from the Central System: every one answered once, with the right code.

use super::*;

#[test]
fn every_central_system_call_gets_one_answer() {
    let mut h = Harness::new("callerrors", 1);
    h.online();
    assert_eq!(h.cs_call_error("FlyToTheMoon", "{}"), "NotImplemented");
    assert_eq!(h.cs_call_error("BootNotification", "{}"), "NotSupported");
    // A profile this build leaves out is NotSupported; one it has checks the payload.
    #[cfg(not(feature = "firmware-management"))]
    assert_eq!(h.cs_call_error("UpdateFirmware", "{}"), "NotSupported");
    #[cfg(not(feature = "reservation"))]
    assert_eq!(h.cs_call_error("ReserveNow", "{}"), "NotSupported");
    #[cfg(feature = "reservation")]
    assert_eq!(
        h.cs_call_error("ReserveNow", "{}"),
        "OccurenceConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error("Reset", "{}"),
        "OccurenceConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error("Reset", r#"{"type":"Sideways"}"#),
        "PropertyConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error("Reset", r#"{"type":5}"#),
        "TypeConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error("UnlockConnector", r#"{"connectorId":"1"}"#),
        "TypeConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error("UnlockConnector", r#"{"connectorId":1.5}"#),
        "TypeConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error(
            "RemoteStartTransaction",
            r#"{"idTag":"123456789012345678901"}"#
        ),
        "PropertyConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error("ChangeConfiguration", r#"{"key":"HeartbeatInterval"}"#),
        "OccurenceConstraintViolation"
    );
    assert_eq!(h.cs_call_error("Reset", "[]"), "FormationViolation");
    let reply = h.cs_raw(r#"[2,"bad","Reset",{"type":}]"#).unwrap();
    assert_eq!(
        (reply[1].as_str(), reply[2].as_str()),
        (Some("bad"), Some("FormationViolation"))
    );
    let reply = h.cs_raw("garbage").unwrap();
    assert_eq!(
        (reply[1].as_str(), reply[2].as_str()),
        (Some("-1"), Some("FormationViolation"))
    );
    let reply = h.cs_raw(r#"[2,"x","Reset"]"#).unwrap();
    assert_eq!(reply[2], "ProtocolError");
    // Whitespace and unknown extra fields are fine; escapes are decoded.
    let reply = h.cs_raw("\n[ 2 ,\t\"ws\" , \"DataTransfer\" , { \"vendorId\" : \"ac\\u006de\", \"data\": \"a\\\"b\", \"x\": [1,{}] } ]\r\n").unwrap();
    assert_eq!(
        reply,
        json!([3, "ws", {"status": "Accepted", "data": "a\"b"}])
    );
    assert_eq!(
        h.cs_call("DataTransfer", json!({"vendorId": "other"}))["status"],
        "UnknownVendorId"
    );
    assert_eq!(
        h.cs_call_error("DataTransfer", r#"{"messageId":"m"}"#),
        "OccurenceConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error("DataTransfer", r#"{"vendorId":5}"#),
        "TypeConstraintViolation"
    );
    let long_vendor = json!({"vendorId": "v".repeat(256)}).to_string();
    assert_eq!(
        h.cs_call_error("DataTransfer", &long_vendor),
        "PropertyConstraintViolation"
    );
    let with_null = json!({"vendorId": "acme", "messageId": null});
    assert_eq!(h.cs_call("DataTransfer", with_null)["status"], "Accepted");
    let long_value = json!({"key": "HeartbeatInterval", "value": "1".repeat(501)}).to_string();
    assert_eq!(
        h.cs_call_error("ChangeConfiguration", &long_value),
        "PropertyConstraintViolation"
    );
    assert_eq!(
        h.cs_call_error("ChangeConfiguration", r#"{"key":1,"value":"1"}"#),
        "TypeConstraintViolation"
    );
    // A malformed answer to our own CALL gets no reply.
    assert_eq!(h.cs_raw(r#"[3,"7",{"a":}]"#), None);
}

#[test]
fn oversized_frames_are_refused_not_truncated() {
    let mut h = Harness::new("oversized", 1);
    h.online();
    let mut reply = [0u8; 256];
    let prefix = br#"[2,"big-1","DataTransfer",{"vendorId":"acme","data":"xxxxxxxx"#;
    let n =
        h.cp.handle_oversized_frame(prefix, 100_000, &mut reply)
            .unwrap();
    let reply: Value = serde_json::from_slice(&reply[..n]).unwrap();
    assert_eq!(
        reply,
        json!([
            4,
            "big-1",
            "GenericError",
            "frame exceeds the receive buffer",
            {}
        ])
    );
    assert_eq!(
        h.cp.handle_oversized_frame(b"[3,\"1\",{", 100_000, &mut [0u8; 64]),
        None
    );
    // A response that does not fit the caller's buffer becomes a CALLERROR.
    let mut small = [0u8; 100];
    let n =
        h.cp.handle_frame(h.now, br#"[2,"gc","GetConfiguration",{}]"#, &mut small)
            .unwrap();
    let reply: Value = serde_json::from_slice(&small[..n]).unwrap();
    assert_eq!(
        (reply[0].as_u64(), reply[2].as_str()),
        (Some(4), Some("InternalError"))
    );
}

#[test]
fn get_and_change_configuration() {
    let mut h = Harness::new("configuration", 2);
    h.online();
    let all = h.cs_call("GetConfiguration", json!({}));
    let keys = all["configurationKey"].as_array().unwrap();
    assert_eq!(keys.len(), ConfigKey::ALL.len());
    let number = keys
        .iter()
        .find(|k| k["key"] == "NumberOfConnectors")
        .unwrap();
    assert_eq!(
        number,
        &json!({"key": "NumberOfConnectors", "readonly": true, "value": "2"})
    );
    assert!(all.get("unknownKey").is_none());
    let some = h.cs_call(
        "GetConfiguration",
        json!({"key": ["HeartbeatInterval", "Nope", "meterValueSampleInterval"]}),
    );
    assert_eq!(some["configurationKey"].as_array().unwrap().len(), 2);
    assert_eq!(some["unknownKey"], json!(["Nope"]));
    let change = |h: &mut Harness, key: &str, value: &str| {
        h.cs_call("ChangeConfiguration", json!({"key": key, "value": value}))["status"].clone()
    };
    assert_eq!(change(&mut h, "MeterValueSampleInterval", "5"), "Accepted");
    assert_eq!(change(&mut h, "NumberOfConnectors", "4"), "Rejected");
    assert_eq!(change(&mut h, "HeartbeatInterval", "-5"), "Rejected");
    assert_eq!(
        change(&mut h, "AuthorizeRemoteTxRequests", "maybe"),
        "Rejected"
    );
    assert_eq!(
        change(&mut h, "WebSocketPingInterval", "30"),
        "RebootRequired"
    );
    assert_eq!(change(&mut h, "NoSuchKey", "1"), "NotSupported");
    assert_eq!(
        h.cs_call(
            "GetConfiguration",
            json!({"key": ["MeterValueSampleInterval"]})
        )["configurationKey"][0]["value"],
        "5"
    );
    let too_many: StdVec<String> = (0..=GET_CONFIGURATION_MAX_KEYS)
        .map(|i| format!("K{i}"))
        .collect();
    assert_eq!(
        h.cs_call_error("GetConfiguration", &json!({"key": too_many}).to_string()),
        "OccurenceConstraintViolation"
    );
}

#[test]
fn remote_start_and_stop() {
    let mut h = Harness::new("remote", 2);
    h.online();
    assert_eq!(
        h.cs_call(
            "RemoteStartTransaction",
            json!({"idTag": "R1", "connectorId": 2})
        )["status"],
        "Accepted"
    );
    assert_eq!(h.cp.station().remote_starts, [(2, "R1".to_string())]);
    h.start(2, "R1", 0);
    h.answer(
        "StartTransaction",
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 9}),
    );
    h.answer("StatusNotification", json!({}));
    assert_eq!(
        h.cs_call(
            "RemoteStartTransaction",
            json!({"idTag": "R2", "connectorId": 2})
        )["status"],
        "Rejected",
        "busy"
    );
    assert_eq!(
        h.cs_call(
            "RemoteStartTransaction",
            json!({"idTag": "R2", "connectorId": 5})
        )["status"],
        "Rejected"
    );
    assert_eq!(
        h.cs_call("RemoteStartTransaction", json!({"idTag": "R3"}))["status"],
        "Accepted"
    );
    assert_eq!(
        h.cp.station().remote_starts.last().unwrap(),
        &(1, "R3".to_string()),
        "first free connector"
    );
    assert_eq!(
        h.cs_call("RemoteStopTransaction", json!({"transactionId": 1234}))["status"],
        "Rejected"
    );
    assert_eq!(
        h.cs_call("RemoteStopTransaction", json!({"transactionId": 9}))["status"],
        "Accepted"
    );
    assert_eq!(h.cp.station().remote_stops, [2]);
    h.cp.stop_transaction(h.now, 2, 10, None, None).unwrap();
    assert_eq!(h.answer("StopTransaction", json!({}))["reason"], "Remote");
    // The station may refuse.
    h.cp.station_mut().accept_remote = false;
    assert_eq!(
        h.cs_call(
            "RemoteStartTransaction",
            json!({"idTag": "R4", "connectorId": 1})
        )["status"],
        "Rejected"
    );
}

#[test]
fn remote_start_authorizes_first_when_configured() {
    let mut h = Harness::new("remote-authorize", 1);
    h.online();
    h.cs_call(
        "ChangeConfiguration",
        json!({"key": "AuthorizeRemoteTxRequests", "value": "true"}),
    );
    assert_eq!(
        h.cs_call(
            "RemoteStartTransaction",
            json!({"idTag": "BAD", "connectorId": 1})
        )["status"],
        "Accepted"
    );
    h.answer("Authorize", json!({"idTagInfo": {"status": "Blocked"}}));
    assert!(
        h.cp.station().remote_starts.is_empty(),
        "not started for a blocked idTag"
    );
    assert_eq!(
        h.cs_call(
            "RemoteStartTransaction",
            json!({"idTag": "GOOD", "connectorId": 1})
        )["status"],
        "Accepted"
    );
    assert_eq!(
        h.answer("Authorize", json!({"idTagInfo": {"status": "Accepted"}}))["idTag"],
        "GOOD"
    );
    assert_eq!(h.cp.station().remote_starts, [(1, "GOOD".to_string())]);
}

#[test]
fn unlock_stops_the_transaction_first() {
    let mut h = Harness::new("unlock", 1);
    h.online();
    h.start(1, "T", 0);
    h.answer(
        "StartTransaction",
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 3}),
    );
    h.answer("StatusNotification", json!({}));
    assert_eq!(
        h.cs_call("UnlockConnector", json!({"connectorId": 1}))["status"],
        "Unlocked"
    );
    assert_eq!(
        h.cs_call("UnlockConnector", json!({"connectorId": 0}))["status"],
        "NotSupported"
    );
    assert_eq!(
        h.cs_call("UnlockConnector", json!({"connectorId": 2}))["status"],
        "NotSupported"
    );
    assert_eq!(h.cp.station().unlocks, [1]);
    assert_eq!(
        h.answer("StopTransaction", json!({}))["reason"],
        "UnlockCommand"
    );
}

#[test]
fn reset_stops_transactions_then_tells_the_application() {
    for (kind, reason) in [("Soft", "SoftReset"), ("Hard", "HardReset")] {
        let mut h = Harness::new(&format!("reset-{kind}"), 2);
        h.online();
        h.start(1, "A", 0);
        h.answer(
            "StartTransaction",
            json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 1}),
        );
        h.answer("StatusNotification", json!({}));
        h.events();
        assert_eq!(
            h.cs_call("Reset", json!({"type": kind}))["status"],
            "Accepted"
        );
        let expected = if kind == "Soft" {
            ResetType::Soft
        } else {
            ResetType::Hard
        };
        assert_eq!(h.events(), [Event::ResetRequested(expected)]);
        assert_eq!(h.answer("StopTransaction", json!({}))["reason"], reason);
        assert_eq!(
            h.answer("StatusNotification", json!({}))["status"],
            "Finishing"
        );
    }
}

#[test]
fn change_availability_now_or_scheduled() {
    let mut h = Harness::new("availability", 2);
    h.online();
    assert_eq!(
        h.cs_call(
            "ChangeAvailability",
            json!({"connectorId": 2, "type": "Inoperative"})
        )["status"],
        "Accepted"
    );
    assert_eq!(
        h.events(),
        [Event::AvailabilityChanged {
            connector: 2,
            operative: false
        }]
    );
    let status = h.answer("StatusNotification", json!({}));
    assert_eq!(
        (status["connectorId"].as_u64(), status["status"].as_str()),
        (Some(2), Some("Unavailable"))
    );
    assert_eq!(
        h.cp.start_transaction(h.now, 2, "T", 0, None),
        Err(CommandError::Unavailable)
    );
    assert_eq!(
        h.cs_call(
            "RemoteStartTransaction",
            json!({"idTag": "R", "connectorId": 2})
        )["status"],
        "Rejected"
    );
    h.start(1, "T", 0);
    h.answer(
        "StartTransaction",
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 5}),
    );
    h.answer("StatusNotification", json!({}));
    assert_eq!(
        h.cs_call(
            "ChangeAvailability",
            json!({"connectorId": 1, "type": "Inoperative"})
        )["status"],
        "Scheduled"
    );
    h.nothing_sent();
    h.cp.stop_transaction(h.now, 1, 1, None, None).unwrap();
    h.answer("StopTransaction", json!({}));
    let status = h.answer("StatusNotification", json!({}));
    assert_eq!(
        (status["connectorId"].as_u64(), status["status"].as_str()),
        (Some(1), Some("Unavailable")),
        "applied after the transaction"
    );
    assert_eq!(
        h.cs_call(
            "ChangeAvailability",
            json!({"connectorId": 0, "type": "Operative"})
        )["status"],
        "Accepted"
    );
    assert_eq!(
        h.cs_call(
            "ChangeAvailability",
            json!({"connectorId": 3, "type": "Operative"})
        )["status"],
        "Rejected"
    );
}

#[test]
fn data_transfer_to_the_central_system() {
    let mut h = Harness::new("datatransfer", 1);
    assert_eq!(
        h.cp.data_transfer("dev-cs", Some("echo"), Some("hi")),
        Err(CommandError::NotReady)
    );
    h.online();
    let ticket =
        h.cp.data_transfer("dev-cs", Some("echo"), Some("hi"))
            .unwrap();
    let req = h.answer("DataTransfer", json!({"status": "Accepted", "data": "hi"}));
    assert_eq!(
        req,
        json!({"vendorId": "dev-cs", "messageId": "echo", "data": "hi"})
    );
    assert_eq!(
        h.events(),
        [Event::DataTransferred {
            ticket,
            result: Ok(DataTransferStatus::Accepted)
        }]
    );
    let response = h.cp.take_data_transfer_response(ticket).unwrap();
    assert_eq!(response.data.as_deref(), Some("hi"));
    assert_eq!(h.cp.take_data_transfer_response(ticket), None);
}

#[test]
fn minimum_status_duration_suppresses_flapping() {
    let mut h = Harness::new("status-duration", 1);
    h.online();
    h.cp.change_configuration(h.now, "MinimumStatusDuration", "5");
    let set = |h: &mut Harness, s| {
        h.cp.set_connector_status(h.now, 1, s, ChargePointErrorCode::NoError)
            .unwrap()
    };
    set(&mut h, ChargePointStatus::Preparing);
    h.advance(2_000);
    set(&mut h, ChargePointStatus::Available);
    h.advance(10_000);
    h.nothing_sent();
    set(&mut h, ChargePointStatus::Preparing);
    h.advance(4_999);
    h.nothing_sent();
    h.advance(1);
    assert_eq!(
        h.answer("StatusNotification", json!({}))["status"],
        "Preparing"
    );
}

#[test]
fn status_notification_carries_the_time_of_the_change() {
    let mut h = Harness::new("status-time", 1);
    h.online(); // wall clock 10:00:00
    h.cp.handle_disconnected(h.now);
    h.advance(60_000);
    h.cp.set_connector_status(
        h.now,
        1,
        ChargePointStatus::Faulted,
        ChargePointErrorCode::GroundFailure,
    )
    .unwrap();
    h.advance(60_000);
    h.cp.handle_connected(h.now);
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": "2026-11-21T10:02:00Z", "interval": 300}),
    );
    h.answer("StatusNotification", json!({}));
    let status = h.answer("StatusNotification", json!({}));
    assert_eq!(status["status"], "Faulted");
    assert_eq!(status["errorCode"], "GroundFailure");
    assert_eq!(status["timestamp"], "2026-11-21T10:01:00.000Z");
}

#[test]
fn answers_are_never_answered_and_bad_ids_are_not_echoed() {
    let mut h = Harness::new("answers-not-answered", 1);
    h.online();
    // Answers whose id cannot be read: too long, a number, missing; valid JSON or not.
    let long_id = "x".repeat(37);
    for frame in [
        format!("[3,\"{long_id}\",{{}}]"),
        format!("[4,\"{long_id}\",\"GenericError\",\"\",{{}}]"),
        "[3,42,{}]".to_string(),
        "[4,42,\"GenericError\",\"\",{}]".to_string(),
        "[3]".to_string(),
        "[3,\"a\",{]".to_string(),
        "[4,\"\\ude00\",\"GenericError\",\"\",{}]".to_string(),
    ] {
        assert_eq!(h.cs_raw(&frame), None, "{frame}");
    }
    // A CALL with a lone surrogate in its id is not valid JSON: answered, without that id.
    let reply = h.cs_raw(r#"[2,"\ude00","Reset",{"type":"Soft"}]"#).unwrap();
    assert_eq!(
        (reply[1].as_str(), reply[2].as_str()),
        (Some("-1"), Some("FormationViolation"))
    );
    let reply = h.cs_raw(r#"[2,"ok\ud83d\ude00","ClearCache",{}]"#).unwrap();
    assert_eq!(reply[0], 3, "a surrogate pair is fine: {reply}");
    h.nothing_sent();
}

#[test]
fn an_answer_in_place_is_the_answer_in_its_own_buffer() {
    // The same CALLs to two charge points, one answering into a separate buffer, the other
    // over the frame itself: byte for byte the same answers, the longer ones included.
    let frames: [&[u8]; 6] = [
        br#"[2,"a","GetConfiguration",{}]"#,
        br#"[2,"b","ChangeConfiguration",{"key":"HeartbeatInterval","value":"60"}]"#,
        br#"[2,"c","GetConfiguration",{"key":["HeartbeatInterval","Nope"]}]"#,
        br#"[2,"d","NoSuchAction",{}]"#,
        br#"[2,"e","Reset",{"type":"Sideways"}]"#,
        br#"[2,"f","DataTransfer",{"vendorId":"v","data":"a\"b\\u00e9"}]"#,
    ];
    let mut split = Harness::new("in_place_split", 1);
    let mut shared = Harness::new("in_place_shared", 1);
    for frame in frames {
        let mut reply = [0u8; SEND_CAPACITY];
        let a = split.cp.handle_frame(split.now, frame, &mut reply);
        let mut buf = [0u8; SEND_CAPACITY];
        buf[..frame.len()].copy_from_slice(frame);
        let b = shared
            .cp
            .handle_frame_in_place(shared.now, &mut buf, frame.len(), SEND_CAPACITY);
        let (a, b) = (a.expect("answered"), b.expect("answered"));
        assert_eq!(&reply[..a], &buf[..b], "{}", String::from_utf8_lossy(frame));
    }
}

#[test]
fn an_answer_in_place_keeps_to_its_limit() {
    let mut h = Harness::new("in_place_limit", 1);
    let frame = br#"[2,"g","GetConfiguration",{}]"#;
    let mut buf = [0u8; SEND_CAPACITY];
    buf[..frame.len()].copy_from_slice(frame);
    let n =
        h.cp.handle_frame_in_place(h.now, &mut buf, frame.len(), 200)
            .expect("a CALLERROR");
    let text = std::str::from_utf8(&buf[..n]).unwrap();
    assert!(n <= 200, "{text}");
    assert!(text.starts_with(r#"[4,"g","InternalError""#), "{text}");

    // A frame larger than the receive buffer: its prefix is overwritten by the CALLERROR.
    let mut prefix = *br#"[2,"h","DataTransfer",{"vendorId":"v","data":"xxxxxxxxxxxxxxxx"#;
    let n =
        h.cp.handle_oversized_frame_in_place(&mut prefix, 10_000, 64)
            .expect("a CALLERROR");
    let text = std::str::from_utf8(&prefix[..n]).unwrap();
    assert!(text.starts_with(r#"[4,"h","GenericError""#), "{text}");
}
