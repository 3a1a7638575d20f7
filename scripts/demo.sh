#!/usr/bin/env bash
# The host demo, end to end: starts the development Central System (tools/dev_cs.py) on free
# ports, runs examples/demo.rs against it (two connectors charging in parallel, remote
# start/stop and unlock from the CS), prints a transcript of every frame and validates the
# charge point's frames against the OCPP 1.6 JSON schemas.
#
#   scripts/demo.sh            exit 0 on success, non-zero on any failure
#   OCPP_LOG=info scripts/demo.sh    with the library's log on stderr
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/demo
mkdir -p "$out"
rm -f "$out/frames.jsonl" "$out/dev_cs.out" "$out/dev_cs.err"

# The dev Central System's Python packages (scripts/deps.sh installs everything else).
python3 -c 'import ocpp, websockets, jsonschema' 2>/dev/null ||
    python3 -m pip install -q -r tools/requirements.txt

cargo build --quiet --example demo

python3 tools/dev_cs.py --host 127.0.0.1 --port 0 --control-port 0 \
    --frames-log "$out/frames.jsonl" --quiet >"$out/dev_cs.out" 2>"$out/dev_cs.err" &
cs_pid=$!
trap 'kill "$cs_pid" 2>/dev/null || true; wait "$cs_pid" 2>/dev/null || true' EXIT

ready=""
for _ in $(seq 200); do
    ready=$(grep -m1 '^DEV_CS_READY' "$out/dev_cs.out" || true)
    [ -n "$ready" ] && break
    kill -0 "$cs_pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$ready" ]; then
    echo "demo.sh: the dev Central System did not start:" >&2
    cat "$out/dev_cs.err" >&2
    exit 1
fi
ws_port=$(sed -E 's/.*ws_port=([0-9]+).*/\1/' <<<"$ready")
control_port=$(sed -E 's/.*control_port=([0-9]+).*/\1/' <<<"$ready")
echo "== dev Central System on ws://127.0.0.1:$ws_port/ocpp (control API 127.0.0.1:$control_port)"

status=0
echo "== charge point"
timeout 90 target/debug/examples/demo --cs "ws://127.0.0.1:$ws_port/ocpp" --cp-id zephyr-demo \
    --control "$control_port" || status=$?

echo
echo "== transcript (as the Central System saw it)"
python3 - "$out/frames.jsonl" <<'PY'
import json, sys, time
names = {2: "CALL", 3: "RESULT", 4: "ERROR"}
calls = {}
for line in open(sys.argv[1], encoding="utf-8"):
    rec = json.loads(line)
    stamp = time.strftime("%H:%M:%S", time.localtime(rec["ts"])) + f".{int(rec['ts'] * 1000) % 1000:03d}"
    arrow = "CP -> CS" if rec["dir"] == "cp->cs" else "CS -> CP"
    try:
        msg = json.loads(rec["frame"])
        kind = names.get(msg[0], "?")
        if msg[0] == 2:
            calls[msg[1]] = msg[2]
            what, body = msg[2], msg[3]
            if what == "MeterValues":  # the readings, not the JSON
                body = " ".join(
                    f"{sv.get('measurand', 'Energy.Active.Import.Register')}={sv['value']}{sv.get('unit', '')}"
                    for mv in body.get("meterValue", []) for sv in mv.get("sampledValue", [])
                ) + f" (connector {body.get('connectorId')}, transaction {body.get('transactionId')})"
        elif msg[0] == 3:
            what, body = calls.get(msg[1], "?"), msg[2]
        else:
            what, body = calls.get(msg[1], "?"), msg[2:4]
        if not isinstance(body, str):
            body = json.dumps(body, separators=(",", ":"))
        text = f"{kind:6} {what:24} {body}"
    except (ValueError, IndexError, TypeError, KeyError):
        text = rec["frame"]
    if len(text) > 150:
        text = text[:147] + "..."
    print(f"{stamp}  {arrow}  {text}")
PY

echo
echo "== schema validation"
python3 tools/validate_frames.py "$out/frames.jsonl" || status=1

if [ "$status" -eq 0 ]; then echo "== demo: OK"; else echo "== demo: FAILED ($status)"; fi
exit "$status"
