"""Trivia written by people, not by this project: the question-and-answer files of the BSD `quiz` game (4.4BSD,
Debian's `bsdgames`), turned into questions for a fourth held-out file, factqa_test4.jsonl. Every other factqa topic
is made from a database by this project's own templates; these facts were chosen by quiz writers (collective nouns,
Shakespeare's lines, poems, presidents, sovereigns), as trivia sets such as TriviaQA's were, so they measure how the
probes carry to questions from another hand.

Source: /usr/share/games/bsdgames/quiz/* from Debian's `bsdgames` 2.17 (BSD-3-Clause, the Regents of the University
of California; the package's copyright file). A data line is a list of fields separated by ':' (a trailing '\\'
continues it on the next line); in a field `a|b` are alternatives, `{x}` is optional and `[a|b]` groups alternatives
(quiz(6)). Every spelling the pattern allows is an accepted answer; among names of people, a spelling two of them
share ("Adams", "George Bush") is kept only for the person whose full name it is, and dropped when it is no one's.
A handful of entries are fixed or left out where the files are out of date, misspelt or joking (FIXES, LEFT_OUT).

  collective_nouns     What is a group of crows called? (murder)
  animal_young         What is a baby kangaroo called? (joey)
  gendered_words       What is the female counterpart of a drake? (duck), and the male of a female word
  shakespeare_plays    Which Shakespeare play has the line "…"? (the play)
  shakespeare_speakers Which character in Shakespeare says "…"?
  poem_authors         Who wrote the poem that begins "…"? / Who wrote the poem "…"?
  president_successors Who succeeded James Madison as President of the United States?
  vice_presidents      Who was vice president under James Monroe?
  presidency_years     In what year did Andrew Jackson become President of the United States?
  sovereign_successors Who succeeded Henry VII as ruler of England?
  killers              Who killed Abel?
  state_flowers        What is the state flower of Texas?
  province_capitals    What is the capital of Manitoba?
"""

from __future__ import annotations

import os
import re

from qa_common import Topic, words

QUIZ_DIR = "/usr/share/games/bsdgames/quiz"

# (file, text in the file, replacement): misspellings, answers out of date since the files were written, names a
# modern answer uses that the file lacks, and entries whose pattern would accept the wrong person.
FIXES = [
    ("poetry", "{Andrew }Marvel", "{Andrew }Marvell"),  # Andrew Marvell
    ("poetry", "Houseman", "Housman"),  # A. E. Housman
    ("state", "{sego }lilly", "{sego }lily"),
    ("state", "{wild }{prarie }rose", "{wild }{prairie }rose"),
    ("state", "Alabama|Ala|AL:Montgomery:AL:goldenrod", "Alabama|Ala|AL:Montgomery:AL:camellia|goldenrod"),  # 1959
    ("state", "OK:Oklahoma City:OK:mistletoe", "OK:Oklahoma City:OK:Oklahoma rose|mistletoe"),  # 2004
    ("state", "Arkansas|Ark|AR:Little Rock:AR:gok", "Arkansas|Ark|AR:Little Rock:AR:apple{ blossom}"),  # "gok": unknown
    ("state", "MN:gok", "MN:{pink and white }lady[']s{ |-}slipper"),
    ("pres", "{Biden}", "Biden"),  # an optional surname accepted "Joe" alone
    ("pres", "{W{illiam|m} }{J{efferson} }Clinton", "[{W{illiam|m} }{J{efferson} }|Bill ]Clinton"),
    ("pres", "{J{ames} }{E{arl} }Carter{{,} J{unio}r}", "[{J{ames} }{E{arl} }|Jimmy ]Carter"),
    ("pres", "{G{eorge} }{W{alker} }Bush{{,} J{unio}r}", "{G{eorge} }{W{alker} }Bush"),
    ("pres", "{B{arack} }{H{ussein} }Obama{ II}", "{B{arack} }{H{ussein} }Obama"),
    ("pres", "{ (1st term)}", ""),
    ("pres", "{ (2nd term)}", ""),
    # Henry IV's reign is split in two entries (for the play's two parts): one king, succeeded by Henry V.
    ("sov", "Rich[ard|] [II|2]:14:Hen[ry|] [IV|4] Part 1", "Rich[ard|] [II|2]:14:Hen[ry|] [IV|4]"),
    ("sov", "Hen[ry|] [IV|4] Part 1:15|14-15:Hen[ry|] [IV|4] Part 2\n", ""),
    ("sov", "Hen[ry|] [IV|4] Part 2:15|14-15", "Hen[ry|] [IV|4]:15|14-15"),
    ("sov", "W[illia|]m and Mary", "[W[illia|]m and Mary|W[illia|]m [III|3]|W[illia|]m of Orange|Mary [II|2]]"),
    ("sov", "John:13", "{King }John:13"),
    ("sov", ":John\n", ":{King }John\n"),
    ("sov", "Stephen", "{King }Stephen"),
    ("sov", "Mary:16", "Mary [I|1]:16"),
    ("sov", ":Mary\n", ":Mary [I|1]\n"),
    ("sov", ":Anne\n", ":{Queen }Anne\n"),
    ("sov", "Anne:18", "{Queen }Anne:18"),
    ("sov", "Victoria", "{Queen }Victoria"),
    ("sov", ":16-17|16:Ja[me|]s [I|1]", ":16-17|16:Ja[me|]s [I|1|VI|VI and I]"),  # James VI of Scotland
]
# (file, first field's text): jokes and entries with no single answer.
LEFT_OUT = {
    ("murders", "{the }cat"), ("murders", "sleep|Duncan"), ("murders", "Christ"), ("murders", "vaudeville"),
    ("murders", "{the }movies|film"), ("murders", "{the }VA patients"), ("murders", "{the }nurses"),
    ("murders", "Pompeii"), ("collectives", "operating companies"), ("collectives", "earthquakes"),
    ("sexes", "Y|y"), ("sexes", "effeminate|womanish"), ("sexes", "manly"), ("province", "Canada"),
}
JOKE_ANSWERS = {"fbi", "cia"}  # the killers file adds "the FBI|the CIA" to every assassination
GENERIC_TITLES = {"song", "remember", "requiem", "reveille", "sonnet"}  # poems too many poets wrote


def expand(pattern: str) -> list[str]:
    """Every spelling a quiz pattern allows, the fullest first (`{x}` present before absent, alternatives in order)."""
    pos = 0

    def alternatives(closing: str | None) -> list[str]:
        nonlocal pos
        out = sequence(closing)
        while pos < len(pattern) and pattern[pos] == "|":
            pos += 1
            out += sequence(closing)
        if closing is not None:
            if pos >= len(pattern) or pattern[pos] != closing:
                raise ValueError(f"unbalanced quiz pattern: {pattern!r}")
            pos += 1
        return out

    def sequence(closing: str | None) -> list[str]:
        nonlocal pos
        out = [""]
        while pos < len(pattern) and pattern[pos] not in "|" + (closing or ""):
            c = pattern[pos]
            pos += 1
            if c in "{[":
                inner = alternatives("}" if c == "{" else "]")
                part = inner + [""] if c == "{" else inner
            elif c == "\\" and pos < len(pattern):
                part, pos = [pattern[pos]], pos + 1
            else:
                part = [c]
            out = [a + b for a in out for b in part]
        return out

    spelled = alternatives(None)
    if pos != len(pattern):
        raise ValueError(f"unbalanced quiz pattern: {pattern!r}")
    seen: list[str] = []
    for s in spelled:
        s = re.sub(r"\s+", " ", s).strip(" ,")
        if s and s not in seen:
            seen.append(s)
    return seen


def full(pattern: str) -> str:
    """The longest spelling (the name in full), used to write questions."""
    return max(expand(pattern), key=len)


def read(name: str) -> list[list[str]]:
    """A quiz data file's lines (continuations joined, FIXES applied) as lists of fields; LEFT_OUT lines dropped."""
    path = os.path.join(QUIZ_DIR, name)
    if not os.path.exists(path):
        raise SystemExit(f"error: {path} is missing; run: apt-get install bsdgames")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for file, old, new in FIXES:
        if file == name:
            if old not in text:
                raise SystemExit(f"error: quiz fix for {name} no longer applies: {old!r} not found")
            text = text.replace(old, new)
    rows = []
    for line in text.replace("\\\n", "").split("\n"):
        fields = re.split(r"(?<!\\):", line)
        if line.strip() and (name, fields[0]) not in LEFT_OUT:
            rows.append(fields)
    return rows


def key(text: str) -> str:
    return " ".join(words(text))


def split_top(pattern: str) -> list[str]:
    """A pattern's top-level alternatives: "{A{aron} }Burr|{G{eorge} }Clinton" -> the two names."""
    parts, depth, start, escaped = [], 0, 0, False
    for i, c in enumerate(pattern):
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    return parts + [pattern[start:]]


def unambiguous(patterns: list[str]) -> dict[str, list[str]]:
    """Accepted spellings of each pattern of people's names (each top-level alternative one name in full): a spelling
    is kept when it is one of the pattern's names in full, or when every name it spells is one of the pattern's."""
    owners: dict[str, set[str]] = {}
    for pattern in patterns:
        for alternative in split_top(pattern):
            for s in expand(alternative):
                owners.setdefault(key(s), set()).add(key(full(alternative)))
    out = {}
    for pattern in set(patterns):
        mine = {key(full(alternative)) for alternative in split_top(pattern)}
        out[pattern] = [s for s in expand(pattern) if key(s) in mine or owners[key(s)] <= mine]
    return out


def article(noun: str) -> str:
    return ("an " if noun[0].lower() in "aeiou" else "a ") + noun


def collectives() -> Topic:
    topic = Topic("collective_nouns", "word")
    answers: dict[str, list[str]] = {}
    for fields in read("collectives"):
        for individual in expand(fields[0]):
            answers.setdefault(individual.lower(), []).extend(expand(fields[1]))
    templates = ["What is a group of {x} called?", "What is the collective noun for {x}?",
                 "What do you call a group of {x}?", "A group of {x} is known as a what?"]
    for individual in sorted(answers):
        topic.ask(individual.replace(" ", "_"), individual, templates, answers[individual], x=individual)
    return topic


def young() -> Topic:
    topic = Topic("animal_young", "word")
    answers: dict[str, list[str]] = {}
    for baby, adults in read("babies"):
        for adult in expand(adults):
            answers.setdefault(adult, []).extend(expand(baby))
    templates = ["What is a baby {x} called?", "What is the name for a young {x}?", "What do you call a young {x}?"]
    for adult in sorted(answers):
        topic.ask(adult, adult, templates, answers[adult], x=adult)
    return topic


def gendered() -> Topic:
    topic = Topic("gendered_words", "word")
    pairs = [(expand(male), expand(female)) for male, female in read("sexes")]
    female_of = ["What is the female counterpart of {x}?", "What is the female equivalent of {x}?",
                 "What word is used for a female {y}?"]
    male_of = ["What is the male counterpart of {x}?", "What is the male equivalent of {x}?",
               "What word is used for a male {y}?"]
    asked: dict[str, list[str]] = {}
    for males, females in pairs:
        for word in males:
            asked.setdefault(f"female_of:{word.lower()}", []).extend(females)
        for word in females:
            asked.setdefault(f"male_of:{word.lower()}", []).extend(males)
    for qid in sorted(asked):
        kind, word = qid.split(":", 1)
        if word.endswith("complex"):
            x, y = f"the {word}", word
        else:
            x, y = article(word), word
        topic.ask(qid.replace(" ", "_"), word, female_of if kind == "female_of" else male_of, asked[qid], x=x, y=y)
    return topic


def shakespeare() -> list[Topic]:
    plays, speakers = Topic("shakespeare_plays", "name"), Topic("shakespeare_speakers", "name")
    play_q = ["Which Shakespeare play has the line \"{x}\"?", "In which play by Shakespeare is the line \"{x}\" spoken?",
              "\"{x}\" is a line from which Shakespeare play?"]
    speaker_q = ["Which character in Shakespeare says \"{x}\"?", "Who speaks the line \"{x}\" in Shakespeare?",
                 "In Shakespeare, which character says the line \"{x}\"?"]
    for n, (line, _next, work, character) in enumerate(read("bard")):
        text = full(line).rstrip(" ,;:")
        subject = full(work)
        play = [re.sub(r"\s+[IVX]+-[ivx]+$", "", s) for s in expand(work)]
        play += [re.sub(r",? Part I+$", "", s) for s in play]  # "Henry VI" for "Henry VI, Part I"
        plays.ask(f"{n:03d}", subject, play_q, play, x=text)
        if character.strip():
            speakers.ask(f"{n:03d}", subject, speaker_q, expand(character), x=text)
    return [plays, speakers]


def poems() -> Topic:
    topic = Topic("poem_authors", "name")
    rows = read("poetry")
    spellings = unambiguous([author for _line, _next, _poem, author in rows])
    line_q = ["Who wrote the poem that begins \"{x}\"?", "\"{x}\" is the first line of a poem by which poet?",
              "Which poet wrote the line \"{x}\"?"]
    title_q = ["Who wrote the poem \"{x}\"?", "Which poet wrote \"{x}\"?", "\"{x}\" is a poem by whom?"]
    titles: set[str] = set()
    for n, (line, _next, poem, author) in enumerate(rows):
        name = full(author)
        topic.ask(f"line{n:03d}", name, line_q, spellings[author], x=full(line).rstrip(" ,;:"))
        title = re.sub(r"\s+(?:\d+|Canto I|Book I)$", "", expand(poem)[0])
        if title.lower() not in GENERIC_TITLES and title not in titles:
            titles.add(title)
            topic.ask(f"title{n:03d}", name, title_q, spellings[author], x=title)
    return topic


def presidents() -> list[Topic]:
    successors, vices, years = (Topic("president_successors", "name"), Topic("vice_presidents", "name"),
                                Topic("presidency_years", "year"))
    rows = read("pres")
    people = [f for row in rows for f in (row[0], row[2], row[3]) if f.strip() and not f.lower().startswith("[n|n]one")]
    spellings = unambiguous(people)
    firsts = [key(full(row[0])) for row in rows]
    succ_q = ["Who succeeded {x} as President of the United States?", "Who became US president after {x}?",
              "Who was the next President of the United States after {x}?"]
    vice_q = ["Who was vice president under {x}?", "Who served as vice president to President {x}?",
              "Name the vice president of the United States during {x}'s presidency."]
    year_q = ["In what year did {x} become President of the United States?",
              "When did {x} take office as US president?", "In which year did {x}'s presidency begin?"]
    for president, term, vice, successor in rows:
        name = full(president)
        if firsts.count(key(name)) > 1:  # Grover Cleveland: two terms, two answers
            continue
        qid = key(name).replace(" ", "_")
        if successor.strip():
            successors.ask(qid, name, succ_q, spellings[successor], x=name)
        if vice.strip() and not vice.lower().startswith("[n|n]one"):
            vices.ask(qid, name, vice_q, spellings[vice], x=name)
        years.ask(qid, name, year_q, [term.split("-")[0]], x=name)
    return [successors, vices, years]


def sovereigns() -> Topic:
    topic = Topic("sovereign_successors", "name")
    rows = read("sov")
    spellings = unambiguous([row[0] for row in rows] + [row[2] for row in rows if row[2].strip()])
    templates = ["Who succeeded {x} as ruler of {c}?", "Who ruled {c} after {x}?",
                 "Who was the next ruler of {c} after {x}?"]
    britain = False
    for sovereign, _century, successor in rows:
        name = full(sovereign)
        britain = britain or key(name) == "queen anne"  # the Acts of Union 1707
        if successor.strip():
            topic.ask(key(name).replace(" ", "_"), name, templates, spellings[successor], x=name,
                      c="Great Britain" if britain else "England")
    return topic


def killers() -> Topic:
    topic = Topic("killers", "name")
    rows = read("murders")
    answers = {}
    for victim, killer in rows:
        kept = [a for a in split_top(killer) if key(full(a)) not in JOKE_ANSWERS]
        answers[victim] = [s for a in kept for s in expand(a)]
    templates = ["Who killed {x}?", "Who was responsible for the death of {x}?", "By whom was {x} killed?"]
    for victim, _killer in rows:
        name = full(split_top(victim)[0])
        topic.ask(key(name).replace(" ", "_"), name, templates, answers[victim], x=name)
    return topic


def state_flowers() -> Topic:
    topic = Topic("state_flowers", "word")
    templates = ["What is the state flower of {x}?", "Which flower is the official state flower of {x}?",
                 "Name the state flower of {x}."]
    for state, _capital, _abbreviation, flower in read("state"):
        name = full(state)
        topic.ask(key(name).replace(" ", "_"), name, templates, expand(flower), x=name)
    return topic


def province_capitals() -> Topic:
    topic = Topic("province_capitals", "place")
    templates = ["What is the capital of {x}?", "Which city is the capital of the Canadian {k} of {x}?",
                 "Name the capital city of {x}, Canada."]
    for province, capital in read("province"):
        name = full(province)
        kind = "territory" if "Territor" in name else "province"
        topic.ask(key(name).replace(" ", "_"), name, templates, expand(capital), x=name, k=kind)
    return topic


def topics() -> list[Topic]:
    return [collectives(), young(), gendered(), *shakespeare(), poems(), *presidents(), sovereigns(), killers(),
            state_flowers(), province_capitals()]
