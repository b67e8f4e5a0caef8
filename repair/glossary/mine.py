"""Glossary mining: canonical terms from clean text, and the variants a spinner writes for them.

Pure functions; ``scripts/build_glossary.py`` runs them over the corpus and writes the result.

1. ``count_paragraph``: Title-Case n-grams, capitalised words and "Full Name (ACRONYM)"
   definitions of one clean paragraph (``MineCounts``, mergeable);
2. ``select_terms``: keep the frequent and fixed n-grams as ``Term``s, with their acronyms;
3. ``word_variants``: the forms a spinner's thesaurus offers for each term word
   (``thesaurus_synonyms`` inflects them like the spinner does);
4. ``glossary_data``: the JSON content of ``models/glossary/glossary.json.gz``.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz.fuzz import ratio

from repair.glossary.terms import (
    FORMAT_VERSION,
    STOPWORDS,
    Term,
    acronym_letters,
    acronyms_after_names,
    cap_runs,
    name_before,
    strip_possessive,
)
from repair.resources.inflect import TAG_POS
from repair.text import Token, glossary_tokens, is_capitalized, starts_sentence

# word -> the forms a spinner may write in its place, best first (the thesaurus, or a test table)
Synonyms = Callable[[str], Sequence[str]]
# A capitalised word after these starts a sentence: it may be capitalised only for that.
SENTENCE_ENDS = ".!?:;\n"


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


def sentence_initial(text: str, token: Token) -> bool:
    """True when nothing but an opening quote/bracket separates ``token`` from a sentence end."""
    return starts_sentence(text, token.start, ends=SENTENCE_ENDS)


def count_paragraph(text: str, config: MineConfig = MineConfig()) -> MineCounts:
    """Title-Case n-grams, capitalised words and acronym definitions in one paragraph."""
    counts = MineCounts(paragraphs=1)
    tokens = glossary_tokens(text)
    counts.tokens = len(tokens)
    for token in tokens:
        counts.vocab[token.text.lower()] += 1
        if is_capitalized(token.text):
            counts.words[token.text] += 1
            if len(token.text) > 1 and token.text.isupper():
                counts.caps[token.text] += 1
    for run in cap_runs(text, tokens):
        for a, i in enumerate(run):
            if not is_capitalized(tokens[i].text):
                continue
            for b in range(a + 1, min(len(run), a + config.max_len)):
                if not is_capitalized(tokens[run[b]].text):
                    continue
                gram = tuple(tokens[j].text for j in run[a:b]) + (strip_possessive(tokens[run[b]].text),)
                counts.ngrams[gram] += 1
                if sentence_initial(text, tokens[i]):
                    counts.initial[gram] += 1
    for name, acronym in acronym_definitions(text, tokens):
        counts.acronyms[(name, acronym)] += 1
    return counts


def initials(words: Sequence[str], with_connectors: bool) -> str:
    return "".join(w[0].lower() for w in words if with_connectors or is_capitalized(w))


def acronym_definitions(text: str, tokens: Sequence[Token]) -> list[tuple[tuple[str, ...], str]]:
    """("Federal Emergency Management Agency", "FEMA") for each "Name (ACR)" whose initials fit."""
    found = []
    for last, acronym in acronyms_after_names(text, tokens):
        name = name_for_acronym(text, tokens, last, acronym)
        if name:
            found.append((name, acronym))
    return found


def name_for_acronym(text: str, tokens: Sequence[Token], last: int, acronym: str) -> tuple[str, ...] | None:
    """The longest name ending at ``last`` whose initials spell ``acronym``, else None."""
    letters = acronym_letters(acronym)
    run = name_before(text, tokens, last, len(letters) + 4)
    for a in range(len(run)):
        words = [tokens[j].text for j in run[a:]]
        if not is_capitalized(words[0]):
            continue
        if letters in (initials(words, False), initials(words, True)):
            return tuple(words)
    return None


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
            form = " ".join(t.text.lower() for t in glossary_tokens(synonym))
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
