//! Log lines without `core::fmt`. A `log` record costs each call site its `fmt::Arguments`, its
//! static metadata (target, module, file, line) and, once, the formatting machinery: 8.3 KB of
//! flash in Zephyr's sample. Here a line is a list of pieces (`warn!("sent ", n, " bytes")`),
//! each appended by a small [`Piece`] impl, and handed to the platform: Zephyr's log subsystem
//! directly, the `log` crate elsewhere (the host, zephyr-lang-rust applications).
//!
//! Levels are `log`'s: records above `log::STATIC_MAX_LEVEL` (the `log-level-*` features, from
//! `CONFIG_OCPP_LOG_LEVEL`) are not compiled in; the rest are filtered by `log::max_level()`.

use heapless::String;

/// Longest line: a longer one is cut (a log line, not data).
pub const LINE_CAPACITY: usize = 160;

/// A log line being assembled.
pub struct Line(String<LINE_CAPACITY>);

impl Line {
    #[doc(hidden)]
    pub const fn new() -> Self {
        Self(String::new())
    }

    /// Appends what fits of `text`, cut at a character boundary.
    pub fn push_str(&mut self, text: &str) {
        let room = LINE_CAPACITY - self.0.len();
        let mut end = text.len().min(room);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let _ = self.0.push_str(text.get(..end).unwrap_or_default());
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}

/// Something a log line can show.
pub trait Piece {
    fn put(&self, line: &mut Line);
}

impl Piece for str {
    fn put(&self, line: &mut Line) {
        line.push_str(self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn put(&self, line: &mut Line) {
        (**self).put(line);
    }
}

impl<const N: usize> Piece for String<N> {
    fn put(&self, line: &mut Line) {
        line.push_str(self);
    }
}

impl<const N: usize> Piece for crate::cistring::CiString<N> {
    fn put(&self, line: &mut Line) {
        line.push_str(self.as_str());
    }
}

impl Piece for bool {
    fn put(&self, line: &mut Line) {
        line.push_str(if *self { "true" } else { "false" });
    }
}

fn put_unsigned(value: u64, line: &mut Line) {
    // Nine digits at a time through the u32 writer: no 64-bit division per digit.
    let mut digits = [0u8; 10];
    match u32::try_from(value) {
        Ok(small) => line.push_str(crate::json::decimal(small, &mut digits)),
        Err(_) => {
            put_unsigned(value / 1_000_000_000, line);
            let low = crate::json::decimal((value % 1_000_000_000) as u32, &mut digits);
            for _ in low.len()..9 {
                line.push_str("0");
            }
            line.push_str(low);
        }
    }
}

macro_rules! unsigned_pieces {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn put(&self, line: &mut Line) {
                put_unsigned(*self as u64, line);
            }
        }
    )*};
}
unsigned_pieces!(u8, u16, u32, u64, usize);

macro_rules! signed_pieces {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn put(&self, line: &mut Line) {
                if *self < 0 {
                    line.push_str("-");
                }
                put_unsigned(self.unsigned_abs() as u64, line);
            }
        }
    )*};
}
signed_pieces!(i8, i16, i32, i64, isize);

impl<T: Piece> Piece for Option<T> {
    fn put(&self, line: &mut Line) {
        match self {
            Some(value) => value.put(line),
            None => line.push_str("none"),
        }
    }
}

impl<T: Piece, E: Piece> Piece for Result<T, E> {
    fn put(&self, line: &mut Line) {
        match self {
            Ok(value) => value.put(line),
            Err(error) => {
                line.push_str("error ");
                error.put(line);
            }
        }
    }
}

/// `Piece` for an enum of unit variants: each shown by its name.
macro_rules! piece_by_name {
    ($t:ty { $($(#[$meta:meta])* $variant:ident),+ $(,)? }) => {
        impl $crate::logging::Piece for $t {
            fn put(&self, line: &mut $crate::logging::Line) {
                line.push_str(match self { $($(#[$meta])* Self::$variant => stringify!($variant)),+ });
            }
        }
    };
}
pub(crate) use piece_by_name;

/// Hands a finished line to the platform's log.
#[doc(hidden)]
pub fn emit(level: log::Level, line: &Line) {
    #[cfg(all(feature = "zephyr", not(feature = "zephyr-lang-rust"), not(test)))]
    crate::platform::zephyr::log_line(level, line.as_str());
    #[cfg(not(all(feature = "zephyr", not(feature = "zephyr-lang-rust"), not(test))))]
    log::log!(level, "{}", line.as_str());
}

/// `log_at!(level, piece, ...)`: one line of pieces at `level`, when that level is on.
macro_rules! log_at {
    ($level:expr, $($piece:expr),+ $(,)?) => {{
        let level: ::log::Level = $level;
        if level <= ::log::STATIC_MAX_LEVEL && level <= ::log::max_level() {
            let mut line = $crate::logging::Line::new();
            $( $crate::logging::Piece::put(&$piece, &mut line); )+
            $crate::logging::emit(level, &line);
        }
    }};
}

#[allow(unused_macros)]
macro_rules! log_error {
    ($($piece:expr),+ $(,)?) => { $crate::logging::log_at!(::log::Level::Error, $($piece),+) };
}
macro_rules! log_warn {
    ($($piece:expr),+ $(,)?) => { $crate::logging::log_at!(::log::Level::Warn, $($piece),+) };
}
macro_rules! log_info {
    ($($piece:expr),+ $(,)?) => { $crate::logging::log_at!(::log::Level::Info, $($piece),+) };
}
macro_rules! log_debug {
    ($($piece:expr),+ $(,)?) => { $crate::logging::log_at!(::log::Level::Debug, $($piece),+) };
}

pub(crate) use log_at;
pub(crate) use log_debug as debug;
#[allow(unused_imports)]
pub(crate) use log_error as error;
pub(crate) use log_info as info;
pub(crate) use log_warn as warn;

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(pieces: &[&dyn Piece]) -> Line {
        let mut line = Line::new();
        for piece in pieces {
            piece.put(&mut line);
        }
        line
    }

    #[test]
    fn numbers_are_written_as_their_decimal_text() {
        for value in [0, 9, -9, 4_294_967_296, i64::MAX, i64::MIN] {
            assert_eq!(line_of(&[&value]).as_str(), value.to_string());
        }
        assert_eq!(line_of(&[&u64::MAX]).as_str(), u64::MAX.to_string());
        assert_eq!(line_of(&[&"a ", &7u8, &" b"]).as_str(), "a 7 b");
    }

    #[test]
    fn a_long_line_is_cut_at_a_character_boundary() {
        let mut line = Line::new();
        for _ in 0..100 {
            "é".put(&mut line);
        }
        assert_eq!(line.as_str().len(), LINE_CAPACITY);
        let mut odd = Line::new();
        "x".put(&mut odd);
        for _ in 0..100 {
            "é".put(&mut odd);
        }
        assert_eq!(odd.as_str().len(), LINE_CAPACITY - 1);
    }
}
