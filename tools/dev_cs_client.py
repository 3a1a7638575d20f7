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
"""

from __future__ import annotations

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
from pathlib import Path
from typing import Any

DEV_CS_PATH = Path(__file__).resolve().with_name("dev_cs.py")
READY_RE = re.compile(r"^DEV_CS_READY ws_port=(\d+) control_port=(\d+)\s*$")

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
        return f"ws://{self.host}:{self.ws_port}/ocpp"

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
                 frames_log: Path | None, output: collections.deque):
        super().__init__(control_port, ws_port)
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
                return cls(proc, int(m.group(1)), int(m.group(2)),
                           Path(frames_log) if frames_log is not None else None, output)

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


def _kill(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.terminate()
        try:
            return proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait(timeout=5)
