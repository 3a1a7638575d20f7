#!/usr/bin/env bash
# Instructions per OCPP exchange on the host, at the shipped opt-level ("z", LTO): callgrind
# counts examples/exchange_bench.rs running an exchange N times against 0 times (setup cancels
# out). Counts, not seconds: repeatable whatever else the machine does. Prints a table.
#   --baseline   also the same exchanges at BASELINE (default f4dc1f9, main before issue 12's
#                CPU work), built in a temporary worktree with the bench's first version
#                (07e4828), and each row's ratio to it.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200}
command -v valgrind >/dev/null || { echo "SKIPPED: instructions (valgrind not installed)"; exit 0; }
if [ "${1:-}" = "--baseline" ]; then
    BASELINE=${BASELINE:-f4dc1f9}
    tree=$(mktemp -d)
    git worktree add --quiet --detach "$tree" "$BASELINE"
    git show 07e4828:examples/exchange_bench.rs >"$tree/examples/exchange_bench.rs"
    (cd "$tree" && cargo build --quiet --release --example exchange_bench)
    old_bin=$tree/target/release/examples/exchange_bench
fi
cargo build --quiet --release --example exchange_bench
bin=target/release/examples/exchange_bench
out=$(mktemp -d)
count() { # exchange, iterations[, binary] -> instructions
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "${3:-$bin}" "$1" "$2" 2>&1 |
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
if [ -n "${old_bin:-}" ]; then
    echo "against $BASELINE (the same exchanges, the bench's first version):"
    printf '  %-52s %10s %10s %6s\n' exchange "$BASELINE" now ratio
    declare -A old
    for exchange in boot authorize transaction transaction_meter_values get_configuration; do
        base=$(count "$exchange" 0 "$old_bin")
        total=$(count "$exchange" "$N" "$old_bin")
        old[$exchange]=$(((total - base) / N))
    done
    row() { # label, before, now
        awk -v l="$1" -v o="$2" -v n="$3" 'BEGIN {printf "  %-52s %10d %10d %6.2f\n", l, o, n, n / o}'
    }
    row "BootNotification + 3 StatusNotification (reconnect)" "${old[boot]}" "${per[boot]}"
    row "Authorize" "${old[authorize]}" "${per[authorize]}"
    row "StartTransaction + StopTransaction + 2 StatusNotification" "${old[transaction]}" \
        "${per[transaction]}"
    row "MeterValues (one periodic sample)" $((old[transaction_meter_values] - old[transaction])) \
        $((per[transaction_meter_values] - per[transaction]))
    row "GetConfiguration of every key" "${old[get_configuration]}" "${per[get_configuration]}"
    git worktree remove --force "$tree"
fi
rm -rf "$out"
