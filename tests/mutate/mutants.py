#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The mutants of the enforcement rules, one textual change each.

Usage: mutants.py list SRC_DIR              the mutants, one line each
       mutants.py write SRC_DIR OUT_DIR     OUT_DIR/index.tsv and
                                            OUT_DIR/<id>/<file>, the mutated file
       mutants.py probe SRC_DIR OUT_DIR     OUT_DIR/bpf/*: the BPF sources with a
                                            coverage probe at every site, numbered
                                            as index.tsv's lines
       mutants.py changed BASE.o MUTANT.o   the BPF programs whose code differs:
                                            names, "*" when a subprogram does
                                            (any program may call it), "=" for none

Operators (tests/MUTATION.md says why these):
  allow   a refusal becomes an allow: `return -EPERM;`, `return EPERM;`
          (the rules' positive errnos), a ternary of errnos, the verdict
          helpers (`return lsm_answer(..);`, `refuse_if`, `refuse_ioctl`), a
          refusal held in a variable, a deny predicate returning false or an
          allow predicate (ownership, privilege) returning true, a side of
          `a ?: b` dropped;
  negate  a seal test negated: `seals & BPFSEAL_SEAL_X` -> `!(seals & ...)`,
          `!(seals & ...)` -> `(seals & ...)`, `if (!seals)` -> `if (seals)`.
The record-making code (audit.bpf.h, audit_* and *_reason functions)
decides nothing and is not mutated; maps.bpf.c only defines maps.

index.tsv columns: id, file, line, where (host|vm|locked), the suites that
cover the file (tried first in the guest), the id of its coverage probe ("-"
for none: `probe` numbers them as the lines of index.tsv), description.
"""
import os
import re
import sys

# The files whose rules are mutated. seal_rules.h is tested on the host by
# the unit tests; the others in the VM. A glob, so that a new program is
# mutated without being listed here.
HOST_FILES = ["bpf/seal_rules.h"]
SKIP_FILES = {"bpf/audit.bpf.h", "bpf/maps.bpf.c", "bpf/seal_rules.h"}

# Suites that cover each file, run first for its mutants; then the
# default ones, then the rest of the manifest (tests/mutate/guest.sh).
COVERS = {
    "bpf/content.bpf.c": ["conformance_test"],
    "bpf/write_facts.bpf.c": ["conformance_test", "fence_test"],
    "bpf/judge_write.bpf.h": ["conformance_test", "fence_test"],
    "bpf/setattr.bpf.c": ["conformance_test"],
    "bpf/acl.bpf.c": ["conformance_test", "fence_test"],
    "bpf/mapping.bpf.c": ["conformance_test", "race_test"],
    "bpf/names.bpf.c": ["conformance_test"],
    "bpf/add_seals.bpf.c": ["add_rules_test", "conformance_test", "kernel_writers_test", "pins_test"],
    "bpf/page_refs.bpf.h": ["pins_test"],
    "bpf/write_fence.bpf.c": ["fence_test", "race_test"],
    "bpf/kernel_writers.bpf.c": ["kernel_writers_test"],
    "bpf/core_dumps.bpf.c": ["kernel_writers_test", "audit_test"],
    "bpf/ioctl.bpf.c": ["bypass_test", "kernel_writers_test"],
    "bpf/records.bpf.c": ["durable_test"],
    "bpf/records.bpf.h": ["durable_test"],
    "bpf/bpfseal.bpf.h": ["conformance_test"],
    "bpf/seal_lookup.bpf.h": ["conformance_test"],
    "bpf/creds.bpf.h": ["add_rules_test", "unprivileged_test"],
    "bpf/fence.bpf.h": ["fence_test"],
    "bpf/overlay.bpf.h": ["kernel_writers_test"],
    "bpf/lock.bpf.c": ["locked.sh"],
}
LOCKED_SUITES = ["locked.sh"]
# Code that acts only once the policy is locked: one boot per mutant.
LOCKED_FILES = {"bpf/lock.bpf.c"}
LOCKED_FUNCS = {"refuse_if", "lock_refuses_block_write"}

# Functions whose true means "refuse" (or "go on to the check that refuses"):
# each return of something else than false becomes `return false;`.
DENY_PREDICATES = {
    "has_writable_mappings", "backs_loop_swap_or_quota", "core_dump_in_progress",
    "folio_has_extra_refs", "holds_inode_lock", "maybe_sealed",
    "is_locked", "policy_map", "lock_link_id", "policy_prog", "holds_pins", "covers_pins",
    "verdict_changer", "policy_link_fd",
}
# Functions whose true means "allowed": each return of something else than
# true becomes `return true;`.
ALLOW_PREDICATES = {"caller_may_seal", "machine_admin", "current_capable", "caller_is_root_capable", "fence_request_ok",
                    "acct_record"}
# Functions that gather seals: returning none allows everything they feed.
SEAL_SOURCES = {"overlay_real_seals"}
# Facts that decide who is allowed: the most allowed answer.
OPENER_FACTS = {"opener": "SEAL_RULES_OPENER_USER"}
# Variables that hold a refusal where they are returned.
REFUSAL_VARS = {"cannot", "denied"}
# `return err;` is a verdict in these files (the hook's answer to a request).
ERR_VERDICT_FILES = {"bpf/add_seals.bpf.c"}
# Enum refusals and what allowing is.
ENUM_REFUSALS = {"PAGE_REFS_EXTRA": "PAGE_REFS_NONE", "PAGE_REFS_UNSURE": "PAGE_REFS_NONE"}
VERDICT_CALLS = ("lsm_answer", "refuse_if", "refuse_ioctl")
ERRNO = r"E[A-Z0-9]{2,}"
SEAL_CONST = re.compile(r"\s*\(?\s*(?:BPFSEAL_SEALS?_\w+|SEALS_UNKNOWN)\b")


def blank(text):
    """Comments and string literals as spaces (newlines kept): offsets stay valid."""
    out, i, n = list(text), 0, len(text)

    def fill(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            fill(i, j)
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            fill(i, j)
            i = j
        elif text[i] in "\"'":
            j = i + 1
            while j < n and text[j] != text[i]:
                j += 2 if text[j] == "\\" else 1
            fill(i + 1, min(j, n))
            i = j + 1
        else:
            i += 1
    return "".join(out)


FUNC_HEAD = re.compile(r"^[A-Za-z_][\w \t\*]*?\b(\w+)\s*\(", re.M)
PROG_HEAD = re.compile(r"^(?:int|void)\s+BPF_PROG\(\s*(\w+)", re.M)


def functions(code):
    """(start offset, name) of each function definition at column 0, in order."""
    heads = []
    for m in PROG_HEAD.finditer(code):
        heads.append((m.start(), m.group(1)))
    for m in FUNC_HEAD.finditer(code):
        line = code[m.start():code.find("\n", m.start())]
        if line.startswith(("#", " ", "\t")) or "BPF_PROG" in line or m.group(1) in ("SEC", "if", "switch", "return"):
            continue
        # A definition: its body opens before the next ';'.
        rest = code[m.end():]
        semi, brace = rest.find(";"), rest.find("{")
        if brace >= 0 and (semi < 0 or brace < semi):
            heads.append((m.start(), m.group(1)))
    return sorted(heads)


def function_at(heads, pos):
    name = None
    for start, n in heads:
        if start > pos:
            break
        name = n
    return name


def group_bounds(code, pos):
    """The innermost parentheses around pos: (open, close) offsets, or None."""
    depth, i = 0, pos
    while i >= 0:
        c = code[i]
        if c == ")":
            depth += 1
        elif c == "(":
            if depth == 0:
                break
            depth -= 1
        elif c in ";{}" and depth == 0:
            return None
        i -= 1
    if i < 0:
        return None
    depth, j = 0, i + 1
    while j < len(code):
        c = code[j]
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return i, j
            depth -= 1
        elif c in ";{}" and depth == 0:
            return None
        j += 1
    return None


def top_level_split(code, a, b):
    """Spans of the operands of &&, ||, ?, : and , at the top level of code[a:b]."""
    spans, depth, start, i = [], 0, a, a
    while i < b:
        c = code[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0:
            two = code[i:i + 2]
            if two in ("&&", "||"):
                spans.append((start, i))
                start = i + 2
                i += 2
                continue
            if c in "?:,":
                spans.append((start, i))
                start = i + 1
        i += 1
    spans.append((start, b))
    return spans


def strip_span(code, a, b):
    while a < b and code[a].isspace():
        a += 1
    while b > a and code[b - 1].isspace():
        b -= 1
    return a, b


def is_bit_test(term):
    """`x & CONST` (possibly `a & ~b & CONST`): one and-chain, nothing else at its top level."""
    if re.search(r"[=<>!|^+\-*/%]", re.sub(r"\([^()]*\)", "", term).replace("->", "")) or "&&" in term:
        return False
    return "&" in term


class Mutant:
    """One change: text[span] becomes new. site: the expression whose evaluation reaches it (coverage)."""
    def __init__(self, path, pos, span, new, op, what, site):
        self.path, self.pos, self.span, self.new, self.op, self.what, self.site = path, pos, span, new, op, what, site


def statement_bounds(code, pos):
    """The expression of the statement around pos: after `return` or an assignment, up to its ';'."""
    a = max(code.rfind(c, 0, pos) for c in ";{}") + 1
    b = code.find(";", pos)
    head = re.match(r"\s*return\b", code[a:b])
    if head:
        return a + head.end(), b
    eq = re.search(r"[^=!<>]=(?!=)", code[a:pos])
    return (a + eq.end(), b) if eq else (a, b)


def seal_tests(path, text, code, heads):
    found = []

    def add(pos, span, new, what, site=None):
        found.append(Mutant(path, pos, span, new, "negate", what, site or span))

    for m in re.finditer(r"(?<![&])&(?![&=])", code):
        if not SEAL_CONST.match(code[m.end():m.end() + 80]):
            continue
        func = function_at(heads, m.start())
        if func is None or records_only(func):
            continue
        g = group_bounds(code, m.start())
        ga, gb = (g[0] + 1, g[1]) if g else statement_bounds(code, m.start())
        for a, b in top_level_split(code, ga, gb):
            if a <= m.start() < b:
                break
        a, b = strip_span(code, a, b)
        term = code[a:b]
        if not is_bit_test(term):
            continue
        shown = squash(text[a:b])
        prev = code[:a].rstrip()[-1:]
        nxt = code[b:].lstrip()[:1]
        if (a, b) == strip_span(code, ga, gb) and g:
            before = code[:g[0]].rstrip()
            if before.endswith("!"):
                bang = len(before) - 1
                add(m.start(), (bang, bang + 1), "", "negate: !(%s) -> (%s)" % (shown, shown), (bang, g[1] + 1))
            elif re.search(r"\b(if|while|return)$", before) or not re.search(r"[\w\])]$", before):
                add(m.start(), (a, b), "!(" + text[a:b] + ")", "negate: (%s) -> !(%s)" % (shown, shown))
            continue  # otherwise an argument: a value, not a test
        if prev in "?:," or nxt == ",":
            continue  # an arm of a ternary, or an argument: a value
        if not g and nxt not in "?&|" and prev not in "&|":
            continue  # a value assigned or returned, not a test
        add(m.start(), (a, b), "!(" + text[a:b] + ")", "negate: (%s) -> !(%s)" % (shown, shown))
    # Tests of the whole set: if (!seals), if (seals), !seals &&
    for m in re.finditer(r"\bif\s*\(\s*(!?)\s*(?:seals|adding)\s*(?:\)|&&)|!seals\s*&&", code):
        func = function_at(heads, m.start())
        if func is None or records_only(func):
            continue
        name = re.search(r"seals|adding", code[m.start():m.end()])
        s, e = m.start() + name.start(), m.start() + name.end()
        shown = squash(text[m.start():m.end()])
        bang = code.rfind("!", m.start(), s)
        if bang >= 0:
            add(m.start(), (bang, bang + 1), "", "negate: %s -> %s" % (shown, shown.replace("!", "", 1)), (bang, e))
        else:
            add(m.start(), (s, e), "!" + name.group(0), "negate: %s -> %s" % (shown, shown.replace(name.group(0), "!" + name.group(0), 1)))
    return found


def records_only(func):
    """audit_* functions and *_reason ones make the refusal's record, and decide nothing."""
    return func.startswith("audit_") or func.endswith("_reason")


def squash(s):
    return re.sub(r"\s+", " ", s).strip()


def returns(path, text, code, heads):
    found = []
    for m in re.finditer(r"\breturn\b\s*([^;]*);", code):
        func = function_at(heads, m.start())
        if func is None or records_only(func):
            continue
        a, b = m.start(1), m.end(1)
        expr = squash(code[a:b])
        orig = squash(text[a:b])
        new = None
        if func in DENY_PREDICATES:
            if expr != "false":
                new = "false"
        elif func in ALLOW_PREDICATES:
            if expr != "true":
                new = "true"
        elif re.fullmatch(r"-" + ERRNO, expr) or re.fullmatch(ERRNO, expr):
            new = "0"
        elif re.fullmatch(r"[^?]+\?\s*(-?%s|0|denied)\s*:\s*(-?%s|0|denied)" % (ERRNO, ERRNO), expr) and \
                re.search(r"(\b-?%s|denied)\b" % ERRNO, expr.split("?", 1)[1]):
            # Both arms allow; the condition stays, so that what it reads is still used.
            new = squash(text[a:b]).split("?", 1)[0].rstrip() + " ? 0 : 0"
        elif expr == "-err" and func == "lsm_answer":
            new = "0"
        elif func in SEAL_SOURCES and expr != "0":
            new = "0"
        elif func in OPENER_FACTS and expr != OPENER_FACTS[func]:
            new = OPENER_FACTS[func]
        elif re.match(r"(%s)\s*\(" % "|".join(VERDICT_CALLS), expr):
            new = "0"
        elif expr in REFUSAL_VARS:
            new = "0"
        elif expr == "err" and path in ERR_VERDICT_FILES:
            new = "0"
        elif "SEALS_UNKNOWN" in expr:
            new = "0"
        elif any(e in expr for e in ENUM_REFUSALS):
            new = "PAGE_REFS_NONE"
        elif expr == "w.result" and path == "bpf/page_refs.bpf.h":
            new = "PAGE_REFS_NONE"
        elif "?:" in expr.replace(" ", "") and "judge_" in expr:
            # a ?: b - drop either side's refusal
            left, right = [squash(x) for x in re.split(r"\?\s*:", code[a:b], maxsplit=1)]
            tl, tr = [squash(x) for x in re.split(r"\?\s*:", text[a:b], maxsplit=1)]
            found.append(Mutant(path, m.start(), (a, b), tr, "allow", "allow: return %s -> return %s" % (orig, tr), (a, b)))
            found.append(Mutant(path, m.start(), (a, b), tl, "allow", "allow: return %s -> return %s" % (orig, tl), (a, b)))
            continue
        if new is None or new == expr:
            continue
        shown = new
        if not re.fullmatch(r"-?([A-Z_][A-Z0-9_]*|\d+|true|false)", expr) and "?" not in new:
            # The value changes, the evaluation stays: what it reads is still used (-Werror).
            new = "((void)(%s), %s)" % (text[a:b], new)
        found.append(Mutant(path, m.start(), (a, b), new, "allow", "allow: return %s -> return %s" % (orig, shown), (a, b)))
    return found


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def mutants(src):
    files = HOST_FILES + sorted(
        "bpf/" + f for f in os.listdir(os.path.join(src, "bpf"))
        if (f.endswith(".bpf.c") or f.endswith(".bpf.h")) and "bpf/" + f not in SKIP_FILES)
    out = []
    for path in files:
        with open(os.path.join(src, path)) as f:
            text = f.read()
        code = blank(text)
        heads = functions(code)
        found = returns(path, text, code, heads) + seal_tests(path, text, code, heads)
        found.sort(key=lambda mu: (mu.pos, mu.span))
        seen, described = set(), {}
        stem = os.path.basename(path).split(".")[0]
        n = 0
        for mu in found:
            new_text = text[:mu.span[0]] + mu.new + text[mu.span[1]:]
            if new_text == text or new_text in seen:
                continue
            seen.add(new_text)
            n += 1
            func = function_at(heads, mu.pos)
            # The description names the mutant in tests/MUTATION.md: unique in its file.
            what = "%s() %s" % (func, mu.what)
            described[what] = described.get(what, 0) + 1
            if described[what] > 1:
                what += " #%d" % described[what]
            if path in HOST_FILES:
                where, covers = "host", ["unit"]
            elif path in LOCKED_FILES or func in LOCKED_FUNCS:
                where, covers = "locked", LOCKED_SUITES
            else:
                where, covers = "vm", COVERS.get(path, [])
            out.append({
                "id": "%s.%d" % (stem, n), "file": path, "line": line_of(text, mu.pos), "where": where,
                "covers": ",".join(covers) or "-", "what": what, "text": new_text, "site": mu.site, "func": func,
            })
    return out


def disassembly(obj):
    """{(section, function, n): instructions} of a BPF object, addresses dropped."""
    import subprocess
    objdump = os.environ.get("LLVM_OBJDUMP", "llvm-objdump-19")
    text = subprocess.run([objdump, "-d", "--no-show-raw-insn", obj], check=True, capture_output=True,
                          text=True).stdout
    funcs, key, section, seen = {}, None, None, {}
    for line in text.splitlines():
        m = re.match(r"Disassembly of section (\S+):", line)
        if m:
            section, key = m.group(1), None
            continue
        m = re.match(r"[0-9a-f]+ <(\S+)>:", line)
        if m:
            n = seen.get((section, m.group(1)), 0)
            seen[(section, m.group(1))] = n + 1
            key = (section, m.group(1), n)
            funcs[key] = []
            continue
        m = re.match(r"\s*\d+:\s*(.*)", line)
        if key and m:
            # Jump targets are shown as <function+offset>: the offset moves with any change before it.
            funcs[key].append(re.sub(r"<[^>]*>", "", m.group(1)).strip())
    return funcs


def changed(base, mutant):
    a, b = disassembly(base), disassembly(mutant)
    names = sorted({k[1] for k in set(a) | set(b) if a.get(k) != b.get(k)} -
                   set() )
    if any(k[0] == ".text" and a.get(k) != b.get(k) for k in set(a) | set(b)):
        return "*"
    return ",".join(names) or "="


# Sites a probe would change the verifier's view of: the errno's range
# (answers.bpf.h says why each is spelled as it is). Their mutants run
# without coverage: every suite.
UNPROBED = {"lsm_answer", "refuse_if"}

# The coverage probes (`probe`): one trace line per site, at most once a
# second, so that a case reaching it shows in the trace between two suites
# the guest keeps a second apart. The map is the load's own, pinned and
# frozen as the others (only syscall writes are refused).
PROBE_HEADER = """/* make mutate's coverage probes (tests/mutate/mutants.py probe): not in the sources. */
#ifndef MUTATE_PROBE_BPF_H
#define MUTATE_PROBE_BPF_H
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, %d);
	__type(key, __u32);
	__type(value, __u64);
} mutate_seen_map_t;
extern mutate_seen_map_t mutate_seen SEC(".maps");
#define MUTATE_HIT(n) ({ __u32 k_ = (n); __u64 *s_ = bpf_map_lookup_elem(&mutate_seen, &k_), t_ = bpf_ktime_get_ns() >> 30; \\
	if (s_ && *s_ != t_) { *s_ = t_; bpf_printk("bpfseal-mutate-hit %%u", k_); } 0; })
#endif
"""
INCLUDE_PROBE = '#include "mutate_probe.bpf.h"\n'


def probe(src, out):
    """The tree's BPF sources with a probe at every site of a mutant the VM runs (ids: index.tsv's order)."""
    sites = {}
    all_mutants = mutants(src)
    for n, mu in enumerate(all_mutants, 1):
        if mu["where"] != "host" and mu["func"] not in UNPROBED:
            sites.setdefault(mu["file"], []).append((n, mu["site"]))
    files = set(sites) | {"bpf/maps.bpf.c"}
    for path in sorted(files):
        with open(os.path.join(src, path)) as f:
            text = f.read()
        # Insertions from the end; at one offset, an outer site's "(" goes left
        # of an inner one's and its ")" right of it.
        edits = []
        for n, (a, b) in sites.get(path, []):
            edits.append((a, 1, -(b - a), "(MUTATE_HIT(%d), " % n))
            edits.append((b, 0, b - a, ")"))
        for pos, _, _, ins in sorted(edits, key=lambda e: (e[0], e[1], e[2]), reverse=True):
            text = text[:pos] + ins + text[pos:]
        # The probe's declarations before the file's first include (inside its guard).
        first = re.search(r"^#include ", text, re.M)
        assert first, path + ": no #include to put the probe's before"
        text = text[:first.start()] + INCLUDE_PROBE + text[first.start():]
        if path == "bpf/maps.bpf.c":
            assert "char LICENSE[]" in text, "maps.bpf.c: no place for the probe's map"
            text = text.replace("char LICENSE[]", 'mutate_seen_map_t mutate_seen SEC(".maps");\n\nchar LICENSE[]', 1)
        os.makedirs(os.path.dirname(os.path.join(out, path)), exist_ok=True)
        with open(os.path.join(out, path), "w") as f:
            f.write(text)
    with open(os.path.join(out, "bpf/mutate_probe.bpf.h"), "w") as f:
        f.write(PROBE_HEADER % (len(all_mutants) + 1))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "probe":
        probe(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) == 4 and sys.argv[1] == "changed":
        print(changed(sys.argv[2], sys.argv[3]))
        return
    if len(sys.argv) < 3 or sys.argv[1] not in ("list", "write"):
        sys.exit(__doc__.split("\n\n")[1])
    all_mutants = mutants(sys.argv[2])
    if sys.argv[1] == "list":
        for mu in all_mutants:
            print("%-18s %-6s %s:%d %s" % (mu["id"], mu["where"], mu["file"], mu["line"], mu["what"]))
        return
    out = sys.argv[3]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "index.tsv"), "w") as idx:
        for n, mu in enumerate(all_mutants, 1):
            probed = mu["where"] != "host" and mu["func"] not in UNPROBED
            d = os.path.join(out, mu["id"], os.path.dirname(mu["file"]))
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(out, mu["id"], mu["file"]), "w") as f:
                f.write(mu["text"])
            idx.write("\t".join([mu["id"], mu["file"], str(mu["line"]), mu["where"], mu["covers"],
                                 str(n) if probed else "-", mu["what"].replace("\t", " ")]) + "\n")


if __name__ == "__main__":
    main()
