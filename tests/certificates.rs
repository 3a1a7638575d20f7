//! Certificate management end to end over real sockets (feature `certificates`): the charge
//! point on wss:// (Security Profile 2) against the dev Central System (tools/dev_cs.py with
//! tools/dev_cs_tls.py), whose second CA ("ca2") it does not trust at first.
//!
//! InstallCertificate of ca2 is used for the next connection: refused while the dev CS presents
//! ca2's server certificate, accepted after the install; GetInstalledCertificateIds lists it
//! with the hash data Python `cryptography` computes; the certificate survives a restart of the
//! charge point (its store directory); DeleteCertificate refuses it (Failed) while it verified
//! the connection, removes it once the connection is verified by the CA file's root, and the
//! next connection to the ca2 server is refused again.

mod common;

use std::path::PathBuf;

use common::*;
use ocpp::engine::ConnectionFailure;
use ocpp::messages::CertificateUse;
use ocpp::platform::host::{charge_point_url, HostConfig};
use serde_json::{json, Value};

const KEY: &str = "0123456789abcdef0123";
const ID: &str = "CP_CERTS";

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("tmp")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn dev_cs(tls_dir: &std::path::Path, port: Option<u16>, server_cert: &str) -> DevCs {
    let dir = tls_dir.to_str().unwrap();
    let args = [
        "--tls",
        "--tls-dir",
        dir,
        "--server-cert",
        server_cert,
        "--password",
        KEY,
    ];
    match port {
        None => DevCs::start_with("certificates", &args),
        Some(port) => DevCs::restart_with("certificates", port, &args),
    }
}

fn cp_config(cs: &DevCs, store: &std::path::Path) -> HostConfig {
    let mut config = test_config(charge_point_url(&cs.base_url(), ID));
    config.ca_file = Some(cs.tls_file("ca.pem"));
    config.authorization_key = Some(KEY.into());
    config.store_dir = Some(store.to_path_buf());
    config
}

fn installed_ids(cs: &DevCs) -> Value {
    cs.call_ok(
        ID,
        "GetInstalledCertificateIds",
        json!({"certificateType": "CentralSystemRootCertificate"}),
    )
}

/// Waits for a refused connection after `before` failures, with this reason.
fn refused_after(cp: &TestCp, before: u32) -> ConnectionFailure {
    let failure = wait_until(SOON, || {
        let (count, last) = cp.host.with(|e, _| e.connection_failures());
        (count > before).then_some(last).flatten()
    });
    assert!(!cp.host.is_online(), "online despite the refusal");
    failure.expect("a refused connection")
}

#[test]
fn install_certificate_is_trusted_from_the_next_connection_and_survives_a_restart() {
    let dir = scratch_dir("certificates-e2e");
    let (tls_dir, store) = (dir.join("tls"), dir.join("store"));

    // The dev CS presents ca2's server certificate: the charge point trusts only ca.
    let mut cs = dev_cs(&tls_dir, None, "ca2");
    let port = cs.ws_port;
    let ca2 = cs.get("/tls/certificate?name=ca2");
    let cp = TestCp::start_with(cp_config(&cs, &store), ID, 1);
    assert_eq!(
        refused_after(&cp, 0),
        ConnectionFailure::InvalidCentralSystemCertificate
    );
    cs.kill();

    // Served with ca's certificate, it connects; the Central System installs ca2.
    let mut cs = dev_cs(&tls_dir, Some(port), "good");
    cp.wait_online(SOON);
    assert_eq!(installed_ids(&cs), json!({"status": "NotFound"}));
    let answer = cs.call_ok(
        ID,
        "InstallCertificate",
        json!({"certificateType": "CentralSystemRootCertificate", "certificate": ca2["pem"]}),
    );
    assert_eq!(answer, json!({"status": "Accepted"}));
    let answer = installed_ids(&cs);
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(
        answer["certificateHashData"],
        json!([ca2["certificateHashData"]])
    );
    let max = cs.call_ok(
        ID,
        "GetConfiguration",
        json!({"key": ["CertificateStoreMaxLength"]}),
    );
    assert_eq!(
        max["configurationKey"][0]["value"],
        ocpp::capacity::CERTIFICATE_STORE_MAX.to_string()
    );
    // The current connection goes on (nothing dropped); the store has its record.
    assert!(cp.host.is_online());
    let record = store.join("cert.0"); // the key cert/0 (host_store: '/' becomes '.')
    assert!(wait_until(SOON, || record.exists().then_some(())).is_some());
    cs.kill();

    // Next connection: the dev CS presents ca2's certificate, now trusted.
    let mut cs = dev_cs(&tls_dir, Some(port), "ca2");
    cp.wait_online(SOON);
    cp.host.shutdown();

    // A restart of the charge point: the certificate comes back from the store.
    let cp = TestCp::start_with(cp_config(&cs, &store), ID, 1);
    cp.wait_online(SOON);
    let der = cp.host.with(|e, _| {
        e.installed_certificates(CertificateUse::CentralSystemRootCertificate)
            .map(<[u8]>::to_vec)
            .collect::<Vec<_>>()
    });
    assert_eq!(der.len(), 1);
    assert_eq!(
        installed_ids(&cs)["certificateHashData"],
        json!([ca2["certificateHashData"]])
    );

    // DeleteCertificate of the root that verified this connection: Failed (the whitepaper).
    let delete = json!({"certificateHashData": ca2["certificateHashData"]});
    let answer = cs.call_ok(ID, "DeleteCertificate", delete.clone());
    assert_eq!(answer, json!({"status": "Failed"}));
    cs.kill();

    // Verified by the CA file's root, it can be deleted; the next connection to the ca2 server
    // is refused again.
    let mut cs = dev_cs(&tls_dir, Some(port), "good");
    cp.wait_online(SOON);
    let answer = cs.call_ok(ID, "DeleteCertificate", delete);
    assert_eq!(answer, json!({"status": "Accepted"}));
    assert_eq!(installed_ids(&cs), json!({"status": "NotFound"}));
    assert!(wait_until(SOON, || (!record.exists()).then_some(())).is_some());
    cs.kill();
    let (before, _) = cp.host.with(|e, _| e.connection_failures());
    let mut cs = dev_cs(&tls_dir, Some(port), "ca2");
    assert_eq!(
        refused_after(&cp, before),
        ConnectionFailure::InvalidCentralSystemCertificate
    );
    cp.host.shutdown();
    cs.kill();
    let _ = std::fs::remove_dir_all(&dir);
}
