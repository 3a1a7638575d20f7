//! The certificate reader on arbitrary bytes (src/x509.rs): DER certificates, PKCS#10 requests,
//! Names and PEM text never panic, and a certificate that parses gives its hash data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocpp::x509::{
    der_chain, oid, pem_blocks, pem_to_der, Certificate, CertificationRequest, Name,
    PublicKeyInfo,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = Certificate::parse(data) {
        let _ = (cert.subject.common_name(), cert.issuer.organization());
        let _ = cert.extension(oid::BASIC_CONSTRAINTS);
        let hash = cert.self_signed_hash_data();
        assert!(hash.serial_number_hex().len() <= 40);
    }
    let _ = CertificationRequest::parse(data);
    let _ = Name::parse(data).map(|n| n.common_name());
    let _ = PublicKeyInfo::parse(data);
    for item in der_chain(data) {
        let _ = item;
    }
    let text = String::from_utf8_lossy(data);
    let mut out = [0u8; 2048];
    let _ = pem_to_der(&text, &mut out);
    for block in pem_blocks(&text).flatten() {
        let _ = block.decode(&mut out);
    }
});
