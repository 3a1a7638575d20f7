"""The dev Central System's file server (tools/dev_cs_files.py): images served by GET, with
Content-Length or chunked, faults that drop the connection or answer an error status, and
diagnostics uploads recorded with size and SHA-256.  Plain sockets on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.client
import socket
import urllib.error
import urllib.request

import pytest

from dev_cs_client import DevCsError


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read()


def test_files_port_is_reported_and_images_are_served(dev_cs):
    assert dev_cs.files_port > 0
    assert dev_cs.files()["port"] == dev_cs.files_port
    image = dev_cs.add_firmware("a.bin", size=100_000, seed=3)
    body = get(image["url"])
    assert len(body) == 100_000
    assert hashlib.sha256(body).hexdigest() == image["sha256"]
    # Deterministic: the same seed gives the same bytes.
    assert dev_cs.add_firmware("b.bin", size=100_000, seed=3)["sha256"] == image["sha256"]
    explicit = dev_cs.add_firmware("c.bin", data=b"hello")
    assert get(explicit["url"]) == b"hello"
    dev_cs.file_faults([], chunked=True)
    assert get(image["url"]) == body, "chunked transfer decodes to the same bytes"
    assert [d["complete"] for d in dev_cs.downloads()] == [True, True, True]
    with pytest.raises(urllib.error.HTTPError) as e:
        get(image["url"].replace("a.bin", "missing.bin"))
    assert e.value.code == 404


def test_faults_drop_mid_body_or_answer_a_status(dev_cs):
    image = dev_cs.add_firmware("f.bin", size=50_000)
    dev_cs.file_faults([{"drop_after": 1234}, {"status": 503}])
    conn = http.client.HTTPConnection("127.0.0.1", dev_cs.files_port, timeout=10)
    conn.request("GET", "/firmware/f.bin")
    answer = conn.getresponse()
    assert answer.status == 200 and answer.getheader("Content-Length") == "50000"
    with pytest.raises(http.client.IncompleteRead) as e:
        answer.read()
    assert len(e.value.partial) == 1234
    with pytest.raises(urllib.error.HTTPError) as e:
        get(image["url"])
    assert e.value.code == 503
    assert len(get(image["url"])) == 50_000, "faults are used up"
    sent = [(d["status"], d["sent"], d["complete"]) for d in dev_cs.downloads()]
    assert sent == [(200, 1234, False), (503, 0, False), (200, 50_000, True)]
    with pytest.raises(DevCsError):
        dev_cs.file_faults([{"drop_after": -1}])


def test_uploads_are_saved_with_hash(dev_cs):
    url = dev_cs.files()["diagnostics_url"]
    data = bytes(range(256)) * 300
    for method in ("PUT", "POST"):
        request = urllib.request.Request(url + f"log-{method}.txt", data=data, method=method)
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 201
    uploads = dev_cs.uploads()
    assert [(u["name"], u["method"], u["size"]) for u in uploads] == [
        ("log-PUT.txt", "PUT", len(data)), ("log-POST.txt", "POST", len(data))]
    assert all(u["sha256"] == hashlib.sha256(data).hexdigest() for u in uploads)
    # Without Content-Length: 411; a name with a slash: not found.
    with socket.create_connection(("127.0.0.1", dev_cs.files_port), timeout=10) as s:
        s.sendall(b"PUT /diagnostics/x.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 411")


def test_update_firmware_and_get_diagnostics_need_a_connected_cp(dev_cs):
    dev_cs.add_firmware("g.bin", size=10)
    with pytest.raises(DevCsError) as e:
        dev_cs.update_firmware("NOBODY", image="g.bin")
    assert e.value.status in (404, 409)
    with pytest.raises(DevCsError):
        dev_cs.update_firmware("NOBODY")


def _signed_payload_checks(payload: dict, info: dict, data: bytes) -> bool:
    """Whether the payload's signature verifies over ``data`` with its signing certificate,
    and that certificate is signed by the dev CS's manufacturer root."""
    import base64

    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    firmware = payload["firmware"]
    signing = x509.load_pem_x509_certificate(firmware["signingCertificate"].encode())
    root = x509.load_pem_x509_certificate(info["manufacturer_root_pem"].encode())
    try:
        root.public_key().verify(signing.signature, signing.tbs_certificate_bytes,
                                 ec.ECDSA(hashes.SHA256()))
        signing.public_key().verify(base64.b64decode(firmware["signature"]), data,
                                    ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def test_images_are_signed_by_the_generated_manufacturer_certificate(dev_cs, tmp_path):
    from ocpp.messages import validate_payload  # noqa: F401  (the package is there)
    from dev_cs_files import FileServer

    info = dev_cs._request("GET", "/firmware_signing")
    assert set(info) == {"manufacturer_root_pem", "signing_certificate_pem", "foreign_root_pem",
                         "foreign_signing_certificate_pem"}
    assert all(v.startswith("-----BEGIN CERTIFICATE-----") for v in info.values())
    image = dev_cs.add_firmware("s.bin", size=5000, seed=9)
    assert image["signature"]
    # Without a charge point the request cannot be sent, but a bad body is refused first.
    with pytest.raises(DevCsError) as e:
        dev_cs._request("POST", "/signed_update_firmware", {"cp_id": "NOBODY", "image": "nope"})
    assert e.value.status == 400
    with pytest.raises(DevCsError) as e:
        dev_cs._request("POST", "/signed_update_firmware", {"cp_id": "NOBODY", "image": "s.bin"})
    assert e.value.status in (404, 409)
    ready = dev_cs._request("POST", "/signed_update_firmware",
                            {"image": "s.bin", "request_id": 3, "payload_only": True})["payload"]
    assert ready["requestId"] == 3
    assert _signed_payload_checks(ready, info, get(image["url"])), "ECDSA: a fresh signature"
    assert ready["firmware"]["signingCertificate"] == info["signing_certificate_pem"]

    # The payloads themselves, on a file server of our own.
    files = FileServer(tmp_path)
    data = b"firmware image " * 100
    files.add_image("x.bin", data)
    good = files.signed_update_payload({"image": "x.bin", "request_id": 7, "retries": 2})
    assert good["requestId"] == 7 and good["retries"] == 2
    assert good["firmware"]["location"].endswith("/firmware/x.bin")
    assert _signed_payload_checks(good, files.signer.info(), data)
    bad = files.signed_update_payload({"image": "x.bin", "bad_signature": True})
    assert not _signed_payload_checks(bad, files.signer.info(), data)
    foreign = files.signed_update_payload({"image": "x.bin", "foreign_certificate": True})
    assert not _signed_payload_checks(foreign, files.signer.info(), data), "another CA"
    assert foreign["firmware"]["signingCertificate"] == files.signer.info()[
        "foreign_signing_certificate_pem"]
    # Every payload matches the official schema.
    import json
    from pathlib import Path

    import ocpp
    from jsonschema import Draft4Validator
    schema = json.loads((Path(ocpp.__file__).parent / "v16" / "schemas" /
                         "SignedUpdateFirmware.json").read_text())
    for payload in (good, bad, foreign,
                    files.signed_update_payload({"image": "x.bin",
                                                 "install_date": "2030-01-01T00:00:00Z"})):
        Draft4Validator(schema).validate(payload)
