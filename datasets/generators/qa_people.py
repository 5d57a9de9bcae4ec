"""Third batch of training topics (factqa_train3.jsonl): questions about people — birth and death years,
occupation and nationality — the kind of fact natural question sets ask most and the other topics never do.

Source: WordNet 3.0 (Princeton University, WordNet 3.0 licence: use, copy, modify and distribute, with the notice
kept) as Debian's `wordnet-base` ships it (/usr/share/wordnet/data.noun). A person is a noun.person synset that is an
instance of a category (`@i`: "Halley" is an instance of "astronomer") and whose gloss ends in its life span:
"English astronomer who used Newton's laws of motion to predict the period of a comet (1656-1742)". Each person is
asked about once, in one of the four topics (balanced, seeded), so a cross-validation fold grouped by topic never
holds the same person on both sides.

  birth / death year   the life span's years (spans with "?" or BC, or outside 15–110 years, are left out)
  occupation           the words of the instance's categories and of their direct parents ("astronomer" →
                       "physicist"), and the person nouns of the gloss before its first clause ("French feminist and
                       existentialist and novelist"), so "an astronomer and mathematician" and "a physicist" are right
  nationality          the gloss's first words when they name a nationality in NATIONALITIES (adjectives and
                       country names accepted); at most NATIONALITY_CAP people of one nationality, so "American"
                       is not right for most of them
"""

from __future__ import annotations

import collections
import os
import re

import common
from qa_common import Topic, fold_key

WORDNET_NOUNS = "/usr/share/wordnet/data.noun"
PERSON_LEXFILE = 18  # noun.person

BIRTH_TEMPLATES = ["In what year was {p} born?", "When was {p} born? Give the year.", "What year was {p} born in?",
                   "In which year was {p} born?", "What is the birth year of {p}?"]
DEATH_TEMPLATES = ["In what year did {p} die?", "When did {p} die? Give the year.", "What year did {p} pass away?",
                   "In which year did {p} die?", "What was the year of {p}'s death?"]
OCCUPATION_TEMPLATES = ["What was {p}'s profession?", "What was the occupation of {p}?", "What did {p} do for a living?",
                        "What was {p} known as professionally?"]
NATIONALITY_TEMPLATES = ["What nationality was {p}?", "Which country was {p} from?", "{p} came from which country?",
                         "What was {p}'s nationality?"]

_US = ["American", "United States", "USA", "U.S.", "US", "America"]
_UK = ["British", "United Kingdom", "UK", "Britain", "Great Britain"]
_CZ = ["Czech", "Czechoslovak", "Czechoslovakian", "Czech Republic", "Czechia", "Czechoslovakia", "Bohemian"]
# The gloss's nationality word(s) -> accepted answers (the adjective, the country, and what a careful grader takes).
NATIONALITIES = {
    "United States": _US, "American": _US,
    "English": ["English", "England", "Englishman"] + _UK, "Englishman": ["English", "England", "Englishman"] + _UK,
    "British": _UK + ["English", "England", "Scottish", "Scotland", "Welsh", "Wales"],
    "Scottish": ["Scottish", "Scots", "Scotch", "Scotsman", "Scotland"] + _UK,
    "Welsh": ["Welsh", "Wales", "Welshman"] + _UK, "Irish": ["Irish", "Ireland", "Irishman"],
    "French": ["French", "France", "Frenchman"], "German": ["German", "Germany", "Prussian", "Prussia"],
    "Italian": ["Italian", "Italy"], "Florentine": ["Florentine", "Florence", "Italian", "Italy"],
    "Greek": ["Greek", "Greece"], "Athenian": ["Athenian", "Athens", "Greek", "Greece"],
    "Russian": ["Russian", "Russia"], "Soviet": ["Soviet", "Soviet Union", "USSR", "Russian", "Russia"],
    "Spanish": ["Spanish", "Spain", "Spaniard"], "Spaniard": ["Spanish", "Spain", "Spaniard"],
    "Austrian": ["Austrian", "Austria"], "Roman": ["Roman", "Rome", "Ancient Rome", "Roman Empire"],
    "Dutch": ["Dutch", "Netherlands", "Holland", "Dutchman"], "Swiss": ["Swiss", "Switzerland"],
    "Egyptian": ["Egyptian", "Egypt"], "Danish": ["Danish", "Dane", "Denmark"], "Canadian": ["Canadian", "Canada"],
    "Swedish": ["Swedish", "Swede", "Sweden"], "Norwegian": ["Norwegian", "Norway"], "Indian": ["Indian", "India"],
    "Japanese": ["Japanese", "Japan"], "Australian": ["Australian", "Australia"], "Chinese": ["Chinese", "China"],
    "Belgian": ["Belgian", "Belgium"], "Flemish": ["Flemish", "Flanders", "Belgian", "Belgium"],
    "Mexican": ["Mexican", "Mexico"], "Polish": ["Polish", "Pole", "Poland"], "Hungarian": ["Hungarian", "Hungary"],
    "Israeli": ["Israeli", "Israel"], "Czech": _CZ, "Czechoslovakian": _CZ,
    "South African": ["South African", "South Africa"], "Persian": ["Persian", "Persia", "Iranian", "Iran"],
    "Finnish": ["Finnish", "Finn", "Finland"], "New Zealand": ["New Zealander", "New Zealand", "Kiwi"],
    "Cuban": ["Cuban", "Cuba"], "Portuguese": ["Portuguese", "Portugal"],
    "Argentine": ["Argentine", "Argentinian", "Argentinean", "Argentina"], "Brazilian": ["Brazilian", "Brazil"],
    "Venezuelan": ["Venezuelan", "Venezuela"], "Romanian": ["Romanian", "Romania"],
    "Vietnamese": ["Vietnamese", "Vietnam"], "Yugoslav": ["Yugoslav", "Yugoslavian", "Yugoslavia"],
    "Mongolian": ["Mongolian", "Mongol", "Mongolia"], "Indonesian": ["Indonesian", "Indonesia"],
}
NATIONALITY_CAP = 60

# Words too broad to count as an occupation, or that other occupations contain ("player" for an actor would take
# "tennis player"): "astronomer" -> "physicist" is kept, "ruler" -> "person" is not.
GENERIC = {"person", "individual", "someone", "somebody", "mortal", "soul", "adult", "worker", "leader", "expert",
           "organism", "being", "man", "woman", "male", "female", "head", "professional", "intellectual",
           "son", "daughter", "wife", "husband", "father", "mother", "brother", "sister", "friend", "child", "founder",
           "member", "citizen", "native", "resident", "follower", "disciple", "pupil", "student", "supporter",
           "player", "speaker", "talker", "utterer", "creator", "master", "maestro", "specialist", "communicator",
           "religious", "drawer", "spoiler", "bookman", "scholarly person"}

LIFE_SPAN = re.compile(r"\((\d{3,4})-(\d{3,4})\)\s*$")


class Person:
    def __init__(self, offset: str, names: list[str], occupations: list[str], gloss: str):
        self.offset, self.names, self.occupations, self.gloss = offset, names, occupations, gloss

    @property
    def name(self) -> str:
        """The first multi-word name ("Herbert Hoover" over "Hoover"), else the only one ("Rembrandt")."""
        return next((n for n in self.names if " " in n), self.names[0])


def read_synsets(path: str) -> dict[str, tuple[int, list[str], list[tuple[str, str]], str]]:
    """offset -> (lexfile, lemmas with spaces, [(pointer symbol, target offset)], definition without examples)."""
    synsets = {}
    with open(path, encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):  # the licence header
                continue
            head, _, gloss = line.partition(" | ")
            fields = head.split()
            count = int(fields[3], 16)
            lemmas = [fields[4 + 2 * i].replace("_", " ") for i in range(count)]
            at = 4 + 2 * count
            pointers = [(fields[at + 1 + 4 * k], fields[at + 2 + 4 * k]) for k in range(int(fields[at]))]
            synsets[fields[0]] = (int(fields[1]), lemmas, pointers, gloss.split('"')[0].strip().rstrip(";").strip())
    return synsets


def load_people() -> list[Person]:
    if not os.path.exists(WORDNET_NOUNS):
        raise SystemExit(f"error: {WORDNET_NOUNS} is missing; run: apt-get install wordnet-base")
    synsets = read_synsets(WORDNET_NOUNS)
    person_nouns = {w.lower() for lexfile, lemmas, pointers, _ in synsets.values()
                    if lexfile == PERSON_LEXFILE and not any(s == "@i" for s, _ in pointers) for w in lemmas}
    people = []
    for offset in sorted(synsets):
        lexfile, lemmas, pointers, gloss = synsets[offset]
        kinds = [target for symbol, target in pointers if symbol == "@i"]
        if lexfile != PERSON_LEXFILE or not kinds:
            continue
        occupations = []
        for kind in kinds:
            occupations += [w for w in synsets[kind][1] if w.lower() not in GENERIC]
            for symbol, parent in synsets[kind][2]:
                if symbol == "@":
                    occupations += [w for w in synsets[parent][1] if w.lower() not in GENERIC]
        head = re.split(r"\b(?:who|whose|that|which|noted|known|remembered|best)\b|[;(,]", gloss)[0]
        words = re.findall(r"[A-Za-z-]+", head)
        for n in (2, 1):
            occupations += [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)
                            if " ".join(words[i:i + n]).lower() in person_nouns - GENERIC
                            and words[i][0].islower()]
        people.append(Person(offset, lemmas, occupations, gloss))
    # A name two people share ("John Adams") has no single answer.
    counts = collections.Counter(fold_key(p.name) for p in people)
    return [p for p in people if counts[fold_key(p.name)] == 1]


def life_span(person: Person) -> tuple[int, int] | None:
    m = LIFE_SPAN.search(person.gloss)
    if not m:
        return None
    born, died = int(m.group(1)), int(m.group(2))
    return (born, died) if 15 <= died - born <= 110 else None


def nationality(person: Person) -> str | None:
    """The nationality the gloss starts with (after at most three lower-case words: "suave and witty English …")."""
    m = re.match(r"^(?:[a-z-]+ ){0,3}?((?:[A-Z][a-zA-Z-]+ ?){1,3})", person.gloss)
    if not m:
        return None
    run = m.group(1).split()
    for n in (2, 1):
        key = " ".join(run[:n])
        if len(run) >= n and key in NATIONALITIES:
            return key
    return None


def topics() -> list[Topic]:
    birth, death = Topic("people_birth_years", "year"), Topic("people_death_years", "year")
    occupation, nation = Topic("people_occupations", "word"), Topic("people_nationalities", "country")
    rng = common.rng("factqa-people")
    people = [p for p in load_people() if life_span(p)]
    rng.shuffle(people)
    per_nation: collections.Counter = collections.Counter()
    for person in people:
        born, died = life_span(person)
        key = nationality(person)
        choices = [birth, death] + ([occupation] if person.occupations else [])
        if key and per_nation[key] < NATIONALITY_CAP:
            choices.append(nation)
        # the topic with the fewest questions so far (ties in a fixed order): balanced topics, each person once
        topic = min(choices, key=lambda t: len(t.records))
        fields = {"p": person.name}
        if topic is birth:
            birth.ask(person.offset, person.name, BIRTH_TEMPLATES, [str(born)], **fields)
        elif topic is death:
            death.ask(person.offset, person.name, DEATH_TEMPLATES, [str(died)], **fields)
        elif topic is occupation:
            occupation.ask(person.offset, person.name, OCCUPATION_TEMPLATES, person.occupations, **fields)
        elif nation.ask(person.offset, person.name, NATIONALITY_TEMPLATES, NATIONALITIES[key], **fields):
            per_nation[key] += 1
    return [birth, death, occupation, nation]
