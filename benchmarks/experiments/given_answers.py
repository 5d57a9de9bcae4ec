#!/usr/bin/env python3
"""Given right and wrong answers to questions no probe trained on (a HaluEval-style check of the answer probes on
our own data): each question of the input appears twice, once with its first accepted answer and once with the
first accepted answer of another question of the same topic that this question does not accept, labelled 1 and 0.
Every topic is then half right, so the AUROC cannot come from knowing which topics a model fails.

    python3 benchmarks/experiments/given_answers.py datasets/factqa_test.jsonl > runs/given/test.jsonl
    polygraph capture --dataset runs/given/test.jsonl --out runs/given/test.h5 ...
    polygraph eval --probe probes/<model>/answers.json --acts runs/given/test.h5
"""
import json
import random
import re
import sys


def norm(text):
    return " ".join(re.sub(r"[^\w+]+", " ", text.lower()).split())


def main():
    records = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    by_topic = {}
    for r in records:
        by_topic.setdefault(r["topic"], []).append(r)
    rng = random.Random(0)
    for r in records:
        accepted = {norm(a) for a in r["answers"]}
        others = [o["answers"][0] for o in by_topic[r["topic"]] if norm(o["answers"][0]) not in accepted]
        if not others:
            continue
        wrong = rng.choice(sorted(set(others)))
        base = {k: v for k, v in r.items() if k not in ("answers",)}
        for label, response in ((1, r["answers"][0]), (0, wrong)):
            out = dict(base, id=f'{r["id"]}:{"right" if label else "wrong"}', response=response, label=label)
            print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
