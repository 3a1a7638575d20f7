//! The C types of `<zephyr/net/ocpp.h>`: Zephyr's (same field order, types and enum values)
//! and our additional ones.

use super::*;

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
    pub(super) const ALL: [Self; 18] = [
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
pub(super) const CONNECTOR_STATUSES: [ChargePointStatus; 9] = [
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
pub(super) const CONNECTOR_ERRORS: [ChargePointErrorCode; 16] = [
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
    /// A firmware update reached status value (an enum
    /// ocpp_firmware_status; name is the spec's text, e.g. "Downloaded"). A
    /// FirmwareStatusNotification follows. OCPP_FIRMWARE_INSTALLING comes
    /// as the install starts (see ocpp_set_firmware_handler).
    /// (CONFIG_OCPP_PROFILE_FIRMWARE_MGNT)
    OCPP_EVENT_FIRMWARE_STATUS,
    /// A diagnostics upload reached status value (an enum
    /// ocpp_diagnostics_status; name is the spec's text).
    /// (CONFIG_OCPP_PROFILE_FIRMWARE_MGNT)
    OCPP_EVENT_DIAGNOSTICS_STATUS,
}

/// @brief Status of a firmware update (OCPP_EVENT_FIRMWARE_STATUS), the
///        spec's FirmwareStatus.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ocpp_firmware_status {
    /// No update runs (only reported when triggered)
    OCPP_FIRMWARE_IDLE,
    /// The image is being downloaded (retries included)
    OCPP_FIRMWARE_DOWNLOADING,
    /// The image is downloaded; the install waits until no transaction runs
    OCPP_FIRMWARE_DOWNLOADED,
    /// Every attempt to download failed
    OCPP_FIRMWARE_DOWNLOAD_FAILED,
    /// The image is being installed (the platform reboots into it)
    OCPP_FIRMWARE_INSTALLING,
    /// The new image runs
    OCPP_FIRMWARE_INSTALLED,
    /// The install failed or was refused
    OCPP_FIRMWARE_INSTALLATION_FAILED,
}

/// @brief Status of a diagnostics upload (OCPP_EVENT_DIAGNOSTICS_STATUS),
///        the spec's DiagnosticsStatus.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ocpp_diagnostics_status {
    /// No upload runs (only reported when triggered)
    OCPP_DIAGNOSTICS_IDLE,
    /// The file is being uploaded (retries included)
    OCPP_DIAGNOSTICS_UPLOADING,
    /// The file was uploaded
    OCPP_DIAGNOSTICS_UPLOADED,
    /// Every attempt to upload failed
    OCPP_DIAGNOSTICS_UPLOAD_FAILED,
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
    pub(super) fn from_event(event: &Event) -> Option<Self> {
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
            #[cfg(feature = "firmware-management")]
            Event::FirmwareStatusChanged(status) => {
                out.r#type = ocpp_event_type::OCPP_EVENT_FIRMWARE_STATUS;
                out.value = ocpp_firmware_status::from(*status) as c_int;
                copy_c_string(&mut out.name, status.as_str());
            }
            #[cfg(feature = "firmware-management")]
            Event::DiagnosticsStatusChanged(status) => {
                out.r#type = ocpp_event_type::OCPP_EVENT_DIAGNOSTICS_STATUS;
                out.value = ocpp_diagnostics_status::from(*status) as c_int;
                copy_c_string(&mut out.name, status.as_str());
            }
            // Reported through ocpp_poll_charging_limit: no enumerator of its own here.
            #[cfg(feature = "smart-charging")]
            Event::ChargingLimitChanged { .. } => return None,
            Event::Authorized { .. }
            | Event::TransactionStarted { .. }
            | Event::TransactionStopped { .. }
            | Event::DataTransferred { .. }
            // Acted on by the platform (reboot, or the application's reset handler).
            | Event::ResetDue(_) => return None,
        }
        Some(out)
    }
}

/// Copies `text` NUL-terminated into `out`, truncated to fit (only used for names that fit).
pub(super) fn copy_c_string(out: &mut [c_char], text: &str) {
    let room = out.len().saturating_sub(1);
    for (slot, byte) in out
        .iter_mut()
        .zip(text.bytes().take(room).chain(core::iter::repeat(0)))
    {
        *slot = byte as c_char;
    }
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

/// @brief A TLS credential that ocpp_set_tls_credential() registers.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ocpp_tls_credential {
    /// The CA certificate the Central System's certificate must chain to (profiles 2, 3).
    OCPP_TLS_CA_CERTIFICATE = 0,
    /// The charge point's certificate (profile 3).
    OCPP_TLS_CLIENT_CERTIFICATE = 1,
    /// The private key of the charge point's certificate (profile 3).
    OCPP_TLS_CLIENT_KEY = 2,
}

/// An `enum ocpp_tls_credential` argument: an int, range-checked before use (a Rust enum
/// parameter holding an undeclared value would be undefined behaviour).
/// cbindgen:no-export
pub type ocpp_tls_credential_arg = c_int;
