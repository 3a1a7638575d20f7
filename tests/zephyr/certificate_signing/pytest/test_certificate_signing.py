"""zephyr-ocpp certificate signing on native_sim: over wss:// (Security Profile 2, as
tests/zephyr/tls), the development Central System sets CpoName and triggers
SignChargePointCertificate; the charge point's SignCertificate carries a CSR that mbedTLS made on
the device (ECDSA P-256, O=CpoName, CN=the charge point id, signature valid); the dev CS signs it
and sends CertificateSigned, which the charge point accepts. Every frame is schema-validated."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from twister_harness import DeviceAdapter
from twister_harness.helpers.utils import find_in_config

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "tools"))
from dev_cs_client import DevCsServer  # noqa: E402
import validate_frames  # noqa: E402

CP_ID = "zephyr-csr"  # last segment of CONFIG_OCPP_E2E_URL


@pytest.fixture(scope="module")
def build_dir(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.getoption("--build-dir"))


@pytest.fixture(scope="module")
def frames_log(build_dir: Path) -> Path:
    path = build_dir / "csr-frames.jsonl"
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


def test_the_csr_is_generated_on_the_device_and_its_certificate_accepted(
        central_system: DevCsServer, dut: DeviceAdapter):
    dut.readlines_until(regex=r"E2E: registration accepted", timeout=90)
    cs = central_system
    assert cs.call(CP_ID, "ChangeConfiguration",
                   {"key": "CpoName", "value": "Zephyr CPO"})["result"]["status"] == "Accepted"
    trigger = cs.call(CP_ID, "ExtendedTriggerMessage",
                      {"requestedMessage": "SignChargePointCertificate"})
    assert trigger["result"]["status"] == "Accepted", trigger
    cs.wait_for_message(CP_ID, "SignCertificate", timeout=30)
    pem = cs.messages(CP_ID, "SignCertificate")[0]["payload"]["csr"]
    csr = x509.load_pem_x509_csr(pem.encode())
    assert csr.is_signature_valid
    assert isinstance(csr.public_key(), ec.EllipticCurvePublicKey)
    assert csr.public_key().curve.name == "secp256r1"
    assert csr.subject.rfc4514_string() == f"O=Zephyr CPO,CN={CP_ID}"
    signed = cs._request("POST", "/certificate_signed", {"cp_id": CP_ID})
    assert signed["result"] == {"status": "Accepted"}, signed
    dut.readlines_until(regex=r"CertificateSigned accepted", timeout=30)


def test_frames_schema_valid(central_system: DevCsServer, frames_log: Path):
    validated, failures = validate_frames.validate_file(frames_log)
    assert validated > 0, f"no frames in {frames_log}"
    assert not failures, failures
