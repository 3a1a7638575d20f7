//! Zephyr's half of Firmware Management: the engine's [`TransferJob`]s run on the library's
//! transfer thread (`firmware.c`), so a download never blocks the OCPP connection.
//!
//! - Download: Zephyr's `http_client` streams the image straight into the MCUboot secondary slot
//!   (`flash_img`); nothing is held whole in RAM.
//! - Install: the application's handler decides (`ocpp_set_firmware_handler`); by default the
//!   library asks MCUboot for a test swap (`boot_request_upgrade`), waits briefly for the
//!   Installing notification to reach the Central System and reboots. After that boot,
//!   [`check_boot`] confirms the new image (`boot_write_img_confirmed`) and the engine reports
//!   Installed, or InstallationFailed when the old image still runs.
//! - Diagnostics: an HTTP PUT of the application's log (`ocpp_set_diagnostics_handler`), else of
//!   the library's recent log lines ([`record_log_line`]). GetLog (feature `security-log`): a
//!   DiagnosticsLog is the same; a SecurityLog is the engine's security log, read chunk by
//!   chunk under the engine's mutex. A GetLog replacing a running upload stops it from the
//!   progress callback ([`ChargePoint::transfer_cancelled`]).
//!
//! One job runs at a time; the job and its result cross between the threads under the port
//! mutex, in the platform's [`State`].

use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::logging::{info, warn};
use heapless::{Deque, String};

use super::{now, port, sleep_ms, Locked, State};
use crate::capacity::{DIAGNOSTICS_LOG_SIZE, FIRMWARE_LOCATION_MAX};
use crate::engine::{ChargePoint, Station, TransferError, TransferJob, TransferKind};
use crate::transfer::{DownloadSink, HttpUrl, InstallDecision, Progress, Transport, UploadSource};

/// Longest wait for the Installing notification to be answered before the reboot.
const NOTIFY_BEFORE_REBOOT_MS: u64 = 10_000;

/// The job handed to the transfer thread, under the port mutex.
pub(super) struct Mailbox {
    job: Option<TransferJob>,
    /// A job is waiting or running: the engine keeps its next one meanwhile.
    busy: bool,
}

impl Mailbox {
    pub(super) const fn new() -> Self {
        Self {
            job: None,
            busy: false,
        }
    }
}

/// The transfer thread's stack is static in the C port: it is started once.
static THREAD_STARTED: AtomicBool = AtomicBool::new(false);

/// Starts the transfer thread on the first launch.
pub(super) fn start_thread<S: Station + Send + 'static>(state: &'static State<S>) {
    if THREAD_STARTED.swap(true, Ordering::AcqRel) {
        return;
    }
    let arg = state as *const State<S> as *mut c_void;
    // SAFETY: `arg` points to a `'static` State<S>, which is what `transfer_main::<S>` expects.
    if unsafe { port::ocpp_port_start_transfer_thread(Some(transfer_main::<S>), arg) } != 0 {
        warn!("cannot start the transfer thread");
        THREAD_STARTED.store(false, Ordering::Release);
    }
}

/// Hands the engine's next due job to the transfer thread (engine locked, from `collect`).
pub(super) fn start_due<S: Station>(locked: &mut Locked<'_, S>) {
    if locked.inner().mailbox.busy || !THREAD_STARTED.load(Ordering::Acquire) {
        return;
    }
    let Some(job) = locked.engine().poll_transfer(now()) else {
        return;
    };
    let mailbox = &mut locked.inner().mailbox;
    mailbox.job = Some(job);
    mailbox.busy = true;
    super::kernel::notify_all();
}

/// Forgets a job of a previous launch (its engine is gone).
pub(super) fn reset(inner_mailbox: &mut Mailbox) {
    *inner_mailbox = Mailbox::new();
}

/// After the restore at start-up: an install was under way when the device restarted. The new
/// image runs when MCUboot swapped it in for a test boot: confirm it (Installed); otherwise the
/// old image runs (InstallationFailed).
pub(super) fn check_boot<S: Station>(cp: &mut ChargePoint<S>) {
    if !cp.firmware_install_pending() {
        return;
    }
    // SAFETY: plain call into the C port.
    let booted = unsafe { port::ocpp_port_image_confirm() };
    match booted {
        1 => info!("firmware update: the new image runs and is confirmed"),
        0 => warn!("firmware update: the previous image still runs"),
        e => warn!("firmware update: cannot confirm the image (", e, ")"),
    }
    cp.firmware_booted(now(), booted == 1);
}

extern "C" fn transfer_main<S: Station + Send + 'static>(arg: *mut c_void) {
    // SAFETY: `start_thread` passes a pointer to a `'static` State<S>.
    let state: &'static State<S> = unsafe { &*(arg as *const State<S>) };
    loop {
        let job = {
            let mut locked = Locked::new(state);
            loop {
                if let Some(job) = locked.inner().mailbox.job.take() {
                    break job;
                }
                // The engine's mutex is held (by `locked`), as the wait requires.
                let _ = super::kernel::wait(1_000);
            }
        };
        let (kind, result) = run(state, job);
        let mut locked = Locked::new(state);
        locked.inner().mailbox.busy = false;
        // The engine is gone when the platform was shut down meanwhile.
        if state.running.load(Ordering::Acquire) {
            if let Some(result) = result {
                locked.engine().transfer_finished(now(), kind, result);
            }
            locked.collect();
        }
    }
}

/// Carries out one job; `None`: no result to report (the device reboots into the new image).
fn run<S: Station>(
    state: &'static State<S>,
    job: TransferJob,
) -> (TransferKind, Option<Result<u64, TransferError>>) {
    let alive = || !state.stop.load(Ordering::Acquire);
    let mut http = ZephyrHttp;
    let started = now();
    let (kind, result) = match job {
        TransferJob::Download { location } => {
            let mut sink = SlotSink { written: 0 };
            let result = http.download(location.as_str(), &mut sink, &mut |_: Progress| alive());
            (TransferKind::Download, Some(result))
        }
        #[cfg(feature = "security-log")]
        TransferJob::Upload {
            location,
            file_name,
            start_time,
            stop_time,
            log: crate::messages::LogType::SecurityLog,
        } => {
            let (location, name) = (location.as_str(), file_name.as_str());
            let mut source = SecurityLogSource::take(state, start_time, stop_time);
            let go = || alive() && !upload_cancelled(state);
            let result = http.upload(location, name, &mut source, &mut |_| go());
            (TransferKind::Upload, Some(result))
        }
        TransferJob::Upload {
            location,
            file_name,
            ..
        } => {
            let (location, name) = (location.as_str(), file_name.as_str());
            #[cfg(feature = "security-log")]
            let alive = || alive() && !upload_cancelled(state);
            let result = match crate::ffi::application_log() {
                Some(mut own) => http.upload(location, name, &mut own, &mut |_| alive()),
                None => {
                    let mut recent = LogSnapshot::take();
                    let result = http.upload(location, name, &mut recent, &mut |_| alive());
                    LogSnapshot::release();
                    result
                }
            };
            (TransferKind::Upload, Some(result))
        }
        TransferJob::Install => (TransferKind::Install, install(state)),
        #[cfg(feature = "signed-firmware")]
        TransferJob::Verify => (TransferKind::Verify, Some(signature::verify(state))),
    };
    let ms = now().millis_since(started);
    match &result {
        Some(Ok(bytes)) => info!(kind, ": ", bytes, " bytes in ", ms, " ms"),
        Some(Err(e)) => warn!(kind, " failed after ", ms, " ms: ", e),
        None => {}
    }
    (kind, result)
}

/// The application decides; by default MCUboot swaps the image in on a reboot.
fn install<S: Station>(state: &'static State<S>) -> Option<Result<u64, TransferError>> {
    match crate::ffi::install_decision(None) {
        InstallDecision::Install => {}
        InstallDecision::Installed => return Some(Ok(0)),
        InstallDecision::Defer => return Some(Err(TransferError::Deferred)),
        InstallDecision::Refuse => return Some(Err(TransferError::Cancelled)),
    }
    // SAFETY: plain call into the C port.
    let requested = unsafe { port::ocpp_port_image_request_upgrade(false) };
    if requested != 0 {
        warn!(
            "firmware install: the upgrade request failed (",
            requested, ")"
        );
        return Some(Err(TransferError::Io));
    }
    // The Installing record is stored already (in `collect`, when the job was handed out);
    // give its notification a moment to reach the Central System.
    let deadline = now().plus_millis(NOTIFY_BEFORE_REBOOT_MS);
    while now() < deadline {
        let pending = {
            let mut locked = Locked::new(state);
            state.running.load(Ordering::Acquire) && locked.engine().firmware_notices_pending()
        };
        if !pending {
            break;
        }
        sleep_ms(100);
    }
    info!("firmware install: rebooting into the new image");
    // SAFETY: plain call into the C port; it does not return.
    unsafe { port::ocpp_port_image_reboot() };
    Some(Err(TransferError::Io))
}

/// A download into the secondary slot.
struct SlotSink {
    written: u64,
}

impl DownloadSink for SlotSink {
    fn begin(&mut self, total_len: Option<u64>) -> Result<(), TransferError> {
        // SAFETY: plain call into the C port.
        let capacity = unsafe { port::ocpp_port_image_capacity() } as u64;
        if total_len.is_some_and(|n| n > capacity) {
            return Err(TransferError::SinkFull);
        }
        self.written = 0;
        // SAFETY: plain call into the C port.
        match unsafe { port::ocpp_port_image_begin() } {
            0 => Ok(()),
            e => {
                warn!("firmware download: cannot open the image slot (", e, ")");
                Err(TransferError::Io)
            }
        }
    }

    fn write(&mut self, chunk: &[u8]) -> Result<(), TransferError> {
        // SAFETY: plain call into the C port.
        let capacity = unsafe { port::ocpp_port_image_capacity() } as u64;
        self.written += chunk.len() as u64;
        if self.written > capacity {
            return Err(TransferError::SinkFull);
        }
        // SAFETY: `chunk` is valid for the call.
        match unsafe { port::ocpp_port_image_write(chunk.as_ptr(), chunk.len(), false) } {
            0 => Ok(()),
            _ => Err(TransferError::Io),
        }
    }

    fn finish(&mut self) -> Result<(), TransferError> {
        #[cfg(feature = "signed-firmware")]
        signature::IMAGE_LEN.store(self.written as usize, Ordering::Release);
        // SAFETY: an empty write that flushes the buffered tail.
        match unsafe { port::ocpp_port_image_write(core::ptr::null(), 0, true) } {
            0 => Ok(()),
            _ => Err(TransferError::Io),
        }
    }
}

/// A NUL-terminated copy of a request's host and path, as the C port takes them.
struct Request {
    host: String<64>,
    path: String<{ FIRMWARE_LOCATION_MAX + 256 }>,
    port: u16,
}

impl Request {
    fn new(location: &str, file_name: Option<&str>) -> Result<Self, TransferError> {
        let url = HttpUrl::parse(location)?;
        let mut request = Self {
            host: String::new(),
            path: String::new(),
            port: url.port,
        };
        let mut fits = request.host.push_str(url.host).is_ok() && request.host.push('\0').is_ok();
        fits &= request.path.push_str(url.path).is_ok();
        if let Some(name) = file_name.filter(|_| url.path.ends_with('/')) {
            // A location naming a directory: the file goes into it (as on the host).
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b'/') {
                return Err(TransferError::BadLocation);
            }
            fits &= request.path.push_str(name).is_ok();
        }
        fits &= request.path.push('\0').is_ok();
        match fits {
            true => Ok(request),
            false => Err(TransferError::BadLocation),
        }
    }
}

/// HTTP/1.1 through the C port's `http_client` requests.
struct ZephyrHttp;

/// What the body callback of a GET works with.
struct Receiving<'a> {
    sink: &'a mut dyn DownloadSink,
    progress: &'a mut dyn FnMut(Progress) -> bool,
    done: u64,
    error: Option<TransferError>,
}

/// Zephyr's EIO, handed back to stop a transfer; the reason stays in `error`.
const STOP: i32 = -5;

unsafe extern "C" fn on_chunk(ctx: *mut c_void, data: *const u8, len: usize) -> i32 {
    // SAFETY: `download` passes a `Receiving` that outlives the request, and the port hands a
    // valid `len`-byte chunk.
    let (rx, chunk) = unsafe {
        (
            &mut *(ctx as *mut Receiving<'_>),
            core::slice::from_raw_parts(data, len),
        )
    };
    let result = rx.sink.write(chunk).and_then(|()| {
        rx.done += len as u64;
        match (rx.progress)(Progress {
            done: rx.done,
            total: None,
        }) {
            true => Ok(()),
            false => Err(TransferError::Cancelled),
        }
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            rx.error = Some(e);
            STOP
        }
    }
}

/// What the body source of a PUT works with.
struct Sending<'a> {
    source: &'a mut dyn UploadSource,
    progress: &'a mut dyn FnMut(Progress) -> bool,
    done: u64,
    error: Option<TransferError>,
}

unsafe extern "C" fn on_read(ctx: *mut c_void, buf: *mut u8, cap: usize) -> i32 {
    // SAFETY: `upload` passes a `Sending` that outlives the request, and the port a writable
    // `cap`-byte buffer.
    let (tx, buf) = unsafe {
        (
            &mut *(ctx as *mut Sending<'_>),
            core::slice::from_raw_parts_mut(buf, cap),
        )
    };
    let total = tx.source.len();
    let result = tx.source.read(buf).and_then(|n| {
        tx.done += n as u64;
        match (tx.progress)(Progress {
            done: tx.done,
            total: Some(total),
        }) {
            true => Ok(n),
            false => Err(TransferError::Cancelled),
        }
    });
    match result {
        Ok(n) => i32::try_from(n).unwrap_or(STOP),
        Err(e) => {
            tx.error = Some(e);
            STOP
        }
    }
}

/// The outcome of a request: the port's answer, an error the callbacks noted first.
fn outcome(status: i32, noted: Option<TransferError>, moved: u64) -> Result<(), TransferError> {
    if let Some(e) = noted {
        return Err(e);
    }
    match status {
        200..=299 => Ok(()),
        s if s > 0 => Err(TransferError::HttpStatus(s as u16)),
        // No answer at all: the server was not reached; an answer cut short: interrupted.
        _ if moved == 0 => Err(TransferError::Unreachable),
        _ => Err(TransferError::Interrupted),
    }
}

impl Transport for ZephyrHttp {
    fn download(
        &mut self,
        location: &str,
        sink: &mut dyn DownloadSink,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<u64, TransferError> {
        let request = Request::new(location, None)?;
        sink.begin(None)?;
        let mut rx = Receiving {
            sink,
            progress,
            done: 0,
            error: None,
        };
        let mut content_length = 0usize;
        // SAFETY: host and path are NUL-terminated; `rx` and `content_length` outlive the call.
        let status = unsafe {
            port::ocpp_port_http_get(
                request.host.as_ptr().cast(),
                request.port,
                request.path.as_ptr().cast(),
                Some(on_chunk),
                (&mut rx as *mut Receiving<'_>).cast(),
                &mut content_length,
            )
        };
        outcome(status, rx.error, rx.done)?;
        if content_length != 0 && rx.done != content_length as u64 {
            return Err(TransferError::Interrupted);
        }
        rx.sink.finish()?;
        Ok(rx.done)
    }

    fn upload(
        &mut self,
        location: &str,
        file_name: &str,
        source: &mut dyn UploadSource,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<u64, TransferError> {
        let request = Request::new(location, Some(file_name))?;
        let len = usize::try_from(source.len()).map_err(|_| TransferError::Io)?;
        let mut tx = Sending {
            source,
            progress,
            done: 0,
            error: None,
        };
        // SAFETY: host and path are NUL-terminated; `tx` outlives the call.
        let status = unsafe {
            port::ocpp_port_http_put(
                request.host.as_ptr().cast(),
                request.port,
                request.path.as_ptr().cast(),
                false,
                len,
                Some(on_read),
                (&mut tx as *mut Sending<'_>).cast(),
            )
        };
        outcome(status, tx.error, tx.done)?;
        Ok(tx.done)
    }
}

/// The library's recent log lines (CONFIG_OCPP_DIAGNOSTICS_LOG_SIZE bytes), the default
/// diagnostics. Guarded by the engine's mutex (recursive: a line may be logged with it held).
struct LogRing {
    bytes: Deque<u8, DIAGNOSTICS_LOG_SIZE>,
    /// An upload reads the ring: new lines are not kept meanwhile, so its length holds.
    frozen: bool,
}

struct LogCell(core::cell::UnsafeCell<LogRing>);

// SAFETY: the ring is only touched with the engine's mutex held (`with_ring`).
unsafe impl Sync for LogCell {}

static LOG_RING: LogCell = LogCell(core::cell::UnsafeCell::new(LogRing {
    bytes: Deque::new(),
    frozen: false,
}));

fn with_ring<R>(f: impl FnOnce(&mut LogRing) -> R) -> R {
    super::kernel::lock();
    // SAFETY: the engine's mutex is held until the unlock below, and `f` gets the only
    // reference.
    let result = f(unsafe { &mut *LOG_RING.0.get() });
    super::kernel::unlock();
    result
}

/// Keeps a log line for the diagnostics upload, dropping the oldest bytes when full.
pub(super) fn record_log_line(level: &str, line: &str) {
    with_ring(|ring| {
        if ring.frozen {
            return;
        }
        for b in level
            .bytes()
            .chain(line.bytes())
            .chain(core::iter::once(b'\n'))
        {
            if ring.bytes.is_full() {
                let _ = ring.bytes.pop_front();
            }
            let _ = ring.bytes.push_back(b);
        }
    });
}

/// The ring as it was when the upload started.
struct LogSnapshot {
    len: usize,
    at: usize,
}

impl LogSnapshot {
    fn take() -> Self {
        let len = with_ring(|ring| {
            ring.frozen = true;
            ring.bytes.len()
        });
        Self { len, at: 0 }
    }

    fn release() {
        with_ring(|ring| ring.frozen = false);
    }
}

impl UploadSource for LogSnapshot {
    fn len(&self) -> u64 {
        self.len as u64
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransferError> {
        let from = self.at;
        let n = with_ring(|ring| {
            let mut n = 0;
            for (slot, b) in buf.iter_mut().zip(ring.bytes.iter().skip(from)) {
                *slot = *b;
                n += 1;
            }
            n
        })
        .min(self.len - self.at);
        self.at += n;
        Ok(n)
    }
}

/// A GetLog replaced the running upload: stop it.
#[cfg(feature = "security-log")]
fn upload_cancelled<S: Station>(state: &'static State<S>) -> bool {
    let mut locked = Locked::new(state);
    state.running.load(Ordering::Acquire)
        && locked.engine().transfer_cancelled(TransferKind::Upload)
}

/// The engine's security log (GetLog SecurityLog), its selection's length fixed at the start;
/// each chunk is read under the engine's mutex.
#[cfg(feature = "security-log")]
struct SecurityLogSource<S: Station + 'static> {
    state: &'static State<S>,
    oldest: Option<crate::datetime::DateTime>,
    latest: Option<crate::datetime::DateTime>,
    len: usize,
    at: usize,
}

#[cfg(feature = "security-log")]
impl<S: Station + 'static> SecurityLogSource<S> {
    fn take(
        state: &'static State<S>,
        oldest: Option<crate::datetime::DateTime>,
        latest: Option<crate::datetime::DateTime>,
    ) -> Self {
        let mut locked = Locked::new(state);
        let len = match state.running.load(Ordering::Acquire) {
            true => locked.engine().security_log_len(oldest, latest),
            false => 0,
        };
        Self {
            state,
            oldest,
            latest,
            len,
            at: 0,
        }
    }
}

#[cfg(feature = "security-log")]
impl<S: Station + 'static> UploadSource for SecurityLogSource<S> {
    fn len(&self) -> u64 {
        self.len as u64
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransferError> {
        let want = buf.len().min(self.len - self.at);
        let buf = buf.get_mut(..want).ok_or(TransferError::Io)?;
        let mut locked = Locked::new(self.state);
        if !self.state.running.load(Ordering::Acquire) {
            return Err(TransferError::Cancelled);
        }
        let n = locked
            .engine()
            .read_security_log(self.oldest, self.latest, self.at, buf);
        self.at += n;
        Ok(n)
    }
}

/// SignedUpdateFirmware's check of the image in the secondary slot (the whitepaper's: the
/// signing certificate signed by an installed ManufacturerRootCertificate, the whole image
/// signed with the signing certificate's key), SHA-256 here, the public-key step by PSA Crypto
/// in the C port (`signature.c`). EC P-256 and RSA keys; certificates signed with SHA-256.
#[cfg(feature = "signed-firmware")]
mod signature {
    use core::sync::atomic::{AtomicUsize, Ordering};

    use super::{port, Locked, State};
    use crate::engine::{Station, TransferError};
    use crate::messages::CertificateUse;
    use crate::sha256::Sha256;
    use crate::x509::{self, oid, Certificate, PublicKeyInfo};

    /// Bytes of the last image downloaded into the slot.
    pub(super) static IMAGE_LEN: AtomicUsize = AtomicUsize::new(0);

    pub(super) fn verify<S: Station>(state: &'static State<S>) -> Result<u64, TransferError> {
        let len = IMAGE_LEN.load(Ordering::Acquire);
        let mut sha = Sha256::new();
        let mut buf = [0u8; 256];
        let mut at = 0;
        while at < len {
            let n = buf.len().min(len - at);
            let chunk = buf.get_mut(..n).ok_or(TransferError::Io)?;
            // SAFETY: `chunk` is writable for `n` bytes.
            if unsafe { port::ocpp_port_image_read(at, chunk.as_mut_ptr(), n) } != 0 {
                return Err(TransferError::Io);
            }
            sha.update(chunk);
            at += n;
        }
        let image_hash = sha.finish();
        // The certificates are read where the engine keeps them, under its mutex (a few ms of
        // public-key work).
        let mut locked = Locked::new(state);
        if !state.running.load(Ordering::Acquire) {
            return Err(TransferError::Cancelled);
        }
        let cp = locked.engine();
        let signed = cp.firmware_signature().ok_or(TransferError::Io)?;
        let cert = Certificate::parse(signed.signing_certificate)
            .map_err(|_| TransferError::BadSignature)?;
        if !matches!(
            cert.signature_algorithm,
            oid::ECDSA_WITH_SHA256 | oid::SHA256_WITH_RSA
        ) {
            crate::logging::warn!("signing certificate: not signed with SHA-256");
            return Err(TransferError::BadSignature);
        }
        let tbs_hash = crate::sha256::Sha256::digest(cert.tbs);
        let by_root = cp
            .installed_certificates(CertificateUse::ManufacturerRootCertificate)
            .filter_map(|der| Certificate::parse(der).ok())
            .filter(|root| root.subject.der == cert.issuer.der)
            .any(|root| verify_hash(&root.public_key, &tbs_hash, cert.signature));
        if !by_root {
            crate::logging::warn!(
                "signing certificate: not signed by a ManufacturerRootCertificate"
            );
            return Err(TransferError::BadSignature);
        }
        if !verify_hash(&cert.public_key, &image_hash, signed.signature) {
            crate::logging::warn!("the image's signature does not verify");
            return Err(TransferError::BadSignature);
        }
        Ok(len as u64)
    }

    /// `signature` (ECDSA: DER, or r || s) of `hash` by `key`.
    fn verify_hash(key: &PublicKeyInfo<'_>, hash: &[u8; 32], signature: &[u8]) -> bool {
        let (kind, raw);
        let sig: &[u8] = match key.algorithm {
            oid::EC_PUBLIC_KEY if key.parameters.is_some_and(|p| p.contents == oid::SECP256R1) => {
                kind = port::OCPP_PORT_KEY_EC_P256;
                raw = match signature.len() {
                    64 => {
                        let mut rs = [0u8; 64];
                        rs.copy_from_slice(signature);
                        Some(rs)
                    }
                    _ => ecdsa_raw(signature),
                };
                match raw.as_ref() {
                    Some(rs) => rs,
                    None => return false,
                }
            }
            oid::RSA_ENCRYPTION => {
                kind = port::OCPP_PORT_KEY_RSA;
                signature
            }
            _ => return false,
        };
        // SAFETY: every pointer is valid for its length; the hash is 32 bytes.
        let verified = unsafe {
            port::ocpp_port_verify_hash(
                kind as i32,
                key.key.as_ptr(),
                key.key.len(),
                hash.as_ptr(),
                sig.as_ptr(),
                sig.len(),
            )
        };
        verified == 0
    }

    /// An ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }) as r || s of 32 bytes each.
    fn ecdsa_raw(der: &[u8]) -> Option<[u8; 64]> {
        let (seq, rest) = x509::read_tlv(der).ok()?;
        if seq.tag != x509::tag::SEQUENCE || !rest.is_empty() {
            return None;
        }
        let mut reader = x509::DerReader::new(seq.contents);
        let mut out = [0u8; 64];
        for half in out.chunks_mut(32) {
            let int = reader.expect(x509::tag::INTEGER).ok()?;
            let mut digits = int.contents;
            while let [0, tail @ ..] = digits {
                digits = tail;
            }
            let pad = 32usize.checked_sub(digits.len())?;
            half.get_mut(pad..)?.copy_from_slice(digits);
        }
        reader.finish().ok()?;
        Some(out)
    }
}
