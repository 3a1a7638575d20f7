#!/usr/bin/env python3
"""Runs a C test program against the development Central System (tools/dev_cs.py).

    python3 tests/c/driver.py BINARY [--cp-id ID] [--frames-log FILE] [--timeout S]

The program is started as ``BINARY <cs_ip> <ws_port> <ws_path>``. Its stdout is echoed, except
lines ``@CS <command>``: the driver performs the command on the Central System and writes one
line back to the program's stdin:

    @CS call <Action> <json payload>   -> the /call answer, compact JSON ({"result": ...})
    @CS wait <Action> <count> <secs>   -> "OK <n>" once n >= count CALLs arrived, else "TIMEOUT <n>"
    @CS messages <Action>              -> the CALLs of that action, compact JSON list
    @CS transactions                   -> the transactions the CS saw, compact JSON list
    @CS config <json>                  -> "OK" (POST /config)
    @CS disconnect                     -> "OK" (the CS closes the WebSocket)

Any failure of a command answers "ERROR <text>". At the end every frame the charge point sent
is validated against the OCPP 1.6J schemas (tools/validate_frames.py). Exit status: non-zero
when the program failed, a frame is invalid or no frame was seen.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from dev_cs_client import DevCsServer  # noqa: E402
from validate_frames import validate_file  # noqa: E402


def compact(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def perform(cs: DevCsServer, cp_id: str, command: str) -> str:
    verb, _, rest = command.partition(" ")
    if verb == "call":
        action, _, payload = rest.partition(" ")
        return compact(cs.call(cp_id, action, json.loads(payload or "{}"), timeout=10))
    if verb == "wait":
        action, count, secs = rest.split()
        deadline = time.monotonic() + float(secs)
        while True:
            n = len(cs.messages(cp_id, action))
            if n >= int(count):
                return f"OK {n}"
            if time.monotonic() >= deadline:
                return f"TIMEOUT {n}"
            time.sleep(0.05)
    if verb == "messages":
        return compact(cs.messages(cp_id, rest.strip()))
    if verb == "transactions":
        return compact(cs.transactions(cp_id))
    if verb == "config":
        cs.config(**json.loads(rest))
        return "OK"
    if verb == "firmware":  # firmware NAME SIZE: an image on the file server
        name, size = rest.split()
        return compact(cs.add_firmware(name, size=int(size)))
    if verb == "update_firmware":
        return compact(cs.update_firmware(cp_id, **json.loads(rest or "{}")))
    if verb == "get_diagnostics":
        return compact(cs.get_diagnostics(cp_id, **json.loads(rest or "{}")))
    if verb == "uploads":
        return compact(cs.uploads())
    if verb == "disconnect":
        cs.disconnect(cp_id)
        return "OK"
    return f"ERROR unknown command {verb!r}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--cp-id", default="zephyr-c")
    parser.add_argument("--frames-log", help="keep the frames log here (default: a temp file)")
    parser.add_argument("--timeout", type=float, default=300.0, help="for the whole program")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        frames_log = Path(args.frames_log or Path(tmp) / "frames.jsonl")
        frames_log.parent.mkdir(parents=True, exist_ok=True)
        frames_log.unlink(missing_ok=True)
        with DevCsServer.start(frames_log=frames_log) as cs:
            cmd = [args.binary, "127.0.0.1", str(cs.ws_port), f"/ocpp/{args.cp_id}"]
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                    bufsize=1)
            deadline = time.monotonic() + args.timeout
            assert proc.stdout is not None and proc.stdin is not None
            for line in proc.stdout:
                if line.startswith("@CS "):
                    try:
                        reply = perform(cs, args.cp_id, line[4:].strip())
                    except Exception as e:  # reported to the program, which fails its check
                        reply = f"ERROR {type(e).__name__}: {e}"
                    reply = reply.replace("\n", " ")
                    print(f"    cs: {line[4:].strip()[:100]} -> {reply[:160]}", flush=True)
                    proc.stdin.write(reply + "\n")
                    proc.stdin.flush()
                else:
                    sys.stdout.write(line)
                    sys.stdout.flush()
                if time.monotonic() > deadline:
                    proc.kill()
                    print(f"driver: {args.binary} timed out after {args.timeout:.0f} s")
                    break
            rc = proc.wait(timeout=30)
        n, failures = validate_file(str(frames_log))
    for f in failures:
        print(f"schema FAIL line {f['line']}: {f['frame']}\n    " + "\n    ".join(f["errors"]))
    print(f"frames validated: {n}, schema failures: {len(failures)}")
    if rc != 0:
        print(f"driver: {args.binary} exited with {rc}")
    return 1 if rc != 0 or failures or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
