//! Smart Charging profile messages (OCPP 1.6 SetChargingProfile, ClearChargingProfile,
//! GetCompositeSchedule and the ChargingProfile they carry). Compiled with feature
//! `smart-charging`, which parses and writes them with the table codec (`src/codec.rs`): its
//! numbers are read as text, so `limit` and `minChargingRate` need no float parser.

use core::fmt;

use heapless::Vec;
use serde::{Deserialize, Serialize};

use super::core_profile::{request, Request};
use super::{ocpp_enum, ocpp_message};
use crate::capacity::MAX_SCHEDULE_PERIODS;
use crate::datetime::DateTime;

ocpp_enum! {
    ChargingProfilePurposeType {
        ChargePointMaxProfile = "ChargePointMaxProfile",
        TxDefaultProfile = "TxDefaultProfile",
        TxProfile = "TxProfile",
    }
}

ocpp_enum! {
    ChargingProfileKindType { Absolute = "Absolute", Recurring = "Recurring", Relative = "Relative" }
}

ocpp_enum! {
    RecurrencyKindType { Daily = "Daily", Weekly = "Weekly" }
}

ocpp_enum! {
    /// A: amperes per phase; W: watts.
    ChargingRateUnitType { A = "A", W = "W" }
}

ocpp_enum! {
    ChargingProfileStatus { Accepted = "Accepted", Rejected = "Rejected", NotSupported = "NotSupported" }
}

ocpp_enum! {
    ClearChargingProfileStatus { Accepted = "Accepted", Unknown = "Unknown" }
}

ocpp_enum! {
    GetCompositeScheduleStatus { Accepted = "Accepted", Rejected = "Rejected" }
}

/// A decimal with one fractional digit (the schemas' `multipleOf 0.1`), held as tenths: 16.5 is
/// `Tenths(165)`. Read from the number's text: `16`, `16.5`, `16.50` and `1.65e1` are 16.5;
/// `16.55` is not a multiple of 0.1 and is refused (PropertyConstraintViolation) rather than
/// rounded; beyond ±214748364.7 is a TypeConstraintViolation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Tenths(pub i32);

impl Tenths {
    /// `whole` units.
    pub const fn whole(whole: i32) -> Self {
        Tenths(whole * 10)
    }

    /// Parses a JSON number's text (syntax-checked by the framing); `Err(true)` when it is a
    /// number but not a multiple of 0.1 or out of range, `Err(false)` when it is not a number.
    pub fn parse(text: &[u8]) -> Result<Self, bool> {
        fn split<'t>(text: &'t [u8], at: &[u8]) -> (&'t [u8], Option<&'t [u8]>) {
            match text.iter().position(|b| at.contains(b)) {
                Some(i) => (text.get(..i).unwrap_or_default(), text.get(i + 1..)),
                None => (text, None),
            }
        }
        let (negative, rest) = match text {
            [b'-', rest @ ..] => (true, rest),
            rest => (false, rest),
        };
        let (mantissa, exponent) = split(rest, b"eE");
        let (int, frac) = split(mantissa, b".");
        let frac = frac.unwrap_or_default();
        let digits = |d: &[u8]| d.iter().all(u8::is_ascii_digit);
        if int.is_empty() || !digits(int) || !digits(frac) {
            return Err(false);
        }
        let exponent = match exponent {
            None => 0,
            Some(e) => {
                let (negative, e) = match e {
                    [b'-', e @ ..] => (true, e),
                    [b'+', e @ ..] => (false, e),
                    e => (false, e),
                };
                if e.is_empty() || !digits(e) {
                    return Err(false);
                }
                let magnitude = e
                    .iter()
                    .fold(0i32, |m, &d| (m * 10 + i32::from(d - b'0')).min(1000));
                if negative {
                    -magnitude
                } else {
                    magnitude
                }
            }
        };
        // value = int.frac × 10^exponent = all digits × 10^(exponent - frac.len()), in tenths:
        let mut scale = exponent + 1 - frac.len().min(1000) as i32;
        let mut value: i64 = 0;
        for &d in int.iter().chain(frac) {
            if value > 100_000_000_000_000_000 {
                return Err(true);
            }
            value = value * 10 + i64::from(d - b'0');
        }
        while scale < 0 {
            if value % 10 != 0 {
                return Err(true);
            }
            value /= 10;
            scale += 1;
        }
        while scale > 0 && value != 0 {
            value = value.checked_mul(10).ok_or(true)?;
            if value > i64::from(i32::MAX) {
                return Err(true);
            }
            scale -= 1;
        }
        let value = if negative { -value } else { value };
        i32::try_from(value).map(Tenths).map_err(|_| true)
    }

    /// The decimal text, shortest form (`16`, `16.5`, `-0.5`): at most 12 bytes.
    /// Written without core::fmt (the codec writes every limit with it).
    pub fn to_text(self) -> heapless::String<12> {
        let mut out = heapless::String::new();
        if self.0 < 0 {
            let _ = out.push('-');
        }
        let magnitude = self.0.unsigned_abs();
        let mut digits = [0u8; 10];
        let _ = out.push_str(crate::json::decimal(magnitude / 10, &mut digits));
        let tenth = (magnitude % 10) as u8;
        if tenth != 0 {
            let _ = out.push('.');
            let _ = out.push(char::from(b'0' + tenth));
        }
        out
    }
}

impl fmt::Display for Tenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl crate::logging::Piece for Tenths {
    fn put(&self, line: &mut crate::logging::Line) {
        line.push_str(&self.to_text());
    }
}

impl Serialize for Tenths {
    // Only the tests write these with serde (the engine uses the table codec).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 % 10 {
            0 => serializer.serialize_i32(self.0 / 10),
            _ => serializer.serialize_f64(f64::from(self.0) / 10.0),
        }
    }
}

impl<'de> Deserialize<'de> for Tenths {
    // Only the tests read these with serde, as the differential oracle.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        let tenths = value * 10.0;
        let rounded = (tenths + if tenths < 0.0 { -0.5 } else { 0.5 }) as i64;
        let exact = (tenths - rounded as f64).abs() < 1e-6;
        match i32::try_from(rounded) {
            Ok(t) if exact => Ok(Tenths(t)),
            _ => {
                super::violation::note(super::violation::Kind::Property);
                Err(serde::de::Error::custom("not a multiple of 0.1"))
            }
        }
    }
}

#[cfg(feature = "table-codec")]
impl crate::codec::Member for Tenths {
    const EMPTY: Self = Tenths(0);
    fn decode_into(
        &mut self,
        value: crate::codec::RawValue<'_, '_>,
        _: &mut [u8],
    ) -> Result<(), crate::rpc::ErrorCode> {
        use crate::rpc::ErrorCode;
        *self = Tenths::parse(value.number()?).map_err(|bad_value| match bad_value {
            true => ErrorCode::PropertyConstraintViolation,
            false => ErrorCode::TypeConstraintViolation,
        })?;
        Ok(())
    }
    fn encode(&self) -> crate::codec::Value<'_> {
        crate::codec::Value::Tenths(self.0)
    }
}

/// A list that refuses to truncate: up to `N` elements are kept, and `overflow` records that
/// the message had more (the engine then answers Rejected, as the spec asks of a profile over
/// ChargingScheduleMaxPeriods, instead of a CALLERROR or a silently shortened schedule).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BoundedList<T, const N: usize> {
    pub items: Vec<T, N>,
    pub overflow: bool,
}

impl<T, const N: usize> BoundedList<T, N> {
    pub const fn new() -> Self {
        Self {
            items: Vec::new(),
            overflow: false,
        }
    }
}

impl<T, const N: usize> core::ops::Deref for BoundedList<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<T: Serialize, const N: usize> Serialize for BoundedList<T, N> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for BoundedList<T, N> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<T, const N: usize>(core::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const N: usize> serde::de::Visitor<'de> for ListVisitor<T, N> {
            type Value = BoundedList<T, N>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut list = BoundedList::new();
                while let Some(item) = seq.next_element::<T>()? {
                    if list.items.push(item).is_err() {
                        list.overflow = true;
                    }
                }
                Ok(list)
            }
        }
        deserializer.deserialize_seq(ListVisitor(core::marker::PhantomData))
    }
}

#[cfg(feature = "table-codec")]
impl<T: crate::codec::Member, const N: usize> crate::codec::Member for BoundedList<T, N> {
    const EMPTY: Self = BoundedList::new();
    fn decode_into(
        &mut self,
        value: crate::codec::RawValue<'_, '_>,
        scratch: &mut [u8],
    ) -> Result<(), crate::rpc::ErrorCode> {
        self.items.clear();
        self.overflow = false;
        value.elements(scratch, |element, scratch| {
            if self.items.is_full() {
                // Read (and check) the extra element, then forget it.
                self.overflow = true;
                let mut extra = T::EMPTY;
                return extra.decode_into(element, scratch);
            }
            let mut item = T::EMPTY;
            item.decode_into(element, scratch)?;
            let _ = self.items.push(item);
            Ok(())
        })
    }
    fn encode(&self) -> crate::codec::Value<'_> {
        crate::codec::Value::Array(&self.items)
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ChargingSchedulePeriod {
        /// Seconds from the start of the schedule.
        "startPeriod" pub start_period: u32,
        "limit" pub limit: Tenths,
        /// Absent: 3. (A byte: the schema says integer, and more than 255 phases is not one.)
        "numberPhases" pub number_phases: Option<u8>,
    }
}

/// A schedule's periods, as many as ChargingScheduleMaxPeriods.
pub type SchedulePeriods = BoundedList<ChargingSchedulePeriod, MAX_SCHEDULE_PERIODS>;

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ChargingSchedule {
        /// Seconds; absent: the last period lasts as long as the profile is valid.
        "duration" pub duration: Option<u32>,
        "startSchedule" pub start_schedule: Option<DateTime>,
        "chargingRateUnit" pub charging_rate_unit: ChargingRateUnitType,
        "chargingSchedulePeriod" pub charging_schedule_period: SchedulePeriods,
        "minChargingRate" pub min_charging_rate: Option<Tenths>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ChargingProfile {
        "chargingProfileId" pub charging_profile_id: i32,
        "transactionId" pub transaction_id: Option<i32>,
        "stackLevel" pub stack_level: u32,
        "chargingProfilePurpose" pub charging_profile_purpose: ChargingProfilePurposeType,
        "chargingProfileKind" pub charging_profile_kind: ChargingProfileKindType,
        "recurrencyKind" pub recurrency_kind: Option<RecurrencyKindType>,
        "validFrom" pub valid_from: Option<DateTime>,
        "validTo" pub valid_to: Option<DateTime>,
        "chargingSchedule" pub charging_schedule: ChargingSchedule,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SetChargingProfileRequest {
        "connectorId" pub connector_id: u32,
        "csChargingProfiles" pub cs_charging_profiles: ChargingProfile,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SetChargingProfileResponse {
        "status" pub status: ChargingProfileStatus,
    }
}
request!(SetChargingProfileRequest => SetChargingProfileResponse, SetChargingProfile);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ClearChargingProfileRequest {
        "id" pub id: Option<i32>,
        "connectorId" pub connector_id: Option<u32>,
        "chargingProfilePurpose" pub charging_profile_purpose: Option<ChargingProfilePurposeType>,
        "stackLevel" pub stack_level: Option<u32>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ClearChargingProfileResponse {
        "status" pub status: ClearChargingProfileStatus,
    }
}
request!(ClearChargingProfileRequest => ClearChargingProfileResponse, ClearChargingProfile);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetCompositeScheduleRequest {
        "connectorId" pub connector_id: u32,
        /// Seconds.
        "duration" pub duration: u32,
        "chargingRateUnit" pub charging_rate_unit: Option<ChargingRateUnitType>,
    }
}

/// Periods a composite schedule may have: each profile's periods, boundaries and recurrences
/// combined, up to this bound (the schedule then ends early; see the engine).
pub const COMPOSITE_PERIODS: usize = 2 * MAX_SCHEDULE_PERIODS;

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CompositeSchedule {
        "duration" pub duration: Option<u32>,
        "startSchedule" pub start_schedule: Option<DateTime>,
        "chargingRateUnit" pub charging_rate_unit: ChargingRateUnitType,
        "chargingSchedulePeriod" pub charging_schedule_period: Vec<ChargingSchedulePeriod, COMPOSITE_PERIODS>,
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetCompositeScheduleResponse {
        "status" pub status: GetCompositeScheduleStatus,
        "connectorId" pub connector_id: Option<u32>,
        "scheduleStart" pub schedule_start: Option<DateTime>,
        "chargingSchedule" pub charging_schedule: Option<CompositeSchedule>,
    }
}
request!(GetCompositeScheduleRequest => GetCompositeScheduleResponse, GetCompositeSchedule);

ocpp_message! {
    /// The Smart Charging part of a RemoteStartTransaction.req, read from the same payload as
    /// the Core part (which ignores it).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RemoteStartChargingProfile {
        "chargingProfile" pub charging_profile: Option<ChargingProfile>,
    }
}

#[cfg(test)]
mod tests;
