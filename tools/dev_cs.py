#!/usr/bin/env python3
"""Development OCPP 1.6J Central System for testing zephyr-ocpp charge points.

Built on the mobilityhouse `ocpp` package (``ocpp.v16.ChargePoint`` + ``@on``
handlers) and served with `websockets`.  A small HTTP/JSON control API on
127.0.0.1 lets tests inspect what a charge point sent and drive CS-initiated
calls, raw frames, one-shot faults and disconnects.  See ``--help`` and the
module-level ``CONTROL_API`` string for the interface.

The same port serves the web console (tools/console/, plain ES modules, no
build step): open http://127.0.0.1:<control-port>/ to watch every charge point
live and drive it through the control API.  ``GET /events`` is the live
stream it reads (server-sent events).

Nothing is persisted except the optional frames log (JSON lines).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import contextlib
import copy
import dataclasses
import decimal
import functools
import hashlib
import importlib.resources
import json
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from jsonschema import Draft4Validator
from ocpp.charge_point import (
    camel_to_snake_case,
    remove_nones,
    serialize_as_dict,
    snake_to_camel_case,
)
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, MessageType, validate_payload
from ocpp.routing import on
from ocpp.v16 import ChargePoint as V16ChargePoint
from ocpp.v16 import call as v16_call
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed, NegotiationError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev_cs_files import FileServer  # noqa: E402  (next to this file)
import dev_cs_tls  # noqa: E402  (Security Profiles: wss://, certificates, Basic Auth)
import dev_cs_security  # noqa: E402  (certificate signing routes)
from dev_cs_security import SecurityHandlers  # noqa: E402

LOG = logging.getLogger("dev_cs")

OCPP_SUBPROTOCOL = "ocpp1.6"
DEFAULT_IDTAG_RULES = {
    "INVALID": AuthorizationStatus.invalid.value,
    "BLOCKED": AuthorizationStatus.blocked.value,
    "EXPIRED": AuthorizationStatus.expired.value,
    "CONCURRENT": AuthorizationStatus.concurrent_tx.value,
}
REGISTRATION_STATUSES = {s.value for s in RegistrationStatus}
AUTHORIZATION_STATUSES = {s.value for s in AuthorizationStatus}
# Optional idTagInfo fields an idtag_rules object may carry besides "status".
IDTAG_RULE_KEYS = {"status", "parentIdTag", "expiryDate"}
MAX_ID_TOKEN_LEN = 20  # IdToken is a CiString20Type
# RFC 3339 date-time, i.e. what the schemas' "format": "date-time" means.  The
# ocpp library does not check formats, so a bad expiryDate would go out as is.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)

# Upper bounds so that no control request can park a coroutine forever.
MAX_CALL_TIMEOUT = 300.0
HTTP_IO_TIMEOUT = 10.0
MAX_HTTP_BODY = 4 * 1024 * 1024
# In-memory history per charge point (frames/messages); oldest entries drop.
MAX_HISTORY = 100_000
# Events waiting for one /events subscriber; a subscriber that falls this far
# behind is disconnected (its EventSource reconnects and gets a fresh replay).
EVENT_QUEUE_DEPTH = 20_000
# A comment line every so often keeps idle streams (and their proxies) open and
# tells the server soon enough that a subscriber has gone.
EVENT_KEEPALIVE = 15.0
# The web console's files: GET /console/<name>, nothing else from the disk.
CONSOLE_DIR = Path(__file__).resolve().with_name("console")
CONSOLE_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
_CONSOLE_NAME = re.compile(r"^[a-z0-9_-]+\.(html|js|css|svg)$")
# Host names a request may address (a page elsewhere reaching the loopback port
# through DNS rebinding names its own host instead).
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}

CONTROL_API = """
GET  /cps                          -> ["cp_id", ...]  (currently connected)
GET  /status?cp_id=X               -> {"cp_id","connected","connect_count","subprotocol","path","last_boot_status","auth_failures"}
GET  /messages?cp_id=X[&action=A]  -> [{"action","payload","unique_id","ts"}, ...]  CP->CS CALLs, in order
GET  /transactions?cp_id=X         -> [{"transaction_id","connector_id","id_tag","id_tag_status",
                                        "reservation_id","meter_start","start_timestamp",
                                        "meter_stop","stop_timestamp","reason","stop_id_tag",
                                        "active"}, ...]
GET  /frames?cp_id=X               -> [{"ts","dir","frame"}, ...]  every frame, both directions
GET  /config                       -> current runtime config
POST /call       {"cp_id","action","payload","timeout"=10,"validate"=true}
                 -> {"result": {...}} | {"error": {"code","description","details"}}
                 (error code "Timeout" if unanswered; "schema_error" is added next to
                 "result" when the CALLRESULT violates <Action>Response.json; HTTP 400
                 "OutgoingValidation", naming the offending fields, when validate is true
                 and the payload violates <Action>.json - nothing is sent then)
POST /raw        {"cp_id","frame","expect_reply"=true,"timeout"=5}
                 -> {"reply": "<raw text>"} | {"sent": true} | {"error": {"code": "Timeout", ...}}
POST /config     {"boot_status","boot_interval","heartbeat_interval","idtag_rules",
                  "callerror_next","drop_next"}  -> current runtime config
                 (all or nothing: on HTTP 400 no setting has changed)
                 idtag_rules: {"PREFIX": "Status" | {"status", "parentIdTag"?, "expiryDate"?}
                 | null}; the longest matching prefix gives the idTagInfo of Authorize,
                 StartTransaction and StopTransaction answers (object form: copied as is,
                 expiryDate RFC 3339 e.g. "2030-01-01T00:00:00Z"; null removes the rule);
                 callerror_next: {"action","code","description","details"} (or a list, or
                 null to clear); drop_next: {"action"}
POST /disconnect {"cp_id","code"=1000,"reason"=""}  -> {"disconnected": true}
Firmware Management (the file server on files_port, see tools/dev_cs_files.py):
GET  /files                        -> {"port","root","faults","chunked","diagnostics_url"}
POST /firmware   {"name","data_b64" | "size"[,"seed"]} -> {"name","size","sha256","url"}
                 (an image served at GET http://127.0.0.1:<files_port>/firmware/<name>;
                 "size" makes a deterministic pseudo-random one)
POST /file_faults {"faults": [{"drop_after": N} | {"status": code}, ...], "chunked"?}
                 -> GET /files  (each fault applies to one later image GET, in order)
GET  /downloads                    -> [{"name","status","sent","complete","ts"}, ...]
GET  /uploads                      -> [{"name","method","size","sha256","ts",
                                        "content_disposition"}, ...]
POST /update_firmware {"cp_id","image" | "location","retrieve_date"=now,"retries"?,
                       "retry_interval"?,"timeout"=10}  -> as POST /call (UpdateFirmware)
POST /get_diagnostics {"cp_id","location"=the upload URL,"retries"?,"retry_interval"?,
                       "start_time"?,"stop_time"?,"timeout"=10}  -> as POST /call
GET  /firmware_signing             -> {"manufacturer_root_pem","signing_certificate_pem",
                                       "foreign_root_pem","foreign_signing_certificate_pem"}
                 (generated at start; POST /firmware signs every image with the signing key)
POST /signed_update_firmware {"cp_id","image","request_id"=1,"retrieve_date"=now,
                       "install_date"?,"retries"?,"retry_interval"?,"bad_signature"?,
                       "foreign_certificate"?,"payload_only"?,"timeout"=10}  -> as POST /call
                 ({"payload": ...} without sending it when payload_only)
                 (SignedUpdateFirmware with the image's signature; bad_signature: one of other
                 bytes; foreign_certificate: signed by a CA the charge point does not know)
Security Profiles (--tls, see tools/dev_cs_tls.py):
GET  /tls/certificate?name=ca|ca2|other-ca -> {"name","pem","certificateHashData"}
                 (a generated CA's PEM, never its key, and its CertificateHashData as
                 Python cryptography's OCSP CertID computes it: for InstallCertificate and
                 what GetInstalledCertificateIds should list)
Certificate signing (SignCertificate is answered by signing the CSR with the --tls CA):
GET  /signed_certificates?cp_id=X  -> [{"serial","subject","issuer","spki_sha256","chain"}, ...]
GET  /client_certificates?cp_id=X  -> [{"serial","subject","issuer","spki_sha256"} | null, ...]
                                      the client certificate of each connection, in order
POST /certificate_signed {"cp_id","chain"="signed" | "other_key" | "<PEM>","timeout"=10}
                 -> as POST /call (CertificateSigned), plus "leaf": the chain's first certificate
POST /shutdown   {}                               -> {"shutting_down": true}
GET  /events                       -> text/event-stream (server-sent events), first a replay,
                                      then live: "hello" {"ws_url","control_port"}, "config"
                                      (as GET /config, again after every POST /config),
                                      "cp" (as GET /status, on connect and disconnect),
                                      "frame" {"cp_id","ts","dir","frame"} (as GET /frames),
                                      "shutdown" {}
GET  /                             -> the web console (/console/index.html and its files)
A request naming a host other than 127.0.0.1/localhost/[::1], or coming from a web page of
another origin, is refused with HTTP 403.
"""


def utc_now_iso() -> str:
    """OCPP timestamp: UTC, millisecond precision, 'Z' suffix."""
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def cp_id_from_path(path: str) -> str | None:
    """Charge point id = last non-empty path segment (query string ignored)."""
    segments = [s for s in urlsplit(path).path.split("/") if s]
    return unquote(segments[-1]) if segments else None


class ControlError(Exception):
    """Error surfaced to a control API client as an HTTP error response."""

    def __init__(self, status: int, code: str, description: str):
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description


@dataclasses.dataclass
class ReplyWaiter:
    """A pending interest in the CP's CALLRESULT/CALLERROR for one CS frame.

    ``consume`` waiters (used by /raw) swallow the reply so the ocpp library
    never sees a response to a call it did not make; non-consuming waiters
    (used by /call) only observe the raw text while the library handles it.
    """

    future: asyncio.Future
    consume: bool


@dataclasses.dataclass
class CpState:
    """Everything observed for one charge point id; survives reconnects."""

    cp_id: str
    messages: collections.deque = dataclasses.field(
        default_factory=lambda: collections.deque(maxlen=MAX_HISTORY)
    )
    frames: collections.deque = dataclasses.field(
        default_factory=lambda: collections.deque(maxlen=MAX_HISTORY)
    )
    transactions: list = dataclasses.field(default_factory=list)
    session: "Session | None" = None
    connect_count: int = 0
    last_boot_status: str | None = None


class TappedConnection:
    """Wraps the websocket handed to the ocpp library.

    Every frame is logged here, at the connection level, so the log holds the
    exact raw text (including frames the library rejects or silently drops).
    It is also where test-only behaviour lives that must bypass the library:
    replies to /raw frames, and the one-shot ``drop_next``/``callerror_next``
    faults.
    """

    def __init__(self, cs: "CentralSystem", state: CpState, ws: ServerConnection):
        self._cs = cs
        self._state = state
        self._ws = ws
        self._waiters_by_id: dict[str, ReplyWaiter] = {}
        self._waiters_any: collections.deque[ReplyWaiter] = collections.deque()

    async def recv(self) -> str:
        while True:
            data = await self._ws.recv()
            if isinstance(data, bytes):
                # OCPP-J only uses text frames; log and never route binary.
                self._cs.log_frame(
                    self._state, "cp->cs", data.decode("utf-8", "replace"), binary=True
                )
                continue
            self._cs.log_frame(self._state, "cp->cs", data)
            if await self._intercept(data):
                continue
            return data

    async def send(self, text: str) -> None:
        # Log before sending so the log order is always request-before-reply.
        self._cs.log_frame(self._state, "cs->cp", text)
        await self._ws.send(text)

    def expect_reply(self, unique_id: Any, consume: bool) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        waiter = ReplyWaiter(fut, consume)
        if unique_id is None:
            self._waiters_any.append(waiter)
        else:
            self._waiters_by_id[_id_key(unique_id)] = waiter
        return fut

    def forget_reply(self, unique_id: Any, fut: asyncio.Future) -> None:
        if unique_id is None:
            self._waiters_any = collections.deque(
                w for w in self._waiters_any if w.future is not fut
            )
        else:
            key = _id_key(unique_id)
            w = self._waiters_by_id.get(key)
            if w is not None and w.future is fut:
                del self._waiters_by_id[key]

    def fail_waiters(self) -> None:
        for w in list(self._waiters_by_id.values()) + list(self._waiters_any):
            if not w.future.done():
                w.future.set_exception(ConnectionError("charge point disconnected"))
        self._waiters_by_id.clear()
        self._waiters_any.clear()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self._ws.close(code, reason)

    async def _intercept(self, raw: str) -> bool:
        """Return True if the frame was fully handled here (hide from library)."""
        try:
            msg = json.loads(raw)
        except ValueError:
            return False  # the library logs and ignores unparseable frames
        if not isinstance(msg, list) or len(msg) < 2:
            return False

        if msg[0] == MessageType.Call and len(msg) >= 3 and isinstance(msg[2], str):
            action = msg[2]
            payload = msg[3] if len(msg) > 3 else None
            self._state.messages.append(
                {"action": action, "payload": payload, "unique_id": msg[1], "ts": time.time()}
            )
            if self._cs.take_fault("drop_next", action) is not None:
                LOG.info("%s: dropping %s (drop_next)", self._state.cp_id, action)
                return True
            fault = self._cs.take_fault("callerror_next", action)
            if fault is not None:
                err = [
                    MessageType.CallError,
                    msg[1],
                    fault["code"],
                    fault["description"],
                    fault["details"],
                ]
                await self.send(json.dumps(err, separators=(",", ":")))
                return True
            # Persisted before the library answers: a reply the charge point sees was
            # always recorded first (exactly-once across restarts, see TransactionLog).
            if self._cs.tx_log is not None and action in TRANSACTION_ACTIONS:
                self._cs.tx_log.record(self._state.cp_id, action, msg[1], payload)
            return False

        if msg[0] in (MessageType.CallResult, MessageType.CallError):
            waiter = self._waiters_by_id.pop(_id_key(msg[1]), None)
            if waiter is None and self._waiters_any:
                waiter = self._waiters_any.popleft()
            if waiter is not None:
                if not waiter.future.done():
                    waiter.future.set_result(raw)
                return waiter.consume
        return False


def _id_key(unique_id: Any) -> str:
    # Malformed test frames may carry non-string ids; key on their JSON form.
    return json.dumps(unique_id, sort_keys=True)


class DevChargePoint(SecurityHandlers, V16ChargePoint):
    """CS-side view of one connected charge point: the @on handlers."""

    def __init__(self, cp_id: str, connection: TappedConnection, cs: "CentralSystem",
                 state: CpState):
        # The per-call timeout is enforced by the caller with asyncio.wait_for;
        # the library's own timeout is only a backstop.
        super().__init__(cp_id, connection, response_timeout=MAX_CALL_TIMEOUT)
        self._cs = cs
        self._state = state

    # -- Core profile, CP -> CS ------------------------------------------------

    @on(Action.boot_notification)
    def on_boot_notification(self, **kwargs):
        cfg = self._cs.config
        status = cfg["boot_status"]
        interval = (
            cfg["heartbeat_interval"]
            if status == RegistrationStatus.accepted.value
            else cfg["boot_interval"]
        )
        self._state.last_boot_status = status
        return call_result.BootNotification(
            current_time=utc_now_iso(), interval=interval, status=status
        )

    @on(Action.heartbeat)
    def on_heartbeat(self, **kwargs):
        return call_result.Heartbeat(current_time=utc_now_iso())

    @on(Action.authorize)
    def on_authorize(self, id_tag, **kwargs):
        return call_result.Authorize(id_tag_info=self._cs.id_tag_info(id_tag))

    @on(Action.start_transaction)
    def on_start_transaction(self, connector_id, id_tag, meter_start, timestamp,
                             reservation_id=None, **kwargs):
        info = self._cs.id_tag_info(id_tag)
        # OCPP 1.6 requires a transactionId even when the idTag is not accepted.
        known = self._cs.tx_log.take_start_id(self._state.cp_id) if self._cs.tx_log else None
        tx_id = known if known is not None else self._cs.next_transaction_id()
        if any(t["transaction_id"] == tx_id for t in self._state.transactions):
            # A re-delivered StartTransaction (--state): the same answer again.
            return call_result.StartTransaction(transaction_id=tx_id, id_tag_info=info)
        self._state.transactions.append(
            {
                "transaction_id": tx_id,
                "connector_id": connector_id,
                "id_tag": id_tag,
                "id_tag_status": info["status"],
                "meter_start": meter_start,
                "start_timestamp": timestamp,
                "reservation_id": reservation_id,
                "meter_stop": None,
                "stop_timestamp": None,
                "reason": None,
                "stop_id_tag": None,
                "active": True,
            }
        )
        return call_result.StartTransaction(transaction_id=tx_id, id_tag_info=info)

    @on(Action.stop_transaction)
    def on_stop_transaction(self, meter_stop, timestamp, transaction_id,
                            id_tag=None, reason=None, **kwargs):
        tx = next(
            (t for t in self._state.transactions if t["transaction_id"] == transaction_id),
            None,
        )
        if tx is None:
            # Unknown id (e.g. started against another CS or before a restart):
            # still record the stop so tests can see it.
            tx = {
                "transaction_id": transaction_id, "connector_id": None,
                "id_tag": None, "id_tag_status": None, "meter_start": None,
                "start_timestamp": None, "reservation_id": None,
            }
            self._state.transactions.append(tx)
        tx.update(
            meter_stop=meter_stop, stop_timestamp=timestamp, reason=reason,
            stop_id_tag=id_tag, active=False,
        )
        if id_tag is None:
            return call_result.StopTransaction()
        return call_result.StopTransaction(id_tag_info=self._cs.id_tag_info(id_tag))

    @on(Action.meter_values)
    def on_meter_values(self, **kwargs):
        return call_result.MeterValues()

    @on(Action.status_notification)
    def on_status_notification(self, **kwargs):
        return call_result.StatusNotification()

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id, message_id=None, data=None, **kwargs):
        if vendor_id != "dev-cs":
            return call_result.DataTransfer(status="UnknownVendorId")
        if message_id != "echo":
            return call_result.DataTransfer(status="UnknownMessageId")
        return call_result.DataTransfer(status="Accepted", data=data)

    # -- Firmware Management profile, CP -> CS ----------------------------------

    @on(Action.firmware_status_notification)
    def on_firmware_status_notification(self, **kwargs):
        return call_result.FirmwareStatusNotification()

    @on(Action.diagnostics_status_notification)
    def on_diagnostics_status_notification(self, **kwargs):
        return call_result.DiagnosticsStatusNotification()


class EventQueue(asyncio.Queue):
    """The pending events of one /events subscriber; None ends the stream."""

    def __init__(self, maxsize: int):
        super().__init__(maxsize)
        self.overflowed = False  # fell EVENT_QUEUE_DEPTH events behind
        self.ended = False  # the server is shutting down


@dataclasses.dataclass
class Session:
    """One live websocket connection of a charge point."""

    ws: ServerConnection
    conn: TappedConnection
    cp: DevChargePoint
    path: str


TRANSACTION_ACTIONS = ("StartTransaction", "MeterValues", "StopTransaction")


class TransactionLog:
    """The --state file: the transactionId counter and every transaction message received,
    kept across restarts (even SIGKILL) so that a restarted Central System neither reuses a
    transactionId nor forgets what it already accepted.

    A charge point resends a transaction message whose answer it did not get (OCPP 1.6
    allows it; each attempt has a new unique id). Such a re-delivery has the same payload:
    it is logged with ``duplicate_of`` (the index of the first one) and answered as the first
    was (a repeated StartTransaction gets the same transactionId), so each message counts
    once. The file is rewritten atomically (temporary file, fsync, rename) before the answer
    is sent.
    """

    def __init__(self, path: str):
        self.path = path
        self.tx_counter = 0
        self.received: list[dict] = []
        self.start_ids: dict[str, int] = {}
        self._first: dict[str, int] = {}
        self._pending_start: dict[str, int] = {}
        try:
            with open(path, encoding="utf-8") as f:
                saved = json.load(f)
        except FileNotFoundError:
            saved = {}
        self.tx_counter = int(saved.get("tx_counter", 0))
        self.start_ids = dict(saved.get("start_ids", {}))
        self.received = list(saved.get("received", []))
        for i, rec in enumerate(self.received):
            self._first.setdefault(self._key(rec["cp_id"], rec["action"], rec["payload"]), i)

    @staticmethod
    def _key(cp_id: str, action: str, payload: Any) -> str:
        return json.dumps([cp_id, action, payload], sort_keys=True, separators=(",", ":"))

    def next_transaction_id(self) -> int:
        self.tx_counter += 1
        return self.tx_counter

    def record(self, cp_id: str, action: str, unique_id: Any, payload: Any) -> None:
        key = self._key(cp_id, action, payload)
        first = self._first.get(key)
        if first is None:
            self._first[key] = len(self.received)
        record = {
            "cp_id": cp_id, "action": action, "unique_id": unique_id, "payload": payload,
            "ts": time.time(), "duplicate_of": first,
        }
        if action == "StartTransaction":
            if key not in self.start_ids:
                self.start_ids[key] = self.next_transaction_id()
            self._pending_start[cp_id] = record["transaction_id"] = self.start_ids[key]
        self.received.append(record)
        self.save()

    def take_start_id(self, cp_id: str) -> int | None:
        """The transactionId record() chose for the StartTransaction being answered."""
        return self._pending_start.pop(cp_id, None)

    def save(self) -> None:
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"tx_counter": self.tx_counter, "start_ids": self.start_ids,
                       "received": self.received}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


class CentralSystem:
    def __init__(self, args: argparse.Namespace):
        self.quiet = args.quiet
        self.require_subprotocol = not args.allow_no_subprotocol
        self.config: dict[str, Any] = {
            "boot_status": args.boot_status,
            "boot_interval": args.boot_interval,
            "heartbeat_interval": (
                args.heartbeat_interval
                if args.heartbeat_interval is not None
                else args.boot_interval
            ),
            "idtag_rules": dict(DEFAULT_IDTAG_RULES),
            # action -> fault spec, each consumed by the next matching CALL.
            "callerror_next": {},
            "drop_next": {},
        }
        self.cps: dict[str, CpState] = {}
        self._tx_counter = 0
        self.tx_log = TransactionLog(args.state) if args.state else None
        self._frames_log = open(args.frames_log, "a", encoding="utf-8") if args.frames_log else None
        self.stop_event = asyncio.Event()
        self._background: set[asyncio.Task] = set()
        self._subscribers: set[EventQueue] = set()
        # Set by amain once the servers are bound (the ports may be OS-picked).
        self.ws_url = ""
        self.control_port = 0
        root = Path(args.files_dir) if args.files_dir else Path(
            tempfile.mkdtemp(prefix="dev_cs_files_"))
        self.files = FileServer(root)
        # Security Profiles: Basic Auth passwords accepted (none: no check), wss:// files.
        self.passwords: list[str] = list(args.password or [])
        self.tls_files: dev_cs_tls.TlsFiles | None = None
        self.auth_failures: dict[str, int] = {}
        self.cleanup_dirs: list[Path] = []
        self.signing = dev_cs_security.CertificateSigning()

    # -- shared helpers ---------------------------------------------------------

    def state_for(self, cp_id: str) -> CpState:
        if cp_id not in self.cps:
            self.cps[cp_id] = CpState(cp_id)
        return self.cps[cp_id]

    def next_transaction_id(self) -> int:
        if self.tx_log is not None:
            return self.tx_log.next_transaction_id()
        self._tx_counter += 1
        return self._tx_counter

    def id_tag_info(self, id_tag: str) -> dict:
        # Longest matching prefix wins so a specific rule can override a broad one.
        rules = self.config["idtag_rules"]
        for prefix in sorted(rules, key=len, reverse=True):
            if id_tag.startswith(prefix):
                rule = rules[prefix]
                # Object rules were validated into idTagInfo shape by update_config.
                return dict(rule) if isinstance(rule, dict) else {"status": rule}
        return {"status": AuthorizationStatus.accepted.value}

    def status_of(self, st: CpState) -> dict:
        """The GET /status view of one charge point."""
        return {
            "cp_id": st.cp_id,
            "connected": st.session is not None,
            "connect_count": st.connect_count,
            "subprotocol": st.session.ws.subprotocol if st.session else None,
            "path": st.session.path if st.session else None,
            "last_boot_status": st.last_boot_status,
            # Upgrades refused with 401 (--password).
            "auth_failures": self.auth_failures.get(st.cp_id, 0),
        }

    def take_fault(self, kind: str, action: str) -> dict | None:
        return self.config[kind].pop(action, None)

    def log_frame(self, state: CpState, direction: str, frame: str, binary: bool = False) -> None:
        ts = time.time()
        state.frames.append({"ts": ts, "dir": direction, "frame": frame})
        record = {"ts": ts, "cp_id": state.cp_id, "dir": direction, "frame": frame}
        if binary:
            record["binary"] = True
        self.publish("frame", record)
        if self._frames_log is not None:
            self._frames_log.write(json.dumps(record) + "\n")
            self._frames_log.flush()
        if not self.quiet:
            stamp = datetime.fromtimestamp(ts).strftime("%H:%M:%S.%f")[:-3]
            print(f"[{stamp}] {state.cp_id} {direction} {frame}", flush=True)

    def event(self, text: str) -> None:
        if not self.quiet:
            print(f"# {text}", flush=True)

    # -- the live event stream (GET /events) ---------------------------------------

    def publish(self, kind: str, data: Any) -> None:
        """Hand one event to every /events subscriber (never blocks)."""
        for sub in list(self._subscribers):
            try:
                sub.put_nowait((kind, data))
            except asyncio.QueueFull:
                # Too far behind: end that stream rather than grow without bound.
                self._subscribers.discard(sub)
                sub.overflowed = True

    def subscribe(self) -> tuple["EventQueue", list[tuple[str, Any]]]:
        """A new subscriber and the replay it starts with.  Synchronous on
        purpose: no event can slip between the replay and the live queue."""
        replay: list[tuple[str, Any]] = [
            ("hello", {"ws_url": self.ws_url, "control_port": self.control_port,
                       "files_port": self.files.port}),
            ("config", self.config),
        ]
        for st in self.cps.values():
            replay.append(("cp", self.status_of(st)))
            replay.extend(("frame", {"cp_id": st.cp_id, **f}) for f in st.frames)
        sub = EventQueue(EVENT_QUEUE_DEPTH)
        self._subscribers.add(sub)
        return sub, replay

    def unsubscribe(self, sub: "EventQueue") -> None:
        self._subscribers.discard(sub)

    def end_streams(self) -> None:
        self.publish("shutdown", {})
        for sub in list(self._subscribers):
            sub.ended = True
            with contextlib.suppress(asyncio.QueueFull):
                sub.put_nowait(None)
        self._subscribers.clear()

    async def dispatch_firmware(self, route: str, req: dict) -> Any:
        return await _dispatch_firmware(self, route, req)

    def close(self) -> None:
        if self._frames_log is not None:
            self._frames_log.close()
            self._frames_log = None

    # -- websocket side ----------------------------------------------------------

    def select_subprotocol(self, connection: ServerConnection, offered):
        if OCPP_SUBPROTOCOL in offered:
            return OCPP_SUBPROTOCOL
        if self.require_subprotocol:
            # Raising aborts the handshake with HTTP 400, like a strict CS would.
            raise NegotiationError(f"subprotocol {OCPP_SUBPROTOCOL} required")
        return None

    def process_request(self, connection: ServerConnection, request):
        cp_id = cp_id_from_path(request.path)
        if cp_id is None:
            return connection.respond(HTTPStatus.NOT_FOUND, "charge point id missing in path\n")
        if self.passwords:
            refused = dev_cs_tls.check_basic_auth(connection, request, cp_id, self.passwords)
            if refused is not None:
                self.auth_failures[cp_id] = self.auth_failures.get(cp_id, 0) + 1
                self.event(f"{cp_id} refused: Basic Auth missing or wrong (401)")
                return refused
        return None

    async def ws_handler(self, ws: ServerConnection) -> None:
        path = ws.request.path
        cp_id = cp_id_from_path(path)
        state = self.state_for(cp_id)
        conn = TappedConnection(self, state, ws)
        session = Session(ws=ws, conn=conn, cp=DevChargePoint(cp_id, conn, self, state), path=path)

        old = state.session
        state.session = session
        state.connect_count += 1
        self.signing.saw_connection(cp_id, ws)
        self.event(f"{cp_id} connected path={path} subprotocol={ws.subprotocol}")
        self.publish("cp", self.status_of(state))
        if old is not None:
            # A reconnect with the same id replaces the old connection.  Close it
            # in the background so the new CP is served immediately.  Its waiters
            # are failed when its handler ends (below), after the messages it had
            # already received: the answer to a CALL that made the charge point
            # reconnect (a new AuthorizationKey) is often among them.
            self.event(f"{cp_id} replacing previous connection")
            task = asyncio.create_task(old.conn.close(1000, "replaced by new connection"))
            # Hold a reference: the loop only keeps weak references to tasks.
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        try:
            await session.cp.start()
        except ConnectionClosed:
            pass
        except Exception:  # keep serving other CPs whatever happens here
            LOG.exception("%s: connection handler failed", cp_id)
        finally:
            conn.fail_waiters()
            if state.session is session:
                state.session = None
                self.publish("cp", self.status_of(state))
            self.event(f"{cp_id} disconnected")

    def session_for(self, cp_id: str) -> Session:
        state = self.cps.get(cp_id)
        if state is None or state.session is None:
            raise ControlError(404, "NotConnected", f"charge point {cp_id!r} is not connected")
        return state.session

    # -- CS-initiated calls --------------------------------------------------------

    async def cs_call(self, cp_id: str, action: str, payload: dict, timeout: float,
                      validate: bool) -> dict:
        session = self.session_for(cp_id)
        unique_id = str(uuid.uuid4())
        dc = _as_call_dataclass(action, payload)

        if dc is None:
            # Not representable losslessly as an ocpp dataclass: use the same
            # library primitives call() uses, but with the payload verbatim.
            async def send():
                msg = Call(unique_id, action, payload)
                if validate:
                    await validate_payload(msg, "1.6")
                async with session.cp._call_lock:
                    await session.cp._send(msg.to_json())
                    response = await session.cp._get_specific_response(unique_id, MAX_CALL_TIMEOUT)
                if validate and response.message_type_id == MessageType.CallResult:
                    response.action = action  # as call() does, to pick the schema
                    await validate_payload(response, "1.6")
        else:
            async def send():
                await session.cp.call(
                    dc, suppress=False, unique_id=unique_id,
                    skip_schema_validation=not validate,
                )

        reply_fut = session.conn.expect_reply(unique_id, consume=False)
        task = asyncio.ensure_future(send())
        try:
            # Wake on the reply (or a disconnect, which fails reply_fut) as well
            # as on the library finishing, so a vanished CP doesn't cost `timeout`.
            await asyncio.wait({task, reply_fut}, timeout=timeout,
                               return_when=asyncio.FIRST_COMPLETED)
            if reply_fut.done() and reply_fut.exception() is None and not task.done():
                # Reply seen; let the library finish routing/validating it.
                await asyncio.wait({task}, timeout=HTTP_IO_TIMEOUT)
        finally:
            if not task.done():
                task.cancel()
            session.conn.forget_reply(unique_id, reply_fut)

        library_error = None
        if task.done() and not task.cancelled():
            library_error = task.exception()
        if reply_fut.done():
            if reply_fut.exception() is not None:
                raise ControlError(409, "Disconnected", str(reply_fut.exception()))
            return _reply_to_result(reply_fut.result(), library_error)
        if isinstance(library_error, ConnectionClosed):
            raise ControlError(409, "Disconnected", str(library_error))
        if library_error is not None:
            # The library refused before anything was sent (outgoing validation).
            # Its message omits which field is wrong, so name them ourselves.
            problems = _schema_problems(action, payload)
            if problems:
                why = f"{action} payload violates {action}.json: {'; '.join(problems)}"
            elif _call_schema(action) is None:
                why = f"{action!r} is not an OCPP 1.6 action (no {action}.json)"
            else:
                why = str(library_error)
            raise ControlError(
                400, "OutgoingValidation", f"{why}; pass \"validate\": false to send it anyway",
            )
        return _timeout_error(timeout, action)

    async def cs_raw(self, cp_id: str, frame: str, expect_reply: bool, timeout: float) -> dict:
        session = self.session_for(cp_id)
        unique_id = None
        try:
            parsed = json.loads(frame)
            if isinstance(parsed, list) and len(parsed) >= 2:
                unique_id = parsed[1]
        except ValueError:
            pass
        if not expect_reply:
            try:
                await session.conn.send(frame)
            except ConnectionClosed as e:
                raise ControlError(409, "Disconnected", str(e))
            return {"sent": True}
        reply_fut = session.conn.expect_reply(unique_id, consume=True)
        try:
            await session.conn.send(frame)
            reply = await asyncio.wait_for(reply_fut, timeout)
        except asyncio.TimeoutError:
            return _timeout_error(timeout, "raw frame")
        except (ConnectionError, ConnectionClosed) as e:
            raise ControlError(409, "Disconnected", str(e))
        finally:
            session.conn.forget_reply(unique_id, reply_fut)
        return {"reply": reply}

    # -- runtime configuration -------------------------------------------------------

    def update_config(self, body: dict) -> dict:
        # Work on a copy and commit at the end, so a rejected request (HTTP 400)
        # never leaves half of its settings applied.
        cfg = copy.deepcopy(self.config)
        unknown = set(body) - {
            "boot_status", "boot_interval", "heartbeat_interval", "idtag_rules",
            "callerror_next", "drop_next",
        }
        if unknown:
            raise ControlError(400, "BadRequest", f"unknown config keys: {sorted(unknown)}")
        if "boot_status" in body:
            if not isinstance(body["boot_status"], str) or body["boot_status"] not in REGISTRATION_STATUSES:
                raise ControlError(400, "BadRequest", f"boot_status must be one of {sorted(REGISTRATION_STATUSES)}")
            cfg["boot_status"] = body["boot_status"]
        for key in ("boot_interval", "heartbeat_interval"):
            if key in body:
                if not isinstance(body[key], int) or isinstance(body[key], bool) or body[key] < 0:
                    raise ControlError(400, "BadRequest", f"{key} must be a non-negative integer")
                cfg[key] = body[key]
        if "idtag_rules" in body:
            rules = body["idtag_rules"]
            if not isinstance(rules, dict):
                raise ControlError(400, "BadRequest", "idtag_rules must be an object")
            for prefix, rule in rules.items():
                if rule is None:
                    cfg["idtag_rules"].pop(prefix, None)  # null removes a rule
                else:
                    cfg["idtag_rules"][prefix] = _check_idtag_rule(prefix, rule)
        for kind in ("callerror_next", "drop_next"):
            if kind not in body:
                continue
            if body[kind] is None:  # null clears all pending faults of this kind
                cfg[kind].clear()
                continue
            specs = body[kind] if isinstance(body[kind], list) else [body[kind]]
            for spec in specs:
                if not isinstance(spec, dict) or not isinstance(spec.get("action"), str):
                    raise ControlError(400, "BadRequest", f"{kind} needs an object with \"action\"")
                if kind == "callerror_next":
                    cfg[kind][spec["action"]] = {
                        "code": spec.get("code", "InternalError"),
                        "description": spec.get("description", ""),
                        "details": spec.get("details", {}),
                    }
                else:
                    cfg[kind][spec["action"]] = {}
        self.config = cfg
        self.publish("config", cfg)
        return cfg

    # -- control API -------------------------------------------------------------------

    async def handle_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        shutdown = False
        content_type, extra = "application/json", {}
        try:
            method, target, headers, body = await asyncio.wait_for(
                _read_http_request(reader), HTTP_IO_TIMEOUT)
            _check_loopback_request(headers, self.control_port)
            path = urlsplit(target).path
            if method == "GET" and path == "/events":
                await self.serve_events(reader, writer)
                return
            if method == "GET" and path in ("/", "/console"):
                status, content_type, payload = 302, "text/plain", b"see /console/\n"
                extra = {"Location": "/console/"}
            elif method == "GET" and path.startswith("/console/"):
                status = 200
                content_type, payload = _console_file(path[len("/console/"):])
                extra = {"Cache-Control": "no-store"}  # edits show on reload
            else:
                status, payload = 200, json.dumps(await self.dispatch(method, target, body)).encode()
            shutdown = (method, path) == ("POST", "/shutdown")
        except ControlError as e:
            status, obj = e.status, {"error": {"code": e.code, "description": e.description}}
            content_type, extra, payload = "application/json", {}, json.dumps(obj).encode()
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
            status, obj = 400, {"error": {"code": "BadRequest", "description": f"malformed HTTP request: {e!r}"}}
            content_type, extra, payload = "application/json", {}, json.dumps(obj).encode()
        except Exception as e:
            LOG.exception("control request failed")
            status, obj = 500, {"error": {"code": "InternalError", "description": repr(e)}}
            content_type, extra, payload = "application/json", {}, json.dumps(obj).encode()
        try:
            head = (
                f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
                f"Content-Type: {content_type}\r\n"
                f"Content-Length: {len(payload)}\r\n"
                + "".join(f"{k}: {v}\r\n" for k, v in extra.items())
                + "Connection: close\r\n\r\n"
            ).encode()
            writer.write(head + payload)
            await asyncio.wait_for(writer.drain(), HTTP_IO_TIMEOUT)
        except (ConnectionError, asyncio.TimeoutError):
            pass
        finally:
            writer.close()
        # Stop only after the reply is out, so the caller sees a clean answer.
        if shutdown:
            self.stop_event.set()

    async def serve_events(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """GET /events: the replay, then live events, until the subscriber goes,
        falls too far behind, or the server stops."""
        sub, replay = self.subscribe()
        # The subscriber never sends anything after its request: EOF means it left.
        gone = asyncio.ensure_future(reader.read(1))
        try:
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                b"Cache-Control: no-store\r\nConnection: close\r\n\r\n"
                b"retry: 1000\n\n"
            )
            for i, (kind, data) in enumerate(replay):
                writer.write(_sse(kind, data))
                if i % 500 == 499:
                    await asyncio.wait_for(writer.drain(), HTTP_IO_TIMEOUT)
            await asyncio.wait_for(writer.drain(), HTTP_IO_TIMEOUT)
            while not (sub.ended or sub.overflowed or gone.done()):
                next_item = asyncio.ensure_future(sub.get())
                await asyncio.wait({next_item, gone}, timeout=EVENT_KEEPALIVE,
                                   return_when=asyncio.FIRST_COMPLETED)
                if not next_item.done():
                    next_item.cancel()
                    writer.write(b": keepalive\n\n")
                else:
                    item = next_item.result()
                    if item is None:
                        break
                    writer.write(_sse(*item))
                    # Send what else is already queued in the same write.
                    while not sub.empty():
                        item = sub.get_nowait()
                        if item is None:
                            break
                        writer.write(_sse(*item))
                await asyncio.wait_for(writer.drain(), HTTP_IO_TIMEOUT)
        except (ConnectionError, asyncio.TimeoutError):
            pass
        finally:
            self.unsubscribe(sub)
            gone.cancel()
            writer.close()

    async def dispatch(self, method: str, target: str, body: bytes) -> Any:
        url = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        route = (method, url.path.rstrip("/") or "/")

        if route == ("GET", "/cps"):
            return sorted(cp for cp, st in self.cps.items() if st.session is not None)
        if route == ("GET", "/config"):
            return self.config
        if route == ("GET", "/files"):
            return self.files.info()
        if route == ("GET", "/downloads"):
            return self.files.downloads
        if route == ("GET", "/uploads"):
            return self.files.uploads
        if route == ("GET", "/firmware_signing"):
            return self.files.signer.info()
        if route == ("GET", "/tls/certificate"):
            if self.tls_files is None:
                raise ControlError(400, "NotTls", "the dev CS was started without --tls")
            try:
                return dev_cs_tls.certificate_info(self.tls_files, query.get("name", "ca"))
            except (ValueError, OSError) as e:
                raise ControlError(404, "NotFound", str(e)) from e
        if route in (("GET", "/client_certificates"), ("GET", "/signed_certificates")):
            return await dev_cs_security.dispatch(self, "GET", route[1], query, {})
        if method == "GET" and route[1] in ("/messages", "/transactions", "/frames", "/status"):
            cp_id = query.get("cp_id")
            if not cp_id:
                raise ControlError(400, "BadRequest", "cp_id query parameter required")
            st = self.cps.get(cp_id) or CpState(cp_id)  # unknown id -> empty views
            if route[1] == "/messages":
                action = query.get("action")
                return [m for m in st.messages if action is None or m["action"] == action]
            if route[1] == "/transactions":
                return st.transactions
            if route[1] == "/frames":
                return list(st.frames)
            return self.status_of(st)

        if method != "POST":
            raise ControlError(404, "NotFound", f"no route {method} {url.path}")
        try:
            req = json.loads(body or b"{}")
        except ValueError as e:
            raise ControlError(400, "BadRequest", f"body is not JSON: {e}")
        if not isinstance(req, dict):
            raise ControlError(400, "BadRequest", "body must be a JSON object")

        if route[1] == "/call":
            action, payload = req.get("action"), req.get("payload", {})
            if not isinstance(action, str) or not isinstance(payload, dict):
                raise ControlError(400, "BadRequest", "need \"action\" (string) and \"payload\" (object)")
            return await self.cs_call(
                _need_cp_id(req), action, payload,
                _timeout(req.get("timeout", 10)), bool(req.get("validate", True)),
            )
        if route[1] == "/raw":
            frame = req.get("frame")
            if not isinstance(frame, str):
                raise ControlError(400, "BadRequest", "need \"frame\" (string)")
            return await self.cs_raw(
                _need_cp_id(req), frame, bool(req.get("expect_reply", True)),
                _timeout(req.get("timeout", 5)),
            )
        if route[1] == "/config":
            return self.update_config(req)
        if route[1] == "/disconnect":
            session = self.session_for(_need_cp_id(req))
            await asyncio.wait_for(
                session.conn.close(int(req.get("code", 1000)), str(req.get("reason", ""))),
                HTTP_IO_TIMEOUT,
            )
            return {"disconnected": True}
        if route[1] == "/shutdown":
            return {"shutting_down": True}
        if route[1] in ("/firmware", "/file_faults", "/update_firmware", "/get_diagnostics",
                        "/signed_update_firmware"):
            return await self.dispatch_firmware(route[1], req)
        if route[1] == "/certificate_signed":
            try:
                return await dev_cs_security.dispatch(self, "POST", route[1], query, req)
            except ValueError as e:
                raise ControlError(400, "BadRequest", str(e))
        raise ControlError(404, "NotFound", f"no route {method} {url.path}")


async def _dispatch_firmware(cs: "CentralSystem", route: str, req: dict) -> Any:
    """The Firmware Management routes of the control API (CONTROL_API)."""
    files = cs.files
    try:
        if route == "/firmware":
            name = req.get("name")
            if not isinstance(name, str):
                raise ValueError('need "name"')
            if "data_b64" in req:
                data = base64.b64decode(req["data_b64"], validate=True)
            else:
                size, seed = req.get("size"), req.get("seed", 1)
                if not isinstance(size, int) or not 0 <= size <= 64 * 1024 * 1024:
                    raise ValueError('need "data_b64" or "size" (0..64 MiB)')
                data = _pseudo_random(size, int(seed))
            return files.add_image(name, data)
        if route == "/file_faults":
            return files.set_faults(req.get("faults", []), req.get("chunked"))
        if route == "/signed_update_firmware":
            payload = files.signed_update_payload(req)
    except (ValueError, TypeError) as e:
        raise ControlError(400, "BadRequest", str(e))
    timeout = _timeout(req.get("timeout", 10))
    if route == "/signed_update_firmware":
        if req.get("payload_only"):
            return {"payload": payload}
        return await cs.cs_call(_need_cp_id(req), "SignedUpdateFirmware", payload, timeout, True)
    optional = {"retries": "retries", "retry_interval": "retryInterval"}
    if route == "/update_firmware":
        location = req.get("location") or (
            files.url(f"/firmware/{req['image']}") if isinstance(req.get("image"), str) else None)
        if not isinstance(location, str):
            raise ControlError(400, "BadRequest", 'need "image" or "location"')
        payload = {"location": location, "retrieveDate": req.get("retrieve_date") or utc_now_iso()}
        action = "UpdateFirmware"
    else:
        payload = {"location": req.get("location") or files.url("/diagnostics/")}
        optional.update({"start_time": "startTime", "stop_time": "stopTime"})
        action = "GetDiagnostics"
    for key, member in optional.items():
        if req.get(key) is not None:
            payload[member] = req[key]
    return await cs.cs_call(_need_cp_id(req), action, payload, timeout, True)


def _pseudo_random(size: int, seed: int) -> bytes:
    """Deterministic bytes (SHA-256 in counter mode): an image both sides can recompute."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(b"%d:%d" % (seed, counter)).digest()
        counter += 1
    return bytes(out[:size])


def _need_cp_id(req: dict) -> str:
    cp_id = req.get("cp_id")
    if not isinstance(cp_id, str) or not cp_id:
        raise ControlError(400, "BadRequest", "need \"cp_id\" (string)")
    return cp_id


def _check_idtag_rule(prefix: str, rule: Any) -> str | dict:
    """Validate one idtag_rules value: a status string (the original form) or an
    idTagInfo-shaped object.  Returned as stored; raises ControlError (400)."""
    where = f"idtag_rules[{prefix!r}]"
    statuses = sorted(AUTHORIZATION_STATUSES)
    if isinstance(rule, str):
        if rule not in AUTHORIZATION_STATUSES:
            raise ControlError(400, "BadRequest", f"{where}: status {rule!r} is not one of {statuses}")
        return rule
    if not isinstance(rule, dict):
        raise ControlError(400, "BadRequest", f"{where} must be a status string, an object or null")
    unknown = set(rule) - IDTAG_RULE_KEYS
    if unknown:
        raise ControlError(400, "BadRequest",
                           f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(IDTAG_RULE_KEYS)})")
    status = rule.get("status")
    if not isinstance(status, str) or status not in AUTHORIZATION_STATUSES:
        raise ControlError(400, "BadRequest",
                           f"{where}: \"status\" is required and must be one of {statuses}")
    parent = rule.get("parentIdTag")
    if parent is not None and (not isinstance(parent, str) or len(parent) > MAX_ID_TOKEN_LEN):
        raise ControlError(400, "BadRequest",
                           f"{where}: parentIdTag must be a string of at most {MAX_ID_TOKEN_LEN} characters")
    expiry = rule.get("expiryDate")
    if expiry is not None and not _is_date_time(expiry):
        raise ControlError(400, "BadRequest",
                           f"{where}: expiryDate must be an RFC 3339 date-time such as "
                           f"\"2030-01-01T00:00:00Z\", got {expiry!r}")
    # Drop explicit nulls: "absent" is how optional idTagInfo fields are omitted.
    return {k: v for k, v in rule.items() if v is not None}


def _is_date_time(value: Any) -> bool:
    if not isinstance(value, str) or not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))  # range check
    except ValueError:
        return False
    return True


def _timeout(value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise ControlError(400, "BadRequest", "timeout must be a positive number")
    return min(float(value), MAX_CALL_TIMEOUT)


def _timeout_error(timeout: float, what: str) -> dict:
    return {"error": {"code": "Timeout", "description": f"no reply to {what} within {timeout}s", "details": {}}}


def _as_call_dataclass(action: str, payload: dict):
    """Build the ocpp.v16.call dataclass for `payload`, or None if that would
    alter the JSON on the wire (the library's camel/snake key conversion and
    None-stripping are not lossless for arbitrary test payloads)."""
    cls = getattr(v16_call, action, None)
    if cls is None or not dataclasses.is_dataclass(cls):
        return None
    try:
        dc = cls(**camel_to_snake_case(payload))
        wire = remove_nones(snake_to_camel_case(serialize_as_dict(dc)))
    except Exception:
        return None
    return dc if wire == payload else None


@functools.lru_cache(maxsize=128)  # bounded: action names come from clients
def _call_schema(action: str) -> Draft4Validator | None:
    if not re.fullmatch(r"[A-Za-z]+", action):  # action names only, never a path
        return None
    # Our own copy of the package's schema: the library caches its validators
    # per action regardless of float parsing, so borrowing them could change
    # how it validates later calls.
    res = importlib.resources.files("ocpp.v16").joinpath("schemas", f"{action}.json")
    if not res.is_file():
        return None
    return Draft4Validator(json.loads(res.read_text(encoding="utf-8-sig"),
                                      parse_float=decimal.Decimal))


def _schema_problems(action: str, payload: dict) -> list[str]:
    """Human-readable "field: problem" list for a CALL payload ([] if fine or
    if there is no such action)."""
    validator = _call_schema(action)
    if validator is None:
        return []
    instance = json.loads(json.dumps(payload), parse_float=decimal.Decimal)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<payload>'}: {e.message}" for e in errors]


def _reply_to_result(raw: str, library_error: BaseException | None) -> dict:
    """Turn the CP's raw reply into the control API result.

    The payload is taken from the raw frame rather than the library's return
    value, which is a dataclass after a lossy camel->snake conversion.
    """
    msg = json.loads(raw)
    if msg[0] == MessageType.CallError:
        padded = list(msg) + [None] * 5
        return {"error": {"code": padded[2], "description": padded[3], "details": padded[4]}}
    result: dict[str, Any] = {"result": msg[2] if len(msg) > 2 else None}
    if isinstance(library_error, OCPPError):
        # The library rejected a CALLRESULT that violates the response schema.
        result["schema_error"] = str(library_error)
    return result


async def _read_http_request(reader: asyncio.StreamReader) -> tuple[str, str, dict, bytes]:
    """(method, target, headers with lower-case names, body)."""
    request_line = (await reader.readline()).decode("latin-1").strip()
    parts = request_line.split()
    if len(parts) != 3:
        raise ValueError(f"bad request line {request_line!r}")
    method, target = parts[0].upper(), parts[1]
    headers: dict[str, str] = {}
    for _ in range(100):  # bounded header count
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    if length < 0 or length > MAX_HTTP_BODY:
        raise ValueError("bad Content-Length")
    body = await reader.readexactly(length) if length else b""
    return method, target, headers, body


def _check_loopback_request(headers: dict, control_port: int) -> None:
    """Refuse what a web page elsewhere could make a browser send here: a Host
    that is not a loopback name (DNS rebinding) or a foreign Origin (a
    cross-site POST /call).  Clients that send neither header pass."""
    host = headers.get("host")
    if host is not None and urlsplit(f"http://{host}").hostname not in LOOPBACK_NAMES:
        raise ControlError(403, "Forbidden", f"Host {host!r} is not a loopback address")
    origin = headers.get("origin")
    if origin is None:
        return
    try:
        url = urlsplit(origin)
        same = (url.scheme == "http" and url.hostname in LOOPBACK_NAMES
                and url.port == control_port)
    except ValueError:
        same = False
    if not same:
        raise ControlError(403, "Forbidden", f"requests from {origin!r} are not allowed")


def _console_file(name: str) -> tuple[str, bytes]:
    """(Content-Type, bytes) of one web console file; 404 for anything else."""
    name = name or "index.html"
    path = CONSOLE_DIR / name
    if not _CONSOLE_NAME.match(name) or not path.is_file():
        raise ControlError(404, "NotFound", f"no console file {name!r}")
    return CONSOLE_TYPES[path.suffix], path.read_bytes()


def _sse(kind: str, data: Any) -> bytes:
    """One server-sent event (json.dumps never emits a newline)."""
    return f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()


async def amain(args: argparse.Namespace) -> int:
    cs = CentralSystem(args)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, cs.stop_event.set)

    ping = args.ping_interval if args.ping_interval > 0 else None
    ssl_context = None
    if args.tls:
        if args.tls_dir:
            tls_dir = Path(args.tls_dir)
        else:
            # Removed at exit: generated keys never outlive the process.
            tls_dir = Path(tempfile.mkdtemp(prefix="dev_cs_tls_"))
            cs.cleanup_dirs.append(tls_dir)
        # A directory that has certificates already (a build embedded its CA) is reused.
        cs.tls_files = (dev_cs_tls.TlsFiles(tls_dir) if (tls_dir / "ca.pem").exists()
                        else dev_cs_tls.generate(tls_dir))
        ssl_context = dev_cs_tls.server_context(cs.tls_files, args.server_cert,
                                                args.require_client_cert)
    ws_server = await serve(
        cs.ws_handler, args.host, args.port,
        subprotocols=[OCPP_SUBPROTOCOL],
        select_subprotocol=cs.select_subprotocol,
        process_request=cs.process_request,
        ping_interval=ping, ping_timeout=ping,
        close_timeout=5,
        ssl=ssl_context,
    )
    ctl_server = await asyncio.start_server(cs.handle_http, "127.0.0.1", args.control_port)
    files_port = await cs.files.start("127.0.0.1", args.files_port)
    ws_port = ws_server.sockets[0].getsockname()[1]
    ctl_port = ctl_server.sockets[0].getsockname()[1]
    ws_host = f"[{args.host}]" if ":" in args.host else args.host
    scheme = "wss" if args.tls else "ws"
    cs.ws_url, cs.control_port = f"{scheme}://{ws_host}:{ws_port}/ocpp", ctl_port
    tls_fields = ""
    if cs.tls_files is not None:
        tls_fields = (f" ca={cs.tls_files.ca} client_cert={cs.tls_files.client_cert}"
                      f" client_key={cs.tls_files.client_key} tls_dir={cs.tls_files.dir}")
    print(f"DEV_CS_READY ws_port={ws_port} control_port={ctl_port} files_port={files_port}"
          f"{tls_fields}", flush=True)
    cs.event(f"web console on http://127.0.0.1:{ctl_port}/")

    try:
        await cs.stop_event.wait()
    finally:
        cs.event("shutting down")
        cs.end_streams()
        ctl_server.close()
        cs.files.close()
        ws_server.close()  # closes every CP connection with 1001 (going away)
        try:
            await asyncio.wait_for(ws_server.wait_closed(), 6)
        except asyncio.TimeoutError:
            LOG.warning("websocket server did not close in time")
        cs.close()
        for d in cs.cleanup_dirs:
            shutil.rmtree(d, ignore_errors=True)
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Development OCPP 1.6J Central System.",
        epilog="Control API (HTTP/JSON on 127.0.0.1:<control-port>):\n" + CONTROL_API,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="websocket bind address")
    p.add_argument("--port", type=int, default=9000, help="websocket port (0 = pick a free one)")
    p.add_argument("--control-port", type=int, default=9001, help="control API port on 127.0.0.1 (0 = free)")
    p.add_argument("--frames-log", metavar="FILE.jsonl", help="append every frame as a JSON line")
    p.add_argument("--files-port", type=int, default=0,
                   help="firmware/diagnostics HTTP port on 127.0.0.1 (0 = free; reported as "
                        "files_port in the READY line)")
    p.add_argument("--files-dir", metavar="DIR",
                   help="where images and uploads live (default: a new temporary directory)")
    p.add_argument("--boot-status", choices=sorted(REGISTRATION_STATUSES), default="Accepted")
    p.add_argument("--boot-interval", type=int, default=300,
                   help="BootNotification.conf interval (also the heartbeat interval "
                        "when Accepted, unless --heartbeat-interval is given)")
    p.add_argument("--heartbeat-interval", type=int, default=None,
                   help="interval returned when the boot status is Accepted")
    p.add_argument("--ping-interval", type=float, default=20,
                   help="websocket ping interval/timeout in seconds (0 disables pings)")
    p.add_argument("--allow-no-subprotocol", action="store_true",
                   help="accept clients that do not offer the ocpp1.6 subprotocol")
    p.add_argument("--quiet", action="store_true", help="do not print frames to stdout")
    sec = p.add_argument_group("Security Profiles (tools/dev_cs_tls.py)")
    sec.add_argument("--tls", action="store_true",
                     help="serve wss:// with certificates generated at start (CA path in the "
                          "READY line as ca=..., client certificate as client_cert=/client_key=)")
    sec.add_argument("--tls-dir", metavar="DIR",
                     help="where the certificates are generated (default: a new temporary "
                          "directory); one holding ca.pem already is used as it is")
    sec.add_argument("--server-cert", choices=dev_cs_tls.SERVER_CERTS, default="good",
                     help="the certificate presented: good, expired, wrong-host (for wrong.example) "
                          "or ca2 (signed by the second CA, ca2.pem)")
    sec.add_argument("--require-client-cert", action="store_true",
                     help="require a client certificate signed by the CA (Security Profile 3)")
    sec.add_argument("--password", action="append", metavar="KEY",
                     help="require HTTP Basic Auth (user = charge point id) with this password; "
                          "repeat to accept several (Security Profiles 1 and 2)")
    p.add_argument("--state", metavar="FILE.json",
                   help="keep the transactionId counter and a log of the transaction messages "
                        "received in FILE across restarts; re-deliveries are answered as the "
                        "first delivery and marked duplicate_of")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return asyncio.run(amain(args))


if __name__ == "__main__":
    sys.exit(main())
