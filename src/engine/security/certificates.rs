//! Certificate management of the security whitepaper (feature `certificates`): the
//! InstallCertificate, GetInstalledCertificateIds and DeleteCertificate handlers and the bounded
//! store of the installed CA certificates, as DER.
//!
//! The store holds at most `CONFIG_OCPP_CERTIFICATE_STORE_MAX` certificates
//! (`CertificateStoreMaxLength`) in `CONFIG_OCPP_CERTIFICATE_STORE_BYTES` bytes, packed. Each
//! certificate is one store record `cert/<slot>` (its use and its DER), written when installed
//! and erased when deleted. The platform reads them with
//! [`ChargePoint::installed_certificates`]: the host adds the CentralSystemRootCertificates to
//! its TLS roots at every connection (a new root is used from the next connection; the current
//! one is not dropped), and [`ChargePoint::central_system_roots_version`] tells a platform that
//! caches its TLS configuration when to rebuild it.
//!
//! InstallCertificate is read without copying the certificate: the PEM (up to 5500 characters)
//! is base64-decoded straight from the frame's JSON string into the free part of the store, and
//! only becomes an entry once it checks out. The installed certificates are roots, so the
//! CertificateHashData of each is computed with its own key as the issuer's.
//!
//! What is Rejected (the whitepaper: "the certificate is invalid and/or incorrect", or the
//! store is full): text without a PEM CERTIFICATE block, DER that is not an X.509 certificate,
//! a certificate that is not a CA (basicConstraints cA) or not self-issued (the two types are
//! root certificates), one outside its validity period when the wall clock is known, and one
//! that does not fit the store (entries or bytes). Installing a certificate already installed
//! for the same use is Accepted and changes nothing. The signature of a root is not checked
//! (that needs a verifier: the platform's TLS stack checks it when it uses the root).
//!
//! DeleteCertificate answers Failed for a CentralSystemRootCertificate in use for validating
//! the connection (the whitepaper's rule): the platform names the certificate its TLS stack
//! verified ([`ChargePoint::tls_peer_verified`]); every other installed certificate can be
//! deleted, the last CentralSystemRootCertificate too.

use super::super::*;
use super::unescaped_chars;
use crate::capacity::{CERTIFICATE_STORE_BYTES, CERTIFICATE_STORE_MAX};
use crate::json::Cursor;
use crate::x509::{self, Certificate};

const _: () = assert!(
    CERTIFICATE_STORE_MAX <= 32 && CERTIFICATE_STORE_BYTES <= u16::MAX as usize,
    "one dirty bit per certificate slot; 16-bit offsets"
);

/// One installed certificate: its use, its store record slot and where its DER is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    usage: CertificateUse,
    slot: u8,
    start: u16,
    len: u16,
}

/// What a certificate slot's record holds: the use and the DER (None: nothing, erase it).
pub(crate) type SlotContent<'a> = Option<(CertificateUse, &'a [u8])>;

/// The installed certificates, packed in installation order.
pub(crate) struct CertificateStore {
    der: [u8; CERTIFICATE_STORE_BYTES],
    /// Bytes of `der` in use (the entries', back to back).
    used: usize,
    entries: Vec<Entry, CERTIFICATE_STORE_MAX>,
    /// Slots whose record to write or erase (bit = slot).
    dirty: u32,
    /// Changes whenever the set of CentralSystemRootCertificates does.
    roots_version: u32,
    /// Slots of the CentralSystemRootCertificates that verified the last TLS connection
    /// ([`ChargePoint::tls_peer_verified`]): DeleteCertificate refuses them (Failed).
    in_use: u32,
}

impl Default for CertificateStore {
    fn default() -> Self {
        Self::new()
    }
}

impl CertificateStore {
    pub(crate) const fn new() -> Self {
        Self {
            der: [0; CERTIFICATE_STORE_BYTES],
            used: 0,
            entries: Vec::new(),
            dirty: 0,
            roots_version: 0,
            in_use: 0,
        }
    }

    fn der_of(&self, entry: &Entry) -> &[u8] {
        let start = usize::from(entry.start);
        self.der
            .get(start..start + usize::from(entry.len))
            .unwrap_or_default()
    }

    fn iter(&self, usage: CertificateUse) -> impl Iterator<Item = &[u8]> + '_ {
        self.entries
            .iter()
            .filter(move |e| e.usage == usage)
            .map(|e| self.der_of(e))
    }

    fn free_slot(&self) -> Option<u8> {
        (0..CERTIFICATE_STORE_MAX as u8).find(|s| self.entries.iter().all(|e| e.slot != *s))
    }

    /// Makes the `len` bytes staged at `der[used..]` an entry in `slot`.
    fn commit(&mut self, usage: CertificateUse, slot: u8, len: usize) -> bool {
        let entry = Entry {
            usage,
            slot,
            start: self.used as u16,
            len: len as u16,
        };
        if self.entries.push(entry).is_err() {
            return false;
        }
        self.used += len;
        self.dirty |= 1 << slot;
        self.in_use &= !(1 << slot);
        if usage == CertificateUse::CentralSystemRootCertificate {
            self.roots_version = self.roots_version.wrapping_add(1);
        }
        true
    }

    /// Removes entry `index`, closing the gap it leaves.
    fn remove(&mut self, index: usize) {
        if index >= self.entries.len() {
            return;
        }
        let entry = self.entries.remove(index);
        let (start, len) = (usize::from(entry.start), usize::from(entry.len));
        self.der.copy_within(start + len..self.used, start);
        self.used -= len;
        for e in self.entries.iter_mut().filter(|e| e.start > entry.start) {
            e.start -= entry.len;
        }
        self.dirty |= 1 << entry.slot;
        self.in_use &= !(1 << entry.slot);
        if entry.usage == CertificateUse::CentralSystemRootCertificate {
            self.roots_version = self.roots_version.wrapping_add(1);
        }
    }

    /// The next slot whose record changed: its use and DER (None: erase it).
    pub(crate) fn take_dirty(&mut self) -> Option<(u8, SlotContent<'_>)> {
        if self.dirty == 0 {
            return None;
        }
        let slot = self.dirty.trailing_zeros() as u8;
        self.dirty &= !(1 << slot);
        let entry = self.entries.iter().find(|e| e.slot == slot).copied();
        Some((slot, entry.map(|e| (e.usage, self.der_of(&e)))))
    }

    /// A stored record given back at start-up: the certificate in `slot`.
    pub(crate) fn restore(&mut self, slot: u8, usage: CertificateUse, der: &[u8]) -> Option<()> {
        let free = usize::from(slot) < CERTIFICATE_STORE_MAX
            && self.entries.iter().all(|e| e.slot != slot);
        Certificate::parse(der).ok()?;
        let room = self.der.get_mut(self.used..self.used + der.len());
        match (free, room) {
            (true, Some(room)) => {
                room.copy_from_slice(der);
                let saved = self.dirty;
                let ok = self.commit(usage, slot, der.len());
                self.dirty = saved; // the store holds it already
                ok.then_some(())
            }
            _ => None,
        }
    }
}

impl<S: Station> ChargePoint<S> {
    /// The installed certificates of `usage`, as DER, in installation order.
    ///
    /// The platform reads the CentralSystemRootCertificates when it connects (its TLS trust
    /// anchors, besides its own) and the ManufacturerRootCertificates when it verifies a
    /// firmware signature.
    pub fn installed_certificates(&self, usage: CertificateUse) -> impl Iterator<Item = &[u8]> {
        self.certificates.iter(usage)
    }

    /// A number that changes whenever a CentralSystemRootCertificate is installed, deleted or
    /// restored: a platform that caches its TLS configuration rebuilds it (for the next
    /// connection) when this differs from the value it was built with.
    pub fn central_system_roots_version(&self) -> u32 {
        self.certificates.roots_version
    }

    /// The platform's TLS stack verified the Central System's certificate chain; `top` is the
    /// last certificate the server sent (the one a root signed, or a root itself). The
    /// installed CentralSystemRootCertificates that can have verified it (the same certificate,
    /// or the subject Name `top` names as its issuer) are in use for this connection: the
    /// whitepaper has DeleteCertificate refuse them (Failed) until a connection is verified
    /// by another root.
    pub fn tls_peer_verified(&mut self, top: &[u8]) {
        let issuer = Certificate::parse(top).ok().map(|c| c.issuer.der);
        let store = &self.certificates;
        let mut in_use = 0u32;
        for e in store
            .entries
            .iter()
            .filter(|e| e.usage == CertificateUse::CentralSystemRootCertificate)
        {
            let der = store.der_of(e);
            let verified = der == top
                || Certificate::parse(der).is_ok_and(|root| Some(root.subject.der) == issuer);
            if verified {
                in_use |= 1 << e.slot;
            }
        }
        if in_use != 0 {
            info!("the connection is verified by an installed CentralSystemRootCertificate");
        }
        self.certificates.in_use = in_use;
    }

    /// Installs a DER certificate as the Central System's InstallCertificate would (factory
    /// provisioning by the application, say), with the same checks.
    pub fn install_certificate(
        &mut self,
        now: Instant,
        usage: CertificateUse,
        der: &[u8],
    ) -> CertificateStatus {
        let Some(room) = self.certificates.der.get_mut(self.certificates.used..) else {
            return CertificateStatus::Rejected;
        };
        let Some(staged) = room.get_mut(..der.len()) else {
            warn!("certificate of ", der.len(), " bytes: the store is full");
            return CertificateStatus::Rejected;
        };
        staged.copy_from_slice(der);
        self.install_staged(now, usage, der.len())
    }

    /// Checks the certificate staged at the store's free bytes and makes it an entry.
    fn install_staged(
        &mut self,
        now: Instant,
        usage: CertificateUse,
        len: usize,
    ) -> CertificateStatus {
        let wall = self.wall_time(now);
        let store = &mut self.certificates;
        let Some(staged) = store.der.get(store.used..store.used + len) else {
            return CertificateStatus::Rejected;
        };
        let cert = match Certificate::parse(staged) {
            Ok(cert) => cert,
            Err(e) => {
                warn!("InstallCertificate: not an X.509 certificate (", e, ")");
                return CertificateStatus::Rejected;
            }
        };
        if !cert.is_ca || !cert.is_self_issued() {
            warn!("InstallCertificate: not a root CA certificate");
            return CertificateStatus::Rejected;
        }
        if wall.is_some_and(|t| !cert.is_valid_at(t)) {
            warn!("InstallCertificate: outside its validity period");
            return CertificateStatus::Rejected;
        }
        if store.iter(usage).any(|der| der == staged) {
            info!("InstallCertificate: ", usage, " already installed");
            return CertificateStatus::Accepted;
        }
        let Some(slot) = store.free_slot() else {
            warn!("InstallCertificate: CertificateStoreMaxLength reached");
            return CertificateStatus::Rejected;
        };
        if !store.commit(usage, slot, len) {
            return CertificateStatus::Rejected;
        }
        info!("installed a ", usage, " (", len, " bytes, slot ", slot, ")");
        CertificateStatus::Accepted
    }

    /// InstallCertificate: read by [`read_install_certificate`], the PEM decoded from the frame.
    #[inline(never)]
    pub(in crate::engine) fn handle_install_certificate(&mut self, mut call: Incoming) -> Answer {
        let (usage, pem) = read_install_certificate(call.io.payload())?;
        let status = match self.stage_pem(pem) {
            Some(len) => self.install_staged(call.now, usage, len),
            None => CertificateStatus::Rejected,
        };
        Ok(crate::codec::write_call_result(
            call.io.reply(),
            call.id,
            &InstallCertificateResponse { status },
        ))
    }

    /// Decodes the first CERTIFICATE block of `pem` (a JSON string's raw text, escapes
    /// included) into the store's free bytes; its length.
    fn stage_pem(&mut self, pem: &str) -> Option<usize> {
        let store = &mut self.certificates;
        let room = store.der.get_mut(store.used..)?;
        match x509::pem_to_der(pem, room) {
            Ok(len) => Some(len),
            Err(x509::X509Error::BufferTooSmall) => {
                warn!("InstallCertificate: the certificate store is full");
                None
            }
            Err(e) => {
                warn!("InstallCertificate: no PEM certificate (", e, ")");
                None
            }
        }
    }

    #[inline(never)]
    pub(in crate::engine) fn handle_get_installed_certificate_ids(
        &mut self,
        call: Incoming,
    ) -> Answer {
        self.answer(call, |cp, req: GetInstalledCertificateIdsRequest| {
            let mut list = Vec::new();
            for der in cp.certificates.iter(req.certificate_type) {
                if let Ok(cert) = Certificate::parse(der) {
                    let hash = cert.self_signed_hash_data();
                    let _ = list.push(CertificateHashData::from_x509(&hash));
                }
            }
            match list.is_empty() {
                true => GetInstalledCertificateIdsResponse {
                    status: GetInstalledCertificateStatus::NotFound,
                    certificate_hash_data: None,
                },
                false => GetInstalledCertificateIdsResponse {
                    status: GetInstalledCertificateStatus::Accepted,
                    certificate_hash_data: Some(list),
                },
            }
        })
    }

    #[inline(never)]
    pub(in crate::engine) fn handle_delete_certificate(&mut self, call: Incoming) -> Answer {
        self.answer(call, |cp, req: DeleteCertificateRequest| {
            let status = cp.delete_certificate(&req.certificate_hash_data);
            DeleteCertificateResponse { status }
        })
    }

    /// Deletes the installed certificate `hash` names (SHA256 hash data only: this build
    /// computes no other). Failed for a CentralSystemRootCertificate in use for the
    /// connection ([`ChargePoint::tls_peer_verified`]), as the whitepaper requires.
    pub fn delete_certificate(&mut self, hash: &CertificateHashData) -> DeleteCertificateStatus {
        if hash.hash_algorithm != HashAlgorithm::SHA256 {
            return DeleteCertificateStatus::NotFound;
        }
        let store = &self.certificates;
        let found = store.entries.iter().position(|e| {
            Certificate::parse(store.der_of(e)).is_ok_and(|cert| {
                cert.self_signed_hash_data().matches(
                    &hash.issuer_name_hash,
                    &hash.issuer_key_hash,
                    &hash.serial_number,
                )
            })
        });
        let in_use = found
            .and_then(|i| store.entries.get(i))
            .is_some_and(|e| store.in_use & (1 << e.slot) != 0);
        match found {
            Some(_) if in_use => {
                warn!("DeleteCertificate: that root verified the current connection");
                DeleteCertificateStatus::Failed
            }
            Some(index) => {
                self.certificates.remove(index);
                info!("deleted an installed certificate");
                DeleteCertificateStatus::Accepted
            }
            None => DeleteCertificateStatus::NotFound,
        }
    }
}

const TYPE: ErrorCode = ErrorCode::TypeConstraintViolation;
const PROPERTY: ErrorCode = ErrorCode::PropertyConstraintViolation;
const OCCURRENCE: ErrorCode = ErrorCode::OccurenceConstraintViolation;

/// Reads an InstallCertificate payload (syntax-checked by the framing) without copying it:
/// its certificateType and the raw text of its certificate (JSON escapes left in, checked and
/// counted: at most 5500 characters). The CALLERROR codes are the table codec's.
pub(in crate::engine) fn read_install_certificate(
    payload: &[u8],
) -> Result<(CertificateUse, &str), ErrorCode> {
    let mut c = Cursor::new(payload);
    c.expect(b'{').map_err(|_| TYPE)?;
    let mut usage = None;
    let mut pem = None;
    if c.peek() != Some(b'}') {
        loop {
            let (name, _) = c.checked_string().map_err(|_| TYPE)?;
            c.expect(b':').map_err(|_| TYPE)?;
            match name {
                b"certificateType" => {
                    if usage.is_some() {
                        return Err(OCCURRENCE);
                    }
                    if c.peek() != Some(b'"') {
                        return Err(TYPE);
                    }
                    let (text, _) = c.checked_string().map_err(|_| TYPE)?;
                    let text = core::str::from_utf8(text).map_err(|_| TYPE)?;
                    usage = Some(CertificateUse::from_name(text).ok_or(PROPERTY)?);
                }
                b"certificate" => {
                    if pem.is_some() {
                        return Err(OCCURRENCE);
                    }
                    if c.peek() != Some(b'"') {
                        return Err(TYPE);
                    }
                    let (text, _) = c.checked_string().map_err(|_| TYPE)?;
                    let text = core::str::from_utf8(text).map_err(|_| TYPE)?;
                    if unescaped_chars(text)? > CERTIFICATE_PEM_MAX {
                        return Err(PROPERTY);
                    }
                    pem = Some(text);
                }
                _ => {
                    c.skip_value().map_err(|_| TYPE)?;
                }
            }
            if c.expect(b',').is_err() {
                break;
            }
        }
    }
    c.expect(b'}').map_err(|_| TYPE)?;
    match (usage, pem) {
        (Some(usage), Some(pem)) => Ok((usage, pem)),
        _ => Err(OCCURRENCE),
    }
}
