//! Security Profiles 1–3 over real sockets against the dev Central System (tools/dev_cs.py with
//! tools/dev_cs_tls.py): Basic Auth right and wrong (401 → classified, back-off), TLS with the
//! right CA, a wrong CA, an expired and a wrong-host server certificate, mutual TLS with and
//! without the client certificate, SecurityProfile raised and lowering refused, AuthorizationKey
//! changed (accepted, and refused with fallback) and never readable.

mod common;

use std::time::Duration;

use common::*;
use ocpp::engine::ConnectionFailure;
use ocpp::platform::host::{charge_point_url, HostConfig};
use serde_json::json;

const KEY: &str = "0123456789abcdef0123";
const NEW_KEY: &str = "fedcba9876543210fedcba9876543210";

fn config(cs: &DevCs, id: &str) -> HostConfig {
    test_config(charge_point_url(&cs.base_url(), id))
}

/// Profile 2 settings: the dev CS's CA and the password.
fn tls_config(cs: &DevCs, id: &str) -> HostConfig {
    let mut config = config(cs, id);
    config.ca_file = Some(cs.tls_file("ca.pem"));
    config.authorization_key = Some(KEY.into());
    config
}

/// Waits until the charge point reports a refused connection; it must not come online.
fn refused(cp: &TestCp) -> ConnectionFailure {
    let failure = wait_until(SOON, || cp.host.with(|e, _| e.connection_failures().1));
    assert!(
        !cp.host.is_online(),
        "{}: online despite the refusal",
        cp.id
    );
    failure.unwrap_or_else(|| panic!("{}: no connection failure reported", cp.id))
}

#[test]
fn profile1_basic_auth_right_password() {
    let cs = DevCs::start_with("security-p1", &["--password", KEY]);
    let mut config = config(&cs, "CP_P1");
    config.authorization_key = Some(KEY.into());
    let cp = TestCp::start_with(config, "CP_P1", 1);
    cp.wait_online(SOON);
    assert_eq!(cp.host.with(|e, _| e.connection_settings().profile), 1);
    assert_eq!(cs.status("CP_P1")["auth_failures"], 0);
    // Never readable, over the wire either.
    let got = cs.call_ok(
        "CP_P1",
        "GetConfiguration",
        json!({"key": ["AuthorizationKey", "SecurityProfile"]}),
    );
    let keys = got["configurationKey"].as_array().unwrap();
    let key = keys
        .iter()
        .find(|k| k["key"] == "AuthorizationKey")
        .unwrap();
    assert!(key.get("value").is_none(), "{key}");
    let profile = keys.iter().find(|k| k["key"] == "SecurityProfile").unwrap();
    assert_eq!(profile["value"], "1");
    let frames = std::fs::read_to_string(&cs.frames_log).unwrap_or_default();
    assert!(!frames.contains(KEY), "the key is never sent in a frame");
}

#[test]
fn profile1_wrong_password_is_refused_with_backoff() {
    let cs = DevCs::start_with("security-p1-wrong", &["--password", KEY]);
    let mut config = config(&cs, "CP_P1W");
    config.authorization_key = Some(NEW_KEY.into());
    let started = std::time::Instant::now();
    let cp = TestCp::start_with(config, "CP_P1W", 1);
    assert_eq!(refused(&cp), ConnectionFailure::Unauthorized);
    std::thread::sleep(Duration::from_secs(3).saturating_sub(started.elapsed()));
    let (count, _) = cp.host.with(|e, _| e.connection_failures());
    let at_cs = cs.status("CP_P1W")["auth_failures"].as_u64().unwrap();
    // Back-off 100, 200, 400, 800, 800 ms...: about 6 attempts in 3 s, not a tight loop.
    assert!((2..=8).contains(&count), "{count} attempts in 3 s");
    assert!(
        at_cs >= 2 && at_cs <= u64::from(count) + 1,
        "the CS saw {at_cs}"
    );
    assert!(!cp.host.is_online());
}

#[test]
fn profile1_no_password_is_refused() {
    let cs = DevCs::start_with("security-p1-none", &["--password", KEY]);
    let cp = TestCp::start_with(config(&cs, "CP_P1N"), "CP_P1N", 1);
    assert_eq!(refused(&cp), ConnectionFailure::Unauthorized);
}

#[test]
fn profile2_tls_with_the_right_ca() {
    let cs = DevCs::start_with("security-p2", &["--tls", "--password", KEY]);
    let cp = TestCp::start_with(tls_config(&cs, "CP_P2"), "CP_P2", 1);
    cp.wait_online(SOON);
    assert_eq!(cp.host.with(|e, _| e.connection_settings().profile), 2);
    let (tx, _) = cp.start_tx(1, "TAG-1");
    assert!(
        matches!(tx, Ok(ocpp::engine::StartOutcome::Accepted { .. })),
        "{tx:?}"
    );
}

#[test]
fn profile2_wrong_ca_is_refused() {
    let cs = DevCs::start_with("security-p2-ca", &["--tls", "--password", KEY]);
    let mut config = tls_config(&cs, "CP_P2CA");
    config.ca_file = Some(cs.tls_file("other-ca.pem"));
    let cp = TestCp::start_with(config, "CP_P2CA", 1);
    assert_eq!(
        refused(&cp),
        ConnectionFailure::InvalidCentralSystemCertificate
    );
}

#[test]
fn profile2_expired_server_certificate_is_refused() {
    let cs = DevCs::start_with(
        "security-p2-expired",
        &["--tls", "--server-cert", "expired", "--password", KEY],
    );
    let cp = TestCp::start_with(tls_config(&cs, "CP_P2EX"), "CP_P2EX", 1);
    assert_eq!(
        refused(&cp),
        ConnectionFailure::InvalidCentralSystemCertificate
    );
}

#[test]
fn profile2_hostname_mismatch_is_refused() {
    let cs = DevCs::start_with(
        "security-p2-host",
        &["--tls", "--server-cert", "wrong-host", "--password", KEY],
    );
    let cp = TestCp::start_with(tls_config(&cs, "CP_P2H"), "CP_P2H", 1);
    assert_eq!(
        refused(&cp),
        ConnectionFailure::InvalidCentralSystemCertificate
    );
}

#[test]
fn profile3_with_the_client_certificate() {
    let cs = DevCs::start_with("security-p3", &["--tls", "--require-client-cert"]);
    let mut config = config(&cs, "CP_P3");
    config.ca_file = Some(cs.tls_file("ca.pem"));
    config.client_cert_file = Some(cs.tls_file("client.pem"));
    config.client_key_file = Some(cs.tls_file("client.key"));
    let cp = TestCp::start_with(config, "CP_P3", 1);
    cp.wait_online(SOON);
    let settings = cp.host.with(|e, _| {
        let s = e.connection_settings();
        (s.profile, s.basic_auth_password.is_some())
    });
    assert_eq!(settings, (3, false), "profile 3 sends no Basic Auth");
}

#[test]
fn profile3_without_a_client_certificate_is_refused() {
    let cs = DevCs::start_with("security-p3-none", &["--tls", "--require-client-cert"]);
    let mut config = config(&cs, "CP_P3N");
    config.ca_file = Some(cs.tls_file("ca.pem"));
    let cp = TestCp::start_with(config, "CP_P3N", 1);
    assert_eq!(
        refused(&cp),
        ConnectionFailure::InvalidChargePointCertificate
    );
}

#[test]
fn security_profile_is_raised_and_never_lowered() {
    let cs = DevCs::start_with("security-raise", &["--tls", "--password", KEY]);
    let mut config = tls_config(&cs, "CP_RAISE");
    config.security_profile = Some(1);
    let cp = TestCp::start_with(config, "CP_RAISE", 1);
    cp.wait_online(SOON);
    let change = |key: &str, value: &str| {
        cs.call_ok(
            "CP_RAISE",
            "ChangeConfiguration",
            json!({"key": key, "value": value}),
        )["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(change("SecurityProfile", "0"), "Rejected", "lowering");
    assert_eq!(
        change("SecurityProfile", "3"),
        "Rejected",
        "no client certificate"
    );
    assert_eq!(change("SecurityProfile", "2"), "Accepted");
    // The charge point reconnects with profile 2 (TLS with Basic Auth) and boots again.
    let reconnected = wait_until(SOON, || {
        (cs.status("CP_RAISE")["connect_count"] == 2 && cp.host.is_online()).then_some(())
    });
    assert!(reconnected.is_some(), "{}", cs.status("CP_RAISE"));
    assert_eq!(cp.host.with(|e, _| e.connection_settings().profile), 2);
    assert_eq!(change("SecurityProfile", "1"), "Rejected", "lowering");
    assert_eq!(change("SecurityProfile", "2"), "Rejected", "not raised");
}

#[test]
fn authorization_key_change_reconnects_with_the_new_key() {
    let cs = DevCs::start_with(
        "security-newkey",
        &["--password", KEY, "--password", NEW_KEY],
    );
    let mut config = config(&cs, "CP_KEY");
    config.authorization_key = Some(KEY.into());
    let cp = TestCp::start_with(config, "CP_KEY", 1);
    cp.wait_online(SOON);
    let answer = cs.call_ok(
        "CP_KEY",
        "ChangeConfiguration",
        json!({"key": "AuthorizationKey", "value": NEW_KEY}),
    );
    assert_eq!(answer["status"], "Accepted");
    let reconnected = wait_until(SOON, || {
        (cs.status("CP_KEY")["connect_count"] == 2 && cp.host.is_online()).then_some(())
    });
    assert!(reconnected.is_some(), "{}", cs.status("CP_KEY"));
    assert_eq!(
        cp.host.with(|e, _| e
            .connection_settings()
            .basic_auth_password
            .map(str::to_owned)),
        Some(NEW_KEY.to_owned())
    );
    assert_eq!(cs.status("CP_KEY")["auth_failures"], 0);
}

#[test]
fn refused_new_key_falls_back_to_the_old_one() {
    // The Central System writes a key it does not accept itself: the charge point tries it,
    // is refused (401) and goes back to the key that worked.
    let cs = DevCs::start_with("security-fallback", &["--password", KEY]);
    let mut config = config(&cs, "CP_FB");
    config.authorization_key = Some(KEY.into());
    let cp = TestCp::start_with(config, "CP_FB", 1);
    cp.wait_online(SOON);
    let answer = cs.call_ok(
        "CP_FB",
        "ChangeConfiguration",
        json!({"key": "AuthorizationKey", "value": NEW_KEY}),
    );
    assert_eq!(answer["status"], "Accepted");
    let back = wait_until(SOON, || {
        (cs.status("CP_FB")["connect_count"] == 2 && cp.host.is_online()).then_some(())
    });
    assert!(back.is_some(), "{}", cs.status("CP_FB"));
    assert_eq!(cs.status("CP_FB")["auth_failures"], 1);
    assert_eq!(
        cp.host.with(|e, _| e.connection_failures()),
        (1, Some(ConnectionFailure::Unauthorized))
    );
    assert_eq!(
        cp.host.with(|e, _| e
            .connection_settings()
            .basic_auth_password
            .map(str::to_owned)),
        Some(KEY.to_owned())
    );
}
