//! C API of the Firmware Management profile (CONFIG_OCPP_PROFILE_FIRMWARE_MGNT): the
//! application's say on an install, and the state of the update and of the upload.

use core::ffi::{c_char, c_int, c_void};
use core::sync::atomic::{AtomicPtr, Ordering::SeqCst};

use super::{ocpp_diagnostics_status, ocpp_firmware_status, outcome, Errno, Runtime as _, Use};
use crate::messages::{DiagnosticsStatus, FirmwareStatus};
use crate::transfer::InstallDecision;

/// @brief Decides on a downloaded firmware image (see ocpp_set_firmware_handler).
///
/// Called on the library's transfer thread when the image is downloaded and
/// no transaction runs, before it is installed. The connectors are
/// Unavailable meanwhile. It may take its time (show "updating", ask a
/// person); ocpp_* calls from it are allowed.
///
/// @param image the downloaded image's file (host), or NULL when it is in
///        the secondary image slot (Zephyr, MCUboot)
/// @param user_data as given to ocpp_set_firmware_handler
///
/// @return 0 to let the library install it (Zephyr: request the MCUboot
///         upgrade and reboot; host: copy it and register anew); 1 when the
///         application installed it itself (Installed is reported); -EAGAIN
///         to be asked again after the update's retry interval; any other
///         negative value refuses it (InstallationFailed)
pub type ocpp_firmware_handler_t =
    Option<unsafe extern "C" fn(image: *const c_char, user_data: *mut c_void) -> c_int>;

/// cbindgen:ignore
static HANDLER: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());
/// cbindgen:ignore
static HANDLER_DATA: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());

/// @brief Register the application's firmware handler, or remove it (NULL).
///
/// Without a handler a downloaded image is installed as soon as no
/// transaction runs. OCPP_EVENT_FIRMWARE_STATUS events report each step.
/// May be called before ocpp_init; it stays registered across ocpp_deinit.
///
/// @param handler the handler, or NULL for the default
/// @param user_data handed back to the handler
///
/// @return 0
#[no_mangle]
pub extern "C" fn ocpp_set_firmware_handler(
    handler: ocpp_firmware_handler_t,
    user_data: *mut c_void,
) -> c_int {
    HANDLER_DATA.store(user_data, SeqCst);
    HANDLER.store(
        handler.map_or(core::ptr::null_mut(), |f| f as *mut ()),
        SeqCst,
    );
    0
}

/// What the application's handler says about installing `image` (a NUL-terminated path, or
/// None when the image is in a flash slot): for the platforms, before an Install job.
/// cbindgen:ignore
#[cfg_attr(not(any(feature = "std", feature = "zephyr")), allow(dead_code))]
pub(crate) fn install_decision(image: Option<&core::ffi::CStr>) -> InstallDecision {
    let raw = HANDLER.load(SeqCst);
    if raw.is_null() {
        return InstallDecision::Install;
    }
    // SAFETY: a non-null HANDLER was stored from an `unsafe extern "C" fn(*const c_char,
    // *mut c_void) -> c_int` by ocpp_set_firmware_handler; function and data pointers have the
    // same size on every target we build for.
    let handler: unsafe extern "C" fn(*const c_char, *mut c_void) -> c_int =
        unsafe { core::mem::transmute::<*mut (), _>(raw) };
    let data = HANDLER_DATA.load(SeqCst);
    let path = image.map_or(core::ptr::null(), |p| p.as_ptr());
    // SAFETY: the application's handler, called with the contract of ocpp_firmware_handler_t
    // (`path` is null or NUL-terminated and outlives the call). Not in the callback scope: the
    // engine is not locked here.
    let answer = unsafe { handler(path, data) };
    match answer {
        0 => InstallDecision::Install,
        1 => InstallDecision::Installed,
        a if a == Errno::Again.ret() => InstallDecision::Defer,
        _ => InstallDecision::Refuse,
    }
}

/// The host's handler: the C application's, through [`install_decision`].
/// cbindgen:ignore
#[cfg(feature = "std")]
pub(super) fn host_handler() -> crate::platform::host::FirmwareHandler {
    crate::platform::host::FirmwareHandler(std::sync::Arc::new(|image: &std::path::Path| {
        let path = std::ffi::CString::new(image.as_os_str().as_encoded_bytes()).ok();
        install_decision(path.as_deref())
    }))
}

/// @brief The state of the firmware update, as a triggered
///        FirmwareStatusNotification reports it (OCPP_FIRMWARE_IDLE when none
///        runs).
///
/// @param status set to the status
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -EINVAL status NULL, or not initialized
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_get_firmware_status(status: *mut ocpp_firmware_status) -> c_int {
    outcome(|| {
        if status.is_null() {
            return Err(Errno::Inval.ret());
        }
        let lib = Use::enter()?;
        let found = lib.runtime.locked(|cp, _| cp.firmware_status());
        // SAFETY: non-null (checked) and writable per the API contract.
        unsafe { status.write(ocpp_firmware_status::from(found)) };
        Ok(())
    })
}

/// @brief The state of the diagnostics upload (OCPP_DIAGNOSTICS_IDLE when
///        none runs).
///
/// @param status set to the status
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -EINVAL status NULL, or not initialized
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_get_diagnostics_status(
    status: *mut ocpp_diagnostics_status,
) -> c_int {
    outcome(|| {
        if status.is_null() {
            return Err(Errno::Inval.ret());
        }
        let lib = Use::enter()?;
        let found = lib.runtime.locked(|cp, _| cp.diagnostics_status());
        // SAFETY: non-null (checked) and writable per the API contract.
        unsafe { status.write(ocpp_diagnostics_status::from(found)) };
        Ok(())
    })
}

impl From<FirmwareStatus> for ocpp_firmware_status {
    fn from(status: FirmwareStatus) -> Self {
        use ocpp_firmware_status::*;
        match status {
            FirmwareStatus::Idle => OCPP_FIRMWARE_IDLE,
            FirmwareStatus::Downloading => OCPP_FIRMWARE_DOWNLOADING,
            FirmwareStatus::Downloaded => OCPP_FIRMWARE_DOWNLOADED,
            FirmwareStatus::DownloadFailed => OCPP_FIRMWARE_DOWNLOAD_FAILED,
            FirmwareStatus::Installing => OCPP_FIRMWARE_INSTALLING,
            FirmwareStatus::Installed => OCPP_FIRMWARE_INSTALLED,
            FirmwareStatus::InstallationFailed => OCPP_FIRMWARE_INSTALLATION_FAILED,
        }
    }
}

impl From<DiagnosticsStatus> for ocpp_diagnostics_status {
    fn from(status: DiagnosticsStatus) -> Self {
        use ocpp_diagnostics_status::*;
        match status {
            DiagnosticsStatus::Idle => OCPP_DIAGNOSTICS_IDLE,
            DiagnosticsStatus::Uploading => OCPP_DIAGNOSTICS_UPLOADING,
            DiagnosticsStatus::Uploaded => OCPP_DIAGNOSTICS_UPLOADED,
            DiagnosticsStatus::UploadFailed => OCPP_DIAGNOSTICS_UPLOAD_FAILED,
        }
    }
}

/// @brief Reads the application's diagnostics log (see
///        ocpp_set_diagnostics_handler).
///
/// Called on the library's transfer thread for each GetDiagnostics upload
/// attempt: first with buf NULL, for the log's length; then with buf, to
/// fill from offset. ocpp_* calls from it are allowed.
///
/// @param offset where to read from (0 with buf NULL)
/// @param buf where to write, or NULL to ask for the length
/// @param cap room in buf (0 with buf NULL)
/// @param user_data as given to ocpp_set_diagnostics_handler
///
/// @return with buf NULL: the log's length in bytes, or a negative errno to
///         upload the library's default log instead (the host's events or
///         diagnostics file; on Zephyr, its recent log lines); with buf: the
///         bytes written (at most cap, 0 at the end), or a negative errno,
///         which fails this upload attempt
pub type ocpp_diagnostics_handler_t = Option<
    unsafe extern "C" fn(offset: usize, buf: *mut u8, cap: usize, user_data: *mut c_void) -> c_int,
>;

/// cbindgen:ignore
static DIAGNOSTICS: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());
/// cbindgen:ignore
static DIAGNOSTICS_DATA: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());

/// @brief Register the application's diagnostics log, or remove it (NULL).
///
/// Without a handler GetDiagnostics uploads the library's default log.
/// May be called before ocpp_init; it stays registered across ocpp_deinit.
///
/// @param handler the handler, or NULL for the default
/// @param user_data handed back to the handler
///
/// @return 0
#[no_mangle]
pub extern "C" fn ocpp_set_diagnostics_handler(
    handler: ocpp_diagnostics_handler_t,
    user_data: *mut c_void,
) -> c_int {
    DIAGNOSTICS_DATA.store(user_data, SeqCst);
    DIAGNOSTICS.store(
        handler.map_or(core::ptr::null_mut(), |f| f as *mut ()),
        SeqCst,
    );
    0
}

/// The application's diagnostics log, read through its handler: an upload source.
/// cbindgen:ignore
#[cfg_attr(not(any(feature = "std", feature = "zephyr")), allow(dead_code))]
pub(crate) struct ApplicationLog {
    handler: unsafe extern "C" fn(usize, *mut u8, usize, *mut c_void) -> c_int,
    data: *mut c_void,
    len: usize,
    at: usize,
}

/// The application's log when it registered one and has one now (its handler gave a length).
/// cbindgen:ignore
#[cfg_attr(not(any(feature = "std", feature = "zephyr")), allow(dead_code))]
pub(crate) fn application_log() -> Option<ApplicationLog> {
    let raw = DIAGNOSTICS.load(SeqCst);
    if raw.is_null() {
        return None;
    }
    // SAFETY: a non-null DIAGNOSTICS was stored from an `ocpp_diagnostics_handler_t` function
    // by ocpp_set_diagnostics_handler; function and data pointers have the same size on every
    // target we build for.
    let handler: unsafe extern "C" fn(usize, *mut u8, usize, *mut c_void) -> c_int =
        unsafe { core::mem::transmute::<*mut (), _>(raw) };
    let data = DIAGNOSTICS_DATA.load(SeqCst);
    // SAFETY: the length query of the handler's contract (buf NULL, cap 0).
    let len = unsafe { handler(0, core::ptr::null_mut(), 0, data) };
    let len = usize::try_from(len).ok()?;
    Some(ApplicationLog {
        handler,
        data,
        len,
        at: 0,
    })
}

impl crate::transfer::UploadSource for ApplicationLog {
    fn len(&self) -> u64 {
        self.len as u64
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, crate::transfer::TransferError> {
        let cap = buf.len().min(self.len - self.at);
        if cap == 0 {
            return Ok(0);
        }
        // SAFETY: `buf` is writable for `cap` bytes during the call, per the handler's contract.
        let n = unsafe { (self.handler)(self.at, buf.as_mut_ptr(), cap, self.data) };
        // More than asked for would be a broken handler: the attempt fails rather than trusting it.
        match usize::try_from(n) {
            Ok(n) if n <= cap => {
                self.at += n;
                Ok(n)
            }
            _ => Err(crate::transfer::TransferError::Io),
        }
    }
}

/// The host's diagnostics: the C application's log, through [`application_log`], read whole.
/// cbindgen:ignore
#[cfg(feature = "std")]
pub(super) fn host_diagnostics() -> crate::platform::host::DiagnosticsSource {
    use crate::transfer::UploadSource as _;
    crate::platform::host::DiagnosticsSource(std::sync::Arc::new(|| {
        let mut log = application_log()?;
        let mut bytes = vec![0; log.len];
        let mut at = 0;
        while at < bytes.len() {
            match log.read(bytes.get_mut(at..)?) {
                Ok(0) => break,
                Ok(n) => at += n,
                Err(_) => return Some(Err(())),
            }
        }
        bytes.truncate(at);
        Some(Ok(bytes))
    }))
}
