//! File transfers of the Firmware Management profile, platform-neutral (no_std, no heap).
//!
//! The engine only says *what* to transfer ([`crate::engine::TransferJob`] from
//! [`crate::engine::ChargePoint::poll_transfer`]) and learns the outcome
//! ([`crate::engine::ChargePoint::transfer_finished`]). A platform moves the bytes with a
//! [`Transport`](crate::transfer::Transport) (host: HTTP/1.1 over `std::net`; Zephyr: its `http_client`) between the
//! network and a [`DownloadSink`](crate::transfer::DownloadSink) (a file, the MCUboot secondary slot through `flash_img`) or
//! an [`UploadSource`](crate::transfer::UploadSource) (a log file, the library's recent log lines). Both directions are
//! chunked (no image is ever held whole in RAM), report progress and can be cancelled: the
//! progress callback returning `false` stops the transfer with [`TransferError::Cancelled`](crate::transfer::TransferError::Cancelled).
//!
//! [`HttpUrl`](crate::transfer::HttpUrl) parses the `http://host[:port]/path` locations both platforms accept.

use core::fmt;

/// Why a transfer did not complete. The engine treats every error of a download or upload as
/// one failed attempt (retried while `retries` remain); of an install as InstallationFailed,
/// except [`TransferError::Deferred`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferError {
    /// The location is not a URI this platform can fetch (scheme, syntax, length).
    BadLocation,
    /// Name resolution or the TCP connection failed.
    Unreachable,
    /// The server answered with this non-success HTTP status.
    HttpStatus(u16),
    /// The connection dropped or timed out before the announced end of the body.
    Interrupted,
    /// The progress callback (the application, or a newer request) stopped it.
    Cancelled,
    /// The sink has no room for the image (slot or disk too small).
    SinkFull,
    /// A local read or write failed (file, flash).
    Io,
    /// The server's answer was not HTTP as we speak it.
    Protocol,
    /// Install only: the application delays the install; the engine offers it again after the
    /// retry interval, still Downloaded.
    Deferred,
    /// Verify only (SignedUpdateFirmware): the image's or the signing certificate's signature
    /// does not verify, or its algorithm is not supported.
    BadSignature,
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransferError::HttpStatus(code) => write!(f, "HTTP status {code}"),
            other => fmt::Debug::fmt(other, f),
        }
    }
}

impl crate::logging::Piece for TransferError {
    fn put(&self, line: &mut crate::logging::Line) {
        line.push_str(match self {
            TransferError::BadLocation => "BadLocation",
            TransferError::Unreachable => "Unreachable",
            TransferError::HttpStatus(code) => {
                line.push_str("HTTP status ");
                return crate::logging::Piece::put(code, line);
            }
            TransferError::Interrupted => "Interrupted",
            TransferError::Cancelled => "Cancelled",
            TransferError::SinkFull => "SinkFull",
            TransferError::Io => "Io",
            TransferError::Protocol => "Protocol",
            TransferError::Deferred => "Deferred",
            TransferError::BadSignature => "BadSignature",
        });
    }
}

/// The application's say on an install (a platform asks before carrying out
/// [`crate::engine::TransferJob::Install`]; the C API's `ocpp_set_firmware_handler`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallDecision {
    /// The library installs (Zephyr: MCUboot upgrade request and reboot; host: a copy and a
    /// new session).
    Install,
    /// The application installed the image itself: Installed is reported.
    Installed,
    /// Not now ([`TransferError::Deferred`]): offered again after the retry interval.
    Defer,
    /// Refused: InstallationFailed.
    Refuse,
}

/// How far a transfer is: bytes moved and, when the server said, the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: Option<u64>,
}

/// Where a download goes, chunk by chunk.
pub trait DownloadSink {
    /// A (new) download starts; `total_len` when the server announced it. A retry calls it
    /// again: the sink starts over.
    fn begin(&mut self, total_len: Option<u64>) -> Result<(), TransferError>;
    fn write(&mut self, chunk: &[u8]) -> Result<(), TransferError>;
    /// Every byte arrived: flush, close, verify.
    fn finish(&mut self) -> Result<(), TransferError>;
}

/// What an upload sends, read chunk by chunk.
pub trait UploadSource {
    /// Bytes the upload will send (an HTTP Content-Length).
    fn len(&self) -> u64;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Fills `buf` from the current position; 0 at the end.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransferError>;
}

/// Moves bytes between a location and a sink or source. `progress` is called after every
/// chunk; returning `false` cancels ([`TransferError::Cancelled`]). Both return the bytes
/// moved.
pub trait Transport {
    fn download(
        &mut self,
        location: &str,
        sink: &mut dyn DownloadSink,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<u64, TransferError>;

    /// Sends `source` as `file_name` to `location` (a location ending in `/` names a
    /// directory: the file goes to `location` + `file_name`).
    fn upload(
        &mut self,
        location: &str,
        file_name: &str,
        source: &mut dyn UploadSource,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<u64, TransferError>;
}

/// An `http://` location split into what a request needs. Borrowed from the location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpUrl<'a> {
    pub host: &'a str,
    pub port: u16,
    /// Starts with `/`; `/` when the location has no path. Includes any query.
    pub path: &'a str,
}

impl<'a> HttpUrl<'a> {
    /// Parses `http://host[:port][/path]` (scheme case-insensitive, IPv6 hosts in brackets).
    /// `https://` and other schemes are [`TransferError::BadLocation`] until TLS lands.
    pub fn parse(location: &'a str) -> Result<Self, TransferError> {
        let scheme_end = location.find("://").ok_or(TransferError::BadLocation)?;
        let scheme = location
            .get(..scheme_end)
            .ok_or(TransferError::BadLocation)?;
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(TransferError::BadLocation);
        }
        let rest = location
            .get(scheme_end + 3..)
            .ok_or(TransferError::BadLocation)?;
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (rest.get(..i).unwrap_or(""), rest.get(i..).unwrap_or("/")),
            None => (rest, "/"),
        };
        if path.starts_with('?') || authority.contains('@') {
            // "http://host?x" has no path to put the query on; userinfo is not supported.
            return Err(TransferError::BadLocation);
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let close = v6.find(']').ok_or(TransferError::BadLocation)?;
            let host = v6.get(..close).ok_or(TransferError::BadLocation)?;
            let after = v6.get(close + 1..).unwrap_or("");
            (host, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        let port = match port {
            Some(p) => p.parse::<u16>().map_err(|_| TransferError::BadLocation)?,
            None => 80,
        };
        let printable = |s: &str| s.bytes().all(|b| b.is_ascii_graphic());
        if host.is_empty() || port == 0 || !printable(host) || !printable(path) {
            return Err(TransferError::BadLocation);
        }
        Ok(Self { host, port, path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_locations() {
        let u = HttpUrl::parse("http://127.0.0.1:8080/fw/image.bin?v=2").unwrap();
        assert_eq!(
            (u.host, u.port, u.path),
            ("127.0.0.1", 8080, "/fw/image.bin?v=2")
        );
        let u = HttpUrl::parse("HTTP://example.com").unwrap();
        assert_eq!((u.host, u.port, u.path), ("example.com", 80, "/"));
        let u = HttpUrl::parse("http://[::1]:9/x").unwrap();
        assert_eq!((u.host, u.port, u.path), ("::1", 9, "/x"));
        for bad in [
            "https://example.com/x",
            "ftp://example.com/x",
            "example.com/x",
            "http://",
            "http://:80/x",
            "http://host:0/x",
            "http://host:99999/x",
            "http://host:x/",
            "http://user@host/",
            "http://host/a b",
            "http://host?q",
            "http://[::1/x",
        ] {
            assert_eq!(
                HttpUrl::parse(bad),
                Err(TransferError::BadLocation),
                "{bad}"
            );
        }
    }
}
