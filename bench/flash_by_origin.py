#!/usr/bin/env python3
"""Where zephyr-ocpp's bytes go in a linked Zephyr image: flash (.text + .rodata + .data) and
static RAM (.data + .bss) of every input section of the Rust library (libocpp.a) and of the
module's C port (libzephyr_ocpp.a), from the GNU ld map file, grouped by origin:

  engine::<module>      the sans-IO engine, one row per module
  message <Type>        one message type's (de)serialization (codec impls, serde impls, helpers)
  messages: enum names  every spec enum's names packed in one string each, their offsets
  codec                 the table-driven codec's shared machinery (src/codec.rs)
  framing               rpc / json scanner / datetime / cistring
  logging               log lines without core::fmt (src/logging.rs)
  serde, serde-json-core, core::fmt, panics, heapless, compiler_builtins, core (other)
  ffi, platform         the C API and the Zephyr runtime
  constants             anonymous .rodata (string literals, tables, vtables): not attributable
  C port                src/platform/zephyr/port.c

With Rust's -ffunction-sections each function is its own section, named by its mangled
symbol; LTO merges the crates into one object, so the crate is read from the symbol.

usage: flash_by_origin.py zephyr.map [--top N]   (--top: the N largest sections of each origin)
"""
import re
import sys
from collections import defaultdict

LIB = re.compile(r"libocpp\.a\(")
PORT = re.compile(r"libzephyr_ocpp\.a\(")
ENTRY = re.compile(r"^\s+(\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
KINDS = (("text", (".text",)), ("rodata", (".rodata",)), ("data", (".data",)),
         ("bss", (".bss", "COMMON", ".noinit")))
LEGACY_ESCAPES = {"$LT$": "<", "$GT$": ">", "$u20$": " ", "$C$": ",", "$RF$": "&", "$BP$": "*",
                  "$u7b$": "{", "$u7d$": "}", "$u5b$": "[", "$u5d$": "]", "$u27$": "'",
                  "$u3b$": ";", "$u22$": '"', "$SP$": "@", "..": "::"}


def demangle(symbol):
    """A readable path for a Rust symbol (legacy `_ZN` or v0 `_R`), good enough to classify."""
    if symbol.startswith("_ZN"):
        rest, parts = symbol[3:], []
        while rest and rest[0].isdigit():
            n = re.match(r"\d+", rest).group()
            rest = rest[len(n):]
            parts.append(rest[:int(n)])
            rest = rest[int(n):]
        if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
            parts.pop()
        text = "::".join(parts)
        for escape, char in LEGACY_ESCAPES.items():
            text = text.replace(escape, char)
        return text.replace("_<", "<")
    if symbol.startswith("_R"):
        # v0: skip crate disambiguators (Cs<base62>_), then read <length><identifier> runs.
        rest, parts = re.sub(r"C[s][0-9A-Za-z]*_", "C", symbol[2:]), []
        i = 0
        while i < len(rest):
            m = re.match(r"(\d+)_?", rest[i:])
            if m and int(m.group(1)) > 0:
                start = i + m.end()
                parts.append(rest[start:start + int(m.group(1))])
                i = start + int(m.group(1))
            else:
                i += 1
        return "::".join(parts)
    return symbol


MESSAGE = re.compile(r"ocpp::messages::(?:\w+::)*?([A-Z]\w*)")


def origin(section):
    """The group of one input section (its name without the .text./.rodata. prefix)."""
    name = re.sub(r"^\.(text|rodata|data|bss|noinit)\.?", "", section)
    name = re.sub(r"^(unlikely|hot|startup|exit)\.", "", name)
    if name.startswith(".L") or name in ("", "str1.1", "str1.4", "cst4", "cst8", "cst16"):
        return "constants (anonymous)"
    path = demangle(name)
    if re.search(r"panic|rust_begin_unwind|unwrap_failed|expect_failed|_fail\b|len_mismatch_fail"
                 r"|slice_(start|end)_index|index_order_fail|str_index_overflow", path):
        return "panics"
    if "serde_json_core" in path:
        return "serde-json-core"
    if "serde" in path:
        return "serde"
    if "core::fmt" in path or "4core3fmt" in name or re.search(r"as core::fmt::\w+>", path):
        return "core::fmt"
    # The first `ocpp::` path names the owner: `<ocpp::ffi::X as ocpp::engine::Station>` is ffi.
    first = re.search(r"ocpp::(\w+)(?:::(\w+))?", path)
    crate_module = first.group(1) if first else None
    trait_impl = re.search(r" as ocpp::engine::(\w+)::", path)
    if trait_impl and not path.startswith("<ocpp::"):
        return "engine::" + trait_impl.group(1)  # an engine trait on a foreign type
    if name.startswith("OUTLINED_FUNCTION"):
        return "outlined (machine outliner)"
    if crate_module == "messages":
        if path.endswith("::TABLE"):
            return "messages: member tables (all types)"
        if re.search(r"::(TEXT|OFFSETS|NAMES)$|messages::names::", path):
            return "messages: enum names (packed)"
        types = [t for t in MESSAGE.findall(path) if t not in ("Action", "FeatureProfile", "HINT")]
        if types:
            return "message " + types[-1]
        if "parse_payload" in path:
            # Legacy mangling drops generic arguments: serde's per-type code is inlined into
            # these instances, which cannot be told apart by name.
            return "messages: parse_payload<T> (all types)"
        return "messages (shared)"
    if crate_module == "engine":
        sub = first.group(2) or ""
        return "engine::" + (sub if sub[:1].islower() else "mod")
    groups = {"codec": "codec", "ffi": "ffi", "platform": "platform", "rpc": "framing",
              "json": "framing", "datetime": "framing", "cistring": "framing",
              "selftest": "selftest", "logging": "logging (src/logging.rs)"}
    if crate_module in groups:
        return groups[crate_module]
    if path.startswith("ocpp_") or path.startswith("ocpp::"):
        return "ffi"
    if "heapless" in path:
        return "heapless"
    if "compiler_builtins" in path or re.fullmatch(r"(__aeabi_\w+|mem(cpy|set|move|cmp)|strlen|bcmp"
                                                   r"|__\w+[sd]i\d|__(u)?(div|mod)\w+)", name):
        return "compiler_builtins"
    if path.startswith("core::") or "::core::" in path or path.startswith("<core::"):
        return "core (other)"
    return "other"


def kind_of(section):
    for kind, prefixes in KINDS:
        if any(section.startswith(p) for p in prefixes):
            return kind
    return None


def read(path):
    """{group: {kind: bytes}} for our two archives, and {group: [(size, section)]}."""
    totals = defaultdict(lambda: defaultdict(int))
    members = defaultdict(list)
    pending, discarded = None, False
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
            section, pending = m.group(1) or pending, None
            kind = section and kind_of(section)
            if not kind:
                continue
            size, where = int(m.group(3), 16), m.group(4)
            if PORT.search(where):
                group = "C port (port.c)"
            elif LIB.search(where):
                group = "compiler_builtins" if "compiler_builtins" in where else origin(section)
            else:
                continue
            totals[group][kind] += size
            members[group].append((size, section))
    return totals, members


def main(argv):
    path = argv[1]
    top = int(argv[argv.index("--top") + 1]) if "--top" in argv else 0
    totals, members = read(path)
    flash = lambda t: t["text"] + t["rodata"] + t["data"]
    ram = lambda t: t["data"] + t["bss"]
    rows = sorted(totals.items(), key=lambda kv: -flash(kv[1]))
    messages = [(g, t) for g, t in rows if g.startswith("message ")]
    others = [(g, t) for g, t in rows if not g.startswith("message ")]
    print(f"flash by origin (bytes, from {path}):")
    print(f"  {'origin':<34} {'flash':>8} {'text':>8} {'rodata':>8} {'RAM':>8}")
    for group, t in others:
        print(f"  {group:<34} {flash(t):>8} {t['text']:>8} {t['rodata']:>8} {ram(t):>8}")
        if top:
            for size, section in sorted(members[group], reverse=True)[:top]:
                print(f"      {size:>6}  {demangle(re.sub(r'^.(text|rodata)[.]', '', section))[:90]}")
    msg = defaultdict(int)
    for _, t in messages:
        for k, v in t.items():
            msg[k] += v
    print(f"  {'messages, all types (below)':<34} {flash(msg):>8} {msg['text']:>8} {msg['rodata']:>8} {ram(msg):>8}")
    whole = defaultdict(int)
    for _, t in rows:
        for k, v in t.items():
            whole[k] += v
    print(f"  {'total':<34} {flash(whole):>8} {whole['text']:>8} {whole['rodata']:>8} {ram(whole):>8}")
    if messages:
        print("  per message type ((de)serialization):")
        for group, t in messages:
            print(f"    {group[8:]:<32} {flash(t):>8}")


if __name__ == "__main__":
    main(sys.argv)
