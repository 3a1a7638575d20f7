//! Every OCPP 1.6 message, typed once. Names and enum strings are the spec's.

#[cfg(feature = "certificate-signing")]
pub mod certificate_signing;
#[cfg(feature = "certificates")]
pub mod certificates;
pub mod core_profile;
#[cfg(any(feature = "remote-trigger", feature = "firmware-management"))]
pub mod firmware;
#[cfg(feature = "firmware-management")]
pub mod firmware_management;
#[cfg(feature = "local-auth-list")]
pub mod local_auth_list;
pub mod names;
#[cfg(feature = "remote-trigger")]
pub mod remote_trigger;
#[cfg(feature = "reservation")]
pub mod reservation;
#[cfg(feature = "security")]
pub mod security;
#[cfg(feature = "smart-charging")]
pub mod smart_charging;
pub mod types;

#[cfg(feature = "certificate-signing")]
pub use certificate_signing::*;
#[cfg(feature = "certificates")]
pub use certificates::*;
pub use core_profile::*;
#[cfg(any(feature = "remote-trigger", feature = "firmware-management"))]
pub use firmware::*;
#[cfg(feature = "firmware-management")]
pub use firmware_management::*;
#[cfg(feature = "local-auth-list")]
pub use local_auth_list::*;
#[cfg(feature = "remote-trigger")]
pub use remote_trigger::*;
#[cfg(feature = "reservation")]
pub use reservation::*;
#[cfg(feature = "security")]
pub use security::*;
#[cfg(feature = "smart-charging")]
pub use smart_charging::*;
pub use types::*;

/// Defines a spec enum whose JSON form is a fixed string, with `as_str`/`from_name`/`ALL`.
/// A variant may carry `#[cfg(...)]`: it then exists only in builds with that feature.
/// An unknown string is a PropertyConstraintViolation; a non-string a TypeConstraintViolation.
macro_rules! ocpp_enum {
    ($(#[$meta:meta])* $name:ident {
        $($(#[doc = $doc:literal])* $(#[cfg($cfg:meta)])? $variant:ident = $text:literal),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[doc = $doc])* $(#[cfg($cfg)])? $variant),+ }

        const _: () = {
            use $crate::messages::names;
            const LIST: &[&str] = &[$($(#[cfg($cfg)])? $text),+];
            static TEXT: [u8; names::total_len(LIST)] = names::pack(LIST);
            static OFFSETS: [u16; LIST.len() + 1] = names::offsets(LIST);
            static NAMES: names::Names = names::Names::new(&TEXT, &OFFSETS);

            impl $name {
                /// Every value, in the spec's order.
                pub const ALL: &'static [$name] = &[$($(#[cfg($cfg)])? $name::$variant),+];

                /// The spec's text for this value.
                pub fn as_str(self) -> &'static str {
                    // Variants are numbered in declaration order, as LIST is.
                    NAMES.get(self as usize)
                }

                /// The value whose spec text is `text` (exact match).
                pub fn from_name(text: &str) -> Option<Self> {
                    Self::from_text(text, false)
                }

                /// The value whose spec text is `text`, ASCII case ignored or not.
                pub fn from_text(text: &str, ignore_case: bool) -> Option<Self> {
                    NAMES.find(text, ignore_case).and_then(|i| Self::ALL.get(i).copied())
                }
            }
        };

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::logging::Piece for $name {
            fn put(&self, line: &mut $crate::logging::Line) {
                line.push_str(self.as_str());
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct EnumVisitor;
                impl ::serde::de::Visitor<'_> for EnumVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(stringify!($name))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, text: &str) -> Result<$name, E> {
                        $name::from_name(text).ok_or_else(|| {
                            $crate::messages::violation::note($crate::messages::violation::Kind::Property);
                            E::custom("unknown enumeration value")
                        })
                    }
                }
                deserializer.deserialize_str(EnumVisitor)
            }
        }

        impl $crate::codec::Member for $name {
            const EMPTY: Self = Self::ALL[0];
            fn decode_into(
                &mut self,
                value: $crate::codec::RawValue<'_, '_>,
                scratch: &mut [u8],
            ) -> Result<(), $crate::rpc::ErrorCode> {
                *self = Self::from_name($crate::codec::string(value, scratch)?)
                    .ok_or($crate::rpc::ErrorCode::PropertyConstraintViolation)?;
                Ok(())
            }
            fn encode(&self) -> $crate::codec::Value<'_> {
                $crate::codec::Value::Str(self.as_str())
            }
        }
    };
}
pub(crate) use ocpp_enum;

/// Defines a message, or a struct nested in one, once: each member with its JSON name first,
///
/// ```text
/// ocpp_message! {
///     #[derive(Debug, Clone, PartialEq, Eq)]
///     pub struct ReserveNowRequest {
///         /// 0: any connector of the Charge Point.
///         "connectorId" pub connector_id: u32,
///         "parentIdTag" pub parent_id_tag: Option<CiString20>,
///     }
/// }
/// ```
///
/// gives the struct with serde's derives (a member typed `Option<_>` may be absent and is not
/// written when `None`, as the schemas require; serde is the differential tests' oracle and
/// costs nothing in a build that does not call it) and the static member table and the [`crate::codec::DecodeFields`], [`crate::codec::EncodeFields`] and
/// [`crate::codec::Member`] impls of the table-driven codec.
macro_rules! ocpp_message {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($members:tt)* }) => {
        $crate::messages::ocpp_message!(@member [$(#[$meta])* $vis struct $name] [] $($members)*);
    };
    // An optional member.
    (@member $head:tt [$($done:tt)*]
        $(#[$attr:meta])* $json:literal $mvis:vis $member:ident : Option<$ty:ty> $(, $($rest:tt)*)?
    ) => {
        $crate::messages::ocpp_message!(@member $head [$($done)* [false $json
            [$(#[$attr])* #[serde(rename = $json, default, skip_serializing_if = "Option::is_none")]]
            $mvis $member Option<$ty>]] $($($rest)*)?);
    };
    // A required member.
    (@member $head:tt [$($done:tt)*]
        $(#[$attr:meta])* $json:literal $mvis:vis $member:ident : $ty:ty $(, $($rest:tt)*)?
    ) => {
        $crate::messages::ocpp_message!(@member $head [$($done)* [true $json
            [$(#[$attr])* #[serde(rename = $json)]] $mvis $member $ty]] $($($rest)*)?);
    };
    (@member [$(#[$meta:meta])* $vis:vis struct $name:ident]
        [$([$required:literal $json:literal [$(#[$attr:meta])*] $mvis:vis $member:ident $ty:ty])*]
    ) => {
        $(#[$meta])*
        #[derive(::serde::Serialize, ::serde::Deserialize)]
        $vis struct $name {
            $($(#[$attr])* $mvis $member: $ty,)*
        }

        const _: () = {
            static TABLE: $crate::codec::Table =
                $crate::codec::Table::new(
                    &[$(concat!("\"", $json, "\":")),*],
                    &[$($required),*],
                );

            impl $name {
                /// The member table, for a borrowed view written in this type's place.
                #[allow(dead_code)]
                pub(crate) fn codec_table() -> &'static $crate::codec::Table {
                    &TABLE
                }
            }

            impl $crate::codec::DecodeFields for $name {
                fn table(&self) -> &'static $crate::codec::Table {
                    &TABLE
                }

                #[allow(unused_variables)]
                fn set(
                    &mut self,
                    index: usize,
                    value: $crate::codec::RawValue<'_, '_>,
                    scratch: &mut [u8],
                ) -> Result<(), $crate::rpc::ErrorCode> {
                    #[allow(non_camel_case_types, dead_code)]
                    enum Index { $($member),* }
                    $(if index == Index::$member as usize {
                        return $crate::codec::Member::decode_into(&mut self.$member, value, scratch);
                    })*
                    Ok(())
                }
            }

            impl $crate::codec::EncodeFields for $name {
                fn table(&self) -> &'static $crate::codec::Table {
                    &TABLE
                }

                #[allow(unused_variables)]
                fn get(&self, index: usize) -> $crate::codec::Value<'_> {
                    #[allow(non_camel_case_types, dead_code)]
                    enum Index { $($member),* }
                    $(if index == Index::$member as usize {
                        return $crate::codec::Member::encode(&self.$member);
                    })*
                    $crate::codec::Value::Absent
                }
            }
        };

        impl $crate::codec::Member for $name {
            const EMPTY: Self = Self { $($member: <$ty as $crate::codec::Member>::EMPTY),* };
            fn decode_into(
                &mut self,
                value: $crate::codec::RawValue<'_, '_>,
                scratch: &mut [u8],
            ) -> Result<(), $crate::rpc::ErrorCode> {
                $crate::codec::decode_object(value, scratch, self)
            }
            fn encode(&self) -> $crate::codec::Value<'_> {
                $crate::codec::Value::Object(self)
            }
        }
    };
}
pub(crate) use ocpp_message;

/// Tells a payload's deserialization failures apart (which CALLERROR code to answer).
///
/// serde-json-core folds every `de::Error::custom` into one variant (its `custom-error-messages`
/// feature would keep the text, but panics on messages over 64 bytes), so our own deserializers
/// leave a hint here before failing. The hint is advisory: it only chooses an error code.
pub mod violation {
    use core::sync::atomic::{AtomicU8, Ordering};

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Kind {
        /// A value outside its allowed set or length.
        Property = 1,
    }

    #[cfg(not(feature = "std"))]
    static HINT: AtomicU8 = AtomicU8::new(0);

    #[cfg(not(feature = "std"))]
    fn hint<R>(f: impl FnOnce(&AtomicU8) -> R) -> R {
        f(&HINT)
    }

    // With std, several charge points may parse at once on different threads (the host platform
    // runs one IO thread per charge point): a shared hint could be reset or overwritten between
    // `note` and `take` by another thread, so it is kept per thread.
    #[cfg(feature = "std")]
    std::thread_local! {
        static HINT: AtomicU8 = const { AtomicU8::new(0) };
    }

    #[cfg(feature = "std")]
    fn hint<R>(f: impl FnOnce(&AtomicU8) -> R) -> R {
        HINT.with(f)
    }

    pub fn note(kind: Kind) {
        hint(|h| h.store(kind as u8, Ordering::Relaxed));
    }

    pub fn reset() {
        hint(|h| h.store(0, Ordering::Relaxed));
    }

    pub fn take() -> Option<Kind> {
        match hint(|h| h.swap(0, Ordering::Relaxed)) {
            1 => Some(Kind::Property),
            _ => None,
        }
    }
}

use crate::rpc::ErrorCode;

/// Parses a payload (already syntax-checked by [`crate::rpc::parse_frame`]) into `T`, naming the
/// CALLERROR code that describes a failure: a message, or one value a hand-written parser picked
/// out of a payload. The table codec reads it (`crate::codec`); the codes are serde's
/// ([`serde_parse_payload`]), as the differential tests check.
// One frame per message type, so parsing one does not reserve stack for all of them.
#[inline(never)]
pub fn parse_payload<T: crate::codec::Member>(
    payload: &[u8],
    scratch: &mut [u8],
) -> Result<T, ErrorCode> {
    crate::codec::parse_value(payload, scratch)
}

/// [`parse_payload`] into `out`: a large request read where it stays, not copied out of a
/// return value on the stack.
pub fn parse_payload_into<T: crate::codec::Member>(
    payload: &[u8],
    scratch: &mut [u8],
    out: &mut T,
) -> Result<(), ErrorCode> {
    crate::codec::parse_value_into(payload, scratch, out)
}

/// [`parse_payload`] by serde + serde-json-core: the oracle of the codec's differential tests,
/// and the reader of tests' own types. Nothing in the library calls it, so firmware does not
/// carry it.
pub fn serde_parse_payload<'a, T: serde::Deserialize<'a>>(
    payload: &'a [u8],
    scratch: &mut [u8],
) -> Result<T, ErrorCode> {
    use serde_json_core::de::Error as E;
    violation::reset();
    match serde_json_core::from_slice_escaped::<T>(payload, scratch) {
        Ok((value, _)) => Ok(value),
        // Custom errors come from missing fields, wrong array lengths or our own deserializers.
        Err(E::CustomError) => Err(match violation::take() {
            Some(violation::Kind::Property) => ErrorCode::PropertyConstraintViolation,
            None => ErrorCode::OccurenceConstraintViolation,
        }),
        Err(E::EscapedStringIsTooLong) => Err(ErrorCode::PropertyConstraintViolation),
        // The framing already checked the payload's JSON syntax, so whatever else serde-json-core
        // trips on (a string for a number, `1.5` for an integer, an object for a string) is a
        // value of the wrong type.
        Err(_) => Err(ErrorCode::TypeConstraintViolation),
    }
}

ocpp_enum! {
    /// The 1.6 feature profiles (SupportedFeatureProfiles values).
    FeatureProfile {
        Core = "Core",
        FirmwareManagement = "FirmwareManagement",
        LocalAuthListManagement = "LocalAuthListManagement",
        Reservation = "Reservation",
        SmartCharging = "SmartCharging",
        RemoteTrigger = "RemoteTrigger",
    }
}

ocpp_enum! {
    /// Every OCPP 1.6 action.
    Action {
        Authorize = "Authorize",
        BootNotification = "BootNotification",
        ChangeAvailability = "ChangeAvailability",
        ChangeConfiguration = "ChangeConfiguration",
        ClearCache = "ClearCache",
        DataTransfer = "DataTransfer",
        GetConfiguration = "GetConfiguration",
        Heartbeat = "Heartbeat",
        MeterValues = "MeterValues",
        RemoteStartTransaction = "RemoteStartTransaction",
        RemoteStopTransaction = "RemoteStopTransaction",
        Reset = "Reset",
        StartTransaction = "StartTransaction",
        StatusNotification = "StatusNotification",
        StopTransaction = "StopTransaction",
        UnlockConnector = "UnlockConnector",
        GetDiagnostics = "GetDiagnostics",
        DiagnosticsStatusNotification = "DiagnosticsStatusNotification",
        FirmwareStatusNotification = "FirmwareStatusNotification",
        UpdateFirmware = "UpdateFirmware",
        GetLocalListVersion = "GetLocalListVersion",
        SendLocalList = "SendLocalList",
        CancelReservation = "CancelReservation",
        ReserveNow = "ReserveNow",
        ClearChargingProfile = "ClearChargingProfile",
        GetCompositeSchedule = "GetCompositeSchedule",
        SetChargingProfile = "SetChargingProfile",
        TriggerMessage = "TriggerMessage",
        // The security whitepaper's (edition 3): known in every build, so a build without
        // feature `security` answers them NotSupported rather than NotImplemented.
        CertificateSigned = "CertificateSigned",
        DeleteCertificate = "DeleteCertificate",
        ExtendedTriggerMessage = "ExtendedTriggerMessage",
        GetInstalledCertificateIds = "GetInstalledCertificateIds",
        GetLog = "GetLog",
        InstallCertificate = "InstallCertificate",
        LogStatusNotification = "LogStatusNotification",
        SecurityEventNotification = "SecurityEventNotification",
        SignCertificate = "SignCertificate",
        SignedFirmwareStatusNotification = "SignedFirmwareStatusNotification",
        SignedUpdateFirmware = "SignedUpdateFirmware",
    }
}

impl Action {
    pub const fn profile(self) -> FeatureProfile {
        use Action::*;
        match self {
            GetDiagnostics
            | DiagnosticsStatusNotification
            | FirmwareStatusNotification
            | UpdateFirmware => FeatureProfile::FirmwareManagement,
            GetLocalListVersion | SendLocalList => FeatureProfile::LocalAuthListManagement,
            CancelReservation | ReserveNow => FeatureProfile::Reservation,
            ClearChargingProfile | GetCompositeSchedule | SetChargingProfile => {
                FeatureProfile::SmartCharging
            }
            TriggerMessage => FeatureProfile::RemoteTrigger,
            _ => FeatureProfile::Core,
        }
    }

    /// Whether the Central System sends this request (as opposed to the Charge Point).
    pub const fn is_sent_by_central_system(self) -> bool {
        use Action::*;
        !matches!(
            self,
            Authorize
                | BootNotification
                | Heartbeat
                | MeterValues
                | StartTransaction
                | StatusNotification
                | StopTransaction
                | DiagnosticsStatusNotification
                | FirmwareStatusNotification
                | LogStatusNotification
                | SecurityEventNotification
                | SignCertificate
                | SignedFirmwareStatusNotification
        )
    }
}

/// Test helpers shared by the message modules: serialise and parse back, and write OCPP-J frames
/// to `target/frames/<name>.jsonl` for `tools/validate_frames.py`.
#[cfg(test)]
pub(crate) mod test_support {
    use std::fmt::Debug;
    use std::io::Write as _;
    use std::string::String;

    use serde::de::DeserializeOwned;
    use serde::Serialize;

    use super::{serde_parse_payload, Action, Request};
    use crate::cistring::CiString;
    use crate::datetime::DateTime;
    use crate::rpc::{write_call, write_call_result, ErrorCode, MessageId};

    pub fn text<const N: usize>(s: &str) -> CiString<N> {
        CiString::try_from_str(s).unwrap()
    }

    pub fn time() -> DateTime {
        DateTime::parse("2026-11-21T10:00:00Z").unwrap()
    }

    pub fn json<T: Serialize>(value: &T) -> String {
        let mut buf = [0u8; 2048];
        let n = serde_json_core::to_slice(value, &mut buf).unwrap();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    /// Serialises, parses back with `parse`, and checks nothing changed.
    pub fn round_trip<T: Serialize + PartialEq + Debug>(
        value: &T,
        parse: impl Fn(&[u8]) -> Result<T, ErrorCode>,
    ) -> String {
        let text = json(value);
        assert_eq!(&parse(text.as_bytes()).unwrap(), value, "{text}");
        text
    }

    pub fn serde_parse<T: DeserializeOwned>(payload: &[u8]) -> Result<T, ErrorCode> {
        serde_parse_payload(payload, &mut [0u8; 600])
    }

    pub struct Frames(std::fs::File, u32);

    impl Frames {
        /// Frames go to `target/frames/<name>.jsonl`.
        pub fn new(name: &str) -> Self {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/frames");
            std::fs::create_dir_all(dir).unwrap();
            Self(
                std::fs::File::create(format!("{dir}/{name}.jsonl")).unwrap(),
                0,
            )
        }

        fn log(&mut self, dir: &str, frame: &[u8]) {
            let frame = std::str::from_utf8(frame).unwrap();
            let line =
                serde_json::json!({"ts": 0.0, "cp_id": "messages", "dir": dir, "frame": frame});
            writeln!(self.0, "{line}").unwrap();
        }

        /// A request the Charge Point sends.
        pub fn call<T: Request>(&mut self, request: &T) {
            self.1 += 1;
            let mut buf = [0u8; 2048];
            let n = write_call(
                &mut buf,
                &MessageId::from_counter(self.1),
                T::ACTION.as_str(),
                request,
            )
            .unwrap();
            self.log("cp->cs", &buf[..n]);
        }

        /// A request from the Central System (`payload`) and the Charge Point's answer.
        pub fn answer<T: Serialize>(&mut self, action: Action, payload: &str, answer: &T) {
            self.1 += 1;
            let id = MessageId::from_counter(self.1);
            self.log(
                "cs->cp",
                format!("[2,\"{}\",\"{action}\",{payload}]", id.as_str()).as_bytes(),
            );
            let mut buf = [0u8; 2048];
            let n = write_call_result(&mut buf, &id, answer).unwrap();
            self.log("cp->cs", &buf[..n]);
        }
    }
}
