//! The table-driven JSON codec every OCPP payload is read and written with (measured against
//! serde + serde-json-core in `bench/CODEC.md`, which decided to move every message type to it).
//!
//! serde's derive gives every message type its own deserializer and serializer, each a
//! monomorphized copy of serde-json-core's machinery (~1 KB of flash per message on Cortex-M).
//! Here a message is still defined once, by `ocpp_message!` (src/messages), which writes the
//! struct (with serde's derives, unchanged) and, with this feature, a static table of its JSON
//! member names plus two small methods that hand one member at a time to the struct
//! ([`DecodeFields::set`](crate::codec::DecodeFields::set)) or from it ([`EncodeFields::get`](crate::codec::EncodeFields::get)). They are two traits, not one: a
//! trait object's vtable keeps all its methods, so a message only written would otherwise carry
//! its reader too. The work is done by functions that are *not* generic:
//! - [`decode`](crate::codec::decode) walks a payload once with [`crate::json`]'s scanner, finds each member's index
//!   in the table and hands the scanner, at the member's value, to [`DecodeFields::set`](crate::codec::DecodeFields::set);
//!   required members are checked with a bitmask. Each kind of value (CiString, u32/i32, enum,
//!   DateTime, Option, nested struct, bounded Vec) is read from the scanner by one parser shared
//!   by all messages ([`Member`](crate::codec::Member)); a nested struct or list continues on the same scanner, so
//!   no byte is scanned twice.
//! - [`write_call`](crate::codec::write_call) / [`write_call_result`](crate::codec::write_call_result) write a message through [`EncodeFields::get`](crate::codec::EncodeFields::get), which
//!   names each member's value ([`Value`](crate::codec::Value)); strings are copied run by run, not char by char.
//!
//! The CALLERROR codes are exactly those of [`crate::messages::serde_parse_payload`] (the differential
//! test below runs one corpus through both): a value of the wrong JSON type (including `1.5` or
//! `-1` for an unsigned integer, `null` for a required member) is a TypeConstraintViolation; a
//! string too long for its CiString, an unknown enumeration value, a bad date-time, or an
//! escaped string larger than the scratch buffer a PropertyConstraintViolation; a missing or
//! repeated member, or one element too many, an OccurenceConstraintViolation. A payload that is
//! not JSON never gets here: the framing ([`crate::rpc::parse_frame`]) answers it with a
//! FormationViolation.
//!
//! No heap, no `unsafe`, no panics on input: every index is checked.

use crate::cistring::CiString;
use crate::datetime::DateTime;
use crate::json::Cursor;
use crate::rpc::{self, BufferTooSmall, ErrorCode, MessageId, Out as Writer};

const TYPE: ErrorCode = ErrorCode::TypeConstraintViolation;
const PROPERTY: ErrorCode = ErrorCode::PropertyConstraintViolation;
const OCCURRENCE: ErrorCode = ErrorCode::OccurenceConstraintViolation;

/// The most members a message may have (the sets of members seen and required are `u32` masks).
pub const MAX_MEMBERS: usize = 32;

/// A message's static description: its JSON members, in declaration order, and which of them
/// must be present.
#[derive(Debug)]
pub struct Table {
    /// Each member as the writer puts it, `"name":` (one copy instead of three); the name is
    /// the text between the quotes ([`Table::name`]).
    pub keys: &'static [&'static str],
    /// Bit `i` set: member `keys[i]` is required.
    pub required: u32,
}

impl Table {
    /// Evaluated at compile time (the macro builds a `static`): more than [`MAX_MEMBERS`]
    /// members, a key not of the form `"name":`, or a `required` list of another length fails
    /// the build, not a parse.
    pub const fn new(keys: &'static [&'static str], required: &[bool]) -> Self {
        assert!(keys.len() <= MAX_MEMBERS && keys.len() == required.len());
        let mut mask = 0u32;
        let mut i = 0;
        while i < keys.len() {
            let key = keys[i].as_bytes();
            assert!(key.len() >= 3 && key[0] == b'"');
            assert!(key[key.len() - 2] == b'"' && key[key.len() - 1] == b':');
            if required[i] {
                mask |= 1 << i;
            }
            i += 1;
        }
        Self {
            keys,
            required: mask,
        }
    }

    /// The JSON name in a key `"name":`.
    pub fn name(key: &str) -> &str {
        key.get(1..key.len().saturating_sub(2)).unwrap_or_default()
    }
}

/// Unknown members nest at most this deep below a message (the framing allows 16 levels in
/// the whole frame, so this never refuses a frame that got through it).
const MAX_SKIP_DEPTH: u8 = 16;

/// One member's value: the scanner over a syntax-checked payload, standing before the value.
/// A kind's parser reads exactly that one value from it (and leaves it after the value).
pub struct RawValue<'c, 'a>(&'c mut Cursor<'a>);

impl<'a> RawValue<'_, 'a> {
    /// Whether the value is `null` (it is then consumed).
    pub fn take_null(&mut self) -> bool {
        if self.0.peek() == Some(b'n') {
            // Syntax-checked: an `n` starts `null`.
            let _ = self.0.skip_value();
            true
        } else {
            false
        }
    }

    /// The raw text of a scalar value (a number, say), consumed.
    fn token(&mut self) -> Result<&'a [u8], ErrorCode> {
        let range = self.0.skip_value().map_err(|_| TYPE)?;
        Ok(self.0.slice(range))
    }

    /// The text of a JSON number, consumed (for kinds that parse numbers themselves, such as
    /// fixed-point decimals); anything else is a TypeConstraintViolation.
    pub fn number(mut self) -> Result<&'a [u8], ErrorCode> {
        match self.0.peek() {
            Some(b'-' | b'0'..=b'9') => self.token(),
            _ => Err(TYPE),
        }
    }

    /// Reads a JSON array, handing each element to `each` (for lists that are not a plain
    /// bounded `Vec`).
    pub fn elements(
        self,
        scratch: &mut [u8],
        mut each: impl FnMut(RawValue<'_, '_>, &mut [u8]) -> Result<(), ErrorCode>,
    ) -> Result<(), ErrorCode> {
        let c = self.0;
        c.expect(b'[').map_err(|_| TYPE)?;
        if c.peek() != Some(b']') {
            loop {
                each(RawValue(&mut *c), scratch)?;
                if c.expect(b',').is_err() {
                    break;
                }
            }
        }
        c.expect(b']').map_err(|_| TYPE)
    }
}

/// One member's value, as the writer sees it.
#[derive(Clone, Copy)]
pub enum Value<'a> {
    /// An absent optional member: not written (`null` inside an array).
    Absent,
    Str(&'a str),
    U32(u32),
    I32(i32),
    /// A decimal in tenths (`165` is written `16.5`).
    Tenths(i32),
    Bool(bool),
    Time(DateTime),
    Object(&'a dyn EncodeFields),
    Array(&'a dyn Elements),
}

/// A message (or a struct nested in one) being read: generated by `ocpp_message!`.
pub trait DecodeFields {
    fn table(&self) -> &'static Table;
    /// Reads member `index` of the table from `value` (an index out of range is ignored).
    fn set(
        &mut self,
        index: usize,
        value: RawValue<'_, '_>,
        scratch: &mut [u8],
    ) -> Result<(), ErrorCode>;
}

/// A message (or a struct nested in one) being written: generated by `ocpp_message!`.
pub trait EncodeFields {
    fn table(&self) -> &'static Table;
    /// Member `index` of the table ([`Value::Absent`] for an index out of range).
    fn get(&self, index: usize) -> Value<'_>;
}

/// A JSON array's elements, for the writer.
pub trait Elements {
    fn count(&self) -> usize;
    fn element(&self, index: usize) -> Value<'_>;
    /// Hands element `index` to `write`. Lists that build their elements on the fly (the
    /// configuration keys of GetConfiguration.conf) override it, so an element needs to exist
    /// only while it is written.
    fn with_element(
        &self,
        index: usize,
        write: &mut dyn FnMut(Value<'_>) -> Result<(), BufferTooSmall>,
    ) -> Result<(), BufferTooSmall> {
        write(self.element(index))
    }
}

/// A kind of member value: how it is read and written. One implementation per kind, shared by
/// every message (generic only in what must be: a CiString's capacity, a Vec's element).
pub trait Member: Sized {
    /// The value a member holds before it is read (members are read in place, into it).
    const EMPTY: Self;
    /// Reads `value` into `self`, which holds [`Member::EMPTY`]: an optional member absent from
    /// the input keeps it.
    fn decode_into(&mut self, value: RawValue<'_, '_>, scratch: &mut [u8])
        -> Result<(), ErrorCode>;
    fn encode(&self) -> Value<'_>;
}

/// Parses a payload (syntax-checked by the framing) into `T`, or names the CALLERROR code.
pub fn parse<T: Member + DecodeFields>(payload: &[u8], scratch: &mut [u8]) -> Result<T, ErrorCode> {
    let mut message = T::EMPTY;
    decode(payload, scratch, &mut message)?;
    Ok(message)
}

/// Parses one JSON value (syntax-checked) of any kind, e.g. a member a hand-written parser
/// picked out of a payload; the codes are those of the same value inside a message.
pub fn parse_value<T: Member>(value: &[u8], scratch: &mut [u8]) -> Result<T, ErrorCode> {
    let mut out = T::EMPTY;
    parse_value_into(value, scratch, &mut out)?;
    Ok(out)
}

/// [`parse_value`] into `out`, for a large message read where it stays (not copied out of a
/// return value on the stack).
pub fn parse_value_into<T: Member>(
    value: &[u8],
    scratch: &mut [u8],
    out: &mut T,
) -> Result<(), ErrorCode> {
    let mut cursor = Cursor::new(value);
    out.decode_into(RawValue(&mut cursor), scratch)?;
    if !cursor.at_end() {
        return Err(TYPE);
    }
    Ok(())
}

/// Reads the JSON object `object` (a whole payload) into `message`; `scratch` is where escaped
/// strings are unescaped (as for serde-json-core, a string that does not fit is a
/// PropertyConstraintViolation).
pub fn decode(
    object: &[u8],
    scratch: &mut [u8],
    message: &mut dyn DecodeFields,
) -> Result<(), ErrorCode> {
    let mut cursor = Cursor::new(object);
    decode_object(RawValue(&mut cursor), scratch, message)?;
    // serde-json-core refuses trailing text too (the framing never hands any over).
    if !cursor.at_end() {
        return Err(TYPE);
    }
    Ok(())
}

/// Reads one JSON object from the scanner into `message`: the one function every message and
/// nested struct is read by.
pub fn decode_object(
    value: RawValue<'_, '_>,
    scratch: &mut [u8],
    message: &mut dyn DecodeFields,
) -> Result<(), ErrorCode> {
    let c = value.0;
    c.expect(b'{').map_err(|_| TYPE)?;
    let table = message.table();
    let mut seen = 0u32;
    if c.peek() != Some(b'}') {
        loop {
            let name = c.checked_string().map_err(|_| TYPE)?;
            c.expect(b':').map_err(|_| TYPE)?;
            match index_of(table.keys, name, scratch)? {
                Some(index) => {
                    let bit = 1u32 << index;
                    if seen & bit != 0 {
                        return Err(OCCURRENCE);
                    }
                    seen |= bit;
                    message.set(index, RawValue(&mut *c), scratch)?;
                }
                // Unknown members are allowed, but read as serde reads them (their strings must
                // unescape), so that both codecs refuse the same payloads.
                None => skip(c, scratch, 0)?,
            }
            if c.expect(b',').is_err() {
                break;
            }
        }
    }
    c.expect(b'}').map_err(|_| TYPE)?;
    if table.required & !seen != 0 {
        return Err(OCCURRENCE);
    }
    Ok(())
}

fn index_of(
    keys: &[&str],
    raw_name: (&[u8], bool),
    scratch: &mut [u8],
) -> Result<Option<usize>, ErrorCode> {
    let (raw, escaped) = raw_name;
    if !escaped {
        // Member names are ASCII: bytes equal to one are that name, with no UTF-8 check needed.
        // Keys are stored as `"name":`; lengths first, so most keys cost one comparison.
        let found = keys.iter().position(|key| {
            key.len() == raw.len() + 3 && key.as_bytes().get(1..=raw.len()) == Some(raw)
        });
        if found.is_some() {
            return Ok(found);
        }
    }
    // An unknown member's name is still checked (and unescaped) as serde does.
    let name = unescape(raw_name, scratch)?;
    Ok(keys.iter().position(|key| Table::name(key) == name))
}

/// Skips an unknown member's value, unescaping its strings (names included) as serde does.
fn skip(c: &mut Cursor<'_>, scratch: &mut [u8], depth: u8) -> Result<(), ErrorCode> {
    let (open, close) = match c.peek() {
        Some(b'"') => {
            let raw = c.checked_string().map_err(|_| TYPE)?;
            return unescape(raw, scratch).map(drop);
        }
        Some(b'{') => (b'{', b'}'),
        Some(b'[') => (b'[', b']'),
        _ => return c.skip_value().map(drop).map_err(|_| TYPE),
    };
    if depth >= MAX_SKIP_DEPTH {
        return Err(TYPE);
    }
    c.expect(open).map_err(|_| TYPE)?;
    if c.peek() != Some(close) {
        loop {
            if open == b'{' {
                let name = c.checked_string().map_err(|_| TYPE)?;
                unescape(name, scratch)?;
                c.expect(b':').map_err(|_| TYPE)?;
            }
            skip(c, scratch, depth + 1)?;
            if c.expect(b',').is_err() {
                break;
            }
        }
    }
    c.expect(close).map_err(|_| TYPE)
}

/// The text of a JSON string value, unescaped into `scratch` when it has escapes.
pub fn string<'t, 'a: 't>(
    value: RawValue<'_, 'a>,
    scratch: &'t mut [u8],
) -> Result<&'t str, ErrorCode> {
    let raw = value.0.checked_string().map_err(|_| TYPE)?;
    unescape(raw, scratch)
}

/// Unescapes the bytes between a string's quotes (and whether they hold an escape), in order,
/// like serde-json-core: text that is not UTF-8 or a bad escape (`\u` of a surrogate included)
/// is a TypeConstraintViolation, text that outgrows `scratch` a PropertyConstraintViolation,
/// whichever comes first.
pub(crate) fn unescape<'t>(
    (raw, escaped): (&'t [u8], bool),
    scratch: &'t mut [u8],
) -> Result<&'t str, ErrorCode> {
    let text = core::str::from_utf8(raw).map_err(|_| TYPE)?;
    if !escaped {
        return Ok(text);
    }
    let mut len = 0;
    let mut put = |bytes: &[u8]| -> Result<(), ErrorCode> {
        let end = len + bytes.len();
        scratch
            .get_mut(len..end)
            .ok_or(PROPERTY)?
            .copy_from_slice(bytes);
        len = end;
        Ok(())
    };
    let mut rest = raw;
    loop {
        let run = rest.iter().position(|&b| b == b'\\').unwrap_or(rest.len());
        let (plain, escaped) = rest.split_at(run);
        put(plain)?;
        let (unescaped, used) = match escaped {
            [] => break,
            [_, b'"', ..] => ('"', 2),
            [_, b'\\', ..] => ('\\', 2),
            [_, b'/', ..] => ('/', 2),
            [_, b'b', ..] => ('\x08', 2),
            [_, b'f', ..] => ('\x0c', 2),
            [_, b'n', ..] => ('\n', 2),
            [_, b'r', ..] => ('\r', 2),
            [_, b't', ..] => ('\t', 2),
            [_, b'u', a, b, c, d, ..] => {
                let code = [*a, *b, *c, *d].iter().try_fold(0u32, |code, &digit| {
                    char::from(digit).to_digit(16).map(|v| code << 4 | v)
                });
                (code.and_then(char::from_u32).ok_or(TYPE)?, 6)
            }
            _ => return Err(TYPE),
        };
        put(unescaped.encode_utf8(&mut [0; 4]).as_bytes())?;
        rest = escaped.get(used..).unwrap_or_default();
    }
    core::str::from_utf8(scratch.get(..len).unwrap_or_default()).map_err(|_| TYPE)
}

/// A JSON integer's sign and magnitude (32-bit arithmetic: no 64-bit helpers on Cortex-M);
/// anything else, a fraction or an exponent included, is a TypeConstraintViolation.
fn integer(mut value: RawValue<'_, '_>) -> Result<(bool, u32), ErrorCode> {
    let (negative, digits) = match value.token()? {
        [b'-', digits @ ..] => (true, digits),
        digits => (false, digits),
    };
    if digits.is_empty() {
        return Err(TYPE);
    }
    let mut magnitude = 0u32;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return Err(TYPE);
        }
        magnitude = magnitude
            .checked_mul(10)
            .and_then(|m| m.checked_add(u32::from(digit - b'0')))
            .ok_or(TYPE)?;
    }
    Ok((negative, magnitude))
}

impl Member for u32 {
    const EMPTY: Self = 0;
    fn decode_into(&mut self, value: RawValue<'_, '_>, _: &mut [u8]) -> Result<(), ErrorCode> {
        // As serde-json-core: a minus sign is refused, even on zero.
        match integer(value)? {
            (false, magnitude) => *self = magnitude,
            (true, _) => return Err(TYPE),
        }
        Ok(())
    }
    fn encode(&self) -> Value<'_> {
        Value::U32(*self)
    }
}

/// A small count (numberPhases): beyond 255 is a TypeConstraintViolation, as serde's `u8`.
impl Member for u8 {
    const EMPTY: Self = 0;
    fn decode_into(
        &mut self,
        value: RawValue<'_, '_>,
        scratch: &mut [u8],
    ) -> Result<(), ErrorCode> {
        let mut wide = 0u32;
        wide.decode_into(value, scratch)?;
        *self = u8::try_from(wide).map_err(|_| TYPE)?;
        Ok(())
    }
    fn encode(&self) -> Value<'_> {
        Value::U32(u32::from(*self))
    }
}

impl Member for i32 {
    const EMPTY: Self = 0;
    fn decode_into(&mut self, value: RawValue<'_, '_>, _: &mut [u8]) -> Result<(), ErrorCode> {
        let (negative, magnitude) = integer(value)?;
        let wide = if negative {
            -i64::from(magnitude)
        } else {
            i64::from(magnitude)
        };
        *self = i32::try_from(wide).map_err(|_| TYPE)?;
        Ok(())
    }
    fn encode(&self) -> Value<'_> {
        Value::I32(*self)
    }
}

impl Member for bool {
    const EMPTY: Self = false;
    fn decode_into(&mut self, mut value: RawValue<'_, '_>, _: &mut [u8]) -> Result<(), ErrorCode> {
        *self = match value.token()? {
            b"true" => true,
            b"false" => false,
            _ => return Err(TYPE),
        };
        Ok(())
    }
    fn encode(&self) -> Value<'_> {
        Value::Bool(*self)
    }
}

impl<const N: usize> Member for CiString<N> {
    const EMPTY: Self = CiString::new();
    fn decode_into(
        &mut self,
        value: RawValue<'_, '_>,
        scratch: &mut [u8],
    ) -> Result<(), ErrorCode> {
        let text = string(value, scratch)?;
        self.clear();
        self.push_str(text).map_err(|_| PROPERTY)
    }
    fn encode(&self) -> Value<'_> {
        Value::Str(self.as_str())
    }
}

impl Member for DateTime {
    const EMPTY: Self = DateTime::from_unix_ms(0);
    fn decode_into(
        &mut self,
        value: RawValue<'_, '_>,
        scratch: &mut [u8],
    ) -> Result<(), ErrorCode> {
        *self = DateTime::parse(string(value, scratch)?).map_err(|_| PROPERTY)?;
        Ok(())
    }
    fn encode(&self) -> Value<'_> {
        Value::Time(*self)
    }
}

/// An optional member: `null` or absent is `None`, and `None` is not written.
impl<T: Member> Member for Option<T> {
    const EMPTY: Self = None;
    fn decode_into(
        &mut self,
        mut value: RawValue<'_, '_>,
        scratch: &mut [u8],
    ) -> Result<(), ErrorCode> {
        if value.take_null() {
            *self = None;
            return Ok(());
        }
        self.insert(T::EMPTY).decode_into(value, scratch)
    }
    fn encode(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Absent, Member::encode)
    }
}

/// A bounded list: one element too many is an OccurenceConstraintViolation.
impl<T: Member, const N: usize> Member for heapless::Vec<T, N> {
    const EMPTY: Self = heapless::Vec::new();
    fn decode_into(
        &mut self,
        value: RawValue<'_, '_>,
        scratch: &mut [u8],
    ) -> Result<(), ErrorCode> {
        self.clear();
        let c = value.0;
        c.expect(b'[').map_err(|_| TYPE)?;
        if c.peek() != Some(b']') {
            loop {
                if self.is_full() {
                    // serde reads the extra element before refusing it, so its own error comes
                    // first; the list is refused either way, so it may land on the last slot.
                    if let Some(last) = self.last_mut() {
                        last.decode_into(RawValue(&mut *c), scratch)?;
                    }
                    return Err(OCCURRENCE);
                }
                self.push(T::EMPTY).map_err(|_| OCCURRENCE)?;
                let slot = self.last_mut().ok_or(OCCURRENCE)?;
                slot.decode_into(RawValue(&mut *c), scratch)?;
                if c.expect(b',').is_err() {
                    break;
                }
            }
        }
        c.expect(b']').map_err(|_| TYPE)
    }
    fn encode(&self) -> Value<'_> {
        Value::Array(self)
    }
}

impl<T: Member, const N: usize> Elements for heapless::Vec<T, N> {
    fn count(&self) -> usize {
        self.len()
    }
    fn element(&self, index: usize) -> Value<'_> {
        self.get(index).map_or(Value::Absent, Member::encode)
    }
}

// The codec writes through the framing's own output buffer.
impl Writer<'_> {
    fn byte(&mut self, byte: u8) -> Result<(), BufferTooSmall> {
        *self.buf.get_mut(self.len).ok_or(BufferTooSmall)? = byte;
        self.len += 1;
        Ok(())
    }

    /// A JSON string, escaped as serde-json-core escapes it; unescaped runs in one copy each,
    /// found by one tight scan.
    pub(crate) fn string(&mut self, text: &str) -> Result<(), BufferTooSmall> {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        self.byte(b'"')?;
        let mut rest = text.as_bytes();
        loop {
            let run = rest
                .iter()
                .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
                .unwrap_or(rest.len());
            let (plain, tail) = rest.split_at_checked(run).unwrap_or((rest, &[]));
            self.put(plain)?;
            let Some((&byte, after)) = tail.split_first() else {
                break;
            };
            let short: &[u8] = match byte {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                0x08 => b"\\b",
                b'\t' => b"\\t",
                b'\n' => b"\\n",
                0x0c => b"\\f",
                b'\r' => b"\\r",
                _ => b"",
            };
            if short.is_empty() {
                let hex = |nibble: u8| HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
                self.put(&[b'\\', b'u', b'0', b'0', hex(byte >> 4), hex(byte & 0xf)])?;
            } else {
                self.put(short)?;
            }
            rest = after;
        }
        self.byte(b'"')
    }

    fn unsigned(&mut self, negative: bool, magnitude: u32) -> Result<(), BufferTooSmall> {
        if negative {
            self.byte(b'-')?;
        }
        self.put(crate::json::decimal(magnitude, &mut [0; 10]).as_bytes())
    }

    fn tenths(&mut self, n: i32) -> Result<(), BufferTooSmall> {
        let magnitude = n.unsigned_abs();
        self.unsigned(n < 0, magnitude / 10)?;
        match magnitude % 10 {
            0 => Ok(()),
            tenth => self.put(&[b'.', b'0' + tenth as u8]),
        }
    }

    /// A timestamp, clamped to the years the format can express (as serde's DateTime writes
    /// it). Its own frame: the text is built on the stack.
    #[inline(never)]
    fn time(&mut self, time: DateTime) -> Result<(), BufferTooSmall> {
        let text = time.to_text_clamped();
        self.byte(b'"')?;
        self.put(&text)?;
        self.byte(b'"')
    }

    /// Any value. Objects and arrays recurse; the leaves (strings, numbers, timestamps) are
    /// written by functions of their own, so a recursion level costs only a small frame.
    fn value(&mut self, value: Value<'_>) -> Result<(), BufferTooSmall> {
        match value {
            Value::Object(fields) => self.object(fields),
            Value::Array(elements) => self.array(elements),
            leaf => self.leaf(leaf),
        }
    }

    #[inline(never)]
    fn leaf(&mut self, value: Value<'_>) -> Result<(), BufferTooSmall> {
        match value {
            Value::Str(text) => self.string(text),
            Value::U32(n) => self.unsigned(false, n),
            Value::I32(n) => self.unsigned(n < 0, n.unsigned_abs()),
            Value::Tenths(n) => self.tenths(n),
            Value::Time(time) => self.time(time),
            Value::Bool(true) => self.put(b"true"),
            Value::Bool(false) => self.put(b"false"),
            Value::Absent | Value::Object(_) | Value::Array(_) => self.put(b"null"),
        }
    }

    fn object(&mut self, fields: &dyn EncodeFields) -> Result<(), BufferTooSmall> {
        self.byte(b'{')?;
        let mut first = true;
        for (index, key) in fields.table().keys.iter().enumerate() {
            let member = fields.get(index);
            if matches!(member, Value::Absent) {
                continue;
            }
            if !first {
                self.byte(b',')?;
            }
            first = false;
            // Member names are the spec's: nothing to escape.
            self.put(key.as_bytes())?;
            self.value(member)?;
        }
        self.byte(b'}')
    }

    fn array(&mut self, elements: &dyn Elements) -> Result<(), BufferTooSmall> {
        self.byte(b'[')?;
        for index in 0..elements.count() {
            if index > 0 {
                self.byte(b',')?;
            }
            elements.with_element(index, &mut |element| self.value(element))?;
        }
        self.byte(b']')
    }
}

/// Writes `[2,"id","Action",payload]`, like [`crate::rpc::write_call`]; returns the length.
pub fn write_call(
    buf: &mut [u8],
    id: &MessageId,
    action: &str,
    payload: &dyn EncodeFields,
) -> Result<usize, BufferTooSmall> {
    rpc::call_frame(buf, id, action, |out| out.value(Value::Object(payload)))
}

/// Writes `[3,"id",payload]`, like [`crate::rpc::write_call_result`]; returns the length.
pub fn write_call_result(
    buf: &mut [u8],
    id: &MessageId,
    payload: &dyn EncodeFields,
) -> Result<usize, BufferTooSmall> {
    rpc::result_frame(buf, id, |out| out.value(Value::Object(payload)))
}

/// Writes one payload alone (no frame), for tests and the transaction queue's records.
pub fn write_payload(buf: &mut [u8], payload: &dyn EncodeFields) -> Result<usize, BufferTooSmall> {
    let mut out = Writer { buf, len: 0 };
    out.value(Value::Object(payload))?;
    Ok(out.len)
}

#[cfg(test)]
mod tests;
