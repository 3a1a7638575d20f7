//! "Update Charge Point Certificate by request of Central System" (security whitepaper, feature
//! `certificate-signing`): SignCertificate and CertificateSigned.
//!
//! 1. ExtendedTriggerMessage(SignChargePointCertificate) is Accepted and the engine asks the
//!    platform for a new key pair and a CSR: [`ChargePoint::poll_csr_request`] hands out a
//!    [`CsrRequest`] once (organizationName = `CpoName`, commonName = the serial number).
//! 2. The platform generates the key (it never leaves the device) and the PKCS#10 request and
//!    gives the PEM to [`ChargePoint::csr_ready`] (or reports [`ChargePoint::csr_failed`]). The
//!    engine keeps the request's SubjectPublicKeyInfo and queues SignCertificate.req; an
//!    answer Rejected (or a CALLERROR) ends it; without an answer (offline, timeout) it is sent
//!    again after the next connection, at most [`SIGN_CERTIFICATE_ATTEMPTS`] times.
//! 3. CertificateSigned.req: the PEM chain is checked here (the platform verifies signatures):
//!    it fits `CertificateSignedMaxChainSize`, every block is a certificate, the leaf's key is
//!    the CSR's, no certificate has expired (when the clock is set), and each certificate's
//!    issuer is the next one's subject. Rejected: a SecurityEventNotification
//!    InvalidChargePointCertificate is queued. Accepted: the chain (DER, back to back) is kept,
//!    persisted (store record `ccert`) and offered by [`ChargePoint::client_certificate_chain`];
//!    [`ChargePoint::poll_client_certificate_changed`] says so once, and
//!    [`ChargePoint::poll_reconnect`] returns true so the platform connects with it.
//! 4. When the first connection with the new certificate is refused for it
//!    ([`ConnectionFailure::InvalidChargePointCertificate`]), the new chain is dropped: the
//!    platform falls back to the certificate it was provisioned with (changed signal again).

use super::super::*;
use crate::capacity::CERTIFICATE_SIGNED_MAX_CHAIN_SIZE as CHAIN_MAX;
use crate::codec::{DecodeFields, RawValue, Table};
use crate::engine::config::CpoNameText;
use crate::messages::{
    CertificateSignedResponse, CertificateSignedStatus, CsrPem, SecurityEventType,
    SignCertificateRequest, SignCertificateResponse, SignCertificateStatus,
};
use crate::x509::{self, Certificate, X509Error};

/// Bytes of DER a chain of `CertificateSignedMaxChainSize` PEM characters can hold (base64
/// carries three bytes in four characters; headers and line ends only make it less).
pub const CHAIN_DER_MAX: usize = CHAIN_MAX * 3 / 4;

/// Longest SubjectPublicKeyInfo kept for the CSR in progress (RSA-4096 takes 550 bytes; an
/// ECDSA P-256 key 91).
pub const SPKI_MAX: usize = 600;

/// Times SignCertificate.req is sent before the engine gives up when no answer comes.
pub const SIGN_CERTIFICATE_ATTEMPTS: u8 = 3;

/// Longest commonName the engine asks for (a serial number is at most 25 characters).
pub type CommonName = CiString<64>;

/// What the platform puts in the subject of the CSR it generates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrRequest {
    /// commonName (CN): the charge point's serial number from its BootNotification; empty when
    /// it has none: the platform then uses the charge point's identity.
    pub common_name: CommonName,
    /// organizationName (O): the `CpoName` key.
    pub organization: CpoNameText,
}

/// Where the CSR of the current request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    /// Asked for by the Central System; not yet handed to the platform.
    Requested,
    /// The platform generates the key and the CSR.
    Generating,
    /// SignCertificate.req queued or in flight (`attempts` sent so far).
    Sending,
    /// SignCertificate.req failed without an answer: queued again at the next connection.
    Retry,
    /// The Central System accepted the CSR: waiting for CertificateSigned.
    Signing,
}

/// The feature's state. The chain buffers are the feature's RAM cost: about 2.5 times
/// `CONFIG_OCPP_CERTIFICATE_SIGNED_MAX_CHAIN_SIZE`.
pub(in crate::engine) struct CertificateSigning {
    phase: Phase,
    attempts: u8,
    /// The CSR to send (Sending, Retry).
    csr: Option<CsrPem>,
    /// The SubjectPublicKeyInfo of the CSR sent last: the leaf of CertificateSigned must carry
    /// it. Empty: no CSR awaits a certificate.
    spki: Vec<u8, SPKI_MAX>,
    /// The accepted chain, DER certificates back to back, leaf first. Empty: none.
    chain: Vec<u8, CHAIN_DER_MAX>,
    /// The chain is new and no connection has used it yet.
    untried: bool,
    /// One-shot: the chain changed since the platform last asked.
    changed: bool,
    /// The unescaped PEM of a CertificateSigned (first `CHAIN_MAX` bytes) and its DER (the
    /// rest), while it is checked.
    work: [u8; CHAIN_MAX + CHAIN_DER_MAX],
}

impl CertificateSigning {
    pub(in crate::engine) const fn new() -> Self {
        Self {
            phase: Phase::Idle,
            attempts: 0,
            csr: None,
            spki: Vec::new(),
            chain: Vec::new(),
            untried: false,
            changed: false,
            work: [0; CHAIN_MAX + CHAIN_DER_MAX],
        }
    }
}

/// Why a chain was Rejected (the techInfo of the security event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    TooLong,
    NotPem,
    NotCertificate,
    NoCsr,
    OtherKey,
    Expired,
    BrokenChain,
}

impl Refusal {
    fn text(self) -> &'static str {
        match self {
            Refusal::TooLong => "certificateChain exceeds CertificateSignedMaxChainSize",
            Refusal::NotPem => "certificateChain is not PEM",
            Refusal::NotCertificate => "certificateChain holds an unreadable certificate",
            Refusal::NoCsr => "no certificate signing request is pending",
            Refusal::OtherKey => "the certificate is not for the key of the CSR",
            Refusal::Expired => "a certificate of the chain is not valid now",
            Refusal::BrokenChain => "an issuer does not match the next certificate's subject",
        }
    }
}

/// CertificateSigned.req's one member, unescaped into the work buffer and decoded from PEM as
/// it is read: the chain is never held as a message struct.
struct ChainSink<'w> {
    work: &'w mut [u8; CHAIN_MAX + CHAIN_DER_MAX],
    /// The DER length, or why the text was refused.
    outcome: Option<Result<usize, Refusal>>,
}

static CHAIN_TABLE: Table = Table::new(&["\"certificateChain\":"], &[true]);

impl DecodeFields for ChainSink<'_> {
    fn table(&self) -> &'static Table {
        &CHAIN_TABLE
    }

    fn set(
        &mut self,
        index: usize,
        value: RawValue<'_, '_>,
        _: &mut [u8],
    ) -> Result<(), ErrorCode> {
        if index != 0 {
            return Ok(());
        }
        let (pem, der) = self.work.split_at_mut(CHAIN_MAX);
        self.outcome = Some(match crate::codec::string(value, pem) {
            Ok(text) if text.chars().count() > CHAIN_MAX => Err(Refusal::TooLong),
            Ok(text) => match x509::pem_chain_to_der(text, der) {
                Ok((len, _)) => Ok(len),
                Err(X509Error::BufferTooSmall) => Err(Refusal::TooLong),
                Err(_) => Err(Refusal::NotPem),
            },
            // The unescaped text does not fit the buffer: longer than the capacity.
            Err(ErrorCode::PropertyConstraintViolation) => Err(Refusal::TooLong),
            Err(code) => return Err(code),
        });
        Ok(())
    }
}

impl<S: Station> ChargePoint<S> {
    /// ExtendedTriggerMessage(SignChargePointCertificate): a new key pair and CSR are wanted.
    /// A request already under way starts over (its key is replaced).
    pub(in crate::engine) fn request_csr(&mut self) -> TriggerMessageStatus {
        info!("the Central System asks for a certificate signing request");
        let s = &mut self.signing;
        s.phase = Phase::Requested;
        s.csr = None;
        s.attempts = 0;
        TriggerMessageStatus::Accepted
    }

    /// The CSR the platform should generate now (once per request): a new key pair (kept on
    /// the device) and a PKCS#10 request signed with it, whose subject has these names. Hand
    /// the PEM to [`ChargePoint::csr_ready`], or report [`ChargePoint::csr_failed`].
    #[must_use]
    pub fn poll_csr_request(&mut self, now: Instant) -> Option<CsrRequest> {
        let _ = now;
        if self.signing.phase != Phase::Requested {
            return None;
        }
        self.signing.phase = Phase::Generating;
        let serial = self
            .boot_info
            .charge_point_serial_number
            .as_ref()
            .or(self.boot_info.charge_box_serial_number.as_ref())
            .map_or("", |s| s.as_str());
        Some(CsrRequest {
            common_name: CiString::try_from_str(serial).unwrap_or_default(),
            organization: self.config.CpoName.clone(),
        })
    }

    /// The platform generated the CSR of [`ChargePoint::poll_csr_request`] (PEM, label
    /// `CERTIFICATE REQUEST`): SignCertificate.req is queued.
    ///
    /// Errors: [`CommandError::NotReady`] when no CSR was asked for;
    /// [`CommandError::InvalidArgument`] when `csr_pem` is not a readable PKCS#10 request of at
    /// most [`crate::messages::CSR_PEM_MAX`] characters; [`CommandError::QueueFull`] when the
    /// outbox is full (the request is then sent after the next connection).
    pub fn csr_ready(&mut self, now: Instant, csr_pem: &str) -> Result<(), CommandError> {
        let _ = now;
        if self.signing.phase != Phase::Generating {
            return Err(CommandError::NotReady);
        }
        let csr = CsrPem::try_from_str(csr_pem).map_err(|_| CommandError::InvalidArgument)?;
        let s = &mut self.signing;
        let spki = csr_public_key(csr_pem, &mut s.work)?;
        s.spki.clear();
        s.spki
            .extend_from_slice(spki)
            .map_err(|_| CommandError::InvalidArgument)?;
        s.csr = Some(csr);
        s.attempts = 0;
        s.phase = Phase::Retry;
        self.store_changed(Record::ClientCertificate);
        self.queue_sign_certificate()
    }

    /// The platform could not generate the key or the CSR: the request ends (the Central
    /// System may trigger it again).
    pub fn csr_failed(&mut self, now: Instant) {
        let _ = now;
        if matches!(self.signing.phase, Phase::Requested | Phase::Generating) {
            warn!("the platform could not generate a certificate signing request");
            self.signing.phase = Phase::Idle;
        }
    }

    /// The accepted client certificate chain for Security Profile 3 (DER certificates back to
    /// back, the leaf first; read them with [`crate::x509::der_chain`]), with the key of the
    /// last CSR; None: use the certificate the platform was provisioned with.
    pub fn client_certificate_chain(&self) -> Option<&[u8]> {
        (!self.signing.chain.is_empty()).then_some(self.signing.chain.as_slice())
    }

    /// True once after [`ChargePoint::client_certificate_chain`] changed (a CertificateSigned
    /// accepted, or the new chain dropped after the Central System refused it): the platform
    /// takes the matching key (the last CSR's, or its provisioned one) for the next connection.
    #[must_use]
    pub fn poll_client_certificate_changed(&mut self) -> bool {
        core::mem::take(&mut self.signing.changed)
    }

    /// Queues SignCertificate.req (Retry → Sending).
    fn queue_sign_certificate(&mut self) -> Result<(), CommandError> {
        if self.signing.phase != Phase::Retry {
            return Ok(());
        }
        self.push_outgoing(Outgoing::SignCertificate)?;
        self.signing.phase = Phase::Sending;
        Ok(())
    }

    /// A connection opened: a SignCertificate.req that got no answer is sent again (after the
    /// BootNotification, like every request); a new chain has now been used.
    pub(in crate::engine) fn certificate_signing_connected(&mut self) {
        let _ = self.queue_sign_certificate();
    }

    /// The connection with the new certificate succeeded: it is the one to keep.
    pub(in crate::engine) fn client_certificate_proven(&mut self) {
        if core::mem::take(&mut self.signing.untried) {
            info!("the Central System accepted the new client certificate");
        }
    }

    /// A connection was refused for its client certificate: a new, untried chain is dropped
    /// and the provisioned certificate comes back.
    pub(in crate::engine) fn client_certificate_refused(&mut self) {
        if !core::mem::take(&mut self.signing.untried) {
            return;
        }
        warn!("the new client certificate was refused: back to the provisioned one");
        self.signing.chain.clear();
        self.signing.changed = true;
        self.credentials_reconnect();
        self.store_changed(Record::ClientCertificate);
    }

    /// Writes SignCertificate.req (its own frame: the CSR is copied onto the stack).
    #[inline(never)]
    pub(in crate::engine) fn transmit_sign_certificate(
        &mut self,
        now: Instant,
        buf: &mut [u8],
    ) -> Option<usize> {
        let Some(csr) = self.signing.csr.clone() else {
            self.signing.phase = Phase::Idle;
            return None;
        };
        self.signing.attempts = self.signing.attempts.saturating_add(1);
        let origin = requests::Origin::Outbox(Outgoing::SignCertificate);
        self.send(now, buf, origin, &SignCertificateRequest { csr })
    }

    /// SignCertificate.conf.
    pub(in crate::engine) fn on_sign_certificate_response(
        &mut self,
        payload: &[u8],
        scratch: &mut [u8],
    ) {
        let s = &mut self.signing;
        s.csr = None;
        match parse_payload::<SignCertificateResponse>(payload, scratch) {
            Ok(SignCertificateResponse {
                status: SignCertificateStatus::Accepted,
            }) => {
                info!("SignCertificate accepted: waiting for CertificateSigned");
                s.phase = Phase::Signing;
            }
            Ok(_) => {
                warn!("SignCertificate rejected by the Central System");
                self.end_csr();
            }
            Err(code) => {
                warn!(
                    "SignCertificate answer does not match the schema (",
                    code, ")"
                );
                self.end_csr();
            }
        }
    }

    /// The request ends without a certificate: its key is no longer expected.
    fn end_csr(&mut self) {
        let s = &mut self.signing;
        s.phase = Phase::Idle;
        s.csr = None;
        if !s.spki.is_empty() {
            s.spki.clear();
            self.store_changed(Record::ClientCertificate);
        }
    }

    /// SignCertificate.req got no answer (offline, timeout) or a CALLERROR.
    pub(in crate::engine) fn sign_certificate_failed(&mut self, error: RequestError) {
        let s = &mut self.signing;
        if s.phase != Phase::Sending {
            return;
        }
        let again = matches!(error, RequestError::Offline | RequestError::Timeout)
            && s.attempts < SIGN_CERTIFICATE_ATTEMPTS;
        if again {
            info!("SignCertificate not answered: sent again after the next connection");
            s.phase = Phase::Retry;
        } else {
            warn!("SignCertificate given up (", error, ")");
            self.end_csr();
        }
    }

    pub(in crate::engine) fn handle_certificate_signed(&mut self, mut call: Incoming) -> Answer {
        let now = call.now;
        let outcome = {
            let mut sink = ChainSink {
                work: &mut self.signing.work,
                outcome: None,
            };
            crate::codec::decode(call.io.payload(), call.scratch, &mut sink)?;
            sink.outcome
        };
        let status = match outcome
            .unwrap_or(Err(Refusal::NotPem))
            .and_then(|len| self.check_chain(now, len))
        {
            Ok(len) => {
                self.accept_chain(len);
                CertificateSignedStatus::Accepted
            }
            Err(refusal) => {
                warn!("CertificateSigned rejected: ", refusal.text());
                let _ = self.record_security_event(
                    now,
                    SecurityEventType::InvalidChargePointCertificate,
                    Some(refusal.text()),
                );
                CertificateSignedStatus::Rejected
            }
        };
        Ok(crate::codec::write_call_result(
            call.io.reply(),
            call.id,
            &CertificateSignedResponse { status },
        ))
    }

    /// The checks of the chain decoded into the work buffer (`len` bytes of DER).
    fn check_chain(&self, now: Instant, len: usize) -> Result<usize, Refusal> {
        let s = &self.signing;
        let der = s
            .work
            .get(CHAIN_MAX..CHAIN_MAX + len)
            .ok_or(Refusal::TooLong)?;
        if len > CHAIN_DER_MAX {
            return Err(Refusal::TooLong);
        }
        if s.spki.is_empty() {
            return Err(Refusal::NoCsr);
        }
        let time = self.wall_time(now);
        let mut previous: Option<Certificate<'_>> = None;
        for cert in x509::der_chain(der) {
            let cert = cert
                .and_then(Certificate::parse)
                .map_err(|_| Refusal::NotCertificate)?;
            match &previous {
                None if cert.public_key.der != s.spki.as_slice() => return Err(Refusal::OtherKey),
                None => {}
                Some(child) if child.issuer.der != cert.subject.der => {
                    return Err(Refusal::BrokenChain)
                }
                Some(_) => {}
            }
            // Not yet valid is fine: the whitepaper switches once notBefore is reached.
            if time.is_some_and(|t| t > cert.not_after) {
                return Err(Refusal::Expired);
            }
            previous = Some(cert);
        }
        match previous {
            Some(_) => Ok(len),
            None => Err(Refusal::NotPem),
        }
    }

    fn accept_chain(&mut self, len: usize) {
        let s = &mut self.signing;
        s.chain.clear();
        let der = s.work.get(CHAIN_MAX..CHAIN_MAX + len).unwrap_or_default();
        // `check_chain` bounded `len` by the capacity.
        let _ = s.chain.extend_from_slice(der);
        s.spki.clear();
        s.phase = Phase::Idle;
        s.untried = true;
        s.changed = true;
        info!("CertificateSigned accepted: the new certificate is used from the next connection");
        self.credentials_reconnect();
        self.store_changed(Record::ClientCertificate);
    }

    /// The `ccert` store record: the accepted chain and the pending CSR's key.
    pub(in crate::engine) fn encode_client_certificate(&self, w: &mut queue::Writer) {
        let s = &self.signing;
        w.u16(s.chain.len() as u16);
        w.bytes(&s.chain);
        w.u16(s.spki.len() as u16);
        w.bytes(&s.spki);
    }

    /// Nothing to keep: the record is erased.
    pub(in crate::engine) fn client_certificate_is_empty(&self) -> bool {
        self.signing.chain.is_empty() && self.signing.spki.is_empty()
    }

    pub(in crate::engine) fn restore_client_certificate(
        &mut self,
        r: &mut queue::Reader,
    ) -> Option<()> {
        fn bytes<'r>(r: &'r mut queue::Reader) -> Option<&'r [u8]> {
            let len = usize::from(u16::from_le_bytes(r.take(2)?.try_into().ok()?));
            r.take(len)
        }
        let mut restored: Vec<u8, CHAIN_DER_MAX> = Vec::new();
        restored.extend_from_slice(bytes(r)?).ok()?;
        let spki = bytes(r)?;
        let mut key: Vec<u8, SPKI_MAX> = Vec::new();
        key.extend_from_slice(spki).ok()?;
        let s = &mut self.signing;
        s.chain = restored;
        s.spki = key;
        // A CSR whose answer was pending waits for its CertificateSigned.
        if !s.spki.is_empty() {
            s.phase = Phase::Signing;
        }
        Some(())
    }
}

/// The SubjectPublicKeyInfo of the PEM CSR `pem`, decoded in `work`.
fn csr_public_key<'w>(pem: &str, work: &'w mut [u8]) -> Result<&'w [u8], CommandError> {
    let block = x509::pem_blocks(pem)
        .filter_map(Result::ok)
        .find(|b| b.label == "CERTIFICATE REQUEST" || b.label == "NEW CERTIFICATE REQUEST")
        .ok_or(CommandError::InvalidArgument)?;
    let n = block
        .decode(work)
        .map_err(|_| CommandError::InvalidArgument)?;
    let der = work.get(..n).ok_or(CommandError::InvalidArgument)?;
    x509::csr_public_key_info(der).map_err(|_| CommandError::InvalidArgument)
}
