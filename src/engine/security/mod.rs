//! The OCPP 1.6 security whitepaper's messages (feature `security`): security events
//! ([`events`]); ExtendedTriggerMessage lives beside TriggerMessage in `engine/trigger.rs`, whose
//! paths it reuses. Certificate management (feature `certificates`): [`certificates`]. GetLog
//! and the security log (feature `security-log`): [`security_log`].

#[cfg(feature = "certificate-signing")]
pub mod certificate_signing;
#[cfg(feature = "certificates")]
pub(super) mod certificates;
mod events;
#[cfg(feature = "security-log")]
mod security_log;
#[cfg(feature = "security-log")]
pub(super) use security_log::SecurityLog;
#[cfg(feature = "signed-firmware")]
mod signed_firmware;
#[cfg(feature = "signed-firmware")]
pub use signed_firmware::FirmwareSignature;
#[cfg(feature = "signed-firmware")]
pub(super) use signed_firmware::{
    decode_signed, encode_signed, plain_status, signed_status, SignedParts, SIGNED_RECORD,
};
