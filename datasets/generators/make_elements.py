"""Generate elements.csv: chemical symbols and atomic numbers of the 118 elements, from `periodictable` (public domain).

Per element, two facts with four rows each (true, false, negated true, negated false):
  "The chemical symbol for gold is Au."  — wrong symbol: another element's, sharing the first letter when one exists;
  "The atomic number of gold is 79."     — wrong number: 1 to 5 away from the right one, inside 1..118.
Usage: python3 make_elements.py [OUT_DIR]
"""

from __future__ import annotations

import sys

import common
from common import pick_other, statement_rows

HEADER = ["statement", "label", "polarity", "group", "topic", "object", "correct_object"]


def load_elements() -> list[tuple[int, str, str]]:
    """(atomic number, symbol, lowercase English name) for Z = 1..118, sorted by Z."""
    try:
        import periodictable
    except ImportError:
        sys.exit("error: periodictable is not installed. Run: pip install periodictable==2.1.0")
    return sorted((e.number, e.symbol, e.name) for e in periodictable.elements if e.number >= 1)


def rows_for(elements: list[tuple[int, str, str]]) -> list[dict]:
    r = common.rng("elements")
    symbols = [s for _, s, _ in elements]
    rows = []
    for z, symbol, name in elements:
        same_letter = [s for s in symbols if s[0] == symbol[0] and s != symbol]
        wrong_symbol = pick_other(r, same_letter or symbols, {symbol})
        rows += statement_rows(name, symbol, wrong_symbol,
                               "The chemical symbol for {s} is {o}.", "The chemical symbol for {s} is not {o}.",
                               group=name, topic="element_symbols")
        near = [str(n) for n in range(max(1, z - 5), min(118, z + 5) + 1) if n != z]
        wrong_z = pick_other(r, near, {str(z)})
        rows += statement_rows(name, str(z), wrong_z,
                               "The atomic number of {s} is {o}.", "The atomic number of {s} is not {o}.",
                               group=name, topic="atomic_numbers")
    r.shuffle(rows)
    return rows


def main(argv: list[str]) -> None:
    common.check_versions()
    common.write_csv(f"{common.out_dir(argv)}/elements.csv", HEADER, rows_for(load_elements()))


if __name__ == "__main__":
    main(sys.argv)
