//! C API of the Reservation profile (CONFIG_OCPP_PROFILE_RESERVATION).

use core::ffi::{c_char, c_int};

use super::{copy_c_string, outcome, Errno, Runtime as _, Use, CISTR20_BUF};

/// @brief A reservation the Central System made (ReserveNow), as reported by
///        ocpp_get_reservation.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ocpp_reservation_info {
    /// reservationId given by the Central System
    pub reservation_id: c_int,
    /// Reserved connector; 0: any connector of the charge point
    pub id_con: c_int,
    /// The idTag the connector is held for, NUL-terminated
    pub idtag: [c_char; CISTR20_BUF],
    /// Its parentIdTag (idTags with the same parent may use the
    /// reservation too), empty when none
    pub parent_idtag: [c_char; CISTR20_BUF],
    /// When the reservation ends unused, seconds since 1970-01-01 UTC
    pub expiry_unix: i64,
}

/// @brief The reservation of a connector. A transaction started on a reserved
///        connector by its idTag (or one with the same parentIdTag) uses the
///        reservation up; other idTags get -EBUSY from
///        ocpp_start_transaction.
///
/// @param conn_id connector id, 1..num_of_con, or 0 for a reservation of any
///        connector (ReserveConnectorZeroSupported)
/// @param info filled on success
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -ENOENT no reservation on that connector
/// @retval -EINVAL conn_id out of range, info NULL, or not initialized
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_get_reservation(
    conn_id: u8,
    info: *mut ocpp_reservation_info,
) -> c_int {
    outcome(|| {
        if info.is_null() {
            return Err(Errno::Inval.ret());
        }
        let lib = Use::enter()?;
        if conn_id > lib.connectors {
            return Err(Errno::Inval.ret());
        }
        let found = lib.runtime.locked(|cp, _| {
            let r = cp.reservation(conn_id).ok_or(Errno::NoEnt.ret())?;
            let mut out = ocpp_reservation_info {
                reservation_id: r.id,
                id_con: c_int::from(r.connector),
                idtag: [0; CISTR20_BUF],
                parent_idtag: [0; CISTR20_BUF],
                expiry_unix: r.expiry.unix_secs(),
            };
            copy_c_string(&mut out.idtag, r.id_tag.as_str());
            if let Some(parent) = &r.parent_id_tag {
                copy_c_string(&mut out.parent_idtag, parent.as_str());
            }
            Ok::<_, c_int>(out)
        })?;
        // SAFETY: non-null (checked) and writable per the API contract.
        unsafe { info.write(found) };
        Ok(())
    })
}
