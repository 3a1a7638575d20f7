//! Security Profiles on Zephyr: the engine's connection settings handed to the C port before each
//! connect (TLS socket, Basic Auth header), the credentials registered at start, and refused
//! connections classified from the port's errno.

use heapless::String;
use log::warn;

use super::port;
use crate::datetime::Instant;
use crate::engine::{ChargePoint, ConnectionFailure, Provisioning, Station};

/// The errnos the port classifies with (identical in every Zephyr libc): a 401 on the upgrade,
/// and a Central System certificate that did not verify (chain, validity or hostname; the port
/// reads mbedTLS's verify result after the handshake). Other TLS handshake failures are
/// -ECONNABORTED whatever their reason (Zephyr resets the session), so they are not classified.
const EPERM: i32 = 1;
const EACCES: i32 = 13;

/// At launch, before the store is restored (whose values win): which TLS credentials are
/// registered, and `CONFIG_OCPP_AUTHORIZATION_KEY`.
pub(super) fn provision<S: Station>(cp: &mut ChargePoint<S>) {
    refresh_provisioning(cp);
    // SAFETY: the port returns a static NUL-terminated string (a Kconfig literal).
    let key = unsafe { core::ffi::CStr::from_ptr(port::ocpp_port_authorization_key()) };
    match key.to_str() {
        Ok("") => {}
        Ok(key) if cp.provision_credentials(None, Some(key)).is_ok() => {}
        _ => warn!("CONFIG_OCPP_AUTHORIZATION_KEY is not 16 to 40 printable characters; ignored"),
    }
}

/// Tells the engine which TLS credentials the tag holds now (at launch, and after the
/// application registered one at run time).
pub fn refresh_provisioning<S: Station>(cp: &mut ChargePoint<S>) {
    let (mut ca, mut client) = (false, false);
    // SAFETY: both pointers are valid locals for the duration of the call.
    unsafe { port::ocpp_port_tls_provisioned(&mut ca, &mut client) };
    cp.set_provisioning(Provisioning {
        tls: ca,
        client_certificate: ca && client,
    });
}

/// Registers a TLS credential of `kind` (0 CA, 1 client certificate, 2 client key) under
/// `CONFIG_OCPP_TLS_SEC_TAG`: 0 or a negative errno.
///
/// # Safety
/// `data` points to `len` readable bytes that stay valid and unchanged while the library may
/// connect (Zephyr's TLS credentials keep the pointer, not a copy).
pub unsafe fn set_tls_credential(kind: i32, data: *const core::ffi::c_void, len: usize) -> i32 {
    // SAFETY: the caller's contract is the port's (it only stores the pointer).
    unsafe { port::ocpp_port_tls_credential_set(kind, data, len) }
}

/// The installed CentralSystemRootCertificates as TLS trust anchors of the next connection.
/// Registered before every connect: the port keeps pointers into the engine's store, whose bytes
/// move when any certificate is installed or deleted (the engine lock is held until the
/// handshake is done).
#[cfg(feature = "certificates")]
fn register_installed_roots<S: Station>(cp: &mut ChargePoint<S>) {
    use crate::capacity::CERTIFICATE_STORE_MAX;
    use crate::messages::CertificateUse;
    let mut ders = [core::ptr::null::<u8>(); CERTIFICATE_STORE_MAX];
    let mut lens = [0usize; CERTIFICATE_STORE_MAX];
    let mut count = 0;
    let roots = cp.installed_certificates(CertificateUse::CentralSystemRootCertificate);
    for ((der, ptr), len) in roots.zip(ders.iter_mut()).zip(lens.iter_mut()) {
        *ptr = der.as_ptr();
        *len = der.len();
        count += 1;
    }
    // SAFETY: `count` entries of both arrays are set; they point into the engine's store, which
    // stays unchanged until the next call (see above).
    let ret = unsafe { port::ocpp_port_tls_installed_roots(ders.as_ptr(), lens.as_ptr(), count) };
    if ret < 0 {
        warn!("installed root certificates not all registered ({ret})");
    }
    // An installed root is a CA for SecurityProfile 2 and 3.
    refresh_provisioning(cp);
}

/// Before each connect: the profile and Basic Auth of the engine's settings. `path` is the
/// WebSocket path (its last segment is the charge point id, the Basic Auth user).
pub(super) fn prepare<S: Station>(cp: &mut ChargePoint<S>, path: &str) -> i32 {
    #[cfg(feature = "certificates")]
    register_installed_roots(cp);
    let settings = cp.connection_settings();
    let id = path
        .trim_end_matches(['\0', '/'])
        .rsplit('/')
        .next()
        .unwrap_or("");
    let mut user: String<65> = String::new();
    let mut password: String<41> = String::new();
    let fits = user.push_str(id).is_ok()
        && user.push('\0').is_ok()
        && password
            .push_str(settings.basic_auth_password.unwrap_or(""))
            .is_ok()
        && password.push('\0').is_ok();
    if !fits {
        return -22; // EINVAL
    }
    let password_ptr = match settings.basic_auth_password {
        Some(_) => password.as_ptr().cast(),
        None => core::ptr::null(),
    };
    // SAFETY: both strings are NUL-terminated locals (or NULL) for the duration of the call; the
    // port copies what it keeps.
    unsafe {
        port::ocpp_port_ws_security(
            i32::from(settings.profile),
            user.as_ptr().cast(),
            password_ptr,
        )
    }
}

/// A failed connect: a 401 (-EPERM from the port) or a Central System certificate that did not
/// verify (-EACCES) goes to the engine; other errors are network trouble or unclassified TLS
/// failures.
pub(super) fn connect_failed<S: Station>(cp: &mut ChargePoint<S>, now: Instant, errno: i32) {
    let failure = match -errno {
        EPERM => ConnectionFailure::Unauthorized,
        EACCES => ConnectionFailure::InvalidCentralSystemCertificate,
        _ => return,
    };
    cp.handle_connection_failed(now, failure);
}
