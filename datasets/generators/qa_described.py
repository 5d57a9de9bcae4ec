"""Questions whose answer is a person's name: "Who was the English astronomer who used Newton's laws of motion to
predict the period of a comet?" (Halley). The other topics ask *about* people (qa_people.py) but never *for* one,
while natural question sets ask "who" questions more than any other kind.

Source: WordNet 3.0 (Princeton University, WordNet 3.0 licence: use, copy, modify and distribute, with the notice
kept) via Debian's `wordnet-base`: the same noun.person instances as qa_people.py, each described by its own gloss
with the parentheses taken out ("(1656-1742)", "(Greek mythology)", "(born in 1932)"); a leading "(X mythology)"
becomes "In X mythology, …". Glosses of fewer than MIN_WORDS words ("Irish writer") describe too many people and are
left out. Accepted answers: the synset's names, but not a one-word name that is the last word of another of its names
("Edmond Halley", not "Halley": "Jackson" would accept Andrew Jackson for Michael Jackson; "Terence" for "Publius
Terentius Afer" is kept).

  people_described   people with a life span in their gloss (those qa_people.py asks about): a training topic
  figures_described  everyone else, so no person of the training topics: gods and heroes of myth, ancient figures
                     ("circa 580-500 BC"), people alive when WordNet was made ("born in 1940"), fictional characters;
                     a test topic (factqa_test3.jsonl)
"""

from __future__ import annotations

import re

from qa_common import Topic
from qa_people import life_span, load_people

MIN_WORDS = 6
MAX_CHARS = 160  # later clauses of a gloss are joined while the description stays this short

TEMPLATES = ["Who was {the}{d}?", "Name {the}{d}.", "What was the name of {the}{d}?", "Identify {the}{d}."]
MYTH = re.compile(r"^\(([A-Z][a-z]+(?: [a-z]+)?) mythology\)\s*")
PRONOUN = re.compile(r"^(?:he|she|they|it|his|her|their|its)\b")


def description(gloss: str) -> tuple[str | None, str]:
    """(the mythology's name or None, the gloss's clauses without parentheses, joined by commas)."""
    m = MYTH.match(gloss)
    myth = m.group(1) if m else None
    text = re.sub(r"\s*\([^()]*\)", "", gloss[m.end():] if m else gloss)
    clauses = [c.strip() for c in text.split(";") if c.strip() and not PRONOUN.match(c.strip())]
    out = clauses[0] if clauses else ""
    for c in clauses[1:]:
        if len(out) + 2 + len(c) > MAX_CHARS:
            break
        out += ", " + c
    return myth, out


def names(person) -> list[str]:
    surnames = {n.split()[-1] for n in person.names if " " in n}
    return [n for n in person.names if " " in n or n not in surnames]


def topics() -> list[Topic]:
    train, test = Topic("people_described", "name"), Topic("figures_described", "name")
    for person in load_people():
        myth, d = description(person.gloss)
        if len(d.split()) < MIN_WORDS:
            continue
        topic = train if life_span(person) else test
        the = "" if re.match(r"^(?:a|an|the|one)\b", d) else "the "
        before = len(topic.records)
        topic.ask(person.offset, person.name, TEMPLATES, names(person), the=the, d=d.rstrip("."))
        if myth and len(topic.records) > before:  # "In Greek mythology, who was …"
            rec = topic.records[-1]
            rec["question"] = f"In {myth} mythology, " + rec["question"][0].lower() + rec["question"][1:]
    return [train, test]
