"""Helpers for the fact-question generators (make_factqa.py and its qa_*.py topic modules).

A record is {"id", "question", "answers", "topic", "type", "subject", "template"}; make_factqa.py adds "split".
Each topic has several phrasings; `ask` picks one per question with a seeded random source, so the file is
reproducible and no topic reads as one template. Accepted answers are de-duplicated, accent-free variants are
added, and no accepted answer may occur in its own question (an answer that echoes the question would be graded
right for free): `ask` refuses such a record and the validator checks it again.
"""

from __future__ import annotations

import random
import re
import unicodedata

import common
from common import ascii_fold

NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()

# Other names a country goes by, keyed by ISO 3166-1 alpha-2 (GeoNames' short name is always accepted).
COUNTRY_ALIASES = {
    "US": ["United States of America", "USA", "U.S.", "U.S.A.", "America"],
    "GB": ["UK", "U.K.", "Britain", "Great Britain", "England", "Scotland", "Wales", "Northern Ireland"],
    "RU": ["Russian Federation"], "KR": ["Republic of Korea"], "KP": ["Democratic People's Republic of Korea", "DPRK"],
    "CN": ["People's Republic of China", "PRC"], "TW": ["Republic of China"], "CZ": ["Czech Republic"],
    "NL": ["Netherlands", "Holland"], "CI": ["Côte d'Ivoire", "Cote d'Ivoire"],
    "CD": ["DR Congo", "DRC", "Congo-Kinshasa", "Democratic Republic of Congo"],
    "CG": ["Congo-Brazzaville", "Republic of Congo"], "MM": ["Burma"], "SZ": ["Swaziland"],
    "MK": ["Macedonia"], "CV": ["Cape Verde"], "TR": ["Türkiye", "Turkiye"], "VN": ["Viet Nam"],
    "LA": ["Lao PDR"], "VA": ["Vatican City", "Holy See"], "TL": ["East Timor"], "FM": ["Federated States of Micronesia"],
    "IR": ["Persia"], "SY": ["Syrian Arab Republic"], "BN": ["Brunei Darussalam"], "BO": ["Plurinational State of Bolivia"],
    "VE": ["Bolivarian Republic of Venezuela"], "TZ": ["United Republic of Tanzania"], "MD": ["Republic of Moldova"],
    "AE": ["UAE", "Emirates"], "DO": ["Dominican Rep."], "BA": ["Bosnia", "Bosnia-Herzegovina"],
    "HK": ["China", "People's Republic of China"], "MO": ["Macau", "China", "People's Republic of China"],
}


def number_word(n: int) -> str:
    """English words for 0..999,999: 42 -> "forty-two", 1760 -> "one thousand seven hundred and sixty"."""
    if n < 0:
        return "minus " + number_word(-n)
    if n < 20:
        return NUMBER_WORDS[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else "-" + NUMBER_WORDS[n % 10])
    if n < 1000:
        rest = n % 100
        return NUMBER_WORDS[n // 100] + " hundred" + ("" if rest == 0 else " and " + number_word(rest))
    if n < 1_000_000:
        rest = n % 1000
        tail = "" if rest == 0 else (" and " if rest < 100 else " ") + number_word(rest)
        return number_word(n // 1000) + " thousand" + tail
    raise ValueError(f"number_word: {n} is out of range")


def number_answers(n: int) -> list[str]:
    """Digits and English words: 12 -> ["12", "twelve"]."""
    return [str(n), number_word(n)] if 0 <= n < 1_000_000 else [str(n)]


def country_answers(iso: str, name: str) -> list[str]:
    return [name] + COUNTRY_ALIASES.get(iso, [])


# --- the echo check: the same normalisation as the grader's word split, without number and date handling ---

def words(text: str) -> list[str]:
    """Lower-case, accent-free words with punctuation dropped and articles removed (the grader's basic split)."""
    text = ascii_fold(text).lower()
    text = re.sub(r"(?<=\d),(?=\d)", "", text)
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return [w for w in text.split() if w not in ("a", "an", "the")]


def occurs(needle: str, haystack: str) -> bool:
    n, h = words(needle), words(haystack)
    return bool(n) and any(h[i:i + len(n)] == n for i in range(len(h) - len(n) + 1))


def echoed(question: str, answers: list[str]) -> list[str]:
    """Accepted answers that occur, as whole words, in the question itself."""
    return [a for a in answers if occurs(a, question)]


def dedupe(answers: list[str]) -> list[str]:
    """Keep order, add the accent-free spelling of each, drop empties and repeats."""
    out: list[str] = []
    for a in answers:
        for v in (a.strip(), ascii_fold(a.strip())):
            if v and v not in out:
                out.append(v)
    return out


class Topic:
    """Collects one topic's records; `ask` picks a phrasing with the topic's own seeded random source."""

    def __init__(self, topic: str, qtype: str):
        self.topic, self.qtype = topic, qtype
        self.rng: random.Random = common.rng(f"factqa-{topic}")
        self.records: list[dict] = []
        self.skipped: list[str] = []

    def ask(self, qid: str, subject: str, templates: list[str], answers: list[str], **fields: str) -> bool:
        """Adds one question; returns False (and records why) when an accepted answer echoes the question."""
        index = self.rng.randrange(len(templates))
        question = common.sentence_start(templates[index].format(**fields))
        accepted = dedupe(answers)
        echo = echoed(question, accepted)
        if echo:
            self.skipped.append(f"{qid}: answer {echo[0]!r} occurs in {question!r}")
            return False
        self.records.append({"id": f"{self.topic}:{qid}", "question": question, "answers": accepted,
                             "topic": self.topic, "type": self.qtype, "subject": subject, "template": index})
        return True


def fold_key(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if c.isalnum())
