//! Firmware Management over real sockets: UpdateFirmware and GetDiagnostics from the dev
//! Central System, the image fetched over HTTP from its file server on 127.0.0.1 by the host
//! platform's transport and verified by SHA-256, a server that drops mid-download, a
//! diagnostics upload received byte-exact. Every frame goes to `target/frames/<test>.jsonl`
//! and is schema-validated by scripts/test.sh.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use ocpp::engine::Event;
use ocpp::messages::FirmwareStatus;
use ocpp::platform::host::{charge_point_url, FirmwareHandler, HostConfig, InstallDecision};
use serde_json::{json, Value};

/// Long enough for a few retries on a loaded machine.
const TRANSFER: Duration = Duration::from_secs(30);

/// A fresh directory under target/ for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(MANIFEST_DIR)
        .join("target")
        .join("fw-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// SHA-256 of a file, by coreutils' sha256sum (the dev CS computes its side with hashlib).
fn sha256_of(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    assert!(out.status.success(), "sha256sum {}", path.display());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn config(cs: &DevCs, id: &str, dir: &Path) -> HostConfig {
    let mut config = test_config(charge_point_url(&cs.base_url(), id));
    config.firmware.dir = Some(dir.join("firmware"));
    config.store_dir = Some(dir.join("store"));
    config
}

fn statuses(cs: &DevCs, id: &str, action: &str) -> Vec<String> {
    cs.messages(id, Some(action))
        .iter()
        .map(|m| {
            m["payload"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// Waits until `id` has reported `last` as its latest `action` status; returns them all.
fn wait_status(cs: &DevCs, id: &str, action: &str, last: &str) -> Vec<String> {
    wait_until(TRANSFER, || {
        let all = statuses(cs, id, action);
        (all.last().map(String::as_str) == Some(last)).then_some(all)
    })
    .unwrap_or_else(|| panic!("{id}: no {action} {last}: {:?}", statuses(cs, id, action)))
}

fn ts_of(cs: &DevCs, id: &str, action: &str, status: &str) -> f64 {
    cs.messages(id, Some(action))
        .iter()
        .find(|m| m["payload"]["status"] == status)
        .and_then(|m| m["ts"].as_f64())
        .unwrap_or(0.0)
}

#[test]
fn update_firmware_downloads_installs_and_reports_installed_after_the_restart() {
    let cs = DevCs::start("firmware_update");
    let id = "CP_FW";
    let dir = scratch("update");
    let mut config = config(&cs, id, &dir);
    // The application shows "updating" for a moment, then lets the library install.
    config.firmware.handler = Some(FirmwareHandler(std::sync::Arc::new(|_: &Path| {
        std::thread::sleep(Duration::from_millis(500));
        InstallDecision::Install
    })));
    let cp = TestCp::start_with(config, id, 2);
    cp.wait_online(SOON);
    let size = 1_500_000;
    let image = cs.post(
        "/firmware",
        json!({"name": "fw-2.0.bin", "size": size, "seed": 7}),
    );
    assert_eq!(image["size"], size);
    let boots = cs.messages(id, Some("BootNotification")).len();

    let answer = cs.post(
        "/update_firmware",
        json!({"cp_id": id, "image": "fw-2.0.bin", "retries": 1, "retry_interval": 1}),
    );
    assert_eq!(answer["result"], json!({}), "{answer}");
    let all = wait_status(&cs, id, "FirmwareStatusNotification", "Installed");
    assert_eq!(
        all,
        ["Downloading", "Downloaded", "Installing", "Installed"]
    );
    // Installed only after the session restarted and the new BootNotification was accepted.
    let boots_after = cs.messages(id, Some("BootNotification"));
    assert_eq!(boots_after.len(), boots + 1, "one restart");
    let installed_at = ts_of(&cs, id, "FirmwareStatusNotification", "Installed");
    assert!(boots_after.last().and_then(|b| b["ts"].as_f64()).unwrap() < installed_at);

    let sha = image["sha256"].as_str().unwrap();
    assert_eq!(sha256_of(&dir.join("firmware").join("firmware.bin")), sha);
    assert_eq!(sha256_of(&dir.join("firmware").join("installed.bin")), sha);
    let downloads = cs.get("/downloads");
    assert_eq!(downloads.as_array().map(Vec::len), Some(1), "{downloads}");
    assert_eq!(downloads[0]["complete"], true);

    let secs = ts_of(&cs, id, "FirmwareStatusNotification", "Downloaded")
        - ts_of(&cs, id, "FirmwareStatusNotification", "Downloading");
    println!(
        "firmware download: {size} bytes in {secs:.3} s ({:.1} MB/s on loopback, notification to notification)",
        size as f64 / secs.max(1e-6) / 1e6
    );
    // The connectors were Unavailable while the image waited and are free again.
    let unavailable = cs
        .messages(id, Some("StatusNotification"))
        .iter()
        .filter(|m| m["payload"]["status"] == "Unavailable")
        .count();
    assert_eq!(unavailable, 2, "connectors 1 and 2 during the install");
    assert_eq!(
        cp.host.with(|cp, _| cp.firmware_status()),
        FirmwareStatus::Idle
    );
    let triggered = cs.call_ok(
        id,
        "TriggerMessage",
        json!({"requestedMessage": "FirmwareStatusNotification"}),
    );
    assert_eq!(triggered["status"], "Accepted");
    assert_eq!(
        wait_status(&cs, id, "FirmwareStatusNotification", "Idle").len(),
        5
    );
    let events = cp.events();
    assert!(events.contains(&Event::FirmwareStatusChanged(FirmwareStatus::Installed)));
}

#[test]
fn a_server_dropping_mid_download_is_retried_then_download_failed() {
    let cs = DevCs::start("firmware_drops");
    let id = "CP_FW_DROP";
    let dir = scratch("drops");
    let cp = TestCp::start_with(config(&cs, id, &dir), id, 1);
    cp.wait_online(SOON);
    cs.post("/firmware", json!({"name": "fw.bin", "size": 200_000}));
    let faults = json!([{"drop_after": 1000}, {"drop_after": 50_000}, {"drop_after": 199_999}]);
    cs.post("/file_faults", json!({ "faults": faults }));
    let started = Instant::now();
    let answer = cs.post(
        "/update_firmware",
        json!({"cp_id": id, "image": "fw.bin", "retries": 2, "retry_interval": 1}),
    );
    assert_eq!(answer["result"], json!({}));
    let all = wait_status(&cs, id, "FirmwareStatusNotification", "DownloadFailed");
    assert_eq!(all, ["Downloading", "DownloadFailed"]);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "two retry intervals"
    );
    let downloads = cs.get("/downloads");
    let sent: Vec<u64> = downloads
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["sent"].as_u64().unwrap())
        .collect();
    assert_eq!(
        sent,
        [1000, 50_000, 199_999],
        "the first try and `retries` more"
    );
    assert!(downloads
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["complete"] == false));
    assert!(
        !dir.join("firmware").join("firmware.bin").exists(),
        "no partial image taken for complete"
    );
    assert!(statuses(&cs, id, "StatusNotification")
        .iter()
        .all(|s| s == "Available"));
    // The charge point still works.
    assert_eq!(
        cs.call_ok(id, "ClearCache", json!({}))["status"],
        "Accepted"
    );
}

#[test]
fn a_retry_recovers_a_dropped_chunked_download_and_the_application_can_refuse() {
    let cs = DevCs::start("firmware_chunked");
    let id = "CP_FW_CHUNKED";
    let dir = scratch("chunked");
    let mut config = config(&cs, id, &dir);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = std::sync::Arc::clone(&seen);
    config.firmware.handler = Some(FirmwareHandler(std::sync::Arc::new(move |image| {
        record.lock().unwrap().push(image.to_path_buf());
        std::thread::sleep(Duration::from_millis(500));
        InstallDecision::Refuse
    })));
    let cp = TestCp::start_with(config, id, 1);
    cp.wait_online(SOON);
    let image = cs.post("/firmware", json!({"name": "fw.bin", "size": 300_001}));
    cs.post(
        "/file_faults",
        json!({"faults": [{"drop_after": 70_000}], "chunked": true}),
    );
    let answer = cs.post(
        "/update_firmware",
        json!({"cp_id": id, "image": "fw.bin", "retries": 1, "retry_interval": 1}),
    );
    assert_eq!(answer["result"], json!({}));
    let all = wait_status(&cs, id, "FirmwareStatusNotification", "InstallationFailed");
    assert_eq!(
        all,
        [
            "Downloading",
            "Downloaded",
            "Installing",
            "InstallationFailed"
        ]
    );
    let downloaded = dir.join("firmware").join("firmware.bin");
    assert_eq!(sha256_of(&downloaded), image["sha256"].as_str().unwrap());
    assert_eq!(seen.lock().unwrap().as_slice(), [downloaded]);
    assert!(!dir.join("firmware").join("installed.bin").exists());
    // Unavailable while the image waited, Available again after the refusal.
    let held = wait_until(SOON, || {
        statuses(&cs, id, "StatusNotification")
            .iter()
            .position(|s| s == "Unavailable")
    })
    .expect("connector 1 Unavailable during the install");
    cs.wait_status(id, 1, "Available", held + 1, SOON);
}

#[test]
fn get_diagnostics_uploads_the_file_byte_exact() {
    let cs = DevCs::start("firmware_diagnostics");
    let id = "CP_DIAG";
    let dir = scratch("diagnostics");
    let log = dir.join("station.log");
    let content: Vec<u8> = (0..80_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&log, &content).unwrap();
    let mut config = config(&cs, id, &dir);
    config.firmware.diagnostics_file = Some(log.clone());
    let cp = TestCp::start_with(config, id, 1);
    cp.wait_online(SOON);
    let answer = cs.post("/get_diagnostics", json!({"cp_id": id, "retries": 1}));
    let name = answer["result"]["fileName"].as_str().unwrap().to_owned();
    assert!(name.ends_with(".log"), "{name}");
    let all = wait_status(&cs, id, "DiagnosticsStatusNotification", "Uploaded");
    assert_eq!(all, ["Uploading", "Uploaded"]);
    let uploads = cs.get("/uploads");
    assert_eq!(uploads[0]["name"], name.as_str());
    assert_eq!(uploads[0]["size"], content.len());
    assert_eq!(uploads[0]["sha256"], sha256_of(&log).as_str());
    assert_eq!(uploads[0]["method"], "PUT");
    let secs = ts_of(&cs, id, "DiagnosticsStatusNotification", "Uploaded")
        - ts_of(&cs, id, "DiagnosticsStatusNotification", "Uploading");
    println!(
        "diagnostics upload: {} bytes in {secs:.3} s ({:.1} MB/s on loopback)",
        content.len(),
        content.len() as f64 / secs.max(1e-6) / 1e6
    );
}

#[test]
fn diagnostics_default_to_recent_events_and_an_unreachable_server_is_upload_failed() {
    let cs = DevCs::start("firmware_diagnostics_default");
    let id = "CP_DIAG_DEFAULT";
    let dir = scratch("diagnostics-default");
    let cp = TestCp::start_with(config(&cs, id, &dir), id, 1);
    cp.wait_online(SOON);
    let answer = cs.post("/get_diagnostics", json!({ "cp_id": id }));
    assert!(answer["result"]["fileName"].is_string(), "{answer}");
    wait_status(&cs, id, "DiagnosticsStatusNotification", "Uploaded");
    let root = cs.get("/files")["root"].as_str().unwrap().to_owned();
    let name = cs.get("/uploads")[0]["name"].as_str().unwrap().to_owned();
    let text = std::fs::read_to_string(Path::new(&root).join("diagnostics").join(name)).unwrap();
    assert!(text.contains("Registration(Accepted)"), "{text}");

    // Nothing listens on port 9 of the loopback: refused at once, retried once, given up.
    let answer = cs.post(
        "/get_diagnostics",
        json!({"cp_id": id, "location": "http://127.0.0.1:9/up/", "retries": 1, "retry_interval": 1}),
    );
    assert!(answer["result"]["fileName"].is_string());
    let all = wait_status(&cs, id, "DiagnosticsStatusNotification", "UploadFailed");
    assert_eq!(all, ["Uploading", "Uploaded", "Uploading", "UploadFailed"]);
    let value: Value = cs.call_ok(
        id,
        "TriggerMessage",
        json!({"requestedMessage": "DiagnosticsStatusNotification"}),
    );
    assert_eq!(value["status"], "Accepted");
    wait_status(&cs, id, "DiagnosticsStatusNotification", "Idle");
}

#[test]
fn the_applications_diagnostics_source_is_uploaded_and_none_falls_back_to_the_file() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let cs = DevCs::start("firmware_diagnostics_source");
    let id = "CP_DIAG_SOURCE";
    let dir = scratch("diagnostics-source");
    let file = dir.join("fallback.log");
    std::fs::write(&file, b"the diagnostics file\n").unwrap();
    let own = b"the application's own log\n".repeat(1000);
    let asked = Arc::new(AtomicUsize::new(0));
    let mut config = config(&cs, id, &dir);
    config.firmware.diagnostics_file = Some(file);
    let (counter, bytes) = (asked.clone(), own.clone());
    // First upload: the application has nothing (None): the file goes; then its own log.
    config.firmware.diagnostics = Some(ocpp::platform::host::DiagnosticsSource(Arc::new(
        move || (counter.fetch_add(1, Ordering::SeqCst) > 0).then(|| Ok(bytes.clone())),
    )));
    let cp = TestCp::start_with(config, id, 1);
    cp.wait_online(SOON);
    for round in 1..=2 {
        cs.post("/get_diagnostics", json!({ "cp_id": id }));
        wait_until(TRANSFER, || {
            (statuses(&cs, id, "DiagnosticsStatusNotification").len() == 2 * round).then_some(())
        })
        .expect("the upload ends");
    }
    assert_eq!(
        statuses(&cs, id, "DiagnosticsStatusNotification"),
        ["Uploading", "Uploaded", "Uploading", "Uploaded"]
    );
    let uploads = cs.get("/uploads");
    assert_eq!(uploads[0]["size"], 21, "{uploads}");
    assert_eq!(uploads[1]["size"], own.len(), "{uploads}");
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}
