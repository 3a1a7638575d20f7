//! Our functions beyond Zephyr's API: transactions by connector, configuration, events,
//! shutdown.

use super::*;

// --------------------------------------------------------------------- our extra functions

/// @brief Stop the transaction running on a connector, whichever session
///        started it (e.g. one closed with its transaction running).
///
/// @param conn_id connector id, 1..num_of_con
/// @param meter_val the connector's energy register, Wh
/// @param timeout_ms how long to wait for the Central System, in milliseconds
///
/// @return as ocpp_stop_transaction
/// @retval -EINVAL conn_id out of range, no transaction on it, or not
///         initialized
#[no_mangle]
pub extern "C" fn ocpp_stop_connector_transaction(
    conn_id: u8,
    meter_val: c_int,
    timeout_ms: u32,
) -> c_int {
    let lib = match Use::enter() {
        Ok(lib) => lib,
        Err(e) => return e,
    };
    if conn_id == 0 || conn_id > lib.connectors {
        return Errno::Inval.ret();
    }
    stop(&lib, StopTarget::Connector(conn_id), meter_val, timeout_ms)
}

/// @brief Where the session's transaction stands.
///
/// @param hndl the session
/// @param info filled on success
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -EINVAL bad handle or info, or not initialized
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_get_transaction(
    hndl: ocpp_session_handle_t,
    info: *mut ocpp_transaction_info,
) -> c_int {
    outcome(|| {
        if info.is_null() {
            return Err(Errno::Inval.ret());
        }
        let lib = Use::enter()?;
        let found = lib.runtime.locked(|cp, _| {
            let tx = cp.station_mut().session(hndl)?.tx;
            let none = ocpp_transaction_info {
                id_con: 0,
                transaction_id: -1,
                state: ocpp_transaction_state::OCPP_TX_NONE,
            };
            Ok::<_, c_int>(match tx {
                SessionTx::Idle => none,
                SessionTx::Ended => ocpp_transaction_info {
                    state: ocpp_transaction_state::OCPP_TX_ENDED,
                    ..none
                },
                SessionTx::Running(c) => {
                    let id_con = c_int::from(c);
                    match (cp.has_transaction(c), cp.transaction_id(c)) {
                        (false, _) => ocpp_transaction_info {
                            id_con,
                            state: ocpp_transaction_state::OCPP_TX_ENDED,
                            ..none
                        },
                        (true, None) => ocpp_transaction_info {
                            id_con,
                            state: ocpp_transaction_state::OCPP_TX_PENDING,
                            ..none
                        },
                        (true, Some(id)) => ocpp_transaction_info {
                            id_con,
                            transaction_id: id,
                            state: ocpp_transaction_state::OCPP_TX_CONFIRMED,
                        },
                    }
                }
            })
        })?;
        // SAFETY: non-null and writable per the API contract.
        unsafe { info.write(found) };
        Ok(())
    })
}

/// @brief Report a connector's status to the Central System
///        (StatusNotification, sent when it changes).
///
/// The library sets Charging when a transaction starts and Finishing when it
/// stops; report the rest (plug in/out: Preparing, Available; faults;
/// suspension) with this function.
///
/// @param conn_id connector id, or 0 for the charge point as a whole
/// @param status the new status (enum ocpp_connector_status)
/// @param error error code, OCPP_CONNECTOR_NO_ERROR unless status is
///        OCPP_CONNECTOR_FAULTED (or a warning applies)
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -EINVAL conn_id above num_of_con, status or error not one of
///         their enumerators, or not initialized
/// @retval -EBUSY called from the callback
#[no_mangle]
pub extern "C" fn ocpp_set_connector_status(
    conn_id: u8,
    status: ocpp_connector_status_arg,
    error: ocpp_connector_error_arg,
) -> c_int {
    outcome(|| {
        let lib = Use::enter()?;
        let pick = |i: c_int| usize::try_from(i).ok();
        let status = pick(status)
            .and_then(|i| CONNECTOR_STATUSES.get(i))
            .copied()
            .ok_or(Errno::Inval.ret())?;
        let error = pick(error)
            .and_then(|i| CONNECTOR_ERRORS.get(i))
            .copied()
            .ok_or(Errno::Inval.ret())?;
        lib.runtime
            .locked(|cp, now| cp.set_connector_status(now, conn_id, status, error))
            .map_err(command_error)
    })
}

/// @brief Whether the charge point is connected to the Central System and
///        its BootNotification accepted (requests are then sent at once).
///
/// @return true when online; false otherwise or when not initialized
#[no_mangle]
pub extern "C" fn ocpp_is_online() -> bool {
    // No engine lock needed: usable from the callback too.
    GLOBAL.state.load(SeqCst) == READY && GLOBAL.online.load(SeqCst)
}

/// @brief Read a configuration key (OCPP 1.6 section 9.1), as the Central
///        System's GetConfiguration would.
///
/// @param key key name (case-insensitive), e.g. "HeartbeatInterval"
/// @param value receives the value, NUL-terminated (lists are comma
///        separated, booleans "true"/"false")
/// @param size size of value in bytes (values are at most 500 characters)
/// @param readonly if not NULL, set to whether the Central System may not
///        change the key
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -ENOENT unknown key
/// @retval -ENOSPC value does not fit in size bytes (left untouched)
/// @retval -EINVAL key or value is NULL, or not initialized
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_get_configuration(
    key: *const c_char,
    value: *mut c_char,
    size: usize,
    readonly: *mut bool,
) -> c_int {
    outcome(|| {
        if key.is_null() || value.is_null() {
            return Err(Errno::Inval.ret());
        }
        // SAFETY: non-null and NUL-terminated per the API contract.
        let name = unsafe { c_str(key) }.ok_or(Errno::NoEnt.ret())?;
        let key = Configuration::find(name).ok_or(Errno::NoEnt.ret())?;
        let lib = Use::enter()?;
        let text = lib.runtime.locked(|cp, _| cp.configuration().render(key));
        if text.len() >= size {
            return Err(Errno::NoSpc.ret());
        }
        // SAFETY: `value` has room for `size` > text.len() bytes per the API contract; the source
        // is our own string, so the two do not overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(text.as_ptr(), value.cast::<u8>(), text.len());
            value.add(text.len()).write(0);
        }
        if !readonly.is_null() {
            // SAFETY: non-null and writable per the API contract.
            unsafe { readonly.write(key.access() == Access::ReadOnly) };
        }
        Ok(())
    })
}

/// @brief Change a configuration key locally, as the Central System's
///        ChangeConfiguration would (OCPP_EVENT_CONFIGURATION follows).
///
/// For example MeterValueSampleInterval (seconds between meter values during
/// a transaction), MeterValuesSampledData (which measurands), HeartbeatInterval.
///
/// @param key key name (case-insensitive)
/// @param value new value as text
/// @param reboot_required if not NULL, set to whether the change takes effect
///        only after a reboot
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -ENOENT unknown key
/// @retval -EACCES the key is read-only
/// @retval -EINVAL the value is not valid for the key, key or value is NULL,
///         or not initialized
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_change_configuration(
    key: *const c_char,
    value: *const c_char,
    reboot_required: *mut bool,
) -> c_int {
    outcome(|| {
        if key.is_null() || value.is_null() {
            return Err(Errno::Inval.ret());
        }
        // SAFETY: non-null and NUL-terminated per the API contract.
        let (name, text) = unsafe { (c_str(key), c_str(value)) };
        let name = name.ok_or(Errno::NoEnt.ret())?;
        let text = text.ok_or(Errno::Inval.ret())?;
        let key = Configuration::find(name).ok_or(Errno::NoEnt.ret())?;
        if key.access() == Access::ReadOnly {
            return Err(Errno::Acces.ret());
        }
        let lib = Use::enter()?;
        let answer = lib
            .runtime
            .locked(|cp, now| cp.change_configuration(now, key.as_str(), text));
        let reboot = match answer {
            ConfigurationStatus::Accepted => false,
            ConfigurationStatus::RebootRequired => true,
            ConfigurationStatus::Rejected => return Err(Errno::Inval.ret()),
            ConfigurationStatus::NotSupported => return Err(Errno::NoEnt.ret()),
        };
        if !reboot_required.is_null() {
            // SAFETY: non-null and writable per the API contract.
            unsafe { reboot_required.write(reboot) };
        }
        Ok(())
    })
}

/// @brief Wait for the next event for the application (reset and
///        availability requests, configuration changes, connection state).
///
/// Events are kept in order in a bounded history: the oldest are lost when
/// nobody polls. Call it from an application thread, not from the callback.
///
/// @param event filled on success
/// @param timeout_ms how long to wait, 0 to only check
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -EAGAIN no event within timeout_ms
/// @retval -EINVAL event is NULL, not initialized, or ocpp_deinit was called
///         while waiting (it wakes every waiter)
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_poll_event(event: *mut ocpp_event, timeout_ms: u32) -> c_int {
    outcome(|| {
        if event.is_null() {
            return Err(Errno::Inval.ret());
        }
        let lib = Use::enter()?;
        let found = lib
            .runtime
            .wait_for(|e| ocpp_event::from_event(e).is_some(), timeout_ms);
        if GLOBAL.state.load(SeqCst) != READY {
            // Woken by ocpp_deinit.
            return Err(Errno::Inval.ret());
        }
        let out = found
            .as_ref()
            .and_then(ocpp_event::from_event)
            .ok_or(Errno::Again.ret())?;
        // SAFETY: non-null and writable per the API contract.
        unsafe { event.write(out) };
        Ok(())
    })
}

/// @brief Shut the library down: close the connection, stop its thread and
///        forget the sessions, so that ocpp_init may be called again.
///
/// Transaction messages not delivered yet are lost. Calls waiting in other
/// threads are woken (they return an error), and it waits for them to return. Meant for tests and orderly
/// shutdown; not in Zephyr's API.
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -EINVAL the library is not initialized
/// @retval -EBUSY called from the callback
#[no_mangle]
pub extern "C" fn ocpp_deinit() -> c_int {
    if Platform::in_callback() {
        return Errno::Busy.ret();
    }
    if GLOBAL
        .state
        .compare_exchange(READY, STOPPING, SeqCst, SeqCst)
        .is_err()
    {
        return Errno::Inval.ret();
    }
    // Calls blocked in a wait (ocpp_poll_event with UINT32_MAX...) return now.
    // SAFETY: READY until the exchange above, so `context` is initialized; it is only read
    // here, as by the users, and not taken before they are gone.
    Runtime::interrupt(&unsafe { (*GLOBAL.context.get()).assume_init_ref() }.runtime);
    while GLOBAL.users.load(SeqCst) != 0 {
        Platform::sleep_ms(1);
    }
    // SAFETY: STOPPING with no users: this thread alone accesses `context`, initialized in READY.
    let context = unsafe { (*GLOBAL.context.get()).assume_init_read() };
    context.runtime.close();
    GLOBAL.online.store(false, SeqCst);
    GLOBAL.registered.store(false, SeqCst);
    GLOBAL.state.store(UNINIT, SeqCst);
    0
}
