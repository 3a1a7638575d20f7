//! Smart Charging: profiles through the table codec on the target, the limit and its change at
//! a period boundary on the virtual clock, the composite schedule, and a profile over
//! ChargingScheduleMaxPeriods Rejected (the whole frame read, nothing truncated).

use core::fmt::{self, Write as _};

use super::*;
use crate::capacity::MAX_SCHEDULE_PERIODS;
use crate::codec;
use crate::engine::smart_charging::ChargingLimit;

/// (i) A ChargePointMaxProfile of 10 A caps a daily TxDefaultProfile of 16 A then 6 A; the
/// change to 6 A comes as an event at the boundary; GetCompositeSchedule in W gives the
/// converted periods; one period too many is Rejected; ClearChargingProfile lifts the limit.
#[no_mangle]
pub extern "C" fn ocpp_selftest_smart_charging() -> i32 {
    run(1, smart_charging)
}

/// Writes a frame into a byte buffer (the Central System's receive buffer).
struct FrameText<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl fmt::Write for FrameText<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl Harness<'_> {
    /// A SetChargingProfile of a TxDefaultProfile / ChargePointMaxProfile with `periods`
    /// (startPeriod, limit in A); returns the status the charge point answered.
    fn set_profile(
        &mut self,
        connector: u32,
        head: &str,
        periods: &mut dyn Iterator<Item = (u32, u32)>,
    ) -> Result<ChargingProfileStatus, Failure> {
        let id = self.next_cs_id();
        let mut frame = FrameText {
            buf: self.cs.as_mut_slice(),
            len: 0,
        };
        let written = (|| {
            write!(
                frame,
                "[2,\"{}\",\"SetChargingProfile\",{{\"connectorId\":{connector},\
                 \"csChargingProfiles\":{{{head},\"chargingSchedule\":{{\
                 \"startSchedule\":\"2026-11-21T10:00:00Z\",\"chargingRateUnit\":\"A\",\
                 \"chargingSchedulePeriod\":[",
                id.as_str()
            )?;
            for (i, (start, limit)) in periods.enumerate() {
                let comma = if i > 0 { "," } else { "" };
                write!(
                    frame,
                    "{comma}{{\"startPeriod\":{start},\"limit\":{limit}}}"
                )?;
            }
            frame.write_str("]}}}]")
        })();
        check!(written.is_ok());
        let len = frame.len;
        let reply = self.receive(len);
        let answer: SetChargingProfileResponse = self.table_result(&id, reply)?;
        Ok(answer.status)
    }

    /// The CALLRESULT in `out` answering `id`, read with the table codec.
    fn table_result<T: codec::Member + codec::DecodeFields>(
        &mut self,
        id: &MessageId,
        reply: Option<usize>,
    ) -> Result<T, Failure> {
        match rpc::parse_frame(take!(self.out.get(..take!(reply)))) {
            Ok(Frame::CallResult {
                id: answered,
                payload,
            }) => {
                check!(answered == *id);
                codec::parse(payload, &mut self.scratch).map_err(|_| line!())
            }
            _ => Err(line!()),
        }
    }

    /// Drains the events; the last limit change reported for `connector`.
    fn last_limit(&mut self, connector: u8) -> Option<Option<ChargingLimit>> {
        let mut last = None;
        while let Some(event) = self.cp.poll_event() {
            if let Event::ChargingLimitChanged {
                connector: c,
                limit,
            } = event
            {
                if c == connector {
                    last = Some(limit);
                }
            }
        }
        last
    }
}

fn amps(limit: i32) -> Option<ChargingLimit> {
    Some(ChargingLimit {
        limit: Tenths(limit * 10),
        unit: ChargingRateUnitType::A,
        phases: 3,
    })
}

fn smart_charging(h: &mut Harness<'_>) -> Outcome {
    h.online()?;
    let max = "\"chargingProfileId\":1,\"stackLevel\":0,\"chargingProfilePurpose\":\
               \"ChargePointMaxProfile\",\"chargingProfileKind\":\"Absolute\"";
    let daily = "\"chargingProfileId\":2,\"stackLevel\":0,\"chargingProfilePurpose\":\
                 \"TxDefaultProfile\",\"chargingProfileKind\":\"Recurring\",\
                 \"recurrencyKind\":\"Daily\"";
    check!(h.set_profile(0, max, &mut [(0, 10)].into_iter())? == ChargingProfileStatus::Accepted);
    check!(
        h.set_profile(0, daily, &mut [(0, 16), (60, 6)].into_iter())?
            == ChargingProfileStatus::Accepted
    );
    check!(h.cp.charging_limit(1, h.now) == amps(10));
    check!(h.last_limit(1) == Some(amps(10)));
    h.advance(59_000);
    check!(h.last_limit(1).is_none());
    h.advance(1_000);
    // The boundary, on the timer.
    check!(h.last_limit(1) == Some(amps(6)));

    let request = GetCompositeScheduleRequest {
        connector_id: 1,
        duration: 86_400,
        charging_rate_unit: Some(ChargingRateUnitType::W),
    };
    let id = h.next_cs_id();
    let len =
        take!(codec::write_call(h.cs.as_mut_slice(), &id, "GetCompositeSchedule", &request).ok());
    let reply = h.receive(len);
    let answer: GetCompositeScheduleResponse = h.table_result(&id, reply)?;
    check!(answer.status == GetCompositeScheduleStatus::Accepted);
    let schedule = take!(answer.charging_schedule);
    let periods = &schedule.charging_schedule_period;
    // 6 A until the next day's 16 A (capped at 10 A), 60 s before the end of the day.
    check!(periods.len() == 2 && schedule.duration == Some(86_400));
    check!(periods.first().map(|p| (p.start_period, p.limit)) == Some((0, Tenths(6 * 690 * 10))));
    check!(
        periods.get(1).map(|p| (p.start_period, p.limit)) == Some((86_340, Tenths(10 * 690 * 10)))
    );

    // One period over ChargingScheduleMaxPeriods: read, and Rejected.
    let over = "\"chargingProfileId\":3,\"stackLevel\":1,\"chargingProfilePurpose\":\
                \"TxDefaultProfile\",\"chargingProfileKind\":\"Absolute\"";
    let mut periods = (0..=MAX_SCHEDULE_PERIODS as u32).map(|i| (i * 60, 8));
    check!(h.set_profile(1, over, &mut periods)? == ChargingProfileStatus::Rejected);
    check!(h.cp.charging_profiles().len() == 2);

    let clear = ClearChargingProfileRequest {
        id: None,
        connector_id: None,
        charging_profile_purpose: None,
        stack_level: None,
    };
    let id = h.next_cs_id();
    let len =
        take!(codec::write_call(h.cs.as_mut_slice(), &id, "ClearChargingProfile", &clear).ok());
    let reply = h.receive(len);
    let answer: ClearChargingProfileResponse = h.table_result(&id, reply)?;
    check!(answer.status == ClearChargingProfileStatus::Accepted);
    check!(h.last_limit(1) == Some(None));
    h.nothing_sent()
}
