#!/usr/bin/env python3
"""Generates the Kconfig reference (reStructuredText) from the module's Kconfig file.

    python3 doc/gen_kconfig.py Kconfig doc/_build/generated/kconfig.rst

One source of truth: nothing here names a symbol. The parser understands the subset of the
Kconfig language that Zephyr modules use: config/menuconfig, the types bool/tristate/int/hex/
string with an optional prompt, prompt, default/range/select/imply (each with an optional
"if"), depends on, visible if, help blocks, if/endif, menu/endmenu, choice/endchoice,
comment, source and macro assignments (module = ...). A symbol defined twice (Kconfig merges
repeated definitions) is documented once with the properties of both.
"""

import os
import re
import sys

TYPES = ("bool", "tristate", "int", "hex", "string")


class Symbol:
    def __init__(self, name, kind, file, line):
        self.name = name
        self.kind = kind  # "config" or "menuconfig"
        self.type = None
        self.prompt = None
        self.defaults = []  # (value, condition)
        self.ranges = []  # (low, high, condition)
        self.selects = []  # (symbol, condition)
        self.implies = []
        self.depends = []  # expressions, enclosing "if"s and menus' "depends on" included
        self.help = ""
        self.menu = None  # title of the enclosing menu, if any
        self.where = f"{file}:{line}"


def strip_comment(line):
    """The line without a # comment (a # inside a string is kept)."""
    out, quote = [], None
    for ch in line:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        out.append(ch)
    return "".join(out).rstrip()


def unquote(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def split_if(text):
    """'value if cond' -> (value, cond or None), not splitting inside quotes."""
    m = re.match(r'^((?:"[^"]*"|\'[^\']*\'|[^"\'])*?)\s+if\s+(.*)$', text)
    if m:
        return m.group(1).strip(), m.group(2).strip()
    return text.strip(), None


def indent_width(line):
    return len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip())


def parse(path):
    """Returns (symbols in file order, sourced files, macro assignments)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    symbols, by_name, sources, macros = [], {}, [], {}
    # Stack of enclosing blocks: ("if", expr) / ("menu", title, [depends]) / ("choice", None)
    blocks = []
    cur = None
    i = 0
    while i < len(lines):
        raw = lines[i]
        lineno = i + 1
        i += 1
        line = strip_comment(raw).strip()
        if not line:
            continue
        words = line.split(None, 1)
        key = words[0]
        rest = words[1] if len(words) > 1 else ""

        if key in ("help", "---help---"):
            base = indent_width(raw)
            block, width = [], None
            while i < len(lines):
                text = lines[i]
                if text.strip():
                    w = indent_width(text)
                    if width is None:
                        if w <= base:
                            break
                        width = w
                    elif w < width:
                        break
                    block.append(text.expandtabs(8)[width:].rstrip())
                else:
                    block.append("")
                i += 1
            while block and not block[-1]:
                block.pop()
            if cur is not None:
                cur.help = (cur.help + "\n\n" if cur.help else "") + "\n".join(block)
            continue

        if key in ("config", "menuconfig"):
            name = rest.strip()
            if name in by_name:
                cur = by_name[name]
            else:
                cur = Symbol(name, key, os.path.basename(path), lineno)
                by_name[name] = cur
                symbols.append(cur)
            for b in blocks:
                if b[0] == "if":
                    dep = b[1]
                elif b[0] == "menu":
                    dep = None
                    cur.menu = cur.menu or b[1]
                    for d in b[2]:
                        if d not in cur.depends:
                            cur.depends.append(d)
                else:
                    dep = None
                if dep and dep not in cur.depends:
                    cur.depends.append(dep)
            continue
        if key == "if":
            blocks.append(("if", rest.strip()))
            cur = None
            continue
        if key == "menu":
            blocks.append(("menu", unquote(rest), []))
            cur = None
            continue
        if key == "choice":
            blocks.append(("choice", rest.strip()))
            cur = None
            continue
        if key in ("endif", "endmenu", "endchoice"):
            want = {"endif": "if", "endmenu": "menu", "endchoice": "choice"}[key]
            while blocks:
                if blocks.pop()[0] == want:
                    break
            cur = None
            continue
        if key == "source" or key in ("rsource", "osource", "orsource"):
            sources.append(unquote(rest))
            cur = None
            continue
        if key in ("comment", "mainmenu"):
            cur = None
            continue
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*(:?=|\+=)\s*(.*)$", line)
        if m:
            macros[m.group(1)] = m.group(3).strip()
            cur = None
            continue

        # Properties: of the current symbol, or of the enclosing menu/choice.
        target = cur
        if key in TYPES or key == "def_bool" or key == "def_tristate":
            if target is not None:
                target.type = "bool" if key.startswith("def_bool") else key.replace("def_", "")
                if key.startswith("def_"):
                    target.defaults.append(split_if(rest))
                elif rest:
                    target.prompt = unquote(split_if(rest)[0])
        elif key == "prompt":
            if target is not None:
                target.prompt = unquote(split_if(rest)[0])
        elif key == "default":
            if target is not None:
                target.defaults.append(split_if(rest))
        elif key == "range":
            if target is not None:
                value, cond = split_if(rest)
                parts = value.split()
                if len(parts) == 2:
                    target.ranges.append((parts[0], parts[1], cond))
        elif key == "depends":
            expr = rest[2:].strip() if rest.startswith("on") else rest
            if target is not None:
                if expr not in target.depends:
                    target.depends.append(expr)
            elif blocks and blocks[-1][0] == "menu":
                blocks[-1][2].append(expr)
        elif key in ("select", "imply"):
            if target is not None:
                (target.selects if key == "select" else target.implies).append(split_if(rest))
        # visible if, option, modules, transitional...: not documented.
    return symbols, sources, macros


RST_SPECIAL = re.compile(r"([\\*`|_\[\]])")


def escape(text):
    return RST_SPECIAL.sub(r"\\\1", text)


def linkify(text, names):
    """Escapes text for rst and turns symbol names (with or without CONFIG_) into links."""
    out, pos = [], 0
    for m in re.finditer(r"\b(?:CONFIG_)?([A-Z][A-Z0-9_]*[A-Z0-9])\b", text):
        if m.group(1) not in names:
            continue
        out.append(escape(text[pos : m.start()]))
        out.append(f":confval:`CONFIG_{m.group(1)}`")
        pos = m.end()
        # An inline role must be followed by a space or punctuation: "\ " joins a letter.
        if pos < len(text) and text[pos].isalnum():
            out.append("\\ ")
    out.append(escape(text[pos:]))
    return "".join(out)


def expr_rst(expr, names):
    """A Kconfig expression, symbol names linked, operators kept."""
    return linkify(expr, names)


def value_rst(value, names):
    if value.startswith('"'):
        return f"``{value}``"
    if value in names:
        return f":confval:`CONFIG_{value}`"
    if re.fullmatch(r"[A-Za-z0-9_]+", value) and not value.isupper():
        return f"``{value}``"
    if re.fullmatch(r"-?[0-9]+|0x[0-9a-fA-F]+", value):
        return f"``{value}``"
    return linkify(value, names)


def help_rst(help_text, names, indent):
    """Help text as rst paragraphs; a paragraph with inner indentation or list-like lines is
    kept verbatim (a literal block) so that no help text can break the build."""
    pad = " " * indent
    out = []
    for para in re.split(r"\n\s*\n", help_text.strip("\n")):
        lines = para.split("\n")
        widths = {len(l) - len(l.lstrip()) for l in lines}
        listy = any(re.match(r"^\s*([-*+]|\d+[.)])\s", l) for l in lines)
        if widths == {0} and not listy:
            out.append(pad + linkify(" ".join(l.strip() for l in lines), names))
        else:
            out.append(pad + "::")
            out.append("")
            out.extend(pad + "   " + l for l in lines)
        out.append("")
    return out


def render(symbols, sources, macros, source_name):
    names = {s.name for s in symbols}
    out = [
        ".. This file is generated by doc/gen_kconfig.py from the module's Kconfig: do not edit.",
        "",
        ".. _kconfig_reference:",
        "",
        "Kconfig reference",
        "#################",
        "",
        f"Every symbol of the module's ``{source_name}``, generated from it when the documentation"
        " is built (``doc/gen_kconfig.py``). Set them in the application's ``prj.conf`` as"
        " ``CONFIG_<NAME>=<value>``; numeric capacities reach the Rust build as constants"
        " through ``build.rs``.",
        "",
        f"{len(symbols)} symbols.",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 35 10 15 40",
        "",
        "   * - Symbol",
        "     - Type",
        "     - Default",
        "     - Prompt",
    ]
    for s in symbols:
        default = ", ".join(
            value_rst(v, names) + (" (if ...)" if c else "") for v, c in s.defaults
        ) or ("``n``" if s.type in ("bool", "tristate") else "")
        out += [
            f"   * - :confval:`CONFIG_{s.name}`",
            f"     - {s.type or ''}",
            f"     - {default}",
            f"     - {escape(s.prompt) if s.prompt else '(no prompt: set by other symbols)'}",
        ]
    out.append("")

    menu = None
    heading_done = False
    for s in symbols:
        if s.menu != menu or not heading_done:
            menu = s.menu
            title = menu or "Symbols"
            out += [title, "*" * max(len(title), 3), ""]
            heading_done = True
        out.append(f".. confval:: CONFIG_{s.name}")
        if s.type:
            out.append(f"   :type: ``{s.type}``")
        if s.defaults:
            # Literals only: Sphinx puts this option's nodes straight into a field body,
            # where its HTML writer cannot render a cross-reference.
            parts = [f"``{v}`` if ``{c}``" if c else f"``{v}``" for v, c in s.defaults]
            out.append("   :default: " + "; otherwise ".join(parts))
        elif s.type in ("bool", "tristate"):
            out.append("   :default: ``n``")
        out.append("")
        if s.prompt:
            out += [f"   *{escape(s.prompt)}*", ""]
        fields = []
        if s.depends:
            fields.append(
                ("Depends on", " && ".join(f"({expr_rst(d, names)})" if " " in d else expr_rst(d, names) for d in s.depends))
            )
        for low, high, cond in s.ranges:
            fields.append(
                ("Range", f"``{low}`` to ``{high}``" + (f" if {expr_rst(cond, names)}" if cond else ""))
            )
        if s.selects:
            fields.append(
                ("Selects", ", ".join(f"``{escape(v)}``" + (f" if {expr_rst(c, names)}" if c else "") for v, c in s.selects))
            )
        if s.implies:
            fields.append(
                ("Implies", ", ".join(f"``{escape(v)}``" + (f" if {expr_rst(c, names)}" if c else "") for v, c in s.implies))
            )
        fields.append(("Defined in", f"``{s.where}``"))
        for k, v in fields:
            out.append(f"   :{k}: {v}")
        out.append("")
        if s.help:
            out += help_rst(s.help, names, 3)
        else:
            out += ["   (No help text.)", ""]

    if sources:
        out += ["Sourced files", "*************", ""]
        out.append(
            "The Kconfig file also includes these files (their symbols are documented by Zephyr):"
        )
        out.append("")
        for src in sources:
            note = ""
            if src.endswith("Kconfig.template.log_config") and "module" in macros:
                mod = macros["module"]
                note = (
                    f": the log level symbols ``CONFIG_{escape(mod)}_LOG_LEVEL`` and"
                    f" ``CONFIG_{escape(mod)}_LOG_LEVEL_*`` (``module = {escape(mod)}``)"
                )
            out.append(f"- ``{src}``{note}")
        out.append("")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen_kconfig.py KCONFIG OUTPUT.rst")
    symbols, sources, macros = parse(sys.argv[1])
    if not symbols:
        sys.exit(f"gen_kconfig: no symbol found in {sys.argv[1]}")
    text = render(symbols, sources, macros, os.path.basename(sys.argv[1]))
    os.makedirs(os.path.dirname(os.path.abspath(sys.argv[2])), exist_ok=True)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(text)
    print(f"gen_kconfig: {len(symbols)} symbols -> {sys.argv[2]}")


if __name__ == "__main__":
    main()
