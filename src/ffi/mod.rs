//! Zephyr's OCPP C API (`zephyr/net/ocpp.h`) on top of the engine.
//!
//! The header `include/zephyr/net/ocpp.h` is generated from this file by cbindgen (see
//! `cbindgen.toml`): the doc comments of the exported items are its doxygen comments. Types,
//! field order and enum values are Zephyr 4.3's, so C applications written for Zephyr's own
//! library compile and link unchanged.
//!
//! This module holds no protocol logic. It checks arguments, maps engine errors to negative
//! errno values, keeps the session table, blocks for answers and turns [`Station`] requests into
//! calls of the application's callback. The charge point itself runs on a platform (see
//! `Runtime`): `HostChargePoint` with feature `std`.
//!
//! Threading: every call takes the engine lock of the platform; the sessions live inside the
//! `CallbackStation`, so they are protected by the same lock. The callback is called with that
//! lock held (it is a [`Station`] method), so ocpp_* calls made from inside it fail with -EBUSY
//! instead of deadlocking.
#![allow(non_camel_case_types)]
// The safety contract of every exported function is the C API's own, documented in the header
// (valid pointers, NUL-terminated strings); a Rust "# Safety" heading would land in the header.
#![allow(clippy::missing_safety_doc)]

// One file per optional profile's functions.
#[cfg(feature = "local-auth-list")]
mod local_list;
#[cfg(feature = "reservation")]
mod reservation;
#[cfg(feature = "local-auth-list")]
pub use local_list::*;
#[cfg(feature = "reservation")]
pub use reservation::*;

use core::cell::UnsafeCell;
use core::ffi::{c_char, c_int, c_void, CStr};
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering::SeqCst};

use crate::capacity::{MAX_CONNECTORS, MAX_SESSIONS};
use crate::cistring::{CiString, CiString20};
use crate::datetime::Instant;
use crate::engine::config::Access;
use crate::engine::{
    ChargePoint, CommandError, Configuration, Event, RequestError, StartOutcome, Station,
};
use crate::messages::{
    AuthorizationStatus, BootNotificationRequest, ChargePointErrorCode, ChargePointStatus,
    ConfigurationStatus, Measurand, RegistrationStatus, ResetType, SampleText, UnlockStatus,
};

// ---------------------------------------------------------------------------------------- errno

/// The errno values this API returns, as positive numbers (returned negated).
///
/// Most are equal in every C library we target; EALREADY is not: Linux 114, the BSDs and macOS
/// 37, Zephyr's picolibc and newlib 120, Zephyr's minimal libc 69 (set `OCPP_LIBC_MINIMAL=1` in
/// the build environment for that one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Errno {
    NoEnt = 2,
    Io = 5,
    Again = 11,
    NoMem = 12,
    Acces = 13,
    Busy = 16,
    Inval = 22,
    NoSpc = 28,
    #[cfg(all(feature = "zephyr", ocpp_libc_minimal))]
    Already = 69,
    #[cfg(all(feature = "zephyr", not(ocpp_libc_minimal)))]
    Already = 120,
    #[cfg(all(
        not(feature = "zephyr"),
        any(
            target_os = "macos",
            target_os = "ios",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "openbsd",
            target_os = "dragonfly"
        )
    ))]
    Already = 37,
    #[cfg(all(
        not(feature = "zephyr"),
        not(any(
            target_os = "macos",
            target_os = "ios",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "openbsd",
            target_os = "dragonfly"
        ))
    ))]
    Already = 114,
}

impl Errno {
    /// The value a function returns for this error.
    const fn ret(self) -> c_int {
        -(self as c_int)
    }
}

/// The errno for a command the engine refused.
const fn command_error(e: CommandError) -> c_int {
    match e {
        CommandError::InvalidConnector | CommandError::InvalidArgument => Errno::Inval.ret(),
        CommandError::Busy | CommandError::Unavailable | CommandError::Reserved => {
            Errno::Busy.ret()
        }
        CommandError::NotReady => Errno::Again.ret(),
        CommandError::QueueFull => Errno::NoMem.ret(),
    }
}

/// The errno for a request that got no usable answer.
const fn request_error(e: RequestError) -> c_int {
    match e {
        RequestError::Offline | RequestError::Timeout => Errno::Again.ret(),
        RequestError::CallError(_) | RequestError::BadResponse | RequestError::TooLarge => {
            Errno::Io.ret()
        }
    }
}

// ------------------------------------------------------------------------- Zephyr's types

/// Size of the fixed string buffers of the API (idTag, meter reading), NUL included.
pub const CISTR50: usize = 50;

/// Longest idTag (OCPP CiString20Type), without its NUL.
pub const CISTR20: usize = 20;

/// Size of a buffer holding an idTag and its NUL.
pub const CISTR20_BUF: usize = CISTR20 + 1;

/// @brief What the Central System (or the local cache) said about an idTag,
///        as returned by ocpp_authorize.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ocpp_auth_status {
    /// Unknown or invalid idTag (OCPP Invalid)
    OCPP_AUTH_INVALID,
    /// The idTag may charge (OCPP Accepted)
    OCPP_AUTH_ACCEPTED,
    /// The idTag is blocked (OCPP Blocked)
    OCPP_AUTH_BLOCKED,
    /// The idTag is no longer valid (OCPP Expired)
    OCPP_AUTH_EXPIRED,
    /// The idTag is already in a transaction elsewhere (OCPP ConcurrentTx)
    OCPP_AUTH_CONCURRENT_TX,
}

impl From<AuthorizationStatus> for ocpp_auth_status {
    fn from(status: AuthorizationStatus) -> Self {
        match status {
            AuthorizationStatus::Accepted => Self::OCPP_AUTH_ACCEPTED,
            AuthorizationStatus::Blocked => Self::OCPP_AUTH_BLOCKED,
            AuthorizationStatus::Expired => Self::OCPP_AUTH_EXPIRED,
            AuthorizationStatus::Invalid => Self::OCPP_AUTH_INVALID,
            AuthorizationStatus::ConcurrentTx => Self::OCPP_AUTH_CONCURRENT_TX,
        }
    }
}

/// @brief Why the library calls the application's callback
///        (ocpp_user_notify_callback_t); each reason uses one member of
///        union ocpp_io_value.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ocpp_notify_reason {
    /// A meter reading is needed: io->meter_val.id_con (0: the
    /// main meter) and io->meter_val.mes are set; write the reading as a
    /// NUL-terminated decimal number into io->meter_val.val, in the unit of
    /// the measurand, and return 0 (any other value: not available).
    OCPP_USR_GET_METER_VALUE,

    /// Remote start: the Central System asks to charge
    /// io->start_charge.idtag on connector io->start_charge.id_con. Return 0
    /// to accept (then authorize and call ocpp_start_transaction from another
    /// thread), any other value to reject.
    OCPP_USR_START_CHARGING,

    /// Remote stop: the Central System asks to stop
    /// the transaction on connector io->stop_charge.id_con. Return 0 to
    /// accept, then call ocpp_stop_transaction from another thread.
    OCPP_USR_STOP_CHARGING,

    /// The Central System asks to unlock the cable of io->unlock_con.id_con (its
    /// transaction, if any, was already stopped). Return 0 when unlocked,
    /// any other value when unlocking failed.
    OCPP_USR_UNLOCK_CONNECTOR,
}

/// @brief Quantities the library may ask the application to measure
///        (OCPP_USR_GET_METER_VALUE).
///
/// Each is reported as the OCPP 1.6 measurand named below, in its unit.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ocpp_meter_measurand {
    /// Current.Export: current the EV feeds back, A
    OCPP_OMM_CURRENT_FROM_EV,
    /// Current.Import: current into the EV, A
    OCPP_OMM_CURRENT_TO_EV,
    /// Current.Offered: the limit offered to the EV, A
    OCPP_OMM_CURRENT_MAX_OFFERED_TO_EV,
    /// Energy.Active.Export.Register: energy register, EV to grid, Wh
    OCPP_OMM_ACTIVE_ENERGY_FROM_EV,
    /// Energy.Active.Import.Register: energy register, grid to EV, Wh
    OCPP_OMM_ACTIVE_ENERGY_TO_EV,
    /// Energy.Reactive.Export.Register: reactive energy register, EV to grid, varh
    OCPP_OMM_REACTIVE_ENERGY_FROM_EV,
    /// Energy.Reactive.Import.Register: reactive energy register, grid to EV, varh
    OCPP_OMM_REACTIVE_ENERGY_TO_EV,
    /// Power.Active.Export: power the EV feeds back, W
    OCPP_OMM_ACTIVE_POWER_FROM_EV,
    /// Power.Active.Import: power into the EV, W
    OCPP_OMM_ACTIVE_POWER_TO_EV,
    /// Power.Reactive.Export: reactive power, EV to grid, var
    OCPP_OMM_REACTIVE_POWER_FROM_EV,
    /// Power.Reactive.Import: reactive power, grid to EV, var
    OCPP_OMM_REACTIVE_POWER_TO_EV,
    /// Frequency: grid frequency, Hz (reported without a unit, as OCPP 1.6 has none)
    OCPP_OMM_POWERLINE_FREQ,
    /// Power.Factor: dimensionless
    OCPP_OMM_POWER_FACTOR,
    /// Power.Offered: the power limit offered to the EV, W
    OCPP_OMM_POWER_MAX_OFFERED_TO_EV,
    /// RPM: fan speed
    OCPP_OMM_FAN_SPEED,
    /// SoC: the EV's state of charge, Percent
    OCPP_OMM_CHARGING_PERCENT,
    /// Temperature: inside the charge point, Celsius
    OCPP_OMM_TEMPERATURE,
    /// Voltage: RMS supply voltage, V
    OCPP_OMM_VOLTAGE_AC_RMS,

    /// Count of the values above; not a measurand
    OCPP_OMM_END,
}

impl ocpp_meter_measurand {
    /// Every measurand, in enum order.
    /// cbindgen:ignore
    const ALL: [Self; 18] = [
        Self::OCPP_OMM_CURRENT_FROM_EV,
        Self::OCPP_OMM_CURRENT_TO_EV,
        Self::OCPP_OMM_CURRENT_MAX_OFFERED_TO_EV,
        Self::OCPP_OMM_ACTIVE_ENERGY_FROM_EV,
        Self::OCPP_OMM_ACTIVE_ENERGY_TO_EV,
        Self::OCPP_OMM_REACTIVE_ENERGY_FROM_EV,
        Self::OCPP_OMM_REACTIVE_ENERGY_TO_EV,
        Self::OCPP_OMM_ACTIVE_POWER_FROM_EV,
        Self::OCPP_OMM_ACTIVE_POWER_TO_EV,
        Self::OCPP_OMM_REACTIVE_POWER_FROM_EV,
        Self::OCPP_OMM_REACTIVE_POWER_TO_EV,
        Self::OCPP_OMM_POWERLINE_FREQ,
        Self::OCPP_OMM_POWER_FACTOR,
        Self::OCPP_OMM_POWER_MAX_OFFERED_TO_EV,
        Self::OCPP_OMM_FAN_SPEED,
        Self::OCPP_OMM_CHARGING_PERCENT,
        Self::OCPP_OMM_TEMPERATURE,
        Self::OCPP_OMM_VOLTAGE_AC_RMS,
    ];

    /// The OCPP 1.6 measurand reported for this reading (FROM_EV is Export, TO_EV Import).
    pub const fn measurand(self) -> Option<Measurand> {
        use ocpp_meter_measurand::*;
        Some(match self {
            OCPP_OMM_CURRENT_FROM_EV => Measurand::CurrentExport,
            OCPP_OMM_CURRENT_TO_EV => Measurand::CurrentImport,
            OCPP_OMM_CURRENT_MAX_OFFERED_TO_EV => Measurand::CurrentOffered,
            OCPP_OMM_ACTIVE_ENERGY_FROM_EV => Measurand::EnergyActiveExportRegister,
            OCPP_OMM_ACTIVE_ENERGY_TO_EV => Measurand::EnergyActiveImportRegister,
            OCPP_OMM_REACTIVE_ENERGY_FROM_EV => Measurand::EnergyReactiveExportRegister,
            OCPP_OMM_REACTIVE_ENERGY_TO_EV => Measurand::EnergyReactiveImportRegister,
            OCPP_OMM_ACTIVE_POWER_FROM_EV => Measurand::PowerActiveExport,
            OCPP_OMM_ACTIVE_POWER_TO_EV => Measurand::PowerActiveImport,
            OCPP_OMM_REACTIVE_POWER_FROM_EV => Measurand::PowerReactiveExport,
            OCPP_OMM_REACTIVE_POWER_TO_EV => Measurand::PowerReactiveImport,
            OCPP_OMM_POWERLINE_FREQ => Measurand::Frequency,
            OCPP_OMM_POWER_FACTOR => Measurand::PowerFactor,
            OCPP_OMM_POWER_MAX_OFFERED_TO_EV => Measurand::PowerOffered,
            OCPP_OMM_FAN_SPEED => Measurand::Rpm,
            OCPP_OMM_CHARGING_PERCENT => Measurand::SoC,
            OCPP_OMM_TEMPERATURE => Measurand::Temperature,
            OCPP_OMM_VOLTAGE_AC_RMS => Measurand::Voltage,
            OCPP_OMM_END => return None,
        })
    }

    /// The Zephyr reading that `measurand` is; None for the interval registers, which Zephyr's
    /// API cannot ask for.
    pub fn from_measurand(measurand: Measurand) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.measurand() == Some(measurand))
    }
}

/// Input/output of an OCPP_USR_GET_METER_VALUE callback (union ocpp_io_value).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ocpp_io_meter_val {
    /// In: the connector to read (0: the charge point's main meter)
    pub id_con: c_int,

    /// In: what to read
    pub mes: ocpp_meter_measurand,

    /// Out: the reading as NUL-terminated decimal text
    pub val: [c_char; CISTR50],
}

/// Input of an OCPP_USR_START_CHARGING callback (union ocpp_io_value).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ocpp_io_start_charge {
    /// Input to user
    pub idtag: [c_char; CISTR50],

    /// In: the connector to charge on (this library always names one: the
    /// one requested, or a free one; never -1)
    pub id_con: c_int,
}

/// Input of an OCPP_USR_STOP_CHARGING callback (union ocpp_io_value).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ocpp_io_stop_charge {
    /// In: the connector whose transaction should stop
    pub id_con: c_int,
}

/// Input of an OCPP_USR_UNLOCK_CONNECTOR callback (union ocpp_io_value).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ocpp_io_unlock_con {
    /// In: the connector to unlock
    pub id_con: c_int,
}

/// @brief The data of a callback: the member named after the
///        ocpp_notify_reason given with it is the valid one (meter_val for
///        OCPP_USR_GET_METER_VALUE, and so on).
#[repr(C)]
#[derive(Clone, Copy)]
pub union ocpp_io_value {
    /// With OCPP_USR_GET_METER_VALUE
    pub meter_val: ocpp_io_meter_val,
    /// With OCPP_USR_START_CHARGING
    pub start_charge: ocpp_io_start_charge,
    /// With OCPP_USR_STOP_CHARGING
    pub stop_charge: ocpp_io_stop_charge,
    /// With OCPP_USR_UNLOCK_CONNECTOR
    pub unlock_con: ocpp_io_unlock_con,
}

/// @brief Who the charge point is, for ocpp_init (the BootNotification's
///        fields) and how many connectors it has.
///
/// The strings are copied by ocpp_init. Lengths (OCPP 1.6 limits): model,
/// vendor, iccid, imsi up to 20 characters; serial numbers and meter type up
/// to 25; firmware version up to 50. Optional fields may be NULL or empty
/// (then not sent).
#[repr(C)]
pub struct ocpp_cp_info {
    /// Model (required)
    pub model: *mut c_char,
    /// Vendor (required)
    pub vendor: *mut c_char,

    /// Connectors, numbered 1..num_of_con
    pub num_of_con: c_int,

    /// Charge point serial number (optional)
    pub sl_no: *mut c_char,
    /// Charge box serial number (optional)
    pub box_sl_no: *mut c_char,
    /// Firmware version (optional)
    pub fw_ver: *mut c_char,
    /// SIM card ICCID (optional)
    pub iccid: *mut c_char,
    /// SIM card IMSI (optional)
    pub imsi: *mut c_char,
    /// Main meter serial number (optional)
    pub meter_sl_no: *mut c_char,
    /// Main meter type (optional)
    pub meter_type: *mut c_char,
}

/// The socket address family type of `<zephyr/net/net_ip.h>` (unsigned short). Not emitted:
/// the header names it and net_ip.h defines it.
/// cbindgen:no-export
pub type sa_family_t = u16;

/// @brief Where the Central System is, for ocpp_init.
///
/// The library connects to ws://cs_ip:port/ws_url (ws_url is the path as
/// given, e.g. "/steve/websocket/CentralSystemService/CP_1": its last segment
/// is the charge point identity). cs_ip may be an IPv4 or IPv6 address (or,
/// on the host, a name); sa_family is informative, the address tells.
#[repr(C)]
pub struct ocpp_cs_info {
    /// Address of the Central System (IPv4 or IPv6 literal)
    pub cs_ip: *mut c_char,
    /// WebSocket path, ending with the charge point identity
    pub ws_url: *mut c_char,
    /// TCP port
    pub port: c_int,
    /// AF_INET or AF_INET6
    pub sa_family: sa_family_t,
}

/// @brief A session: what one user of the charge point (typically a
///        connector's thread) holds across ocpp_* calls
pub type ocpp_session_handle_t = *mut c_void;

/// @brief The application's callback, given to ocpp_init: the library asks
///        for meter readings and forwards the Central System's remote
///        start, remote stop and unlock requests. Return quickly.
///
/// It runs on the library's thread, except that OCPP_USR_GET_METER_VALUE is
/// also asked from within ocpp_stop_transaction (the readings at the end of
/// the transaction), on the calling thread. It is called with the library
/// locked: ocpp_* functions called from inside it return -EBUSY.
///
/// @param reason what is asked
/// @param io its data (the member matching reason)
/// @param user_data as given to ocpp_init
///
/// @return 0, or a negative errno:
pub type ocpp_user_notify_callback_t = Option<
    unsafe extern "C" fn(
        reason: ocpp_notify_reason,
        io: *mut ocpp_io_value,
        user_data: *mut c_void,
    ) -> c_int,
>;

/// Same as struct ocpp_cp_info (the name Zephyr's documentation uses).
pub type ocpp_cp_info_t = ocpp_cp_info;
/// Same as struct ocpp_cs_info (the name Zephyr's documentation uses).
pub type ocpp_cs_info_t = ocpp_cs_info;
/// Same as union ocpp_io_value (the name Zephyr's documentation uses).
pub type ocpp_io_value_t = ocpp_io_value;
/// Same as enum ocpp_notify_reason (the name Zephyr's documentation uses).
pub type ocpp_notify_reason_t = ocpp_notify_reason;
/// Same as enum ocpp_auth_status (the name Zephyr's documentation uses).
pub type ocpp_auth_status_t = ocpp_auth_status;

// ---------------------------------------------------------------------- our additional types

/// @brief State of a session's transaction (ocpp_get_transaction).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ocpp_transaction_state {
    /// The session has no transaction.
    OCPP_TX_NONE,
    /// Started, and the StartTransaction is not confirmed yet: queued while
    /// offline, or not answered within the timeout of ocpp_start_transaction.
    /// It is delivered when the Central System can be reached.
    OCPP_TX_PENDING,
    /// Started and confirmed by the Central System (transaction_id is set).
    OCPP_TX_CONFIRMED,
    /// Ended by the library (Reset, UnlockConnector, idTag rejected by the
    /// Central System) or taken over by another session: call
    /// ocpp_stop_transaction to release the session (it returns 0 at once).
    OCPP_TX_ENDED,
}

/// @brief A session's transaction, as reported by ocpp_get_transaction.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ocpp_transaction_info {
    /// Connector of the transaction, 0 when state is OCPP_TX_NONE
    pub id_con: c_int,
    /// transactionId from the Central System, -1 until confirmed
    pub transaction_id: c_int,
    /// Where the transaction stands
    pub state: ocpp_transaction_state,
}

/// @brief Connector status reported to the Central System (OCPP 1.6
///        ChargePointStatus), for ocpp_set_connector_status.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ocpp_connector_status {
    /// Available for a new user
    OCPP_CONNECTOR_AVAILABLE,
    /// A user presented a tag or plugged in, no transaction yet
    OCPP_CONNECTOR_PREPARING,
    /// Energy is being transferred
    OCPP_CONNECTOR_CHARGING,
    /// The EVSE does not offer energy
    OCPP_CONNECTOR_SUSPENDED_EVSE,
    /// The EV does not take energy
    OCPP_CONNECTOR_SUSPENDED_EV,
    /// Transaction stopped, not yet available (e.g. cable still plugged)
    OCPP_CONNECTOR_FINISHING,
    /// Reserved
    OCPP_CONNECTOR_RESERVED,
    /// Not available for charging
    OCPP_CONNECTOR_UNAVAILABLE,
    /// A fault (give the error code)
    OCPP_CONNECTOR_FAULTED,
}

/// The values accepted for an `enum ocpp_connector_status` argument (checked: C may pass any int).
/// cbindgen:ignore
const CONNECTOR_STATUSES: [ChargePointStatus; 9] = [
    ChargePointStatus::Available,
    ChargePointStatus::Preparing,
    ChargePointStatus::Charging,
    ChargePointStatus::SuspendedEvse,
    ChargePointStatus::SuspendedEv,
    ChargePointStatus::Finishing,
    ChargePointStatus::Reserved,
    ChargePointStatus::Unavailable,
    ChargePointStatus::Faulted,
];

/// @brief Connector error code reported with a status (OCPP 1.6
///        ChargePointErrorCode), for ocpp_set_connector_status.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ocpp_connector_error {
    /// No error
    OCPP_CONNECTOR_NO_ERROR,
    /// Failure to lock or unlock the connector
    OCPP_CONNECTOR_LOCK_FAILURE,
    /// Communication failure with the vehicle
    OCPP_CONNECTOR_EV_COMMUNICATION_ERROR,
    /// Ground fault circuit interrupter tripped
    OCPP_CONNECTOR_GROUND_FAILURE,
    /// Temperature inside the charge point too high
    OCPP_CONNECTOR_HIGH_TEMPERATURE,
    /// Error in internal hard- or software
    OCPP_CONNECTOR_INTERNAL_ERROR,
    /// The idTag is blocked locally but valid for the Central System
    OCPP_CONNECTOR_LOCAL_LIST_CONFLICT,
    /// Another error
    OCPP_CONNECTOR_OTHER_ERROR,
    /// Over current protection tripped
    OCPP_CONNECTOR_OVER_CURRENT_FAILURE,
    /// Voltage too high
    OCPP_CONNECTOR_OVER_VOLTAGE,
    /// Failure to read the power meter
    OCPP_CONNECTOR_POWER_METER_FAILURE,
    /// Failure to control the power switch
    OCPP_CONNECTOR_POWER_SWITCH_FAILURE,
    /// Failure of the idTag reader
    OCPP_CONNECTOR_READER_FAILURE,
    /// Unable to perform a reset
    OCPP_CONNECTOR_RESET_FAILURE,
    /// Voltage too low
    OCPP_CONNECTOR_UNDER_VOLTAGE,
    /// Wireless communication device reports a weak signal
    OCPP_CONNECTOR_WEAK_SIGNAL,
}

/// The values accepted for an `enum ocpp_connector_error` argument, in enum order.
/// cbindgen:ignore
const CONNECTOR_ERRORS: [ChargePointErrorCode; 16] = [
    ChargePointErrorCode::NoError,
    ChargePointErrorCode::ConnectorLockFailure,
    ChargePointErrorCode::EvCommunicationError,
    ChargePointErrorCode::GroundFailure,
    ChargePointErrorCode::HighTemperature,
    ChargePointErrorCode::InternalError,
    ChargePointErrorCode::LocalListConflict,
    ChargePointErrorCode::OtherError,
    ChargePointErrorCode::OverCurrentFailure,
    ChargePointErrorCode::OverVoltage,
    ChargePointErrorCode::PowerMeterFailure,
    ChargePointErrorCode::PowerSwitchFailure,
    ChargePointErrorCode::ReaderFailure,
    ChargePointErrorCode::ResetFailure,
    ChargePointErrorCode::UnderVoltage,
    ChargePointErrorCode::WeakSignal,
];

/// An `enum ocpp_connector_status` argument as C passes it: an int that is range-checked before
/// use (a Rust enum parameter holding an undeclared value would be undefined behaviour). The
/// header names the enum (cbindgen.toml renames this type).
/// cbindgen:no-export
pub type ocpp_connector_status_arg = c_int;
/// An `enum ocpp_connector_error` argument; see [`ocpp_connector_status_arg`].
/// cbindgen:no-export
pub type ocpp_connector_error_arg = c_int;

/// @brief Answer of the Central System to the BootNotification
///        (OCPP_EVENT_REGISTRATION).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ocpp_registration_status {
    /// Accepted: the charge point is online
    OCPP_REGISTRATION_ACCEPTED,
    /// Pending: the BootNotification is repeated later
    OCPP_REGISTRATION_PENDING,
    /// Rejected: the BootNotification is repeated later
    OCPP_REGISTRATION_REJECTED,
}

/// @brief Kind of reset asked by the Central System (OCPP_EVENT_RESET).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ocpp_reset_type {
    /// Restart the hardware, at once
    OCPP_RESET_HARD,
    /// Restart the application gracefully
    OCPP_RESET_SOFT,
}

/// @brief What happened, for ocpp_poll_event.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ocpp_event_type {
    /// The Central System answered the BootNotification; value is an
    /// enum ocpp_registration_status.
    OCPP_EVENT_REGISTRATION,
    /// The connection to the Central System was lost (the library
    /// reconnects by itself; transaction messages stay queued).
    OCPP_EVENT_DISCONNECTED,
    /// The Central System asked for a reset; value is an enum
    /// ocpp_reset_type. Running transactions were stopped. Reboot once the
    /// queued transaction messages are delivered (at once for a hard reset).
    OCPP_EVENT_RESET,
    /// Connector id_con (0: the whole charge point) became operative
    /// (value 1) or inoperative (value 0) by ChangeAvailability.
    OCPP_EVENT_AVAILABILITY,
    /// The configuration key named in name was changed, by the Central
    /// System or by ocpp_change_configuration.
    OCPP_EVENT_CONFIGURATION,
    /// The Central System cleared the authorization cache.
    OCPP_EVENT_CACHE_CLEARED,
    /// A transaction message of connector id_con, action name (e.g.
    /// "StopTransaction"), was given up after TransactionMessageAttempts
    /// failed deliveries.
    OCPP_EVENT_TRANSACTION_MESSAGE_DISCARDED,
    /// The Central System's TriggerMessage for name (e.g. "MeterValues")
    /// was accepted; id_con is its connector, -1 when it asked for all (or
    /// the message is not about a connector). The message follows the
    /// answer. (CONFIG_OCPP_PROFILE_REMOTE_TRIG)
    OCPP_EVENT_MESSAGE_TRIGGERED,
    /// A ReserveNow was accepted: connector id_con (0: any connector) is
    /// reserved; value is the reservationId (see ocpp_get_reservation).
    /// (CONFIG_OCPP_PROFILE_RESERVATION)
    OCPP_EVENT_RESERVATION_MADE,
    /// The Central System cancelled reservation value on connector id_con.
    OCPP_EVENT_RESERVATION_CANCELLED,
    /// Reservation value on connector id_con reached its expiry date unused.
    OCPP_EVENT_RESERVATION_EXPIRED,
    /// SendLocalList installed version value of the Local Authorization
    /// List. (CONFIG_OCPP_PROFILE_LOCAL_AUTH_LIST)
    OCPP_EVENT_LOCAL_LIST_UPDATED,
}

/// @brief An event for the application, filled by ocpp_poll_event. The
///        meaning of each field depends on type (see enum ocpp_event_type);
///        unused fields are 0 or empty.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ocpp_event {
    /// What happened
    pub r#type: ocpp_event_type,
    /// Connector concerned, or 0
    pub id_con: c_int,
    /// Type-specific value
    pub value: c_int,
    /// Type-specific name (configuration key, action), NUL-terminated
    pub name: [c_char; CISTR50],
}

impl ocpp_event {
    /// The application-facing events; None for answers to commands (they carry a ticket).
    fn from_event(event: &Event) -> Option<Self> {
        let mut out = Self {
            r#type: ocpp_event_type::OCPP_EVENT_DISCONNECTED,
            id_con: 0,
            value: 0,
            name: [0; CISTR50],
        };
        match event {
            Event::Registration(status) => {
                out.r#type = ocpp_event_type::OCPP_EVENT_REGISTRATION;
                out.value = match status {
                    RegistrationStatus::Accepted => {
                        ocpp_registration_status::OCPP_REGISTRATION_ACCEPTED
                    }
                    RegistrationStatus::Pending => {
                        ocpp_registration_status::OCPP_REGISTRATION_PENDING
                    }
                    RegistrationStatus::Rejected => {
                        ocpp_registration_status::OCPP_REGISTRATION_REJECTED
                    }
                } as c_int;
            }
            Event::Disconnected => {}
            Event::ResetRequested(kind) => {
                out.r#type = ocpp_event_type::OCPP_EVENT_RESET;
                out.value = match kind {
                    ResetType::Hard => ocpp_reset_type::OCPP_RESET_HARD,
                    ResetType::Soft => ocpp_reset_type::OCPP_RESET_SOFT,
                } as c_int;
            }
            Event::AvailabilityChanged {
                connector,
                operative,
            } => {
                out.r#type = ocpp_event_type::OCPP_EVENT_AVAILABILITY;
                out.id_con = c_int::from(*connector);
                out.value = c_int::from(*operative);
            }
            Event::ConfigurationChanged(key) => {
                out.r#type = ocpp_event_type::OCPP_EVENT_CONFIGURATION;
                copy_c_string(&mut out.name, key.as_str());
            }
            Event::CacheCleared => out.r#type = ocpp_event_type::OCPP_EVENT_CACHE_CLEARED,
            Event::TransactionMessageDiscarded { connector, action } => {
                out.r#type = ocpp_event_type::OCPP_EVENT_TRANSACTION_MESSAGE_DISCARDED;
                out.id_con = c_int::from(*connector);
                copy_c_string(&mut out.name, action.as_str());
            }
            #[cfg(feature = "remote-trigger")]
            Event::MessageTriggered { message, connector } => {
                out.r#type = ocpp_event_type::OCPP_EVENT_MESSAGE_TRIGGERED;
                out.id_con = connector.map_or(-1, c_int::from);
                copy_c_string(&mut out.name, message.as_str());
            }
            #[cfg(feature = "reservation")]
            Event::Reservation {
                connector,
                reservation_id,
                change,
            } => {
                use crate::engine::reservation::ReservationChange;
                out.r#type = match change {
                    ReservationChange::Made => ocpp_event_type::OCPP_EVENT_RESERVATION_MADE,
                    ReservationChange::Cancelled => {
                        ocpp_event_type::OCPP_EVENT_RESERVATION_CANCELLED
                    }
                    ReservationChange::Expired => ocpp_event_type::OCPP_EVENT_RESERVATION_EXPIRED,
                };
                out.id_con = c_int::from(*connector);
                out.value = *reservation_id;
            }
            #[cfg(feature = "local-auth-list")]
            Event::LocalListUpdated { version } => {
                out.r#type = ocpp_event_type::OCPP_EVENT_LOCAL_LIST_UPDATED;
                out.value = *version;
            }
            Event::Authorized { .. }
            | Event::TransactionStarted { .. }
            | Event::TransactionStopped { .. }
            | Event::DataTransferred { .. } => return None,
        }
        Some(out)
    }
}

/// Copies `text` NUL-terminated into `out`, truncated to fit (only used for names that fit).
fn copy_c_string(out: &mut [c_char], text: &str) {
    let room = out.len().saturating_sub(1);
    for (slot, byte) in out
        .iter_mut()
        .zip(text.bytes().take(room).chain(core::iter::repeat(0)))
    {
        *slot = byte as c_char;
    }
}

// -------------------------------------------------------------------------- strings from C

/// The text of a C string; None when it is not UTF-8.
///
/// # Safety
/// `ptr` is non-null and points to a NUL-terminated string that outlives `'a`.
unsafe fn c_str<'a>(ptr: *const c_char) -> Option<&'a str> {
    // SAFETY: guaranteed by the caller.
    unsafe { CStr::from_ptr(ptr) }.to_str().ok()
}

/// A required CiString argument: non-null, UTF-8, 1..=N bytes.
///
/// # Safety
/// `ptr` is null or a NUL-terminated string.
unsafe fn required<const N: usize>(ptr: *const c_char) -> Result<CiString<N>, c_int> {
    if ptr.is_null() {
        return Err(Errno::Inval.ret());
    }
    // SAFETY: non-null and NUL-terminated per the caller.
    let text = unsafe { c_str(ptr) }.ok_or(Errno::Inval.ret())?;
    if text.is_empty() {
        return Err(Errno::Inval.ret());
    }
    CiString::try_from_str(text).map_err(|_| Errno::Inval.ret())
}

/// An optional CiString argument: NULL or empty is absent; else UTF-8 of at most N bytes.
///
/// # Safety
/// `ptr` is null or a NUL-terminated string.
unsafe fn optional<const N: usize>(ptr: *const c_char) -> Result<Option<CiString<N>>, c_int> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-null and NUL-terminated per the caller.
    let text = unsafe { c_str(ptr) }.ok_or(Errno::Inval.ret())?;
    if text.is_empty() {
        return Ok(None);
    }
    CiString::try_from_str(text)
        .map(Some)
        .map_err(|_| Errno::Inval.ret())
}

/// A meter reading written by the callback: NUL-terminated within the buffer, a decimal number
/// (`-`, digits, an optional fraction) that fits a sampled value.
fn reading(raw: &[c_char; CISTR50]) -> Option<SampleText> {
    let mut bytes = [0u8; CISTR50];
    for (b, &c) in bytes.iter_mut().zip(raw) {
        // c_char is i8 on x86 and u8 on Arm: the cast is a no-op on one of them.
        #[allow(clippy::unnecessary_cast)]
        let byte = c as u8;
        *b = byte;
    }
    let len = bytes.iter().position(|&b| b == 0)?;
    let text = core::str::from_utf8(bytes.get(..len)?).ok()?;
    let number = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (number, None),
    };
    let decimal = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !decimal(whole) || fraction.is_some_and(|f| !decimal(f)) {
        return None;
    }
    SampleText::try_from_str(text).ok()
}

// ------------------------------------------------------------------------------- sessions

/// What a session knows of its transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionTx {
    Idle,
    /// Started on this connector by this session.
    Running(u8),
    /// Ended by the library or taken over by another session; released by a stop.
    Ended,
}

#[derive(Debug, Clone)]
struct Session {
    open: bool,
    /// Part of the handle: a handle of a closed session never matches its reused slot.
    generation: usize,
    /// The idTag of the last ocpp_authorize: the one ocpp_start_transaction uses.
    id_tag: Option<CiString20>,
    tx: SessionTx,
}

/// cbindgen:ignore
const _: () = assert!(
    MAX_SESSIONS >= 1 && MAX_SESSIONS <= 255,
    "OCPP_MAX_SESSIONS must be 1..=255"
);

/// A handle is `generation << 8 | (slot + 1)`: never NULL, and stale once the slot is reused.
fn handle(slot: usize, generation: usize) -> ocpp_session_handle_t {
    ((generation << 8) | (slot + 1)) as ocpp_session_handle_t
}

fn decode(hndl: ocpp_session_handle_t) -> Option<(usize, usize)> {
    let raw = hndl as usize;
    let slot = (raw & 0xff).checked_sub(1)?;
    Some((slot, raw >> 8))
}

/// The generation of the next session handle, for the life of the program: across ocpp_deinit
/// and ocpp_init, so a handle from before never becomes valid again. It wraps only after
/// 2^56 sessions on 64-bit targets and 2^24 (16.7 million) on 32-bit ones.
/// cbindgen:ignore
static NEXT_GENERATION: AtomicUsize = AtomicUsize::new(1);

fn next_generation() -> usize {
    loop {
        let generation = NEXT_GENERATION.fetch_add(1, SeqCst) & (usize::MAX >> 8);
        if generation != 0 {
            return generation;
        }
    }
}

type Callback = unsafe extern "C" fn(ocpp_notify_reason, *mut ocpp_io_value, *mut c_void) -> c_int;

/// The [`Station`] of the C API: hardware questions become calls of the application's callback.
/// It also holds the session table, so that the engine lock protects both.
pub(crate) struct CallbackStation {
    callback: Callback,
    user_data: *mut c_void,
    sessions: [Session; MAX_SESSIONS],
}

// SAFETY: `user_data` is never dereferenced here, only handed back to the application's callback,
// which Zephyr's API already calls from the library's own thread; the rest is plain data.
unsafe impl Send for CallbackStation {}

impl CallbackStation {
    fn new(callback: Callback, user_data: *mut c_void) -> Self {
        Self {
            callback,
            user_data,
            sessions: core::array::from_fn(|_| Session {
                open: false,
                generation: 0,
                id_tag: None,
                tx: SessionTx::Idle,
            }),
        }
    }

    /// Calls the application's callback with `io`.
    fn notify(&mut self, reason: ocpp_notify_reason, io: &mut ocpp_io_value) -> c_int {
        let (callback, user_data) = (self.callback, self.user_data);
        Platform::callback_scope(|| {
            // SAFETY: `callback` is the non-null function the application gave to ocpp_init, called
            // with the contract of ocpp_user_notify_callback_t: a valid union for the duration of
            // the call and the application's own `user_data`.
            unsafe { callback(reason, io, user_data) }
        })
    }

    /// A zeroed union: every member valid (0 is a declared enumerator), no stale bytes.
    fn io() -> ocpp_io_value {
        // SAFETY: all members are integers, chars and an enum whose value 0 is declared.
        unsafe { MaybeUninit::<ocpp_io_value>::zeroed().assume_init() }
    }

    fn open(&mut self) -> Result<ocpp_session_handle_t, c_int> {
        let (slot, session) = self
            .sessions
            .iter_mut()
            .enumerate()
            .find(|(_, s)| !s.open)
            .ok_or(Errno::NoMem.ret())?;
        let generation = next_generation();
        *session = Session {
            open: true,
            generation,
            id_tag: None,
            tx: SessionTx::Idle,
        };
        Ok(handle(slot, generation))
    }

    fn session(&mut self, hndl: ocpp_session_handle_t) -> Result<&mut Session, c_int> {
        let (slot, generation) = decode(hndl).ok_or(Errno::Inval.ret())?;
        self.sessions
            .get_mut(slot)
            .filter(|s| s.open && s.generation == generation)
            .ok_or(Errno::Inval.ret())
    }

    /// `hndl` now runs the transaction of `connector`: any other session that still claimed that
    /// connector lost its transaction to the library earlier.
    fn claim(&mut self, hndl: ocpp_session_handle_t, connector: u8) {
        let me = decode(hndl);
        for (slot, s) in self.sessions.iter_mut().enumerate() {
            if Some((slot, s.generation)) == me {
                s.tx = SessionTx::Running(connector);
            } else if s.tx == SessionTx::Running(connector) {
                s.tx = SessionTx::Ended;
            }
        }
    }

    /// The transaction of `connector` was stopped without a session: no session runs it now.
    fn release(&mut self, connector: u8) {
        for s in self
            .sessions
            .iter_mut()
            .filter(|s| s.tx == SessionTx::Running(connector))
        {
            s.tx = SessionTx::Idle;
        }
    }
}

impl Station for CallbackStation {
    fn read_meter(&mut self, connector: u8, measurand: Measurand) -> Option<SampleText> {
        let mes = ocpp_meter_measurand::from_measurand(measurand)?;
        let mut io = Self::io();
        io.meter_val = ocpp_io_meter_val {
            id_con: c_int::from(connector),
            mes,
            val: [0; CISTR50],
        };
        if self.notify(ocpp_notify_reason::OCPP_USR_GET_METER_VALUE, &mut io) != 0 {
            return None;
        }
        // SAFETY: the union was fully initialized; any bytes are valid chars.
        let raw = unsafe { io.meter_val.val };
        let value = reading(&raw);
        if value.is_none() {
            log::warn!("meter value of connector {connector} ({measurand}) is not a decimal number; ignored");
        }
        value
    }

    fn remote_start(&mut self, connector: u8, id_tag: &str) -> bool {
        let mut io = Self::io();
        let mut idtag = [0; CISTR50];
        copy_c_string(&mut idtag, id_tag);
        io.start_charge = ocpp_io_start_charge {
            idtag,
            id_con: c_int::from(connector),
        };
        self.notify(ocpp_notify_reason::OCPP_USR_START_CHARGING, &mut io) == 0
    }

    fn remote_stop(&mut self, connector: u8) -> bool {
        let mut io = Self::io();
        io.stop_charge = ocpp_io_stop_charge {
            id_con: c_int::from(connector),
        };
        self.notify(ocpp_notify_reason::OCPP_USR_STOP_CHARGING, &mut io) == 0
    }

    fn unlock_connector(&mut self, connector: u8) -> UnlockStatus {
        let mut io = Self::io();
        io.unlock_con = ocpp_io_unlock_con {
            id_con: c_int::from(connector),
        };
        match self.notify(ocpp_notify_reason::OCPP_USR_UNLOCK_CONNECTOR, &mut io) {
            0 => UnlockStatus::Unlocked,
            _ => UnlockStatus::UnlockFailed,
        }
    }
}

// ------------------------------------------------------------------------------- platform

/// The engine as the C API drives it.
/// cbindgen:ignore
type Engine = ChargePoint<CallbackStation>;

/// Where the Central System is.
struct Endpoint<'a> {
    host: &'a str,
    port: u16,
    /// The application's `sa_family` (AF_INET or AF_INET6 of its platform). The host runtime
    /// does not need it: its URL carries the address, whatever its family.
    #[cfg_attr(not(feature = "zephyr"), allow(dead_code))]
    family: sa_family_t,
    /// The WebSocket path, starting with `/`, ending with the charge point identity.
    path: &'a str,
}

/// What the C API needs from a platform: the engine running in the background, with a lock to
/// issue commands and a way to wait for the events they lead to. `host` implements it with
/// `HostChargePoint`; a Zephyr platform provides the same.
trait Runtime: Sized + Sync {
    /// Starts the charge point; it connects in the background. `on_event` sees every event on
    /// the platform's thread, without the engine lock.
    fn start(
        endpoint: &Endpoint<'_>,
        boot: BootNotificationRequest,
        connectors: u8,
        station: CallbackStation,
        on_event: fn(&Event),
    ) -> Result<Self, c_int>;

    /// Runs `f` with the engine locked.
    fn locked<R>(&self, f: impl FnOnce(&mut Engine, Instant) -> R) -> R;

    /// Runs `f` with the engine locked, then waits up to `timeout_ms` for an event that `pred`
    /// accepts among those produced from `f` on (none is missed). `f`'s error returns at once.
    fn locked_then_wait<T>(
        &self,
        f: impl FnOnce(&mut Engine, Instant) -> Result<T, c_int>,
        pred: impl FnMut(&T, &Event) -> bool,
        timeout_ms: u32,
    ) -> Result<(T, Option<Event>), c_int>;

    /// Waits up to `timeout_ms` for a recent event `pred` accepts and no wait returned yet.
    fn wait_for(&self, pred: impl FnMut(&Event) -> bool, timeout_ms: u32) -> Option<Event>;

    /// Wakes every call waiting for an event (they return None) and stops the background
    /// thread(s) from doing more; `close` follows.
    fn interrupt(&self);

    /// Stops the background thread(s) and closes the connection.
    fn close(self);

    fn sleep_ms(ms: u32);

    /// Runs `f` (a call of the application's callback) marked as such on this thread.
    fn callback_scope<R>(f: impl FnOnce() -> R) -> R;

    /// Whether this thread is inside the application's callback (the engine is locked).
    fn in_callback() -> bool;
}

/// cbindgen:ignore
#[cfg(feature = "std")]
mod host_runtime {
    use std::cell::Cell;
    use std::time::Duration;

    use super::{c_int, CallbackStation, Endpoint, Engine, Errno, Runtime};
    use crate::datetime::Instant;
    use crate::engine::{CommandError, Event};
    use crate::messages::BootNotificationRequest;
    use crate::platform::host::{HostChargePoint, HostConfig};

    pub(super) type Platform = HostChargePoint<CallbackStation>;

    std::thread_local! {
        static CALLBACK_DEPTH: Cell<u32> = const { Cell::new(0) };
    }

    impl Runtime for Platform {
        fn start(
            endpoint: &Endpoint<'_>,
            boot: BootNotificationRequest,
            connectors: u8,
            station: CallbackStation,
            on_event: fn(&Event),
        ) -> Result<Self, c_int> {
            let host = if endpoint.host.contains(':') && !endpoint.host.starts_with('[') {
                format!("[{}]", endpoint.host)
            } else {
                endpoint.host.to_owned()
            };
            let url = format!("ws://{host}:{}{}", endpoint.port, endpoint.path);
            HostChargePoint::spawn(HostConfig::new(url), boot, connectors, station, on_event)
                .map_err(|e| match e {
                    CommandError::NotReady => Errno::NoMem.ret(),
                    _ => Errno::Inval.ret(),
                })
        }

        fn locked<R>(&self, f: impl FnOnce(&mut Engine, Instant) -> R) -> R {
            HostChargePoint::with(self, f)
        }

        fn locked_then_wait<T>(
            &self,
            f: impl FnOnce(&mut Engine, Instant) -> Result<T, c_int>,
            pred: impl FnMut(&T, &Event) -> bool,
            timeout_ms: u32,
        ) -> Result<(T, Option<Event>), c_int> {
            HostChargePoint::with_then_wait(self, f, pred, Duration::from_millis(timeout_ms.into()))
        }

        fn wait_for(&self, pred: impl FnMut(&Event) -> bool, timeout_ms: u32) -> Option<Event> {
            HostChargePoint::wait_event(self, pred, Duration::from_millis(timeout_ms.into()))
        }

        fn interrupt(&self) {
            HostChargePoint::interrupt(self)
        }

        fn close(self) {
            HostChargePoint::shutdown(self)
        }

        fn sleep_ms(ms: u32) {
            std::thread::sleep(Duration::from_millis(ms.into()))
        }

        fn callback_scope<R>(f: impl FnOnce() -> R) -> R {
            struct Scope;
            impl Drop for Scope {
                fn drop(&mut self) {
                    CALLBACK_DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
                }
            }
            CALLBACK_DEPTH.with(|d| d.set(d.get() + 1));
            let _scope = Scope;
            f()
        }

        fn in_callback() -> bool {
            CALLBACK_DEPTH.with(|d| d.get() > 0)
        }
    }
}
#[cfg(feature = "std")]
use host_runtime::Platform;

/// On Zephyr: the OCPP thread of `platform::zephyr` drives the engine; events also go to zbus.
/// cbindgen:ignore
#[cfg(all(feature = "zephyr", not(feature = "std")))]
mod zephyr_runtime {
    use super::{c_int, track, CallbackStation, Endpoint, Engine, Errno, Runtime};
    use crate::capacity::RESPONSE_TIMEOUT_MS;
    use crate::datetime::Instant;
    use crate::engine::{CommandError, Event, Options};
    use crate::messages::BootNotificationRequest;
    use crate::platform::zephyr::{self, State, ZephyrChargePoint};

    pub(super) type Platform = ZephyrChargePoint<CallbackStation>;

    static STATE: State<CallbackStation> = State::new();

    /// The C API's view of every event: its own bookkeeping, then the zbus channel.
    fn on_event(event: &Event) {
        track(event);
        if let Some(published) = super::ocpp_event::from_event(event) {
            zephyr::publish(&published);
        }
    }

    impl Runtime for Platform {
        fn start(
            endpoint: &Endpoint<'_>,
            boot: BootNotificationRequest,
            connectors: u8,
            station: CallbackStation,
            _on_event: fn(&Event),
        ) -> Result<Self, c_int> {
            if !super::abi_matches_c() {
                return Err(Errno::Inval.ret());
            }
            let endpoint = zephyr::Endpoint {
                host: endpoint.host,
                port: endpoint.port,
                family: i32::from(endpoint.family),
                path: endpoint.path,
            };
            let options = Options {
                response_timeout_ms: RESPONSE_TIMEOUT_MS as u32,
                ..Options::default()
            };
            ZephyrChargePoint::launch(
                &STATE, &endpoint, boot, connectors, station, options, on_event,
            )
            .map_err(|e| match e {
                CommandError::NotReady | CommandError::QueueFull => Errno::NoMem.ret(),
                CommandError::Busy => Errno::Already.ret(),
                _ => Errno::Inval.ret(),
            })
        }

        fn locked<R>(&self, f: impl FnOnce(&mut Engine, Instant) -> R) -> R {
            ZephyrChargePoint::with(self, f)
        }

        fn locked_then_wait<T>(
            &self,
            f: impl FnOnce(&mut Engine, Instant) -> Result<T, c_int>,
            pred: impl FnMut(&T, &Event) -> bool,
            timeout_ms: u32,
        ) -> Result<(T, Option<Event>), c_int> {
            ZephyrChargePoint::with_then_wait(self, f, pred, timeout_ms)
        }

        fn wait_for(&self, pred: impl FnMut(&Event) -> bool, timeout_ms: u32) -> Option<Event> {
            ZephyrChargePoint::wait_event(self, pred, timeout_ms)
        }

        fn interrupt(&self) {
            ZephyrChargePoint::interrupt(self)
        }

        fn close(self) {
            ZephyrChargePoint::shutdown(self)
        }

        fn sleep_ms(ms: u32) {
            zephyr::sleep(ms)
        }

        fn callback_scope<R>(f: impl FnOnce() -> R) -> R {
            STATE.run_callback(f)
        }

        fn in_callback() -> bool {
            STATE.in_callback()
        }
    }
}
#[cfg(all(feature = "zephyr", not(feature = "std")))]
use zephyr_runtime::Platform;

/// The C compiler's sizes of the API's types (from the Zephyr port) equal Rust's: the layouts
/// of `repr(C)` types follow the target's C ABI (e.g. 1-byte enums on arm-none-eabi), and this
/// catches a build whose C flags say otherwise before any struct crosses the boundary.
/// cbindgen:ignore
#[cfg(all(feature = "zephyr", not(feature = "std")))]
fn abi_matches_c() -> bool {
    use core::mem::size_of;
    let c = crate::platform::zephyr::c_abi_sizes();
    let rust = [
        size_of::<ocpp_io_value>(),
        size_of::<ocpp_cp_info>(),
        size_of::<ocpp_cs_info>(),
        size_of::<ocpp_event>(),
        size_of::<ocpp_auth_status>(),
    ];
    if c != rust {
        log::error!("C and Rust disagree on the sizes of the API's types; check the C flags");
    }
    c == rust
}

/// Without a platform (a `no_std` build of the engine alone) the C API exists but ocpp_init
/// fails with -EINVAL.
/// cbindgen:ignore
#[cfg(not(any(feature = "std", feature = "zephyr")))]
mod no_runtime {
    use super::{c_int, CallbackStation, Endpoint, Engine, Errno, Runtime};
    use crate::datetime::Instant;
    use crate::engine::Event;
    use crate::messages::BootNotificationRequest;

    /// Never constructed: `start` always fails, so no other method is ever called.
    pub(super) struct Platform(());

    const NEVER: &str = "no platform: ocpp_init never succeeds";

    impl Runtime for Platform {
        fn start(
            endpoint: &Endpoint<'_>,
            _: BootNotificationRequest,
            _: u8,
            _: CallbackStation,
            _: fn(&Event),
        ) -> Result<Self, c_int> {
            log::warn!(
                "no platform in this build: cannot connect to {}:{}{}",
                endpoint.host,
                endpoint.port,
                endpoint.path
            );
            Err(Errno::Inval.ret())
        }
        fn locked<R>(&self, _: impl FnOnce(&mut Engine, Instant) -> R) -> R {
            unreachable!("{NEVER}")
        }
        fn locked_then_wait<T>(
            &self,
            _: impl FnOnce(&mut Engine, Instant) -> Result<T, c_int>,
            _: impl FnMut(&T, &Event) -> bool,
            _: u32,
        ) -> Result<(T, Option<Event>), c_int> {
            unreachable!("{NEVER}")
        }
        fn wait_for(&self, _: impl FnMut(&Event) -> bool, _: u32) -> Option<Event> {
            unreachable!("{NEVER}")
        }
        fn interrupt(&self) {}
        fn close(self) {}
        fn sleep_ms(_: u32) {}
        fn callback_scope<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        fn in_callback() -> bool {
            false
        }
    }
}
#[cfg(not(any(feature = "std", feature = "zephyr")))]
use no_runtime::Platform;

// -------------------------------------------------------------------------- global state

/// The library as ocpp_init set it up.
struct Context {
    runtime: Platform,
    connectors: u8,
}

/// States of [`Global`].
/// cbindgen:ignore
mod state {
    pub(super) const UNINIT: u8 = 0;
    pub(super) const STARTING: u8 = 1;
    pub(super) const READY: u8 = 2;
    pub(super) const STOPPING: u8 = 3;
}
use state::{READY, STARTING, STOPPING, UNINIT};

/// The one library instance. `context` is written while `state` is STARTING and read only
/// while it is READY; `users` counts the calls using it, so ocpp_deinit can wait for them.
struct Global {
    state: AtomicU8,
    users: AtomicUsize,
    /// A BootNotification was accepted since ocpp_init.
    registered: AtomicBool,
    /// Connected and the last BootNotification accepted (from the events).
    online: AtomicBool,
    context: UnsafeCell<MaybeUninit<Context>>,
}

// SAFETY: `context` is only accessed under the state protocol described on `Global` (one writer
// while STARTING/STOPPING with no users, shared readers while READY); `Context` is Sync.
unsafe impl Sync for Global {}

/// cbindgen:ignore
static GLOBAL: Global = Global {
    state: AtomicU8::new(UNINIT),
    users: AtomicUsize::new(0),
    registered: AtomicBool::new(false),
    online: AtomicBool::new(false),
    context: UnsafeCell::new(MaybeUninit::uninit()),
};

/// A call using the initialized library; ocpp_deinit waits for it to end.
struct Use {
    context: &'static Context,
}

impl Use {
    /// The library, when initialized (-EINVAL otherwise), and not from inside the callback
    /// (-EBUSY: the engine is locked by this very thread).
    fn enter() -> Result<Self, c_int> {
        if Platform::in_callback() {
            return Err(Errno::Busy.ret());
        }
        // Announce first, then check: ocpp_deinit changes the state first, then waits for users
        // (both sequentially consistent), so one of the two sees the other.
        GLOBAL.users.fetch_add(1, SeqCst);
        if GLOBAL.state.load(SeqCst) != READY {
            GLOBAL.users.fetch_sub(1, SeqCst);
            return Err(Errno::Inval.ret());
        }
        // SAFETY: READY means `context` is initialized, and it stays so until `users` drops to 0.
        let context = unsafe { (*GLOBAL.context.get()).assume_init_ref() };
        Ok(Self { context })
    }
}

impl Drop for Use {
    fn drop(&mut self) {
        GLOBAL.users.fetch_sub(1, SeqCst);
    }
}

impl core::ops::Deref for Use {
    type Target = Context;
    fn deref(&self) -> &Context {
        self.context
    }
}

/// Keeps the online flags up to date (the platform's thread, no engine lock).
fn track(event: &Event) {
    match event {
        Event::Registration(status) => {
            let accepted = *status == RegistrationStatus::Accepted;
            if accepted {
                GLOBAL.registered.store(true, SeqCst);
            }
            GLOBAL.online.store(accepted, SeqCst);
        }
        Event::Disconnected => GLOBAL.online.store(false, SeqCst),
        _ => {}
    }
}

/// Runs `f`, returning its errno on failure or 0.
fn outcome(f: impl FnOnce() -> Result<(), c_int>) -> c_int {
    match f() {
        Ok(()) => 0,
        Err(e) => e,
    }
}

// --------------------------------------------------------------------- Zephyr's functions

/// @brief Start the library.
///
/// Copies what it needs from cpi and csi and returns at once; the library
/// connects to the Central System, sends the BootNotification (with the
/// optional fields that are set) and reconnects in the background.
///
/// @param cpi the charge point's identity and connector count
/// @param csi the Central System's address
/// @param cb the application's callback
/// @param user_data handed back to every callback
///
/// @return 0, or a negative errno:
/// @retval -EINVAL cpi, cpi->model, cpi->vendor, csi, csi->cs_ip,
///         csi->ws_url or cb is NULL, num_of_con < 1, a string is empty
///         (model, vendor, cs_ip), too long or not UTF-8, or port is not
///         1..65535
/// @retval -ENOMEM num_of_con exceeds CONFIG_OCPP_MAX_CONNECTORS, or no thread
/// @retval -EALREADY the library is already initialized (see ocpp_deinit)
///
/// @note The other ocpp_* functions need it first.
#[no_mangle]
pub unsafe extern "C" fn ocpp_init(
    cpi: *mut ocpp_cp_info,
    csi: *mut ocpp_cs_info,
    cb: ocpp_user_notify_callback_t,
    user_data: *mut c_void,
) -> c_int {
    outcome(|| {
        // SAFETY: NULL or a valid struct, per the API contract.
        let (cpi, csi) = unsafe { (cpi.as_ref(), csi.as_ref()) };
        let (Some(cpi), Some(csi), Some(callback)) = (cpi, csi, cb) else {
            return Err(Errno::Inval.ret());
        };
        if cpi.num_of_con < 1 {
            return Err(Errno::Inval.ret());
        }
        let connectors = u8::try_from(cpi.num_of_con)
            .ok()
            .filter(|&n| usize::from(n) <= MAX_CONNECTORS)
            .ok_or(Errno::NoMem.ret())?;
        // SAFETY (all string reads below): each pointer is NULL or a NUL-terminated string.
        let boot = unsafe {
            BootNotificationRequest {
                charge_point_vendor: required(cpi.vendor)?,
                charge_point_model: required(cpi.model)?,
                charge_point_serial_number: optional(cpi.sl_no)?,
                charge_box_serial_number: optional(cpi.box_sl_no)?,
                firmware_version: optional(cpi.fw_ver)?,
                iccid: optional(cpi.iccid)?,
                imsi: optional(cpi.imsi)?,
                meter_type: optional(cpi.meter_type)?,
                meter_serial_number: optional(cpi.meter_sl_no)?,
            }
        };
        if csi.cs_ip.is_null() || csi.ws_url.is_null() {
            return Err(Errno::Inval.ret());
        }
        // SAFETY: both non-null and NUL-terminated per the API contract.
        let (host, ws_url) = unsafe { (c_str(csi.cs_ip), c_str(csi.ws_url)) };
        let (Some(host), Some(ws_url)) = (host, ws_url) else {
            return Err(Errno::Inval.ret());
        };
        let port = u16::try_from(csi.port)
            .ok()
            .filter(|&p| p > 0)
            .ok_or(Errno::Inval.ret())?;
        if host.is_empty() || ws_url.trim_matches('/').is_empty() {
            return Err(Errno::Inval.ret());
        }
        // The path is used as given; Zephyr's library too passes ws_url as the request path.
        let mut path = CiString::<256>::new();
        if !ws_url.starts_with('/') {
            let _ = path.push_str("/");
        }
        path.push_str(ws_url).map_err(|_| Errno::Inval.ret())?;
        if Platform::in_callback() {
            return Err(Errno::Busy.ret());
        }
        if GLOBAL
            .state
            .compare_exchange(UNINIT, STARTING, SeqCst, SeqCst)
            .is_err()
        {
            return Err(Errno::Already.ret());
        }
        GLOBAL.registered.store(false, SeqCst);
        GLOBAL.online.store(false, SeqCst);
        let endpoint = Endpoint {
            host,
            port,
            family: csi.sa_family,
            path: &path,
        };
        let station = CallbackStation::new(callback, user_data);
        match Platform::start(&endpoint, boot, connectors, station, track) {
            Ok(runtime) => {
                // SAFETY: STARTING: this thread is the only one touching `context`.
                unsafe {
                    (*GLOBAL.context.get()).write(Context {
                        runtime,
                        connectors,
                    })
                };
                GLOBAL.state.store(READY, SeqCst);
                Ok(())
            }
            Err(e) => {
                GLOBAL.state.store(UNINIT, SeqCst);
                Err(e)
            }
        }
    })
}

/// @brief Open a session.
///
/// @param hndl receives the new session's handle
///
/// @return 0, or a negative errno:
/// @retval -EINVAL hndl is NULL or the library is not initialized
/// @retval -ENOMEM all CONFIG_OCPP_MAX_SESSIONS sessions are open
///
/// @note Give each connector (each charging user) its own session; a
///       session holds at most one transaction.
#[no_mangle]
pub unsafe extern "C" fn ocpp_session_open(hndl: *mut ocpp_session_handle_t) -> c_int {
    outcome(|| {
        if hndl.is_null() {
            return Err(Errno::Inval.ret());
        }
        let lib = Use::enter()?;
        let opened = lib.runtime.locked(|cp, _| cp.station_mut().open())?;
        // SAFETY: non-null and writable per the API contract.
        unsafe { hndl.write(opened) };
        Ok(())
    })
}

/// @brief Close a session.
///
/// An unknown or already closed handle is ignored, and so is a call from
/// the callback. A transaction the session started and did not stop keeps
/// running (its messages are still delivered); stop it with
/// ocpp_stop_connector_transaction.
///
/// @param hndl the session
#[no_mangle]
pub extern "C" fn ocpp_session_close(hndl: ocpp_session_handle_t) {
    let Ok(lib) = Use::enter() else { return };
    lib.runtime.locked(|cp, _| {
        if let Ok(session) = cp.station_mut().session(hndl) {
            session.open = false;
        }
    });
}

/// @brief Ask whether an idTag may charge (Authorize).
///
/// The idtag is remembered by the session for ocpp_start_transaction. When
/// the charge point is offline the answer may come from the authorization
/// cache (LocalAuthorizeOffline) or AllowOfflineTxForUnknownId.
///
/// @param hndl the session
/// @param idtag the idTag, NUL-terminated, at most 20 characters
/// @param status receives the verdict (OCPP_AUTH_INVALID unless 0 is
///        returned)
/// @param timeout_ms how long to wait for the Central System, in milliseconds
///
/// @return 0, or a negative errno:
/// @retval -EINVAL bad handle, idtag or status, or not initialized
/// @retval -EAGAIN no BootNotification accepted yet since ocpp_init, no
///         answer within timeout_ms, offline without a local decision
/// @retval -EIO the Central System answered with an error
/// @retval -ENOMEM too many requests waiting to be sent
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_authorize(
    hndl: ocpp_session_handle_t,
    idtag: *mut c_char,
    status: *mut ocpp_auth_status,
    timeout_ms: u32,
) -> c_int {
    if status.is_null() {
        return Errno::Inval.ret();
    }
    // SAFETY: non-null and writable per the API contract.
    unsafe { status.write(ocpp_auth_status::OCPP_AUTH_INVALID) };
    outcome(|| {
        // SAFETY: NULL or a NUL-terminated string per the API contract.
        let tag: CiString20 = unsafe { required(idtag) }?;
        let lib = Use::enter()?;
        if !GLOBAL.registered.load(SeqCst) {
            // A bad handle is -EINVAL in every state.
            lib.runtime
                .locked(|cp, _| cp.station_mut().session(hndl).map(|_| ()))?;
            return Err(Errno::Again.ret());
        }
        let (_, event) = lib.runtime.locked_then_wait(
            |cp, now| {
                cp.station_mut().session(hndl)?.id_tag = Some(tag.clone());
                cp.authorize(now, &tag).map_err(command_error)
            },
            |&ticket, e| matches!(e, Event::Authorized { ticket: t, .. } if *t == ticket),
            timeout_ms,
        )?;
        match event {
            Some(Event::Authorized {
                result: Ok(info), ..
            }) => {
                // SAFETY: checked non-null above, writable per the API contract.
                unsafe { status.write(info.status.into()) };
                Ok(())
            }
            Some(Event::Authorized { result: Err(e), .. }) => Err(request_error(e)),
            _ => Err(Errno::Again.ret()),
        }
    })
}

/// @brief Start a transaction (StartTransaction).
///
/// Starts a transaction for the idtag of the session's last ocpp_authorize.
/// It is never dropped: when the Central System cannot be reached (offline,
/// or no answer within timeout_ms) the StartTransaction is queued, delivered
/// later, and 0 is returned, as for an accepted one, so that charging can go
/// on; ocpp_get_transaction tells the two apart (OCPP_TX_PENDING or
/// OCPP_TX_CONFIRMED). ocpp_stop_transaction works in both cases (queued as
/// well while offline). A queued start whose idTag the Central System later
/// rejects is stopped by the library (StopTransactionOnInvalidId): the
/// session's state becomes OCPP_TX_ENDED.
///
/// @param hndl the session
/// @param meter_val the connector's energy register, Wh
/// @param conn_id the connector, 1..num_of_con
/// @param timeout_ms how long to wait for the Central System, in milliseconds
///
/// @return 0, or a negative errno:
/// @retval 0 started: confirmed, or queued for delivery (see above)
/// @retval -EACCES the Central System did not accept the idTag; call
///         ocpp_stop_transaction (the library may already have stopped it)
/// @retval -EINVAL bad handle, conn_id 0 or above num_of_con, no
///         ocpp_authorize on this session, or not initialized
/// @retval -EBUSY the session or the connector already has a transaction,
///         or the connector is unavailable or faulted; or called from the
///         callback
/// @retval -ENOMEM the transaction queue is full
/// @retval -EIO the StartTransaction was given up (too large or refused
///         TransactionMessageAttempts times)
#[no_mangle]
pub extern "C" fn ocpp_start_transaction(
    hndl: ocpp_session_handle_t,
    meter_val: c_int,
    conn_id: u8,
    timeout_ms: u32,
) -> c_int {
    outcome(|| {
        let lib = Use::enter()?;
        if conn_id == 0 || conn_id > lib.connectors {
            return Err(Errno::Inval.ret());
        }
        let (_, event) = lib.runtime.locked_then_wait(
            |cp, now| {
                let session = cp.station_mut().session(hndl)?;
                let tag = session.id_tag.clone().ok_or(Errno::Inval.ret())?;
                let tx = session.tx;
                if let SessionTx::Running(connector) = tx {
                    if cp.has_transaction(connector) {
                        return Err(Errno::Busy.ret());
                    }
                }
                let ticket = cp
                    .start_transaction(now, conn_id, &tag, meter_val, None)
                    .map_err(command_error)?;
                cp.station_mut().claim(hndl, conn_id);
                Ok(ticket)
            },
            |&ticket, e| matches!(e, Event::TransactionStarted { ticket: t, .. } if *t == ticket),
            timeout_ms,
        )?;
        match event {
            Some(Event::TransactionStarted {
                result: Ok(StartOutcome::Rejected { .. }),
                ..
            }) => Err(Errno::Acces.ret()),
            Some(Event::TransactionStarted { result: Err(e), .. }) => Err(match e {
                RequestError::Offline | RequestError::Timeout => Errno::Io.ret(),
                other => request_error(other),
            }),
            // Accepted, queued, or not answered in time (then queued in the engine as well).
            _ => Ok(()),
        }
    })
}

/// Who asks for a stop: a session (its own transaction) or anyone (a connector's).
#[derive(Clone, Copy)]
enum StopTarget {
    Session(ocpp_session_handle_t),
    Connector(u8),
}

/// Stops a transaction and waits for the answer. 0 when it was delivered or queued.
fn stop(lib: &Use, target: StopTarget, meter_val: c_int, timeout_ms: u32) -> c_int {
    let stopped = lib.runtime.locked_then_wait(
        |cp, now| {
            let connector = match target {
                StopTarget::Connector(c) if cp.has_transaction(c) => c,
                StopTarget::Connector(_) => return Err(Errno::Inval.ret()),
                StopTarget::Session(hndl) => match { cp.station_mut().session(hndl)?.tx } {
                    SessionTx::Idle => return Err(Errno::Inval.ret()),
                    SessionTx::Running(c) if cp.has_transaction(c) => c,
                    // Already ended by the library: nothing left to stop (Err(0): done).
                    SessionTx::Running(_) | SessionTx::Ended => {
                        cp.station_mut().session(hndl)?.tx = SessionTx::Idle;
                        return Err(0);
                    }
                },
            };
            let ticket = cp
                .stop_transaction(now, connector, meter_val, None, None)
                .map_err(command_error)?;
            cp.station_mut().release(connector);
            Ok(ticket)
        },
        |&ticket, e| matches!(e, Event::TransactionStopped { ticket: t, .. } if *t == ticket),
        timeout_ms,
    );
    match stopped {
        Err(code) => code,
        Ok((_, Some(Event::TransactionStopped { result: Err(_), .. }))) => Errno::Io.ret(),
        // Delivered, queued, or not answered in time (then still queued).
        Ok(_) => 0,
    }
}

/// @brief Stop the session's transaction (StopTransaction).
///
/// Stops the session's transaction, with reason Remote after a remote stop
/// request (OCPP_USR_STOP_CHARGING), else Local. Like the start it is never
/// dropped: offline or without an answer within timeout_ms it is queued and
/// delivered later, and 0 is returned.
///
/// @param hndl the session
/// @param meter_val the connector's energy register, Wh
/// @param timeout_ms how long to wait for the Central System, in milliseconds
///
/// @return 0, or a negative errno:
/// @retval 0 stopped (delivered or queued), or already ended by the library
/// @retval -EINVAL bad handle, no transaction on this session, or not
///         initialized
/// @retval -ENOMEM the transaction queue is full (try again)
/// @retval -EIO the StopTransaction was given up
/// @retval -EBUSY called from the callback
#[no_mangle]
pub extern "C" fn ocpp_stop_transaction(
    hndl: ocpp_session_handle_t,
    meter_val: c_int,
    timeout_ms: u32,
) -> c_int {
    match Use::enter() {
        Ok(lib) => stop(&lib, StopTarget::Session(hndl), meter_val, timeout_ms),
        Err(e) => e,
    }
}

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

/// Zephyr's sizes on the Linux ABIs (4-byte enums), checked for every host build (x86_64, i686).
/// cbindgen:ignore
#[cfg(target_os = "linux")]
const _: () = {
    use core::mem::{align_of, size_of};
    assert!(size_of::<ocpp_io_value>() == 60 && align_of::<ocpp_io_value>() == 4);
    assert!(size_of::<ocpp_cp_info>() == 10 * size_of::<usize>());
    assert!(
        size_of::<ocpp_cs_info>()
            == 3 * size_of::<usize>() + if size_of::<usize>() == 8 { 0 } else { 4 }
    );
    assert!(size_of::<ocpp_meter_measurand>() == 4 && size_of::<ocpp_auth_status>() == 4);
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ConfigKey;
    use crate::messages::Action;

    #[test]
    fn measurands_map_one_to_one_with_valid_units() {
        assert_eq!(
            ocpp_meter_measurand::ALL.len(),
            ocpp_meter_measurand::OCPP_OMM_END as usize
        );
        for (i, m) in ocpp_meter_measurand::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i, "enum order");
            let measurand = m.measurand().expect("every reading has a measurand");
            assert_eq!(
                ocpp_meter_measurand::from_measurand(measurand),
                Some(*m),
                "{measurand}"
            );
        }
        let name = |m: ocpp_meter_measurand| m.measurand().map(|x| x.as_str());
        assert_eq!(
            name(ocpp_meter_measurand::OCPP_OMM_CURRENT_MAX_OFFERED_TO_EV),
            Some("Current.Offered")
        );
        assert_eq!(
            name(ocpp_meter_measurand::OCPP_OMM_ACTIVE_ENERGY_TO_EV),
            Some("Energy.Active.Import.Register")
        );
        assert_eq!(
            name(ocpp_meter_measurand::OCPP_OMM_POWER_MAX_OFFERED_TO_EV),
            Some("Power.Offered")
        );
        assert_eq!(name(ocpp_meter_measurand::OCPP_OMM_FAN_SPEED), Some("RPM"));
        assert_eq!(name(ocpp_meter_measurand::OCPP_OMM_END), None);
        assert_eq!(
            ocpp_meter_measurand::from_measurand(Measurand::EnergyActiveImportInterval),
            None
        );
        let unit = |m: ocpp_meter_measurand| {
            m.measurand()
                .and_then(|x| x.default_unit())
                .map(|u| u.as_str())
        };
        assert_eq!(
            unit(ocpp_meter_measurand::OCPP_OMM_POWER_MAX_OFFERED_TO_EV),
            Some("W")
        );
        assert_eq!(
            unit(ocpp_meter_measurand::OCPP_OMM_FAN_SPEED),
            None,
            "RPM has no unit in 1.6"
        );
        assert_eq!(
            unit(ocpp_meter_measurand::OCPP_OMM_TEMPERATURE),
            Some("Celsius")
        );
    }

    #[test]
    fn handles_are_never_null_and_decode_back() {
        for slot in [0, 1, MAX_SESSIONS - 1] {
            for generation in [1usize, 2, usize::MAX >> 8] {
                let h = handle(slot, generation);
                assert!(!h.is_null());
                assert_eq!(decode(h), Some((slot, generation)));
            }
        }
        assert_eq!(decode(core::ptr::null_mut()), None);
    }

    fn raw(text: &[u8]) -> [c_char; CISTR50] {
        let mut out = [0 as c_char; CISTR50];
        for (o, &b) in out.iter_mut().zip(text) {
            *o = b as c_char;
        }
        out
    }

    #[test]
    fn readings_must_be_bounded_decimal_numbers() {
        assert_eq!(reading(&raw(b"1234")).as_deref(), Some("1234"));
        assert_eq!(reading(&raw(b"-12.5")).as_deref(), Some("-12.5"));
        for bad in [
            &b""[..],
            b"-",
            b"1.",
            b".5",
            b"1e3",
            b"12 ",
            b"0x10",
            b"1.2.3",
            b"\xff1",
        ] {
            assert_eq!(reading(&raw(bad)), None, "{bad:?}");
        }
        assert_eq!(
            reading(&[b'1' as c_char; CISTR50]),
            None,
            "not NUL-terminated"
        );
        assert_eq!(
            reading(&raw(&[b'9'; 30])),
            None,
            "longer than a sampled value"
        );
    }

    #[test]
    fn event_names_are_nul_terminated() {
        let e = ocpp_event::from_event(&Event::ConfigurationChanged(
            ConfigKey::MeterValueSampleInterval,
        ))
        .unwrap();
        assert_eq!(e.r#type, ocpp_event_type::OCPP_EVENT_CONFIGURATION);
        let len = e.name.iter().position(|&c| c == 0).unwrap();
        assert_eq!(len, "MeterValueSampleInterval".len());
        let discarded = Event::TransactionMessageDiscarded {
            connector: 2,
            action: Action::StopTransaction,
        };
        let e = ocpp_event::from_event(&discarded).unwrap();
        assert_eq!((e.id_con, e.name[0] as u8), (2, b'S'));
        assert!(ocpp_event::from_event(&Event::CacheCleared).is_some());
    }
}
