"""The dev Central System's file server (Firmware Management): HTTP/1.1 on a loopback port.

GET  /firmware/<name>        an image added through the control API (POST /firmware); the
                             body is delimited by Content-Length, or chunked in chunked mode
PUT  /diagnostics/<name>     a diagnostics upload (POST too; Content-Length required); saved
                             under <root>/diagnostics/ with its size and SHA-256 recorded

Faults (POST /file_faults on the control API) apply to the next GETs, one each:
{"drop_after": N} sends the headers (full Content-Length) and N body bytes, then drops the
connection; {"status": 503} answers that status instead of the image.
"""

from __future__ import annotations

import asyncio
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
        return {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                "url": self.url(f"/firmware/{name}")}

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
