//! C API of the Smart Charging profile (CONFIG_OCPP_PROFILE_SMART_CHARGE). The limit in force
//! reaches C through its own function, event wait and zbus channel: the existing event enum
//! keeps its enumerators (applications switch over it without a default).

use core::ffi::c_int;

use super::{outcome, Errno, Runtime as _, Use};
use crate::engine::smart_charging::ChargingLimit;
use crate::engine::Event;
use crate::messages::ChargingRateUnitType;

/// @brief Unit of a charging limit (struct ocpp_charging_limit).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ocpp_charging_unit {
    /// No charging profile limits the connector: charge at the hardware's
    /// maximum
    OCPP_CHARGING_UNLIMITED,
    /// limit_deci is in tenths of an ampere per phase
    OCPP_CHARGING_AMPS,
    /// limit_deci is in tenths of a watt
    OCPP_CHARGING_WATTS,
}

/// @brief The charging limit in force on a connector, from the Central
///        System's charging profiles (Smart Charging).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ocpp_charging_limit {
    /// Connector, 1..num_of_con; 0: the charge point as a whole (the sum of
    /// the connectors' limits, capped by its ChargePointMaxProfile)
    pub id_con: c_int,
    /// Unit of limit_deci, or OCPP_CHARGING_UNLIMITED
    pub unit: ocpp_charging_unit,
    /// The limit in tenths of the unit (165 with OCPP_CHARGING_AMPS: 16.5 A
    /// per phase); 0 when unlimited
    pub limit_deci: i32,
    /// Phases the limit is for (1..3); 0 when unlimited
    pub phases: c_int,
}

impl ocpp_charging_limit {
    pub(super) fn new(connector: u8, limit: Option<ChargingLimit>) -> Self {
        let (unit, limit_deci, phases) = match limit {
            None => (ocpp_charging_unit::OCPP_CHARGING_UNLIMITED, 0, 0),
            Some(l) => (
                match l.unit {
                    ChargingRateUnitType::A => ocpp_charging_unit::OCPP_CHARGING_AMPS,
                    ChargingRateUnitType::W => ocpp_charging_unit::OCPP_CHARGING_WATTS,
                },
                l.limit.0,
                c_int::from(l.phases),
            ),
        };
        Self {
            id_con: c_int::from(connector),
            unit,
            limit_deci,
            phases,
        }
    }

    /// The C view of a limit change; None for every other event.
    pub(super) fn from_event(event: &Event) -> Option<Self> {
        match event {
            Event::ChargingLimitChanged { connector, limit } => Some(Self::new(*connector, *limit)),
            _ => None,
        }
    }
}

/// @brief The charging limit in force on a connector now, from the charging
///        profiles the Central System installed (SetChargingProfile,
///        RemoteStartTransaction) and the wall-clock time.
///
/// @param conn_id connector id, 1..num_of_con, or 0 for the charge point's
///        total
/// @param limit filled on success (unit OCPP_CHARGING_UNLIMITED when no
///        profile limits the connector)
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -EINVAL conn_id out of range, limit NULL, or not initialized
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_get_charging_limit(
    conn_id: u8,
    limit: *mut ocpp_charging_limit,
) -> c_int {
    outcome(|| {
        if limit.is_null() {
            return Err(Errno::Inval.ret());
        }
        let lib = Use::enter()?;
        if conn_id > lib.connectors {
            return Err(Errno::Inval.ret());
        }
        let found = lib
            .runtime
            .locked(|cp, now| cp.charging_limit(conn_id, now));
        // SAFETY: non-null (checked) and writable per the API contract.
        unsafe { limit.write(ocpp_charging_limit::new(conn_id, found)) };
        Ok(())
    })
}

/// @brief Wait for the next change of the charging limit in force on any
///        connector (a profile set, replaced or cleared, a transaction's
///        start or end, a schedule period boundary). Also published on the
///        zbus channel ocpp_charging_limit_chan with CONFIG_OCPP_ZBUS.
///
/// @param limit filled on success: the connector and its new limit
/// @param timeout_ms how long to wait, 0 to only check
///
/// @return 0 on success or a negative error code (errno.h)
/// @retval -EAGAIN no change within timeout_ms
/// @retval -EINVAL limit is NULL or not initialized
/// @retval -EBUSY called from the callback
#[no_mangle]
pub unsafe extern "C" fn ocpp_poll_charging_limit(
    limit: *mut ocpp_charging_limit,
    timeout_ms: u32,
) -> c_int {
    outcome(|| {
        if limit.is_null() {
            return Err(Errno::Inval.ret());
        }
        let lib = Use::enter()?;
        let found = lib
            .runtime
            .wait_for(|e| ocpp_charging_limit::from_event(e).is_some(), timeout_ms);
        let out = found
            .as_ref()
            .and_then(ocpp_charging_limit::from_event)
            .ok_or(Errno::Again.ret())?;
        // SAFETY: non-null (checked) and writable per the API contract.
        unsafe { limit.write(out) };
        Ok(())
    })
}
