//! GetLog over real sockets: the dev Central System asks for the security log or the
//! diagnostics log, the host platform uploads it over HTTP to the dev CS file server, and the
//! uploaded file is read back; LogStatusNotification's sequence and requestId; a GetLog while
//! another upload is under way is AcceptedCanceled. Every frame goes to
//! `target/frames/<test>.jsonl` and is schema-validated by scripts/test.sh.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use ocpp::messages::SecurityEventType;
use ocpp::platform::host::{charge_point_url, HostConfig};
use serde_json::{json, Value};

const TRANSFER: Duration = Duration::from_secs(30);

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(MANIFEST_DIR)
        .join("target")
        .join("security-log-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn config(cs: &DevCs, id: &str, dir: &Path) -> HostConfig {
    let mut config = test_config(charge_point_url(&cs.base_url(), id));
    config.firmware.dir = Some(dir.join("firmware"));
    config.store_dir = Some(dir.join("store"));
    config
}

/// (status, requestId) of every LogStatusNotification received.
fn log_statuses(cs: &DevCs, id: &str) -> Vec<(String, Option<i64>)> {
    cs.messages(id, Some("LogStatusNotification"))
        .iter()
        .map(|m| {
            (
                m["payload"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                m["payload"]["requestId"].as_i64(),
            )
        })
        .collect()
}

fn wait_log_status(cs: &DevCs, id: &str, last: (&str, i64)) -> Vec<(String, Option<i64>)> {
    wait_until(TRANSFER, || {
        let all = log_statuses(cs, id);
        let done = all
            .last()
            .is_some_and(|(s, r)| s == last.0 && *r == Some(last.1));
        done.then_some(all)
    })
    .unwrap_or_else(|| panic!("{id}: no {last:?}: {:?}", log_statuses(cs, id)))
}

fn get_log(cs: &DevCs, id: &str, log_type: &str, request_id: i64, location: &str) -> Value {
    cs.call_ok(
        id,
        "GetLog",
        json!({"logType": log_type, "requestId": request_id, "retries": 0,
               "log": {"remoteLocation": location}}),
    )
}

/// The text of the file uploaded as `name` to the dev CS file server.
fn uploaded(cs: &DevCs, name: &str) -> String {
    let root = cs.get("/files")["root"].as_str().unwrap().to_owned();
    std::fs::read_to_string(Path::new(&root).join("diagnostics").join(name)).unwrap()
}

fn upload_dir(cs: &DevCs) -> String {
    cs.get("/files")["diagnostics_url"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn get_log_security_log_uploads_the_recorded_security_events() {
    let cs = DevCs::start("security_log_upload");
    let id = "CP_SECLOG";
    let dir = scratch("security-log");
    let cp = TestCp::start_with(config(&cs, id, &dir), id, 1);
    cp.wait_online(SOON);
    cp.host
        .with(|cp, now| {
            cp.record_security_event(
                now,
                SecurityEventType::TamperDetectionActivated,
                Some("enclosure opened"),
            )
        })
        .expect("queued");
    cs.wait_messages(id, "SecurityEventNotification", 1, SOON);

    let answer = get_log(&cs, id, "SecurityLog", 4711, &upload_dir(&cs));
    assert_eq!(answer["status"], "Accepted", "{answer}");
    let name = answer["filename"].as_str().unwrap().to_owned();
    assert!(name.contains("-securitylog-"), "{name}");
    let all = wait_log_status(&cs, id, ("Uploaded", 4711));
    assert_eq!(
        all,
        [
            ("Uploading".to_owned(), Some(4711)),
            ("Uploaded".to_owned(), Some(4711))
        ]
    );
    let text = uploaded(&cs, &name);
    let line = text
        .lines()
        .find(|l| l.contains("TamperDetectionActivated"))
        .unwrap_or_else(|| panic!("the event is in the log: {text:?}"));
    assert!(
        line.ends_with(" TamperDetectionActivated enclosure opened"),
        "{line}"
    );
    // The line starts with the event's UTC time (the host's wall clock).
    assert!(
        line.get(..24)
            .is_some_and(|t| t.ends_with('Z') && t.starts_with("20")),
        "{line}"
    );

    // Triggered afterwards: Idle without a requestId.
    let value = cs.call_ok(
        id,
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "LogStatusNotification"}),
    );
    assert_eq!(value["status"], "Accepted");
    let all = wait_until(SOON, || {
        let all = log_statuses(&cs, id);
        (all.len() == 3).then_some(all)
    })
    .expect("the triggered one");
    assert_eq!(all[2], ("Idle".to_owned(), None));
}

#[test]
fn get_log_diagnostics_log_uploads_what_get_diagnostics_uploads() {
    let cs = DevCs::start("security_log_diagnostics");
    let id = "CP_SECLOG_DIAG";
    let dir = scratch("diagnostics-log");
    let file = dir.join("station.log");
    std::fs::write(&file, b"the station's diagnostics\n").unwrap();
    let mut config = config(&cs, id, &dir);
    config.firmware.diagnostics_file = Some(file);
    let cp = TestCp::start_with(config, id, 1);
    cp.wait_online(SOON);
    let answer = get_log(&cs, id, "DiagnosticsLog", 8, &upload_dir(&cs));
    assert_eq!(answer["status"], "Accepted", "{answer}");
    let name = answer["filename"].as_str().unwrap().to_owned();
    wait_log_status(&cs, id, ("Uploaded", 8));
    assert_eq!(uploaded(&cs, &name), "the station's diagnostics\n");
    assert!(
        cs.messages(id, Some("DiagnosticsStatusNotification"))
            .is_empty(),
        "GetLog reports with LogStatusNotification only"
    );
}

#[test]
fn a_get_log_while_an_upload_is_under_way_is_accepted_canceled() {
    let cs = DevCs::start("security_log_cancel");
    let id = "CP_SECLOG_CANCEL";
    let dir = scratch("cancel");
    let cp = TestCp::start_with(config(&cs, id, &dir), id, 1);
    cp.wait_online(SOON);
    // Nothing listens on port 9 of the loopback: the first fails and waits a minute to retry.
    let answer = cs.call_ok(
        id,
        "GetLog",
        json!({"logType": "SecurityLog", "requestId": 1, "retries": 3, "retryInterval": 60,
               "log": {"remoteLocation": "http://127.0.0.1:9/up/"}}),
    );
    assert_eq!(answer["status"], "Accepted");
    wait_log_status(&cs, id, ("Uploading", 1));
    std::thread::sleep(Duration::from_millis(300));

    let answer = get_log(&cs, id, "SecurityLog", 2, &upload_dir(&cs));
    assert_eq!(answer["status"], "AcceptedCanceled", "{answer}");
    let name = answer["filename"].as_str().unwrap().to_owned();
    let all = wait_log_status(&cs, id, ("Uploaded", 2));
    assert_eq!(
        all,
        [
            ("Uploading".to_owned(), Some(1)),
            ("UploadFailure".to_owned(), Some(1)),
            ("Uploading".to_owned(), Some(2)),
            ("Uploaded".to_owned(), Some(2)),
        ]
    );
    let uploads = cs.get("/uploads");
    assert_eq!(uploads.as_array().map(Vec::len), Some(1), "{uploads}");
    assert_eq!(uploads[0]["name"], name.as_str());
}
