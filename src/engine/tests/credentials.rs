//! Security Profiles: AuthorizationKey is write-only and bounded, SecurityProfile only rises to
//! a provisioned profile, credential changes ask for a reconnect and fall back when refused.

use super::store::MemStore;
use super::*;

const KEY: &str = "0123456789abcdef0123";
const NEW_KEY: &str = "fedcba9876543210fedcba98";

/// ChangeConfiguration from the Central System; an accepted change of a Security Profiles key
/// is the whitepaper's ReconfigurationOfSecurityParameters event (feature security), sent next.
fn change(h: &mut Harness, key: &str, value: &str) -> String {
    let answer = h.cs_call("ChangeConfiguration", json!({"key": key, "value": value}));
    let status = answer["status"].as_str().unwrap().to_string();
    if cfg!(feature = "security") && status == "Accepted" && h.cp.is_online() {
        let (id, event) = h.expect_call("SecurityEventNotification");
        assert_eq!(event["type"], "ReconfigurationOfSecurityParameters");
        let tech_info = event["techInfo"].as_str().unwrap();
        assert!(
            tech_info.eq_ignore_ascii_case(key),
            "the key, never the value"
        );
        h.result(&id, json!({}));
    }
    status
}

#[test]
fn authorization_key_is_write_only_and_bounded() {
    let mut h = Harness::new("sec-authkey", 1);
    h.online();
    for bad in [
        "short",
        &"x".repeat(41),
        "sixteen chars ok",
        "0123456789abcdé0",
    ] {
        assert_eq!(
            change(&mut h, "AuthorizationKey", bad),
            "Rejected",
            "{bad:?}"
        );
    }
    assert!(h.cp.configuration().AuthorizationKey.is_empty());
    assert_eq!(
        change(&mut h, "AuthorizationKey", &"k".repeat(16)),
        "Accepted"
    );
    assert_eq!(
        change(&mut h, "AuthorizationKey", &"K".repeat(40)),
        "Accepted"
    );
    assert_eq!(change(&mut h, "authorizationkey", KEY), "Accepted");
    assert_eq!(h.cp.configuration().AuthorizationKey.as_str(), KEY);
    // Never readable: listed without a value, whether asked for or not.
    let listed = h.cs_call("GetConfiguration", json!({"key": ["AuthorizationKey"]}));
    assert_eq!(
        listed["configurationKey"],
        json!([{"key": "AuthorizationKey", "readonly": false}])
    );
    let all = h.cs_call("GetConfiguration", json!({}));
    let entry = all["configurationKey"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == "AuthorizationKey")
        .unwrap();
    assert!(entry.get("value").is_none(), "{entry}");
    assert!(!all.to_string().contains(KEY));
    let rendered = h.cp.configuration().render(ConfigKey::AuthorizationKey);
    assert!(
        rendered.is_empty(),
        "render (the C API's view) shows nothing"
    );
    assert!(
        !format!("{:?}", h.cp.configuration()).contains(KEY),
        "nor Debug"
    );
    // Profile 0: the key is not used by the connection, so no reconnect is asked.
    assert!(!h.cp.poll_reconnect());
    assert_eq!(h.cp.connection_settings().basic_auth_password, None);
}

#[test]
fn security_profile_only_rises_to_provisioned_profiles() {
    let mut h = Harness::new("sec-profile", 1);
    h.online();
    assert_eq!(h.cp.configuration().SecurityProfile, 0);
    // Profile 1 needs an AuthorizationKey.
    assert_eq!(change(&mut h, "SecurityProfile", "1"), "Rejected");
    assert_eq!(change(&mut h, "AuthorizationKey", KEY), "Accepted");
    for bad in ["4", "-1", "x", ""] {
        assert_eq!(
            change(&mut h, "SecurityProfile", bad),
            "Rejected",
            "{bad:?}"
        );
    }
    // Profile 2 needs TLS, 3 a client certificate too.
    assert_eq!(change(&mut h, "SecurityProfile", "2"), "Rejected");
    assert_eq!(change(&mut h, "SecurityProfile", "1"), "Accepted");
    assert!(
        h.cp.poll_reconnect(),
        "a raised profile asks for a reconnect"
    );
    assert!(!h.cp.poll_reconnect(), "once");
    assert_eq!(
        h.cp.connection_settings(),
        ConnectionSettings {
            profile: 1,
            basic_auth_password: Some(KEY)
        }
    );
    h.cp.handle_disconnected(h.now);
    h.online();
    assert_eq!(
        change(&mut h, "SecurityProfile", "1"),
        "Rejected",
        "not raised"
    );
    assert_eq!(
        change(&mut h, "SecurityProfile", "0"),
        "Rejected",
        "lowered"
    );
    h.cp.set_provisioning(Provisioning {
        tls: true,
        client_certificate: false,
    });
    assert_eq!(change(&mut h, "SecurityProfile", "3"), "Rejected");
    assert_eq!(change(&mut h, "SecurityProfile", "2"), "Accepted");
    assert!(h.cp.connection_settings().tls());
    assert!(h.cp.poll_reconnect());
    h.cp.handle_disconnected(h.now);
    h.online();
    h.cp.set_provisioning(Provisioning {
        tls: true,
        client_certificate: true,
    });
    assert_eq!(change(&mut h, "SecurityProfile", "3"), "Accepted");
    let settings = h.cp.connection_settings();
    assert!(settings.client_certificate());
    assert_eq!(
        settings.basic_auth_password, None,
        "profile 3: no Basic Auth"
    );
    let get = h.cs_call("GetConfiguration", json!({"key": ["SecurityProfile"]}));
    assert_eq!(get["configurationKey"][0]["value"], "3");
}

/// Online again; with feature security, the refusals' SecurityEventNotifications go too.
fn online_after_refusals(h: &mut Harness) {
    h.cp.handle_connected(h.now);
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300}),
    );
    let mut events = 0;
    while let Some(frame) = h.transmit() {
        let id = frame[1].as_str().unwrap().to_string();
        match frame[2].as_str().unwrap() {
            "StatusNotification" => {}
            "SecurityEventNotification" => events += 1,
            other => panic!("unexpected {other}: {frame}"),
        }
        h.result(&id, json!({}));
    }
    assert_eq!(events, if cfg!(feature = "security") { 2 } else { 0 });
}

#[test]
fn refused_new_credentials_fall_back_to_the_previous_ones() {
    let mut h = Harness::new("sec-fallback", 1);
    h.online();
    assert_eq!(change(&mut h, "AuthorizationKey", KEY), "Accepted");
    assert_eq!(change(&mut h, "SecurityProfile", "1"), "Accepted");
    assert!(h.cp.poll_reconnect());
    // The first connection with profile 1 works: KEY is now the one to fall back to.
    h.cp.handle_disconnected(h.now);
    h.online();
    assert_eq!(change(&mut h, "AuthorizationKey", NEW_KEY), "Accepted");
    assert!(h.cp.poll_reconnect(), "profile 1 uses the key: reconnect");
    assert_eq!(
        h.cp.connection_settings().basic_auth_password,
        Some(NEW_KEY)
    );
    h.cp.handle_disconnected(h.now);
    h.cp.handle_connection_failed(h.now, ConnectionFailure::Unauthorized);
    assert_eq!(h.cp.connection_settings().basic_auth_password, Some(KEY));
    assert!(h.cp.poll_reconnect(), "reconnect with the old key");
    assert_eq!(
        h.cp.connection_failures(),
        (1, Some(ConnectionFailure::Unauthorized))
    );
    // A failure with proven credentials changes nothing.
    h.cp.handle_connection_failed(h.now, ConnectionFailure::InvalidCentralSystemCertificate);
    assert_eq!(h.cp.connection_settings().basic_auth_password, Some(KEY));
    assert!(!h.cp.poll_reconnect());
    assert_eq!(h.cp.connection_failures().0, 2);

    // A raise that the Central System then refuses: back to the old profile.
    online_after_refusals(&mut h);
    h.cp.set_provisioning(Provisioning {
        tls: true,
        client_certificate: true,
    });
    assert_eq!(change(&mut h, "SecurityProfile", "3"), "Accepted");
    h.cp.handle_disconnected(h.now);
    h.cp.handle_connection_failed(h.now, ConnectionFailure::InvalidChargePointCertificate);
    assert_eq!(h.cp.configuration().SecurityProfile, 1);
    assert_eq!(
        ConnectionFailure::InvalidChargePointCertificate.security_event(),
        "InvalidChargePointCertificate"
    );
}

#[test]
fn credentials_survive_a_power_cut() {
    let mut h = Harness::new("sec-store", 1);
    h.cp.enable_store();
    h.online();
    assert_eq!(change(&mut h, "AuthorizationKey", KEY), "Accepted");
    assert_eq!(change(&mut h, "SecurityProfile", "1"), "Accepted");
    let mut store = MemStore::default();
    store.drain(&mut h.cp);
    let (h, _) = store.boot("sec-store-2", Instant(0));
    assert_eq!(h.cp.configuration().SecurityProfile, 1);
    assert_eq!(h.cp.configuration().AuthorizationKey.as_str(), KEY);
}
