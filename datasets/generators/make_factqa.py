"""Generate factqa_train*.jsonl and factqa_test*.jsonl: 13,320 fact questions over 49 topics for generate-and-grade capture.

Records: {"id", "question", "answers", "topic", "type", "subject", "template", "split"}.
  id        "<topic>:<key>", unique over both files
  answers   accepted answers: the source's name, aliases, accent-free spellings, digits and number words
  topic     the question family (see the README's table); split by it so that test topics are unseen
  type      what kind of answer: place, country, name, code, number, year, date, quantity, word
  subject   the entity asked about (country, element, state…), for finer grouping
  template  index of the phrasing used within its topic (several per topic, chosen with a fixed seed)
  split     "train" or "test": whole topics are held out (TEST_TOPICS), never single questions
The questions behind demo_questions.jsonl are left out, so the README demo stays unseen by probes trained here.
Each file takes its topics in turn (each topic shuffled with a fixed seed), so `capture --limit N` takes about
N / topics questions of every topic.
Usage: python3 make_factqa.py [OUT_DIR]
"""

from __future__ import annotations

import collections
import sys

import common
import qa_described
import qa_facts
import qa_geo
import qa_numbers
import qa_people
import qa_places_events
import qa_quiz
import qa_world
from make_questions import DEMO_IDS

# Whole topics held out for testing: a different domain (US states), a reversed lookup (element by number),
# words in other languages, and two geography facts the train topics never ask.
TEST_TOPICS = ["us_state_capitals", "us_capital_states", "us_state_abbreviations", "us_statehood_years",
               "elements_by_number", "weekday_translations", "month_translations", "calling_codes", "official_languages"]

# Training topics added later (qa_world.py), written to factqa_train2.jsonl so that factqa_train.jsonl, and every
# capture already made from it, stays as it was; train on both files.
TRAIN2_TOPICS = ["country_neighbours", "internet_domains", "largest_cities", "language_countries", "roman_numerals"]
# And a third file (qa_people.py): people's birth and death years, occupations and nationalities, the kind of question
# natural question sets ask most.
TRAIN3_TOPICS = ["people_birth_years", "people_death_years", "people_occupations", "people_nationalities"]
# A second test file (qa_places_events.py), four more held-out topics nearer to what natural question sets ask: where
# rivers, islands, mountains and deserts are, which range a peak is in, the year of a battle, a Greek deity's Roman
# counterpart and back. Trained on as well, they changed the 1.5B's and SmolLM2's AUROC on factqa_test by −0.007 and
# +0.002 (a fixed numpy recipe, 2026-12-06): they are worth more as a measurement.
TEST2_TOPICS = ["place_countries", "mountain_ranges", "event_years", "deity_counterparts"]
# Questions whose answer is a name (qa_described.py, 2026-12-07): "Who was the English astronomer who …?". The
# people of the train3 topics described by their glosses train (factqa_train4.jsonl); every other WordNet figure
# (myth, antiquity, people alive in 2006, fiction) is a third test file, so no test question names a training person.
TRAIN4_TOPICS = ["people_described"]
TEST3_TOPICS = ["figures_described"]
# Trivia written by people (qa_quiz.py, 2026-12-07): the BSD quiz game's files, a fourth test file
# (factqa_test4.jsonl) whose facts no template of this project chose.
TEST4_TOPICS = ["collective_nouns", "animal_young", "gendered_words", "shakespeare_plays", "shakespeare_speakers",
                "poem_authors", "president_successors", "vice_presidents", "presidency_years", "sovereign_successors",
                "killers", "state_flowers", "province_capitals"]

# demo_questions.jsonl ids -> (topic, subject key) of the same fact here.
DEMO_TOPICS = {"capital": "country_capitals", "symbol": "element_symbols", "number": "atomic_numbers"}


def demo_facts() -> set[str]:
    out = set()
    for qid in DEMO_IDS:
        kind, key = qid.split("-", 1)
        out.add(f"{DEMO_TOPICS[kind]}:{key}")
    return out


def main(argv: list[str]) -> None:
    common.check_versions()
    out = common.out_dir(argv)
    held = demo_facts()
    capitals_held = {k.split(":")[1] for k in held if k.startswith("country_capitals:")}
    topics = qa_geo.topics(capitals_held) + qa_facts.topics() + qa_numbers.topics() + qa_world.topics()
    quiz = qa_quiz.topics()
    if {t.topic for t in quiz} - set(TEST4_TOPICS):  # the quiz files are a test set: none of them may reach train
        sys.exit(f"error: quiz topics missing from TEST4_TOPICS: {sorted({t.topic for t in quiz} - set(TEST4_TOPICS))}")
    topics += qa_people.topics() + qa_places_events.topics() + qa_described.topics() + quiz
    files = {"test": TEST_TOPICS, "test2": TEST2_TOPICS, "test3": TEST3_TOPICS, "test4": TEST4_TOPICS,
             "train2": TRAIN2_TOPICS, "train3": TRAIN3_TOPICS, "train4": TRAIN4_TOPICS}
    unknown = {t for listed in files.values() for t in listed} - {t.topic for t in topics}
    if unknown:
        sys.exit(f"error: the TEST*/TRAIN* lists name topics that no generator makes: {sorted(unknown)}")
    records = [rec for t in topics for rec in t.records if rec["id"] not in held]
    ids = collections.Counter(rec["id"] for rec in records)
    if any(n > 1 for n in ids.values()):
        sys.exit(f"error: duplicate ids, e.g. {next(i for i, n in ids.items() if n > 1)}")
    for rec in records:
        rec["_file"] = next((name for name, listed in files.items() if rec["topic"] in listed), "train")
        rec["split"] = "test" if rec["_file"].startswith("test") else "train"
    for t in topics:
        sys.stderr.write(f"  {t.topic:24} {len(t.records):5} questions, {len(t.skipped)} skipped (answer in question)\n")
    for name in ("train", "train2", "train3", "train4", "test", "test2", "test3", "test4"):
        part = [{k: v for k, v in rec.items() if k != "_file"} for rec in records if rec["_file"] == name]
        common.write_jsonl(f"{out}/factqa_{name}.jsonl", interleave(part, common.rng(f"factqa-order-{name}")))


def interleave(records: list[dict], rng) -> list[dict]:
    """Topics taken in turn (each shuffled, topic order shuffled once): any prefix holds the topics in near-equal
    numbers until the smaller ones run out, so `capture --limit N` is not dominated by the largest topic."""
    by_topic: dict[str, list[dict]] = collections.defaultdict(list)
    for rec in records:
        by_topic[rec["topic"]].append(rec)
    queues = [by_topic[t] for t in sorted(by_topic)]
    for queue in queues:
        rng.shuffle(queue)
    rng.shuffle(queues)
    out = []
    while queues:
        out += [queue.pop() for queue in queues]
        queues = [queue for queue in queues if queue]
    return out


if __name__ == "__main__":
    main(sys.argv)
