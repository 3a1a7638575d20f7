//! A two-connector charge point on the host, after Zephyr's `samples/net/ocpp`.
//!
//! ```text
//! cargo run --example demo -- --cs ws://127.0.0.1:9000/ocpp [--cp-id zephyr-demo] [--control 9001]
//! cargo run --example demo -- --cs ws://127.0.0.1:9000/ocpp --stay
//! cargo run --example demo -- --cs wss://127.0.0.1:9000/ocpp --ca ca.pem --password KEY
//! ```
//! Security Profiles: `--password KEY` sends Basic Auth (profile 1; 2 with `wss://` and
//! `--ca FILE`), `--client-cert FILE --client-key FILE` present a client certificate (profile 3);
//! `--security-profile N` overrides the profile inferred from them.
//! (`scripts/demo.sh` starts the development Central System, runs this against it and validates
//! every frame.)
//!
//! 1. Both connectors charge at once, each on its own thread: Authorize → StartTransaction →
//!    MeterValues every 2 s (MeterValueSampleInterval, set by the Central System) →
//!    StopTransaction. The station's energy registers grow while a connector charges.
//! 2. With `--control <port>` (the dev CS control API) the demo also plays the operator:
//!    RemoteStartTransaction → the station starts charging on a new thread → RemoteStopTransaction
//!    → stopped with reason Remote; then UnlockConnector during a transaction → stopped with
//!    reason UnlockCommand; then TriggerMessage, ReserveNow/CancelReservation and SendLocalList/
//!    GetLocalListVersion. Finally it checks what the Central System recorded.
//!
//! Exits 0 when every step succeeded, 1 otherwise, 2 on the 60 s watchdog.
//!
//! With `--stay` there is no scenario and no watchdog: the charge point boots and then serves the
//! Central System until it is killed (Ctrl-C), for a person driving it from the dev CS's web
//! console (`scripts/demo.sh --console`). A RemoteStartTransaction charges on its own thread
//! until RemoteStopTransaction (or Unlock, Reset); the cable is then unplugged (Finishing →
//! Available) so the connector can be started again; an accepted Reset reboots the charge point
//! (a new connection and BootNotification), keeping the energy registers.

#[path = "../tests/common/http.rs"]
mod http;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant as StdInstant};

use ocpp::engine::{sample_text, Event, Options, StartOutcome, Station, StopOutcome};
use ocpp::messages::{
    AuthorizationStatus, BootNotificationRequest, ChargePointErrorCode, ChargePointStatus,
    DataTransferRequest, DataTransferResponse, DataTransferStatus, Measurand, SampleText,
    UnlockStatus,
};
use ocpp::platform::host::{charge_point_url, HostChargePoint, HostConfig};
use ocpp::CiString;
use serde_json::{json, Value};

const CONNECTORS: u8 = 2;
const SAMPLE_INTERVAL_S: u32 = 2;
const CHARGE_TIME: Duration = Duration::from_secs(7);
const WAIT: Duration = Duration::from_secs(15);
const WATCHDOG: Duration = Duration::from_secs(60);
/// How long a charging session may last: the scenario's stop long before; `--stay` waits for the
/// Central System.
const SESSION_LIMIT: Duration = Duration::from_secs(40);
const STAY_SESSION_LIMIT: Duration = Duration::from_secs(24 * 3600);
/// `--stay`: from the end of a session until the cable is unplugged.
const UNPLUG_DELAY: Duration = Duration::from_secs(2);

// ------------------------------------------------------------------------------ output

fn elapsed() -> f64 {
    static START: OnceLock<StdInstant> = OnceLock::new();
    START.get_or_init(StdInstant::now).elapsed().as_secs_f64()
}

macro_rules! say {
    ($($arg:tt)*) => { println!("[{:7.3}s] {}", elapsed(), format_args!($($arg)*)) };
}

struct StderrLogger(log::LevelFilter);

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= self.0
    }
    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            eprintln!(
                "[{:7.3}s {:5} {}] {}",
                elapsed(),
                record.level(),
                record.target(),
                record.args()
            );
        }
    }
    fn flush(&self) {}
}

static LOGGER: OnceLock<StderrLogger> = OnceLock::new();

fn init_logging() {
    let level = std::env::var("OCPP_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(log::LevelFilter::Warn);
    if log::set_logger(LOGGER.get_or_init(|| StderrLogger(level))).is_ok() {
        log::set_max_level(level);
    }
}

// ------------------------------------------------------------------------------ the station

/// Energy meters that run while a connector charges (22 kW), and the operator's requests
/// handed to the application threads (Station methods must not call back into the engine).
struct DemoStation {
    started: StdInstant,
    /// Per connector: Wh counted so far and, while charging, since when (ms after `started`).
    meters: [(u64, Option<u64>); CONNECTORS as usize + 1],
    remote_starts: Sender<(u8, String)>,
    remote_stops: Arc<[AtomicBool; CONNECTORS as usize + 1]>,
}

const POWER_W: u64 = 22_000;

impl DemoStation {
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn energy_wh(&self, connector: u8) -> i32 {
        let Some(&(counted, since)) = self.meters.get(usize::from(connector)) else {
            return 0;
        };
        let running = since.map_or(0, |t| (self.now_ms() - t) * POWER_W / 3_600_000);
        (10_000 * u64::from(connector) + counted + running) as i32
    }

    fn set_charging(&mut self, connector: u8, on: bool) {
        let now = self.now_ms();
        if let Some((counted, since)) = self.meters.get_mut(usize::from(connector)) {
            match (on, *since) {
                (true, None) => *since = Some(now),
                (false, Some(t)) => {
                    *counted += (now - t) * POWER_W / 3_600_000;
                    *since = None;
                }
                _ => {}
            }
        }
    }
}

impl Station for DemoStation {
    fn read_meter(&mut self, connector: u8, measurand: Measurand) -> Option<SampleText> {
        match measurand {
            Measurand::EnergyActiveImportRegister => {
                Some(sample_text(i64::from(self.energy_wh(connector))))
            }
            _ => None,
        }
    }

    fn remote_start(&mut self, connector: u8, id_tag: &str) -> bool {
        // Like the Zephyr sample: the application starts charging on its own thread.
        self.remote_starts
            .send((connector, id_tag.to_owned()))
            .is_ok()
    }

    fn remote_stop(&mut self, connector: u8) -> bool {
        match self.remote_stops.get(usize::from(connector)) {
            Some(flag) => {
                flag.store(true, Ordering::Release);
                true
            }
            None => false,
        }
    }

    fn unlock_connector(&mut self, connector: u8) -> UnlockStatus {
        // The engine already stopped the transaction; the cable is released.
        self.set_charging(connector, false);
        UnlockStatus::Unlocked
    }

    fn data_transfer(&mut self, request: &DataTransferRequest) -> DataTransferResponse {
        let _ = request;
        DataTransferResponse {
            status: DataTransferStatus::UnknownVendorId,
            data: None,
        }
    }
}

type Host = HostChargePoint<DemoStation>;

// ------------------------------------------------------------------------------ a charging session

/// Authorize → start → charge until `until` returns true (at most `limit`) → stop. Returns the
/// transactionId.
fn charge(
    host: &Host,
    connector: u8,
    id_tag: &str,
    authorize: bool,
    limit: Duration,
    mut until: impl FnMut() -> bool,
) -> Result<i32, String> {
    let who = format!("connector {connector} ({id_tag})");
    if authorize {
        let (_, event) = host
            .with_then_wait(
                |cp, now| cp.authorize(now, id_tag),
                |t, e| matches!(e, Event::Authorized { ticket, .. } if ticket == t),
                WAIT,
            )
            .map_err(|e| format!("{who}: authorize: {e:?}"))?;
        match event {
            Some(Event::Authorized {
                result: Ok(info), ..
            }) if info.status == AuthorizationStatus::Accepted => {
                say!("{who}: authorized");
            }
            other => return Err(format!("{who}: not authorized: {other:?}")),
        }
    }
    let (_, event) = host
        .with_then_wait(
            |cp, now| {
                let meter = cp.station().energy_wh(connector);
                let ticket = cp.start_transaction(now, connector, id_tag, meter, None)?;
                cp.station_mut().set_charging(connector, true);
                say!("{who}: StartTransaction, meter {meter} Wh");
                Ok(ticket)
            },
            |t, e| matches!(e, Event::TransactionStarted { ticket, .. } if ticket == t),
            WAIT,
        )
        .map_err(|e: ocpp::engine::CommandError| format!("{who}: start: {e:?}"))?;
    let transaction_id = match event {
        Some(Event::TransactionStarted {
            result: Ok(StartOutcome::Accepted { transaction_id }),
            ..
        }) => transaction_id,
        other => return Err(format!("{who}: transaction not accepted: {other:?}")),
    };
    say!("{who}: charging, transactionId {transaction_id}");
    let deadline = StdInstant::now() + limit;
    while !until() {
        if !host.with(|cp, _| cp.has_transaction(connector)) {
            say!("{who}: the transaction was stopped by the charge point (unlock, reset...)");
            return Ok(transaction_id);
        }
        if StdInstant::now() > deadline {
            return Err(format!("{who}: still charging after {limit:?}"));
        }
        thread::sleep(Duration::from_millis(50));
    }
    let (_, event) = host
        .with_then_wait(
            |cp, now| {
                cp.station_mut().set_charging(connector, false);
                let meter = cp.station().energy_wh(connector);
                say!("{who}: StopTransaction, meter {meter} Wh");
                cp.stop_transaction(now, connector, meter, None, None)
            },
            |t, e| matches!(e, Event::TransactionStopped { ticket, .. } if ticket == t),
            WAIT,
        )
        .map_err(|e| format!("{who}: stop: {e:?}"))?;
    match event {
        Some(Event::TransactionStopped {
            result: Ok(StopOutcome::Delivered),
            ..
        }) => {
            say!("{who}: stopped");
            Ok(transaction_id)
        }
        other => Err(format!("{who}: stop not confirmed: {other:?}")),
    }
}

// ------------------------------------------------------------------------------ the operator

/// The dev CS control API (127.0.0.1:port).
struct Operator {
    port: u16,
    cp_id: String,
}

impl Operator {
    fn request(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let body = body.map(|b| b.to_string());
        let (status, text) = http::http(
            self.port,
            method,
            path,
            body.as_deref(),
            Duration::from_secs(20),
        )?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| format!("{path}: {e}: {text}"))?;
        if status != 200 {
            return Err(format!("{method} {path}: HTTP {status}: {text}"));
        }
        Ok(value)
    }

    /// A CALL from the Central System; returns the CALLRESULT payload.
    fn call(&self, action: &str, payload: Value) -> Result<Value, String> {
        say!("operator: {action} {payload}");
        let body =
            json!({"cp_id": self.cp_id, "action": action, "payload": payload, "timeout": 10});
        let answer = self.request("POST", "/call", Some(body))?;
        let result = answer
            .get("result")
            .cloned()
            .ok_or_else(|| format!("{action}: {answer}"))?;
        say!("operator: {action} answered {result}");
        Ok(result)
    }

    fn get(&self, what: &str) -> Result<Vec<Value>, String> {
        match self.request("GET", &format!("/{what}?cp_id={}", self.cp_id), None)? {
            Value::Array(items) => Ok(items),
            other => Err(format!("/{what}: {other}")),
        }
    }

    fn expect_status(&self, action: &str, payload: Value, status: &str) -> Result<(), String> {
        let result = self.call(action, payload)?;
        if result["status"] == status {
            Ok(())
        } else {
            Err(format!("{action}: expected {status}, got {result}"))
        }
    }
}

// ------------------------------------------------------------------------------ main

struct Args {
    cs: String,
    cp_id: String,
    control: Option<u16>,
    stay: bool,
    ca: Option<std::path::PathBuf>,
    password: Option<String>,
    client_cert: Option<std::path::PathBuf>,
    client_key: Option<std::path::PathBuf>,
    security_profile: Option<u8>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        cs: String::new(),
        cp_id: "zephyr-demo".into(),
        control: None,
        stay: false,
        ca: None,
        password: None,
        client_cert: None,
        client_key: None,
        security_profile: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--cs" => args.cs = value()?,
            "--cp-id" => args.cp_id = value()?,
            "--control" => {
                let v = value()?;
                let port = v.rsplit(':').next().unwrap_or(&v).trim_end_matches('/');
                args.control = Some(
                    port.parse()
                        .map_err(|_| format!("--control: bad port {v:?}"))?,
                );
            }
            "--stay" => args.stay = true,
            "--ca" => args.ca = Some(value()?.into()),
            "--password" => args.password = Some(value()?),
            "--client-cert" => args.client_cert = Some(value()?.into()),
            "--client-key" => args.client_key = Some(value()?.into()),
            "--security-profile" => {
                let v = value()?;
                args.security_profile = Some(
                    v.parse()
                        .map_err(|_| format!("--security-profile: bad value {v:?}"))?,
                );
            }
            "-h" | "--help" => {
                println!("usage: demo --cs ws://HOST:PORT/PATH [--cp-id ID] [--control DEV_CS_CONTROL_PORT]");
                println!("       demo --cs ws://HOST:PORT/PATH [--cp-id ID] --stay   (no scenario: serve the CS until Ctrl-C)");
                println!("       security: [--cs wss://...] [--ca FILE] [--password KEY] [--client-cert FILE --client-key FILE] [--security-profile N]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    if args.cs.is_empty() {
        return Err("--cs ws://HOST:PORT/PATH is required".into());
    }
    if args.stay && args.control.is_some() {
        return Err("--stay plays no scenario: --control is for the scenario's operator".into());
    }
    Ok(args)
}

fn main() {
    elapsed();
    init_logging();
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("demo: {e}");
            std::process::exit(1);
        }
    };
    if args.stay {
        if let Err(e) = stay(&args) {
            say!("demo: FAILED: {e}");
            std::process::exit(1);
        }
        return;
    }
    thread::spawn(|| {
        thread::sleep(WATCHDOG);
        eprintln!("demo: watchdog: not finished after {WATCHDOG:?}");
        std::process::exit(2);
    });
    match run(&args) {
        Ok(()) => say!("demo: SUCCESS"),
        Err(e) => {
            say!("demo: FAILED: {e}");
            std::process::exit(1);
        }
    }
}

fn boot_info() -> Result<BootNotificationRequest, String> {
    Ok(BootNotificationRequest {
        charge_point_vendor: CiString::try_from_str("zephyr-ocpp").map_err(|_| "vendor")?,
        charge_point_model: CiString::try_from_str("host-demo").map_err(|_| "model")?,
        firmware_version: CiString::try_from_str(env!("CARGO_PKG_VERSION")).ok(),
        ..BootNotificationRequest::default()
    })
}

fn host_config(url: &str, args: &Args) -> HostConfig {
    HostConfig {
        ca_file: args.ca.clone(),
        authorization_key: args.password.clone(),
        client_cert_file: args.client_cert.clone(),
        client_key_file: args.client_key.clone(),
        security_profile: args.security_profile,
        url: url.to_owned(),
        options: Options {
            response_timeout_ms: 10_000,
            ..Options::default()
        },
        reconnect_min: Duration::from_millis(500),
        reconnect_max: Duration::from_secs(5),
        ..HostConfig::new(url)
    }
}

fn run(args: &Args) -> Result<(), String> {
    let (remote_tx, remote_rx) = mpsc::channel();
    let remote_stops: Arc<[AtomicBool; CONNECTORS as usize + 1]> = Arc::new(Default::default());
    let station = DemoStation {
        started: StdInstant::now(),
        meters: Default::default(),
        remote_starts: remote_tx,
        remote_stops: Arc::clone(&remote_stops),
    };
    let boot = boot_info()?;
    let url = charge_point_url(&args.cs, &args.cp_id);
    let config = host_config(&url, args);
    let events_seen = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&events_seen);
    let host = Arc::new(
        HostChargePoint::spawn(config, boot, CONNECTORS, station, move |event: &Event| {
            // The IO thread calls this: print, count, never block.
            match event {
                Event::Registration(status) => say!("event: BootNotification {status}"),
                Event::Disconnected => say!("event: disconnected"),
                Event::ConfigurationChanged(key) => say!("event: configuration {key} changed"),
                Event::ResetRequested(_) | Event::TransactionMessageDiscarded { .. } => {
                    say!("event: {event:?}")
                }
                _ => {}
            }
            counted.fetch_add(1, Ordering::Relaxed);
        })
        .map_err(|e| format!("spawn: {e:?}"))?,
    );
    say!("charge point {} connecting to {url}", args.cp_id);
    let online = (0..300).any(|_| {
        thread::sleep(Duration::from_millis(50));
        host.is_online()
    });
    if !online {
        return Err(format!("not online after 15 s ({url})"));
    }
    say!("online");
    let operator = args.control.map(|port| Operator {
        port,
        cp_id: args.cp_id.clone(),
    });

    // MeterValueSampleInterval: from the Central System when we play it, else locally.
    let interval = SAMPLE_INTERVAL_S.to_string();
    match &operator {
        Some(op) => op.expect_status(
            "ChangeConfiguration",
            json!({"key": "MeterValueSampleInterval", "value": interval}),
            "Accepted",
        )?,
        None => {
            let status = host.with(|cp, now| {
                cp.change_configuration(now, "MeterValueSampleInterval", &interval)
            });
            say!("MeterValueSampleInterval = {interval}: {status}");
        }
    }

    // 1. Both connectors charge in parallel, each on its own thread.
    say!("--- two local charging sessions in parallel");
    let sessions: Vec<_> = (1..=CONNECTORS)
        .map(|connector| {
            let host = Arc::clone(&host);
            thread::Builder::new()
                .name(format!("connector-{connector}"))
                .spawn(move || {
                    let end = StdInstant::now() + CHARGE_TIME;
                    charge(
                        &host,
                        connector,
                        &format!("ZepId0{}", connector - 1),
                        true,
                        SESSION_LIMIT,
                        || StdInstant::now() >= end,
                    )
                })
                .map_err(|e| format!("thread: {e}"))
        })
        .collect::<Result<_, _>>()?;
    let mut local_ids = Vec::new();
    for session in sessions {
        local_ids.push(
            session
                .join()
                .map_err(|_| "a connector thread panicked".to_owned())??,
        );
    }

    let Some(op) = operator else {
        say!("(no --control: skipping the operator's remote start/stop and unlock)");
        shutdown(host);
        return Ok(());
    };

    // 2. Remote start and stop.
    say!("--- remote start / remote stop from the Central System");
    op.expect_status(
        "RemoteStartTransaction",
        json!({"connectorId": 1, "idTag": "RemoteTag"}),
        "Accepted",
    )?;
    let remote = remote_session(&host, &remote_rx, &remote_stops)?;
    let transaction_id = wait_for(|| {
        op.get("transactions")
            .ok()?
            .iter()
            .find(|t| t["id_tag"] == "RemoteTag" && t["active"] == true)?["transaction_id"]
            .as_i64()
    })
    .ok_or("the remote transaction did not start")?;
    thread::sleep(Duration::from_secs(4));
    op.expect_status(
        "RemoteStopTransaction",
        json!({"transactionId": transaction_id}),
        "Accepted",
    )?;
    let remote_id = remote
        .join()
        .map_err(|_| "the remote session panicked".to_owned())??;

    // 3. Unlock during a transaction.
    say!("--- unlock connector 2 during a transaction");
    let unlock_host = Arc::clone(&host);
    let unlocked = thread::spawn(move || {
        charge(
            &unlock_host,
            2,
            "ZepId02",
            true,
            SESSION_LIMIT,
            || false, /* until the charge point stops it */
        )
    });
    wait_for(|| {
        op.get("transactions")
            .ok()?
            .iter()
            .any(|t| t["id_tag"] == "ZepId02" && t["active"] == true)
            .then_some(())
    })
    .ok_or("the transaction on connector 2 did not start")?;
    thread::sleep(Duration::from_secs(1));
    op.expect_status("UnlockConnector", json!({"connectorId": 2}), "Unlocked")?;
    let unlock_id = unlocked
        .join()
        .map_err(|_| "the unlock session panicked".to_owned())??;

    // 4. The optional profiles: a triggered message, a reservation, the local list.
    say!("--- TriggerMessage, ReserveNow / CancelReservation, SendLocalList");
    op.expect_status(
        "TriggerMessage",
        json!({"requestedMessage": "StatusNotification", "connectorId": 1}),
        "Accepted",
    )?;
    // The cable of connector 1 is unplugged (Finishing -> Available): it can be reserved.
    host.with(|cp, now| {
        cp.set_connector_status(
            now,
            1,
            ChargePointStatus::Available,
            ChargePointErrorCode::NoError,
        )
    })
    .map_err(|e| format!("set_connector_status: {e:?}"))?;
    let wall = host
        .with(|cp, now| cp.wall_time(now))
        .ok_or("no wall clock")?;
    let expiry = ocpp::datetime::DateTime::from_unix_ms(wall.unix_ms + 3_600_000);
    op.expect_status(
        "ReserveNow",
        json!({"connectorId": 1, "expiryDate": expiry.to_string(), "idTag": "ZepRes01",
               "reservationId": 1}),
        "Accepted",
    )?;
    wait_for(|| host.with(|cp, _| cp.reservation(1).is_some()).then_some(()))
        .ok_or("the reservation is not held")?;
    say!("connector 1 reserved for ZepRes01 until {expiry}");
    op.expect_status("CancelReservation", json!({"reservationId": 1}), "Accepted")?;
    op.expect_status(
        "SendLocalList",
        json!({"listVersion": 1, "updateType": "Full", "localAuthorizationList": [
            {"idTag": "ZepId00", "idTagInfo": {"status": "Accepted"}},
            {"idTag": "ZepId01", "idTagInfo": {"status": "Accepted"}}]}),
        "Accepted",
    )?;
    let version = op.call("GetLocalListVersion", json!({}))?;
    say!(
        "local authorization list version {}",
        version["listVersion"]
    );
    if version["listVersion"] != 1 {
        return Err(format!("GetLocalListVersion: {version}"));
    }

    // What did the Central System record?
    say!("--- checking the Central System's records");
    let stopped = |id: i32, reason: &str| -> Result<(), String> {
        let txs = wait_for(|| {
            let txs = op.get("transactions").ok()?;
            txs.iter()
                .any(|t| t["transaction_id"] == id && t["active"] == false)
                .then_some(txs)
        })
        .ok_or(format!("transaction {id} not stopped at the CS"))?;
        let tx = txs
            .iter()
            .find(|t| t["transaction_id"] == id)
            .ok_or("missing")?;
        let (start, stop) = (
            tx["meter_start"].as_i64().unwrap_or(-1),
            tx["meter_stop"].as_i64().unwrap_or(-1),
        );
        say!(
            "transaction {id}: connector {}, {} Wh, reason {}",
            tx["connector_id"],
            stop - start,
            tx["reason"]
        );
        if tx["reason"] != reason {
            return Err(format!(
                "transaction {id}: reason {}, expected {reason}",
                tx["reason"]
            ));
        }
        if stop <= start {
            return Err(format!(
                "transaction {id}: meter did not advance ({start} -> {stop})"
            ));
        }
        Ok(())
    };
    for id in &local_ids {
        stopped(*id, "Local")?;
    }
    stopped(remote_id, "Remote")?;
    stopped(unlock_id, "UnlockCommand")?;
    let samples = op
        .get("messages")?
        .iter()
        .filter(|m| m["action"] == "MeterValues")
        .count();
    say!("MeterValues received by the Central System: {samples}");
    if samples < 2 * (CHARGE_TIME.as_secs() as usize / SAMPLE_INTERVAL_S as usize) {
        return Err(format!("only {samples} MeterValues"));
    }
    firmware_update(&op)?;
    say!(
        "events seen by the application: {}",
        events_seen.load(Ordering::Relaxed)
    );
    shutdown(host);
    Ok(())
}

/// Firmware Management end to end: an image served by the dev CS's file server, downloaded
/// over HTTP, "installed" (copied) and reported Installed after the session restarted.
fn firmware_update(op: &Operator) -> Result<(), String> {
    say!("--- firmware update over HTTP from the Central System's file server");
    let image = op.request(
        "POST",
        "/firmware",
        Some(json!({"name": "demo-fw-2.0.bin", "size": 262_144})),
    )?;
    say!(
        "operator: serving {} ({} B, sha256 {})",
        image["url"],
        image["size"],
        image["sha256"]
    );
    let answer = op.request(
        "POST",
        "/update_firmware",
        Some(json!({"cp_id": op.cp_id, "image": "demo-fw-2.0.bin", "retries": 1})),
    )?;
    if answer.get("result") != Some(&json!({})) {
        return Err(format!("UpdateFirmware: {answer}"));
    }
    let statuses = wait_for(|| {
        let all: Vec<String> = op
            .get("messages")
            .ok()?
            .iter()
            .filter(|m| m["action"] == "FirmwareStatusNotification")
            .filter_map(|m| m["payload"]["status"].as_str().map(str::to_owned))
            .collect();
        (all.last().map(String::as_str) == Some("Installed")).then_some(all)
    })
    .ok_or("no FirmwareStatusNotification Installed")?;
    say!(
        "firmware statuses at the Central System: {}",
        statuses.join(" -> ")
    );
    Ok(())
}

// ------------------------------------------------------------------------------ --stay

/// Per connector: Wh counted and, while charging, since when (see [`DemoStation::meters`]).
type Meters = [(u64, Option<u64>); CONNECTORS as usize + 1];

/// `--stay`: boots, then serves the Central System until the process is killed. Each accepted
/// Reset ends in a reboot: a new engine, connection and BootNotification (the energy registers
/// are kept, as a real meter's would be).
fn stay(args: &Args) -> Result<(), String> {
    let url = charge_point_url(&args.cs, &args.cp_id);
    let mut meters = Meters::default();
    loop {
        let (remote_tx, remote_rx) = mpsc::channel();
        let remote_stops: Arc<[AtomicBool; CONNECTORS as usize + 1]> = Arc::new(Default::default());
        let (reset_tx, reset_rx) = mpsc::channel();
        let station = DemoStation {
            started: StdInstant::now(),
            meters,
            remote_starts: remote_tx,
            remote_stops: Arc::clone(&remote_stops),
        };
        let host = Arc::new(
            HostChargePoint::spawn(
                host_config(&url, args),
                boot_info()?,
                CONNECTORS,
                station,
                move |event: &Event| match event {
                    Event::Registration(status) => say!("event: BootNotification {status}"),
                    Event::Disconnected => say!("event: disconnected"),
                    Event::ResetRequested(kind) => {
                        say!("event: {event:?}");
                        let _ = reset_tx.send(*kind);
                    }
                    Event::TransactionStarted { .. }
                    | Event::TransactionStopped { .. }
                    | Event::Authorized { .. } => {}
                    other => say!("event: {other:?}"),
                },
            )
            .map_err(|e| format!("spawn: {e:?}"))?,
        );
        say!("charge point {} connecting to {url}", args.cp_id);
        let mut waited = 0u32;
        while !host.is_online() {
            thread::sleep(Duration::from_millis(50));
            waited += 1;
            if waited % 300 == 0 {
                say!("still not online ({url}); retrying");
            }
        }
        // The meter is sampled every SAMPLE_INTERVAL_S, so the console's charts move.
        let interval = SAMPLE_INTERVAL_S.to_string();
        let status = host
            .with(|cp, now| cp.change_configuration(now, "MeterValueSampleInterval", &interval));
        say!("online; MeterValueSampleInterval = {interval}: {status}");
        say!("staying online: remote start/stop, unlock, reset... from the Central System; Ctrl-C to stop");

        let mut sessions: Vec<thread::JoinHandle<()>> = Vec::new();
        let reset = loop {
            if let Ok(kind) = reset_rx.try_recv() {
                break kind;
            }
            sessions.retain(|s| !s.is_finished());
            let Ok((connector, id_tag)) = remote_rx.recv_timeout(Duration::from_millis(100)) else {
                continue;
            };
            say!("station: remote start on connector {connector} for {id_tag}");
            let host = Arc::clone(&host);
            let stops = Arc::clone(&remote_stops);
            let session = thread::Builder::new()
                .name(format!("connector-{connector}"))
                .spawn(move || stay_session(&host, connector, &id_tag, &stops))
                .map_err(|e| format!("thread: {e}"))?;
            sessions.push(session);
        };
        // The engine stopped the transactions; let their sessions see it and end.
        for session in sessions {
            if session.join().is_err() {
                say!("a charging session panicked");
            }
        }
        meters = host.with(|cp, _| {
            let station = cp.station_mut();
            for connector in 0..=CONNECTORS {
                station.set_charging(connector, false);
            }
            station.meters
        });
        // Let the StopTransactions out before the connection closes.
        thread::sleep(Duration::from_secs(1));
        say!("--- reset ({reset:?}): rebooting");
        shutdown(host);
        thread::sleep(Duration::from_secs(1));
    }
}

/// One remotely started session of `--stay`: charges until the Central System stops it (or the
/// engine does: unlock, reset), then the cable is unplugged.
fn stay_session(
    host: &Arc<Host>,
    connector: u8,
    id_tag: &str,
    stops: &Arc<[AtomicBool; CONNECTORS as usize + 1]>,
) {
    if let Some(flag) = stops.get(usize::from(connector)) {
        flag.store(false, Ordering::Release); // a stale stop request is not for this session
    }
    let stop = || {
        stops
            .get(usize::from(connector))
            .is_some_and(|f| f.swap(false, Ordering::AcqRel))
    };
    match charge(host, connector, id_tag, false, STAY_SESSION_LIMIT, stop) {
        Ok(id) => say!("connector {connector}: transaction {id} ended"),
        Err(e) => say!("connector {connector}: {e}"),
    }
    thread::sleep(UNPLUG_DELAY);
    let unplugged = host.with(|cp, now| {
        (cp.connector_status(connector) == Some(ChargePointStatus::Finishing)).then(|| {
            cp.set_connector_status(
                now,
                connector,
                ChargePointStatus::Available,
                ChargePointErrorCode::NoError,
            )
        })
    });
    if let Some(Err(e)) = unplugged {
        say!("connector {connector}: unplug: {e:?}");
    }
}

/// Waits for the station's remote start request and charges on a new thread until the Central
/// System asks to stop.
fn remote_session(
    host: &Arc<Host>,
    requests: &Receiver<(u8, String)>,
    stops: &Arc<[AtomicBool; CONNECTORS as usize + 1]>,
) -> Result<thread::JoinHandle<Result<i32, String>>, String> {
    let (connector, id_tag) = requests
        .recv_timeout(WAIT)
        .map_err(|_| "no remote start request reached the station")?;
    say!("station: remote start on connector {connector} for {id_tag}");
    let host = Arc::clone(host);
    let stops = Arc::clone(stops);
    Ok(thread::spawn(move || {
        let stop = || {
            stops
                .get(usize::from(connector))
                .is_some_and(|f| f.swap(false, Ordering::AcqRel))
        };
        // A remote start was authorized by the Central System already.
        charge(&host, connector, &id_tag, false, SESSION_LIMIT, stop)
    }))
}

fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = StdInstant::now() + WAIT;
    while StdInstant::now() < deadline {
        if let Some(v) = f() {
            return Some(v);
        }
        thread::sleep(Duration::from_millis(100));
    }
    None
}

fn shutdown(host: Arc<Host>) {
    match Arc::try_unwrap(host) {
        Ok(host) => host.shutdown(),
        Err(_) => say!("(charge point still shared; dropped at exit)"),
    }
    say!("disconnected");
}
