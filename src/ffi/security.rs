//! C API of the Security Profiles (CONFIG_OCPP_SECURITY_PROFILES): TLS credentials registered at
//! run time, besides the CONFIG_OCPP_*_FILE files embedded at build time.

use core::ffi::{c_int, c_void};

use super::{ocpp_tls_credential, ocpp_tls_credential_arg, outcome, Errno};
#[cfg(feature = "zephyr")]
use super::{Runtime as _, Use};

/// @brief Register a TLS credential at run time (Security Profiles 2 and 3).
///
/// Replaces the credential of that kind under CONFIG_OCPP_TLS_SEC_TAG (one
/// from a CONFIG_OCPP_*_FILE, or an earlier call). Used from the next
/// connection; once the CA (and, for profile 3, the client certificate and
/// its key) are registered, the Central System may raise SecurityProfile to
/// the profile they allow. May be called before ocpp_init() (as registering
/// with Zephyr's tls_credential_add() under the same tag does).
///
/// @param kind which credential
/// @param data PEM (its length counting the terminating NUL, as mbedTLS
///        wants) or DER. Zephyr keeps the pointer, not a copy: the buffer
///        must stay valid and unchanged while the library may connect.
/// @param len bytes at data
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -EINVAL kind not one of its enumerators, data NULL or len 0
/// @retval -ENOTSUP TLS is not built in (CONFIG_OCPP_TLS), or on the host
///         (whose C API connects over ws:// only)
/// @retval -ENOMEM no free credential slot (CONFIG_TLS_MAX_CREDENTIALS_NUMBER)
#[no_mangle]
pub unsafe extern "C" fn ocpp_set_tls_credential(
    kind: ocpp_tls_credential_arg,
    data: *const c_void,
    len: usize,
) -> c_int {
    outcome(|| {
        let last = ocpp_tls_credential::OCPP_TLS_CLIENT_KEY as c_int;
        if !(0..=last).contains(&kind) || data.is_null() || len == 0 {
            return Err(Errno::Inval.ret());
        }
        #[cfg(feature = "zephyr")]
        {
            // SAFETY: data/len checked non-empty above; the caller keeps the buffer valid as
            // documented (the port stores the pointer).
            let ret =
                unsafe { crate::platform::zephyr::security::set_tls_credential(kind, data, len) };
            if ret < 0 {
                return Err(ret);
            }
            // Running: the engine learns at once what SecurityProfile it may accept.
            if let Ok(lib) = Use::enter() {
                lib.runtime
                    .locked(|cp, _| crate::platform::zephyr::security::refresh_provisioning(cp));
            }
            Ok(())
        }
        #[cfg(not(feature = "zephyr"))]
        Err(Errno::NotSup.ret())
    })
}
