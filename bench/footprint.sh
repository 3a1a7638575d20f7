#!/usr/bin/env bash
# Prints flash/RAM numbers.
#   --engine-only  the Rust engine alone on Cortex-M7 (thumbv7em-none-eabihf): the size probe
#                  (bench/size-probe) reaches every engine entry point and is linked with
#                  --gc-sections, so the sections are what a firmware carries.
#   (default)      also Zephyr's samples/net/ocpp for stm32f769i_disco with this module, from a
#                  Zephyr workspace ($ZEPHYR_WORKSPACE, default ~/zephyrproject): FLASH/RAM
#                  against Zephyr's C library, the library's bytes by origin
#                  (bench/flash_by_origin.py) and the deepest stack per entry point
#                  (bench/stack_depth.py).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# Builds and links the probe with the given engine features; sets TEXT/RODATA/DATA/BSS.
probe() {
    local features=$1
    (cd bench/size-probe && cargo build --quiet --release --target thumbv7em-none-eabihf \
        ${features:+--features "$features"})
    ELF=$ROOT/target/size-probe${features:+-${features//,/-}}.elf
    arm-none-eabi-gcc -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16 -nostartfiles -nostdlib \
        -Wl,--gc-sections -Wl,-e,ocpp_size_probe -o "$ELF" \
        bench/size-probe/target/thumbv7em-none-eabihf/release/libocpp_size_probe.a -lgcc
    read -r TEXT RODATA DATA BSS < <(arm-none-eabi-size -A "$ELF" |
        awk '$1==".text"{t=$2} $1==".rodata"{r=$2} $1==".data"{d=$2} $1==".bss"{b=$2}
             END {print t+0, r+0, d+0, b+0}')
}

engine() {
    probe ""
    echo "engine on thumbv7em-none-eabihf (opt-level z, LTO, gc-sections), Core profile only:"
    printf '  %-8s %7d B\n' .text "$TEXT" .rodata "$RODATA" .data "$DATA" .bss "$BSS"
    echo "  largest symbols:"
    arm-none-eabi-nm --size-sort -S -C "$ELF" | tail -5 | while read -r _ size _ name; do
        printf '    %6d  %s\n' "$((16#$size))" "$name"
    done
    local core_flash=$((TEXT + RODATA + DATA)) core_ram=$((DATA + BSS))
    echo "optional profiles (Cargo feature = CONFIG_OCPP_PROFILE_*), cost over Core:"
    printf '  %-28s %9s %9s\n' profile "flash B" "RAM B"
    printf '  %-28s %9d %9d\n' "Core (all off)" "$core_flash" "$core_ram"
    local all=remote-trigger,reservation,local-auth-list,smart-charging,firmware-management,security
    # security includes remote-trigger (ExtendedTriggerMessage reuses its paths).
    for features in remote-trigger reservation local-auth-list smart-charging firmware-management security "$all"; do
        probe "$features"
        local label=$features
        [ "$features" = "$all" ] && label="all six"
        printf '  %-28s %+9d %+9d\n' "$label" $((TEXT + RODATA + DATA - core_flash)) \
            $((DATA + BSS - core_ram))
    done
    printf '  %-28s %9d %9d\n' "total, all six" $((TEXT + RODATA + DATA)) $((DATA + BSS))
    # Smart Charging's RAM is mostly its profile table: say what one entry costs.
    local per_profile
    per_profile=$(cargo run --quiet --release --example exchange_bench -- smart_charging_sizes 2>/dev/null || true)
    [ -n "$per_profile" ] && echo "  smart-charging: $per_profile"
    probe security-profiles
    echo "Security Profiles (Cargo feature security-profiles = CONFIG_OCPP_SECURITY_PROFILES), cost over Core:"
    printf '  %-28s %+9d %+9d\n' "security-profiles" $((TEXT + RODATA + DATA - core_flash)) $((DATA + BSS - core_ram))
    echo "security whitepaper messages (Cargo feature = CONFIG_OCPP_PROFILE_*), cost over the features each needs:"
    # Each needs security; GetLog and signed firmware the Firmware Management transfers, signed
    # firmware also the certificate store (ManufacturerRootCertificate), certificate signing
    # the Security Profiles.
    local feature base
    for pair in "security:" "certificates:security" "certificate-signing:security,security-profiles" \
        "security-log:security,firmware-management" "signed-firmware:certificates,firmware-management"; do
        feature=${pair%%:*} base=${pair#*:}
        if [ -n "$base" ]; then
            probe "$base"
        else
            probe ""
        fi
        local base_flash=$((TEXT + RODATA + DATA)) base_ram=$((DATA + BSS))
        probe "$feature${base:+,$base}"
        printf '  %-28s %+9d %+9d   (over %s)\n' "$feature" $((TEXT + RODATA + DATA - base_flash)) \
            $((DATA + BSS - base_ram)) "${base:-Core}"
    done
    local everything=$all,security-profiles,certificates,certificate-signing,security-log,signed-firmware
    probe "$everything"
    printf '  %-28s %9d %9d\n' "total, every feature" $((TEXT + RODATA + DATA)) $((DATA + BSS))
    # RAM by part of the engine (Core), in a 32-bit layout (i686, close to Cortex-M's).
    local layout=i686-unknown-linux-gnu
    rustup target list --installed 2>/dev/null | grep -qx "$layout" || layout=
    echo "engine RAM by part, Core (bytes, ${layout:-host} layout; the platform adds its frame buffer and event log):"
    cargo run --quiet --release ${layout:+--target $layout} --no-default-features --features std \
        --example ram_parts 2>/dev/null || echo "  (not measured: the $layout build failed)"
    probe store
    echo "persistence (the store seam: restore_record, finish_restore, poll_store), cost over Core:"
    printf '  %-28s %+9d %+9d\n' "store" $((TEXT + RODATA + DATA - core_flash)) $((DATA + BSS - core_ram))
}

engine
if [ "${1:-}" = "--engine-only" ]; then
    exit 0
fi
if [ -x scripts/zephyr.sh ]; then
    bash scripts/zephyr.sh --footprint
    sample=${ZEPHYR_OUT:-$ROOT/target/zephyr}/sample_stm32f769i_disco/zephyr
    if [ -f "$sample/zephyr.map" ]; then
        python3 bench/flash_by_origin.py "$sample/zephyr.map"
        python3 bench/stack_depth.py "$sample/zephyr.elf"
    fi
else
    echo "SKIPPED: Zephyr footprint (scripts/zephyr.sh not present yet)"
fi
