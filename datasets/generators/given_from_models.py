#!/usr/bin/env python3
"""Given answers written by language models: the answers that models gave to factqa questions (sentences, run-on
text, plausible wrong values: what a benchmark of another system's answers looks like), as `"response"` records that
capture teacher-forces and grades against `answers`. Harder than given_answers.py's wrong answers (another question's
answer of the same topic): these are answers a model believed.

    python3 datasets/generators/given_from_models.py --questions Q.jsonl [Q.jsonl ...] --captures A.h5 [B.h5 ...]

Each capture file holds one model's answers to some of the questions (`capture --position answer`: /examples/answer,
the grade in /examples/meta/grade, the question id in /examples/meta/id); the model (the file's folder name, as
scripts/make-probes.sh lays them out) is stored as `writer`. A model's text after a raw prompt runs on into new
"Question: … Answer: …" turns: it is cut there. Refusals are left out. For every writer and topic, as many wrong
answers as right ones are kept (drawn with a fixed seed), so neither a writer's style nor a topic tells right from
wrong. Not committed: the records depend on the captures.
"""
import json
import os
import random
import sys

import h5py


def strings(dataset):
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in dataset[()]]


def answers_of(path):
    """(id, grade, response) of one capture file, in file order."""
    with h5py.File(path, "r") as f:
        ids = strings(f["examples/meta/id"])
        grades = strings(f["examples/meta/grade"])
        texts = strings(f["examples/answer"])
    out = []
    for i, g, t in zip(ids, grades, texts):
        text = t.split("\nQuestion:")[0].strip()
        if g in ("right", "wrong") and text:
            out.append((i, g, text))
    return out


def arguments(argv):
    groups, key = {"--questions": [], "--captures": []}, None
    for a in argv:
        if a in groups:
            key = a
        elif key is None:
            raise SystemExit(f"unexpected argument {a!r}\n\n{__doc__}")
        else:
            groups[key].append(a)
    if not groups["--questions"] or not groups["--captures"]:
        raise SystemExit(__doc__)
    return groups["--questions"], groups["--captures"]


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    question_files, captures = arguments(argv)
    questions = {}
    for path in question_files:
        for line in open(path, encoding="utf-8"):
            if line.strip():
                q = json.loads(line)
                questions[q["id"]] = q
    rng = random.Random(0)
    written = 0
    for path in captures:
        writer = os.path.basename(os.path.dirname(os.path.abspath(path)))
        cells = {}
        for qid, grade, text in answers_of(path):
            if qid not in questions:
                raise SystemExit(f"{path}: question id {qid!r} is in none of {', '.join(question_files)}")
            cells.setdefault(questions[qid]["topic"], {"right": [], "wrong": []})[grade].append((qid, text))
        for topic in sorted(cells):
            right, wrong = cells[topic]["right"], cells[topic]["wrong"]
            k = min(len(right), len(wrong))
            for grade, rows in (("right", right), ("wrong", wrong)):
                for qid, text in rng.sample(rows, k):
                    record = dict(questions[qid], id=f"{qid}:{writer}", response=text, writer=writer)
                    print(json.dumps(record, ensure_ascii=False))
                    written += 1
    writers = sorted({os.path.basename(os.path.dirname(os.path.abspath(p))) for p in captures})
    sys.stderr.write(f"{written} answers by {len(writers)} models ({', '.join(writers)}), right and wrong balanced per "
                     "model and topic\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
