//! "Update Charge Point Certificate by request of Central System" over real sockets: the host
//! charge point on Security Profile 3 with a provisioned client certificate; the dev CS
//! (tools/dev_cs.py --tls --require-client-cert) triggers SignChargePointCertificate, signs the
//! CSR with its CA and sends CertificateSigned; the charge point reconnects and the next TLS
//! connection presents the NEW certificate (its serial and public key); a chain for another key
//! is Rejected with an InvalidChargePointCertificate security event; after a restart the new
//! certificate and its key (store directory) are still the ones used.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use ocpp::platform::host::{charge_point_url, HostConfig};
use serde_json::{json, Value};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
const CP: &str = "CP_CSR";

/// A fresh store directory under target/ for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(MANIFEST_DIR)
        .join("target")
        .join("csr-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn config(cs: &DevCs, store: &Path) -> HostConfig {
    let mut config = test_config(charge_point_url(&cs.base_url(), CP));
    config.ca_file = Some(cs.tls_file("ca.pem"));
    config.client_cert_file = Some(cs.tls_file("client.pem"));
    config.client_key_file = Some(cs.tls_file("client.key"));
    config.store_dir = Some(store.to_path_buf());
    config
}

/// The client certificates the dev CS saw, one per connection.
fn client_certificates(cs: &DevCs) -> Vec<Value> {
    cs.get(&format!("/client_certificates?cp_id={CP}"))
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Waits until the `n`-th connection (1-based) was made; returns its client certificate.
fn wait_connection(cs: &DevCs, n: usize, timeout: Duration) -> Value {
    wait_until(timeout, || client_certificates(cs).get(n - 1).cloned())
        .unwrap_or_else(|| panic!("no connection #{n}: {:?}", client_certificates(cs)))
}

#[test]
fn the_next_connection_presents_the_certificate_signed_for_the_csr() {
    let cs = DevCs::start_with("certificate-signing", &["--tls", "--require-client-cert"]);
    let store = scratch("signed");
    let cp = TestCp::start_with(config(&cs, &store), CP, 1);
    cp.wait_online(SOON);
    let provisioned = wait_connection(&cs, 1, SOON);
    assert_eq!(provisioned["subject"], "CN=CP_TLS", "{provisioned}");

    let changed = cs.call_ok(
        CP,
        "ChangeConfiguration",
        json!({"key": "CpoName", "value": "Dev CPO"}),
    );
    assert_eq!(changed["status"], "Accepted");
    let keys = cs.call_ok(
        CP,
        "GetConfiguration",
        json!({"key": ["CertificateSignedMaxChainSize"]}),
    );
    assert_eq!(keys["configurationKey"][0]["readonly"], true, "{keys}");

    let trigger = cs.call_ok(
        CP,
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "SignChargePointCertificate"}),
    );
    assert_eq!(trigger["status"], "Accepted");
    let requests = cs.wait_messages(CP, "SignCertificate", 1, SOON);
    let csr = requests[0]["payload"]["csr"].as_str().unwrap();
    assert!(
        csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----"),
        "{csr}"
    );
    // The dev CS signs after it has answered SignCertificate: wait for it.
    let signed = wait_until(SOON, || {
        let all = cs.get(&format!("/signed_certificates?cp_id={CP}"));
        all.get(0).cloned()
    })
    .expect("the CSR signed");
    let signed = &signed;
    assert_eq!(signed["subject"], "CN=CP_CSR,O=Dev CPO", "{signed}");

    // A chain for a key the charge point never generated: Rejected, with a security event.
    let other = cs.post(
        "/certificate_signed",
        json!({"cp_id": CP, "chain": "other_key"}),
    );
    assert_eq!(other["result"]["status"], "Rejected", "{other}");
    let events = cs.wait_messages(CP, "SecurityEventNotification", 1, SOON);
    assert!(
        events
            .iter()
            .any(|e| e["payload"]["type"] == "InvalidChargePointCertificate"),
        "{events:?}"
    );
    assert_eq!(
        client_certificates(&cs).len(),
        1,
        "no reconnect after a rejection"
    );

    // The chain signed for the CSR: Accepted, and the charge point reconnects with it.
    let answer = cs.post("/certificate_signed", json!({"cp_id": CP}));
    assert_eq!(answer["result"]["status"], "Accepted", "{answer}");
    let second = wait_connection(&cs, 2, SOON);
    assert_eq!(second["serial"], signed["serial"], "{second}");
    assert_eq!(second["spki_sha256"], signed["spki_sha256"]);
    assert_ne!(second["spki_sha256"], provisioned["spki_sha256"]);
    cp.wait_online(SOON);
    cs.wait_messages(CP, "BootNotification", 2, SOON);

    // A restart: the chain (store record) and its key (store directory) are used again.
    cp.host.shutdown();
    assert!(store.join("keys/csr-client.key").exists());
    assert!(!store.join("keys/csr-pending.key").exists());
    let cp = TestCp::start_with(config(&cs, &store), CP, 1);
    let third = wait_connection(&cs, 3, SOON);
    assert_eq!(third["serial"], signed["serial"], "{third}");
    cp.wait_online(SOON);
    cp.host.shutdown();
}
