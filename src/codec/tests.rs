//! Differential tests: one corpus of good and bad payloads through serde
//! ([`crate::messages::serde_parse_payload`]) and through the table codec, which must give the same
//! value or the same CALLERROR code for every payload; and values of every kind written by both
//! writers, which must give the same bytes.
//!
//! The corpus is generated from each message's shape: every member removed, repeated, or
//! replaced by each of a list of values (wrong JSON types, `1.5` for integers, too-long strings,
//! unknown enumeration values, nulls, escapes such as `\u00e9` and `\"`, nested objects and
//! arrays), unknown members added, nested structs and lists mutated the same way; then random
//! byte-level mutations of good payloads. Each payload goes through the framing first, as in
//! the engine: one that is not JSON is a FormationViolation there, before either codec runs.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::string::String;
use std::vec;
use std::vec::Vec;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::*;
use crate::messages::*;
use crate::rpc::{self, Frame};

/// Tallies of the outcomes seen, so the corpus demonstrably reaches every code.
type Outcomes = BTreeMap<String, usize>;

/// Both codecs on one payload (framed first); panics with the payload when they disagree.
fn compare<T>(payload: &[u8], scratch_len: usize, outcomes: &mut Outcomes)
where
    T: DeserializeOwned + Member + DecodeFields + EncodeFields + PartialEq + Debug,
{
    let mut frame = b"[2,\"1\",\"Action\",".to_vec();
    frame.extend_from_slice(payload);
    frame.push(b']');
    let show = || String::from_utf8_lossy(payload).into_owned();
    let outcome = match rpc::parse_frame(&frame) {
        // Not JSON (FormationViolation), or a mutation that ended the payload early
        // (ProtocolError): the framing answers, the same for both codecs.
        Err(e) => format!("{} (framing)", e.code.as_str()),
        Ok(Frame::Call { payload, .. }) => {
            let mut a = vec![0u8; scratch_len];
            let mut b = vec![0u8; scratch_len];
            let by_serde = serde_parse_payload::<T>(payload, &mut a);
            let by_table = parse::<T>(payload, &mut b);
            assert_eq!(by_serde, by_table, "{} (scratch {scratch_len})", show());
            match by_serde {
                Ok(_) => String::from("Ok"),
                Err(code) => String::from(code.as_str()),
            }
        }
        Ok(other) => panic!("{other:?}"),
    };
    *outcomes.entry(outcome).or_default() += 1;
}

/// What a value of a member looks like, to generate good and bad variants of it.
#[derive(Clone, Copy)]
enum Shape {
    /// A JSON value that is valid for the member.
    Good(&'static str),
    /// An object with these members (name, shape, required).
    Object(&'static [(&'static str, Shape)]),
    /// A list of at most `capacity` elements of `element`.
    List(&'static Shape, usize),
}

fn long(n: usize) -> String {
    format!("\"{}\"", "A".repeat(n))
}

/// Values every member is replaced with: each is wrong for most members and right for some.
fn replacements() -> Vec<Vec<u8>> {
    let mut values: Vec<Vec<u8>> = [
        "null",
        "0",
        "1",
        "-1",
        "-0",
        "1.5",
        "1.0",
        "1e3",
        "-1E-2",
        "2147483647",
        "2147483648",
        "-2147483648",
        "-2147483649",
        "4294967295",
        "4294967296",
        "99999999999999999999",
        "true",
        "false",
        r#""""#,
        r#""x""#,
        r#""1""#,
        r#""Accepted""#,
        r#""accepted""#,
        r#""Bogus""#,
        r#""Operative""#,
        r#""MeterValues""#,
        r#""caf\u00e9""#,
        r#""a\"b""#,
        r#""\\""#,
        r#""\/\b\f\n\r\t""#,
        r#""\u0000""#,
        r#""\ud800""#,
        r#""\ud83d\ude00""#,
        r#""\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac""#,
        "\"caf\u{e9} \u{1f600}\"",
        r#""2026-11-21T10:00:00Z""#,
        r#""2026-11-21T10:00:00.123+01:00""#,
        r#""2026-11-21T10:00:00\u005a""#,
        r#""2026-11-21""#,
        r#""tomorrow""#,
        "{}",
        r#"{"a":1}"#,
        r#"{"status":"Accepted"}"#,
        r#"{"status":"Bogus"}"#,
        r#"{"status":null}"#,
        r#"{"status":"Accepted","status":"Blocked"}"#,
        "[]",
        "[1]",
        r#"["x"]"#,
        "[{}]",
        "[[[]]]",
        r#"[{"a":[1,{"b":"\u00e9"}]}]"#,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    for n in [6, 20, 21, 24, 25, 26, 50, 51, 255, 256] {
        values.push(long(n).into_bytes());
    }
    // Escaped strings whose unescaped text is 20 and 21 characters (CiString20's edge).
    values.push(format!("\"{}\"", r"\u0041".repeat(20)).into_bytes());
    values.push(format!("\"{}\"", r"\u0041".repeat(21)).into_bytes());
    // Not UTF-8 inside a string.
    values.push(b"\"\xff\"".to_vec());
    values.push(b"\"caf\xc3\"".to_vec());
    values
}

/// Members added to an object: unknown ones (allowed, but read like serde reads them).
fn extras() -> Vec<Vec<u8>> {
    let mut extras: Vec<Vec<u8>> = [
        r#""extra":1"#,
        r#""extra":1.5e10"#,
        r#""extra":null"#,
        r#""extra":"x""#,
        r#""extra":"caf\u00e9 \"q\"""#,
        r#""extra":"\ud800""#,
        r#""extra":{"a":[1,2,{"b":null}],"c":"\n"}"#,
        r#""extra":[[],{},"s",true]"#,
        r#""ext\u0072a":1"#,
        r#""\ud800":1"#,
        r#""":1"#,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    extras.push(format!(r#""extra":"{}""#, r"\n".repeat(40)).into_bytes());
    extras.push(format!(r#""extra":{{"{}":1}}"#, r"\t".repeat(40)).into_bytes());
    extras.push(b"\"extra\":\"\xff\"".to_vec());
    extras
}

fn good(shape: &Shape) -> Vec<u8> {
    match shape {
        Shape::Good(text) => text.as_bytes().to_vec(),
        Shape::Object(members) => object(
            members
                .iter()
                .map(|(name, s)| (name.as_bytes().to_vec(), good(s))),
        ),
        Shape::List(element, _) => list(vec![good(element)]),
    }
}

fn object(members: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>) -> Vec<u8> {
    let mut out = b"{".to_vec();
    for (i, (name, value)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(&name);
        out.extend_from_slice(b"\":");
        out.extend_from_slice(&value);
    }
    out.push(b'}');
    out
}

fn list(elements: Vec<Vec<u8>>) -> Vec<u8> {
    let mut out = b"[".to_vec();
    for (i, e) in elements.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&e);
    }
    out.push(b']');
    out
}

/// Good and bad values of `shape`, nested shapes mutated too (`depth` bounds the recursion of
/// the replacement list, so the corpus stays in the thousands).
fn variants(shape: &Shape) -> Vec<Vec<u8>> {
    let mut out = vec![good(shape)];
    match shape {
        Shape::Good(_) => {}
        Shape::Object(members) => {
            let named = |i: usize, value: Option<Vec<u8>>| {
                object(members.iter().enumerate().filter_map(|(j, (name, s))| {
                    let v = if i == j { value.clone()? } else { good(s) };
                    Some((name.as_bytes().to_vec(), v))
                }))
            };
            for (i, (name, member)) in members.iter().enumerate() {
                out.push(named(i, None));
                for value in replacements() {
                    out.push(named(i, Some(value)));
                }
                if !matches!(member, Shape::Good(_)) {
                    for value in variants(member) {
                        out.push(named(i, Some(value)));
                    }
                }
                // Repeated, with a good and with a bad second value.
                for second in [good(member), b"\"Bogus\"".to_vec()] {
                    let mut m: Vec<_> = members
                        .iter()
                        .map(|(n, s)| (n.as_bytes().to_vec(), good(s)))
                        .collect();
                    m.push((name.as_bytes().to_vec(), second));
                    out.push(object(m));
                }
                // The member's name escaped: still the same member.
                if let Some(first) = name.chars().next() {
                    let escaped = format!("\\u{:04x}{}", first as u32, &name[1..]);
                    let m = members.iter().enumerate().map(|(j, (n, s))| {
                        let key = if i == j {
                            escaped.clone()
                        } else {
                            String::from(*n)
                        };
                        (key.into_bytes(), good(s))
                    });
                    out.push(object(m));
                }
            }
            for extra in extras() {
                let mut text = good(shape);
                text.pop();
                if !members.is_empty() {
                    text.push(b',');
                }
                text.extend_from_slice(&extra);
                text.push(b'}');
                out.push(text);
                // First, before the members.
                let mut text = b"{".to_vec();
                text.extend_from_slice(&extra);
                let rest = good(shape);
                if members.is_empty() {
                    text.push(b'}');
                } else {
                    text.push(b',');
                    text.extend_from_slice(&rest[1..]);
                }
                out.push(text);
            }
            // Spaces and newlines everywhere.
            let spaced: Vec<u8> = good(shape)
                .iter()
                .flat_map(|&b| match b {
                    b'{' | b'[' | b',' | b':' => vec![b, b' ', b'\n'],
                    b'}' | b']' => vec![b'\t', b],
                    _ => vec![b],
                })
                .collect();
            out.push(spaced);
        }
        Shape::List(element, capacity) => {
            let one = good(element);
            out.push(list(vec![]));
            out.push(list(vec![one.clone(); *capacity]));
            out.push(list(vec![one.clone(); capacity + 1]));
            for bad in variants(element).into_iter().skip(1) {
                out.push(list(vec![bad.clone()]));
                // One element too many, itself bad: serde reports the element's error first.
                let mut full = vec![one.clone(); *capacity];
                full.push(bad);
                out.push(list(full));
            }
        }
    }
    out
}

/// Whole payloads that are not the message's object at all.
fn not_objects() -> Vec<Vec<u8>> {
    [
        "[]",
        "null",
        "1",
        "\"x\"",
        "true",
        "{",
        "{\"a\":}",
        "{\"a\" 1}",
        "[1,]",
        "{}x",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

/// A deterministic xorshift generator (no dependencies, the same corpus every run).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Random byte-level mutations of a good payload, with JSON-significant bytes.
fn mutations(good: &[u8], count: usize, rng: &mut Rng) -> Vec<Vec<u8>> {
    const BYTES: &[u8] = b"{}[]\",:0123456789.-eE\\untrlfa \xc3\xa9\xff";
    (0..count)
        .map(|_| {
            let mut text = good.to_vec();
            for _ in 0..=rng.below(3) {
                let at = rng.below(text.len() + 1);
                let byte = BYTES[rng.below(BYTES.len())];
                match rng.below(3) {
                    0 if at < text.len() => text[at] = byte,
                    1 if at < text.len() => {
                        text.remove(at);
                    }
                    _ => text.insert(at, byte),
                }
            }
            text
        })
        .collect()
}

fn differential<T>(shape: &Shape, outcomes: &mut Outcomes)
where
    T: DeserializeOwned + Member + DecodeFields + EncodeFields + PartialEq + Debug,
{
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut corpus = variants(shape);
    corpus.extend(not_objects());
    corpus.extend(mutations(&good(shape), 3000, &mut rng));
    for payload in &corpus {
        // The engine's scratch, a small one (escaped strings that do not fit) and none.
        for scratch in [512, 8, 0] {
            compare::<T>(payload, scratch, outcomes);
        }
    }
}

const TIME: Shape = Shape::Good(r#""2026-11-21T10:00:00Z""#);
const ID_TAG_INFO: Shape = Shape::Object(&[
    ("expiryDate", TIME),
    ("parentIdTag", Shape::Good(r#""PARENT""#)),
    ("status", Shape::Good(r#""Accepted""#)),
]);
const SAMPLED_VALUE: Shape = Shape::Object(&[
    ("value", Shape::Good(r#""1234.5""#)),
    ("context", Shape::Good(r#""Sample.Periodic""#)),
    ("format", Shape::Good(r#""Raw""#)),
    (
        "measurand",
        Shape::Good(r#""Energy.Active.Import.Register""#),
    ),
    ("phase", Shape::Good(r#""L1-N""#)),
    ("location", Shape::Good(r#""Outlet""#)),
    ("unit", Shape::Good(r#""Wh""#)),
]);
const METER_VALUE: Shape = Shape::Object(&[
    ("timestamp", TIME),
    (
        "sampledValue",
        Shape::List(&SAMPLED_VALUE, crate::capacity::MAX_SAMPLED_VALUES),
    ),
]);

/// Asserts the corpus reached a value and every code a payload can get.
fn assert_reached(outcomes: &Outcomes, codes: &[&str]) {
    for code in codes {
        assert!(
            outcomes.contains_key(*code),
            "no payload gave {code}: {outcomes:?}"
        );
    }
}

const EVERY_CODE: &[&str] = &[
    "Ok",
    "FormationViolation (framing)",
    "TypeConstraintViolation",
    "PropertyConstraintViolation",
    "OccurenceConstraintViolation",
];

#[test]
fn central_system_requests_decode_alike() {
    let mut outcomes = Outcomes::new();
    differential::<ChangeAvailabilityRequest>(
        &Shape::Object(&[
            ("connectorId", Shape::Good("1")),
            ("type", Shape::Good(r#""Operative""#)),
        ]),
        &mut outcomes,
    );
    differential::<RemoteStartTransactionRequest>(
        &Shape::Object(&[
            ("connectorId", Shape::Good("2")),
            ("idTag", Shape::Good(r#""TAG-1""#)),
        ]),
        &mut outcomes,
    );
    #[cfg(feature = "reservation")]
    differential::<crate::messages::ReserveNowRequest>(
        &Shape::Object(&[
            ("connectorId", Shape::Good("1")),
            ("expiryDate", TIME),
            ("idTag", Shape::Good(r#""T""#)),
            ("parentIdTag", Shape::Good(r#""P""#)),
            ("reservationId", Shape::Good("7")),
        ]),
        &mut outcomes,
    );
    #[cfg(feature = "remote-trigger")]
    differential::<crate::messages::TriggerMessageRequest>(
        &Shape::Object(&[
            ("requestedMessage", Shape::Good(r#""MeterValues""#)),
            ("connectorId", Shape::Good("1")),
        ]),
        &mut outcomes,
    );
    assert_reached(&outcomes, EVERY_CODE);
}

#[test]
fn central_system_answers_decode_alike() {
    let mut outcomes = Outcomes::new();
    differential::<AuthorizeResponse>(&Shape::Object(&[("idTagInfo", ID_TAG_INFO)]), &mut outcomes);
    differential::<StartTransactionResponse>(
        &Shape::Object(&[
            ("idTagInfo", ID_TAG_INFO),
            ("transactionId", Shape::Good("42")),
        ]),
        &mut outcomes,
    );
    differential::<BootNotificationResponse>(
        &Shape::Object(&[
            ("status", Shape::Good(r#""Accepted""#)),
            ("currentTime", TIME),
            ("interval", Shape::Good("300")),
        ]),
        &mut outcomes,
    );
    differential::<StatusNotificationResponse>(&Shape::Object(&[]), &mut outcomes);
    differential::<MeterValuesResponse>(&Shape::Object(&[]), &mut outcomes);
    assert_reached(&outcomes, EVERY_CODE);
}

#[test]
fn charge_point_messages_decode_alike() {
    // The messages the Charge Point writes, read back (nested lists and structs included).
    let mut outcomes = Outcomes::new();
    differential::<MeterValuesRequest>(
        &Shape::Object(&[
            ("connectorId", Shape::Good("1")),
            ("transactionId", Shape::Good("5")),
            ("meterValue", Shape::List(&METER_VALUE, 1)),
        ]),
        &mut outcomes,
    );
    differential::<BootNotificationRequest>(
        &Shape::Object(&[
            ("chargePointVendor", Shape::Good(r#""vendor""#)),
            ("chargePointModel", Shape::Good(r#""model""#)),
            ("chargePointSerialNumber", Shape::Good(r#""cp-sn""#)),
            ("chargeBoxSerialNumber", Shape::Good(r#""box-sn""#)),
            ("firmwareVersion", Shape::Good(r#""1.0""#)),
            ("iccid", Shape::Good(r#""8949""#)),
            ("imsi", Shape::Good(r#""262""#)),
            ("meterType", Shape::Good(r#""meter""#)),
            ("meterSerialNumber", Shape::Good(r#""meter-sn""#)),
        ]),
        &mut outcomes,
    );
    differential::<StatusNotificationRequest>(
        &Shape::Object(&[
            ("connectorId", Shape::Good("1")),
            ("errorCode", Shape::Good(r#""NoError""#)),
            ("info", Shape::Good(r#""info""#)),
            ("status", Shape::Good(r#""Available""#)),
            ("timestamp", TIME),
            ("vendorId", Shape::Good(r#""vendor""#)),
            ("vendorErrorCode", Shape::Good(r#""E1""#)),
        ]),
        &mut outcomes,
    );
    differential::<StartTransactionRequest>(
        &Shape::Object(&[
            ("connectorId", Shape::Good("1")),
            ("idTag", Shape::Good(r#""TAG""#)),
            ("meterStart", Shape::Good("0")),
            ("reservationId", Shape::Good("3")),
            ("timestamp", TIME),
        ]),
        &mut outcomes,
    );
    differential::<AuthorizeRequest>(
        &Shape::Object(&[("idTag", Shape::Good(r#""TAG""#))]),
        &mut outcomes,
    );
    assert_reached(&outcomes, EVERY_CODE);
}

#[test]
fn charge_point_answers_decode_alike() {
    let mut outcomes = Outcomes::new();
    let status = |text| Shape::Object(Box::leak(Box::new([("status", Shape::Good(text))])));
    differential::<ChangeAvailabilityResponse>(&status(r#""Scheduled""#), &mut outcomes);
    differential::<RemoteStartStopResponse>(&status(r#""Rejected""#), &mut outcomes);
    #[cfg(feature = "reservation")]
    differential::<crate::messages::ReserveNowResponse>(&status(r#""Occupied""#), &mut outcomes);
    #[cfg(feature = "remote-trigger")]
    differential::<crate::messages::TriggerMessageResponse>(
        &status(r#""NotImplemented""#),
        &mut outcomes,
    );
    assert_reached(&outcomes, EVERY_CODE);
}

// ---- Writing ----

/// Random values of every member kind, with the characters a JSON writer must escape.
trait Arbitrary: Sized {
    fn arbitrary(rng: &mut Rng) -> Self;
}

impl Arbitrary for u32 {
    fn arbitrary(rng: &mut Rng) -> Self {
        match rng.below(4) {
            0 => 0,
            1 => u32::MAX,
            2 => rng.below(10) as u32,
            _ => rng.next() as u32,
        }
    }
}

impl Arbitrary for i32 {
    fn arbitrary(rng: &mut Rng) -> Self {
        match rng.below(5) {
            0 => 0,
            1 => i32::MIN,
            2 => i32::MAX,
            3 => rng.below(20) as i32 - 10,
            _ => rng.next() as i32,
        }
    }
}

impl<const N: usize> Arbitrary for CiString<N> {
    fn arbitrary(rng: &mut Rng) -> Self {
        const POOL: &[&str] = &[
            "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\x08", "\x0c", "\0", "\x01",
            "\x1f", "\x7f", "é", "€", "😀", "'", "<",
        ];
        let mut s = CiString::new();
        let len = rng.below(N + 1);
        for _ in 0..len {
            let _ = s.push_str(POOL[rng.below(POOL.len())]);
        }
        s
    }
}

/// First and last millisecond of the years 0000..=9999, which the timestamp format can express.
const FIRST_MS: i64 = -62_167_219_200_000;
const LAST_MS: i64 = 253_402_300_799_999;

impl Arbitrary for DateTime {
    fn arbitrary(rng: &mut Rng) -> Self {
        DateTime::from_unix_ms(match rng.below(6) {
            0 => FIRST_MS,
            1 => LAST_MS,
            2 => 0,
            _ => FIRST_MS + (rng.next() % (LAST_MS - FIRST_MS) as u64) as i64,
        })
    }
}

impl<T: Arbitrary> Arbitrary for Option<T> {
    fn arbitrary(rng: &mut Rng) -> Self {
        (!rng.chance(3)).then(|| T::arbitrary(rng))
    }
}

impl<T: Arbitrary, const N: usize> Arbitrary for heapless::Vec<T, N> {
    fn arbitrary(rng: &mut Rng) -> Self {
        let mut v = heapless::Vec::new();
        for _ in 0..rng.below(N + 1) {
            let _ = v.push(T::arbitrary(rng));
        }
        v
    }
}

macro_rules! arbitrary_enum {
    ($($name:ty),* $(,)?) => {$(
        impl Arbitrary for $name {
            fn arbitrary(rng: &mut Rng) -> Self {
                <$name>::ALL[rng.below(<$name>::ALL.len())]
            }
        }
    )*};
}
arbitrary_enum!(
    AuthorizationStatus,
    AvailabilityStatus,
    ChargePointErrorCode,
    ChargePointStatus,
    Location,
    Measurand,
    Phase,
    ReadingContext,
    RemoteStartStopStatus,
    UnitOfMeasure,
    ValueFormat,
);

macro_rules! arbitrary_struct {
    ($($name:ident { $($member:ident),* $(,)? })*) => {$(
        impl Arbitrary for $name {
            #[allow(unused_variables)]
            fn arbitrary(rng: &mut Rng) -> Self {
                Self { $($member: Arbitrary::arbitrary(rng)),* }
            }
        }
    )*};
}
arbitrary_struct! {
    IdTagInfo { expiry_date, parent_id_tag, status }
    SampledValue { value, context, format, measurand, phase, location, unit }
    MeterValue { timestamp, sampled_value }
    AuthorizeRequest { id_tag }
    AuthorizeResponse { id_tag_info }
    BootNotificationRequest {
        charge_point_vendor, charge_point_model, charge_point_serial_number,
        charge_box_serial_number, firmware_version, iccid, imsi, meter_type, meter_serial_number,
    }
    MeterValuesRequest { connector_id, transaction_id, meter_value }
    StartTransactionRequest { connector_id, id_tag, meter_start, reservation_id, timestamp }
    StartTransactionResponse { id_tag_info, transaction_id }
    StatusNotificationRequest {
        connector_id, error_code, info, status, timestamp, vendor_id, vendor_error_code,
    }
    ChangeAvailabilityResponse { status }
    RemoteStartStopResponse { status }
    MeterValuesResponse {}
}

/// Both writers on random values of `T`: the same bytes (or both refuse), at every buffer size
/// around the frame's; and what the table codec wrote reads back as the value.
fn write_alike<T>(count: usize, seed: u64)
where
    T: Arbitrary
        + Serialize
        + DeserializeOwned
        + Member
        + DecodeFields
        + EncodeFields
        + Request
        + PartialEq
        + Debug,
{
    let mut rng = Rng(seed);
    let id = MessageId::from_counter(77);
    let (mut a, mut b) = ([0u8; 4096], [0u8; 4096]);
    for _ in 0..count {
        let value = T::arbitrary(&mut rng);
        let by_serde = rpc::write_call(&mut a, &id, T::ACTION.as_str(), &value);
        let by_table = write_call(&mut b, &id, T::ACTION.as_str(), &value);
        match (by_serde, by_table) {
            (Ok(n), Ok(m)) => {
                assert_eq!(
                    String::from_utf8_lossy(&a[..n]),
                    String::from_utf8_lossy(&b[..m]),
                    "{value:?}"
                );
                for size in n.saturating_sub(3)..n {
                    let frame = write_call(&mut b[..size], &id, T::ACTION.as_str(), &value);
                    assert_eq!(frame, Err(BufferTooSmall), "{size} bytes of {n}");
                }
                let payload = write_payload(&mut b, &value).unwrap();
                let mut scratch = [0u8; 512];
                assert_eq!(parse::<T>(&b[..payload], &mut scratch).as_ref(), Ok(&value));
                let by_serde = serde_parse_payload::<T>(&b[..payload], &mut scratch);
                assert_eq!(by_serde.as_ref(), Ok(&value));
            }
            (Err(BufferTooSmall), Err(BufferTooSmall)) => {}
            other => panic!("{other:?} for {value:?}"),
        }
        let result = rpc::write_call_result(&mut a, &id, &value);
        let same = write_call_result(&mut b, &id, &value);
        assert_eq!(result.is_ok(), same.is_ok());
        if let (Ok(n), Ok(m)) = (result, same) {
            assert_eq!(a[..n], b[..m]);
        }
    }
}

/// For the answers, which have no `Request` impl: CALLRESULTs only.
fn write_result_alike<T>(count: usize, seed: u64)
where
    T: Arbitrary
        + Serialize
        + DeserializeOwned
        + Member
        + DecodeFields
        + EncodeFields
        + PartialEq
        + Debug,
{
    let mut rng = Rng(seed);
    let id = MessageId::from_counter(3);
    let (mut a, mut b) = ([0u8; 4096], [0u8; 4096]);
    for _ in 0..count {
        let value = T::arbitrary(&mut rng);
        let by_serde = rpc::write_call_result(&mut a, &id, &value);
        let by_table = write_call_result(&mut b, &id, &value);
        assert_eq!(by_serde.is_ok(), by_table.is_ok(), "{value:?}");
        if let (Ok(n), Ok(m)) = (by_serde, by_table) {
            assert_eq!(
                String::from_utf8_lossy(&a[..n]),
                String::from_utf8_lossy(&b[..m])
            );
            let payload = write_payload(&mut b, &value).unwrap();
            let mut scratch = [0u8; 512];
            assert_eq!(parse::<T>(&b[..payload], &mut scratch).as_ref(), Ok(&value));
        }
    }
}

#[test]
fn writers_give_the_same_bytes() {
    write_alike::<BootNotificationRequest>(2000, 1);
    write_alike::<StatusNotificationRequest>(2000, 2);
    write_alike::<MeterValuesRequest>(1000, 3);
    write_alike::<StartTransactionRequest>(2000, 4);
    write_alike::<AuthorizeRequest>(500, 5);
    write_result_alike::<AuthorizeResponse>(1000, 6);
    write_result_alike::<StartTransactionResponse>(1000, 7);
    write_result_alike::<ChangeAvailabilityResponse>(100, 8);
    write_result_alike::<RemoteStartStopResponse>(100, 9);
    write_result_alike::<MeterValuesResponse>(1, 10);
}

#[test]
fn writes_a_known_frame() {
    let mut sampled_value = heapless::Vec::new();
    sampled_value
        .push(SampledValue {
            value: CiString::try_from_str("12\"3").unwrap(),
            context: None,
            format: None,
            measurand: Some(Measurand::EnergyActiveImportRegister),
            phase: None,
            location: None,
            unit: Some(UnitOfMeasure::Wh),
        })
        .unwrap();
    let mut meter_value = heapless::Vec::new();
    meter_value
        .push(MeterValue {
            timestamp: DateTime::parse("2026-11-21T10:00:00Z").unwrap(),
            sampled_value,
        })
        .unwrap();
    let request = MeterValuesRequest {
        connector_id: 1,
        transaction_id: Some(-7),
        meter_value,
    };
    let mut buf = [0u8; 256];
    let n = write_call(
        &mut buf,
        &MessageId::from_counter(5),
        "MeterValues",
        &request,
    )
    .unwrap();
    assert_eq!(
        std::str::from_utf8(&buf[..n]).unwrap(),
        r#"[2,"5","MeterValues",{"connectorId":1,"transactionId":-7,"meterValue":[{"timestamp":"2026-11-21T10:00:00.000Z","sampledValue":[{"value":"12\"3","measurand":"Energy.Active.Import.Register","unit":"Wh"}]}]}]"#
    );
    let n = write_call_result(
        &mut buf,
        &MessageId::from_counter(6),
        &MeterValuesResponse {},
    )
    .unwrap();
    assert_eq!(&buf[..n], br#"[3,"6",{}]"#);
}

#[test]
fn writes_a_timestamp_it_cannot_express_clamped_as_serde_does() {
    // The engine writes a clock past 9999-12-31 as the nearest time the text can say
    // (engine test `times_beyond_year_9999_neither_panic_nor_break_frames`).
    let mut buf = [0u8; 256];
    let mut expected = [0u8; 256];
    for unix_ms in [FIRST_MS - 1, LAST_MS + 1, i64::MIN, i64::MAX] {
        let request = StartTransactionRequest {
            connector_id: 1,
            id_tag: CiString::try_from_str("T").unwrap(),
            meter_start: 0,
            reservation_id: None,
            timestamp: DateTime::from_unix_ms(unix_ms),
        };
        let id = MessageId::from_counter(1);
        let n = write_call(&mut buf, &id, "StartTransaction", &request).unwrap();
        let m = rpc::write_call(&mut expected, &id, "StartTransaction", &request).unwrap();
        assert_eq!(&buf[..n], &expected[..m], "{unix_ms}");
    }
}

#[test]
fn member_tables() {
    let request = ChangeAvailabilityRequest {
        connector_id: 0,
        kind: AvailabilityType::Inoperative,
    };
    let table = DecodeFields::table(&request);
    assert_eq!(table.keys, [r#""connectorId":"#, r#""type":"#]);
    assert_eq!(Table::name(table.keys[1]), "type");
    assert_eq!(table.required, 0b11);
    let table = EncodeFields::table(&RemoteStartTransactionRequest::EMPTY);
    assert_eq!(table.keys, [r#""connectorId":"#, r#""idTag":"#]);
    assert_eq!(table.required, 0b10, "connectorId is optional");
    assert!(matches!(request.get(2), Value::Absent));
}
