//! Shared harness for the Central System scenario tests: the dev CS (tools/dev_cs.py) as a
//! subprocess with its HTTP control API, a test [`Station`] that records what the engine asked
//! of it, and helpers around [`HostChargePoint`]. Also used by `examples/demo.rs`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant as StdInstant};

use ocpp::engine::{
    sample_text, ChargePoint, CommandError, Event, Options, RequestError, StartOutcome, Station,
    StopOutcome,
};
use ocpp::messages::{
    BootNotificationRequest, DataTransferRequest, DataTransferResponse, DataTransferStatus,
    IdTagInfo, Measurand, Reason, SampleText, UnlockStatus,
};
use ocpp::platform::host::{charge_point_url, HostChargePoint, HostConfig};
use ocpp::CiString;
use serde_json::{json, Value};

pub const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// Generous bound for anything that should happen "soon" on a loaded 2-core machine.
pub const SOON: Duration = Duration::from_secs(10);

// ------------------------------------------------------------------------------ logging

struct StderrLogger(log::LevelFilter);

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= self.0
    }
    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            let thread = std::thread::current();
            eprintln!(
                "[{:5} {}] {}",
                record.level(),
                thread.name().unwrap_or("?"),
                record.args()
            );
        }
    }
    fn flush(&self) {}
}

/// Installs a stderr logger once; the level comes from `OCPP_LOG` (error/warn/info/debug/trace,
/// default `default`).
pub fn init_logging(default: log::LevelFilter) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let level = std::env::var("OCPP_LOG")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default);
        let logger: &'static StderrLogger = Box::leak(Box::new(StderrLogger(level)));
        if log::set_logger(logger).is_ok() {
            log::set_max_level(level);
        }
    });
}

// ------------------------------------------------------------------------------ HTTP

pub mod http;
pub use http::http;

/// The dev CS control API at 127.0.0.1:`port`.
#[derive(Debug, Clone, Copy)]
pub struct Control {
    pub port: u16,
}

impl Control {
    fn request(&self, method: &str, path: &str, body: Option<Value>, timeout: Duration) -> Value {
        let body = body.map(|b| b.to_string());
        let (status, text) = http(self.port, method, path, body.as_deref(), timeout)
            .unwrap_or_else(|e| panic!("control API {method} {path}: {e}"));
        let value: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {path}: answer is not JSON ({e}): {text}"));
        assert!(
            status == 200 || value.get("error").is_some(),
            "{method} {path}: HTTP {status}: {text}"
        );
        value
    }

    pub fn get(&self, path: &str) -> Value {
        self.request("GET", path, None, SOON)
    }

    pub fn post(&self, path: &str, body: Value) -> Value {
        self.request("POST", path, Some(body), SOON)
    }

    /// A CS-initiated CALL; returns `{"result": {...}}` or `{"error": {...}}`.
    pub fn call(&self, cp: &str, action: &str, payload: Value) -> Value {
        self.call_with_timeout(cp, action, payload, 10.0)
    }

    pub fn call_with_timeout(
        &self,
        cp: &str,
        action: &str,
        payload: Value,
        timeout_s: f64,
    ) -> Value {
        let body = json!({"cp_id": cp, "action": action, "payload": payload, "timeout": timeout_s});
        self.request(
            "POST",
            "/call",
            Some(body),
            Duration::from_secs_f64(timeout_s + 5.0),
        )
    }

    /// The CALLRESULT payload of a CS-initiated CALL (panics on a CALLERROR or timeout).
    pub fn call_ok(&self, cp: &str, action: &str, payload: Value) -> Value {
        let answer = self.call(cp, action, payload.clone());
        match answer.get("result") {
            Some(result) => {
                assert!(
                    answer.get("schema_error").is_none(),
                    "{action} {payload}: answer violates the schema: {answer}"
                );
                result.clone()
            }
            None => panic!("{action} {payload}: expected a CALLRESULT, got {answer}"),
        }
    }

    /// Sends a raw frame and returns the raw reply text.
    pub fn raw(&self, cp: &str, frame: &str) -> String {
        let body = json!({"cp_id": cp, "frame": frame, "expect_reply": true, "timeout": 5});
        let answer = self.request("POST", "/raw", Some(body), Duration::from_secs(10));
        match answer.get("reply").and_then(Value::as_str) {
            Some(reply) => reply.to_owned(),
            None => panic!("no reply to {frame}: {answer}"),
        }
    }

    pub fn config(&self, settings: Value) -> Value {
        self.post("/config", settings)
    }

    /// CP->CS CALLs received from `cp`, optionally of one action: `[{action, payload, ts}, ..]`.
    pub fn messages(&self, cp: &str, action: Option<&str>) -> Vec<Value> {
        let path = match action {
            Some(a) => format!("/messages?cp_id={cp}&action={a}"),
            None => format!("/messages?cp_id={cp}"),
        };
        match self.get(&path) {
            Value::Array(items) => items,
            other => panic!("/messages: {other}"),
        }
    }

    pub fn transactions(&self, cp: &str) -> Vec<Value> {
        match self.get(&format!("/transactions?cp_id={cp}")) {
            Value::Array(items) => items,
            other => panic!("/transactions: {other}"),
        }
    }

    pub fn status(&self, cp: &str) -> Value {
        self.get(&format!("/status?cp_id={cp}"))
    }

    /// Waits until `cp` has sent at least `count` `action` messages; returns them all.
    pub fn wait_messages(
        &self,
        cp: &str,
        action: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<Value> {
        wait_until(timeout, || {
            let msgs = self.messages(cp, Some(action));
            (msgs.len() >= count).then_some(msgs)
        })
        .unwrap_or_else(|| {
            panic!(
                "{cp}: expected {count} {action} within {timeout:?}, got {:?}",
                self.messages(cp, Some(action))
            )
        })
    }

    /// How many StatusNotifications `cp` has sent so far (a starting point for [`Self::wait_status`]).
    pub fn status_count(&self, cp: &str) -> usize {
        self.messages(cp, Some("StatusNotification")).len()
    }

    /// Waits for a StatusNotification of `connector` with `status` among those sent after the
    /// first `since`.
    pub fn wait_status(
        &self,
        cp: &str,
        connector: u64,
        status: &str,
        since: usize,
        timeout: Duration,
    ) -> Value {
        wait_until(timeout, || {
            self.messages(cp, Some("StatusNotification"))
                .into_iter()
                .skip(since)
                .find(|m| {
                    m["payload"]["connectorId"] == connector && m["payload"]["status"] == status
                })
        })
        .unwrap_or_else(|| {
            panic!(
                "{cp}: no StatusNotification {connector}/{status} within {timeout:?}; got {:?}",
                self.messages(cp, Some("StatusNotification"))
                    .iter()
                    .map(|m| &m["payload"])
                    .collect::<Vec<_>>()
            )
        })
    }
}

// ------------------------------------------------------------------------------ dev CS process

/// tools/dev_cs.py running as a child process, killed when dropped.
pub struct DevCs {
    child: Option<Child>,
    pub name: String,
    pub ws_port: u16,
    pub control: Control,
    pub frames_log: PathBuf,
    /// `--tls`: the directory of the certificates it generated (ca.pem, client.pem, ...).
    pub tls_dir: Option<PathBuf>,
}

pub fn frames_dir() -> PathBuf {
    Path::new(MANIFEST_DIR).join("target").join("frames")
}

impl DevCs {
    /// Starts a dev CS on free ports, logging frames to `target/frames/<name>.jsonl` (replaced).
    pub fn start(name: &str) -> Self {
        let log = frames_dir().join(format!("{name}.jsonl"));
        let _ = std::fs::remove_file(&log);
        Self::spawn(name, 0, &[])
    }

    /// Starts a dev CS with extra command-line arguments (e.g. `--boot-status Pending`).
    pub fn start_with(name: &str, args: &[&str]) -> Self {
        let log = frames_dir().join(format!("{name}.jsonl"));
        let _ = std::fs::remove_file(&log);
        Self::spawn(name, 0, args)
    }

    /// Starts a dev CS on a given websocket port, appending to the same frames log.
    pub fn restart_on(name: &str, ws_port: u16) -> Self {
        Self::restart_with(name, ws_port, &[])
    }

    /// As [`DevCs::restart_on`], with extra command-line arguments.
    pub fn restart_with(name: &str, ws_port: u16, args: &[&str]) -> Self {
        // The old listener's port may linger briefly; retry for a while.
        let deadline = StdInstant::now() + SOON;
        loop {
            match Self::try_spawn(name, ws_port, args) {
                Ok(cs) => return cs,
                Err(e) if StdInstant::now() < deadline => {
                    eprintln!("dev CS restart on port {ws_port} failed ({e}); retrying");
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => panic!("dev CS restart on port {ws_port}: {e}"),
            }
        }
    }

    fn spawn(name: &str, ws_port: u16, args: &[&str]) -> Self {
        Self::try_spawn(name, ws_port, args).unwrap_or_else(|e| panic!("dev CS: {e}"))
    }

    fn try_spawn(name: &str, ws_port: u16, args: &[&str]) -> Result<Self, String> {
        std::fs::create_dir_all(frames_dir()).map_err(|e| e.to_string())?;
        let frames_log = frames_dir().join(format!("{name}.jsonl"));
        let stderr_log = frames_dir().join(format!("{name}.dev_cs.log"));
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&stderr_log)
            .map_err(|e| format!("{}: {e}", stderr_log.display()))?;
        let mut child = Command::new("python3")
            .arg(Path::new(MANIFEST_DIR).join("tools").join("dev_cs.py"))
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &ws_port.to_string(),
                "--control-port",
                "0",
                "--quiet",
            ])
            .arg("--frames-log")
            .arg(&frames_log)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot run python3 tools/dev_cs.py: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = StdInstant::now() + Duration::from_secs(20);
        let ready = loop {
            let left = deadline.saturating_duration_since(StdInstant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("DEV_CS_READY ") {
                        break Some(rest.to_owned());
                    }
                }
                Err(_) => break None,
            }
        };
        let Some(ready) = ready else {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(&stderr_log).unwrap_or_default();
            return Err(format!("no DEV_CS_READY line; stderr:\n{log}"));
        };
        let port = |key: &str| -> Option<u16> {
            ready
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix(key))
                .and_then(|v| v.parse().ok())
        };
        let (Some(ws), Some(ctl)) = (port("ws_port="), port("control_port=")) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("malformed READY line: {ready}"));
        };
        let tls_dir = ready
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix("tls_dir="))
            .map(PathBuf::from);
        Ok(Self {
            child: Some(child),
            name: name.to_owned(),
            ws_port: ws,
            control: Control { port: ctl },
            frames_log,
            tls_dir,
        })
    }

    /// Base URL of the Central System; the charge point id is appended.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls_dir.is_some() { "wss" } else { "ws" };
        format!("{scheme}://127.0.0.1:{}/ocpp", self.ws_port)
    }

    /// A file the `--tls` dev CS generated (`ca.pem`, `client.pem`, ...).
    pub fn tls_file(&self, name: &str) -> PathBuf {
        self.tls_dir.as_deref().expect("a --tls dev CS").join(name)
    }

    /// Kills the process with SIGKILL (no close frames, no goodbye) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl std::ops::Deref for DevCs {
    type Target = Control;
    fn deref(&self) -> &Control {
        &self.control
    }
}

impl Drop for DevCs {
    fn drop(&mut self) {
        self.kill();
    }
}

// ------------------------------------------------------------------------------ test station

/// What the engine asked of the station, shared with the test.
#[derive(Debug, Default)]
pub struct Record {
    pub remote_starts: Vec<(u8, String)>,
    pub remote_stops: Vec<u8>,
    pub unlocks: Vec<u8>,
    pub data_transfers: Vec<DataTransferRequest>,
}

/// A station whose energy registers grow with time: connector `c` reads
/// `10_000 * c + elapsed_ms / 50` Wh (20 Wh per second).
pub struct TestStation {
    pub record: Arc<Mutex<Record>>,
    started: StdInstant,
    pub accept_remote: bool,
}

impl TestStation {
    pub fn new() -> (Self, Arc<Mutex<Record>>) {
        let record = Arc::new(Mutex::new(Record::default()));
        (
            Self {
                record: Arc::clone(&record),
                started: StdInstant::now(),
                accept_remote: true,
            },
            record,
        )
    }

    pub fn energy_wh(&self, connector: u8) -> i32 {
        let ms = self.started.elapsed().as_millis() as i64;
        (10_000 * i64::from(connector) + ms / 50) as i32
    }
}

impl Station for TestStation {
    fn read_meter(&mut self, connector: u8, measurand: Measurand) -> Option<SampleText> {
        match measurand {
            Measurand::EnergyActiveImportRegister => {
                Some(sample_text(i64::from(self.energy_wh(connector))))
            }
            Measurand::PowerActiveImport => Some(sample_text(72_000)),
            _ => None,
        }
    }

    fn remote_start(&mut self, connector: u8, id_tag: &str) -> bool {
        if let Ok(mut r) = self.record.lock() {
            r.remote_starts.push((connector, id_tag.to_owned()));
        }
        self.accept_remote
    }

    fn remote_stop(&mut self, connector: u8) -> bool {
        if let Ok(mut r) = self.record.lock() {
            r.remote_stops.push(connector);
        }
        true
    }

    fn unlock_connector(&mut self, connector: u8) -> UnlockStatus {
        if let Ok(mut r) = self.record.lock() {
            r.unlocks.push(connector);
        }
        UnlockStatus::Unlocked
    }

    fn data_transfer(&mut self, request: &DataTransferRequest) -> DataTransferResponse {
        if let Ok(mut r) = self.record.lock() {
            r.data_transfers.push(request.clone());
        }
        if request.vendor_id.as_str() != "zephyr-ocpp" {
            return DataTransferResponse {
                status: DataTransferStatus::UnknownVendorId,
                data: None,
            };
        }
        let reply = format!("pong:{}", request.data.as_ref().map_or("", |d| d.as_str()));
        DataTransferResponse {
            status: DataTransferStatus::Accepted,
            data: CiString::try_from_str(&reply).ok(),
        }
    }
}

// ------------------------------------------------------------------------------ charge point

pub fn boot_info(model: &str) -> BootNotificationRequest {
    BootNotificationRequest {
        charge_point_vendor: CiString::try_from_str("zephyr-ocpp").expect("vendor"),
        charge_point_model: CiString::try_from_str(model).expect("model"),
        firmware_version: CiString::try_from_str(env!("CARGO_PKG_VERSION")).ok(),
        ..BootNotificationRequest::default()
    }
}

/// Options for tests: answers are expected quickly, reconnects are fast.
pub fn test_config(url: String) -> HostConfig {
    HostConfig {
        options: Options {
            response_timeout_ms: 5_000,
            ..Options::default()
        },
        reconnect_min: Duration::from_millis(100),
        reconnect_max: Duration::from_millis(800),
        connect_timeout: Duration::from_secs(5),
        store_dir: None,
        ..HostConfig::new(url)
    }
}

/// A [`HostChargePoint`] with a [`TestStation`] and every event kept for inspection.
pub struct TestCp {
    pub id: String,
    pub host: HostChargePoint<TestStation>,
    pub record: Arc<Mutex<Record>>,
    pub events: Arc<Mutex<Vec<Event>>>,
}

impl TestCp {
    pub fn start(cs: &DevCs, id: &str, connectors: u8) -> Self {
        Self::start_with(
            test_config(charge_point_url(&cs.base_url(), id)),
            id,
            connectors,
        )
    }

    pub fn start_with(config: HostConfig, id: &str, connectors: u8) -> Self {
        init_logging(log::LevelFilter::Warn);
        let (station, record) = TestStation::new();
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&events);
        let host = HostChargePoint::spawn(
            config,
            boot_info("host-test"),
            connectors,
            station,
            move |e: &Event| {
                if let Ok(mut v) = sink.lock() {
                    v.push(e.clone());
                }
            },
        )
        .expect("spawn");
        Self {
            id: id.to_owned(),
            host,
            record,
            events,
        }
    }

    pub fn wait_online(&self, timeout: Duration) {
        assert!(
            wait_until(timeout, || self.host.is_online().then_some(())).is_some(),
            "{}: not online within {timeout:?}",
            self.id
        );
    }

    pub fn energy(&self, connector: u8) -> i32 {
        self.host.with(|cp, _| cp.station().energy_wh(connector))
    }

    pub fn authorize(&self, id_tag: &str) -> Result<IdTagInfo, RequestError> {
        let (_, event) = self
            .host
            .with_then_wait(
                |cp, now| cp.authorize(now, id_tag),
                |t, e| matches!(e, Event::Authorized { ticket, .. } if ticket == t),
                SOON,
            )
            .expect("authorize command");
        match event {
            Some(Event::Authorized { result, .. }) => result,
            other => panic!("no Authorized event for {id_tag}: {other:?}"),
        }
    }

    /// Starts a transaction with the meter's current reading; returns the outcome and meterStart.
    pub fn start_tx(
        &self,
        connector: u8,
        id_tag: &str,
    ) -> (Result<StartOutcome, RequestError>, i32) {
        let (meter, result) = self.try_start_tx(connector, id_tag);
        let (_, event) =
            result.unwrap_or_else(|e| panic!("start_transaction({connector}, {id_tag}): {e:?}"));
        match event {
            Some(Event::TransactionStarted { result, .. }) => (result, meter),
            other => panic!("no TransactionStarted for connector {connector}: {other:?}"),
        }
    }

    #[allow(clippy::type_complexity)]
    pub fn try_start_tx(
        &self,
        connector: u8,
        id_tag: &str,
    ) -> (i32, Result<(u32, Option<Event>), CommandError>) {
        let meter = std::cell::Cell::new(0);
        let result = self.host.with_then_wait(
            |cp: &mut ChargePoint<TestStation>, now| {
                meter.set(cp.station().energy_wh(connector));
                cp.start_transaction(now, connector, id_tag, meter.get(), None)
            },
            |t, e| matches!(e, Event::TransactionStarted { ticket, .. } if ticket == t),
            SOON,
        );
        (meter.get(), result)
    }

    /// Stops the transaction with the meter's current reading; returns the outcome and meterStop.
    pub fn stop_tx(
        &self,
        connector: u8,
        reason: Option<Reason>,
    ) -> (Result<StopOutcome, RequestError>, i32) {
        let meter = std::cell::Cell::new(0);
        let (_, event) = self
            .host
            .with_then_wait(
                |cp: &mut ChargePoint<TestStation>, now| {
                    meter.set(cp.station().energy_wh(connector));
                    cp.stop_transaction(now, connector, meter.get(), reason, None)
                },
                |t, e| matches!(e, Event::TransactionStopped { ticket, .. } if ticket == t),
                SOON,
            )
            .unwrap_or_else(|e| panic!("stop_transaction({connector}): {e:?}"));
        match event {
            Some(Event::TransactionStopped { result, .. }) => (result, meter.get()),
            other => panic!("no TransactionStopped for connector {connector}: {other:?}"),
        }
    }

    pub fn events(&self) -> Vec<Event> {
        self.events.lock().map(|v| v.clone()).unwrap_or_default()
    }

    pub fn record<T>(&self, f: impl FnOnce(&Record) -> T) -> T {
        f(&self.record.lock().expect("record"))
    }
}

/// Polls `f` every 20 ms until it returns Some or `timeout` elapses.
pub fn wait_until<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = StdInstant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if StdInstant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The numeric Energy.Active.Import.Register readings of MeterValues messages.
pub fn energy_readings(msg: &Value) -> Vec<f64> {
    msg["payload"]["meterValue"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|mv| mv["sampledValue"].as_array().cloned().unwrap_or_default())
        .filter(|sv| sv["measurand"] == "Energy.Active.Import.Register")
        .filter_map(|sv| sv["value"].as_str().and_then(|v| v.parse().ok()))
        .collect()
}
