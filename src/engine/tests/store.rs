//! Persistence: the store seam's records, restore after a power cut (PowerLoss stops, replay in
//! order, transactionIds of offline starts), damaged records, and a cut after every store step.

use std::collections::BTreeMap;

use super::*;

/// The platform's store, in memory: what a settings backend or a directory holds.
#[derive(Default, Clone)]
pub(super) struct MemStore {
    pub(super) records: BTreeMap<String, StdVec<u8>>,
    bytes_written: usize,
    writes: usize,
    erases: usize,
}

impl MemStore {
    /// Performs every pending operation.
    pub(super) fn drain(&mut self, cp: &mut ChargePoint<FakeStation>) {
        while self.step(cp) {}
    }

    /// Performs one pending operation; false when there was none.
    fn step(&mut self, cp: &mut ChargePoint<FakeStation>) -> bool {
        let mut buf = [0u8; MAX_STORED_RECORD];
        match cp.poll_store(&mut buf) {
            Some(StoreOp::Write { key, data }) => {
                self.bytes_written += data.len();
                self.writes += 1;
                self.records.insert(key.to_string(), data.to_vec());
            }
            Some(StoreOp::Erase { key }) => {
                self.erases += 1;
                self.records.remove(key.as_str());
            }
            None => return false,
        }
        true
    }

    /// A charge point booting on this store (in key order, as a directory lists it; the
    /// queue must not depend on it) at `now`.
    pub(super) fn boot(&self, name: &str, now: Instant) -> (Harness, RestoreReport) {
        let mut h = Harness::new(name, 2);
        h.now = now;
        for (key, bytes) in self.records.iter().rev() {
            h.cp.restore_record(key, bytes).unwrap();
        }
        let report = h.cp.finish_restore(now);
        (h, report)
    }
}

fn online_with_store(name: &str) -> (Harness, MemStore) {
    let mut h = Harness::new(name, 2);
    h.cp.enable_store();
    h.online();
    let mut store = MemStore::default();
    store.drain(&mut h.cp);
    (h, store)
}

/// Connects a restored charge point, answering its boot.
fn reconnect(h: &mut Harness) {
    h.cp.handle_connected(h.now);
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300}),
    );
}

/// Answers the next CALL of `action`, answering the StatusNotifications sent before it.
fn answer_after_statuses(h: &mut Harness, action: &str, payload: Value) -> Value {
    loop {
        let (id, request) = h.expect_call_any();
        match request.0.as_str() {
            "StatusNotification" if action != "StatusNotification" => h.result(&id, json!({})),
            found => {
                assert_eq!(found, action, "{request:?}");
                h.result(&id, payload);
                return request.1;
            }
        }
    }
}

/// Answers StatusNotifications until nothing is sent.
fn quiet(h: &mut Harness) {
    while let Some(frame) = h.transmit() {
        assert_eq!(frame[2], "StatusNotification", "{frame}");
        h.result(frame[1].as_str().unwrap(), json!({}));
    }
}

#[test]
fn running_transaction_is_stopped_with_power_loss_and_its_last_reading() {
    let (mut h, mut store) = online_with_store("store-powerloss");
    h.cp.change_configuration(h.now, "MeterValueSampleInterval", "10");
    h.cp.station_mut().energy_wh[1] = 1000;
    h.start(1, "TAG1", 1000);
    h.answer(
        "StartTransaction",
        json!({"transactionId": 77, "idTagInfo": {"status": "Accepted"}}),
    );
    h.answer("StatusNotification", json!({}));
    h.cp.station_mut().energy_wh[1] = 1250;
    h.advance(10_000);
    h.answer("MeterValues", json!({}));
    store.drain(&mut h.cp);
    // The power goes; the charge point starts again an hour later (on its monotonic clock).
    let (mut h, report) = store.boot("store-powerloss-2", Instant(5_000));
    assert_eq!(
        report,
        RestoreReport {
            queued: 1,
            stopped: 1,
            resumed: 0
        }
    );
    assert!(!h.cp.has_transaction(1));
    reconnect(&mut h);
    let _ = &mut store;
    let stop = answer_after_statuses(&mut h, "StopTransaction", json!({}));
    assert_eq!(stop["transactionId"], 77);
    assert_eq!(stop["reason"], "PowerLoss");
    assert_eq!(stop["meterStop"], 1250, "the last reading taken");
    assert_eq!(
        stop["timestamp"], "2026-11-21T10:00:10.000Z",
        "when it was taken"
    );
    quiet(&mut h);
}

#[test]
fn offline_transaction_replays_in_order_and_gets_its_id_from_the_replayed_start() {
    let (mut h, mut store) = online_with_store("store-offline");
    h.cp.change_configuration(h.now, "MeterValueSampleInterval", "10");
    h.cp.handle_disconnected(h.now);
    h.cp.station_mut().energy_wh[2] = 500;
    h.start(2, "OFFLINE", 500);
    h.cp.station_mut().energy_wh[2] = 600;
    h.advance(10_000);
    h.cp.station_mut().energy_wh[2] = 700;
    h.advance(10_000);
    h.cp.stop_transaction(h.now, 2, 720, None, None).unwrap();
    h.cp.station_mut().energy_wh[2] = 800;
    h.start(2, "SECOND", 800);
    store.drain(&mut h.cp);
    let (mut h, report) = store.boot("store-offline-2", Instant(1_000));
    // Start, 2 MeterValues, Stop; then the second Start and its PowerLoss stop.
    assert_eq!(report.queued, 6);
    assert_eq!(report.stopped, 1);
    reconnect(&mut h);
    let start = answer_after_statuses(
        &mut h,
        "StartTransaction",
        json!({"transactionId": 501, "idTagInfo": {"status": "Accepted"}}),
    );
    assert_eq!(start["idTag"], "OFFLINE");
    for wh in ["600", "700"] {
        let mv = h.answer("MeterValues", json!({}));
        assert_eq!(mv["transactionId"], 501);
        assert_eq!(mv["meterValue"][0]["sampledValue"][0]["value"], wh);
    }
    let stop = h.answer("StopTransaction", json!({}));
    assert_eq!(
        (stop["transactionId"].clone(), stop["meterStop"].clone()),
        (json!(501), json!(720))
    );
    assert_eq!(stop["reason"], "Local");
    let start = h.answer(
        "StartTransaction",
        json!({"transactionId": 502, "idTagInfo": {"status": "Accepted"}}),
    );
    assert_eq!(start["idTag"], "SECOND");
    let stop = h.answer("StopTransaction", json!({}));
    assert_eq!(stop["transactionId"], 502);
    assert_eq!(stop["reason"], "PowerLoss");
    assert_eq!(stop["meterStop"], 800);
    quiet(&mut h);
    // Everything confirmed: the store holds no transaction message any more.
    store = MemStore {
        records: store.records.clone(),
        ..Default::default()
    };
    let mut after = store.clone();
    after.drain(&mut h.cp);
    assert!(
        after
            .records
            .keys()
            .all(|k| !k.starts_with("q/") && !k.starts_with("tx/")),
        "{:?}",
        after.records.keys()
    );
}

/// A station whose sessions survive the power cut.
#[test]
fn a_session_still_active_resumes() {
    let (mut h, mut store) = online_with_store("store-resume");
    h.start(1, "TAG1", 10);
    h.answer(
        "StartTransaction",
        json!({"transactionId": 9, "idTagInfo": {"status": "Accepted"}}),
    );
    h.answer("StatusNotification", json!({}));
    store.drain(&mut h.cp);
    let mut h2 = Harness::new("store-resume-2", 2);
    h2.cp.station_mut().resume = true;
    for (key, bytes) in &store.records {
        h2.cp.restore_record(key, bytes).unwrap();
    }
    let report = h2.cp.finish_restore(Instant(0));
    assert_eq!(report.resumed, 1);
    assert_eq!(h2.cp.transaction_id(1), Some(9));
    reconnect(&mut h2);
    h2.cp.stop_transaction(h2.now, 1, 99, None, None).unwrap();
    let stop = answer_after_statuses(&mut h2, "StopTransaction", json!({}));
    assert_eq!(
        (stop["transactionId"].clone(), stop["meterStop"].clone()),
        (json!(9), json!(99))
    );
}

#[test]
fn configuration_cache_and_availability_survive() {
    let (mut h, mut store) = online_with_store("store-config");
    h.cs_call(
        "ChangeConfiguration",
        json!({"key": "HeartbeatInterval", "value": "123"}),
    );
    h.cs_call(
        "ChangeConfiguration",
        json!({"key": "MeterValuesSampledData", "value": "Power.Active.Import,Energy.Active.Import.Register"}),
    );
    let t = h.cp.authorize(h.now, "CACHED").unwrap();
    h.answer("Authorize", json!({"idTagInfo": {"status": "Accepted"}}));
    assert!(h
        .events()
        .iter()
        .any(|e| matches!(e, Event::Authorized { ticket, .. } if *ticket == t)));
    h.cs_call(
        "ChangeAvailability",
        json!({"connectorId": 2, "type": "Inoperative"}),
    );
    store.drain(&mut h.cp);
    let (mut h, _) = store.boot("store-config-2", Instant(0));
    let config = h.cp.configuration();
    assert_eq!(config.HeartbeatInterval, 123);
    assert_eq!(config.MeterValuesSampledData.len(), 2);
    h.cp.handle_disconnected(h.now);
    let t = h.cp.authorize(h.now, "CACHED").unwrap();
    assert!(h
        .events()
        .iter()
        .any(|e| matches!(e, Event::Authorized { ticket, result: Ok(_) } if *ticket == t)));
    assert_eq!(
        h.cp.start_transaction(h.now, 2, "CACHED", 0, None),
        Err(CommandError::Unavailable)
    );
}

#[test]
fn damaged_and_foreign_records_are_refused_one_by_one() {
    let (mut h, mut store) = online_with_store("store-damaged");
    h.cp.handle_disconnected(h.now);
    h.start(1, "TAG1", 1);
    h.cp.stop_transaction(h.now, 1, 2, None, None).unwrap();
    store.drain(&mut h.cp);
    let mut keys: StdVec<String> = store.records.keys().cloned().collect();
    keys.sort();
    let start_key = keys.iter().find(|k| k.starts_with("q/")).unwrap().clone();
    let good = store.records[&start_key].clone();
    let mut h = Harness::new("store-damaged-2", 2);
    let mut flipped = good.clone();
    flipped[5] ^= 0x40;
    assert_eq!(
        h.cp.restore_record(&start_key, &flipped),
        Err(RestoreError::Damaged)
    );
    assert_eq!(
        h.cp.restore_record(&start_key, &good[..good.len() - 1]),
        Err(RestoreError::Damaged)
    );
    assert_eq!(
        h.cp.restore_record(&start_key, &[]),
        Err(RestoreError::Damaged)
    );
    assert_eq!(
        h.cp.restore_record("q/zz", &good),
        Err(RestoreError::UnknownKey)
    );
    assert_eq!(
        h.cp.restore_record("elsewhere", &good),
        Err(RestoreError::UnknownKey)
    );
    assert_eq!(
        h.cp.restore_record("cfg", &good),
        Err(RestoreError::Foreign),
        "another kind"
    );
    assert_eq!(
        h.cp.restore_record("q/7fffffff", &good),
        Err(RestoreError::Foreign),
        "renamed"
    );
    assert_eq!(h.cp.restore_record(&start_key, &good), Ok(()));
    assert_eq!(
        h.cp.restore_record(&start_key, &good),
        Err(RestoreError::Foreign),
        "twice"
    );
    // A transaction record for a connector this build does not have.
    let tx = {
        let (mut h3, mut s3) = online_with_store("store-damaged-3");
        h3.start(2, "TAG2", 1);
        s3.drain(&mut h3.cp);
        s3.records["tx/2"].clone()
    };
    let mut one = Harness::new("store-damaged-4", 1);
    assert_eq!(
        one.cp.restore_record("tx/2", &tx),
        Err(RestoreError::Foreign)
    );
    // Random bytes under every key never panic.
    let mut seed = 0x1234_5678u32;
    for key in ["q/00000001", "tx/1", "ids", "cfg", "avail", "cache"] {
        for len in 0..64 {
            let bytes: StdVec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (seed >> 16) as u8
                })
                .collect();
            let _ = one.cp.restore_record(key, &bytes);
        }
    }
    let _ = one.cp.finish_restore(Instant(0));
}

/// What the Central System saw. It treats a repeated StartTransaction (same idTag and time)
/// or StopTransaction as the same message, as a Central System must, and counts the repeats.
#[derive(Default, Debug)]
struct Seen {
    starts: BTreeMap<(String, String), i32>,
    stops: BTreeMap<i32, usize>,
    meter_values: usize,
    repeats: usize,
    next_id: i32,
}

/// The power went.
struct Cut;

/// A charge point whose store performs at most `budget` operations before the power goes.
struct Rig {
    h: Harness,
    store: MemStore,
    budget: usize,
}

impl Rig {
    /// The platform's drain after every step, until the power goes.
    fn sync(&mut self) -> Result<(), Cut> {
        loop {
            // The power goes as the next operation starts: it never reaches the store.
            let performed = match self.budget {
                0 => self.store.clone().step(&mut self.h.cp),
                _ => self.store.step(&mut self.h.cp),
            };
            match (performed, self.budget) {
                (false, _) => return Ok(()),
                (true, 0) => return Err(Cut),
                (true, _) => self.budget -= 1,
            }
        }
    }

    /// Plays the Central System until the charge point is quiet; the store is drained after
    /// each frame sent and each answer, as the platforms do.
    fn serve(&mut self, seen: &mut Seen) -> Result<(), Cut> {
        for _ in 0..100 {
            self.sync()?;
            let Some(frame) = self.h.transmit() else {
                return Ok(());
            };
            self.sync()?;
            let id = frame[1].as_str().unwrap().to_string();
            let answer = seen.answer(frame[2].as_str().unwrap(), &frame[3]);
            self.h.result(&id, answer);
        }
        panic!("the charge point never went quiet");
    }
}

impl Seen {
    fn answer(&mut self, action: &str, payload: &Value) -> Value {
        let tx = payload["transactionId"].as_i64().map(|t| t as i32);
        match action {
            "StartTransaction" => {
                let key = (
                    payload["idTag"].as_str().unwrap().to_string(),
                    payload["timestamp"].as_str().unwrap().to_string(),
                );
                let id = match self.starts.get(&key) {
                    Some(id) => {
                        self.repeats += 1;
                        *id
                    }
                    None => {
                        self.next_id += 1;
                        self.starts.insert(key, self.next_id);
                        self.next_id
                    }
                };
                json!({"transactionId": id, "idTagInfo": {"status": "Accepted"}})
            }
            "StopTransaction" => {
                let tx = tx.unwrap();
                assert!(
                    self.starts.values().any(|v| *v == tx),
                    "stop of unknown {tx}"
                );
                let n = self.stops.entry(tx).or_default();
                *n += 1;
                self.repeats += usize::from(*n > 1);
                json!({})
            }
            "MeterValues" => {
                let tx = tx.unwrap();
                assert!(
                    self.starts.values().any(|v| *v == tx),
                    "values of unknown {tx}"
                );
                self.meter_values += 1;
                json!({})
            }
            "BootNotification" => {
                json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300})
            }
            _ => json!({}),
        }
    }
}

/// Two transactions online and one offline with meter values, the store drained as the
/// platforms do, until the store's budget runs out.
fn scripted(rig: &mut Rig, seen: &mut Seen) -> Result<(), Cut> {
    rig.h.cp.handle_connected(rig.h.now);
    rig.serve(seen)?;
    for (i, tag) in ["A1", "B1", "A2"].iter().enumerate() {
        let connector = 1 + (i % 2) as u8;
        let c = usize::from(connector);
        if i == 1 {
            rig.h.cp.handle_disconnected(rig.h.now);
        }
        rig.h.cp.station_mut().energy_wh[c] = 100 * i as i64;
        rig.h.events(); // an application polls its events (the queue holds CONFIG_OCPP_EVENT_QUEUE_DEPTH)
        rig.h.start(connector, tag, 100 * i as i32);
        rig.serve(seen)?;
        for k in 1..=3 {
            rig.h.cp.station_mut().energy_wh[c] += 10 * k;
            rig.h.advance(10_000);
            rig.serve(seen)?;
        }
        if i == 1 {
            rig.h.cp.handle_connected(rig.h.now);
            rig.serve(seen)?;
        }
        let meter = rig.h.cp.station().energy_wh[c] as i32;
        rig.h
            .cp
            .stop_transaction(rig.h.now, connector, meter, None, None)
            .unwrap();
        rig.serve(seen)?;
    }
    Ok(())
}

/// The power goes after each store operation of the session in turn, then the charge point
/// restarts on what was stored: every transaction the Central System saw start is stopped
/// there exactly once, and no message is for an unknown transaction. A repeat is possible only
/// in the one-operation window between a confirmation and its erasure; they are counted.
#[test]
fn a_cut_after_any_store_operation_loses_nothing() {
    let (mut cuts, mut repeats) = (0, 0);
    for budget in 0.. {
        let mut h = Harness::new("store-cuts", 2);
        h.cp.enable_store();
        h.cp.change_configuration(h.now, "MeterValueSampleInterval", "10");
        let mut rig = Rig {
            h,
            store: MemStore::default(),
            budget,
        };
        let mut seen = Seen::default();
        if scripted(&mut rig, &mut seen).is_ok() {
            assert!(cuts > 30, "only {cuts} cut points");
            println!(
                "power cuts: {cuts} cut points, every transaction stopped exactly once; \
                 {repeats} messages repeated after a cut between confirmation and erasure"
            );
            break;
        }
        cuts += 1;
        let (h, _) = rig.store.boot("store-cuts-2", Instant(0));
        let mut rig = Rig {
            h,
            store: rig.store,
            budget: usize::MAX,
        };
        rig.h.cp.handle_connected(rig.h.now);
        assert!(rig.serve(&mut seen).is_ok());
        for (tag, tx) in &seen.starts {
            let stops = seen.stops.get(tx).copied().unwrap_or(0);
            assert!(
                stops >= 1,
                "cut {budget}: {tag:?} ({tx}) never stopped: {seen:?}"
            );
        }
        assert!(seen.repeats <= 1, "cut {budget}: {seen:?}");
        repeats += seen.repeats;
        rig.h.nothing_sent();
        rig.store.drain(&mut rig.h.cp);
        assert!(
            rig.store
                .records
                .keys()
                .all(|k| !k.starts_with("q/") && !k.starts_with("tx/")),
            "cut {budget}: {:?}",
            rig.store.records.keys()
        );
    }
}

#[test]
fn flash_bytes_per_transaction_are_bounded() {
    let (mut h, mut store) = online_with_store("store-wear");
    h.cp.change_configuration(h.now, "MeterValueSampleInterval", "10");
    store.drain(&mut h.cp);
    let before = (store.bytes_written, store.writes, store.erases);
    h.start(1, "WEAR", 0);
    store.drain(&mut h.cp);
    h.answer(
        "StartTransaction",
        json!({"transactionId": 1, "idTagInfo": {"status": "Accepted"}}),
    );
    h.answer("StatusNotification", json!({}));
    store.drain(&mut h.cp);
    let started = store.bytes_written - before.0;
    let mut per_sample = StdVec::new();
    for k in 0..12 {
        let b = store.bytes_written;
        h.cp.station_mut().energy_wh[1] = 100 * k;
        h.advance(10_000);
        store.drain(&mut h.cp);
        h.answer("MeterValues", json!({}));
        store.drain(&mut h.cp);
        per_sample.push(store.bytes_written - b);
    }
    let b = store.bytes_written;
    h.cp.stop_transaction(h.now, 1, 1200, None, None).unwrap();
    store.drain(&mut h.cp);
    h.answer("StopTransaction", json!({}));
    h.answer("StatusNotification", json!({}));
    store.drain(&mut h.cp);
    let stopped = store.bytes_written - b;
    println!(
        "store wear: start {started} B, MeterValues sample {:?} B, stop {stopped} B; whole \
         2-minute transaction {} B in {} writes, {} erases",
        per_sample,
        store.bytes_written - before.0,
        store.writes - before.1,
        store.erases - before.2
    );
    // One record per message; the reading is rewritten at most once a minute.
    let rewrites = per_sample.iter().filter(|n| **n > per_sample[0]).count();
    assert!(rewrites <= 2, "{per_sample:?}");
    assert!(store
        .records
        .keys()
        .all(|k| !k.starts_with("q/") && !k.starts_with("tx/")));
}

#[cfg(feature = "smart-charging")]
#[test]
fn charging_profiles_survive_and_a_change_rewrites_only_its_slot() {
    let (mut h, mut store) = online_with_store("store-profiles");
    let profile = |id: i32, level: u32, limit: f64| {
        json!({"connectorId": 0, "csChargingProfiles": {
            "chargingProfileId": id, "stackLevel": level,
            "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
            "chargingSchedule": {"chargingRateUnit": "A", "startSchedule": "2026-11-21T10:00:00Z",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit},
                                           {"startPeriod": 60, "limit": 6.5, "numberPhases": 1}]}}})
    };
    for (id, level) in [(1, 0), (2, 1)] {
        let answer = h.cs_call("SetChargingProfile", profile(id, level, 16.0));
        assert_eq!(answer["status"], "Accepted");
    }
    store.drain(&mut h.cp);
    assert!(store.records.contains_key("cp/0") && store.records.contains_key("cp/1"));
    let installed: StdVec<_> = h.cp.charging_profiles().iter().cloned().collect();
    let (h2, _) = store.boot("store-profiles-2", Instant(0));
    let restored: StdVec<_> = h2.cp.charging_profiles().iter().cloned().collect();
    assert_eq!(restored.len(), 2);
    for p in &installed {
        assert!(restored.contains(p), "{p:?}");
    }
    // Replacing profile 2 rewrites one record; clearing everything erases both.
    let writes = store.writes;
    let answer = h.cs_call("SetChargingProfile", profile(2, 1, 10.0));
    assert_eq!(answer["status"], "Accepted");
    store.drain(&mut h.cp);
    assert_eq!(store.writes, writes + 1);
    h.cs_call("ClearChargingProfile", json!({}));
    store.drain(&mut h.cp);
    assert!(
        store.records.keys().all(|k| !k.starts_with("cp/")),
        "{:?}",
        store.records.keys()
    );
}
