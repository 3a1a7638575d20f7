#!/usr/bin/env bash
# Instructions per OCPP exchange on the host, at the shipped opt-level ("z", LTO): callgrind
# counts examples/exchange_bench.rs running an exchange N times against 0 times (setup cancels
# out). Counts, not seconds: repeatable whatever else the machine does. Prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200}
command -v valgrind >/dev/null || { echo "SKIPPED: instructions (valgrind not installed)"; exit 0; }
cargo build --quiet --release --example exchange_bench
bin=target/release/examples/exchange_bench
out=$(mktemp -d)
count() { # exchange, iterations -> instructions
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" "$1" "$2" 2>&1 |
        awk '/Collected/ {print $NF}'
}
echo "instructions per exchange (host x86_64, opt-level z, LTO; $N iterations):"
printf '  %-52s %10s\n' exchange instructions
declare -A per
for exchange in boot authorize transaction transaction_meter_values status get_configuration get_composite_schedule; do
    base=$(count "$exchange" 0)
    total=$(count "$exchange" "$N")
    per[$exchange]=$(((total - base) / N))
done
printf '  %-52s %10d\n' "BootNotification + 3 StatusNotification (reconnect)" "${per[boot]}"
printf '  %-52s %10d\n' "Authorize" "${per[authorize]}"
printf '  %-52s %10d\n' "StartTransaction + StopTransaction + 2 StatusNotification" "${per[transaction]}"
printf '  %-52s %10d\n' "MeterValues (one periodic sample)" \
    $((per[transaction_meter_values] - per[transaction]))
printf '  %-52s %10d\n' "GetConfiguration of every key" "${per[get_configuration]}"
printf '  %-52s %10d\n' "StatusNotification (one status change)" "${per[status]}"
echo "  derived (an exchange minus its StatusNotifications):"
printf '  %-52s %10d\n' "BootNotification" $((per[boot] - 3 * per[status]))
printf '  %-52s %10d\n' "StartTransaction + StopTransaction" $((per[transaction] - 2 * per[status]))
printf '  %-52s %10d\n' "GetCompositeSchedule, 1 day, all profiles x all periods" "${per[get_composite_schedule]}"
rm -rf "$out"
