//! Where and how the host charge point connects.

use std::path::PathBuf;
use std::time::Duration;

#[cfg(feature = "firmware-management")]
use super::transfers::FirmwareConfig;
use crate::capacity::{CONNECT_TIMEOUT_MS, RECONNECT_MAX_MS, RECONNECT_MIN_MS};
use crate::engine::Options;

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// Full `ws://` or `wss://` URL including the charge point id as its last path segment, e.g.
    /// `ws://127.0.0.1:9000/ocpp/CP_1` (see [`charge_point_url`]). `wss://` needs the feature
    /// `security-profiles` and a [`HostConfig::ca_file`].
    pub url: String,
    pub options: Options,
    /// First delay before reconnecting; doubles after each failed attempt up to
    /// `reconnect_max`, and is reset after a connection whose BootNotification was accepted.
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
    /// Longest TCP connect plus WebSocket handshake (a Central System may answer a byte at a
    /// time); the engine's timers keep running meanwhile.
    pub connect_timeout: Duration,
    /// Directory of the persistent store ([`super::DirStore`]): transactions and queued messages
    /// survive a crash or power cut. None: nothing is kept.
    pub store_dir: Option<PathBuf>,
    /// Firmware Management: where images go, what GetDiagnostics uploads, the install handler.
    #[cfg(feature = "firmware-management")]
    pub firmware: FirmwareConfig,
    /// Security Profiles 2 and 3: the PEM file of the CA the Central System's certificate must
    /// chain to (its hostname is checked too).
    #[cfg(feature = "security-profiles")]
    pub ca_file: Option<PathBuf>,
    /// Security Profile 3: the charge point's certificate chain and private key (PEM).
    #[cfg(feature = "security-profiles")]
    pub client_cert_file: Option<PathBuf>,
    #[cfg(feature = "security-profiles")]
    pub client_key_file: Option<PathBuf>,
    /// The AuthorizationKey (Basic Auth password) at first start; one the Central System set,
    /// kept in the store, wins.
    #[cfg(feature = "security-profiles")]
    pub authorization_key: Option<String>,
    /// The SecurityProfile at first start (a stored one wins). None: 3 with a client
    /// certificate, else 2 for a `wss://` URL, else 1 with an authorization key, else the
    /// Kconfig default (`OCPP_SECURITY_PROFILE`).
    #[cfg(feature = "security-profiles")]
    pub security_profile: Option<u8>,
}

impl HostConfig {
    /// `url` with default options and the Kconfig reconnect back-off (OCPP_RECONNECT_MIN_MS ..
    /// OCPP_RECONNECT_MAX_MS).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            options: Options::default(),
            reconnect_min: Duration::from_millis(RECONNECT_MIN_MS as u64),
            reconnect_max: Duration::from_millis(RECONNECT_MAX_MS as u64),
            connect_timeout: Duration::from_millis(CONNECT_TIMEOUT_MS as u64),
            store_dir: None,
            #[cfg(feature = "firmware-management")]
            firmware: FirmwareConfig::default(),
            #[cfg(feature = "security-profiles")]
            ca_file: None,
            #[cfg(feature = "security-profiles")]
            client_cert_file: None,
            #[cfg(feature = "security-profiles")]
            client_key_file: None,
            #[cfg(feature = "security-profiles")]
            authorization_key: None,
            #[cfg(feature = "security-profiles")]
            security_profile: None,
        }
    }
}

/// The URL of charge point `cp_id` under the Central System's base URL:
/// `ws://host:9000/ocpp` + `CP_1` = `ws://host:9000/ocpp/CP_1`. `cp_id` is used as is (it should
/// be URL-safe, as OCPP identities are).
pub fn charge_point_url(base: &str, cp_id: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), cp_id)
}
