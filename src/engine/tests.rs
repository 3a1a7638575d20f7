//! Engine behaviour with a virtual clock and replayed Central System frames. Every frame is
//! also written to `target/frames/unit-*.jsonl` for schema validation (tools/validate_frames.py).

use std::fs::{self, File};
use std::io::Write as _;
use std::string::{String, ToString};
use std::vec::Vec as StdVec;

use serde_json::{json, Value};

use super::*;
use crate::capacity::FRAME_CAPACITY;

#[derive(Default)]
struct FakeStation {
    energy_wh: [i64; MAX_CONNECTORS + 1],
    accept_remote: bool,
    remote_starts: StdVec<(u8, String)>,
    remote_stops: StdVec<u8>,
    unlocks: StdVec<u8>,
}

impl Station for FakeStation {
    fn read_meter(&mut self, connector: u8, measurand: Measurand) -> Option<SampleText> {
        let wh = self.energy_wh.get(usize::from(connector))?;
        match measurand {
            Measurand::EnergyActiveImportRegister => Some(sample_text(*wh)),
            Measurand::PowerActiveImport => Some(sample_text(7400)),
            _ => None,
        }
    }
    fn remote_start(&mut self, connector: u8, id_tag: &str) -> bool {
        self.remote_starts.push((connector, id_tag.to_string()));
        self.accept_remote
    }
    fn remote_stop(&mut self, connector: u8) -> bool {
        self.remote_stops.push(connector);
        self.accept_remote
    }
    fn unlock_connector(&mut self, connector: u8) -> UnlockStatus {
        self.unlocks.push(connector);
        UnlockStatus::Unlocked
    }
    fn data_transfer(&mut self, request: &DataTransferRequest) -> DataTransferResponse {
        if request.vendor_id.as_str() == "acme" {
            DataTransferResponse {
                status: DataTransferStatus::Accepted,
                data: request.data.clone(),
            }
        } else {
            DataTransferResponse {
                status: DataTransferStatus::UnknownVendorId,
                data: None,
            }
        }
    }
}

/// A charge point on a virtual clock, with the Central System played by the test.
struct Harness {
    cp: ChargePoint<FakeStation>,
    now: Instant,
    log: File,
    cs_ids: u32,
}

const CS_TIME: &str = "2026-11-21T10:00:00.000Z";

impl Harness {
    fn new(name: &str, connectors: u8) -> Self {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/frames");
        fs::create_dir_all(dir).unwrap();
        let log = File::create(format!("{dir}/unit-{name}.jsonl")).unwrap();
        let boot = BootNotificationRequest {
            charge_point_vendor: CiString::try_from_str("zephyr-ocpp").unwrap(),
            charge_point_model: CiString::try_from_str("unit").unwrap(),
            firmware_version: Some(CiString::try_from_str("0.1.0").unwrap()),
            ..Default::default()
        };
        let options = Options {
            response_timeout_ms: 10_000,
            boot_retry_secs: 30,
        };
        let station = FakeStation {
            accept_remote: true,
            ..Default::default()
        };
        let cp = ChargePoint::new(boot, connectors, station, options, Instant(0)).unwrap();
        Self {
            cp,
            now: Instant(0),
            log,
            cs_ids: 0,
        }
    }

    fn record(&mut self, dir: &str, frame: &str) {
        let line =
            json!({"ts": self.now.0 as f64 / 1000.0, "cp_id": "unit", "dir": dir, "frame": frame});
        writeln!(self.log, "{line}").unwrap();
    }

    /// The next frame the charge point wants to send, if any.
    fn transmit(&mut self) -> Option<Value> {
        let mut buf = [0u8; FRAME_CAPACITY];
        let n = self.cp.poll_transmit(self.now, &mut buf)?;
        let text = std::str::from_utf8(&buf[..n]).unwrap().to_string();
        self.record("cp->cs", &text);
        Some(serde_json::from_str(&text).unwrap())
    }

    /// Expects a CALL of `action`; returns (id, payload).
    fn expect_call(&mut self, action: &str) -> (String, Value) {
        let frame = self
            .transmit()
            .unwrap_or_else(|| panic!("expected {action}, nothing sent"));
        assert_eq!(frame[0], 2, "{frame}");
        assert_eq!(frame[2], action, "{frame}");
        (frame[1].as_str().unwrap().to_string(), frame[3].clone())
    }

    fn nothing_sent(&mut self) {
        if let Some(frame) = self.transmit() {
            panic!("unexpected frame {frame}");
        }
    }

    fn result(&mut self, id: &str, payload: Value) {
        let text = json!([3, id, payload]).to_string();
        self.record("cs->cp", &text);
        let mut reply = [0u8; FRAME_CAPACITY];
        assert_eq!(
            self.cp.handle_frame(self.now, text.as_bytes(), &mut reply),
            None
        );
    }

    fn error(&mut self, id: &str, code: &str) {
        let text = json!([4, id, code, "test", {}]).to_string();
        self.record("cs->cp", &text);
        let mut reply = [0u8; FRAME_CAPACITY];
        assert_eq!(
            self.cp.handle_frame(self.now, text.as_bytes(), &mut reply),
            None
        );
    }

    /// Answers the next CALL of `action` with `payload`; returns the request payload.
    fn answer(&mut self, action: &str, payload: Value) -> Value {
        let (id, request) = self.expect_call(action);
        self.result(&id, payload);
        request
    }

    /// Sends a raw frame from the Central System; returns the charge point's reply.
    fn cs_raw(&mut self, text: &str) -> Option<Value> {
        self.record("cs->cp", text);
        let mut reply = [0u8; FRAME_CAPACITY];
        let n = self
            .cp
            .handle_frame(self.now, text.as_bytes(), &mut reply)?;
        let reply = std::str::from_utf8(&reply[..n]).unwrap().to_string();
        self.record("cp->cs", &reply);
        Some(serde_json::from_str(&reply).unwrap())
    }

    /// A CALL from the Central System; returns the CALLRESULT payload (panics on CALLERROR).
    fn cs_call(&mut self, action: &str, payload: Value) -> Value {
        self.cs_ids += 1;
        let id = format!("cs-{}", self.cs_ids);
        let reply = self
            .cs_raw(&json!([2, id, action, payload]).to_string())
            .expect("a reply");
        assert_eq!(reply[0], 3, "{action}: {reply}");
        assert_eq!(reply[1], id.as_str());
        reply[2].clone()
    }

    /// A CALL from the Central System expected to fail; returns the error code.
    fn cs_call_error(&mut self, action: &str, payload_text: &str) -> String {
        self.cs_ids += 1;
        let text = format!("[2,\"cs-{}\",\"{action}\",{payload_text}]", self.cs_ids);
        let reply = self.cs_raw(&text).expect("a reply");
        assert_eq!(reply[0], 4, "{reply}");
        assert_eq!(reply.as_array().unwrap().len(), 5);
        reply[2].as_str().unwrap().to_string()
    }

    fn events(&mut self) -> StdVec<Event> {
        std::iter::from_fn(|| self.cp.poll_event()).collect()
    }

    /// Moves the clock forward by `ms`, handling every deadline on the way (virtual time).
    fn advance(&mut self, ms: u64) {
        let end = self.now.plus_millis(ms);
        while let Some(t) = self.cp.poll_timeout().filter(|t| *t <= end) {
            self.now = self.now.max(t);
            self.cp.handle_timeout(self.now);
            if t <= self.now && self.cp.poll_timeout() == Some(t) {
                break; // due work waits for poll_transmit
            }
        }
        self.now = end;
        self.cp.handle_timeout(self.now);
    }

    /// Connects and completes an accepted boot, then the initial StatusNotifications.
    fn online(&mut self) {
        self.cp.handle_connected(self.now);
        let boot = self.answer(
            "BootNotification",
            json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300}),
        );
        assert_eq!(boot["chargePointVendor"], "zephyr-ocpp");
        assert_eq!(boot["firmwareVersion"], "0.1.0");
        for connector in 0..=self.cp.number_of_connectors() {
            let status = self.answer("StatusNotification", json!({}));
            assert_eq!(status["connectorId"], connector);
            assert_eq!(status["status"], "Available");
        }
        self.nothing_sent();
        assert!(self
            .events()
            .contains(&Event::Registration(RegistrationStatus::Accepted)));
    }

    fn start(&mut self, connector: u8, tag: &str, meter: i32) -> Ticket {
        self.cp
            .start_transaction(self.now, connector, tag, meter, None)
            .unwrap()
    }
}

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
fn authorize_online_updates_cache_and_reports_status() {
    let mut h = Harness::new("authorize", 1);
    h.online();
    let ticket = h.cp.authorize(h.now, "TAG1").unwrap();
    assert_eq!(
        h.answer("Authorize", json!({"idTagInfo": {"status": "Accepted"}}))["idTag"],
        "TAG1"
    );
    let accepted = IdTagInfo {
        expiry_date: None,
        parent_id_tag: None,
        status: AuthorizationStatus::Accepted,
    };
    assert_eq!(
        h.events(),
        [Event::Authorized {
            ticket,
            result: Ok(accepted.clone())
        }]
    );
    for status in ["Invalid", "Blocked", "Expired", "ConcurrentTx"] {
        let ticket = h.cp.authorize(h.now, "OTHER").unwrap();
        h.answer("Authorize", json!({"idTagInfo": {"status": status}}));
        let Event::Authorized {
            ticket: t,
            result: Ok(info),
        } = &h.events()[0]
        else {
            panic!()
        };
        assert_eq!((*t, info.status.as_str()), (ticket, status));
    }
    // LocalPreAuthorize answers from the cache without a message.
    h.cp.change_configuration(h.now, "LocalPreAuthorize", "true");
    h.events();
    let ticket = h.cp.authorize(h.now, "tag1").unwrap();
    h.nothing_sent();
    assert_eq!(
        h.events(),
        [Event::Authorized {
            ticket,
            result: Ok(accepted)
        }]
    );
    assert_eq!(
        h.cp.authorize(h.now, ""),
        Err(CommandError::InvalidArgument)
    );
    assert_eq!(
        h.cp.authorize(h.now, "123456789012345678901"),
        Err(CommandError::InvalidArgument)
    );
}

#[test]
fn authorize_offline_uses_cache_or_refuses() {
    let mut h = Harness::new("authorize-offline", 1);
    assert_eq!(h.cp.authorize(h.now, "NEW"), Err(CommandError::NotReady));
    h.online();
    let _ = h.cp.authorize(h.now, "KNOWN").unwrap();
    h.answer(
        "Authorize",
        json!({"idTagInfo": {"status": "Accepted", "expiryDate": "2026-11-21T11:00:00Z"}}),
    );
    h.events();
    h.cp.handle_disconnected(h.now);
    h.events();
    let ticket = h.cp.authorize(h.now, "KNOWN").unwrap();
    let Event::Authorized {
        ticket: t,
        result: Ok(info),
    } = h.events().remove(0)
    else {
        panic!()
    };
    assert_eq!((t, info.status), (ticket, AuthorizationStatus::Accepted));
    assert_eq!(
        h.cp.authorize(h.now, "UNKNOWN"),
        Err(CommandError::NotReady)
    );
    h.advance(3_600_000); // past the expiry date
    let _ = h.cp.authorize(h.now, "KNOWN").unwrap();
    let Event::Authorized {
        result: Ok(info), ..
    } = h.events().remove(0)
    else {
        panic!()
    };
    assert_eq!(info.status, AuthorizationStatus::Expired);
    h.cp.change_configuration(h.now, "AllowOfflineTxForUnknownId", "true");
    let _ = h.cp.authorize(h.now, "UNKNOWN").unwrap();
    assert!(matches!(
        h.events()[1],
        Event::Authorized {
            result: Ok(IdTagInfo {
                status: AuthorizationStatus::Accepted,
                ..
            }),
            ..
        }
    ));
    h.cp.change_configuration(h.now, "LocalAuthorizeOffline", "false");
    h.cp.change_configuration(h.now, "AllowOfflineTxForUnknownId", "false");
    assert_eq!(h.cp.authorize(h.now, "KNOWN"), Err(CommandError::NotReady));
    // ClearCache empties it.
    h.online();
    assert_eq!(h.cs_call("ClearCache", json!({}))["status"], "Accepted");
    h.cp.handle_disconnected(h.now);
    h.cp.change_configuration(h.now, "LocalAuthorizeOffline", "true");
    assert_eq!(h.cp.authorize(h.now, "KNOWN"), Err(CommandError::NotReady));
}

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

#[test]
fn every_central_system_call_gets_one_answer() {
    let mut h = Harness::new("callerrors", 1);
    h.online();
    assert_eq!(h.cs_call_error("FlyToTheMoon", "{}"), "NotImplemented");
    assert_eq!(h.cs_call_error("BootNotification", "{}"), "NotSupported");
    assert_eq!(h.cs_call_error("ReserveNow", "{}"), "NotSupported");
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
