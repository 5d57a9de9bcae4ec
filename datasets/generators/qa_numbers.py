"""Questions whose answers are computed, not looked up: arithmetic, unit conversions and calendar dates.

No outside data: numbers are drawn with fixed seeds; unit factors are exact definitions (1 km = 1000 m,
1 ft = 12 in, 1 mile = 1760 yd); dates come from Python's proleptic Gregorian calendar.
"""

from __future__ import annotations

import calendar
import datetime

from qa_common import Topic, number_answers, number_word

ARITHMETIC = {  # operation -> (templates, how many)
    "add": (["What is {a} + {b}?", "What is {a} plus {b}?", "Add {a} and {b}.", "What do you get when you add {a} to {b}?",
             "What is the sum of {a} and {b}?", "Calculate {a} + {b}."], 220),
    "sub": (["What is {a} - {b}?", "What is {a} minus {b}?", "Subtract {b} from {a}.", "What do you get if you take {b} away from {a}?",
             "What is the difference between {a} and {b}?"], 180),
    "mul": (["What is {a} × {b}?", "What is {a} times {b}?", "Multiply {a} by {b}.", "What is the product of {a} and {b}?",
             "What is {a} multiplied by {b}?"], 220),
    "div": (["What is {a} ÷ {b}?", "What is {a} divided by {b}?", "Divide {a} by {b}.", "How many times does {b} go into {a}?"], 130),
}

# (from unit singular, plural, to unit plural, factor, abbreviation of the target unit)
CONVERSIONS = [
    ("kilometre", "kilometres", "metres", 1000, "m"), ("metre", "metres", "centimetres", 100, "cm"),
    ("metre", "metres", "millimetres", 1000, "mm"), ("centimetre", "centimetres", "millimetres", 10, "mm"),
    ("kilogram", "kilograms", "grams", 1000, "g"), ("gram", "grams", "milligrams", 1000, "mg"),
    ("litre", "litres", "millilitres", 1000, "ml"), ("tonne", "tonnes", "kilograms", 1000, "kg"),
    ("hour", "hours", "minutes", 60, "min"), ("minute", "minutes", "seconds", 60, "s"),
    ("day", "days", "hours", 24, "h"), ("week", "weeks", "days", 7, "days"),
    ("year", "years", "months", 12, "months"), ("decade", "decades", "years", 10, "years"),
    ("century", "centuries", "years", 100, "years"), ("foot", "feet", "inches", 12, "in"),
    ("yard", "yards", "feet", 3, "ft"), ("mile", "miles", "yards", 1760, "yd"),
    ("pound", "pounds", "ounces", 16, "oz"), ("dozen", "dozen", "eggs", 12, "eggs"),
    ("hour", "hours", "seconds", 3600, "s"), ("kilometre", "kilometres", "centimetres", 100_000, "cm"),
]
CONVERSION_TEMPLATES = ["How many {to} are there in {n} {from_}?", "Convert {n} {from_} to {to}.",
                        "{N} {from_} is how many {to}?", "How many {to} make up {n} {from_}?",
                        "Express {n} {from_} in {to}."]

WEEKDAY_TEMPLATES = ["What day of the week was {d}?", "On which day of the week did {d} fall?",
                     "{D} was which day of the week?"]
LATER_TEMPLATES = ["What is the date {k} days after {d}?", "Which date comes {k} days after {d}?",
                   "If today is {d}, what is the date in {k} days?", "What date is it {k} days after {d}?"]
MONTH_LENGTH_TEMPLATES = ["How many days are there in {m} {y}?", "How many days does {m} {y} have?",
                          "What is the number of days in {m} {y}?"]
NEXT_DAY_TEMPLATES = ["What date comes right after {d}?", "What is the date of the day after {d}?",
                      "Which day follows {d}?"]


def arithmetic() -> Topic:
    topic = Topic("arithmetic", "number")
    r = topic.rng
    for op, (templates, count) in ARITHMETIC.items():
        seen: set[tuple[int, int]] = set()
        while len(seen) < count:
            if op == "add":
                a, b = r.randint(2, 99), r.randint(2, 99)
            elif op == "sub":
                a, b = r.randint(10, 120), r.randint(2, 99)
            elif op == "mul":
                a, b = r.randint(2, 15), r.randint(2, 25)
            else:
                b, q = r.randint(2, 12), r.randint(2, 20)
                a = b * q
            if op == "sub" and a <= b:
                continue
            seen.add((a, b))
        for a, b in sorted(seen):
            value = {"add": a + b, "sub": a - b, "mul": a * b, "div": a // max(b, 1)}[op]
            topic.ask(f"{op}-{a}-{b}", op, templates, number_answers(value), a=str(a), b=str(b))
    return topic


def conversions() -> Topic:
    topic = Topic("unit_conversions", "quantity")
    r = topic.rng
    for from_one, from_many, to, factor, abbrev in CONVERSIONS:
        amounts = sorted(r.sample(range(2, 40), 18))
        for n in amounts:
            value = n * factor
            fields = {"n": str(n), "N": str(n), "from_": from_many, "to": to}
            accepted = number_answers(value) + [f"{value} {to}", f"{value} {abbrev}"]
            topic.ask(f"{from_one}-{to}-{n}", f"{from_one}->{to}", CONVERSION_TEMPLATES, accepted, **fields)
    return topic


def spoken(day: datetime.date, r) -> str:
    """One of three everyday ways to write a date: "4 July 1976", "July 4, 1976", "the 4th of July, 1976"."""
    month = calendar.month_name[day.month]
    suffix = "th" if 10 <= day.day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    return r.choice([f"{day.day} {month} {day.year}", f"{month} {day.day}, {day.year}",
                     f"the {day.day}{suffix} of {month}, {day.year}"])


def date_answers(day: datetime.date) -> list[str]:
    month = calendar.month_name[day.month]
    return [f"{day.day} {month} {day.year}", f"{month} {day.day}, {day.year}", day.isoformat()]


def dates() -> Topic:
    topic = Topic("calendar", "date")
    r = topic.rng
    start, span = datetime.date(1900, 1, 1).toordinal(), 150 * 365
    past = datetime.date(2020, 12, 31).toordinal() - start  # "What day of the week was …" asks about the past
    for i in range(120):
        day = datetime.date.fromordinal(start + r.randrange(past))
        d = spoken(day, r)
        topic.ask(f"weekday-{day.isoformat()}", "weekday", WEEKDAY_TEMPLATES, [calendar.day_name[day.weekday()]],
                  d=d, D=d[:1].upper() + d[1:])
    for i in range(150):
        day = datetime.date.fromordinal(start + r.randrange(span))
        k = r.choice([2, 3, 5, 7, 10, 14, 20, 30, 45, 60, 100])
        topic.ask(f"later-{day.isoformat()}-{k}", "date arithmetic", LATER_TEMPLATES,
                  date_answers(day + datetime.timedelta(days=k)), d=spoken(day, r), k=str(k))
    for year in sorted(r.sample(range(1950, 2040), 12)):
        for month in (2, 4, 9, 11, 1, 7):
            n = calendar.monthrange(year, month)[1]
            topic.ask(f"length-{year}-{month:02d}", "month length", MONTH_LENGTH_TEMPLATES, number_answers(n),
                      m=calendar.month_name[month], y=str(year))
    ends = [datetime.date(y, m, calendar.monthrange(y, m)[1]) for y in range(1996, 2031, 3) for m in (2, 6, 12)]
    for day in ends:
        topic.ask(f"next-{day.isoformat()}", "next day", NEXT_DAY_TEMPLATES,
                  date_answers(day + datetime.timedelta(days=1)), d=spoken(day, r))
    return topic


def topics() -> list[Topic]:
    assert number_word(1760) == "one thousand seven hundred and sixty"
    return [arithmetic(), conversions(), dates()]
