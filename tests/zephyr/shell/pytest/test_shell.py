"""zephyr-ocpp's shell command on native_sim: the ztest suites of src/main.c, in one run.

ocpp_shell_offline runs while no Central System listens; when the DUT prints
"SHELL: waiting for the Central System" this test starts the development Central System
(tools/dev_cs.py) on CONFIG_OCPP_SHELL_TEST_PORT, ocpp_shell_online registers and drives two
transactions through the shell, and the Central System's record of them is checked here: what
the shell printed is what was sent. Every frame is schema-validated.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from twister_harness import DeviceAdapter
from twister_harness.helpers.utils import find_in_config

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "tools"))
from dev_cs_client import DevCsServer  # noqa: E402
import validate_frames  # noqa: E402

CP_ID = "zephyr-shell"  # last segment of CONFIG_OCPP_SHELL_TEST_URL


def test_shell_suites(dut: DeviceAdapter):
    build_dir = Path(dut.device_config.build_dir)
    frames_log = build_dir / "shell-frames.jsonl"
    frames_log.unlink(missing_ok=True)
    offline = dut.readlines_until(regex=r"SHELL: waiting for the Central System", timeout=60)
    port = find_in_config(build_dir / "zephyr" / ".config", "CONFIG_OCPP_SHELL_TEST_PORT")
    with DevCsServer.start(frames_log=frames_log, extra_args=["--port", port]) as cs:
        lines = dut.readlines_until(regex=r"SHELL: done", timeout=120)
        output = "\n".join(offline + lines)
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
    validated, failures = validate_frames.validate_file(frames_log)
    assert validated > 0, f"no frames in {frames_log}"
    assert not failures, failures[:3]
