#!/usr/bin/env python3
"""Deepest stack of each zephyr-ocpp entry point in a linked ARM (Thumb) image, by the prologue
method: every function's frame is read from its prologue (4 bytes per pushed register, 8 per
vpushed double register, plus each `sub sp, #n`; see bench/codec-stack/frames.py), and the
deepest path through the direct call graph (`bl`, `b.w` tail calls) is summed from each entry.

Indirect calls (`blx rN`: the codec's trait objects, log::Log, the user callback) are
followed conservatively: from our code, to every function of ours or of the application whose
address is stored in the image (vtables, callback pointers), the deepest of them counted.
Indirect calls inside Zephyr (driver and network interface tables) are not followed; the
deepest such call site is reported, so the number is a lower bound for paths into Zephyr's
network stack, which the margin of the Kconfig default covers. Recursion (the JSON scanner's
nesting, the codec's nested objects) is counted once per cycle and reported with the bound
the code enforces.

usage: stack_depth.py zephyr.elf [--path] [entry-substring ...]   (--path: the whole deepest path)
"""
import re
import subprocess
import sys

OURS = re.compile(r"ocpp|^core::|^<core::|compiler_builtins|heapless|serde|^log::|^<log::|"
                  r"^<&|^<F as|^OUTLINED|^__aeabi|^mem(cpy|set|move|cmp)$")


def registers(args):
    count = 0
    for reg in re.search(r"\{(.*)\}", args).group(1).split(","):
        reg = reg.strip()
        if "-" in reg:
            first, last = reg.split("-")
            count += int(last[1:]) - int(first[1:]) + 1
        else:
            count += 1
    return count


def disassemble(elf):
    """Per function (keyed by address: generic instances share a name): its frame, the
    addresses it calls directly, and whether it calls through a register."""
    listing = subprocess.run(["arm-none-eabi-objdump", "-d", "-C", "--no-show-raw-insn", elf],
                             capture_output=True, text=True, check=True).stdout
    frames, calls, indirect, name_of = {}, {}, {}, {}
    here = None
    for line in listing.splitlines():
        start = re.match(r"^([0-9a-f]+) <(.*)>:$", line)
        if start:
            here = int(start.group(1), 16)
            name_of[here] = start.group(2)
            frames[here], calls[here], indirect[here] = 0, set(), False
            continue
        fields = line.split("\t")
        if here is None or len(fields) < 3:
            continue
        op, args = fields[1].strip(), fields[2].strip()
        if op.startswith("push") or (op.startswith("stmdb") and args.startswith("sp!")):
            frames[here] += 4 * registers(args)
        elif op.startswith("vpush"):
            frames[here] += 8 * registers(args)
        elif op.startswith("sub") and re.match(r"sp, (sp, )?#\d+", args):
            frames[here] += int(re.search(r"#(\d+)", args).group(1))
        elif re.fullmatch(r"(bl|blx|b\.w|b)", op) and "<" in args:
            target = re.match(r"([0-9a-f]+) <[^>]*?(\+0x[0-9a-f]+)?>", args)
            if target and not target.group(2) and int(target.group(1), 16) != here:
                calls[here].add(int(target.group(1), 16))
        elif op.startswith("blx") and re.match(r"r\d+|ip|lr", args):
            indirect[here] = True
    return frames, calls, indirect, name_of


def address_taken(elf, name_of):
    """Functions whose (Thumb) address is stored in .rodata or .data: indirect-call targets."""
    dump = subprocess.run(["arm-none-eabi-objdump", "-s", "-j", ".rodata", "-j", "datas",
                           "-j", ".data", elf], capture_output=True, text=True).stdout
    words = set()
    for line in dump.splitlines():
        m = re.match(r"^ [0-9a-f]+ ((?:[0-9a-f]{8} ?){1,4})", line)
        if m:
            for w in m.group(1).split():
                words.add(int.from_bytes(bytes.fromhex(w), "little"))
    return {w & ~1 for w in words if w & 1 and (w & ~1) in name_of}


def main(argv):
    sys.setrecursionlimit(20000)
    verbose = "--path" in argv
    argv = [a for a in argv if a != "--path"]
    elf, patterns = argv[1], argv[2:]
    frames, calls, indirect, name_of = disassemble(elf)
    taken = address_taken(elf, name_of)
    # Our functions stored as pointers (vtables of the codec's traits, log::Log) and the
    # application's callbacks are what our indirect calls reach.
    targets = {a for a in taken if OURS.search(name_of[a]) or re.search(r"_cb$|^user_", name_of[a])}
    recursive, zephyr_indirect, memo, on_path = set(), set(), {}, set()

    def deepest(f):
        """(bytes, path) of the deepest chain from f; a call back into the path is a cycle."""
        if f in memo:
            return memo[f]
        if f in on_path:
            recursive.add(name_of.get(f, hex(f)))
            return 0, ()
        on_path.add(f)
        nexts = set(calls.get(f, ()))
        if indirect.get(f):
            if OURS.search(name_of[f]):
                nexts |= targets
            else:
                zephyr_indirect.add(f)
        best = (0, ())
        for g in nexts:
            d = deepest(g)
            if d[0] > best[0]:
                best = d
        on_path.discard(f)
        memo[f] = (frames.get(f, 0) + best[0], (f,) + best[1])
        return memo[f]

    if patterns:
        entries = [a for a in frames if any(p in name_of[a] for p in patterns)]
    else:
        # The OCPP thread, and the C API (run on the application's threads).
        entries = [a for a in frames if "platform::zephyr::thread_main" in name_of[a]
                   or (name_of[a].startswith("ocpp_") and not name_of[a].startswith("ocpp_port_"))]
    print(f"deepest stack per entry point (bytes; prologue method over {elf}):")
    for entry in sorted(entries, key=lambda a: name_of[a]):
        depth, path = deepest(entry)
        names = [re.sub(r"<impl [^>]*>::|ocpp::|engine::", "", name_of[p]) for p in path]
        shown = len(path) if verbose else 7
        chain = " > ".join(f"{n[:44]}({frames[p]})" for n, p in zip(names[:shown], path))
        print(f"  {name_of[entry][:36]:<36} {depth:>6}   {chain}{' > ...' if len(path) > shown else ''}")
    if recursive:
        print("  recursion counted once per cycle at: " + ", ".join(sorted(r[:60] for r in recursive)[:8]))
    if zephyr_indirect:
        print(f"  indirect calls inside Zephyr not followed ({len(zephyr_indirect)} functions)")


if __name__ == "__main__":
    main(sys.argv)
