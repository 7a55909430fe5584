#!/usr/bin/env python3
"""Writes cmake/hot-text.ld: the code of kafka-agent that runs, laid out first.

    hot_text.py LINK_MAP BINARY OUT.ld CALLGRIND_OUT...

LINK_MAP is the GNU ld map (-Wl,-Map) of BINARY, the binary the callgrind
profiles (valgrind --tool=callgrind --dump-instr=yes) ran. Every instruction
address a profile executed in BINARY is looked up in the map's .text input
sections; the sections hit (an object file's whole .text where Debian's
archives were built without per-function sections, one function where they
were) are listed in OUT.ld as one output section `.text.hot` inserted before
`.text`: those of the first profile first (the long-running `serve`), then
those only the next one ran, and so on; by address within each. See
scripts/hot-text.sh.
"""

import bisect
import os
import re
import subprocess
import sys


def text_input_sections(map_path):
    """[(address, size, section name, file)] of .text (and .text.hot), by address."""
    secs = []
    in_text = False
    pending = None
    one_line = re.compile(r"^ (\.text\S*)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    name_only = re.compile(r"^ (\.text\S*)\s*$")
    addr_line = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    with open(map_path, errors="replace") as f:
        for line in f:
            # .text, and .text.hot when the binary was laid out by a list
            # already (the input sections there are named as anywhere).
            if re.match(r"^\.text(\.hot)?\s", line):
                in_text = True
                continue
            if re.match(r"^\.\S", line):
                in_text = False
            if not in_text:
                continue
            m = one_line.match(line)
            if m:
                secs.append((int(m.group(2), 16), int(m.group(3), 16),
                             m.group(1), m.group(4).strip()))
                pending = None
                continue
            m = name_only.match(line)
            if m:
                pending = m.group(1)
                continue
            m = addr_line.match(line)
            if m and pending:
                secs.append((int(m.group(1), 16), int(m.group(2), 16),
                             pending, m.group(3).strip()))
            pending = None
    return sorted(s for s in secs if s[1] > 0)


def executed(callgrind_path):
    """(addresses executed in the object that ran main, the address of main)
    of one profile. The object is found by main, not by name: valgrind names
    a binary laid out by this list "???"."""
    fns = {}
    pos = 0
    ob = None
    current_fn = None
    main_addr = None
    main_ob = None
    addrs = {}  # object id -> addresses
    compressed = re.compile(r"^(c?ob|c?fn)=\((\d+)\)(?: (.*))?$")
    with open(callgrind_path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            m = compressed.match(line)
            if m:
                kind, ident, name = m.groups()
                if kind.endswith("fn") and name:
                    fns[ident] = name
                if kind == "ob":
                    ob = ident
                elif kind == "fn":
                    current_fn = fns.get(ident)
                continue
            tok = line.split()[0]
            if "=" in tok:
                continue
            if tok.startswith("0x"):
                pos = int(tok, 16)
            elif tok[0] in "+-":
                step = tok[1:]
                n = int(step, 16) if step.startswith("0x") else int(step)
                pos = pos + n if tok[0] == "+" else pos - n
            elif tok != "*":
                continue
            addrs.setdefault(ob, set()).add(pos)
            if current_fn == "main" and (main_addr is None or pos < main_addr):
                main_addr, main_ob = pos, ob
    return addrs.get(main_ob, set()), main_addr


def pattern(section, file):
    """The linker script's input section pattern for SECTION of FILE."""
    if file.endswith(")") and "(" in file:
        archive = os.path.basename(file[:file.index("(")])
        member = file[file.index("(") + 1:-1]
        return f"*{archive}:{member}({section})"
    return f"*{os.path.basename(file)}({section})"


def main(argv):
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    map_path, binary, out_path = argv[1:4]
    secs = text_input_sections(map_path)
    starts = [s[0] for s in secs]
    nm = subprocess.run(["nm", binary], capture_output=True, text=True,
                        check=True).stdout
    link_main = next(int(l.split()[0], 16) for l in nm.splitlines()
                     if l.endswith(" T main"))
    hot = {}  # section index -> the first profile (in argument order) that ran it
    for rank, path in enumerate(argv[4:]):
        addrs, main_addr = executed(path)
        if main_addr is None:
            print(f"{path}: main never ran in {binary}", file=sys.stderr)
            return 1
        base = main_addr - link_main
        outside = 0
        for a in addrs:
            a -= base
            i = bisect.bisect_right(starts, a) - 1
            if i < 0 or a >= secs[i][0] + secs[i][1]:
                outside += 1
                continue
            hot.setdefault(i, rank)
        print(f"{path}: {len(addrs)} instructions executed, {outside} outside "
              f".text's input sections", file=sys.stderr)
    total = sum(s[1] for s in secs)
    size = sum(secs[i][1] for i in hot)
    lines, seen = [], set()
    for i in sorted(hot, key=lambda i: (hot[i], i)):
        p = pattern(secs[i][2], secs[i][3])
        if p not in seen:
            seen.add(p)
            lines.append("    " + p)
    with open(out_path, "w", encoding="utf-8") as out:
        out.write(
            "/* Generated by scripts/hot-text.sh (do not edit): the .text input\n"
            " * sections kafka-agent executed in a profile of `serve` polling a\n"
            " * fake broker and answering probes, /metrics and `status` (first),\n"
            f" * `render` and the `status` client: {len(lines)} sections, {size >> 10} KiB of\n"
            f" * {total >> 10} KiB of code. Laid out first and together, so the\n"
            " * kernel maps (64 KiB around each page that faults) mostly code that\n"
            " * runs. A section named here that no longer exists matches nothing;\n"
            " * code added since is laid out with the rest until this is\n"
            " * generated again. */\n"
            "SECTIONS\n{\n  .text.hot :\n  {\n")
        out.write("\n".join(lines) + "\n")
        out.write("  }\n}\nINSERT BEFORE .text;\n")
    print(f"{out_path}: {len(lines)} input sections, {size >> 10} KiB of "
          f"{total >> 10} KiB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
