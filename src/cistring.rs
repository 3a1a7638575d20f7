//! `CiStringN` of the OCPP 1.6 spec: case-insensitive printable ASCII of at most N characters.

use core::fmt;
use core::ops::Deref;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::messages::violation;

/// A bounded string; deserialization reports "too long" as a PropertyConstraintViolation
/// (heapless' own overflow error would be indistinguishable from a missing field).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct CiString<const N: usize>(heapless::String<N>);

/// The string does not fit the type's capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLong;

impl<const N: usize> CiString<N> {
    pub const fn new() -> Self {
        Self(heapless::String::new())
    }

    /// Copies `text`; fails when it is longer than N bytes.
    pub fn try_from_str(text: &str) -> Result<Self, TooLong> {
        let mut s = heapless::String::new();
        s.push_str(text).map_err(|()| TooLong)?;
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// CiString comparison of the spec: ASCII case-insensitive.
    pub fn eq_ignore_case(&self, other: &str) -> bool {
        // Same bytes (the usual case) in one comparison before the per-byte fold.
        self.0.as_bytes() == other.as_bytes() || self.0.eq_ignore_ascii_case(other)
    }

    /// Appends, failing (and leaving `self` unchanged) when it would not fit.
    pub fn push_str(&mut self, text: &str) -> Result<(), TooLong> {
        self.0.push_str(text).map_err(|()| TooLong)
    }

    pub fn clear(&mut self) {
        self.0.clear()
    }
}

impl<const N: usize> Deref for CiString<N> {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl<const N: usize> fmt::Debug for CiString<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0.as_str(), f)
    }
}

impl<const N: usize> fmt::Display for CiString<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl<const N: usize> fmt::Write for CiString<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.push_str(s).map_err(|()| fmt::Error)
    }
}

impl<const N: usize> TryFrom<&str> for CiString<N> {
    type Error = TooLong;
    fn try_from(text: &str) -> Result<Self, TooLong> {
        Self::try_from_str(text)
    }
}

impl<const N: usize> Serialize for CiString<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de, const N: usize> Deserialize<'de> for CiString<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BoundedVisitor<const N: usize>;
        impl<const N: usize> Visitor<'_> for BoundedVisitor<N> {
            type Value = CiString<N>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a string of at most {N} characters")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                CiString::try_from_str(text).map_err(|TooLong| {
                    violation::note(violation::Kind::Property);
                    E::custom("string too long")
                })
            }
        }
        deserializer.deserialize_str(BoundedVisitor::<N>)
    }
}

pub type CiString20 = CiString<20>;
pub type CiString25 = CiString<25>;
pub type CiString50 = CiString<50>;
pub type CiString255 = CiString<255>;
pub type CiString500 = CiString<500>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_case_insensitive() {
        let tag = CiString20::try_from_str("AbC").unwrap();
        assert!(tag.eq_ignore_case("abc"));
        assert_eq!(CiString::<3>::try_from_str("abcd"), Err(TooLong));
        assert_eq!(
            CiString::<4>::try_from_str("abcd").unwrap().as_str(),
            "abcd"
        );
    }

    #[test]
    fn too_long_is_a_property_violation() {
        violation::reset();
        let mut scratch = [0u8; 32];
        let r = serde_json_core::from_slice_escaped::<CiString<3>>(b"\"abcd\"", &mut scratch);
        assert!(r.is_err());
        assert_eq!(violation::take(), Some(violation::Kind::Property));
        let (s, _) =
            serde_json_core::from_slice_escaped::<CiString<8>>(b"\"a\\\"b\"", &mut scratch)
                .unwrap();
        assert_eq!(s.as_str(), "a\"b");
    }
}
