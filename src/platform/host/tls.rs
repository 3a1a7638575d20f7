//! Security Profiles on the host: TLS by rustls (ring) for `wss://`, the CA and client
//! certificate files, Basic Auth on the upgrade, and the classification of refused connections
//! into the engine's [`ConnectionFailure`].

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use rustls::client::ResolvesClientCert;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::sign::CertifiedKey;
use rustls::{AlertDescription, ClientConfig, ClientConnection, RootCertStore, SignatureScheme};

use super::*;
use crate::engine::ConnectionFailure;

/// The TLS client configurations: the files are loaded once at spawn; the configurations are
/// built from them plus the CentralSystemRootCertificates installed in the engine
/// (InstallCertificate), and rebuilt for the next connection whenever that set changes.
pub(super) struct Tls {
    server_name: ServerName<'static>,
    /// The CA file's certificates (`HostConfig::ca_file`).
    file_roots: Vec<CertificateDer<'static>>,
    /// Profile 3's client certificate chain and key, when configured.
    client: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    provider: Arc<rustls::crypto::CryptoProvider>,
    configs: Mutex<Configs>,
    /// The Central System asked for a client certificate that this connection did not have: a
    /// server that then closes without an alert (Python's asyncio does) refused the charge point.
    asked_without: Arc<AtomicBool>,
}

/// The configurations built for one set of installed roots.
struct Configs {
    /// The engine's `central_system_roots_version` they were built with.
    roots_version: Option<u32>,
    /// Profile 2 (and a `wss://` URL below profile 2): the Central System is verified, the
    /// charge point presents no certificate.
    server_only: Arc<ClientConfig>,
    /// Profile 3: with the client certificate, when one is configured.
    mutual: Option<Arc<ClientConfig>>,
}

/// The client certificate "resolver" of `server_only`: has none, remembers being asked.
#[derive(Debug)]
struct NoClientCertificate(Arc<AtomicBool>);

impl ResolvesClientCert for NoClientCertificate {
    fn resolve(&self, _: &[&[u8]], _: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        self.0.store(true, Ordering::Release);
        None
    }
    fn has_certs(&self) -> bool {
        false
    }
}

impl Tls {
    /// Loads the CA (PEM, one or more certificates) and the optional client certificate chain
    /// and key (PEM). TLS 1.2 and 1.3 only (rustls offers nothing older).
    pub(super) fn load(config: &HostConfig, host: &str) -> Result<Self, String> {
        let ca = config
            .ca_file
            .as_ref()
            .ok_or("a wss:// Central System needs a CA file (HostConfig::ca_file, --ca)")?;
        let file_roots = CertificateDer::pem_file_iter(ca)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("CA file {}: {e}", ca.display()))?;
        let client = match (&config.client_cert_file, &config.client_key_file) {
            (Some(cert), Some(key)) => {
                let chain = CertificateDer::pem_file_iter(cert)
                    .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| format!("client certificate {}: {e}", cert.display()))?;
                let key = PrivateKeyDer::from_pem_file(key)
                    .map_err(|e| format!("client key {}: {e}", key.display()))?;
                Some((chain, key))
            }
            (None, None) => None,
            _ => {
                return Err("a client certificate needs its key, and a key its certificate".into())
            }
        };
        let server_name = ServerName::try_from(host.to_owned())
            .map_err(|e| format!("{host}: not a TLS server name: {e}"))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let asked_without = Arc::new(AtomicBool::new(false));
        let configs = build(&provider, &file_roots, &[], client.as_ref(), &asked_without)?;
        Ok(Self {
            server_name,
            file_roots,
            client,
            provider,
            configs: Mutex::new(configs),
            asked_without,
        })
    }

    pub(super) fn has_client_certificate(&self) -> bool {
        self.client.is_some()
    }

    /// A TLS session with the client certificate when `mutual` (profile 3), trusting the CA
    /// file and `installed` (the engine's CentralSystemRootCertificates, DER, at
    /// `roots_version`; the configurations are rebuilt when it changed). The handshake itself
    /// runs in [`handshake_step`].
    pub(super) fn session(
        &self,
        mutual: bool,
        roots_version: Option<u32>,
        installed: &[Vec<u8>],
    ) -> Result<ClientConnection, String> {
        self.asked_without.store(false, Ordering::Release);
        let mut configs = self
            .configs
            .lock()
            .map_err(|_| "TLS configuration lock poisoned".to_string())?;
        if configs.roots_version != roots_version {
            let mut rebuilt = build(
                &self.provider,
                &self.file_roots,
                installed,
                self.client.as_ref(),
                &self.asked_without,
            )?;
            rebuilt.roots_version = roots_version;
            info!(
                "TLS roots: the CA file's {} and {} installed CentralSystemRootCertificate(s)",
                self.file_roots.len(),
                installed.len()
            );
            *configs = rebuilt;
        }
        let config = match (mutual, &configs.mutual) {
            (true, Some(config)) => config,
            _ => &configs.server_only,
        };
        ClientConnection::new(Arc::clone(config), self.server_name.clone())
            .map_err(|e| format!("TLS: {e}"))
    }
}

/// The client configurations trusting `file_roots` and `installed` (an installed certificate
/// rustls refuses as a trust anchor is left out, with a warning).
fn build(
    provider: &Arc<rustls::crypto::CryptoProvider>,
    file_roots: &[CertificateDer<'static>],
    installed: &[Vec<u8>],
    client: Option<&(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    asked_without: &Arc<AtomicBool>,
) -> Result<Configs, String> {
    let mut roots = RootCertStore::empty();
    for cert in file_roots {
        roots
            .add(cert.clone())
            .map_err(|e| format!("CA file: {e}"))?;
    }
    for der in installed {
        if let Err(e) = roots.add(CertificateDer::from(der.clone())) {
            warn!("an installed CentralSystemRootCertificate is not a usable trust anchor: {e}");
        }
    }
    if roots.is_empty() {
        return Err("CA file: no certificate".into());
    }
    let roots = Arc::new(roots);
    let builder = || {
        ClientConfig::builder_with_provider(Arc::clone(provider))
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(Arc::clone(&roots)))
            .map_err(|e| format!("TLS configuration: {e}"))
    };
    let server_only = Arc::new(
        builder()?
            .with_client_cert_resolver(Arc::new(NoClientCertificate(Arc::clone(asked_without)))),
    );
    let mutual = match client {
        Some((chain, key)) => Some(Arc::new(
            builder()?
                .with_client_auth_cert(chain.clone(), key.clone_key())
                .map_err(|e| format!("client certificate: {e}"))?,
        )),
        None => None,
    };
    Ok(Configs {
        roots_version: None,
        server_only,
        mutual,
    })
}

impl Tls {
    /// The security reason of a failed TLS or WebSocket step on this connection, if it is one.
    pub(super) fn classify(&self, e: &io::Error) -> Option<ConnectionFailure> {
        let closed = matches!(
            e.kind(),
            io::ErrorKind::UnexpectedEof
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
        );
        classify_io(e).or_else(|| {
            (closed && self.asked_without.load(Ordering::Acquire))
                .then_some(ConnectionFailure::InvalidChargePointCertificate)
        })
    }
}

/// One step of the TLS handshake on a socket with a short read timeout: Ok(true) when done,
/// Ok(false) to call again (after running the timers), Err on failure.
pub(super) fn handshake_step(
    conn: &mut ClientConnection,
    tcp: &mut TcpStream,
) -> Result<bool, io::Error> {
    if !conn.is_handshaking() {
        return Ok(true);
    }
    match conn.complete_io(tcp) {
        Ok(_) => Ok(!conn.is_handshaking()),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// The security reason carried by a TLS error, if it is one.
fn classify_io(e: &io::Error) -> Option<ConnectionFailure> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .and_then(classify)
}

fn classify(e: &rustls::Error) -> Option<ConnectionFailure> {
    use rustls::{Error, PeerIncompatible as P};
    Some(match e {
        Error::InvalidCertificate(_) | Error::NoCertificatesPresented => {
            ConnectionFailure::InvalidCentralSystemCertificate
        }
        Error::AlertReceived(alert) => match alert {
            AlertDescription::ProtocolVersion => ConnectionFailure::InvalidTlsVersion,
            AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity => {
                ConnectionFailure::InvalidTlsCipherSuite
            }
            AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnknownCA
            | AlertDescription::AccessDenied => ConnectionFailure::InvalidChargePointCertificate,
            _ => return None,
        },
        Error::PeerIncompatible(
            P::ServerDoesNotSupportTls12Or13
            | P::ServerTlsVersionIsDisabledByOurConfig
            | P::Tls12NotOffered
            | P::Tls12NotOfferedOrEnabled
            | P::SupportedVersionsExtensionRequired,
        ) => ConnectionFailure::InvalidTlsVersion,
        Error::PeerIncompatible(_) => ConnectionFailure::InvalidTlsCipherSuite,
        _ => return None,
    })
}

/// The `Authorization` header value of HTTP Basic Auth (RFC 7617): base64 of `user:password`.
pub(super) fn basic_auth(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}");
    let mut out = String::from("Basic ");
    for chunk in input.as_bytes().chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            let sextet = (n >> (18 - 6 * i)) & 63;
            let c = match i <= chunk.len() {
                true => ALPHABET.get(sextet as usize).copied().unwrap_or(b'='),
                false => b'=',
            };
            out.push(char::from(c));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::basic_auth;

    #[test]
    fn basic_auth_is_rfc7617_base64() {
        // RFC 7617's example, and every padding length.
        assert_eq!(
            basic_auth("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(basic_auth("a", "b"), "Basic YTpi");
        assert_eq!(basic_auth("ab", "c"), "Basic YWI6Yw==");
        assert_eq!(basic_auth("ab", "cd"), "Basic YWI6Y2Q=");
    }
}
