//! Firmware Management (UpdateFirmware, GetDiagnostics): the engine's half of an update and
//! of a diagnostics upload. The transfers themselves are the platform's ([`crate::transfer`]).
//!
//! # The seam a platform drives
//! - [`ChargePoint::poll_transfer`]`(now) -> Option<`[`TransferJob`]`>`: the next job to start
//!   now, handed out once (the engine marks it running). Call it after every engine step (its
//!   deadlines are in [`ChargePoint::poll_timeout`]). Drain [`ChargePoint::poll_store`] before
//!   starting an [`TransferJob::Install`]: the "Installing" record must be stored before the
//!   reboot.
//! - [`ChargePoint::transfer_finished`]`(now, kind, result)`: the job of `kind` ended.
//!   Download `Ok` → Downloaded, then (once no transaction runs) an Install job; `Err` → another
//!   attempt after retryInterval while `retries` remain, else DownloadFailed. Install `Ok`
//!   means installed without a reboot (the host) → Installed; `Err(Deferred)` → offered again
//!   after the retry interval; any other `Err` → InstallationFailed. Upload `Ok` → Uploaded,
//!   `Err` → retried, else UploadFailed.
//! - [`ChargePoint::firmware_booted`]`(now, installed)`: after the restart of an install
//!   ([`ChargePoint::firmware_install_pending`] is true once the store is restored), whether
//!   the new image runs; Installed or InstallationFailed is sent once the BootNotification is
//!   accepted.
//!
//! # Behaviour (spec 1.6 sections 5.19, 5.21, 6.19, 6.41)
//! - The download starts at retrieveDate (at once when it passed or no wall clock is set).
//!   `retries` counts attempts after the first failed one; absent, `CONFIG_OCPP_TRANSFER_RETRIES`.
//! - Downloaded: connectors without a transaction go Unavailable (the spec's recommendation),
//!   the others when their transaction ends; the install starts when none runs, and new
//!   transactions are refused meanwhile. After a failed install they are Available again.
//! - A second UpdateFirmware replaces one still waiting for its retrieveDate or retry; while a
//!   download or install runs it is ignored (1.6's answer is empty, so it cannot be refused):
//!   the Central System keeps getting the running update's notifications.
//! - A second GetDiagnostics while an upload runs is answered without fileName: 1.6 has no
//!   "AcceptedCanceled" (2.0.1 GetLog has), and no fileName is how 1.6 says that nothing will be
//!   uploaded for this request; the running upload continues and reports its own end.
//! - Each status change is one notification (and an [`Event`]), queued in order until the
//!   Central System answers it; a dropped connection keeps it queued. A triggered notification
//!   reports `Idle` when nothing runs (spec 4.4/4.5: Idle only after a TriggerMessage, when not
//!   busy), else the status of what runs.
//! - The update survives a reboot through the store record `fw`: one waiting or downloading is
//!   downloaded again; one installing waits for [`ChargePoint::firmware_booted`].

use super::*;
use crate::capacity::{DEFAULT_TRANSFER_RETRIES, DEFAULT_TRANSFER_RETRY_INTERVAL};
use crate::cistring::CiString255;
pub use crate::transfer::TransferError;

/// Work the platform must start now ([`ChargePoint::poll_transfer`]). An owned value, moved to
/// the platform's transfer thread (boxing would need a heap).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum TransferJob {
    /// Fetch the firmware image at `location` (restart from scratch on each attempt).
    Download { location: TransferLocation },
    /// Upload diagnostics as `file_name` to `location`, covering `start_time`..`stop_time`
    /// when given.
    Upload {
        location: TransferLocation,
        file_name: CiString255,
        start_time: Option<DateTime>,
        stop_time: Option<DateTime>,
        /// Which log (GetLog); GetDiagnostics uploads the DiagnosticsLog.
        #[cfg(feature = "security-log")]
        log: crate::messages::LogType,
    },
    /// Install the downloaded image: schedule it and reboot (Zephyr, MCUboot), or install it
    /// in place and report `Ok` (host), or report the failure.
    Install,
    /// SignedUpdateFirmware: verify the downloaded image before it is installed: the signing
    /// certificate ([`ChargePoint::firmware_signature`]) must be signed by an installed
    /// ManufacturerRootCertificate and the image's signature must verify with its key. `Ok`:
    /// SignatureVerified (then the install); any `Err`: InvalidSignature, nothing installed.
    #[cfg(feature = "signed-firmware")]
    Verify,
}

/// Which job [`ChargePoint::transfer_finished`] reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferKind {
    Download,
    Upload,
    Install,
    #[cfg(feature = "signed-firmware")]
    Verify,
}

crate::logging::piece_by_name!(TransferKind {
    Download,
    Upload,
    Install,
    #[cfg(feature = "signed-firmware")]
    Verify,
});

/// Where an update stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Waiting for retrieveDate, or for the next attempt after a failed one.
    Waiting = 0,
    /// The Download job was handed out.
    Downloading = 1,
    /// The image is there; the install waits until no transaction runs.
    Downloaded = 2,
    /// The Install job was handed out (or, restored, the reboot it causes happened).
    Installing = 3,
    /// The Verify job of a signed update was handed out (restored: downloaded again).
    #[cfg(feature = "signed-firmware")]
    Verifying = 4,
}

impl crate::logging::Piece for Phase {
    fn put(&self, line: &mut crate::logging::Line) {
        line.push_str(match self {
            Phase::Waiting => "Waiting",
            Phase::Downloading => "Downloading",
            Phase::Downloaded => "Downloaded",
            Phase::Installing => "Installing",
            #[cfg(feature = "signed-firmware")]
            Phase::Verifying => "Verifying",
        });
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Update {
    pub(super) phase: Phase,
    pub(super) location: TransferLocation,
    /// When the next attempt (or the install) may start.
    pub(super) due: Instant,
    /// retrieveDate, for the store (a reboot recomputes `due` from it).
    pub(super) retrieve_date: DateTime,
    pub(super) retries_left: u32,
    pub(super) retry_interval: u32,
    /// Restored in phase Installing: waits for `firmware_booted`.
    pub(super) after_reboot: bool,
    /// Downloading was reported (once per update, not per attempt).
    pub(super) attempted: bool,
    /// A SignedUpdateFirmware's certificate, signature and requestId.
    #[cfg(feature = "signed-firmware")]
    pub(super) signed: Option<super::security::SignedParts>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Upload {
    location: TransferLocation,
    file_name: CiString255,
    start_time: Option<DateTime>,
    stop_time: Option<DateTime>,
    running: bool,
    due: Instant,
    retries_left: u32,
    retry_interval: u32,
    /// Uploading was reported (once per request, not per attempt).
    reported: bool,
    /// GetLog's log type and requestId; None for a GetDiagnostics.
    #[cfg(feature = "security-log")]
    request: Option<(crate::messages::LogType, i32)>,
}

/// A status notification owed to the Central System.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Notice {
    Firmware(FirmwareStatus),
    Diagnostics(DiagnosticsStatus),
    /// A LogStatusNotification of the GetLog with this requestId.
    #[cfg(feature = "security-log")]
    Log(crate::messages::UploadLogStatus, i32),
    /// A SignedFirmwareStatusNotification of the SignedUpdateFirmware with this requestId.
    #[cfg(feature = "signed-firmware")]
    Signed(crate::messages::SignedFirmwareStatus, i32),
}

/// Notifications queued at once: an update makes at most four, an upload two.
const NOTICES: usize = 8;

/// The profile's state ([`ChargePoint`] field `firmware`).
#[derive(Debug, Default)]
pub(super) struct FirmwareManagement {
    pub(super) update: Option<Update>,
    upload: Option<Upload>,
    /// Owed notifications with their send-order seq; the front is removed when answered.
    notices: Deque<(u32, Notice), NOTICES>,
    /// The front notice is the CALL in flight.
    notice_in_flight: bool,
    /// A GetLog replaced the upload the platform is still running: that job is to be
    /// cancelled ([`ChargePoint::transfer_cancelled`]); its result is ignored, and the new
    /// upload waits for it.
    #[cfg(feature = "security-log")]
    cancelling: bool,
}

fn retries(value: Option<i32>) -> u32 {
    value.map_or(DEFAULT_TRANSFER_RETRIES as u32, |r| r.max(0) as u32)
}

fn interval(value: Option<i32>) -> u32 {
    value.map_or(DEFAULT_TRANSFER_RETRY_INTERVAL as u32, |r| r.max(0) as u32)
}

impl<S: Station> ChargePoint<S> {
    pub(super) fn handle_update_firmware(&mut self, mut call: Incoming) -> Answer {
        let req = parse_payload::<UpdateFirmwareRequest>(call.io.payload(), call.scratch)?;
        if req.retries.is_some_and(|r| r < 0) || req.retry_interval.is_some_and(|r| r < 0) {
            return Err(ErrorCode::PropertyConstraintViolation);
        }
        self.on_update_firmware(call.now, req);
        Ok(crate::codec::write_call_result(
            call.io.reply(),
            call.id,
            &UpdateFirmwareResponse {},
        ))
    }

    pub(super) fn handle_get_diagnostics(&mut self, mut call: Incoming) -> Answer {
        let req = parse_payload::<GetDiagnosticsRequest>(call.io.payload(), call.scratch)?;
        if req.retries.is_some_and(|r| r < 0) || req.retry_interval.is_some_and(|r| r < 0) {
            return Err(ErrorCode::PropertyConstraintViolation);
        }
        let response = GetDiagnosticsResponse {
            file_name: self.on_get_diagnostics(call.now, req),
        };
        Ok(crate::codec::write_call_result(
            call.io.reply(),
            call.id,
            &response,
        ))
    }

    fn on_update_firmware(&mut self, now: Instant, req: UpdateFirmwareRequest) {
        if let Some(u) = &self.firmware.update {
            if u.phase != Phase::Waiting {
                warn!("UpdateFirmware ignored: an update is ", u.phase);
                return;
            }
        }
        let due = self.instant_of(now, req.retrieve_date);
        info!(
            "UpdateFirmware of ",
            req.location.as_str(),
            " at ",
            req.retrieve_date
        );
        self.firmware.update = Some(Update {
            phase: Phase::Waiting,
            location: req.location,
            due,
            retrieve_date: req.retrieve_date,
            retries_left: retries(req.retries),
            retry_interval: interval(req.retry_interval),
            after_reboot: false,
            attempted: false,
            #[cfg(feature = "signed-firmware")]
            signed: None,
        });
        self.store_changed(Record::Firmware);
    }

    /// The monotonic instant of a wall-clock time: now when it passed or no clock is set.
    pub(super) fn instant_of(&self, now: Instant, at: DateTime) -> Instant {
        match self.wall_time(now) {
            Some(wall) if at.unix_ms > wall.unix_ms => {
                now.plus_millis((at.unix_ms - wall.unix_ms) as u64)
            }
            _ => now,
        }
    }

    fn on_get_diagnostics(
        &mut self,
        now: Instant,
        req: GetDiagnosticsRequest,
    ) -> Option<CiString255> {
        if self.firmware.upload.is_some() {
            warn!("GetDiagnostics while an upload runs: nothing uploaded for it");
            return None;
        }
        let file_name = self.diagnostics_file_name(now);
        self.firmware.upload = Some(Upload {
            location: req.location,
            file_name: file_name.clone(),
            start_time: req.start_time,
            stop_time: req.stop_time,
            running: false,
            due: now,
            retries_left: retries(req.retries),
            retry_interval: interval(req.retry_interval),
            reported: false,
            #[cfg(feature = "security-log")]
            request: None,
        });
        Some(file_name)
    }

    /// `<serial or model>-<UTC time>.log` (the monotonic milliseconds without a wall clock):
    /// unique per charge point and request.
    fn diagnostics_file_name(&self, now: Instant) -> CiString255 {
        self.log_file_name(now, "diagnostics")
    }

    /// `<serial or model>-<what>-<UTC time>.log`.
    fn log_file_name(&self, now: Instant, what: &str) -> CiString255 {
        let mut name = CiString255::new();
        let who = self
            .boot_info
            .charge_point_serial_number
            .as_ref()
            .map_or(self.boot_info.charge_point_model.as_str(), |s| s.as_str());
        let who: heapless::String<25> = who
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .take(25)
            .collect();
        let _ = match self.wall_time(now).and_then(DateTime::to_text) {
            Some(text) => {
                // 2026-11-21T10:00:00.000Z -> 20261121T100000Z
                let digits: heapless::String<24> = text
                    .iter()
                    .take(19)
                    .filter(|b| b.is_ascii_digit() || **b == b'T')
                    .map(|b| char::from(*b))
                    .collect();
                write!(name, "{who}-{what}-{digits}Z.log")
            }
            None => write!(name, "{who}-{what}-{}.log", now.as_millis()),
        };
        name
    }

    /// The next transfer the platform must start now; each is handed out once.
    #[must_use]
    pub fn poll_transfer(&mut self, now: Instant) -> Option<TransferJob> {
        let idle = self.running_transactions() == 0;
        if let Some(u) = self.firmware.update.as_mut() {
            match u.phase {
                Phase::Waiting if u.due <= now => {
                    u.phase = Phase::Downloading;
                    let first = !core::mem::replace(&mut u.attempted, true);
                    let location = u.location.clone();
                    info!("firmware download from ", location.as_str());
                    if first {
                        self.update_notice(FirmwareStatus::Downloading);
                    }
                    return Some(TransferJob::Download { location });
                }
                #[cfg(feature = "signed-firmware")]
                Phase::Downloaded if u.signed.as_ref().is_some_and(|s| !s.verified) => {
                    u.phase = Phase::Verifying;
                    info!("verifying the firmware signature");
                    return Some(TransferJob::Verify);
                }
                Phase::Downloaded if u.due <= now && idle => {
                    u.phase = Phase::Installing;
                    self.store_changed(Record::Firmware);
                    self.hold_connectors(now);
                    self.update_notice(FirmwareStatus::Installing);
                    return Some(TransferJob::Install);
                }
                _ => {}
            }
        }
        #[cfg(feature = "security-log")]
        if self.firmware.cancelling {
            return None;
        }
        let upload = self.firmware.upload.as_mut()?;
        if upload.running || upload.due > now {
            return None;
        }
        upload.running = true;
        let first = !core::mem::replace(&mut upload.reported, true);
        let job = TransferJob::Upload {
            location: upload.location.clone(),
            file_name: upload.file_name.clone(),
            start_time: upload.start_time,
            stop_time: upload.stop_time,
            #[cfg(feature = "security-log")]
            log: upload
                .request
                .map_or(crate::messages::LogType::DiagnosticsLog, |r| r.0),
        };
        #[cfg(feature = "security-log")]
        if let Some((_, id)) = upload.request {
            if first {
                use crate::messages::UploadLogStatus;
                self.firmware_notice(Notice::Log(UploadLogStatus::Uploading, id));
            }
            return Some(job);
        }
        if first {
            self.firmware_notice(Notice::Diagnostics(DiagnosticsStatus::Uploading));
        }
        Some(job)
    }

    /// The job of `kind` ended with `result` (bytes moved, or why not).
    pub fn transfer_finished(
        &mut self,
        now: Instant,
        kind: TransferKind,
        result: Result<u64, TransferError>,
    ) {
        match kind {
            TransferKind::Download => self.download_finished(now, result),
            TransferKind::Install => self.install_finished(now, result),
            TransferKind::Upload => self.upload_finished(now, result),
            #[cfg(feature = "signed-firmware")]
            TransferKind::Verify => self.verify_finished(now, result),
        }
    }

    fn download_finished(&mut self, now: Instant, result: Result<u64, TransferError>) {
        let Some(u) = self
            .firmware
            .update
            .as_mut()
            .filter(|u| u.phase == Phase::Downloading)
        else {
            warn!("download result without a download running");
            return;
        };
        match result {
            Ok(bytes) => {
                info!("firmware downloaded: ", bytes, " bytes");
                u.phase = Phase::Downloaded;
                u.due = now;
                self.update_notice(FirmwareStatus::Downloaded);
                self.hold_connectors(now);
            }
            Err(e) if u.retries_left > 0 => {
                u.retries_left -= 1;
                u.phase = Phase::Waiting;
                u.due = now.plus_secs(u.retry_interval);
                warn!(
                    "firmware download failed (",
                    e, "); ", u.retries_left, " retries left, next in ", u.retry_interval, " s"
                );
            }
            Err(e) => {
                warn!("firmware download failed (", e, "); giving up");
                self.end_update(now, FirmwareStatus::DownloadFailed);
            }
        }
    }

    fn install_finished(&mut self, now: Instant, result: Result<u64, TransferError>) {
        let Some(u) = self
            .firmware
            .update
            .as_mut()
            .filter(|u| u.phase == Phase::Installing && !u.after_reboot)
        else {
            warn!("install result without an install running");
            return;
        };
        match result {
            Ok(_) => self.end_update(now, FirmwareStatus::Installed),
            Err(TransferError::Deferred) => {
                info!("install deferred by the application");
                u.phase = Phase::Downloaded;
                u.due = now.plus_secs(u.retry_interval.max(1));
                self.store_changed(Record::Firmware);
            }
            Err(e) => {
                warn!("firmware install failed (", e, ")");
                self.end_update(now, FirmwareStatus::InstallationFailed);
            }
        }
    }

    fn upload_finished(&mut self, now: Instant, result: Result<u64, TransferError>) {
        #[cfg(feature = "security-log")]
        if core::mem::take(&mut self.firmware.cancelling) {
            info!("the cancelled upload ended (", result, ")");
            return;
        }
        let Some(up) = self.firmware.upload.as_mut().filter(|u| u.running) else {
            warn!("upload result without an upload running");
            return;
        };
        up.running = false;
        let status = match result {
            Ok(bytes) => {
                info!("diagnostics uploaded: ", bytes, " bytes");
                DiagnosticsStatus::Uploaded
            }
            Err(e) if up.retries_left > 0 => {
                up.retries_left -= 1;
                up.due = now.plus_secs(up.retry_interval);
                warn!(
                    "diagnostics upload failed (",
                    e, "); ", up.retries_left, " retries left"
                );
                return;
            }
            Err(e) => {
                warn!("diagnostics upload failed (", e, "); giving up");
                DiagnosticsStatus::UploadFailed
            }
        };
        #[cfg(feature = "security-log")]
        if let Some((_, id)) = up.request {
            use crate::messages::UploadLogStatus;
            let status = match status {
                DiagnosticsStatus::Uploaded => UploadLogStatus::Uploaded,
                _ => UploadLogStatus::UploadFailure,
            };
            self.firmware.upload = None;
            self.firmware_notice(Notice::Log(status, id));
            return;
        }
        self.firmware.upload = None;
        self.firmware_notice(Notice::Diagnostics(status));
    }

    /// Whether the store held an update in phase Installing: the platform checks whether the
    /// new image runs and calls [`ChargePoint::firmware_booted`].
    pub fn firmware_install_pending(&self) -> bool {
        self.firmware
            .update
            .as_ref()
            .is_some_and(|u| u.phase == Phase::Installing && u.after_reboot)
    }

    /// After the restart of an install: `installed` when the new image runs. Installed or
    /// InstallationFailed follows the accepted BootNotification. Harmless when no install was
    /// pending.
    pub fn firmware_booted(&mut self, now: Instant, installed: bool) {
        if !self.firmware_install_pending() {
            return;
        }
        self.end_update(
            now,
            match installed {
                true => FirmwareStatus::Installed,
                false => FirmwareStatus::InstallationFailed,
            },
        );
    }

    fn end_update(&mut self, now: Instant, status: FirmwareStatus) {
        #[cfg(feature = "security")]
        if status == FirmwareStatus::Installed {
            let _ = self.record_security_event(
                now,
                crate::messages::SecurityEventType::FirmwareUpdated,
                None,
            );
        }
        let notice = self.notice_of(status);
        self.end_update_with(now, notice);
    }

    /// The update ends with `notice` (its last).
    pub(super) fn end_update_with(&mut self, now: Instant, notice: Notice) {
        self.firmware.update = None;
        self.store_changed(Record::Firmware);
        self.release_connectors(now);
        self.firmware_notice(notice);
    }

    /// The notice of the running update's `status`: a SignedFirmwareStatusNotification with
    /// its requestId for a SignedUpdateFirmware.
    fn notice_of(&self, status: FirmwareStatus) -> Notice {
        #[cfg(feature = "signed-firmware")]
        if let Some(signed) = self
            .firmware
            .update
            .as_ref()
            .and_then(|u| u.signed.as_ref())
        {
            return Notice::Signed(super::security::signed_status(status), signed.request_id);
        }
        Notice::Firmware(status)
    }

    fn update_notice(&mut self, status: FirmwareStatus) {
        let notice = self.notice_of(status);
        self.firmware_notice(notice);
    }

    /// The connectors are kept Unavailable: a downloaded image waits to be installed.
    pub(super) fn firmware_holds_connectors(&self) -> bool {
        self.firmware.update.as_ref().is_some_and(|u| {
            !u.after_reboot && matches!(u.phase, Phase::Downloaded | Phase::Installing)
        })
    }

    /// Connectors without a transaction go Unavailable ([`ChargePoint::set_status_inner`]
    /// keeps them so, and turns the others Unavailable once their transaction ends).
    fn hold_connectors(&mut self, now: Instant) {
        for connector in 1..=self.number_of_connectors() {
            let idle = self
                .connectors
                .get(usize::from(connector))
                .is_some_and(|c| c.transaction.is_none() && c.status != ChargePointStatus::Faulted);
            if idle {
                self.set_status_inner(
                    now,
                    connector,
                    ChargePointStatus::Unavailable,
                    ChargePointErrorCode::NoError,
                );
            }
        }
    }

    /// After an update ends without a reboot: operative connectors are Available again.
    fn release_connectors(&mut self, now: Instant) {
        for connector in 1..=self.number_of_connectors() {
            let back = self
                .connectors
                .get(usize::from(connector))
                .is_some_and(|c| {
                    c.operative
                        && c.transaction.is_none()
                        && c.status == ChargePointStatus::Unavailable
                });
            if back {
                self.set_status_inner(
                    now,
                    connector,
                    ChargePointStatus::Available,
                    ChargePointErrorCode::NoError,
                );
            }
        }
    }

    /// Whether a Firmware or Diagnostics status notification is still owed to the Central
    /// System (queued or awaiting its answer): a platform about to reboot waits for it.
    pub fn firmware_notices_pending(&self) -> bool {
        !self.firmware.notices.is_empty()
    }

    /// The firmware status a triggered notification reports (spec: Idle when not busy).
    pub fn firmware_status(&self) -> FirmwareStatus {
        let Some(u) = self.firmware.update.as_ref() else {
            return FirmwareStatus::Idle;
        };
        match u.phase {
            // Before retrieveDate nothing runs; between two attempts the download is under way.
            Phase::Waiting if !u.attempted => FirmwareStatus::Idle,
            Phase::Waiting | Phase::Downloading => FirmwareStatus::Downloading,
            Phase::Downloaded => FirmwareStatus::Downloaded,
            #[cfg(feature = "signed-firmware")]
            Phase::Verifying => FirmwareStatus::Downloaded,
            Phase::Installing => FirmwareStatus::Installing,
        }
    }

    /// The diagnostics status a triggered notification reports (spec: Idle when not busy).
    pub fn diagnostics_status(&self) -> DiagnosticsStatus {
        match &self.firmware.upload {
            #[cfg(feature = "security-log")]
            Some(u) if u.request.is_some() => DiagnosticsStatus::Idle,
            Some(_) => DiagnosticsStatus::Uploading,
            None => DiagnosticsStatus::Idle,
        }
    }

    pub(super) fn firmware_notice(&mut self, notice: Notice) {
        match notice {
            Notice::Firmware(s) => self.emit(Event::FirmwareStatusChanged(s)),
            Notice::Diagnostics(s) => self.emit(Event::DiagnosticsStatusChanged(s)),
            #[cfg(feature = "security-log")]
            Notice::Log(..) => {}
            #[cfg(feature = "signed-firmware")]
            Notice::Signed(s, _) => {
                if let Some(status) = super::security::plain_status(s) {
                    self.emit(Event::FirmwareStatusChanged(status));
                }
            }
        }
        if self.firmware.notices.is_full() {
            // Never the one in flight: its answer removes the front.
            let at = usize::from(self.firmware.notice_in_flight);
            warn!("firmware notifications full: dropping the oldest");
            let mut kept: Deque<(u32, Notice), NOTICES> = Deque::new();
            for (i, n) in self.firmware.notices.iter().enumerate() {
                if i != at {
                    let _ = kept.push_back(*n);
                }
            }
            self.firmware.notices = kept;
        }
        let seq = self.next_seq();
        let _ = self.firmware.notices.push_back((seq, notice));
    }

    /// The send-order seq of the next owed notification, when one is not already in flight.
    pub(super) fn notice_seq(&self) -> Option<u32> {
        match self.firmware.notice_in_flight {
            true => None,
            false => self.firmware.notices.front().map(|n| n.0),
        }
    }

    /// Serializes the front notification (it stays queued until answered).
    // Its own frame: what it decodes is not on the stack while the outbox is written.
    #[inline(never)]
    pub(super) fn transmit_notice(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        let (_, notice) = *self.firmware.notices.front()?;
        self.firmware.notice_in_flight = true;
        let origin = Origin::Outbox(Outgoing::Notice(notice));
        let sent = match notice {
            Notice::Firmware(status) => self.send(
                now,
                buf,
                origin,
                &FirmwareStatusNotificationRequest { status },
            ),
            Notice::Diagnostics(status) => self.send(
                now,
                buf,
                origin,
                &DiagnosticsStatusNotificationRequest { status },
            ),
            #[cfg(feature = "security-log")]
            Notice::Log(status, request_id) => self.send(
                now,
                buf,
                origin,
                &crate::messages::LogStatusNotificationRequest {
                    status,
                    request_id: Some(request_id),
                },
            ),
            #[cfg(feature = "signed-firmware")]
            Notice::Signed(status, request_id) => self.send(
                now,
                buf,
                origin,
                &crate::messages::SignedFirmwareStatusNotificationRequest {
                    status,
                    request_id: Some(request_id),
                },
            ),
        };
        if sent.is_none() {
            // Too large for the buffer (cannot happen: a few dozen bytes): given up.
            self.firmware.notice_in_flight = false;
            self.firmware.notices.pop_front();
        }
        sent
    }

    /// The notification in flight was answered or given up (`error`): removed, unless the
    /// connection dropped (then it goes again after the next accepted boot).
    pub(super) fn notice_done(&mut self, error: Option<RequestError>) {
        if !self.firmware.notice_in_flight {
            return;
        }
        self.firmware.notice_in_flight = false;
        if error != Some(RequestError::Offline) {
            self.firmware.notices.pop_front();
        }
    }

    /// When the next attempt or the install may start (the platform then polls the job).
    pub(super) fn firmware_deadline(&self) -> Option<Instant> {
        let update = self.firmware.update.as_ref().and_then(|u| match u.phase {
            Phase::Waiting => Some(u.due),
            Phase::Downloaded if self.running_transactions() == 0 => Some(u.due),
            #[cfg(feature = "signed-firmware")]
            Phase::Downloaded if u.signed.as_ref().is_some_and(|s| !s.verified) => Some(u.due),
            _ => None,
        });
        let upload = self
            .firmware
            .upload
            .as_ref()
            .filter(|u| !u.running)
            .map(|u| u.due);
        #[cfg(feature = "security-log")]
        let upload = upload.filter(|_| !self.firmware.cancelling);
        update.into_iter().chain(upload).min()
    }
}

impl<S: Station> ChargePoint<S> {
    pub(super) fn firmware_front_notice(&self) -> Option<(u32, Notice)> {
        self.firmware.notices.front().copied()
    }

    /// New transactions are refused while a downloaded image waits for the connectors.
    pub(super) fn firmware_busy(&self) -> bool {
        self.firmware_holds_connectors()
    }
}

/// The `fw` record: phase, location, retrieveDate, retries left, retry interval.
pub(super) fn encode_update(w: &mut super::queue::Writer, u: &Update) {
    w.u8(u.phase as u8);
    w.u16(u.location.len() as u16);
    w.bytes(u.location.as_bytes());
    w.u64(u.retrieve_date.unix_ms as u64);
    w.u32(u.retries_left);
    w.u32(u.retry_interval);
    #[cfg(feature = "signed-firmware")]
    super::security::encode_signed(w, u.signed.as_ref());
}

/// A stored update: one installing waits for the platform's word on the new image; any other
/// starts over (the partial or unverified image is not trusted), at retrieveDate.
pub(super) fn decode_update(r: &mut super::queue::Reader) -> Option<Update> {
    let phase = r.u8()?;
    let len = u16::from_le_bytes(r.take(2)?.try_into().ok()?);
    let text = core::str::from_utf8(r.take(usize::from(len))?).ok()?;
    let location = TransferLocation::try_from_str(text).ok()?;
    let retrieve_date = DateTime::from_unix_ms(r.u64()? as i64);
    let retries_left = r.u32()?;
    let retry_interval = r.u32()?;
    let installing = match phase {
        0..=2 => false,
        3 => true,
        #[cfg(feature = "signed-firmware")]
        4 => false,
        _ => return None,
    };
    #[cfg(feature = "signed-firmware")]
    let signed = super::security::decode_signed(r, installing)?;
    Some(Update {
        phase: match installing {
            true => Phase::Installing,
            false => Phase::Waiting,
        },
        location,
        due: Instant(0),
        retrieve_date,
        retries_left,
        retry_interval,
        after_reboot: installing,
        attempted: false,
        #[cfg(feature = "signed-firmware")]
        signed,
    })
}

impl<S: Station> ChargePoint<S> {
    /// finish_restore: a restored update's retrieveDate on this boot's clock.
    pub(super) fn firmware_restored(&mut self, now: Instant) {
        let Some(retrieve) = self.firmware.update.as_ref().map(|u| u.retrieve_date) else {
            return;
        };
        let due = self.instant_of(now, retrieve);
        if let Some(u) = self.firmware.update.as_mut() {
            u.due = due;
            info!("restored a firmware update (", u.phase, ")");
        }
    }
}

// ---- GetLog (feature `security-log`): the upload slot shared with GetDiagnostics ------------

/// What a GetLog asks to upload (the handler is in `security/security_log.rs`).
#[cfg(feature = "security-log")]
pub(super) struct LogUpload {
    pub(super) log_type: crate::messages::LogType,
    pub(super) request_id: i32,
    pub(super) location: TransferLocation,
    pub(super) oldest: Option<DateTime>,
    pub(super) latest: Option<DateTime>,
    pub(super) retries: Option<i32>,
    pub(super) retry_interval: Option<i32>,
}

#[cfg(feature = "security-log")]
impl<S: Station> ChargePoint<S> {
    /// Takes the upload slot for a GetLog. One already there (running, or waiting for a retry)
    /// is cancelled: AcceptedCanceled; a cancelled GetDiagnostics reports UploadFailed, a
    /// cancelled GetLog UploadFailure (with its requestId) once it had reported Uploading, so
    /// every request the Central System tracks ends.
    pub(super) fn start_log_upload(
        &mut self,
        now: Instant,
        req: LogUpload,
    ) -> (crate::messages::LogStatus, CiString255) {
        use crate::messages::{LogStatus, LogType, UploadLogStatus};
        let status = match self.firmware.upload.take() {
            None => LogStatus::Accepted,
            Some(old) => {
                warn!("GetLog while an upload runs: it is cancelled");
                if old.running {
                    self.firmware.cancelling = true;
                }
                match old.request {
                    None => {
                        self.firmware_notice(Notice::Diagnostics(DiagnosticsStatus::UploadFailed))
                    }
                    Some((_, id)) if old.reported => {
                        self.firmware_notice(Notice::Log(UploadLogStatus::UploadFailure, id))
                    }
                    Some(_) => {}
                }
                LogStatus::AcceptedCanceled
            }
        };
        let what = match req.log_type {
            LogType::DiagnosticsLog => "diagnostics",
            LogType::SecurityLog => "securitylog",
        };
        let file_name = self.log_file_name(now, what);
        info!(
            "GetLog ",
            req.log_type,
            " (",
            req.request_id,
            ") to ",
            req.location.as_str()
        );
        self.firmware.upload = Some(Upload {
            location: req.location,
            file_name: file_name.clone(),
            start_time: req.oldest,
            stop_time: req.latest,
            running: false,
            due: now,
            retries_left: retries(req.retries),
            retry_interval: interval(req.retry_interval),
            reported: false,
            request: Some((req.log_type, req.request_id)),
        });
        (status, file_name)
    }

    /// Whether the platform should stop the running job of `kind` (a GetLog replaced the
    /// upload): check it from the transfer's progress callback. Its result is ignored anyway.
    pub fn transfer_cancelled(&self, kind: TransferKind) -> bool {
        kind == TransferKind::Upload && self.firmware.cancelling
    }

    /// What a triggered LogStatusNotification reports: the running GetLog's Uploading and
    /// requestId, else Idle without one.
    pub(super) fn log_upload_status(&self) -> (crate::messages::UploadLogStatus, Option<i32>) {
        use crate::messages::UploadLogStatus;
        match self.firmware.upload.as_ref().and_then(|u| u.request) {
            Some((_, id)) => (UploadLogStatus::Uploading, Some(id)),
            None => (UploadLogStatus::Idle, None),
        }
    }
}
