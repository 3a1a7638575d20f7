//! Defect 10 of issue 10: the host build's capacities and defaults are Kconfig's (one source of
//! truth), so a C program behaves alike on the host and on Zephyr with default configuration.

use ocpp::capacity as c;

/// The first unconditional `default` of `config SYMBOL` in the repository's Kconfig.
fn kconfig(symbol: &str) -> usize {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Kconfig")).unwrap();
    let header = format!("config {symbol}");
    let lines = text
        .lines()
        .map(str::trim)
        .skip_while(|l| *l != header)
        .skip(1);
    lines
        .take_while(|l| !l.starts_with("config "))
        .filter_map(|l| l.strip_prefix("default "))
        .find(|d| !d.contains(" if "))
        .unwrap_or_else(|| panic!("no default for {symbol}"))
        .parse()
        .unwrap()
}

#[test]
fn host_defaults_are_kconfig_defaults() {
    if std::env::var_os("OCPP_MAX_CONNECTORS").is_some() {
        return; // a build configured through the environment (Zephyr's CMake), not defaults
    }
    let pairs = [
        ("OCPP_MAX_CONNECTORS", c::MAX_CONNECTORS),
        ("OCPP_TX_QUEUE_SIZE", c::TX_QUEUE_BYTES),
        ("OCPP_MAX_SAMPLED_VALUES", c::MAX_SAMPLED_VALUES),
        ("OCPP_AUTH_CACHE_SIZE", c::AUTH_CACHE_SIZE),
        ("OCPP_LOCAL_AUTH_LIST_SIZE", c::LOCAL_AUTH_LIST_SIZE),
        ("OCPP_OUTBOX_DEPTH", c::OUTBOX_DEPTH),
        ("OCPP_EVENT_QUEUE_DEPTH", c::EVENT_QUEUE_DEPTH),
        ("OCPP_DATA_TRANSFER_SIZE", c::DATA_TRANSFER_CAPACITY),
        ("OCPP_MAX_SESSIONS", c::MAX_SESSIONS),
        ("OCPP_RESPONSE_TIMEOUT_MS", c::RESPONSE_TIMEOUT_MS),
        ("OCPP_RECONNECT_MIN_MS", c::RECONNECT_MIN_MS),
        ("OCPP_RECONNECT_MAX_MS", c::RECONNECT_MAX_MS),
        ("OCPP_CONNECT_TIMEOUT_MS", c::CONNECT_TIMEOUT_MS),
        (
            "OCPP_METER_VALUE_SAMPLE_INTERVAL",
            c::DEFAULT_METER_VALUE_SAMPLE_INTERVAL,
        ),
        (
            "OCPP_WEBSOCKET_PING_INTERVAL",
            c::DEFAULT_WEBSOCKET_PING_INTERVAL,
        ),
        ("OCPP_RESET_TIMEOUT_MS", c::RESET_TIMEOUT_MS),
        ("OCPP_PERSIST_METER_INTERVAL", c::PERSIST_METER_INTERVAL),
        ("OCPP_MAX_CHARGING_PROFILES", c::MAX_CHARGING_PROFILES),
        ("OCPP_MAX_SCHEDULE_PERIODS", c::MAX_SCHEDULE_PERIODS),
        (
            "OCPP_CHARGE_PROFILE_MAX_STACK_LEVEL",
            c::CHARGE_PROFILE_MAX_STACK_LEVEL,
        ),
        ("OCPP_NOMINAL_VOLTAGE", c::NOMINAL_VOLTAGE),
        ("OCPP_FIRMWARE_LOCATION_MAX", c::FIRMWARE_LOCATION_MAX),
        ("OCPP_CERTIFICATE_STORE_MAX", c::CERTIFICATE_STORE_MAX),
        ("OCPP_CERTIFICATE_STORE_BYTES", c::CERTIFICATE_STORE_BYTES),
        (
            "OCPP_CERTIFICATE_SIGNED_MAX_CHAIN_SIZE",
            c::CERTIFICATE_SIGNED_MAX_CHAIN_SIZE,
        ),
        ("OCPP_SECURITY_LOG_SIZE", c::SECURITY_LOG_SIZE),
        (
            "OCPP_FIRMWARE_SIGNING_CERT_MAX",
            c::FIRMWARE_SIGNING_CERT_MAX,
        ),
        ("OCPP_TRANSFER_RETRIES", c::DEFAULT_TRANSFER_RETRIES),
        (
            "OCPP_TRANSFER_RETRY_INTERVAL",
            c::DEFAULT_TRANSFER_RETRY_INTERVAL,
        ),
    ];
    for (symbol, value) in pairs {
        assert_eq!(value, kconfig(symbol), "{symbol}");
    }
    // The conditional default: larger with the optional profiles' keys and messages.
    let lists = cfg!(feature = "local-auth-list") || cfg!(feature = "reservation");
    let smart = cfg!(feature = "smart-charging");
    let certificates = cfg!(feature = "certificates") && cfg!(feature = "certificate-signing");
    let expected = match (smart, lists) {
        // GetConfiguration of every key with both certificate features' keys too.
        (true, _) if certificates => 4096,
        (true, true) => 3840,
        (false, true) | (true, false) => 3584,
        (false, false) => 3072,
    };
    assert_eq!(c::SEND_CAPACITY, expected);
    // The receive buffer fits an InstallCertificate of 5500 characters with `certificates`.
    // And a SignedUpdateFirmware with that certificate and an 800-character signature.
    let recv = if cfg!(feature = "signed-firmware") {
        7424
    } else if cfg!(feature = "certificates") {
        6144
    } else {
        kconfig("OCPP_RECV_BUFFER_SIZE")
    };
    assert_eq!(c::FRAME_CAPACITY, recv);
    // What issue 10 saw: the same C program got no meter values on the host in 30 s.
    assert_eq!(c::DEFAULT_METER_VALUE_SAMPLE_INTERVAL, 5);
    let options = ocpp::engine::Options::default();
    assert_eq!(options.response_timeout_ms as usize, c::RESPONSE_TIMEOUT_MS);
}
