//! A small HTTP/1.1 client over `std::net::TcpStream`: the host's [`Transport`] for firmware
//! downloads (GET; the body delimited by Content-Length, chunked or the connection's close)
//! and diagnostics uploads (PUT with Content-Length). `http://` only; https comes with TLS.
//! Redirects are not followed (an HTTP status error).

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::transfer::{DownloadSink, HttpUrl, Progress, TransferError, Transport, UploadSource};

/// Chunk size of reads and writes.
const CHUNK: usize = 4096;
/// Longest response head (status line and headers).
const MAX_HEAD: usize = 16 * 1024;

/// The host's HTTP transport.
#[derive(Debug, Clone, Copy)]
pub struct HttpTransport {
    /// TCP connect, and the longest silence of the server while a transfer runs.
    pub timeout: Duration,
}

impl Default for HttpTransport {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
        }
    }
}

fn io_error(e: &io::Error) -> TransferError {
    match e.kind() {
        io::ErrorKind::WouldBlock
        | io::ErrorKind::TimedOut
        | io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => TransferError::Interrupted,
        _ => TransferError::Io,
    }
}

impl HttpTransport {
    fn connect(&self, url: &HttpUrl<'_>) -> Result<TcpStream, TransferError> {
        let addrs = (url.host, url.port)
            .to_socket_addrs()
            .map_err(|_| TransferError::Unreachable)?;
        let timeout = self.timeout.max(Duration::from_millis(1));
        for addr in addrs {
            if let Ok(stream) = TcpStream::connect_timeout(&addr, timeout) {
                let setup = stream
                    .set_read_timeout(Some(timeout))
                    .and_then(|()| stream.set_write_timeout(Some(timeout)))
                    .and_then(|()| stream.set_nodelay(true));
                setup.map_err(|e| io_error(&e))?;
                return Ok(stream);
            }
        }
        Err(TransferError::Unreachable)
    }
}

/// A response's status and the headers that delimit its body.
#[derive(Debug, Default)]
struct Head {
    status: u16,
    content_length: Option<u64>,
    chunked: bool,
}

/// Reads the response head; returns it and the body bytes read past it.
fn read_head(stream: &mut TcpStream) -> Result<(Head, Vec<u8>), TransferError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buf.len() > MAX_HEAD {
            return Err(TransferError::Protocol);
        }
        let n = stream.read(&mut chunk).map_err(|e| io_error(&e))?;
        if n == 0 {
            return Err(TransferError::Interrupted);
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    let text = std::str::from_utf8(buf.get(..end).unwrap_or_default())
        .map_err(|_| TransferError::Protocol)?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.split(' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(TransferError::Protocol);
    }
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or(TransferError::Protocol)?;
    let mut head = Head {
        status,
        ..Head::default()
    };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(TransferError::Protocol);
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            head.content_length = Some(value.parse().map_err(|_| TransferError::Protocol)?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            head.chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
        }
    }
    let rest = buf.get(end + 4..).unwrap_or_default().to_vec();
    Ok((head, rest))
}

/// The body reader: what was read past the head first, then the stream.
struct Body<'a> {
    pending: Vec<u8>,
    at: usize,
    stream: &'a mut TcpStream,
}

impl Body<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, TransferError> {
        if let Some(left) = self.pending.get(self.at..).filter(|l| !l.is_empty()) {
            let n = left.len().min(buf.len());
            buf.get_mut(..n)
                .ok_or(TransferError::Io)?
                .copy_from_slice(left.get(..n).unwrap_or_default());
            self.at += n;
            return Ok(n);
        }
        self.stream.read(buf).map_err(|e| io_error(&e))
    }

    /// One CRLF-terminated line (chunked framing).
    fn line(&mut self) -> Result<String, TransferError> {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        loop {
            if self.read(&mut byte)? == 0 {
                return Err(TransferError::Interrupted);
            }
            match byte[0] {
                b'\n' => break,
                b => line.push(b),
            }
            if line.len() > 1024 {
                return Err(TransferError::Protocol);
            }
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        String::from_utf8(line).map_err(|_| TransferError::Protocol)
    }
}

/// Copies `len` bytes (None: up to the end of the stream) from `body` into `sink`.
fn copy_body(
    body: &mut Body<'_>,
    len: Option<u64>,
    sink: &mut dyn DownloadSink,
    done: &mut u64,
    total: Option<u64>,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<(), TransferError> {
    let mut buf = [0u8; CHUNK];
    let mut left = len;
    while left != Some(0) {
        let want = left.map_or(CHUNK, |l| l.min(CHUNK as u64) as usize);
        let n = body.read(buf.get_mut(..want).ok_or(TransferError::Io)?)?;
        if n == 0 {
            return match left {
                None => Ok(()),
                Some(_) => Err(TransferError::Interrupted),
            };
        }
        sink.write(buf.get(..n).ok_or(TransferError::Io)?)?;
        *done += n as u64;
        left = left.map(|l| l - n as u64);
        if !progress(Progress { done: *done, total }) {
            return Err(TransferError::Cancelled);
        }
    }
    Ok(())
}

fn host_header(url: &HttpUrl<'_>) -> String {
    match (url.host.contains(':'), url.port) {
        (true, 80) => format!("[{}]", url.host),
        (true, port) => format!("[{}]:{port}", url.host),
        (false, 80) => url.host.to_owned(),
        (false, port) => format!("{}:{port}", url.host),
    }
}

impl Transport for HttpTransport {
    fn download(
        &mut self,
        location: &str,
        sink: &mut dyn DownloadSink,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<u64, TransferError> {
        let url = HttpUrl::parse(location)?;
        let mut stream = self.connect(&url)?;
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: zephyr-ocpp\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            url.path,
            host_header(&url)
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| io_error(&e))?;
        let (head, rest) = read_head(&mut stream)?;
        if !(200..300).contains(&head.status) {
            return Err(TransferError::HttpStatus(head.status));
        }
        let mut body = Body {
            pending: rest,
            at: 0,
            stream: &mut stream,
        };
        let mut done = 0u64;
        if head.chunked {
            sink.begin(None)?;
            loop {
                let line = body.line()?;
                let size = line.split(';').next().unwrap_or("").trim();
                let size = u64::from_str_radix(size, 16).map_err(|_| TransferError::Protocol)?;
                if size == 0 {
                    break; // trailers, if any, are not needed
                }
                copy_body(&mut body, Some(size), sink, &mut done, None, progress)?;
                if !body.line()?.is_empty() {
                    return Err(TransferError::Protocol);
                }
            }
        } else {
            sink.begin(head.content_length)?;
            let total = head.content_length;
            copy_body(&mut body, total, sink, &mut done, total, progress)?;
        }
        sink.finish()?;
        Ok(done)
    }

    fn upload(
        &mut self,
        location: &str,
        file_name: &str,
        source: &mut dyn UploadSource,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<u64, TransferError> {
        let target = match location.ends_with('/') {
            true => format!("{location}{file_name}"),
            false => location.to_owned(),
        };
        let url = HttpUrl::parse(&target)?;
        if !file_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            return Err(TransferError::BadLocation);
        }
        let mut stream = self.connect(&url)?;
        let total = source.len();
        let request = format!(
            "PUT {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: zephyr-ocpp\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{file_name}\"\r\nContent-Length: {total}\r\nConnection: close\r\n\r\n",
            url.path,
            host_header(&url)
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| io_error(&e))?;
        let mut buf = [0u8; CHUNK];
        let mut done = 0u64;
        while done < total {
            let want = (total - done).min(CHUNK as u64) as usize;
            let n = source.read(buf.get_mut(..want).ok_or(TransferError::Io)?)?;
            if n == 0 {
                return Err(TransferError::Io); // the source shrank under us
            }
            stream
                .write_all(buf.get(..n).ok_or(TransferError::Io)?)
                .map_err(|e| io_error(&e))?;
            done += n as u64;
            if !progress(Progress {
                done,
                total: Some(total),
            }) {
                return Err(TransferError::Cancelled);
            }
        }
        let (head, _) = read_head(&mut stream)?;
        match head.status {
            200..=299 => Ok(done),
            status => Err(TransferError::HttpStatus(status)),
        }
    }
}
