//! C API of the security whitepaper's events (CONFIG_OCPP_PROFILE_SECURITY): the application's
//! own security events (tamper detection, say), queued like the library's.

use core::ffi::{c_char, c_int};

use super::{c_str, command_error, outcome, Errno, Runtime as _, Use};
use crate::messages::SecurityEventType;

/// @brief Record a security event (SecurityEventNotification).
///
/// Queued with the transaction messages: sent in order once registered,
/// kept while offline and, with CONFIG_OCPP_PERSISTENCE, across power
/// cuts. The library records its own (StartupOfTheDevice, ResetOrReboot,
/// SettingSystemTime, FirmwareUpdated, refused connections, ...).
///
/// @param type one of the whitepaper's event names, e.g.
///        "TamperDetectionActivated"
/// @param tech_info optional detail, or NULL (cut to
///        CONFIG_OCPP_SECURITY_TECH_INFO_MAX bytes)
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -EINVAL type NULL or not a whitepaper event name, tech_info not
///         UTF-8, or not initialized
/// @retval -ENOMEM the queue has no room beyond what the running
///         transactions' StopTransactions need
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_security_event(
    r#type: *const c_char,
    tech_info: *const c_char,
) -> c_int {
    outcome(|| {
        if r#type.is_null() {
            return Err(Errno::Inval.ret());
        }
        // SAFETY: non-null, and the caller passes NUL-terminated strings.
        let kind = unsafe { c_str(r#type) }
            .and_then(SecurityEventType::from_name)
            .ok_or(Errno::Inval.ret())?;
        let tech_info = match tech_info.is_null() {
            true => None,
            // SAFETY: non-null, NUL-terminated as above.
            false => Some(unsafe { c_str(tech_info) }.ok_or(Errno::Inval.ret())?),
        };
        let lib = Use::enter()?;
        lib.runtime
            .locked(|cp, now| cp.record_security_event(now, kind, tech_info))
            .map_err(command_error)
    })
}
