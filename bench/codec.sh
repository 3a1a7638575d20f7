#!/usr/bin/env bash
# Codec measurement (bench/CODEC.md): serde + serde-json-core against the table codec
# (src/codec.rs, feature table-codec), per message type.
#   flash    Cortex-M7 (thumbv7em-none-eabihf, opt-level z, LTO, --gc-sections): the codec probe
#            (bench/codec-probe) linked with arm-none-eabi-gcc, as bench/footprint.sh does.
#            "marginal" = the flash a type adds to a probe that already reaches every other type
#            of its direction (all of them minus it); "alone" = what it adds to the bare probe
#            (the framing only), shared machinery included; "fixed" = what is left of the
#            direction's total once the marginals are taken out: what every type shares.
#   cpu      instructions per parse / write on the host (callgrind, opt-level z, LTO;
#            examples/codec_bench.rs run N times against 0 times).
#   stack    bytes of stack per parse / write on a Cortex-M7 (qemu mps2-an500, painted stack;
#            bench/codec-stack), when qemu-system-arm is installed.
# Usage: bench/codec.sh [flash|cpu|stack]...   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/target/codec-probe
mkdir -p "$OUT"

DE=(ChangeAvailabilityRequest RemoteStartTransactionRequest ReserveNowRequest TriggerMessageRequest
    AuthorizeResponse StartTransactionResponse BootNotificationResponse StatusNotificationResponse
    MeterValuesResponse)
SER=(BootNotificationRequest StatusNotificationRequest MeterValuesRequest AuthorizeRequest
     StartTransactionRequest ChangeAvailabilityResponse RemoteStartStopResponse ReserveNowResponse
     TriggerMessageResponse)

# flash CODEC FEATURE... -> prints .text + .rodata + .data of the linked probe
flash() {
    local codec=$1
    shift
    local features=("$@")
    [ "$codec" = table ] && features+=(table)
    local list
    list=$(IFS=,; echo "${features[*]}")
    (cd bench/codec-probe && cargo build --quiet --release --target thumbv7em-none-eabihf \
        ${list:+--features "$list"})
    local elf=$OUT/probe.elf
    arm-none-eabi-gcc -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16 -nostartfiles -nostdlib \
        -Wl,--gc-sections -Wl,-e,ocpp_codec_probe -o "$elf" \
        bench/codec-probe/target/thumbv7em-none-eabihf/release/libocpp_codec_probe.a -lgcc
    arm-none-eabi-size -A "$elf" | awk '$1==".text"||$1==".rodata"||$1==".data" {s+=$2} END {print s+0}'
}

types_of() { # de|ser -> sets the caller's `types`
    if [ "$1" = de ]; then types=("${DE[@]}"); else types=("${SER[@]}"); fi
}

without() { # NAME LIST... -> LIST without NAME
    local drop=$1
    shift
    for x in "$@"; do [ "$x" != "$drop" ] && echo "$x"; done
}

flash_table() {
    declare -A alone marginal
    declare -A base total fixed extra saving
    for codec in serde table; do
        base[$codec]=$(flash "$codec")
        for dir in de ser; do
            local types all
            types_of "$dir"
            all=("${types[@]/#/$dir-}")
            total[$codec.$dir]=$(flash "$codec" "${all[@]}")
            local sum=0
            for t in "${types[@]}"; do
                local rest
                mapfile -t rest < <(without "$dir-$t" "${all[@]}")
                local less
                less=$(flash "$codec" "${rest[@]}")
                marginal[$codec.$t]=$((total[$codec.$dir] - less))
                alone[$codec.$t]=$(($(flash "$codec" "$dir-$t") - base[$codec]))
                sum=$((sum + marginal[$codec.$t]))
            done
            fixed[$codec.$dir]=$((total[$codec.$dir] - base[$codec] - sum))
        done
        total[$codec.both]=$(flash "$codec" "${DE[@]/#/de-}" "${SER[@]/#/ser-}")
    done

    echo "flash per message type, bytes (thumbv7em-none-eabihf, opt-level z, LTO, gc-sections):"
    printf '  %-34s %-5s %8s %8s   %8s %8s   %9s\n' "" "" "serde" "" "table" "" "marginal"
    printf '  %-34s %-5s %8s %8s   %8s %8s   %9s\n' "message type" "dir" "marginal" "alone" \
        "marginal" "alone" "saved"
    local dir
    for dir in de ser; do
        types_of "$dir"
        local ms=0 mt=0
        for t in "${types[@]}"; do
            printf '  %-34s %-5s %8d %8d   %8d %8d   %+9d\n' "$t" "$dir" "${marginal[serde.$t]}" \
                "${alone[serde.$t]}" "${marginal[table.$t]}" "${alone[table.$t]}" \
                $((marginal[table.$t] - marginal[serde.$t]))
            ms=$((ms + marginal[serde.$t]))
            mt=$((mt + marginal[table.$t]))
        done
        local n=${#types[@]}
        printf '  %-34s %-5s %8d %8s   %8d %8s   %+9d\n' "mean of the $n" "$dir" $((ms / n)) "" \
            $((mt / n)) "" $(((mt - ms) / n))
        printf '  %-34s %-5s %8d %8s   %8d %8s   %+9d\n' "fixed (shared by every type)" "$dir" \
            "${fixed[serde.$dir]}" "" "${fixed[table.$dir]}" "" \
            $((fixed[table.$dir] - fixed[serde.$dir]))
        printf '  %-34s %-5s %8d %8s   %8d %8s   %+9d\n' "all $n (over the bare probe)" "$dir" \
            $((total[serde.$dir] - base[serde])) "" $((total[table.$dir] - base[table])) "" \
            $((total[table.$dir] - base[table] - total[serde.$dir] + base[serde]))
        extra[$dir]=$((fixed[table.$dir] - fixed[serde.$dir]))
        saving[$dir]=$(((ms - mt) / n))
        break_even "$dir" "${extra[$dir]}" "${saving[$dir]}"
    done
    printf '  %-34s %-5s %8d %8s   %8d %8s   %+9d\n' "bare probe (framing only)" "" \
        "${base[serde]}" "" "${base[table]}" "" $((base[table] - base[serde]))
    printf '  %-34s %-5s %8d %8s   %8d %8s   %+9d\n' "all 18, both directions" "" \
        $((total[serde.both] - base[serde])) "" $((total[table.both] - base[table])) "" \
        $((total[table.both] - base[table] - total[serde.both] + base[serde]))
    # A message the charge point handles is usually one parse and one write (a request it
    # answers, or a request it sends and the answer it reads).
    break_even "message (1 parse + 1 write)" $((extra[de] + extra[ser])) \
        $((saving[de] + saving[ser]))
    # In the middle of a migration both codecs are linked: what the table codec's machinery
    # costs in a build that already has serde's (DateTime::parse, UTF-8 checks, the scanner,
    # memcpy are then shared), and after how many types moved to it that is paid back.
    local all18=("${DE[@]/#/de-}" "${SER[@]/#/ser-}") both sum_table=0 t
    both=$(flash serde "${all18[@]}" both)
    for t in "${DE[@]}" "${SER[@]}"; do sum_table=$((sum_table + marginal[table.$t])); done
    local mixed_fixed=$((both - total[serde.both] - sum_table))
    echo "  table codec beside serde (both linked, all 18 types through both): +$((both - total[serde.both])) B;"
    echo "    of which its own fixed cost: $mixed_fixed B (the rest: the 18 table marginals)"
    break_even "partial migration (both codecs linked)" "$mixed_fixed" \
        $(((saving[de] + saving[ser]) / 2))
}

break_even() { # label extra-fixed-bytes saving-per-type
    local label=$1 extra=$2 saving=$3
    if [ "$saving" -le 0 ]; then
        echo "  break-even, $label: never (no saving per type; extra fixed $extra B)"
    elif [ "$extra" -lt 0 ]; then
        echo "  break-even, $label: from the first type (fixed cost ${extra#-} B lower, $saving B saved per type)"
    else
        echo "  break-even, $label: from type $((extra / saving + 1)) on (extra fixed $extra B, $saving B saved per type)"
    fi
}

cpu_table() {
    command -v valgrind >/dev/null || { echo "SKIPPED: instructions (valgrind not installed)"; return; }
    local n=${N:-200}
    cargo build --quiet --release --example codec_bench --features table-codec
    local bin=target/release/examples/codec_bench tmp
    tmp=$(mktemp -d)
    count() { # codec case iterations -> instructions
        valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$bin" "$1" "$2" "$3" 2>&1 |
            awk '/Collected/ {print $NF}'
    }
    echo "instructions per parse / write (host x86_64, opt-level z, LTO; callgrind, $n iterations):"
    printf '  %-42s %10s %10s %8s\n' "case" "serde" "table" "table/serde"
    local case s t
    for case in $("$bin" list); do
        s=$((($(count serde "$case" "$n") - $(count serde "$case" 0)) / n))
        t=$((($(count table "$case" "$n") - $(count table "$case" 0)) / n))
        printf '  %-42s %10d %10d %8s\n' "$case" "$s" "$t" "$(awk "BEGIN {printf \"%.2f\", $t / $s}")"
    done
    rm -rf "$tmp"
}

stack_table() {
    if ! command -v qemu-system-arm >/dev/null; then
        echo "SKIPPED: stack (qemu-system-arm not installed)"
        return
    fi
    bash bench/codec-stack/run.sh
}

what=("$@")
[ ${#what[@]} -eq 0 ] && what=(flash cpu stack)
for w in "${what[@]}"; do
    case $w in
        flash) flash_table ;;
        cpu) cpu_table ;;
        stack) stack_table ;;
        *) echo "unknown: $w (flash, cpu or stack)" >&2; exit 2 ;;
    esac
done
