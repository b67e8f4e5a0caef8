"""English inflection for the spinner and restorers: word -> (lemma, tag) and (lemma, tag) -> word.

The irregular forms come from WordNet's ``*.exc`` exception lists (derived at build time into
``models/thesaurus/morphology.tsv.gz`` so that no system package is needed at run time); the
regular forms come from the usual suffix rules, and a regular analysis is only accepted when its
lemma is a known WordNet lemma of that part of speech ("rising" -> "rise", never "ris").

Tags are Penn-style: NN NNS | VB VBZ VBD VBN VBG | JJ JJR JJS | RB RBR RBS.
"""
from __future__ import annotations

import functools
import gzip
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from repair.errors import ModelNotFoundError, UnspinError
from repair.text import copy_initial_case

MORPHOLOGY_FILE = "morphology.tsv.gz"
TAG_POS = {
    "NN": "n", "NNS": "n",
    "VB": "v", "VBZ": "v", "VBD": "v", "VBN": "v", "VBG": "v",
    "JJ": "a", "JJR": "a", "JJS": "a",
    "RB": "r", "RBR": "r", "RBS": "r",
}
BASE_TAG = {"n": "NN", "v": "VB", "a": "JJ", "r": "RB"}
VOWELS = "aeiou"
SIBILANT_RE = re.compile(r"(s|x|z|ch|sh)$")
# Auxiliaries are too irregular (and too common) for the exception lists; spelled out here.
AUXILIARIES: dict[str, dict[str, str]] = {
    "be": {"VBZ": "is", "VBD": "was", "VBN": "been", "VBG": "being"},
    "have": {"VBZ": "has", "VBD": "had", "VBN": "had", "VBG": "having"},
    "do": {"VBZ": "does", "VBD": "did", "VBN": "done", "VBG": "doing"},
    "go": {"VBZ": "goes", "VBD": "went", "VBN": "gone", "VBG": "going"},
}


# Verbs whose past tense and participle equal the base form; WordNet's verb.exc lists only
# forms that differ from the base, so without this "read" would become "readed".
INVARIANT_PAST = frozenset("""
bet bid broadcast burst cast cost cut fit forecast hit hurt let put quit read rid set shed shut
slit split spread thrust upset wet
""".split())


class UnknownTagError(UnspinError, ValueError):
    """A part-of-speech tag outside TAG_POS."""


@dataclass(frozen=True)
class Inflector:
    """Lemma lists per part of speech plus irregular forms, both ways.

    Attributes:
        lemmas: pos ("n", "v", "a", "r") -> set of known single-word lemmas (lower case).
        irregular: (lemma, tag) -> irregular surface form.
        analyses_of: irregular surface form -> tuple of (lemma, tag).
    """

    lemmas: Mapping[str, frozenset[str]]
    irregular: Mapping[tuple[str, str], str]
    analyses_of: Mapping[str, tuple[tuple[str, str], ...]]

    @classmethod
    def load(cls, root: Path | None = None) -> "Inflector":
        """Read ``morphology.tsv.gz`` from ``root`` (default models/thesaurus/)."""
        folder = Path(root) if root is not None else _default_folder()
        path = folder / MORPHOLOGY_FILE
        if not path.is_file():
            raise ModelNotFoundError(f"morphology file not found: {path} (run scripts/build_thesaurus.py)")
        return cls.from_lines(gzip.open(path, "rt", encoding="utf-8").read().splitlines())

    @classmethod
    def from_lines(cls, lines: list[str]) -> "Inflector":
        """Parse ``L<TAB>pos<TAB>word word ...`` and ``I<TAB>lemma<TAB>tag<TAB>form`` lines."""
        lemmas: dict[str, frozenset[str]] = {}
        irregular: dict[tuple[str, str], str] = {}
        reverse: dict[str, list[tuple[str, str]]] = {}
        for line in lines:
            parts = line.split("\t")
            if parts[0] == "L":
                lemmas[parts[1]] = frozenset(parts[2].split(" "))
            elif parts[0] == "I":
                _, lemma, tag, form = parts
                irregular[(lemma, tag)] = form
                reverse.setdefault(form, []).append((lemma, tag))
        for lemma in INVARIANT_PAST:
            for tag in ("VBD", "VBN"):
                irregular.setdefault((lemma, tag), lemma)
                reverse.setdefault(lemma, []).append((lemma, tag))
        for lemma, forms in AUXILIARIES.items():
            for tag, form in forms.items():
                irregular[(lemma, tag)] = form
                reverse.setdefault(form, []).append((lemma, tag))
        return cls(lemmas, irregular, {k: tuple(dict.fromkeys(v)) for k, v in reverse.items()})

    def is_lemma(self, word: str, pos: str) -> bool:
        return word in self.lemmas.get(pos, frozenset()) or (pos == "v" and word in AUXILIARIES)

    def analyses(self, word: str) -> list[tuple[str, str]]:
        """All (lemma, tag) readings of a lower- or mixed-case word, base readings first.

        Args:
            word: a single word ("said", "Nations", "bigger").

        Returns:
            Readings such as ``[("say", "VBD"), ("say", "VBN")]``; empty for unknown words.
        """
        lower = word.lower()
        found: list[tuple[str, str]] = []
        for pos, tag in BASE_TAG.items():
            if self.is_lemma(lower, pos):
                found.append((lower, tag))
        found.extend(self.analyses_of.get(lower, ()))
        for lemma, tag in _regular_readings(lower):
            if self.is_lemma(lemma, TAG_POS[tag]) and (lemma, tag) not in self.irregular:
                found.append((lemma, tag))
        return list(dict.fromkeys(found))

    def inflect(self, lemma: str, tag: str) -> str:
        """Surface form of ``lemma`` with ``tag``; phrases inflect their head word.

        Verb phrases inflect the first word ("take care of" -> "took care of"), noun phrases
        the last ("time period" -> "time periods"); multi-word adjectives take "more"/"most".
        """
        if tag not in TAG_POS:
            raise UnknownTagError(f"unknown tag {tag!r}; choose from {sorted(TAG_POS)}")
        if tag in BASE_TAG.values():
            return lemma
        if " " in lemma:
            return self._inflect_phrase(lemma, tag)
        irregular = self.irregular.get((lemma.lower(), tag))
        if irregular is not None:
            return copy_initial_case(lemma, irregular)
        return _regular_form(lemma, tag)

    def _inflect_phrase(self, phrase: str, tag: str) -> str:
        words = phrase.split(" ")
        if tag.startswith("V"):
            return " ".join([self.inflect(words[0], tag)] + words[1:])
        if tag == "NNS":
            return " ".join(words[:-1] + [self.inflect(words[-1], tag)])
        return ("more " if tag in ("JJR", "RBR") else "most ") + phrase


def _default_folder() -> Path:
    from repair.paths import models_dir

    return models_dir() / "thesaurus"


@functools.lru_cache(maxsize=4)
def default_inflector(root: Path | None = None) -> Inflector:
    """The inflector from models/thesaurus/, read once per process (a cache, not a global model)."""
    return Inflector.load(root)


def analyses(word: str) -> list[tuple[str, str]]:
    """Readings of ``word`` with the default inflector (see Inflector.analyses)."""
    return default_inflector().analyses(word)


def inflect(lemma: str, tag: str) -> str:
    """Inflect ``lemma`` with the default inflector (see Inflector.inflect)."""
    return default_inflector().inflect(lemma, tag)


# --------------------------------------------------------------------------- regular rules
def _regular_readings(word: str) -> list[tuple[str, str]]:
    """Candidate (lemma, tag) pairs by suffix stripping; the caller checks the lemma exists."""
    out: list[tuple[str, str]] = []
    if len(word) < 3:
        return out
    if word.endswith("ies"):
        out += [(word[:-3] + "y", "NNS"), (word[:-3] + "y", "VBZ")]
    elif word.endswith("es") and SIBILANT_RE.search(word[:-2]) or word.endswith("oes"):
        out += [(word[:-2], "NNS"), (word[:-2], "VBZ")]
    if word.endswith("s") and not word.endswith("ss"):
        out += [(word[:-1], "NNS"), (word[:-1], "VBZ")]
    if word.endswith("ied"):
        out += [(word[:-3] + "y", "VBD"), (word[:-3] + "y", "VBN")]
    elif word.endswith("ed"):
        for stem in _stems(word[:-2]):
            out += [(stem, "VBD"), (stem, "VBN")]
    if word.endswith("ing") and len(word) > 4:
        stems = _stems(word[:-3]) + ([word[:-4] + "ie"] if word.endswith("ying") else [])
        out += [(stem, "VBG") for stem in stems]
    for suffix, tag in (("est", "S"), ("er", "R")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            base = word[: -len(suffix)]
            stems = [base[:-1] + "y"] if base.endswith("i") else _stems(base)
            out += [(stem, "JJ" + tag) for stem in stems] + [(stem, "RB" + tag) for stem in stems]
    return out


def _stems(base: str) -> list[str]:
    """Possible lemmas once an -ed/-ing/-er suffix is gone: as is, plus e, undoubled."""
    stems = [base, base + "e"]
    if len(base) > 2 and base[-1] == base[-2] and base[-1] not in VOWELS:
        stems.append(base[:-1])
    return stems


def _regular_form(lemma: str, tag: str) -> str:
    if tag in ("NNS", "VBZ"):
        return _plural(lemma, verb=tag == "VBZ")
    if tag in ("VBD", "VBN"):
        return _suffix(lemma, "ed")
    if tag == "VBG":
        if lemma.endswith("ie"):
            return lemma[:-2] + "ying"
        if lemma.endswith("e") and not lemma.endswith(("ee", "ye", "oe")) and len(lemma) > 2:
            return lemma[:-1] + "ing"
        return (lemma + lemma[-1] if _doubles(lemma) else lemma) + "ing"
    if tag in ("JJR", "JJS", "RBR", "RBS"):
        superlative = tag.endswith("S")
        if _syllables(lemma) > 2 or (_syllables(lemma) == 2 and not lemma.endswith("y")) or tag.startswith("RB"):
            return ("most " if superlative else "more ") + lemma
        return _suffix(lemma, "est" if superlative else "er")
    raise UnknownTagError(f"no regular rule for tag {tag!r}")


def _plural(word: str, verb: bool) -> str:
    if len(word) > 1 and word.endswith("y") and word[-2] not in VOWELS:
        return word[:-1] + "ies"
    if SIBILANT_RE.search(word) or (verb and word.endswith("o")):
        return word + "es"
    return word + "s"


def _suffix(word: str, suffix: str) -> str:
    """Add an -ed/-er/-est suffix with e-dropping, y -> i and consonant doubling."""
    if word.endswith("e"):
        return word + suffix[1:]
    if len(word) > 1 and word.endswith("y") and word[-2] not in VOWELS:
        return word[:-1] + "i" + suffix
    if _doubles(word):
        return word + word[-1] + suffix
    return word + suffix


def _doubles(word: str) -> bool:
    """Monosyllable ending consonant-vowel-consonant ("stop" -> "stopped", "big" -> "bigger")."""
    return (len(word) >= 3 and _syllables(word) == 1 and word[-1] not in VOWELS + "wxy"
            and word[-2] in VOWELS and word[-3] not in VOWELS)


def _syllables(word: str) -> int:
    groups = re.findall(r"[aeiouy]+", word.lower())
    count = len(groups)
    if word.endswith("e") and count > 1 and not word.endswith(("le", "ee")):
        count -= 1
    return max(count, 1)
