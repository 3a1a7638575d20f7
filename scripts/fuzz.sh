#!/usr/bin/env bash
# Fuzzing (cargo fuzz, libFuzzer): the frame parser and the engine under arbitrary sequences of
# frames, commands, time jumps and connection changes (fuzz/fuzz_targets). Each target runs for
# FUZZ_SECONDS (default 30: the short pass of scripts/test.sh; give more for a long run).
# Prints per target its executions, and "N passed, M failed" last.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-30}
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal >/dev/null
command -v cargo-fuzz >/dev/null || cargo install --quiet --locked cargo-fuzz --version 0.13.2
passed=0
failed=0
cd fuzz
if ! cargo +nightly fuzz build >/dev/null 2>build.log; then
    tail -20 build.log
    echo "0 passed, 1 failed"
    exit 1
fi
for target in frame engine store x509; do
    log=../target/fuzz-$target.log
    mkdir -p ../target corpus/$target
    if cargo +nightly fuzz run "$target" -- -max_total_time="$SECONDS_EACH" -rss_limit_mb=1024 >"$log" 2>&1; then
        runs=$(grep -oE 'Done [0-9]+ runs' "$log" | awk '{print $2}')
        echo "PASS: fuzz $target: ${runs:-?} executions in ${SECONDS_EACH} s, no finding"
        passed=$((passed + 1))
    else
        echo "FAIL: fuzz $target (see target/fuzz-$target.log):"
        grep -E 'panicked|SUMMARY|Test unit written' "$log" | head -5
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
