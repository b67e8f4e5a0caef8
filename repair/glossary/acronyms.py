"""Acronyms and the names they stand for: repairs inside a paragraph, then through the document.

**In a paragraph** (``AcronymChecker``, run by ``Glossary.find``): a spinner rewrites a name
word by word, so "Shanghai Cooperation Organization (SCO)" becomes "Shanghai Cooperation Group
(SCO)", whose initials spell SCG; the word that breaks the acronym is replaced by the thesaurus
source of it that starts with the right letter and is most common in organisation names.
Machine translation garbles the acronym instead ("CSO (Collective Security Treaty
Organization"): a one-letter slip next to the full name gets the name's letters.

**In a document** (``propagate_acronyms``, run by the pipeline): the glossary fixes a garbled
acronym only where the evidence sits beside it. Machine translation garbles the same acronym the
same way, or one letter differently, further down ("the troops of the CTO"), with no name beside
it. Once a document has shown which acronym it means, those later forms are read as that
acronym too. Only glossary repairs start this, so a document that was never garbled is never
touched, and only one-letter slips of the repaired acronym follow.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA, Levenshtein

from repair.glossary.terms import (
    CONNECTORS,
    STOPWORDS,
    Term,
    acronym_letters,
    acronyms_after_names,
    joined_by_space,
    name_before,
    term_case,
    trim_connectors,
)
from repair.results import Edit
from repair.text import Token, is_capitalized, overlaps

# --------------------------------------------------------------------------- reading an acronym off a name


def spells(words: Sequence[str], letters: str, inner: bool = False) -> bool:
    """Can ``letters`` be read off ``words`` in order, every capitalised word giving its initial?

    With ``inner`` a word may give further letters from inside itself ("Southeast" -> "se");
    connector words may give their initial or nothing.
    """

    @functools.lru_cache(maxsize=None)
    def fits(k: int, i: int) -> bool:
        if k == len(words):
            return i == len(letters)
        word = words[k].lower()
        if not is_capitalized(words[k]) and fits(k + 1, i):
            return True
        if k > 0 and words[k - 1] in ("and", "&") and fits(k + 1, i):
            return True  # "Elected and Appointed Officials (NALEO)": coordinated words may share
        if i >= len(letters) or word[:1] != letters[i]:
            return False
        j, pos = i + 1, 1
        if fits(k + 1, j):
            return True
        while inner and j < len(letters):
            pos = word.find(letters[j], pos)
            if pos < 0:
                return False
            pos += 1
            j += 1
            if fits(k + 1, j):
                return True
        return False

    return fits(0, 0)


def explains(words: Sequence[str], acronym: str) -> bool:
    """True when a run of consecutive ``words`` spells ``acronym`` as real acronyms do.

    Hyphenated words give one letter per part ("Asia-Pacific" -> "ap"). Any run may spell it
    by initials ("CDC" for Centers for Disease Control and Prevention). Letters from inside a
    word ("ASEAN": Southeast -> "se") are allowed only for a run reaching the last word and only
    when the acronym has more letters than the run has capitalised words: otherwise
    "Shanghai Cooperation Group (SCO)" would pass as S + Co.
    """
    letters = acronym_letters(acronym)
    parts = [p for w in words for p in w.split("-") if p]
    for a in range(len(parts)):
        if not is_capitalized(parts[a]):
            continue
        for b in range(a + 1, len(parts) + 1):
            run = parts[a:b]
            inner = b == len(parts) and len(letters) > sum(is_capitalized(w) for w in run)
            if spells(run, letters, inner):
                return True
    return False


# --------------------------------------------------------------------------- repairs in a paragraph


@dataclass(frozen=True)
class AcronymChecker:
    """Repairs where a name and the acronym beside it disagree.

    Attributes:
        sources: spun word -> the canonical words it may stand for (inverse variant table).
        name_word_freq: how often a word occurs in organisation terms (weighted by frequency).
        term_acronyms: a term's lower-cased words -> its corpus acronym ("" for none).
        upgrade_ratio: see ``GlossaryConfig.upgrade_ratio``.
    """

    sources: Mapping[str, list[str]]
    name_word_freq: Counter
    term_acronyms: Mapping[tuple[str, ...], str]
    upgrade_ratio: float

    @classmethod
    def build(
        cls,
        terms: Sequence[Term],
        term_words: Sequence[tuple[str, ...]],
        variants: Mapping[str, list[str]],
        upgrade_ratio: float,
    ) -> "AcronymChecker":
        """From the glossary's terms (with their lower-cased words) and a variant table."""
        sources: dict[str, list[str]] = {}
        for word, forms in variants.items():
            for form in forms:
                if " " not in form:
                    sources.setdefault(form, []).append(word)
        freq: Counter = Counter()
        for term, words in zip(terms, term_words):
            if term.kind == "org":
                for word in words:
                    freq[word] += term.freq
        # A later term with the same words wins, as in the glossary's exact-term index.
        acronyms = {words: term.acronym for term, words in zip(terms, term_words)}
        return cls(sources, freq, acronyms, upgrade_ratio)

    def names_fixed_by_acronym(self, text: str, tokens: Sequence[Token], edits: Sequence[Edit]) -> list[Edit]:
        """Fix names whose initials disagree with the acronym that follows them."""
        out = []
        for last, acronym in acronyms_after_names(text, tokens):
            out += self._repair_name(text, tokens, last, acronym, edits)
        return out

    def _repair_name(
        self, text: str, tokens: Sequence[Token], last: int, acronym: str, edits: Sequence[Edit]
    ) -> list[Edit]:
        letters = acronym_letters(acronym)
        run = name_before(text, tokens, last, len(letters) + 4)
        caps = [j for j in run if is_capitalized(tokens[j].text)]
        if len(letters) < 3 or len(caps) < len(letters):
            return []
        if explains([tokens[j].text for j in run], acronym):
            return []
        caps = caps[-len(letters) :]
        if any(overlaps(e.start, e.end, tokens[caps[0]].start, tokens[last].end) for e in edits):
            return []  # the glossary already rewrote part of this name
        wrong = [(j, c) for j, c in zip(caps, letters) if tokens[j].text[0].lower() != c]
        if not wrong or len(wrong) > len(letters) // 2:
            return []
        out = []
        for j, letter in wrong:
            word = self._source_with_initial(tokens[j].text.lower(), letter)
            if word is None:
                return []
            new = term_case(tokens[j].text, word)
            confidence = 0.8 if len(wrong) == 1 else 0.7
            out.append(Edit(tokens[j].start, tokens[j].end, tokens[j].text, new, "glossary", confidence,
                            reason=f"its initial must spell the acronym {acronym!r}"))
        fixed = {j for j, _ in wrong}
        for j in caps:
            word = None if j in fixed else self._common_source(tokens[j].text.lower())
            if word is not None:
                new = term_case(tokens[j].text, word)
                out.append(Edit(tokens[j].start, tokens[j].end, tokens[j].text, new, "glossary", 0.6,
                                reason=f"usual word of a name abbreviated {acronym!r}"))
        return out

    def _common_source(self, spun: str) -> str | None:
        """In a name shown to be spun, a word that stands for a far more common name word.

        "Collective Safety Treaty Group (CSTO)": once "Group" is known to be spun, "Safety" is
        read as "Security" (same initial, a thesaurus source, 20x as common in organisation
        names). Words never seen in organisation names give no evidence and stay.
        """
        own = self.name_word_freq[spun]
        if own == 0:
            return None
        candidates = [w for w in self.sources.get(spun, ()) if w[:1] == spun[:1] and " " not in w]
        best = max(candidates, key=lambda w: (self.name_word_freq[w], w), default=None)
        if best is None or self.name_word_freq[best] < self.upgrade_ratio * own:
            return None
        return best

    def _source_with_initial(self, spun: str, letter: str) -> str | None:
        """The canonical word a spinner may have replaced by ``spun``, starting with ``letter``."""
        candidates = [w for w in self.sources.get(spun, ()) if w.startswith(letter) and " " not in w]
        candidates = [w for w in candidates if self.name_word_freq[w] > 0]
        if not candidates:
            return None
        return max(candidates, key=lambda w: (self.name_word_freq[w], w))

    def acronyms_fixed_by_name(self, text: str, tokens: Sequence[Token], edits: Sequence[Edit]) -> list[Edit]:
        """"CSO (Collective Security Treaty Organization" -> "CSTO": a one-edit acronym beside its name.

        Real acronyms often skip words or take inner letters ("CDC" for Centers for Disease
        Control and Prevention, "ASEAN"), so any reading of the acronym off the name leaves it
        alone. A dropped or swapped letter is enough otherwise; a changed letter only when the
        name is a known term with that acronym (foreign acronyms such as "CSU" for the Czech
        Statistical Office differ from the English initials by one letter).
        """
        out = []
        for i, token in enumerate(tokens):
            word = token.text
            if not (2 <= len(word) <= 6 and word.isalpha() and word.isupper()):
                continue
            name = self._adjacent_name(text, tokens, i, edits)
            if name is None or explains(name, word):
                continue
            known = self.acronym_of_name(name)
            right = known or "".join(w[0] for w in name if is_capitalized(w)).upper()
            if len(right) < 3 or right == word:
                continue
            if _is_drop(word, right) or _is_swap(word, right) or (
                known and Levenshtein.distance(word, right) == 1 and len(word) == len(right)
            ):
                out.append(Edit(token.start, token.end, word, right, "glossary", 0.8 if known else 0.7,
                                reason=f"the acronym of {' '.join(name)!r}"))
        return out

    def acronym_of_name(self, name: Sequence[str]) -> str:
        """The corpus acronym of a known term spelled by ``name`` (or its longest suffix)."""
        words = tuple(w.lower() for w in name)
        for a in range(len(words) - 1):
            acronym = self.term_acronyms.get(words[a:])
            if acronym:
                return acronym
        return ""

    def _adjacent_name(self, text: str, tokens: Sequence[Token], i: int, edits: Sequence[Edit]) -> list[str] | None:
        """The Title-Case name right after "ACR (" or right before "(ACR", repaired where edited."""
        token = tokens[i]
        if text[token.end : token.end + 2] == " (" and i + 1 < len(tokens):
            j = i + 1
            run = [j]
            while j + 1 < len(tokens) and joined_by_space(text, tokens[j], tokens[j + 1]) and (
                is_capitalized(tokens[j + 1].text) or tokens[j + 1].text in CONNECTORS
            ):
                j += 1
                run.append(j)
            names = [apply_to_token(tokens[k], edits) for k in trim_connectors(run, tokens)]
        elif i > 0 and text[tokens[i - 1].end : token.start] == " (":
            names = [apply_to_token(tokens[k], edits) for k in name_before(text, tokens, i - 1, 10)]
        else:
            return None
        while names and names[0].lower() in STOPWORDS:
            names = names[1:]
        return names if len(names) >= 3 else None


def _is_drop(word: str, right: str) -> bool:
    """``word`` is ``right`` with one letter (not the first) left out."""
    return len(word) + 1 == len(right) and word[0] == right[0] and any(
        right[:k] + right[k + 1 :] == word for k in range(1, len(right))
    )


def _is_swap(word: str, right: str) -> bool:
    """``word`` is ``right`` with two neighbouring letters swapped."""
    if len(word) != len(right):
        return False
    diff = [k for k in range(len(word)) if word[k] != right[k]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and word[diff[0]] == right[diff[1]] and word[diff[1]] == right[diff[0]]


def apply_to_token(token: Token, edits: Sequence[Edit]) -> str:
    """The token's text after any edit that covers exactly its first character."""
    for edit in edits:
        if edit.start == token.start:
            return edit.new.split()[0] if edit.new.split() else token.text
    return token.text

# --------------------------------------------------------------------------- repairs through a document


ACRONYM_TOKEN_RE = re.compile(r"\b[A-Z]{2,8}\b")
# A repeat of a repair is as sure as the repair; a one-letter slip elsewhere a little less.
SLIP_CONFIDENCE_FACTOR = 0.9


def acronym_repairs(edits: Iterable[Edit]) -> dict[str, tuple[str, float]]:
    """Garbled acronym -> (repaired acronym, confidence), from the glossary's edits."""
    repairs: dict[str, tuple[str, float]] = {}
    for edit in edits:
        if edit.source == "glossary" and ACRONYM_TOKEN_RE.fullmatch(edit.old) and ACRONYM_TOKEN_RE.fullmatch(edit.new):
            if edit.old not in repairs or repairs[edit.old][1] < edit.confidence:
                repairs[edit.old] = (edit.new, edit.confidence)
    return repairs


def slip_of(word: str, acronym: str) -> bool:
    """One letter dropped, added, changed or two swapped; both at least three letters long."""
    return len(word) >= 3 and len(acronym) >= 3 and word != acronym and OSA.distance(word, acronym) == 1


def repeat_repairs(paragraph: str, edits: Sequence[Edit], repairs: dict[str, tuple[str, float]]) -> list[Edit]:
    """New edits for acronyms in ``paragraph`` that repeat a repair or slip from its result."""
    repaired = {new: confidence for new, confidence in repairs.values()}
    out: list[Edit] = []
    for match in ACRONYM_TOKEN_RE.finditer(paragraph):
        word, start, end = match.group(), match.start(), match.end()
        if word in repaired or any(overlaps(start, end, e.start, e.end) for e in edits):
            continue
        if word in repairs:
            new, confidence = repairs[word]
        else:
            slips = sorted((c, new) for new, c in repaired.items() if slip_of(word, new))
            if len(slips) != 1:  # none, or ambiguous between two repaired acronyms
                continue
            confidence, new = slips[0][0] * SLIP_CONFIDENCE_FACTOR, slips[0][1]
        out.append(Edit(start, end, word, new, "glossary", round(confidence, 3), reason=f"repeats the repair {word} -> {new} in this document"))
    return out


def propagate_acronyms(paragraphs: Sequence[str], edits: Sequence[Sequence[Edit]]) -> list[list[Edit]]:
    """Per paragraph, its edits plus the document's acronym repairs carried to it."""
    repairs = acronym_repairs(e for paragraph_edits in edits for e in paragraph_edits)
    if not repairs:
        return [list(e) for e in edits]
    out = []
    for paragraph, paragraph_edits in zip(paragraphs, edits):
        added = repeat_repairs(paragraph, paragraph_edits, repairs)
        out.append(sorted([*paragraph_edits, *added], key=lambda e: e.start))
    return out
