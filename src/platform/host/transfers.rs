//! The host's half of Firmware Management: the engine's [`TransferJob`]s run on a thread of
//! their own ("ocpp-transfer"), so a download never blocks the OCPP loop; each result goes
//! back to the engine under its lock ([`ChargePoint::transfer_finished`]).
//!
//! Files, in [`HostConfig::firmware_dir`](super::HostConfig) (default: a directory under the
//! system's temporary directory, per process):
//! - `firmware.bin`: the last image downloaded (written as `firmware.part`, renamed when
//!   complete);
//! - `installed.bin`: the image "installed" (the host cannot flash itself: the install copies
//!   the image there, then the session restarts as after a Reset and Installed is reported
//!   after the new BootNotification).
//!
//! Diagnostics upload [`HostConfig::diagnostics_file`](super::HostConfig) when set, else the
//! host's recent events, one line each. GetLog (feature `security-log`): a DiagnosticsLog is
//! the same; a SecurityLog is the engine's security log (its selected lines, read when the job
//! starts). A GetLog that replaces a running upload cancels it through the progress callback
//! ([`ChargePoint::transfer_cancelled`]).

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread;

use log::{info, warn};

use super::http::HttpTransport;
use crate::engine::{ChargePoint, Station, TransferError, TransferJob, TransferKind};
use crate::transfer::{DownloadSink, Progress, Transport, UploadSource};

pub use crate::transfer::InstallDecision;

/// Called with the downloaded image's path before it is installed (on the transfer thread).
#[derive(Clone)]
pub struct FirmwareHandler(pub Arc<dyn Fn(&Path) -> InstallDecision + Send + Sync>);

impl std::fmt::Debug for FirmwareHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FirmwareHandler")
    }
}

/// The application's diagnostics, read on the transfer thread for each upload attempt: None
/// to upload the default instead, `Err` to fail the attempt.
#[derive(Clone)]
#[allow(clippy::type_complexity)]
pub struct DiagnosticsSource(pub Arc<dyn Fn() -> Option<Result<Vec<u8>, ()>> + Send + Sync>);

impl std::fmt::Debug for DiagnosticsSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DiagnosticsSource")
    }
}

pub(super) const IMAGE: &str = "firmware.bin";
pub(super) const PART: &str = "firmware.part";
pub(super) const INSTALLED: &str = "installed.bin";

/// The default directory: per process, so concurrent charge points do not share an image.
pub(super) fn default_dir() -> PathBuf {
    std::env::temp_dir().join(format!("zephyr-ocpp-firmware-{}", std::process::id()))
}

/// A download into `<dir>/firmware.part`, renamed `firmware.bin` when complete.
struct FileSink {
    dir: PathBuf,
    file: Option<File>,
}

impl DownloadSink for FileSink {
    fn begin(&mut self, _: Option<u64>) -> Result<(), TransferError> {
        fs::create_dir_all(&self.dir).map_err(|_| TransferError::Io)?;
        self.file = Some(File::create(self.dir.join(PART)).map_err(|_| TransferError::Io)?);
        Ok(())
    }
    fn write(&mut self, chunk: &[u8]) -> Result<(), TransferError> {
        let file = self.file.as_mut().ok_or(TransferError::Io)?;
        file.write_all(chunk).map_err(|e| match e.kind() {
            std::io::ErrorKind::StorageFull => TransferError::SinkFull,
            _ => TransferError::Io,
        })
    }
    fn finish(&mut self) -> Result<(), TransferError> {
        let file = self.file.take().ok_or(TransferError::Io)?;
        file.sync_all().map_err(|_| TransferError::Io)?;
        fs::rename(self.dir.join(PART), self.dir.join(IMAGE)).map_err(|_| TransferError::Io)
    }
}

/// An upload of a file's or a buffer's bytes.
struct BytesSource {
    bytes: Vec<u8>,
    at: usize,
}

impl UploadSource for BytesSource {
    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransferError> {
        let left = self.bytes.get(self.at..).unwrap_or_default();
        let n = left.len().min(buf.len());
        buf.get_mut(..n)
            .ok_or(TransferError::Io)?
            .copy_from_slice(left.get(..n).unwrap_or_default());
        self.at += n;
        Ok(n)
    }
}

/// A job as the transfer thread gets it: diagnostics already collected.
#[allow(clippy::large_enum_variant)]
pub(super) enum Work {
    Job(TransferJob, Option<Vec<u8>>),
    /// SignedUpdateFirmware: what the downloaded image is verified with.
    #[cfg(feature = "signed-firmware")]
    Verify(VerifyInput),
}

/// Hands a job's result to the engine; `true`: restart the session (after an install).
pub(super) type Report = dyn Fn(TransferKind, Result<u64, TransferError>, bool) + Send;

/// What the transfer thread needs; results go to `report` (which locks the engine).
pub(super) struct TransferThread {
    pub(super) dir: PathBuf,
    pub(super) handler: Option<FirmwareHandler>,
    pub(super) diagnostics: Option<DiagnosticsSource>,
    pub(super) transport: HttpTransport,
    /// The engine is still wanted (false: shutting down; the running transfer is cancelled).
    pub(super) alive: Box<dyn Fn() -> bool + Send>,
    /// The engine wants the running job of this kind stopped (a GetLog replaced the upload).
    pub(super) cancelled: Box<dyn Fn(TransferKind) -> bool + Send>,
    /// Hands a result to the engine; `restart` asks the IO thread for a new session (after an
    /// install, as a reboot would).
    pub(super) report: Box<Report>,
}

impl TransferThread {
    /// Spawns the thread; jobs go in through the returned sender (dropping it ends the thread).
    pub(super) fn spawn(self) -> Option<Sender<Work>> {
        let (tx, rx) = mpsc::channel();
        match thread::Builder::new()
            .name("ocpp-transfer".into())
            .spawn(move || self.run(rx))
        {
            Ok(_) => Some(tx),
            Err(e) => {
                warn!("cannot spawn the transfer thread: {e}");
                None
            }
        }
    }

    fn run(mut self, rx: Receiver<Work>) {
        while let Ok(work) = rx.recv() {
            if !(self.alive)() {
                break;
            }
            let (job, diagnostics) = match work {
                Work::Job(job, diagnostics) => (job, diagnostics),
                #[cfg(feature = "signed-firmware")]
                Work::Verify(input) => {
                    let result = self.verify(&input);
                    (self.report)(TransferKind::Verify, result, false);
                    continue;
                }
            };
            let started = std::time::Instant::now();
            let (kind, result, restart) = match job {
                TransferJob::Download { location } => {
                    (TransferKind::Download, self.download(&location), false)
                }
                #[cfg(feature = "security-log")]
                TransferJob::Upload {
                    location,
                    file_name,
                    log: crate::messages::LogType::SecurityLog,
                    ..
                } => {
                    let bytes = diagnostics.unwrap_or_default();
                    (
                        TransferKind::Upload,
                        self.upload(&location, &file_name, bytes),
                        false,
                    )
                }
                TransferJob::Upload {
                    location,
                    file_name,
                    ..
                } => {
                    let own = self.diagnostics.as_ref().and_then(|source| (source.0)());
                    let result = match own {
                        Some(Err(())) => Err(TransferError::Io),
                        Some(Ok(bytes)) => self.upload(&location, &file_name, bytes),
                        None => self.upload(&location, &file_name, diagnostics.unwrap_or_default()),
                    };
                    (TransferKind::Upload, result, false)
                }
                TransferJob::Install => {
                    let result = self.install();
                    let restart = result.is_ok();
                    (TransferKind::Install, result, restart)
                }
                #[cfg(feature = "signed-firmware")]
                TransferJob::Verify => (TransferKind::Verify, Err(TransferError::Io), false),
            };
            let secs = started.elapsed().as_secs_f64();
            match &result {
                Ok(bytes) if kind != TransferKind::Install => info!(
                    "{kind:?}: {bytes} bytes in {secs:.3} s ({:.1} MB/s)",
                    *bytes as f64 / secs.max(1e-6) / 1e6
                ),
                Ok(_) => info!("{kind:?} done"),
                Err(e) => warn!("{kind:?} failed after {secs:.3} s: {e}"),
            }
            (self.report)(kind, result, restart);
        }
    }

    fn download(&mut self, location: &str) -> Result<u64, TransferError> {
        let mut sink = FileSink {
            dir: self.dir.clone(),
            file: None,
        };
        let alive = &self.alive;
        self.transport
            .download(location, &mut sink, &mut |_: Progress| alive())
    }

    fn upload(&mut self, location: &str, name: &str, bytes: Vec<u8>) -> Result<u64, TransferError> {
        let mut source = BytesSource { bytes, at: 0 };
        let (alive, cancelled) = (&self.alive, &self.cancelled);
        self.transport
            .upload(location, name, &mut source, &mut |_: Progress| {
                alive() && !cancelled(TransferKind::Upload)
            })
    }

    /// SignedUpdateFirmware: the downloaded image against its signature.
    #[cfg(feature = "signed-firmware")]
    fn verify(&self, input: &VerifyInput) -> Result<u64, TransferError> {
        let image = fs::read(self.dir.join(IMAGE)).map_err(|_| TransferError::Io)?;
        match verify_image(&image, input) {
            Ok(()) => {
                info!("firmware signature verified ({} bytes)", image.len());
                Ok(image.len() as u64)
            }
            Err(why) => {
                warn!("firmware signature: {why}");
                Err(TransferError::BadSignature)
            }
        }
    }

    /// The application decides first; the default copies the image to `installed.bin`.
    fn install(&self) -> Result<u64, TransferError> {
        let image = self.dir.join(IMAGE);
        let decision = self
            .handler
            .as_ref()
            .map_or(InstallDecision::Install, |h| (h.0)(&image));
        match decision {
            InstallDecision::Install => {}
            InstallDecision::Installed => return Ok(0),
            InstallDecision::Defer => return Err(TransferError::Deferred),
            InstallDecision::Refuse => return Err(TransferError::Cancelled),
        }
        let tmp = self.dir.join("installed.part");
        let bytes = fs::copy(&image, &tmp).map_err(|_| TransferError::Io)?;
        fs::rename(&tmp, self.dir.join(INSTALLED)).map_err(|_| TransferError::Io)?;
        Ok(bytes)
    }
}

/// Start-up after a stop in the middle of an install: the install counts as done when
/// `installed.bin` holds the downloaded image.
pub(super) fn check_boot<S: Station>(cp: &mut ChargePoint<S>, dir: &Path, now: crate::Instant) {
    if !cp.firmware_install_pending() {
        return;
    }
    let read = |name: &str| -> Option<Vec<u8>> {
        let mut bytes = Vec::new();
        File::open(dir.join(name))
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .ok()?;
        Some(bytes)
    };
    let installed = matches!((read(IMAGE), read(INSTALLED)), (Some(a), Some(b)) if a == b);
    info!("restarted during an install: installed = {installed}");
    cp.firmware_booted(now, installed);
}

/// The default diagnostics: `file` when given, else the recent events, one line each.
pub(super) fn diagnostics(file: Option<&Path>, recent: impl Iterator<Item = String>) -> Vec<u8> {
    if let Some(path) = file {
        match fs::read(path) {
            Ok(bytes) => return bytes,
            Err(e) => warn!(
                "diagnostics file {}: {e}; sending recent events",
                path.display()
            ),
        }
    }
    let mut out = String::from("# zephyr-ocpp host: recent events\n");
    for line in recent {
        out.push_str(&line);
        out.push('\n');
    }
    out.into_bytes()
}

/// Firmware Management settings of the host ([`HostConfig::firmware`](super::HostConfig)).
#[derive(Debug, Clone, Default)]
pub struct FirmwareConfig {
    /// Where images are downloaded and "installed"; None: a directory (under the system's
    /// temporary directory, per process).
    pub dir: Option<PathBuf>,
    /// The file GetDiagnostics uploads; None: the recent events.
    pub diagnostics_file: Option<PathBuf>,
    /// Asked before each install; None: install.
    pub handler: Option<FirmwareHandler>,
    /// The application's diagnostics, asked before each upload; None: `diagnostics_file` or
    /// the recent events.
    pub diagnostics: Option<DiagnosticsSource>,
}

impl FirmwareConfig {
    pub(super) fn dir(&self) -> PathBuf {
        self.dir.clone().unwrap_or_else(default_dir)
    }
}

impl<S: Station + Send + 'static> super::Shared<S> {
    /// Starts the transfer thread; it holds the engine weakly (the charge point's end ends it).
    pub(super) fn spawn_transfers(shared: &Arc<Self>, config: &FirmwareConfig) {
        let weak = Arc::downgrade(shared);
        let alive_weak = weak.clone();
        let cancel_weak = weak.clone();
        let thread = TransferThread {
            dir: config.dir(),
            handler: config.handler.clone(),
            diagnostics: config.diagnostics.clone(),
            transport: HttpTransport::default(),
            alive: Box::new(move || alive_weak.upgrade().is_some_and(|s| !s.stopped())),
            cancelled: Box::new(move |kind| {
                cancel_weak
                    .upgrade()
                    .is_some_and(|s| s.engine().transfer_cancelled_by(kind))
            }),
            report: Box::new(move |kind, result, restart| {
                let Some(shared) = weak.upgrade() else {
                    return;
                };
                {
                    let mut cp = shared.engine();
                    cp.transfer_finished(shared.now(), kind, result);
                    shared.collect(&mut cp);
                }
                if restart {
                    // As a reboot into the new image would: a new session and BootNotification;
                    // Installed is sent once it is accepted.
                    info!("firmware installed: restarting the session");
                    shared
                        .reset_due
                        .store(true, std::sync::atomic::Ordering::Release);
                }
            }),
        };
        *super::lock(&shared.transfers) = thread.spawn();
    }
}

impl<S: Station> super::Shared<S> {
    /// Hands the engine's due jobs to the transfer thread (engine locked, in `collect`).
    pub(super) fn start_transfers(&self, cp: &mut ChargePoint<S>) {
        let now = self.now();
        while let Some(job) = cp.poll_transfer(now) {
            let kind = match &job {
                TransferJob::Download { .. } => TransferKind::Download,
                TransferJob::Upload { .. } => TransferKind::Upload,
                TransferJob::Install => TransferKind::Install,
                #[cfg(feature = "signed-firmware")]
                TransferJob::Verify => TransferKind::Verify,
            };
            #[cfg(feature = "signed-firmware")]
            if kind == TransferKind::Verify {
                // What the image is verified with, copied while the engine is locked.
                let input = VerifyInput::of(cp);
                let sent = super::lock(&self.transfers)
                    .as_ref()
                    .is_some_and(|tx| tx.send(Work::Verify(input)).is_ok());
                if !sent {
                    warn!("no transfer thread: {kind:?} failed");
                    cp.transfer_finished(now, kind, Err(TransferError::Io));
                }
                continue;
            }
            if kind == TransferKind::Install {
                // The "Installing" record is stored before the install can restart anything.
                if let Some(store) = super::lock(&self.store).as_mut() {
                    store.sync(cp);
                }
            }
            #[cfg(feature = "security-log")]
            if let TransferJob::Upload {
                log: crate::messages::LogType::SecurityLog,
                start_time,
                stop_time,
                ..
            } = &job
            {
                // The security log as it is now, selected by the GetLog's time range.
                let mut bytes = vec![0u8; cp.security_log_len(*start_time, *stop_time)];
                let n = cp.read_security_log(*start_time, *stop_time, 0, &mut bytes);
                bytes.truncate(n);
                let sent = super::lock(&self.transfers)
                    .as_ref()
                    .is_some_and(|tx| tx.send(Work::Job(job, Some(bytes))).is_ok());
                if !sent {
                    warn!("no transfer thread: {kind:?} failed");
                    cp.transfer_finished(now, kind, Err(TransferError::Io));
                }
                continue;
            }
            let diagnostics = (kind == TransferKind::Upload).then(|| {
                let log = super::lock(&self.log);
                let recent = log
                    .recent
                    .iter()
                    .map(|r| format!("{} {:?}", r.seq, r.event));
                diagnostics(self.diagnostics_file.as_deref(), recent)
            });
            let sent = super::lock(&self.transfers)
                .as_ref()
                .is_some_and(|tx| tx.send(Work::Job(job, diagnostics)).is_ok());
            if !sent {
                warn!("no transfer thread: {kind:?} failed");
                cp.transfer_finished(now, kind, Err(TransferError::Io));
            }
        }
    }
}

/// [`ChargePoint::transfer_cancelled`] where the build has it (feature `security-log`).
trait CancelledBy {
    fn transfer_cancelled_by(&self, kind: TransferKind) -> bool;
}

impl<S: Station> CancelledBy for ChargePoint<S> {
    #[cfg(feature = "security-log")]
    fn transfer_cancelled_by(&self, kind: TransferKind) -> bool {
        self.transfer_cancelled(kind)
    }
    #[cfg(not(feature = "security-log"))]
    fn transfer_cancelled_by(&self, _: TransferKind) -> bool {
        false
    }
}

/// What a downloaded image is verified with (SignedUpdateFirmware), copied from the engine.
#[cfg(feature = "signed-firmware")]
pub(super) struct VerifyInput {
    certificate: Vec<u8>,
    signature: Vec<u8>,
    /// The installed ManufacturerRootCertificates (DER).
    roots: Vec<Vec<u8>>,
}

#[cfg(feature = "signed-firmware")]
impl VerifyInput {
    fn of<S: Station>(cp: &ChargePoint<S>) -> Self {
        let signed = cp.firmware_signature();
        Self {
            certificate: signed
                .map(|s| s.signing_certificate.to_vec())
                .unwrap_or_default(),
            signature: signed.map(|s| s.signature.to_vec()).unwrap_or_default(),
            roots: cp
                .installed_certificates(
                    crate::messages::CertificateUse::ManufacturerRootCertificate,
                )
                .map(<[u8]>::to_vec)
                .collect(),
        }
    }
}

/// The whitepaper's check of a signed image: the signing certificate is signed by one of the
/// manufacturer roots (SHA-256 with ECDSA or RSA PKCS#1 v1.5), and the image's signature
/// verifies with the signing certificate's key over the whole file: ECDSA P-256 with SHA-256
/// (ASN.1 DER or fixed r||s), or RSA with SHA-256 (PSS, as the whitepaper names it, or PKCS#1
/// v1.5). ECSchnorr, which the whitepaper also names, is not supported.
#[cfg(feature = "signed-firmware")]
pub(super) fn verify_image(image: &[u8], input: &VerifyInput) -> Result<(), &'static str> {
    use crate::x509::Certificate;
    let cert = Certificate::parse(&input.certificate)
        .map_err(|_| "the signing certificate does not parse")?;
    let by_root = input
        .roots
        .iter()
        .filter_map(|r| Certificate::parse(r).ok())
        .filter(|root| root.subject.der == cert.issuer.der)
        .any(|root| certificate_signed_by(&cert, &root));
    if !by_root {
        return Err("the signing certificate is not signed by a ManufacturerRootCertificate");
    }
    match image_signed_by(&cert, image, &input.signature) {
        true => Ok(()),
        false => Err("the image's signature does not verify with the signing certificate"),
    }
}

#[cfg(feature = "signed-firmware")]
fn certificate_signed_by(
    cert: &crate::x509::Certificate<'_>,
    root: &crate::x509::Certificate<'_>,
) -> bool {
    use crate::x509::oid;
    use ring::signature as sig;
    let algorithm: &'static dyn sig::VerificationAlgorithm = match cert.signature_algorithm {
        oid::ECDSA_WITH_SHA256 => &sig::ECDSA_P256_SHA256_ASN1,
        oid::SHA256_WITH_RSA => &sig::RSA_PKCS1_2048_8192_SHA256,
        _ => return false,
    };
    sig::UnparsedPublicKey::new(algorithm, root.public_key.key)
        .verify(cert.tbs, cert.signature)
        .is_ok()
}

#[cfg(feature = "signed-firmware")]
fn image_signed_by(cert: &crate::x509::Certificate<'_>, image: &[u8], signature: &[u8]) -> bool {
    use crate::x509::oid;
    use ring::signature as sig;
    let key = &cert.public_key;
    let candidates: &[&'static dyn sig::VerificationAlgorithm] = match key.algorithm {
        oid::EC_PUBLIC_KEY if key.parameters.is_some_and(|p| p.contents == oid::SECP256R1) => {
            &[&sig::ECDSA_P256_SHA256_ASN1, &sig::ECDSA_P256_SHA256_FIXED]
        }
        oid::RSA_ENCRYPTION => &[
            &sig::RSA_PSS_2048_8192_SHA256,
            &sig::RSA_PKCS1_2048_8192_SHA256,
        ],
        _ => return false,
    };
    candidates.iter().any(|algorithm| {
        sig::UnparsedPublicKey::new(*algorithm, key.key)
            .verify(image, signature)
            .is_ok()
    })
}

#[cfg(all(test, feature = "signed-firmware"))]
mod tests {
    //! The host's signature check against Python `cryptography`: ECDSA P-256 and RSA (PSS and
    //! PKCS#1 v1.5) signing keys under EC and RSA roots; a wrong image, a wrong root, a
    //! certificate the root did not sign.
    use super::*;

    const GENERATE: &str = r#"
import datetime, json
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, padding

utc = datetime.timezone.utc
def cert(cn, key, issuer_name, issuer_key, ca):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    c = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name or name)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(datetime.datetime(2024, 1, 1, tzinfo=utc))
         .not_valid_after(datetime.datetime(2049, 1, 1, tzinfo=utc))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .sign(issuer_key or key, hashes.SHA256()))
    return c, name
der = lambda c: c.public_bytes(serialization.Encoding.DER).hex()
image = b"the image" * 1000
ec_root_key = ec.generate_private_key(ec.SECP256R1())
ec_root, ec_root_name = cert("EC Root", ec_root_key, None, None, True)
rsa_root_key = rsa.generate_private_key(65537, 2048)
rsa_root, rsa_root_name = cert("RSA Root", rsa_root_key, None, None, True)
ec_key = ec.generate_private_key(ec.SECP256R1())
ec_signing, _ = cert("EC Signing", ec_key, rsa_root_name, rsa_root_key, False)
rsa_key = rsa.generate_private_key(65537, 2048)
rsa_signing, _ = cert("RSA Signing", rsa_key, ec_root_name, ec_root_key, False)
pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
print(json.dumps({
    "image": image.hex(), "ec_root": der(ec_root), "rsa_root": der(rsa_root),
    "ec_signing": der(ec_signing), "rsa_signing": der(rsa_signing),
    "ecdsa": ec_key.sign(image, ec.ECDSA(hashes.SHA256())).hex(),
    "pss": rsa_key.sign(image, pss, hashes.SHA256()).hex(),
    "pkcs1": rsa_key.sign(image, padding.PKCS1v15(), hashes.SHA256()).hex(),
}))
"#;

    fn hex(v: &serde_json::Value, key: &str) -> Vec<u8> {
        let text = v[key].as_str().unwrap();
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn images_verify_with_ecdsa_and_rsa_signing_keys_under_their_root() {
        let out = std::process::Command::new("python3")
            .args(["-c", GENERATE])
            .output()
            .expect("python3 with `cryptography`");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let image = hex(&v, "image");
        let input = |signing: &str, signature: &str, root: &str| VerifyInput {
            certificate: hex(&v, signing),
            signature: hex(&v, signature),
            roots: vec![hex(&v, root)],
        };
        // An EC signing certificate under an RSA root, and an RSA one under an EC root.
        assert_eq!(
            verify_image(&image, &input("ec_signing", "ecdsa", "rsa_root")),
            Ok(())
        );
        assert_eq!(
            verify_image(&image, &input("rsa_signing", "pss", "ec_root")),
            Ok(())
        );
        assert_eq!(
            verify_image(&image, &input("rsa_signing", "pkcs1", "ec_root")),
            Ok(())
        );
        let mut other = image.clone();
        other[0] ^= 1;
        assert!(verify_image(&other, &input("ec_signing", "ecdsa", "rsa_root")).is_err());
        assert!(verify_image(&image, &input("ec_signing", "pss", "rsa_root")).is_err());
        // The root that signed the certificate is required.
        assert!(verify_image(&image, &input("ec_signing", "ecdsa", "ec_root")).is_err());
        let none = VerifyInput {
            roots: vec![],
            ..input("ec_signing", "ecdsa", "rsa_root")
        };
        assert!(verify_image(&image, &none).is_err());
    }
}
