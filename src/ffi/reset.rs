//! Reset: what happens once an accepted Reset is due (Event::ResetDue): the application's
//! reset handler when it registered one, else the platform's default (Zephyr: sys_reboot with
//! CONFIG_OCPP_RESET_REBOOT; host: none). The library then reconnects and registers anew.

use super::*;

use core::sync::atomic::AtomicPtr;

/// @brief Takes a reset over from the library (see ocpp_set_reset_handler).
///
/// Called on the library's thread once a Reset of the Central System is
/// due: the running transactions were stopped and their messages
/// delivered (or CONFIG_OCPP_RESET_TIMEOUT_MS passed). It must not block
/// long; ocpp_* calls from it fail with -EBUSY.
///
/// @param type OCPP_RESET_SOFT or OCPP_RESET_HARD
/// @param user_data as given to ocpp_set_reset_handler
///
/// @return 0 when the application took the reset over; another value lets
///         the library go on with its default (a reboot with
///         CONFIG_OCPP_RESET_REBOOT)
pub type ocpp_reset_handler_t =
    Option<unsafe extern "C" fn(r#type: ocpp_reset_type, user_data: *mut c_void) -> c_int>;

/// The handler as a data pointer (null: none) and its user data.
/// cbindgen:ignore
static HANDLER: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());
/// cbindgen:ignore
static HANDLER_DATA: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());

/// @brief Register the application's reset handler, or remove it (NULL).
///
/// By default a due Reset reboots the device with sys_reboot()
/// (SYS_REBOOT_WARM for Soft, SYS_REBOOT_COLD for Hard) when
/// CONFIG_OCPP_RESET_REBOOT is set; without it, or on a platform that
/// cannot reboot, the library reconnects and sends a new
/// BootNotification. A handler is called instead of the reboot and
/// decides (see ocpp_reset_handler_t). May be called before ocpp_init; it
/// stays registered across ocpp_deinit.
///
/// @param handler the handler, or NULL for the default
/// @param user_data handed back to the handler
///
/// @return 0
#[no_mangle]
pub extern "C" fn ocpp_set_reset_handler(
    handler: ocpp_reset_handler_t,
    user_data: *mut c_void,
) -> c_int {
    // The data first: a reset racing with this call sees the new handler with its data or
    // the old handler (null data at worst, which the application's own contract covers).
    HANDLER_DATA.store(user_data, SeqCst);
    HANDLER.store(
        handler.map_or(core::ptr::null_mut(), |f| f as *mut ()),
        SeqCst,
    );
    0
}

/// A Reset is due (the platform's thread, no engine lock).
pub(super) fn reset_due(kind: ResetType) {
    let raw = HANDLER.load(SeqCst);
    let c_kind = match kind {
        ResetType::Hard => ocpp_reset_type::OCPP_RESET_HARD,
        ResetType::Soft => ocpp_reset_type::OCPP_RESET_SOFT,
    };
    if !raw.is_null() {
        // SAFETY: a non-null HANDLER was stored from an `unsafe extern "C" fn(ocpp_reset_type,
        // *mut c_void) -> c_int` by ocpp_set_reset_handler; function and data pointers have
        // the same size on every target we build for.
        let handler: unsafe extern "C" fn(ocpp_reset_type, *mut c_void) -> c_int =
            unsafe { core::mem::transmute::<*mut (), _>(raw) };
        let data = HANDLER_DATA.load(SeqCst);
        // SAFETY: the application's handler, called with the contract of ocpp_reset_handler_t.
        let taken = Platform::callback_scope(|| unsafe { handler(c_kind, data) }) == 0;
        if taken {
            info!("reset taken over by the application's handler");
            return;
        }
    }
    Platform::reboot(kind);
}
