//! The connection: a checked `ws://` target, the bounded connect and handshake, the close.

use super::*;

/// A checked `ws://` URL: the handshake request and the address to connect to.
pub(super) struct Target {
    pub(super) url: String,
    pub(super) host: String,
    pub(super) port: u16,
}

impl Target {
    pub(super) fn parse(url: &str) -> Result<Self, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("bad Central System URL {url:?}: {e}"))?;
        match uri.scheme_str() {
            Some("ws") => {}
            Some("wss") => {
                return Err(format!(
                    "{url}: wss:// (TLS) is not supported by the host platform yet"
                ))
            }
            _ => {
                return Err(format!(
                    "{url}: the Central System URL must start with ws://"
                ))
            }
        }
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("{url}: no host"))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = uri.port_u16().unwrap_or(80);
        if uri.path().trim_matches('/').is_empty() {
            return Err(format!(
                "{url}: the charge point id (last path segment) is missing"
            ));
        }
        let target = Self {
            url: url.to_owned(),
            host,
            port,
        };
        target.request().map_err(|e| format!("{url}: {e}"))?;
        Ok(target)
    }

    /// The handshake request, offering the OCPP 1.6J subprotocol.
    pub(super) fn request(&self) -> Result<Request, String> {
        let uri: Uri = self.url.parse().map_err(|e| format!("{e}"))?;
        ClientRequestBuilder::new(uri)
            .with_sub_protocol(SUBPROTOCOL)
            .into_client_request()
            .map_err(|e| e.to_string())
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
pub(super) fn close(ws: &mut WebSocket<TcpStream>) {
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
