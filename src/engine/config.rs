//! Configuration keys (OCPP 1.6 section 9.1, Core profile), typed, with the spec's access rules.
//!
//! The field of [`Configuration`] for a key is named exactly like the key: the spec name is the
//! one source of truth for code, GetConfiguration and ChangeConfiguration alike.
#![allow(non_snake_case)]

use heapless::Vec;

#[cfg(feature = "local-auth-list")]
use crate::capacity::LOCAL_AUTH_LIST_SIZE;
use crate::capacity::MAX_SAMPLED_VALUES;
#[cfg(feature = "smart-charging")]
use crate::capacity::{
    CHARGE_PROFILE_MAX_STACK_LEVEL, MAX_CHARGING_PROFILES, MAX_SCHEDULE_PERIODS,
};
use crate::cistring::{CiString, CiString50, CiString500};
use crate::logging::warn;
use crate::messages::{ocpp_enum, ConfigurationStatus, Measurand, GET_CONFIGURATION_MAX_KEYS};

mod get_configuration;
pub use get_configuration::{ConfigurationView, KeySelection};

/// A comma-separated list of measurands (the `*Data` keys).
pub type MeasurandList = Vec<Measurand, MAX_SAMPLED_VALUES>;

/// Who may change a key, and when a change takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    ReadWrite,
    /// Writable; takes effect after the next reboot (or reconnect), so the answer is RebootRequired.
    RebootRequired,
}

/// How a key's value is written and read as text.
pub trait ConfigValue: Sized {
    /// Never read back (AuthorizationKey): GetConfiguration lists the key without a value.
    const WRITE_ONLY: bool = false;
    /// The value as GetConfiguration and the C API show it (nothing for a write-only key).
    fn render(&self, out: &mut CiString500);
    /// The value as the store keeps it (a write-only key's secret too).
    fn render_stored(&self, out: &mut CiString500) {
        self.render(out)
    }
    /// `max_items` bounds list values (the matching `*MaxLength` key).
    fn parse(text: &str, max_items: usize) -> Option<Self>;
}

impl ConfigValue for bool {
    fn render(&self, out: &mut CiString500) {
        let _ = out.push_str(if *self { "true" } else { "false" });
    }
    fn parse(text: &str, _: usize) -> Option<Self> {
        // The spec's booleans are "true"/"false"; case is not significant for CiStrings.
        if text.eq_ignore_ascii_case("true") {
            Some(true)
        } else if text.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            None
        }
    }
}

impl ConfigValue for u32 {
    fn render(&self, out: &mut CiString500) {
        let _ = out.push_str(crate::json::decimal(*self, &mut [0; 10]));
    }
    fn parse(text: &str, _: usize) -> Option<Self> {
        let text = text.trim_ascii();
        // Only plain decimal digits: no sign, no fraction, no exponent.
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    }
}

impl ConfigValue for MeasurandList {
    fn render(&self, out: &mut CiString500) {
        for (i, m) in self.iter().enumerate() {
            if i > 0 {
                let _ = out.push_str(",");
            }
            let _ = out.push_str(m.as_str());
        }
    }
    fn parse(text: &str, max_items: usize) -> Option<Self> {
        let mut list = Vec::new();
        if text.trim_ascii().is_empty() {
            return Some(list);
        }
        for item in text.split(',') {
            let m = Measurand::from_name(item.trim_ascii())?;
            if list.len() >= max_items {
                return None;
            }
            list.push(m).ok()?;
        }
        Some(list)
    }
}

/// A comma-separated list kept as text (ConnectorPhaseRotation).
pub type TextList = CiString<128>;

impl ConfigValue for TextList {
    fn render(&self, out: &mut CiString500) {
        let _ = out.push_str(self.as_str());
    }
    fn parse(text: &str, max_items: usize) -> Option<Self> {
        if text.split(',').count() > max_items {
            return None;
        }
        CiString::try_from_str(text).ok()
    }
}

/// Bytes of every writable key's name and value, bounded: names are at most 40 characters,
/// numbers and booleans 10, measurand lists MAX_SAMPLED_VALUES names of at most 40, text lists
/// 128, the AuthorizationKey 40 (the store's configuration record).
pub(super) const WRITABLE_TEXT_MAX: usize = ConfigKey::ALL.len() * (1 + 40 + 2 + 10)
    + 4 * MAX_SAMPLED_VALUES * 41
    + 128
    + AUTHORIZATION_KEY_TEXT
    + CPO_NAME_TEXT;

#[cfg(feature = "certificate-signing")]
const CPO_NAME_TEXT: usize = CPO_NAME_MAX;
#[cfg(not(feature = "certificate-signing"))]
const CPO_NAME_TEXT: usize = 0;

/// Longest CpoName: X.509's upper bound of an organizationName (RFC 5280 ub-organization-name).
#[cfg(feature = "certificate-signing")]
pub const CPO_NAME_MAX: usize = 64;

/// The CpoName key (security whitepaper): the organizationName (O) of the CSRs this charge
/// point generates.
#[cfg(feature = "certificate-signing")]
pub type CpoNameText = CiString<CPO_NAME_MAX>;

#[cfg(feature = "certificate-signing")]
impl ConfigValue for CpoNameText {
    fn render(&self, out: &mut CiString500) {
        let _ = out.push_str(self.as_str());
    }
    fn parse(text: &str, _: usize) -> Option<Self> {
        // It goes into an X.509 Name as a UTF8String: any text, but no control characters.
        if text.chars().any(char::is_control) {
            return None;
        }
        CiString::try_from_str(text).ok()
    }
}

#[cfg(feature = "security-profiles")]
const AUTHORIZATION_KEY_TEXT: usize = AUTHORIZATION_KEY_MAX;
#[cfg(not(feature = "security-profiles"))]
const AUTHORIZATION_KEY_TEXT: usize = 0;

/// Shortest and longest AuthorizationKey (the security whitepaper: at least 16 bytes; at most
/// 20 bytes written as 40 hexadecimal digits).
pub const AUTHORIZATION_KEY_MIN: usize = 16;
pub const AUTHORIZATION_KEY_MAX: usize = 40;

/// The Basic Auth password of Security Profiles 1 and 2: write-only, so GetConfiguration and the
/// C API never show it. Empty: not provisioned. The text is the password as sent on the wire.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuthorizationKey(CiString<AUTHORIZATION_KEY_MAX>);

impl AuthorizationKey {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Never prints the secret.
impl core::fmt::Debug for AuthorizationKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(if self.is_empty() {
            "AuthorizationKey(unset)"
        } else {
            "AuthorizationKey(..)"
        })
    }
}

impl ConfigValue for AuthorizationKey {
    const WRITE_ONLY: bool = true;
    fn render(&self, _: &mut CiString500) {}
    fn render_stored(&self, out: &mut CiString500) {
        let _ = out.push_str(self.as_str());
    }
    fn parse(text: &str, _: usize) -> Option<Self> {
        // Printable ASCII only: it goes into an HTTP header (hexadecimal digits, as the
        // whitepaper advises, are a subset).
        let printable = text.bytes().all(|b| b.is_ascii_graphic());
        let len_ok = (AUTHORIZATION_KEY_MIN..=AUTHORIZATION_KEY_MAX).contains(&text.len());
        (printable && len_ok)
            .then(|| CiString::try_from_str(text).ok().map(Self))
            .flatten()
    }
}

/// Items allowed in the free-text list keys.
const TEXT_LIST_MAX_ITEMS: u32 = 8;

macro_rules! configuration {
    ($($(#[cfg($cfg:meta)])? $key:ident = $name:literal : $ty:ty = $default:expr, $access:ident $(, max = $max:ident)?;)+) => {
        ocpp_enum! {
            /// Every configuration key this charge point knows.
            ConfigKey { $($(#[cfg($cfg)])? $key = $name),+ }
        }

        /// Current values of every key.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Configuration {
            $($(#[cfg($cfg)])? pub $key: $ty,)+
        }

        impl Default for Configuration {
            fn default() -> Self {
                Self { $($(#[cfg($cfg)])? $key: $default,)+ }
            }
        }

        impl ConfigKey {
            pub const fn access(self) -> Access {
                match self { $($(#[cfg($cfg)])? ConfigKey::$key => Access::$access,)+ }
            }

            /// GetConfiguration may show the value (false: AuthorizationKey).
            pub const fn readable(self) -> bool {
                match self { $($(#[cfg($cfg)])? ConfigKey::$key => !<$ty as ConfigValue>::WRITE_ONLY,)+ }
            }
        }

        impl Configuration {
            /// The key's value as GetConfiguration reports it.
            pub fn render(&self, key: ConfigKey) -> CiString500 {
                let mut out = CiString500::new();
                self.render_into(key, &mut out);
                out
            }

            /// [`Configuration::render`] appended to `out` (no 500-byte value moved).
            pub fn render_into(&self, key: ConfigKey, out: &mut CiString500) {
                match key {
                    $($(#[cfg($cfg)])? ConfigKey::$key => ConfigValue::render(&self.$key, out),)+
                }
            }

            /// The key's value as the store keeps it (write-only keys included).
            fn render_stored(&self, key: ConfigKey) -> CiString500 {
                let mut out = CiString500::new();
                match key {
                    $($(#[cfg($cfg)])? ConfigKey::$key => ConfigValue::render_stored(&self.$key, &mut out),)+
                }
                out
            }

            /// Parses and stores `text` as the key's value, unless it is invalid.
            fn store(&mut self, key: ConfigKey, text: &str) -> bool {
                match key {
                    $($(#[cfg($cfg)])? ConfigKey::$key => {
                        let max = u32::MAX $(.min(self.$max))?;
                        match <$ty as ConfigValue>::parse(text, max as usize) {
                            Some(value) => { self.$key = value; true }
                            None => false,
                        }
                    })+
                }
            }
        }
    };
}

configuration! {
    AllowOfflineTxForUnknownId = "AllowOfflineTxForUnknownId": bool = false, ReadWrite;
    AuthorizationCacheEnabled = "AuthorizationCacheEnabled": bool = true, ReadWrite;
    AuthorizeRemoteTxRequests = "AuthorizeRemoteTxRequests": bool = false, ReadWrite;
    BlinkRepeat = "BlinkRepeat": u32 = 3, ReadWrite;
    ClockAlignedDataInterval = "ClockAlignedDataInterval": u32 = 0, ReadWrite;
    ConnectionTimeOut = "ConnectionTimeOut": u32 = 60, ReadWrite;
    ConnectorPhaseRotation = "ConnectorPhaseRotation": TextList = TextList::new(), ReadWrite, max = ConnectorPhaseRotationMaxLength;
    ConnectorPhaseRotationMaxLength = "ConnectorPhaseRotationMaxLength": u32 = TEXT_LIST_MAX_ITEMS, ReadOnly;
    GetConfigurationMaxKeys = "GetConfigurationMaxKeys": u32 = GET_CONFIGURATION_MAX_KEYS as u32, ReadOnly;
    HeartbeatInterval = "HeartbeatInterval": u32 = 86_400, ReadWrite;
    LightIntensity = "LightIntensity": u32 = 100, ReadWrite;
    LocalAuthorizeOffline = "LocalAuthorizeOffline": bool = true, ReadWrite;
    LocalPreAuthorize = "LocalPreAuthorize": bool = false, ReadWrite;
    MaxEnergyOnInvalidId = "MaxEnergyOnInvalidId": u32 = 0, ReadWrite;
    MeterValuesAlignedData = "MeterValuesAlignedData": MeasurandList = MeasurandList::new(), ReadWrite, max = MeterValuesAlignedDataMaxLength;
    MeterValuesAlignedDataMaxLength = "MeterValuesAlignedDataMaxLength": u32 = MAX_SAMPLED_VALUES as u32, ReadOnly;
    MeterValuesSampledData = "MeterValuesSampledData": MeasurandList = MeasurandList::new(), ReadWrite, max = MeterValuesSampledDataMaxLength;
    MeterValuesSampledDataMaxLength = "MeterValuesSampledDataMaxLength": u32 = MAX_SAMPLED_VALUES as u32, ReadOnly;
    MeterValueSampleInterval = "MeterValueSampleInterval": u32 = crate::capacity::DEFAULT_METER_VALUE_SAMPLE_INTERVAL as u32, ReadWrite;
    MinimumStatusDuration = "MinimumStatusDuration": u32 = 0, ReadWrite;
    NumberOfConnectors = "NumberOfConnectors": u32 = 1, ReadOnly;
    ResetRetries = "ResetRetries": u32 = 1, ReadWrite;
    StopTransactionOnEVSideDisconnect = "StopTransactionOnEVSideDisconnect": bool = true, ReadWrite;
    StopTransactionOnInvalidId = "StopTransactionOnInvalidId": bool = true, ReadWrite;
    StopTxnAlignedData = "StopTxnAlignedData": MeasurandList = MeasurandList::new(), ReadWrite, max = StopTxnAlignedDataMaxLength;
    StopTxnAlignedDataMaxLength = "StopTxnAlignedDataMaxLength": u32 = MAX_SAMPLED_VALUES as u32, ReadOnly;
    StopTxnSampledData = "StopTxnSampledData": MeasurandList = MeasurandList::new(), ReadWrite, max = StopTxnSampledDataMaxLength;
    StopTxnSampledDataMaxLength = "StopTxnSampledDataMaxLength": u32 = MAX_SAMPLED_VALUES as u32, ReadOnly;
    SupportedFeatureProfiles = "SupportedFeatureProfiles": TextList = TextList::new(), ReadOnly;
    TransactionMessageAttempts = "TransactionMessageAttempts": u32 = 3, ReadWrite;
    TransactionMessageRetryInterval = "TransactionMessageRetryInterval": u32 = 20, ReadWrite;
    UnlockConnectorOnEVSideDisconnect = "UnlockConnectorOnEVSideDisconnect": bool = true, ReadWrite;
    WebSocketPingInterval = "WebSocketPingInterval": u32 = crate::capacity::DEFAULT_WEBSOCKET_PING_INTERVAL as u32, RebootRequired;
    // Local Auth List Management profile.
    #[cfg(feature = "local-auth-list")]
    LocalAuthListEnabled = "LocalAuthListEnabled": bool = true, ReadWrite;
    #[cfg(feature = "local-auth-list")]
    LocalAuthListMaxLength = "LocalAuthListMaxLength": u32 = LOCAL_AUTH_LIST_SIZE as u32, ReadOnly;
    #[cfg(feature = "local-auth-list")]
    SendLocalListMaxLength = "SendLocalListMaxLength": u32 = LOCAL_AUTH_LIST_SIZE as u32, ReadOnly;
    // Reservation profile.
    #[cfg(feature = "reservation")]
    ReserveConnectorZeroSupported = "ReserveConnectorZeroSupported": bool = true, ReadOnly;
    // Smart Charging profile: the capacities, read-only.
    #[cfg(feature = "smart-charging")]
    ChargeProfileMaxStackLevel = "ChargeProfileMaxStackLevel": u32 = CHARGE_PROFILE_MAX_STACK_LEVEL as u32, ReadOnly;
    #[cfg(feature = "smart-charging")]
    ChargingScheduleAllowedChargingRateUnit = "ChargingScheduleAllowedChargingRateUnit": TextList = TextList::new(), ReadOnly;
    #[cfg(feature = "smart-charging")]
    ChargingScheduleMaxPeriods = "ChargingScheduleMaxPeriods": u32 = MAX_SCHEDULE_PERIODS as u32, ReadOnly;
    #[cfg(feature = "smart-charging")]
    ConnectorSwitch3to1PhaseSupported = "ConnectorSwitch3to1PhaseSupported": bool = false, ReadOnly;
    #[cfg(feature = "smart-charging")]
    MaxChargingProfilesInstalled = "MaxChargingProfilesInstalled": u32 = MAX_CHARGING_PROFILES as u32, ReadOnly;
    // Security Profiles (security whitepaper): the Basic Auth password and the profile in use,
    // which the engine only lets rise (engine/credentials.rs).
    #[cfg(feature = "security-profiles")]
    AuthorizationKey = "AuthorizationKey": AuthorizationKey = AuthorizationKey::default(), ReadWrite;
    // Certificate management (security whitepaper): the store's capacity, read-only.
    #[cfg(feature = "certificates")]
    CertificateStoreMaxLength = "CertificateStoreMaxLength": u32 = crate::capacity::CERTIFICATE_STORE_MAX as u32, ReadOnly;
    #[cfg(feature = "security-profiles")]
    SecurityProfile = "SecurityProfile": u32 = crate::capacity::DEFAULT_SECURITY_PROFILE as u32, ReadWrite;
    // Certificate signing (security whitepaper, "Update Charge Point Certificate").
    #[cfg(feature = "certificate-signing")]
    CpoName = "CpoName": CpoNameText = CpoNameText::new(), ReadWrite;
    #[cfg(feature = "certificate-signing")]
    CertificateSignedMaxChainSize = "CertificateSignedMaxChainSize": u32 = crate::capacity::CERTIFICATE_SIGNED_MAX_CHAIN_SIZE as u32, ReadOnly;
}

/// SupportedFeatureProfiles: the profiles this build implements, in the spec's order.
pub const SUPPORTED_PROFILES: &str = supported_profiles();

const fn supported_profiles() -> &'static str {
    // Every combination of the implemented optional profiles, spelled out: a const string
    // costs nothing at run time.
    const TRIGGER: bool = cfg!(feature = "remote-trigger");
    const RESERVATION: bool = cfg!(feature = "reservation");
    const LOCAL_LIST: bool = cfg!(feature = "local-auth-list");
    const SMART: bool = cfg!(feature = "smart-charging");
    match (LOCAL_LIST, RESERVATION, SMART, TRIGGER) {
        (false, false, false, false) => "Core",
        (false, false, false, true) => "Core,RemoteTrigger",
        (false, false, true, false) => "Core,SmartCharging",
        (false, false, true, true) => "Core,SmartCharging,RemoteTrigger",
        (false, true, false, false) => "Core,Reservation",
        (false, true, false, true) => "Core,Reservation,RemoteTrigger",
        (false, true, true, false) => "Core,Reservation,SmartCharging",
        (false, true, true, true) => "Core,Reservation,SmartCharging,RemoteTrigger",
        (true, false, false, false) => "Core,LocalAuthListManagement",
        (true, false, false, true) => "Core,LocalAuthListManagement,RemoteTrigger",
        (true, false, true, false) => "Core,LocalAuthListManagement,SmartCharging",
        (true, false, true, true) => "Core,LocalAuthListManagement,SmartCharging,RemoteTrigger",
        (true, true, false, false) => "Core,LocalAuthListManagement,Reservation",
        (true, true, false, true) => "Core,LocalAuthListManagement,Reservation,RemoteTrigger",
        (true, true, true, false) => "Core,LocalAuthListManagement,Reservation,SmartCharging",
        (true, true, true, true) => {
            "Core,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger"
        }
    }
}

impl Configuration {
    /// Defaults for a charge point with `connectors` connectors.
    pub fn new(connectors: u8) -> Self {
        let mut config = Self {
            NumberOfConnectors: u32::from(connectors),
            ..Self::default()
        };
        let _ = config
            .MeterValuesSampledData
            .push(Measurand::EnergyActiveImportRegister);
        let _ = config
            .StopTxnSampledData
            .push(Measurand::EnergyActiveImportRegister);
        let _ = config.SupportedFeatureProfiles.push_str(SUPPORTED_PROFILES);
        #[cfg(feature = "smart-charging")]
        let _ = config
            .ChargingScheduleAllowedChargingRateUnit
            .push_str("Current,Power");
        config
    }

    /// ChangeConfiguration: validates and applies, answering as the spec requires.
    pub fn change(&mut self, key: &str, value: &str) -> (ConfigurationStatus, Option<ConfigKey>) {
        let Some(key) = ConfigKey::ALL
            .iter()
            .copied()
            .find(|k| k.as_str().eq_ignore_ascii_case(key))
        else {
            return (ConfigurationStatus::NotSupported, None);
        };
        let status = match key.access() {
            Access::ReadOnly => ConfigurationStatus::Rejected,
            _ if !self.store(key, value) => ConfigurationStatus::Rejected,
            Access::ReadWrite => ConfigurationStatus::Accepted,
            Access::RebootRequired => ConfigurationStatus::RebootRequired,
        };
        (
            status,
            (status != ConfigurationStatus::Rejected).then_some(key),
        )
    }

    /// The writable keys as (name, value) text, for the store. Text, not indices: a build with
    /// other keys or features reads back what it knows and validates every value.
    pub(super) fn encode_writable(&self, w: &mut super::queue::Writer) {
        let writable = || {
            ConfigKey::ALL
                .iter()
                .filter(|k| k.access() != Access::ReadOnly)
        };
        w.u8(writable().count() as u8);
        for &key in writable() {
            w.str(key.as_str());
            let value = self.render_stored(key);
            w.u16(value.len() as u16);
            w.bytes(value.as_bytes());
        }
    }

    /// Applies stored values; an unknown key or invalid value is skipped (with a log line).
    pub(super) fn restore_writable(&mut self, r: &mut super::queue::Reader) -> Option<()> {
        for _ in 0..r.u8()? {
            let name: CiString50 = r.str()?;
            let len = usize::from(u16::from_le_bytes(r.take(2)?.try_into().ok()?));
            let value = core::str::from_utf8(r.take(len)?).ok()?;
            let status = match Self::find(&name).map(ConfigKey::access) {
                Some(Access::ReadOnly) | None => ConfigurationStatus::NotSupported,
                Some(_) => self.change(&name, value).0,
            };
            if !matches!(
                status,
                ConfigurationStatus::Accepted | ConfigurationStatus::RebootRequired
            ) {
                warn!(
                    "store: configuration ",
                    name, "=", value, " not restored (", status, ")"
                );
            }
        }
        Some(())
    }

    /// Looks a key up case-insensitively (keys are CiStrings).
    pub fn find(key: &str) -> Option<ConfigKey> {
        ConfigKey::from_text(key, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::ErrorCode;

    #[test]
    fn change_answers_per_spec() {
        let mut c = Configuration::new(2);
        assert_eq!(
            c.change("HeartbeatInterval", "30"),
            (
                ConfigurationStatus::Accepted,
                Some(ConfigKey::HeartbeatInterval)
            )
        );
        assert_eq!(c.HeartbeatInterval, 30);
        assert_eq!(
            c.change("heartbeatinterval", "31").0,
            ConfigurationStatus::Accepted,
            "keys are case-insensitive"
        );
        for bad in ["-1", "abc", "1.5", "", " ", "99999999999"] {
            assert_eq!(
                c.change("HeartbeatInterval", bad).0,
                ConfigurationStatus::Rejected,
                "{bad:?}"
            );
        }
        assert_eq!(
            c.HeartbeatInterval, 31,
            "rejected values leave the key unchanged"
        );
        assert_eq!(
            c.change("NumberOfConnectors", "3").0,
            ConfigurationStatus::Rejected,
            "read-only"
        );
        assert_eq!(
            c.change("NoSuchKey", "1").0,
            ConfigurationStatus::NotSupported
        );
        assert_eq!(
            c.change("LocalPreAuthorize", "TRUE").0,
            ConfigurationStatus::Accepted
        );
        assert!(c.LocalPreAuthorize);
        assert_eq!(
            c.change("LocalPreAuthorize", "yes").0,
            ConfigurationStatus::Rejected
        );
        assert_eq!(
            c.change("WebSocketPingInterval", "10").0,
            ConfigurationStatus::RebootRequired
        );
    }

    #[test]
    fn measurand_lists_are_validated_and_bounded() {
        let mut c = Configuration::new(1);
        assert_eq!(
            c.change(
                "MeterValuesSampledData",
                "Energy.Active.Import.Register, Power.Active.Import"
            )
            .0,
            ConfigurationStatus::Accepted
        );
        assert_eq!(
            c.MeterValuesSampledData.as_slice(),
            &[
                Measurand::EnergyActiveImportRegister,
                Measurand::PowerActiveImport
            ]
        );
        assert_eq!(
            c.render(ConfigKey::MeterValuesSampledData).as_str(),
            "Energy.Active.Import.Register,Power.Active.Import"
        );
        assert_eq!(
            c.change("MeterValuesSampledData", "Energy.Bogus").0,
            ConfigurationStatus::Rejected
        );
        let too_many = [Measurand::Voltage.as_str(); MAX_SAMPLED_VALUES + 1].join(",");
        assert_eq!(
            c.change("MeterValuesSampledData", &too_many).0,
            ConfigurationStatus::Rejected
        );
        assert_eq!(
            c.change("MeterValuesSampledData", "").0,
            ConfigurationStatus::Accepted
        );
        assert!(c.MeterValuesSampledData.is_empty());
    }

    #[test]
    fn key_list_is_parsed_with_the_schema_error_codes() {
        let mut scratch = [0u8; 128];
        let mut parse = |text: &str| KeySelection::parse(text.as_bytes(), &mut scratch);
        assert_eq!(parse("{}"), Ok(KeySelection::All));
        assert_eq!(parse(r#"{"key": null}"#), Ok(KeySelection::All));
        assert_eq!(parse(r#"{"key": []}"#), Ok(KeySelection::All));
        let Ok(KeySelection::Listed { known, unknown }) = parse(
            r#"{"other": [1, {}], "key": ["heartbeatinterval", "No\u0070e", "HeartbeatInterval"]}"#,
        ) else {
            panic!("a listed selection");
        };
        assert_eq!(
            known.as_slice(),
            &[ConfigKey::HeartbeatInterval],
            "case-insensitive, once"
        );
        assert_eq!(
            unknown
                .iter()
                .map(|k| k.as_str())
                .collect::<std::vec::Vec<_>>(),
            ["Nope"]
        );
        assert_eq!(
            parse(r#"{"key": "HeartbeatInterval"}"#),
            Err(ErrorCode::TypeConstraintViolation)
        );
        assert_eq!(
            parse(r#"{"key": [1]}"#),
            Err(ErrorCode::TypeConstraintViolation)
        );
        let long = format!(r#"{{"key": ["{}"]}}"#, "k".repeat(51));
        assert_eq!(parse(&long), Err(ErrorCode::PropertyConstraintViolation));
        assert_eq!(parse("[]"), Err(ErrorCode::TypeConstraintViolation));
    }

    #[test]
    fn view_serializes_selected_keys() {
        extern crate std;
        let c = Configuration::new(2);
        let mut unknown = Vec::new();
        unknown
            .push(CiString50::try_from_str("Nope").unwrap())
            .unwrap();
        let mut known = Vec::new();
        known.push(ConfigKey::NumberOfConnectors).unwrap();
        let sel = KeySelection::Listed { known, unknown };
        let mut buf = [0u8; 256];
        let n = serde_json_core::to_slice(
            &ConfigurationView {
                config: &c,
                selection: &sel,
            },
            &mut buf,
        )
        .unwrap();
        assert_eq!(
            core::str::from_utf8(&buf[..n]).unwrap(),
            r#"{"configurationKey":[{"key":"NumberOfConnectors","readonly":true,"value":"2"}],"unknownKey":["Nope"]}"#
        );
    }
}
