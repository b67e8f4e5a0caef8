"""Term glossary: canonical multi-word terms mined from the corpus and their spun variants.

A spinner rewrites "Collective Security Treaty Organization" word by word with thesaurus
synonyms ("Collective Safety Treaty Group"); a machine translation garbles titles and
acronyms. Fixed terms (organisations, offices, titles, names) are where such damage is most
visible and easiest to undo, because the canonical form is known from clean text.

This module has two halves that share the tokenizer:

* **Mining** (pure functions used by ``scripts/build_glossary.py`` and the tests): count
  Title-Case n-grams and "Full Name (ACRONYM)" definitions in clean paragraphs, keep the
  frequent and fixed ones, and attach variants generated from a synonyms function (the
  spinner's thesaurus).
* **Matching** (``Glossary.find``): find a term whose words appear in a paragraph either
  intact, as a thesaurus variant, or as a near-spelling (rapidfuzz), and propose an edit back to
  the canonical wording. Edits are only made when at least one word was substituted and
  enough of the term's other words are intact; variants that occur in the clean corpus are
  blocked at build time. A third path repairs acronym mismatches: "Shanghai Cooperation
  Group (SCO)" spells SCG, so "Group" is replaced by the thesaurus source of "Group" that
  starts with O and is most common in organisation names; and a one-letter acronym variant
  next to a full name ("CSO (Collective Security Treaty Organization") gets its correct letters.
"""
from __future__ import annotations

import functools
import gzip
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio

from repair.errors import ModelNotFoundError
from repair.resources.inflect import TAG_POS
from repair.results import Edit

GLOSSARY_FILE = "glossary.json.gz"
FORMAT_VERSION = 1

# "U.S." and "U.N." are one token; otherwise the same words as repair.text.WORD_RE.
TOKEN_RE = re.compile(r"(?:[A-Z]\.){2,}|[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)
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
# word -> the forms a spinner may write in its place, best first (the thesaurus, or a test table)
Synonyms = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Token:
    """A word with its character offsets in the text it came from."""

    start: int
    end: int
    text: str


def tokenize(text: str) -> list[Token]:
    """Words of ``text`` with offsets (abbreviations such as "U.S." are single tokens)."""
    return [Token(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text)]


POSSESSIVE_RE = re.compile(r"['’]s$")


def strip_possessive(word: str) -> str:
    """"Kong's" -> "Kong": a possessive belongs to the sentence, not to the term."""
    return POSSESSIVE_RE.sub("", word)


def is_cap(word: str) -> bool:
    return word[:1].isupper()


def joined_by_space(text: str, left: Token, right: Token) -> bool:
    """True when only ordinary spaces separate two tokens (no punctuation, no line break)."""
    gap = text[left.end : right.start]
    return 0 < len(gap) <= 2 and gap.strip(" ") == ""


# --------------------------------------------------------------------------------------------
# Mining
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MineConfig:
    """Thresholds for turning corpus counts into terms.

    Args:
        min_freq: a Title-Case n-gram must occur at least this often.
        max_len: longest term, in words.
        max_initial_share: drop n-grams that mostly occur at a sentence start (capitalised
            only because of their position: "Speaking Tuesday").
        min_cohesion: count(n-gram) / count(rarer of its first and last word, capitalised);
            low values mean a chance juxtaposition rather than a fixed term.
        redundant_share: a prefix/suffix that occurs almost only inside one longer term is
            dropped ("Collective Security Treaty" inside "... Treaty Organization").
        min_acronym_freq: "Full Name (ACR)" definitions seen at least this often give the
            term its acronym.
        max_variants: variants kept per word (the thesaurus's order, best first).
    """

    min_freq: int = 5
    max_len: int = 6
    max_initial_share: float = 0.5
    min_cohesion: float = 0.01
    redundant_share: float = 0.9
    min_acronym_freq: int = 2
    max_variants: int = 30


@dataclass
class MineCounts:
    """Corpus statistics gathered paragraph by paragraph (mergeable, picklable)."""

    ngrams: Counter = field(default_factory=Counter)  # Title-Case n-gram (tuple of words) -> count
    initial: Counter = field(default_factory=Counter)  # ... of which at a sentence start
    words: Counter = field(default_factory=Counter)  # capitalised word -> count
    acronyms: Counter = field(default_factory=Counter)  # (name tuple, acronym) -> count
    caps: Counter = field(default_factory=Counter)  # ALL-CAPS token -> count (known acronyms)
    vocab: Counter = field(default_factory=Counter)  # lower-cased word -> count (real spellings)
    paragraphs: int = 0
    tokens: int = 0

    def update(self, other: "MineCounts") -> None:
        for name in ("ngrams", "initial", "words", "acronyms", "caps", "vocab"):
            getattr(self, name).update(getattr(other, name))
        self.paragraphs += other.paragraphs
        self.tokens += other.tokens


def cap_runs(text: str, tokens: Sequence[Token]) -> list[list[int]]:
    """Maximal runs of token indices forming Title-Case sequences joined by spaces.

    Connector words ("of", "and") may sit inside a run but do not start or end one.
    """
    runs: list[list[int]] = []
    run: list[int] = []
    for i, token in enumerate(tokens):
        linked = bool(run) and joined_by_space(text, tokens[run[-1]], token)
        if is_cap(token.text) or (linked and token.text in CONNECTORS):
            if run and not linked:
                runs.append(run)
                run = []
            if run or is_cap(token.text):
                run.append(i)
            continue
        if run:
            runs.append(run)
        run = []
    if run:
        runs.append(run)
    return [_trim_connectors(r, tokens) for r in runs if len(r) > 1]


def _trim_connectors(run: list[int], tokens: Sequence[Token]) -> list[int]:
    while run and not is_cap(tokens[run[-1]].text):
        run = run[:-1]
    return run


def sentence_initial(text: str, token: Token) -> bool:
    """True when nothing but an opening quote/bracket separates ``token`` from a sentence end."""
    before = text[: token.start].rstrip(" \"'“‘(")
    return not before or before[-1] in ".!?:;\n"


def count_paragraph(text: str, config: MineConfig = MineConfig()) -> MineCounts:
    """Title-Case n-grams, capitalised words and acronym definitions in one paragraph."""
    counts = MineCounts(paragraphs=1)
    tokens = tokenize(text)
    counts.tokens = len(tokens)
    for token in tokens:
        counts.vocab[token.text.lower()] += 1
        if is_cap(token.text):
            counts.words[token.text] += 1
            if len(token.text) > 1 and token.text.isupper():
                counts.caps[token.text] += 1
    for run in cap_runs(text, tokens):
        for a, i in enumerate(run):
            if not is_cap(tokens[i].text):
                continue
            for b in range(a + 1, min(len(run), a + config.max_len)):
                if not is_cap(tokens[run[b]].text):
                    continue
                gram = tuple(tokens[j].text for j in run[a:b]) + (strip_possessive(tokens[run[b]].text),)
                counts.ngrams[gram] += 1
                if sentence_initial(text, tokens[i]):
                    counts.initial[gram] += 1
    for name, acronym in acronym_definitions(text, tokens):
        counts.acronyms[(name, acronym)] += 1
    return counts


def acronym_letters(acronym: str) -> str:
    return "".join(c for c in acronym.lower() if c.isalpha())


def initials(words: Sequence[str], with_connectors: bool) -> str:
    return "".join(w[0].lower() for w in words if with_connectors or is_cap(w))


def acronym_definitions(text: str, tokens: Sequence[Token]) -> list[tuple[tuple[str, ...], str]]:
    """("Federal Emergency Management Agency", "FEMA") for each "Name (ACR)" whose initials fit."""
    found = []
    ends = {t.end: i for i, t in enumerate(tokens)}
    for match in ACRONYM_RE.finditer(text):
        last = ends.get(match.start() - 1)
        if last is None or text[match.start() - 1] != " ":
            continue
        name = name_for_acronym(text, tokens, last, match.group(1))
        if name:
            found.append((name, match.group(1)))
    return found


def name_before(text: str, tokens: Sequence[Token], last: int, limit: int) -> list[int]:
    """Indices of the Title-Case run (with connectors) ending at token ``last``, nearest last."""
    run = [last] if is_cap(tokens[last].text) else []
    i = last
    while run and i > 0 and len(run) < limit and joined_by_space(text, tokens[i - 1], tokens[i]):
        word = tokens[i - 1].text
        if not (is_cap(word) or word in CONNECTORS):
            break
        run.append(i - 1)
        i -= 1
    return run[::-1]


def name_for_acronym(text: str, tokens: Sequence[Token], last: int, acronym: str) -> tuple[str, ...] | None:
    """The longest name ending at ``last`` whose initials spell ``acronym``, else None."""
    letters = acronym_letters(acronym)
    run = name_before(text, tokens, last, len(letters) + 4)
    for a in range(len(run)):
        words = [tokens[j].text for j in run[a:]]
        if not is_cap(words[0]):
            continue
        if letters in (initials(words, False), initials(words, True)):
            return tuple(words)
    return None


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
        if not is_cap(words[k]) and fits(k + 1, i):
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
        if not is_cap(parts[a]):
            continue
        for b in range(a + 1, len(parts) + 1):
            run = parts[a:b]
            inner = b == len(parts) and len(letters) > sum(is_cap(w) for w in run)
            if spells(run, letters, inner):
                return True
    return False


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
        return tuple(t.text for t in tokenize(self.text))


def select_terms(counts: MineCounts, config: MineConfig = MineConfig()) -> list[Term]:
    """Frequent, cohesive Title-Case n-grams (and acronym definitions) as terms, most frequent first."""
    acronyms = best_acronyms(counts, config)
    kept: dict[tuple[str, ...], int] = {}
    for gram, count in counts.ngrams.items():
        if count < config.min_freq and gram not in acronyms:
            continue
        if not keep_ngram(gram, count, counts, config):
            continue
        kept[gram] = count
    for gram in drop_redundant(kept, config):
        kept.pop(gram, None)
    heads = org_heads(acronyms)
    terms = [
        Term(" ".join(gram), count, acronyms.get(gram, ""), term_kind(gram, gram in acronyms, heads))
        for gram, count in kept.items()
    ]
    return sorted(terms, key=lambda t: (-t.freq, t.text))


def keep_ngram(gram: tuple[str, ...], count: int, counts: MineCounts, config: MineConfig) -> bool:
    """Frequency-independent filters: function words at the edges, sentence starts, cohesion."""
    if gram[0].lower() in STOPWORDS or gram[-1].lower() in STOPWORDS:
        return False
    if any(len(w) > 1 and w.isupper() and w not in counts.caps for w in gram):
        return False
    if counts.initial[gram] > config.max_initial_share * count:
        return False
    rarer = min(counts.words[gram[0]], counts.words[gram[-1]]) or 1
    if count / rarer < config.min_cohesion:
        return False
    return not is_coordination(gram, count, counts)


def is_coordination(gram: tuple[str, ...], count: int, counts: MineCounts) -> bool:
    """"Washington and Beijing": both sides are far more common on their own than together."""
    for k, word in enumerate(gram):
        if word in ("and", "&") and 0 < k < len(gram) - 1:
            left, right = gram[:k], gram[k + 1 :]
            sides = [counts.words[p[0]] if len(p) == 1 else counts.ngrams[p] for p in (left, right)]
            if min(sides) >= 5 * count:
                return True
    return False


def drop_redundant(kept: dict[tuple[str, ...], int], config: MineConfig) -> list[tuple[str, ...]]:
    """Prefixes/suffixes that (almost) only occur inside one longer kept term."""
    redundant = []
    for gram, count in kept.items():
        if len(gram) < 3:
            continue
        for part in (gram[:-1], gram[1:]):
            if part in kept and count >= config.redundant_share * kept[part]:
                redundant.append(part)
    return redundant


def best_acronyms(counts: MineCounts, config: MineConfig) -> dict[tuple[str, ...], str]:
    """Name -> its most frequent acronym, where the definition is seen often enough."""
    best: dict[tuple[str, ...], tuple[int, str]] = {}
    for (name, acronym), count in counts.acronyms.items():
        if count >= config.min_acronym_freq and count > best.get(name, (0, ""))[0]:
            best[name] = (count, acronym)
    return {name: acronym for name, (_, acronym) in best.items()}


def org_heads(acronyms: dict[tuple[str, ...], str]) -> set[str]:
    """Last words of defined names that recur ("Agency", "Organization", "Council")."""
    heads = Counter(name[-1] for name in acronyms)
    return {word for word, count in heads.items() if count >= 3}


def term_kind(gram: tuple[str, ...], has_acronym: bool, heads: set[str]) -> str:
    """ "org" when the corpus gives it an acronym or it ends in a common organisation head word."""
    if has_acronym or gram[-1] in heads:
        return "org"
    return "name"


def word_variants(
    words: Iterable[str],
    synonyms: Synonyms,
    config: MineConfig = MineConfig(),
    keep: Callable[[str], bool] = lambda form: True,
) -> dict[str, list[str]]:
    """Lower-cased word (or phrase) -> the lower-cased forms a spinner could put in its place.

    Left out: abbreviations, spellings and affixed forms ("corp" for "corporation", "defence"
    for "defense", "reinsurance" for "insurance"), expansions that end in
    the word itself ("crude oil" for "oil": hyponyms, common in clean names), and forms that
    ``keep`` rejects (the build script drops proper nouns: "Taiwan" for "China" is another name,
    not a spin). Expansions that start with the word ("chinese language") stay.
    """
    table: dict[str, list[str]] = {}
    for word in sorted(set(words)):
        forms = []
        for synonym in synonyms(word):
            form = " ".join(t.text.lower() for t in tokenize(synonym))
            if " " not in form and (form in word or word in form or ratio(form, word) >= 80):
                continue
            if form.endswith(" " + word) or not keep(form):
                continue
            if form and form != word and form not in forms:
                forms.append(form)
        if forms:
            table[word] = forms[: config.max_variants]
    return table


# Thesaurus sources a glossary variant may come from. Distributional neighbours ("distrib") and
# synonyms of synonyms ("twohop") are mostly co-hyponyms (Chinese/Japanese, north/south): in a
# name they turn one real term into another real term, so they are left out.
VARIANT_SOURCES = ("phrase", "wordnet", "mythes", "similar", "related")
# Under an acronym the first letter is evidence enough, so all sources count there
# ("Shanghai Cooperation Group (SCO)": group <- organization is a distributional neighbour).
ACRONYM_SOURCES = VARIANT_SOURCES + ("distrib", "twohop")


def thesaurus_synonyms(thesaurus, sources: Sequence[str] = VARIANT_SOURCES, min_weight: float = 0.1) -> Synonyms:
    """A ``Synonyms`` function over ``repair.resources.thesaurus.Thesaurus``, inflecting like the spinner.

    "ministers" is read as minister/NNS, and each noun synonym of "minister" is put in the
    plural, so the variants of a term word have the term word's own inflection.
    """

    def synonyms(word: str) -> list[str]:
        scored: dict[str, float] = {}
        # Term words are names and their parts: plural nouns are the only inflection worth
        # reading ("Affairs", "Forces"); verb readings of "Ministers" would only add noise.
        plural = [(lemma, tag) for lemma, tag in thesaurus.inflector.analyses(word) if tag == "NNS" and lemma != word]
        for lemma, tag in [(word, None)] + plural:
            pos = TAG_POS[tag] if tag else None
            for item in thesaurus.synonyms(lemma, pos=pos, sources=sources):
                if item.weight < min_weight:
                    continue
                form = thesaurus.inflector.inflect(item.word, tag) if tag and item.pos != "x" else item.word
                scored[form] = max(scored.get(form, 0.0), item.weight)
        return sorted(scored, key=lambda f: (-scored[f], f))

    return synonyms


def variant_keys(terms: Iterable[Term]) -> set[str]:
    """Words (lower-cased) of all terms that can carry a variant (not connectors/stopwords)."""
    keys = set()
    for term in terms:
        for word in term.words:
            low = word.lower()
            if low not in STOPWORDS and not (len(word) > 1 and word.isupper()):
                keys.add(low)
    return keys


def glossary_data(
    terms: Sequence[Term],
    variants: dict[str, list[str]],
    blocked: Iterable[str] = (),
    meta: dict | None = None,
    vocab: Iterable[str] = (),
    acronym_variants: dict[str, list[str]] | None = None,
) -> dict:
    """The JSON-ready content of models/glossary/glossary.json.gz."""
    return {
        "format": FORMAT_VERSION,
        "meta": meta or {},
        "columns": ["text", "freq", "acronym", "kind"],
        "terms": [[t.text, t.freq, t.acronym, t.kind] for t in terms],
        "variants": variants,
        "acronym_variants": acronym_variants or {},
        "blocked": sorted(set(blocked)),
        "vocab": sorted(set(vocab)),
    }


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------


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
        self.sources = self._sources(acronym_variants or variants)
        self.name_word_freq = self._name_word_freq()

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
        path = Path(root) / "glossary" / GLOSSARY_FILE
        if not path.is_file():
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

    @staticmethod
    def _sources(variants: dict[str, list[str]]) -> dict[str, list[str]]:
        """Inverse of a variant table: spun word -> canonical words it may stand for."""
        sources: dict[str, list[str]] = defaultdict(list)
        for word, forms in variants.items():
            for form in forms:
                if " " not in form:
                    sources[form].append(word)
        return dict(sources)

    def _name_word_freq(self) -> Counter:
        """How often a word occurs in organisation terms (weighted by term frequency)."""
        freq: Counter = Counter()
        for term, words in zip(self.terms, self.term_words):
            if term.kind == "org":
                for word in words:
                    freq[word] += term.freq
        return freq

    # ---- public API --------------------------------------------------------------------

    def find(self, paragraph: str) -> list[Edit]:
        """Edits that restore garbled terms in ``paragraph`` (offsets into it), left to right."""
        tokens = tokenize(paragraph)
        if not tokens:
            return []
        chosen = self._term_matches(paragraph, tokens)
        edits = [e for m in chosen if (e := self._edit(paragraph, tokens, m)) is not None]
        if self.config.acronym_repair:
            edits += self._acronym_repairs(paragraph, tokens, edits)
        if self.config.acronym_variants:
            edits += self._acronym_variants(paragraph, tokens, edits)
        return sorted(_non_overlapping(edits), key=lambda e: e.start)

    def attested_variants(self, paragraph: str) -> list[str]:
        """Lower-cased variant spans the matcher would edit here, ignoring the block list.

        Run over clean text at build time: whatever it returns is real usage and gets blocked.
        """
        tokens = tokenize(paragraph)
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
        for i in range(len(tokens) - 1):
            candidates = self.first_index.get(lower[i])
            if not candidates or not joined_by_space(text, tokens[i], tokens[i + 1]):
                continue
            nxt, second = lower[i + 1], self.second_tokens
            fuzzy_ok = lower[i + 1] not in self.vocab
            for term in candidates:
                if nxt not in second[term] and not (fuzzy_ok and self.term_words[term][0] == lower[i]):
                    continue
                match = self._align(text, tokens, lower, i, term)
                if match is not None:
                    found.append(match)
        return found

    def _align(self, text: str, tokens: Sequence[Token], lower: Sequence[str], start: int, term: int) -> Match | None:
        """Best way to read the term's words from ``start`` on, or None."""
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
            for piece in self._word_options(text, tokens, lower, p, words[k], k == 0):
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
            if is_cap(word) and not is_cap(tokens[piece.first].text):
                return False
        span = self._span_key(tokens, match)
        if use_blocked and span in self.blocked:
            return False
        return tuple(span.split()) not in self.exact

    def _choose(self, matches: list[Match], protected: list[Match]) -> list[Match]:
        """Longest matches first; nothing overlapping an intact term that is at least as long."""
        chosen: list[Match] = []
        taken: set[int] = set()
        matches.sort(key=lambda m: (-(m.last - m.first), -len(m.pieces), -m.count("exact"), m.first))
        for match in matches:
            span = set(range(match.first, match.last + 1))
            if span & taken:
                continue
            if any(
                set(range(g.first, g.last + 1)) & span and g.last - g.first >= match.last - match.first
                for g in protected
            ):
                continue
            chosen.append(match)
            taken |= span
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
                if _all_caps(template) and not shouting:
                    template = template.title()  # "US" for "America" is an abbreviation, not shouting
                parts.append(transfer_case(template, word) + suffix)
        new = "".join(parts)
        old = text[start:end]
        if new == old:
            return None
        return Edit(start, end, old, new, "glossary", self._confidence(text, tokens, match))

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

    # ---- acronyms ----------------------------------------------------------------------

    def _acronym_repairs(self, text: str, tokens: Sequence[Token], edits: Sequence[Edit]) -> list[Edit]:
        """Fix names whose initials disagree with the acronym that follows them."""
        out = []
        ends = {t.end: i for i, t in enumerate(tokens)}
        for match in ACRONYM_RE.finditer(text):
            last = ends.get(match.start() - 1)
            if last is None or text[match.start() - 1] != " ":
                continue
            out += self._repair_name(text, tokens, last, match.group(1), edits)
        return out

    def _repair_name(
        self, text: str, tokens: Sequence[Token], last: int, acronym: str, edits: Sequence[Edit]
    ) -> list[Edit]:
        letters = acronym_letters(acronym)
        run = name_before(text, tokens, last, len(letters) + 4)
        caps = [j for j in run if is_cap(tokens[j].text)]
        if len(letters) < 3 or len(caps) < len(letters):
            return []
        if explains([tokens[j].text for j in run], acronym):
            return []
        caps = caps[-len(letters) :]
        if any(e.start < tokens[last].end and e.end > tokens[caps[0]].start for e in edits):
            return []
        wrong = [(j, c) for j, c in zip(caps, letters) if tokens[j].text[0].lower() != c]
        if not wrong or len(wrong) > len(letters) // 2:
            return []
        out = []
        for j, letter in wrong:
            word = self._source_with_initial(tokens[j].text.lower(), letter)
            if word is None:
                return []
            new = transfer_case(tokens[j].text, word)
            confidence = 0.8 if len(wrong) == 1 else 0.7
            out.append(Edit(tokens[j].start, tokens[j].end, tokens[j].text, new, "glossary", confidence))
        fixed = {j for j, _ in wrong}
        for j in caps:
            word = None if j in fixed else self._common_source(tokens[j].text.lower())
            if word is not None:
                new = transfer_case(tokens[j].text, word)
                out.append(Edit(tokens[j].start, tokens[j].end, tokens[j].text, new, "glossary", 0.6))
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
        if best is None or self.name_word_freq[best] < self.config.upgrade_ratio * own:
            return None
        return best

    def _source_with_initial(self, spun: str, letter: str) -> str | None:
        """The canonical word a spinner may have replaced by ``spun``, starting with ``letter``."""
        candidates = [w for w in self.sources.get(spun, ()) if w.startswith(letter) and " " not in w]
        candidates = [w for w in candidates if self.name_word_freq[w] > 0]
        if not candidates:
            return None
        return max(candidates, key=lambda w: (self.name_word_freq[w], w))

    def _acronym_variants(self, text: str, tokens: Sequence[Token], edits: Sequence[Edit]) -> list[Edit]:
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
            right = known or "".join(w[0] for w in name if is_cap(w)).upper()
            if len(right) < 3 or right == word:
                continue
            if _is_drop(word, right) or _is_swap(word, right) or (
                known and Levenshtein.distance(word, right) == 1 and len(word) == len(right)
            ):
                out.append(Edit(token.start, token.end, word, right, "glossary", 0.8 if known else 0.7))
        return out

    def acronym_of_name(self, name: Sequence[str]) -> str:
        """The corpus acronym of a known term spelled by ``name`` (or its longest suffix)."""
        words = tuple(w.lower() for w in name)
        for a in range(len(words) - 1):
            term = self.exact.get(words[a:])
            if term is not None and self.terms[term].acronym:
                return self.terms[term].acronym
        return ""

    def _adjacent_name(self, text: str, tokens: Sequence[Token], i: int, edits: Sequence[Edit]) -> list[str] | None:
        """The Title-Case name right after "ACR (" or right before "(ACR", repaired where edited."""
        token = tokens[i]
        if text[token.end : token.end + 2] == " (" and i + 1 < len(tokens):
            j = i + 1
            run = [j]
            while j + 1 < len(tokens) and joined_by_space(text, tokens[j], tokens[j + 1]) and (
                is_cap(tokens[j + 1].text) or tokens[j + 1].text in CONNECTORS
            ):
                j += 1
                run.append(j)
            names = [apply_to_token(tokens[k], edits) for k in _trim_connectors(run, tokens)]
        elif i > 0 and text[tokens[i - 1].end : token.start] == " (":
            names = [apply_to_token(tokens[k], edits) for k in name_before(text, tokens, i - 1, 10)]
        else:
            return None
        while names and names[0].lower() in STOPWORDS:
            names = names[1:]
        return names if len(names) >= 3 else None


def _all_caps(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def _shouting(tokens: Sequence[Token], pieces: Sequence[Piece]) -> bool:
    """An ALL-CAPS passage: the intact words of the match are in capitals too."""
    exact = [tokens[p.first - pieces[0].first].text for p in pieces if p.kind == "exact"]
    return bool(exact) and all(_all_caps(w) for w in exact if len(w) > 1) and any(len(w) > 1 for w in exact)


def _is_drop(word: str, right: str) -> bool:
    """``word`` is ``right`` with one letter (not the first) left out."""
    return len(word) + 1 == len(right) and word[0] == right[0] and any(
        right[:k] + right[k + 1 :] == word for k in range(1, len(right))
    )


def _is_swap(word: str, right: str) -> bool:
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


def transfer_case(template: str, word: str) -> str:
    """Canonical ``word`` in the case the spun token used (lower, Title, ALL CAPS).

    Canonical capitals (acronyms, "McDonald") survive a Title template; a lower-case template
    lower-cases only Title-case canonical words.
    """
    letters = [c for c in template if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters) and "." not in template:
        return word.upper()
    if is_cap(template):
        return word[:1].upper() + word[1:]
    if word[1:] == word[1:].lower():
        return word.lower()
    return word


def _non_overlapping(edits: Sequence[Edit]) -> list[Edit]:
    kept: list[Edit] = []
    for edit in sorted(edits, key=lambda e: (-(e.end - e.start), e.start)):
        if all(edit.end <= k.start or edit.start >= k.end for k in kept):
            kept.append(edit)
    return kept


def false_edit_rate(glossary: Glossary, paragraphs: Iterable[str]) -> tuple[int, int, list[tuple[str, Edit]]]:
    """Edits on clean paragraphs (all of them false): (edits, words, examples)."""
    edits, words, examples = 0, 0, []
    for paragraph in paragraphs:
        words += len(tokenize(paragraph))
        for edit in glossary.find(paragraph):
            edits += 1
            examples.append((paragraph, edit))
    return edits, words, examples


def restores(edit: Edit, spun_text) -> bool:
    """True when ``edit`` on a spinner's output exactly undoes the substitutions it covers.

    ``spun_text`` is a ``repair.synth.spin.SpunText`` (anything with ``substitutions`` that have
    ``spun_start``, ``spun_end`` and ``clean``).
    """
    covered = [x for x in spun_text.substitutions if x.spun_start < edit.end and x.spun_end > edit.start]
    if not covered or any(x.spun_start < edit.start or x.spun_end > edit.end for x in covered):
        return False
    expected = spun_text.spun[edit.start : edit.end]
    for x in sorted(covered, key=lambda x: -x.spun_start):
        expected = expected[: x.spun_start - edit.start] + x.clean + expected[x.spun_end - edit.start :]
    return expected == edit.new


def spun_precision(glossary: Glossary, spun_texts: Iterable) -> dict[str, float]:
    """Edits on spinner output that restore the clean wording (right) or not (wrong)."""
    right = wrong = words = 0
    for spun_text in spun_texts:
        words += len(tokenize(spun_text.spun))
        for edit in glossary.find(spun_text.spun):
            if restores(edit, spun_text):
                right += 1
            else:
                wrong += 1
    return {
        "spun_words": words,
        "spun_edits_right": right,
        "spun_edits_wrong": wrong,
        "spun_precision": round(right / max(right + wrong, 1), 4),
    }
