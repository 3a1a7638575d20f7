//! Security Profiles on Zephyr: the engine's connection settings handed to the C port before each
//! connect (TLS socket, Basic Auth header), the credentials registered at start, and refused
//! connections classified from the port's errno.

use crate::logging::warn;
use heapless::String;

use super::port;
use crate::datetime::Instant;
use crate::engine::{ChargePoint, ConnectionFailure, Provisioning, Station};

/// The errnos the port classifies with (identical in every Zephyr libc): a 401 on the upgrade,
/// and a Central System certificate that did not verify (chain, validity or hostname; the port
/// reads mbedTLS's verify result after the handshake). Other TLS handshake failures are
/// -ECONNABORTED whatever their reason (Zephyr resets the session): on profile 3 they are taken
/// for our certificate refused, otherwise not classified.
const EPERM: i32 = 1;
const EACCES: i32 = 13;
const ECONNABORTED: i32 = 113;

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
        warn!("installed root certificates not all registered (", ret, ")");
    }
    // An installed root is a CA for SecurityProfile 2 and 3.
    refresh_provisioning(cp);
}

/// Before each connect: the profile and Basic Auth of the engine's settings. `path` is the
/// WebSocket path (its last segment is the charge point id, the Basic Auth user).
pub(super) fn prepare<S: Station>(cp: &mut ChargePoint<S>, path: &str) -> i32 {
    #[cfg(feature = "certificates")]
    register_installed_roots(cp);
    #[cfg(feature = "certificate-signing")]
    if cp.poll_client_certificate_changed() {
        use_signed_client_certificate(cp, true);
    }
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
        // The Central System's certificate is judged after the handshake (-EACCES): a handshake
        // refused on profile 3 is, most likely, our certificate refused (which lets the engine
        // fall back from a new signed one).
        ECONNABORTED if cp.connection_settings().profile == 3 => {
            ConnectionFailure::InvalidChargePointCertificate
        }
        _ => return,
    };
    cp.handle_connection_failed(now, failure);
}

/// The engine's signed client certificate (CertificateSigned) for the next connection: with
/// the last CSR's key (`from_pending`) or the one stored with it (at start); none: the
/// certificate of CONFIG_OCPP_CLIENT_CERT_FILE again (the Central System refused the new one).
#[cfg(feature = "certificate-signing")]
pub(super) fn use_signed_client_certificate<S: Station>(
    cp: &mut ChargePoint<S>,
    from_pending: bool,
) {
    let leaf = cp
        .client_certificate_chain()
        .and_then(|chain| crate::x509::der_chain(chain).next())
        .and_then(Result::ok);
    let ret = match leaf {
        // SAFETY: the leaf points into the engine's accepted chain, in the 'static engine,
        // unchanged until the next CertificateSigned is accepted (then this runs again before
        // the next connection).
        Some(leaf) => unsafe {
            match port::ocpp_port_client_certificate_use(leaf.as_ptr(), leaf.len(), from_pending) {
                -2 if from_pending => {
                    port::ocpp_port_client_certificate_use(leaf.as_ptr(), leaf.len(), false)
                }
                ret => ret,
            }
        },
        None if from_pending => {
            // SAFETY: plain call into the C port.
            unsafe { port::ocpp_port_tls_builtin_client() }
        }
        None => return,
    };
    if ret < 0 {
        warn!("signed client certificate not used (", ret, ")");
    }
    refresh_provisioning(cp);
}

/// Certificate signing: a CSR the engine asks for is generated by the port (mbedTLS, ECDSA
/// P-256; the key stays in the port) into `out` and handed to the engine. The commonName is the
/// engine's (the serial number), else the charge point id (the last segment of `path`).
#[cfg(feature = "certificate-signing")]
pub(super) fn serve_csr<S: Station>(
    cp: &mut ChargePoint<S>,
    now: Instant,
    path: &str,
    out: &mut [u8],
) {
    let Some(request) = cp.poll_csr_request(now) else {
        return;
    };
    let id = path
        .trim_end_matches(['\0', '/'])
        .rsplit('/')
        .next()
        .unwrap_or("");
    let cn = match request.common_name.as_str() {
        "" => id,
        cn => cn,
    };
    let mut common_name: String<65> = String::new();
    let mut organization: String<65> = String::new();
    let fits = common_name.push_str(cn).is_ok()
        && common_name.push('\0').is_ok()
        && organization.push_str(&request.organization).is_ok()
        && organization.push('\0').is_ok();
    if !fits {
        warn!("CSR subject too long");
        cp.csr_failed(now);
        return;
    }
    // SAFETY: both strings are NUL-terminated locals and `out` a valid buffer of out.len()
    // bytes, for the duration of the call.
    let n = unsafe {
        port::ocpp_port_csr_generate(
            common_name.as_ptr().cast(),
            organization.as_ptr().cast(),
            out.as_mut_ptr(),
            out.len(),
        )
    };
    let pem = usize::try_from(n)
        .ok()
        .and_then(|n| out.get(..n))
        .and_then(|b| core::str::from_utf8(b).ok());
    match pem {
        Some(pem) => {
            if let Err(e) = cp.csr_ready(now, pem) {
                warn!("the engine refused the CSR: ", e);
            }
        }
        None => {
            warn!("CSR generation failed (", n, ")");
            cp.csr_failed(now);
        }
    }
}
