"""Synthetic article spinner: sense-blind thesaurus substitution with an exact alignment record.

It imitates what article spinners and cheap paraphrasers do to news text:

* a word is replaced by a synonym of *any* of its senses ("security" -> "safety"), re-inflected
  to the original form ("said" -> "mentioned", "nations" <- "countries");
* multi-word keys and expansions ("we have" -> "we now have", "year" -> "12 months");
* function words are only touched through the phrase rewrites ("against" -> "in opposition to")
  and same-class swaps (``closed`` items: "during" -> "throughout"), at ``function_rate``;
* capitalised words inside a sentence (names, organisations) are hit at a much lower rate;
  numbers are left alone.

Which thesaurus sources may be drawn from, and how strongly, is a ``SpinConfig`` setting:
``SOURCE_PRESETS["restorer"]`` is the narrow set a restorer proposes from, ``"broad"`` adds
two-hop, corpus-neighbour, closed-class and pertainym-derived substitutions, for training a
detector on unseen kinds.
Every substitution is recorded with offsets in both texts (``Substitution``), so that
``apply_substitutions(clean, subs) == spun`` and ``revert_substitutions(spun, subs) == clean``.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

from repair.errors import UnspinError
from repair.resources.inflect import TAG_POS
from repair.text import Token, match_case, starts_sentence, words
from repair.resources.thesaurus import Thesaurus

# Closed-class words: spinners change these only through phrase rewrites (source "phrase")
# and same-class swaps (source "closed": "during" -> "throughout"); their WordNet senses are
# junk here ("in" -> "inch", "can" -> "tin").
# Adverbs and quantifiers ("also", "still", "only", "more") are not listed: spinners do swap them.
FUNCTION_WORDS = frozenset("""
a an the and or but nor of to in on at by for from with without into onto upon as than that this
these those there here it its it's he him his she her hers they them their theirs we us our ours
you your yours i me my mine who whom whose which what when where why how whether if so not no
yes be is am are was were been being have has had having do does did done doing will would shall
should can could may might must all any some each every both either neither about against between
among during before after above below up down out off over under
one two three four five six seven eight nine ten mr mrs ms dr st
""".split())
# Numbers are left alone, spelled out or not.
NUMBER_WORDS = frozenset("""
zero eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty
forty fifty sixty seventy eighty ninety hundred hundreds thousand million millions billion
billions trillion trillions dozen dozens half quarter percent pct mln bln dlrs
""".split())
FUNCTION_WORD_SOURCES = frozenset({"phrase", "closed"})
AUXILIARY_BEFORE_PARTICIPLE = frozenset(
    "has have had having been be being is are was were am get gets got getting 's".split())

SOURCE_PRESETS: dict[str, dict[str, float]] = {
    # What a restorer's candidate generator also knows: direct synonyms and phrase rewrites.
    "restorer": {"phrase": 1.0, "wordnet": 1.0, "mythes": 1.0, "similar": 0.8, "related": 0.6},
    # Broader draws for detector training: adds synonyms of synonyms and corpus neighbours.
    # Real spun text has ~30% substitutions outside WordNet/MyThes synonyms, so these are
    # boosted enough to make up roughly a fifth of the draws.
    # Closed-class and pertainym-derived swaps are corpus/graph inferences: broad only.
    "broad": {"phrase": 1.0, "wordnet": 1.0, "mythes": 1.0, "similar": 0.8, "related": 0.6,
              "twohop": 1.5, "distrib": 0.8, "derived": 1.0, "closed": 1.0},
    # Closer to a commercial spinner: the restorer's sources, but one fixed synonym per word (the
    # strongest) and function words swapped as often as others ("also -> as well"): PRESET_SETTINGS.
    "dictionary": {"phrase": 1.0, "wordnet": 1.0, "mythes": 1.0, "similar": 0.8, "related": 0.6},
}
# A capitalised word after these (and any OPENERS) starts a sentence, so it is not a name; a
# dash counts too because datelines end in one ("LONDON — Officials said").
SENTENCE_ENDS = ".!?:\n—–-"
OPENERS = " \"'“‘(["
PRESET_SETTINGS: dict[str, dict[str, float]] = {"restorer": {"top_k": 12}, "broad": {"top_k": 20},
                                                 "dictionary": {"top_k": 1, "function_rate": 1.0}}
HeldOutMode = Literal["allow", "exclude"]


class SpinConfigError(UnspinError, ValueError):
    """A spinner setting out of range (rate outside [0, 1], unknown source preset...)."""


@dataclass(frozen=True)
class SpinConfig:
    """Spinner settings.

    Attributes:
        rate: probability that an eligible word or phrase is substituted (0 = identity).
        sources: multiplier per thesaurus source tag; absent or 0 = never drawn.
        capital_rate: rate multiplier for capitalised words inside a sentence (names).
        function_rate: rate multiplier for function words (FUNCTION_WORDS): they are frequent,
            and spinners change only some of them.
        min_weight: candidates below this weight (after the source multiplier) are ignored.
        top_k: sample among at most this many strongest candidates.
        max_phrase_words: longest multi-word key looked up in the text.
        held_out: "exclude" never produces held-out substitution types (train split).
        held_out_share: share of (lemma, spun word) types that are held out.
        one_map: decide each word or phrase once per seed: every occurrence is replaced the same
            way, or all are left, as commercial spinners do with one substitution map (the
            default draws every occurrence afresh).
    """

    rate: float = 0.3
    sources: Mapping[str, float] = field(default_factory=lambda: dict(SOURCE_PRESETS["restorer"]))
    capital_rate: float = 0.15
    function_rate: float = 0.5
    min_weight: float = 0.1
    top_k: int = 12
    max_phrase_words: int = 3
    held_out: HeldOutMode = "allow"
    held_out_share: float = 0.1
    one_map: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise SpinConfigError(f"rate must be in [0, 1], got {self.rate!r}")
        if self.held_out not in ("allow", "exclude"):
            raise SpinConfigError(f"unknown held_out mode {self.held_out!r}; choose 'allow' or 'exclude'")

    @classmethod
    def preset(cls, name: str, **settings) -> "SpinConfig":
        """Config with the source weights of ``SOURCE_PRESETS[name]``."""
        if name not in SOURCE_PRESETS:
            raise SpinConfigError(f"unknown source preset {name!r}; choose from {sorted(SOURCE_PRESETS)}")
        return cls(sources=dict(SOURCE_PRESETS[name]), **{**PRESET_SETTINGS[name], **settings})


@dataclass(frozen=True)
class Substitution:
    """One replaced stretch: ``clean[clean_start:clean_end] == clean_text`` became ``spun``."""

    clean_start: int
    clean_end: int
    spun_start: int
    spun_end: int
    clean: str
    spun: str
    kind: str
    lemma: str = ""
    held_out: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SpunText:
    """A clean text, its spun version and the substitutions that turn one into the other."""

    clean: str
    spun: str
    substitutions: tuple[Substitution, ...]

    def to_dict(self) -> dict:
        return {"clean": self.clean, "spun": self.spun,
                "substitutions": [s.to_dict() for s in self.substitutions]}


@dataclass(frozen=True)
class Candidate:
    """A replacement the spinner could make for a word or phrase."""

    text: str
    weight: float
    source: str
    lemma: str
    tag: str


def is_held_out(lemma: str, spun: str, share: float) -> bool:
    """Stable pseudo-random choice of held-out substitution types by hash of (lemma, spun word)."""
    digest = hashlib.sha1(f"{lemma.lower()}\t{spun.lower()}".encode("utf-8")).hexdigest()
    return int(digest[:8], 16) / 0x100000000 < share


def apply_substitutions(clean: str, substitutions: Iterable[Substitution]) -> str:
    """Rebuild the spun text from the clean text and the alignment record."""
    pieces, at = [], 0
    for sub in sorted(substitutions, key=lambda s: s.clean_start):
        pieces += [clean[at:sub.clean_start], sub.spun]
        at = sub.clean_end
    return "".join(pieces) + clean[at:]


def revert_substitutions(spun: str, substitutions: Iterable[Substitution]) -> str:
    """Rebuild the clean text from the spun text and the alignment record."""
    pieces, at = [], 0
    for sub in sorted(substitutions, key=lambda s: s.spun_start):
        pieces += [spun[at:sub.spun_start], sub.clean]
        at = sub.spun_end
    return "".join(pieces) + spun[at:]


def build_spun(clean: str, replacements: Iterable[tuple[int, int, str, str, str, bool]]) -> SpunText:
    """Assemble a SpunText from non-overlapping (start, end, new, kind, lemma, held_out) edits."""
    pieces, subs, at, shift = [], [], 0, 0
    for start, end, new, kind, lemma, held in sorted(replacements):
        if start < at:
            raise ValueError(f"overlapping replacement at {start} (previous ended at {at})")
        pieces += [clean[at:start], new]
        spun_start = start + shift
        subs.append(Substitution(start, end, spun_start, spun_start + len(new), clean[start:end], new,
                                 kind, lemma, held))
        shift += len(new) - (end - start)
        at = end
    return SpunText(clean, "".join(pieces) + clean[at:], tuple(subs))


class Spinner:
    """Sense-blind synonym spinner over a ``Thesaurus``.

    Args:
        thesaurus: loaded thesaurus (with its inflector).
        config: rate, allowed sources and the other settings.
    """

    def __init__(self, thesaurus: Thesaurus, config: SpinConfig | None = None) -> None:
        self.thesaurus = thesaurus
        self.config = config or SpinConfig()
        self._cache: dict[tuple[str, bool], tuple[Candidate, ...]] = {}

    def candidates(self, word: str, context: str = "") -> list[Candidate]:
        """Replacements the spinner could make for ``word`` (a word or phrase), strongest first.

        Args:
            word: the surface text, any case ("said", "Security", "we have").
            context: the text just before it; a preceding auxiliary ("has") picks the participle.

        Returns:
            Candidates with their inflected text, already case-matched to ``word``.
        """
        before = words(context[-40:])
        participle = bool(before) and before[-1].text.lower() in AUXILIARY_BEFORE_PARTICIPLE
        return list(self._candidates(word, participle))

    def _candidates(self, word: str, participle: bool) -> tuple[Candidate, ...]:
        key = (word, participle)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        # A function word is only swapped within its class: its content-word senses are junk.
        only = FUNCTION_WORD_SOURCES if word.lower() in FUNCTION_WORDS else None
        found: dict[str, Candidate] = {}
        for lemma, tag, prior in self._readings(word, participle):
            for item in self._allowed(lemma, TAG_POS.get(tag), only):
                if (tag == "") != (item.pos == "x"):
                    continue
                text = item.word if tag == "" else self.thesaurus.inflector.inflect(item.word, tag)
                text = match_case(word, text)
                weight = item.weight * self.config.sources[item.source] * prior
                if word.lower() in text.lower().split():
                    weight *= 0.5  # "cash" -> "hard cash": an expansion, rarer than a swap
                if text.lower() == word.lower() or weight < self.config.min_weight:
                    continue
                if text not in found or found[text].weight < weight:
                    found[text] = Candidate(text, weight, item.source, lemma, tag)
        result = tuple(sorted(found.values(), key=lambda c: (-c.weight, c.text)))
        if len(self._cache) < 200_000:  # bounded: a cache, not a growing store
            self._cache[key] = result
        return result

    def spin(self, text: str, seed: int = 0, rate: float | None = None) -> SpunText:
        """Spin ``text``; the same text, config and seed always give the same result.

        Args:
            text: clean text.
            seed: random seed.
            rate: overrides ``config.rate`` for this call (one spinner, one candidate cache,
                many rates).
        """
        if rate is not None and not 0.0 <= rate <= 1.0:
            raise SpinConfigError(f"rate must be in [0, 1], got {rate!r}")
        rng = random.Random(seed)
        rate = self.config.rate if rate is None else rate
        tokens = words(text)
        replacements = []
        i = 0
        while i < len(tokens):
            choice, used = self._choose(text, tokens, i, self._draws(rng, seed), rate)
            if choice is not None:
                start, end = tokens[i].start, tokens[i + used - 1].end
                held = is_held_out(choice.lemma, choice.text, self.config.held_out_share)
                replacements.append((start, end, choice.text, choice.source, choice.lemma, held))
            i += used
        return build_spun(text, replacements)

    # ------------------------------------------------------------------ internals
    def _draws(self, rng: random.Random, seed: int) -> Callable[[str], random.Random]:
        """The random stream a unit's draw reads: the text's one stream, or with ``one_map`` a
        stream of its own per (seed, lower-cased unit), so that repeats decide alike."""
        if not self.config.one_map:
            return lambda unit: rng
        return lambda unit: random.Random(f"{seed}\t{unit.lower()}")

    def _choose(self, text: str, tokens: list[Token], i: int, draws: Callable[[str], random.Random],
                base_rate: float) -> tuple[Candidate | None, int]:
        """Decide on the unit starting at token i: (chosen candidate or None, tokens consumed)."""
        token = tokens[i]
        rate = base_rate * self._rate_factor(text, token)
        if rate <= 0.0:
            return None, 1
        for n in range(min(self.config.max_phrase_words, len(tokens) - i), 1, -1):
            if not _contiguous(text, tokens[i:i + n]):
                continue
            phrase = text[token.start:tokens[i + n - 1].end]
            if self._known_phrase(phrase):
                options = self._eligible(phrase, self._participle(tokens, i))
                choice = self._draw(options, rate, draws(phrase)) if options else None
                if choice is not None:
                    return choice, n
        if token.text.lower() in FUNCTION_WORDS:
            rate *= self.config.function_rate  # multi-word keys ("will be") keep the full rate
        options = self._eligible(token.text, self._participle(tokens, i))
        return (self._draw(options, rate, draws(token.text)) if options else None), 1

    def _known_phrase(self, phrase: str) -> bool:
        lower = phrase.lower()
        return lower in self.thesaurus.lines or bool(self._phrase_readings(phrase))

    @staticmethod
    def _participle(tokens: list[Token], i: int) -> bool:
        return i > 0 and tokens[i - 1].text.lower() in AUXILIARY_BEFORE_PARTICIPLE

    def _eligible(self, word: str, participle: bool) -> list[Candidate]:
        options = list(self._candidates(word, participle))
        if self.config.held_out == "exclude":
            share = self.config.held_out_share
            options = [c for c in options if not is_held_out(c.lemma, c.text, share)]
        return options[: self.config.top_k]

    def _rate_factor(self, text: str, token: Token) -> float:
        """Numbers are never spun; capitalised words inside a sentence (names) rarely."""
        short = len(token.text) < 3 and token.text.lower() not in FUNCTION_WORDS
        if any(ch.isdigit() for ch in token.text) or not token.text[0].isalpha() or short:
            return 0.0  # numbers; and "s", "t", "J"-sized tokens (split contractions, initials)
        if token.text.lower() in NUMBER_WORDS:
            return 0.0
        if token.text.isupper() and len(token.text) > 1:
            return 0.0  # acronyms and all-caps headlines/datelines
        if token.text[0].isupper() and not starts_sentence(text, token.start, ends=SENTENCE_ENDS, openers=OPENERS):
            return self.config.capital_rate
        return 1.0

    @staticmethod
    def _draw(options: list[Candidate], rate: float, rng: random.Random) -> Candidate | None:
        # Always consume two random numbers per eligible unit, so the draw for one unit does
        # not shift the stream for the rest of the text when the rate changes.
        hit, pick = rng.random(), rng.random()
        if hit >= rate:
            return None
        total = sum(c.weight for c in options)
        at = pick * total
        for option in options:
            at -= option.weight
            if at <= 0:
                return option
        return options[-1]

    def _allowed(self, lemma: str, pos: str | None, only: frozenset[str] | None = None):
        sources = [s for s, w in self.config.sources.items() if w > 0 and (only is None or s in only)]
        return self.thesaurus.synonyms(lemma, pos=pos, sources=sources)

    def _readings(self, word: str, participle: bool) -> list[tuple[str, str, float]]:
        """(lemma, tag, prior) readings: the surface itself (tag "") for phrase rewrites first."""
        readings = [(word.lower(), "", 1.0)]
        if " " in word:
            return readings + self._phrase_readings(word)
        analyses = self.thesaurus.inflector.analyses(word)
        inflected = any(tag not in ("NN", "VB", "JJ", "RB") for _, tag in analyses)
        for lemma, tag in analyses:
            prior = 1.0
            if inflected and lemma == word.lower() and tag in ("NN", "JJ"):
                prior = 0.3  # "said" as an adjective, "rising" as a noun: rarer readings
            if tag == "VBN" and not participle or tag == "VBD" and participle:
                prior = min(prior, 0.3)
            readings.append((lemma, tag, prior))
        return readings

    def _phrase_readings(self, phrase: str) -> list[tuple[str, str, float]]:
        """Verb phrases with an inflected first word ("took care of" -> take care of / VBD)."""
        first, _, rest = phrase.partition(" ")
        return [(f"{lemma} {rest.lower()}", tag, 1.0)
                for lemma, tag in self.thesaurus.inflector.analyses(first)
                if tag.startswith("VB") and tag != "VB" and f"{lemma} {rest.lower()}" in self.thesaurus.lines]


def _contiguous(text: str, tokens: list[Token]) -> bool:
    return all(text[a.end:b.start] == " " for a, b in zip(tokens, tokens[1:]))
