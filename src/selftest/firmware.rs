//! Firmware Management: an update through every status to Installed after a reboot (the
//! store's `fw` record), a diagnostics upload, and a location too long for its buffer.

use super::*;
use crate::engine::{TransferError, TransferJob, TransferKind};

const LOCATION: &str = "http://192.0.2.1/fw/image.bin";

/// (i) UpdateFirmware: Downloading, a failed attempt retried, Downloaded (connector 1
/// Unavailable), Installing, a power cut, Installed once booted and registered; GetDiagnostics
/// answers its fileName, then Uploading and Uploaded; a too-long location is a
/// PropertyConstraintViolation.
#[no_mangle]
pub extern "C" fn ocpp_selftest_firmware() -> i32 {
    run(1, firmware)
}

fn expect_firmware(h: &mut Harness<'_>, status: FirmwareStatus) -> Outcome {
    let (id, req) =
        h.expect::<FirmwareStatusNotificationRequest>(Action::FirmwareStatusNotification)?;
    check!(req.status == status);
    h.answer(&id, &FirmwareStatusNotificationResponse {})
}

fn expect_diagnostics(h: &mut Harness<'_>, status: DiagnosticsStatus) -> Outcome {
    let (id, req) =
        h.expect::<DiagnosticsStatusNotificationRequest>(Action::DiagnosticsStatusNotification)?;
    check!(req.status == status);
    h.answer(&id, &DiagnosticsStatusNotificationResponse {})
}

fn firmware(h: &mut Harness<'_>) -> Outcome {
    h.cp.enable_store();
    let mut records = Records::new();
    let mut buf = [0u8; MAX_STORED_RECORD];
    h.online()?;
    let request = UpdateFirmwareRequest {
        location: take!(CiString::try_from_str(LOCATION).ok()),
        retries: Some(1),
        retrieve_date: CS_TIME,
        retry_interval: Some(5),
    };
    h.call(&request)?;
    let job = take!(h.cp.poll_transfer(h.now));
    check!(matches!(&job, TransferJob::Download { location } if location.as_str() == LOCATION));
    expect_firmware(h, FirmwareStatus::Downloading)?;
    h.cp.transfer_finished(
        h.now,
        TransferKind::Download,
        Err(TransferError::Interrupted),
    );
    check!(h.cp.poll_transfer(h.now).is_none());
    h.advance(5_000);
    check!(take!(h.cp.poll_transfer(h.now)) == job);
    h.cp.transfer_finished(h.now, TransferKind::Download, Ok(4096));
    expect_firmware(h, FirmwareStatus::Downloaded)?;
    h.expect_status(1, ChargePointStatus::Unavailable)?;
    check!(take!(h.cp.poll_transfer(h.now)) == TransferJob::Install);
    expect_firmware(h, FirmwareStatus::Installing)?;
    drain_store(h.cp, &mut records, &mut buf)?;
    check!(records.iter().any(|(k, _)| k.as_str() == "fw"));

    // The install reboots into the new image.
    h.reboot()?;
    for (key, data) in &records {
        check!(h.cp.restore_record(key, data).is_ok());
    }
    h.cp.finish_restore(h.now);
    check!(h.cp.firmware_install_pending());
    h.cp.firmware_booted(h.now, true);
    h.cp.handle_connected(h.now);
    let at = h.cs_time();
    h.boot(RegistrationStatus::Accepted, at, 300)?;
    #[allow(unused_mut)]
    let mut next = take!(h.skip_statuses()?);
    // With the security whitepaper's messages, the FirmwareUpdated security event goes first
    // (queued with the transaction messages).
    #[cfg(feature = "security")]
    {
        check!(next.action == Action::SecurityEventNotification);
        let event: crate::messages::SecurityEventNotificationRequest = h.payload(next.len)?;
        check!(event.kind == crate::messages::SecurityEventType::FirmwareUpdated);
        h.answer(
            &next.id,
            &crate::messages::SecurityEventNotificationResponse {},
        )?;
        next = take!(h.sent()?);
    }
    check!(next.action == Action::FirmwareStatusNotification);
    let req: FirmwareStatusNotificationRequest = h.payload(next.len)?;
    check!(req.status == FirmwareStatus::Installed);
    h.answer(&next.id, &FirmwareStatusNotificationResponse {})?;
    check!(h.cp.firmware_status() == FirmwareStatus::Idle);
    drain_store(h.cp, &mut records, &mut buf)?;
    check!(!records.iter().any(|(k, _)| k.as_str() == "fw"));

    let diagnostics = GetDiagnosticsRequest {
        location: take!(CiString::try_from_str("http://192.0.2.1/up/").ok()),
        retries: None,
        retry_interval: None,
        start_time: None,
        stop_time: None,
    };
    let answer = h.call(&diagnostics)?;
    let name = take!(answer.file_name);
    check!(name.ends_with(".log"));
    check!(
        matches!(h.cp.poll_transfer(h.now), Some(TransferJob::Upload { file_name, .. }) if file_name == name)
    );
    expect_diagnostics(h, DiagnosticsStatus::Uploading)?;
    h.cp.transfer_finished(h.now, TransferKind::Upload, Ok(100));
    expect_diagnostics(h, DiagnosticsStatus::Uploaded)?;

    // A location one byte longer than its buffer: refused whole.
    let mut frame = heapless::String::<{ crate::capacity::FIRMWARE_LOCATION_MAX + 96 }>::new();
    take!(frame
        .push_str(r#"[2,"long","GetDiagnostics",{"location":"http://h/"#)
        .ok());
    for _ in 0..crate::capacity::FIRMWARE_LOCATION_MAX - 8 {
        take!(frame.push('a').ok());
    }
    take!(frame.push_str(r#""}]"#).ok());
    let reply = h.raw(frame.as_bytes());
    let (id, code) = h.call_error(reply)?;
    check!(id.as_str() == "long" && code == Some(ErrorCode::PropertyConstraintViolation));
    check!(h.cp.poll_transfer(h.now).is_none());
    h.nothing_sent()
}
