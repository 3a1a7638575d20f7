#!/usr/bin/env python3
"""Runs Zephyr's samples/net/ocpp (built for native_sim with zephyr-ocpp) against the dev
Central System on 127.0.0.1 and checks the scenario: boot accepted, both connectors
authorize, start, send meter values and stop (the sample stops after 30 s), every frame
schema-valid. Exits non-zero when a check fails.

usage: run_sample.py path/to/zephyr.exe --port PORT --frames FRAMES.jsonl
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from dev_cs_client import DevCsServer  # noqa: E402
import validate_frames  # noqa: E402

CP_ID = "zephyr"  # last segment of the sample's ws_url


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("exe")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--frames", required=True)
    ap.add_argument("--seconds", type=float, default=50)
    args = ap.parse_args()
    Path(args.frames).parent.mkdir(parents=True, exist_ok=True)
    if os.path.exists(args.frames):
        os.remove(args.frames)
    checks = []

    def check(name, ok, detail=""):
        checks.append(ok)
        print(("PASS: " if ok else "FAIL: ") + name + (f" ({detail})" if detail and not ok else ""))

    with DevCsServer.start(frames_log=args.frames, extra_args=["--port", str(args.port), "--heartbeat-interval", "10"]) as cs:
        log_path = Path(args.frames).with_suffix(".console.log")
        with open(log_path, "w") as console:
            dut = subprocess.Popen([args.exe, f"--stop_at={args.seconds}"], stdout=console, stderr=subprocess.STDOUT)
            try:
                dut.wait(timeout=args.seconds + 30)
            except subprocess.TimeoutExpired:
                dut.kill()
                dut.wait()
        messages = cs.messages(CP_ID)
        actions = [m["action"] for m in messages]
        txs = cs.transactions(CP_ID)
        boots = [m for m in messages if m["action"] == "BootNotification"]
        check("BootNotification sent and accepted", bool(boots) and cs.status(CP_ID).get("last_boot_status") == "Accepted",
              str(actions[:5]))
        check("both idTags authorized", {m["payload"]["idTag"] for m in messages if m["action"] == "Authorize"} >= {"ZepId00", "ZepId01"},
              str(actions))
        check("two transactions started on connectors 1 and 2", sorted(t["connector_id"] for t in txs) == [1, 2], str(txs))
        check("meter values sent within the transactions",
              any(m["action"] == "MeterValues" and "transactionId" in m["payload"] for m in messages), str(actions))
        check("both transactions stopped", len(txs) == 2 and all(not t["active"] for t in txs), str(txs))
    n, failures = validate_frames.validate_file(args.frames)
    check(f"{n} frames schema-valid", n > 0 and not failures, str(failures[:3]))
    print(f"zephyr sample (console: {log_path})")
    ok = sum(checks)
    # Not "N passed": scripts/zephyr.sh counts this whole run as one check.
    print(f"sample scenario: {ok} of {len(checks)} checks ok")
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
