//! SignedUpdateFirmware on the virtual clock, with certificates generated at test time by
//! Python `cryptography`: the checks on receipt (InvalidCertificate for no root, another CA,
//! an expired or oversized certificate, not PEM; with the security event), the whole status
//! sequence through the seam with the Verify job, InvalidSignature, AcceptedCanceled and
//! Rejected, the store record across a power cut, and bad requests. The platform's part
//! (transfers, signature check) is played by the test.

use std::sync::OnceLock;

use super::store::MemStore;
use super::*;
use crate::messages::CertificateUse;

const GENERATE: &str = r#"
import datetime, json
from cryptography import x509
from cryptography.x509.oid import NameOID, ObjectIdentifier
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

utc = datetime.timezone.utc
def make(cn, ca, issuer=None, after=datetime.datetime(2049, 1, 1, tzinfo=utc), pad=0):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    issuer_name, issuer_key = (name, key) if issuer is None else issuer
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(datetime.datetime(2024, 1, 1, tzinfo=utc)).not_valid_after(after)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if pad:
        b = b.add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\0" * pad), critical=False)
    return b.sign(issuer_key, hashes.SHA256()), key, name

def out(cert):
    return {"pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
            "der": cert.public_bytes(serialization.Encoding.DER).hex()}

root, root_key, root_name = make("Manufacturer Root", True)
foreign, foreign_key, foreign_name = make("Foreign Root", True)
print(json.dumps({
    "root": out(root),
    "signing": out(make("Signing", False, (root_name, root_key))[0]),
    "foreign_signing": out(make("Foreign Signing", False, (foreign_name, foreign_key))[0]),
    "expired_signing": out(make("Expired Signing", False, (root_name, root_key),
                                after=datetime.datetime(2025, 1, 1, tzinfo=utc))[0]),
    "big_signing": out(make("Big Signing", False, (root_name, root_key), pad=2100)[0]),
}))
"#;

fn pki() -> &'static Value {
    static PKI: OnceLock<Value> = OnceLock::new();
    PKI.get_or_init(|| {
        let out = std::process::Command::new("python3")
            .args(["-c", GENERATE])
            .output()
            .expect("python3 with `cryptography` generates the test certificates");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    })
}

fn pem(name: &str) -> String {
    pki()[name]["pem"].as_str().unwrap().to_string()
}

fn der(name: &str) -> StdVec<u8> {
    let hex = pki()[name]["der"].as_str().unwrap();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

const LOCATION: &str = "http://127.0.0.1:8080/firmware/signed.bin";
/// base64 of the bytes 1..=70 (the engine does not check it: the platform does).
const SIGNATURE: &str =
    "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QEFCQ0RFRg==";

fn with_root(name: &str) -> Harness {
    let mut h = Harness::new(name, 1);
    h.online();
    let answer = h.cs_call(
        "InstallCertificate",
        json!({"certificateType": "ManufacturerRootCertificate", "certificate": pem("root")}),
    );
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(
        h.cp.installed_certificates(CertificateUse::ManufacturerRootCertificate)
            .count(),
        1
    );
    h
}

fn request(certificate: &str, extra: Value) -> Value {
    let mut firmware = json!({"location": LOCATION, "retrieveDateTime": CS_TIME,
                              "signingCertificate": certificate, "signature": SIGNATURE});
    let mut payload = json!({"requestId": 42});
    for (k, v) in extra.as_object().unwrap() {
        match k.as_str() {
            "installDateTime" | "retrieveDateTime" | "signature" | "location" => {
                firmware[k] = v.clone()
            }
            _ => payload[k] = v.clone(),
        }
    }
    payload["firmware"] = firmware;
    payload
}

fn signed_update(h: &mut Harness, certificate: &str, extra: Value) -> String {
    let answer = h.cs_call("SignedUpdateFirmware", request(certificate, extra));
    answer["status"].as_str().unwrap().to_string()
}

/// Answers every CALL until quiet; returns (action, payload).
fn drain(h: &mut Harness) -> StdVec<(String, Value)> {
    let mut sent = StdVec::new();
    while let Some(frame) = h.transmit() {
        let id = frame[1].as_str().unwrap().to_string();
        h.result(&id, json!({}));
        sent.push((frame[2].as_str().unwrap().to_string(), frame[3].clone()));
    }
    sent
}

fn signed_statuses(sent: &[(String, Value)]) -> StdVec<String> {
    sent.iter()
        .filter(|(a, _)| a == "SignedFirmwareStatusNotification")
        .map(|(_, p)| {
            assert_eq!(p["requestId"], 42, "{p}");
            p["status"].as_str().unwrap().to_string()
        })
        .collect()
}

fn security_events(sent: &[(String, Value)]) -> StdVec<String> {
    sent.iter()
        .filter(|(a, _)| a == "SecurityEventNotification")
        .map(|(_, p)| p["type"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_verified_update_reports_every_signed_status_with_its_request_id() {
    let mut h = with_root("signed-fw-success");
    assert_eq!(
        signed_update(&mut h, &pem("signing"), json!({"retries": 1})),
        "Accepted"
    );
    assert!(matches!(
        h.cp.poll_transfer(h.now),
        Some(TransferJob::Download { location }) if location.as_str() == LOCATION
    ));
    // What the platform will verify with: the DER of the certificate, the decoded signature.
    let signature = h.cp.firmware_signature().unwrap();
    assert_eq!(signature.signing_certificate, der("signing").as_slice());
    assert_eq!(
        signature.signature,
        (1..=70).collect::<StdVec<u8>>().as_slice()
    );
    h.cp.transfer_finished(h.now, TransferKind::Download, Ok(1000));
    assert_eq!(h.cp.poll_transfer(h.now), Some(TransferJob::Verify));
    assert_eq!(h.cp.poll_transfer(h.now), None, "handed out once");
    assert_eq!(h.cp.firmware_status(), FirmwareStatus::Downloaded);
    h.cp.transfer_finished(h.now, TransferKind::Verify, Ok(1000));
    assert_eq!(h.cp.poll_transfer(h.now), Some(TransferJob::Install));
    h.cp.transfer_finished(h.now, TransferKind::Install, Ok(1000));
    let sent = drain(&mut h);
    assert_eq!(
        signed_statuses(&sent),
        [
            "Downloading",
            "Downloaded",
            "SignatureVerified",
            "Installing",
            "Installed"
        ]
    );
    // ExtendedTriggerMessage FirmwareStatusNotification: the signed update's state.
    assert_eq!(triggered(&mut h), ("Idle".into(), None));
    assert!(!sent.iter().any(|(a, _)| a == "FirmwareStatusNotification"));
    assert_eq!(security_events(&sent), ["FirmwareUpdated"]);
    assert_eq!(h.cp.firmware_signature(), None, "the update ended");
}

#[test]
fn a_bad_signature_is_invalid_signature_with_its_security_event_and_no_install() {
    let mut h = with_root("signed-fw-invalid-signature");
    assert_eq!(
        signed_update(&mut h, &pem("signing"), json!({})),
        "Accepted"
    );
    assert!(h.cp.poll_transfer(h.now).is_some());
    h.cp.transfer_finished(h.now, TransferKind::Download, Ok(1000));
    assert_eq!(h.cp.poll_transfer(h.now), Some(TransferJob::Verify));
    h.cp.transfer_finished(
        h.now,
        TransferKind::Verify,
        Err(TransferError::BadSignature),
    );
    assert_eq!(h.cp.poll_transfer(h.now), None, "nothing installed");
    let sent = drain(&mut h);
    assert_eq!(
        signed_statuses(&sent),
        ["Downloading", "Downloaded", "InvalidSignature"]
    );
    assert_eq!(security_events(&sent), ["InvalidFirmwareSignature"]);
    // Connectors are not held for an install any more; a transaction may start.
    assert!(!h.cp.firmware_busy());
    assert!(!sent
        .iter()
        .any(|(a, p)| a == "StatusNotification" && p["status"] == "Unavailable"));
    assert_eq!(h.cp.firmware_status(), FirmwareStatus::Idle);
}

#[test]
fn signing_certificates_that_do_not_check_out_are_invalid_certificate() {
    // No manufacturer root installed at all.
    let mut h = Harness::new("signed-fw-no-root", 1);
    h.online();
    assert_eq!(
        signed_update(&mut h, &pem("signing"), json!({})),
        "InvalidCertificate"
    );
    assert_eq!(
        security_events(&drain(&mut h)),
        ["InvalidFirmwareSigningCertificate"]
    );
    let mut h = with_root("signed-fw-invalid-certificates");
    for name in ["foreign_signing", "expired_signing", "big_signing"] {
        assert_eq!(
            signed_update(&mut h, &pem(name), json!({})),
            "InvalidCertificate",
            "{name}"
        );
    }
    assert_eq!(
        signed_update(
            &mut h,
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
            json!({})
        ),
        "InvalidCertificate"
    );
    assert_eq!(
        signed_update(&mut h, "no PEM at all", json!({})),
        "InvalidCertificate"
    );
    let sent = drain(&mut h);
    assert_eq!(
        security_events(&sent),
        ["InvalidFirmwareSigningCertificate"; 5]
    );
    assert_eq!(h.cp.poll_transfer(h.now), None, "nothing started");
    assert!(der("big_signing").len() > crate::capacity::FIRMWARE_SIGNING_CERT_MAX);
}

#[test]
fn a_waiting_update_is_replaced_and_a_running_one_is_not() {
    let mut h = with_root("signed-fw-replace");
    let later = json!({"retrieveDateTime": "2026-11-21T12:00:00.000Z"});
    assert_eq!(
        signed_update(&mut h, &pem("signing"), later.clone()),
        "Accepted"
    );
    assert_eq!(
        h.cp.poll_transfer(h.now),
        None,
        "waits for retrieveDateTime"
    );
    // A refused one leaves the waiting one as it was.
    assert_eq!(
        signed_update(&mut h, &pem("foreign_signing"), json!({"requestId": 44})),
        "InvalidCertificate"
    );
    assert_eq!(
        signed_update(
            &mut h,
            &pem("signing"),
            json!({"requestId": 45, "signature": "!!"})
        ),
        "Rejected"
    );
    assert_eq!(h.cp.firmware_signature().unwrap().signature.len(), 70);
    assert_eq!(
        h.cp.signed_firmware_status(),
        (crate::messages::SignedFirmwareStatus::Idle, Some(42))
    );
    assert_eq!(
        signed_update(&mut h, &pem("signing"), json!({"requestId": 43})),
        "AcceptedCanceled"
    );
    assert!(h.cp.poll_transfer(h.now).is_some(), "the new one at once");
    assert_eq!(
        signed_update(&mut h, &pem("signing"), json!({})),
        "Rejected",
        "a download runs"
    );
    // A plain UpdateFirmware is not taken either while it runs (1.6's empty answer).
    let answer = h.cs_call(
        "UpdateFirmware",
        json!({"location": LOCATION, "retrieveDate": CS_TIME}),
    );
    assert_eq!(answer, json!({}));
    assert_eq!(h.cp.poll_transfer(h.now), None);
    let sent = drain(&mut h);
    let ids: StdVec<_> = sent
        .iter()
        .filter(|(a, _)| a == "SignedFirmwareStatusNotification")
        .map(|(_, p)| p["requestId"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [43]);
}

#[test]
fn the_install_waits_for_install_date_time() {
    let mut h = with_root("signed-fw-install-date");
    let extra = json!({"installDateTime": "2026-11-21T10:10:00.000Z"});
    assert_eq!(signed_update(&mut h, &pem("signing"), extra), "Accepted");
    assert!(h.cp.poll_transfer(h.now).is_some());
    h.cp.transfer_finished(h.now, TransferKind::Download, Ok(10));
    assert_eq!(h.cp.poll_transfer(h.now), Some(TransferJob::Verify));
    h.cp.transfer_finished(h.now, TransferKind::Verify, Ok(10));
    assert_eq!(
        h.cp.poll_transfer(h.now),
        None,
        "installDateTime is 10 minutes away"
    );
    h.advance(600_000);
    assert_eq!(h.cp.poll_transfer(h.now), Some(TransferJob::Install));
}

#[test]
fn a_signed_update_survives_a_power_cut_and_is_verified_again() {
    let mut h = with_root("signed-fw-cut");
    h.cp.enable_store();
    let mut store = MemStore::default();
    store.drain(&mut h.cp);
    assert_eq!(
        signed_update(&mut h, &pem("signing"), json!({})),
        "Accepted"
    );
    assert!(h.cp.poll_transfer(h.now).is_some());
    h.cp.transfer_finished(h.now, TransferKind::Download, Ok(10));
    store.drain(&mut h.cp);
    let mut h2 = Harness::new("signed-fw-cut-after", 1);
    for (key, bytes) in &store.records {
        h2.cp.restore_record(key, bytes).unwrap();
    }
    h2.cp.finish_restore(Instant(0));
    let signature = h2.cp.firmware_signature().expect("restored");
    assert_eq!(signature.signing_certificate, der("signing").as_slice());
    assert_eq!(signature.signature.len(), 70);
    // Downloaded again (the image is not trusted across the cut), then verified again.
    assert!(matches!(
        h2.cp.poll_transfer(h2.now),
        Some(TransferJob::Download { .. })
    ));
    h2.cp
        .transfer_finished(h2.now, TransferKind::Download, Ok(10));
    assert_eq!(h2.cp.poll_transfer(h2.now), Some(TransferJob::Verify));
}

#[test]
fn bad_signed_update_requests_are_call_errors_or_rejected() {
    let mut h = with_root("signed-fw-bad");
    let pem = pem("signing");
    let mut missing = request(&pem, json!({}));
    missing["firmware"]
        .as_object_mut()
        .unwrap()
        .remove("signature");
    let mut no_id = request(&pem, json!({}));
    no_id.as_object_mut().unwrap().remove("requestId");
    let long = format!(
        "http://h/{}",
        "a".repeat(crate::capacity::FIRMWARE_LOCATION_MAX)
    );
    for (payload, code) in [
        (missing, "OccurenceConstraintViolation"),
        (no_id, "OccurenceConstraintViolation"),
        (
            request(&pem, json!({"requestId": "1"})),
            "TypeConstraintViolation",
        ),
        (
            request(&pem, json!({"retries": -1})),
            "PropertyConstraintViolation",
        ),
        (
            request(&pem, json!({"location": long})),
            "PropertyConstraintViolation",
        ),
        (
            request(&pem, json!({"retrieveDateTime": "yesterday"})),
            "PropertyConstraintViolation",
        ),
        (
            request(&pem, json!({"signature": "x".repeat(801)})),
            "PropertyConstraintViolation",
        ),
        (
            json!({"requestId": 1, "firmware": 3}),
            "TypeConstraintViolation",
        ),
    ] {
        let text = payload.to_string();
        assert_eq!(
            h.cs_call_error("SignedUpdateFirmware", &text),
            code,
            "{text}"
        );
    }
    assert_eq!(
        signed_update(&mut h, &pem, json!({"signature": "not base64 !"})),
        "Rejected"
    );
    // Escaped slashes in the location and the signature are read as JSON means them.
    let escaped = request(&pem, json!({}))
        .to_string()
        .replace("/firmware/", "\\/firmware\\/");
    let answer = h.cs_raw(&format!(r#"[2,"e1","SignedUpdateFirmware",{escaped}]"#));
    assert_eq!(answer.unwrap()[2]["status"], "Accepted");
    assert!(matches!(
        h.cp.poll_transfer(h.now),
        Some(TransferJob::Download { location }) if location.as_str() == LOCATION
    ));
}

/// ExtendedTriggerMessage FirmwareStatusNotification: the (status, requestId) it reports.
fn triggered(h: &mut Harness) -> (String, Option<i64>) {
    let answer = h.cs_call(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "FirmwareStatusNotification"}),
    );
    assert_eq!(answer["status"], "Accepted");
    let payload = h.answer("SignedFirmwareStatusNotification", json!({}));
    (
        payload["status"].as_str().unwrap().to_string(),
        payload["requestId"].as_i64(),
    )
}

#[test]
fn the_longest_signed_update_firmware_fits_the_receive_buffer() {
    let mut h = with_root("signed-fw-longest");
    // A 5500-character PEM (its line breaks escaped in the frame), an 800-character signature,
    // the longest location this build keeps, every optional member.
    let der = der("signing");
    let mut body = String::new();
    let mut b64 = [0u8; 8192];
    let n = crate::x509::base64_encode(&der, 64, &mut b64).unwrap();
    body.push_str(std::str::from_utf8(&b64[..n]).unwrap());
    let mut pem = format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n");
    // Text after the block is ignored by PEM readers: pad the certificate to the schema's limit.
    while pem.len() < crate::messages::SIGNING_CERTIFICATE_PEM_MAX {
        pem.push(' ');
    }
    let signature = "A".repeat(crate::messages::FIRMWARE_SIGNATURE_BASE64_MAX);
    let location = format!(
        "http://h/{}",
        "a".repeat(crate::capacity::FIRMWARE_LOCATION_MAX - 9)
    );
    let payload = json!({"retries": 2147483647, "retryInterval": 2147483647, "requestId": 2147483647,
        "firmware": {"location": location, "retrieveDateTime": CS_TIME, "installDateTime": CS_TIME,
                     "signingCertificate": pem, "signature": signature}});
    let frame =
        format!(r#"[2,"0123456789abcdef0123456789abcdef0123","SignedUpdateFirmware",{payload}]"#);
    assert!(
        frame.len() <= crate::capacity::FRAME_CAPACITY,
        "{} bytes",
        frame.len()
    );
    let answer = h.cs_raw(&frame).unwrap();
    assert_eq!(answer[2]["status"], "Accepted", "{answer}");
}
