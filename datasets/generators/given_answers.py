#!/usr/bin/env python3
"""Given right and wrong answers to factqa questions, for training and measuring probes that score answers the model
did not write (`"response"` records: capture teacher-forces them). Each question appears twice: once with its first
accepted answer (label 1) and once with the first accepted answer of another question of the same topic that this
question does not accept (label 0; drawn with a fixed seed). Every topic is then half right, so an AUROC cannot come
from knowing which topics a model fails. Not committed: scripts/make-probes.sh writes these files into its work folder.

    python3 datasets/generators/given_answers.py [--limit N] FILE [[--limit N] FILE ...] > given.jsonl

--limit N takes the first N questions of the FILE after it (as `capture --limit` does).
"""
import json
import random
import re
import sys


def norm(text):
    return " ".join(re.sub(r"[^\w+]+", " ", text.lower()).split())


def records(argv):
    out, limit, i = [], None, 0
    while i < len(argv):
        if argv[i] == "--limit":
            limit, i = int(argv[i + 1]), i + 2
            continue
        rows = [json.loads(line) for line in open(argv[i], encoding="utf-8") if line.strip()]
        out += rows[:limit] if limit is not None else rows
        limit, i = None, i + 1
    return out


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    rows = records(argv)
    by_topic = {}
    for r in rows:
        by_topic.setdefault(r["topic"], []).append(r)
    rng = random.Random(0)
    for r in rows:
        accepted = {norm(a) for a in r["answers"]}
        others = sorted({o["answers"][0] for o in by_topic[r["topic"]] if norm(o["answers"][0]) not in accepted})
        if not others:
            continue
        wrong = rng.choice(others)
        for label, response in ((1, r["answers"][0]), (0, wrong)):
            out = dict(r, id=f'{r["id"]}:{"right" if label else "wrong"}', response=response, label=label)
            print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
