//! A charging profile's record: its connector and every member of the profile.

use super::super::smart_charging::InstalledProfile;
use super::*;
use crate::messages::{
    ChargingProfile, ChargingProfileKindType, ChargingProfilePurposeType, ChargingRateUnitType,
    ChargingSchedule, ChargingSchedulePeriod, RecurrencyKindType, SchedulePeriods, Tenths,
};

fn encode_opt_time(w: &mut Writer, t: Option<DateTime>) {
    w.u8(u8::from(t.is_some()));
    w.u64(t.map_or(0, |t| t.unix_ms as u64));
}

fn decode_opt_time(r: &mut Reader) -> Option<Option<DateTime>> {
    let present = r.u8()? != 0;
    let ms = r.u64()? as i64;
    Some(present.then(|| DateTime::from_unix_ms(ms)))
}

pub(super) fn encode(w: &mut Writer, entry: &InstalledProfile) {
    let p = &entry.profile;
    let s = &p.charging_schedule;
    w.u8(entry.connector);
    w.i32(p.charging_profile_id);
    encode_opt_i32(w, p.transaction_id);
    w.u32(p.stack_level);
    w.u8(index_of(
        ChargingProfilePurposeType::ALL,
        Some(p.charging_profile_purpose),
    ));
    w.u8(index_of(
        ChargingProfileKindType::ALL,
        Some(p.charging_profile_kind),
    ));
    w.u8(index_of(RecurrencyKindType::ALL, p.recurrency_kind));
    encode_opt_time(w, p.valid_from);
    encode_opt_time(w, p.valid_to);
    encode_opt_i32(w, s.duration.map(|d| d as i32));
    encode_opt_time(w, s.start_schedule);
    w.u8(index_of(
        ChargingRateUnitType::ALL,
        Some(s.charging_rate_unit),
    ));
    encode_opt_i32(w, s.min_charging_rate.map(|t| t.0));
    w.u8(s.charging_schedule_period.items.len() as u8);
    for period in &s.charging_schedule_period.items {
        w.u32(period.start_period);
        w.i32(period.limit.0);
        w.u8(period.number_phases.unwrap_or(0));
    }
}

pub(super) fn decode(r: &mut Reader) -> Option<InstalledProfile> {
    let connector = r.u8()?;
    let charging_profile_id = r.i32()?;
    let transaction_id = decode_opt_i32(r)?;
    let stack_level = r.u32()?;
    let charging_profile_purpose = from_index(ChargingProfilePurposeType::ALL, r.u8()?)??;
    let charging_profile_kind = from_index(ChargingProfileKindType::ALL, r.u8()?)??;
    let recurrency_kind = from_index(RecurrencyKindType::ALL, r.u8()?)?;
    let valid_from = decode_opt_time(r)?;
    let valid_to = decode_opt_time(r)?;
    let duration = decode_opt_i32(r)?.map(|d| d as u32);
    let start_schedule = decode_opt_time(r)?;
    let charging_rate_unit = from_index(ChargingRateUnitType::ALL, r.u8()?)??;
    let min_charging_rate = decode_opt_i32(r)?.map(Tenths);
    let mut periods = SchedulePeriods::new();
    for _ in 0..r.u8()? {
        let start_period = r.u32()?;
        let limit = Tenths(r.i32()?);
        let phases = r.u8()?;
        periods
            .items
            .push(ChargingSchedulePeriod {
                start_period,
                limit,
                number_phases: (phases != 0).then_some(phases),
            })
            .ok()?;
    }
    Some(InstalledProfile {
        connector,
        profile: ChargingProfile {
            charging_profile_id,
            transaction_id,
            stack_level,
            charging_profile_purpose,
            charging_profile_kind,
            recurrency_kind,
            valid_from,
            valid_to,
            charging_schedule: ChargingSchedule {
                duration,
                start_schedule,
                charging_rate_unit,
                charging_schedule_period: periods,
                min_charging_rate,
            },
        },
    })
}
