//! The OCPP 1.6 security whitepaper's messages (feature `security`): security events
//! ([`events`]); ExtendedTriggerMessage lives beside TriggerMessage in `engine/trigger.rs`, whose
//! paths it reuses; GetLog and the security log ([`security_log`], feature `security-log`).

mod events;
#[cfg(feature = "security-log")]
mod security_log;
#[cfg(feature = "security-log")]
pub(super) use security_log::SecurityLog;
