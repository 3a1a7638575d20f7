#!/usr/bin/env bash
# The host demo, end to end: starts the development Central System (tools/dev_cs.py) on free
# ports, runs examples/demo.rs against it (two connectors charging in parallel, remote
# start/stop and unlock from the CS), prints a transcript of every frame and validates the
# charge point's frames against the OCPP 1.6 JSON schemas.
#
#   scripts/demo.sh            exit 0 on success, non-zero on any failure
#   OCPP_LOG=info scripts/demo.sh    with the library's log on stderr
#
#   scripts/demo.sh --console [--console-port N] [--ws-port N]
#       the same Central System with its web console, and the demo charge point booted and
#       waiting (examples/demo.rs --stay): prints the console's URL (loopback only), then runs
#       until Ctrl-C, when it validates every frame exchanged. Ports default to free ones.
#
#   scripts/demo.sh --security-profile N [--password KEY]   (either mode)
#       Security Profile 1: the Central System requires Basic Auth with KEY (default: a demo
#       key); 2: wss:// with certificates it generates at start (the demo trusts its CA) plus
#       Basic Auth; 3: wss:// with a client certificate instead of Basic Auth.
set -euo pipefail
cd "$(dirname "$0")/.."

console=false
console_port=0
ws_port=0
security_profile=0
password=demo-authorization-key-0123
while [ $# -gt 0 ]; do
    case "$1" in
        --console) console=true ;;
        --console-port) console_port=${2:?--console-port needs a port}; shift ;;
        --ws-port) ws_port=${2:?--ws-port needs a port}; shift ;;
        --security-profile) security_profile=${2:?--security-profile needs 0..3}; shift ;;
        --password) password=${2:?--password needs a key}; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "demo.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

out=target/demo
$console && out=target/demo-console
mkdir -p "$out"
rm -f "$out/frames.jsonl" "$out/dev_cs.out" "$out/dev_cs.err" "$out/charge_point.out"

# The dev Central System's Python packages (scripts/deps.sh installs everything else).
python3 -c 'import ocpp, websockets, jsonschema' 2>/dev/null ||
    python3 -m pip install -q -r tools/requirements.txt

cargo build --quiet --example demo

# Security Profiles: what the Central System demands (the demo's side follows the READY line).
cs_security=()
case "$security_profile" in
    0) ;;
    1) cs_security=(--password "$password") ;;
    2) cs_security=(--tls --password "$password") ;;
    3) cs_security=(--tls --require-client-cert) ;;
    *) echo "demo.sh: --security-profile must be 0..3" >&2; exit 2 ;;
esac
python3 tools/dev_cs.py --host 127.0.0.1 --port "$ws_port" --control-port "$console_port" \
    --frames-log "$out/frames.jsonl" --quiet "${cs_security[@]}" >"$out/dev_cs.out" 2>"$out/dev_cs.err" &
cs_pid=$!
cp_pid=""
cleanup() {
    [ -z "$cp_pid" ] || kill "$cp_pid" 2>/dev/null || true
    kill "$cs_pid" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT

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
field() { sed -nE "s/.* $1=([^ ]+).*/\1/p" <<<"$ready"; }
scheme=ws
cp_security=()
case "$security_profile" in
    1) cp_security=(--password "$password") ;;
    2) scheme=wss; cp_security=(--ca "$(field ca)" --password "$password") ;;
    3) scheme=wss; cp_security=(--ca "$(field ca)" --client-cert "$(field client_cert)" --client-key "$(field client_key)") ;;
esac
echo "== dev Central System on $scheme://127.0.0.1:$ws_port/ocpp (control API 127.0.0.1:$control_port, Security Profile $security_profile)"

if $console; then
    # No scenario: the charge point boots and waits for the person at the console.
    target/debug/examples/demo --cs "$scheme://127.0.0.1:$ws_port/ocpp" "${cp_security[@]}" \
        --cp-id zephyr-demo --stay > >(tee "$out/charge_point.out") 2>&1 &
    cp_pid=$!
    stop() {
        echo
        echo "== stopping"
        cleanup
        cp_pid=""
        echo "== schema validation of the frames exchanged ($out/frames.jsonl)"
        python3 tools/validate_frames.py "$out/frames.jsonl" | tail -3 || exit 1
        exit 0
    }
    trap stop INT TERM
    echo "== web console: http://127.0.0.1:$control_port/"
    echo "   charge point zephyr-demo (examples/demo.rs --stay); others may connect to $scheme://127.0.0.1:$ws_port/ocpp/<id>"
    echo "   Ctrl-C to stop"
    rc=0
    wait -n "$cs_pid" "$cp_pid" || rc=$?
    if kill -0 "$cs_pid" 2>/dev/null; then who="charge point"; else who="Central System"; fi
    echo "demo.sh: the $who exited ($rc)" >&2
    tail -5 "$out/dev_cs.err" >&2
    exit 1
fi

status=0
echo "== charge point"
timeout 90 target/debug/examples/demo --cs "$scheme://127.0.0.1:$ws_port/ocpp" "${cp_security[@]}" --cp-id zephyr-demo \
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
