//! The connection: a checked `ws://` or `wss://` target, the bounded connect and handshake, the
//! close.

use std::io::{Read, Write};

use super::*;

/// The socket under the WebSocket: plain TCP (`ws://`) or TLS over it (`wss://`).
pub(super) enum Stream {
    Plain(TcpStream),
    #[cfg(feature = "security-profiles")]
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Stream {
    pub(super) fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            #[cfg(feature = "security-profiles")]
            Stream::Tls(s) => s.get_ref(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            #[cfg(feature = "security-profiles")]
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            #[cfg(feature = "security-profiles")]
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            #[cfg(feature = "security-profiles")]
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// A checked `ws://` or `wss://` URL: the handshake request and the address to connect to.
pub(super) struct Target {
    pub(super) url: String,
    pub(super) host: String,
    pub(super) port: u16,
    /// `wss://`: TLS under the WebSocket.
    #[cfg_attr(not(feature = "security-profiles"), allow(dead_code))]
    pub(super) tls: bool,
    /// The last path segment: the Basic Auth user.
    #[cfg_attr(not(feature = "security-profiles"), allow(dead_code))]
    pub(super) cp_id: String,
}

impl Target {
    pub(super) fn parse(url: &str) -> Result<Self, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("bad Central System URL {url:?}: {e}"))?;
        let tls = match uri.scheme_str() {
            Some("ws") => false,
            Some("wss") if cfg!(feature = "security-profiles") => true,
            Some("wss") => {
                return Err(format!(
                    "{url}: wss:// (TLS) needs the feature security-profiles"
                ))
            }
            _ => {
                return Err(format!(
                    "{url}: the Central System URL must start with ws:// or wss://"
                ))
            }
        };
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("{url}: no host"))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let cp_id = uri
            .path()
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("");
        if cp_id.is_empty() {
            return Err(format!(
                "{url}: the charge point id (last path segment) is missing"
            ));
        }
        let target = Self {
            url: url.to_owned(),
            host,
            port,
            tls,
            cp_id: cp_id.to_owned(),
        };
        target.request(None).map_err(|e| format!("{url}: {e}"))?;
        Ok(target)
    }

    /// The handshake request, offering the OCPP 1.6J subprotocol, with Basic Auth (user = the
    /// charge point id) when a password is given (Security Profiles 1 and 2).
    pub(super) fn request(&self, password: Option<&str>) -> Result<Request, String> {
        let uri: Uri = self.url.parse().map_err(|e| format!("{e}"))?;
        let builder = ClientRequestBuilder::new(uri).with_sub_protocol(SUBPROTOCOL);
        #[cfg(feature = "security-profiles")]
        let builder = match password {
            Some(password) => builder.with_header(
                "Authorization",
                super::tls::basic_auth(&self.cp_id, password),
            ),
            None => builder,
        };
        #[cfg(not(feature = "security-profiles"))]
        let _ = password;
        builder.into_client_request().map_err(|e| e.to_string())
    }

    /// Resolves the host and opens a TCP connection within `timeout` (blocking: run it off
    /// the IO thread, see [`IoThread::connect`]).
    pub(super) fn open_tcp(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, String> {
        let addrs: Vec<SocketAddr> = (host, port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .collect();
        let mut last = format!("{host} resolves to no address");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, timeout) {
                Ok(s) => return Ok(s),
                Err(e) => last = format!("connect to {addr}: {e}"),
            }
        }
        Err(last)
    }
}

/// Sends a close frame and waits briefly for the peer's.
pub(super) fn close(ws: &mut WebSocket<Stream>) {
    if let Err(e) = ws.close(None) {
        debug!("close: {e}");
        return;
    }
    let until = std::time::Instant::now() + CLOSE_TIMEOUT;
    while std::time::Instant::now() < until {
        match ws.read() {
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(_) => break,
        }
    }
    info!("connection closed");
}
