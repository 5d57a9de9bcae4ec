#!/usr/bin/env python3
"""Right / wrong / refused rates per topic of a generate-and-grade capture (`polygraph capture --dataset *.jsonl`).

Reads /examples/label (1 right, 0 wrong, -1 refused) and /examples/meta/grade, grouped by a meta column (default
`topic`). A topic is called "usable" for probe training when both right and wrong answers make up at least
--min-share of it (default 10%): a probe cannot learn right-vs-wrong from a topic the model gets all wrong.
Usage: python3 scripts/grade_report.py runs/x.h5 [--by topic] [--min-share 0.1] [--markdown]
"""

from __future__ import annotations

import argparse
import collections
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--by", default="topic", help="meta column to group by (default: topic)")
    ap.add_argument("--min-share", type=float, default=0.10)
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args()
    try:
        import h5py
    except ImportError:
        sys.exit("error: h5py is not installed. Run: pip install h5py")
    with h5py.File(args.path, "r") as f:
        meta = f.get("examples/meta")
        if meta is None or "grade" not in meta:
            sys.exit(f"error: {args.path} has no /examples/meta/grade column; capture a .jsonl question set with this version")
        if args.by not in meta:
            sys.exit(f"error: no meta column {args.by!r}; columns: {', '.join(sorted(meta))}")
        rows = int(f.attrs.get("committed_rows", len(meta["grade"])))
        grades = [g.decode() if isinstance(g, bytes) else str(g) for g in meta["grade"][:rows]]
        groups = [g.decode() if isinstance(g, bytes) else str(g) for g in meta[args.by][:rows]]
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for group, grade in zip(groups, grades):
        counts[group][grade] += 1
        counts["(all)"][grade] += 1
    head = [args.by, "n", "right", "wrong", "refused", "usable"]
    lines = []
    for group in sorted(counts, key=lambda g: (g == "(all)", g)):
        c = counts[group]
        n = sum(c.values())
        share = {k: c[k] / n for k in ("right", "wrong", "refused")}
        usable = "yes" if min(share["right"], share["wrong"]) >= args.min_share else "no"
        lines.append([group, str(n)] + [f"{100 * share[k]:.0f}%" for k in ("right", "wrong", "refused")]
                     + ["" if group == "(all)" else usable])
    if args.markdown:
        print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(r[i]) for r in lines + [head]) for i in range(len(head))]
        for line in [head] + lines:
            print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
