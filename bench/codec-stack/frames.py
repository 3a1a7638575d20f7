#!/usr/bin/env python3
"""Frame size of every function of an ARM (Thumb) ELF, from its prologue: 4 bytes per pushed
register, 8 per vpushed double register, plus each `sub sp, #n`. The static counterpart of the
painted stack of run.sh: it names the functions that make a path deep.

usage: frames.py image.elf [substring]   (largest first; only names containing substring)
"""
import re
import subprocess
import sys


def registers(args):
    """Registers in a list like {r4, r5, r7, lr} or {d8-d9}."""
    count = 0
    for reg in re.search(r"\{(.*)\}", args).group(1).split(","):
        reg = reg.strip()
        if "-" in reg:
            first, last = reg.split("-")
            count += int(last[1:]) - int(first[1:]) + 1
        else:
            count += 1
    return count


def main(elf, pattern=""):
    listing = subprocess.run(
        ["arm-none-eabi-objdump", "-d", "-C", "--no-show-raw-insn", elf],
        capture_output=True, text=True, check=True).stdout
    frames = {}
    name = None
    for line in listing.splitlines():
        start = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if start:
            name = start.group(1)
            frames[name] = [0, 0]
            continue
        fields = line.split("\t")
        if name is None or len(fields) < 3:
            continue
        op, args = fields[1].strip(), fields[2].strip()
        if op.startswith("push") or (op.startswith("stmdb") and args.startswith("sp!")):
            frames[name][0] += 4 * registers(args)
        elif op.startswith("vpush"):
            frames[name][0] += 8 * registers(args)
        elif op.startswith("sub") and re.match(r"sp, (sp, )?#\d+", args):
            frames[name][1] += int(re.search(r"#(\d+)", args).group(1))
    rows = sorted(((saved + local, saved, local, n) for n, (saved, local) in frames.items()),
                  reverse=True)
    print(f"{'bytes':>6} {'saved+locals':>12}  function")
    for total, saved, local, n in rows:
        if pattern in n and total > 0:
            print(f"{total:6d} {saved:5d}+{local:<6d}  {n[:140]}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
