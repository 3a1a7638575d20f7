#!/usr/bin/env bash
# The Zephyr stage: builds and runs zephyr-ocpp as a Zephyr module in a Zephyr workspace
# ($ZEPHYR_WORKSPACE, default ~/zephyrproject: zephyr/, modules/, optionally a .venv with west).
#   scripts/zephyr.sh               all checks (called by scripts/test.sh)
#   scripts/zephyr.sh --footprint   only the stm32f769i_disco footprint (bench/footprint.sh)
# Prints "N passed, M failed" per group of checks.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WS=${ZEPHYR_WORKSPACE:-$HOME/zephyrproject}
OUT=${ZEPHYR_OUT:-$ROOT/target/zephyr}
mkdir -p "$OUT"

[ -d "$WS/zephyr" ] || { echo "no Zephyr workspace at $WS"; exit 1; }
# shellcheck disable=SC1091
[ -f "$WS/.venv/bin/activate" ] && source "$WS/.venv/bin/activate"
export ZEPHYR_BASE=$WS/zephyr
export GNUARMEMB_TOOLCHAIN_PATH=${GNUARMEMB_TOOLCHAIN_PATH:-/usr}
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
# bindgen (port header, zephyr-lang-rust) needs libclang with its resource directory.
[ -z "${LIBCLANG_PATH:-}" ] && [ -d /usr/lib/llvm-14/lib ] && export LIBCLANG_PATH=/usr/lib/llvm-14/lib
export BINDGEN_EXTRA_CLANG_ARGS=${BINDGEN_EXTRA_CLANG_ARGS:--D_GCC_ARM_ACLE_H}
for target in thumbv7em-none-eabi thumbv7em-none-eabihf thumbv7m-none-eabi x86_64-unknown-none; do
    rustup target list --installed | grep -qx "$target" || rustup target add "$target" >/dev/null
done

passed=0
failed=0
check() { # name, command...
    local name=$1
    shift
    if "$@"; then
        echo "PASS: $name"
        passed=$((passed + 1))
    else
        echo "FAIL: $name"
        failed=$((failed + 1))
    fi
}

# west build of an application with this module; args: board, app dir, build dir, extra cmake args
build() {
    local board=$1 app=$2 dir=$3
    shift 3
    local variant=gnuarmemb
    [[ $board == native_sim* ]] && variant=host
    ZEPHYR_TOOLCHAIN_VARIANT=$variant west build -p auto -b "$board" -d "$dir" "$app" -- \
        -DEXTRA_ZEPHYR_MODULES="$ROOT" "$@" >"$dir.log" 2>&1 ||
        { tail -40 "$dir.log"; return 1; }
}

# The link map shows our library and not Zephyr's C OCPP library.
ours_linked() {
    local map=$1/zephyr/zephyr.map
    grep -q 'libocpp\.a' "$map" || { echo "libocpp.a is not in $map"; return 1; }
    if grep -E 'subsys/net/lib/ocpp|ocpp_wamp_rpc|ocpp_j\.c' "$map" >/dev/null; then
        echo "Zephyr's C OCPP library is linked:"
        grep -E 'subsys/net/lib/ocpp|ocpp_wamp_rpc|ocpp_j\.c' "$map" | head -5
        return 1
    fi
    # <zephyr/net/ocpp.h> must resolve to ours: our include directory comes before Zephyr's.
    python3 - "$1/compile_commands.json" "$ROOT/include" "$ZEPHYR_BASE/include" <<'PY'
import json, sys
commands, ours, zephyrs = json.load(open(sys.argv[1])), "-I" + sys.argv[2], "-I" + sys.argv[3]
app = [c["command"].split() for c in commands if c["file"].endswith("main.c")]
ok = bool(app) and all(ours in a and zephyrs in a and a.index(ours) < a.index(zephyrs) for a in app)
print("our include/ precedes zephyr/include" if ok else "zephyr/include is searched before ours")
sys.exit(0 if ok else 1)
PY
}

memory_report() { # build dir
    grep -E '^\s+(FLASH|RAM|DTCM|SRAM):' "$1.log" | sed 's/^/    /'
}

footprint() {
    local dir=$OUT/sample_stm32f769i_disco clib=$OUT/sample_stm32f769i_disco_clib
    build stm32f769i_disco "$ZEPHYR_BASE/samples/net/ocpp" "$dir" || return 1
    # The baseline in the same run: the same sample and workspace with Zephyr's C library.
    ZEPHYR_TOOLCHAIN_VARIANT=gnuarmemb west build -p auto -b stm32f769i_disco -d "$clib" \
        "$ZEPHYR_BASE/samples/net/ocpp" >"$clib.log" 2>&1 || { tail -40 "$clib.log"; return 1; }
    echo "Zephyr samples/net/ocpp, stm32f769i_disco, with zephyr-ocpp:"
    memory_report "$dir"
    echo "  the same sample with Zephyr's C library:"
    memory_report "$clib"
    python3 "$ROOT/bench/sample_delta.py" "$clib/zephyr/zephyr.map" "$dir/zephyr/zephyr.map"
    python3 "$ROOT/bench/flash_by_origin.py" "$dir/zephyr/zephyr.map"
}

# The same sample with CONFIG_OCPP_PERSISTENCE (settings on NVS in the storage partition).
persistence_footprint() {
    local dir=$OUT/sample_stm32f769i_disco_persistence
    build stm32f769i_disco "$ZEPHYR_BASE/samples/net/ocpp" "$dir" \
        -DEXTRA_CONF_FILE="$ROOT/scripts/zephyr/persistence.conf" || return 1
    echo "Zephyr samples/net/ocpp, stm32f769i_disco, with zephyr-ocpp and CONFIG_OCPP_PERSISTENCE:"
    memory_report "$dir"
}

# MCUboot (bootloader/mcuboot, Zephyr's west.yml pins it): the workspace script does not extract
# it; when a bare mirror is at hand ($MIRROR_ROOT, default /work/.mirror) it is extracted here.
MCUBOOT=$WS/bootloader/mcuboot
MCUBOOT_REV=$(sed -n '/name: mcuboot/,/path:/s/ *revision: *//p' "$ZEPHYR_BASE/west.yml")
MCUBOOT_MIRROR=${MIRROR_ROOT:-/work/.mirror}/mcu-tools+mcuboot/repo
if [ ! -f "$MCUBOOT/boot/bootutil/src/bootutil_public.c" ] && [ -d "$MCUBOOT_MIRROR" ] && [ -n "$MCUBOOT_REV" ]; then
    echo "extracting MCUboot $MCUBOOT_REV into $MCUBOOT"
    mkdir -p "$MCUBOOT"
    git --git-dir="$MCUBOOT_MIRROR" archive "$MCUBOOT_REV" | tar -x -C "$MCUBOOT"
fi

# samples/ocpp booted by MCUboot (sysbuild), updated over OCPP into slot1 (issue 9); both
# images' sizes are printed. imgtool (signing) needs MCUboot's Python requirements.
mcuboot_build() {
    local dir=$OUT/sample_stm32f769i_disco_mcuboot m=$ROOT/samples/ocpp/mcuboot
    python3 -c 'import imgtool' 2>/dev/null || python3 -c 'import cbor2, intelhex, click, cryptography' 2>/dev/null ||
        python3 -m pip install -q -r "$MCUBOOT/scripts/requirements.txt" >/dev/null
    ZEPHYR_TOOLCHAIN_VARIANT=gnuarmemb west build --sysbuild -p auto -b stm32f769i_disco -d "$dir" \
        "$ROOT/samples/ocpp" -- -DSB_CONFIG_BOOTLOADER_MCUBOOT=y -DEXTRA_ZEPHYR_MODULES="$ROOT" \
        -Dmcuboot_EXTRA_DTC_OVERLAY_FILE="$m/bootloader.overlay" \
        -Docpp_EXTRA_DTC_OVERLAY_FILE="$m/application.overlay" \
        -Docpp_EXTRA_CONF_FILE="$m/application.conf" >"$dir.log" 2>&1 || { tail -40 "$dir.log"; return 1; }
    [ -f "$dir/ocpp/zephyr/zephyr.signed.bin" ] || { echo "no signed application image"; return 1; }
    grep -q '^CONFIG_OCPP_FIRMWARE_UPDATE_MCUBOOT=y' "$dir/ocpp/zephyr/.config" ||
        { echo "CONFIG_OCPP_FIRMWARE_UPDATE_MCUBOOT is off"; return 1; }
    echo "samples/ocpp + Firmware Management (MCUboot), stm32f769i_disco, sysbuild:"
    for image in ocpp mcuboot; do
        # Berkeley sizes: flash = text + data, RAM = data + bss.
        arm-none-eabi-size "$dir/$image/zephyr/zephyr.elf" | awk -v i="$image" -v b="$(stat -c %s "$dir/$image/zephyr/zephyr.bin")" \
            'NR==2 {printf "  %-8s FLASH %d B (text+data), RAM %d B (data+bss), zephyr.bin %d B\n", i, $1+$2, $2+$3, b}'
    done
}

# Security Profile 2 (TLS 1.2 by mbedTLS + Basic Auth): the CA it embeds is generated here by
# tools/dev_cs_tls.py (never committed).
security_footprint() {
    local dir=$OUT/sample_stm32f769i_disco_profile2 certs=$OUT/tls_certs
    python3 -c 'import sys, pathlib; sys.path.insert(0, "tools"); import dev_cs_tls; dev_cs_tls.generate(pathlib.Path(sys.argv[1]))' \
        "$certs" || return 1
    build stm32f769i_disco "$ZEPHYR_BASE/samples/net/ocpp" "$dir" \
        -DEXTRA_CONF_FILE="$ROOT/tests/zephyr/tls/security-profile2.conf" \
        -DCONFIG_OCPP_CA_CERT_FILE=\"$certs/ca.pem\" || return 1
    echo "Zephyr samples/net/ocpp, stm32f769i_disco, with zephyr-ocpp and Security Profile 2 (mbedTLS, 48000 B heap):"
    memory_report "$dir"
}

if [ "${1:-}" = "--footprint" ]; then
    footprint
    exit $?
fi

echo "--- Zephyr's samples/net/ocpp (unchanged) with this module"
check "samples/net/ocpp builds for stm32f769i_disco" footprint
check "stm32f769i_disco links libocpp.a, not Zephyr's C library" ours_linked "$OUT/sample_stm32f769i_disco"
check "samples/net/ocpp builds for stm32f769i_disco with CONFIG_OCPP_PERSISTENCE" persistence_footprint
if [ -f "$MCUBOOT/boot/bootutil/src/bootutil_public.c" ]; then
    check "samples/ocpp builds with sysbuild + MCUboot for stm32f769i_disco" mcuboot_build
else
    echo "SKIPPED (loudly): samples/ocpp with sysbuild + MCUboot: no MCUboot at $MCUBOOT and no mirror at $MCUBOOT_MIRROR"
fi
if [ -d "$WS/modules/crypto/mbedtls" ]; then
    check "samples/net/ocpp builds for stm32f769i_disco with Security Profile 2 (TLS)" security_footprint
else
    echo "SKIPPED: Security Profile 2 footprint: no mbedTLS module in $WS/modules/crypto/mbedtls"
fi
check "samples/net/ocpp builds for native_sim/native/64" \
    build native_sim/native/64 "$ZEPHYR_BASE/samples/net/ocpp" "$OUT/sample_native_sim" \
    -DEXTRA_CONF_FILE="$ROOT/scripts/zephyr/native_sim_nsos.conf" \
    -DCONFIG_NET_SAMPLE_OCPP_SERVER=\"127.0.0.1\" -DCONFIG_NET_SAMPLE_OCPP_PORT=19180 \
    -DCONFIG_NET_SAMPLE_SNTP_SERVER=\"127.0.0.1\"
check "native_sim links libocpp.a, not Zephyr's C library" ours_linked "$OUT/sample_native_sim"
check "samples/net/ocpp runs the scenario against the dev Central System" \
    python3 scripts/zephyr/run_sample.py "$OUT/sample_native_sim/zephyr/zephyr.exe" --port 19180 \
    --frames "$ROOT/target/frames/zephyr-sample.jsonl"

# samples/rust_ocpp: zephyr-lang-rust links our crate into librustapp.a; the module builds only
# the C port (no libocpp.a), and the port's symbols exist once. Its native_sim run and its
# qemu_cortex_m3 build are twister configurations (below).
rust_sample_linked() {
    local map=$1/zephyr/zephyr.map
    grep -q 'librustapp\.a' "$map" || { echo "librustapp.a is not in $map"; return 1; }
    if grep -q 'libocpp\.a' "$map"; then echo "libocpp.a is linked too"; return 1; fi
    # The symbol list is read whole: `nm | grep -q` fails under pipefail when grep stops early
    # and nm gets SIGPIPE (it did once the symbol moved up the list).
    local symbols defs
    symbols=$(arm-none-eabi-nm "$1/zephyr/zephyr.elf")
    defs=$(grep -c ' T ocpp_port_ws_connect$' <<<"$symbols")
    [ "$defs" -eq 1 ] || { echo "ocpp_port_ws_connect defined $defs times"; return 1; }
    grep -q ' T zephyr_ocpp_kernel_lock$' <<<"$symbols" ||
        { echo "the kernel objects do not come from zephyr-ocpp-kernel"; return 1; }
}
rust_footprint() {
    local dir=$OUT/rust_sample_stm32f769i_disco
    build stm32f769i_disco "$ROOT/samples/rust_ocpp" "$dir" || return 1
    echo "samples/rust_ocpp (zephyr-lang-rust), stm32f769i_disco:"
    memory_report "$dir"
}
echo "--- samples/rust_ocpp (zephyr-lang-rust application)"
if [ -d "$WS/modules/lang/rust" ]; then
    check "samples/rust_ocpp builds for stm32f769i_disco" rust_footprint
    check "samples/rust_ocpp links the crate once, through librustapp.a" \
        rust_sample_linked "$OUT/rust_sample_stm32f769i_disco"
else
    echo "SKIP: samples/rust_ocpp: no zephyr-lang-rust at $WS/modules/lang/rust"
    failed=$((failed + 1))
fi

echo "--- Zephyr's tests/net/lib/ocpp with this module"
check "tests/net/lib/ocpp builds (native_sim/native/64)" \
    build native_sim/native/64 "$ZEPHYR_BASE/tests/net/lib/ocpp" "$OUT/zephyr_tests_ocpp"

if [ -d tests/zephyr ]; then
    echo "--- our twister suites"
    for platform in native_sim/native/64 qemu_cortex_m3; do
        variant=gnuarmemb
        [[ $platform == native_sim* ]] && variant=host
        tdir=$OUT/twister-${platform//\//_}
        ZEPHYR_TOOLCHAIN_VARIANT=$variant west twister -W -j 2 -p "$platform" -T tests/zephyr -T samples \
            -O "$tdir" -x=EXTRA_ZEPHYR_MODULES="$ROOT" --inline-logs >"$tdir.log" 2>&1
        tail -5 "$tdir.log"
        # twister's summary: "P of M executed test configurations passed (..%), B built (not run),
        # F failed, E errored, ..." (build_only configurations are "built (not run)").
        line=$(grep -E 'executed test configurations passed' "$tdir.log" | tail -1)
        ok=$(sed -nE 's/.* ([0-9]+) of [0-9]+ executed test configurations passed.*/\1/p' <<<"$line")
        built=$(sed -nE 's/.* ([0-9]+) built \(not run\).*/\1/p' <<<"$line")
        bad=$(sed -nE 's/.* ([0-9]+) failed, ([0-9]+) errored.*/\1 \2/p' <<<"$line")
        cases=$(grep -E 'executed test cases passed' "$tdir.log" | tail -1 |
            sed -nE 's/.* ([0-9]+) of ([0-9]+) executed test cases passed.*/\1 \2/p')
        if [[ $ok =~ ^[0-9]+$ && -n $bad ]]; then
            read -r nfailed nerrored <<<"$bad"
            read -r cases_ok cases_all <<<"${cases:-0 0}"
            # Each test case run counts, and each build-only configuration.
            passed=$((passed + cases_ok + ${built:-0}))
            failed=$((failed + nfailed + nerrored + cases_all - cases_ok))
            echo "twister $platform: $ok configurations run and passed ($cases_ok of $cases_all test cases)," \
                "${built:-0} built only, $nfailed failed, $nerrored errored"
        else
            echo "twister $platform: no summary (see $tdir.log)"
            failed=$((failed + 1))
        fi
    done
fi

echo "zephyr: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
