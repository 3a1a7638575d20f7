//! The security whitepaper's certificate management (feature `certificates`):
//! InstallCertificate, GetInstalledCertificateIds and DeleteCertificate.
//!
//! The engine reads InstallCertificate with its own borrowing reader
//! (`engine/security/certificates.rs`): the 5500-character PEM is decoded straight from the
//! frame into the certificate store, never copied into an [`InstallCertificateRequest`] on the
//! stack. The struct is the message's definition (tests, the Central System's side).

use heapless::Vec;

use super::core_profile::{request, Request};
use super::{ocpp_enum, ocpp_message};
use crate::cistring::CiString;

/// The schema's maxLength of InstallCertificate's `certificate`.
pub const CERTIFICATE_PEM_MAX: usize = 5500;
/// Certificates installed at once (`CONFIG_OCPP_CERTIFICATE_STORE_MAX`).
pub const CERTIFICATE_STORE_MAX: usize = crate::capacity::CERTIFICATE_STORE_MAX;

ocpp_enum! {
    /// CertificateUseEnumType.
    CertificateUse {
        /// Root certificate used by the CA to sign the Central System and Charge Point
        /// certificates: a TLS trust anchor.
        CentralSystemRootCertificate = "CentralSystemRootCertificate",
        /// Root certificate for verification of the Manufacturer certificate (firmware signing).
        ManufacturerRootCertificate = "ManufacturerRootCertificate",
    }
}

ocpp_enum! {
    HashAlgorithm {
        SHA256 = "SHA256",
        SHA384 = "SHA384",
        SHA512 = "SHA512",
    }
}

ocpp_message! {
    /// CertificateHashDataType: identifies an installed certificate.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CertificateHashData {
        "hashAlgorithm" pub hash_algorithm: HashAlgorithm,
        "issuerNameHash" pub issuer_name_hash: CiString<128>,
        "issuerKeyHash" pub issuer_key_hash: CiString<128>,
        "serialNumber" pub serial_number: CiString<40>,
    }
}

impl CertificateHashData {
    /// The SHA256 hash data [`crate::x509::CertificateHashData`] computed.
    pub fn from_x509(hash: &crate::x509::CertificateHashData) -> Self {
        Self {
            hash_algorithm: HashAlgorithm::SHA256,
            issuer_name_hash: CiString::try_from_str(&hash.issuer_name_hash_hex())
                .unwrap_or_default(),
            issuer_key_hash: CiString::try_from_str(&hash.issuer_key_hash_hex())
                .unwrap_or_default(),
            serial_number: CiString::try_from_str(&hash.serial_number_hex()).unwrap_or_default(),
        }
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct InstallCertificateRequest {
        "certificateType" pub certificate_type: CertificateUse,
        "certificate" pub certificate: CiString<CERTIFICATE_PEM_MAX>,
    }
}

ocpp_enum! {
    CertificateStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
        Failed = "Failed",
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct InstallCertificateResponse {
        "status" pub status: CertificateStatus,
    }
}
request!(InstallCertificateRequest => InstallCertificateResponse, InstallCertificate);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetInstalledCertificateIdsRequest {
        "certificateType" pub certificate_type: CertificateUse,
    }
}

ocpp_enum! {
    GetInstalledCertificateStatus {
        Accepted = "Accepted",
        NotFound = "NotFound",
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetInstalledCertificateIdsResponse {
        "status" pub status: GetInstalledCertificateStatus,
        /// Absent when NotFound (the schema's minItems is 1).
        "certificateHashData" pub certificate_hash_data: Option<Vec<CertificateHashData, CERTIFICATE_STORE_MAX>>,
    }
}
request!(GetInstalledCertificateIdsRequest => GetInstalledCertificateIdsResponse, GetInstalledCertificateIds);

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DeleteCertificateRequest {
        "certificateHashData" pub certificate_hash_data: CertificateHashData,
    }
}

ocpp_enum! {
    DeleteCertificateStatus {
        Accepted = "Accepted",
        Failed = "Failed",
        NotFound = "NotFound",
    }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DeleteCertificateResponse {
        "status" pub status: DeleteCertificateStatus,
    }
}
request!(DeleteCertificateRequest => DeleteCertificateResponse, DeleteCertificate);

#[cfg(test)]
mod tests {
    //! Every message of this module written and read back; the frames go to
    //! `target/frames/unit-messages-certificates.jsonl` for the schema check.
    use super::*;
    use crate::messages::test_support::*;
    use crate::messages::Action;
    use crate::rpc::ErrorCode;

    fn hash(serial: &str) -> CertificateHashData {
        CertificateHashData {
            hash_algorithm: HashAlgorithm::SHA256,
            issuer_name_hash: text(&"ab".repeat(32)),
            issuer_key_hash: text(&"0f".repeat(32)),
            serial_number: text(serial),
        }
    }

    fn parse<T: crate::codec::Member>(payload: &str) -> Result<T, ErrorCode> {
        crate::messages::parse_payload(payload.as_bytes(), &mut [0u8; 6000])
    }

    #[test]
    fn every_message_round_trips_and_its_frames_are_written() {
        let mut frames = Frames::new("unit-messages-certificates");
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        for &certificate_type in CertificateUse::ALL {
            let request = InstallCertificateRequest {
                certificate_type,
                certificate: text(pem),
            };
            let payload = round_trip(&request, |p| parse(core::str::from_utf8(p).unwrap()));
            for &status in CertificateStatus::ALL {
                let answer = InstallCertificateResponse { status };
                round_trip(&answer, serde_parse);
                frames.answer(Action::InstallCertificate, &payload, &answer);
            }
            let request = GetInstalledCertificateIdsRequest { certificate_type };
            let payload = round_trip(&request, serde_parse);
            let found = GetInstalledCertificateIdsResponse {
                status: GetInstalledCertificateStatus::Accepted,
                certificate_hash_data: Some(Vec::from_slice(&[hash("1"), hash("abc")]).unwrap()),
            };
            round_trip(&found, serde_parse);
            frames.answer(Action::GetInstalledCertificateIds, &payload, &found);
            let none = GetInstalledCertificateIdsResponse {
                status: GetInstalledCertificateStatus::NotFound,
                certificate_hash_data: None,
            };
            round_trip(&none, serde_parse);
            frames.answer(Action::GetInstalledCertificateIds, &payload, &none);
        }
        let request = DeleteCertificateRequest {
            certificate_hash_data: hash(&"f".repeat(40)),
        };
        let payload = round_trip(&request, serde_parse);
        for &status in DeleteCertificateStatus::ALL {
            let answer = DeleteCertificateResponse { status };
            round_trip(&answer, serde_parse);
            frames.answer(Action::DeleteCertificate, &payload, &answer);
        }
    }

    #[test]
    fn payloads_that_do_not_match_the_schema() {
        use ErrorCode::*;
        let key = "ab".repeat(32);
        for (payload, code) in [
            (r#"{}"#.to_owned(), OccurenceConstraintViolation),
            (
                r#"{"certificateHashData":{}}"#.to_owned(),
                OccurenceConstraintViolation,
            ),
            (
                format!(
                    r#"{{"certificateHashData":{{"hashAlgorithm":"MD5","issuerNameHash":"{key}","issuerKeyHash":"{key}","serialNumber":"1"}}}}"#
                ),
                PropertyConstraintViolation,
            ),
            (
                format!(
                    r#"{{"certificateHashData":{{"hashAlgorithm":"SHA256","issuerNameHash":"{key}","issuerKeyHash":"{key}","serialNumber":"{}"}}}}"#,
                    "1".repeat(41)
                ),
                PropertyConstraintViolation,
            ),
            (
                format!(
                    r#"{{"certificateHashData":{{"hashAlgorithm":"SHA256","issuerNameHash":"{key}","issuerKeyHash":1,"serialNumber":"1"}}}}"#
                ),
                TypeConstraintViolation,
            ),
        ] {
            assert_eq!(
                parse::<DeleteCertificateRequest>(&payload),
                Err(code),
                "{payload}"
            );
        }
        assert_eq!(
            parse::<GetInstalledCertificateIdsRequest>(
                r#"{"certificateType":"V2GRootCertificate"}"#
            ),
            Err(PropertyConstraintViolation)
        );
    }
}
