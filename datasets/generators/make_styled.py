"""Generate styled/<set>.csv: the first 600 statements of each statement set re-said in four styles, for training
probes that must not key on one surface form (style augmentation; the idea of training on paraphrased and negated
variants is from arXiv 2605.27958 and Marks & Tegmark, "The Geometry of Truth", 2023).

Each source statement gives four rows:
  true_that    "It is true that the capital of Mali is Bamako."          same label
  false_that   "It is false that the capital of Mali is Bamako."         label flipped, polarity flipped
  yes_question "Is it true that the capital of Mali is Bamako? Yes."     same label
  notes        "According to my notes, the capital of Mali is Bamako."   same label
Columns: those of the source set, plus `style` and `source_row` (the row's index in the source file). The label of a
styled row is the truth of the whole sentence, so "It is false that <a false statement>" is true.
These rows are for training only: test on the plain sets (`generalize --augment-acts`).
Usage: python3 make_styled.py [DATASETS_DIR]   (reads the statement sets already written there)
"""

from __future__ import annotations

import csv
import os
import sys

import common

SETS = ["arithmetic", "capitals", "cities", "comparisons", "continents", "currencies", "elements"]
ROWS = 600  # what scripts/make-probes.sh captures of each plain set


def inner(statement: str) -> str:
    """The statement as a clause: "The …" → "the …"; names and numbers keep their case."""
    return "the" + statement[3:] if statement.startswith("The ") else statement


def styled(row: dict) -> list[tuple[str, str, bool]]:
    s = inner(row["statement"])
    bare = s[:-1] if s.endswith(".") else s
    return [
        ("true_that", f"It is true that {s}", False),
        ("false_that", f"It is false that {s}", True),
        ("yes_question", f"Is it true that {bare}? Yes.", False),
        ("notes", f"According to my notes, {s}", False),
    ]


def main(argv: list[str]) -> None:
    out = common.out_dir(argv)
    for name in SETS:
        with open(f"{out}/{name}.csv", encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            header = list(reader.fieldnames or [])
            rows = list(reader)[:ROWS]
        result = []
        for index, row in enumerate(rows):
            for style, text, flips in styled(row):
                new = dict(row, statement=text, style=style, source_row=index)
                if flips:
                    new["label"] = str(1 - int(row["label"]))
                    if "polarity" in row:
                        new["polarity"] = str(-int(row["polarity"]))
                result.append(new)
        common.write_csv(f"{out}/styled/{name}.csv", header + ["style", "source_row"], result)


if __name__ == "__main__":
    main(sys.argv)
