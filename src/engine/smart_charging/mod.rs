//! Smart Charging (SetChargingProfile, ClearChargingProfile, GetCompositeSchedule, and the
//! chargingProfile of RemoteStartTransaction): the Central System installs charging profiles,
//! the engine works out the limit in force on each connector (`schedule`) and tells the
//! application whenever it changes ([`Event::ChargingLimitChanged`]), at the period boundaries
//! too, through its own timer (`charging_deadline` / `charging_timeout`).
//!
//! Installed profiles are plain data in one fixed-capacity table, [`ChargingProfiles`]
//! (`MAX_CHARGING_PROFILES`, no heap). Every change of it goes through
//! [`ChargingProfiles::install`] or [`ChargingProfiles::remove_if`]: that is where a store
//! will save it. Times are wall-clock times, so a saved table means the same after a reboot
//! (an Absolute profile without `startSchedule` gets the time it arrived).
//!
//! Where OCPP 1.6 is silent, this module chose (the rules themselves are in `schedule`):
//! - Rejected: a Relative ChargePointMaxProfile (relative to what?), a transactionId on another
//!   purpose than TxProfile, a first period not at 0 or periods out of order, a negative limit,
//!   numberPhases outside 1..=3, Recurring without recurrencyKind or startSchedule, anything
//!   over a capacity, and every SetChargingProfile before the wall-clock time is known.
//! - A RemoteStartTransaction's profile must be a TxProfile without transactionId; it is
//!   installed on the connector the start goes to and, like every TxProfile, removed when that
//!   connector's transaction ends (if the start never happens, at the end of the next one).
//! - ClearChargingProfile with an `id` ignores the other criteria; without any, clears all.
//! - minChargingRate is checked and kept, but does not change the limit.
//! - GetCompositeSchedule without chargingRateUnit answers in the unit of the first limit.

pub mod schedule;

use crate::logging::Piece;
use heapless::Vec;

use super::*;
use crate::capacity::{CHARGE_PROFILE_MAX_STACK_LEVEL, MAX_CHARGING_PROFILES, NOMINAL_VOLTAGE};
use crate::codec;
use schedule::{secs, Activities, Activity, View};

/// One installed profile: where it was set, and the profile as the Central System sent it
/// (an Absolute profile's `startSchedule` filled in when it had none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledProfile {
    /// 0: the charge point (ChargePointMaxProfile) or every connector (TxDefaultProfile).
    pub connector: u8,
    pub profile: ChargingProfile,
}

/// The installed charging profiles, at most `MAX_CHARGING_PROFILES`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChargingProfiles {
    entries: Vec<InstalledProfile, MAX_CHARGING_PROFILES>,
}

/// Whether installing `new` removes `old`: the same chargingProfileId, or the same connector,
/// purpose and stackLevel.
fn replaces(new: &InstalledProfile, old: &InstalledProfile) -> bool {
    let (a, b) = (&new.profile, &old.profile);
    a.charging_profile_id == b.charging_profile_id
        || (new.connector == old.connector
            && a.charging_profile_purpose == b.charging_profile_purpose
            && a.stack_level == b.stack_level)
}

/// The table is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfilesFull;

impl ChargingProfiles {
    pub fn iter(&self) -> impl Iterator<Item = &InstalledProfile> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The profile in table slot `slot` (the store keeps one record per slot).
    pub fn slot(&self, slot: usize) -> Option<&InstalledProfile> {
        self.entries.get(slot)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Installs `entry`, replacing the profile with its chargingProfileId and the one with its
    /// connector, purpose and stackLevel; nothing changes when it does not fit. Also the way
    /// a store re-installs what it saved.
    pub fn install(&mut self, entry: InstalledProfile) -> Result<(), ProfilesFull> {
        if !self.has_room_for(&entry) {
            return Err(ProfilesFull);
        }
        self.entries.retain(|e| !replaces(&entry, e));
        self.entries.push(entry).map_err(|_| ProfilesFull)
    }

    /// Whether [`ChargingProfiles::install`] would succeed (the profiles it replaces counted).
    pub fn has_room_for(&self, entry: &InstalledProfile) -> bool {
        self.entries.iter().filter(|e| !replaces(entry, e)).count() < MAX_CHARGING_PROFILES
    }

    /// Removes every profile `matches` selects; how many it removed.
    pub fn remove_if(&mut self, mut matches: impl FnMut(&InstalledProfile) -> bool) -> usize {
        let before = self.entries.len();
        self.entries.retain(|e| !matches(e));
        before - self.entries.len()
    }

    fn as_slice(&self) -> &[InstalledProfile] {
        &self.entries
    }
}

/// The limit in force on a connector: `limit` in `unit` (A per phase, or W) over `phases`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChargingLimit {
    pub limit: Tenths,
    pub unit: ChargingRateUnitType,
    pub phases: u8,
}

impl Piece for ChargingLimit {
    fn put(&self, line: &mut crate::logging::Line) {
        self.limit.put(line);
        line.push_str(" ");
        self.unit.put(line);
        line.push_str(" on ");
        self.phases.put(line);
        line.push_str(" phases");
    }
}

/// The feature's state: the profiles, and what the application was last told.
#[derive(Debug, Clone, Default)]
pub struct SmartCharging {
    profiles: ChargingProfiles,
    /// Wall-clock start (seconds) of each connector's transaction, for Relative schedules.
    started: [Option<i64>; MAX_CONNECTORS + 1],
    /// The limit last reported per connector.
    reported: [Option<ChargingLimit>; MAX_CONNECTORS + 1],
    /// When the limits were last evaluated, and the next instant they may change.
    evaluated: Option<i64>,
    next_change: Option<i64>,
}

impl<S: Station> ChargePoint<S> {
    /// The installed charging profiles (for a store, the shell, tests).
    pub fn charging_profiles(&self) -> &ChargingProfiles {
        &self.smart.profiles
    }

    /// Re-installs a profile a store saved (replacing as SetChargingProfile does).
    pub fn restore_charging_profile(
        &mut self,
        now: Instant,
        entry: InstalledProfile,
    ) -> Result<(), ProfilesFull> {
        self.smart.profiles.install(entry)?;
        self.refresh_limits(now);
        Ok(())
    }

    /// The limit in force on `connector` (0: the charge point's total) at `now`; None when
    /// nothing limits it (or the wall-clock time is not known yet).
    pub fn charging_limit(&self, connector: u8, now: Instant) -> Option<ChargingLimit> {
        let t = secs(self.wall_time(now)?);
        let activity = self.activities();
        self.view(&activity, None).limit(connector, t)
    }

    fn activities(&self) -> Activities {
        let mut all = Activities::new();
        for (i, c) in self.connectors.iter().enumerate() {
            let _ = all.push(Activity {
                running: c.transaction.is_some(),
                started: self.smart.started.get(i).copied().flatten(),
            });
        }
        all
    }

    fn view<'a>(&'a self, activity: &'a [Activity], idle_start: Option<i64>) -> View<'a> {
        View {
            profiles: self.smart.profiles.as_slice(),
            activity,
            voltage: NOMINAL_VOLTAGE as u32,
            idle_start,
        }
    }

    /// Evaluates every connector's limit and reports those that changed.
    fn refresh_limits(&mut self, now: Instant) {
        let Some(t) = self.wall_time(now).map(secs) else {
            return;
        };
        let activity = self.activities();
        let mut changed: Vec<(u8, Option<ChargingLimit>), { MAX_CONNECTORS + 1 }> = Vec::new();
        {
            let view = self.view(&activity, None);
            for (i, reported) in self
                .smart
                .reported
                .iter()
                .enumerate()
                .take(self.connectors.len())
            {
                let connector = i as u8;
                let limit = view.limit(connector, t);
                if limit != *reported {
                    let _ = changed.push((connector, limit));
                }
            }
            self.smart.next_change = view.next_change(t);
        }
        self.smart.evaluated = Some(t);
        for (connector, limit) in changed {
            if let Some(slot) = self.smart.reported.get_mut(usize::from(connector)) {
                *slot = limit;
            }
            info!("charging limit of connector ", connector, ": ", limit);
            self.emit(Event::ChargingLimitChanged { connector, limit });
        }
    }

    /// When the limit in force may next change (a period boundary, a validity edge...).
    pub(super) fn charging_deadline(&self) -> Option<Instant> {
        let wall = self.wall?;
        let Some(next) = self.smart.next_change else {
            // Not evaluated since the wall clock became known: at once.
            return self.smart.evaluated.is_none().then_some(wall.at);
        };
        let wait = next.saturating_mul(1000).saturating_sub(wall.time.unix_ms);
        Some(wall.at.plus_millis(u64::try_from(wait).unwrap_or(0)))
    }

    pub(super) fn charging_timeout(&mut self, now: Instant) {
        let Some(t) = self.wall_time(now).map(secs) else {
            return;
        };
        let due = match (self.smart.evaluated, self.smart.next_change) {
            (None, _) => true,
            // The wall clock was set back: evaluate again.
            (Some(at), _) if t < at => true,
            (_, Some(next)) => t >= next,
            (_, None) => false,
        };
        if due {
            self.refresh_limits(now);
        }
    }

    /// A transaction started on `connector`: Relative schedules count from now.
    pub(super) fn charging_transaction_started(&mut self, now: Instant, connector: u8) {
        let start = self.wall_time(now).map(secs);
        if let Some(slot) = self.smart.started.get_mut(usize::from(connector)) {
            *slot = start;
        }
        self.refresh_limits(now);
    }

    /// The transaction on `connector` ended: its TxProfiles go.
    pub(super) fn charging_transaction_ended(&mut self, now: Instant, connector: u8) {
        if let Some(slot) = self.smart.started.get_mut(usize::from(connector)) {
            *slot = None;
        }
        let removed = self.smart.profiles.remove_if(|e| {
            e.connector == connector
                && e.profile.charging_profile_purpose == ChargingProfilePurposeType::TxProfile
        });
        if removed > 0 {
            self.store_changed(Record::ChargingProfile(0));
            info!(
                "transaction on connector ",
                connector, " ended: ", removed, " TxProfile(s) removed"
            );
        }
        self.refresh_limits(now);
    }

    /// Checks a profile against the spec and our capacities; fills in an Absolute profile's
    /// missing `startSchedule`. `remote_start`: it came with a RemoteStartTransaction (for the
    /// transaction about to start), not with a SetChargingProfile.
    fn checked_profile(
        &self,
        now: Instant,
        connector: u32,
        mut profile: ChargingProfile,
        remote_start: bool,
    ) -> Option<InstalledProfile> {
        use ChargingProfilePurposeType as Purpose;
        let connector = u8::try_from(connector)
            .ok()
            .filter(|&c| usize::from(c) < self.connectors.len())?;
        let wall = self.wall_time(now)?;
        let schedule = &profile.charging_schedule;
        let periods = &schedule.charging_schedule_period;
        let well_formed = !periods.overflow
            && periods.first().is_some_and(|p| p.start_period == 0)
            && periods.windows(2).all(|w| match w {
                [a, b] => a.start_period < b.start_period,
                _ => true,
            })
            && periods
                .iter()
                .all(|p| p.limit.0 >= 0 && p.number_phases.is_none_or(|n| (1..=3).contains(&n)))
            && schedule.min_charging_rate.is_none_or(|r| r.0 >= 0)
            && profile.stack_level <= CHARGE_PROFILE_MAX_STACK_LEVEL as u32;
        if !well_formed {
            return None;
        }
        let kind_ok = match profile.charging_profile_kind {
            ChargingProfileKindType::Absolute => true,
            ChargingProfileKindType::Recurring => {
                profile.recurrency_kind.is_some() && schedule.start_schedule.is_some()
            }
            // Relative to what, for the whole charge point?
            ChargingProfileKindType::Relative => {
                profile.charging_profile_purpose != Purpose::ChargePointMaxProfile
            }
        };
        if !kind_ok {
            return None;
        }
        let purpose_ok = match profile.charging_profile_purpose {
            Purpose::ChargePointMaxProfile => connector == 0 && profile.transaction_id.is_none(),
            Purpose::TxDefaultProfile => profile.transaction_id.is_none(),
            Purpose::TxProfile if remote_start => connector > 0 && profile.transaction_id.is_none(),
            Purpose::TxProfile => {
                let tx = self
                    .connectors
                    .get(usize::from(connector))
                    .and_then(|c| c.transaction.as_ref());
                connector > 0
                    && tx.is_some_and(|tx| {
                        profile
                            .transaction_id
                            .is_none_or(|id| tx.transaction_id == Some(id))
                    })
            }
        };
        if !purpose_ok {
            return None;
        }
        if profile.charging_profile_kind == ChargingProfileKindType::Absolute {
            let schedule = &mut profile.charging_schedule;
            schedule.start_schedule.get_or_insert(wall);
        }
        Some(InstalledProfile { connector, profile })
    }

    fn install_profile(&mut self, now: Instant, entry: Option<InstalledProfile>) -> bool {
        let Some(entry) = entry else {
            return false;
        };
        let id = entry.profile.charging_profile_id;
        match self.smart.profiles.install(entry) {
            Ok(()) => {
                self.store_changed(Record::ChargingProfile(0));
                info!("charging profile ", id, " installed");
                self.refresh_limits(now);
                true
            }
            Err(ProfilesFull) => {
                warn!(
                    "charging profile ",
                    id, " rejected: ", MAX_CHARGING_PROFILES, " installed"
                );
                false
            }
        }
    }

    pub(super) fn handle_set_charging_profile(&mut self, mut call: Incoming) -> Answer {
        let request: SetChargingProfileRequest = codec::parse(call.io.payload(), call.scratch)?;
        let now = call.now;
        let entry = self.checked_profile(
            now,
            request.connector_id,
            request.cs_charging_profiles,
            false,
        );
        let status = match self.install_profile(now, entry) {
            true => ChargingProfileStatus::Accepted,
            false => ChargingProfileStatus::Rejected,
        };
        let response = SetChargingProfileResponse { status };
        Ok(codec::write_call_result(
            call.io.reply(),
            call.id,
            &response,
        ))
    }

    pub(super) fn handle_clear_charging_profile(&mut self, mut call: Incoming) -> Answer {
        let request: ClearChargingProfileRequest = codec::parse(call.io.payload(), call.scratch)?;
        let removed = self.smart.profiles.remove_if(|e| match request.id {
            Some(id) => e.profile.charging_profile_id == id,
            None => {
                request
                    .connector_id
                    .is_none_or(|c| u32::from(e.connector) == c)
                    && request
                        .charging_profile_purpose
                        .is_none_or(|p| e.profile.charging_profile_purpose == p)
                    && request
                        .stack_level
                        .is_none_or(|l| e.profile.stack_level == l)
            }
        });
        if removed > 0 {
            self.store_changed(Record::ChargingProfile(0));
        }
        let status = match removed {
            0 => ClearChargingProfileStatus::Unknown,
            _ => {
                self.refresh_limits(call.now);
                ClearChargingProfileStatus::Accepted
            }
        };
        let response = ClearChargingProfileResponse { status };
        Ok(codec::write_call_result(
            call.io.reply(),
            call.id,
            &response,
        ))
    }

    pub(super) fn handle_get_composite_schedule(&mut self, mut call: Incoming) -> Answer {
        let request: GetCompositeScheduleRequest = codec::parse(call.io.payload(), call.scratch)?;
        let response = self.composite_schedule(call.now, &request);
        Ok(codec::write_call_result(
            call.io.reply(),
            call.id,
            &response,
        ))
    }

    /// The answer to a GetCompositeSchedule: Rejected for an unknown connector or without a
    /// wall clock; Accepted without a schedule when nothing limits the connector.
    pub fn composite_schedule(
        &self,
        now: Instant,
        request: &GetCompositeScheduleRequest,
    ) -> GetCompositeScheduleResponse {
        let rejected = GetCompositeScheduleResponse {
            status: GetCompositeScheduleStatus::Rejected,
            connector_id: None,
            schedule_start: None,
            charging_schedule: None,
        };
        let Some(connector) = u8::try_from(request.connector_id)
            .ok()
            .filter(|&c| usize::from(c) < self.connectors.len())
        else {
            return rejected;
        };
        let Some(wall) = self.wall_time(now) else {
            return rejected;
        };
        let start = secs(wall);
        let activity = self.activities();
        let schedule = self.view(&activity, Some(start)).composite(
            connector,
            start,
            request.duration,
            request.charging_rate_unit,
        );
        GetCompositeScheduleResponse {
            status: GetCompositeScheduleStatus::Accepted,
            connector_id: Some(request.connector_id),
            schedule_start: Some(
                schedule
                    .as_ref()
                    .and_then(|s| s.start_schedule)
                    .unwrap_or(DateTime::from_unix_secs(start)),
            ),
            charging_schedule: schedule,
        }
    }

    /// RemoteStartTransaction with its chargingProfile (a TxProfile for the transaction about
    /// to start): Rejected, without starting, when the profile is not acceptable or would not
    /// fit; installed on the connector once the start is accepted.
    pub(super) fn handle_remote_start_with_profile(&mut self, mut call: Incoming) -> Answer {
        let extra: RemoteStartChargingProfile = codec::parse(call.io.payload(), call.scratch)?;
        let request: RemoteStartTransactionRequest =
            parse_payload(call.io.payload(), call.scratch)?;
        let now = call.now;
        let response = match extra.charging_profile {
            None => self.on_remote_start(now, request).0,
            Some(profile) => self.remote_start_with_profile(now, request, profile),
        };
        Ok(rpc::write_call_result(call.io.reply(), call.id, &response))
    }

    fn remote_start_with_profile(
        &mut self,
        now: Instant,
        request: RemoteStartTransactionRequest,
        profile: ChargingProfile,
    ) -> RemoteStartStopResponse {
        let rejected = RemoteStartStopResponse {
            status: RemoteStartStopStatus::Rejected,
        };
        if profile.charging_profile_purpose != ChargingProfilePurposeType::TxProfile {
            return rejected;
        }
        // Checked against the first connector first (the one chosen is known after the start).
        let Some(probe) = self.checked_profile(now, 1, profile.clone(), true) else {
            return rejected;
        };
        if !self.smart.profiles.has_room_for(&probe) {
            return rejected;
        }
        let (response, connector) = self.on_remote_start(now, request);
        if let Some(connector) = connector {
            let entry = self.checked_profile(now, u32::from(connector), profile, true);
            self.install_profile(now, entry);
        }
        response
    }
}
