//! Real certificates, generated at test time by Python `cryptography` (and checked against the
//! `openssl` CLI when present): nothing generated is committed.

use super::*;
use std::process::Command;
use std::sync::OnceLock;

/// Generates a small PKI and prints what `cryptography` says about each certificate.
const GENERATE: &str = r#"
import datetime, json, sys
from cryptography import x509
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

def name(cn, o=None, printable=False):
    attrs = []
    if o:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, o))
    if printable:
        attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"))
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn, x509.name._ASN1Type.PrintableString))
    else:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)

def cert(subject, issuer, key, issuer_key, serial, ca, before, after):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(serial)
         .not_valid_before(before).not_valid_after(after))
    if ca is not None:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    return b.sign(issuer_key, hashes.SHA256())

utc = datetime.timezone.utc
t0 = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc)
root_key = ec.generate_private_key(ec.SECP256R1())
root_name = name("Test Root CA", "zephyr-ocpp tests")
# A serial with the high bit set: its DER INTEGER starts with 0x00.
root = cert(root_name, root_name, root_key, root_key, 0x8a0b0c0d0e0f1011121314, True, t0,
            datetime.datetime(2049, 12, 31, 23, 59, 59, tzinfo=utc))
leaf_key = ec.generate_private_key(ec.SECP256R1())
# A serial whose first hex digit is 0 ("0a..." as bytes, "a..." as digits), a notAfter in
# GeneralizedTime (2050 on), and no basicConstraints.
leaf = cert(name("CP001", "Some CPO", printable=True), root_name, leaf_key, root_key,
            0x0abc, None, t0, datetime.datetime(2051, 6, 7, 8, 9, 10, tzinfo=utc))
rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
rsa_name = name("RSA Root")
rsa_root = cert(rsa_name, rsa_name, rsa_key, rsa_key, 1, True, t0,
                datetime.datetime(2030, 1, 1, tzinfo=utc))
not_ca = cert(name("Self Signed Leaf"), name("Self Signed Leaf"), leaf_key, leaf_key, 2, False,
              t0, datetime.datetime(2030, 1, 1, tzinfo=utc))
csr = (x509.CertificateSigningRequestBuilder().subject_name(name("CP001", "Some CPO"))
       .sign(leaf_key, hashes.SHA256()))

def describe(c, issuer):
    req = ocsp.OCSPRequestBuilder().add_certificate(c, issuer, hashes.SHA256()).build()
    der = c.public_bytes(serialization.Encoding.DER)
    cn = c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    o = c.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    try:
        ca = c.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        ca = False
    return {
        "pem": c.public_bytes(serialization.Encoding.PEM).decode(),
        "der": der.hex(),
        "serial": format(c.serial_number, "x"),
        "issuer_name_hash": req.issuer_name_hash.hex(),
        "issuer_key_hash": req.issuer_key_hash.hex(),
        "issuer_der": c.issuer.public_bytes().hex(),
        "subject_der": c.subject.public_bytes().hex(),
        "spki": c.public_key().public_bytes(serialization.Encoding.DER,
                serialization.PublicFormat.SubjectPublicKeyInfo).hex(),
        "tbs": c.tbs_certificate_bytes.hex(),
        "signature": c.signature.hex(),
        "cn": cn[0].value if cn else None,
        "o": o[0].value if o else None,
        "not_before": int(c.not_valid_before_utc.timestamp()),
        "not_after": int(c.not_valid_after_utc.timestamp()),
        "ca": ca,
    }

print(json.dumps({
    "root": describe(root, root),
    "leaf": describe(leaf, root),
    "rsa_root": describe(rsa_root, rsa_root),
    "not_ca": describe(not_ca, not_ca),
    "csr_pem": csr.public_bytes(serialization.Encoding.PEM).decode(),
    "csr_der": csr.public_bytes(serialization.Encoding.DER).hex(),
    "csr_spki": csr.public_key().public_bytes(serialization.Encoding.DER,
                serialization.PublicFormat.SubjectPublicKeyInfo).hex(),
}))
"#;

fn pki() -> &'static serde_json::Value {
    static PKI: OnceLock<serde_json::Value> = OnceLock::new();
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

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn field<'a>(cert: &'a serde_json::Value, key: &str) -> &'a str {
    cert[key].as_str().unwrap_or_else(|| panic!("{key}"))
}

fn der_of(pem: &str) -> Vec<u8> {
    let mut out = vec![0u8; 8192];
    let n = pem_to_der(pem, &mut out).expect("PEM");
    out.truncate(n);
    out
}

#[test]
fn pem_to_der_matches_cryptography() {
    for which in ["root", "leaf", "rsa_root", "not_ca"] {
        let c = &pki()[which];
        let pem = field(c, "pem");
        assert_eq!(der_of(pem), unhex(field(c, "der")), "{which}");
        // CRLF line ends, indentation, and the JSON-escaped form ("\n" as two characters).
        let crlf = pem.replace('\n', "\r\n");
        assert_eq!(der_of(&crlf), unhex(field(c, "der")), "{which} CRLF");
        let spaced = pem.replace('\n', "\n  \t");
        assert_eq!(der_of(&spaced), unhex(field(c, "der")), "{which} spaced");
        let escaped = pem.replace('\n', "\\n");
        assert_eq!(der_of(&escaped), unhex(field(c, "der")), "{which} escaped");
    }
}

#[test]
fn der_to_pem_round_trips_and_openssl_reads_it() {
    let c = &pki()["root"];
    let der = unhex(field(c, "der"));
    let mut pem = [0u8; 4096];
    let n = der_to_pem("CERTIFICATE", &der, &mut pem).unwrap();
    let text = core::str::from_utf8(&pem[..n]).unwrap().to_owned();
    let text = text.as_str();
    // cryptography writes the same PEM (64-symbol lines, LF).
    assert_eq!(text, field(c, "pem"));
    assert_eq!(der_of(text), der);
    // Too small a buffer is an error, at every size.
    for size in 0..n {
        assert_eq!(
            der_to_pem("CERTIFICATE", &der, &mut pem[..size]),
            Err(X509Error::BufferTooSmall),
            "size {size}"
        );
    }
    let mut small = vec![0u8; der.len() - 1];
    assert_eq!(pem_to_der(text, &mut small), Err(X509Error::BufferTooSmall));
}

#[test]
fn base64_edge_cases() {
    let mut out = [0u8; 16];
    for (data, text) in [
        (&b""[..], ""),
        (b"f", "Zg=="),
        (b"fo", "Zm8="),
        (b"foo", "Zm9v"),
        (b"foob", "Zm9vYg=="),
        (b"fooba", "Zm9vYmE="),
        (b"foobar", "Zm9vYmFy"),
    ] {
        let n = base64_encode(data, 0, &mut out).unwrap();
        assert_eq!(&out[..n], text.as_bytes());
        let n = base64_decode(text, &mut out).unwrap();
        assert_eq!(&out[..n], data);
    }
    for bad in [
        "Zg=", "Zg", "Z", "Zg===", "Zm9=v", "Zh==", "Zm9vYg=a", "Zm9v!", "Zm\\x9v", "Zm9\\",
    ] {
        assert_eq!(base64_decode(bad, &mut out), Err(X509Error::Pem), "{bad:?}");
    }
}

#[test]
fn chains_and_blocks() {
    let root = field(&pki()["root"], "pem");
    let leaf = field(&pki()["leaf"], "pem");
    let csr = field(pki(), "csr_pem");
    // Leaf first, then its CA, with text around and a CSR block in between.
    let chain = format!(
        "leaf:\r\n{}\r\n{csr}junk\n{}",
        leaf.replace('\n', "\r\n"),
        root
    );
    let labels: Vec<_> = pem_blocks(&chain)
        .map(|b| b.unwrap().label.to_owned())
        .collect();
    assert_eq!(
        labels,
        ["CERTIFICATE", "CERTIFICATE REQUEST", "CERTIFICATE"]
    );
    let mut out = vec![0u8; 8192];
    let (len, count) = pem_chain_to_der(&chain, &mut out).unwrap();
    assert_eq!(count, 2);
    let certs: Vec<_> = der_chain(&out[..len])
        .map(|c| c.unwrap().to_vec())
        .collect();
    assert_eq!(certs, [der_of(leaf), der_of(root)]);
    // The first CERTIFICATE block is what pem_to_der decodes.
    assert_eq!(der_of(&chain), der_of(leaf));
    // A CSR alone is not a certificate.
    assert_eq!(pem_to_der(csr, &mut out), Err(X509Error::Pem));
    // Mismatched or unterminated blocks.
    for bad in [
        "",
        "no pem here",
        "-----BEGIN CERTIFICATE-----\nZm9v\n",
        "-----BEGIN CERTIFICATE-----\nZm9v\n-----END CERTIFICATE REQUEST-----\n",
        "-----BEGIN CERTIFICATE\nZm9v\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nZm9v!\n-----END CERTIFICATE-----\n",
    ] {
        assert_eq!(pem_to_der(bad, &mut out), Err(X509Error::Pem), "{bad:?}");
    }
    let small = &mut out[..len - 1];
    assert_eq!(
        pem_chain_to_der(&chain, small),
        Err(X509Error::BufferTooSmall)
    );
}

#[test]
fn certificate_fields_match_cryptography() {
    for which in ["root", "leaf", "rsa_root", "not_ca"] {
        let c = &pki()[which];
        let der = unhex(field(c, "der"));
        let cert = Certificate::parse(&der).unwrap_or_else(|e| panic!("{which}: {e:?}"));
        assert_eq!(cert.version, 3, "{which}");
        assert_eq!(cert.der, &der[..]);
        assert_eq!(cert.tbs, unhex(field(c, "tbs")), "{which}");
        assert_eq!(cert.signature, unhex(field(c, "signature")), "{which}");
        assert_eq!(cert.issuer.der, unhex(field(c, "issuer_der")), "{which}");
        assert_eq!(cert.subject.der, unhex(field(c, "subject_der")), "{which}");
        assert_eq!(cert.public_key.der, unhex(field(c, "spki")), "{which}");
        assert_eq!(cert.subject.common_name(), c["cn"].as_str(), "{which}");
        assert_eq!(cert.subject.organization(), c["o"].as_str(), "{which}");
        assert_eq!(
            cert.not_before.unix_secs(),
            c["not_before"].as_i64().unwrap(),
            "{which}"
        );
        assert_eq!(
            cert.not_after.unix_secs(),
            c["not_after"].as_i64().unwrap(),
            "{which}"
        );
        assert_eq!(cert.is_ca, c["ca"].as_bool().unwrap(), "{which}");
        assert!(cert.is_valid_at(cert.not_before) && cert.is_valid_at(cert.not_after));
        assert!(!cert.is_valid_at(DateTime::from_unix_ms(cert.not_after.unix_ms + 1000)));
    }
    let root = Certificate::parse(&unhex(field(&pki()["root"], "der"))).map(|c| c.is_self_issued());
    assert_eq!(root, Ok(true));
    let leaf_der = unhex(field(&pki()["leaf"], "der"));
    let leaf = Certificate::parse(&leaf_der).unwrap();
    assert!(!leaf.is_self_issued());
    assert_eq!(leaf.public_key.algorithm, oid::EC_PUBLIC_KEY);
    assert_eq!(
        leaf.public_key.parameters.map(|p| p.contents),
        Some(oid::SECP256R1)
    );
    assert_eq!(leaf.public_key.key.len(), 65); // uncompressed P-256 point
    assert_eq!(leaf.signature_algorithm, oid::ECDSA_WITH_SHA256);
    assert_eq!(leaf.subject.text(oid::COUNTRY), Some("NL"));
    assert_eq!(
        leaf.subject.attribute(oid::COMMON_NAME).map(|v| v.tag),
        Some(tag::PRINTABLE_STRING)
    );
    assert_eq!(leaf.issuer.common_name(), Some("Test Root CA"));
    let rsa_der = unhex(field(&pki()["rsa_root"], "der"));
    let rsa = Certificate::parse(&rsa_der).unwrap();
    assert_eq!(rsa.public_key.algorithm, oid::RSA_ENCRYPTION);
    assert_eq!(rsa.signature_algorithm, oid::SHA256_WITH_RSA);
    assert_eq!(rsa.subject.organization(), None);
    let root_der = unhex(field(&pki()["root"], "der"));
    let root = Certificate::parse(&root_der).unwrap();
    assert!(root
        .extension(oid::BASIC_CONSTRAINTS)
        .is_some_and(|(critical, _)| critical));
    assert_eq!(root.extension(oid::KEY_USAGE), None);
}

#[test]
fn hash_data_matches_cryptography_ocsp_cert_id() {
    let root_der = unhex(field(&pki()["root"], "der"));
    let root = Certificate::parse(&root_der).unwrap();
    for (which, issuer) in [
        ("root", "root"),
        ("leaf", "root"),
        ("rsa_root", "rsa_root"),
        ("not_ca", "not_ca"),
    ] {
        let c = &pki()[which];
        let der = unhex(field(c, "der"));
        let cert = Certificate::parse(&der).unwrap();
        let issuer_der = unhex(field(&pki()[issuer], "der"));
        let issuer = Certificate::parse(&issuer_der).unwrap();
        let hash = cert.hash_data(&issuer);
        assert_eq!(
            hash.issuer_name_hash_hex().as_str(),
            field(c, "issuer_name_hash"),
            "{which}"
        );
        assert_eq!(
            hash.issuer_key_hash_hex().as_str(),
            field(c, "issuer_key_hash"),
            "{which}"
        );
        assert_eq!(
            hash.serial_number_hex().as_str(),
            field(c, "serial"),
            "{which}"
        );
        assert!(hash.matches(
            &field(c, "issuer_name_hash").to_uppercase(),
            field(c, "issuer_key_hash"),
            &format!("00{}", field(c, "serial").to_uppercase()),
        ));
        assert!(!hash.matches(
            field(c, "issuer_name_hash"),
            field(c, "issuer_key_hash"),
            "1234"
        ));
        if which == "root" || which == "rsa_root" {
            assert_eq!(cert.self_signed_hash_data(), hash);
        }
    }
    // The serials chosen: the root's DER INTEGER starts with 0x00, the leaf's first digit is 0.
    assert_eq!(root.serial.first(), Some(&0));
    assert_eq!(
        root.self_signed_hash_data().serial_bytes().first(),
        Some(&0x8a)
    );
    let leaf_der = unhex(field(&pki()["leaf"], "der"));
    let leaf = Certificate::parse(&leaf_der).unwrap();
    assert_eq!(leaf.serial, [0x0a, 0xbc]);
    assert_eq!(leaf.hash_data(&root).serial_number_hex().as_str(), "abc");
    assert_eq!(
        CertificateHashData::new(b"", b"", &[0, 0])
            .serial_number_hex()
            .as_str(),
        "0"
    );
}

#[test]
fn serials_agree_with_the_openssl_cli() {
    let Ok(probe) = Command::new("openssl").arg("version").output() else {
        eprintln!("no openssl CLI: skipped");
        return;
    };
    assert!(probe.status.success());
    let dir = std::env::temp_dir().join(format!("ocpp-x509-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for which in ["root", "leaf", "rsa_root"] {
        let c = &pki()[which];
        let path = dir.join(format!("{which}.pem"));
        std::fs::write(&path, field(c, "pem")).unwrap();
        let out = Command::new("openssl")
            .args(["x509", "-noout", "-serial", "-in"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let serial = text.trim().strip_prefix("serial=").unwrap();
        let der = unhex(field(c, "der"));
        let hash = Certificate::parse(&der).unwrap().self_signed_hash_data();
        // openssl prints whole bytes in uppercase ("0ABC"); ours has no leading zero digit.
        assert_eq!(
            serial.trim_start_matches('0').to_lowercase(),
            hash.serial_number_hex().as_str(),
            "{which}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn csr_public_key_info_matches_cryptography() {
    let der = unhex(field(pki(), "csr_der"));
    assert_eq!(der_of_block(field(pki(), "csr_pem")), der);
    let spki = csr_public_key_info(&der).unwrap();
    assert_eq!(spki, unhex(field(pki(), "csr_spki")));
    // The PEM a SignCertificate.req carries: der_to_pem writes what cryptography writes.
    let mut pem = [0u8; 2048];
    let n = der_to_pem("CERTIFICATE REQUEST", &der, &mut pem).unwrap();
    assert_eq!(
        core::str::from_utf8(&pem[..n]).unwrap(),
        field(pki(), "csr_pem")
    );
    let csr = CertificationRequest::parse(&der).unwrap();
    assert_eq!(csr.subject.common_name(), Some("CP001"));
    assert_eq!(csr.subject.organization(), Some("Some CPO"));
    assert_eq!(csr.signature_algorithm, oid::ECDSA_WITH_SHA256);
    // The CSR's key is the leaf's: the comparison CertificateSigned makes.
    let leaf_der = unhex(field(&pki()["leaf"], "der"));
    assert_eq!(Certificate::parse(&leaf_der).unwrap().public_key.der, spki);
    // A certificate is not a CSR, and the other way round.
    assert!(csr_public_key_info(&leaf_der).is_err());
    assert!(Certificate::parse(&der).is_err());
}

fn der_of_block(pem: &str) -> Vec<u8> {
    let block = pem_blocks(pem).next().unwrap().unwrap();
    assert_eq!(block.label, "CERTIFICATE REQUEST");
    let mut out = vec![0u8; 4096];
    let n = block.decode(&mut out).unwrap();
    out.truncate(n);
    out
}

#[test]
fn times_in_both_encodings() {
    let t = |tag: u8, text: &[u8]| {
        parse_time(Tlv {
            tag,
            contents: text,
            raw: &[],
        })
        .map(|d| d.unix_secs())
    };
    assert_eq!(t(tag::UTC_TIME, b"700101000000Z"), Ok(0));
    assert_eq!(t(tag::UTC_TIME, b"491231235959Z"), Ok(2_524_607_999));
    assert_eq!(t(tag::UTC_TIME, b"500101000000Z"), Ok(-631_152_000));
    assert_eq!(
        t(tag::GENERALIZED_TIME, b"20500101000000Z"),
        Ok(2_524_608_000)
    );
    for (tag, bad) in [
        (tag::UTC_TIME, &b"7001010000Z"[..]),
        (tag::UTC_TIME, b"700101000000"),
        (tag::UTC_TIME, b"700101000000+0100"),
        (tag::UTC_TIME, b"701301000000Z"),
        (tag::UTC_TIME, b"7001010000a0Z"),
        (tag::GENERALIZED_TIME, b"20500101000000.5Z"),
        (tag::GENERALIZED_TIME, b"205001010000Z"),
        (tag::INTEGER, b"20500101000000Z"),
        (tag::UTC_TIME, b""),
    ] {
        assert_eq!(t(tag, bad), Err(X509Error::Time), "{bad:?}");
    }
}

#[test]
fn der_lengths_are_checked() {
    // Long form that is not the shortest, indefinite, too many length bytes, high tags.
    for bad in [
        &[0x30, 0x81, 0x05, 1, 2, 3, 4, 5][..],
        &[0x30, 0x80, 0, 0],
        &[0x30, 0x85, 0, 0, 0, 0, 1, 0],
        &[0x30, 0x82, 0x00, 0x90],
        &[0x1f, 0x01, 0x00],
        &[0x30, 0x03, 0x02, 0x01],
        &[0x30],
        &[],
    ] {
        assert_eq!(
            read_tlv(bad).map(|(t, _)| t.tag),
            Err(X509Error::Der),
            "{bad:?}"
        );
    }
    let mut long = vec![0x04, 0x81, 0x80];
    long.extend([7u8; 0x80]);
    long.push(0xff);
    let (tlv, rest) = read_tlv(&long).unwrap();
    assert_eq!(
        (tlv.contents.len(), tlv.raw.len(), rest),
        (0x80, 0x83, &[0xff][..])
    );
}

/// xorshift64: reproducible pseudo-random bytes without a crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Everything the reader offers, on whatever `der` is: must not panic.
fn exercise(der: &[u8]) -> bool {
    let mut ok = false;
    if let Ok(cert) = Certificate::parse(der) {
        ok = true;
        let _ = (cert.subject.common_name(), cert.issuer.organization());
        let _ = cert.extension(oid::BASIC_CONSTRAINTS);
        let hash = cert.self_signed_hash_data();
        let _ = (hash.serial_number_hex(), hash.matches("", "", ""));
    }
    let _ = CertificationRequest::parse(der);
    let _ = Name::parse(der).map(|n| n.common_name());
    let _ = PublicKeyInfo::parse(der);
    for item in der_chain(der) {
        let _ = item;
    }
    ok
}

#[test]
fn random_truncated_and_mutated_input_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut buf = vec![0u8; 600];
    for _ in 0..20_000 {
        let len = rng.below(buf.len());
        for b in &mut buf[..len] {
            *b = rng.next() as u8;
        }
        // Often a plausible start, so the reader gets past the first element.
        if len > 4 && rng.below(2) == 0 {
            buf[0] = 0x30;
            buf[1] = 0x82;
        }
        exercise(&buf[..len]);
        let text = String::from_utf8_lossy(&buf[..len]);
        let mut out = [0u8; 64];
        let _ = pem_to_der(&text, &mut out);
        let _ = base64_decode(&text, &mut out);
    }
    for which in ["root", "leaf", "rsa_root", "not_ca"] {
        let der = unhex(field(&pki()[which], "der"));
        assert!(exercise(&der));
        // Every truncation is an error, never a panic.
        for len in 0..der.len() {
            assert!(!exercise(&der[..len]), "{which} cut at {len}");
        }
        // Trailing bytes are an error too.
        let mut longer = der.clone();
        longer.push(0);
        assert!(Certificate::parse(&longer).is_err());
        // Single-byte mutations.
        let mut mutated = der.clone();
        for _ in 0..5_000 {
            let at = rng.below(der.len());
            let old = mutated[at];
            mutated[at] = rng.next() as u8;
            exercise(&mutated);
            mutated[at] = old;
        }
        // PEM cut anywhere.
        let pem = field(&pki()[which], "pem");
        let mut out = vec![0u8; 4096];
        for len in (0..pem.len()).step_by(7) {
            let _ = pem_to_der(&pem[..len], &mut out);
        }
    }
    let csr = unhex(field(pki(), "csr_der"));
    for len in 0..csr.len() {
        assert!(CertificationRequest::parse(&csr[..len]).is_err());
    }
}
