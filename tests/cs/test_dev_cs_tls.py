"""The dev Central System's Security Profile options (tools/dev_cs_tls.py): wss:// with the
certificates it generates, the expired and wrong-host variants, a required client certificate
and HTTP Basic Auth, exercised with Python's own TLS and websockets clients."""

from __future__ import annotations

import asyncio
import base64
import ssl
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage, InvalidStatus

from dev_cs_client import DevCsError, DevCsServer

KEY = "0123456789abcdef0123"


def auth(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def client_context(ca: Path, cert: Path | None = None, key: Path | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca))
    if cert is not None:
        ctx.load_cert_chain(cert, key)
    return ctx


async def open_ws(url: str, **kwargs) -> str | None:
    """Connects, returns the negotiated subprotocol, closes."""
    async with connect(url, subprotocols=["ocpp1.6"], open_timeout=5, **kwargs) as ws:
        return ws.subprotocol


@pytest.fixture
def start(tmp_path):
    servers = []

    def _start(*args: str) -> DevCsServer:
        server = DevCsServer.start(frames_log=tmp_path / "frames.jsonl", extra_args=list(args))
        servers.append(server)
        return server

    yield _start
    for server in servers:
        assert server.stop() == 0


def test_ready_line_names_the_generated_files(start):
    cs = start("--tls")
    fields = cs.ready_fields
    for name in ("ca", "client_cert", "client_key", "tls_dir"):
        assert Path(fields[name]).exists(), name
    assert cs.ws_url.startswith("wss://127.0.0.1:")
    assert cs.files_port > 0, "the existing fields stay"
    tls_dir = Path(fields["tls_dir"])
    for name in ("server-expired.pem", "server-wrong-host.pem", "other-ca.pem"):
        assert (tls_dir / name).exists(), name
    assert (tls_dir / "ca.key").stat().st_mode & 0o077 == 0, "keys are private"
    cs.stop()
    assert not tls_dir.exists(), "generated keys are removed at exit"


def test_wss_verifies_with_the_ca_and_not_without(start):
    cs = start("--tls")
    ca = Path(cs.ready_fields["ca"])
    assert asyncio.run(open_ws(cs.url_for("PY_TLS"), ssl=client_context(ca))) == "ocpp1.6"
    other = Path(cs.ready_fields["tls_dir"]) / "other-ca.pem"
    with pytest.raises(ssl.SSLCertVerificationError):
        asyncio.run(open_ws(cs.url_for("PY_TLS"), ssl=client_context(other)))


@pytest.mark.parametrize("variant, reason", [("expired", "expired"),
                                             ("wrong-host", "match")])
def test_bad_server_certificates_fail_verification(start, variant, reason):
    cs = start("--tls", "--server-cert", variant)
    ca = Path(cs.ready_fields["ca"])
    with pytest.raises(ssl.SSLCertVerificationError, match=reason):
        asyncio.run(open_ws(cs.url_for("PY_BAD"), ssl=client_context(ca)))


def test_client_certificate_required(start):
    cs = start("--tls", "--require-client-cert")
    f = cs.ready_fields
    ctx = client_context(Path(f["ca"]), Path(f["client_cert"]), Path(f["client_key"]))
    assert asyncio.run(open_ws(cs.url_for("PY_MTLS"), ssl=ctx)) == "ocpp1.6"
    # TLS 1.3: the refusal comes after the handshake, so the upgrade finds the connection gone.
    with pytest.raises((ssl.SSLError, ConnectionError, InvalidMessage)):
        asyncio.run(open_ws(cs.url_for("PY_MTLS"), ssl=client_context(Path(f["ca"]))))


def test_basic_auth_is_checked(start):
    cs = start("--password", KEY, "--password", "another-key-0123456")
    url = cs.url_for("PY_AUTH")
    assert asyncio.run(open_ws(url, additional_headers=auth("PY_AUTH", KEY))) == "ocpp1.6"
    assert asyncio.run(open_ws(url, additional_headers=auth("PY_AUTH", "another-key-0123456")))
    for headers in ({}, auth("PY_AUTH", "wrong-key-01234567"), auth("OTHER_ID", KEY),
                    {"Authorization": "Bearer x"}):
        with pytest.raises(InvalidStatus) as refused:
            asyncio.run(open_ws(url, additional_headers=headers))
        assert refused.value.response.status_code == 401
        assert refused.value.response.headers["WWW-Authenticate"].startswith("Basic")
    assert cs.status("PY_AUTH")["auth_failures"] == 4


def test_second_ca_serves_its_server_certificate(start, tmp_path):
    """--server-cert ca2: trusted with ca2.pem (what InstallCertificate installs), not with ca."""
    tls_dir = tmp_path / "tls"
    cs = start("--tls", "--tls-dir", str(tls_dir), "--server-cert", "ca2")
    assert (tls_dir / "ca2.pem").exists() and (tls_dir / "server-ca2.pem").exists()
    assert asyncio.run(open_ws(cs.url_for("PY_CA2"), ssl=client_context(tls_dir / "ca2.pem")))
    with pytest.raises(ssl.SSLCertVerificationError):
        asyncio.run(open_ws(cs.url_for("PY_CA2"), ssl=client_context(tls_dir / "ca.pem")))


def test_certificate_route_hands_out_ca_pems_and_their_hash_data(start):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    cs = start("--tls")
    tls_dir = Path(cs.ready_fields["tls_dir"])
    for name in ("ca", "ca2", "other-ca"):
        info = cs._get("/tls/certificate", name=name)
        assert info["pem"] == (tls_dir / f"{name}.pem").read_text()
        assert "PRIVATE KEY" not in info["pem"]
        cert = x509.load_pem_x509_certificate(info["pem"].encode())
        hash_data = info["certificateHashData"]
        assert hash_data["hashAlgorithm"] == "SHA256"
        # A root is its own issuer: the hash of its subject Name and of its own key's bits.
        name_hash = hashes.Hash(hashes.SHA256())
        name_hash.update(cert.subject.public_bytes())
        assert hash_data["issuerNameHash"] == name_hash.finalize().hex()
        key_bits = cert.public_key().public_bytes(serialization.Encoding.X962,
                                                  serialization.PublicFormat.UncompressedPoint)
        key_hash = hashes.Hash(hashes.SHA256())
        key_hash.update(key_bits)
        assert hash_data["issuerKeyHash"] == key_hash.finalize().hex()
        assert hash_data["serialNumber"] == format(cert.serial_number, "x")
    with pytest.raises(DevCsError, match="404"):
        cs._get("/tls/certificate", name="ca.key")


def test_certificate_route_needs_tls(start):
    cs = start()
    with pytest.raises(DevCsError, match="400"):
        cs._get("/tls/certificate", name="ca")
