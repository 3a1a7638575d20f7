#!/usr/bin/env bash
# Stack bytes per parse / write on a Cortex-M7 (qemu mps2-an500), serde against the table codec:
# the codec probe built with feature "stack" (bench/codec-probe/src/stack.rs), linked with
# harness.c, which paints the stack and measures each case's high-water mark. The scratch and
# output buffers are statics: the numbers are the codec's own stack.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=target/codec-probe
mkdir -p "$OUT"
command -v qemu-system-arm >/dev/null || { echo "SKIPPED: stack (qemu-system-arm not installed)"; exit 0; }
for codec in serde table; do
    features=stack
    [ "$codec" = table ] && features=stack,table
    (cd bench/codec-probe && cargo build --quiet --release --target thumbv7em-none-eabihf --features "$features")
    arm-none-eabi-gcc -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16 -O2 -ffreestanding \
        -nostdlib -nostartfiles -T bench/codec-stack/link.ld -Wl,--gc-sections -Wl,-z,noexecstack \
        -o "$OUT/stack-$codec.elf" bench/codec-stack/harness.c \
        bench/codec-probe/target/thumbv7em-none-eabihf/release/libocpp_codec_probe.a -lgcc
    rm -f "$OUT/stack-$codec.txt"
    timeout 60 qemu-system-arm -M mps2-an500 -display none -monitor none -serial none \
        -chardev file,id=out,path="$OUT/stack-$codec.txt" -semihosting-config enable=on,chardev=out \
        -kernel "$OUT/stack-$codec.elf"
done
echo "stack per parse / write, bytes (Cortex-M7, qemu mps2-an500, painted stack; buffers static):"
printf '  %-42s %8s %8s %+9s\n' case serde table "table-serde"
paste -d' ' "$OUT/stack-serde.txt" "$OUT/stack-table.txt" |
    while read -r name serde _ table; do
        if [[ $serde =~ ^[0-9]+$ && $table =~ ^[0-9]+$ ]]; then
            printf '  %-42s %8d %8d %+9d\n' "$name" "$serde" "$table" $((table - serde))
        else
            printf '  %-42s %8s %8s\n' "$name" "$serde" "$table"
        fi
    done
