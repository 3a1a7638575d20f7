#!/usr/bin/env python3
"""Copies the Rust static library without the compiler_builtins members that the C side of the
image already provides, so the firmware links those functions once, from the C library.

A Rust staticlib carries its own compiler_builtins (one archive member per function). Linked
before the C library, its memcpy/memmove/memset and 64-bit division win for the whole image, C
code included: on Cortex-M7 they are 4.7 KB of speed-tuned code where picolibc's are about
200 B and libgcc's division is already there for Zephyr's own 64-bit time arithmetic.

A member is removed only when every global symbol it defines is in the given list, so nothing
else it provides can go missing. The list comes from the module's CMakeLists.txt (what the
configured C library and compiler runtime provide).

usage: prune_builtins.py NM AR IN.a OUT.a SYMBOL...
"""
import os
import shutil
import subprocess
import sys


def main():
    nm, ar, source, target, *symbols = sys.argv[1:]
    wanted = set(symbols)
    # The archive index names the member of every global symbol; reading the members
    # themselves would trip on the LLVM bitcode a binutils LTO plugin cannot read.
    listing = subprocess.run([nm, "--print-armap", source], check=True, capture_output=True,
                             text=True).stdout
    defined = {}
    in_index = False
    for line in listing.splitlines():
        if line.startswith("Archive index"):
            in_index = True
        elif not line.strip():
            in_index = False
        elif in_index and " in " in line:
            name, _, member = line.partition(" in ")
            defined.setdefault(member.strip(), set()).add(name.strip())
    members = sorted(m for m, names in defined.items()
                     if m.startswith("compiler_builtins") and names and names <= wanted)
    tmp = target + ".tmp"
    shutil.copyfile(source, tmp)
    if members:
        subprocess.run([ar, "d", tmp, *members], check=True)
    os.replace(tmp, target)
    print(f"zephyr-ocpp: {len(members)} compiler_builtins members left to the C library and "
          f"compiler runtime")


if __name__ == "__main__":
    main()
