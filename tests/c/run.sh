#!/usr/bin/env bash
# The C API tests: builds the staticlib (host and i686), checks that include/zephyr/net/ocpp.h is
# what cbindgen generates, then builds and runs, against that header and library:
#   abi_test      sizes, offsets, enum values, prototypes; 64-bit and 32-bit (-m32)
#   api_errors    every function's error paths (no Central System)
#   scenario      Zephyr's sample flow and our additions against tools/dev_cs.py (driver.py),
#                 every frame schema-validated
#   cpp_compile   a C++ translation unit including the header
# Prints "N passed, M failed" last; exits non-zero on any failure.
#
# Needs: cbindgen 0.29.4 (cargo install cbindgen --locked --version 0.29.4), the i686 target
# (rustup target add i686-unknown-linux-gnu), gcc-multilib/g++, python3 with the dev CS's
# packages (ocpp, websockets, jsonschema).
set -u
cd "$(dirname "$0")/../.."

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
OUT="$TARGET_DIR/ctest"
mkdir -p "$OUT"
LIBS="-lpthread -ldl -lm -lrt -lutil"
INCLUDES="-Iinclude -Itests/c/include"
# The host library is built with every implemented optional profile (Cargo default features).
PROFILES="-DCONFIG_OCPP_PROFILE_REMOTE_TRIG=1 -DCONFIG_OCPP_PROFILE_RESERVATION=1 -DCONFIG_OCPP_PROFILE_LOCAL_AUTH_LIST=1 -DCONFIG_OCPP_PROFILE_SMART_CHARGE=1 -DCONFIG_OCPP_PROFILE_FIRMWARE_MGNT=1 -DCONFIG_OCPP_SECURITY_PROFILES=1 -DCONFIG_OCPP_PROFILE_SECURITY=1"
# Capacities the tests check, as the library is built on the host: Kconfig's defaults (build.rs).
kconfig_default() { awk -v sym="config $1" '$0 == sym {f = 1; next} f && /^config /{exit} f && $1 == "default" {print $2; exit}' Kconfig; }
CAPACITIES="-DMAX_SESSIONS=$(kconfig_default OCPP_MAX_SESSIONS)"
CFLAGS="-Wall -Wextra -Werror -g $PROFILES $CAPACITIES"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "[       OK ] $1"; }
fail() { failed=$((failed + 1)); echo "[   FAILED ] $1"; }

# Adds the "N passed, M failed" of a test program's output to the totals.
tally() {
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -1)
    if [ -z "$line" ]; then
        fail "$2 (no result line)"
        return
    fi
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
}

# Runs a test program, echoing its output (its own "N passed, M failed" line reworded, so that
# this script's last line is the only one of that form); a non-zero exit without failed checks
# counts once.
run() {
    local name=$1
    shift
    echo "== $name"
    "$@" 2>&1 | tee "$OUT/$name.log" | sed -E "s/^([0-9]+) passed, ([0-9]+) failed$/== $name: \1 ok, \2 not ok/"
    local rc=${PIPESTATUS[0]}
    local before=$failed
    tally "$OUT/$name.log" "$name"
    if [ "$rc" -ne 0 ] && [ "$failed" -eq "$before" ]; then
        fail "$name (exit status $rc)"
    fi
}

echo "== header"
if command -v cbindgen >/dev/null; then
    version=$(cbindgen --version | awk '{print $2}')
    [ "$version" = "0.29.4" ] || echo "note: cbindgen $version; the header was generated with 0.29.4"
    if cbindgen --config cbindgen.toml --crate zephyr-ocpp --output "$OUT/ocpp.h" 2>"$OUT/cbindgen.log" &&
        cmp -s "$OUT/ocpp.h" include/zephyr/net/ocpp.h; then
        pass "include/zephyr/net/ocpp.h is up to date"
    else
        cat "$OUT/cbindgen.log"
        diff -u include/zephyr/net/ocpp.h "$OUT/ocpp.h" | head -40
        fail "include/zephyr/net/ocpp.h is stale: cbindgen --config cbindgen.toml --crate zephyr-ocpp --output include/zephyr/net/ocpp.h"
    fi
else
    fail "cbindgen not installed (cargo install cbindgen --locked --version 0.29.4)"
fi

echo "== build"
if ! cargo rustc --quiet --lib --crate-type staticlib; then
    fail "cargo rustc --crate-type staticlib"
    echo "$passed passed, $failed failed"
    exit 1
fi
HOST_LIB="$TARGET_DIR/debug/libocpp.a"
I686_LIB="$TARGET_DIR/i686-unknown-linux-gnu/debug/libocpp.a"
have_i686=0
if cargo rustc --quiet --lib --crate-type staticlib --target i686-unknown-linux-gnu; then
    have_i686=1
else
    fail "cargo rustc --crate-type staticlib --target i686-unknown-linux-gnu (rustup target add i686-unknown-linux-gnu)"
fi

# compile NAME COMPILER ARGS...: a failed compilation is a failed test.
compile() {
    local name=$1
    shift
    if "$@" -o "$OUT/$name"; then
        return 0
    fi
    fail "$name does not compile"
    return 1
}

if compile abi64 gcc -m64 -std=c11 -pedantic -Wswitch-enum $CFLAGS $INCLUDES tests/c/abi_test.c "$HOST_LIB" $LIBS; then
    run abi64 "$OUT/abi64"
fi
if [ "$have_i686" = 1 ] &&
    compile abi32 gcc -m32 -std=c11 -pedantic -Wswitch-enum $CFLAGS $INCLUDES tests/c/abi_test.c "$I686_LIB" $LIBS; then
    run abi32 "$OUT/abi32"
fi
if compile api_errors gcc -std=gnu11 $CFLAGS $INCLUDES tests/c/api_errors.c "$HOST_LIB" $LIBS; then
    run api_errors "$OUT/api_errors"
fi
if compile scenario gcc -std=gnu11 $CFLAGS $INCLUDES tests/c/scenario.c "$HOST_LIB" $LIBS; then
    # Logged with the other tests' frames (scripts/test.sh validates target/frames/*.jsonl too).
    run scenario python3 tests/c/driver.py "$OUT/scenario" --frames-log "$TARGET_DIR/frames/c-scenario.jsonl"
    if grep -qE '^frames validated: [1-9][0-9]*, schema failures: 0$' "$OUT/scenario.log"; then
        pass "scenario frames match the OCPP 1.6J schemas"
    else
        fail "scenario frames match the OCPP 1.6J schemas"
    fi
fi
echo "== cpp_compile"
if compile cpp_compile g++ -std=c++11 -pedantic $CFLAGS $INCLUDES tests/c/cpp_compile.cpp "$HOST_LIB" $LIBS; then
    if "$OUT/cpp_compile"; then
        pass "C++ translation unit"
    else
        fail "C++ translation unit"
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
