//! SignedUpdateFirmware / SignedFirmwareStatusNotification (feature `signed-firmware`): the
//! whitepaper's secure firmware update on Firmware Management's update state machine
//! (firmware.rs: same phases, retries, the `fw` record), with a signature step between
//! Downloaded and Installing.
//!
//! - On receipt (no crypto): the signing certificate (PEM, read from the frame without copying
//!   the text) must parse as X.509, be within its validity when the wall clock is set, and be
//!   issued by (issuer = subject of) an installed ManufacturerRootCertificate; otherwise
//!   InvalidCertificate and the security event InvalidFirmwareSigningCertificate. Its DER
//!   (at most `CONFIG_OCPP_FIRMWARE_SIGNING_CERT_MAX` bytes) and the decoded signature are kept
//!   with the update and stored. A signature that is not base64 (or longer than the schema's
//!   800 characters) is Rejected. An update waiting for its retrieveDateTime or a retry is
//!   replaced (AcceptedCanceled); one that downloads, verifies or installs cannot be cancelled:
//!   Rejected.
//! - After the download the platform gets [`TransferJob::Verify`]: it checks the signing
//!   certificate's signature with the manufacturer root's key and the image's signature
//!   (SHA-256; RSA or ECDSA P-256 as the signing key says) over the whole file
//!   ([`ChargePoint::firmware_signature`], [`ChargePoint::installed_certificates`]). `Ok`:
//!   SignatureVerified, then the install at installDateTime (at once when absent or passed)
//!   once no transaction runs; `Err`: InvalidSignature and the security event
//!   InvalidFirmwareSignature; nothing is installed.
//! - Every status goes as a SignedFirmwareStatusNotification with the request's requestId.

use super::super::firmware::{Notice, Phase, Update};
use super::super::*;
use crate::capacity::{DEFAULT_TRANSFER_RETRIES, DEFAULT_TRANSFER_RETRY_INTERVAL};
use crate::json::Cursor;
use crate::messages::{
    CertificateUse, SecurityEventType, SignedFirmwareStatus, SignedUpdateFirmwareResponse,
    UpdateFirmwareStatus, FIRMWARE_SIGNATURE_BASE64_MAX, SIGNING_CERTIFICATE_PEM_MAX,
};
use crate::x509::{self, Certificate};

/// Bytes of a signing certificate's DER kept with an update.
pub(in crate::engine) const SIGNING_CERT_MAX: usize = crate::capacity::FIRMWARE_SIGNING_CERT_MAX;
/// Bytes of a decoded signature (800 base64 characters).
pub(in crate::engine) const SIGNATURE_MAX: usize = FIRMWARE_SIGNATURE_BASE64_MAX / 4 * 3;

/// What a SignedUpdateFirmware adds to an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::engine) struct SignedParts {
    pub(in crate::engine) request_id: i32,
    pub(in crate::engine) install_at: Option<DateTime>,
    pub(in crate::engine) certificate: Vec<u8, SIGNING_CERT_MAX>,
    pub(in crate::engine) signature: Vec<u8, SIGNATURE_MAX>,
    /// The platform verified the downloaded image.
    pub(in crate::engine) verified: bool,
}

/// The signing certificate and signature of the running signed update, for the platform's
/// verification ([`TransferJob::Verify`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirmwareSignature<'a> {
    /// DER of the certificate the image was signed with.
    pub signing_certificate: &'a [u8],
    /// The signature of the whole image (as decoded from base64).
    pub signature: &'a [u8],
}

/// The signed part of the `fw` record: tag, requestId, installDateTime, certificate, signature.
pub(in crate::engine) const SIGNED_RECORD: usize =
    1 + 4 + 9 + 2 + SIGNING_CERT_MAX + 2 + SIGNATURE_MAX;

pub(in crate::engine) fn encode_signed(
    w: &mut super::super::queue::Writer,
    signed: Option<&SignedParts>,
) {
    let Some(s) = signed else {
        w.u8(0);
        return;
    };
    w.u8(1);
    w.i32(s.request_id);
    match s.install_at {
        Some(t) => {
            w.u8(1);
            w.u64(t.unix_ms as u64);
        }
        None => w.u8(0),
    }
    w.u16(s.certificate.len() as u16);
    w.bytes(&s.certificate);
    w.u16(s.signature.len() as u16);
    w.bytes(&s.signature);
}

/// The signed part of a stored update (a record without one: unsigned). Verified again after
/// the new download unless the install was under way.
pub(in crate::engine) fn decode_signed(
    r: &mut super::super::queue::Reader,
    installing: bool,
) -> Option<Option<SignedParts>> {
    match r.u8() {
        None | Some(0) => return Some(None),
        Some(1) => {}
        Some(_) => return None,
    }
    let request_id = r.i32()?;
    let install_at = match r.u8()? {
        0 => None,
        _ => Some(DateTime::from_unix_ms(r.u64()? as i64)),
    };
    let len = u16::from_le_bytes(r.take(2)?.try_into().ok()?);
    let certificate = Vec::from_slice(r.take(usize::from(len))?).ok()?;
    let len = u16::from_le_bytes(r.take(2)?.try_into().ok()?);
    let signature = Vec::from_slice(r.take(usize::from(len))?).ok()?;
    Some(Some(SignedParts {
        request_id,
        install_at,
        certificate,
        signature,
        verified: installing,
    }))
}

/// The SignedFirmwareStatus of a Firmware Management status.
pub(in crate::engine) fn signed_status(status: FirmwareStatus) -> SignedFirmwareStatus {
    use SignedFirmwareStatus as S;
    match status {
        FirmwareStatus::Downloaded => S::Downloaded,
        FirmwareStatus::DownloadFailed => S::DownloadFailed,
        FirmwareStatus::Downloading => S::Downloading,
        FirmwareStatus::Idle => S::Idle,
        FirmwareStatus::InstallationFailed => S::InstallationFailed,
        FirmwareStatus::Installing => S::Installing,
        FirmwareStatus::Installed => S::Installed,
    }
}

/// The Firmware Management status of a SignedFirmwareStatus, when it has one (the event).
pub(in crate::engine) fn plain_status(status: SignedFirmwareStatus) -> Option<FirmwareStatus> {
    use SignedFirmwareStatus as S;
    Some(match status {
        S::Downloaded => FirmwareStatus::Downloaded,
        S::DownloadFailed => FirmwareStatus::DownloadFailed,
        S::Downloading => FirmwareStatus::Downloading,
        S::Idle => FirmwareStatus::Idle,
        S::InstallationFailed | S::InvalidSignature | S::InstallVerificationFailed => {
            FirmwareStatus::InstallationFailed
        }
        S::Installing => FirmwareStatus::Installing,
        S::Installed => FirmwareStatus::Installed,
        _ => return None,
    })
}

/// A SignedUpdateFirmware payload as read from the frame: the certificate and the signature
/// are the raw JSON text (escapes left in).
struct SignedUpdateView<'a> {
    retries: Option<i32>,
    retry_interval: Option<i32>,
    request_id: i32,
    location: TransferLocation,
    retrieve: DateTime,
    install: Option<DateTime>,
    pem: &'a str,
    signature: &'a str,
}

const TYPE: ErrorCode = ErrorCode::TypeConstraintViolation;
const PROPERTY: ErrorCode = ErrorCode::PropertyConstraintViolation;
const OCCURRENCE: ErrorCode = ErrorCode::OccurenceConstraintViolation;

fn set<T>(slot: &mut Option<T>, value: T) -> Result<(), ErrorCode> {
    match slot.replace(value) {
        Some(_) => Err(OCCURRENCE),
        None => Ok(()),
    }
}

fn int(c: &mut Cursor<'_>) -> Result<i32, ErrorCode> {
    if !matches!(c.peek(), Some(b'-' | b'0'..=b'9')) {
        return Err(TYPE);
    }
    let value = c.integer().map_err(|_| TYPE)?;
    i32::try_from(value).map_err(|_| PROPERTY)
}

fn text<'a>(c: &mut Cursor<'a>) -> Result<(&'a [u8], bool), ErrorCode> {
    if c.peek() != Some(b'"') {
        return Err(TYPE);
    }
    c.checked_string().map_err(|_| TYPE)
}

fn date_time(c: &mut Cursor<'_>, scratch: &mut [u8]) -> Result<DateTime, ErrorCode> {
    let raw = text(c)?;
    let text = crate::codec::unescape(raw, scratch)?;
    DateTime::parse(text).map_err(|_| PROPERTY)
}

/// The raw text of a big string member, bounded by its unescaped length.
fn raw_text<'a>(c: &mut Cursor<'a>, max: usize) -> Result<&'a str, ErrorCode> {
    let (raw, _) = text(c)?;
    let raw = core::str::from_utf8(raw).map_err(|_| TYPE)?;
    let count = super::unescaped_chars(raw)?;
    match count > max {
        true => Err(PROPERTY),
        false => Ok(raw),
    }
}

/// Calls `each(name, cursor)` for every member of the object whose `{` was just read, then
/// reads its `}`.
fn each_member<'a>(
    c: &mut Cursor<'a>,
    mut each: impl FnMut(&'a [u8], &mut Cursor<'a>) -> Result<(), ErrorCode>,
) -> Result<(), ErrorCode> {
    if c.peek() != Some(b'}') {
        loop {
            let (name, _) = c.checked_string().map_err(|_| TYPE)?;
            c.expect(b':').map_err(|_| TYPE)?;
            each(name, c)?;
            if c.expect(b',').is_err() {
                break;
            }
        }
    }
    c.expect(b'}').map_err(|_| TYPE)
}

/// Reads a SignedUpdateFirmware payload (syntax-checked by the framing) without copying the
/// certificate. CALLERROR codes as the table codec's.
fn read_signed_update<'a>(
    payload: &'a [u8],
    scratch: &mut [u8],
) -> Result<SignedUpdateView<'a>, ErrorCode> {
    let mut c = Cursor::new(payload);
    c.expect(b'{').map_err(|_| TYPE)?;
    let (mut retries, mut retry_interval, mut request_id) = (None, None, None);
    let (mut location, mut retrieve, mut install, mut pem, mut signature) =
        (None, None, None, None, None);
    let mut firmware = false;
    each_member(&mut c, |name, c| match name {
        b"retries" => set(&mut retries, int(c)?),
        b"retryInterval" => set(&mut retry_interval, int(c)?),
        b"requestId" => set(&mut request_id, int(c)?),
        b"firmware" => {
            if core::mem::replace(&mut firmware, true) {
                return Err(OCCURRENCE);
            }
            if c.peek() != Some(b'{') {
                return Err(TYPE);
            }
            c.expect(b'{').map_err(|_| TYPE)?;
            each_member(c, |name, c| match name {
                b"location" => {
                    let raw = text(c)?;
                    let text = crate::codec::unescape(raw, scratch)?;
                    let value = TransferLocation::try_from_str(text).map_err(|_| PROPERTY)?;
                    set(&mut location, value)
                }
                b"retrieveDateTime" => set(&mut retrieve, date_time(c, scratch)?),
                b"installDateTime" => set(&mut install, date_time(c, scratch)?),
                b"signingCertificate" => set(&mut pem, raw_text(c, SIGNING_CERTIFICATE_PEM_MAX)?),
                b"signature" => set(&mut signature, raw_text(c, FIRMWARE_SIGNATURE_BASE64_MAX)?),
                _ => c.skip_value().map(drop).map_err(|_| TYPE),
            })
        }
        _ => c.skip_value().map(drop).map_err(|_| TYPE),
    })?;
    match (request_id, location, retrieve, pem, signature) {
        (Some(request_id), Some(location), Some(retrieve), Some(pem), Some(signature)) => {
            Ok(SignedUpdateView {
                retries,
                retry_interval,
                request_id,
                location,
                retrieve,
                install,
                pem,
                signature,
            })
        }
        _ => Err(OCCURRENCE),
    }
}

/// Decodes the base64 signature from its raw JSON text (`\/` and the whitespace escapes
/// allowed) into `out`; false when it is not base64 (or empty).
fn decode_signature(raw: &str, out: &mut Vec<u8, SIGNATURE_MAX>) -> bool {
    let mut plain = [0u8; FIRMWARE_SIGNATURE_BASE64_MAX];
    let mut len = 0;
    let mut bytes = raw.bytes();
    while let Some(b) = bytes.next() {
        let b = match b {
            b'\\' => match bytes.next() {
                Some(b'/') => b'/',
                Some(b'n' | b'r' | b't') => continue,
                _ => return false,
            },
            b => b,
        };
        let Some(slot) = plain.get_mut(len) else {
            return false;
        };
        *slot = b;
        len += 1;
    }
    let Some(text) = plain.get(..len).and_then(|t| core::str::from_utf8(t).ok()) else {
        return false;
    };
    out.clear();
    let _ = out.resize_default(SIGNATURE_MAX);
    match x509::base64_decode(text, out) {
        Ok(n) if n > 0 => {
            out.truncate(n);
            true
        }
        _ => false,
    }
}

impl<S: Station> ChargePoint<S> {
    #[inline(never)]
    pub(in crate::engine) fn handle_signed_update_firmware(
        &mut self,
        mut call: Incoming,
    ) -> Answer {
        let req = read_signed_update(call.io.payload(), call.scratch)?;
        if req.retries.is_some_and(|r| r < 0) || req.retry_interval.is_some_and(|r| r < 0) {
            return Err(ErrorCode::PropertyConstraintViolation);
        }
        let status = self.on_signed_update_firmware(call.now, req);
        Ok(crate::codec::write_call_result(
            call.io.reply(),
            call.id,
            &SignedUpdateFirmwareResponse { status },
        ))
    }

    /// The new update is built in place (its certificate decoded straight into the update
    /// slot, so a 2 KB certificate is never copied on the stack); one waiting for its
    /// retrieveDateTime is set aside meanwhile and put back when the new one is refused.
    fn on_signed_update_firmware(
        &mut self,
        now: Instant,
        req: SignedUpdateView<'_>,
    ) -> UpdateFirmwareStatus {
        if let Some(u) = self
            .firmware
            .update
            .as_ref()
            .filter(|u| u.phase != Phase::Waiting)
        {
            warn!("SignedUpdateFirmware refused: an update is ", u.phase);
            return UpdateFirmwareStatus::Rejected;
        }
        let waiting = self.firmware.update.take();
        let due = self.instant_of(now, req.retrieve);
        info!(
            "SignedUpdateFirmware ",
            req.request_id,
            " of ",
            req.location.as_str(),
            " at ",
            req.retrieve
        );
        self.firmware.update = Some(Update {
            phase: Phase::Waiting,
            location: req.location,
            due,
            retrieve_date: req.retrieve,
            retries_left: req
                .retries
                .map_or(DEFAULT_TRANSFER_RETRIES as u32, |r| r.max(0) as u32),
            retry_interval: req
                .retry_interval
                .map_or(DEFAULT_TRANSFER_RETRY_INTERVAL as u32, |r| r.max(0) as u32),
            after_reboot: false,
            attempted: false,
            signed: Some(SignedParts {
                request_id: req.request_id,
                install_at: req.install,
                certificate: Vec::new(),
                signature: Vec::new(),
                verified: false,
            }),
        });
        let status = self.fill_signed(now, req.pem, req.signature);
        if status != UpdateFirmwareStatus::Accepted {
            self.firmware.update = waiting;
            return status;
        }
        self.store_changed(Record::Firmware);
        match waiting {
            Some(_) => UpdateFirmwareStatus::AcceptedCanceled,
            None => UpdateFirmwareStatus::Accepted,
        }
    }

    /// Decodes and checks the new update's certificate and signature in place.
    fn fill_signed(&mut self, now: Instant, pem: &str, signature: &str) -> UpdateFirmwareStatus {
        let Some(signed) = self
            .firmware
            .update
            .as_mut()
            .and_then(|u| u.signed.as_mut())
        else {
            return UpdateFirmwareStatus::Rejected;
        };
        let certificate = &mut signed.certificate;
        let _ = certificate.resize_default(SIGNING_CERT_MAX);
        let decoded = match x509::pem_to_der(pem, certificate) {
            Ok(len) => {
                certificate.truncate(len);
                Ok(())
            }
            Err(x509::X509Error::BufferTooSmall) => {
                Err("larger than CONFIG_OCPP_FIRMWARE_SIGNING_CERT_MAX")
            }
            Err(_) => Err("no PEM certificate"),
        };
        let signature_ok = decode_signature(signature, &mut signed.signature);
        let checked = decoded.and_then(|()| {
            let der = self
                .firmware
                .update
                .as_ref()
                .and_then(|u| u.signed.as_ref())
                .map_or(&[][..], |s| &s.certificate[..]);
            self.check_signing_certificate(now, der)
        });
        if let Err(why) = checked {
            warn!(
                "SignedUpdateFirmware: signing certificate refused (",
                why, ")"
            );
            let _ = self.record_security_event(
                now,
                SecurityEventType::InvalidFirmwareSigningCertificate,
                Some(why),
            );
            return UpdateFirmwareStatus::InvalidCertificate;
        }
        if !signature_ok {
            warn!("SignedUpdateFirmware: the signature is not base64");
            return UpdateFirmwareStatus::Rejected;
        }
        UpdateFirmwareStatus::Accepted
    }

    /// The checks without crypto: X.509, validity (when the clock is set), issued by an
    /// installed ManufacturerRootCertificate.
    fn check_signing_certificate(&self, now: Instant, der: &[u8]) -> Result<(), &'static str> {
        let cert = Certificate::parse(der).map_err(|_| "not an X.509 certificate")?;
        if let Some(wall) = self.wall_time(now) {
            if !cert.is_valid_at(wall) {
                return Err("outside its validity period");
            }
        }
        let issued = self
            .installed_certificates(CertificateUse::ManufacturerRootCertificate)
            .any(|root| Certificate::parse(root).is_ok_and(|r| r.subject.der == cert.issuer.der));
        match issued {
            true => Ok(()),
            false => Err("not issued by an installed ManufacturerRootCertificate"),
        }
    }

    /// What a triggered SignedFirmwareStatusNotification reports: the signed update's status
    /// and requestId, else Idle without one (a plain UpdateFirmware's status then, unsigned).
    pub(in crate::engine) fn signed_firmware_status(&self) -> (SignedFirmwareStatus, Option<i32>) {
        let status = signed_status(self.firmware_status());
        match self.firmware.update.as_ref() {
            Some(u) => match u.signed.as_ref() {
                Some(s) if s.verified && u.phase == Phase::Downloaded => {
                    (SignedFirmwareStatus::SignatureVerified, Some(s.request_id))
                }
                Some(s) => (status, Some(s.request_id)),
                None => (status, None),
            },
            None => (status, None),
        }
    }

    /// The running signed update's certificate and signature (while its Verify job runs, and
    /// before): what the platform verifies the downloaded image with.
    pub fn firmware_signature(&self) -> Option<FirmwareSignature<'_>> {
        let signed = self.firmware.update.as_ref()?.signed.as_ref()?;
        Some(FirmwareSignature {
            signing_certificate: &signed.certificate,
            signature: &signed.signature,
        })
    }

    pub(in crate::engine) fn verify_finished(
        &mut self,
        now: Instant,
        result: Result<u64, TransferError>,
    ) {
        let running = self
            .firmware
            .update
            .as_ref()
            .filter(|u| u.phase == Phase::Verifying)
            .and_then(|u| u.signed.as_ref())
            .map(|s| (s.request_id, s.install_at));
        let Some((id, install_at)) = running else {
            warn!("verification result without a verification running");
            return;
        };
        match result {
            Ok(_) => {
                info!("firmware signature verified");
                let due = install_at.map_or(now, |at| self.instant_of(now, at));
                if let Some(u) = self.firmware.update.as_mut() {
                    u.phase = Phase::Downloaded;
                    u.due = due;
                    if let Some(s) = u.signed.as_mut() {
                        s.verified = true;
                    }
                }
                self.firmware_notice(Notice::Signed(SignedFirmwareStatus::SignatureVerified, id));
            }
            Err(e) => {
                warn!("firmware signature invalid (", e, "): not installed");
                let _ = self.record_security_event(
                    now,
                    SecurityEventType::InvalidFirmwareSignature,
                    None,
                );
                self.end_update_with(
                    now,
                    Notice::Signed(SignedFirmwareStatus::InvalidSignature, id),
                );
            }
        }
    }
}
