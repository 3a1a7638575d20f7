//! The engine driven by arbitrary sequences of frames, commands, time jumps and connection
//! changes, with the protocol's invariants checked after every step:
//! no panic; every CS CALL answered exactly once, with its own id, in valid JSON that fits the
//! buffer; answers never answered; at most one CP CALL in flight; CP message ids unique; no due
//! timer left undone.
#![no_main]

use std::collections::HashSet;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ocpp::engine::{sample_text, ChargePoint, Options, Station};
use ocpp::messages::{
    BootNotificationRequest, ChargePointErrorCode, ChargePointStatus, Measurand, SampleText,
};
use ocpp::rpc::{parse_frame, Frame};
use ocpp::{CiString, Instant};
use serde_json::Value;

struct Meter;

impl Station for Meter {
    fn read_meter(&mut self, connector: u8, _: Measurand) -> Option<SampleText> {
        Some(sample_text(i64::from(connector) * 1000))
    }
    fn remote_start(&mut self, _: u8, _: &str) -> bool {
        true
    }
    fn remote_stop(&mut self, _: u8) -> bool {
        true
    }
}

/// CS requests the fuzzer builds frames from (it also sends raw bytes).
const ACTIONS: &[&str] = &[
    "Reset",
    "ChangeAvailability",
    "ChangeConfiguration",
    "GetConfiguration",
    "ClearCache",
    "DataTransfer",
    "RemoteStartTransaction",
    "RemoteStopTransaction",
    "UnlockConnector",
    "TriggerMessage",
    "ReserveNow",
    "CancelReservation",
    "SendLocalList",
    "GetLocalListVersion",
    "SetChargingProfile",
    "ClearChargingProfile",
    "GetCompositeSchedule",
    "BootNotification",
    "Nonsense",
];

#[derive(Arbitrary, Debug)]
enum Op {
    /// Raw bytes from the Central System.
    Raw(Vec<u8>),
    /// A CALL with a chosen action and an arbitrary payload text.
    Call {
        action: u8,
        id: u16,
        payload: String,
    },
    /// The answer to the CALL in flight, with an arbitrary payload text.
    Answer {
        payload: String,
        error: bool,
    },
    /// A well-formed answer to the CALL in flight (keeps the exchange going).
    Accept,
    Connect,
    Disconnect,
    /// A WebSocket pong (or any control frame) from the Central System.
    Pong,
    Advance(u32),
    Authorize(u8),
    Start {
        connector: u8,
        tag: u8,
    },
    Stop {
        connector: u8,
    },
    Status {
        connector: u8,
        status: u8,
    },
    DataTransfer,
    ChangeConfiguration {
        key: u8,
        value: String,
    },
    /// A well-formed SetChargingProfile (so that schedules and their timers get exercised).
    Profile {
        connector: u8,
        id: u8,
        purpose: u8,
        kind: u8,
        stack: u8,
        start: i16,
        duration: Option<u16>,
        periods: Vec<(u16, u16)>,
    },
    Composite {
        connector: u8,
        duration: u16,
        watts: bool,
    },
}

const TAGS: &[&str] = &["A", "B", "RES", "LISTED", "", "123456789012345678901"];

struct Checker {
    cp: ChargePoint<Meter>,
    now: Instant,
    /// The CALL in flight (id, action) and when the engine gives up on it.
    in_flight: Option<(String, String, Instant)>,
    sent_ids: HashSet<String>,
    out: Vec<u8>,
    reply: Vec<u8>,
}

impl Checker {
    fn frame_from_cs(&mut self, frame: &[u8]) {
        let parsed = parse_frame(frame);
        let reply = self.cp.handle_frame(self.now, frame, &mut self.reply);
        match (&parsed, reply) {
            (Ok(Frame::Call { id, .. }), Some(n)) => {
                let answer = self.valid_json(n);
                assert!(matches!(answer[0].as_u64(), Some(3 | 4)), "{answer}");
                assert_eq!(answer[1].as_str(), Some(id.as_str()), "the CALL's own id");
            }
            (Ok(Frame::Call { .. }), None) => {
                // Only a Rejected registration silences the charge point.
                assert_eq!(
                    self.cp.registration(),
                    Some(ocpp::messages::RegistrationStatus::Rejected),
                    "an unanswered CALL"
                );
            }
            (Ok(Frame::CallResult { .. } | Frame::CallError { .. }), Some(n)) => {
                panic!(
                    "answered an answer: {}",
                    String::from_utf8_lossy(&self.reply[..n])
                )
            }
            (Ok(_), None) => {
                if let Ok(Frame::CallResult { id, .. } | Frame::CallError { id, .. }) = &parsed {
                    if self
                        .in_flight
                        .as_ref()
                        .is_some_and(|(f, ..)| f == id.as_str())
                    {
                        self.in_flight = None;
                    }
                }
            }
            (Err(e), Some(n)) => {
                assert!(!e.is_answer, "answered a malformed answer");
                self.valid_json(n);
            }
            (Err(_), None) => {}
        }
    }

    fn valid_json(&self, n: usize) -> Value {
        assert!(n <= self.reply.len().max(self.out.len()));
        let text = &self.reply[..n];
        serde_json::from_slice(text)
            .unwrap_or_else(|e| panic!("invalid JSON {e}: {}", String::from_utf8_lossy(text)))
    }

    fn transmit(&mut self) {
        for _ in 0..64 {
            let Some(n) = self.cp.poll_transmit(self.now, &mut self.out) else {
                return;
            };
            assert!(
                self.in_flight.is_none(),
                "a second CALL while one is in flight"
            );
            let frame: Value = serde_json::from_slice(&self.out[..n]).expect("our CALL is JSON");
            assert_eq!(frame[0], 2);
            let id = frame[1].as_str().expect("id").to_owned();
            assert!(self.sent_ids.insert(id.clone()), "message id {id} reused");
            let action = frame[2].as_str().expect("action").to_owned();
            let deadline = self
                .now
                .plus_millis(u64::from(Options::default().response_timeout_ms));
            self.in_flight = Some((id, action, deadline));
            return;
        }
        panic!("poll_transmit never stops");
    }

    fn accept(&mut self) {
        let Some((id, action, _)) = self.in_flight.take() else {
            return;
        };
        let payload = match action.as_str() {
            "BootNotification" => {
                r#"{"status":"Accepted","currentTime":"2026-11-21T10:00:00.000Z","interval":300}"#
            }
            "Heartbeat" => r#"{"currentTime":"2026-11-21T10:00:00.000Z"}"#,
            "Authorize" | "StopTransaction" => r#"{"idTagInfo":{"status":"Accepted"}}"#,
            "StartTransaction" => r#"{"transactionId":5,"idTagInfo":{"status":"Accepted"}}"#,
            "DataTransfer" => r#"{"status":"Accepted"}"#,
            _ => "{}",
        };
        let frame = format!("[3,\"{id}\",{payload}]");
        assert!(self
            .cp
            .handle_frame(self.now, frame.as_bytes(), &mut self.reply)
            .is_none());
    }

    fn settle(&mut self) {
        self.cp.handle_timeout(self.now);
        // The platform's part of WebSocketPingInterval: send due pings (answered by Op::Pong)
        // and drop a dead link.
        let _ = self.cp.poll_ping(self.now);
        if self.cp.link_dead() {
            self.cp.handle_disconnected(self.now);
            self.in_flight = None;
        }
        if self
            .in_flight
            .as_ref()
            .is_some_and(|(.., deadline)| *deadline <= self.now)
        {
            self.in_flight = None; // the engine gave up on it
        }
        self.transmit();
        while self.cp.poll_event().is_some() {}
        if self.in_flight.is_none() {
            // Nothing due is left undone once everything was sent (no busy loop).
            if let Some(t) = self.cp.poll_timeout() {
                assert!(
                    t > self.now || !self.cp.is_online(),
                    "due timer left at {t:?}"
                );
            }
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let boot = BootNotificationRequest {
        charge_point_vendor: CiString::try_from_str("fuzz").unwrap_or_default(),
        charge_point_model: CiString::try_from_str("engine").unwrap_or_default(),
        ..Default::default()
    };
    let Ok(cp) = ChargePoint::new(boot, 2, Meter, Options::default(), Instant(0)) else {
        return;
    };
    let mut c = Checker {
        cp,
        now: Instant(0),
        in_flight: None,
        sent_ids: HashSet::new(),
        out: vec![0; ocpp::capacity::SEND_CAPACITY],
        reply: vec![0; ocpp::capacity::FRAME_CAPACITY],
    };
    for op in ops.into_iter().take(200) {
        match op {
            Op::Raw(bytes) => c.frame_from_cs(&bytes),
            Op::Call {
                action,
                id,
                payload,
            } => {
                let action = ACTIONS[usize::from(action) % ACTIONS.len()];
                let frame = format!("[2,\"cs{id}\",\"{action}\",{payload}]");
                c.frame_from_cs(frame.as_bytes());
            }
            Op::Answer { payload, error } => {
                if let Some((id, ..)) = c.in_flight.clone() {
                    let frame = match error {
                        true => format!("[4,\"{id}\",\"GenericError\",{payload},{{}}]"),
                        false => format!("[3,\"{id}\",{payload}]"),
                    };
                    c.frame_from_cs(frame.as_bytes());
                }
            }
            Op::Accept => c.accept(),
            Op::Connect => {
                c.cp.handle_connected(c.now);
                c.in_flight = None; // a new connection: the old CALL is gone
            }
            Op::Disconnect => {
                c.cp.handle_disconnected(c.now);
                c.in_flight = None;
            }
            Op::Pong => c.cp.handle_pong(c.now),
            Op::Advance(ms) => c.now = c.now.plus_millis(u64::from(ms % 4_000_000)),
            Op::Authorize(tag) => {
                let _ = c.cp.authorize(c.now, TAGS[usize::from(tag) % TAGS.len()]);
            }
            Op::Start { connector, tag } => {
                let tag = TAGS[usize::from(tag) % TAGS.len()];
                let _ = c.cp.start_transaction(c.now, connector % 4, tag, 0, None);
            }
            Op::Stop { connector } => {
                let _ = c.cp.stop_transaction(c.now, connector % 4, 10, None, None);
            }
            Op::Status { connector, status } => {
                let status =
                    ChargePointStatus::ALL[usize::from(status) % ChargePointStatus::ALL.len()];
                let _ = c.cp.set_connector_status(
                    c.now,
                    connector % 4,
                    status,
                    ChargePointErrorCode::NoError,
                );
            }
            Op::DataTransfer => {
                let _ = c.cp.data_transfer("acme", None, None);
            }
            Op::Profile {
                connector,
                id,
                purpose,
                kind,
                stack,
                start,
                duration,
                periods,
            } => {
                let purpose = ["ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"]
                    [usize::from(purpose) % 3];
                let kind = ["\"Absolute\"", "\"Relative\"", "\"Recurring\",\"recurrencyKind\":\"Daily\""]
                    [usize::from(kind) % 3];
                let start = ocpp::DateTime::from_unix_secs(1_795_255_200 + i64::from(start) * 10);
                let mut at = 0u32;
                let periods: Vec<String> = periods
                    .iter()
                    .take(30)
                    .map(|&(step, limit)| {
                        let p = format!("{{\"startPeriod\":{at},\"limit\":{}.{}}}", limit / 10, limit % 10);
                        at += u32::from(step % 3600) + 1;
                        p
                    })
                    .collect();
                let duration = duration.map_or(String::new(), |d| format!("\"duration\":{d},"));
                let frame = format!(
                    "[2,\"p{id}\",\"SetChargingProfile\",{{\"connectorId\":{},\"csChargingProfiles\":{{\
                     \"chargingProfileId\":{},\"stackLevel\":{},\"chargingProfilePurpose\":\"{purpose}\",\
                     \"chargingProfileKind\":{kind},\"chargingSchedule\":{{{duration}\"startSchedule\":\"{start}\",\
                     \"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{}]}}}}}}]",
                    connector % 4,
                    id % 12,
                    stack % 10,
                    periods.join(",")
                );
                c.frame_from_cs(frame.as_bytes());
            }
            Op::Composite {
                connector,
                duration,
                watts,
            } => {
                let unit = if watts { "W" } else { "A" };
                let frame = format!(
                    "[2,\"gcs\",\"GetCompositeSchedule\",{{\"connectorId\":{},\"duration\":{duration},\"chargingRateUnit\":\"{unit}\"}}]",
                    connector % 4
                );
                c.frame_from_cs(frame.as_bytes());
            }
            Op::ChangeConfiguration { key, value } => {
                let keys = ocpp::engine::ConfigKey::ALL;
                let key = keys[usize::from(key) % keys.len()];
                let _ = c.cp.change_configuration(c.now, key.as_str(), &value);
            }
        }
        c.settle();
    }
});
