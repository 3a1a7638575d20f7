//! Runs one OCPP exchange `count` times on the engine, with the Central System's answers
//! replayed in process (no sockets, no threads), for `bench/instructions.sh`: callgrind counts
//! the instructions of `count` = N against `count` = 0, so setup cancels out.
//!
//! ```text
//! cargo run --release --example exchange_bench -- <boot|authorize|transaction|transaction_meter_values|get_configuration> <count>
//! ```

use std::hint::black_box;

use ocpp::engine::{sample_text, ChargePoint, Options, Station};
use ocpp::messages::{BootNotificationRequest, Measurand, SampleText};
use ocpp::{CiString, Instant};

struct Meter;

impl Station for Meter {
    fn read_meter(&mut self, connector: u8, measurand: Measurand) -> Option<SampleText> {
        match measurand {
            Measurand::EnergyActiveImportRegister => Some(sample_text(1000 + i64::from(connector))),
            _ => None,
        }
    }
}

const FRAME: usize = 4096;
const TIME: &str = "2026-11-21T10:00:00.000Z";

struct Bench {
    cp: ChargePoint<Meter>,
    now: Instant,
    out: [u8; FRAME],
    reply: [u8; FRAME],
}

impl Bench {
    /// The id of the CALL the engine sends next.
    fn sent_id(&mut self) -> String {
        let n = self
            .cp
            .poll_transmit(self.now, &mut self.out)
            .expect("a CALL");
        let text = std::str::from_utf8(&self.out[..n]).expect("UTF-8");
        let start = text.find('"').expect("id") + 1;
        let end = start + text[start..].find('"').expect("id");
        text[start..end].to_owned()
    }

    /// The engine sends a CALL; the Central System answers `payload`.
    fn exchange(&mut self, payload: &str) {
        let id = self.sent_id();
        let frame = format!("[3,\"{id}\",{payload}]");
        let reply = self
            .cp
            .handle_frame(self.now, frame.as_bytes(), &mut self.reply);
        black_box(reply);
    }

    fn drain_statuses(&mut self) {
        while let Some(n) = self.cp.poll_transmit(self.now, &mut self.out) {
            let text = std::str::from_utf8(&self.out[..n]).expect("UTF-8");
            let start = text.find('"').expect("id") + 1;
            let end = start + text[start..].find('"').expect("id");
            let frame = format!("[3,\"{}\",{{}}]", &text[start..end]);
            black_box(
                self.cp
                    .handle_frame(self.now, frame.as_bytes(), &mut self.reply),
            );
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let exchange = args.next().unwrap_or_default();
    let count: u32 = args.next().and_then(|c| c.parse().ok()).unwrap_or(0);
    let boot = BootNotificationRequest {
        charge_point_vendor: CiString::try_from_str("zephyr-ocpp").expect("fits"),
        charge_point_model: CiString::try_from_str("bench").expect("fits"),
        ..Default::default()
    };
    let cp = ChargePoint::new(boot, 2, Meter, Options::default(), Instant(0)).expect("engine");
    let mut b = Bench {
        cp,
        now: Instant(0),
        out: [0; FRAME],
        reply: [0; FRAME],
    };
    b.cp.handle_connected(b.now);
    let accepted =
        format!("{{\"status\":\"Accepted\",\"currentTime\":\"{TIME}\",\"interval\":300}}");
    b.exchange(&accepted);
    b.drain_statuses();
    let started = "{\"transactionId\":7,\"idTagInfo\":{\"status\":\"Accepted\"}}";
    for _ in 0..count {
        b.now = b.now.plus_millis(1000);
        match exchange.as_str() {
            "boot" => {
                b.cp.handle_disconnected(b.now);
                b.cp.handle_connected(b.now);
                b.exchange(&accepted);
                b.drain_statuses();
            }
            "authorize" => {
                black_box(b.cp.authorize(b.now, "ZepId00").expect("authorize"));
                b.exchange("{\"idTagInfo\":{\"status\":\"Accepted\"}}");
            }
            // StartTransaction, StatusNotification Charging, (MeterValues,) StopTransaction,
            // StatusNotification Finishing.
            "transaction" | "transaction_meter_values" => {
                black_box(
                    b.cp.start_transaction(b.now, 1, "ZepId00", 1000, None)
                        .expect("start"),
                );
                b.exchange(started);
                b.drain_statuses();
                if exchange == "transaction_meter_values" {
                    b.now = b.now.plus_secs(60);
                    b.cp.handle_timeout(b.now);
                    b.exchange("{}");
                }
                black_box(
                    b.cp.stop_transaction(b.now, 1, 1100, None, None)
                        .expect("stop"),
                );
                b.exchange("{}");
                b.drain_statuses();
            }
            "get_configuration" => {
                let frame = b"[2,\"cs-1\",\"GetConfiguration\",{}]";
                black_box(b.cp.handle_frame(b.now, frame, &mut b.reply));
            }
            other => {
                eprintln!("unknown exchange {other:?}");
                std::process::exit(2);
            }
        }
        while b.cp.poll_event().is_some() {}
    }
}
