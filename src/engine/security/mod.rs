//! The OCPP 1.6 security whitepaper's messages (feature `security`): security events
//! ([`events`]); ExtendedTriggerMessage lives beside TriggerMessage in `engine/trigger.rs`, whose
//! paths it reuses. Certificate management (feature `certificates`): [`certificates`].

#[cfg(feature = "certificate-signing")]
pub mod certificate_signing;
#[cfg(feature = "certificates")]
pub(super) mod certificates;
mod events;
