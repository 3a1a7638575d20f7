"""Tests of the development Central System (tools/dev_cs.py), its control
client (tools/dev_cs_client.py) and the frame validator
(tools/validate_frames.py).  Everything runs on 127.0.0.1 with bounded waits.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import websockets
from ocpp.exceptions import InternalError
from ocpp.routing import on
from ocpp.v16 import call, call_result
from websockets.asyncio.client import connect

from dev_cs_client import DevCsError, DevCsServer
from sim_cp import SimCP, connected_cp, run

TOOLS_DIR = Path(__file__).resolve().parents[2] / "tools"
VALIDATE = [sys.executable, str(TOOLS_DIR / "validate_frames.py")]
OCPP_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
NOW = "2024-05-01T12:00:00Z"


def to_thread(fn, *args, **kwargs):
    """Control API calls block; run them off the event loop so the simulated
    CP keeps answering CS->CP calls meanwhile."""
    return asyncio.to_thread(fn, *args, **kwargs)


def run_validator(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(VALIDATE + list(args), capture_output=True, text=True, timeout=60)


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


# --------------------------------------------------------------------------- boot


def test_boot_accepted_and_cp_id_from_path(dev_cs):
    url = f"ws://127.0.0.1:{dev_cs.ws_port}/steve/websocket/CentralSystemService/zephyr"

    async def body():
        async with connected_cp(url, "zephyr") as cp:
            res = await cp.boot()
            assert res.status == "Accepted"
            assert res.interval == 300
            assert OCPP_TS.match(res.current_time), res.current_time
            cs_time = datetime.strptime(res.current_time, "%Y-%m-%dT%H:%M:%S.%fZ")
            now = datetime.now(timezone.utc).replace(tzinfo=None)
            assert abs((now - cs_time).total_seconds()) < 60

            hb = await cp.call(call.Heartbeat(), suppress=False)
            assert OCPP_TS.match(hb.current_time)

            assert await to_thread(dev_cs.cps) == ["zephyr"]
            status = await to_thread(dev_cs.status, "zephyr")
            assert status["connected"] and status["subprotocol"] == "ocpp1.6"
            assert status["path"] == "/steve/websocket/CentralSystemService/zephyr"
            assert status["last_boot_status"] == "Accepted"

    run(body())
    msgs = dev_cs.messages("zephyr")
    assert [m["action"] for m in msgs] == ["BootNotification", "Heartbeat"]
    assert msgs[0]["payload"] == {"chargePointModel": "SimModel", "chargePointVendor": "SimVendor"}
    assert isinstance(msgs[0]["unique_id"], str)
    assert dev_cs.messages("zephyr", action="Heartbeat")[0]["payload"] == {}


def test_boot_pending_rejected_then_accepted(dev_cs):
    async def body():
        async with connected_cp(dev_cs.url_for("CP_1"), "CP_1") as cp:
            await to_thread(dev_cs.config, boot_status="Pending", boot_interval=2)
            res = await cp.boot()
            assert (res.status, res.interval) == ("Pending", 2)

            await to_thread(dev_cs.config, boot_status="Rejected")
            res = await cp.boot()
            assert (res.status, res.interval) == ("Rejected", 2)

            cfg = await to_thread(dev_cs.config, boot_status="Accepted", heartbeat_interval=5)
            assert cfg["boot_status"] == "Accepted" and cfg["heartbeat_interval"] == 5
            res = await cp.boot()
            assert (res.status, res.interval) == ("Accepted", 5)

    run(body())


# ------------------------------------------------------------------ authorization


def test_authorize_rules_default_and_runtime(dev_cs):
    async def authorize(cp, tag):
        res = await cp.call(call.Authorize(id_tag=tag), suppress=False)
        assert set(res.id_tag_info) == {"status"}  # no expiryDate/parentIdTag
        return res.id_tag_info["status"]

    async def body():
        async with connected_cp(dev_cs.url_for("auth"), "auth") as cp:
            await cp.boot()
            expected = {
                "ABC123": "Accepted", "INVALID-1": "Invalid", "BLOCKED42": "Blocked",
                "EXPIRED": "Expired", "CONCURRENT1": "ConcurrentTx",
            }
            for tag, status in expected.items():
                assert await authorize(cp, tag) == status, tag

            # Add a rule, drop a default one, and let a longer prefix win.
            await to_thread(dev_cs.config, idtag_rules={
                "VIP": "Blocked", "INVALID": None, "BLOCKEDOK": "Accepted"})
            assert await authorize(cp, "VIP1") == "Blocked"
            assert await authorize(cp, "INVALID-1") == "Accepted"
            assert await authorize(cp, "BLOCKEDOK7") == "Accepted"
            assert await authorize(cp, "BLOCKED42") == "Blocked"

    run(body())


# ------------------------------------------------------------------- transactions


def test_transactions_ids_increment_and_are_recorded(dev_cs):
    async def body():
        async with connected_cp(dev_cs.url_for("tx"), "tx") as cp:
            await cp.boot()
            s1 = await cp.call(call.StartTransaction(
                connector_id=1, id_tag="ABC", meter_start=100, timestamp=NOW), suppress=False)
            s2 = await cp.call(call.StartTransaction(
                connector_id=2, id_tag="INVALID-X", meter_start=5, timestamp=NOW), suppress=False)
            assert (s1.transaction_id, s1.id_tag_info["status"]) == (1, "Accepted")
            # A transactionId is assigned even for a rejected idTag (OCPP 1.6 §6.46).
            assert (s2.transaction_id, s2.id_tag_info["status"]) == (2, "Invalid")

            await cp.call(call.MeterValues(connector_id=1, transaction_id=1, meter_value=[
                {"timestamp": NOW, "sampledValue": [{"value": "150", "measurand": "Energy.Active.Import.Register"}]}
            ]), suppress=False)
            await cp.call(call.StatusNotification(
                connector_id=1, error_code="NoError", status="Charging"), suppress=False)

            st1 = await cp.call(call.StopTransaction(
                meter_stop=250, timestamp=NOW, transaction_id=1, id_tag="ABC", reason="Local"),
                suppress=False)
            assert st1.id_tag_info == {"status": "Accepted"}
            st2 = await cp.call(call.StopTransaction(
                meter_stop=6, timestamp=NOW, transaction_id=2), suppress=False)
            assert st2.id_tag_info is None

    run(body())
    txs = dev_cs.transactions("tx")
    assert [t["transaction_id"] for t in txs] == [1, 2]
    t1, t2 = txs
    assert (t1["connector_id"], t1["id_tag"], t1["meter_start"], t1["meter_stop"]) == (1, "ABC", 100, 250)
    assert (t1["reason"], t1["stop_id_tag"], t1["active"]) == ("Local", "ABC", False)
    assert (t1["start_timestamp"], t1["stop_timestamp"]) == (NOW, NOW)
    assert (t2["id_tag_status"], t2["reason"], t2["stop_id_tag"]) == ("Invalid", None, None)
    assert dev_cs.transactions("nobody") == []


def test_data_transfer(dev_cs):
    async def body():
        async with connected_cp(dev_cs.url_for("dt"), "dt") as cp:
            await cp.boot()
            echo = await cp.call(call.DataTransfer(vendor_id="dev-cs", message_id="echo", data="hi"),
                                 suppress=False)
            assert (echo.status, echo.data) == ("Accepted", "hi")
            other = await cp.call(call.DataTransfer(vendor_id="dev-cs", message_id="nope"), suppress=False)
            assert other.status == "UnknownMessageId"
            unknown = await cp.call(call.DataTransfer(vendor_id="acme"), suppress=False)
            assert unknown.status == "UnknownVendorId"
            fw = await cp.call(call.FirmwareStatusNotification(status="Idle"), suppress=False)
            diag = await cp.call(call.DiagnosticsStatusNotification(status="Idle"), suppress=False)
            assert fw is not None and diag is not None

    run(body())


# --------------------------------------------------------------- CS-initiated calls


class QuirkyCP(SimCP):
    @on("UnlockConnector")
    async def on_unlock(self, connector_id, **kwargs):
        await asyncio.sleep(1.5)  # longer than the /call timeout used below
        return call_result.UnlockConnector(status="Unlocked")

    @on("ChangeAvailability", skip_schema_validation=True)
    def on_change_availability(self, **kwargs):
        return call_result.ChangeAvailability(status="Bogus")  # not in the enum


def test_call_round_trips_and_errors(dev_cs):
    async def body():
        async with connected_cp(dev_cs.url_for("rs"), "rs", cls=QuirkyCP) as cp:
            await cp.boot()
            res = await to_thread(dev_cs.call, "rs", "RemoteStartTransaction",
                                  {"idTag": "REMOTE1", "connectorId": 1})
            assert res == {"result": {"status": "Accepted"}}
            assert cp.received[-1] == ("RemoteStartTransaction", {"id_tag": "REMOTE1", "connector_id": 1})

            res = await to_thread(dev_cs.call, "rs", "GetConfiguration", {"key": ["HeartbeatInterval"]})
            assert res == {"result": {"configurationKey": [
                {"key": "HeartbeatInterval", "readonly": False, "value": "300"}]}}

            # CALLERROR from the CP: known action without a handler.
            res = await to_thread(dev_cs.call, "rs", "Reset", {"type": "Soft"})
            assert res["error"]["code"] == "NotImplemented"
            assert "result" not in res

            # Outgoing validation protects against broken test payloads ...
            with pytest.raises(DevCsError) as exc:
                await to_thread(dev_cs.call, "rs", "RemoteStartTransaction", {"connectorId": 1})
            assert exc.value.status == 400
            assert exc.value.body["error"]["code"] == "OutgoingValidation"
            # ... and can be turned off to probe the CP's own validation.
            res = await to_thread(dev_cs.call, "rs", "RemoteStartTransaction", {"connectorId": 1},
                                  validate=False)
            assert res["error"]["code"] == "ProtocolError"
            # Payloads that the library's dataclasses can't carry go out verbatim.
            res = await to_thread(dev_cs.call, "rs", "RemoteStartTransaction",
                                  {"idTag": "X", "bogusField": 1}, validate=False)
            assert res["error"]["code"] == "FormatViolation"  # ocpp lib's (non-1.6) code

            # A schema-invalid CALLRESULT is returned verbatim, flagged.
            res = await to_thread(dev_cs.call, "rs", "ChangeAvailability",
                                  {"connectorId": 0, "type": "Operative"})
            assert res["result"] == {"status": "Bogus"}
            assert "Bogus" in res["schema_error"]

            # A CP that answers too late: Timeout, and the late reply must not
            # confuse the next call.
            res = await to_thread(dev_cs.call, "rs", "UnlockConnector", {"connectorId": 1}, timeout=0.5)
            assert res["error"]["code"] == "Timeout"
            await asyncio.sleep(1.5)
            res = await to_thread(dev_cs.call, "rs", "RemoteStopTransaction", {"transactionId": 7})
            assert res == {"result": {"status": "Rejected"}}

    run(body())
    frames = [f["frame"] for f in dev_cs.frames("rs") if f["dir"] == "cs->cp"]
    assert any('"bogusField":1' in f for f in frames)


def test_raw_frames(dev_cs):
    async def body():
        async with connected_cp(dev_cs.url_for("raw"), "raw") as cp:
            await cp.boot()
            res = await to_thread(dev_cs.raw, "raw", '[2,"raw-1","FooBar",{}]')
            reply = json.loads(res["reply"])
            assert reply[:3] == [4, "raw-1", "NotSupported"] and len(reply) == 5

            res = await to_thread(dev_cs.raw, "raw", '[2,"raw-2","ClearCache",{}]')
            assert json.loads(res["reply"])[:3] == [4, "raw-2", "NotImplemented"]

            res = await to_thread(dev_cs.raw, "raw", '[2,"raw-3","RemoteStartTransaction",{"idTag":"R"}]')
            assert json.loads(res["reply"]) == [3, "raw-3", {"status": "Accepted"}]

            assert await to_thread(dev_cs.raw, "raw", "[2,", expect_reply=False) == {"sent": True}
            # The ocpp library silently ignores unparseable frames: no reply.
            res = await to_thread(dev_cs.raw, "raw", "not json at all", timeout=0.5)
            assert res["error"]["code"] == "Timeout"

            # The library's own calls still work after raw traffic.
            hb = await cp.call(call.Heartbeat(), suppress=False)
            assert hb.current_time

    run(body())
    sent = [f["frame"] for f in dev_cs.frames("raw") if f["dir"] == "cs->cp"]
    assert "not json at all" in sent and "[2," in sent


# ------------------------------------------------------------------ fault injection


def test_callerror_next_and_drop_next(dev_cs):
    async def body():
        async with connected_cp(dev_cs.url_for("faults"), "faults") as cp:
            await cp.boot()
            await to_thread(dev_cs.config, callerror_next={
                "action": "Authorize", "code": "InternalError", "description": "injected"})
            assert (await to_thread(dev_cs.get_config))["callerror_next"]["Authorize"]["code"] == "InternalError"
            with pytest.raises(InternalError) as exc:
                await cp.call(call.Authorize(id_tag="ABC"), suppress=False)
            assert exc.value.description == "injected"
            # One-shot: the next one is answered normally.
            ok = await cp.call(call.Authorize(id_tag="ABC"), suppress=False)
            assert ok.id_tag_info["status"] == "Accepted"

            await to_thread(dev_cs.config, drop_next={"action": "StartTransaction"})
            cp._response_timeout = 1
            with pytest.raises(asyncio.TimeoutError):
                await cp.call(call.StartTransaction(
                    connector_id=1, id_tag="ABC", meter_start=0, timestamp=NOW), suppress=False)
            res = await cp.call(call.StartTransaction(
                connector_id=1, id_tag="ABC", meter_start=0, timestamp=NOW), suppress=False)
            assert res.transaction_id == 1  # the dropped one never reached the handler

            # Pending faults can be cleared with null.
            await to_thread(dev_cs.config, drop_next={"action": "Heartbeat"})
            cfg = await to_thread(dev_cs.config, drop_next=None)
            assert cfg["drop_next"] == {}
            assert (await cp.call(call.Heartbeat(), suppress=False)).current_time

    run(body())
    assert len(dev_cs.messages("faults", "StartTransaction")) == 2  # both were received
    assert len(dev_cs.transactions("faults")) == 1
    frames = [json.loads(f["frame"]) for f in dev_cs.frames("faults") if f["dir"] == "cs->cp"]
    assert any(f[0] == 4 and f[2:] == ["InternalError", "injected", {}] for f in frames)


# ------------------------------------------------------------- connection handling


def test_reconnect_replaces_old_connection_and_disconnect(dev_cs):
    async def body():
        first = await connect(dev_cs.url_for("dup"), subprotocols=["ocpp1.6"], open_timeout=5)
        try:
            async with connected_cp(dev_cs.url_for("dup"), "dup") as cp:
                await asyncio.wait_for(first.wait_closed(), 5)
                assert first.close_code == 1000
                assert (await cp.boot()).status == "Accepted"
                assert await to_thread(dev_cs.cps) == ["dup"]
                assert (await to_thread(dev_cs.status, "dup"))["connect_count"] == 2

                assert await to_thread(dev_cs.disconnect, "dup") == {"disconnected": True}
                await asyncio.wait_for(cp.ws.wait_closed(), 5)
                await to_thread(dev_cs.wait_until, lambda: dev_cs.cps() == [], 5)
        finally:
            await first.close()

    run(body())


def test_multiple_charge_points_at_once(dev_cs):
    async def body():
        async with connected_cp(dev_cs.url_for("A"), "A") as a, \
                connected_cp(dev_cs.url_for("B"), "B") as b:
            await asyncio.gather(a.boot(), b.boot())
            assert await to_thread(dev_cs.cps) == ["A", "B"]
            ta = await a.call(call.StartTransaction(
                connector_id=1, id_tag="X", meter_start=0, timestamp=NOW), suppress=False)
            tb = await b.call(call.StartTransaction(
                connector_id=1, id_tag="Y", meter_start=0, timestamp=NOW), suppress=False)
            assert (ta.transaction_id, tb.transaction_id) == (1, 2)  # ids are CS-global
            ra, rb = await asyncio.gather(
                to_thread(dev_cs.call, "A", "RemoteStartTransaction", {"idTag": "FOR-A"}),
                to_thread(dev_cs.call, "B", "RemoteStartTransaction", {"idTag": "FOR-B"}),
            )
            assert ra == rb == {"result": {"status": "Accepted"}}
            assert a.received[-1][1]["id_tag"] == "FOR-A"
            assert b.received[-1][1]["id_tag"] == "FOR-B"

    run(body())
    assert [t["id_tag"] for t in dev_cs.transactions("A")] == ["X"]
    assert [t["id_tag"] for t in dev_cs.transactions("B")] == ["Y"]


def test_subprotocol_and_path_required(dev_cs):
    async def body():
        with pytest.raises(websockets.exceptions.InvalidStatus) as exc:
            await connect(dev_cs.url_for("nosub"), open_timeout=5)
        assert exc.value.response.status_code == 400
        with pytest.raises(websockets.exceptions.InvalidStatus) as exc:
            await connect(f"ws://127.0.0.1:{dev_cs.ws_port}/", subprotocols=["ocpp1.6"], open_timeout=5)
        assert exc.value.response.status_code == 404

    run(body())
    assert dev_cs.cps() == []


def test_control_api_errors(dev_cs):
    with pytest.raises(DevCsError) as exc:
        dev_cs.call("ghost", "Reset", {"type": "Soft"})
    assert (exc.value.status, exc.value.body["error"]["code"]) == (404, "NotConnected")
    with pytest.raises(DevCsError) as exc:
        dev_cs.config(boot_status="Maybe")
    assert exc.value.status == 400
    with pytest.raises(DevCsError) as exc:
        dev_cs._request("GET", "/nope")
    assert exc.value.status == 404
    with pytest.raises(DevCsError) as exc:
        dev_cs._request("GET", "/messages")
    assert exc.value.status == 400
    assert dev_cs.messages("never-seen") == []


def test_sigterm_stops_promptly(tmp_path):
    server = DevCsServer.start(frames_log=tmp_path / "f.jsonl")
    try:
        async def body():
            async with connected_cp(server.url_for("sig"), "sig") as cp:
                await cp.boot()
                t0 = time.monotonic()
                server.proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(cp.ws.wait_closed(), 5)
                assert cp.ws.close_code == 1001  # going away
                rc = await asyncio.to_thread(server.proc.wait, 5)
                assert rc == 0 and time.monotonic() - t0 < 5

        run(body())
    finally:
        server.stop()


# ------------------------------------------------------------------ frames + validation


def test_frames_log_is_exact_and_validates(dev_cs, tmp_path):
    async def body():
        async with connected_cp(dev_cs.url_for("log"), "log") as cp:
            await cp.boot()
            await cp.call(call.Heartbeat(), suppress=False)
            await cp.call(call.Authorize(id_tag="ABC"), suppress=False)
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError",
                                                  status="Preparing", timestamp=NOW), suppress=False)
            tx = await cp.call(call.StartTransaction(
                connector_id=1, id_tag="ABC", meter_start=0, timestamp=NOW), suppress=False)
            await cp.call(call.StopTransaction(meter_stop=10, timestamp=NOW,
                                               transaction_id=tx.transaction_id), suppress=False)
            await to_thread(dev_cs.call, "log", "RemoteStartTransaction", {"idTag": "R1"})
            await to_thread(dev_cs.call, "log", "GetConfiguration", {})
            await to_thread(dev_cs.raw, "log", '[2,"u-1","FooBar",{}]')

    run(body())
    lines = [json.loads(line) for line in dev_cs.frames_log.read_text().splitlines()]
    assert all(set(r) == {"ts", "cp_id", "dir", "frame"} for r in lines)
    assert all(isinstance(r["ts"], float) and r["cp_id"] == "log" for r in lines)
    assert {r["dir"] for r in lines} == {"cp->cs", "cs->cp"}
    # The log carries the exact text on the wire, as also seen by /frames.
    assert [r["frame"] for r in lines] == [f["frame"] for f in dev_cs.frames("log")]
    cp_frames = sum(r["dir"] == "cp->cs" for r in lines)
    assert cp_frames == 6 + 3  # 6 CALLs + 2 CALLRESULTs + 1 CALLERROR

    summary = tmp_path / "summary.json"
    proc = run_validator(str(dev_cs.frames_log), "--summary-json", str(summary))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == f"schema-validated {cp_frames} frames, 0 failures"
    assert json.loads(summary.read_text()) == {"validated": cp_frames, "failures": 0}


def test_invalid_cp_frames_are_logged_answered_and_flagged(dev_cs):
    bad_boot = '[2,"b-1","BootNotification",{"chargePointModel":"M"}]'
    extra_field = '[2,"b-2","Heartbeat",{"extra":1}]'

    async def body():
        ws = await connect(dev_cs.url_for("bad"), subprotocols=["ocpp1.6"], open_timeout=5)
        try:
            await ws.send(bad_boot)
            reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert reply[:3] == [4, "b-1", "ProtocolError"]  # 'required' -> ProtocolError
            await ws.send(extra_field)
            reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert reply[:3] == [4, "b-2", "FormatViolation"]  # additionalProperties
            await ws.send("this is not json")
            await ws.send('[2,"b-3","Heartbeat",{}]')  # still served after garbage
            reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert reply[:2] == [3, "b-3"]
        finally:
            await ws.close()

    run(body())
    logged = [json.loads(line)["frame"] for line in dev_cs.frames_log.read_text().splitlines()]
    for frame in (bad_boot, extra_field, "this is not json"):
        assert frame in logged
    assert [m["unique_id"] for m in dev_cs.messages("bad")] == ["b-1", "b-2", "b-3"]

    proc = run_validator(str(dev_cs.frames_log))
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-1] == "schema-validated 4 frames, 3 failures"
    assert "chargePointVendor" in proc.stdout


def test_validate_frames_detects_invalid_frames(tmp_path):
    import validate_frames

    def rec(direction, frame, cp_id="cp"):
        return {"ts": 1.0, "cp_id": cp_id, "dir": direction,
                "frame": frame if isinstance(frame, str) else json.dumps(frame)}

    good = [
        rec("cp->cs", [2, "1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]),
        rec("cp->cs", [2, "2", "StatusNotification",
                       {"connectorId": 0, "errorCode": "NoError", "status": "Available",
                        "timestamp": "2024-05-01T12:00:00.123+02:00"}]),
        rec("cs->cp", [2, "c1", "Reset", {"type": "Soft"}]),
        rec("cp->cs", [3, "c1", {"status": "Accepted"}]),
        rec("cs->cp", [2, "c2", "GetCompositeSchedule", {"connectorId": 1, "duration": 60}]),
        # 21.4 is a multipleOf 0.1 only with decimal arithmetic.
        rec("cp->cs", '[3,"c2",{"status":"Accepted","connectorId":1,"chargingSchedule":'
                      '{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":21.4}]}}]'),
        rec("cs->cp", [2, "c3", "ClearCache", {}]),
        rec("cp->cs", [4, "c3", "NotImplemented", "no", {}]),
    ]
    bad = [
        rec("cp->cs", [2, "3", "BootNotification", {"chargePointModel": "M"}]),  # vendor missing
        rec("cp->cs", [2, "4", "StatusNotification",
                       {"connectorId": 0, "errorCode": "NoError", "status": "Available",
                        "timestamp": "2024-13-01 12:00"}]),  # not RFC 3339
        rec("cs->cp", [2, "c4", "Reset", {"type": "Hard"}]),
        rec("cp->cs", [3, "c4", {"status": "Maybe"}]),  # enum violation in ResetResponse
        rec("cp->cs", [3, "c4", {"status": "Accepted"}]),  # duplicate answer
        rec("cp->cs", [3, "zz", {}]),  # answers nothing
        rec("cp->cs", [4, "c9", "FormatViolation", "x", {}]),  # not a 1.6 error code
        rec("cp->cs", [4, "c9", "GenericError", "x"]),  # 4 elements
        rec("cp->cs", "{not json"),
        rec("cp->cs", [2, "5", "NoSuchAction", {}]),
        rec("cp->cs", [2, 6, "Heartbeat", {}]),  # numeric unique id
        rec("cp->cs", [2, "7", "Heartbeat", {}], cp_id="other"),  # fine: different cp
        rec("cs->cp", [2, "c5", "Reset", {"type": "Soft"}], cp_id="other"),
        rec("cp->cs", [3, "c5", {"status": "Accepted"}], cp_id="cp"),  # wrong cp_id
    ]
    path = write_jsonl(tmp_path / "frames.jsonl", good + bad)
    n, failures = validate_frames.validate_file(path)
    assert n == sum(r["dir"] == "cp->cs" for r in good + bad) == 17
    assert len(failures) == 11, "\n".join(map(str, failures))
    joined = json.dumps(failures)
    for needle in ("chargePointVendor", "date-time", "Maybe", "duplicate", "does not match",
                   "FormatViolation", "5 elements", "not valid JSON", "NoSuchAction", "string"):
        assert needle in joined, needle
    assert all(f["line"] > len(good) for f in failures)

    summary = tmp_path / "s.json"
    proc = run_validator(str(path), "--summary-json", str(summary))
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-1] == "schema-validated 17 frames, 11 failures"
    assert json.loads(summary.read_text()) == {"validated": 17, "failures": 11}

    # The minimal case from the brief: one BootNotification without vendor.
    single = write_jsonl(tmp_path / "one.jsonl", [bad[0]])
    proc = run_validator(str(single))
    assert proc.returncode == 1
    assert "schema-validated 1 frames, 1 failures" in proc.stdout
    assert "'chargePointVendor' is a required property" in proc.stdout

    # Only-good input passes; empty input fails unless allowed.
    assert run_validator(str(write_jsonl(tmp_path / "good.jsonl", good))).returncode == 0
    empty = write_jsonl(tmp_path / "empty.jsonl", [])
    assert run_validator(str(empty)).returncode == 1
    assert run_validator(str(empty), "--allow-empty").returncode == 0


def test_state_file_keeps_ids_and_dedupes_redeliveries_across_restarts(tmp_path):
    """--state: the transactionId counter and the received transaction messages survive a
    SIGKILL; a re-delivered message (same payload, new unique id) is answered as the first
    and logged with duplicate_of."""
    state = tmp_path / "state.json"
    start = dict(connector_id=1, id_tag="ABC", meter_start=100, timestamp=NOW)

    def session(expect_ids):
        server = DevCsServer.start(extra_args=["--state", str(state)])
        try:
            async def body():
                async with connected_cp(server.url_for("st"), "st") as cp:
                    await cp.boot()
                    ids = []
                    for s in expect_ids:
                        answer = await cp.call(call.StartTransaction(**s), suppress=False)
                        ids.append(answer.transaction_id)
                    return ids
            return run(body())
        finally:
            server.proc.send_signal(signal.SIGKILL)
            server.proc.wait()

    # The same StartTransaction twice (a resend): one transaction, the same id.
    assert session([start, start]) == [1, 1]
    # After a SIGKILL and restart: the resend still gets 1, a new one gets 2.
    assert session([start, dict(start, meter_start=200)]) == [1, 2]
    saved = json.loads(state.read_text())
    assert saved["tx_counter"] == 2
    assert [r["duplicate_of"] for r in saved["received"]] == [None, 0, 0, None]
    assert {r["action"] for r in saved["received"]} == {"StartTransaction"}
