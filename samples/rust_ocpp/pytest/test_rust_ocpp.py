"""samples/rust_ocpp on native_sim: the Rust application (zephyr-ocpp's native Rust API on
zephyr-lang-rust) against the development Central System (tools/dev_cs.py) on 127.0.0.1.

The Central System is started by a module fixture on the port compiled into the application
(CONFIG_RUST_OCPP_PORT); the charge point retries every 0.5-2 s, so either may come up first.
The tests are the run's steps, in order (pytest_dut_scope: module); the DUT prints
"RUST_OCPP:" lines.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from twister_harness import DeviceAdapter
from twister_harness.helpers.utils import find_in_config

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools"))
from dev_cs_client import DevCsServer  # noqa: E402
import validate_frames  # noqa: E402

CP_ID = "zephyr-rust"  # last segment of CONFIG_RUST_OCPP_URL
ID_TAGS = {1: "RUST-TAG-1", 2: "RUST-TAG-2"}


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
    path = build_dir / "rust-ocpp-frames.jsonl"
    path.unlink(missing_ok=True)  # the Central System appends
    return path


@pytest.fixture(scope="module")
def central_system(build_dir: Path, frames_log: Path):
    port = find_in_config(build_dir / "zephyr" / ".config", "CONFIG_RUST_OCPP_PORT")
    assert port, "CONFIG_RUST_OCPP_PORT not found in the build's .config"
    with DevCsServer.start(frames_log=frames_log, extra_args=["--port", port]) as cs:
        yield cs


def test_boot_accepted(central_system: DevCsServer, dut: DeviceAdapter):
    wait_line(dut, r"RUST_OCPP: registration Accepted", timeout=60)
    status = central_system.status(CP_ID)
    assert status["last_boot_status"] == "Accepted", status
    assert status["subprotocol"] == "ocpp1.6", status
    boot = central_system.messages(CP_ID, "BootNotification")[-1]["payload"]
    assert boot["chargePointVendor"] == "zephyr-ocpp", boot
    assert boot["chargePointModel"] == "zephyr-rust-sample", boot
    central_system.wait_until(
        lambda: {m["payload"]["connectorId"] for m in central_system.messages(CP_ID, "StatusNotification")}
        >= {0, 1, 2},
        timeout=10, what="StatusNotifications of connectors 0, 1 and 2")


@pytest.mark.parametrize("connector", [1, 2])
def test_transaction_on_connector(central_system: DevCsServer, dut: DeviceAdapter, connector: int):
    id_tag = ID_TAGS[connector]
    wait_line(dut, rf"RUST_OCPP: connector {connector} authorize {id_tag} accepted true", timeout=30)
    started = wait_line(dut, rf"RUST_OCPP: connector {connector} started transaction (-?\d+) meter (\d+)",
                        timeout=30)
    stopped = wait_line(dut, rf"RUST_OCPP: connector {connector} stopped transaction (-?\d+) meter (\d+) "
                        r"delivered true", timeout=60)
    transaction_id = int(started.group(1))
    assert int(stopped.group(1)) == transaction_id

    assert id_tag in [m["payload"]["idTag"] for m in central_system.messages(CP_ID, "Authorize")]
    txs = [t for t in central_system.transactions(CP_ID) if t["connector_id"] == connector]
    assert len(txs) == 1, txs
    tx = txs[0]
    assert tx["transaction_id"] == transaction_id and not tx["active"], tx
    assert tx["id_tag"] == id_tag and tx["reason"] in (None, "Local"), tx  # omitted: Local
    assert tx["meter_start"] == int(started.group(2)), tx
    assert tx["meter_stop"] == int(stopped.group(2)) > tx["meter_start"], tx
    samples = [m["payload"] for m in central_system.messages(CP_ID, "MeterValues")
               if m["payload"].get("transactionId") == transaction_id]
    assert samples, "no MeterValues during the transaction"
    assert all(s["connectorId"] == connector for s in samples), samples
    readings = [int(v["value"]) for s in samples for mv in s["meterValue"] for v in mv["sampledValue"]
                if v.get("measurand", "Energy.Active.Import.Register") == "Energy.Active.Import.Register"]
    assert readings and all(tx["meter_start"] <= r <= tx["meter_stop"] for r in readings), readings


def test_run_completes(dut: DeviceAdapter):
    wait_line(dut, r"RUST_OCPP: done ok", timeout=30)


def test_frames_schema_valid(central_system: DevCsServer, frames_log: Path):
    validated, failures = validate_frames.validate_file(frames_log)
    assert validated > 0, f"no frames in {frames_log}"
    assert not failures, failures[:3]
