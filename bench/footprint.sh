#!/usr/bin/env bash
# Prints flash/RAM numbers.
#   --engine-only  the Rust engine alone on Cortex-M7 (thumbv7em-none-eabihf): the size probe
#                  (bench/size-probe) reaches every engine entry point and is linked with
#                  --gc-sections, so the sections are what a firmware carries.
#   (default)      also Zephyr's samples/net/ocpp for stm32f769i_disco with this module, from a
#                  Zephyr workspace ($ZEPHYR_WORKSPACE, default ~/zephyrproject).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

engine() {
    (cd bench/size-probe && cargo build --quiet --release --target thumbv7em-none-eabihf)
    local elf=$ROOT/target/size-probe.elf
    arm-none-eabi-gcc -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16 -nostartfiles -nostdlib \
        -Wl,--gc-sections -Wl,-e,ocpp_size_probe -o "$elf" \
        bench/size-probe/target/thumbv7em-none-eabihf/release/libocpp_size_probe.a -lgcc
    echo "engine on thumbv7em-none-eabihf (opt-level z, LTO, gc-sections):"
    arm-none-eabi-size -A "$elf" | awk '$1 ~ /^\.(text|rodata|data|bss)$/ {printf "  %-8s %7d B\n", $1, $2}'
    echo "  largest symbols:"
    arm-none-eabi-nm --size-sort -S -C "$elf" | tail -5 | while read -r _ size _ name; do
        printf '    %6d  %s\n' "$((16#$size))" "$name"
    done
}

engine
if [ "${1:-}" = "--engine-only" ]; then
    exit 0
fi
if [ -x scripts/zephyr.sh ]; then
    bash scripts/zephyr.sh --footprint
else
    echo "SKIPPED: Zephyr footprint (scripts/zephyr.sh not present yet)"
fi
