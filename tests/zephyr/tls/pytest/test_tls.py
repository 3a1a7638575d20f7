"""zephyr-ocpp with Security Profile 2 on native_sim: the end-to-end application connects to the
development Central System over wss:// (its certificate checked against the CA embedded at build
time, hostname 127.0.0.1) with HTTP Basic Auth (user = charge point id, password =
CONFIG_OCPP_AUTHORIZATION_KEY), boots and runs its local transaction."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from twister_harness import DeviceAdapter
from twister_harness.helpers.utils import find_in_config

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "tools"))
from dev_cs_client import DevCsServer  # noqa: E402
import validate_frames  # noqa: E402

CP_ID = "zephyr-tls"  # last segment of CONFIG_OCPP_E2E_URL


@pytest.fixture(scope="module")
def build_dir(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.getoption("--build-dir"))


@pytest.fixture(scope="module")
def frames_log(build_dir: Path) -> Path:
    path = build_dir / "tls-frames.jsonl"
    path.unlink(missing_ok=True)
    return path


@pytest.fixture(scope="module")
def central_system(build_dir: Path, frames_log: Path):
    config = build_dir / "zephyr" / ".config"
    port = find_in_config(config, "CONFIG_OCPP_E2E_PORT")
    key = find_in_config(config, "CONFIG_OCPP_AUTHORIZATION_KEY")
    assert port and key, "CONFIG_OCPP_E2E_PORT / CONFIG_OCPP_AUTHORIZATION_KEY not in .config"
    args = ["--port", port, "--tls", "--tls-dir", str(build_dir / "ocpp_tls_certs"),
            "--password", key.strip('"')]
    with DevCsServer.start(frames_log=frames_log, extra_args=args) as cs:
        yield cs


def test_boot_over_tls_with_basic_auth(central_system: DevCsServer, dut: DeviceAdapter):
    assert central_system.ws_url.startswith("wss://")
    dut.readlines_until(regex=r"E2E: registration accepted", timeout=90)
    status = central_system.status(CP_ID)
    assert status["last_boot_status"] == "Accepted", status
    assert status["subprotocol"] == "ocpp1.6", status
    assert status["auth_failures"] == 0, status


def test_local_transaction_over_tls(central_system: DevCsServer, dut: DeviceAdapter):
    dut.readlines_until(regex=r"E2E: connector 1 stop ret 0", timeout=60)
    stops = central_system.messages(CP_ID, "StopTransaction")
    assert stops, "no StopTransaction reached the Central System"


def test_frames_schema_valid(central_system: DevCsServer, frames_log: Path):
    validated, failures = validate_frames.validate_file(frames_log)
    assert validated > 0, f"no frames in {frames_log}"
    assert not failures, failures
