//! The store seam under arbitrary sessions, power cuts and damaged records: a charge point with
//! its store drained after every step is cut at arbitrary moments and restored from what was
//! stored, with records flipped, truncated or forged on the way. Invariants: no panic; restore
//! always finishes; every StopTransaction sent carries a transactionId the Central System gave;
//! the store holds no transaction message once everything is delivered.
#![no_main]

use std::collections::{BTreeMap, HashSet};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ocpp::engine::{sample_text, ChargePoint, Options, Station, StoreOp, MAX_STORED_RECORD};
use ocpp::messages::{BootNotificationRequest, Measurand, SampleText};
use ocpp::rpc::{parse_frame, Frame};
use ocpp::{CiString, Instant};
use serde_json::Value;

struct Meter(i64);

impl Station for Meter {
    fn read_meter(&mut self, _: u8, _: Measurand) -> Option<SampleText> {
        Some(sample_text(self.0))
    }
    fn resume_transaction(&mut self, connector: u8, _: &str) -> bool {
        connector == 2
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    Connect,
    Disconnect,
    Advance(u16),
    Start { connector: u8, tag: u8 },
    Stop { connector: u8 },
    Serve,
    /// The power goes; the charge point restarts on the store.
    Cut,
    Flip { record: u8, at: u16, bits: u8 },
    Truncate { record: u8, len: u16 },
    Forge { key: u8, bytes: Vec<u8> },
}

const KEYS: &[&str] = &["q/00000001", "q/00000002", "tx/1", "tx/2", "ids", "cfg", "avail", "cache"];

fn new_cp() -> ChargePoint<Meter> {
    let boot = BootNotificationRequest {
        charge_point_vendor: CiString::try_from_str("fuzz").unwrap(),
        charge_point_model: CiString::try_from_str("store").unwrap(),
        ..Default::default()
    };
    ChargePoint::new(boot, 2, Meter(100), Options::default(), Instant(0)).unwrap()
}

fn drain(cp: &mut ChargePoint<Meter>, store: &mut BTreeMap<String, Vec<u8>>) {
    let mut buf = vec![0u8; MAX_STORED_RECORD];
    for _ in 0..1000 {
        match cp.poll_store(&mut buf) {
            Some(StoreOp::Write { key, data }) => {
                store.insert(key.to_string(), data.to_vec());
            }
            Some(StoreOp::Erase { key }) => {
                store.remove(key.as_str());
            }
            None => return,
        }
    }
    panic!("the store never settles");
}

fuzz_target!(|ops: Vec<Op>| {
    let mut store = BTreeMap::new();
    let mut cp = new_cp();
    cp.enable_store();
    let mut now = Instant(0);
    let mut given: HashSet<i64> = HashSet::new();
    let mut next_id = 0;
    let mut out = vec![0u8; 4096];
    for op in ops.into_iter().take(64) {
        match op {
            Op::Connect => cp.handle_connected(now),
            Op::Disconnect => cp.handle_disconnected(now),
            Op::Advance(ms) => {
                now = now.plus_millis(u64::from(ms) * 10);
                cp.station_mut().0 += 7;
                cp.handle_timeout(now);
            }
            Op::Start { connector, tag } => {
                let _ = cp.start_transaction(now, connector % 3, &format!("T{tag}"), 1, None);
            }
            Op::Stop { connector } => {
                let _ = cp.stop_transaction(now, connector % 3, 2, None, None);
            }
            Op::Serve => {
                for _ in 0..8 {
                    let Some(n) = cp.poll_transmit(now, &mut out) else { break };
                    let Ok(Frame::Call { id, action, payload }) = parse_frame(&out[..n]) else {
                        break;
                    };
                    let payload: Value = serde_json::from_slice(payload).unwrap();
                    let answer = match action {
                        "BootNotification" => {
                            r#"{"status":"Accepted","currentTime":"2026-12-01T00:00:00Z","interval":300}"#.to_string()
                        }
                        "StartTransaction" => {
                            next_id += 1;
                            given.insert(next_id);
                            format!(r#"{{"transactionId":{next_id},"idTagInfo":{{"status":"Accepted"}}}}"#)
                        }
                        "StopTransaction" => {
                            let tx = payload["transactionId"].as_i64().unwrap();
                            assert!(given.contains(&tx), "a stop of {tx}, never given");
                            "{}".to_string()
                        }
                        _ => "{}".to_string(),
                    };
                    let frame = format!(r#"[3,"{}",{answer}]"#, id.as_str());
                    let mut reply = vec![0u8; 4096];
                    assert!(cp.handle_frame(now, frame.as_bytes(), &mut reply).is_none());
                    drain(&mut cp, &mut store);
                }
            }
            Op::Cut => {
                cp = new_cp();
                now = Instant(0);
                // Reverse key order: the restore must not depend on it.
                for (key, bytes) in store.iter().rev() {
                    let _ = cp.restore_record(key, bytes);
                }
                let _ = cp.finish_restore(now);
            }
            Op::Flip { record, at, bits } => {
                let n = store.len().max(1);
                if let Some(bytes) = store.values_mut().nth(usize::from(record) % n) {
                    let len = bytes.len().max(1);
                    if let Some(b) = bytes.get_mut(usize::from(at) % len) {
                        *b ^= bits;
                    }
                }
            }
            Op::Truncate { record, len } => {
                let n = store.len().max(1);
                if let Some(bytes) = store.values_mut().nth(usize::from(record) % n) {
                    bytes.truncate(usize::from(len));
                }
            }
            Op::Forge { key, bytes } => {
                store.insert(KEYS[usize::from(key) % KEYS.len()].to_string(), bytes);
            }
        }
        drain(&mut cp, &mut store);
    }
});
