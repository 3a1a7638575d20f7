"""The security whitepaper's side of the development Central System (tools/dev_cs.py).

``SecurityHandlers`` is mixed into the dev CS's charge point class: it answers the
whitepaper's charge-point-initiated requests (SecurityEventNotification,
LogStatusNotification, SignedFirmwareStatusNotification, SignCertificate) with the ``ocpp``
package's call results, so they are logged and schema-checked like every other frame.

SignCertificate: the CSR is signed at once with the dev CS CA (tools/dev_cs_tls.py, needs
``--tls``; Rejected without it or when the CSR's signature is wrong) and kept; the control API
sends it back with ``POST /certificate_signed`` (or a chain for another key, to test the
rejection), and ``GET /client_certificates`` lists the client certificate each TLS connection
presented, so a test sees the charge point switch to the new one.  The
whitepaper's CS-initiated requests (ExtendedTriggerMessage, InstallCertificate, GetLog,
...) are sent with the generic ``POST /call``, which validates them against the
package's v16 schemas.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

# The whitepaper's requests sent by the Central System, for the help text and tests.
CS_REQUESTS = (
    "CertificateSigned",
    "DeleteCertificate",
    "ExtendedTriggerMessage",
    "GetInstalledCertificateIds",
    "GetLog",
    "InstallCertificate",
    "SignedUpdateFirmware",
)


class SecurityHandlers:
    """@on handlers of the whitepaper's charge-point-initiated messages."""

    @on(Action.security_event_notification)
    def on_security_event_notification(self, **kwargs):
        return call_result.SecurityEventNotification()

    @on(Action.log_status_notification)
    def on_log_status_notification(self, **kwargs):
        return call_result.LogStatusNotification()

    @on(Action.signed_firmware_status_notification)
    def on_signed_firmware_status_notification(self, **kwargs):
        return call_result.SignedFirmwareStatusNotification()

    @on(Action.sign_certificate)
    def on_sign_certificate(self, csr, **kwargs):
        cs, cp_id = self._cs, self._state.cp_id
        cs.signing.csrs.setdefault(cp_id, []).append(csr)
        if cs.tls_files is None:
            cs.event(f"{cp_id} SignCertificate rejected: no CA (start with --tls)")
            return call_result.SignCertificate(status="Rejected")
        try:
            chain = sign_csr(cs.tls_files, csr)
        except ValueError as e:
            cs.event(f"{cp_id} SignCertificate rejected: {e}")
            return call_result.SignCertificate(status="Rejected")
        leaf = leaf_of(chain)
        cs.signing.signed.setdefault(cp_id, []).append({**leaf, "chain": chain})
        cs.event(f"{cp_id} SignCertificate: signed {leaf['subject']} serial={leaf['serial']}")
        return call_result.SignCertificate(status="Accepted")


# -- Update Charge Point Certificate (SignCertificate / CertificateSigned) -------------------

#: Validity of the certificates the dev CS signs for a CSR.
SIGNED_VALIDITY = dt.timedelta(days=30)


def _spki_sha256(public_key) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def describe_certificate(cert: x509.Certificate) -> dict:
    """What the control API reports about a certificate."""
    return {
        "serial": format(cert.serial_number, "x"),
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "spki_sha256": _spki_sha256(cert.public_key()),
    }


def _load_ca(files) -> tuple[x509.Certificate, Any]:
    ca = x509.load_pem_x509_certificate(files.ca.read_bytes())
    key = serialization.load_pem_private_key(files.path("ca.key").read_bytes(), password=None)
    return ca, key


def _issue(files, subject: x509.Name, public_key) -> str:
    """A client certificate for ``public_key`` signed by the dev CS CA, as the PEM chain
    CertificateSigned carries (leaf first, then the CA)."""
    ca, ca_key = _load_ca(files)
    now = dt.datetime.now(dt.timezone.utc)
    leaf = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(ca.subject)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(min(now + SIGNED_VALIDITY, ca.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    return (leaf.public_bytes(serialization.Encoding.PEM)
            + ca.public_bytes(serialization.Encoding.PEM)).decode()


def sign_csr(files, csr_pem: str) -> str:
    """Signs a PEM PKCS#10 request (its signature checked first) with the dev CS CA; returns
    the chain. ValueError when the CSR is unreadable or its signature is wrong."""
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    if not csr.is_signature_valid:
        raise ValueError("CSR signature does not verify")
    return _issue(files, csr.subject, csr.public_key())


def chain_for_other_key(files, csr_pem: str) -> str:
    """A chain with the CSR's subject but a key the charge point never generated: it must be
    Rejected (InvalidChargePointCertificate)."""
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    return _issue(files, csr.subject, ec.generate_private_key(ec.SECP256R1()).public_key())


def leaf_of(chain_pem: str) -> dict:
    return describe_certificate(x509.load_pem_x509_certificates(chain_pem.encode())[0])


class CertificateSigning:
    """Per charge point: the CSRs received, the chains signed for them and the client
    certificates presented on each TLS connection."""

    def __init__(self):
        self.csrs: dict[str, list[str]] = {}
        self.signed: dict[str, list[dict]] = {}
        self.client_certificates: dict[str, list[dict | None]] = {}

    def saw_connection(self, cp_id: str, ws) -> None:
        """Records the client certificate of a new connection (None: none or no TLS)."""
        info = None
        transport = getattr(ws, "transport", None)
        ssl_object = transport.get_extra_info("ssl_object") if transport else None
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        if der:
            info = describe_certificate(x509.load_der_x509_certificate(der))
        self.client_certificates.setdefault(cp_id, []).append(info)


async def dispatch(cs, method: str, route: str, query: dict, req: dict) -> Any:
    """The certificate-signing routes of the control API (see CONTROL_API in dev_cs.py)."""
    signing: CertificateSigning = cs.signing
    if method == "GET":
        cp_id = query.get("cp_id", "")
        if route == "/client_certificates":
            return signing.client_certificates.get(cp_id, [])
        return signing.signed.get(cp_id, [])
    cp_id = req.get("cp_id")
    if not isinstance(cp_id, str) or not cp_id:
        raise ValueError("need \"cp_id\"")
    which = req.get("chain", "signed")
    csrs = signing.csrs.get(cp_id, [])
    if which == "signed":
        signed = signing.signed.get(cp_id, [])
        if not signed:
            raise ValueError(f"no CSR of {cp_id} was signed yet")
        chain = signed[-1]["chain"]
    elif which == "other_key":
        if not csrs or cs.tls_files is None:
            raise ValueError(f"no CSR of {cp_id} received yet (or no --tls)")
        chain = chain_for_other_key(cs.tls_files, csrs[-1])
    elif isinstance(which, str) and "-----BEGIN" in which:
        chain = which
    else:
        raise ValueError("\"chain\" is \"signed\", \"other_key\" or PEM text")
    timeout = float(req.get("timeout", 10))
    answer = await cs.cs_call(cp_id, "CertificateSigned", {"certificateChain": chain},
                              timeout, True)
    answer["leaf"] = leaf_of(chain)
    return answer
