//! Update Charge Point Certificate by request of Central System: ExtendedTriggerMessage →
//! CSR request → SignCertificate → CertificateSigned (accepted, or rejected with a security
//! event), the store record, and the fallback when the new certificate is refused. The
//! certificates are generated at test time by Python `cryptography` (nothing committed).

use std::process::Command;
use std::sync::OnceLock;

use super::store::MemStore;
use super::*;
use crate::engine::credentials::ConnectionFailure;

const GENERATE: &str = r#"
import datetime, json
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

utc = datetime.timezone.utc
now = datetime.datetime(2026, 11, 21, 10, 0, 0, tzinfo=utc)
def name(cn, o=None):
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o)] if o else []
    return x509.Name(attrs + [x509.NameAttribute(NameOID.COMMON_NAME, cn)])
def pem(c):
    return c.public_bytes(serialization.Encoding.PEM).decode()
def cert(subject, issuer, public_key, issuer_key, before, after, ca=False):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(public_key).serial_number(x509.random_serial_number())
         .not_valid_before(before).not_valid_after(after)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    return b.sign(issuer_key, hashes.SHA256())
day = datetime.timedelta(days=1)
ca_key = ec.generate_private_key(ec.SECP256R1())
ca_name = name("Unit CA", "Unit CPO")
ca = cert(ca_name, ca_name, ca_key.public_key(), ca_key, now - day, now + 3650 * day, True)
other_ca_key = ec.generate_private_key(ec.SECP256R1())
other_ca = cert(name("Other CA"), name("Other CA"), other_ca_key.public_key(), other_ca_key,
                now - day, now + 3650 * day, True)
key = ec.generate_private_key(ec.SECP256R1())
csr = (x509.CertificateSigningRequestBuilder().subject_name(name("SN-1", "Unit CPO"))
       .sign(key, hashes.SHA256()))
other_key = ec.generate_private_key(ec.SECP256R1())
subject = name("SN-1", "Unit CPO")
good = cert(subject, ca_name, key.public_key(), ca_key, now - day, now + 365 * day)
wrong_key = cert(subject, ca_name, other_key.public_key(), ca_key, now - day, now + 365 * day)
expired = cert(subject, ca_name, key.public_key(), ca_key, now - 10 * day, now - day)
print(json.dumps({
    "csr": csr.public_bytes(serialization.Encoding.PEM).decode(),
    "good": pem(good) + pem(ca),
    "leaf_only": pem(good),
    "wrong_key": pem(wrong_key) + pem(ca),
    "expired": pem(expired) + pem(ca),
    "broken_chain": pem(good) + pem(other_ca),
    "good_der": good.public_bytes(serialization.Encoding.DER).hex()
                + ca.public_bytes(serialization.Encoding.DER).hex(),
}))
"#;

fn pki() -> &'static Value {
    static PKI: OnceLock<Value> = OnceLock::new();
    PKI.get_or_init(|| {
        let out = Command::new("python3")
            .args(["-c", GENERATE])
            .output()
            .expect("python3 (with the `cryptography` package) generates the test certificates");
        assert!(
            out.status.success(),
            "certificate generation failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON from the generator")
    })
}

fn pem(name: &str) -> &'static str {
    pki()[name].as_str().unwrap()
}

fn unhex(text: &str) -> StdVec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn harness(name: &str) -> Harness {
    let mut h = Harness::new(name, 1);
    h.cp.boot_info.charge_point_serial_number = Some(CiString::try_from_str("SN-1").unwrap());
    h.online();
    h
}

/// Trigger → CSR request → csr_ready → SignCertificate answered `status`.
fn sign_certificate(h: &mut Harness, status: &str) -> Value {
    let answer = h.cs_call(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "SignChargePointCertificate"}),
    );
    assert_eq!(answer, json!({"status": "Accepted"}));
    let request = h.cp.poll_csr_request(h.now).expect("a CSR request");
    assert_eq!(h.cp.poll_csr_request(h.now), None, "handed out once");
    assert_eq!(request.common_name.as_str(), "SN-1");
    h.cp.csr_ready(h.now, pem("csr")).unwrap();
    h.answer("SignCertificate", json!({ "status": status }))
}

fn certificate_signed(h: &mut Harness, chain: &str) -> Value {
    h.cs_call("CertificateSigned", json!({ "certificateChain": chain }))
}

/// The security events sent next (answering each).
fn security_events(h: &mut Harness) -> StdVec<Value> {
    let mut events = StdVec::new();
    while let Some(frame) = h.transmit() {
        let id = frame[1].as_str().unwrap().to_string();
        if frame[2] == "SecurityEventNotification" {
            events.push(frame[3].clone());
        }
        h.result(&id, json!({}));
    }
    events
}

#[test]
fn a_signed_chain_for_the_csr_key_is_accepted_and_used_from_the_next_connection() {
    let mut h = harness("certificate-signing-accepted");
    assert!(h.cp.config.change("CpoName", "Unit CPO").1.is_some());
    let request = sign_certificate(&mut h, "Accepted");
    assert_eq!(request["csr"], pem("csr"), "the PEM the platform generated");
    assert_eq!(h.cp.client_certificate_chain(), None);
    assert!(!h.cp.poll_reconnect());

    let answer = certificate_signed(&mut h, pem("good"));
    assert_eq!(answer, json!({"status": "Accepted"}));
    assert_eq!(
        h.cp.client_certificate_chain(),
        Some(unhex(pki()["good_der"].as_str().unwrap()).as_slice())
    );
    assert!(h.cp.poll_client_certificate_changed());
    assert!(!h.cp.poll_client_certificate_changed(), "one-shot");
    assert!(h.cp.poll_reconnect(), "the platform reconnects with it");
    assert!(security_events(&mut h).is_empty());

    // The CSR was used up: the same chain again has no CSR to match.
    let again = certificate_signed(&mut h, pem("good"));
    assert_eq!(again, json!({"status": "Rejected"}));
}

#[test]
fn the_csr_request_carries_the_cpo_name_and_the_serial_number() {
    let mut h = harness("certificate-signing-subject");
    let (status, key) = h.cp.config.change("CpoName", "Example CPO");
    assert_eq!(status, ConfigurationStatus::Accepted);
    assert_eq!(key, Some(ConfigKey::CpoName));
    assert_eq!(
        h.cp.config.change("CertificateSignedMaxChainSize", "10").0,
        ConfigurationStatus::Rejected,
        "read-only"
    );
    assert_eq!(
        h.cp.config
            .render(ConfigKey::CertificateSignedMaxChainSize)
            .as_str(),
        crate::capacity::CERTIFICATE_SIGNED_MAX_CHAIN_SIZE.to_string()
    );
    h.cs_call(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "SignChargePointCertificate"}),
    );
    let request = h.cp.poll_csr_request(h.now).unwrap();
    assert_eq!(request.organization.as_str(), "Example CPO");
    assert_eq!(request.common_name.as_str(), "SN-1");
    // A failure ends it; a CSR then is not expected.
    h.cp.csr_failed(h.now);
    assert_eq!(
        h.cp.csr_ready(h.now, pem("csr")),
        Err(CommandError::NotReady)
    );
    h.nothing_sent();
}

#[test]
fn chains_that_fail_a_check_are_rejected_with_a_security_event() {
    let mut h = harness("certificate-signing-rejected");
    sign_certificate(&mut h, "Accepted");
    let long = "A".repeat(crate::capacity::CERTIFICATE_SIGNED_MAX_CHAIN_SIZE + 1);
    for (chain, why) in [
        (
            pem("wrong_key"),
            "the certificate is not for the key of the CSR",
        ),
        (
            pem("expired"),
            "a certificate of the chain is not valid now",
        ),
        (
            pem("broken_chain"),
            "an issuer does not match the next certificate's subject",
        ),
        ("garbage", "certificateChain is not PEM"),
        (
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "certificateChain holds an unreadable certificate",
        ),
        (
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            "certificateChain is not PEM",
        ),
        (
            long.as_str(),
            "certificateChain exceeds CertificateSignedMaxChainSize",
        ),
        ("", "certificateChain is not PEM"),
    ] {
        let answer = certificate_signed(&mut h, chain);
        assert_eq!(answer, json!({"status": "Rejected"}), "{why}");
        let events = security_events(&mut h);
        assert_eq!(events.len(), 1, "{why}: {events:?}");
        assert_eq!(events[0]["type"], "InvalidChargePointCertificate");
        assert_eq!(events[0]["techInfo"], why);
        assert_eq!(h.cp.client_certificate_chain(), None);
        assert!(!h.cp.poll_client_certificate_changed());
    }
    // The CSR still waits for its certificate: the right chain is still accepted (leaf only).
    let answer = certificate_signed(&mut h, pem("leaf_only"));
    assert_eq!(answer, json!({"status": "Accepted"}));
}

#[test]
fn certificate_signed_payloads_that_do_not_match_the_schema() {
    let mut h = harness("certificate-signing-schema");
    for (payload, code) in [
        (r#"{}"#, "OccurenceConstraintViolation"),
        (r#"{"certificateChain":5}"#, "TypeConstraintViolation"),
        (r#"{"certificateChain":null}"#, "TypeConstraintViolation"),
        (
            r#"{"certificateChain":"a","certificateChain":"b"}"#,
            "OccurenceConstraintViolation",
        ),
        (r#"{"certificateChain":"\q"}"#, "FormationViolation"),
        (r#"[]"#, "FormationViolation"),
    ] {
        assert_eq!(
            h.cs_call_error("CertificateSigned", payload),
            code,
            "{payload}"
        );
    }
    assert!(
        security_events(&mut h).is_empty(),
        "no event for a CALLERROR"
    );
}

#[test]
fn a_rejected_sign_certificate_ends_the_request() {
    let mut h = harness("certificate-signing-sign-rejected");
    sign_certificate(&mut h, "Rejected");
    let answer = certificate_signed(&mut h, pem("good"));
    assert_eq!(
        answer,
        json!({"status": "Rejected"}),
        "no CSR awaits a certificate"
    );
}

#[test]
fn an_unanswered_sign_certificate_is_sent_again_after_reconnecting() {
    let mut h = harness("certificate-signing-retry");
    h.cs_call(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "SignChargePointCertificate"}),
    );
    let _ = h.cp.poll_csr_request(h.now).unwrap();
    h.cp.csr_ready(h.now, pem("csr")).unwrap();
    let (_, first) = h.expect_call("SignCertificate");
    h.cp.handle_disconnected(h.now);
    h.cp.handle_connected(h.now);
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300}),
    );
    let again = loop {
        let (id, (action, payload)) = h.expect_call_any();
        if action == "SignCertificate" {
            h.result(&id, json!({"status": "Accepted"}));
            break payload;
        }
        h.result(&id, json!({}));
    };
    assert_eq!(again, first);
    let answer = certificate_signed(&mut h, pem("good"));
    assert_eq!(answer, json!({"status": "Accepted"}));
}

#[test]
fn a_refused_new_certificate_falls_back_to_the_provisioned_one() {
    let mut h = harness("certificate-signing-fallback");
    sign_certificate(&mut h, "Accepted");
    certificate_signed(&mut h, pem("good"));
    assert!(h.cp.poll_client_certificate_changed());
    assert!(h.cp.poll_reconnect());
    h.cp.handle_disconnected(h.now);
    h.cp.handle_connection_failed(h.now, ConnectionFailure::InvalidChargePointCertificate);
    assert_eq!(h.cp.client_certificate_chain(), None);
    assert!(h.cp.poll_client_certificate_changed());
    assert!(h.cp.poll_reconnect());

    // Once a connection used the new chain, a later refusal does not drop it.
    sign_certificate_offline_then_online(&mut h);
    h.cp.handle_disconnected(h.now);
    h.cp.handle_connection_failed(h.now, ConnectionFailure::InvalidChargePointCertificate);
    assert!(h.cp.client_certificate_chain().is_some());
}

fn sign_certificate_offline_then_online(h: &mut Harness) {
    connect(h);
    sign_certificate(h, "Accepted");
    certificate_signed(h, pem("good"));
    let _ = h.cp.poll_reconnect();
    h.cp.handle_disconnected(h.now);
    connect(h); // the connection with the new certificate succeeded
}

/// Connects and registers, answering whatever is sent.
fn connect(h: &mut Harness) {
    h.cp.handle_connected(h.now);
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300}),
    );
    security_events(h);
}

#[test]
fn the_chain_and_the_pending_csr_survive_a_restart() {
    let mut h = harness("certificate-signing-store");
    h.cp.enable_store();
    let mut store = MemStore::default();
    store.drain(&mut h.cp);
    sign_certificate(&mut h, "Accepted");
    store.drain(&mut h.cp);
    assert!(store.records.contains_key("ccert"), "the CSR's key is kept");

    // A restart while the certificate is being signed: CertificateSigned still matches.
    let (mut h2, _) = store.boot("certificate-signing-store-2", h.now);
    h2.cp.enable_store();
    h2.online();
    let answer = certificate_signed(&mut h2, pem("good"));
    assert_eq!(answer, json!({"status": "Accepted"}));
    let mut store2 = MemStore::default();
    store2.records = store.records.clone();
    store2.drain(&mut h2.cp);

    let (h3, _) = store2.boot("certificate-signing-store-3", h.now);
    assert_eq!(
        h3.cp.client_certificate_chain(),
        Some(unhex(pki()["good_der"].as_str().unwrap()).as_slice())
    );
    // A damaged record is refused alone.
    let mut bytes = store2.records["ccert"].clone();
    bytes[5] ^= 0xff;
    let mut h4 = Harness::new("certificate-signing-store-4", 1);
    assert_eq!(
        h4.cp.restore_record("ccert", &bytes),
        Err(RestoreError::Damaged)
    );
    assert_eq!(h4.cp.client_certificate_chain(), None);
    let _ = &mut h4;
}

#[test]
fn csr_ready_refuses_what_is_not_a_csr() {
    let mut h = harness("certificate-signing-bad-csr");
    h.cs_call(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "SignChargePointCertificate"}),
    );
    let _ = h.cp.poll_csr_request(h.now).unwrap();
    for bad in ["", "not pem", pem("leaf_only")] {
        assert_eq!(
            h.cp.csr_ready(h.now, bad),
            Err(CommandError::InvalidArgument),
            "{bad}"
        );
    }
    h.nothing_sent();
    h.cp.csr_ready(h.now, pem("csr")).unwrap();
    h.expect_call("SignCertificate");
}
