#!/usr/bin/env python3
"""Zephyr's samples/net/ocpp linked with Zephyr's C library and with zephyr-ocpp (same workspace,
same run): flash and RAM of every object file that differs between the two images, from the
GNU ld maps. Only the C build has Zephyr's OCPP library (subsys/net/lib/ocpp) and what only it
uses (lib/utils/json.c, strtoll, gmtime_r...); only ours has libocpp.a and the C port
(libzephyr_ocpp.a); objects in both with other sizes are Zephyr code the two use differently
(the k_condvar and sys_reboot our port calls, for instance).

The C library's buffers are k_calloc'ed from the sample's kernel heap (CONFIG_HEAP_MEM_POOL_SIZE,
the same in both images), so its RAM is read from its struct sizes in the DWARF as well.

usage: sample_delta.py c-library/zephyr.map zephyr-ocpp/zephyr.map [--top N]
"""
import collections
import re
import subprocess
import sys

# stm32f769i_disco: internal flash, and the SRAM/DTCM regions.
FLASH = (0x08000000, 0x08200000)
RAM = (0x20000000, 0x20080000)
ENTRY = re.compile(r"^\s(\.\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+\.(?:a|obj|o)\S*)$")
NAME = re.compile(r"^\s(\.\S+)$")


def objects(path):
    """object -> Counter(flash=, ram=); .data is counted in both (flash holds its image)."""
    sizes = collections.defaultdict(collections.Counter)
    pending = None
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        named = NAME.match(line)
        if named:
            pending = named.group(1)
            continue
        m = ENTRY.match(line)
        if not m:
            pending = None
            continue
        section = m.group(1) or pending or ""
        pending = None
        addr, size, obj = int(m.group(2), 16), int(m.group(3), 16), m.group(4)
        if size == 0:
            continue
        obj = re.sub(r"^.*/", "", obj)
        if FLASH[0] <= addr < FLASH[1]:
            sizes[obj]["flash"] += size
        elif RAM[0] <= addr < RAM[1]:
            sizes[obj]["ram"] += size
            if section.startswith(".data"):
                sizes[obj]["flash"] += size
    return sizes


def c_heap_structs(elf):
    """Sizes of the C library's k_calloc'ed structs (DWARF of its image): its buffers live in the
    sample's kernel heap, which both images reserve, so the link map does not show them."""
    try:
        out = subprocess.run(["arm-none-eabi-readelf", "--debug-dump=info", elf],
                             capture_output=True, text=True).stdout
    except OSError:
        return {}
    sizes, name = {}, None
    for line in out.splitlines():
        m = re.search(r"DW_AT_name\s*:.*\b(ocpp_info|ocpp_cp_info|ocpp_session)$", line)
        if m:
            name = m.group(1)
            continue
        m = re.search(r"DW_AT_byte_size\s*:\s*(\d+)", line)
        if m and name:
            sizes.setdefault(name, int(m.group(1)))
        name = None
    return sizes


def main(argv):
    top = int(argv[argv.index("--top") + 1]) if "--top" in argv else 6
    c_lib, ours = objects(argv[1]), objects(argv[2])
    groups = {"C library": collections.Counter(), "ours": collections.Counter(),
              "Zephyr": collections.Counter()}
    rows = collections.defaultdict(list)
    for obj in set(c_lib) | set(ours):
        if "libsubsys__net__lib__ocpp.a" in obj or obj.startswith("libzephyr.a(json."):
            group = "C library"
        elif obj.startswith(("libocpp.a", "libzephyr_ocpp.a")):
            group = "ours"
        else:
            group = "Zephyr"
        for kind in ("flash", "ram"):
            delta = ours[obj][kind] - c_lib[obj][kind]
            groups[group][kind] += delta
            if kind == "flash" and delta and group == "Zephyr":
                rows[group].append((delta, obj))
    print("samples/net/ocpp, stm32f769i_disco: zephyr-ocpp minus Zephyr's C library, by object (bytes):")
    print(f"  {'':58} {'flash':>8} {'RAM':>8}")
    print(f"  {'Zephyr C library (subsys/net/lib/ocpp, lib/utils/json.c)':<58} "
          f"{groups['C library']['flash']:>+8} {groups['C library']['ram']:>+8}")
    print(f"  {'zephyr-ocpp (libocpp.a, libzephyr_ocpp.a)':<58} "
          f"{groups['ours']['flash']:>+8} {groups['ours']['ram']:>+8}")
    print(f"  {'the rest of Zephyr, used differently':<58} "
          f"{groups['Zephyr']['flash']:>+8} {groups['Zephyr']['ram']:>+8}")
    for delta, obj in sorted(rows["Zephyr"], key=lambda r: -abs(r[0]))[:top]:
        print(f"      {delta:>+7}  {obj[:70]}")
    total = {k: sum(g[k] for g in groups.values()) for k in ("flash", "ram")}
    print(f"  {'total':<58} {total['flash']:>+8} {total['ram']:>+8}")
    elf = argv[1].replace("zephyr.map", "zephyr.elf")
    heap = c_heap_structs(elf)
    if heap:
        used = heap.get("ocpp_info", 0) + heap.get("ocpp_cp_info", 0)
        print(f"  the C library also takes from the kernel heap (DWARF of its image): struct ocpp_info "
              f"{heap.get('ocpp_info', 0)} B + ocpp_cp_info {heap.get('ocpp_cp_info', 0)} B + "
              f"{heap.get('ocpp_session', 0)} B per session;")
        print(f"  counting that, zephyr-ocpp needs {total['ram'] - used:+d} B of RAM more than the C library "
              f"(its heap use with one session: {used + heap.get('ocpp_session', 0)} B)")


if __name__ == "__main__":
    main(sys.argv)
