"""The dev CS driving the Remote Trigger, Reservation and Local Auth List
Management profiles: the DevCsClient wrappers, the command line of
tools/dev_cs_client.py, and idtag_rules that carry parentIdTag/expiryDate.

The simulated CP (sim_cp.SimCP) records every CALL exactly as it came off the
wire, so payloads are compared key for key.  Everything runs on 127.0.0.1 with
bounded waits.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from ocpp.v16 import call

import validate_frames
from dev_cs_client import DevCsError, ocpp_utc
from sim_cp import connected_cp, run

TOOLS_DIR = Path(__file__).resolve().parents[2] / "tools"
CLIENT = TOOLS_DIR / "dev_cs_client.py"
NOW = "2024-05-01T12:00:00Z"
VIP_INFO = {"status": "Accepted", "parentIdTag": "P1", "expiryDate": "2030-01-01T00:00:00Z"}


def to_thread(fn, *args, **kwargs):
    """Control API calls block; run them off the event loop so the simulated
    CP keeps answering CS->CP calls meanwhile."""
    return asyncio.to_thread(fn, *args, **kwargs)


def cli(control_port: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CLIENT), "--control-port", str(control_port), "--timeout", "5", *args],
        capture_output=True, text=True, timeout=30,
    )


def last_call(cp, action: str) -> dict:
    """Payload of the most recent CALL of `action` the CP received."""
    return [payload for act, payload in cp.calls if act == action][-1]


def cs_reply(dev_cs, cp_id: str, unique_id: str):
    """The CS's reply to a CP->CS CALL, parsed from the exact wire text."""
    for f in dev_cs.frames(cp_id):
        msg = json.loads(f["frame"])
        if f["dir"] == "cs->cp" and msg[0] in (3, 4) and msg[1] == unique_id:
            return msg
    raise AssertionError(f"no reply to {unique_id}")


def assert_frames_valid(frames_log: Path) -> int:
    """Schema-check both sides of a frames log; return how many CS frames were checked.

    tools/validate_frames.py checks what the charge point sent (here: the
    SimCP's answers).  Running the same checks with the directions swapped
    covers the dev CS's own CALLs and CALLRESULTs as well.
    """
    proc = subprocess.run([sys.executable, str(TOOLS_DIR / "validate_frames.py"), str(frames_log)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    flip = {"cp->cs": "cs->cp", "cs->cp": "cp->cs"}
    records = [json.loads(line) for line in frames_log.read_text().splitlines()]
    swapped = [(i, {**r, "dir": flip[r["dir"]]}) for i, r in enumerate(records, 1)]
    n, failures = validate_frames.validate_records(swapped, source=f"{frames_log} (CS side)")
    assert failures == [], "\n".join(map(str, failures))
    return n


# ------------------------------------------------------------------ Remote Trigger


def test_trigger_message(dev_cs):
    async def body():
        async with connected_cp(dev_cs.url_for("trg"), "trg") as cp:
            await cp.boot()

            res = await to_thread(dev_cs.trigger_message, "trg", "Heartbeat")
            assert res == {"result": {"status": "Accepted"}}
            assert last_call(cp, "TriggerMessage") == {"requestedMessage": "Heartbeat"}
            # The sim then sends what was asked for, which the CS records.
            await to_thread(dev_cs.wait_for_message, "trg", "Heartbeat", 1, 5)

            res = await to_thread(dev_cs.trigger_message, "trg", "StatusNotification", connector_id=2)
            assert res == {"result": {"status": "Accepted"}}
            assert last_call(cp, "TriggerMessage") == {"requestedMessage": "StatusNotification",
                                                       "connectorId": 2}
            sn = await to_thread(dev_cs.wait_for_message, "trg", "StatusNotification", 1, 5)
            assert sn[0]["payload"]["connectorId"] == 2

            res = await to_thread(dev_cs.trigger_message, "trg", "BootNotification")
            assert res == {"result": {"status": "Accepted"}}
            await to_thread(dev_cs.wait_for_message, "trg", "BootNotification", 2, 5)

            # connectorId 0 is a real value, not "absent".
            res = await to_thread(dev_cs.trigger_message, "trg", "StatusNotification", 0)
            assert last_call(cp, "TriggerMessage") == {"requestedMessage": "StatusNotification",
                                                       "connectorId": 0}
            await to_thread(dev_cs.wait_for_message, "trg", "StatusNotification", 2, 5)

            res = await to_thread(dev_cs.trigger_message, "trg", "MeterValues", 1)
            assert res == {"result": {"status": "NotImplemented"}}
            res = await to_thread(dev_cs.trigger_message, "trg", "StatusNotification", 7)
            assert res == {"result": {"status": "Rejected"}}
            assert [a for a, _ in cp.received if a == "TriggerMessage"] == ["TriggerMessage"] * 6

    run(body())
    assert assert_frames_valid(dev_cs.frames_log) > 0


# --------------------------------------------------------------------- Reservation


def test_reserve_and_cancel_and_reservation_id_in_transactions(dev_cs):
    plus2 = timezone(timedelta(hours=2))

    async def body():
        async with connected_cp(dev_cs.url_for("rsv"), "rsv") as cp:
            await cp.boot()

            # An aware datetime goes out in UTC with 'Z'.
            res = await to_thread(dev_cs.reserve_now, "rsv", 1,
                                  datetime(2030, 1, 1, 14, 30, tzinfo=plus2), "TAG1", 10)
            assert res == {"result": {"status": "Accepted"}}
            assert last_call(cp, "ReserveNow") == {
                "connectorId": 1, "expiryDate": "2030-01-01T12:30:00.000Z",
                "idTag": "TAG1", "reservationId": 10}
            assert cp.reservations[10]["expiry_date"] == "2030-01-01T12:30:00.000Z"

            # So does an ISO string with an offset; parentIdTag only when given.
            res = await to_thread(dev_cs.reserve_now, "rsv", 1, "2030-06-01T08:00:00+01:00",
                                  "TAG2", 11, parent_id_tag="PARENT")
            assert res == {"result": {"status": "Occupied"}}
            assert last_call(cp, "ReserveNow") == {
                "connectorId": 1, "expiryDate": "2030-06-01T07:00:00.000Z",
                "idTag": "TAG2", "reservationId": 11, "parentIdTag": "PARENT"}

            res = await to_thread(dev_cs.reserve_now, "rsv", 9, "2030-01-01T00:00:00Z", "TAG3", 12)
            assert res == {"result": {"status": "Rejected"}}

            res = await to_thread(dev_cs.cancel_reservation, "rsv", 10)
            assert res == {"result": {"status": "Accepted"}}
            assert last_call(cp, "CancelReservation") == {"reservationId": 10}
            res = await to_thread(dev_cs.cancel_reservation, "rsv", 10)
            assert res == {"result": {"status": "Rejected"}}

            # A naive datetime is refused before anything is sent.
            n_calls = len(cp.calls)
            with pytest.raises(ValueError, match="timezone"):
                await to_thread(dev_cs.reserve_now, "rsv", 1, datetime(2030, 1, 1), "T", 1)
            with pytest.raises(ValueError, match="ISO 8601"):
                await to_thread(dev_cs.reserve_now, "rsv", 1, "tomorrow", "T", 1)
            assert len(cp.calls) == n_calls

            # The reservation is used: StartTransaction carries its id.
            res = await to_thread(dev_cs.reserve_now, "rsv", 2, "2030-01-01T00:00:00Z", "TAG4", 13)
            assert res == {"result": {"status": "Accepted"}}
            await cp.call(call.StartTransaction(connector_id=2, id_tag="TAG4", meter_start=0,
                                                timestamp=NOW, reservation_id=13), suppress=False)
            await cp.call(call.StartTransaction(connector_id=1, id_tag="TAG5", meter_start=0,
                                                timestamp=NOW), suppress=False)
            await cp.call(call.StopTransaction(meter_stop=5, timestamp=NOW, transaction_id=99),
                          suppress=False)

    run(body())
    txs = dev_cs.transactions("rsv")
    assert [(t["transaction_id"], t["reservation_id"]) for t in txs] == [(1, 13), (2, None), (99, None)]
    assert assert_frames_valid(dev_cs.frames_log) > 0


def test_ocpp_utc():
    assert ocpp_utc("2030-01-01T00:00:00Z") == "2030-01-01T00:00:00.000Z"
    assert ocpp_utc("2030-01-01T00:00:00.123456-05:30") == "2030-01-01T05:30:00.123Z"
    assert ocpp_utc(datetime(2030, 1, 1, tzinfo=timezone.utc)) == "2030-01-01T00:00:00.000Z"
    with pytest.raises(ValueError):
        ocpp_utc("2030-01-01T00:00:00")
    with pytest.raises(TypeError):
        ocpp_utc(1893456000)


# ---------------------------------------------------------- Local Auth List Management


def test_send_local_list_and_get_version(dev_cs):
    full = [
        {"idTag": "A1", "idTagInfo": {"status": "Accepted"}},
        {"idTag": "B1", "idTagInfo": {"status": "Blocked", "parentIdTag": "GRP",
                                      "expiryDate": "2030-01-01T00:00:00Z"}},
    ]
    diff = [{"idTag": "A1"}, {"idTag": "C1", "idTagInfo": {"status": "Accepted"}}]

    async def body():
        async with connected_cp(dev_cs.url_for("lal"), "lal") as cp:
            await cp.boot()
            res = await to_thread(dev_cs.get_local_list_version, "lal")
            assert res == {"result": {"listVersion": 0}}
            assert last_call(cp, "GetLocalListVersion") == {}

            res = await to_thread(dev_cs.send_local_list, "lal", 1, "Full", full)
            assert res == {"result": {"status": "Accepted"}}
            assert last_call(cp, "SendLocalList") == {
                "listVersion": 1, "updateType": "Full", "localAuthorizationList": full}
            assert set(cp.local_list) == {"A1", "B1"}
            assert cp.local_list["B1"]["parent_id_tag"] == "GRP"

            # Differential: an entry without idTagInfo deletes that idTag.
            res = await to_thread(dev_cs.send_local_list, "lal", 2, "Differential", diff)
            assert res == {"result": {"status": "Accepted"}}
            assert last_call(cp, "SendLocalList") == {
                "listVersion": 2, "updateType": "Differential", "localAuthorizationList": diff}
            assert set(cp.local_list) == {"B1", "C1"}

            res = await to_thread(dev_cs.send_local_list, "lal", 2, "Differential", diff)
            assert res == {"result": {"status": "VersionMismatch"}}
            assert (await to_thread(dev_cs.get_local_list_version, "lal")) == {"result": {"listVersion": 2}}

            # A Full update with no entries empties the list.
            res = await to_thread(dev_cs.send_local_list, "lal", 3, "Full", [])
            assert res == {"result": {"status": "Accepted"}}
            assert last_call(cp, "SendLocalList")["localAuthorizationList"] == []
            assert cp.local_list == {}

    run(body())
    assert assert_frames_valid(dev_cs.frames_log) > 0


# -------------------------------------------------------------------- Smart Charging


PROFILE = {"chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
           "chargingProfileKind": "Absolute",
           "chargingSchedule": {"chargingRateUnit": "A",
                                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.5}]}}


def test_set_clear_and_composite_schedule(dev_cs):
    async def body():
        async with connected_cp(dev_cs.url_for("sc"), "sc") as cp:
            await cp.boot()
            res = await to_thread(dev_cs.set_charging_profile, "sc", 1, PROFILE)
            assert res == {"result": {"status": "Accepted"}}
            assert last_call(cp, "SetChargingProfile") == {"connectorId": 1,
                                                           "csChargingProfiles": PROFILE}
            res = await to_thread(dev_cs.get_composite_schedule, "sc", 1, 3600, "W")
            assert res["result"]["status"] == "Accepted"
            assert last_call(cp, "GetCompositeSchedule") == {
                "connectorId": 1, "duration": 3600, "chargingRateUnit": "W"}
            res = await to_thread(dev_cs.get_composite_schedule, "sc", 9, 60)
            assert res == {"result": {"status": "Rejected"}}
            res = await to_thread(dev_cs.clear_charging_profile, "sc", connector_id=1,
                                  purpose="TxDefaultProfile", stack_level=0)
            assert res == {"result": {"status": "Accepted"}}
            assert last_call(cp, "ClearChargingProfile") == {
                "connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 0}
            res = await to_thread(dev_cs.clear_charging_profile, "sc", profile_id=1)
            assert res == {"result": {"status": "Unknown"}}
            assert last_call(cp, "ClearChargingProfile") == {"id": 1}

            # The command line: the same three.
            port = dev_cs.control_port
            proc = await to_thread(cli, port, "set-charging-profile", "sc", "0", json.dumps(PROFILE))
            assert proc.returncode == 0 and json.loads(proc.stdout) == {"result": {"status": "Accepted"}}
            proc = await to_thread(cli, port, "get-composite-schedule", "sc", "0", "60", "A")
            assert proc.returncode == 0, proc.stderr
            assert json.loads(proc.stdout)["result"]["chargingSchedule"]["chargingRateUnit"] == "A"
            proc = await to_thread(cli, port, "clear-charging-profile", "sc", "--id", "1")
            assert proc.returncode == 0 and json.loads(proc.stdout) == {"result": {"status": "Accepted"}}
            # A schema-invalid profile is refused before it is sent (limit multipleOf 0.1).
            bad = json.loads(json.dumps(PROFILE))
            bad["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] = 16.55
            n_calls = len(cp.calls)
            proc = await to_thread(cli, port, "set-charging-profile", "sc", "0", json.dumps(bad))
            assert proc.returncode == 1
            assert json.loads(proc.stdout)["error"]["code"] == "OutgoingValidation"
            proc = await to_thread(cli, port, "get-composite-schedule", "sc", "0", "60", "kW")
            assert proc.returncode == 2
            assert len(cp.calls) == n_calls

    run(body())
    assert assert_frames_valid(dev_cs.frames_log) > 0


# --------------------------------------------------------------------- bad arguments


def test_bad_command_arguments_are_http_400(dev_cs):
    async def expect_400(fn, *args, needles=()):
        with pytest.raises(DevCsError) as exc:
            await to_thread(fn, *args)
        assert exc.value.status == 400, exc.value.body
        err = exc.value.body["error"]
        assert err["code"] == "OutgoingValidation"
        for needle in needles:
            assert needle in err["description"], (needle, err["description"])
        return err["description"]

    async def body():
        async with connected_cp(dev_cs.url_for("bad"), "bad") as cp:
            await cp.boot()
            desc = await expect_400(dev_cs.trigger_message, "bad", "Bogus",
                                    needles=("TriggerMessage", "requestedMessage", "'Bogus' is not one of"))
            assert desc.endswith('pass "validate": false to send it anyway')
            await expect_400(dev_cs.send_local_list, "bad", 1, "Partial", [],
                             needles=("updateType", "'Partial'"))
            await expect_400(dev_cs.send_local_list, "bad", 1, "Full", [{"idTagInfo": {"status": "Accepted"}}],
                             needles=("localAuthorizationList/0", "'idTag' is a required property"))
            await expect_400(dev_cs.send_local_list, "bad", 1, "Full",
                             [{"idTag": "A", "idTagInfo": {"status": "Maybe"}}],
                             needles=("localAuthorizationList/0/idTagInfo/status",))
            await expect_400(dev_cs.reserve_now, "bad", "one", "2030-01-01T00:00:00Z", "T", 1,
                             needles=("connectorId", "'one' is not of type 'integer'"))
            await expect_400(dev_cs.reserve_now, "bad", 1, "2030-01-01T00:00:00Z", "X" * 21, 1,
                             needles=("idTag", "too long"))
            await expect_400(dev_cs.cancel_reservation, "bad", "10", needles=("reservationId",))
            with pytest.raises(DevCsError) as exc:
                await to_thread(dev_cs.call, "bad", "NoSuchAction", {})
            assert exc.value.status == 400
            assert "'NoSuchAction' is not an OCPP 1.6 action" in exc.value.body["error"]["description"]
            # Nothing invalid reached the charge point.
            assert [a for a, _ in cp.calls] == []

            # The generic /call keeps its own checks.
            with pytest.raises(DevCsError) as exc:
                await to_thread(dev_cs._request, "POST", "/call",
                                {"cp_id": "bad", "action": "TriggerMessage", "payload": []})
            assert (exc.value.status, exc.value.body["error"]["code"]) == (400, "BadRequest")

    run(body())
    with pytest.raises(DevCsError) as exc:
        dev_cs.trigger_message("ghost", "Heartbeat")
    assert (exc.value.status, exc.value.body["error"]["code"]) == (404, "NotConnected")


# ------------------------------------------------------------------ idtag_rules objects


def test_idtag_rules_with_parent_and_expiry(dev_cs):
    async def body():
        async with connected_cp(dev_cs.url_for("idt"), "idt") as cp:
            await cp.boot()
            cfg = await to_thread(dev_cs.config, idtag_rules={
                "VIP": VIP_INFO, "OLD": "Blocked",
                "KID": {"status": "Accepted", "parentIdTag": "VIP1", "expiryDate": None},
            })
            # Stored as given (old string form untouched, explicit nulls dropped).
            assert cfg["idtag_rules"]["VIP"] == VIP_INFO
            assert cfg["idtag_rules"]["OLD"] == "Blocked"
            assert cfg["idtag_rules"]["KID"] == {"status": "Accepted", "parentIdTag": "VIP1"}

            expected = {
                "VIP7": VIP_INFO, "OLD1": {"status": "Blocked"}, "ABC": {"status": "Accepted"},
                "KID1": {"status": "Accepted", "parentIdTag": "VIP1"},
                "INVALID-1": {"status": "Invalid"},
            }
            for tag, info in expected.items():
                res = await cp.call(call.Authorize(id_tag=tag), suppress=False)
                assert res.id_tag_info["status"] == info["status"], tag
                uid = dev_cs.messages("idt", "Authorize")[-1]["unique_id"]
                assert (await to_thread(cs_reply, dev_cs, "idt", uid))[2] == {"idTagInfo": info}, tag

            tx = await cp.call(call.StartTransaction(connector_id=1, id_tag="VIP7", meter_start=0,
                                                     timestamp=NOW), suppress=False)
            uid = dev_cs.messages("idt", "StartTransaction")[-1]["unique_id"]
            assert (await to_thread(cs_reply, dev_cs, "idt", uid))[2] == {
                "transactionId": tx.transaction_id, "idTagInfo": VIP_INFO}
            await cp.call(call.StopTransaction(meter_stop=1, timestamp=NOW, id_tag="VIP7",
                                               transaction_id=tx.transaction_id), suppress=False)
            uid = dev_cs.messages("idt", "StopTransaction")[-1]["unique_id"]
            assert (await to_thread(cs_reply, dev_cs, "idt", uid))[2] == {"idTagInfo": VIP_INFO}

    run(body())
    assert dev_cs.transactions("idt")[0]["id_tag_status"] == "Accepted"
    # 1 BootNotification + 5 Authorize + Start + Stop answered by the CS.
    assert assert_frames_valid(dev_cs.frames_log) == 8


@pytest.mark.parametrize("rule, needle", [
    ("Maybe", "status 'Maybe' is not one of"),
    ({"status": "Maybe"}, '"status" is required and must be one of'),
    ({"status": ["Accepted"]}, '"status" is required'),
    ({"parentIdTag": "P1"}, '"status" is required'),
    ({"status": "Accepted", "parentIdTag": "X" * 21}, "parentIdTag must be a string of at most 20"),
    ({"status": "Accepted", "parentIdTag": 7}, "parentIdTag must be a string"),
    ({"status": "Accepted", "expiryDate": "2030-01-01"}, "expiryDate must be an RFC 3339 date-time"),
    ({"status": "Accepted", "expiryDate": "2030-02-30T00:00:00Z"}, "expiryDate"),
    ({"status": "Accepted", "expiry": "2030-01-01T00:00:00Z"}, "unknown keys ['expiry']"),
    (5, "must be a status string, an object or null"),
])
def test_idtag_rules_bad_values_are_http_400(dev_cs, rule, needle):
    before = dev_cs.get_config()
    with pytest.raises(DevCsError) as exc:
        # A valid setting next to the bad rule must not be applied either.
        dev_cs.config(boot_status="Pending", idtag_rules={"GOOD": "Blocked", "VIP": rule})
    assert exc.value.status == 400
    err = exc.value.body["error"]
    assert err["code"] == "BadRequest"
    assert "idtag_rules['VIP']" in err["description"] and needle in err["description"], err
    assert dev_cs.get_config() == before


# ----------------------------------------------------------------------- command line


def test_cli_end_to_end(dev_cs):
    port = dev_cs.control_port

    def ok(*args) -> dict:
        proc = cli(port, *args)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        return json.loads(proc.stdout)

    async def body():
        async with connected_cp(dev_cs.url_for("cli"), "cli") as cp:
            await cp.boot()
            assert await to_thread(ok, "trigger", "cli", "StatusNotification", "1") == \
                {"result": {"status": "Accepted"}}
            assert last_call(cp, "TriggerMessage") == {"requestedMessage": "StatusNotification",
                                                       "connectorId": 1}
            await to_thread(dev_cs.wait_for_message, "cli", "StatusNotification", 1, 5)
            assert await to_thread(ok, "trigger", "cli", "Heartbeat") == {"result": {"status": "Accepted"}}
            assert last_call(cp, "TriggerMessage") == {"requestedMessage": "Heartbeat"}

            entries = [{"idTag": "A1", "idTagInfo": {"status": "Accepted", "parentIdTag": "P"}},
                       {"idTag": "B1"}]
            assert await to_thread(ok, "send-local-list", "cli", "4", "Differential",
                                   json.dumps(entries)) == {"result": {"status": "Accepted"}}
            assert last_call(cp, "SendLocalList") == {
                "listVersion": 4, "updateType": "Differential", "localAuthorizationList": entries}
            assert await to_thread(ok, "get-local-list-version", "cli") == {"result": {"listVersion": 4}}

            assert await to_thread(ok, "reserve", "cli", "1", "2030-01-01T01:00:00+01:00", "T1", "5",
                                   "--parent-id-tag", "P") == {"result": {"status": "Accepted"}}
            assert last_call(cp, "ReserveNow") == {
                "connectorId": 1, "expiryDate": "2030-01-01T00:00:00.000Z", "idTag": "T1",
                "reservationId": 5, "parentIdTag": "P"}
            assert await to_thread(ok, "cancel-reservation", "cli", "5") == {"result": {"status": "Accepted"}}

            res = await to_thread(ok, "call", "cli", "GetConfiguration", '{"key": ["HeartbeatInterval"]}')
            assert res["result"]["configurationKey"][0]["key"] == "HeartbeatInterval"

            # Error answers: exit 1 with the JSON on stdout.
            proc = await to_thread(cli, port, "call", "cli", "Reset", '{"type": "Soft"}')
            assert proc.returncode == 1 and json.loads(proc.stdout)["error"]["code"] == "NotImplemented"
            proc = await to_thread(cli, port, "trigger", "cli", "Bogus")
            assert proc.returncode == 1
            assert json.loads(proc.stdout)["error"]["code"] == "OutgoingValidation"
            proc = await to_thread(cli, port, "trigger", "ghost", "Heartbeat")
            assert proc.returncode == 1 and json.loads(proc.stdout)["error"]["code"] == "NotConnected"

            # Usage errors: exit 2, nothing sent.
            n_calls = len(cp.calls)
            for args in (["send-local-list", "cli", "1", "Full", "{not json"],
                         ["send-local-list", "cli", "1", "Full", '{"idTag": "A"}'],
                         ["reserve", "cli", "1", "2030-01-01T00:00:00", "T", "1"],
                         ["cancel-reservation", "cli", "five"],
                         ["frobnicate", "cli"]):
                proc = await to_thread(cli, port, *args)
                assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
                assert proc.stdout == "" and "error" in proc.stderr
            assert len(cp.calls) == n_calls

    run(body())
    assert assert_frames_valid(dev_cs.frames_log) > 0


def test_cli_without_a_running_cs():
    with socket.socket() as s:  # a loopback port that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = cli(port, "get-local-list-version", "cp")
    assert proc.returncode == 1
    assert proc.stdout == "" and "cannot reach the dev CS" in proc.stderr
