//! A minimal, non-allocating JSON scanner for the OCPP-J envelope. It validates the syntax of a
//! value it skips, so a payload slice handed to serde is known to be well-formed JSON; typed
//! parsing of the payload is serde-json-core's job.

/// Nesting deeper than this is rejected (bounded recursion on hostile input).
const MAX_DEPTH: u8 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError;

pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    #[inline(always)]
    pub fn skip_ws(&mut self) {
        while matches!(self.buf.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    pub fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.buf.get(self.pos).copied()
    }

    /// Consumes `byte` (after whitespace) or fails.
    pub fn expect(&mut self, byte: u8) -> Result<(), SyntaxError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(SyntaxError)
        }
    }

    pub fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// A JSON integer that fits an i64.
    pub fn integer(&mut self) -> Result<i64, SyntaxError> {
        self.skip_ws();
        let start = self.pos;
        self.skip_number()?;
        let text = self.buf.get(start..self.pos).ok_or(SyntaxError)?;
        let (negative, digits) = match text.split_first() {
            Some((b'-', digits)) => (true, digits),
            _ => (false, text),
        };
        // Accumulated on the number's own side of zero, so i64::MIN fits.
        digits.iter().try_fold(0i64, |value, &digit| {
            // A fraction or an exponent is not an integer.
            let digit = i64::from(
                digit
                    .checked_sub(b'0')
                    .filter(|d| *d < 10)
                    .ok_or(SyntaxError)?,
            );
            let value = value.checked_mul(10).ok_or(SyntaxError)?;
            if negative {
                value.checked_sub(digit)
            } else {
                value.checked_add(digit)
            }
            .ok_or(SyntaxError)
        })
    }

    /// The raw bytes between the quotes of a JSON string (escapes left as they are).
    pub fn raw_string(&mut self) -> Result<&'a [u8], SyntaxError> {
        if self.peek() != Some(b'"') {
            return Err(SyntaxError);
        }
        let start = self.pos + 1;
        self.skip_string()?;
        self.buf.get(start..self.pos - 1).ok_or(SyntaxError)
    }

    /// The raw bytes between the quotes of a JSON string in text the framing has already
    /// syntax-checked, and whether they hold an escape: one pass that only looks for the
    /// closing quote (escapes are not checked again; whoever unescapes checks them).
    pub fn checked_string(&mut self) -> Result<(&'a [u8], bool), SyntaxError> {
        if self.peek() != Some(b'"') {
            return Err(SyntaxError);
        }
        let rest = self.buf.get(self.pos + 1..).ok_or(SyntaxError)?;
        let mut escaped = false;
        let mut i = 0;
        while let Some(&byte) = rest.get(i) {
            match byte {
                b'"' => {
                    self.pos += i + 2;
                    return rest.get(..i).map(|raw| (raw, escaped)).ok_or(SyntaxError);
                }
                b'\\' => {
                    escaped = true;
                    i += 2;
                }
                _ => i += 1,
            }
        }
        Err(SyntaxError)
    }

    /// Skips one JSON value, checking its syntax; returns its byte range.
    pub fn skip_value(&mut self) -> Result<(usize, usize), SyntaxError> {
        self.skip_value_at(0)
    }

    /// [`Cursor::skip_value`] for a value nested `depth` levels deep in the text being checked
    /// (the nesting limit counts from the top).
    pub fn skip_value_at(&mut self, depth: u8) -> Result<(usize, usize), SyntaxError> {
        self.skip_ws();
        let start = self.pos;
        self.skip_nested(depth)?;
        Ok((start, self.pos))
    }

    /// Skips one value of text that [`Cursor::skip_value`] has already checked, looking only for
    /// where it ends (brackets and string quotes): the framing checks a frame once, then finds
    /// its payload with this.
    pub fn skip_checked_value(&mut self) -> Result<(usize, usize), SyntaxError> {
        self.skip_ws();
        let start = self.pos;
        let mut depth = 0usize;
        while let Some(&byte) = self.buf.get(self.pos) {
            match byte {
                b'"' => {
                    self.checked_string()?;
                    if depth == 0 {
                        break;
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    if depth <= 1 {
                        // The end of a scalar (not consumed) or of the value's own container.
                        self.pos += depth;
                        break;
                    }
                    depth -= 1;
                }
                b',' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => break,
                _ => {}
            }
            self.pos += 1;
        }
        Ok((start, self.pos))
    }

    /// The offset of the next byte.
    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn slice(&self, range: (usize, usize)) -> &'a [u8] {
        self.buf.get(range.0..range.1).unwrap_or_default()
    }

    fn skip_nested(&mut self, depth: u8) -> Result<(), SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(SyntaxError);
        }
        match self.peek().ok_or(SyntaxError)? {
            b'"' => self.skip_string(),
            b'{' => {
                self.pos += 1;
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    if self.peek() != Some(b'"') {
                        return Err(SyntaxError);
                    }
                    self.skip_string()?;
                    self.expect(b':')?;
                    self.skip_nested(depth + 1)?;
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(SyntaxError),
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip_nested(depth + 1)?;
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(SyntaxError),
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => Err(SyntaxError),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), SyntaxError> {
        if self.buf.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(SyntaxError)
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.buf.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn skip_number(&mut self) -> Result<(), SyntaxError> {
        if self.buf.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match self.buf.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(SyntaxError),
        }
        if self.buf.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(SyntaxError);
            }
        }
        if matches!(self.buf.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.buf.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(SyntaxError);
            }
        }
        Ok(())
    }

    /// The code unit of the `\uXXXX` escape at `at`.
    fn unicode_escape(&self, at: usize) -> Result<u16, SyntaxError> {
        if self.buf.get(at..at + 2) != Some(b"\\u") {
            return Err(SyntaxError);
        }
        let hex = self.buf.get(at + 2..at + 6).ok_or(SyntaxError)?;
        hex.iter().try_fold(0u16, |acc, &c| {
            let digit = (c as char).to_digit(16).ok_or(SyntaxError)?;
            Ok(acc * 16 + digit as u16)
        })
    }

    fn skip_string(&mut self) -> Result<(), SyntaxError> {
        self.pos += 1; // opening quote, checked by the caller
        loop {
            // Plain text in one tight pass: the checks below only run at a quote, a backslash
            // or a control character.
            let rest = self.buf.get(self.pos..).unwrap_or_default();
            let run = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .ok_or(SyntaxError)?;
            self.pos += run;
            match *self.buf.get(self.pos).ok_or(SyntaxError)? {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\\' => match self.buf.get(self.pos + 1).ok_or(SyntaxError)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 2,
                    b'u' => {
                        // A UTF-16 surrogate must come in a high-low pair: a lone one is not
                        // a character, and echoing it would make our own frames invalid.
                        match self.unicode_escape(self.pos)? {
                            0xD800..=0xDBFF => match self.unicode_escape(self.pos + 6)? {
                                0xDC00..=0xDFFF => self.pos += 12,
                                _ => return Err(SyntaxError),
                            },
                            0xDC00..=0xDFFF => return Err(SyntaxError),
                            _ => self.pos += 6,
                        }
                    }
                    _ => return Err(SyntaxError),
                },
                0x00..=0x1f => return Err(SyntaxError),
                _ => self.pos += 1,
            }
        }
    }
}

/// The decimal text of `value`, written digit by digit into `digits` (`core::fmt` costs a few
/// hundred instructions per number, and every frame carries some).
pub fn decimal(mut value: u32, digits: &mut [u8; 10]) -> &str {
    let mut start = digits.len();
    while start > 0 {
        start -= 1;
        if let Some(slot) = digits.get_mut(start) {
            *slot = b'0' + (value % 10) as u8;
        }
        value /= 10;
        if value == 0 {
            break;
        }
    }
    core::str::from_utf8(digits.get(start..).unwrap_or_default()).unwrap_or_default()
}

/// Calls `member(name, value)` for each member of a JSON object already syntax-checked, with
/// the raw bytes of the name (escapes left as they are) and of the value, borrowed from `object`
/// (a member can be kept and read after the others).
pub fn for_each_member<'a, E>(
    object: &'a [u8],
    not_object: E,
    mut member: impl FnMut(&'a [u8], &'a [u8]) -> Result<(), E>,
) -> Result<(), E> {
    let mut c = Cursor::new(object);
    if c.expect(b'{').is_err() {
        return Err(not_object);
    }
    while c.peek() == Some(b'"') {
        let (Ok(name), Ok(()), Ok(value)) = (c.raw_string(), c.expect(b':'), c.skip_value()) else {
            return Err(not_object);
        };
        member(name, c.slice(value))?;
        let _ = c.expect(b',');
    }
    Ok(())
}

/// Calls `element(value)` for each element of a JSON array already syntax-checked, with the raw
/// bytes of the value, one at a time (a long list is never held whole).
pub fn for_each_element<'a, E>(
    array: &'a [u8],
    not_array: E,
    mut element: impl FnMut(&'a [u8]) -> Result<(), E>,
) -> Result<(), E> {
    let mut c = Cursor::new(array);
    if c.expect(b'[').is_err() {
        return Err(not_array);
    }
    while c.peek().is_some_and(|b| b != b']') {
        let Ok(value) = c.skip_value() else {
            return Err(not_array);
        };
        element(c.slice(value))?;
        let _ = c.expect(b',');
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(text: &str) -> bool {
        let mut c = Cursor::new(text.as_bytes());
        c.skip_value().is_ok() && c.at_end()
    }

    #[test]
    fn accepts_json() {
        for ok in [
            "{}",
            "[]",
            " { \"a\" : [1, -2.5e+3, true, false, null, \"x\\\"\\u00e9\"] } ",
            "0",
            "\"\"",
            "[[[]]]",
            "\"\\ud83d\\ude00 \\u00e9\"",
        ] {
            assert!(valid(ok), "{ok}");
        }
    }

    #[test]
    fn rejects_bad_json() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\"}",
            "{\"a\":}",
            "{a:1}",
            "01",
            "1.",
            "-",
            "\"\\x\"",
            "\"\\u12\"",
            "tru",
            "[1 2]",
            "\"a\nb\"",
            "{\"a\":1,}",
            "\"\\ude00\"",
            "\"\\ud83d\"",
            "\"\\ud83dx\"",
            "\"\\ud83d\\u0041\"",
        ] {
            assert!(!valid(bad), "{bad:?}");
        }
        let deep = "[".repeat(40) + &"]".repeat(40);
        assert!(!valid(&deep), "nesting is bounded");
    }

    #[test]
    fn members_of_an_object() {
        let mut seen = std::vec::Vec::new();
        let r: Result<(), ()> =
            for_each_member(br#"{ "a" : [1, {"x": 2}], "b\"" : "s" }"#, (), |n, v| {
                seen.push((n.to_vec(), v.to_vec()));
                Ok(())
            });
        assert_eq!(r, Ok(()));
        assert_eq!(
            seen,
            [
                (b"a".to_vec(), br#"[1, {"x": 2}]"#.to_vec()),
                (br#"b\""#.to_vec(), br#""s""#.to_vec())
            ]
        );
        assert_eq!(for_each_member(b"[1]", 7, |_, _| Ok(())), Err(7));
        assert_eq!(for_each_member(b"{}", 7, |_, _| Err(8)), Ok(()));
        let mut kept: &[u8] = b"";
        let r: Result<(), ()> = for_each_member(br#"{"a": [1], "b": 2}"#, (), |n, v| {
            if n == b"a" {
                kept = v;
            }
            Ok(())
        });
        assert_eq!(
            (r, kept),
            (Ok(()), &b"[1]"[..]),
            "a value outlives the walk"
        );
    }

    #[test]
    fn elements_of_an_array() {
        let mut seen = std::vec::Vec::new();
        let r: Result<(), ()> = for_each_element(br#" [ 1 , {"x": [2]}, "s\"" ,[] ] "#, (), |v| {
            seen.push(v.to_vec());
            Ok(())
        });
        assert_eq!(r, Ok(()));
        assert_eq!(
            seen,
            [
                b"1".to_vec(),
                br#"{"x": [2]}"#.to_vec(),
                br#""s\"""#.to_vec(),
                b"[]".to_vec()
            ]
        );
        assert_eq!(for_each_element(b" [ ] ", 7, |_| Err(8)), Ok(()));
        assert_eq!(for_each_element(b"{}", 7, |_| Ok(())), Err(7));
        assert_eq!(for_each_element(b"null", 7, |_| Ok(())), Err(7));
        let mut calls = 0;
        let stopped = for_each_element(b"[1,2,3]", 7, |_| {
            calls += 1;
            if calls == 2 {
                Err(8)
            } else {
                Ok(())
            }
        });
        assert_eq!(
            (stopped, calls),
            (Err(8), 2),
            "the element's error stops the walk"
        );
    }

    #[test]
    fn checked_strings() {
        let mut c = Cursor::new(br#" "ab" , "a\"b\\" "" "#);
        assert_eq!(c.checked_string(), Ok((&b"ab"[..], false)));
        c.expect(b',').unwrap();
        assert_eq!(c.checked_string(), Ok((&br#"a\"b\\"#[..], true)));
        assert_eq!(c.checked_string(), Ok((&b""[..], false)));
        assert!(c.at_end());
        assert_eq!(Cursor::new(b"\"open").checked_string(), Err(SyntaxError));
        assert_eq!(Cursor::new(b"\"a\\\"").checked_string(), Err(SyntaxError));
        assert_eq!(Cursor::new(b"1").checked_string(), Err(SyntaxError));
    }

    #[test]
    fn integers_and_strings() {
        let mut c = Cursor::new(b" [ 2 , \"id\\\"1\" ]");
        c.expect(b'[').unwrap();
        assert_eq!(c.integer(), Ok(2));
        c.expect(b',').unwrap();
        assert_eq!(c.raw_string(), Ok(&b"id\\\"1"[..]));
        c.expect(b']').unwrap();
        assert!(c.at_end());
        assert_eq!(Cursor::new(b"2.5").integer(), Err(SyntaxError));
        assert_eq!(Cursor::new(b"1e3").integer(), Err(SyntaxError));
        assert_eq!(Cursor::new(b" -0 ").integer(), Ok(0));
        assert_eq!(Cursor::new(b"\"2\"").integer(), Err(SyntaxError));
        assert_eq!(Cursor::new(b"-").integer(), Err(SyntaxError));
        assert_eq!(Cursor::new(b"-9223372036854775808").integer(), Ok(i64::MIN));
        assert_eq!(Cursor::new(b"9223372036854775807").integer(), Ok(i64::MAX));
        assert_eq!(
            Cursor::new(b"9223372036854775808").integer(),
            Err(SyntaxError)
        );
        let mut c = Cursor::new(b"01");
        assert_eq!(c.integer(), Ok(0), "the number ends after a leading zero");
        assert_eq!(c.peek(), Some(b'1'));
    }
}
