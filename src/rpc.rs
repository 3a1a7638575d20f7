//! OCPP-J RPC framing (OCPP 1.6 JSON spec, section 4):
//! CALL `[2,"id","Action",{...}]`, CALLRESULT `[3,"id",{...}]`, CALLERROR `[4,"id","code","desc",{...}]`.

use serde::Serialize;

use crate::json::Cursor;
use crate::messages::ocpp_enum;

/// Longest unique id the spec allows (36 characters).
pub const MESSAGE_ID_CAPACITY: usize = 36;

/// A message id as raw JSON string content, echoed back byte for byte in replies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageId(heapless::String<MESSAGE_ID_CAPACITY>);

impl MessageId {
    /// The id used to answer a frame whose own id could not be read (as OCPP 2.0.1 specifies).
    pub fn unknown() -> Self {
        Self::from_counter_text("-1")
    }

    /// Decimal text of a counter: unique per connection as long as the counter does not repeat.
    pub fn from_counter(counter: u32) -> Self {
        let mut id = heapless::String::new();
        // A u32 has at most 10 digits: always fits.
        let _ = id.push_str(crate::json::decimal(counter, &mut [0; 10]));
        Self(id)
    }

    fn from_counter_text(text: &str) -> Self {
        let mut id = heapless::String::new();
        let _ = id.push_str(text);
        Self(id)
    }

    fn from_raw(raw: &[u8]) -> Option<Self> {
        Self::from_text(core::str::from_utf8(raw).ok()?)
    }

    fn from_text(text: &str) -> Option<Self> {
        let mut id = heapless::String::new();
        id.push_str(text).ok()?;
        Some(Self(id))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

ocpp_enum! {
    /// CALLERROR codes of OCPP 1.6 JSON (section 4.2.3; "Occurence" is the spec's spelling).
    ErrorCode {
        NotImplemented = "NotImplemented",
        NotSupported = "NotSupported",
        InternalError = "InternalError",
        ProtocolError = "ProtocolError",
        SecurityError = "SecurityError",
        FormationViolation = "FormationViolation",
        PropertyConstraintViolation = "PropertyConstraintViolation",
        OccurenceConstraintViolation = "OccurenceConstraintViolation",
        TypeConstraintViolation = "TypeConstraintViolation",
        GenericError = "GenericError",
    }
}

/// One received frame, borrowing from the receive buffer; payloads are syntax-checked JSON.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    Call {
        id: MessageId,
        action: &'a str,
        payload: &'a [u8],
    },
    CallResult {
        id: MessageId,
        payload: &'a [u8],
    },
    CallError {
        id: MessageId,
        code: Option<ErrorCode>,
        description: &'a [u8],
    },
}

/// Why a frame was refused, with the id to answer to when it could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    pub id: Option<MessageId>,
    /// Whether the frame looked like a CALL, i.e. whether a CALLERROR answer is expected.
    pub is_call: bool,
    /// Whether it looked like a CALLRESULT or CALLERROR: answers are never answered, even
    /// when their id cannot be read.
    pub is_answer: bool,
    pub code: ErrorCode,
    pub reason: &'static str,
}

const CALL: i64 = 2;
const CALL_RESULT: i64 = 3;
const CALL_ERROR: i64 = 4;

/// Parses and syntax-checks one OCPP-J frame (whitespace-tolerant).
pub fn parse_frame(text: &[u8]) -> Result<Frame<'_>, FrameError> {
    // A well-formed frame is checked and split in one pass; anything else goes through the
    // full diagnosis below, which names the same error it always did.
    match well_formed(text) {
        Some(frame) => Ok(frame),
        None => diagnose(text),
    }
}

/// One pass over a frame that is well-formed: every element is syntax-checked as it is read,
/// and together they cover the whole text, so the frame is valid JSON and [`diagnose`] would
/// return the same frame. None at the first thing that is not as expected.
fn well_formed(text: &[u8]) -> Option<Frame<'_>> {
    // Checked as UTF-8 once: its strings are then cut out of it at their quotes (always char
    // boundaries) instead of being checked again.
    let whole = core::str::from_utf8(text).ok()?;
    let mut c = Cursor::new(text);
    let string = |c: &mut Cursor<'_>| -> Option<&str> {
        let raw = c.raw_string().ok()?;
        let end = c.position().checked_sub(1)?;
        whole.get(end.checked_sub(raw.len())?..end)
    };
    c.expect(b'[').ok()?;
    let type_id = c.integer().ok()?;
    c.expect(b',').ok()?;
    let id = MessageId::from_text(string(&mut c)?)?;
    c.expect(b',').ok()?;
    // The payload is one level below the frame's array, as in the whole-frame check.
    let object = |c: &mut Cursor<'_>| -> Option<(usize, usize)> {
        (c.peek() == Some(b'{')).then_some(())?;
        c.skip_value_at(1).ok()
    };
    let frame = match type_id {
        CALL => {
            let action = string(&mut c)?;
            c.expect(b',').ok()?;
            let payload = object(&mut c)?;
            Frame::Call {
                id,
                action,
                payload: c.slice(payload),
            }
        }
        CALL_RESULT => {
            let payload = object(&mut c)?;
            Frame::CallResult {
                id,
                payload: c.slice(payload),
            }
        }
        CALL_ERROR => {
            let code = core::str::from_utf8(c.raw_string().ok()?)
                .ok()
                .and_then(ErrorCode::from_name);
            c.expect(b',').ok()?;
            let description = c.raw_string().ok()?;
            c.expect(b',').ok()?;
            object(&mut c)?;
            Frame::CallError {
                id,
                code,
                description,
            }
        }
        _ => return None,
    };
    c.expect(b']').ok()?;
    c.at_end().then_some(frame)
}

/// Parses a frame the one-pass reader refused, naming why.
fn diagnose(text: &[u8]) -> Result<Frame<'_>, FrameError> {
    let fail = |id: Option<MessageId>, type_id: Option<i64>, code: ErrorCode, reason| FrameError {
        id,
        is_call: type_id == Some(CALL),
        is_answer: matches!(type_id, Some(CALL_RESULT | CALL_ERROR)),
        code,
        reason,
    };
    let mut c = Cursor::new(text);
    // Syntax first: a frame that is not JSON at all (JSON text is UTF-8; a WebSocket text frame
    // must be too) is a formation violation.
    {
        let mut whole = Cursor::new(text);
        let utf8 = core::str::from_utf8(text).is_ok();
        if !utf8 || whole.skip_value().is_err() || !whole.at_end() {
            // Best effort to recover the id, so the peer can match our CALLERROR.
            let (type_id, id) = recover_head(text);
            return Err(fail(
                id,
                type_id,
                ErrorCode::FormationViolation,
                "frame is not valid JSON",
            ));
        }
    }
    let not_rpc = |c: ErrorCode, r| fail(None, None, c, r);
    c.expect(b'[')
        .map_err(|_| not_rpc(ErrorCode::ProtocolError, "frame is not a JSON array"))?;
    let type_id = c.integer().map_err(|_| {
        not_rpc(
            ErrorCode::ProtocolError,
            "message type id is not an integer",
        )
    })?;
    let known_type = Some(type_id);
    c.expect(b',').map_err(|_| {
        fail(
            None,
            known_type,
            ErrorCode::ProtocolError,
            "frame has no message id",
        )
    })?;
    let id_raw = c.raw_string().map_err(|_| {
        fail(
            None,
            known_type,
            ErrorCode::ProtocolError,
            "message id is not a string",
        )
    })?;
    let id = MessageId::from_raw(id_raw).ok_or_else(|| {
        fail(
            None,
            known_type,
            ErrorCode::ProtocolError,
            "message id longer than 36 characters",
        )
    })?;
    let with_id = |code, reason| fail(Some(id.clone()), known_type, code, reason);
    c.expect(b',')
        .map_err(|_| with_id(ErrorCode::ProtocolError, "frame is incomplete"))?;
    let frame = match type_id {
        CALL => {
            let action = c
                .raw_string()
                .map_err(|_| with_id(ErrorCode::ProtocolError, "action is not a string"))?;
            let action = core::str::from_utf8(action)
                .map_err(|_| with_id(ErrorCode::ProtocolError, "action is not UTF-8"))?;
            c.expect(b',')
                .map_err(|_| with_id(ErrorCode::ProtocolError, "CALL has no payload"))?;
            let payload = object(&mut c)
                .map_err(|()| with_id(ErrorCode::FormationViolation, "payload is not an object"))?;
            Frame::Call {
                id: id.clone(),
                action,
                payload,
            }
        }
        CALL_RESULT => {
            let payload = object(&mut c)
                .map_err(|()| with_id(ErrorCode::FormationViolation, "payload is not an object"))?;
            Frame::CallResult {
                id: id.clone(),
                payload,
            }
        }
        CALL_ERROR => {
            let code = c
                .raw_string()
                .map_err(|_| with_id(ErrorCode::ProtocolError, "error code is not a string"))?;
            let code = core::str::from_utf8(code)
                .ok()
                .and_then(ErrorCode::from_name);
            c.expect(b',')
                .map_err(|_| with_id(ErrorCode::ProtocolError, "CALLERROR is incomplete"))?;
            let description = c.raw_string().map_err(|_| {
                with_id(
                    ErrorCode::ProtocolError,
                    "error description is not a string",
                )
            })?;
            c.expect(b',')
                .map_err(|_| with_id(ErrorCode::ProtocolError, "CALLERROR has no details"))?;
            object(&mut c).map_err(|()| {
                with_id(
                    ErrorCode::FormationViolation,
                    "error details are not an object",
                )
            })?;
            Frame::CallError {
                id: id.clone(),
                code,
                description,
            }
        }
        _ => return Err(with_id(ErrorCode::ProtocolError, "unknown message type id")),
    };
    c.expect(b']')
        .map_err(|_| with_id(ErrorCode::ProtocolError, "frame has extra elements"))?;
    Ok(frame)
}

/// An object in a frame already checked whole: found, not checked again.
fn object<'a>(c: &mut Cursor<'a>) -> Result<&'a [u8], ()> {
    if c.peek() != Some(b'{') {
        return Err(());
    }
    let range = c.skip_checked_value().map_err(|_| ())?;
    Ok(c.slice(range))
}

/// Reads `[2, "id"` from the front of a frame that is not (or not entirely) valid JSON,
/// e.g. the first bytes of a frame too large for the receive buffer.
pub fn recover_call_id(prefix: &[u8]) -> (Option<MessageId>, bool) {
    let (type_id, id) = recover_head(prefix);
    (id, type_id == Some(CALL))
}

/// The message type id and message id at the front of a frame, as far as they can be read.
fn recover_head(prefix: &[u8]) -> (Option<i64>, Option<MessageId>) {
    let mut c = Cursor::new(prefix);
    if c.expect(b'[').is_err() {
        return (None, None);
    }
    let Ok(type_id) = c.integer() else {
        return (None, None);
    };
    let id = (|| {
        c.expect(b',').ok()?;
        c.raw_string().ok().and_then(MessageId::from_raw)
    })();
    (Some(type_id), id)
}

/// The output buffer was too small for the frame; nothing useful was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferTooSmall;

/// Writes into a caller's buffer: `BufferTooSmall` when it does not fit. The payload codecs
/// (serde here, `crate::codec`) write through it too.
pub(crate) struct Out<'b> {
    pub(crate) buf: &'b mut [u8],
    pub(crate) len: usize,
}

impl Out<'_> {
    pub(crate) fn put(&mut self, bytes: &[u8]) -> Result<(), BufferTooSmall> {
        let end = self.len.checked_add(bytes.len()).ok_or(BufferTooSmall)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(BufferTooSmall)?
            .copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BufferTooSmall> {
        let rest = self.buf.get_mut(self.len..).ok_or(BufferTooSmall)?;
        self.len += serde_json_core::to_slice(value, rest).map_err(|_| BufferTooSmall)?;
        Ok(())
    }
}

/// Writes `[2,"id","Action",payload]` with `payload` writing the payload; returns the length.
pub(crate) fn call_frame(
    buf: &mut [u8],
    id: &MessageId,
    action: &str,
    payload: impl FnOnce(&mut Out<'_>) -> Result<(), BufferTooSmall>,
) -> Result<usize, BufferTooSmall> {
    let mut out = Out { buf, len: 0 };
    out.put(b"[2,\"")?;
    out.put(id.as_str().as_bytes())?;
    out.put(b"\",\"")?;
    out.put(action.as_bytes())?;
    out.put(b"\",")?;
    payload(&mut out)?;
    out.put(b"]")?;
    Ok(out.len)
}

/// Writes `[3,"id",payload]` with `payload` writing the payload; returns the length.
pub(crate) fn result_frame(
    buf: &mut [u8],
    id: &MessageId,
    payload: impl FnOnce(&mut Out<'_>) -> Result<(), BufferTooSmall>,
) -> Result<usize, BufferTooSmall> {
    let mut out = Out { buf, len: 0 };
    out.put(b"[3,\"")?;
    out.put(id.as_str().as_bytes())?;
    out.put(b"\",")?;
    payload(&mut out)?;
    out.put(b"]")?;
    Ok(out.len)
}

/// Writes `[2,"id","Action",payload]`; returns the frame length.
pub fn write_call<T: Serialize>(
    buf: &mut [u8],
    id: &MessageId,
    action: &str,
    payload: &T,
) -> Result<usize, BufferTooSmall> {
    call_frame(buf, id, action, |out| out.json(payload))
}

/// Writes `[3,"id",payload]`; returns the frame length.
pub fn write_call_result<T: Serialize>(
    buf: &mut [u8],
    id: &MessageId,
    payload: &T,
) -> Result<usize, BufferTooSmall> {
    result_frame(buf, id, |out| out.json(payload))
}

/// Writes `[4,"id","code","description",{}]`; returns the frame length.
pub fn write_call_error(
    buf: &mut [u8],
    id: &MessageId,
    code: ErrorCode,
    description: &str,
) -> Result<usize, BufferTooSmall> {
    let mut out = Out { buf, len: 0 };
    out.put(b"[4,\"")?;
    out.put(id.as_str().as_bytes())?;
    out.put(b"\",\"")?;
    out.put(code.as_str().as_bytes())?;
    out.put(b"\",")?;
    // The codec's string writer, not serde-json-core's: firmware carries no serde at all.
    out.string(description)?;
    out.put(b",{}]")?;
    Ok(out.len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_frame_kinds() {
        let f =
            parse_frame(b" [ 2 , \"19223201\" , \"BootNotification\" , {\"a\": [1]} ] ").unwrap();
        assert_eq!(
            f,
            Frame::Call {
                id: MessageId::from_raw(b"19223201").unwrap(),
                action: "BootNotification",
                payload: b"{\"a\": [1]}"
            }
        );
        let f = parse_frame(b"[3,\"7\",{}]").unwrap();
        assert_eq!(
            f,
            Frame::CallResult {
                id: MessageId::from_counter(7),
                payload: b"{}"
            }
        );
        let f = parse_frame(b"[4,\"7\",\"NotImplemented\",\"no\",{}]").unwrap();
        assert_eq!(
            f,
            Frame::CallError {
                id: MessageId::from_counter(7),
                code: Some(ErrorCode::NotImplemented),
                description: b"no"
            }
        );
        let f = parse_frame(b"[4,\"7\",\"Weird\",\"\",{\"x\":1}]").unwrap();
        assert!(matches!(f, Frame::CallError { code: None, .. }));
    }

    #[test]
    fn malformed_frames_name_the_right_error() {
        let cases: &[(&[u8], Option<&str>, ErrorCode)] = &[
            (b"not json", None, ErrorCode::FormationViolation),
            (
                b"[2,\"6\",\"Reset\",{\"type\":\"\xff\"}]",
                Some("6"),
                ErrorCode::FormationViolation,
            ),
            (
                b"[2,\"5\",\"Reset\",{\"type\":}]",
                Some("5"),
                ErrorCode::FormationViolation,
            ),
            (b"{\"a\":1}", None, ErrorCode::ProtocolError),
            (
                b"[\"2\",\"5\",\"Reset\",{}]",
                None,
                ErrorCode::ProtocolError,
            ),
            (b"[2,5,\"Reset\",{}]", None, ErrorCode::ProtocolError),
            (b"[2,\"5\",\"Reset\"]", Some("5"), ErrorCode::ProtocolError),
            (
                b"[2,\"5\",\"Reset\",[]]",
                Some("5"),
                ErrorCode::FormationViolation,
            ),
            (
                b"[2,\"5\",\"Reset\",{},1]",
                Some("5"),
                ErrorCode::ProtocolError,
            ),
            (b"[2,\"5\",7,{}]", Some("5"), ErrorCode::ProtocolError),
            (b"[9,\"5\",{}]", Some("5"), ErrorCode::ProtocolError),
            (
                b"[2,\"0123456789012345678901234567890123456\",\"Reset\",{}]",
                None,
                ErrorCode::ProtocolError,
            ),
            (b"", None, ErrorCode::FormationViolation),
        ];
        for (text, id, code) in cases {
            let e = parse_frame(text).unwrap_err();
            assert_eq!(
                e.id.as_ref().map(MessageId::as_str),
                *id,
                "{}",
                core::str::from_utf8(text).unwrap()
            );
            assert_eq!(e.code, *code, "{}", core::str::from_utf8(text).unwrap());
        }
    }

    #[test]
    fn the_one_pass_reader_agrees_with_the_full_diagnosis() {
        let deep = |levels: usize| {
            let mut f = std::string::String::from("[3,\"1\",");
            f += &"{\"a\":".repeat(levels);
            f += "1";
            f += &"}".repeat(levels);
            f + "]"
        };
        let frames: std::vec::Vec<std::vec::Vec<u8>> = [
            &b"[2,\"1\",\"Reset\",{\"type\":\"Hard\"}]"[..],
            b" [ 3 , \"a\" , { } ] ",
            b"[4,\"7\",\"NotImplemented\",\"no \\\"x\\\"\",{}]",
            b"[4,\"7\",\"Weird\",\"\",{\"x\":[1,{}]}]",
            b"[2,\"1\",\"Reset\",{}] x",
            b"[2,\"1\",\"Reset\",{},]",
            b"[2,\"1\",\"Re\\u00e9set\",{\"s\":\"\\ud83d\\ude00\"}]",
            b"[2,\"1\",\"Reset\",{\"s\":\"\\ud83d\"}]",
            b"[3,\"1\",{\"a\":1.5e3,\"b\":[true,false,null]}]",
            b"[3,\"1\",{\"a\":01}]",
            b"[5,\"1\",{}]",
        ]
        .iter()
        .map(|f| f.to_vec())
        .chain([15, 16, 17].map(|n| deep(n).into_bytes()))
        .collect();
        for text in &frames {
            let shown = core::str::from_utf8(text).unwrap();
            match well_formed(text) {
                Some(frame) => assert_eq!(diagnose(text), Ok(frame), "{shown}"),
                None => assert!(diagnose(text).is_err(), "{shown}"),
            }
        }
    }

    #[test]
    fn recovers_id_from_a_truncated_prefix() {
        let (id, is_call) =
            recover_call_id(b"[2, \"abc\", \"DataTransfer\", {\"data\": \"xxxxxxxx");
        assert_eq!(id.unwrap().as_str(), "abc");
        assert!(is_call);
        assert_eq!(recover_call_id(b"garbage"), (None, false));
    }

    #[test]
    fn writes_frames_and_refuses_small_buffers() {
        #[derive(Serialize)]
        struct P {
            a: u8,
        }
        let mut buf = [0u8; 64];
        let n = write_call(
            &mut buf,
            &MessageId::from_counter(12),
            "Heartbeat",
            &P { a: 1 },
        )
        .unwrap();
        assert_eq!(&buf[..n], b"[2,\"12\",\"Heartbeat\",{\"a\":1}]");
        let n = write_call_result(&mut buf, &MessageId::from_counter(3), &P { a: 2 }).unwrap();
        assert_eq!(&buf[..n], b"[3,\"3\",{\"a\":2}]");
        let n = write_call_error(
            &mut buf,
            &MessageId::unknown(),
            ErrorCode::NotImplemented,
            "say \"hi\"",
        )
        .unwrap();
        assert_eq!(
            &buf[..n],
            b"[4,\"-1\",\"NotImplemented\",\"say \\\"hi\\\"\",{}]"
        );
        let mut small = [0u8; 10];
        assert_eq!(
            write_call(
                &mut small,
                &MessageId::from_counter(1),
                "Heartbeat",
                &P { a: 1 }
            ),
            Err(BufferTooSmall)
        );
    }
}
