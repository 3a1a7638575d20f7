//! Certificate signing on the host (feature `certificate-signing`): the key pairs and CSRs the
//! engine asks for ([`ChargePoint::poll_csr_request`]), by rcgen on ring (ECDSA P-256), and the
//! key files they leave in the `keys/` directory of the store directory so they survive
//! restarts:
//! - `csr-pending.key`: the key of the CSR sent last (PKCS#8 PEM), until its certificate comes;
//! - `csr-client.key`: the key of the chain the engine accepted ([`ChargePoint::client_certificate_chain`]).
//!
//! Without a store directory the keys are kept in memory only. The private key never leaves the
//! charge point: only the CSR (its public key) is sent.

use std::path::PathBuf;
use std::sync::Mutex;

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_ECDSA_P256_SHA256};

use super::*;
use crate::engine::CsrRequest;

const PENDING: &str = "csr-pending.key";
const ACTIVE: &str = "csr-client.key";

/// A new key pair and the PKCS#10 request for it: (CSR PEM, private key PKCS#8 PEM).
pub fn generate_csr(common_name: &str, organization: &str) -> Result<(String, String), String> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|e| format!("key: {e}"))?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(|e| format!("{e}"))?;
    let mut name = DistinguishedName::new();
    if !organization.is_empty() {
        name.push(DnType::OrganizationName, organization);
    }
    name.push(DnType::CommonName, common_name);
    params.distinguished_name = name;
    let csr = params
        .serialize_request(&key)
        .and_then(|csr| csr.pem())
        .map_err(|e| format!("CSR: {e}"))?;
    Ok((csr, key.serialize_pem()))
}

/// The pending and the active key, in files of the store directory (or in memory).
pub(super) struct KeyFiles {
    dir: Option<PathBuf>,
    pending: Mutex<Option<String>>,
    active: Mutex<Option<String>>,
}

impl KeyFiles {
    /// The keys kept in `store_dir/keys` (none: in memory only).
    pub(super) fn open(store_dir: Option<PathBuf>) -> Self {
        let dir = store_dir.map(|d| d.join("keys"));
        if let Some(dir) = &dir {
            if let Err(e) = std::fs::create_dir_all(dir) {
                warn!("key directory {}: {e}", dir.display());
            }
        }
        let read = |name: &str| {
            dir.as_ref()
                .and_then(|d| std::fs::read_to_string(d.join(name)).ok())
        };
        Self {
            pending: Mutex::new(read(PENDING)),
            active: Mutex::new(read(ACTIVE)),
            dir,
        }
    }

    /// The key of the engine's accepted chain.
    pub(super) fn active(&self) -> Option<String> {
        lock(&self.active).clone()
    }

    fn write(&self, name: &str, pem: Option<&str>) {
        let Some(dir) = &self.dir else { return };
        let path = dir.join(name);
        let result = match pem {
            Some(pem) => write_private(&path, pem),
            None => match std::fs::remove_file(&path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                other => other,
            },
        };
        if let Err(e) = result {
            warn!("key file {}: {e}", path.display());
        }
    }

    /// Serves the engine's CSR request, if any: a new key (kept as the pending one) and its CSR
    /// handed to the engine. `identity` is the commonName when the engine has no serial number.
    pub(super) fn serve<S: Station>(&self, cp: &mut ChargePoint<S>, now: Instant, identity: &str) {
        let Some(CsrRequest {
            common_name,
            organization,
        }) = cp.poll_csr_request(now)
        else {
            return;
        };
        let cn = match common_name.as_str() {
            "" => identity,
            cn => cn,
        };
        match generate_csr(cn, &organization) {
            Ok((csr, key)) => {
                self.write(PENDING, Some(&key));
                *lock(&self.pending) = Some(key);
                info!("generated a key pair and a CSR (CN={cn}, O={organization})");
                if let Err(e) = cp.csr_ready(now, &csr) {
                    warn!("the engine refused the CSR: {e:?}");
                }
            }
            Err(e) => {
                warn!("cannot generate a CSR: {e}");
                cp.csr_failed(now);
            }
        }
    }

    /// The engine's chain changed: with a chain, the pending key becomes the active one; without
    /// (the new certificate was refused), the provisioned certificate is used again. Returns the
    /// chain (DER certificates) and key for TLS, None for the provisioned one.
    pub(super) fn chain_changed(&self, chain: Option<&[u8]>) -> Option<(Vec<u8>, String)> {
        match chain {
            Some(der) => {
                if let Some(key) = lock(&self.pending).take() {
                    self.write(ACTIVE, Some(&key));
                    self.write(PENDING, None);
                    *lock(&self.active) = Some(key);
                }
                self.active().map(|key| (der.to_vec(), key))
            }
            None => {
                self.write(ACTIVE, None);
                *lock(&self.active) = None;
                None
            }
        }
    }
}

/// Writes a private key readable by its owner only.
fn write_private(path: &std::path::Path, pem: &str) -> io::Result<()> {
    use std::io::Write as _;
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    file.write_all(pem.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csr_names_the_cpo_and_carries_the_new_key() {
        let (csr, key) = generate_csr("CP-1", "Example CPO").unwrap();
        assert!(
            csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----"),
            "{csr}"
        );
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
        let mut der = vec![0u8; 2048];
        let block = crate::x509::pem_blocks(&csr).next().unwrap().unwrap();
        let n = block.decode(&mut der).unwrap();
        let request = crate::x509::CertificationRequest::parse(&der[..n]).unwrap();
        assert_eq!(request.subject.common_name(), Some("CP-1"));
        assert_eq!(request.subject.organization(), Some("Example CPO"));
        assert_eq!(
            request.public_key.algorithm,
            crate::x509::oid::EC_PUBLIC_KEY
        );
        // The key is the CSR's: rcgen reads it back with the same public key.
        let pair = KeyPair::from_pem(&key).unwrap();
        assert_eq!(pair.public_key_der(), request.public_key.der);
    }
}
