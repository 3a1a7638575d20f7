"""zephyr-ocpp's shell command on native_sim: the ztest suites of src/main.c, in one run.

ocpp_shell_offline runs while no Central System listens; when the DUT prints
"SHELL: waiting for the Central System" this test starts the development Central System
(tools/dev_cs.py) on CONFIG_OCPP_SHELL_TEST_PORT, ocpp_shell_online registers and drives two
transactions through the shell, and the Central System's record of them is checked here: what
the shell printed is what was sent. Every frame is schema-validated.
"""

from __future__ import annotations

import re
import socket
import struct
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from twister_harness import DeviceAdapter
from twister_harness.helpers.utils import find_in_config

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "tools"))
from dev_cs_client import DevCsServer  # noqa: E402
import validate_frames  # noqa: E402

CP_ID = "zephyr-shell"  # last segment of CONFIG_OCPP_SHELL_TEST_URL
SNTP_OFFSET_S = 3600  # the SNTP server's clock runs an hour ahead of the host's
NTP_EPOCH_OFFSET = 2208988800  # 1900-01-01 to 1970-01-01


class SntpServer:
    """An SNTP server (RFC 4330) on 127.0.0.1:123: ignores queries until `answer` is set, then
    answers each with the host's time plus SNTP_OFFSET_S, echoing the client's transmit
    timestamp as the originate timestamp."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 123))
        self.sock.settimeout(0.2)
        self.answer = threading.Event()
        self.stop = threading.Event()
        self.queries = 0
        self.answered = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            try:
                request, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            self.queries += 1
            if len(request) < 48 or not self.answer.is_set():
                continue
            now = time.time() + SNTP_OFFSET_S + NTP_EPOCH_OFFSET
            stamp = struct.pack("!II", int(now), int((now % 1) * 2**32))
            # LI 0, version 4, mode 4 (server); stratum 1; poll 4; precision -20.
            header = struct.pack("!BBbbII4s", 0x24, 1, 4, -20, 0, 0, b"TEST")
            self.sock.sendto(header + stamp + request[40:48] + stamp + stamp, peer)
            self.answered += 1

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def sntp_server():
    server = SntpServer()
    yield server
    server.close()


def test_shell_suites(sntp_server: SntpServer, dut: DeviceAdapter):
    build_dir = Path(dut.device_config.build_dir)
    frames_log = build_dir / "shell-frames.jsonl"
    frames_log.unlink(missing_ok=True)
    offline = dut.readlines_until(regex=r"SHELL: waiting for the Central System", timeout=60)
    port = find_in_config(build_dir / "zephyr" / ".config", "CONFIG_OCPP_SHELL_TEST_PORT")
    with DevCsServer.start(frames_log=frames_log, extra_args=["--port", port]) as cs:
        lines = dut.readlines_until(regex=r"SHELL: waiting for SNTP", timeout=120)
        # The clock so far came from the Central System: every SNTP query went unanswered.
        assert sntp_server.queries >= 1 and sntp_server.answered == 0, sntp_server.queries
        sntp_server.answer.set()
        lines += dut.readlines_until(regex=r"SHELL: done", timeout=30)
        output = "\n".join(offline + lines)
        assert "SNTP failed" in output, output[-3000:]
        jump = re.search(r"SettingSystemTime: the wall clock jumps by (-?\d+) ms", output)
        assert jump, output[-3000:]
        assert abs(int(jump.group(1)) - SNTP_OFFSET_S * 1000) < 5000, jump.group(0)
        assert sntp_server.answered >= 1
        assert "SHELL: done, offline failures 0, online failures 0" in output, output[-3000:]
        assert "TESTSUITE ocpp_shell_offline succeeded" in output, output[-3000:]
        assert "TESTSUITE ocpp_shell_online succeeded" in output, output[-3000:]
        match = re.search(r"SHELL: transaction (-?\d+)", output)
        assert match, output[-3000:]

        def stopped():
            txs = cs.transactions(CP_ID)
            return txs if len(txs) == 3 and not any(t["active"] for t in txs) else None

        txs = cs.wait_until(stopped, timeout=10, what="three stopped transactions")
        # "ocpp start" after a Blocked authorize: the library's StartTransaction is refused by
        # the Central System and the transaction stopped at once (-EACCES in the shell).
        blocked, first = [t for t in txs if t["connector_id"] == 1]
        assert (blocked["id_tag"], blocked["id_tag_status"], blocked["reason"]) == (
            "BLOCKED-SHELL", "Blocked", "DeAuthorized"), blocked
        second = next(t for t in txs if t["connector_id"] == 2)
        assert first["transaction_id"] == int(match.group(1)), (match.group(0), first)
        assert (first["id_tag"], first["meter_start"], first["meter_stop"], first["reason"]) == (
            "SHELL-TAG-1", 1000, 1500, "Local"), first
        assert (second["id_tag"], second["meter_start"], second["meter_stop"]) == (
            "SHELL-TAG-2", 2000, 2100), second
        authorized = [m["payload"]["idTag"] for m in cs.messages(CP_ID, "Authorize")]
        assert authorized == ["BLOCKED-SHELL", "SHELL-TAG-1", "SHELL-TAG-2"], authorized
        # Connector 1 as the shell set it and the transaction moved it, in order (a status
        # replaced before it was sent, e.g. Finishing, is not sent: only the latest counts).
        statuses = [m["payload"]["status"] for m in cs.messages(CP_ID, "StatusNotification")
                    if m["payload"]["connectorId"] == 1]
        seen = iter(statuses)
        assert all(s in seen for s in ["Preparing", "Charging", "Available"]), statuses
        # Stamps before the answer are the Central System's time, after it the SNTP server's.
        def stamp(m):
            return datetime.fromisoformat(m["payload"]["timestamp"].replace("Z", "+00:00"))
        notes = [m for m in cs.messages(CP_ID, "StatusNotification") if m["payload"]["connectorId"] == 2]
        unavailable = [m for m in notes if m["payload"]["status"] == "Unavailable"]
        assert len(unavailable) == 1, notes
        host_now = datetime.now(timezone.utc)
        ahead = (stamp(unavailable[0]) - host_now).total_seconds()
        assert SNTP_OFFSET_S - 30 < ahead < SNTP_OFFSET_S + 5, (unavailable[0], host_now)
        first = stamp(notes[0])
        assert abs((first - host_now).total_seconds()) < 60, (notes[0], host_now)
    validated, failures = validate_frames.validate_file(frames_log)
    assert validated > 0, f"no frames in {frames_log}"
    assert not failures, failures[:3]
