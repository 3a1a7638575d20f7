"""Security Profiles for the development Central System: certificates generated at start,
the TLS server context for ``wss://`` and the HTTP Basic Auth check of the upgrade.

Nothing here is committed output: every key and certificate is made at start-up (Python
``cryptography``) in a temporary directory (or ``--tls-dir``) and lives only as long as the test.

Files written (PEM):
  ca.pem / ca.key              the CA the charge point trusts (CentralSystemRootCertificate)
  server.pem / server.key      the Central System, for localhost, 127.0.0.1 and ::1
  server-expired.pem/.key      the same names, validity ended yesterday
  server-wrong-host.pem/.key   valid, for wrong.example only (hostname mismatch)
  client.pem / client.key      a charge point certificate signed by the CA (profile 3)
  other-ca.pem / other-ca.key  an unrelated CA: a charge point trusting it must refuse the CS
  ca2.pem / ca2.key            a second CA, for InstallCertificate: the charge point trusts it
                               only once the Central System installed it
  server-ca2.pem/.key          the Central System's certificate signed by ca2 (--server-cert ca2)

The control API's ``GET /tls/certificate?name=ca2`` hands out a CA's PEM (never a key) with the
whitepaper's CertificateHashData computed here (``certificate_info``), for a test to install it
and to check what GetInstalledCertificateIds reports.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from cryptography import x509
from cryptography.x509 import ocsp
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: --server-cert choices: which certificate the server presents.
SERVER_CERTS = ("good", "expired", "wrong-host", "ca2")

#: The CA certificates the control API hands out (``certificate_info``).
CA_CERTS = ("ca", "ca2", "other-ca")


@dataclass
class TlsFiles:
    dir: Path

    def path(self, name: str) -> Path:
        return self.dir / name

    @property
    def ca(self) -> Path:
        return self.path("ca.pem")

    @property
    def client_cert(self) -> Path:
        return self.path("client.pem")

    @property
    def client_key(self) -> Path:
        return self.path("client.key")

    def server(self, variant: str) -> tuple[Path, Path]:
        stem = "server" if variant == "good" else f"server-{variant}"
        return self.path(f"{stem}.pem"), self.path(f"{stem}.key")


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
    path.with_suffix(".pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path = path.with_suffix(".key")
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    key_path.chmod(0o600)


def _ca(cn: str, now: dt.datetime):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def _leaf(cn: str, ca, names: list[str], usage, not_before: dt.datetime,
          not_after: dt.datetime):
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    alt: list[x509.GeneralName] = []
    for n in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            alt.append(x509.DNSName(n))
    builder = (x509.CertificateBuilder()
               .subject_name(_name(cn)).issuer_name(ca_cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
    if alt:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def generate(directory: Path, client_cn: str = "CP_TLS") -> TlsFiles:
    """Writes the CA, the server certificate variants and a client certificate."""
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    ca = _ca("zephyr-ocpp dev CS CA", now)
    _write(directory / "ca.pem", *ca)
    _write(directory / "other-ca.pem", *_ca("unrelated CA", now))
    hosts = ["localhost", "127.0.0.1", "::1"]
    server = ExtendedKeyUsageOID.SERVER_AUTH
    day = dt.timedelta(days=1)
    _write(directory / "server.pem", *_leaf("localhost", ca, hosts, server, now - day, now + 30 * day))
    _write(directory / "server-expired.pem",
           *_leaf("localhost", ca, hosts, server, now - 30 * day, now - day))
    _write(directory / "server-wrong-host.pem",
           *_leaf("wrong.example", ca, ["wrong.example"], server, now - day, now + 30 * day))
    _write(directory / "client.pem", *_leaf(client_cn, ca, [], ExtendedKeyUsageOID.CLIENT_AUTH,
                                           now - day, now + 30 * day))
    generate_ca2(directory)
    return TlsFiles(directory)


def generate_ca2(directory: Path) -> None:
    """The second CA and the server certificate it signs (``--server-cert ca2``)."""
    now = dt.datetime.now(dt.timezone.utc)
    day = dt.timedelta(days=1)
    ca2 = _ca("zephyr-ocpp dev CS CA 2", now)
    _write(directory / "ca2.pem", *ca2)
    _write(directory / "server-ca2.pem",
           *_leaf("localhost", ca2, ["localhost", "127.0.0.1", "::1"],
                  ExtendedKeyUsageOID.SERVER_AUTH, now - day, now + 30 * day))


def certificate_hash_data(cert: x509.Certificate, issuer: x509.Certificate) -> dict:
    """The whitepaper's CertificateHashDataType of ``cert`` (SHA256), as OCSP's CertID
    computes it: issuerNameHash over the issuer Name's DER, issuerKeyHash over the issuer's
    public key bits, serialNumber in lowercase hex without leading zeroes."""
    req = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    return {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": req.issuer_name_hash.hex(),
        "issuerKeyHash": req.issuer_key_hash.hex(),
        "serialNumber": format(cert.serial_number, "x"),
    }


def certificate_info(files: TlsFiles, name: str) -> dict:
    """A CA certificate of ``CA_CERTS``: its PEM and its CertificateHashData (a root is its own
    issuer)."""
    if name not in CA_CERTS:
        raise ValueError(f"unknown certificate {name!r} (one of {', '.join(CA_CERTS)})")
    pem = files.path(f"{name}.pem").read_bytes()
    cert = x509.load_pem_x509_certificate(pem)
    return {"name": name, "pem": pem.decode(),
            "certificateHashData": certificate_hash_data(cert, cert)}


def server_context(files: TlsFiles, variant: str = "good",
                   require_client_cert: bool = False) -> ssl.SSLContext:
    """TLS 1.2+ server context presenting the chosen certificate; with
    ``require_client_cert`` the charge point must present one signed by the CA (profile 3)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    cert, key = files.server(variant)
    if variant == "ca2" and not cert.exists():
        generate_ca2(files.dir)  # a directory generated before ca2 existed
    ctx.load_cert_chain(cert, key)
    if require_client_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(files.ca)
    return ctx


def basic_auth_user_password(header: str | None) -> tuple[str, str] | None:
    """The (user, password) of an ``Authorization: Basic ...`` header, or None."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def check_basic_auth(connection, request, cp_id: str, passwords: list[str]):
    """None when the upgrade carries Basic Auth with user ``cp_id`` and one of ``passwords``;
    otherwise a 401 response (with the challenge) to return from process_request."""
    creds = basic_auth_user_password(request.headers.get("Authorization"))
    if creds is not None and creds[0] == cp_id and creds[1] in passwords:
        return None
    response = connection.respond(HTTPStatus.UNAUTHORIZED, "Basic Auth required\n")
    response.headers["WWW-Authenticate"] = 'Basic realm="ocpp", charset="UTF-8"'
    return response
