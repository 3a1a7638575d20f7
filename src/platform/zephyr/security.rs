//! Security Profiles on Zephyr: the engine's connection settings handed to the C port before each
//! connect (TLS socket, Basic Auth header), the credentials registered at start, and refused
//! connections classified from the port's errno.

use heapless::String;
use log::warn;

use super::port;
use crate::datetime::Instant;
use crate::engine::{ChargePoint, ConnectionFailure, Provisioning, Station};

/// The errno the port uses for a 401 (identical in every Zephyr libc). A failed TLS handshake
/// is -ECONNABORTED whatever its reason (Zephyr resets the session before the verify result can
/// be read), so it is not classified here.
const EPERM: i32 = 1;

/// At launch, before the store is restored (whose values win): which TLS credentials are
/// registered, and `CONFIG_OCPP_AUTHORIZATION_KEY`.
pub(super) fn provision<S: Station>(cp: &mut ChargePoint<S>) {
    let (mut ca, mut client) = (false, false);
    // SAFETY: both pointers are valid locals for the duration of the call.
    unsafe { port::ocpp_port_tls_provisioned(&mut ca, &mut client) };
    cp.set_provisioning(Provisioning {
        tls: ca,
        client_certificate: ca && client,
    });
    // SAFETY: the port returns a static NUL-terminated string (a Kconfig literal).
    let key = unsafe { core::ffi::CStr::from_ptr(port::ocpp_port_authorization_key()) };
    match key.to_str() {
        Ok("") => {}
        Ok(key) if cp.provision_credentials(None, Some(key)).is_ok() => {}
        _ => warn!("CONFIG_OCPP_AUTHORIZATION_KEY is not 16 to 40 printable characters; ignored"),
    }
}

/// Before each connect: the profile and Basic Auth of the engine's settings. `path` is the
/// WebSocket path (its last segment is the charge point id, the Basic Auth user).
pub(super) fn prepare<S: Station>(cp: &ChargePoint<S>, path: &str) -> i32 {
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

/// A failed connect: a 401 (-EPERM from the port) goes to the engine; other errors are network
/// trouble or unclassified TLS failures.
pub(super) fn connect_failed<S: Station>(cp: &mut ChargePoint<S>, now: Instant, errno: i32) {
    if -errno == EPERM {
        cp.handle_connection_failed(now, ConnectionFailure::Unauthorized);
    }
}
