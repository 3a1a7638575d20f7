//! GetLog on the virtual clock: the security log's lines and their time selection, both log
//! types through the upload seam, LogStatusNotification's sequence with the requestId,
//! retries, AcceptedCanceled (a waiting and a running upload), the trigger, and bad requests.

use super::*;
use crate::messages::{LogType, SecurityEventType};

const DIR: &str = "http://127.0.0.1:8080/diagnostics/";

fn get_log(h: &mut Harness, log_type: &str, id: i32, extra: Value) -> Value {
    let mut payload = json!({"logType": log_type, "requestId": id, "log": {"remoteLocation": DIR}});
    for (k, v) in extra.as_object().unwrap() {
        payload[k] = v.clone();
    }
    h.cs_call("GetLog", payload)
}

/// Answers every CALL until quiet; returns (action, payload).
fn drain(h: &mut Harness) -> StdVec<(String, Value)> {
    let mut sent = StdVec::new();
    while let Some(frame) = h.transmit() {
        let id = frame[1].as_str().unwrap().to_string();
        h.result(&id, json!({}));
        sent.push((frame[2].as_str().unwrap().to_string(), frame[3].clone()));
    }
    sent
}

/// (status, requestId) of the LogStatusNotifications sent.
fn log_statuses(sent: &[(String, Value)]) -> StdVec<(String, Option<i64>)> {
    sent.iter()
        .filter(|(a, _)| a == "LogStatusNotification")
        .map(|(_, p)| {
            (
                p["status"].as_str().unwrap().to_string(),
                p["requestId"].as_i64(),
            )
        })
        .collect()
}

fn security_log(h: &Harness, oldest: Option<&str>, latest: Option<&str>) -> String {
    let oldest = oldest.map(|t| DateTime::parse(t).unwrap());
    let latest = latest.map(|t| DateTime::parse(t).unwrap());
    let len = h.cp.security_log_len(oldest, latest);
    let mut out = StdVec::new();
    // Read in small chunks, as the Zephyr driver does.
    let mut buf = [0u8; 7];
    loop {
        let n = h.cp.read_security_log(oldest, latest, out.len(), &mut buf);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    assert_eq!(out.len(), len);
    String::from_utf8(out).unwrap()
}

#[test]
fn security_events_are_lines_of_the_security_log_selected_by_time() {
    let mut h = Harness::new("security-log-lines", 1);
    // Before the clock is set: the time since start.
    h.cp.log_security_event(h.now, SecurityEventType::StartupOfTheDevice, None);
    h.online();
    h.cp.record_security_event(
        h.now,
        SecurityEventType::InvalidMessages,
        Some("bad\nframe"),
    )
    .unwrap();
    h.advance(3_600_000);
    h.cp.record_security_event(h.now, SecurityEventType::SettingSystemTime, None)
        .unwrap();
    let all = security_log(&h, None, None);
    let lines: StdVec<&str> = all.lines().collect();
    assert_eq!(lines.len(), 3, "{all}");
    assert!(lines[0].starts_with('+') && lines[0].ends_with(" StartupOfTheDevice"));
    assert_eq!(
        lines[1],
        "2026-11-21T10:00:00.000Z InvalidMessages bad frame"
    );
    assert!(lines[2].starts_with("2026-11-21T11:00:0"), "{}", lines[2]);
    // The hour after 10:30: the later event, and the one without a wall-clock time.
    let late = security_log(&h, Some("2026-11-21T10:30:00.000Z"), None);
    assert_eq!(late.lines().count(), 2, "{late}");
    assert!(late.contains("SettingSystemTime") && !late.contains("InvalidMessages"));
    let early = security_log(&h, None, Some("2026-11-21T10:30:00.000Z"));
    assert!(early.contains("InvalidMessages") && !early.contains("SettingSystemTime"));
}

#[test]
fn the_security_log_drops_its_oldest_lines_when_full() {
    let mut h = Harness::new("security-log-ring", 1);
    h.online();
    let info = "x".repeat(40);
    let mut recorded = 0;
    for _ in 0..(crate::capacity::SECURITY_LOG_SIZE / 40 + 10) {
        h.cp.log_security_event(
            h.now,
            SecurityEventType::TamperDetectionActivated,
            Some(&info),
        );
        recorded += 1;
    }
    let all = security_log(&h, None, None);
    assert!(all.len() <= crate::capacity::SECURITY_LOG_SIZE);
    assert!(all.lines().count() < recorded);
    assert!(
        all.lines()
            .all(|l| l.starts_with("2026-") && l.ends_with(&info)),
        "whole lines"
    );
}

#[test]
fn get_log_security_log_uploads_and_reports_uploading_then_uploaded_with_the_request_id() {
    let mut h = Harness::new("security-log-get-log", 1);
    h.online();
    assert_eq!(h.answer_trigger_log(), (String::from("Idle"), None));
    let answer = get_log(
        &mut h,
        "SecurityLog",
        17,
        json!({"retries": 1, "retryInterval": 30}),
    );
    assert_eq!(answer["status"], "Accepted");
    let name = answer["filename"].as_str().unwrap().to_string();
    assert_eq!(name, "unit-securitylog-20261121T100000Z.log");
    let job = h.cp.poll_transfer(h.now).unwrap();
    assert_eq!(
        job,
        TransferJob::Upload {
            location: CiString::try_from_str(DIR).unwrap(),
            file_name: CiString::try_from_str(&name).unwrap(),
            start_time: None,
            stop_time: None,
            log: LogType::SecurityLog,
        }
    );
    assert_eq!(h.cp.poll_transfer(h.now), None, "handed out once");
    assert_eq!(
        log_statuses(&drain(&mut h)),
        [("Uploading".into(), Some(17))]
    );
    assert_eq!(h.answer_trigger_log(), ("Uploading".into(), Some(17)));
    // One failure, retried after retryInterval, then success.
    h.cp.transfer_finished(h.now, TransferKind::Upload, Err(TransferError::Unreachable));
    assert_eq!(h.cp.poll_transfer(h.now), None);
    assert!(drain(&mut h).is_empty(), "a retry is not reported");
    h.advance(30_000);
    assert_eq!(h.cp.poll_transfer(h.now), Some(job));
    h.cp.transfer_finished(h.now, TransferKind::Upload, Ok(100));
    assert_eq!(
        log_statuses(&drain(&mut h)),
        [("Uploaded".into(), Some(17))]
    );
    assert_eq!(h.answer_trigger_log(), ("Idle".into(), None));
    // A DiagnosticsStatusNotification trigger never reported the GetLog upload.
    assert_eq!(h.cp.diagnostics_status(), DiagnosticsStatus::Idle);
}

#[test]
fn get_log_diagnostics_log_is_the_diagnostics_upload_and_failure_is_upload_failure() {
    let mut h = Harness::new("security-log-diagnostics", 1);
    h.online();
    let answer = get_log(
        &mut h,
        "DiagnosticsLog",
        3,
        json!({"retries": 0, "log": {"remoteLocation": DIR, "oldestTimestamp": CS_TIME}}),
    );
    assert_eq!(answer["status"], "Accepted");
    assert!(answer["filename"]
        .as_str()
        .unwrap()
        .contains("-diagnostics-"));
    match h.cp.poll_transfer(h.now) {
        Some(TransferJob::Upload {
            log, start_time, ..
        }) => {
            assert_eq!(log, LogType::DiagnosticsLog);
            assert_eq!(start_time, DateTime::parse(CS_TIME).ok());
        }
        other => panic!("{other:?}"),
    }
    h.cp.transfer_finished(
        h.now,
        TransferKind::Upload,
        Err(TransferError::HttpStatus(500)),
    );
    let sent = drain(&mut h);
    assert_eq!(
        log_statuses(&sent),
        [
            ("Uploading".into(), Some(3)),
            ("UploadFailure".into(), Some(3))
        ]
    );
    assert!(!sent
        .iter()
        .any(|(a, _)| a == "DiagnosticsStatusNotification"));
}

#[test]
fn a_get_log_while_an_upload_runs_cancels_it_and_is_accepted_canceled() {
    let mut h = Harness::new("security-log-cancel", 1);
    h.online();
    assert_eq!(
        get_log(&mut h, "SecurityLog", 1, json!({}))["status"],
        "Accepted"
    );
    assert!(h.cp.poll_transfer(h.now).is_some());
    assert!(!h.cp.transfer_cancelled(TransferKind::Upload));
    // The second while the first runs: the platform is told to stop the first.
    let answer = get_log(&mut h, "DiagnosticsLog", 2, json!({}));
    assert_eq!(answer["status"], "AcceptedCanceled");
    assert!(answer["filename"].is_string());
    assert!(h.cp.transfer_cancelled(TransferKind::Upload));
    assert!(!h.cp.transfer_cancelled(TransferKind::Download));
    assert_eq!(
        h.cp.poll_transfer(h.now),
        None,
        "the new one waits for the old"
    );
    assert_eq!(h.cp.firmware_deadline(), None, "no busy deadline");
    h.cp.transfer_finished(h.now, TransferKind::Upload, Err(TransferError::Cancelled));
    assert!(!h.cp.transfer_cancelled(TransferKind::Upload));
    match h.cp.poll_transfer(h.now) {
        Some(TransferJob::Upload { log, .. }) => assert_eq!(log, LogType::DiagnosticsLog),
        other => panic!("{other:?}"),
    }
    h.cp.transfer_finished(h.now, TransferKind::Upload, Ok(10));
    assert_eq!(
        log_statuses(&drain(&mut h)),
        [
            ("Uploading".into(), Some(1)),
            ("UploadFailure".into(), Some(1)),
            ("Uploading".into(), Some(2)),
            ("Uploaded".into(), Some(2)),
        ]
    );

    // One waiting for its retry is cancelled at once; so is a GetDiagnostics (UploadFailed).
    let answer = h.cs_call("GetDiagnostics", json!({"location": DIR, "retries": 2}));
    assert!(answer["fileName"].is_string());
    assert!(h.cp.poll_transfer(h.now).is_some());
    h.cp.transfer_finished(h.now, TransferKind::Upload, Err(TransferError::Unreachable));
    assert_eq!(
        get_log(&mut h, "SecurityLog", 9, json!({}))["status"],
        "AcceptedCanceled"
    );
    assert!(
        !h.cp.transfer_cancelled(TransferKind::Upload),
        "nothing runs"
    );
    assert!(h.cp.poll_transfer(h.now).is_some());
    let sent = drain(&mut h);
    let diagnostics: StdVec<_> = sent
        .iter()
        .filter(|(a, _)| a == "DiagnosticsStatusNotification")
        .map(|(_, p)| p["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(diagnostics, ["Uploading", "UploadFailed"]);
    assert_eq!(log_statuses(&sent), [("Uploading".into(), Some(9))]);
    // A GetDiagnostics while the GetLog runs: nothing uploaded for it (1.6's answer).
    assert_eq!(
        h.cs_call("GetDiagnostics", json!({"location": DIR})),
        json!({})
    );
}

#[test]
fn bad_get_log_requests_are_call_errors_and_start_nothing() {
    let mut h = Harness::new("security-log-bad", 1);
    h.online();
    let max = crate::capacity::FIRMWARE_LOCATION_MAX;
    let long = format!("http://h/{}", "a".repeat(max));
    for (payload, code) in [
        (
            json!({"logType": "SecurityLog", "requestId": 1}).to_string(),
            "OccurenceConstraintViolation",
        ),
        (
            json!({"logType": "AuditLog", "requestId": 1, "log": {"remoteLocation": DIR}})
                .to_string(),
            "PropertyConstraintViolation",
        ),
        (
            json!({"logType": "SecurityLog", "requestId": 1, "retries": -1, "log": {"remoteLocation": DIR}})
                .to_string(),
            "PropertyConstraintViolation",
        ),
        (
            json!({"logType": "SecurityLog", "requestId": 1, "log": {"remoteLocation": long}})
                .to_string(),
            "PropertyConstraintViolation",
        ),
        (
            json!({"logType": "SecurityLog", "requestId": 1.5, "log": {"remoteLocation": DIR}})
                .to_string(),
            "TypeConstraintViolation",
        ),
    ] {
        assert_eq!(h.cs_call_error("GetLog", &payload), code, "{payload}");
    }
    assert_eq!(h.cp.poll_transfer(h.now), None);
}

impl Harness {
    /// ExtendedTriggerMessage LogStatusNotification: (status, requestId) it reports.
    fn answer_trigger_log(&mut self) -> (String, Option<i64>) {
        let answer = self.cs_call(
            "ExtendedTriggerMessage",
            json!({"requestedMessage": "LogStatusNotification"}),
        );
        assert_eq!(answer["status"], "Accepted");
        let payload = self.answer("LogStatusNotification", json!({}));
        (
            payload["status"].as_str().unwrap().to_string(),
            payload["requestId"].as_i64(),
        )
    }
}
