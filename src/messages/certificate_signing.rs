//! The security whitepaper's "Update Charge Point Certificate" messages: SignCertificate (the
//! charge point's CSR) and CertificateSigned (the signed chain). Compiled with feature
//! `certificate-signing`.

use super::core_profile::{request, Request};
use super::{ocpp_enum, ocpp_message};
use crate::cistring::CiString;

/// Longest CSR (PEM) this build sends: an ECDSA P-256 or RSA-2048 request with a short subject
/// is well below it (the schema allows 5500 characters).
pub const CSR_PEM_MAX: usize = 2048;
pub type CsrPem = CiString<CSR_PEM_MAX>;

/// Longest certificateChain the schema allows (characters). The chains this build accepts are
/// bounded lower, by `CertificateSignedMaxChainSize`.
pub const CERTIFICATE_CHAIN_SCHEMA_MAX: usize = 10_000;

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SignCertificateRequest {
        /// The PKCS#10 request, PEM encoded.
        "csr" pub csr: CsrPem,
    }
}

ocpp_enum! {
    SignCertificateStatus { Accepted = "Accepted", Rejected = "Rejected" }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SignCertificateResponse {
        "status" pub status: SignCertificateStatus,
    }
}
request!(SignCertificateRequest => SignCertificateResponse, SignCertificate);

ocpp_message! {
    /// The Central System's request as the schema has it. The engine does not hold the chain
    /// in this type (it unescapes it into its own bounded buffer,
    /// `engine/security/certificate_signing.rs`); tests and tools use it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CertificateSignedRequest {
        /// PEM certificates, the leaf first.
        "certificateChain" pub certificate_chain: CiString<CERTIFICATE_CHAIN_SCHEMA_MAX>,
    }
}

ocpp_enum! {
    CertificateSignedStatus { Accepted = "Accepted", Rejected = "Rejected" }
}

ocpp_message! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CertificateSignedResponse {
        "status" pub status: CertificateSignedStatus,
    }
}

#[cfg(test)]
mod tests {
    //! Every message of this module written and read back; the frames go to
    //! `target/frames/unit-messages-certificate-signing.jsonl` for the schema check.
    use super::*;
    use crate::messages::test_support::*;
    use crate::messages::Action;
    use crate::rpc::ErrorCode;

    const CSR: &str = "-----BEGIN CERTIFICATE REQUEST-----\nMIIBADCBpwIBADBFMQswCQYDVQQGEwJERTEQ\n-----END CERTIFICATE REQUEST-----\n";

    #[test]
    fn every_message_round_trips_and_its_frames_are_written() {
        let mut frames = Frames::new("unit-messages-certificate-signing");
        let request = SignCertificateRequest { csr: text(CSR) };
        round_trip(&request, serde_parse);
        frames.call(&request);
        for &status in SignCertificateStatus::ALL {
            round_trip(&SignCertificateResponse { status }, serde_parse);
        }
        for &status in CertificateSignedStatus::ALL {
            let payload = json(&CertificateSignedRequest {
                certificate_chain: text(
                    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                ),
            });
            let answer = CertificateSignedResponse { status };
            round_trip(&answer, serde_parse);
            frames.answer(Action::CertificateSigned, &payload, &answer);
        }
        assert_eq!(
            json(&SignCertificateResponse {
                status: SignCertificateStatus::Accepted
            }),
            r#"{"status":"Accepted"}"#
        );
    }

    #[test]
    fn sign_certificate_answers_that_do_not_match_the_schema() {
        use ErrorCode::*;
        for (payload, code) in [
            (r#"{}"#, OccurenceConstraintViolation),
            (r#"{"status":"Maybe"}"#, PropertyConstraintViolation),
            (r#"{"status":1}"#, TypeConstraintViolation),
        ] {
            let parsed: Result<SignCertificateResponse, _> =
                crate::messages::parse_payload(payload.as_bytes(), &mut [0u8; 64]);
            assert_eq!(parsed, Err(code), "{payload}");
        }
    }
}
