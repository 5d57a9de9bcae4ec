"""Check the invariants every Polygraph dataset promises; exits 1 with a list of problems.

Statement CSVs: header starts with `statement,label`, labels are 0/1 and balanced, polarity (if present) is 1/-1,
no statement appears twice, and every group holds as many true as false rows.
Question JSONL: each line has a unique string `id`, a non-empty `question` and a non-empty list of string `answers`.
Usage: python3 validate.py [DATASETS_DIR]
"""

from __future__ import annotations

import collections
import csv
import glob
import json
import os
import sys

import common


def check_csv(path: str) -> list[str]:
    name = os.path.basename(path)
    problems = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or reader.fieldnames[:2] != ["statement", "label"]:
            return [f"{name}: header must start with statement,label (found {reader.fieldnames})"]
        rows = list(reader)
    labels = collections.Counter(r["label"] for r in rows)
    if set(labels) - {"0", "1"}:
        problems.append(f"{name}: labels other than 0/1: {sorted(set(labels) - {'0', '1'})}")
    if labels["0"] != labels["1"]:
        problems.append(f"{name}: unbalanced labels {dict(labels)}")
    if "polarity" in rows[0] and {r["polarity"] for r in rows} - {"1", "-1"}:
        problems.append(f"{name}: polarity must be 1 or -1")
    dupes = [s for s, n in collections.Counter(r["statement"] for r in rows).items() if n > 1]
    if dupes:
        problems.append(f"{name}: {len(dupes)} duplicated statements, e.g. {dupes[0]!r}")
    if "group" in rows[0]:
        per_group = collections.defaultdict(collections.Counter)
        for r in rows:
            per_group[r["group"]][r["label"]] += 1
        uneven = [g for g, c in per_group.items() if c["0"] != c["1"]]
        if uneven:
            problems.append(f"{name}: groups with unequal true/false rows, e.g. {uneven[0]!r}")
    return problems


def check_jsonl(path: str) -> list[str]:
    name = os.path.basename(path)
    problems, ids = [], set()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"{name}:{n}: not JSON ({e})")
                continue
            qid, answers = rec.get("id"), rec.get("answers")
            if not isinstance(qid, str) or qid in ids:
                problems.append(f"{name}:{n}: id missing or repeated: {qid!r}")
            ids.add(qid)
            if not isinstance(rec.get("question"), str) or not rec["question"].strip():
                problems.append(f"{name}:{n}: empty question")
            if not isinstance(answers, list) or not answers or not all(isinstance(a, str) and a for a in answers):
                problems.append(f"{name}:{n}: answers must be a non-empty list of strings")
    return problems


def main(argv: list[str]) -> int:
    folder = common.out_dir(argv)
    problems = []
    files = sorted(glob.glob(f"{folder}/*.csv")) + sorted(glob.glob(f"{folder}/*.jsonl"))
    for path in files:
        problems += check_csv(path) if path.endswith(".csv") else check_jsonl(path)
    for p in problems:
        sys.stderr.write(f"invalid: {p}\n")
    print(f"validated {len(files)} files: {'ok' if not problems else f'{len(problems)} problems'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
