//! C API of the Local Auth List Management profile (CONFIG_OCPP_PROFILE_LOCAL_AUTH_LIST).

use core::ffi::{c_char, c_int};

use super::{ocpp_auth_status, outcome, required, Errno, Runtime as _, Use};
use crate::cistring::CiString20;

/// @brief The version of the Local Authorization List the Central System
///        installed (SendLocalList), as GetLocalListVersion reports it.
///
/// @param version set to the version: 0 when the list was never set, -1
///        when LocalAuthListEnabled is false
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -EINVAL version NULL, or not initialized
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_get_local_list_version(version: *mut i32) -> c_int {
    outcome(|| {
        if version.is_null() {
            return Err(Errno::Inval.ret());
        }
        let lib = Use::enter()?;
        let found = lib.runtime.locked(|cp, _| cp.local_list_version());
        // SAFETY: non-null (checked) and writable per the API contract.
        unsafe { version.write(found) };
        Ok(())
    })
}

/// @brief Looks an idTag up in the Local Authorization List (whatever
///        LocalAuthListEnabled says).
///
/// @param idtag the idTag, NUL-terminated, at most 20 characters
/// @param status set to its status in the list (Expired once its expiry date
///        passed)
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -ENOENT the idTag is not in the list
/// @retval -EINVAL idtag NULL, empty or too long, status NULL, or not
///         initialized
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_local_list_lookup(
    idtag: *const c_char,
    status: *mut ocpp_auth_status,
) -> c_int {
    outcome(|| {
        // SAFETY: null or NUL-terminated per the API contract.
        let tag: CiString20 = unsafe { required(idtag) }?;
        if status.is_null() {
            return Err(Errno::Inval.ret());
        }
        let lib = Use::enter()?;
        let found = lib
            .runtime
            .locked(|cp, now| cp.local_list_status(now, &tag));
        let found = found.ok_or(Errno::NoEnt.ret())?;
        // SAFETY: non-null (checked) and writable per the API contract.
        unsafe { status.write(ocpp_auth_status::from(found)) };
        Ok(())
    })
}
