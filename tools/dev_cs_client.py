"""Stdlib-only helpers for the development Central System (tools/dev_cs.py).

* ``DevCsClient`` talks to a running dev CS's HTTP/JSON control API.
* ``DevCsServer`` additionally launches dev_cs.py as a subprocess (ports
  picked by the OS), waits for its READY line and shuts it down again.

Usable from pytest (tests/cs/conftest.py) as well as from any Python driver
of Rust/C test harnesses::

    from dev_cs_client import DevCsServer
    with DevCsServer.start(frames_log="frames.jsonl") as cs:
        run_charge_point(cs.url_for("zephyr"))
        cs.wait_for_message("zephyr", "BootNotification")
        print(cs.call("zephyr", "Reset", {"type": "Soft"}))
        print(cs.trigger_message("zephyr", "StatusNotification", connector_id=1))

and from a shell, against a dev CS that is already running::

    python3 tools/dev_cs_client.py --control-port 9001 trigger zephyr Heartbeat
    python3 tools/dev_cs_client.py --control-port 9001 send-local-list zephyr 1 Full \
        '[{"idTag": "ABC", "idTagInfo": {"status": "Accepted"}}]'

(``--help`` lists the commands; each prints the control API's JSON answer.)
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

DEV_CS_PATH = Path(__file__).resolve().with_name("dev_cs.py")
READY_RE = re.compile(
    r"^DEV_CS_READY ws_port=(\d+) control_port=(\d+)(?: files_port=(\d+))?((?: \S+=\S+)*)\s*$")

# Extra seconds the HTTP request may take beyond the OCPP-level timeout it
# carries, so the server's own Timeout answer arrives before urllib gives up.
_HTTP_SLACK = 5.0


class DevCsError(Exception):
    """The control API answered with a non-200 status (bad request, CP not
    connected, ...).  ``body`` holds the decoded JSON error object if any."""

    def __init__(self, status: int, body: Any):
        super().__init__(f"dev CS control API returned HTTP {status}: {body}")
        self.status = status
        self.body = body


class DevCsClient:
    """Client for the dev CS control API on 127.0.0.1:<control_port>."""

    def __init__(self, control_port: int, ws_port: int | None = None, host: str = "127.0.0.1"):
        self.host = host
        self.control_port = control_port
        self.ws_port = ws_port

    # -- URLs -------------------------------------------------------------------

    @property
    def ws_url(self) -> str:
        """Base websocket URL; append ``/<cp_id>`` (or use ``url_for``)."""
        scheme = "wss" if getattr(self, "ready_fields", {}).get("ca") else "ws"
        return f"{scheme}://{self.host}:{self.ws_port}/ocpp"

    def url_for(self, cp_id: str) -> str:
        return f"{self.ws_url}/{urllib.parse.quote(cp_id, safe='')}"

    # -- HTTP plumbing ---------------------------------------------------------------

    def _request(self, method: str, path: str, body: Any = None, timeout: float = 10.0) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.control_port}{path}", data=data, method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode("utf-8", "replace")
            raise DevCsError(e.code, parsed) from None

    def _get(self, path: str, **query: Any) -> Any:
        q = {k: v for k, v in query.items() if v is not None}
        return self._request("GET", path + ("?" + urllib.parse.urlencode(q) if q else ""))

    # -- control API -------------------------------------------------------------

    def cps(self) -> list[str]:
        """Currently connected charge point ids."""
        return self._get("/cps")

    def status(self, cp_id: str) -> dict:
        return self._get("/status", cp_id=cp_id)

    def messages(self, cp_id: str, action: str | None = None) -> list[dict]:
        """CP->CS CALLs received, in order: {"action","payload","unique_id","ts"}."""
        return self._get("/messages", cp_id=cp_id, action=action)

    def transactions(self, cp_id: str) -> list[dict]:
        return self._get("/transactions", cp_id=cp_id)

    def frames(self, cp_id: str) -> list[dict]:
        """Every frame in both directions: {"ts","dir","frame"}."""
        return self._get("/frames", cp_id=cp_id)

    def get_config(self) -> dict:
        return self._get("/config")

    def config(self, **settings: Any) -> dict:
        """POST /config, e.g. config(boot_status="Pending", boot_interval=2)."""
        return self._request("POST", "/config", settings)

    def call(self, cp_id: str, action: str, payload: dict | None = None,
             timeout: float = 10.0, validate: bool = True) -> dict:
        """CS->CP CALL.  Returns {"result": {...}} or {"error": {...}}
        (error code "Timeout" if the CP did not answer in time)."""
        body = {"cp_id": cp_id, "action": action, "payload": payload or {},
                "timeout": timeout, "validate": validate}
        return self._request("POST", "/call", body, timeout=timeout + _HTTP_SLACK)

    # -- profile commands: thin wrappers over call() -------------------------------
    #
    # They only build the OCPP payload; /call stays the single place that sends
    # CS->CP CALLs (and validates them: a schema-invalid payload is HTTP 400,
    # raised as DevCsError).  Use call() directly for deliberately odd payloads.

    def trigger_message(self, cp_id: str, requested_message: str,
                        connector_id: int | None = None, timeout: float = 10.0) -> dict:
        """Remote Trigger: TriggerMessage.req."""
        payload: dict[str, Any] = {"requestedMessage": requested_message}
        if connector_id is not None:
            payload["connectorId"] = connector_id
        return self.call(cp_id, "TriggerMessage", payload, timeout=timeout)

    def reserve_now(self, cp_id: str, connector_id: int, expiry_date: datetime | str,
                    id_tag: str, reservation_id: int, parent_id_tag: str | None = None,
                    timeout: float = 10.0) -> dict:
        """Reservation: ReserveNow.req.  `expiry_date` (aware datetime or ISO 8601
        string with an offset) is sent in UTC with a 'Z' suffix."""
        payload: dict[str, Any] = {
            "connectorId": connector_id, "expiryDate": ocpp_utc(expiry_date),
            "idTag": id_tag, "reservationId": reservation_id,
        }
        if parent_id_tag is not None:
            payload["parentIdTag"] = parent_id_tag
        return self.call(cp_id, "ReserveNow", payload, timeout=timeout)

    def cancel_reservation(self, cp_id: str, reservation_id: int, timeout: float = 10.0) -> dict:
        """Reservation: CancelReservation.req."""
        return self.call(cp_id, "CancelReservation", {"reservationId": reservation_id},
                         timeout=timeout)

    def send_local_list(self, cp_id: str, list_version: int, update_type: str,
                        entries: list[dict], timeout: float = 10.0) -> dict:
        """Local Auth List Management: SendLocalList.req.

        `entries` become localAuthorizationList verbatim: ``{"idTag": ...,
        "idTagInfo": {...}}`` adds/updates, a bare ``{"idTag": ...}`` deletes that
        entry in a Differential update.  (OCPP wants idTagInfo on every entry of a
        Full update; that is left to the charge point to enforce.)"""
        payload = {"listVersion": list_version, "updateType": update_type,
                   "localAuthorizationList": list(entries)}
        return self.call(cp_id, "SendLocalList", payload, timeout=timeout)

    def get_local_list_version(self, cp_id: str, timeout: float = 10.0) -> dict:
        """Local Auth List Management: GetLocalListVersion.req."""
        return self.call(cp_id, "GetLocalListVersion", {}, timeout=timeout)

    def set_charging_profile(self, cp_id: str, connector_id: int, profile: dict,
                             timeout: float = 10.0) -> dict:
        """Smart Charging: SetChargingProfile.req; `profile` is csChargingProfiles verbatim
        (chargingProfileId, stackLevel, chargingProfilePurpose, chargingProfileKind,
        chargingSchedule, ...)."""
        payload = {"connectorId": connector_id, "csChargingProfiles": profile}
        return self.call(cp_id, "SetChargingProfile", payload, timeout=timeout)

    def clear_charging_profile(self, cp_id: str, profile_id: int | None = None,
                               connector_id: int | None = None, purpose: str | None = None,
                               stack_level: int | None = None, timeout: float = 10.0) -> dict:
        """Smart Charging: ClearChargingProfile.req; every criterion is optional (none: all)."""
        payload: dict[str, Any] = {}
        for key, value in (("id", profile_id), ("connectorId", connector_id),
                           ("chargingProfilePurpose", purpose), ("stackLevel", stack_level)):
            if value is not None:
                payload[key] = value
        return self.call(cp_id, "ClearChargingProfile", payload, timeout=timeout)

    def get_composite_schedule(self, cp_id: str, connector_id: int, duration: int,
                               charging_rate_unit: str | None = None,
                               timeout: float = 10.0) -> dict:
        """Smart Charging: GetCompositeSchedule.req (`duration` in seconds, unit A or W)."""
        payload: dict[str, Any] = {"connectorId": connector_id, "duration": duration}
        if charging_rate_unit is not None:
            payload["chargingRateUnit"] = charging_rate_unit
        return self.call(cp_id, "GetCompositeSchedule", payload, timeout=timeout)

    # -- Firmware Management (the file server: see tools/dev_cs_files.py) ------------

    def files(self) -> dict:
        """{"port","root","faults","chunked","diagnostics_url"} of the file server."""
        return self._request("GET", "/files")

    def add_firmware(self, name: str, data: bytes | None = None, size: int | None = None,
                     seed: int = 1) -> dict:
        """Serves an image (`data`, or `size` deterministic bytes); {"name","size","sha256","url"}."""
        import base64
        body: dict[str, Any] = {"name": name}
        if data is not None:
            body["data_b64"] = base64.b64encode(data).decode()
        else:
            body.update({"size": size, "seed": seed})
        return self._request("POST", "/firmware", body, timeout=30.0)

    def file_faults(self, faults: list[dict], chunked: bool | None = None) -> dict:
        """Faults for the next image GETs: [{"drop_after": N} | {"status": code}, ...]."""
        body: dict[str, Any] = {"faults": faults}
        if chunked is not None:
            body["chunked"] = chunked
        return self._request("POST", "/file_faults", body)

    def downloads(self) -> list[dict]:
        return self._request("GET", "/downloads")

    def uploads(self) -> list[dict]:
        return self._request("GET", "/uploads")

    def update_firmware(self, cp_id: str, image: str | None = None, location: str | None = None,
                        retrieve_date: datetime | str | None = None, retries: int | None = None,
                        retry_interval: int | None = None, timeout: float = 10.0) -> dict:
        """UpdateFirmware.req for an image of the file server (or any `location`)."""
        body: dict[str, Any] = {"cp_id": cp_id, "image": image, "location": location,
                                "retries": retries, "retry_interval": retry_interval,
                                "timeout": timeout}
        if retrieve_date is not None:
            body["retrieve_date"] = ocpp_utc(retrieve_date)
        return self._request("POST", "/update_firmware", body, timeout=timeout + _HTTP_SLACK)

    def get_diagnostics(self, cp_id: str, location: str | None = None, retries: int | None = None,
                        retry_interval: int | None = None, start_time: datetime | str | None = None,
                        stop_time: datetime | str | None = None, timeout: float = 10.0) -> dict:
        """GetDiagnostics.req; the location defaults to the file server's upload URL."""
        body: dict[str, Any] = {"cp_id": cp_id, "location": location, "retries": retries,
                                "retry_interval": retry_interval, "timeout": timeout}
        if start_time is not None:
            body["start_time"] = ocpp_utc(start_time)
        if stop_time is not None:
            body["stop_time"] = ocpp_utc(stop_time)
        return self._request("POST", "/get_diagnostics", body, timeout=timeout + _HTTP_SLACK)

    def raw(self, cp_id: str, frame: str, expect_reply: bool = True, timeout: float = 5.0) -> dict:
        """Send `frame` verbatim.  Returns {"reply": "<raw text>"}, {"sent": true}
        or {"error": {"code": "Timeout", ...}}."""
        body = {"cp_id": cp_id, "frame": frame, "expect_reply": expect_reply, "timeout": timeout}
        return self._request("POST", "/raw", body, timeout=timeout + _HTTP_SLACK)

    def disconnect(self, cp_id: str, code: int = 1000, reason: str = "") -> dict:
        return self._request("POST", "/disconnect", {"cp_id": cp_id, "code": code, "reason": reason},
                             timeout=15.0)

    def shutdown(self) -> dict:
        return self._request("POST", "/shutdown", {})

    # -- polling helpers (bounded) ------------------------------------------------

    def wait_until(self, predicate, timeout: float = 10.0, interval: float = 0.05,
                   what: str = "condition") -> Any:
        """Poll `predicate()` until it returns something truthy; return it."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(interval)

    def wait_for_cp(self, cp_id: str, timeout: float = 10.0) -> None:
        self.wait_until(lambda: cp_id in self.cps(), timeout, what=f"{cp_id} to connect")

    def wait_for_message(self, cp_id: str, action: str, count: int = 1,
                         timeout: float = 10.0) -> list[dict]:
        """Wait until at least `count` CALLs of `action` arrived; return them all."""
        return self.wait_until(
            lambda: (lambda m: m if len(m) >= count else None)(self.messages(cp_id, action)),
            timeout, what=f"{count}x {action} from {cp_id}",
        )


class DevCsServer(DevCsClient):
    """A dev_cs.py subprocess plus a client for it.  Use ``start()``."""

    def __init__(self, proc: subprocess.Popen, ws_port: int, control_port: int,
                 frames_log: Path | None, output: collections.deque, files_port: int = 0):
        super().__init__(control_port, ws_port)
        self.files_port = files_port
        self.proc = proc
        self.frames_log = frames_log
        self.output = output  # recent stdout lines, for debugging failures

    @classmethod
    def start(cls, frames_log: str | os.PathLike | None = None, extra_args: list[str] = (),
              quiet: bool = True, ready_timeout: float = 15.0,
              stderr=None, python: str = sys.executable) -> "DevCsServer":
        """Launch dev_cs.py on free ports and wait for its READY line.

        `stderr` is passed to Popen (default: inherit)."""
        cmd = [python, str(DEV_CS_PATH), "--port", "0", "--control-port", "0"]
        if frames_log is not None:
            cmd += ["--frames-log", str(frames_log)]
        if quiet:
            cmd.append("--quiet")
        cmd += list(extra_args)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1)

        # A reader thread both finds the READY line (readline can't time out)
        # and keeps draining stdout so a chatty server never blocks on a full pipe.
        lines: queue.Queue[str | None] = queue.Queue()
        output: collections.deque[str] = collections.deque(maxlen=2000)

        def pump():
            for line in proc.stdout:
                output.append(line.rstrip("\n"))
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, name="dev-cs-stdout", daemon=True).start()
        deadline = time.monotonic() + ready_timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = lines.get(timeout=remaining) if remaining > 0 else None
            except queue.Empty:
                line = None
            if line is None:  # timed out or the process exited
                _kill(proc)
                raise RuntimeError(
                    f"dev_cs.py did not become ready (rc={proc.poll()}); output: {list(output)}"
                )
            m = READY_RE.match(line)
            if m:
                server = cls(proc, int(m.group(1)), int(m.group(2)),
                             Path(frames_log) if frames_log is not None else None, output,
                             int(m.group(3) or 0))
                # Further fields (--tls: ca, client_cert, client_key, tls_dir).
                server.ready_fields = dict(kv.split("=", 1) for kv in m.group(4).split())
                return server

    def stop(self, timeout: float = 10.0) -> int:
        """Graceful /shutdown, then SIGTERM, then SIGKILL.  Returns the exit code."""
        if self.proc.poll() is None:
            try:
                self.shutdown()
            except (OSError, DevCsError):
                pass
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        return _kill(self.proc)

    def __enter__(self) -> "DevCsServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def ocpp_utc(value: datetime | str) -> str:
    """An OCPP timestamp in UTC ('Z', millisecond precision, like the dev CS's own).

    Accepts an aware datetime or an ISO 8601 string with an offset; a value
    without a timezone is refused rather than guessed (local time or UTC?)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            raise ValueError(f"not an ISO 8601 date-time: {value!r}") from None
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime or an ISO 8601 string, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"date-time without a timezone: {value.isoformat()!r} (add 'Z' or an offset)")
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _kill(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.terminate()
        try:
            return proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait(timeout=5)


# -- command line -------------------------------------------------------------------


def _json_arg(what: str):
    """argparse type: JSON text of the given kind ("object" or "array")."""
    kind = {"object": dict, "array": list}[what]

    def parse(text: str):
        try:
            value = json.loads(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(f"not JSON: {e}") from None
        if not isinstance(value, kind):
            raise argparse.ArgumentTypeError(f"must be a JSON {what}")
        return value

    return parse


def _utc_arg(text: str) -> str:
    """argparse type: an ISO 8601 date-time with offset, normalised to UTC 'Z'."""
    try:
        return ocpp_utc(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dev_cs_client.py",
        description="Send CS->CP commands through a running dev CS (tools/dev_cs.py) "
                    "and print the control API's JSON answer.",
        epilog="Exit status: 0 for a CALLRESULT ({\"result\": ...}), 1 for an error answer "
               "(CALLERROR, Timeout, or an HTTP error of the control API), 2 for bad usage.",
    )
    p.add_argument("--control-port", type=int, required=True, help="the dev CS's control port")
    p.add_argument("--timeout", type=float, default=10.0,
                   help="seconds to wait for the charge point's answer (default 10)")
    sub = p.add_subparsers(dest="command", required=True, metavar="command")

    c = sub.add_parser("trigger", help="TriggerMessage")
    c.add_argument("cp_id")
    c.add_argument("requested_message", help="e.g. Heartbeat, StatusNotification, MeterValues")
    c.add_argument("connector_id", type=int, nargs="?")

    c = sub.add_parser("reserve", help="ReserveNow")
    c.add_argument("cp_id")
    c.add_argument("connector_id", type=int)
    c.add_argument("expiry_date", type=_utc_arg,
                   help="ISO 8601 with offset, e.g. 2030-01-01T00:00:00Z")
    c.add_argument("id_tag")
    c.add_argument("reservation_id", type=int)
    c.add_argument("--parent-id-tag")

    c = sub.add_parser("cancel-reservation", help="CancelReservation")
    c.add_argument("cp_id")
    c.add_argument("reservation_id", type=int)

    c = sub.add_parser("send-local-list", help="SendLocalList")
    c.add_argument("cp_id")
    c.add_argument("list_version", type=int)
    c.add_argument("update_type", help="Full or Differential")
    c.add_argument("entries", type=_json_arg("array"),
                   help='JSON, e.g. \'[{"idTag":"A","idTagInfo":{"status":"Accepted"}},{"idTag":"B"}]\'')

    c = sub.add_parser("get-local-list-version", help="GetLocalListVersion")
    c.add_argument("cp_id")

    c = sub.add_parser("set-charging-profile", help="SetChargingProfile")
    c.add_argument("cp_id")
    c.add_argument("connector_id", type=int)
    c.add_argument("profile", type=_json_arg("object"),
                   help='csChargingProfiles as JSON, e.g. \'{"chargingProfileId":1,"stackLevel":0,'
                        '"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute",'
                        '"chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":'
                        '[{"startPeriod":0,"limit":16}]}}\'')

    c = sub.add_parser("clear-charging-profile", help="ClearChargingProfile (no criteria: all)")
    c.add_argument("cp_id")
    c.add_argument("--id", type=int, dest="profile_id")
    c.add_argument("--connector-id", type=int)
    c.add_argument("--purpose", help="ChargePointMaxProfile, TxDefaultProfile or TxProfile")
    c.add_argument("--stack-level", type=int)

    c = sub.add_parser("get-composite-schedule", help="GetCompositeSchedule")
    c.add_argument("cp_id")
    c.add_argument("connector_id", type=int)
    c.add_argument("duration", type=int, help="seconds")
    c.add_argument("charging_rate_unit", nargs="?", choices=["A", "W"])

    c = sub.add_parser("update-firmware", help="UpdateFirmware (an image of the file server)")
    c.add_argument("cp_id")
    c.add_argument("image", help="name given to POST /firmware, or a full URL")
    c.add_argument("--retrieve-date", type=_utc_arg)
    c.add_argument("--retries", type=int)
    c.add_argument("--retry-interval", type=int)

    c = sub.add_parser("get-diagnostics", help="GetDiagnostics (to the file server by default)")
    c.add_argument("cp_id")
    c.add_argument("--location")
    c.add_argument("--retries", type=int)
    c.add_argument("--retry-interval", type=int)
    c.add_argument("--start-time", type=_utc_arg)
    c.add_argument("--stop-time", type=_utc_arg)

    c = sub.add_parser("call", help="any CS->CP action with a JSON payload")
    c.add_argument("cp_id")
    c.add_argument("action")
    c.add_argument("payload", type=_json_arg("object"), nargs="?", default={})
    c.add_argument("--no-validate", action="store_true",
                   help="send even if the payload violates the action's schema")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    client = DevCsClient(args.control_port)
    t = args.timeout
    try:
        if args.command == "trigger":
            answer = client.trigger_message(args.cp_id, args.requested_message,
                                            args.connector_id, timeout=t)
        elif args.command == "reserve":
            answer = client.reserve_now(args.cp_id, args.connector_id, args.expiry_date, args.id_tag,
                                        args.reservation_id, args.parent_id_tag, timeout=t)
        elif args.command == "cancel-reservation":
            answer = client.cancel_reservation(args.cp_id, args.reservation_id, timeout=t)
        elif args.command == "send-local-list":
            answer = client.send_local_list(args.cp_id, args.list_version, args.update_type,
                                            args.entries, timeout=t)
        elif args.command == "get-local-list-version":
            answer = client.get_local_list_version(args.cp_id, timeout=t)
        elif args.command == "set-charging-profile":
            answer = client.set_charging_profile(args.cp_id, args.connector_id, args.profile,
                                                 timeout=t)
        elif args.command == "clear-charging-profile":
            answer = client.clear_charging_profile(args.cp_id, args.profile_id, args.connector_id,
                                                   args.purpose, args.stack_level, timeout=t)
        elif args.command == "get-composite-schedule":
            answer = client.get_composite_schedule(args.cp_id, args.connector_id, args.duration,
                                                   args.charging_rate_unit, timeout=t)
        elif args.command == "update-firmware":
            url = "://" in args.image
            answer = client.update_firmware(
                args.cp_id, None if url else args.image, args.image if url else None,
                args.retrieve_date, args.retries, args.retry_interval, timeout=t)
        elif args.command == "get-diagnostics":
            answer = client.get_diagnostics(args.cp_id, args.location, args.retries,
                                            args.retry_interval, args.start_time,
                                            args.stop_time, timeout=t)
        else:
            answer = client.call(args.cp_id, args.action, args.payload, timeout=t,
                                 validate=not args.no_validate)
    except DevCsError as e:
        answer = e.body  # the control API's own {"error": ...} (HTTP 4xx/5xx)
    except OSError as e:  # nothing listening, connection reset, ...
        print(f"dev_cs_client.py: cannot reach the dev CS on 127.0.0.1:{args.control_port}: {e}",
              file=sys.stderr)
        return 1
    print(json.dumps(answer))
    return 0 if isinstance(answer, dict) and "result" in answer else 1


if __name__ == "__main__":
    sys.exit(main())
