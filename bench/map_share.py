#!/usr/bin/env python3
"""Prints zephyr-ocpp's share of a Zephyr image from its GNU ld map file: the bytes of
.text / .rodata / .data / .bss input sections that come from the Rust library (libocpp.a) and
from the module's C port (libzephyr_ocpp.a), and, for comparison, from Zephyr's own C OCPP
library and json.c when present.

usage: map_share.py zephyr.map
"""
import re
import sys
from collections import defaultdict

GROUPS = {
    "zephyr-ocpp (Rust, libocpp.a)": re.compile(r"libocpp\.a\("),
    "zephyr-ocpp (C port, libzephyr_ocpp.a)": re.compile(r"libzephyr_ocpp\.a\("),
    "Zephyr's C OCPP library": re.compile(r"subsys__net__lib__ocpp\.a\(|/subsys/net/lib/ocpp/"),
    "Zephyr's json.c": re.compile(r"\(json\.c\.obj\)"),
}
KINDS = (("text", (".text",)), ("rodata", (".rodata",)), ("data", (".data",)), ("bss", (".bss", "COMMON", ".noinit")))
# "  .text.foo  0x08001234  0x40 path/lib.a(obj.o)", the name possibly on the line before.
ENTRY = re.compile(r"^\s+(\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")


def kind_of(section):
    for kind, prefixes in KINDS:
        if any(section.startswith(p) for p in prefixes):
            return kind
    return None


def main(path):
    totals = defaultdict(lambda: defaultdict(int))
    pending = None
    discarded = False
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("Discarded input sections"):
                discarded = True
            elif line.startswith("Memory Configuration") or line.startswith("Linker script and memory map"):
                discarded = False
            if discarded:
                continue
            stripped = line.strip()
            if re.match(r"^\s\S+$", line) and not stripped.startswith("0x"):
                pending = stripped  # a long section name alone on its line
                continue
            m = ENTRY.match(line)
            if not m:
                pending = None
                continue
            section = m.group(1) or pending
            pending = None
            if not section:
                continue
            kind = kind_of(section)
            if kind is None:
                continue
            for group, pattern in GROUPS.items():
                if pattern.search(m.group(4)):
                    totals[group][kind] += int(m.group(3), 16)
    for group in GROUPS:
        t = totals.get(group)
        if not t:
            continue
        flash = t["text"] + t["rodata"] + t["data"]
        ram = t["data"] + t["bss"]
        print(f"  {group}: text {t['text']} B, rodata {t['rodata']} B, data {t['data']} B, bss {t['bss']} B"
              f" -> flash {flash} B, static RAM {ram} B")


if __name__ == "__main__":
    main(sys.argv[1])
