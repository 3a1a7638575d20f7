"""The whitepaper's certificate management on native_sim over TLS (ocpp.tls.certificates).

1. The charge point boots on Security Profile 2 (the CA embedded at build time).
2. InstallCertificate(CentralSystemRootCertificate, the dev CS's second CA) is Accepted and
   GetInstalledCertificateIds reports the hash data Python's `cryptography` computes.
3. ExtendedTriggerMessage(SignChargePointCertificate): the charge point makes a P-256 key pair
   and a CSR with mbedTLS, sends SignCertificate; the dev CS signs it; CertificateSigned is
   Accepted; a chain for another key is Rejected.
4. SecurityProfile is raised to 3 and the dev CS restarted with the second CA's server
   certificate, requiring a client certificate: the charge point reconnects, trusting the
   installed root, and presents the certificate the dev CS signed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from twister_harness import DeviceAdapter
from twister_harness.helpers.utils import find_in_config

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "tools"))
from dev_cs_client import DevCsError, DevCsServer  # noqa: E402
import validate_frames  # noqa: E402

CP_ID = "zephyr-tls"  # last segment of CONFIG_OCPP_E2E_URL


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def build_dir(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.getoption("--build-dir"))


@pytest.fixture(scope="module")
def frames_log(build_dir: Path) -> Path:
    path = build_dir / "tls-certificates-frames.jsonl"
    path.unlink(missing_ok=True)
    return path


@pytest.fixture(scope="module")
def cs_args(build_dir: Path) -> list[str]:
    config = build_dir / "zephyr" / ".config"
    port = find_in_config(config, "CONFIG_OCPP_E2E_PORT")
    key = find_in_config(config, "CONFIG_OCPP_AUTHORIZATION_KEY")
    assert port and key, "CONFIG_OCPP_E2E_PORT / CONFIG_OCPP_AUTHORIZATION_KEY not in .config"
    return ["--port", port, "--tls", "--tls-dir", str(build_dir / "ocpp_tls_certs"),
            "--password", key.strip('"')]


@pytest.fixture(scope="module")
def first_cs(cs_args: list[str], frames_log: Path):
    with DevCsServer.start(frames_log=frames_log, extra_args=cs_args) as cs:
        yield cs


def test_boot_on_profile_2(first_cs: DevCsServer, dut: DeviceAdapter):
    dut.readlines_until(regex=r"E2E: registration accepted", timeout=90)
    assert first_cs.status(CP_ID)["last_boot_status"] == "Accepted"


def test_install_certificate_and_list_it(first_cs: DevCsServer, dut: DeviceAdapter):
    ca2 = first_cs._get("/tls/certificate", name="ca2")
    answer = first_cs.call(CP_ID, "InstallCertificate", {
        "certificateType": "CentralSystemRootCertificate", "certificate": ca2["pem"]})
    assert answer["result"]["status"] == "Accepted", answer
    ids = first_cs.call(CP_ID, "GetInstalledCertificateIds",
                        {"certificateType": "CentralSystemRootCertificate"})["result"]
    assert ids["status"] == "Accepted", ids
    assert ca2["certificateHashData"] in ids["certificateHashData"], ids


def test_sign_certificate_with_a_key_made_on_the_device(first_cs: DevCsServer,
                                                         dut: DeviceAdapter):
    answer = first_cs.call(CP_ID, "ExtendedTriggerMessage",
                           {"requestedMessage": "SignChargePointCertificate"})
    assert answer["result"]["status"] == "Accepted", answer
    first_cs.wait_for_message(CP_ID, "SignCertificate", timeout=60)
    csr = first_cs.messages(CP_ID, "SignCertificate")[-1]["payload"]["csr"]
    assert csr.startswith("-----BEGIN CERTIFICATE REQUEST-----"), csr
    wrong = first_cs._request("POST", "/certificate_signed",
                              {"cp_id": CP_ID, "chain": "other_key"}, timeout=20)
    assert wrong["result"]["status"] == "Rejected", wrong
    signed = first_cs._request("POST", "/certificate_signed",
                               {"cp_id": CP_ID, "chain": "signed"}, timeout=20)
    assert signed["result"]["status"] == "Accepted", signed
    rejected = wait_for(
        lambda: [e for e in first_cs.messages(CP_ID, "SecurityEventNotification")
                 if e["payload"]["type"] == "InvalidChargePointCertificate"],
        30, "the InvalidChargePointCertificate event")
    assert rejected


def test_profile_3_trusts_the_installed_root_and_presents_the_new_certificate(
        first_cs: DevCsServer, cs_args: list[str], frames_log: Path, dut: DeviceAdapter):
    signed = first_cs._get("/signed_certificates", cp_id=CP_ID)
    assert signed, "the dev CS signed no certificate"
    # An accepted CertificateSigned makes the charge point reconnect (the new certificate is
    # used from the next connection): raise the profile once it is back.
    def raise_profile():
        try:
            return first_cs.call(CP_ID, "ChangeConfiguration",
                                 {"key": "SecurityProfile", "value": "3"})
        except DevCsError:
            return None
    answer = wait_for(raise_profile, 60, "the charge point back after CertificateSigned")
    assert answer["result"]["status"] == "Accepted", answer
    first_cs.stop()
    args = cs_args + ["--server-cert", "ca2", "--require-client-cert"]
    with DevCsServer.start(frames_log=frames_log, extra_args=args) as cs:
        wait_for(lambda: cs.status(CP_ID).get("last_boot_status") == "Accepted", 120,
                 "a boot over profile 3")
        presented = [c for c in cs._get("/client_certificates", cp_id=CP_ID) if c]
        assert presented, "no client certificate presented"
        assert presented[-1]["serial"] == signed[-1]["serial"], (presented, signed)
        assert presented[-1]["spki_sha256"] == signed[-1]["spki_sha256"]


def test_frames_schema_valid(frames_log: Path):
    validated, failures = validate_frames.validate_file(frames_log)
    assert validated > 0, f"no frames in {frames_log}"
    assert not failures, failures
