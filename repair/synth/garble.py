"""Machine-translation garble: the second noise family, aligned exactly like the spinner's.

What it covers (and nothing more; each kind is the ``Substitution.kind``):

* ``name``     -- literal re-translation of one word of a capitalised multi-word name with a
                  thesaurus synonym ("Security Council" -> "Safety Council"); the word's
                  candidates come from the restorer-preset thesaurus, case kept.
* ``title``    -- false-friend official titles from ``FALSE_FRIEND_TITLES``, a short generic
                  list of how titles go wrong between languages ("Foreign Minister" ->
                  "Chancellor", "Prime Minister" -> "Premier").
* ``acronym``  -- an all-caps acronym of 3-6 letters loses or swaps a letter ("NATO" -> "NTO").
* ``translit`` -- a transliteration variant of a capitalised name by common romanisation
                  alternations (y/i, j/zh, kh/h, sh/sch, ks/x, v/w, double letters).
* ``article``  -- article errors: "the" dropped, or "a"/"an" and "the" swapped.
* ``order``    -- literal word order: an adjective-noun pair becomes noun-adjective
                  ("foreign minister" -> "minister foreign").

Not covered: wrong prepositions, tense/aspect errors, calques of idioms, untranslated words,
gender/number agreement errors, sentence-level reordering. Rates are per eligible unit and
kinds are mixed by ``GarbleConfig.kinds`` weights.
"""
from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from repair.errors import UnspinError
from repair.synth.spin import SpinConfig, Spinner, SpunText, build_spun
from repair.text import Token, match_case, starts_sentence, words
from repair.resources.thesaurus import Thesaurus

# Generic official titles and the false friends / over-literal renderings MT systems produce.
FALSE_FRIEND_TITLES: dict[str, list[str]] = {
    "Foreign Minister": ["Chancellor", "Minister of Exterior", "External Affairs Minister"],
    "Prime Minister": ["Premier", "First Minister", "President of the Government"],
    "Finance Minister": ["Minister of Finances", "Treasurer"],
    "Defense Minister": ["Minister of War", "Minister of Protection"],
    "Defence Minister": ["Minister of War", "Minister of Protection"],
    "Interior Minister": ["Minister of Internal Affairs", "Home Minister"],
    "Secretary of State": ["State Secretary"],
    "Secretary-General": ["General Secretary"],
    "Vice President": ["Vice Chairman"],
    "President": ["Chairman"],
    "Chancellor": ["Federal Chancellor", "Prime Minister"],
    "Parliament": ["Congress", "Diet"],
    "spokesperson": ["speaker", "press speaker"],
    "spokesman": ["speaker", "press speaker"],
    "ambassador": ["envoy", "messenger"],
    "Senate": ["Senators"],
    "Mayor": ["Burgomaster"],
}
# Romanisation alternations applied to names (pattern, replacement).
TRANSLITERATIONS: list[tuple[str, str]] = [
    ("y", "i"), ("i", "y"), ("j", "zh"), ("zh", "j"), ("kh", "h"), ("sh", "sch"), ("ks", "x"),
    ("x", "ks"), ("v", "w"), ("w", "v"), ("ei", "ey"), ("ou", "u"), ("ch", "tch"), ("ts", "tz"),
]
ARTICLES = {"the": ["", "a"], "a": ["the"], "an": ["the"]}
DEFAULT_KINDS = {"name": 3.0, "title": 2.0, "acronym": 1.5, "translit": 1.0, "article": 1.5, "order": 1.0}


class GarbleConfigError(UnspinError, ValueError):
    """A garble setting out of range or an unknown kind."""


@dataclass(frozen=True)
class GarbleConfig:
    """Garbler settings: ``rate`` per eligible unit, ``kinds`` relative weights (0 = off)."""

    rate: float = 0.3
    kinds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_KINDS))

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise GarbleConfigError(f"rate must be in [0, 1], got {self.rate!r}")
        unknown = set(self.kinds) - set(DEFAULT_KINDS)
        if unknown:
            raise GarbleConfigError(f"unknown garble kinds {sorted(unknown)}; choose from {sorted(DEFAULT_KINDS)}")


class Garbler:
    """Machine-translation style noise with exact alignment (``SpunText``)."""

    def __init__(self, thesaurus: Thesaurus, config: GarbleConfig | None = None) -> None:
        self.thesaurus = thesaurus
        self.config = config or GarbleConfig()
        self.spinner = Spinner(thesaurus, SpinConfig(rate=1.0))
        self._titles = sorted(FALSE_FRIEND_TITLES, key=len, reverse=True)

    def garble(self, text: str, seed: int = 0) -> SpunText:
        """Garble ``text``; the same text, config and seed always give the same result."""
        rng = random.Random(seed)
        tokens = words(text)
        edits: list[tuple[int, int, str, str, str, bool]] = []
        at = 0  # first character still free (edits never overlap)
        i = 0
        while i < len(tokens):
            options = [(kind, edit) for kind, edit in self._options(text, tokens, i) if edit[0] >= at]
            hit, pick = rng.random(), rng.random()
            if options and hit < self.config.rate:
                kind, (start, end, new) = _weighted(options, self.config.kinds, pick)
                edits.append((start, end, new, kind, text[start:end], False))
                at = end
                while i < len(tokens) and tokens[i].start < end:
                    i += 1
                continue
            i += 1
        return build_spun(text, edits)

    def _options(self, text: str, tokens: list[Token], i: int):
        """All garbles possible at token i, as (kind, (start, end, new text))."""
        kinds = {k for k, w in self.config.kinds.items() if w > 0}
        token = tokens[i]
        out = []
        if "title" in kinds:
            out += [("title", edit) for edit in self._title(text, token)]
        if "name" in kinds:
            out += [("name", edit) for edit in self._name(text, tokens, i)]
        if "acronym" in kinds and re.fullmatch(r"[A-Z]{3,6}", token.text):
            out += [("acronym", (token.start, token.end, new)) for new in _acronym_variants(token.text)]
        if "translit" in kinds and _is_name(text, token) and not self.thesaurus.inflector.analyses(token.text):
            out += [("translit", (token.start, token.end, new)) for new in _transliterations(token.text)]
        if "article" in kinds and token.text.lower() in ARTICLES and i + 1 < len(tokens):
            out += [("article", edit) for edit in _article_edits(text, token, tokens[i + 1])]
        if "order" in kinds and i + 1 < len(tokens):
            out += [("order", edit) for edit in self._order(text, token, tokens[i + 1])]
        return out

    def _title(self, text: str, token: Token):
        for title in self._titles:
            if text.startswith(title, token.start) and not text[token.start + len(title):][:1].isalnum():
                return [(token.start, token.start + len(title), new) for new in FALSE_FRIEND_TITLES[title]]
        return []

    def _name(self, text: str, tokens: list[Token], i: int):
        """Literal synonym for one common word inside a capitalised multi-word name."""
        token = tokens[i]
        if not token.text[:1].isupper() or token.text.isupper():
            return []
        neighbours = [t for t in (tokens[i - 1] if i else None, tokens[i + 1] if i + 1 < len(tokens) else None)
                      if t is not None and t.text[:1].isupper() and abs(t.start - token.start) < 40]
        if not neighbours or token.text.lower() not in self.thesaurus:
            return []
        candidates = [c for c in self.spinner.candidates(token.text) if " " not in c.text][:6]
        return [(token.start, token.end, c.text) for c in candidates]

    def _order(self, text: str, first: Token, second: Token):
        if text[first.end:second.start] != " " or not first.text.islower() or not second.text.islower():
            return []
        tags_first = {tag for _, tag in self.thesaurus.inflector.analyses(first.text)}
        tags_second = {tag for _, tag in self.thesaurus.inflector.analyses(second.text)}
        if "JJ" in tags_first and tags_first <= {"JJ", "RB"} and tags_second & {"NN", "NNS"} and "JJ" not in tags_second:
            return [(first.start, second.end, f"{second.text} {first.text}")]
        return []


def _weighted(options, weights: Mapping[str, float], pick: float):
    total = sum(weights[kind] for kind, _ in options)
    at = pick * total
    for kind, edit in options:
        at -= weights[kind]
        if at <= 0:
            return kind, edit
    return options[-1]


def _is_name(text: str, token: Token) -> bool:
    """A capitalised word of four or more letters, not in capitals, not starting a sentence."""
    return (token.text[:1].isupper() and not token.text.isupper() and len(token.text) > 3
            and not starts_sentence(text, token.start))


def _acronym_variants(acronym: str) -> list[str]:
    dropped = [acronym[:k] + acronym[k + 1:] for k in range(1, len(acronym))]
    swapped = [acronym[:k] + acronym[k + 1] + acronym[k] + acronym[k + 2:] for k in range(1, len(acronym) - 1)]
    return list(dict.fromkeys(v for v in dropped + swapped if v != acronym))


def _transliterations(name: str) -> list[str]:
    out = []
    lower = name.lower()
    for old, new in TRANSLITERATIONS:
        at = lower.find(old, 1)
        if at > 0:
            out.append(name[:at] + new + name[at + len(old):])
    doubled = re.search(r"([a-z])\1", name)
    if doubled:
        out.append(name[:doubled.start()] + name[doubled.start() + 1:])
    return list(dict.fromkeys(v for v in out if v != name))


def _article_edits(text: str, article: Token, following: Token):
    """Drop "the" (with its space) or swap a/an/the; case kept."""
    out = []
    for new in ARTICLES[article.text.lower()]:
        if new == "":
            if text[article.end:following.start] == " ":
                out.append((article.start, following.start, ""))
        else:
            out.append((article.start, article.end, match_case(article.text, new)))
    return out
