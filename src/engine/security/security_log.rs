//! GetLog and the security log (feature `security-log`).
//!
//! - The security log: every security event [`ChargePoint::record_security_event`] records is
//!   also kept as one line, `<time> <type>[ <techInfo>]\n`, in a RAM ring of
//!   `CONFIG_OCPP_SECURITY_LOG_SIZE` bytes (the oldest lines dropped first), whether or not it
//!   could be queued for the Central System. The time is the wall clock's ISO 8601 text, or
//!   `+<ms>ms` after start when no clock was set. A platform uploads it with
//!   [`ChargePoint::security_log_len`] / [`ChargePoint::read_security_log`].
//! - GetLog.req: the upload takes the slot GetDiagnostics uses (firmware.rs; same retries, same
//!   [`TransferJob::Upload`] with `log` saying which one). SecurityLog uploads the lines between
//!   oldestTimestamp and latestTimestamp (lines without a wall-clock time are always included);
//!   DiagnosticsLog what GetDiagnostics uploads. An upload already there is cancelled:
//!   AcceptedCanceled. LogStatusNotification reports Uploading, then Uploaded or UploadFailure,
//!   with the request's requestId.

use super::super::firmware::LogUpload;
use super::super::*;
use crate::capacity::SECURITY_LOG_SIZE;
use crate::messages::{GetLogRequest, GetLogResponse, LogStatus, SecurityEventType};

/// Bytes of a line's time field: an ISO 8601 text as [`DateTime::to_text`] writes it.
const TIME_TEXT: usize = 24;

/// The security log's ring of lines ([`ChargePoint`] field `security_log`).
pub(in crate::engine) struct SecurityLog {
    bytes: Deque<u8, SECURITY_LOG_SIZE>,
}

impl SecurityLog {
    pub(in crate::engine) const fn new() -> Self {
        Self {
            bytes: Deque::new(),
        }
    }

    /// Appends `line` (ending in `\n`), dropping the oldest whole lines to make room.
    fn push_line(&mut self, line: &[u8]) {
        if line.len() > SECURITY_LOG_SIZE {
            return;
        }
        while SECURITY_LOG_SIZE - self.bytes.len() < line.len() {
            // Drop one whole line.
            while let Some(b) = self.bytes.pop_front() {
                if b == b'\n' {
                    break;
                }
            }
        }
        for &b in line {
            let _ = self.bytes.push_back(b);
        }
    }

    /// Feeds the bytes of the lines within `oldest..=latest` to `f` until it returns false.
    fn for_each_byte(
        &self,
        oldest: Option<DateTime>,
        latest: Option<DateTime>,
        mut f: impl FnMut(u8) -> bool,
    ) {
        let oldest = oldest.and_then(DateTime::to_text);
        let latest = latest.and_then(DateTime::to_text);
        let mut bytes = self.bytes.iter().copied().peekable();
        while bytes.peek().is_some() {
            // The line's first bytes decide whether it is selected.
            let mut head = [0u8; TIME_TEXT];
            let mut head_len = 0;
            let mut ended = false;
            while head_len < TIME_TEXT {
                match bytes.next() {
                    Some(b) => {
                        head[head_len] = b;
                        head_len += 1;
                        if b == b'\n' {
                            ended = true;
                            break;
                        }
                    }
                    None => break,
                }
            }
            let stamped = head_len == TIME_TEXT && head[0].is_ascii_digit();
            let selected =
                !stamped || (oldest.is_none_or(|o| head >= o) && latest.is_none_or(|l| head <= l));
            if selected {
                for &b in head.get(..head_len).unwrap_or_default() {
                    if !f(b) {
                        return;
                    }
                }
            }
            if !ended {
                for b in bytes.by_ref() {
                    if selected && !f(b) {
                        return;
                    }
                    if b == b'\n' {
                        break;
                    }
                }
            }
        }
    }
}

impl<S: Station> ChargePoint<S> {
    pub(in crate::engine) fn handle_get_log(&mut self, mut call: Incoming) -> Answer {
        let req = parse_payload::<GetLogRequest>(call.io.payload(), call.scratch)?;
        if req.retries.is_some_and(|r| r < 0) || req.retry_interval.is_some_and(|r| r < 0) {
            return Err(ErrorCode::PropertyConstraintViolation);
        }
        let response = self.on_get_log(call.now, req);
        Ok(crate::codec::write_call_result(
            call.io.reply(),
            call.id,
            &response,
        ))
    }

    fn on_get_log(&mut self, now: Instant, req: GetLogRequest) -> GetLogResponse {
        let (status, file_name) = self.start_log_upload(
            now,
            LogUpload {
                log_type: req.log_type,
                request_id: req.request_id,
                location: req.log.remote_location,
                oldest: req.log.oldest_timestamp,
                latest: req.log.latest_timestamp,
                retries: req.retries,
                retry_interval: req.retry_interval,
            },
        );
        GetLogResponse {
            status,
            filename: (status != LogStatus::Rejected).then_some(file_name),
        }
    }

    /// Keeps the event as a line of the security log.
    pub(in crate::engine) fn log_security_event(
        &mut self,
        now: Instant,
        kind: SecurityEventType,
        tech_info: Option<&str>,
    ) {
        const LINE: usize = TIME_TEXT + 1 + 50 + 1 + crate::capacity::SECURITY_TECH_INFO_MAX + 1;
        let mut line: heapless::String<LINE> = heapless::String::new();
        let _ = match self.wall_time(now).and_then(DateTime::to_text) {
            Some(text) => line
                .push_str(core::str::from_utf8(&text).unwrap_or(""))
                .map_err(|_| core::fmt::Error),
            None => write!(line, "+{}ms", now.as_millis()),
        };
        let _ = write!(line, " {kind}");
        if let Some(info) = tech_info {
            let _ = line.push(' ');
            for c in info.chars().take(crate::capacity::SECURITY_TECH_INFO_MAX) {
                // One event, one line.
                let c = if c.is_control() { ' ' } else { c };
                if line.push(c).is_err() {
                    break;
                }
            }
        }
        let _ = line.push('\n');
        if !line.ends_with('\n') {
            // Cut: keep the line a line.
            line.pop();
            let _ = line.push('\n');
        }
        self.security_log.push_line(line.as_bytes());
    }

    /// Bytes of the security log whose time is within `oldest..=latest` (each optional; lines
    /// without a wall-clock time are always included): the length of a SecurityLog upload.
    pub fn security_log_len(&self, oldest: Option<DateTime>, latest: Option<DateTime>) -> usize {
        let mut n = 0;
        self.security_log.for_each_byte(oldest, latest, |_| {
            n += 1;
            true
        });
        n
    }

    /// Copies the selected security log (as [`ChargePoint::security_log_len`]) from byte
    /// `offset` into `buf`; returns the bytes written (0 at the end). Lines recorded meanwhile
    /// are appended at the end; an upload reading chunk by chunk stops at the length it took
    /// at its start.
    pub fn read_security_log(
        &self,
        oldest: Option<DateTime>,
        latest: Option<DateTime>,
        offset: usize,
        buf: &mut [u8],
    ) -> usize {
        let mut at = 0usize;
        let mut n = 0usize;
        self.security_log.for_each_byte(oldest, latest, |b| {
            if at >= offset {
                match buf.get_mut(n) {
                    Some(slot) => {
                        *slot = b;
                        n += 1;
                    }
                    None => return false,
                }
            }
            at += 1;
            true
        });
        n
    }
}
