//! Security Profiles 0–3 (OCPP 1.6 security whitepaper): which credentials the platform connects
//! with, the rules for changing them, and the fallback when new ones fail.
//!
//! The keys are `SecurityProfile` (0 none, 1 Basic Auth, 2 TLS + Basic Auth, 3 TLS with a client
//! certificate) and the write-only `AuthorizationKey` (the Basic Auth password), in
//! [`Configuration`]. The engine never opens a connection; the seam to the platform is:
//! - [`ChargePoint::set_provisioning`]: what the platform can do (a CA to check the Central
//!   System's certificate against, a client certificate), so an unprovisioned profile is Rejected;
//! - [`ChargePoint::connection_settings`]: the profile and password for the next connection;
//! - [`ChargePoint::poll_reconnect`]: true once after the credentials changed: the platform closes
//!   the connection (after sending the answer) and connects with the new settings;
//! - [`ChargePoint::handle_connection_failed`]: a connection attempt failed for a security reason
//!   ([`ConnectionFailure`]); with untried new credentials, the engine falls back to the previous
//!   ones (they are kept until a connection with the new ones succeeds, [`ChargePoint::handle_connected`]).
//!
//! The fallback is held in RAM only: after a power cut between a change and the first connection,
//! the new credentials stay.

use super::*;
use config::AuthorizationKey;

/// Why a connection attempt failed, as the platform classifies it. Only security failures: a
/// network outage says nothing about the credentials, so it is not reported here. Each has the
/// whitepaper's security event of the same name (`FailedToAuthenticateAtCentralSystem` for
/// [`ConnectionFailure::Unauthorized`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionFailure {
    /// HTTP 401 on the WebSocket upgrade: the Central System refused the Basic Auth credentials.
    Unauthorized,
    /// The Central System's certificate chain, validity or hostname did not verify.
    InvalidCentralSystemCertificate,
    /// The Central System refused the charge point's client certificate (or its absence).
    InvalidChargePointCertificate,
    /// No TLS version in common (1.2 or later required).
    InvalidTlsVersion,
    /// No cipher suite in common.
    InvalidTlsCipherSuite,
}

impl ConnectionFailure {
    /// The whitepaper's security event type for this failure.
    /// The SecurityEventNotification type of this failure.
    #[cfg(feature = "security")]
    pub const fn event_type(self) -> crate::messages::SecurityEventType {
        use crate::messages::SecurityEventType as T;
        match self {
            ConnectionFailure::Unauthorized => T::FailedToAuthenticateAtCentralSystem,
            ConnectionFailure::InvalidCentralSystemCertificate => {
                T::InvalidCentralSystemCertificate
            }
            ConnectionFailure::InvalidChargePointCertificate => T::InvalidChargePointCertificate,
            ConnectionFailure::InvalidTlsVersion => T::InvalidTLSVersion,
            ConnectionFailure::InvalidTlsCipherSuite => T::InvalidTLSCipherSuite,
        }
    }

    pub const fn security_event(self) -> &'static str {
        match self {
            ConnectionFailure::Unauthorized => "FailedToAuthenticateAtCentralSystem",
            ConnectionFailure::InvalidCentralSystemCertificate => "InvalidCentralSystemCertificate",
            ConnectionFailure::InvalidChargePointCertificate => "InvalidChargePointCertificate",
            ConnectionFailure::InvalidTlsVersion => "InvalidTLSVersion",
            ConnectionFailure::InvalidTlsCipherSuite => "InvalidTLSCipherSuite",
        }
    }
}

/// What the platform holds for TLS; profiles needing more are Rejected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Provisioning {
    /// A Central System root certificate is installed and the URL is `wss://` (profiles 2, 3).
    pub tls: bool,
    /// A client certificate and its private key are installed (profile 3).
    pub client_certificate: bool,
}

/// How to connect: TLS for profiles 2 and 3, the client certificate for 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionSettings<'a> {
    pub profile: u8,
    /// The Basic Auth password (user: the charge point id), for profiles 1 and 2.
    pub basic_auth_password: Option<&'a str>,
}

impl ConnectionSettings<'_> {
    pub fn tls(&self) -> bool {
        self.profile >= 2
    }
    pub fn client_certificate(&self) -> bool {
        self.profile >= 3
    }
}

/// The engine's side of the credentials.
#[derive(Debug, Default)]
pub(super) struct Credentials {
    provisioning: Provisioning,
    /// The profile and key of the last successful connection, while new ones are untried.
    fallback: Option<(u32, AuthorizationKey)>,
    reconnect: bool,
    failures: u32,
    last_failure: Option<ConnectionFailure>,
}

/// Highest profile of the whitepaper.
const MAX_PROFILE: u32 = 3;

impl<S: Station> ChargePoint<S> {
    /// Tells the engine which profiles the platform can connect with (call at start and whenever
    /// certificates are installed or removed).
    pub fn set_provisioning(&mut self, provisioning: Provisioning) {
        self.credentials.provisioning = provisioning;
    }

    /// The settings for the next connection.
    pub fn connection_settings(&self) -> ConnectionSettings<'_> {
        let profile = u8::try_from(self.config.SecurityProfile.min(MAX_PROFILE)).unwrap_or(0);
        let key = &self.config.AuthorizationKey;
        ConnectionSettings {
            profile,
            basic_auth_password: (matches!(profile, 1 | 2) && !key.is_empty())
                .then(|| key.as_str()),
        }
    }

    /// True once after the credentials of the current connection changed: reconnect with
    /// [`ChargePoint::connection_settings`].
    #[must_use]
    pub fn poll_reconnect(&mut self) -> bool {
        core::mem::take(&mut self.credentials.reconnect)
    }

    /// A connection attempt failed for a security reason. Counted and logged; with new
    /// credentials not yet proven, the previous ones come back (and a reconnect is asked).
    pub fn handle_connection_failed(&mut self, now: Instant, failure: ConnectionFailure) {
        self.credentials.failures = self.credentials.failures.saturating_add(1);
        self.credentials.last_failure = Some(failure);
        warn!("connection refused: ", failure.security_event());
        // Queued (feature security): the Central System learns it once a connection succeeds.
        #[cfg(feature = "security")]
        let _ = self.record_security_event(now, failure.event_type(), None);
        #[cfg(not(feature = "security"))]
        let _ = now;
        #[cfg(feature = "certificate-signing")]
        if failure == ConnectionFailure::InvalidChargePointCertificate {
            self.client_certificate_refused();
        }
        if let Some((profile, key)) = self.credentials.fallback.take() {
            warn!(
                "falling back to SecurityProfile ",
                profile, " and the previous AuthorizationKey"
            );
            self.config.SecurityProfile = profile;
            self.config.AuthorizationKey = key;
            self.credentials.reconnect = true;
            self.store_changed(Record::Configuration);
        }
    }

    /// Security failures of connection attempts so far, and the last one.
    pub fn connection_failures(&self) -> (u32, Option<ConnectionFailure>) {
        (self.credentials.failures, self.credentials.last_failure)
    }

    /// A connection succeeded: the credentials it used are now the ones to fall back to.
    /// The certificate of the connection changed (certificate signing): reconnect.
    #[cfg(feature = "certificate-signing")]
    pub(super) fn credentials_reconnect(&mut self) {
        self.credentials.reconnect = true;
    }

    pub(super) fn credentials_connected(&mut self) {
        #[cfg(feature = "certificate-signing")]
        self.client_certificate_proven();
        if self.credentials.fallback.take().is_some() {
            info!("new credentials accepted by the Central System");
        }
    }

    /// ChangeConfiguration of SecurityProfile: only raised, to a profile the platform can use
    /// (1 and 2 need an AuthorizationKey, 2 and 3 TLS, 3 a client certificate).
    pub(super) fn security_profile_allowed(&self, text: &str) -> bool {
        let Some(profile) = <u32 as config::ConfigValue>::parse(text, 0) else {
            return false;
        };
        let p = self.credentials.provisioning;
        let key = !self.config.AuthorizationKey.is_empty();
        profile > self.config.SecurityProfile
            && match profile {
                1 => key,
                2 => key && p.tls,
                3 => p.tls && p.client_certificate,
                _ => false,
            }
    }

    /// After an accepted change of `key`, with the credentials from before it: remember what to
    /// fall back to and ask for a reconnect when the change affects the connection.
    pub(super) fn credentials_changed(&mut self, key: ConfigKey, before: (u32, AuthorizationKey)) {
        let used = match key {
            ConfigKey::SecurityProfile => true,
            // The password is only sent with profiles 1 and 2.
            ConfigKey::AuthorizationKey => matches!(before.0, 1 | 2),
            _ => false,
        };
        if used {
            if self.credentials.fallback.is_none() {
                self.credentials.fallback = Some(before);
            }
            self.credentials.reconnect = true;
        }
    }
}

impl<S: Station> ChargePoint<S> {
    /// Provisioning at first start (not a Central System change, so not bound to only rise):
    /// the profile and AuthorizationKey to use until the Central System changes them. Call it
    /// before restoring the store, whose values win.
    ///
    /// Errors: [`CommandError::InvalidArgument`] for a profile above 3 or a key that is not 16 to
    /// 40 printable characters.
    pub fn provision_credentials(
        &mut self,
        profile: Option<u8>,
        key: Option<&str>,
    ) -> Result<(), CommandError> {
        if let Some(key) = key {
            self.config.AuthorizationKey = <AuthorizationKey as config::ConfigValue>::parse(key, 0)
                .ok_or(CommandError::InvalidArgument)?;
        }
        if let Some(profile) = profile {
            if u32::from(profile) > MAX_PROFILE {
                return Err(CommandError::InvalidArgument);
            }
            self.config.SecurityProfile = u32::from(profile);
        }
        Ok(())
    }
}
