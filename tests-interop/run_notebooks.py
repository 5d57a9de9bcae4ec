#!/usr/bin/env python3
"""Runs the shell blocks of the Markdown walk-throughs in notebooks-md/ and checks their shown outputs.

A ```bash block is run with bash -euo pipefail from the repository root, with the release `polygraph` first on PATH.
When the next fenced block is ```output, the command's stdout must match it line by line, where
  <num>   matches a number (integer, decimal or scientific, optionally signed or a percentage),
  <any>   matches any text within a line,
  ...     alone on a line matches any number of lines (including none).
Blocks fenced as ```bash skip-ci are shown to readers but not run (e.g. long-running servers started elsewhere).
Usage: run_notebooks.py [FILE.md ...]   (default: every notebooks-md/[0-9]*.md)
"""
import glob, os, re, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FENCE = re.compile(r"^```(\w[\w-]*)?(.*)$")


def blocks(path):
    """Yields (kind, flags, text, line) for each fenced block."""
    kind, flags, buf, start = None, "", [], 0
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            m = FENCE.match(line)
            if m and kind is None:
                kind, flags, buf, start = (m.group(1) or "text"), m.group(2).strip(), [], n
            elif line.startswith("```") and kind is not None:
                yield kind, flags, "\n".join(buf), start
                kind = None
            elif kind is not None:
                buf.append(line)


def pattern(line):
    parts = re.split(r"(<num>|<any>)", line.rstrip())
    out = []
    for p in parts:
        if p == "<num>":
            out.append(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?%?")
        elif p == "<any>":
            out.append(r".*")
        else:
            out.append(re.escape(p))
    return re.compile("^" + "".join(out) + r"\s*$")


def matches(expected, actual):
    """Line-by-line match with `...` as a gap; returns None on success or a message."""
    exp = [l for l in expected.split("\n")]
    act = [l.rstrip() for l in actual.rstrip("\n").split("\n")] if actual.strip() else []

    def go(i, j):
        if i == len(exp):
            return j == len(act)
        if exp[i].strip() == "...":
            return any(go(i + 1, k) for k in range(j, len(act) + 1))
        return j < len(act) and pattern(exp[i]).match(act[j]) is not None and go(i + 1, j + 1)

    if go(0, 0):
        return None
    # find the first expected line that never matches, for the message
    for line in exp:
        if line.strip() != "..." and not any(pattern(line).match(a) for a in act):
            return f"no output line matches expected line: {line!r}"
    return "output lines are in another order or there are extra lines"


def run_file(path, env):
    failures, ran = 0, 0
    pending = None  # (command, line, stdout)
    items = list(blocks(path))
    for idx, (kind, flags, text, line) in enumerate(items):
        if kind == "bash" and "skip-ci" not in flags:
            t0 = time.time()
            proc = subprocess.run(["bash", "-euo", "pipefail", "-c", text], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=900)
            ran += 1
            nxt = items[idx + 1] if idx + 1 < len(items) else None
            where = f"{os.path.relpath(path, ROOT)}:{line}"
            if proc.returncode != 0:
                failures += 1
                print(f"FAIL {where}: exit {proc.returncode}\n--- command\n{text}\n--- stderr\n{proc.stderr[-3000:]}\n--- stdout\n{proc.stdout[-2000:]}")
                continue
            if nxt and nxt[0] == "output":
                why = matches(nxt[2], proc.stdout)
                if why:
                    failures += 1
                    print(f"FAIL {where}: {why}\n--- expected\n{nxt[2]}\n--- actual\n{proc.stdout[-3000:]}")
                    continue
            print(f"ok   {where} ({time.time() - t0:.1f}s)")
    return ran, failures


def main():
    files = sys.argv[1:] or sorted(glob.glob(os.path.join(ROOT, "notebooks-md", "[0-9]*.md")))
    env = dict(os.environ)
    binary = env.get("POLYGRAPH_BIN")
    if binary:
        env["PATH"] = os.path.dirname(os.path.abspath(binary)) + os.pathsep + env["PATH"]
    total_ok, total_fail = 0, 0
    for f in files:
        ran, failed = run_file(f, env)
        total_ok += ran - failed
        total_fail += failed
    print(f"notebooks: {total_ok} passed, {total_fail} failed")
    return 1 if total_fail else 0


if __name__ == "__main__":
    sys.exit(main())
