"""Tests of what the dev CS serves for its web console (tools/console/): the
static files, the live event stream (GET /events) and the loopback-only
request checks.  Everything runs on 127.0.0.1 with bounded waits.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import time

import pytest

import dev_cs
from dev_cs_client import DevCsError
from sim_cp import connected_cp, run
from ocpp.v16 import call


class EventStream:
    """A GET /events subscriber: reads server-sent events with a deadline."""

    def __init__(self, control_port: int, timeout: float = 10.0):
        self.conn = http.client.HTTPConnection("127.0.0.1", control_port, timeout=timeout)
        self.conn.request("GET", "/events")
        self.resp = self.conn.getresponse()

    def next(self, timeout: float = 10.0) -> tuple[str, object] | None:
        """The next event as (kind, data); None when the server closed the stream."""
        deadline = time.monotonic() + timeout
        kind, data = None, None
        while time.monotonic() < deadline:
            line = self.resp.fp.readline()
            if not line:
                return None
            line = line.decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line[len("event: "):]
            elif line.startswith("data: "):
                data = json.loads(line[len("data: "):])
            elif line == "" and kind is not None:
                return kind, data
        raise TimeoutError("no event in time")

    def until(self, pred, timeout: float = 10.0) -> list[tuple[str, object]]:
        """Events up to and including the first for which pred(kind, data) holds."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            ev = self.next(max(0.1, deadline - time.monotonic()))
            assert ev is not None, f"stream ended; saw {seen}"
            seen.append(ev)
            if pred(*ev):
                return seen

    def close(self) -> None:
        self.conn.close()


def get(port: int, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    resp.body = resp.read()
    conn.close()
    return resp


def post(port: int, path: str, body: dict, headers: dict | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", path, body=json.dumps(body),
                 headers={"Content-Type": "application/json", **(headers or {})})
    resp = conn.getresponse()
    resp.body = resp.read()
    conn.close()
    return resp


# --------------------------------------------------------------------------- static files


def test_console_files_are_served(dev_cs):
    root = get(dev_cs.control_port, "/")
    assert (root.status, root.getheader("Location")) == (302, "/console/")
    page = get(dev_cs.control_port, "/console/")
    assert page.status == 200
    assert page.getheader("Content-Type").startswith("text/html")
    assert b"<script type=\"module\"" in page.body
    js = get(dev_cs.control_port, "/console/app.js")
    assert js.status == 200
    # Browsers run an ES module only with a JavaScript MIME type.
    assert js.getheader("Content-Type").startswith("text/javascript")
    for name in ("state.js", "actions.js", "chart.js", "style.css"):
        assert get(dev_cs.control_port, f"/console/{name}").status == 200, name


@pytest.mark.parametrize("path", [
    "/console/nope.js", "/console/../dev_cs.py", "/console/..%2fdev_cs.py",
    "/console/dev_cs.py", "/console/.hidden.js", "/console/sub/app.js",
])
def test_console_serves_nothing_else(dev_cs, path):
    resp = get(dev_cs.control_port, path)
    assert resp.status == 404, path
    assert json.loads(resp.body)["error"]["code"] == "NotFound"


# --------------------------------------------------------------------------- loopback only


def test_foreign_origin_and_host_are_refused(dev_cs):
    port = dev_cs.control_port
    before = dev_cs.get_config()
    resp = post(port, "/config", {"boot_interval": 7}, {"Origin": "http://evil.example"})
    assert resp.status == 403
    assert json.loads(resp.body)["error"]["code"] == "Forbidden"
    # Same host, other port: another origin too.
    assert post(port, "/config", {"boot_interval": 7},
                {"Origin": f"http://127.0.0.1:{port + 1}"}).status == 403
    assert post(port, "/config", {"boot_interval": 7}, {"Origin": "null"}).status == 403
    assert dev_cs.get_config() == before  # nothing applied
    # DNS rebinding: a loopback connection naming another host.
    assert get(port, "/cps", {"Host": f"evil.example:{port}"}).status == 403
    assert get(port, "/console/", {"Host": "evil.example"}).status == 403

    # The console's own origin, under any loopback name, is fine.
    for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}"):
        resp = post(port, "/config", {"boot_interval": 7}, {"Origin": origin})
        assert resp.status == 200, resp.body
    assert get(port, "/cps", {"Host": f"localhost:{port}"}).status == 200
    assert dev_cs.get_config()["boot_interval"] == 7


# --------------------------------------------------------------------------- /events


def test_events_replay_then_live(dev_cs):
    url = dev_cs.url_for("live")

    async def body():
        async with connected_cp(url, "live") as cp:
            await cp.boot()
            stream = await asyncio.to_thread(EventStream, dev_cs.control_port)
            try:
                # The replay: hello, the config, the charge point, its frames so far.
                replay = await asyncio.to_thread(
                    stream.until, lambda k, d: k == "frame" and d["dir"] == "cs->cp")
                kinds = [k for k, _ in replay]
                assert kinds == ["hello", "config", "cp", "frame", "frame"], replay
                hello = replay[0][1]
                assert hello == {"ws_url": f"ws://127.0.0.1:{dev_cs.ws_port}/ocpp",
                                 "control_port": dev_cs.control_port,
                                 "files_port": dev_cs.files_port}
                assert replay[1][1] == await asyncio.to_thread(dev_cs.get_config)
                assert replay[2][1] == await asyncio.to_thread(dev_cs.status, "live")
                frames = await asyncio.to_thread(dev_cs.frames, "live")
                assert [d for _, d in replay[3:]] == [{"cp_id": "live", **f} for f in frames]

                # Live: a frame each way, exactly as /frames records them.
                await cp.call(call.Heartbeat(), suppress=False)
                live = await asyncio.to_thread(
                    stream.until, lambda k, d: k == "frame" and d["dir"] == "cs->cp")
                frames = await asyncio.to_thread(dev_cs.frames, "live")
                assert [d for _, d in live] == [{"cp_id": "live", **f} for f in frames[2:]]
                assert json.loads(live[0][1]["frame"])[2] == "Heartbeat"

                # A control request's frames too, and POST /config.
                answer = await asyncio.to_thread(dev_cs.call, "live", "GetConfiguration", {})
                assert "result" in answer
                ev = await asyncio.to_thread(stream.until, lambda k, d: k == "frame"
                                             and d["dir"] == "cp->cs")
                assert json.loads(ev[-1][1]["frame"])[0] == 3
                await asyncio.to_thread(dev_cs.config, idtag_rules={"VIP": "Blocked"})
                ev = await asyncio.to_thread(stream.until, lambda k, d: k == "config")
                assert ev[-1][1]["idtag_rules"]["VIP"] == "Blocked"
            finally:
                stream.close()
            return await asyncio.to_thread(EventStream, dev_cs.control_port)

    stream = run(body())
    try:
        # A second subscriber replays everything, then sees the disconnect.
        events = stream.until(lambda k, d: k == "cp" and not d["connected"], timeout=10)
        replayed = [d for k, d in events if k == "frame"]
        assert replayed == [{"cp_id": "live", **f} for f in dev_cs.frames("live")]
        assert events[-1][1] == dev_cs.status("live")
    finally:
        stream.close()


def test_events_connect_event_and_several_subscribers(dev_cs):
    streams = [EventStream(dev_cs.control_port) for _ in range(3)]
    try:
        for s in streams:
            s.until(lambda k, d: k == "config")

        async def body():
            async with connected_cp(dev_cs.url_for("multi"), "multi") as cp:
                await cp.boot()

        run(body())
        for s in streams:
            events = s.until(lambda k, d: k == "cp" and not d["connected"])
            cps = [d for k, d in events if k == "cp"]
            assert [c["connected"] for c in cps] == [True, False]
            assert cps[0]["connect_count"] == 1 and cps[0]["path"] == "/ocpp/multi"
            assert [json.loads(d["frame"])[0] for k, d in events if k == "frame"] == [2, 3]
    finally:
        for s in streams:
            s.close()


def test_events_end_on_shutdown(dev_cs):
    stream = EventStream(dev_cs.control_port)
    try:
        stream.until(lambda k, d: k == "config")
        dev_cs.shutdown()
        assert stream.until(lambda k, d: k == "shutdown")[-1] == ("shutdown", {})
        assert stream.next(timeout=10) is None  # and the server closes it
    finally:
        stream.close()


def test_events_subscriber_that_leaves_is_dropped(dev_cs):
    # Open and abandon streams; the server must notice and keep serving.
    for _ in range(5):
        sock = socket.create_connection(("127.0.0.1", dev_cs.control_port), timeout=5)
        sock.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 200 OK")
        sock.close()
    stream = EventStream(dev_cs.control_port)
    try:
        stream.until(lambda k, d: k == "config")
        dev_cs.config(boot_interval=11)
        assert stream.until(lambda k, d: k == "config")[-1][1]["boot_interval"] == 11
    finally:
        stream.close()


def test_publish_drops_a_subscriber_that_falls_behind():
    async def body():
        cs = dev_cs.CentralSystem(dev_cs.parse_args(["--quiet"]))
        slow, _ = cs.subscribe()
        fast, replay = cs.subscribe()
        assert [k for k, _ in replay] == ["hello", "config"]
        for i in range(dev_cs.EVENT_QUEUE_DEPTH):
            cs.publish("frame", {"i": i})
            fast.get_nowait()
        assert not slow.overflowed
        cs.publish("frame", {"i": "one too many"})
        assert slow.overflowed and not fast.overflowed
        assert fast.get_nowait() == ("frame", {"i": "one too many"})
        cs.publish("frame", {"i": "after"})  # the slow one gets nothing more
        assert slow.qsize() == dev_cs.EVENT_QUEUE_DEPTH
        assert fast.get_nowait() == ("frame", {"i": "after"})
        cs.end_streams()
        assert fast.ended and fast.get_nowait() == ("shutdown", {})
        assert fast.get_nowait() is None

    asyncio.run(asyncio.wait_for(body(), 30))


def test_control_api_still_answers_json_errors(dev_cs):
    with pytest.raises(DevCsError) as exc:
        dev_cs._request("GET", "/nope")
    assert exc.value.status == 404
    with pytest.raises(DevCsError) as exc:
        dev_cs._request("POST", "/events", {})
    assert exc.value.status == 404
