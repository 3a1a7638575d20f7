//! Firmware Management on the virtual clock: every status path of UpdateFirmware (success,
//! download failure with retries, install failure, retrieveDate in the future, an update
//! during a transaction, a reboot in the middle) and of GetDiagnostics, the triggers, and bad
//! requests. The platform's part (the transfers) is played by the test through the seam.

use super::store::MemStore;
use super::*;

std::thread_local! {
    /// Notifications a [`trigger`] answered before its own.
    static LOG: std::cell::RefCell<StdVec<(String, Value)>> = const { std::cell::RefCell::new(StdVec::new()) };
}

/// The frames [`trigger`] set aside, followed by what is sent now.
fn drain_all(h: &mut Harness) -> StdVec<(String, Value)> {
    let mut sent = LOG.with(|log| std::mem::take(&mut *log.borrow_mut()));
    sent.extend(drain(h));
    sent
}

const LOCATION: &str = "http://127.0.0.1:8080/fw/image.bin";

/// Answers every CALL the charge point sends until it is quiet; returns (action, payload).
fn drain(h: &mut Harness) -> StdVec<(String, Value)> {
    let mut sent = StdVec::new();
    while let Some(frame) = h.transmit() {
        assert_eq!(frame[0], 2, "{frame}");
        let id = frame[1].as_str().unwrap().to_string();
        h.result(&id, json!({}));
        sent.push((frame[2].as_str().unwrap().to_string(), frame[3].clone()));
    }
    sent
}

/// The statuses of the FirmwareStatusNotifications (or DiagnosticsStatusNotifications) sent.
fn notified(sent: &[(String, Value)], action: &str) -> StdVec<String> {
    sent.iter()
        .filter(|(a, _)| a == action)
        .map(|(_, p)| p["status"].as_str().unwrap().to_string())
        .collect()
}

fn firmware(sent: &[(String, Value)]) -> StdVec<String> {
    notified(sent, "FirmwareStatusNotification")
}

fn connector_statuses(sent: &[(String, Value)]) -> StdVec<(u64, String)> {
    sent.iter()
        .filter(|(a, _)| a == "StatusNotification")
        .map(|(_, p)| {
            (
                p["connectorId"].as_u64().unwrap(),
                p["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn update(h: &mut Harness, extra: Value) {
    let mut payload = json!({"location": LOCATION, "retrieveDate": CS_TIME});
    for (k, v) in extra.as_object().unwrap() {
        payload[k] = v.clone();
    }
    assert_eq!(h.cs_call("UpdateFirmware", payload), json!({}));
}

/// Triggers `message` and returns the status it reports. Notifications already owed go first:
/// they are answered and appended to `LOG`.
fn trigger(h: &mut Harness, message: &str) -> String {
    let owed = drain(h);
    LOG.with(|log| log.borrow_mut().extend(owed));
    let answer = h.cs_call("TriggerMessage", json!({ "requestedMessage": message }));
    assert_eq!(answer["status"], "Accepted");
    let status = h.answer(message, json!({}));
    status["status"].as_str().unwrap().to_string()
}

fn download_job() -> TransferJob {
    TransferJob::Download {
        location: CiString::try_from_str(LOCATION).unwrap(),
    }
}

#[test]
fn an_update_downloads_installs_and_reports_every_status_in_order() {
    let mut h = Harness::new("firmware-success", 2);
    h.online();
    assert_eq!(trigger(&mut h, "FirmwareStatusNotification"), "Idle");
    update(&mut h, json!({"retries": 1, "retryInterval": 10}));
    assert_eq!(h.cp.poll_transfer(h.now), Some(download_job()));
    assert_eq!(h.cp.poll_transfer(h.now), None, "handed out once");
    assert_eq!(firmware(&drain(&mut h)), ["Downloading"]);
    assert_eq!(trigger(&mut h, "FirmwareStatusNotification"), "Downloading");

    h.advance(5_000);
    h.cp.transfer_finished(h.now, TransferKind::Download, Ok(123_456));
    // The install job at once: nothing runs. Downloaded is reported before the connectors go.
    assert_eq!(h.cp.poll_transfer(h.now), Some(TransferJob::Install));
    let sent = drain(&mut h);
    assert_eq!(firmware(&sent), ["Downloaded", "Installing"]);
    assert_eq!(
        connector_statuses(&sent),
        [(1, "Unavailable".into()), (2, "Unavailable".into())]
    );
    assert_eq!(sent[0].0, "FirmwareStatusNotification");
    assert_eq!(trigger(&mut h, "FirmwareStatusNotification"), "Installing");

    // The host installs in place: Installed without a reboot, connectors back.
    h.cp.transfer_finished(h.now, TransferKind::Install, Ok(123_456));
    let sent = drain(&mut h);
    assert_eq!(firmware(&sent), ["Installed"]);
    assert_eq!(
        connector_statuses(&sent),
        [(1, "Available".into()), (2, "Available".into())]
    );
    assert_eq!(trigger(&mut h, "FirmwareStatusNotification"), "Idle");
    let statuses: StdVec<_> = h
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::FirmwareStatusChanged(s) => Some(s),
            _ => None,
        })
        .collect();
    use FirmwareStatus::*;
    assert_eq!(statuses, [Downloading, Downloaded, Installing, Installed]);
    assert_eq!(h.cp.poll_transfer(h.now), None);
    assert_eq!(h.cp.poll_timeout().filter(|t| *t <= h.now), None);
}

#[test]
fn a_failing_download_is_retried_after_retry_interval_then_download_failed() {
    let mut h = Harness::new("firmware-retries", 1);
    h.online();
    update(&mut h, json!({"retries": 2, "retryInterval": 30}));
    let mut attempts = 0;
    for _ in 0..3 {
        assert_eq!(h.cp.poll_transfer(h.now), Some(download_job()));
        attempts += 1;
        h.advance(1_000);
        h.cp.transfer_finished(
            h.now,
            TransferKind::Download,
            Err(TransferError::Interrupted),
        );
        if attempts < 3 {
            assert_eq!(h.cp.poll_transfer(h.now), None, "not before retryInterval");
            assert!(h
                .cp
                .poll_timeout()
                .is_some_and(|t| t <= h.now.plus_secs(30)));
            // Between attempts the update is still downloading.
            drain(&mut h);
            assert_eq!(trigger(&mut h, "FirmwareStatusNotification"), "Downloading");
            h.advance(29_999);
            assert_eq!(h.cp.poll_transfer(h.now), None);
            h.advance(1);
        }
    }
    assert_eq!(attempts, 3, "the first attempt and `retries` more");
    assert_eq!(h.cp.poll_transfer(h.now), None);
    let sent = drain(&mut h);
    assert_eq!(firmware(&sent), ["DownloadFailed"]);
    assert!(
        connector_statuses(&sent).is_empty(),
        "the connectors never went"
    );
    assert_eq!(trigger(&mut h, "FirmwareStatusNotification"), "Idle");
    h.advance(3_600_000);
    assert_eq!(h.cp.poll_transfer(h.now), None, "given up");
}

#[test]
fn absent_retries_take_the_kconfig_default() {
    let mut h = Harness::new("firmware-default-retries", 1);
    h.online();
    update(&mut h, json!({}));
    for _ in 0..=crate::capacity::DEFAULT_TRANSFER_RETRIES {
        assert_eq!(h.cp.poll_transfer(h.now), Some(download_job()));
        h.cp.transfer_finished(
            h.now,
            TransferKind::Download,
            Err(TransferError::Unreachable),
        );
        h.advance(crate::capacity::DEFAULT_TRANSFER_RETRY_INTERVAL as u64 * 1000);
    }
    assert_eq!(h.cp.poll_transfer(h.now), None);
    assert_eq!(firmware(&drain(&mut h)), ["Downloading", "DownloadFailed"]);
}

#[test]
fn a_failed_install_is_installation_failed_and_frees_the_connectors() {
    let mut h = Harness::new("firmware-install-failed", 1);
    h.online();
    update(&mut h, json!({}));
    assert!(h.cp.poll_transfer(h.now).is_some());
    h.cp.transfer_finished(h.now, TransferKind::Download, Ok(10));
    assert_eq!(h.cp.poll_transfer(h.now), Some(TransferJob::Install));
    // The application delays it first: offered again after the retry interval.
    h.cp.transfer_finished(h.now, TransferKind::Install, Err(TransferError::Deferred));
    assert_eq!(h.cp.poll_transfer(h.now), None);
    assert_eq!(trigger(&mut h, "FirmwareStatusNotification"), "Downloaded");
    h.advance(crate::capacity::DEFAULT_TRANSFER_RETRY_INTERVAL as u64 * 1000);
    assert_eq!(h.cp.poll_transfer(h.now), Some(TransferJob::Install));
    h.cp.transfer_finished(h.now, TransferKind::Install, Err(TransferError::Io));
    let sent = drain_all(&mut h);
    assert_eq!(
        firmware(&sent),
        [
            "Downloading",
            "Downloaded",
            "Installing",
            "Installing",
            "InstallationFailed"
        ]
    );
    assert_eq!(
        connector_statuses(&sent).last(),
        Some(&(1, "Available".to_string()))
    );
    assert_eq!(h.cp.connector_status(1), Some(ChargePointStatus::Available));
    // A late or unknown result changes nothing.
    h.cp.transfer_finished(h.now, TransferKind::Install, Ok(0));
    h.cp.transfer_finished(h.now, TransferKind::Download, Ok(0));
    assert!(drain(&mut h).is_empty());
}

#[test]
fn retrieve_date_in_the_future_waits_on_the_clock() {
    let mut h = Harness::new("firmware-retrieve-date", 1);
    h.online();
    // CS_TIME is the wall clock at now = 0: an hour later.
    update(&mut h, json!({"retrieveDate": "2026-11-21T11:00:00.000Z"}));
    assert_eq!(h.cp.poll_transfer(h.now), None);
    assert_eq!(
        h.cp.poll_timeout(),
        Some(h.now.plus_secs(3600)).min(h.cp.poll_timeout())
    );
    assert_eq!(
        trigger(&mut h, "FirmwareStatusNotification"),
        "Idle",
        "nothing runs yet"
    );
    h.advance(3_599_999 - h.now.0);
    assert_eq!(h.cp.poll_transfer(h.now), None);
    h.advance(1);
    assert_eq!(h.now, Instant(3_600_000));
    assert_eq!(h.cp.poll_transfer(h.now), Some(download_job()));

    // A second UpdateFirmware while the download runs is ignored.
    let other = json!({"location": "http://127.0.0.1/other.bin", "retrieveDate": CS_TIME});
    assert_eq!(h.cs_call("UpdateFirmware", other), json!({}));
    h.cp.transfer_finished(h.now, TransferKind::Download, Ok(1));
    assert_eq!(h.cp.poll_transfer(h.now), Some(TransferJob::Install));
}

#[test]
fn a_waiting_update_is_replaced_by_a_newer_one() {
    let mut h = Harness::new("firmware-replaced", 1);
    h.online();
    update(&mut h, json!({"retrieveDate": "2026-11-22T10:00:00.000Z"}));
    let newer = "http://127.0.0.1:8080/fw/newer.bin";
    let payload = json!({"location": newer, "retrieveDate": CS_TIME});
    assert_eq!(h.cs_call("UpdateFirmware", payload), json!({}));
    assert_eq!(
        h.cp.poll_transfer(h.now),
        Some(TransferJob::Download {
            location: CiString::try_from_str(newer).unwrap()
        })
    );
}

#[test]
fn the_install_waits_for_running_transactions_with_the_connectors_unavailable() {
    let mut h = Harness::new("firmware-during-transaction", 2);
    h.online();
    h.start(1, "TAG-1", 100);
    h.answer(
        "StartTransaction",
        json!({"transactionId": 7, "idTagInfo": {"status": "Accepted"}}),
    );
    h.cp.set_connector_status(
        h.now,
        1,
        ChargePointStatus::Charging,
        ChargePointErrorCode::NoError,
    )
    .unwrap();
    drain(&mut h);
    update(&mut h, json!({}));
    assert!(h.cp.poll_transfer(h.now).is_some());
    h.cp.transfer_finished(h.now, TransferKind::Download, Ok(1000));
    assert_eq!(h.cp.poll_transfer(h.now), None, "a transaction runs");
    let sent = drain(&mut h);
    assert_eq!(firmware(&sent), ["Downloading", "Downloaded"]);
    assert_eq!(connector_statuses(&sent), [(2, "Unavailable".into())]);
    assert_eq!(
        h.cp.start_transaction(h.now, 2, "TAG-2", 0, None),
        Err(CommandError::Unavailable),
        "no new transaction while the image waits"
    );
    h.advance(600_000);
    assert_eq!(h.cp.poll_transfer(h.now), None);
    assert!(
        h.cp.poll_timeout().is_none_or(|t| t > h.now),
        "no busy deadline"
    );

    h.cp.stop_transaction(h.now, 1, 500, None, None).unwrap();
    h.cp.set_connector_status(
        h.now,
        1,
        ChargePointStatus::Available,
        ChargePointErrorCode::NoError,
    )
    .unwrap();
    assert_eq!(
        h.cp.connector_status(1),
        Some(ChargePointStatus::Unavailable)
    );
    assert_eq!(h.cp.poll_transfer(h.now), Some(TransferJob::Install));
    let sent = drain(&mut h);
    assert!(sent.iter().any(|(a, _)| a == "StopTransaction"));
    assert_eq!(firmware(&sent), ["Installing"]);
    assert_eq!(connector_statuses(&sent), [(1, "Unavailable".into())]);
}

#[test]
fn a_reboot_while_installing_reports_installed_once_booted() {
    let mut h = Harness::new("firmware-reboot", 2);
    h.cp.enable_store();
    h.online();
    let mut store = MemStore::default();
    store.drain(&mut h.cp);
    update(&mut h, json!({"retries": 3, "retryInterval": 5}));
    store.drain(&mut h.cp);
    assert!(store.records.contains_key("fw"));
    assert!(h.cp.poll_transfer(h.now).is_some());
    h.cp.transfer_finished(h.now, TransferKind::Download, Ok(1000));
    assert_eq!(h.cp.poll_transfer(h.now), Some(TransferJob::Install));
    drain(&mut h);
    // The platform stores before it reboots into the new image.
    store.drain(&mut h.cp);

    let (mut h, _) = store.boot("firmware-reboot-after", Instant(0));
    assert!(h.cp.firmware_install_pending());
    assert_eq!(h.cp.poll_transfer(h.now), None);
    h.cp.firmware_booted(h.now, true);
    assert!(!h.cp.firmware_install_pending());
    store.drain(&mut h.cp);
    assert!(!store.records.contains_key("fw"), "erased once reported");
    // answer() checks the BootNotification goes first.
    h.online_with(|sent| {
        assert_eq!(firmware(sent), ["Installed"]);
        assert!(
            connector_statuses(sent)
                .iter()
                .all(|(_, s)| s == "Available"),
            "the new image starts with free connectors"
        );
    });
    h.cp.firmware_booted(h.now, true);
    assert!(drain(&mut h).is_empty(), "reported once");
}

#[test]
fn a_reboot_into_the_old_image_is_installation_failed() {
    let mut h = Harness::new("firmware-reboot-failed", 1);
    h.cp.enable_store();
    h.online();
    let mut store = MemStore::default();
    update(&mut h, json!({}));
    assert!(h.cp.poll_transfer(h.now).is_some());
    h.cp.transfer_finished(h.now, TransferKind::Download, Ok(1000));
    assert_eq!(h.cp.poll_transfer(h.now), Some(TransferJob::Install));
    store.drain(&mut h.cp);
    let (mut h, _) = store.boot("firmware-reboot-failed-after", Instant(0));
    h.cp.firmware_booted(h.now, false);
    h.online_with(|sent| assert_eq!(firmware(sent), ["InstallationFailed"]));
}

#[test]
fn an_update_waiting_or_downloading_at_a_power_cut_starts_over() {
    let mut h = Harness::new("firmware-cut-downloading", 1);
    h.cp.enable_store();
    h.online();
    let mut store = MemStore::default();
    update(
        &mut h,
        json!({"retrieveDate": "2026-11-21T12:00:00.000Z", "retries": 4}),
    );
    store.drain(&mut h.cp);
    // Cut, and up again an hour later by the wall clock (the platform sets it).
    let mut h2 = Harness::new("firmware-cut-downloading-after", 1);
    for (key, bytes) in &store.records {
        h2.cp.restore_record(key, bytes).unwrap();
    }
    h2.cp
        .set_wall_clock(Instant(0), DateTime::parse("2026-11-21T11:00:00Z").unwrap());
    h2.cp.finish_restore(Instant(0));
    assert!(!h2.cp.firmware_install_pending());
    assert_eq!(
        h2.cp.poll_transfer(h2.now),
        None,
        "retrieveDate is an hour away"
    );
    h2.advance(3_600_000);
    assert_eq!(h2.cp.poll_transfer(h2.now), Some(download_job()));
    // Damaged: refused alone.
    let mut bytes = store.records["fw"].clone();
    bytes[5] ^= 0xff;
    let mut h3 = Harness::new("firmware-cut-damaged", 1);
    assert_eq!(
        h3.cp.restore_record("fw", &bytes),
        Err(RestoreError::Damaged)
    );
    h3.cp.finish_restore(Instant(0));
    assert_eq!(h3.cp.poll_transfer(Instant(0)), None);
}

#[test]
fn notifications_survive_a_dropped_connection_in_order() {
    let mut h = Harness::new("firmware-offline", 1);
    h.online();
    update(&mut h, json!({}));
    assert!(h.cp.poll_transfer(h.now).is_some());
    let (id, request) = h.expect_call("FirmwareStatusNotification");
    assert_eq!(request["status"], "Downloading");
    let _ = id; // the answer never comes: the link drops
    h.cp.handle_disconnected(h.now);
    h.cp.transfer_finished(h.now, TransferKind::Download, Ok(1000));
    assert_eq!(
        h.cp.poll_transfer(h.now),
        Some(TransferJob::Install),
        "installs offline too"
    );
    h.online_with(|sent| assert_eq!(firmware(sent), ["Downloading", "Downloaded", "Installing"]));
}

#[test]
fn get_diagnostics_uploads_once_and_a_second_request_gets_no_file_name() {
    let mut h = Harness::new("firmware-diagnostics", 1);
    h.online();
    assert_eq!(trigger(&mut h, "DiagnosticsStatusNotification"), "Idle");
    let location = "http://127.0.0.1:8080/diagnostics/";
    let answer = h.cs_call(
        "GetDiagnostics",
        json!({"location": location, "startTime": CS_TIME, "retries": 1, "retryInterval": 20}),
    );
    let name = answer["fileName"].as_str().unwrap().to_string();
    assert_eq!(name, "unit-diagnostics-20261121T100000Z.log");
    let job = h.cp.poll_transfer(h.now).unwrap();
    assert_eq!(
        job,
        TransferJob::Upload {
            location: CiString::try_from_str(location).unwrap(),
            file_name: CiString::try_from_str(&name).unwrap(),
            start_time: DateTime::parse(CS_TIME).ok(),
            stop_time: None,
            #[cfg(feature = "security-log")]
            log: crate::messages::LogType::DiagnosticsLog,
        }
    );
    assert_eq!(
        h.cs_call("GetDiagnostics", json!({ "location": location })),
        json!({}),
        "nothing will be uploaded for the second one"
    );
    assert_eq!(h.cp.poll_transfer(h.now), None);
    assert_eq!(
        trigger(&mut h, "DiagnosticsStatusNotification"),
        "Uploading"
    );
    // One failure, retried after retryInterval, then success.
    h.cp.transfer_finished(
        h.now,
        TransferKind::Upload,
        Err(TransferError::HttpStatus(503)),
    );
    assert_eq!(h.cp.poll_transfer(h.now), None);
    h.advance(20_000);
    assert_eq!(h.cp.poll_transfer(h.now), Some(job));
    h.cp.transfer_finished(h.now, TransferKind::Upload, Ok(4096));
    let sent = drain_all(&mut h);
    assert_eq!(
        notified(&sent, "DiagnosticsStatusNotification"),
        ["Uploading", "Uploaded"]
    );
    assert_eq!(trigger(&mut h, "DiagnosticsStatusNotification"), "Idle");
    assert!(h.events().contains(&Event::DiagnosticsStatusChanged(
        DiagnosticsStatus::Uploaded
    )));
}

#[test]
fn a_failing_upload_is_upload_failed_after_its_retries() {
    let mut h = Harness::new("firmware-diagnostics-failed", 1);
    h.online();
    let answer = h.cs_call(
        "GetDiagnostics",
        json!({"location": "http://127.0.0.1:1/", "retries": 0}),
    );
    assert!(answer["fileName"].is_string());
    assert!(h.cp.poll_transfer(h.now).is_some());
    h.cp.transfer_finished(h.now, TransferKind::Upload, Err(TransferError::Unreachable));
    assert_eq!(h.cp.poll_transfer(h.now), None);
    let sent = drain(&mut h);
    assert_eq!(
        notified(&sent, "DiagnosticsStatusNotification"),
        ["Uploading", "UploadFailed"]
    );
    // A new request is taken again.
    let answer = h.cs_call("GetDiagnostics", json!({"location": "http://127.0.0.1:1/"}));
    assert!(answer["fileName"].is_string());
}

#[test]
fn bad_requests_are_call_errors_and_start_nothing() {
    let mut h = Harness::new("firmware-bad-requests", 1);
    h.online();
    let max = crate::capacity::FIRMWARE_LOCATION_MAX;
    let long = format!("http://h/{}", "a".repeat(max));
    let cases = [
        (
            "UpdateFirmware",
            format!(r#"{{"location":"{long}","retrieveDate":"{CS_TIME}"}}"#),
            "PropertyConstraintViolation",
        ),
        (
            "GetDiagnostics",
            format!(r#"{{"location":"{long}"}}"#),
            "PropertyConstraintViolation",
        ),
        (
            "UpdateFirmware",
            format!(r#"{{"location":"{LOCATION}","retrieveDate":"{CS_TIME}","retries":-1}}"#),
            "PropertyConstraintViolation",
        ),
        (
            "GetDiagnostics",
            format!(r#"{{"location":"{LOCATION}","retryInterval":-5}}"#),
            "PropertyConstraintViolation",
        ),
        (
            "UpdateFirmware",
            format!(r#"{{"location":"{LOCATION}"}}"#),
            "OccurenceConstraintViolation",
        ),
        (
            "UpdateFirmware",
            format!(r#"{{"location":"{LOCATION}","retrieveDate":"soon"}}"#),
            "PropertyConstraintViolation",
        ),
        (
            "GetDiagnostics",
            r#"{"location":42}"#.to_string(),
            "TypeConstraintViolation",
        ),
        (
            "GetDiagnostics",
            "{}".to_string(),
            "OccurenceConstraintViolation",
        ),
    ];
    for (action, payload, code) in cases {
        assert_eq!(
            h.cs_call_error(action, &payload),
            code,
            "{action} {payload}"
        );
    }
    assert_eq!(h.cp.poll_transfer(h.now), None);
    // The longest location that fits is taken whole.
    let fits = format!("http://h/{}", "a".repeat(max - 9));
    update(&mut h, json!({ "location": fits }));
    match h.cp.poll_transfer(h.now) {
        Some(TransferJob::Download { location }) => assert_eq!(location.as_str(), fits),
        other => panic!("{other:?}"),
    }
}

impl Harness {
    /// Connects, accepts the boot and passes every CALL sent after it to `check`.
    fn online_with(&mut self, check: impl FnOnce(&[(String, Value)])) {
        self.cp.handle_connected(self.now);
        self.answer(
            "BootNotification",
            json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300}),
        );
        let sent = drain(self);
        check(&sent);
    }
}
