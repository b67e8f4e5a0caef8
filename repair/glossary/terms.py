"""What mining and matching share: the term record, its word lists, and how names are read.

Both halves tokenize with ``repair.text.glossary_tokens`` ("U.S." is one token) and read a
name as a run of capitalised words joined by single spaces, with connector words inside.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from repair.text import Token, glossary_tokens, is_capitalized, match_case

GLOSSARY_FILE = "glossary.json.gz"
FORMAT_VERSION = 1

ACRONYM_RE = re.compile(r"\(([A-Z][A-Za-z&]{1,7})\)")
# Lower-case words allowed inside a Title-Case term ("Secretary of State", "Trade and Industry").
CONNECTORS = frozenset({"of", "for", "and", "the", "on", "de", "del", "da", "du", "von", "van", "al", "&"})
# Function words: never the first or last word of a term, never evidence for a match.
STOPWORDS = frozenset(
    """a an the and or but nor of for on in at to by from with as into onto upon about over under
    after before than then that this these those there here his her its their our your my we you
    he she it they i me him them us is are was were be been being has have had do does did will
    would shall should can could may might must not no yes so if when while where who whom whose
    which what why how all any each every some such both either neither one two three also only
    just very more most less least other another same said says mr mrs ms dr st""".split()
)
POSSESSIVE_RE = re.compile(r"['’]s$")

# A canonical term word written in the case of the spun word it replaces. Canonical words are
# Title Case, so a lower-case spun word lower-cases them, and "U.S." is not read as shouting.
term_case = functools.partial(match_case, lowercase=True, dotted_caps=False)


@dataclass(frozen=True)
class Term:
    """A canonical term.

    Args:
        text: canonical spelling ("Foreign Minister").
        freq: Title-Case occurrences in the corpus.
        acronym: its acronym where the corpus defines one ("FEMA"), else "".
        kind: "org" (has an acronym or ends in an organisation head word such as "Agency"),
            or "name" (everything else: titles, places, people, fixed phrases).
    """

    text: str
    freq: int
    acronym: str = ""
    kind: str = "name"

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(t.text for t in glossary_tokens(self.text))


def strip_possessive(word: str) -> str:
    """"Kong's" -> "Kong": a possessive belongs to the sentence, not to the term."""
    return POSSESSIVE_RE.sub("", word)


def joined_by_space(text: str, left: Token, right: Token) -> bool:
    """True when only ordinary spaces separate two tokens (no punctuation, no line break)."""
    gap = text[left.end : right.start]
    return 0 < len(gap) <= 2 and gap.strip(" ") == ""


def cap_runs(text: str, tokens: Sequence[Token]) -> list[list[int]]:
    """Maximal runs of token indices forming Title-Case sequences joined by spaces.

    Connector words ("of", "and") may sit inside a run but do not start or end one.
    """
    runs: list[list[int]] = []
    run: list[int] = []
    for i, token in enumerate(tokens):
        linked = bool(run) and joined_by_space(text, tokens[run[-1]], token)
        if is_capitalized(token.text) or (linked and token.text in CONNECTORS):
            if run and not linked:
                runs.append(run)
                run = []
            if run or is_capitalized(token.text):
                run.append(i)
            continue
        if run:
            runs.append(run)
        run = []
    if run:
        runs.append(run)
    return [trim_connectors(r, tokens) for r in runs if len(r) > 1]


def trim_connectors(run: list[int], tokens: Sequence[Token]) -> list[int]:
    """``run`` without the connector words at its end."""
    while run and not is_capitalized(tokens[run[-1]].text):
        run = run[:-1]
    return run


def name_before(text: str, tokens: Sequence[Token], last: int, limit: int) -> list[int]:
    """Indices of the Title-Case run (with connectors) ending at token ``last``, nearest last."""
    run = [last] if is_capitalized(tokens[last].text) else []
    i = last
    while run and i > 0 and len(run) < limit and joined_by_space(text, tokens[i - 1], tokens[i]):
        word = tokens[i - 1].text
        if not (is_capitalized(word) or word in CONNECTORS):
            break
        run.append(i - 1)
        i -= 1
    return run[::-1]


def acronyms_after_names(text: str, tokens: Sequence[Token]) -> Iterator[tuple[int, str]]:
    """(index of the word before it, acronym) for each "(ACR)" one space after a word."""
    ends = {t.end: i for i, t in enumerate(tokens)}
    for match in ACRONYM_RE.finditer(text):
        last = ends.get(match.start() - 1)
        if last is not None and text[match.start() - 1] == " ":
            yield last, match.group(1)


def acronym_letters(acronym: str) -> str:
    """The letters of an acronym, lower case ("R&D" -> "rd")."""
    return "".join(c for c in acronym.lower() if c.isalpha())
