//! A two-connector OCPP 1.6J charge point in Rust on Zephyr: zephyr-ocpp's native Rust API
//! (no C API in between), on its Zephyr platform, in a zephyr-lang-rust application.
//!
//! It registers with the Central System, then on each connector in turn authorizes an idTag,
//! starts a transaction, charges for CONFIG_RUST_OCPP_CHARGE_SECONDS (the engine sends
//! MeterValues every CONFIG_OCPP_METER_VALUE_SAMPLE_INTERVAL seconds from [`Meters`]) and stops
//! it. Each step prints a `RUST_OCPP:` line (pytest/test_rust_ocpp.py reads them).
#![no_std]

use zephyr::kconfig::{
    CONFIG_RUST_OCPP_CHARGE_SECONDS, CONFIG_RUST_OCPP_PORT, CONFIG_RUST_OCPP_SERVER,
    CONFIG_RUST_OCPP_URL,
};
use zephyr::printkln;
// The kernel services of the library's platform (and the library itself, as `ocpp`).
use zephyr_ocpp_kernel::ocpp;

use ocpp::engine::{Event, Options, StartOutcome, Station, StopOutcome};
use ocpp::messages::{
    AuthorizationStatus, BootNotificationRequest, Measurand, RegistrationStatus, SampleText,
};
use ocpp::platform::zephyr::{sleep, Endpoint, State, ZephyrChargePoint};
use ocpp::CiString;

/// `AF_INET` of <zephyr/net/net_ip.h>.
const AF_INET: i32 = 1;
const CONNECTORS: u8 = 2;
const ID_TAGS: [&str; CONNECTORS as usize] = ["RUST-TAG-1", "RUST-TAG-2"];
/// Watt-hours each connector's meter gains per second of charging.
const WH_PER_SECOND: i64 = 50;
const ANSWER_MS: u32 = 30_000;

/// The hardware: one energy meter per connector (index 0: the main meter).
struct Meters {
    energy_wh: [i64; CONNECTORS as usize + 1],
}

impl Station for Meters {
    fn read_meter(&mut self, connector: u8, measurand: Measurand) -> Option<SampleText> {
        match measurand {
            Measurand::EnergyActiveImportRegister => self
                .energy_wh
                .get(usize::from(connector))
                .map(|wh| ocpp::engine::sample_text(*wh)),
            _ => None,
        }
    }
}

/// The platform's storage: the engine and its buffers, in a static (no heap).
static STATE: State<Meters> = State::new();

fn on_event(event: &Event) {
    if let Event::Registration(status) = event {
        printkln!("RUST_OCPP: registration {:?}", status);
    }
}

fn energy(cp: &ZephyrChargePoint<Meters>, connector: u8) -> i64 {
    cp.with(|engine, _| {
        engine
            .station()
            .energy_wh
            .get(usize::from(connector))
            .copied()
            .unwrap_or(0)
    })
}

/// Authorize, start, charge, stop on `connector`; false when a step failed.
fn charge(cp: &ZephyrChargePoint<Meters>, connector: u8, id_tag: &str) -> bool {
    let authorized = cp.with_then_wait(
        |engine, now| engine.authorize(now, id_tag),
        |ticket, e| matches!(e, Event::Authorized { ticket: t, .. } if t == ticket),
        ANSWER_MS,
    );
    let accepted = matches!(
        authorized,
        Ok((_, Some(Event::Authorized { result: Ok(ref info), .. })))
            if info.status == AuthorizationStatus::Accepted
    );
    printkln!(
        "RUST_OCPP: connector {} authorize {} accepted {}",
        connector,
        id_tag,
        accepted
    );
    if !accepted {
        return false;
    }

    let meter_start = energy(cp, connector);
    let started = cp.with_then_wait(
        |engine, now| {
            let start = i32::try_from(meter_start).unwrap_or(i32::MAX);
            engine.start_transaction(now, connector, id_tag, start, None)
        },
        |ticket, e| matches!(e, Event::TransactionStarted { ticket: t, .. } if t == ticket),
        ANSWER_MS,
    );
    let transaction_id = match started {
        Ok((
            _,
            Some(Event::TransactionStarted {
                result: Ok(StartOutcome::Accepted { transaction_id }),
                ..
            }),
        )) => transaction_id,
        other => {
            printkln!(
                "RUST_OCPP: connector {} start failed {:?}",
                connector,
                other.map(|(_, e)| e)
            );
            return false;
        }
    };
    printkln!(
        "RUST_OCPP: connector {} started transaction {} meter {}",
        connector,
        transaction_id,
        meter_start
    );

    for _ in 0..CONFIG_RUST_OCPP_CHARGE_SECONDS {
        sleep(1_000);
        cp.with(|engine, _| {
            if let Some(wh) = engine
                .station_mut()
                .energy_wh
                .get_mut(usize::from(connector))
            {
                *wh += WH_PER_SECOND;
            }
        });
    }

    let meter_stop = energy(cp, connector);
    let stopped = cp.with_then_wait(
        |engine, now| {
            let stop = i32::try_from(meter_stop).unwrap_or(i32::MAX);
            engine.stop_transaction(now, connector, stop, None, None)
        },
        |ticket, e| matches!(e, Event::TransactionStopped { ticket: t, .. } if t == ticket),
        ANSWER_MS,
    );
    let delivered = matches!(
        stopped,
        Ok((
            _,
            Some(Event::TransactionStopped {
                result: Ok(StopOutcome::Delivered),
                ..
            })
        ))
    );
    printkln!(
        "RUST_OCPP: connector {} stopped transaction {} meter {} delivered {}",
        connector,
        transaction_id,
        meter_stop,
        delivered
    );
    delivered
}

#[no_mangle]
extern "C" fn rust_main() {
    // SAFETY: called once, before any other thread logs.
    let _ = unsafe { zephyr::set_logger() };

    let (Ok(vendor), Ok(model)) = (
        CiString::try_from_str("zephyr-ocpp"),
        CiString::try_from_str("zephyr-rust-sample"),
    ) else {
        return;
    };
    let boot = BootNotificationRequest {
        charge_point_vendor: vendor,
        charge_point_model: model,
        firmware_version: CiString::try_from_str(env!("CARGO_PKG_VERSION")).ok(),
        ..BootNotificationRequest::default()
    };
    let endpoint = Endpoint {
        host: CONFIG_RUST_OCPP_SERVER,
        port: u16::try_from(CONFIG_RUST_OCPP_PORT).unwrap_or(80),
        family: AF_INET,
        path: CONFIG_RUST_OCPP_URL,
    };
    let meters = Meters {
        energy_wh: [0, 1_000, 2_000],
    };
    let cp = match ZephyrChargePoint::launch(
        &STATE,
        &endpoint,
        boot,
        CONNECTORS,
        meters,
        Options::default(),
        on_event,
    ) {
        Ok(cp) => cp,
        Err(e) => {
            printkln!("RUST_OCPP: launch failed {:?}", e);
            return;
        }
    };
    printkln!(
        "RUST_OCPP: launched, {} connectors, Central System {}:{}{}",
        CONNECTORS,
        endpoint.host,
        endpoint.port,
        endpoint.path
    );

    let registered = cp.wait_event(
        |e| matches!(e, Event::Registration(RegistrationStatus::Accepted)),
        120_000,
    );
    if registered.is_none() {
        printkln!("RUST_OCPP: not registered");
        return;
    }
    let mut all = true;
    for (connector, id_tag) in (1..=CONNECTORS).zip(ID_TAGS) {
        all &= charge(&cp, connector, id_tag);
    }
    printkln!("RUST_OCPP: done {}", if all { "ok" } else { "failed" });
}
