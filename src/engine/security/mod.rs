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

/// The characters of a JSON string's raw text once unescaped; a bad escape is a
/// TypeConstraintViolation.
#[cfg(any(feature = "certificates", feature = "signed-firmware"))]
fn unescaped_chars(raw: &str) -> Result<usize, crate::rpc::ErrorCode> {
    const TYPE: crate::rpc::ErrorCode = crate::rpc::ErrorCode::TypeConstraintViolation;
    let mut count = 0usize;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') => {}
                Some('u') => {
                    for _ in 0..4 {
                        if !chars.next().is_some_and(|d| d.is_ascii_hexdigit()) {
                            return Err(TYPE);
                        }
                    }
                }
                _ => return Err(TYPE),
            }
        }
        count += 1;
    }
    Ok(count)
}
