"""Glossary matching: find spun variants of canonical terms in a paragraph and propose edits back.

A spinner rewrites "Collective Security Treaty Organization" word by word with thesaurus
synonyms ("Collective Safety Treaty Group"); a machine translation garbles titles and
acronyms. Fixed terms (organisations, offices, titles, names) are where such damage is most
visible and easiest to undo, because the canonical form is known from clean text
(``repair.glossary.mine`` finds the terms and their variants).

``Glossary.find`` finds a term whose words appear in a paragraph either intact, as a thesaurus
variant, or as a near-spelling (rapidfuzz), and proposes an edit back to the canonical wording.
Edits are only made when at least one word was substituted and enough of the term's other
words are intact; variants that occur in the clean corpus are blocked at build time. Names and
acronyms that disagree are repaired by ``repair.glossary.acronyms.AcronymChecker``.
"""
from __future__ import annotations

import gzip
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.fuzz import ratio

from repair.errors import ModelNotFoundError
from repair.glossary.acronyms import AcronymChecker
from repair.glossary.terms import (
    FORMAT_VERSION,
    GLOSSARY_FILE,
    STOPWORDS,
    Term,
    joined_by_space,
    strip_possessive,
    term_case,
)
from repair.merge.edits import keep_non_overlapping
from repair.results import Edit
from repair.text import Token, glossary_tokens, is_all_caps, is_capitalized, overlaps


@dataclass(frozen=True)
class GlossaryConfig:
    """Matching settings.

    Args:
        fuzzy_threshold: rapidfuzz ratio (0-100) for a near-spelling of a term word.
        min_fuzzy_len: shortest term word that may be matched fuzzily.
        max_fuzzy: fuzzy words allowed per match.
        min_term_freq: terms rarer than this are not used.
        acronym_repair: repair "Name (ACR)" where the name's initials do not spell ACR.
        acronym_variants: repair a one-letter acronym variant next to its full name.
        min_short_freq: a two-word term, or a match with a fuzzy word, needs this frequency.
        upgrade_ratio: inside a name with an acronym mismatch, a word is also replaced by a
            same-initial thesaurus source this many times as common in organisation names.
    """

    fuzzy_threshold: float = 85.0
    min_fuzzy_len: int = 5
    max_fuzzy: int = 1
    min_term_freq: int = 5
    acronym_repair: bool = True
    acronym_variants: bool = True
    upgrade_ratio: float = 10.0
    min_short_freq: int = 50


@dataclass(frozen=True)
class Piece:
    """How one term word was found: tokens [first, last] of the paragraph, and how."""

    first: int
    last: int
    kind: str  # "exact" | "variant" | "fuzzy"


@dataclass(frozen=True)
class Match:
    """A term read at one place of the paragraph: one ``Piece`` per term word, in order."""

    term: int
    pieces: tuple[Piece, ...]

    @property
    def first(self) -> int:
        return self.pieces[0].first

    @property
    def last(self) -> int:
        return self.pieces[-1].last

    def count(self, kind: str) -> int:
        return sum(p.kind == kind for p in self.pieces)

    def overlaps(self, other: "Match") -> bool:
        """True when the two matches share a token."""
        return overlaps(self.first, self.last + 1, other.first, other.last + 1)


INFLECTION_SUFFIXES = ("s", "es", "'s", "’s")


def inflection_of(token: str, word: str) -> bool:
    """True when ``token`` is ``word`` plus a common suffix, or the reverse ("Ministers")."""
    longer, shorter = (token, word) if len(token) > len(word) else (word, token)
    return longer.startswith(shorter) and longer[len(shorter) :] in INFLECTION_SUFFIXES


class Glossary:
    """Canonical terms with their variants; ``find`` proposes edits back to canonical wording."""

    def __init__(
        self,
        terms: Sequence[Term],
        variants: dict[str, list[str]],
        *,
        blocked: Iterable[str] = (),
        vocab: Iterable[str] = (),
        acronym_variants: dict[str, list[str]] | None = None,
        config: GlossaryConfig = GlossaryConfig(),
    ):
        self.config = config
        self.terms = [t for t in terms if t.freq >= config.min_term_freq or t.acronym]
        self.term_words = [tuple(w.lower() for w in t.words) for t in self.terms]
        self.variants = {w: [tuple(v.split()) for v in forms] for w, forms in variants.items()}
        self.blocked = frozenset(blocked)
        # Real spellings are never fuzzy variants ("Organisation" is not a typo of "Organization").
        self.vocab = frozenset(vocab)
        self.exact = {words: i for i, words in enumerate(self.term_words)}
        self.word_forms = self._word_forms()
        self.first_index = self._first_index()
        self.second_tokens = self._second_tokens()
        self.pair_index = self._pair_index()
        self.terms_by_first_word = self._terms_by_first_word()
        self.third_tokens = self._third_tokens()
        self.acronyms = AcronymChecker.build(
            self.terms, self.term_words, acronym_variants or variants, config.upgrade_ratio
        )

    # ---- construction ------------------------------------------------------------------

    @classmethod
    def from_data(cls, data: dict, config: GlossaryConfig = GlossaryConfig()) -> "Glossary":
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unknown glossary format {data.get('format')!r}; expected {FORMAT_VERSION}")
        terms = [Term(text, freq, acronym, kind) for text, freq, acronym, kind in data["terms"]]
        return cls(
            terms,
            data["variants"],
            blocked=data.get("blocked", ()),
            vocab=data.get("vocab", ()),
            acronym_variants=data.get("acronym_variants") or None,
            config=config,
        )

    @classmethod
    def load(cls, root: Path, config: GlossaryConfig = GlossaryConfig()) -> "Glossary":
        """Read ``root/glossary/glossary.json.gz`` (root is the models/ folder)."""
        return cls.from_file(Path(root) / "glossary" / GLOSSARY_FILE, config)

    @classmethod
    def from_file(cls, path: Path, config: GlossaryConfig = GlossaryConfig()) -> "Glossary":
        """Read a ``glossary.json.gz`` written by ``scripts/build_glossary.py``."""
        if not Path(path).is_file():
            raise ModelNotFoundError(f"glossary not found at {path}; build it with scripts/build_glossary.py")
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return cls.from_data(json.load(handle), config)

    def _first_index(self) -> dict[str, list[int]]:
        """First token of any form of a term's first word -> term indices."""
        index: dict[str, list[int]] = defaultdict(list)
        for i, words in enumerate(self.term_words):
            keys = {words[0]} | {form[0] for form in self.variants.get(words[0], ())}
            for key in keys:
                index[key].append(i)
        return dict(index)

    def _word_forms(self) -> dict[str, dict[str, list[tuple[str, ...]]]]:
        """Term word -> first token of a variant -> the variants starting with it."""
        table: dict[str, dict[str, list[tuple[str, ...]]]] = {}
        for word, forms in self.variants.items():
            by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
            for form in forms:
                by_first[form[0]].append(form)
            table[word] = dict(by_first)
        return table

    def _second_tokens(self) -> list[frozenset[str]]:
        """Per term, the tokens that may follow its first token (a cheap pre-filter)."""
        cache: dict[tuple[str, str], frozenset[str]] = {}
        out = []
        for words in self.term_words:
            key = (words[0], words[1])
            if key not in cache:
                nxt = {words[1]} | {f[0] for f in self.variants.get(words[1], ())}
                nxt |= {f[1] for f in self.variants.get(words[0], ()) if len(f) > 1}
                cache[key] = frozenset(nxt)
            out.append(cache[key])
        return out

    def _pair_index(self) -> dict[tuple[str, str], list[int]]:
        """(first token, second token) -> the terms whose reading may start with them, ascending.

        The same terms ``first_index`` and ``second_tokens`` let through, found by one lookup:
        common first words ("in", "united") start hundreds of terms, and scanning them all for
        each token was most of the matcher's time on clean text.
        """
        index: dict[tuple[str, str], list[int]] = defaultdict(list)
        for first, terms in self.first_index.items():
            for term in terms:
                for second in self.second_tokens[term]:
                    index[(first, second)].append(term)
        return {pair: sorted(set(terms)) for pair, terms in index.items()}

    def _terms_by_first_word(self) -> dict[str, list[int]]:
        """A term's own first word -> its terms (those a fuzzy second word may still start)."""
        index: dict[str, list[int]] = defaultdict(list)
        for i, words in enumerate(self.term_words):
            index[words[0]].append(i)
        return dict(index)

    def _third_tokens(self) -> list[frozenset[str] | None]:
        """Per term, the in-vocabulary tokens that may stand third, or None where no such check is safe.

        Safe when the term has three words or more and its first two words only have one-token
        forms: its third word then starts exactly two tokens after the first. An
        out-of-vocabulary token there may still be a fuzzy reading, so it is never ruled out.
        """
        def one_token_forms(word: str) -> bool:
            return all(len(form) == 1 for form in self.variants.get(word, ()))

        out: list[frozenset[str] | None] = []
        for words in self.term_words:
            if len(words) < 3 or not (one_token_forms(words[0]) and one_token_forms(words[1])):
                out.append(None)
            else:
                out.append(frozenset({words[2]} | {form[0] for form in self.variants.get(words[2], ())}))
        return out

    def _terms_at(self, lower: Sequence[str], i: int) -> list[int]:
        """Terms whose reading may start at token ``i`` (a necessary condition; ``_align`` decides)."""
        terms = self.pair_index.get((lower[i], lower[i + 1]), [])
        if lower[i + 1] not in self.vocab:  # the second word may be a fuzzy reading of an exact first word
            terms = sorted(set(terms) | set(self.terms_by_first_word.get(lower[i], ())))
        third = lower[i + 2] if i + 2 < len(lower) else None
        return [t for t in terms if self._may_stand_third(t, third)]

    def _may_stand_third(self, term: int, token: str | None) -> bool:
        allowed = self.third_tokens[term]
        if allowed is None:
            return True
        return token is not None and (token in allowed or token not in self.vocab)

    # ---- public API --------------------------------------------------------------------

    def find(self, paragraph: str) -> list[Edit]:
        """Edits that restore garbled terms in ``paragraph`` (offsets into it), left to right."""
        tokens = glossary_tokens(paragraph)
        if not tokens:
            return []
        chosen = self._term_matches(paragraph, tokens)
        edits = [e for m in chosen if (e := self._edit(paragraph, tokens, m)) is not None]
        if self.config.acronym_repair:
            edits += self.acronyms.names_fixed_by_acronym(paragraph, tokens, edits)
        if self.config.acronym_variants:
            edits += self.acronyms.acronyms_fixed_by_name(paragraph, tokens, edits)
        # repair.merge picks the non-overlapping set, but ranked longest first, not by merge's
        # source and confidence order: all these edits are the glossary's, and a whole-term edit
        # wins over a one-word acronym repair inside it even when that one is more confident.
        longest_first = sorted(edits, key=lambda e: (-(e.end - e.start), e.start))
        return sorted(keep_non_overlapping(longest_first), key=lambda e: e.start)

    def attested_variants(self, paragraph: str) -> list[str]:
        """Lower-cased variant spans the matcher would edit here, ignoring the block list.

        Run over clean text at build time: whatever it returns is real usage and gets blocked.
        """
        tokens = glossary_tokens(paragraph)
        return [self._span_key(tokens, m) for m in self._term_matches(paragraph, tokens, use_blocked=False)]

    # ---- term matching -----------------------------------------------------------------

    def _term_matches(self, text: str, tokens: Sequence[Token], use_blocked: bool = True) -> list[Match]:
        """Acceptable variant matches, longest first, not overlapping each other or intact terms."""
        lower = [strip_possessive(t.text).lower() for t in tokens]
        matches = self._matches(text, tokens, lower)
        protected = [m for m in matches if not self._substituted(m)]
        variants = [m for m in matches if self._substituted(m) and self._acceptable(text, tokens, m, use_blocked)]
        return self._choose(variants, protected)

    @staticmethod
    def _span_key(tokens: Sequence[Token], match: Match) -> str:
        return " ".join(strip_possessive(t.text).lower() for t in tokens[match.first : match.last + 1])

    def _matches(self, text: str, tokens: Sequence[Token], lower: Sequence[str]) -> list[Match]:
        found = []
        readings: dict[tuple[int, str, bool], list[Piece]] = {}
        for i in range(len(tokens) - 1):
            candidates = self._terms_at(lower, i)
            if not candidates or not joined_by_space(text, tokens[i], tokens[i + 1]):
                continue
            for term in candidates:
                if not self._readings(readings, text, tokens, lower, i, self.term_words[term][0], True):
                    continue
                match = self._align(text, tokens, lower, i, term, readings)
                if match is not None:
                    found.append(match)
        return found

    def _readings(self, readings: dict, text: str, tokens: Sequence[Token], lower: Sequence[str], p: int, word: str,
                  first: bool) -> list[Piece]:
        """``_word_options``, looked up once per paragraph: terms that share words share their
        readings (50 terms start with "public", whose forms include "in the public eye")."""
        key = (p, word, first)
        if key not in readings:
            readings[key] = self._word_options(text, tokens, lower, p, word, first)
        return readings[key]

    def _align(self, text: str, tokens: Sequence[Token], lower: Sequence[str], start: int, term: int,
               readings: dict | None = None) -> Match | None:
        """Best way to read the term's words from ``start`` on, or None (``readings``: the
        paragraph's ``_readings`` memo)."""
        readings = {} if readings is None else readings
        words = self.term_words[term]
        best: tuple[float, tuple[Piece, ...]] | None = None
        stack: list[tuple[int, int, tuple[Piece, ...]]] = [(0, start, ())]
        while stack:
            k, p, pieces = stack.pop()
            if k == len(words):
                # exact words first; among equals the reading that covers more tokens
                # ("Biden Governing body": the variant is "governing body", not "governing")
                score = sum({"exact": 2.0, "variant": 1.0, "fuzzy": 0.5}[x.kind] + 0.01 * (x.last - x.first) for x in pieces)
                if best is None or score > best[0]:
                    best = (score, pieces)
                continue
            if p >= len(tokens) or (pieces and not joined_by_space(text, tokens[p - 1], tokens[p])):
                continue
            for piece in self._readings(readings, text, tokens, lower, p, words[k], k == 0):
                if piece.kind == "fuzzy" and sum(x.kind == "fuzzy" for x in pieces) >= self.config.max_fuzzy:
                    continue
                stack.append((k + 1, piece.last + 1, pieces + (piece,)))
        return Match(term, best[1]) if best else None

    def _word_options(
        self, text: str, tokens: Sequence[Token], lower: Sequence[str], p: int, word: str, first: bool
    ) -> list[Piece]:
        options = []
        if lower[p] == word:
            return [Piece(p, p, "exact")]
        for form in self.word_forms.get(word, {}).get(lower[p], ()):
            end = p + len(form)
            if end <= len(tokens) and tuple(lower[p:end]) == form:
                if all(joined_by_space(text, tokens[j - 1], tokens[j]) for j in range(p + 1, end)):
                    options.append(Piece(p, end - 1, "variant"))
        if not options and not first and self._fuzzy(lower[p], word):
            options.append(Piece(p, p, "fuzzy"))
        return options

    def _fuzzy(self, token: str, word: str) -> bool:
        if len(word) < self.config.min_fuzzy_len or word in STOPWORDS or token in STOPWORDS:
            return False
        if token in self.vocab or inflection_of(token, word) or not token[:1] == word[:1]:
            return False
        if token.replace("-", "") == word.replace("-", ""):
            return False  # hyphenation
        if token.startswith(word) and (len(token) - len(word) > 1 or token.endswith("s")):
            return False  # a derived word ("Councilor") or two words run together ("Administrationheld")
        return ratio(token, word) >= self.config.fuzzy_threshold

    def _substituted(self, match: Match) -> bool:
        return any(p.kind != "exact" for p in match.pieces)

    def _acceptable(self, text: str, tokens: Sequence[Token], match: Match, use_blocked: bool = True) -> bool:
        """Enough intact content words, case consistent with the term, variant not attested clean."""
        words = self.terms[match.term].words
        content = [(w, p) for w, p in zip(words, match.pieces) if w.lower() not in STOPWORDS]
        exact = sum(p.kind == "exact" for _, p in content)
        # At least half of the content words intact; one is enough when the term's own acronym
        # follows ("Authority of Management and Fund (OMB)").
        needed = 1 if self._acronym_follows(text, tokens, match) else len(content) - exact
        if exact < 1 or exact < needed:
            return False
        if match.count("fuzzy") and match.count("variant") and len(content) < 4:
            return False
        # Two-word names differing in one word are everywhere ("Family Foundation" / "House
        # Foundation"); only well-established terms are trusted there, and for typos.
        short = len(content) <= 2 or match.count("fuzzy")
        if short and self.terms[match.term].freq < self.config.min_short_freq:
            return False
        for word, piece in content:
            if is_capitalized(word) and not is_capitalized(tokens[piece.first].text):
                return False
        span = self._span_key(tokens, match)
        if use_blocked and span in self.blocked:
            return False
        return tuple(span.split()) not in self.exact

    def _choose(self, matches: list[Match], protected: list[Match]) -> list[Match]:
        """Longest matches first; nothing overlapping an intact term that is at least as long."""
        chosen: list[Match] = []
        for match in sorted(matches, key=lambda m: (-(m.last - m.first), -len(m.pieces), -m.count("exact"), m.first)):
            if any(match.overlaps(kept) for kept in chosen):
                continue
            if any(match.overlaps(g) and g.last - g.first >= match.last - match.first for g in protected):
                continue
            chosen.append(match)
        return chosen

    def _edit(self, text: str, tokens: Sequence[Token], match: Match) -> Edit | None:
        """One edit from the first to the last substituted word, keeping intact words as typed."""
        term = self.terms[match.term]
        changed = [i for i, p in enumerate(match.pieces) if p.kind != "exact"]
        a, b = match.pieces[changed[0]], match.pieces[changed[-1]]
        start, end = tokens[a.first].start, tokens[b.last].end
        shouting = _shouting(tokens[match.first : match.last + 1], match.pieces)
        parts = []
        for word, piece in zip(term.words[changed[0] : changed[-1] + 1], match.pieces[changed[0] : changed[-1] + 1]):
            if parts:
                parts.append(text[tokens[piece.first - 1].end : tokens[piece.first].start])
            if piece.kind == "exact":
                parts.append(text[tokens[piece.first].start : tokens[piece.last].end])
            else:
                last = tokens[piece.last].text
                suffix = last[len(strip_possessive(last)) :]
                template = tokens[piece.first].text
                if is_all_caps(template) and not shouting:
                    template = template.title()  # "US" for "America" is an abbreviation, not shouting
                parts.append(term_case(template, word) + suffix)
        new = "".join(parts)
        old = text[start:end]
        if new == old:
            return None
        return Edit(start, end, old, new, "glossary", self._confidence(text, tokens, match), reason=f"glossary term {' '.join(term.words)!r}")

    def _acronym_follows(self, text: str, tokens: Sequence[Token], match: Match) -> bool:
        acronym = self.terms[match.term].acronym
        end = tokens[match.last].end
        return bool(acronym) and text[end : end + len(acronym) + 3] == f" ({acronym})"

    def _confidence(self, text: str, tokens: Sequence[Token], match: Match) -> float:
        term = self.terms[match.term]
        n = len(match.pieces)
        score = 0.55 + 0.25 * match.count("exact") / n + 0.05 * min(1.0, math.log10(term.freq) / 3)
        score -= 0.1 * match.count("fuzzy")
        if self._acronym_follows(text, tokens, match):
            score += 0.15
        return round(min(0.95, score), 3)


def _shouting(tokens: Sequence[Token], pieces: Sequence[Piece]) -> bool:
    """An ALL-CAPS passage: the intact words of the match are in capitals too."""
    exact = [tokens[p.first - pieces[0].first].text for p in pieces if p.kind == "exact"]
    return bool(exact) and all(is_all_caps(w) for w in exact if len(w) > 1) and any(len(w) > 1 for w in exact)

