"""zephyr-ocpp end to end on native_sim: the C API application of src/main.c against the
development Central System (tools/dev_cs.py) on 127.0.0.1.

The Central System is started by a module fixture that does not depend on the DUT, on the port
compiled into the application (CONFIG_OCPP_E2E_PORT); the charge point retries the connection
every 0.5-2 s, so either may come up first. The tests are the scenario's steps, in order, on
one run of the DUT (pytest_dut_scope: module). The DUT prints "E2E:" lines at each step.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from twister_harness import DeviceAdapter
from twister_harness.helpers.utils import find_in_config

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "tools"))
from dev_cs_client import DevCsServer  # noqa: E402
import validate_frames  # noqa: E402

CP_ID = "zephyr-e2e"  # last segment of CONFIG_OCPP_E2E_URL
LOCAL_IDTAG = "E2E-LOCAL-1"
REMOTE_IDTAG = "E2E-REMOTE-2"


def wait_line(dut: DeviceAdapter, regex: str, timeout: float) -> re.Match:
    """The DUT's next output line matching `regex` (earlier lines are dropped)."""
    lines = dut.readlines_until(regex=regex, timeout=timeout)
    match = re.search(regex, lines[-1])
    assert match, lines
    return match


@pytest.fixture(scope="module")
def build_dir(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.getoption("--build-dir"))


@pytest.fixture(scope="module")
def frames_log(build_dir: Path) -> Path:
    path = build_dir / "e2e-frames.jsonl"
    path.unlink(missing_ok=True)  # the Central System appends
    return path


@pytest.fixture(scope="module")
def central_system(build_dir: Path, frames_log: Path):
    port = find_in_config(build_dir / "zephyr" / ".config", "CONFIG_OCPP_E2E_PORT")
    assert port, "CONFIG_OCPP_E2E_PORT not found in the build's .config"
    with DevCsServer.start(frames_log=frames_log, extra_args=["--port", port]) as cs:
        yield cs


def transaction_of(cs: DevCsServer, connector: int) -> dict:
    """The one transaction the Central System saw on `connector`."""
    txs = [t for t in cs.transactions(CP_ID) if t["connector_id"] == connector]
    assert len(txs) == 1, txs
    return txs[0]


def test_boot_accepted(central_system: DevCsServer, dut: DeviceAdapter):
    lines = dut.readlines_until(regex=r"E2E: registration accepted", timeout=60)
    # The same event on zbus: published by the library's thread, so either line may come first.
    if not any("E2E: zbus registration 0" in line for line in lines):
        wait_line(dut, r"E2E: zbus registration 0", timeout=5)
    status = central_system.status(CP_ID)
    assert status["last_boot_status"] == "Accepted", status
    assert status["subprotocol"] == "ocpp1.6", status
    boot = central_system.messages(CP_ID, "BootNotification")[-1]["payload"]
    assert boot["chargePointVendor"] == "zephyr-ocpp", boot
    assert boot["chargePointModel"] == "zephyr-ocpp-e2e", boot
    assert boot["firmwareVersion"] == "0.1.0", boot
    # Every connector and the charge point itself report their status after an accepted boot.
    def reported():
        connectors = {m["payload"]["connectorId"] for m in central_system.messages(CP_ID, "StatusNotification")}
        return connectors >= {0, 1, 2}
    central_system.wait_until(reported, timeout=10, what="StatusNotifications of connectors 0, 1 and 2")


def test_local_transaction_on_connector_1(central_system: DevCsServer, dut: DeviceAdapter):
    authorized = wait_line(dut, r"E2E: connector 1 authorize (\S+) ret (-?\d+) status (\d+)", timeout=30)
    assert authorized.groups() == (LOCAL_IDTAG, "0", "1"), authorized.group(0)  # 1: OCPP_AUTH_ACCEPTED
    started = wait_line(dut, r"E2E: connector 1 start ret (-?\d+) transaction (-?\d+)", timeout=30)
    assert started.group(1) == "0", started.group(0)
    wait_line(dut, r"E2E: connector 1 stop ret 0", timeout=60)

    tx = central_system.wait_until(lambda: (lambda t: t if not t["active"] else None)(transaction_of(central_system, 1)),
                                   timeout=10, what="the StopTransaction of connector 1")
    assert int(started.group(2)) == tx["transaction_id"], (started.group(0), tx)
    assert tx["id_tag"] == LOCAL_IDTAG and tx["reason"] == "Local", tx
    assert tx["meter_stop"] > tx["meter_start"], tx
    authorizes = [m["payload"]["idTag"] for m in central_system.messages(CP_ID, "Authorize")]
    assert LOCAL_IDTAG in authorizes, authorizes
    samples = [m["payload"] for m in central_system.messages(CP_ID, "MeterValues")
               if m["payload"].get("transactionId") == tx["transaction_id"]]
    assert samples, "no MeterValues during the transaction"
    assert all(s["connectorId"] == 1 for s in samples), samples
    stop = [m["payload"] for m in central_system.messages(CP_ID, "StopTransaction")
            if m["payload"]["transactionId"] == tx["transaction_id"]]
    assert len(stop) == 1 and stop[0]["meterStop"] == tx["meter_stop"], stop


def test_remote_start_and_stop_on_connector_2(central_system: DevCsServer, dut: DeviceAdapter):
    answer = central_system.call(CP_ID, "RemoteStartTransaction", {"connectorId": 2, "idTag": REMOTE_IDTAG})
    assert answer.get("result", {}).get("status") == "Accepted", answer
    wait_line(dut, rf"E2E: remote start connector 2 idtag {REMOTE_IDTAG}", timeout=10)
    started = wait_line(dut, r"E2E: connector 2 start ret (-?\d+) transaction (-?\d+)", timeout=30)
    assert started.group(1) == "0", started.group(0)
    tx = transaction_of(central_system, 2)
    assert tx["active"] and tx["id_tag"] == REMOTE_IDTAG, tx
    assert int(started.group(2)) == tx["transaction_id"], (started.group(0), tx)

    answer = central_system.call(CP_ID, "RemoteStopTransaction", {"transactionId": tx["transaction_id"]})
    assert answer.get("result", {}).get("status") == "Accepted", answer
    wait_line(dut, r"E2E: remote stop connector 2", timeout=10)
    wait_line(dut, r"E2E: connector 2 stop ret 0", timeout=30)
    tx = central_system.wait_until(lambda: (lambda t: t if not t["active"] else None)(transaction_of(central_system, 2)),
                                   timeout=10, what="the StopTransaction of connector 2")
    assert tx["reason"] == "Remote", tx


def test_unlock_connector_answered(central_system: DevCsServer, dut: DeviceAdapter):
    answer = central_system.call(CP_ID, "UnlockConnector", {"connectorId": 2})
    assert answer.get("result", {}).get("status") == "Unlocked", answer
    wait_line(dut, r"E2E: unlock connector 2", timeout=10)
    # No transaction ran on connector 2 any more: the unlock stopped nothing.
    assert len([t for t in central_system.transactions(CP_ID) if t["connector_id"] == 2]) == 1


def test_optional_profiles_and_their_zbus_events(central_system: DevCsServer, dut: DeviceAdapter):
    # The application set connector 2 Available after its transaction; it can be reserved.
    answer = central_system.trigger_message(CP_ID, "StatusNotification", connector_id=2)
    assert answer.get("result", {}).get("status") == "Accepted", answer
    wait_line(dut, r"E2E: zbus triggered StatusNotification connector 2", timeout=10)
    answer = central_system.reserve_now(CP_ID, 2, "2099-01-01T00:00:00Z", "E2E-RES", 5)
    assert answer.get("result", {}).get("status") == "Accepted", answer
    wait_line(dut, r"E2E: zbus reservation 5 on connector 2", timeout=10)
    answer = central_system.cancel_reservation(CP_ID, 5)
    assert answer.get("result", {}).get("status") == "Accepted", answer
    wait_line(dut, r"E2E: zbus reservation 5 cancelled", timeout=10)
    entries = [{"idTag": "E2E-LIST", "idTagInfo": {"status": "Accepted"}}]
    answer = central_system.send_local_list(CP_ID, 3, "Full", entries)
    assert answer.get("result", {}).get("status") == "Accepted", answer
    wait_line(dut, r"E2E: zbus local list version 3", timeout=10)
    answer = central_system.get_local_list_version(CP_ID)
    assert answer.get("result", {}).get("listVersion") == 3, answer
    def reserved_then_available():
        statuses = [m["payload"]["status"] for m in central_system.messages(CP_ID, "StatusNotification")
                    if m["payload"]["connectorId"] == 2]
        return statuses[-2:] == ["Reserved", "Available"]
    central_system.wait_until(reserved_then_available, timeout=10,
                              what="connector 2 reported Reserved, then Available")


def test_reset_registers_anew(central_system: DevCsServer, dut: DeviceAdapter):
    # Issue 10, defect 11: a Reset takes effect. This build has CONFIG_OCPP_RESET_REBOOT=n
    # (sys_reboot would end the native_sim process), so the charge point reconnects and
    # sends a new BootNotification.
    boots = len(central_system.messages(CP_ID, "BootNotification"))
    answer = central_system.call(CP_ID, "Reset", {"type": "Soft"})
    assert answer.get("result", {}).get("status") == "Accepted", answer
    central_system.wait_until(
        lambda: len(central_system.messages(CP_ID, "BootNotification")) > boots,
        timeout=20, what="a new BootNotification after the Reset")
    central_system.wait_until(
        lambda: central_system.status(CP_ID)["last_boot_status"] == "Accepted",
        timeout=10, what="registered again")


def test_frames_schema_valid(central_system: DevCsServer, frames_log: Path):
    validated, failures = validate_frames.validate_file(frames_log)
    assert validated > 0, f"no frames in {frames_log}"
    assert not failures, failures[:3]
