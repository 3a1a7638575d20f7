//! Engine behaviour with a virtual clock and replayed Central System frames. Every frame is
//! also written to `target/frames/unit-*.jsonl` for schema validation (tools/validate_frames.py).

use std::fs::{self, File};
use std::io::Write as _;
use std::string::{String, ToString};
use std::vec::Vec as StdVec;

use serde_json::{json, Value};

use super::*;

mod authorization;
mod boot;
mod central_system;
#[cfg(feature = "certificate-signing")]
mod certificate_signing;
#[cfg(feature = "certificates")]
mod certificates;
#[cfg(feature = "security-profiles")]
mod credentials;
#[cfg(feature = "firmware-management")]
mod firmware;
mod keepalive;
#[cfg(feature = "local-auth-list")]
mod local_list;
#[cfg(feature = "reservation")]
mod reservation;
mod reset;
#[cfg(feature = "security")]
mod security;
#[cfg(feature = "security-log")]
mod security_log;
#[cfg(feature = "signed-firmware")]
mod signed_firmware;
#[cfg(feature = "smart-charging")]
mod smart_charging;
mod store;
mod transactions;
#[cfg(feature = "remote-trigger")]
mod trigger;

use crate::capacity::SEND_CAPACITY;

#[derive(Default)]
pub(super) struct FakeStation {
    pub(super) energy_wh: [i64; MAX_CONNECTORS + 1],
    pub(super) accept_remote: bool,
    pub(super) remote_starts: StdVec<(u8, String)>,
    pub(super) remote_stops: StdVec<u8>,
    pub(super) unlocks: StdVec<u8>,
    /// Sessions survive a power cut (resume_transaction).
    pub(super) resume: bool,
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
    fn resume_transaction(&mut self, _: u8, _: &str) -> bool {
        self.resume
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
pub(super) struct Harness {
    pub(super) cp: ChargePoint<FakeStation>,
    pub(super) now: Instant,
    pub(super) log: File,
    pub(super) cs_ids: u32,
    /// The Central System's WebSocket ignores pings (a dead link); else pongs come at once.
    pub(super) deaf: bool,
    /// WebSocket pings the charge point sent.
    pub(super) pings: u32,
}

pub(super) const CS_TIME: &str = "2026-11-21T10:00:00.000Z";

impl Harness {
    pub(super) fn new(name: &str, connectors: u8) -> Self {
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
            reset_timeout_ms: 20_000,
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
            deaf: false,
            pings: 0,
        }
    }

    pub(super) fn record(&mut self, dir: &str, frame: &str) {
        let line =
            json!({"ts": self.now.0 as f64 / 1000.0, "cp_id": "unit", "dir": dir, "frame": frame});
        writeln!(self.log, "{line}").unwrap();
    }

    /// The next frame the charge point wants to send, if any.
    pub(super) fn transmit(&mut self) -> Option<Value> {
        let mut buf = [0u8; SEND_CAPACITY];
        let n = self.cp.poll_transmit(self.now, &mut buf)?;
        let text = std::str::from_utf8(&buf[..n]).unwrap().to_string();
        self.record("cp->cs", &text);
        Some(serde_json::from_str(&text).unwrap())
    }

    /// Expects a CALL of `action`; returns (id, payload).
    pub(super) fn expect_call(&mut self, action: &str) -> (String, Value) {
        let frame = self
            .transmit()
            .unwrap_or_else(|| panic!("expected {action}, nothing sent"));
        assert_eq!(frame[0], 2, "{frame}");
        assert_eq!(frame[2], action, "{frame}");
        (frame[1].as_str().unwrap().to_string(), frame[3].clone())
    }

    /// Expects a CALL; returns (id, (action, payload)).
    pub(super) fn expect_call_any(&mut self) -> (String, (String, Value)) {
        let frame = self.transmit().expect("a CALL, nothing sent");
        assert_eq!(frame[0], 2, "{frame}");
        let action = frame[2].as_str().unwrap().to_string();
        (
            frame[1].as_str().unwrap().to_string(),
            (action, frame[3].clone()),
        )
    }

    pub(super) fn nothing_sent(&mut self) {
        if let Some(frame) = self.transmit() {
            panic!("unexpected frame {frame}");
        }
    }

    pub(super) fn result(&mut self, id: &str, payload: Value) {
        let text = json!([3, id, payload]).to_string();
        self.record("cs->cp", &text);
        let mut reply = [0u8; SEND_CAPACITY];
        assert_eq!(
            self.cp.handle_frame(self.now, text.as_bytes(), &mut reply),
            None
        );
    }

    pub(super) fn error(&mut self, id: &str, code: &str) {
        let text = json!([4, id, code, "test", {}]).to_string();
        self.record("cs->cp", &text);
        let mut reply = [0u8; SEND_CAPACITY];
        assert_eq!(
            self.cp.handle_frame(self.now, text.as_bytes(), &mut reply),
            None
        );
    }

    /// Answers the next CALL of `action` with `payload`; returns the request payload.
    pub(super) fn answer(&mut self, action: &str, payload: Value) -> Value {
        let (id, request) = self.expect_call(action);
        self.result(&id, payload);
        request
    }

    /// Sends a raw frame from the Central System; returns the charge point's reply.
    pub(super) fn cs_raw(&mut self, text: &str) -> Option<Value> {
        self.record("cs->cp", text);
        // Through the one-buffer path, as Zephyr's platform does: the answer overwrites the
        // frame (the split path is the host platform's and the doctests').
        let mut buf = text.as_bytes().to_vec();
        buf.resize(text.len().max(SEND_CAPACITY), 0);
        let n = self
            .cp
            .handle_frame_in_place(self.now, &mut buf, text.len(), SEND_CAPACITY)?;
        let reply = std::str::from_utf8(&buf[..n]).unwrap().to_string();
        self.record("cp->cs", &reply);
        Some(serde_json::from_str(&reply).unwrap())
    }

    /// A CALL from the Central System; returns the CALLRESULT payload (panics on CALLERROR).
    pub(super) fn cs_call(&mut self, action: &str, payload: Value) -> Value {
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
    pub(super) fn cs_call_error(&mut self, action: &str, payload_text: &str) -> String {
        self.cs_ids += 1;
        let text = format!("[2,\"cs-{}\",\"{action}\",{payload_text}]", self.cs_ids);
        let reply = self.cs_raw(&text).expect("a reply");
        assert_eq!(reply[0], 4, "{reply}");
        assert_eq!(reply.as_array().unwrap().len(), 5);
        reply[2].as_str().unwrap().to_string()
    }

    pub(super) fn events(&mut self) -> StdVec<Event> {
        std::iter::from_fn(|| self.cp.poll_event()).collect()
    }

    /// Moves the clock forward by `ms`, handling every deadline on the way (virtual time).
    pub(super) fn advance(&mut self, ms: u64) {
        let end = self.now.plus_millis(ms);
        while let Some(t) = self.cp.poll_timeout().filter(|t| *t <= end) {
            self.now = self.now.max(t);
            self.cp.handle_timeout(self.now);
            self.pong();
            if t <= self.now && self.cp.poll_timeout() == Some(t) {
                break; // due work waits for poll_transmit
            }
        }
        self.now = end;
        self.cp.handle_timeout(self.now);
        self.pong();
    }

    /// The platform's part of WebSocketPingInterval: a due ping is sent and, unless the
    /// Central System is deaf, answered at once.
    pub(super) fn pong(&mut self) {
        if self.cp.poll_ping(self.now) {
            self.pings += 1;
            if !self.deaf {
                self.cp.handle_pong(self.now);
            }
        }
    }

    /// The Central System's time: CS_TIME until the charge point's clock runs, then its time
    /// (a Central System that agrees with the charge point causes no SettingSystemTime jump).
    pub(super) fn cs_time(&self) -> String {
        self.cp
            .wall_time(self.now)
            .map_or_else(|| CS_TIME.to_string(), |t| t.to_string())
    }

    /// Connects and completes an accepted boot, then the initial StatusNotifications.
    pub(super) fn online(&mut self) {
        self.cp.handle_connected(self.now);
        let boot = self.answer(
            "BootNotification",
            json!({"status": "Accepted", "currentTime": self.cs_time(), "interval": 300}),
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

    pub(super) fn start(&mut self, connector: u8, tag: &str, meter: i32) -> Ticket {
        self.cp
            .start_transaction(self.now, connector, tag, meter, None)
            .unwrap()
    }
}
