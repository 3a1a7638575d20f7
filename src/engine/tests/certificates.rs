//! Certificate management (feature `certificates`): InstallCertificate, GetInstalledCertificateIds
//! and DeleteCertificate with real certificates generated at test time by Python
//! `cryptography` (whose OCSP CertID gives the expected hash data), the store's capacities,
//! bad input, and the store records across a restart.

use std::sync::OnceLock;

use super::store::MemStore;
use super::*;
use crate::capacity::{CERTIFICATE_STORE_BYTES, CERTIFICATE_STORE_MAX};

const GENERATE: &str = r#"
import datetime, json
from cryptography import x509
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID, ObjectIdentifier
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

utc = datetime.timezone.utc
def make(cn, ca=True, issuer=None, after=datetime.datetime(2049, 1, 1, tzinfo=utc), pad=0, serial=None):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    issuer_name, issuer_key = (name, key) if issuer is None else issuer
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name)
         .public_key(key.public_key()).serial_number(serial or x509.random_serial_number())
         .not_valid_before(datetime.datetime(2024, 1, 1, tzinfo=utc)).not_valid_after(after))
    if ca is not None:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    if pad:
        b = b.add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\0" * pad), critical=False)
    cert = b.sign(issuer_key, hashes.SHA256())
    return cert, key, name

def describe(cert):
    req = ocsp.OCSPRequestBuilder().add_certificate(cert, cert, hashes.SHA256()).build()
    return {
        "pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "der": cert.public_bytes(serialization.Encoding.DER).hex(),
        "hash": {"hashAlgorithm": "SHA256", "issuerNameHash": req.issuer_name_hash.hex(),
                 "issuerKeyHash": req.issuer_key_hash.hex(), "serialNumber": format(cert.serial_number, "x")},
    }

made = [make("Root %d" % i) for i in range(6)]
roots = [c for c, _, _ in made]
server0 = make("Server of root 0", ca=False, issuer=(made[0][2], made[0][1]))[0]
ca, ca_key, ca_name = make("Issuing CA")
leaf = make("Leaf", ca=False, issuer=(ca_name, ca_key))[0]
out = {
    "roots": [describe(c) for c in roots],
    "small_serial": describe(make("Small serial", serial=0x0abc)[0]),
    "leaf": describe(leaf),
    "server0": describe(server0),
    "not_ca": describe(make("Not a CA", ca=False)[0]),
    "no_constraints": describe(make("No basicConstraints", ca=None)[0]),
    "expired": describe(make("Expired", after=datetime.datetime(2025, 1, 1, tzinfo=utc))[0]),
    "big": [describe(make("Big %d" % i, pad=1800)[0]) for i in range(3)],
}
print(json.dumps(out))
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

fn pem(cert: &Value) -> &str {
    cert["pem"].as_str().unwrap()
}

fn der(cert: &Value) -> StdVec<u8> {
    let hex = cert["der"].as_str().unwrap();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn install(h: &mut Harness, kind: &str, pem: &str) -> String {
    let answer = h.cs_call(
        "InstallCertificate",
        json!({"certificateType": kind, "certificate": pem}),
    );
    answer["status"].as_str().unwrap().to_string()
}

fn list(h: &mut Harness, kind: &str) -> Value {
    h.cs_call(
        "GetInstalledCertificateIds",
        json!({"certificateType": kind}),
    )
}

const CS: &str = "CentralSystemRootCertificate";
const MF: &str = "ManufacturerRootCertificate";

fn installed(h: &Harness, usage: CertificateUse) -> StdVec<StdVec<u8>> {
    h.cp.installed_certificates(usage)
        .map(<[u8]>::to_vec)
        .collect()
}

#[test]
fn install_list_and_delete_with_the_hash_data_cryptography_computes() {
    let mut h = Harness::new("certificates-install", 1);
    h.online();
    let roots = pki()["roots"].as_array().unwrap();
    let version = h.cp.central_system_roots_version();
    assert_eq!(list(&mut h, CS), json!({"status": "NotFound"}));

    assert_eq!(install(&mut h, CS, pem(&roots[0])), "Accepted");
    assert_ne!(h.cp.central_system_roots_version(), version);
    assert_eq!(
        installed(&h, CertificateUse::CentralSystemRootCertificate),
        [der(&roots[0])]
    );
    assert!(installed(&h, CertificateUse::ManufacturerRootCertificate).is_empty());
    assert_eq!(install(&mut h, MF, pem(&roots[1])), "Accepted");
    // A CRLF PEM is the same certificate: installed again, nothing changes.
    let version = h.cp.central_system_roots_version();
    assert_eq!(
        install(&mut h, CS, &pem(&roots[0]).replace('\n', "\r\n")),
        "Accepted"
    );
    assert_eq!(
        installed(&h, CertificateUse::CentralSystemRootCertificate).len(),
        1
    );
    assert_eq!(h.cp.central_system_roots_version(), version);
    // The serial's hex has no leading zero digit ("abc" for 0x0abc).
    assert_eq!(install(&mut h, CS, pem(&pki()["small_serial"])), "Accepted");

    let answer = list(&mut h, CS);
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(
        answer["certificateHashData"],
        json!([roots[0]["hash"], pki()["small_serial"]["hash"]])
    );
    assert_eq!(pki()["small_serial"]["hash"]["serialNumber"], "abc");
    assert_eq!(
        list(&mut h, MF),
        json!({"status": "Accepted", "certificateHashData": [roots[1]["hash"]]})
    );

    // Delete: upper-case hex names the same certificate.
    let mut hash = roots[1]["hash"].clone();
    hash["issuerNameHash"] = json!(hash["issuerNameHash"].as_str().unwrap().to_uppercase());
    let answer = h.cs_call("DeleteCertificate", json!({"certificateHashData": hash}));
    assert_eq!(answer, json!({"status": "Accepted"}));
    assert_eq!(list(&mut h, MF), json!({"status": "NotFound"}));
    let answer = h.cs_call("DeleteCertificate", json!({"certificateHashData": hash}));
    assert_eq!(answer, json!({"status": "NotFound"}));
    // SHA384 hash data: this build computes only SHA256 ones.
    let mut other = roots[0]["hash"].clone();
    other["hashAlgorithm"] = json!("SHA384");
    let answer = h.cs_call("DeleteCertificate", json!({"certificateHashData": other}));
    assert_eq!(answer, json!({"status": "NotFound"}));
    let version = h.cp.central_system_roots_version();
    let answer = h.cs_call(
        "DeleteCertificate",
        json!({"certificateHashData": roots[0]["hash"]}),
    );
    assert_eq!(answer, json!({"status": "Accepted"}));
    assert_ne!(h.cp.central_system_roots_version(), version);
    // The one left moved down to the start of the store and is intact.
    assert_eq!(
        installed(&h, CertificateUse::CentralSystemRootCertificate),
        [der(&pki()["small_serial"])]
    );
    assert_eq!(
        list(&mut h, CS)["certificateHashData"],
        json!([pki()["small_serial"]["hash"]])
    );
    // A serial with its leading zero ("0ABC", as openssl prints it) names it too.
    let mut hash = pki()["small_serial"]["hash"].clone();
    hash["serialNumber"] = json!("0ABC");
    let answer = h.cs_call("DeleteCertificate", json!({"certificateHashData": hash}));
    assert_eq!(answer, json!({"status": "Accepted"}));
    assert_eq!(list(&mut h, CS), json!({"status": "NotFound"}));
}

#[test]
fn what_is_not_a_root_ca_certificate_is_rejected() {
    let mut h = Harness::new("certificates-rejected", 1);
    h.online();
    let leaf = pem(&pki()["leaf"]).to_string();
    let not_ca = pem(&pki()["not_ca"]).to_string();
    let no_constraints = pem(&pki()["no_constraints"]).to_string();
    let expired = pem(&pki()["expired"]).to_string();
    let root = pem(&pki()["roots"][0]).to_string();
    let truncated = format!(
        "{}\n-----END CERTIFICATE-----\n",
        &root[..root.len() / 2].trim_end()
    );
    let csr_like = root.replace("CERTIFICATE", "CERTIFICATE REQUEST");
    for (what, text) in [
        ("empty", String::new()),
        ("no PEM", "hello".to_string()),
        (
            "bad base64",
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".into(),
        ),
        (
            "not DER",
            "-----BEGIN CERTIFICATE-----\nZm9vYmFy\n-----END CERTIFICATE-----\n".into(),
        ),
        ("truncated", truncated),
        ("another label", csr_like),
        ("a leaf", leaf),
        ("a self-signed non-CA", not_ca),
        ("no basicConstraints", no_constraints),
        ("expired", expired.clone()),
    ] {
        assert_eq!(install(&mut h, CS, &text), "Rejected", "{what}");
    }
    assert_eq!(
        h.cp.installed_certificates(CertificateUse::CentralSystemRootCertificate)
            .count(),
        0
    );
    // Before the wall clock is known, validity cannot be checked.
    let mut offline = Harness::new("certificates-no-clock", 1);
    let der = der(&pki()["expired"]);
    assert_eq!(
        offline.cp.install_certificate(
            offline.now,
            CertificateUse::ManufacturerRootCertificate,
            &der
        ),
        CertificateStatus::Accepted
    );
    assert_eq!(
        offline.cp.install_certificate(
            offline.now,
            CertificateUse::ManufacturerRootCertificate,
            &der[..100]
        ),
        CertificateStatus::Rejected
    );
}

#[test]
fn the_store_holds_certificate_store_max_length_entries_and_its_bytes() {
    let mut h = Harness::new("certificates-capacity", 1);
    h.online();
    let answer = h.cs_call(
        "GetConfiguration",
        json!({"key": ["CertificateStoreMaxLength"]}),
    );
    assert_eq!(
        answer["configurationKey"],
        json!([{"key": "CertificateStoreMaxLength", "readonly": true, "value": CERTIFICATE_STORE_MAX.to_string()}])
    );
    let answer = h.cs_call(
        "ChangeConfiguration",
        json!({"key": "CertificateStoreMaxLength", "value": "10"}),
    );
    assert_eq!(answer["status"], "Rejected");

    let roots = pki()["roots"].as_array().unwrap();
    assert!(roots.len() > CERTIFICATE_STORE_MAX);
    for (i, root) in roots.iter().enumerate() {
        let kind = if i % 2 == 0 { CS } else { MF };
        let expected = if i < CERTIFICATE_STORE_MAX {
            "Accepted"
        } else {
            "Rejected"
        };
        assert_eq!(install(&mut h, kind, pem(root)), expected, "root {i}");
    }
    // A deleted entry makes room again.
    let answer = h.cs_call(
        "DeleteCertificate",
        json!({"certificateHashData": roots[1]["hash"]}),
    );
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(
        install(&mut h, MF, pem(&roots[CERTIFICATE_STORE_MAX])),
        "Accepted"
    );

    // Bytes: certificates of ~2 KB fill CONFIG_OCPP_CERTIFICATE_STORE_BYTES before the entries.
    let mut h = Harness::new("certificates-bytes", 1);
    h.online();
    let big = pki()["big"].as_array().unwrap();
    let size = der(&big[0]).len();
    let fit = CERTIFICATE_STORE_BYTES / size;
    assert!(
        fit < big.len() && fit < CERTIFICATE_STORE_MAX,
        "{size} bytes each"
    );
    for (i, cert) in big.iter().enumerate() {
        let expected = if i < fit { "Accepted" } else { "Rejected" };
        assert_eq!(install(&mut h, CS, pem(cert)), expected, "big {i}");
    }
    // What was installed is untouched by the refused one (it was decoded into free bytes).
    let kept = installed(&h, CertificateUse::CentralSystemRootCertificate);
    assert_eq!(kept, big[..fit].iter().map(der).collect::<StdVec<_>>());
}

#[test]
fn payloads_that_do_not_match_the_schema_get_the_callerror_codes() {
    let mut h = Harness::new("certificates-schema", 1);
    h.online();
    let root = serde_json::to_string(pem(&pki()["roots"][0])).unwrap();
    for (payload, code) in [
        ("{}".to_string(), "OccurenceConstraintViolation"),
        (
            format!(r#"{{"certificate":{root}}}"#),
            "OccurenceConstraintViolation",
        ),
        (
            format!(r#"{{"certificateType":"{CS}"}}"#),
            "OccurenceConstraintViolation",
        ),
        (
            format!(r#"{{"certificateType":"{CS}","certificate":{root},"certificate":{root}}}"#),
            "OccurenceConstraintViolation",
        ),
        (
            format!(r#"{{"certificateType":"V2GRootCertificate","certificate":{root}}}"#),
            "PropertyConstraintViolation",
        ),
        (
            format!(r#"{{"certificateType":1,"certificate":{root}}}"#),
            "TypeConstraintViolation",
        ),
        (
            format!(r#"{{"certificateType":"{CS}","certificate":5}}"#),
            "TypeConstraintViolation",
        ),
        (
            format!(
                r#"{{"certificateType":"{CS}","certificate":"{}"}}"#,
                "A".repeat(5501)
            ),
            "PropertyConstraintViolation",
        ),
        (
            format!(
                r#"{{"certificateType":"{CS}","certificate":"{}"}}"#,
                "\\n".repeat(5501)
            ),
            "PropertyConstraintViolation",
        ),
        // A bad escape is refused by the framing already.
        (
            format!(r#"{{"certificateType":"{CS}","certificate":"\q"}}"#),
            "FormationViolation",
        ),
    ] {
        assert_eq!(
            h.cs_call_error("InstallCertificate", &payload),
            code,
            "{payload}"
        );
    }
    // The longest certificate, a PEM of 5500 characters in lines of 64, fits the receive buffer
    // as a whole frame, its line breaks escaped.
    let line = format!("{}\n", "A".repeat(64));
    let longest: String = line.repeat(5500 / 65) + &"A".repeat(5500 % 65);
    assert_eq!(longest.chars().count(), 5500);
    let frame = json!([2, "an-id-of-36-characters-xxxxxxxxxxxxx", "InstallCertificate",
        {"certificateType": CS, "certificate": longest}])
    .to_string();
    assert!(
        frame.len() <= crate::capacity::FRAME_CAPACITY,
        "{} bytes",
        frame.len()
    );
    // 5500 characters are allowed (Rejected: not a certificate).
    let payload = json!({"certificateType": CS, "certificate": "A".repeat(5500)});
    assert_eq!(
        h.cs_call("InstallCertificate", payload)["status"],
        "Rejected"
    );
    // Unknown members are ignored, as by the table codec.
    let payload =
        format!(r#"{{"x":[1,{{"y":"\n"}}],"certificateType":"{CS}","certificate":{root}}}"#);
    h.cs_ids += 1;
    let reply = h
        .cs_raw(&format!(
            r#"[2,"cs-{}","InstallCertificate",{payload}]"#,
            h.cs_ids
        ))
        .unwrap();
    assert_eq!(reply[2], json!({"status": "Accepted"}));
    for (action, payload, code) in [
        (
            "GetInstalledCertificateIds",
            "{}",
            "OccurenceConstraintViolation",
        ),
        (
            "GetInstalledCertificateIds",
            r#"{"certificateType":"Other"}"#,
            "PropertyConstraintViolation",
        ),
        ("DeleteCertificate", "{}", "OccurenceConstraintViolation"),
        (
            "DeleteCertificate",
            r#"{"certificateHashData":{"hashAlgorithm":"SHA256"}}"#,
            "OccurenceConstraintViolation",
        ),
        (
            "DeleteCertificate",
            r#"{"certificateHashData":{"hashAlgorithm":"SHA1","issuerNameHash":"a","issuerKeyHash":"b","serialNumber":"1"}}"#,
            "PropertyConstraintViolation",
        ),
    ] {
        assert_eq!(h.cs_call_error(action, payload), code, "{action} {payload}");
    }
}

#[test]
fn installed_certificates_survive_a_restart_one_record_each() {
    let mut h = Harness::new("certificates-store", 1);
    h.cp.enable_store();
    h.online();
    let mut store = MemStore::default();
    store.drain(&mut h.cp);
    let roots = pki()["roots"].as_array().unwrap();
    assert_eq!(install(&mut h, CS, pem(&roots[0])), "Accepted");
    assert_eq!(install(&mut h, MF, pem(&roots[1])), "Accepted");
    assert_eq!(install(&mut h, CS, pem(&roots[2])), "Accepted");
    store.drain(&mut h.cp);
    let keys: StdVec<_> = store
        .records
        .keys()
        .filter(|k| k.starts_with("cert/"))
        .cloned()
        .collect();
    assert_eq!(keys, ["cert/0", "cert/1", "cert/2"]);
    // Deleting erases that record only; the next install takes the free slot.
    let answer = h.cs_call(
        "DeleteCertificate",
        json!({"certificateHashData": roots[0]["hash"]}),
    );
    assert_eq!(answer["status"], "Accepted");
    store.drain(&mut h.cp);
    assert!(!store.records.contains_key("cert/0"));
    assert_eq!(install(&mut h, MF, pem(&roots[3])), "Accepted");
    store.drain(&mut h.cp);
    assert!(store.records.contains_key("cert/0"));

    let (mut h2, _) = store.boot("certificates-store-restored", h.now);
    assert_eq!(
        installed(&h2, CertificateUse::CentralSystemRootCertificate),
        [der(&roots[2])]
    );
    let mut manufacturer = installed(&h2, CertificateUse::ManufacturerRootCertificate);
    manufacturer.sort();
    let mut expected = [der(&roots[1]), der(&roots[3])];
    expected.sort();
    assert_eq!(manufacturer, expected);
    assert_ne!(h2.cp.central_system_roots_version(), 0);
    // Restoring wrote nothing back.
    let mut again = MemStore::default();
    again.drain(&mut h2.cp);
    assert!(
        again.records.keys().all(|k| !k.starts_with("cert/")),
        "{:?}",
        again.records.keys()
    );
    h2.online();
    assert_eq!(
        list(&mut h2, CS)["certificateHashData"],
        json!([roots[2]["hash"]])
    );

    // Damaged, foreign and duplicate records are refused alone.
    let mut h3 = Harness::new("certificates-store-damaged", 1);
    let record = store.records["cert/1"].clone();
    let mut damaged = record.clone();
    let at = damaged.len() / 2;
    damaged[at] ^= 1;
    assert_eq!(
        h3.cp.restore_record("cert/1", &damaged),
        Err(RestoreError::Damaged)
    );
    assert_eq!(
        h3.cp.restore_record("cert/99", &record),
        Err(RestoreError::Foreign)
    );
    assert_eq!(h3.cp.restore_record("cert/1", &record), Ok(()));
    assert_eq!(
        h3.cp.restore_record("cert/1", &record),
        Err(RestoreError::Foreign)
    );
    assert_eq!(
        h3.cp.restore_record("cert/x", &record),
        Err(RestoreError::UnknownKey)
    );
}

#[test]
fn the_root_that_verified_the_connection_cannot_be_deleted() {
    let mut h = Harness::new("certificates-in-use", 1);
    h.online();
    let roots = pki()["roots"].as_array().unwrap();
    for root in &roots[..3] {
        assert_eq!(install(&mut h, CS, pem(root)), "Accepted");
    }
    assert_eq!(install(&mut h, MF, pem(&roots[3])), "Accepted");
    let delete = |h: &mut Harness, root: &Value| {
        let answer = h.cs_call(
            "DeleteCertificate",
            json!({"certificateHashData": root["hash"]}),
        );
        answer["status"].as_str().unwrap().to_string()
    };
    // The server's certificate was issued by root 0: root 0 is in use, the others are not.
    h.cp.tls_peer_verified(&der(&pki()["server0"]));
    assert_eq!(delete(&mut h, &roots[0]), "Failed");
    assert_eq!(
        installed(&h, CertificateUse::CentralSystemRootCertificate).len(),
        3
    );
    assert_eq!(delete(&mut h, &roots[1]), "Accepted");
    // A server that sends the root itself as its last certificate.
    h.cp.tls_peer_verified(&der(&roots[2]));
    assert_eq!(delete(&mut h, &roots[2]), "Failed");
    // The next connection verified by another root (the CA file's): root 0 can go now.
    h.cp.tls_peer_verified(&der(&pki()["leaf"]));
    assert_eq!(delete(&mut h, &roots[0]), "Accepted");
    assert_eq!(delete(&mut h, &roots[2]), "Accepted");
    // ManufacturerRootCertificates are never "in use" by the connection.
    h.cp.tls_peer_verified(&der(&roots[3]));
    assert_eq!(delete(&mut h, &roots[3]), "Accepted");
    // Garbage from the platform marks nothing.
    assert_eq!(install(&mut h, CS, pem(&roots[4])), "Accepted");
    h.cp.tls_peer_verified(b"not a certificate");
    assert_eq!(delete(&mut h, &roots[4]), "Accepted");
}
