//! The Smart Charging messages: the fixed-point decimal, the list that refuses to truncate,
//! both codecs agreeing on every message (the table codec is the engine's, serde the oracle),
//! and the frames to `target/frames/unit-messages-smart-charging.jsonl`.

use super::*;
use crate::codec;
use crate::messages::test_support::*;
use crate::messages::{Action, FeatureProfile};
use crate::rpc::ErrorCode;

#[test]
fn tenths_from_the_numbers_text() {
    for (text, tenths) in [
        ("0", 0),
        ("16", 160),
        ("16.5", 165),
        ("16.50", 165),
        ("-0.5", -5),
        ("1.65e1", 165),
        ("165E-1", 165),
        ("1e2", 1_000),
        ("0.0000", 0),
        ("214748364.7", i32::MAX),
        ("-214748364.8", i32::MIN),
        ("11000", 110_000),
    ] {
        assert_eq!(Tenths::parse(text.as_bytes()), Ok(Tenths(tenths)), "{text}");
    }
    for text in [
        "16.55",
        "0.01",
        "214748364.8",
        "1e10",
        "1e-2",
        "123456789012345678901234",
    ] {
        assert_eq!(Tenths::parse(text.as_bytes()), Err(true), "{text}");
    }
    for text in ["", "-", "1.2.3", "abc", "1e", "\"1\""] {
        assert_eq!(Tenths::parse(text.as_bytes()), Err(false), "{text}");
    }
    for (tenths, text) in [
        (0, "0"),
        (165, "16.5"),
        (160, "16"),
        (-5, "-0.5"),
        (-165, "-16.5"),
    ] {
        assert_eq!(Tenths(tenths).to_text().as_str(), text);
    }
}

fn schedule(periods: usize) -> ChargingSchedule {
    let mut list = SchedulePeriods::new();
    for i in 0..periods {
        let _ = list.items.push(ChargingSchedulePeriod {
            start_period: i as u32 * 900,
            limit: Tenths(60 + i as i32 * 5),
            number_phases: (i % 2 == 0).then_some(3),
        });
    }
    ChargingSchedule {
        duration: Some(86_400),
        start_schedule: Some(time()),
        charging_rate_unit: ChargingRateUnitType::A,
        charging_schedule_period: list,
        min_charging_rate: Some(Tenths(60)),
    }
}

fn profile(periods: usize) -> ChargingProfile {
    ChargingProfile {
        charging_profile_id: 7,
        transaction_id: Some(42),
        stack_level: 2,
        charging_profile_purpose: ChargingProfilePurposeType::TxProfile,
        charging_profile_kind: ChargingProfileKindType::Recurring,
        recurrency_kind: Some(RecurrencyKindType::Daily),
        valid_from: Some(time()),
        valid_to: None,
        charging_schedule: schedule(periods),
    }
}

/// Parses with the table codec, checks serde reads the same, returns the value.
fn both<
    T: codec::Member
        + codec::DecodeFields
        + serde::de::DeserializeOwned
        + PartialEq
        + core::fmt::Debug,
>(
    payload: &str,
) -> Result<T, ErrorCode> {
    let table = codec::parse::<T>(payload.as_bytes(), &mut [0u8; 600]);
    let serde = serde_parse::<T>(payload.as_bytes());
    assert_eq!(table, serde, "{payload}");
    table
}

/// Writes with both codecs: the same bytes.
fn written<T: codec::EncodeFields + serde::Serialize>(value: &T) -> String {
    let mut buf = [0u8; 4096];
    let n = codec::write_payload(&mut buf, value).unwrap();
    let text = String::from_utf8(buf[..n].to_vec()).unwrap();
    assert_eq!(
        text,
        json(value),
        "the table codec writes what serde writes"
    );
    text
}

#[test]
fn central_system_requests_and_the_answers_to_them() {
    for action in [
        Action::SetChargingProfile,
        Action::ClearChargingProfile,
        Action::GetCompositeSchedule,
    ] {
        assert_eq!(action.profile(), FeatureProfile::SmartCharging);
    }
    let mut frames = Frames::new("unit-messages-smart-charging");
    let set = SetChargingProfileRequest {
        connector_id: 1,
        cs_charging_profiles: profile(MAX_SCHEDULE_PERIODS),
    };
    let payload = written(&set);
    assert!(
        payload.contains(r#"{"startPeriod":0,"limit":6,"numberPhases":3}"#),
        "{payload}"
    );
    assert!(
        payload.contains(r#"{"startPeriod":900,"limit":6.5}"#),
        "{payload}"
    );
    assert_eq!(both::<SetChargingProfileRequest>(&payload), Ok(set.clone()));
    for &status in ChargingProfileStatus::ALL {
        let answer = SetChargingProfileResponse { status };
        written(&answer);
        frames.answer(Action::SetChargingProfile, &payload, &answer);
    }

    for clear in [
        ClearChargingProfileRequest {
            id: Some(7),
            connector_id: None,
            charging_profile_purpose: None,
            stack_level: None,
        },
        ClearChargingProfileRequest {
            id: None,
            connector_id: Some(0),
            charging_profile_purpose: Some(ChargingProfilePurposeType::ChargePointMaxProfile),
            stack_level: Some(3),
        },
    ] {
        let payload = written(&clear);
        assert_eq!(
            both::<ClearChargingProfileRequest>(&payload),
            Ok(clear.clone())
        );
        for &status in ClearChargingProfileStatus::ALL {
            frames.answer(
                Action::ClearChargingProfile,
                &payload,
                &ClearChargingProfileResponse { status },
            );
        }
    }

    let get = GetCompositeScheduleRequest {
        connector_id: 0,
        duration: 3_600,
        charging_rate_unit: Some(ChargingRateUnitType::W),
    };
    let payload = written(&get);
    assert_eq!(
        both::<GetCompositeScheduleRequest>(&payload),
        Ok(get.clone())
    );
    let mut periods = Vec::new();
    for p in schedule(3).charging_schedule_period.iter() {
        let _ = periods.push(p.clone());
    }
    let accepted = GetCompositeScheduleResponse {
        status: GetCompositeScheduleStatus::Accepted,
        connector_id: Some(0),
        schedule_start: Some(time()),
        charging_schedule: Some(CompositeSchedule {
            duration: Some(3_600),
            start_schedule: Some(time()),
            charging_rate_unit: ChargingRateUnitType::W,
            charging_schedule_period: periods,
        }),
    };
    written(&accepted);
    frames.answer(Action::GetCompositeSchedule, &payload, &accepted);
    let rejected = GetCompositeScheduleResponse {
        status: GetCompositeScheduleStatus::Rejected,
        connector_id: None,
        schedule_start: None,
        charging_schedule: None,
    };
    assert_eq!(written(&rejected), r#"{"status":"Rejected"}"#);
    frames.answer(Action::GetCompositeSchedule, &payload, &rejected);

    // RemoteStartTransaction's chargingProfile, read beside the Core part.
    let remote = format!(
        r#"{{"connectorId":1,"idTag":"T","chargingProfile":{}}}"#,
        written(&profile(2))
    );
    let extra = both::<RemoteStartChargingProfile>(&remote).unwrap();
    assert_eq!(extra.charging_profile, Some(profile(2)));
    frames.answer(
        Action::RemoteStartTransaction,
        &remote,
        &crate::messages::RemoteStartStopResponse {
            status: crate::messages::RemoteStartStopStatus::Accepted,
        },
    );
}

#[test]
fn payloads_that_do_not_match_the_schema() {
    use ErrorCode::*;
    let good = written(&SetChargingProfileRequest {
        connector_id: 1,
        cs_charging_profiles: profile(1),
    });
    for (from, to, code) in [
        (
            r#""limit":6"#,
            r#""limit":6.05"#,
            PropertyConstraintViolation,
        ),
        (r#""limit":6"#, r#""limit":"6""#, TypeConstraintViolation),
        (r#""limit":6"#, r#""limit":null"#, TypeConstraintViolation),
        (
            r#""stackLevel":2"#,
            r#""stackLevel":-1"#,
            TypeConstraintViolation,
        ),
        (
            r#""chargingRateUnit":"A""#,
            r#""chargingRateUnit":"kW""#,
            PropertyConstraintViolation,
        ),
        (
            r#""chargingProfileKind":"Recurring","#,
            "",
            OccurenceConstraintViolation,
        ),
        (r#""startPeriod":0,"#, "", OccurenceConstraintViolation),
    ] {
        let payload = good.replacen(from, to, 1);
        assert_ne!(payload, good, "{from}");
        assert_eq!(
            codec::parse::<SetChargingProfileRequest>(payload.as_bytes(), &mut [0; 64]),
            Err(code),
            "{payload}"
        );
    }
    // One period over ChargingScheduleMaxPeriods: read whole, marked, never truncated silently.
    let mut over = profile(MAX_SCHEDULE_PERIODS);
    let full = written(&over);
    let extra = full.replacen(
        r#""chargingSchedulePeriod":["#,
        r#""chargingSchedulePeriod":[{"startPeriod":0,"limit":1},"#,
        1,
    );
    over = codec::parse::<ChargingProfile>(extra.as_bytes(), &mut [0; 64]).unwrap();
    assert!(over.charging_schedule.charging_schedule_period.overflow);
    let bad_extra = full.replacen(
        r#""chargingSchedulePeriod":["#,
        r#""chargingSchedulePeriod":[{"startPeriod":0},"#,
        1,
    );
    assert_eq!(
        codec::parse::<ChargingProfile>(bad_extra.as_bytes(), &mut [0; 64]),
        Err(OccurenceConstraintViolation)
    );
    assert!(
        !codec::parse::<ChargingProfile>(full.as_bytes(), &mut [0; 64])
            .unwrap()
            .charging_schedule
            .charging_schedule_period
            .overflow
    );
}
