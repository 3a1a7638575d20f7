//! A charge point for power-cut tests (tests/cs/test_power_cuts.py): transactions back to back
//! on connector 1 with a persistent store, until it is killed.
//!
//! ```text
//! cargo run --example power_cut -- --cs ws://127.0.0.1:9000/ocpp/CP --store DIR [--drain]
//! ```
//! Prints `started <idTag>` once `start_transaction` returned (the store holds it by then) and
//! `stopped <idTag>` likewise. With `--drain` it starts nothing: it restores, delivers what the
//! store held and prints `drained` when nothing is left (exit 0; 1 after 30 s).

use std::io::Write as _;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant as StdInstant, SystemTime, UNIX_EPOCH};

use ocpp::engine::{sample_text, Options, Station};
use ocpp::messages::{BootNotificationRequest, Measurand, SampleText};
use ocpp::platform::host::{HostChargePoint, HostConfig};
use ocpp::CiString;

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A meter that keeps counting across restarts: 1 Wh per 100 ms of wall-clock time.
struct WallMeter;

impl WallMeter {
    fn wh() -> i32 {
        ((unix_ms() / 100) % 1_000_000_000) as i32
    }
}

impl Station for WallMeter {
    fn read_meter(&mut self, _: u8, measurand: Measurand) -> Option<SampleText> {
        (measurand == Measurand::EnergyActiveImportRegister)
            .then(|| sample_text(i64::from(WallMeter::wh())))
    }
}

/// A small xorshift, seeded from the clock: random session lengths.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut url, mut store, mut drain) = (None, None, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--cs" => url = args.next(),
            "--store" => store = args.next().map(PathBuf::from),
            "--drain" => drain = true,
            other => {
                eprintln!("unknown argument {other:?}");
                std::process::exit(2);
            }
        }
    }
    let (Some(url), Some(store)) = (url, store) else {
        eprintln!("usage: power_cut --cs URL --store DIR [--drain]");
        std::process::exit(2);
    };
    let config = HostConfig {
        options: Options {
            response_timeout_ms: 5_000,
            ..Options::default()
        },
        reconnect_min: Duration::from_millis(100),
        reconnect_max: Duration::from_millis(500),
        store_dir: Some(store),
        ..HostConfig::new(url)
    };
    let boot = BootNotificationRequest {
        charge_point_vendor: CiString::try_from_str("zephyr-ocpp").unwrap_or_default(),
        charge_point_model: CiString::try_from_str("power-cut").unwrap_or_default(),
        ..BootNotificationRequest::default()
    };
    let cp = match HostChargePoint::spawn(config, boot, 1, WallMeter, |_| {}) {
        Ok(cp) => cp,
        Err(e) => {
            eprintln!("cannot start: {e:?}");
            std::process::exit(1);
        }
    };
    let deadline = StdInstant::now() + Duration::from_secs(30);
    while !cp.is_online() && StdInstant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    if drain {
        while StdInstant::now() < deadline {
            let left = cp.with(|cp, _| {
                cp.queued_transaction_messages() + usize::from(cp.has_transaction(1))
            });
            if left == 0 {
                say("drained");
                cp.shutdown();
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        eprintln!("not drained after 30 s");
        std::process::exit(1);
    }
    cp.with(|cp, now| cp.change_configuration(now, "MeterValueSampleInterval", "1"));
    let mut random = unix_ms() | 1;
    loop {
        let tag = format!("PC{}", unix_ms());
        // A transaction the store restored is stopped (PowerLoss) before a new one can start.
        let started = cp.with(|cp, now| cp.start_transaction(now, 1, &tag, WallMeter::wh(), None));
        if started.is_err() {
            thread::sleep(Duration::from_millis(50));
            continue;
        }
        say(&format!("started {tag}"));
        thread::sleep(Duration::from_millis(300 + next_random(&mut random) % 1500));
        let stopped = cp.with(|cp, now| cp.stop_transaction(now, 1, WallMeter::wh(), None, None));
        if stopped.is_ok() {
            say(&format!("stopped {tag}"));
        }
        thread::sleep(Duration::from_millis(100));
    }
}
