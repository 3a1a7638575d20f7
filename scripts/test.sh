#!/usr/bin/env bash
# Runs every test suite of zephyr-ocpp (the README's test command; CI runs it through .ci/run).
# Stages: lint, Rust unit + integration tests, fault injection (CS outages), frame schema validation, no_std build and size,
# Python tests of the dev Central System, its web console (unit tests, then headless Chromium),
# C API tests, header freshness, Zephyr (when a workspace exists). Ends with one line: "tests: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/deps.sh

passed=0
failed=0
failures=()
log_dir=$ROOT/target/test-logs
mkdir -p "$log_dir"

stage() { printf '\n=== %s\n' "$1"; }
fail() { failures+=("$1"); failed=$((failed + ${2:-1})); }

# Adds the "N passed"/"N failed" counts of a runner's output to the totals.
count() {
    local p f
    p=$(grep -oE '[0-9]+ passed' "$1" | awk '{s+=$1} END {print s+0}')
    f=$(grep -oE '[0-9]+ failed' "$1" | awk '{s+=$1} END {print s+0}')
    passed=$((passed + p))
    failed=$((failed + f))
    [ "$f" -eq 0 ] || failures+=("$2")
}

stage "format and lint"
cargo fmt --all -- --check || fail "cargo fmt"
cargo clippy --all-targets -- -D warnings || fail "cargo clippy"
cargo clippy --lib --tests --features selftest -- -D warnings || fail "cargo clippy (selftest)"
cargo clippy --lib --tests --features table-codec -- -D warnings || fail "cargo clippy (table-codec)"
# The Zephyr platform's code with every feature, type-checked for the board's target in a minute
# (the Zephyr stage builds only some combinations, and late). bindgen needs libclang.
zephyr_libclang=$(ls -d /usr/lib/llvm-*/lib 2>/dev/null | tail -1)
if [ -n "$zephyr_libclang" ] && rustup target list --installed | grep -qx thumbv7em-none-eabi; then
    LIBCLANG_PATH=${LIBCLANG_PATH:-$zephyr_libclang} BINDGEN_EXTRA_CLANG_ARGS=${BINDGEN_EXTRA_CLANG_ARGS:--D_GCC_ARM_ACLE_H} \
        cargo check --release --lib --no-default-features --target thumbv7em-none-eabi \
        --features zephyr,log-level-info,persistence,selftest,remote-trigger,reservation,local-auth-list,smart-charging,firmware-management,security-profiles,security,certificates,certificate-signing,security-log,signed-firmware ||
        fail "cargo check (Zephyr platform, every feature)"
else
    echo "SKIPPED (loudly): cargo check of the Zephyr platform: no libclang or no thumbv7em-none-eabi target"
fi

stage "Rust unit and integration tests"
rm -rf target/frames
cargo test --all-targets 2>&1 | tee "$log_dir/cargo-test.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "cargo test" 0
count "$log_dir/cargo-test.log" "cargo test"
# The on-target self-tests (tests/zephyr/engine) also run on the host.
cargo test --lib --features selftest selftest:: 2>&1 | tee "$log_dir/cargo-selftest.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "cargo test (selftest)" 0
count "$log_dir/cargo-selftest.log" "cargo test (selftest)"

# The Rust API's doc examples (one per entry point), and its docs free of warnings.
stage "Rust API docs: doc examples and cargo doc"
cargo test --doc 2>&1 | tee "$log_dir/cargo-doctest.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "cargo test --doc" 0
count "$log_dir/cargo-doctest.log" "cargo test --doc"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps >"$log_dir/cargo-doc.log" 2>&1 ||
    { tail -20 "$log_dir/cargo-doc.log"; fail "cargo doc (warnings)"; }

# The table-driven codec prototype (bench/CODEC.md), differentially tested against serde.
cargo test --lib --features table-codec codec:: 2>&1 | tee "$log_dir/cargo-codec.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "cargo test (table-codec)" 0
count "$log_dir/cargo-codec.log" "cargo test (table-codec)"

# Fault injection (issue 10, "CS outages"): 10 transactions while the dev Central System is
# SIGKILLed and restarted 20 times; 0 lost, 0 duplicated, 0 out of order. ~30 s; the seed is
# printed (OCPP_OUTAGE_SEED=N repeats a run).
stage "fault injection: Central System outages"
cargo test --test cs_outages -- --ignored --nocapture 2>&1 | tee "$log_dir/cs-outages.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "cargo test (cs_outages)" 0
grep -E '^CS outages|^  (produced|lost)' "$log_dir/cs-outages.log"
count "$log_dir/cs-outages.log" "cargo test (cs_outages)"

stage "no_std build (thumbv7em-none-eabihf, no alloc)"
if cargo build --lib --no-default-features --target thumbv7em-none-eabihf --release; then
    bash bench/footprint.sh --engine-only || fail "engine footprint"
    bash bench/instructions.sh || fail "instructions per exchange"
else
    fail "no_std build"
fi

stage "fuzzing (short pass)"
bash scripts/fuzz.sh 2>&1 | tee "$log_dir/fuzz.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "fuzzing" 0
count "$log_dir/fuzz.log" "fuzzing"

stage "dev Central System tests (pytest)"
python3 -m pytest tests/cs -q 2>&1 | tee "$log_dir/pytest-cs.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "pytest tests/cs" 0
count "$log_dir/pytest-cs.log" "pytest tests/cs"

stage "web console (tools/console): unit tests, then a browser session in headless Chromium"
# node --test prints "# pass N" / "# fail N"; count() reads "N passed" / "N failed".
console_tests() { # $1: the folder under tests/console, $2: the stage's name
    local log=$log_dir/console-$1.tap rc=0 p f
    rm -f "$log"
    (cd tests/console && timeout 300 node --test --test-reporter=spec --test-reporter-destination=stdout \
        --test-reporter=tap --test-reporter-destination="$log" "$1/") || rc=$?
    p=$(grep -oE '^# pass [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
    f=$(grep -oE '^# (fail|cancelled) [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
    [ $((p + f)) -gt 0 ] || f=1 # the runner did not run: that is a failure too
    echo "$2: $p passed, $f failed" | tee "$log_dir/console-$1.log"
    [ "$rc" -eq 0 ] || fail "$2 (exit $rc)" 0
    count "$log_dir/console-$1.log" "$2"
}
if ! command -v node >/dev/null; then
    echo "################################################################################"
    echo "# SKIPPED: web console tests - Node.js is not installed (scripts/deps.sh could not)"
    echo "################################################################################"
else
    console_tests unit "console unit tests"
    if [ -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ -d tests/console/node_modules/playwright-core ]; then
        console_tests e2e "console browser test"
        echo "screenshots: $(ls target/console/*.png 2>/dev/null | tr '\n' ' ')"
    else
        echo "################################################################################"
        echo "# SKIPPED: web console browser test - no Chromium at ${CHROMIUM:-/usr/bin/chromium}"
        echo "# or no tests/console/node_modules/playwright-core (scripts/deps.sh installs both)"
        echo "################################################################################"
    fi
fi

if [ -x tests/c/run.sh ]; then
    stage "C API tests"
    bash tests/c/run.sh 2>&1 | tee "$log_dir/c-tests.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || fail "C tests" 0
    count "$log_dir/c-tests.log" "C tests"
fi

if [ -f cbindgen.toml ]; then
    stage "generated header is current"
    tmp=$(mktemp)
    if cbindgen --config cbindgen.toml --crate zephyr-ocpp --output "$tmp" && cmp -s "$tmp" include/zephyr/net/ocpp.h; then
        echo "include/zephyr/net/ocpp.h matches cbindgen's output"
    else
        diff -u include/zephyr/net/ocpp.h "$tmp" | head -40
        fail "include/zephyr/net/ocpp.h is stale: regenerate with cbindgen and commit"
    fi
    rm -f "$tmp"
fi

stage "documentation (doc/build.sh: Sphinx, Kconfig and C API references generated, warnings fail)"
bash doc/build.sh 2>&1 | tee "$log_dir/doc.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "documentation build (doc/build.sh)"

stage "schema validation of every frame exchanged by the tests"
frames=$(find target/frames -name '*.jsonl' 2>/dev/null | sort)
if [ -n "$frames" ]; then
    # shellcheck disable=SC2086
    python3 tools/validate_frames.py $frames | tail -5 || fail "frame schema validation"
else
    fail "no frames were logged"
fi

stage "Zephyr"
ZEPHYR_WORKSPACE=${ZEPHYR_WORKSPACE:-$HOME/zephyrproject}
if [ -x scripts/zephyr.sh ] && [ -d "$ZEPHYR_WORKSPACE/zephyr" ]; then
    bash scripts/zephyr.sh 2>&1 | tee "$log_dir/zephyr.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || fail "Zephyr stage" 0
    count "$log_dir/zephyr.log" "Zephyr stage"
else
    echo "################################################################################"
    echo "# SKIPPED: Zephyr stage - no Zephyr workspace at $ZEPHYR_WORKSPACE"
    echo "# (set ZEPHYR_WORKSPACE; see README 'Zephyr workspace')"
    echo "################################################################################"
fi

echo
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#failures[@]} -eq 0 ]
