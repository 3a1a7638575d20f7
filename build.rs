//! Compile-time capacities and defaults. Kconfig is their one source: on Zephyr the module's
//! CMake exports the configured values as environment variables; in a zephyr-lang-rust
//! application (feature `zephyr-lang-rust`) they are read from the build's `.config`, which
//! zephyr-lang-rust names in `DOTCONFIG` (as its `zephyr-build` does); elsewhere (the host) the
//! `default` lines of this repository's `Kconfig` apply, read here, so no copy can drift.
use std::{env, fs, path::PathBuf};

/// (environment variable = Kconfig symbol without `CONFIG_`, Rust constant, doc)
const CAPACITIES: &[(&str, &str, &str)] = &[
    ("OCPP_MAX_CONNECTORS", "MAX_CONNECTORS", "Connectors (excluding connector 0) a charge point may have."),
    ("OCPP_RECV_BUFFER_SIZE", "FRAME_CAPACITY", "Largest OCPP-J text frame, in bytes, received."),
    ("OCPP_TX_QUEUE_SIZE", "TX_QUEUE_BYTES", "Bytes of encoded transaction messages held while offline (a Start or a one-value MeterValues takes ~40)."),
    ("OCPP_MAX_SAMPLED_VALUES", "MAX_SAMPLED_VALUES", "Measurands per meter sample (MeterValues*Data lists)."),
    ("OCPP_AUTH_CACHE_SIZE", "AUTH_CACHE_SIZE", "Entries in the authorization cache."),
    ("OCPP_LOCAL_AUTH_LIST_SIZE", "LOCAL_AUTH_LIST_SIZE", "Entries in the Local Authorization List (LocalAuthListMaxLength, SendLocalListMaxLength)."),
    ("OCPP_OUTBOX_DEPTH", "OUTBOX_DEPTH", "Non-transaction requests (Authorize, DataTransfer, ...) waiting to be sent."),
    ("OCPP_EVENT_QUEUE_DEPTH", "EVENT_QUEUE_DEPTH", "Application events not yet polled."),
    ("OCPP_DATA_TRANSFER_SIZE", "DATA_TRANSFER_CAPACITY", "Bytes of a DataTransfer `data` field."),
    ("OCPP_MAX_SESSIONS", "MAX_SESSIONS", "C API sessions (`ocpp_session_open`) open at once (at most 255)."),
    ("OCPP_SEND_BUFFER_SIZE", "SEND_CAPACITY", "Largest frame sent, in bytes (the platform's transmit buffer)."),
    ("OCPP_RESPONSE_TIMEOUT_MS", "RESPONSE_TIMEOUT_MS", "Time to wait for the Central System's answer to a CALL."),
    ("OCPP_RECONNECT_MIN_MS", "RECONNECT_MIN_MS", "First reconnect delay; it doubles after each failure."),
    ("OCPP_RECONNECT_MAX_MS", "RECONNECT_MAX_MS", "Longest reconnect delay."),
    ("OCPP_CONNECT_TIMEOUT_MS", "CONNECT_TIMEOUT_MS", "Longest TCP connect plus WebSocket handshake."),
    ("OCPP_MAX_CHARGING_PROFILES", "MAX_CHARGING_PROFILES", "Charging profiles installed at once (MaxChargingProfilesInstalled)."),
    ("OCPP_MAX_SCHEDULE_PERIODS", "MAX_SCHEDULE_PERIODS", "Periods of one charging schedule (ChargingScheduleMaxPeriods)."),
    ("OCPP_CHARGE_PROFILE_MAX_STACK_LEVEL", "CHARGE_PROFILE_MAX_STACK_LEVEL", "Highest stackLevel of a charging profile (ChargeProfileMaxStackLevel)."),
    ("OCPP_NOMINAL_VOLTAGE", "NOMINAL_VOLTAGE", "Phase-to-neutral voltage, volts, for converting charging limits between A and W."),
    ("OCPP_PERSIST_METER_INTERVAL", "PERSIST_METER_INTERVAL", "Seconds between two writes of a running transaction's meter reading to the store (flash wear)."),
    ("OCPP_METER_VALUE_SAMPLE_INTERVAL", "DEFAULT_METER_VALUE_SAMPLE_INTERVAL", "Default of MeterValueSampleInterval, seconds."),
    ("OCPP_WEBSOCKET_PING_INTERVAL", "DEFAULT_WEBSOCKET_PING_INTERVAL", "Default of WebSocketPingInterval, seconds (0: no pings)."),
    ("OCPP_RESET_TIMEOUT_MS", "RESET_TIMEOUT_MS", "Longest wait for the transaction queue to drain before a Reset takes effect."),
    ("OCPP_FIRMWARE_LOCATION_MAX", "FIRMWARE_LOCATION_MAX", "Longest location URI of UpdateFirmware and GetDiagnostics, in bytes."),
    ("OCPP_TRANSFER_RETRIES", "DEFAULT_TRANSFER_RETRIES", "Transfer retries when UpdateFirmware or GetDiagnostics names none."),
    ("OCPP_DIAGNOSTICS_LOG_SIZE", "DIAGNOSTICS_LOG_SIZE", "Bytes of recent log lines kept for a GetDiagnostics upload (Zephyr)."),
    ("OCPP_TRANSFER_RETRY_INTERVAL", "DEFAULT_TRANSFER_RETRY_INTERVAL", "Seconds between transfer attempts when the request names none."),
    ("OCPP_SECURITY_TECH_INFO_MAX", "SECURITY_TECH_INFO_MAX", "Bytes of a SecurityEventNotification's techInfo kept in the queue (longer text is cut)."),
    ("OCPP_SECURITY_LOG_SIZE", "SECURITY_LOG_SIZE", "Bytes of the security log kept in RAM for GetLog SecurityLog (oldest lines dropped first)."),
    ("OCPP_FIRMWARE_SIGNING_CERT_MAX", "FIRMWARE_SIGNING_CERT_MAX", "Bytes of a SignedUpdateFirmware's signing certificate (DER) kept with the update."),
    ("OCPP_CLOCK_JUMP_THRESHOLD", "CLOCK_JUMP_THRESHOLD_S", "Seconds by which the wall clock must jump, when set, to be logged as SettingSystemTime."),
    ("OCPP_SECURITY_PROFILE", "DEFAULT_SECURITY_PROFILE", "Security Profile at first start (0 none, 1 Basic Auth, 2 TLS + Basic Auth, 3 TLS client certificate); the Central System may only raise it."),
    ("OCPP_CERTIFICATE_STORE_MAX", "CERTIFICATE_STORE_MAX", "Certificates installed at once (CertificateStoreMaxLength)."),
    ("OCPP_CERTIFICATE_STORE_BYTES", "CERTIFICATE_STORE_BYTES", "Bytes of DER the certificate store holds, all certificates together."),
    ("OCPP_CERTIFICATE_SIGNED_MAX_CHAIN_SIZE", "CERTIFICATE_SIGNED_MAX_CHAIN_SIZE", "Longest certificateChain of a CertificateSigned, in characters (CertificateSignedMaxChainSize)."),
    ("OCPP_SNTP_RESYNC_INTERVAL", "SNTP_RESYNC_INTERVAL_S", "Seconds between two SNTP queries (CONFIG_OCPP_SNTP)."),
];

/// Kconfig symbols that `default ... if` conditions may use, and the Cargo feature each one is.
const CONDITIONS: &[(&str, &str)] = &[
    ("OCPP_PROFILE_REMOTE_TRIG", "REMOTE_TRIGGER"),
    ("OCPP_PROFILE_RESERVATION", "RESERVATION"),
    ("OCPP_PROFILE_LOCAL_AUTH_LIST", "LOCAL_AUTH_LIST"),
    ("OCPP_PROFILE_SMART_CHARGE", "SMART_CHARGING"),
    ("OCPP_PROFILE_FIRMWARE_MGNT", "FIRMWARE_MANAGEMENT"),
    ("OCPP_PROFILE_CERTIFICATES", "CERTIFICATES"),
    ("OCPP_PROFILE_CERTIFICATE_SIGNING", "CERTIFICATE_SIGNING"),
    ("OCPP_PROFILE_SIGNED_FIRMWARE", "SIGNED_FIRMWARE"),
];

fn main() {
    let kconfig_path =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("Kconfig");
    println!("cargo:rerun-if-changed={}", kconfig_path.display());
    let kconfig = fs::read_to_string(&kconfig_path).expect("read Kconfig");
    let dotconfig = DotConfig::load();
    dotconfig.check_profiles();
    let mut out = String::from("// Generated by build.rs from Kconfig/environment; do not edit.\n");
    for (var, name, doc) in CAPACITIES {
        println!("cargo:rerun-if-env-changed={var}");
        let default = kconfig_default(&kconfig, var);
        let value = match dotconfig.value(var) {
            Ok(text) => text
                .trim()
                .parse::<u32>()
                .unwrap_or_else(|_| panic!("{var}={text:?} is not an unsigned integer")),
            Err(_) => default,
        };
        assert!(
            value > 0 || name.starts_with("DEFAULT_"),
            "{var} must be at least 1"
        );
        out.push_str(&format!(
            "/// {doc} (`CONFIG_{var}`, Kconfig default {default})\npub const {name}: usize = {value};\n"
        ));
    }
    // Zephyr's minimal libc numbers some errno values unlike picolibc/newlib (src/ffi.rs `Errno`).
    println!("cargo::rustc-check-cfg=cfg(ocpp_libc_minimal)");
    println!("cargo:rerun-if-env-changed=OCPP_LIBC_MINIMAL");
    let minimal = env::var("OCPP_LIBC_MINIMAL")
        .ok()
        .or(dotconfig.symbol("MINIMAL_LIBC"));
    if minimal.is_some_and(|v| matches!(v.trim(), "1" | "y" | "yes")) {
        println!("cargo:rustc-cfg=ocpp_libc_minimal");
    }
    // CONFIG_OCPP_LOG_LEVEL (0 none, 1 error .. 4 debug; the log level template's symbol, so no
    // Kconfig default here): `log` records above it are not even formatted on Zephyr.
    println!("cargo:rerun-if-env-changed=OCPP_LOG_LEVEL");
    let log_level = dotconfig
        .value("OCPP_LOG_LEVEL")
        .ok()
        .and_then(|v| v.trim().parse::<u8>().ok())
        .unwrap_or(3)
        .min(4);
    out.push_str(&format!(
        "/// `CONFIG_OCPP_LOG_LEVEL`: 0 none, 1 error, 2 warning, 3 info, 4 debug (host: 3).\npub const LOG_LEVEL: u8 = {log_level};\n"
    ));
    let path = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("capacity.rs");
    fs::write(path, out).expect("write capacity.rs");
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "zephyr")]
    zephyr_port_bindings();
}

/// The Kconfig values of the build: the environment (our CMake), else the `.config` of a
/// zephyr-lang-rust build.
struct DotConfig {
    lines: Vec<(String, String)>,
}

impl DotConfig {
    fn load() -> Self {
        let mut lines = Vec::new();
        if env::var_os("CARGO_FEATURE_ZEPHYR_LANG_RUST").is_some() {
            println!("cargo:rerun-if-env-changed=DOTCONFIG");
            let path = env::var("DOTCONFIG")
                .expect("feature zephyr-lang-rust: DOTCONFIG (set by rust_cargo_application()) names the build's .config");
            println!("cargo:rerun-if-changed={path}");
            let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
            for line in text.lines() {
                if let Some((key, value)) =
                    line.strip_prefix("CONFIG_").and_then(|l| l.split_once('='))
                {
                    lines.push((key.to_owned(), value.trim_matches('"').to_owned()));
                }
            }
        }
        Self { lines }
    }

    /// `CONFIG_<name>` of the .config (None: not set, or not a zephyr-lang-rust build).
    fn symbol(&self, name: &str) -> Option<String> {
        self.lines
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    /// The environment's value of `var`, else the .config's.
    fn value(&self, var: &str) -> Result<String, env::VarError> {
        env::var(var).or_else(|e| self.symbol(var).ok_or(e))
    }

    /// Kconfig decides which profiles are built: a Cargo feature that disagrees with its
    /// CONFIG_OCPP_PROFILE_* symbol would compile C and Rust for different profiles.
    fn check_profiles(&self) {
        if self.lines.is_empty() {
            return;
        }
        assert!(
            self.symbol("OCPP_RUST_APP").as_deref() == Some("y"),
            "feature zephyr-lang-rust needs CONFIG_OCPP_RUST_APP=y (the module must not build the library too)"
        );
        let mut pairs: Vec<(&str, &str)> = CONDITIONS.to_vec();
        pairs.push(("OCPP_PERSISTENCE", "PERSISTENCE"));
        for (symbol, feature) in pairs {
            let configured = self.symbol(symbol).as_deref() == Some("y");
            let enabled = env::var_os(format!("CARGO_FEATURE_{feature}")).is_some();
            assert!(
                configured == enabled,
                "CONFIG_{symbol} is {} but Cargo feature {} is {}: enable the profile features the Kconfig enables",
                if configured { "y" } else { "n" },
                feature.to_lowercase().replace('_', "-"),
                if enabled { "on" } else { "off" },
            );
        }
    }
}

/// The value of the first `default` line of `config SYMBOL` whose condition holds, as Kconfig
/// picks it. Conditions are over the profile symbols of [`CONDITIONS`], true when the matching
/// Cargo feature is on.
fn kconfig_default(kconfig: &str, symbol: &str) -> u32 {
    let mut lines = kconfig.lines().map(str::trim);
    let header = format!("config {symbol}");
    lines
        .by_ref()
        .find(|l| *l == header)
        .unwrap_or_else(|| panic!("Kconfig has no `{header}`"));
    for line in lines {
        if line.starts_with("config ") || line.starts_with("endif") || line.starts_with("menu") {
            break;
        }
        let Some(rest) = line.strip_prefix("default ") else {
            continue;
        };
        let (value, condition) = match rest.split_once(" if ") {
            Some((value, condition)) => (value.trim(), Some(condition)),
            None => (rest.trim(), None),
        };
        if condition.is_none_or(holds) {
            return value.parse().unwrap_or_else(|_| {
                panic!("Kconfig: {symbol} default {value:?} is not an unsigned integer")
            });
        }
    }
    panic!("Kconfig: {symbol} has no default that applies")
}

/// Evaluates a Kconfig condition: `||`, `&&`, `!` and parentheses over the profile symbols of
/// [`CONDITIONS`].
fn holds(condition: &str) -> bool {
    let tokens: Vec<String> = condition
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('!', " ! ")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let mut at = 0;
    let value = or_expr(&tokens, &mut at);
    assert!(
        at == tokens.len(),
        "build.rs cannot evaluate Kconfig condition {condition:?}"
    );
    value
}

fn or_expr(tokens: &[String], at: &mut usize) -> bool {
    let mut value = and_expr(tokens, at);
    while tokens.get(*at).is_some_and(|t| t == "||") {
        *at += 1;
        value |= and_expr(tokens, at);
    }
    value
}

fn and_expr(tokens: &[String], at: &mut usize) -> bool {
    let mut value = atom(tokens, at);
    while tokens.get(*at).is_some_and(|t| t == "&&") {
        *at += 1;
        value &= atom(tokens, at);
    }
    value
}

fn atom(tokens: &[String], at: &mut usize) -> bool {
    let token = tokens.get(*at).cloned().unwrap_or_default();
    *at += 1;
    match token.as_str() {
        "!" => !atom(tokens, at),
        "(" => {
            let value = or_expr(tokens, at);
            assert!(
                tokens.get(*at).is_some_and(|t| t == ")"),
                "unbalanced Kconfig condition"
            );
            *at += 1;
            value
        }
        symbol => {
            let (_, feature) = CONDITIONS
                .iter()
                .find(|(s, _)| *s == symbol)
                .unwrap_or_else(|| panic!("build.rs cannot evaluate Kconfig condition {symbol:?}"));
            env::var_os(format!("CARGO_FEATURE_{feature}")).is_some()
        }
    }
}

/// Rust declarations of the Zephyr port (src/platform/zephyr/port.h), generated from the header
/// so the C and Rust sides cannot drift apart. The header uses only freestanding C types; clang
/// is told the Rust target so `size_t` and friends get the target's sizes.
#[cfg(feature = "zephyr")]
fn zephyr_port_bindings() {
    let header = "src/platform/zephyr/port.h";
    println!("cargo:rerun-if-changed={header}");
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let bindings = bindgen::Builder::default()
        .header(header)
        .clang_args(["-ffreestanding", &format!("--target={target}")])
        .allowlist_function("ocpp_port_.*")
        .allowlist_var("OCPP_PORT_.*")
        .use_core()
        .generate()
        .expect("bindgen could not read src/platform/zephyr/port.h");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("port.rs");
    bindings.write_to_file(out).expect("write port.rs");
}
