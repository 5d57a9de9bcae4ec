"""Chemistry, US states and words in other languages.

Sources: periodictable 2.1.0 (public domain) for the 118 elements; `us` (BSD-3-Clause, Sunlight Labs) for the
50 states' capitals, postal codes and statehood years; babel (BSD-3-Clause; Unicode CLDR data, Unicode License v3)
for month and weekday names in ten languages.
"""

from __future__ import annotations

import sys

from make_elements import load_elements
from qa_common import Topic, number_answers

ELEMENT_ALIASES = {"aluminum": ["aluminium"], "cesium": ["caesium"], "sulfur": ["sulphur"]}
# One-letter symbols read as English words ("I", "a") would be graded right by chance.
AMBIGUOUS_SYMBOLS = {"I"}

SYMBOL_TEMPLATES = ["What is the chemical symbol for {e}?", "Which symbol stands for {e} on the periodic table?",
                    "Give the chemical symbol of the element {e}.", "How is {e} written as a chemical symbol?"]
NAME_TEMPLATES = ["Which element has the chemical symbol {s}?", "What element does the symbol {s} stand for?",
                  "Name the chemical element whose symbol is {s}.", "On the periodic table, which element is {s}?"]
NUMBER_TEMPLATES = ["What is the atomic number of {e}?", "How many protons are in an atom of {e}?",
                    "{E} has which atomic number?", "What number does {e} have on the periodic table?"]
BY_NUMBER_TEMPLATES = ["Which element has atomic number {z}?", "What is element number {z} on the periodic table?",
                       "Name the element with {z} protons in its nucleus.", "Which chemical element has the atomic number {z}?"]

STATE_CAPITAL_TEMPLATES = ["What is the capital of the US state of {s}?", "Which city is the state capital of {s}?",
                           "Name the state capital of {s}.", "What is the capital city of the state of {s}?"]
CAPITAL_STATE_TEMPLATES = ["{c} is the capital of which US state?", "Which US state has {c} as its capital?",
                           "Of which American state is {c} the capital?"]
POSTAL_TEMPLATES = ["What is the two-letter postal abbreviation for {s}?", "Which USPS state code stands for {s}?",
                    "How is {s} abbreviated in a US mailing address?"]
STATEHOOD_TEMPLATES = ["In what year did {s} become a US state?", "When was {s} admitted to the Union?",
                       "In which year did {s} join the United States as a state?", "What year did {s} achieve statehood?"]

# Languages whose CLDR month and weekday names are asked for (English name, CLDR locale).
LANGUAGES = [("French", "fr"), ("Spanish", "es"), ("German", "de"), ("Italian", "it"), ("Portuguese", "pt"),
             ("Dutch", "nl"), ("Swedish", "sv"), ("Polish", "pl"), ("Turkish", "tr"), ("Indonesian", "id")]
ENGLISH_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ENGLISH_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"]
WORD_TEMPLATES = ["What is the {lang} word for {word}?", "How do you say {word} in {lang}?",
                  "Translate the word {word} into {lang}.", "In {lang}, what is {word} called?",
                  "What do {lang} speakers call {word}?"]


def elements() -> list[Topic]:
    symbols, names = Topic("element_symbols", "code"), Topic("element_names", "name")
    numbers, by_number = Topic("atomic_numbers", "number"), Topic("elements_by_number", "name")
    for z, symbol, name in load_elements():
        accepted = [name] + ELEMENT_ALIASES.get(name, [])
        fields = {"e": name, "E": name.capitalize(), "s": symbol, "z": str(z)}
        if symbol not in AMBIGUOUS_SYMBOLS:
            symbols.ask(symbol, name, SYMBOL_TEMPLATES, [symbol], **fields)
        names.ask(symbol, name, NAME_TEMPLATES, accepted, **fields)
        numbers.ask(symbol, name, NUMBER_TEMPLATES, number_answers(z), **fields)
        by_number.ask(symbol, name, BY_NUMBER_TEMPLATES, accepted, **fields)
    return [symbols, names, numbers, by_number]


def us_states() -> list[Topic]:
    try:
        import us
    except ImportError:
        sys.exit("error: the `us` package is not installed. Run: pip install us==4.0.0")
    capitals, capital_states = Topic("us_state_capitals", "place"), Topic("us_capital_states", "place")
    postal, statehood = Topic("us_state_abbreviations", "code"), Topic("us_statehood_years", "year")
    for state in sorted(us.states.STATES, key=lambda s: s.abbr):
        fields = {"s": state.name, "c": state.capital}
        capitals.ask(state.abbr, state.name, STATE_CAPITAL_TEMPLATES, [state.capital], **fields)
        capital_states.ask(state.abbr, state.name, CAPITAL_STATE_TEMPLATES, [state.name], **fields)
        postal.ask(state.abbr, state.name, POSTAL_TEMPLATES, [state.abbr], **fields)
        if state.statehood_year:
            statehood.ask(state.abbr, state.name, STATEHOOD_TEMPLATES, [str(state.statehood_year)], **fields)
    return [capitals, capital_states, postal, statehood]


def words_in_languages() -> list[Topic]:
    try:
        from babel import Locale
    except ImportError:
        sys.exit("error: babel is not installed. Run: pip install babel==2.17.0")
    days, months = Topic("weekday_translations", "word"), Topic("month_translations", "word")
    for lang, code in LANGUAGES:
        loc = Locale(code)
        for i, english in enumerate(ENGLISH_DAYS):  # CLDR keys: 0 = Monday
            accepted = [loc.days[ctx]["wide"][i] for ctx in ("stand-alone", "format")]
            days.ask(f"{code}-{english}", english, WORD_TEMPLATES, accepted, lang=lang, word=english)
        for i, english in enumerate(ENGLISH_MONTHS, 1):
            accepted = [loc.months[ctx]["wide"][i] for ctx in ("stand-alone", "format")]
            months.ask(f"{code}-{english}", english, WORD_TEMPLATES, accepted, lang=lang, word=english)
    return [days, months]


def topics() -> list[Topic]:
    return elements() + us_states() + words_in_languages()
