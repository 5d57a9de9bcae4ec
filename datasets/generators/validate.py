"""Check the invariants every Polygraph dataset promises; exits 1 with a list of problems.

Statement CSVs: header starts with `statement,label`, labels are 0/1 and balanced, polarity (if present) is 1/-1,
no statement appears twice, and every group holds as many true as false rows.
Question JSONL: each line has a unique string `id`, a non-empty `question` and a non-empty list of string `answers`;
other fields are strings or integers (they become `/examples/meta` columns); no accepted answer occurs as whole words
in its own question (it would be graded right by echo). Files with a `split` field (factqa_*.jsonl) must also give
every record a `topic`, use only "train"/"test", and keep each topic on one side, the same over all such files.
Older files without `split` (questions.jsonl) only get a warning for echoed answers, so the demo's file stays as it is.
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
from qa_common import echoed


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


def check_jsonl(path: str, topic_splits: dict[str, set[str]]) -> list[str]:
    name = os.path.basename(path)
    problems, ids = [], set()
    echoes, has_split = [], False
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
                continue
            odd = [k for k, v in rec.items() if k not in ("question", "answers")
                   and (isinstance(v, bool) or not isinstance(v, (str, int)))]
            if odd:
                problems.append(f"{name}:{n}: field {odd[0]!r} must be a string or an integer")
            if echoed(rec["question"], answers):
                echoes.append(f"{name}:{n}: accepted answer {echoed(rec['question'], answers)[0]!r} occurs in the question")
            if "split" in rec:
                has_split = True
                problems += check_split(f"{name}:{n}", rec, topic_splits)
    if has_split:
        problems += echoes
    else:
        for e in echoes:
            sys.stderr.write(f"warning: {e}\n")
    return problems


def check_split(where: str, rec: dict, topic_splits: dict[str, set[str]]) -> list[str]:
    """A held-out split is by topic: every record names one, and a topic never appears on both sides."""
    topic, split = rec.get("topic"), rec.get("split")
    if not isinstance(topic, str) or not topic:
        return [f"{where}: a record with a split needs a non-empty string `topic`"]
    if split not in ("train", "test"):
        return [f"{where}: split must be \"train\" or \"test\", found {split!r}"]
    sides = topic_splits.setdefault(topic, set())
    if split in sides or len(sides) == 0:
        sides.add(split)
        return []
    sides.add(split)  # the first record that puts this topic on a second side is reported, later ones are not
    return [f"{where}: topic {topic!r} is in both train and test"]


def main(argv: list[str]) -> int:
    folder = common.out_dir(argv)
    problems = []
    files = sorted(glob.glob(f"{folder}/*.csv")) + sorted(glob.glob(f"{folder}/*.jsonl"))
    topic_splits: dict[str, set[str]] = {}
    for path in files:
        problems += check_csv(path) if path.endswith(".csv") else check_jsonl(path, topic_splits)
    for p in problems:
        sys.stderr.write(f"invalid: {p}\n")
    print(f"validated {len(files)} files: {'ok' if not problems else f'{len(problems)} problems'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
