"""Generate comparisons.csv and arithmetic.csv: number facts that need no outside source.

comparisons.csv — 150 seeded pairs x < y of distinct integers in 10..999, eight rows each:
  "y is larger than x." (1), "x is larger than y." (0), "x is smaller than y." (1), "y is smaller than x." (0),
  and the four negations ("x is not larger than y." (1) ...), so labels and polarities are balanced.
arithmetic.csv — sums and differences of numbers in 2..99 and products in the 2..12 times tables, 100 of each,
  four rows each: "The sum of 7 and 5 is 12." true, a plausible wrong result (off by 1, 2 or 10; for products one
  factor off by one), and both negated ("is not").
Usage: python3 make_numbers.py [OUT_DIR]
"""

from __future__ import annotations

import sys

import common
from common import statement_rows

COMPARE_HEADER = ["statement", "label", "polarity", "group", "topic", "n1", "n2", "relation"]
ARITH_HEADER = ["statement", "label", "polarity", "group", "topic", "object", "correct_object", "operation"]


def comparisons(n_pairs: int = 150) -> list[dict]:
    r = common.rng("comparisons")
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < n_pairs:
        a, b = r.randint(10, 999), r.randint(10, 999)
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    rows = []
    for x, y in sorted(pairs):
        group = f"{x}-{y}"
        for polarity in (1, -1):
            neg = " not" if polarity == -1 else ""
            for n1, n2, relation in ((y, x, "larger"), (x, y, "larger"), (x, y, "smaller"), (y, x, "smaller")):
                holds = n1 > n2 if relation == "larger" else n1 < n2
                label = int(holds) if polarity == 1 else int(not holds)
                rows.append({"statement": f"{n1} is{neg} {relation} than {n2}.", "label": label,
                             "polarity": polarity, "group": group, "topic": "comparisons",
                             "n1": n1, "n2": n2, "relation": relation})
    r.shuffle(rows)
    return rows


def arithmetic(per_op: int = 100) -> list[dict]:
    r = common.rng("arithmetic")
    rows = []
    for op in ("sum", "difference", "product"):
        seen: set[tuple[int, int]] = set()
        while len(seen) < per_op:
            if op == "product":
                a, b = r.randint(2, 12), r.randint(2, 12)
            else:
                a, b = r.randint(2, 99), r.randint(2, 99)
                if op == "difference" and a <= b:
                    continue
            seen.add((a, b))
        for a, b in sorted(seen):
            if op == "sum":
                right, wrong = a + b, a + b + r.choice([-10, -2, -1, 1, 2, 10])
                subject = f"the sum of {a} and {b}"
            elif op == "difference":
                right, wrong = a - b, a - b + r.choice([-10, -2, -1, 1, 2, 10])
                subject = f"the difference between {a} and {b}"
            else:
                right = a * b
                wrong = a * (b + r.choice([-1, 1])) if r.random() < 0.5 else (a + r.choice([-1, 1])) * b
                subject = f"the product of {a} and {b}"
            if wrong < 0 or wrong == right:
                wrong = right + 1
            for row in statement_rows(subject, str(right), str(wrong), "{s} is {o}.", "{s} is not {o}.",
                                      group=f"{op}-{a}-{b}", topic="arithmetic"):
                row["operation"] = op
                rows.append(row)
    r.shuffle(rows)
    return rows


def main(argv: list[str]) -> None:
    out = common.out_dir(argv)
    common.write_csv(f"{out}/comparisons.csv", COMPARE_HEADER, comparisons())
    common.write_csv(f"{out}/arithmetic.csv", ARITH_HEADER, arithmetic())


if __name__ == "__main__":
    main(sys.argv)
