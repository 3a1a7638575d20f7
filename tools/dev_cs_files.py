"""The dev Central System's file server (Firmware Management): HTTP/1.1 on a loopback port.

GET  /firmware/<name>        an image added through the control API (POST /firmware); the
                             body is delimited by Content-Length, or chunked in chunked mode
PUT  /diagnostics/<name>     a diagnostics upload (POST too; Content-Length required); saved
                             under <root>/diagnostics/ with its size and SHA-256 recorded

SignedUpdateFirmware (the security whitepaper): at start a manufacturer root CA and a firmware
signing certificate it issues are generated (Python ``cryptography``, EC P-256, in memory only),
plus a "foreign" root and signing certificate the charge point does not trust; every image added
is signed (ECDSA with SHA-256 over the whole file, the signature DER in base64).
``signed_update_payload`` builds the request with the good signature, a bad one, or the foreign
certificate.

Faults (POST /file_faults on the control API) apply to the next GETs, one each:
{"drop_after": N} sends the headers (full Content-Length) and N body bytes, then drops the
connection; {"status": 503} answers that status instead of the image.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import hashlib
import logging
import re
import time
from pathlib import Path
from typing import Any

LOG = logging.getLogger("dev_cs.files")

MAX_UPLOAD = 64 * 1024 * 1024
IO_TIMEOUT = 10.0
PIECE = 64 * 1024
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,255}$")
_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found",
            405: "Method Not Allowed", 411: "Length Required", 413: "Payload Too Large",
            500: "Internal Server Error", 503: "Service Unavailable"}


class FirmwareSigner:
    """A manufacturer root, the signing certificate it issues, and a foreign pair."""

    def __init__(self) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self._hashes, self._ec = hashes, ec
        now = datetime.datetime.now(datetime.timezone.utc)

        def name(cn: str) -> x509.Name:
            return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "dev_cs manufacturer"),
                              x509.NameAttribute(NameOID.COMMON_NAME, cn)])

        def cert(subject, key, issuer, issuer_key, ca: bool):
            return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                    .public_key(key.public_key()).serial_number(x509.random_serial_number())
                    .not_valid_before(now - datetime.timedelta(days=1))
                    .not_valid_after(now + datetime.timedelta(days=365))
                    .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                    .sign(issuer_key, hashes.SHA256()))

        def pair(label: str):
            root_key = ec.generate_private_key(ec.SECP256R1())
            root_name = name(f"{label} Manufacturer Root CA")
            root = cert(root_name, root_key, root_name, root_key, True)
            key = ec.generate_private_key(ec.SECP256R1())
            signing = cert(name(f"{label} Firmware Signing"), key, root_name, root_key, False)
            return root, signing, key

        self.root, self.signing, self._key = pair("dev_cs")
        self.foreign_root, self.foreign_signing, self._foreign_key = pair("Foreign")

    @staticmethod
    def pem(cert) -> str:
        from cryptography.hazmat.primitives import serialization
        return cert.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, data: bytes, foreign: bool = False) -> str:
        key = self._foreign_key if foreign else self._key
        return base64.b64encode(
            key.sign(data, self._ec.ECDSA(self._hashes.SHA256()))).decode()

    def info(self) -> dict:
        return {"manufacturer_root_pem": self.pem(self.root),
                "signing_certificate_pem": self.pem(self.signing),
                "foreign_root_pem": self.pem(self.foreign_root),
                "foreign_signing_certificate_pem": self.pem(self.foreign_signing)}


class FileServer:
    def __init__(self, root: Path):
        self.root = root
        self.images = root / "firmware"
        self.uploads_dir = root / "diagnostics"
        self.images.mkdir(parents=True, exist_ok=True)
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        self.port = 0
        self.faults: list[dict] = []
        self.chunked = False
        self.downloads: list[dict] = []
        self.uploads: list[dict] = []
        self.server: asyncio.base_events.Server | None = None
        self.signer = FirmwareSigner()
        self.signatures: dict[str, str] = {}

    async def start(self, host: str, port: int) -> int:
        self.server = await asyncio.start_server(self.handle, host, port)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    def close(self) -> None:
        if self.server is not None:
            self.server.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # -- control API ------------------------------------------------------------------

    def add_image(self, name: str, data: bytes) -> dict:
        if not _NAME.match(name):
            raise ValueError(f"bad image name {name!r}")
        (self.images / name).write_bytes(data)
        self.signatures[name] = self.signer.sign(data)
        return {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                "url": self.url(f"/firmware/{name}"), "signature": self.signatures[name]}

    def signed_update_payload(self, req: dict) -> dict:
        """A SignedUpdateFirmware.req for the image ``req["image"]``: its good signature and
        the signing certificate, or ``"bad_signature"`` (the signature of other bytes),
        or ``"foreign_certificate"`` (signed by a CA the charge point does not trust)."""
        image = req.get("image")
        if not isinstance(image, str) or image not in self.signatures:
            raise ValueError('need "image": an image added with POST /firmware')
        foreign = bool(req.get("foreign_certificate"))
        data = (self.images / image).read_bytes()
        if req.get("bad_signature"):
            data = b"not the image" + data
        signature = self.signer.sign(data, foreign)
        signing = self.signer.foreign_signing if foreign else self.signer.signing
        now = datetime.datetime.now(datetime.timezone.utc)
        firmware = {"location": self.url(f"/firmware/{image}"),
                    "retrieveDateTime": req.get("retrieve_date") or
                    now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
                    "signingCertificate": self.signer.pem(signing),
                    "signature": signature}
        if req.get("install_date"):
            firmware["installDateTime"] = req["install_date"]
        payload = {"requestId": int(req.get("request_id", 1)), "firmware": firmware}
        for key, member in (("retries", "retries"), ("retry_interval", "retryInterval")):
            if req.get(key) is not None:
                payload[member] = int(req[key])
        return payload

    def set_faults(self, faults: Any, chunked: Any = None) -> dict:
        if not isinstance(faults, list) or not all(
                isinstance(f, dict) and set(f) <= {"drop_after", "status"} and f
                and all(isinstance(v, int) and v >= 0 for v in f.values()) for f in faults):
            raise ValueError('faults: a list of {"drop_after": N} or {"status": code}')
        self.faults = list(faults)
        if chunked is not None:
            self.chunked = bool(chunked)
        return self.info()

    def info(self) -> dict:
        return {"port": self.port, "root": str(self.root), "faults": self.faults,
                "chunked": self.chunked,
                "diagnostics_url": self.url("/diagnostics/")}

    # -- HTTP -------------------------------------------------------------------------

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IO_TIMEOUT)
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            if method == "GET" and target.startswith("/firmware/"):
                await self.serve_image(target[len("/firmware/"):], writer)
            elif method in ("PUT", "POST") and target.startswith("/diagnostics/"):
                await self.receive_upload(method, target[len("/diagnostics/"):], headers,
                                          reader, writer)
            else:
                await self.respond(writer, 404 if method in ("GET", "PUT", "POST") else 405)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
                ConnectionError, ValueError) as e:
            LOG.info("file request failed: %r", e)
        finally:
            writer.close()

    async def respond(self, writer: asyncio.StreamWriter, status: int, body: bytes = b"") -> None:
        writer.write(f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n"
                     f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        await asyncio.wait_for(writer.drain(), IO_TIMEOUT)

    async def serve_image(self, name: str, writer: asyncio.StreamWriter) -> None:
        record = {"name": name, "ts": time.time(), "status": 200, "sent": 0, "complete": False}
        self.downloads.append(record)
        path = self.images / name
        if not _NAME.match(name) or not path.is_file():
            record["status"] = 404
            return await self.respond(writer, 404)
        fault = self.faults.pop(0) if self.faults else {}
        if "status" in fault:
            record["status"] = fault["status"]
            return await self.respond(writer, fault["status"])
        data = path.read_bytes()
        limit = fault.get("drop_after", len(data))
        if self.chunked:
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                         b"Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n")
        else:
            writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {len(data)}\r\n"
                         f"Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
                         .encode())
        sent = 0
        while sent < min(limit, len(data)):
            piece = data[sent:min(sent + PIECE, limit)]
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if self.chunked else piece)
            await asyncio.wait_for(writer.drain(), IO_TIMEOUT)
            sent += len(piece)
            record["sent"] = sent
        if limit < len(data):
            LOG.info("fault: dropping %s after %d of %d bytes", name, sent, len(data))
            writer.transport.abort()
            return
        if self.chunked:
            writer.write(b"0\r\n\r\n")
        await asyncio.wait_for(writer.drain(), IO_TIMEOUT)
        record["complete"] = True

    async def receive_upload(self, method: str, name: str, headers: dict,
                             reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not _NAME.match(name):
            return await self.respond(writer, 400)
        if "content-length" not in headers:
            return await self.respond(writer, 411)
        length = int(headers["content-length"])
        if length < 0 or length > MAX_UPLOAD:
            return await self.respond(writer, 413)
        body = await asyncio.wait_for(reader.readexactly(length), IO_TIMEOUT)
        (self.uploads_dir / name).write_bytes(body)
        self.uploads.append({"name": name, "method": method, "size": len(body),
                             "sha256": hashlib.sha256(body).hexdigest(), "ts": time.time(),
                             "content_disposition": headers.get("content-disposition")})
        await self.respond(writer, 201)
