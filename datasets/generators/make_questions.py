"""Generate questions.jsonl (question-answer set for generate-and-grade capture) and demo_questions.jsonl.

Records: {"id", "question", "answers": [accepted answers], "topic"}. Questions are phrased for a chat model and
come from the same facts as the statement sets:
  capital-XX    "What is the capital of Peru?"                 countries of at least 1 million people
  continent-XX  "On which continent is Kenya?"                 countries of at least 5 million, not transcontinental
  symbol-Xx     "What is the chemical symbol for gold?"        all 118 elements
  number-Xx     "What is the atomic number of carbon?"         elements 1..36
  add/sub/mul   "What is 7 + 5?"                               seeded small sums, differences and products
Accepted answers: the source's name, its accent-free spelling, hand-listed aliases (ALIASES), and for numbers the
digits and the English word. Grade with a normalised whole-word match (lowercase, accents and punctuation dropped).
demo_questions.jsonl: the records named in DEMO_IDS, in that order (picked by running the default model through
benchmarks/reference_hf.py --answers: some it answers right, some it makes up). They are held out of
questions.jsonl, so a probe trained on questions.jsonl has never seen the demo's questions. questions.jsonl is
shuffled with a fixed seed, so `capture --limit N` takes a mix of topics.
Usage: python3 make_questions.py [OUT_DIR]
"""

from __future__ import annotations

import sys

import common
from common import CONTINENT_NAMES, ascii_fold, in_sentence
from make_elements import load_elements

# Hand-listed alternative answers, keyed by question id: official alternatives and common spellings.
ALIASES = {
    "capital-US": ["Washington, D.C.", "Washington DC", "Washington D.C."],
    "capital-BO": ["La Paz"],
    "capital-LK": ["Sri Jayawardenepura Kotte", "Kotte"],
    "capital-ZA": ["Cape Town", "Bloemfontein"],
    "capital-MM": ["Naypyidaw", "Naypyitaw", "Nay Pyi Taw"],
    "capital-CO": ["Bogotá"], "capital-BR": ["Brasília"], "capital-PY": ["Asunción"],
    "capital-IS": ["Reykjavík"], "capital-TG": ["Lomé"], "capital-CM": ["Yaoundé"],
    "capital-YE": ["Sana'a", "Sana"], "capital-KW": ["Kuwait"], "capital-MX": ["Mexico"],
    "capital-GT": ["Guatemala"], "capital-PA": ["Panama"], "capital-KZ": ["Nur-Sultan"],
    "capital-CI": ["Abidjan"], "capital-MY": ["Putrajaya"], "capital-NL": ["The Hague"],
    "capital-SZ": ["Lobamba"], "capital-BJ": ["Cotonou"], "capital-TZ": ["Dar es Salaam"],
    "continent-AU": ["Australia"], "continent-NZ": ["Australia"], "continent-PG": ["Australia"],
}

DEMO_IDS = [
    "capital-FR", "capital-US", "capital-DE", "capital-TR", "capital-NG", "capital-BR",
    "symbol-Au", "symbol-W", "symbol-Na", "number-C", "symbol-H", "capital-BF",
]

NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_word(n: int) -> str:
    """English words for 0..999: 42 -> "forty-two"."""
    if n < 20:
        return NUMBER_WORDS[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else "-" + NUMBER_WORDS[n % 10])
    rest = n % 100
    return NUMBER_WORDS[n // 100] + " hundred" + ("" if rest == 0 else " and " + number_word(rest))


def answers(primary: str, qid: str) -> list[str]:
    out = [primary]
    for a in [ascii_fold(primary)] + ALIASES.get(qid, []):
        if a not in out:
            out.append(a)
    return out


def number_answers(n: int) -> list[str]:
    return [str(n), number_word(n)]


def country_questions() -> list[dict]:
    records = []
    countries = common.load_countries()
    for c in countries:
        if c.capital and c.population >= 1_000_000:
            qid = f"capital-{c.iso}"
            records.append({"id": qid, "question": f"What is the capital of {in_sentence(c.name)}?",
                            "answers": answers(c.capital, qid), "topic": "capitals"})
    for c in countries:
        if (c.population >= 5_000_000 and c.iso not in common.TRANSCONTINENTAL
                and c.continent in CONTINENT_NAMES and c.continent != "AN"):
            qid = f"continent-{c.iso}"
            verb = "are" if c.name.endswith("Islands") else "is"
            records.append({"id": qid, "question": f"On which continent {verb} {in_sentence(c.name)}?",
                            "answers": answers(CONTINENT_NAMES[c.continent], qid), "topic": "continents"})
    return records


def element_questions() -> list[dict]:
    records = []
    elements = load_elements()
    for _, symbol, name in elements:
        records.append({"id": f"symbol-{symbol}", "question": f"What is the chemical symbol for {name}?",
                        "answers": [symbol], "topic": "element_symbols"})
    for z, symbol, name in elements:
        if z <= 36:
            records.append({"id": f"number-{symbol}", "question": f"What is the atomic number of {name}?",
                            "answers": number_answers(z), "topic": "atomic_numbers"})
    return records


def arithmetic_questions() -> list[dict]:
    r = common.rng("questions-arithmetic")
    records = []
    for op, sign, count in (("add", "+", 40), ("sub", "-", 20), ("mul", "×", 40)):
        seen: set[tuple[int, int]] = set()
        while len(seen) < count:
            if op == "mul":
                a, b = r.randint(2, 12), r.randint(2, 12)
            else:
                a, b = r.randint(1, 50), r.randint(1, 50)
                if op == "sub" and a <= b:
                    continue
            seen.add((a, b))
        for a, b in sorted(seen):
            value = a + b if op == "add" else a - b if op == "sub" else a * b
            records.append({"id": f"{op}-{a}-{b}", "question": f"What is {a} {sign} {b}?",
                            "answers": number_answers(value), "topic": "arithmetic"})
    return records


def main(argv: list[str]) -> None:
    common.check_versions()
    out = common.out_dir(argv)
    records = country_questions() + element_questions() + arithmetic_questions()
    ids = [rec["id"] for rec in records]
    if len(set(ids)) != len(ids):
        sys.exit("error: duplicate question ids")
    by_id = {rec["id"]: rec for rec in records}
    missing = [i for i in DEMO_IDS if i not in by_id]
    if missing:
        sys.exit(f"error: DEMO_IDS not among the generated questions: {missing}")
    held_out = set(DEMO_IDS)
    kept = [rec for rec in records if rec["id"] not in held_out]
    common.rng("questions-order").shuffle(kept)  # so that `capture --limit N` takes a mix of topics
    common.write_jsonl(f"{out}/questions.jsonl", kept)
    if DEMO_IDS:
        common.write_jsonl(f"{out}/demo_questions.jsonl", [by_id[i] for i in DEMO_IDS])


if __name__ == "__main__":
    main(sys.argv)
