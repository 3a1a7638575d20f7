//! "CS outages" (issue 10): 10 transactions back to back on the host platform while the dev
//! Central System is killed with SIGKILL and restarted on the same port 20 times at random
//! (seeded) moments. The charge point's side records what it produced, in order; the Central
//! System's `--state` file records what it received. Every produced StartTransaction,
//! MeterValues and StopTransaction must have been received exactly once, in order, with the
//! right transactionId.
//!
//! Counting duplicates honestly: OCPP lets a charge point resend a transaction message whose
//! answer it did not get, so the Central System may see a message twice (it was persisted,
//! then the CS died before its answer went out). The dev CS dedupes by content (the same
//! payload; each attempt has a new unique id): such a re-delivery is logged with
//! `duplicate_of` and answered as the first was. This test reports those raw re-deliveries
//! separately and requires 0 *unique* duplicates: a produced message accepted as new twice
//! (e.g. resent with different content) would fail it, as would a lost or reordered one.
//!
//! Seed: `OCPP_OUTAGE_SEED=N` (default: from the clock; printed). Run time ~1 minute.

mod common;

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;
use ocpp::engine::sample_text;
use ocpp::engine::{CommandError, Event, Station};
use ocpp::messages::{Measurand, SampleText};
use ocpp::platform::host::{charge_point_url, HostChargePoint};
use serde_json::Value;

const TRANSACTIONS: usize = 10;
const KILLS: usize = 20;
/// How long each transaction runs (MeterValueSampleInterval is 1 s).
const TX_DURATION: Duration = Duration::from_millis(2_500);
const CP_ID: &str = "CP_OUTAGE";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Produced {
    Start { tag: String, meter: i64 },
    Meter { value: i64 },
    Stop { meter: i64 },
}

type Log = Arc<Mutex<Vec<Produced>>>;

/// A meter whose register moves on at every read, so each reading names one MeterValues.
struct Meter {
    register: Arc<AtomicI64>,
    produced: Log,
    /// Set around stop_transaction: its Transaction.End reading (StopTxnSampledData) goes into
    /// the StopTransaction, not into a MeterValues.
    stopping: Arc<AtomicBool>,
}

impl Station for Meter {
    fn read_meter(&mut self, _connector: u8, measurand: Measurand) -> Option<SampleText> {
        if measurand != Measurand::EnergyActiveImportRegister {
            return None;
        }
        let value = self.register.fetch_add(1, Ordering::SeqCst) + 1;
        // Called with the engine locked: the log's order is the engine's order.
        if !self.stopping.load(Ordering::SeqCst) {
            self.produced
                .lock()
                .unwrap()
                .push(Produced::Meter { value });
        }
        Some(sample_text(value))
    }
}

/// xorshift64*: a seeded, dependency-free generator for the kill moments.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Retries a command the engine refuses for a while (the queue is full while offline).
fn retry<T>(mut f: impl FnMut() -> Result<T, CommandError>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match f() {
            Ok(v) => return v,
            Err(e) if Instant::now() < deadline => {
                eprintln!("command refused ({e:?}); retrying");
                thread::sleep(Duration::from_millis(200));
            }
            Err(e) => panic!("command refused for 30 s: {e:?}"),
        }
    }
}

#[test]
#[ignore = "fault injection, ~1 min: scripts/test.sh runs it in its own stage"]
fn ten_transactions_survive_twenty_central_system_kills() {
    init_logging(log::LevelFilter::Error);
    let seed = std::env::var("OCPP_OUTAGE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("CS outages: seed {seed} (OCPP_OUTAGE_SEED={seed} repeats this run)");
    let began = Instant::now();
    let state = frames_dir().join("cs-outages.state.json");
    let _ = std::fs::remove_file(&state);
    let state_arg = state.to_string_lossy().into_owned();
    let args = ["--state", state_arg.as_str()];
    let cs = DevCs::start_with("cs-outages", &args);
    let port = cs.ws_port;

    let produced: Log = Arc::default();
    let register = Arc::new(AtomicI64::new(1_000));
    let stopping = Arc::new(AtomicBool::new(false));
    let station = Meter {
        register: Arc::clone(&register),
        produced: Arc::clone(&produced),
        stopping: Arc::clone(&stopping),
    };
    let host = HostChargePoint::spawn(
        test_config(charge_point_url(&cs.base_url(), CP_ID)),
        boot_info("outages"),
        1,
        station,
        |_: &Event| {},
    )
    .expect("spawn");
    assert!(wait_until(SOON, || host.is_online().then_some(())).is_some());
    host.with(|cp, now| cp.change_configuration(now, "MeterValueSampleInterval", "1"));

    // The kill moments, spread over the transactions' expected run time.
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let span = (TX_DURATION.as_millis() as u64 + 300) * TRANSACTIONS as u64;
    let mut moments: Vec<u64> = (0..KILLS).map(|_| 200 + rng.below(span)).collect();
    moments.sort_unstable();
    let killer = thread::spawn(move || {
        let start = Instant::now();
        let mut cs = cs;
        let mut restarts = Vec::new();
        for at in moments {
            let elapsed = start.elapsed().as_millis() as u64;
            thread::sleep(Duration::from_millis(at.saturating_sub(elapsed)));
            cs.kill();
            let down = Instant::now();
            cs = DevCs::restart_with("cs-outages", port, &args_owned(&state_arg));
            restarts.push(down.elapsed());
        }
        (cs, restarts)
    });

    let next_meter = || register.fetch_add(1, Ordering::SeqCst) + 1;
    for k in 1..=TRANSACTIONS {
        let tag = format!("OUT-{k}");
        retry(|| {
            host.with(|cp, now| {
                let meter = next_meter();
                let ticket = cp.start_transaction(now, 1, &tag, meter as i32, None)?;
                produced.lock().unwrap().push(Produced::Start {
                    tag: tag.clone(),
                    meter,
                });
                Ok(ticket)
            })
        });
        thread::sleep(TX_DURATION);
        retry(|| {
            host.with(|cp, now| {
                let meter = next_meter();
                stopping.store(true, Ordering::SeqCst);
                let ticket = cp.stop_transaction(now, 1, meter as i32, None, None);
                stopping.store(false, Ordering::SeqCst);
                let ticket = ticket?;
                produced.lock().unwrap().push(Produced::Stop { meter });
                Ok(ticket)
            })
        });
        thread::sleep(Duration::from_millis(300));
    }
    let (cs, restarts) = killer.join().expect("killer thread");
    // Everything queued is delivered once the Central System stays up.
    let drained = wait_until(Duration::from_secs(30), || {
        (host.is_online() && host.with(|cp, _| cp.queued_transaction_messages()) == 0).then_some(())
    });
    host.shutdown();
    drop(cs);
    assert!(drained.is_some(), "the transaction queue was not delivered");

    let produced = produced.lock().unwrap().clone();
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let received: Vec<&Value> = saved["received"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["cp_id"] == CP_ID)
        .collect();

    // Which produced message each received one is, and the transactionId the CS gave it.
    let index_of = |r: &Value| -> Option<usize> {
        let p = &r["payload"];
        let wanted = match r["action"].as_str()? {
            "StartTransaction" => Produced::Start {
                tag: p["idTag"].as_str()?.to_owned(),
                meter: p["meterStart"].as_i64()?,
            },
            "MeterValues" => Produced::Meter {
                value: p["meterValue"][0]["sampledValue"][0]["value"]
                    .as_str()?
                    .parse()
                    .ok()?,
            },
            "StopTransaction" => Produced::Stop {
                meter: p["meterStop"].as_i64()?,
            },
            _ => return None,
        };
        produced.iter().position(|m| *m == wanted)
    };
    let mut unique_seen = vec![0usize; produced.len()];
    let (mut redeliveries, mut unknown, mut out_of_order, mut misattributed) = (0, 0, 0, 0);
    let mut highest: Option<usize> = None;
    let mut tx_of_start = std::collections::HashMap::new();
    let mut current_tx: Option<i64> = None;
    for r in &received {
        if !r["duplicate_of"].is_null() {
            redeliveries += 1;
            continue;
        }
        let Some(i) = index_of(r) else {
            unknown += 1;
            eprintln!("received a message the charge point never produced: {r}");
            continue;
        };
        unique_seen[i] += 1;
        if highest.is_some_and(|h| i < h) {
            out_of_order += 1;
            eprintln!("out of order: {r}");
        }
        highest = highest.max(Some(i));
        match r["action"].as_str() {
            Some("StartTransaction") => {
                current_tx = r["transaction_id"].as_i64();
                tx_of_start.insert(i, current_tx);
            }
            _ => {
                if r["payload"]["transactionId"].as_i64() != current_tx {
                    misattributed += 1;
                    eprintln!("transactionId {:?} expected in {r}", current_tx);
                }
            }
        }
    }
    // CALLs a kill cut off: in the CS's frames log, never answered (resent by the CP).
    let frames = std::fs::read_to_string(frames_dir().join("cs-outages.jsonl")).unwrap_or_default();
    let (mut calls, mut answered) = (Vec::new(), std::collections::HashSet::new());
    for line in frames.lines() {
        let Ok(record) = serde_json::from_str::<Value>(line) else {
            continue; // a line torn by SIGKILL
        };
        let Some(frame) = record["frame"]
            .as_str()
            .and_then(|f| serde_json::from_str::<Value>(f).ok())
        else {
            continue;
        };
        match (record["dir"].as_str(), frame[0].as_i64()) {
            (Some("cp->cs"), Some(2)) => calls.push(frame[1].to_string()),
            (Some("cs->cp"), Some(3 | 4)) => {
                answered.insert(frame[1].to_string());
            }
            _ => {}
        }
    }
    let cut = calls.iter().filter(|id| !answered.contains(*id)).count();
    let lost = unique_seen.iter().filter(|&&n| n == 0).count();
    let duplicated = unique_seen.iter().filter(|&&n| n > 1).count();
    let count = |f: fn(&Produced) -> bool| produced.iter().filter(|m| f(m)).count();
    let ids: Vec<i64> = tx_of_start.values().flatten().copied().collect();
    let mut sorted_ids = ids.clone();
    sorted_ids.sort_unstable();
    sorted_ids.dedup();
    println!(
        "CS outages: seed {seed}, {} kills (restart {:?} on average), {:.1} s",
        restarts.len(),
        restarts.iter().sum::<Duration>() / restarts.len().max(1) as u32,
        began.elapsed().as_secs_f64()
    );
    println!(
        "  produced {} (Start {}, MeterValues {}, Stop {}); received {} raw, {} unique, {} re-deliveries; \
         {cut} CALLs cut off by a kill",
        produced.len(),
        count(|m| matches!(m, Produced::Start { .. })),
        count(|m| matches!(m, Produced::Meter { .. })),
        count(|m| matches!(m, Produced::Stop { .. })),
        received.len(),
        received.len() - redeliveries,
        redeliveries,
    );
    println!(
        "  lost {lost}, duplicated {duplicated}, out of order {out_of_order}, unknown {unknown}, \
         wrong transactionId {misattributed}; transactionIds {} distinct of {}",
        sorted_ids.len(),
        ids.len()
    );
    assert_eq!(restarts.len(), KILLS);
    assert_eq!(count(|m| matches!(m, Produced::Start { .. })), TRANSACTIONS);
    assert_eq!(
        (lost, duplicated, out_of_order, unknown, misattributed),
        (0, 0, 0, 0, 0)
    );
    assert_eq!(
        sorted_ids.len(),
        TRANSACTIONS,
        "transactionIds reused across restarts"
    );
}

fn args_owned(state: &str) -> [&str; 2] {
    ["--state", state]
}
