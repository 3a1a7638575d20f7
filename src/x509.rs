//! X.509 certificates as the security whitepaper handles them: PEM ↔ DER (base64), a small
//! borrowing DER reader (RFC 5280 `Certificate`, RFC 2986 `CertificationRequest`) and the
//! whitepaper's `CertificateHashData`.
//!
//! `no_std`, no heap: every view borrows the caller's DER; every length is checked and bad
//! input is an [`X509Error`](crate::x509::X509Error), never a panic. No signature is checked here (that needs a key and
//! is the platform's job): the reader hands out the signed bytes ([`Certificate::tbs`](crate::x509::Certificate::tbs)), the
//! algorithm and the signature for it.

use crate::datetime::DateTime;
use crate::sha256::{to_hex, Sha256};

/// What was wrong with the input (or the output buffer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum X509Error {
    /// No `-----BEGIN ...-----` / `-----END ...-----` block, mismatched labels, or bad base64.
    Pem,
    /// The DER is truncated, has trailing bytes, an unexpected tag or an unsupported encoding.
    Der,
    /// A validity time that is neither a DER UTCTime nor a GeneralizedTime.
    Time,
    /// The output buffer is too small.
    BufferTooSmall,
}

impl crate::logging::Piece for X509Error {
    fn put(&self, line: &mut crate::logging::Line) {
        line.push_str(match self {
            X509Error::Pem => "Pem",
            X509Error::Der => "Der",
            X509Error::Time => "Time",
            X509Error::BufferTooSmall => "BufferTooSmall",
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Base64 and PEM

/// Decodes base64 (RFC 4648 standard alphabet, `=` padding) into `out`, skipping ASCII
/// whitespace and the JSON escapes `\n`, `\r`, `\t` and `\/` (so a PEM can be decoded straight
/// from a JSON string, or from one that went through JSON twice). Returns the number of bytes
/// written.
pub fn base64_decode(text: &str, out: &mut [u8]) -> Result<usize, X509Error> {
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut len = 0usize;
    let mut padding = 0usize;
    let mut symbols = 0usize;
    let mut bytes = text.bytes();
    while let Some(c) = bytes.next() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                symbols += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            b'\\' => match bytes.next() {
                Some(b'n' | b'r' | b't') => continue,
                Some(b'/') => 63,
                _ => return Err(X509Error::Pem),
            },
            _ => return Err(X509Error::Pem),
        };
        if padding > 0 {
            return Err(X509Error::Pem); // data after '='
        }
        symbols += 1;
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            let slot = out.get_mut(len).ok_or(X509Error::BufferTooSmall)?;
            *slot = (acc >> bits) as u8;
            len += 1;
            acc &= (1 << bits) - 1;
        }
    }
    // Whole quanta of four symbols; at most two '='; the leftover bits must be zero.
    if symbols % 4 != 0 || padding > 2 || acc != 0 {
        return Err(X509Error::Pem);
    }
    let expected_padding = match bits {
        0 => 0,
        4 => 2,
        2 => 1,
        _ => return Err(X509Error::Pem),
    };
    if padding != expected_padding {
        return Err(X509Error::Pem);
    }
    Ok(len)
}

/// Encodes `data` as base64 into `out`, a line break (`\n`) after every `line` symbols when
/// `line` is not 0. Returns the number of bytes written.
pub fn base64_encode(data: &[u8], line: usize, out: &mut [u8]) -> Result<usize, X509Error> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut len = 0usize;
    let mut column = 0usize;
    let mut push = |c: u8, len: &mut usize| -> Result<(), X509Error> {
        *out.get_mut(*len).ok_or(X509Error::BufferTooSmall)? = c;
        *len += 1;
        Ok(())
    };
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if line != 0 && column == line {
                push(b'\n', &mut len)?;
                column = 0;
            }
            let symbol = if i <= chunk.len() {
                ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]
            } else {
                b'='
            };
            push(symbol, &mut len)?;
            column += 1;
        }
    }
    Ok(len)
}

/// One `-----BEGIN <label>-----` ... `-----END <label>-----` block of a PEM text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PemBlock<'a> {
    pub label: &'a str,
    /// The base64 between the two lines (whitespace included).
    pub base64: &'a str,
}

impl PemBlock<'_> {
    /// Decodes the block's base64 into `out`; returns the DER length.
    pub fn decode(&self, out: &mut [u8]) -> Result<usize, X509Error> {
        base64_decode(self.base64, out)
    }
}

/// The blocks of a PEM text, in order (see [`pem_blocks`]). Text between blocks is ignored (as
/// OpenSSL does); a malformed block yields an error and ends the iteration.
#[derive(Debug, Clone)]
pub struct PemBlocks<'a> {
    rest: &'a str,
}

/// Iterates over the PEM blocks of `pem` (a chain is several `CERTIFICATE` blocks).
pub fn pem_blocks(pem: &str) -> PemBlocks<'_> {
    PemBlocks { rest: pem }
}

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

impl<'a> Iterator for PemBlocks<'a> {
    type Item = Result<PemBlock<'a>, X509Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let (_, after_begin) = split_after(self.rest, BEGIN)?;
        let block = (|| {
            let (label, body) = split_after(after_begin, DASHES).ok_or(X509Error::Pem)?;
            if label.contains(['\r', '\n']) {
                return Err(X509Error::Pem);
            }
            let (base64, after_end) = split_after(body, END).ok_or(X509Error::Pem)?;
            let tail = after_end
                .strip_prefix(label)
                .and_then(|t| t.strip_prefix(DASHES))
                .ok_or(X509Error::Pem)?;
            Ok((PemBlock { label, base64 }, tail))
        })();
        match block {
            Ok((block, tail)) => {
                self.rest = tail;
                Some(Ok(block))
            }
            Err(e) => {
                self.rest = "";
                Some(Err(e))
            }
        }
    }
}

/// The text before the first `marker` (ASCII) in `text` and the text after it. A plain byte
/// search: `str::find`'s two-way searcher is ~1 KB of flash for markers this short.
fn split_after<'t>(text: &'t str, marker: &str) -> Option<(&'t str, &'t str)> {
    let (hay, needle) = (text.as_bytes(), marker.as_bytes());
    if needle.is_empty() {
        return None;
    }
    let at = hay.windows(needle.len()).position(|w| w == needle)?;
    // `marker` is ASCII, so both cuts are character boundaries.
    Some((text.get(..at)?, text.get(at + needle.len()..)?))
}

/// Decodes the first `CERTIFICATE` block of `pem` into `out`; returns the DER length.
pub fn pem_to_der(pem: &str, out: &mut [u8]) -> Result<usize, X509Error> {
    for block in pem_blocks(pem) {
        let block = block?;
        if block.label == "CERTIFICATE" {
            return block.decode(out);
        }
    }
    Err(X509Error::Pem)
}

/// Decodes every `CERTIFICATE` block of `pem` (a chain, leaf first as the whitepaper sends it)
/// into `out`, back to back; returns the total length and the number of certificates. The
/// result is read again with [`der_chain`].
pub fn pem_chain_to_der(pem: &str, out: &mut [u8]) -> Result<(usize, usize), X509Error> {
    let mut len = 0usize;
    let mut count = 0usize;
    for block in pem_blocks(pem) {
        let block = block?;
        if block.label != "CERTIFICATE" {
            continue;
        }
        let room = out.get_mut(len..).ok_or(X509Error::BufferTooSmall)?;
        len += block.decode(room)?;
        count += 1;
    }
    match count {
        0 => Err(X509Error::Pem),
        _ => Ok((len, count)),
    }
}

/// Writes `der` as a PEM block with `label` (e.g. `CERTIFICATE`, `CERTIFICATE REQUEST`), lines
/// of 64 symbols ended by `\n`. Returns the number of bytes written.
pub fn der_to_pem(label: &str, der: &[u8], out: &mut [u8]) -> Result<usize, X509Error> {
    let mut len = 0usize;
    put(out, &mut len, BEGIN.as_bytes())?;
    put(out, &mut len, label.as_bytes())?;
    put(out, &mut len, b"-----\n")?;
    let room = out.get_mut(len..).ok_or(X509Error::BufferTooSmall)?;
    let written = base64_encode(der, 64, room)?;
    len += written;
    if written != 0 {
        put(out, &mut len, b"\n")?;
    }
    put(out, &mut len, END.as_bytes())?;
    put(out, &mut len, label.as_bytes())?;
    put(out, &mut len, b"-----\n")?;
    Ok(len)
}

fn put(out: &mut [u8], len: &mut usize, text: &[u8]) -> Result<(), X509Error> {
    let to = out
        .get_mut(*len..*len + text.len())
        .ok_or(X509Error::BufferTooSmall)?;
    to.copy_from_slice(text);
    *len += text.len();
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// DER

/// DER tags used here (universal class unless noted).
pub mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const OID: u8 = 0x06;
    pub const UTF8_STRING: u8 = 0x0c;
    pub const PRINTABLE_STRING: u8 = 0x13;
    pub const IA5_STRING: u8 = 0x16;
    pub const UTC_TIME: u8 = 0x17;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    /// `[n]` context-specific, constructed (EXPLICIT tags).
    pub const fn context(n: u8) -> u8 {
        0xa0 | n
    }
}

/// One DER element: its tag, its contents and its whole encoding (tag and length included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub contents: &'a [u8],
    pub raw: &'a [u8],
}

/// Reads one DER element from the front of `input`; returns it and what follows. Only
/// single-byte tags and definite lengths of up to 4 bytes.
pub fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), X509Error> {
    let (&tag, rest) = input.split_first().ok_or(X509Error::Der)?;
    if tag & 0x1f == 0x1f {
        return Err(X509Error::Der); // high tag numbers: not in certificates
    }
    let (&first, mut rest) = rest.split_first().ok_or(X509Error::Der)?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return Err(X509Error::Der); // indefinite or absurd
        }
        let (bytes, after) = rest.split_at_checked(count).ok_or(X509Error::Der)?;
        rest = after;
        let len = bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        if len < 0x80 || bytes.first() == Some(&0) {
            return Err(X509Error::Der); // not the shortest form
        }
        len
    };
    let (contents, after) = rest.split_at_checked(len).ok_or(X509Error::Der)?;
    let header = input.len() - rest.len();
    let raw = input.get(..header + len).ok_or(X509Error::Der)?;
    Ok((Tlv { tag, contents, raw }, after))
}

/// A cursor over the elements of a constructed DER value.
#[derive(Debug, Clone, Copy)]
pub struct DerReader<'a> {
    rest: &'a [u8],
}

impl<'a> DerReader<'a> {
    pub const fn new(contents: &'a [u8]) -> Self {
        Self { rest: contents }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next element, whatever its tag.
    pub fn any(&mut self) -> Result<Tlv<'a>, X509Error> {
        let (tlv, rest) = read_tlv(self.rest)?;
        self.rest = rest;
        Ok(tlv)
    }

    /// The next element, which must have `tag`.
    pub fn expect(&mut self, tag: u8) -> Result<Tlv<'a>, X509Error> {
        let tlv = self.any()?;
        match tlv.tag == tag {
            true => Ok(tlv),
            false => Err(X509Error::Der),
        }
    }

    /// The next element if it has `tag` (an OPTIONAL field), else None and nothing consumed.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, X509Error> {
        match self.rest.first() {
            Some(&t) if t == tag => self.any().map(Some),
            _ => Ok(None),
        }
    }

    /// Fails unless every element was read.
    pub fn finish(&self) -> Result<(), X509Error> {
        match self.rest.is_empty() {
            true => Ok(()),
            false => Err(X509Error::Der),
        }
    }
}

/// A whole `input` that is exactly one element with `tag`.
fn single(input: &[u8], tag: u8) -> Result<Tlv<'_>, X509Error> {
    let (tlv, rest) = read_tlv(input)?;
    match tlv.tag == tag && rest.is_empty() {
        true => Ok(tlv),
        false => Err(X509Error::Der),
    }
}

/// The bits of a BIT STRING whose length is a whole number of bytes (keys and signatures).
fn whole_bytes(bit_string: Tlv<'_>) -> Result<&[u8], X509Error> {
    match bit_string.contents.split_first() {
        Some((0, bits)) => Ok(bits),
        _ => Err(X509Error::Der),
    }
}

/// Iterates over DER elements laid back to back (a chain from [`pem_chain_to_der`]).
pub fn der_chain(der: &[u8]) -> impl Iterator<Item = Result<&[u8], X509Error>> + '_ {
    let mut rest = der;
    core::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match read_tlv(rest) {
            Ok((tlv, after)) => {
                rest = after;
                Some(Ok(tlv.raw))
            }
            Err(e) => {
                rest = &[];
                Some(Err(e))
            }
        }
    })
}

/// Object identifiers (DER contents of the OID) used here.
pub mod oid {
    /// id-at-commonName 2.5.4.3
    pub const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
    /// id-at-organizationName 2.5.4.10
    pub const ORGANIZATION: &[u8] = &[0x55, 0x04, 0x0a];
    /// id-at-organizationalUnitName 2.5.4.11
    pub const ORGANIZATIONAL_UNIT: &[u8] = &[0x55, 0x04, 0x0b];
    /// id-at-countryName 2.5.4.6
    pub const COUNTRY: &[u8] = &[0x55, 0x04, 0x06];
    /// id-ce-basicConstraints 2.5.29.19
    pub const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
    /// id-ce-keyUsage 2.5.29.15
    pub const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
    /// id-ecPublicKey 1.2.840.10045.2.1
    pub const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    /// rsaEncryption 1.2.840.113549.1.1.1
    pub const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    /// ecdsa-with-SHA256 1.2.840.10045.4.3.2
    pub const ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    /// sha256WithRSAEncryption 1.2.840.113549.1.1.11
    pub const SHA256_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    /// prime256v1 / secp256r1 1.2.840.10045.3.1.7
    pub const SECP256R1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
}

/// An X.501 `Name` (issuer or subject), as its DER encoding (the SEQUENCE, tag included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name<'a> {
    pub der: &'a [u8],
}

impl<'a> Name<'a> {
    /// Checks that `der` is a well-formed Name (a SEQUENCE OF SET OF {OID, value}).
    pub fn parse(der: &'a [u8]) -> Result<Self, X509Error> {
        let name = Self { der };
        let mut rdns = name.rdns()?;
        while !rdns.is_empty() {
            let set = rdns.expect(tag::SET)?;
            let mut attributes = DerReader::new(set.contents);
            while !attributes.is_empty() {
                let attribute = attributes.expect(tag::SEQUENCE)?;
                let mut fields = DerReader::new(attribute.contents);
                fields.expect(tag::OID)?;
                fields.any()?;
                fields.finish()?;
            }
        }
        Ok(name)
    }

    fn rdns(&self) -> Result<DerReader<'a>, X509Error> {
        Ok(DerReader::new(single(self.der, tag::SEQUENCE)?.contents))
    }

    /// The first attribute of type `oid` (its value element), in the Name's order.
    pub fn attribute(&self, oid: &[u8]) -> Option<Tlv<'a>> {
        let mut rdns = self.rdns().ok()?;
        while !rdns.is_empty() {
            let set = rdns.expect(tag::SET).ok()?;
            let mut attributes = DerReader::new(set.contents);
            while !attributes.is_empty() {
                let attribute = attributes.expect(tag::SEQUENCE).ok()?;
                let mut fields = DerReader::new(attribute.contents);
                let id = fields.expect(tag::OID).ok()?;
                let value = fields.any().ok()?;
                if id.contents == oid {
                    return Some(value);
                }
            }
        }
        None
    }

    /// The first attribute of type `oid` as text (UTF8String, PrintableString or IA5String).
    pub fn text(&self, oid: &[u8]) -> Option<&'a str> {
        let value = self.attribute(oid)?;
        match value.tag {
            tag::UTF8_STRING | tag::PRINTABLE_STRING | tag::IA5_STRING => {
                core::str::from_utf8(value.contents).ok()
            }
            _ => None,
        }
    }

    /// The commonName (CN).
    pub fn common_name(&self) -> Option<&'a str> {
        self.text(oid::COMMON_NAME)
    }

    /// The organizationName (O).
    pub fn organization(&self) -> Option<&'a str> {
        self.text(oid::ORGANIZATION)
    }
}

/// A `SubjectPublicKeyInfo`: the algorithm and the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKeyInfo<'a> {
    /// The whole SubjectPublicKeyInfo DER (what a key comparison compares).
    pub der: &'a [u8],
    /// The algorithm OID (contents), e.g. [`oid::EC_PUBLIC_KEY`].
    pub algorithm: &'a [u8],
    /// The algorithm's parameters element (e.g. the curve OID), when present.
    pub parameters: Option<Tlv<'a>>,
    /// The subjectPublicKey BIT STRING's bits, without the leading unused-bits byte.
    pub key: &'a [u8],
}

impl<'a> PublicKeyInfo<'a> {
    pub fn parse(der: &'a [u8]) -> Result<Self, X509Error> {
        let outer = single(der, tag::SEQUENCE)?;
        let mut fields = DerReader::new(outer.contents);
        let algorithm_id = fields.expect(tag::SEQUENCE)?;
        let key = whole_bytes(fields.expect(tag::BIT_STRING)?)?;
        fields.finish()?;
        let mut algorithm = DerReader::new(algorithm_id.contents);
        let id = algorithm.expect(tag::OID)?;
        let parameters = match algorithm.is_empty() {
            true => None,
            false => Some(algorithm.any()?),
        };
        algorithm.finish()?;
        Ok(Self {
            der,
            algorithm: id.contents,
            parameters,
            key,
        })
    }
}

/// An X.509 v1-v3 certificate (RFC 5280), borrowing its DER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Certificate<'a> {
    /// The whole certificate.
    pub der: &'a [u8],
    /// The tbsCertificate element (tag included): the bytes the issuer signed.
    pub tbs: &'a [u8],
    /// 1, 2 or 3.
    pub version: u8,
    /// The serialNumber INTEGER's contents (big-endian, two's complement, may start with 0x00).
    pub serial: &'a [u8],
    pub issuer: Name<'a>,
    pub subject: Name<'a>,
    pub not_before: DateTime,
    pub not_after: DateTime,
    pub public_key: PublicKeyInfo<'a>,
    /// The extensions SEQUENCE's contents (v3), when present.
    pub extensions: Option<&'a [u8]>,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// The signatureAlgorithm OID (contents), e.g. [`oid::ECDSA_WITH_SHA256`].
    pub signature_algorithm: &'a [u8],
    /// The signatureValue BIT STRING's bits.
    pub signature: &'a [u8],
}

impl<'a> Certificate<'a> {
    /// Reads a DER certificate; `der` must hold exactly one.
    pub fn parse(der: &'a [u8]) -> Result<Self, X509Error> {
        let outer = single(der, tag::SEQUENCE)?;
        let mut cert = DerReader::new(outer.contents);
        let tbs = cert.expect(tag::SEQUENCE)?;
        let signature_algorithm = algorithm_oid(cert.expect(tag::SEQUENCE)?)?;
        let signature = whole_bytes(cert.expect(tag::BIT_STRING)?)?;
        cert.finish()?;

        let mut fields = DerReader::new(tbs.contents);
        let version = match fields.optional(tag::context(0))? {
            None => 1,
            Some(explicit) => {
                let v = single(explicit.contents, tag::INTEGER)?;
                match v.contents {
                    [0] => 1,
                    [1] => 2,
                    [2] => 3,
                    _ => return Err(X509Error::Der),
                }
            }
        };
        let serial = fields.expect(tag::INTEGER)?.contents;
        if serial.is_empty() {
            return Err(X509Error::Der);
        }
        let _tbs_signature = fields.expect(tag::SEQUENCE)?;
        let issuer = Name::parse(fields.expect(tag::SEQUENCE)?.raw)?;
        let validity = fields.expect(tag::SEQUENCE)?;
        let mut times = DerReader::new(validity.contents);
        let not_before = parse_time(times.any()?)?;
        let not_after = parse_time(times.any()?)?;
        times.finish()?;
        let subject = Name::parse(fields.expect(tag::SEQUENCE)?.raw)?;
        let public_key = PublicKeyInfo::parse(fields.expect(tag::SEQUENCE)?.raw)?;
        fields.optional(0x81)?; // issuerUniqueID [1] IMPLICIT
        fields.optional(0x82)?; // subjectUniqueID [2] IMPLICIT
        let extensions = match fields.optional(tag::context(3))? {
            None => None,
            Some(explicit) => Some(single(explicit.contents, tag::SEQUENCE)?.contents),
        };
        fields.finish()?;

        let mut is_ca = false;
        if let Some(list) = extensions {
            let mut list = DerReader::new(list);
            while !list.is_empty() {
                let (id, _critical, value) = read_extension(list.expect(tag::SEQUENCE)?)?;
                if id == oid::BASIC_CONSTRAINTS {
                    let constraints = single(value, tag::SEQUENCE)?;
                    let mut c = DerReader::new(constraints.contents);
                    if let Some(flag) = c.optional(tag::BOOLEAN)? {
                        is_ca = flag.contents == [0xff];
                    }
                    c.optional(tag::INTEGER)?; // pathLenConstraint
                    c.finish()?;
                }
            }
        }

        Ok(Self {
            der,
            tbs: tbs.raw,
            version,
            serial,
            issuer,
            subject,
            not_before,
            not_after,
            public_key,
            extensions,
            is_ca,
            signature_algorithm,
            signature,
        })
    }

    /// The extension `oid`: (critical, extnValue's contents).
    pub fn extension(&self, id: &[u8]) -> Option<(bool, &'a [u8])> {
        let mut list = DerReader::new(self.extensions?);
        while !list.is_empty() {
            let (oid, critical, value) = read_extension(list.expect(tag::SEQUENCE).ok()?).ok()?;
            if oid == id {
                return Some((critical, value));
            }
        }
        None
    }

    /// Issuer and subject are the same Name, byte for byte (a self-signed candidate: the
    /// signature itself is the platform's to check).
    pub fn is_self_issued(&self) -> bool {
        self.issuer.der == self.subject.der
    }

    /// `time` is within notBefore..=notAfter.
    pub fn is_valid_at(&self, time: DateTime) -> bool {
        self.not_before <= time && time <= self.not_after
    }

    /// The whitepaper's CertificateHashData of this certificate, whose issuer is `issuer` (the
    /// certificate itself for a self-signed root).
    pub fn hash_data(&self, issuer: &Certificate<'_>) -> CertificateHashData {
        CertificateHashData::new(self.issuer.der, issuer.public_key.key, self.serial)
    }

    /// The CertificateHashData of a self-signed certificate (its own key is the issuer's).
    pub fn self_signed_hash_data(&self) -> CertificateHashData {
        self.hash_data(self)
    }
}

fn algorithm_oid(algorithm: Tlv<'_>) -> Result<&[u8], X509Error> {
    let mut fields = DerReader::new(algorithm.contents);
    Ok(fields.expect(tag::OID)?.contents)
}

/// Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
fn read_extension(extension: Tlv<'_>) -> Result<(&[u8], bool, &[u8]), X509Error> {
    let mut fields = DerReader::new(extension.contents);
    let id = fields.expect(tag::OID)?.contents;
    let critical = match fields.optional(tag::BOOLEAN)? {
        Some(flag) => flag.contents == [0xff],
        None => false,
    };
    let value = fields.expect(tag::OCTET_STRING)?.contents;
    fields.finish()?;
    Ok((id, critical, value))
}

/// UTCTime `YYMMDDHHMMSSZ` (years 1950-2049) or GeneralizedTime `YYYYMMDDHHMMSSZ`, as DER
/// requires them (seconds, `Z`, no fraction).
fn parse_time(time: Tlv<'_>) -> Result<DateTime, X509Error> {
    let digits = match (time.tag, time.contents) {
        (tag::UTC_TIME, [digits @ .., b'Z']) if digits.len() == 12 => digits,
        (tag::GENERALIZED_TIME, [digits @ .., b'Z']) if digits.len() == 14 => digits,
        _ => return Err(X509Error::Time),
    };
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(X509Error::Time);
    }
    let number = |at: usize, len: usize| -> i64 {
        digits
            .get(at..at + len)
            .unwrap_or_default()
            .iter()
            .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'))
    };
    let (year, rest) = match digits.len() {
        12 => {
            let yy = number(0, 2);
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        _ => (number(0, 4), 4),
    };
    let field = |i: usize| number(rest + 2 * i, 2);
    let (month, day, hour, minute, second) = (field(0), field(1), field(2), field(3), field(4));
    // The ranges DateTime::parse accepts (a leap second included).
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(X509Error::Time);
    }
    let days = days_from_civil(year, month, day);
    Ok(DateTime::from_unix_secs(
        days * 86_400 + hour * 3600 + minute * 60 + second,
    ))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil):
/// certificate times are converted here rather than through RFC 3339 text and
/// `DateTime::parse`, which would add ~1 KB of flash to a build that does not otherwise need it.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A PKCS#10 CertificationRequest (RFC 2986), borrowing its DER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificationRequest<'a> {
    pub der: &'a [u8],
    /// The certificationRequestInfo element (tag included): the signed bytes.
    pub info: &'a [u8],
    pub subject: Name<'a>,
    pub public_key: PublicKeyInfo<'a>,
    pub signature_algorithm: &'a [u8],
    pub signature: &'a [u8],
}

impl<'a> CertificationRequest<'a> {
    pub fn parse(der: &'a [u8]) -> Result<Self, X509Error> {
        let outer = single(der, tag::SEQUENCE)?;
        let mut request = DerReader::new(outer.contents);
        let info = request.expect(tag::SEQUENCE)?;
        let signature_algorithm = algorithm_oid(request.expect(tag::SEQUENCE)?)?;
        let signature = whole_bytes(request.expect(tag::BIT_STRING)?)?;
        request.finish()?;
        let mut fields = DerReader::new(info.contents);
        if fields.expect(tag::INTEGER)?.contents != [0] {
            return Err(X509Error::Der); // version 1 (0) is the only one
        }
        let subject = Name::parse(fields.expect(tag::SEQUENCE)?.raw)?;
        let public_key = PublicKeyInfo::parse(fields.expect(tag::SEQUENCE)?.raw)?;
        fields.expect(tag::context(0))?; // attributes
        fields.finish()?;
        Ok(Self {
            der,
            info: info.raw,
            subject,
            public_key,
            signature_algorithm,
            signature,
        })
    }
}

/// The SubjectPublicKeyInfo DER of a PKCS#10 CertificationRequest.
pub fn csr_public_key_info(der: &[u8]) -> Result<&[u8], X509Error> {
    Ok(CertificationRequest::parse(der)?.public_key.der)
}

// ---------------------------------------------------------------------------------------------
// CertificateHashData

/// The longest serial number RFC 5280 allows, 20 bytes (40 hex digits: the schema's maxLength).
pub const MAX_SERIAL_BYTES: usize = 20;

/// The whitepaper's CertificateHashDataType for hashAlgorithm SHA256, computed the way OCSP's
/// CertID is (RFC 6960, as OpenSSL and Python `cryptography` compute it):
/// - issuerNameHash: SHA-256 of the DER of the certificate's issuer Name;
/// - issuerKeyHash: SHA-256 of the issuer's subjectPublicKey BIT STRING bits (without the
///   unused-bits byte), for a self-signed root its own key;
/// - serialNumber: the serial's hexadecimal digits, lowercase, without leading zeroes (the
///   definition OCPP 2.0.1 gives the same field; "0" for a zero serial).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateHashData {
    pub issuer_name_hash: [u8; 32],
    pub issuer_key_hash: [u8; 32],
    /// The serial's magnitude without leading zero bytes (a zero serial keeps one byte).
    serial: [u8; MAX_SERIAL_BYTES],
    serial_len: u8,
}

impl CertificateHashData {
    /// Hashes `issuer_name_der` and `issuer_key`; a serial longer than 20 bytes (after its
    /// leading zeroes) is cut to its last 20 (RFC 5280 forbids them; callers that care check
    /// [`Certificate::serial`] first).
    pub fn new(issuer_name_der: &[u8], issuer_key: &[u8], serial: &[u8]) -> Self {
        let first = serial.iter().position(|&b| b != 0).unwrap_or(serial.len());
        let mut trimmed = serial.get(first..).unwrap_or(&[]);
        if trimmed.is_empty() {
            trimmed = &[0];
        }
        let trimmed = trimmed
            .get(trimmed.len().saturating_sub(MAX_SERIAL_BYTES)..)
            .unwrap_or(&[]);
        let mut bytes = [0u8; MAX_SERIAL_BYTES];
        bytes[..trimmed.len()].copy_from_slice(trimmed);
        Self {
            issuer_name_hash: Sha256::digest(issuer_name_der),
            issuer_key_hash: Sha256::digest(issuer_key),
            serial: bytes,
            serial_len: trimmed.len() as u8,
        }
    }

    /// The serial's magnitude bytes (no leading zero byte).
    pub fn serial_bytes(&self) -> &[u8] {
        &self.serial[..usize::from(self.serial_len)]
    }

    /// issuerNameHash as 64 lowercase hex digits.
    pub fn issuer_name_hash_hex(&self) -> heapless::String<64> {
        hex_string(&self.issuer_name_hash)
    }

    /// issuerKeyHash as 64 lowercase hex digits.
    pub fn issuer_key_hash_hex(&self) -> heapless::String<64> {
        hex_string(&self.issuer_key_hash)
    }

    /// serialNumber: lowercase hex without leading zeroes (1 to 40 digits).
    pub fn serial_number_hex(&self) -> heapless::String<40> {
        let mut buf = [0u8; 2 * MAX_SERIAL_BYTES];
        let text = to_hex(self.serial_bytes(), &mut buf).unwrap_or("0");
        let text = text.trim_start_matches('0');
        let text = if text.is_empty() { "0" } else { text };
        let mut out = heapless::String::new();
        let _ = out.push_str(text); // at most 40 digits
        out
    }

    /// Whether the hash data a Central System sent (for hashAlgorithm SHA256) names this
    /// certificate: hex compared case-insensitively, serials compared as numbers (leading
    /// zeroes ignored, so "0a" and "a" both match).
    pub fn matches(&self, issuer_name_hash: &str, issuer_key_hash: &str, serial: &str) -> bool {
        let serial = serial.trim_start_matches('0');
        let serial = if serial.is_empty() { "0" } else { serial };
        self.issuer_name_hash_hex()
            .eq_ignore_ascii_case(issuer_name_hash)
            && self
                .issuer_key_hash_hex()
                .eq_ignore_ascii_case(issuer_key_hash)
            && self.serial_number_hex().eq_ignore_ascii_case(serial)
    }
}

fn hex_string(bytes: &[u8; 32]) -> heapless::String<64> {
    let mut buf = [0u8; 64];
    let mut out = heapless::String::new();
    if let Some(text) = to_hex(bytes, &mut buf) {
        let _ = out.push_str(text);
    }
    out
}

#[cfg(test)]
mod tests;
