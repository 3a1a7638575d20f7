"""The dev CS's side of "Update Charge Point Certificate" (tools/dev_cs_security.py): a
SignCertificate CSR is signed with the --tls CA, POST /certificate_signed sends the chain (or
one for another key), and GET /client_certificates shows which client certificate each TLS
connection presented."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ocpp.routing import on
from ocpp.v16 import call, call_result
from websockets.asyncio.client import connect

from dev_cs_client import DevCsServer, DevCsError
from sim_cp import SimCP, connected_cp, run


class SigningCP(SimCP):
    """Keeps the chains of CertificateSigned and accepts them."""

    chains: list[str]

    @on("CertificateSigned")
    def on_certificate_signed(self, certificate_chain, **kwargs):
        self.chains.append(certificate_chain)
        return call_result.CertificateSigned(status="Accepted")


def spki_sha256(public_key) -> str:
    return hashlib.sha256(public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).hexdigest()


def new_csr(cn: str) -> tuple[ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Dev CPO"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return key, csr.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
def tls_cs(tmp_path):
    server = DevCsServer.start(frames_log=tmp_path / "frames.jsonl",
                               extra_args=["--tls", "--require-client-cert"])
    yield server
    assert server.stop() == 0


def context(ca: Path, cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca))
    ctx.load_cert_chain(cert, key)
    return ctx


@contextlib.asynccontextmanager
async def tls_cp(url: str, cp_id: str, ctx: ssl.SSLContext):
    """A SigningCP on a wss:// connection with the client certificate of ``ctx``."""
    ws = await connect(url, subprotocols=["ocpp1.6"], open_timeout=5, close_timeout=2, ssl=ctx)
    cp = SigningCP(cp_id, ws)
    cp.chains = []
    task = asyncio.create_task(cp.start())
    try:
        yield cp
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        await ws.close()


def test_a_csr_is_signed_sent_back_and_the_new_certificate_is_seen(tls_cs, tmp_path):
    f = tls_cs.ready_fields
    ca = Path(f["ca"])
    url = tls_cs.url_for("PY_CSR")
    key, csr = new_csr("PY_CSR")

    async def first():
        async with tls_cp(url, "PY_CSR", context(ca, Path(f["client_cert"]),
                                                 Path(f["client_key"]))) as cp:
            await cp.boot()
            answer = await cp.call(call.SignCertificate(csr=csr), suppress=False)
            assert answer.status == "Accepted"
            sent = await asyncio.to_thread(
                tls_cs._request, "POST", "/certificate_signed", {"cp_id": "PY_CSR"})
            assert sent["result"] == {"status": "Accepted"}, sent
            other = await asyncio.to_thread(
                tls_cs._request, "POST", "/certificate_signed",
                {"cp_id": "PY_CSR", "chain": "other_key"})
            assert other["leaf"]["spki_sha256"] != spki_sha256(key.public_key())
            return cp.chains

    chains = run(first())
    assert len(chains) == 2
    leaf, issuer = x509.load_pem_x509_certificates(chains[0].encode())
    assert spki_sha256(leaf.public_key()) == spki_sha256(key.public_key())
    assert leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Dev CPO"
    assert issuer.subject == leaf.issuer
    signed = tls_cs._get("/signed_certificates", cp_id="PY_CSR")
    assert [s["serial"] for s in signed] == [format(leaf.serial_number, "x")]

    # The next connection presents the new certificate; the server (CA-verified) takes it.
    (tmp_path / "new.pem").write_text(chains[0])
    (tmp_path / "new.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))

    async def second():
        async with tls_cp(url, "PY_CSR", context(ca, tmp_path / "new.pem",
                                                 tmp_path / "new.key")) as cp:
            await cp.boot()

    run(second())
    seen = tls_cs._get("/client_certificates", cp_id="PY_CSR")
    assert len(seen) == 2
    assert seen[0]["subject"] == "CN=CP_TLS"
    assert seen[1]["serial"] == format(leaf.serial_number, "x")
    assert seen[1]["spki_sha256"] == spki_sha256(key.public_key())


def test_without_a_ca_sign_certificate_is_rejected(dev_cs):
    url = dev_cs.url_for("PY_NOCA")
    _, csr = new_csr("PY_NOCA")

    async def body():
        async with connected_cp(url, "PY_NOCA") as cp:
            await cp.boot()
            answer = await cp.call(call.SignCertificate(csr=csr), suppress=False)
            assert answer.status == "Rejected"

    run(body())
    assert dev_cs._get("/signed_certificates", cp_id="PY_NOCA") == []
    with pytest.raises(DevCsError) as e:
        dev_cs._request("POST", "/certificate_signed", {"cp_id": "PY_NOCA"})
    assert e.value.status == 400
