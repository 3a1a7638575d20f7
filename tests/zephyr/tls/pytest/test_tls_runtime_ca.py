"""Security Profile 2 on native_sim with the CA registered at run time
(ocpp_set_tls_credential() before ocpp_init(), no CONFIG_OCPP_CA_CERT_FILE).

The dev CS first serves a valid certificate for another host name: the charge point refuses it
right after the handshake (mbedTLS's verify result, before the upgrade and its Basic Auth are
sent) and queues the security event InvalidCentralSystemCertificate. The dev CS is then
restarted on the same port with the right certificate: the charge point connects, boots and
delivers the event."""

from __future__ import annotations

import sys
import time
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
    path = build_dir / "tls-runtime-frames.jsonl"
    path.unlink(missing_ok=True)
    return path


@pytest.fixture(scope="module")
def cs_args(build_dir: Path) -> list[str]:
    config = build_dir / "zephyr" / ".config"
    port = find_in_config(config, "CONFIG_OCPP_E2E_PORT")
    key = find_in_config(config, "CONFIG_OCPP_AUTHORIZATION_KEY")
    assert port and key, "CONFIG_OCPP_E2E_PORT / CONFIG_OCPP_AUTHORIZATION_KEY not in .config"
    assert not find_in_config(config, "CONFIG_OCPP_CA_CERT_FILE"), "the CA must not be embedded"
    return ["--port", port, "--tls", "--tls-dir", str(build_dir / "ocpp_tls_certs"),
            "--password", key.strip('"')]


@pytest.fixture(scope="module")
def wrong_host_cs(cs_args: list[str], frames_log: Path):
    with DevCsServer.start(frames_log=frames_log,
                           extra_args=cs_args + ["--server-cert", "wrong-host"]) as cs:
        yield cs


def test_a_certificate_for_another_host_is_refused(wrong_host_cs: DevCsServer,
                                                    dut: DeviceAdapter):
    lines = dut.readlines_until(regex=r"E2E: runtime CA", timeout=30)
    assert any("E2E: runtime CA 0" in line for line in lines), lines
    dut.readlines_until(regex=r"Central System certificate not verified", timeout=60)
    # Refused before the upgrade: the Central System saw no WebSocket session at all.
    time.sleep(2)
    assert not wrong_host_cs.messages(CP_ID, "BootNotification")


def test_the_right_certificate_connects_and_the_event_arrives(
        wrong_host_cs: DevCsServer, cs_args: list[str], frames_log: Path, dut: DeviceAdapter):
    wrong_host_cs.stop()
    with DevCsServer.start(frames_log=frames_log, extra_args=cs_args) as cs:
        dut.readlines_until(regex=r"E2E: registration accepted", timeout=90)
        deadline = time.monotonic() + 30
        events = []
        while time.monotonic() < deadline and not events:
            events = [e for e in cs.messages(CP_ID, "SecurityEventNotification")
                      if e["payload"].get("type") == "InvalidCentralSystemCertificate"]
            time.sleep(0.5)
        assert events, cs.messages(CP_ID, "SecurityEventNotification")
        assert cs.status(CP_ID)["auth_failures"] == 0


def test_frames_schema_valid(frames_log: Path):
    validated, failures = validate_frames.validate_file(frames_log)
    assert validated > 0, f"no frames in {frames_log}"
    assert not failures, failures
