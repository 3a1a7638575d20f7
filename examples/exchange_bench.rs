//! Runs one OCPP exchange `count` times on the engine, with the Central System's answers
//! replayed in process (no sockets, no threads), for `bench/instructions.sh`: callgrind counts
//! the instructions of `count` = N against `count` = 0, so setup cancels out.
//!
//! ```text
//! cargo run --release --example exchange_bench -- <boot|authorize|transaction|transaction_meter_values|status|get_configuration|get_composite_schedule> <count>
//! cargo run --release --example exchange_bench -- smart_charging_sizes
//! ```

use std::hint::black_box;

use ocpp::engine::{sample_text, ChargePoint, Options, Station};
use ocpp::messages::{
    BootNotificationRequest, ChargePointErrorCode, ChargePointStatus, Measurand, SampleText,
};
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
    /// The Central System's answer being built: no allocation or formatting in the harness,
    /// whose own instructions are counted with the engine's.
    answer: [u8; FRAME],
}

impl Bench {
    /// Writes `[3,"<id of the CALL just sent>",payload]` into `answer`; returns its length.
    fn answer_to(&mut self, sent: usize, payload: &str) -> usize {
        let frame = &self.out[..sent];
        let start = frame.iter().position(|&b| b == b'"').expect("id") + 1;
        let len = frame[start..].iter().position(|&b| b == b'"').expect("id");
        let mut n = 0;
        for part in [
            &b"[3,\""[..],
            &frame[start..start + len],
            b"\",",
            payload.as_bytes(),
            b"]",
        ] {
            self.answer[n..n + part.len()].copy_from_slice(part);
            n += part.len();
        }
        n
    }

    /// The engine sends a CALL; the Central System answers `payload`.
    fn exchange(&mut self, payload: &str) {
        let sent = self
            .cp
            .poll_transmit(self.now, &mut self.out)
            .expect("a CALL");
        let n = self.answer_to(sent, payload);
        let reply = self
            .cp
            .handle_frame(self.now, &self.answer[..n], &mut self.reply);
        black_box(reply);
    }

    /// Answers every StatusNotification (or other CALL) the engine has queued with `{}`.
    fn drain_statuses(&mut self) {
        while let Some(sent) = self.cp.poll_transmit(self.now, &mut self.out) {
            let n = self.answer_to(sent, "{}");
            black_box(
                self.cp
                    .handle_frame(self.now, &self.answer[..n], &mut self.reply),
            );
        }
    }
}

/// The worst case for GetCompositeSchedule: MAX_CHARGING_PROFILES profiles of
/// MAX_SCHEDULE_PERIODS periods each, of every purpose and kind, on a running transaction.
#[cfg(feature = "smart-charging")]
fn install_most_profiles(b: &mut Bench) {
    use ocpp::capacity::{MAX_CHARGING_PROFILES, MAX_SCHEDULE_PERIODS};
    black_box(
        b.cp.start_transaction(b.now, 1, "ZepId00", 1000, None)
            .expect("start"),
    );
    b.exchange("{\"transactionId\":7,\"idTagInfo\":{\"status\":\"Accepted\"}}");
    b.drain_statuses();
    for id in 0..MAX_CHARGING_PROFILES {
        let (connector, purpose, kind) = match id % 4 {
            0 => (0, "ChargePointMaxProfile", "\"Absolute\""),
            1 => (
                0,
                "TxDefaultProfile",
                "\"Recurring\",\"recurrencyKind\":\"Daily\"",
            ),
            2 => (1, "TxDefaultProfile", "\"Absolute\""),
            _ => (1, "TxProfile", "\"Relative\""),
        };
        let periods: Vec<String> = (0..MAX_SCHEDULE_PERIODS)
            .map(|p| {
                format!(
                    "{{\"startPeriod\":{},\"limit\":{}.5}}",
                    p * 1800 + id * 60,
                    6 + (p + id) % 26
                )
            })
            .map(|p| {
                p.replacen(
                    &format!("\"startPeriod\":{}", id * 60),
                    "\"startPeriod\":0",
                    1,
                )
            })
            .collect();
        let frame = format!(
            "[2,\"set-{id}\",\"SetChargingProfile\",{{\"connectorId\":{connector},\"csChargingProfiles\":{{\
             \"chargingProfileId\":{id},\"stackLevel\":{},\"chargingProfilePurpose\":\"{purpose}\",\
             \"chargingProfileKind\":{kind},\"chargingSchedule\":{{\"startSchedule\":\"{TIME}\",\
             \"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{}]}}}}}}]",
            id / 4,
            periods.join(",")
        );
        let n =
            b.cp.handle_frame(b.now, frame.as_bytes(), &mut b.reply)
                .expect("answer");
        let answer = std::str::from_utf8(&b.reply[..n]).expect("UTF-8");
        assert!(answer.contains("Accepted"), "{answer}");
    }
    assert_eq!(b.cp.charging_profiles().len(), MAX_CHARGING_PROFILES);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let exchange = args.next().unwrap_or_default();
    #[cfg(feature = "smart-charging")]
    if exchange == "smart_charging_sizes" {
        use ocpp::capacity::{MAX_CHARGING_PROFILES, MAX_SCHEDULE_PERIODS};
        use ocpp::engine::smart_charging::{ChargingProfiles, InstalledProfile};
        println!(
            "{} B per installed profile ({MAX_SCHEDULE_PERIODS} periods of {} B), table of {MAX_CHARGING_PROFILES}: {} B (host layout)",
            std::mem::size_of::<InstalledProfile>(),
            std::mem::size_of::<ocpp::messages::ChargingSchedulePeriod>(),
            std::mem::size_of::<ChargingProfiles>(),
        );
        return;
    }
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
        answer: [0; FRAME],
    };
    b.cp.handle_connected(b.now);
    let accepted =
        format!("{{\"status\":\"Accepted\",\"currentTime\":\"{TIME}\",\"interval\":300}}");
    b.exchange(&accepted);
    b.drain_statuses();
    let started = "{\"transactionId\":7,\"idTagInfo\":{\"status\":\"Accepted\"}}";
    #[cfg(feature = "smart-charging")]
    if exchange == "get_composite_schedule" {
        install_most_profiles(&mut b);
    }
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
            // One StatusNotification: connector 2 goes Unavailable and back, one per iteration.
            "status" => {
                let status = if b.now.as_millis() / 1000 % 2 == 0 {
                    ChargePointStatus::Available
                } else {
                    ChargePointStatus::Unavailable
                };
                b.cp.set_connector_status(b.now, 2, status, ChargePointErrorCode::NoError)
                    .expect("status");
                b.drain_statuses();
            }
            "get_configuration" => {
                let frame = b"[2,\"cs-1\",\"GetConfiguration\",{}]";
                black_box(b.cp.handle_frame(b.now, frame, &mut b.reply));
            }
            #[cfg(feature = "smart-charging")]
            "get_composite_schedule" => {
                let frame = b"[2,\"cs-1\",\"GetCompositeSchedule\",{\"connectorId\":1,\"duration\":86400,\"chargingRateUnit\":\"W\"}]";
                let n = b.cp.handle_frame(b.now, frame, &mut b.reply);
                if std::env::var_os("SHOW").is_some() {
                    let n = n.unwrap_or(0);
                    println!("{}", String::from_utf8_lossy(&b.reply[..n]));
                }
                black_box(n);
            }
            other => {
                eprintln!("unknown exchange {other:?}");
                std::process::exit(2);
            }
        }
        while b.cp.poll_event().is_some() {}
    }
}
