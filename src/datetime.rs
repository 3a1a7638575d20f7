//! Monotonic instants (passed in by the platform) and wall-clock date-times (RFC 3339, UTC).

use core::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::messages::violation;

/// Milliseconds on the platform's monotonic clock. The engine never reads a clock: every
/// `handle_*`/`poll_*` receives `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(pub u64);

impl Instant {
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }
    pub const fn as_millis(self) -> u64 {
        self.0
    }
    pub const fn plus_millis(self, ms: u64) -> Self {
        Self(self.0.saturating_add(ms))
    }
    pub const fn plus_secs(self, secs: u32) -> Self {
        self.plus_millis(secs as u64 * 1000)
    }
    /// Milliseconds from `earlier` to `self` (0 when `earlier` is later).
    pub const fn millis_since(self, earlier: Instant) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// A UTC wall-clock time with millisecond resolution (milliseconds since 1970-01-01T00:00:00Z).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DateTime {
    pub unix_ms: i64,
}

/// Text that is not an RFC 3339 / ISO 8601 date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadDateTime;

// Howard Hinnant's days-from-civil algorithm: proleptic Gregorian calendar, no tables.
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    // Years 0..=9999, counted from 400 BC like `civil_from_days`: 32-bit unsigned throughout
    // (64-bit arithmetic is several instructions or a library call on Cortex-M).
    let y = year + 400 - u32::from(month <= 2);
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i64::from(era * 146_097 + doe) - 719_468 - 146_097
}

/// The number in `len` ASCII digits at `b[from..]`.
fn digits(b: &[u8], from: usize, len: usize) -> Result<u32, BadDateTime> {
    let part = b.get(from..from + len).ok_or(BadDateTime)?;
    part.iter().try_fold(0u32, |acc, &c| {
        if c.is_ascii_digit() {
            Ok(acc * 10 + u32::from(c - b'0'))
        } else {
            Err(BadDateTime)
        }
    })
}

/// Howard Hinnant's civil-from-days for days since 1970-01-01 from year -400 on, in 32-bit
/// unsigned arithmetic (a 64-bit division is a library call on Cortex-M): the day number is
/// counted from 0400-03-01 BC, so January and February of year 0 are not negative.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let Ok(z) = u32::try_from(days + 719_468 + 146_097) else {
        return (-401, 1, 1);
    };
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = i64::from(yoe) + i64::from(era) * 400 + i64::from(month <= 2) - 400;
    (year, month, day)
}

impl DateTime {
    pub const fn from_unix_ms(unix_ms: i64) -> Self {
        Self { unix_ms }
    }

    pub const fn from_unix_secs(secs: i64) -> Self {
        Self {
            unix_ms: secs * 1000,
        }
    }

    pub const fn unix_secs(self) -> i64 {
        self.unix_ms.div_euclid(1000)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]`; no zone means UTC.
    pub fn parse(text: &str) -> Result<Self, BadDateTime> {
        let b = text.as_bytes();
        let digits = |from: usize, len: usize| digits(b, from, len);
        let sep = |at: usize, allowed: &[u8]| -> Result<(), BadDateTime> {
            match b.get(at) {
                Some(c) if allowed.contains(c) => Ok(()),
                _ => Err(BadDateTime),
            }
        };
        let year = digits(0, 4)?;
        sep(4, b"-")?;
        let month = digits(5, 2)?;
        sep(7, b"-")?;
        let day = digits(8, 2)?;
        sep(10, b"Tt ")?;
        let hour = digits(11, 2)?;
        sep(13, b":")?;
        let minute = digits(14, 2)?;
        sep(16, b":")?;
        let second = digits(17, 2)?;
        if !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return Err(BadDateTime);
        }
        let mut pos = 19;
        let mut millis = 0u32;
        if b.get(pos) == Some(&b'.') {
            pos += 1;
            let start = pos;
            while let Some(c) = b.get(pos).filter(|c| c.is_ascii_digit()) {
                if pos - start < 3 {
                    millis = millis * 10 + u32::from(c - b'0');
                }
                pos += 1;
            }
            if pos == start {
                return Err(BadDateTime);
            }
            for _ in (pos - start)..3 {
                millis *= 10;
            }
        }
        let offset_minutes = match b.get(pos) {
            None => 0i64,
            Some(b'Z' | b'z') if pos + 1 == b.len() => 0,
            Some(&sign @ (b'+' | b'-')) if pos + 6 == b.len() => {
                sep(pos + 3, b":")?;
                let minutes = i64::from(digits(pos + 1, 2)? * 60 + digits(pos + 4, 2)?);
                if sign == b'+' {
                    minutes
                } else {
                    -minutes
                }
            }
            _ => return Err(BadDateTime),
        };
        let days = days_from_civil(year, month, day);
        let tod = hour * 3600 + minute * 60 + second;
        let secs = days * 86_400 + i64::from(tod) - offset_minutes * 60;
        let time = Self {
            unix_ms: secs * 1000 + i64::from(millis),
        };
        // A zone offset can carry 9999-12-31 into year 10000, which the text cannot say.
        match (Self::MIN..=Self::MAX).contains(&time) {
            true => Ok(time),
            false => Err(BadDateTime),
        }
    }

    /// The earliest time OCPP's text can express, 0000-01-01T00:00:00.000Z.
    pub const MIN: DateTime = DateTime::from_unix_ms(-62_167_219_200_000);
    /// The latest, 9999-12-31T23:59:59.999Z.
    pub const MAX: DateTime = DateTime::from_unix_ms(253_402_300_799_999);

    /// Start of the UTC day containing `self`.
    pub const fn midnight(self) -> Self {
        Self {
            unix_ms: self.unix_ms - self.unix_ms.rem_euclid(86_400_000),
        }
    }
}

impl DateTime {
    /// The text OCPP sends, `2026-11-21T14:12:34.000Z` (always 24 bytes), written digit by digit:
    /// every frame carries timestamps, and `core::fmt` would cost ~2,000 instructions each.
    /// None outside the years 0000..=9999, which the format cannot express.
    pub fn to_text(self) -> Option<[u8; 24]> {
        if !(Self::MIN..=Self::MAX).contains(&self) {
            return None;
        }
        let secs = self.unix_ms.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        // In range, the rest fits 32 bits.
        let millis = (self.unix_ms - secs * 1000) as u32;
        let tod = (secs - days * 86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        let year = year as u32;
        let mut out = *b"0000-00-00T00:00:00.000Z";
        // Two digits at a time, at fixed places.
        let pairs = [
            (0, year / 100),
            (2, year % 100),
            (5, month),
            (8, day),
            (11, tod / 3600),
            (14, tod % 3600 / 60),
            (17, tod % 60),
            (21, millis % 100),
        ];
        for (at, value) in pairs {
            if let Some([tens, ones]) = out.get_mut(at..at + 2) {
                *tens = b'0' + (value / 10) as u8;
                *ones = b'0' + (value % 10) as u8;
            }
        }
        if let Some(hundreds) = out.get_mut(20) {
            *hundreds = b'0' + (millis / 100) as u8;
        }
        Some(out)
    }
}

impl DateTime {
    /// [`DateTime::to_text`] of the nearest time the format can express: what every frame
    /// carries, so a clock past 9999 never breaks (or, with serde-json-core, panics) a write.
    pub fn to_text_clamped(self) -> [u8; 24] {
        let clamped = Self::from_unix_ms(self.unix_ms.clamp(Self::MIN.unix_ms, Self::MAX.unix_ms));
        clamped.to_text().unwrap_or(*b"0000-01-01T00:00:00.000Z")
    }
}

impl fmt::Display for DateTime {
    /// `2026-11-21T14:12:34.000Z`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_text() {
            // The text is ASCII digits and separators.
            Some(text) => f.write_str(core::str::from_utf8(&text).map_err(|_| fmt::Error)?),
            None => write!(f, "(unix ms {})", self.unix_ms),
        }
    }
}

impl crate::logging::Piece for DateTime {
    fn put(&self, line: &mut crate::logging::Line) {
        match self.to_text() {
            Some(text) => line.push_str(core::str::from_utf8(&text).unwrap_or_default()),
            None => {
                line.push_str("(unix ms ");
                crate::logging::Piece::put(&self.unix_ms, line);
                line.push_str(")");
            }
        }
    }
}

impl Serialize for DateTime {
    /// Never fails: serde-json-core panics on a serializer error (its custom-error hook is
    /// unreachable!()), so a time the format cannot express is written as the nearest one it can.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.to_text_clamped();
        serializer.serialize_str(core::str::from_utf8(&text).unwrap_or("0000-01-01T00:00:00.000Z"))
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateTimeVisitor;
        impl Visitor<'_> for DateTimeVisitor {
            type Value = DateTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<DateTime, E> {
                DateTime::parse(text).map_err(|BadDateTime| {
                    violation::note(violation::Kind::Property);
                    E::custom("bad date-time")
                })
            }
        }
        deserializer.deserialize_str(DateTimeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::ToString;

    #[test]
    fn formats_and_parses() {
        let t = DateTime::parse("2026-11-21T14:12:34Z").unwrap();
        assert_eq!(t.unix_secs(), 1_795_270_354);
        assert_eq!(t.to_string(), "2026-11-21T14:12:34.000Z");
        assert_eq!(
            DateTime::parse("2026-11-21T14:12:34.5+01:00")
                .unwrap()
                .unix_ms,
            t.unix_ms - 3_600_000 + 500
        );
        assert_eq!(
            DateTime::parse("2026-11-21T14:12:34.123456")
                .unwrap()
                .unix_ms,
            t.unix_ms + 123
        );
        assert_eq!(DateTime::parse("1970-01-01T00:00:00Z").unwrap().unix_ms, 0);
        assert_eq!(
            DateTime::parse("2000-02-29T00:00:00Z").unwrap().to_string(),
            "2000-02-29T00:00:00.000Z"
        );
        for bad in [
            "",
            "2026-11-21",
            "2026-13-01T00:00:00Z",
            "2026-11-21T14:12:34X",
            "2026-11-21T14:12:34.Z",
            "x026-11-21T14:12:34Z",
        ] {
            assert_eq!(DateTime::parse(bad), Err(BadDateTime), "{bad}");
        }
    }

    #[test]
    fn parses_every_year_the_text_can_say() {
        // Leap days and year ends of years 0..=9999, through the 32-bit day count.
        let mut ms = DateTime::MIN.unix_ms;
        while ms <= DateTime::MAX.unix_ms {
            let t = DateTime::from_unix_ms(ms);
            assert_eq!(DateTime::parse(&t.to_string()).unwrap(), t, "{t}");
            ms += 86_400_000 * 59 + 1_234_567;
        }
        for text in [
            "0000-02-29T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z",
        ] {
            assert_eq!(
                DateTime::parse(text).unwrap().to_string().get(..19),
                text.get(..19)
            );
        }
        assert_eq!(
            DateTime::parse("0000-01-01T00:00:00Z").unwrap(),
            DateTime::MIN
        );
        assert_eq!(
            DateTime::parse("9999-12-31T23:59:59.999Z").unwrap(),
            DateTime::MAX
        );
        assert_eq!(
            DateTime::parse("9999-12-31T23:59:59-01:00"),
            Err(BadDateTime)
        );
    }

    #[test]
    fn round_trips_over_centuries() {
        let mut ms = -2_208_988_800_000i64; // 1900
        while ms < 4_102_444_800_000 {
            let t = DateTime::from_unix_ms(ms);
            assert_eq!(DateTime::parse(&t.to_string()).unwrap(), t);
            ms += 86_400_000 * 37 + 3_723_004;
        }
    }

    #[test]
    fn text_matches_core_fmt_and_refuses_what_four_digits_cannot_say() {
        let mut ms = -62_167_219_200_000i64; // 0000-01-01
        while ms < 253_402_300_800_000 {
            // 10000-01-01
            let t = DateTime::from_unix_ms(ms);
            let (y, mo, d) = civil_from_days(t.unix_secs().div_euclid(86_400));
            let tod = t.unix_secs().rem_euclid(86_400);
            let expected = std::format!(
                "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
                tod / 3600,
                tod % 3600 / 60,
                tod % 60,
                ms.rem_euclid(1000)
            );
            assert_eq!(t.to_string(), expected);
            ms += 86_400_000 * 3_301 + 3_723_017;
        }
        assert_eq!(
            DateTime::parse("9999-12-31T23:59:59-01:00"),
            Err(BadDateTime),
            "year 10000 in UTC"
        );
        assert_eq!(
            DateTime::parse("0000-01-01T00:00:00+01:00"),
            Err(BadDateTime)
        );
        assert_eq!(
            DateTime::parse("9999-12-31T23:59:59.999Z"),
            Ok(DateTime::MAX)
        );
        // Beyond the range (a wall clock running on), serialization still succeeds.
        let mut buf = [0u8; 64];
        let far = DateTime::from_unix_ms(DateTime::MAX.unix_ms + 86_400_000);
        let n = serde_json_core::to_slice(&far, &mut buf).unwrap();
        assert_eq!(&buf[..n], b"\"9999-12-31T23:59:59.999Z\"");
        let n = serde_json_core::to_slice(&DateTime::from_unix_ms(i64::MIN), &mut buf).unwrap();
        assert_eq!(&buf[..n], b"\"0000-01-01T00:00:00.000Z\"");
        assert_eq!(DateTime::from_unix_ms(-62_167_219_200_001).to_text(), None);
        assert_eq!(DateTime::from_unix_ms(253_402_300_800_000).to_text(), None);
        assert!(DateTime::from_unix_ms(253_402_300_799_999)
            .to_text()
            .is_some());
    }

    #[test]
    fn midnight() {
        let t = DateTime::parse("2026-11-21T14:12:34Z").unwrap();
        assert_eq!(t.midnight().to_string(), "2026-11-21T00:00:00.000Z");
    }
}
