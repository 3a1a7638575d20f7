//! Status snapshots for diagnostics (the Zephyr shell's `ocpp status`): the connection, the
//! registration, the queues and each connector, read in one lock.

use core::ffi::{c_char, c_int};

use super::{copy_c_string, outcome, Errno, Runtime as _, Use, CISTR20_BUF, CONNECTOR_STATUSES};
use super::{ocpp_connector_status, ocpp_registration_status};
use crate::engine::ConfigKey;
use crate::messages::RegistrationStatus;

/// @brief The charge point as a whole, as reported by ocpp_get_status.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ocpp_status {
    /// The WebSocket connection to the Central System is open
    pub connected: bool,
    /// Connected and the BootNotification of this connection accepted
    pub online: bool,
    /// The Central System's last answer to a BootNotification (enum
    /// ocpp_registration_status), or -1 when none came since ocpp_init
    pub registration: c_int,
    /// Connectors of the charge point (num_of_con of ocpp_init)
    pub num_connectors: u8,
    /// Connectors with a running transaction
    pub transactions: u8,
    /// Transaction messages (StartTransaction, MeterValues,
    /// StopTransaction) not yet confirmed by the Central System
    pub queued_transaction_messages: u32,
    /// Other requests waiting to be sent (at most
    /// CONFIG_OCPP_OUTBOX_DEPTH)
    pub queued_requests: u32,
}

/// @brief One connector, as reported by ocpp_get_connector_state.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ocpp_connector_state {
    /// Its status as last set (enum ocpp_connector_status)
    pub status: ocpp_connector_status,
    /// A transaction runs on it
    pub transaction: bool,
    /// transactionId from the Central System, -1 until confirmed (or
    /// without a transaction)
    pub transaction_id: c_int,
    /// idTag of its transaction, NUL-terminated, empty without one
    pub idtag: [c_char; CISTR20_BUF],
}

/// @brief A snapshot of the charge point: connection, registration,
///        running transactions and queue depths.
///
/// @param status filled on success
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -EINVAL status is NULL, or not initialized
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_get_status(status: *mut ocpp_status) -> c_int {
    outcome(|| {
        if status.is_null() {
            return Err(Errno::Inval.ret());
        }
        let lib = Use::enter()?;
        let found = lib.runtime.locked(|cp, _| {
            let connectors = cp.number_of_connectors();
            ocpp_status {
                connected: cp.is_connected(),
                online: cp.is_online(),
                registration: cp.registration().map_or(-1, |r| match r {
                    RegistrationStatus::Accepted => {
                        ocpp_registration_status::OCPP_REGISTRATION_ACCEPTED as c_int
                    }
                    RegistrationStatus::Pending => {
                        ocpp_registration_status::OCPP_REGISTRATION_PENDING as c_int
                    }
                    RegistrationStatus::Rejected => {
                        ocpp_registration_status::OCPP_REGISTRATION_REJECTED as c_int
                    }
                }),
                num_connectors: connectors,
                transactions: (1..=connectors).filter(|&c| cp.has_transaction(c)).count() as u8,
                queued_transaction_messages: u32::try_from(cp.queued_transaction_messages())
                    .unwrap_or(u32::MAX),
                queued_requests: u32::try_from(cp.queued_requests()).unwrap_or(u32::MAX),
            }
        });
        // SAFETY: non-null (checked) and writable per the API contract.
        unsafe { status.write(found) };
        Ok(())
    })
}

/// @brief The state of one connector: its status and its transaction.
///
/// @param conn_id connector id, 0 (the charge point) .. num_of_con
/// @param state filled on success
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -EINVAL conn_id above num_of_con, state NULL, or not initialized
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_get_connector_state(
    conn_id: u8,
    state: *mut ocpp_connector_state,
) -> c_int {
    outcome(|| {
        if state.is_null() {
            return Err(Errno::Inval.ret());
        }
        let lib = Use::enter()?;
        if conn_id > lib.connectors {
            return Err(Errno::Inval.ret());
        }
        let found = lib.runtime.locked(|cp, _| {
            let status = cp.connector_status(conn_id).ok_or(Errno::Inval.ret())?;
            let index = CONNECTOR_STATUSES
                .iter()
                .position(|s| *s == status)
                .ok_or(Errno::Inval.ret())?;
            let mut out = ocpp_connector_state {
                status: C_STATUSES.get(index).copied().ok_or(Errno::Inval.ret())?,
                transaction: cp.has_transaction(conn_id),
                transaction_id: cp.transaction_id(conn_id).unwrap_or(-1),
                idtag: [0; CISTR20_BUF],
            };
            if let Some(tag) = cp.transaction_id_tag(conn_id) {
                copy_c_string(&mut out.idtag, tag);
            }
            Ok::<_, c_int>(out)
        })?;
        // SAFETY: non-null (checked) and writable per the API contract.
        unsafe { state.write(found) };
        Ok(())
    })
}

/// The C enumerators in the order of `CONNECTOR_STATUSES`.
/// cbindgen:ignore
const C_STATUSES: [ocpp_connector_status; 9] = {
    use ocpp_connector_status::*;
    [
        OCPP_CONNECTOR_AVAILABLE,
        OCPP_CONNECTOR_PREPARING,
        OCPP_CONNECTOR_CHARGING,
        OCPP_CONNECTOR_SUSPENDED_EVSE,
        OCPP_CONNECTOR_SUSPENDED_EV,
        OCPP_CONNECTOR_FINISHING,
        OCPP_CONNECTOR_RESERVED,
        OCPP_CONNECTOR_UNAVAILABLE,
        OCPP_CONNECTOR_FAULTED,
    ]
};

/// @brief The name of a configuration key this build knows, by index: with
///        ocpp_get_configuration, a way to list every key (as the Central
///        System's GetConfiguration without keys would).
///
/// Works before ocpp_init as well: the set of keys is fixed at build time.
///
/// @param index 0 for the first key, then 1, 2, ...
/// @param name receives the key name, NUL-terminated
/// @param size size of name in bytes (key names are at most 50 characters)
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -ENOENT index is past the last key
/// @retval -ENOSPC the name does not fit in size bytes (left untouched)
/// @retval -EINVAL name is NULL
#[no_mangle]
pub unsafe extern "C" fn ocpp_configuration_key(
    index: usize,
    name: *mut c_char,
    size: usize,
) -> c_int {
    outcome(|| {
        if name.is_null() {
            return Err(Errno::Inval.ret());
        }
        let key = ConfigKey::ALL.get(index).ok_or(Errno::NoEnt.ret())?;
        let text = key.as_str();
        if text.len() >= size {
            return Err(Errno::NoSpc.ret());
        }
        // SAFETY: `name` has room for `size` > text.len() bytes per the API contract; the source
        // is a static string, so the two do not overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(text.as_ptr(), name.cast::<u8>(), text.len());
            name.add(text.len()).write(0);
        }
        Ok(())
    })
}
