"""Build the compact spinner thesaurus in models/thesaurus/ from WordNet, MyThes and the corpus.

Sources (each synonym keeps a tag and a weight; see repair/thesaurus.py for the file format):

* ``wordnet``  -- members of every synset of the lemma (sense-blind, as spinners are); weight
  decays with the sense rank from index.<pos>.
* ``similar``  -- WordNet similar-to (&), also-see (^) and verb-group ($) links, lower weight.
* ``mythes``   -- MyThes en_US v2 plain synonyms of any sense.
* ``related``  -- MyThes "(generic term)"/"(similar term)"/"(related term)" entries (these are
  how spinners get "security" -> "safety").
* ``twohop``   -- synonyms of synonyms (same part of speech), low weight, capped per lemma.
* ``distrib``  -- corpus neighbours from PPMI + truncated SVD word vectors (window +-2, 40k
  words, 160 dims, whole training corpus): the top 25 of every word where the two share an
  inflectional analysis, plus the top 150 of common words when the WordNet/MyThes graph also
  links the two lemmas within three hops.
* ``phrase``   -- a short documented list of general phrase-level rewrites that article
  spinners favour (function-word expansions); see PHRASE_REWRITES.
* ``closed``   -- closed-class neighbours: prepositions, conjunctions, connective and degree
  adverbs, determiners, indefinite pronouns and complex prepositions ("according to") get
  their nearest corpus neighbours *of the same grammatical class* (PPMI + SVD vectors of a
  second pass where the multi-word items of CLOSED_CLASSES are single tokens). WordNet and
  MyThes barely list function words, yet spinners swap them ("despite" -> "regardless of");
  plus the WordNet/MyThes synonyms of a closed-class item that are in its class ("under" ->
  "below").
* ``derived``  -- adverbs through their WordNet pertainyms: an adverb becomes the "-ly"
  adverbs of its adjective's synonyms ("fully" -> full ~ total -> "totally"); relational
  adjectives likewise through their nouns.

Usage: python scripts/build_thesaurus.py [--corpus PATH] [--out models/thesaurus]
       [--distrib-tokens 12000000] [--no-distrib]
Intermediate corpus statistics (counts, both vector spaces, neighbours) are cached in
.cache/thesaurus/; a fresh build takes about 5 minutes on one core, a cached one about 1.5.
Rebuilt from the same cache the output is byte-identical (sorted output, gzip mtime 0); fresh
vectors (fixed SVD seed) can differ in the last digits between BLAS builds.
"""
from __future__ import annotations

import argparse
import collections
import gzip
import hashlib
import json
import math
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from repair.synth.corpus import read_articles  # noqa: E402

WORDNET = Path("/usr/share/wordnet")
MYTHES = Path("/usr/share/mythes/th_en_US_v2.dat")
POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
MYTHES_POS = {"(noun)": "n", "(verb)": "v", "(adj)": "a", "(adv)": "r"}
TOKEN_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")
CASED_TOKEN_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
PHRASE_TOKEN_RE = re.compile(r"[a-z]+(?:'[a-z]+)?(?:_[a-z]+)*")

# Weights per source: how readily a spinner would pick a synonym of this kind.
WEIGHTS = {"wordnet": 1.0, "mythes": 0.9, "phrase": 0.9, "similar": 0.6, "related": 0.5,
           "derived": 0.4, "closed": 0.4, "distrib": 0.35, "twohop": 0.2}
# Priority when one synonym comes from several sources: the most trustworthy tag wins.
PRIORITY = ["phrase", "wordnet", "mythes", "similar", "related", "derived", "closed", "distrib", "twohop"]

# General phrase-level rewrites that article spinners are known for (function words and
# fixed expressions that WordNet does not list as synonyms). Generic English, not taken from
# any seed document: the "spun" side is what spinner tools emit for these everyday words.
# Format: original -> list of rewrites; POS "x" (not inflected).
PHRASE_REWRITES: dict[str, list[str]] = {
    # Named in issue 3 as typical spinner output.
    "against": ["in opposition to"],
    "came": ["got here"],
    "another": ["one other"],
    "term": ["time period"],
    "will be": ["will probably be"],
    "year": ["12 months"],
    "today": ["right this moment"],
    "thousands": ["1000's"],
    "we have": ["we now have"],
    # Generic English equivalents of function words and fixed expressions (no seed consulted).
    "via": ["by way of", "through"],
    "through": ["via", "by way of"],
    "because": ["since", "as"],
    "because of": ["due to", "owing to", "on account of"],
    "although": ["though", "even though"],
    "however": ["nevertheless", "yet"],
    "before": ["prior to", "ahead of"],
    "after": ["following", "subsequent to"],
    "among": ["amongst", "amid"],
    "while": ["whilst"],
    "within": ["inside"],
    "whether": ["if"],
    "many": ["numerous", "a lot of"],
    "very": ["extremely", "highly"],
    "now": ["at present", "currently"],
    "then": ["after that", "next"],
    "next": ["subsequent", "following"],
    "until": ["till", "up until"],
    "about": ["regarding", "approximately"],
    "around": ["about", "approximately"],
    "such as": ["like", "for example"],
    "more than": ["over", "upwards of"],
    "less than": ["under", "below"],
    "at least": ["no less than", "at minimum"],
    "as well": ["too", "also"],
    "so that": ["in order that"],
    "even though": ["although", "despite the fact that"],
    "in addition": ["moreover", "furthermore"],
    "for example": ["for instance", "such as"],
    "do not": ["don't"],
    "does not": ["doesn't"],
    "did not": ["didn't"],
    "is not": ["isn't"],
    "it is": ["it's"],
    "will not": ["won't"],
    "has been": ["has actually been"],
    "have been": ["have actually been"],
}


# Closed grammatical classes (standard English grammar inventories, not taken from any document).
# WordNet and MyThes hardly list these words, yet spinners swap them; each item gets its corpus
# neighbours of the *same class* (source ``closed``), so that a preposition only ever becomes a
# preposition. Multi-word items are joined into single tokens for their vector pass. The
# commonest glue words (of, to, for, and, or, as, than, that) and the core prepositions (in, on,
# at, by, with, from) are left out: they are so polysemous that their corpus neighbours are
# hubs, not substitutes ("in" -> "near", "following", "except"...).
CLOSED_CLASSES: dict[str, str] = {
    "preposition": """about above across after against along alongside amid amidst among amongst around
        astride atop before behind below beneath beside besides between beyond concerning
        considering despite during except excluding following including inside into near
        notwithstanding onto opposite outside over past pending per regarding round since through
        throughout till toward towards under underneath unlike until upon versus via within without
        according_to ahead_of along_with apart_from as_of aside_from because_of by_means_of by_way_of
        close_to compared_to compared_with due_to except_for in_accordance_with in_addition_to
        in_case_of in_comparison_with in_conjunction_with in_favor_of in_favour_of in_front_of
        in_light_of in_line_with in_lieu_of in_place_of in_relation_to in_respect_of in_response_to
        in_spite_of in_terms_of in_the_course_of in_the_wake_of in_view_of instead_of irrespective_of
        near_to next_to on_account_of on_behalf_of on_top_of out_of owing_to prior_to pursuant_to
        regardless_of subsequent_to thanks_to together_with up_to when_it_comes_to with_regard_to
        with_respect_to""",
    "subordinator": """after although because before if lest once since though unless until till when
        whenever where whereas wherever whether while whilst as_long_as as_soon_as even_if even_though
        given_that in_order_that now_that provided_that so_long_as so_that""",
    "purpose": "in_order_to so_as_to so_that in_order_that with_a_view_to",
    "connective": """but yet however nevertheless nonetheless still though although moreover furthermore
        additionally also besides likewise similarly too instead meanwhile otherwise therefore thus
        hence consequently accordingly indeed further alternatively conversely regardless anyway
        as_well in_addition in_fact on_the_other_hand as_a_result at_the_same_time by_contrast
        even_so for_example for_instance in_contrast in_particular in_other_words""",
    "determiner": """all another any both each either every few many much neither no several some such
        certain various numerous most enough a_few a_lot_of a_number_of lots_of plenty_of a_couple_of
        a_great_deal_of a_handful_of a_host_of the_majority_of a_variety_of a_range_of a_series_of""",
    "pronoun": """anybody anyone anything everybody everyone everything nobody nothing somebody someone
        something no_one""",
    "degree": """very extremely highly really quite rather fairly pretty somewhat particularly especially
        notably largely mostly mainly chiefly primarily principally nearly almost virtually practically
        entirely fully totally completely wholly partly partially slightly barely hardly scarcely exactly
        precisely approximately roughly increasingly more_and_more greatly considerably significantly
        substantially""",
    "time": """now currently presently nowadays recently lately newly already soon shortly later afterwards
        afterward subsequently then previously formerly earlier again always often frequently usually
        generally typically sometimes occasionally never ever immediately instantly directly promptly
        quickly rapidly swiftly eventually finally ultimately right_now at_present at_the_moment so_far
        in_the_past these_days for_now in_the_end at_last""",
}
# Opposites inside a class are close neighbours too ("before"/"after"): never offered.
CLOSED_OPPOSITES = """before:after before:following before:subsequent_to after:prior_to after:ahead_of
    above:below above:beneath above:under above:underneath over:under over:below over:beneath
    with:without inside:outside into:out_of in:out_of on:off from:to from:into since:until since:till
    ahead_of:behind in_front_of:behind prior_to:following prior_to:after all:no every:no all:none
    any:no some:no many:few much:little most:few more:less more:fewer both:neither either:neither
    always:never often:never often:rarely usually:rarely sometimes:never ever:never frequently:rarely
    earlier:later previously:later previously:subsequently formerly:later before:later now:then
    anyone:no_one anybody:nobody everyone:no_one everybody:nobody everything:nothing
    something:nothing anything:nothing someone:no_one somebody:nobody everyone:nobody
    anyone:nobody anybody:no_one because:although because:though because_of:despite
    because_of:in_spite_of because_of:regardless_of thanks_to:despite thanks_to:in_spite_of
    due_to:despite if:unless when:unless partly:fully partly:entirely partly:completely
    partly:totally partly:wholly partially:fully partially:entirely partially:completely
    partially:totally slightly:very slightly:extremely slightly:highly slightly:greatly
    slightly:considerably slightly:significantly slightly:substantially barely:fully
    hardly:very scarcely:very increasingly:decreasingly for:against with:against
    along_with:without together_with:without including:excluding including:except
    including:except_for including:apart_from including:aside_from including:excluding
    also:instead""".split()


def closed_class_items() -> dict[str, set[str]]:
    """Item (words joined by "_") -> the closed classes it belongs to."""
    classes: dict[str, set[str]] = collections.defaultdict(set)
    for name, items in CLOSED_CLASSES.items():
        for item in items.split():
            classes[item].add(name)
    return classes


def closed_opposites() -> set[frozenset[str]]:
    return {frozenset(pair.split(":")) for pair in CLOSED_OPPOSITES}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- corpus statistics
def corpus_texts(path: Path):
    return (article["text"] for article in read_articles(path))


def unigram_counts(corpus: Path, cache: Path) -> tuple[collections.Counter, collections.Counter]:
    """Lower-cased word counts over the whole training corpus, and how often each was written
    all lower case (names are mostly capitalised). Cached in ``cache/unigrams.tsv``."""
    target = cache / "unigrams.tsv"
    counts: collections.Counter = collections.Counter()
    lower: collections.Counter = collections.Counter()
    if target.is_file() and target.read_text(encoding="utf-8").count("\t") > 0:
        for line in target.read_text(encoding="utf-8").splitlines():
            word, count, *rest = line.split("\t")
            if not rest:
                break
            counts[word], lower[word] = int(count), int(rest[0])
        if counts:
            return counts, lower
    cased: collections.Counter = collections.Counter()
    for text in corpus_texts(corpus):
        cased.update(CASED_TOKEN_RE.findall(text))
    counts, lower = collections.Counter(), collections.Counter()
    for form, count in cased.items():
        counts[form.lower()] += count
        if form.islower():
            lower[form] += count
    cache.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(f"{w}\t{c}\t{lower[w]}\n" for w, c in counts.most_common()), encoding="utf-8")
    return counts, lower


def word_vectors(corpus: Path, cache: Path, max_tokens: int, vocab_size: int = 40000,
                 dims: int = 160, phrases: tuple[str, ...] = ()) -> tuple[list[str], np.ndarray]:
    """PPMI (window +-2, context smoothing 0.75) + truncated SVD vectors, unit length (cached).

    ``phrases`` (words joined by "_") are counted as single tokens ("according_to")."""
    tag = f"_p{hashlib.sha1(' '.join(phrases).encode()).hexdigest()[:8]}" if phrases else ""
    target = cache / f"vectors_{max_tokens}_{vocab_size}_{dims}{tag}.npz"
    if target.is_file():
        saved = np.load(target)
        return saved["vocab"].tolist(), saved["vectors"]
    from scipy import sparse
    from scipy.sparse.linalg import svds

    tokens: list[str] = []
    joiner = phrase_joiner(phrases)
    for text in corpus_texts(corpus):
        tokens.extend(PHRASE_TOKEN_RE.findall(joiner(text.lower())))
        if len(tokens) >= max_tokens:
            break
    log(f"distrib: {len(tokens):,} tokens")
    counts = collections.Counter(tokens)
    vocab = [w for w, _ in counts.most_common(vocab_size)]
    index = {w: i for i, w in enumerate(vocab)}
    ids = np.array([index.get(t, -1) for t in tokens], dtype=np.int64)
    rows, cols, vals = [], [], []
    for distance, weight in ((1, 1.0), (2, 0.5)):
        left, right = ids[:-distance], ids[distance:]
        keep = (left >= 0) & (right >= 0)
        for a, b in ((left[keep], right[keep]), (right[keep], left[keep])):
            rows.append(a)
            cols.append(b)
            vals.append(np.full(len(a), weight, dtype=np.float32))
    n = len(vocab)
    matrix = sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                               shape=(n, n)).tocsr()
    matrix.sum_duplicates()
    total = matrix.sum()
    row_sum = np.asarray(matrix.sum(axis=1)).ravel()
    col_sum = np.asarray(matrix.sum(axis=0)).ravel() ** 0.75  # context smoothing
    col_sum = col_sum / col_sum.sum()
    coo = matrix.tocoo()
    pmi = np.log(coo.data / total) - np.log(row_sum[coo.row] / total) - np.log(col_sum[coo.col])
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep].astype(np.float32), (coo.row[keep], coo.col[keep])), shape=(n, n))
    log(f"distrib: PPMI {ppmi.nnz:,} non-zeros; SVD k={dims}")
    u, s, _ = svds(ppmi, k=dims, random_state=0)
    vectors = u * np.sqrt(s)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    vectors = vectors.astype(np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(target, vocab=np.array(vocab), vectors=vectors)
    return vocab, vectors


def phrase_joiner(phrases: tuple[str, ...]):
    """A function that joins the words of each phrase with "_" in lower-case text (longest first)."""
    if not phrases:
        return lambda text: text
    ordered = sorted(phrases, key=lambda p: (-len(p), p))
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(p.replace("_", " ")) for p in ordered) + r")\b")
    return lambda text: pattern.sub(lambda m: m.group(0).replace(" ", "_"), text)


def closed_class_pairs(vocab: list[str], vectors: np.ndarray, keep: int = 8, min_cos: float = 0.3):
    """Yield (item, "x", neighbour, weight): the ``keep`` nearest corpus neighbours of each
    closed-class item that share one of its classes (CLOSED_CLASSES), opposites excluded, in
    both directions.

    Ranking only inside the class keeps the output grammatical ("during" -> "throughout",
    never "during" -> "weeks"); the cosine floor drops pairs the corpus does not support.
    """
    classes, opposites = closed_class_items(), closed_opposites()
    index = {w: i for i, w in enumerate(vocab)}
    items = sorted(w for w in classes if w in index)
    sims = vectors[[index[w] for w in items]] @ vectors[[index[w] for w in items]].T
    pairs: dict[tuple[str, str], float] = {}
    for i, item in enumerate(items):
        ranked = sorted(((float(sims[i, j]), other) for j, other in enumerate(items)
                         if other != item and classes[item] & classes[other]
                         and frozenset((item, other)) not in opposites), reverse=True)
        for cos, other in ranked[:keep]:
            if cos >= min_cos:  # substitutability is symmetric: keep both directions
                pairs[(item, other)] = pairs[(other, item)] = cos
    for (item, other), cos in sorted(pairs.items()):
        yield item.replace("_", " "), "x", other.replace("_", " "), WEIGHTS["closed"] * cos


def closed_thesaurus_pairs(table: dict):
    """Yield (item, "x", synonym, weight) for WordNet/MyThes synonyms of a closed-class item
    that are closed-class items of the same class ("under" -> "below", "about" -> "around").

    Function words are only swapped through ``x`` items; their thesaurus entries are mostly
    junk senses ("in" -> "inch"), but the ones that stay inside the class are real swaps."""
    classes, opposites = closed_class_items(), closed_opposites()
    direct_sources = {"wordnet", "mythes", "similar", "related"}
    for item in sorted(classes):
        lemma = item.replace("_", " ")
        found: dict[str, float] = {}
        for pos in ("n", "v", "a", "r"):
            for word, (weight, source) in table.get((lemma, pos), {}).items():
                other = word.lower().replace(" ", "_")
                if (source in direct_sources and other != item and classes.get(other, set()) & classes[item]
                        and frozenset((item, other)) not in opposites):
                    found[other] = max(found.get(other, 0.0), weight)
        for other, weight in sorted(found.items()):
            yield lemma, "x", other.replace("_", " "), WEIGHTS["closed"] * min(1.0, 0.5 + weight)


def nearest(vocab: list[str], vectors: np.ndarray, top: int, rows: list[int] | None = None):
    """Yield (word, neighbour, cosine) for the ``top`` nearest neighbours of each row."""
    rows = list(range(len(vocab))) if rows is None else rows
    for start in range(0, len(rows), 2000):
        block = rows[start:start + 2000]
        sims = vectors[block] @ vectors.T
        for offset, row in enumerate(sims):
            i = block[offset]
            row[i] = -1.0
            best = np.argpartition(-row, top)[:top]
            for j in best[np.argsort(-row[best])]:
                yield vocab[i], vocab[j], float(row[j])


def distributional_neighbours(corpus: Path, cache: Path, max_tokens: int, top: int = 25) -> list[tuple[str, str, float]]:
    """Top cosine neighbours of every vocabulary word (cached as TSV)."""
    vocab, vectors = word_vectors(corpus, cache, max_tokens)
    target = cache / f"distrib_{max_tokens}_{len(vocab)}_{vectors.shape[1]}_{top}.tsv"
    if target.is_file():
        rows = [line.split("\t") for line in target.read_text(encoding="utf-8").splitlines()]
        return [(a, b, float(c)) for a, b, c in rows]
    result = list(nearest(vocab, vectors, top))
    target.write_text("".join(f"{a}\t{b}\t{c:.3f}\n" for a, b, c in result), encoding="utf-8")
    return result


def confirmed_neighbours(corpus: Path, cache: Path, max_tokens: int, table: dict, inflector,
                         counts: collections.Counter, common_words: set[str], top: int = 150,
                         min_count: int = 300, min_cos: float = 0.3):
    """Wider corpus neighbours (top 150) kept only when the thesaurus graph links the two lemmas
    within three hops (meet in the middle: two hops from one side, one from the other).

    Each source alone is noisy (neighbours include antonyms and co-hyponyms; three hops reach
    thousands of words); together they find everyday substitutes such as "fully" -> "totally".
    Only for words seen ``min_count`` times: spinners hit common words.
    """
    from repair.resources.inflect import TAG_POS

    direct_sources = {"wordnet", "mythes", "similar", "related"}
    graph: dict[tuple[str, str], set[str]] = {}
    for (lemma, pos), slot in table.items():
        graph[(lemma, pos)] = {w.lower() for w, (_, src) in slot.items() if src in direct_sources}
    vocab, vectors = word_vectors(corpus, cache, max_tokens)
    rows = [i for i, w in enumerate(vocab) if counts.get(w, 0) >= min_count and w in common_words]
    two_hop_cache: dict[tuple[str, str], set[str]] = {}
    for a, b, cos in nearest(vocab, vectors, top, rows):
        if cos < min_cos or b not in common_words:
            continue
        readings_b = {tag: lemma for lemma, tag in inflector.analyses(b)}
        for lemma_a, tag in inflector.analyses(a):
            lemma_b, pos = readings_b.get(tag), TAG_POS[tag]
            if not lemma_b or lemma_b == lemma_a or (lemma_a, pos) not in graph:
                continue
            key = (lemma_a, pos)
            if key not in two_hop_cache:
                first = graph[key]
                two_hop_cache[key] = first.union(*(graph.get((w, pos), ()) for w in first))
            reach = two_hop_cache[key]
            if lemma_b in reach or reach & graph.get((lemma_b, pos), set()):
                yield lemma_a, pos, lemma_b, WEIGHTS["distrib"] * (0.5 + cos)


# --------------------------------------------------------------------------- WordNet
def clean_lemma(word: str) -> str:
    """WordNet spelling -> text spelling: underscores to spaces, adjective markers dropped."""
    return re.sub(r"\([a-z]+\)$", "", word).replace("_", " ")


def read_synsets(wordnet: Path) -> dict[tuple[str, str], tuple[list[str], list[tuple[str, str, str]]]]:
    """(pos, offset) -> (member words, pointers as (symbol, pos, offset))."""
    synsets = {}
    for pos, name in POS_FILES.items():
        for line in (wordnet / f"data.{name}").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("  "):
                continue
            fields = line.split(" | ")[0].split()
            offset, count = fields[0], int(fields[3], 16)
            members = [clean_lemma(fields[4 + 2 * i]) for i in range(count)]
            at = 4 + 2 * count
            pointer_count = int(fields[at])
            pointers = [(fields[at + 1 + 4 * i], fields[at + 3 + 4 * i], fields[at + 2 + 4 * i])
                        for i in range(pointer_count)]
            synsets[(pos, offset)] = (members, [(sym, "a" if p == "s" else p, off) for sym, p, off in pointers])
    return synsets


def read_senses(wordnet: Path) -> tuple[dict[tuple[str, str], list[str]], dict[tuple[str, str], float]]:
    """(lemma, pos) -> synset offsets in WordNet sense order (most frequent sense first), and a
    part-of-speech prior from the tagged-sense counts ("company" is mostly a noun)."""
    senses, tagged = {}, {}
    for pos, name in POS_FILES.items():
        for line in (wordnet / f"index.{name}").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("  "):
                continue
            fields = line.split()
            synset_count, pointer_count = int(fields[2]), int(fields[3])
            key = (clean_lemma(fields[0]), pos)
            senses[key] = fields[4 + pointer_count + 2:][:synset_count]
            tagged[key] = int(fields[4 + pointer_count + 1])
    best: dict[str, int] = collections.defaultdict(int)
    for (lemma, _), count in tagged.items():
        best[lemma] = max(best[lemma], count)
    prior = {(lemma, pos): 0.3 + 0.7 * (count + 0.5) / (best[lemma] + 0.5)
             for (lemma, pos), count in tagged.items()}
    return senses, prior


def wordnet_pairs(wordnet: Path, proper_ok):
    """Yield (lemma, pos, synonym, weight, source) for synset members and similar-to links.

    A sense whose member for this lemma is capitalised (the "Cash" of Johnny Cash) is skipped
    unless ``proper_ok(lemma)``: the word is mostly capitalised in the corpus ("Chinese")."""
    synsets = read_synsets(wordnet)
    senses, prior = read_senses(wordnet)
    for (lemma, pos), offsets in senses.items():
        for rank, offset in enumerate(offsets):
            decay = max(0.4, 0.85 ** rank) * prior[(lemma, pos)]
            members, pointers = synsets[(pos, offset)]
            if any(w.lower() == lemma and w != lemma for w in members) and not proper_ok(lemma):
                continue
            for word in members:
                if word.lower() != lemma:
                    yield lemma, pos, word, WEIGHTS["wordnet"] * decay, "wordnet"
            for symbol, target_pos, target in pointers:
                if symbol in ("&", "^", "$") and target_pos == pos:
                    for word in synsets[(target_pos, target)][0]:
                        if word.lower() != lemma:
                            yield lemma, pos, word, WEIGHTS["similar"] * decay, "similar"


def pertainyms(wordnet: Path) -> dict[tuple[str, str], set[str]]:
    """(adverb or adjective, pos) -> the words its WordNet pertainym pointers name, per word
    ("fully"/r -> {"full"}, "economic"/a -> {"economy"}). Pointer "\\" with source/target
    word numbers; 0 means every member."""
    members = {key: words for key, (words, _) in read_synsets(wordnet).items()}
    out: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for pos in ("a", "r"):
        for line in (wordnet / f"data.{POS_FILES[pos]}").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("  "):
                continue
            fields = line.split(" | ")[0].split()
            count = int(fields[3], 16)
            words = [clean_lemma(fields[4 + 2 * i]).lower() for i in range(count)]
            at = 4 + 2 * count
            for i in range(int(fields[at])):
                symbol, offset, target_pos, numbers = fields[at + 1 + 4 * i: at + 5 + 4 * i]
                if symbol != "\\":
                    continue
                target_pos = "a" if target_pos == "s" else target_pos
                source, target = int(numbers[:2], 16), int(numbers[2:], 16)
                targets = members[(target_pos, offset)]
                bases = targets if target == 0 else targets[target - 1:target]
                for word in words if source == 0 else words[source - 1:source]:
                    out[(word, pos)].update(b.lower() for b in bases)
    return out


def derived_pairs(wordnet: Path, table: dict, limit: int = 12):
    """Yield (word, pos, other, weight): adverbs (and relational adjectives) whose pertainym
    bases are thesaurus synonyms ("fully" -> full ~ total -> "totally").

    WordNet files "fully" and "totally" under different adverb synsets, but their adjectives
    share one; spinners look up the adjective's synonyms and add "-ly". The ``limit`` strongest
    per word are kept."""
    direct_sources = {"wordnet", "mythes", "similar"}
    pert = pertainyms(wordnet)
    derived_from: dict[tuple[str, str, str], set[str]] = collections.defaultdict(set)
    for (word, pos), bases in pert.items():
        for base in bases:
            derived_from[(base, "a" if pos == "r" else "n", pos)].add(word)
    for (word, pos), bases in sorted(pert.items()):
        base_pos = "a" if pos == "r" else "n"
        found: dict[str, float] = {}
        for base in bases:
            for synonym, (weight, source) in table.get((base, base_pos), {}).items():
                if source not in direct_sources:
                    continue
                for other in derived_from.get((synonym.lower(), base_pos, pos), ()):
                    if other != word:
                        found[other] = max(found.get(other, 0.0), weight)
        for other in sorted(found, key=lambda w: (-found[w], w))[:limit]:
            yield word, pos, other, WEIGHTS["derived"] * found[other]


def language_name_pairs(wordnet: Path):
    """Yield (lemma, pos, "X language", weight, source) for every language noun of WordNet.

    WordNet lists "English language" and "German language" as synonyms of "English" and
    "German" but not the same form for most other languages; spinners use it for all of them
    ("French" -> "French language"). Generalise the pattern to every noun whose hypernym chain
    reaches "language, linguistic communication"."""
    synsets = read_synsets(wordnet)
    root = next(key for key, (members, _) in synsets.items()
                if key[0] == "n" and "language" in members and "linguistic communication" in members)

    def is_language(key, depth: int = 0) -> bool:
        if key == root:
            return True
        parents = [("n", off) for sym, pos, off in synsets[key][1] if sym in ("@", "@i") and pos == "n"]
        return depth < 10 and any(is_language(parent, depth + 1) for parent in parents)

    for key, (members, _) in synsets.items():
        if key[0] != "n" or key == root or not is_language(key):
            continue
        for word in members:
            if " " not in word and word[:1].isupper() and f"{word} language" not in members:
                yield word, "n", f"{word} language", WEIGHTS["wordnet"] * 0.9, "wordnet"


# --------------------------------------------------------------------------- MyThes
def mythes_pairs(path: Path, proper_ok):
    """Yield (lemma, pos, synonym, weight, source) from MyThes; antonyms are skipped, and so are
    proper-noun meanings (a capitalised synonym on the line) of words written in lower case."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()[1:]
    at = 0
    while at < len(lines):
        head, _, count = lines[at].rpartition("|")
        lemma = head.lower()
        for rank, line in enumerate(lines[at + 1: at + 1 + int(count)]):
            parts = line.split("|")
            pos = MYTHES_POS.get(parts[0])
            decay = max(0.4, 0.85 ** rank)
            plain = [p for p in parts[1:] if " (" not in p]
            if any(p[:1].isupper() for p in plain) and not proper_ok(lemma):
                continue
            for item in parts[1:] if pos else []:
                word, _, kind = item.partition(" (")
                if "antonym" in kind or word.lower() == lemma:
                    continue
                source = "related" if kind else "mythes"
                yield lemma, pos, word, WEIGHTS[source] * decay, source
        at += 1 + int(count)


# --------------------------------------------------------------------------- morphology
def morphology_lines(wordnet: Path, counts: collections.Counter) -> list[str]:
    """Lemma lists per POS and irregular forms with tags, for repair.resources.inflect."""
    lines = []
    for pos, name in POS_FILES.items():
        words = set()
        for line in (wordnet / f"index.{name}").read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.startswith("  "):
                word = line.split()[0]
                if re.fullmatch(r"[a-z][a-z'-]*", word):
                    words.add(word)
        lines.append(f"L\t{pos}\t{' '.join(sorted(words))}")
    for pos, name in POS_FILES.items():
        by_lemma: dict[str, list[str]] = collections.defaultdict(list)
        for line in (wordnet / f"{name}.exc").read_text(encoding="utf-8").splitlines():
            form, *lemmas = line.split()
            for lemma in lemmas:
                if re.fullmatch(r"[a-z][a-z'-]*", form + lemma):
                    by_lemma[lemma].append(form)
        for lemma, forms in sorted(by_lemma.items()):
            for tag, form in classify_forms(pos, lemma, forms, counts).items():
                lines.append(f"I\t{lemma}\t{tag}\t{form}")
    return lines


def classify_forms(pos: str, lemma: str, forms: list[str], counts: collections.Counter) -> dict[str, str]:
    """Give each exception form a tag; where two forms compete, the commoner in the corpus wins."""
    tagged: dict[str, list[str]] = collections.defaultdict(list)
    for form in forms:
        if pos == "n":
            tagged["NNS"].append(form)
        elif pos in ("a", "r"):
            tag = ("JJ" if pos == "a" else "RB") + ("S" if form.endswith("st") else "R")
            tagged[tag].append(form)
        elif form.endswith("ing"):
            tagged["VBG"].append(form)
        elif form.endswith("s") and form.startswith(lemma[:2]) and len(form) <= len(lemma) + 2:
            tagged["VBZ"].append(form)
        else:
            past = [f for f in forms if not f.endswith(("ing",)) and f not in tagged["VBZ"]]
            participles = [f for f in past if f.endswith("n") or ("u" in f and "u" not in lemma)]
            if form in participles and len(participles) < len(past):
                tagged["VBN"].append(form)
            elif participles and len(participles) < len(past):
                tagged["VBD"].append(form)
            else:
                tagged["VBD"].append(form)
                tagged["VBN"].append(form)
    from repair.resources.inflect import _regular_form

    out = {}
    for tag, options in tagged.items():
        if not options:
            continue
        # The regular form competes too, so that rare variants ("learnt") do not win.
        regular = _regular_form(lemma, tag)
        best = max(options + [regular], key=lambda f: (counts.get(f, 0), f != regular, -len(f)))
        if best != regular:
            out[tag] = best
    return out


# --------------------------------------------------------------------------- combination
def add(table: dict, lemma: str, pos: str, word: str, weight: float, source: str) -> None:
    """Keep the strongest weight and the most trustworthy source for (lemma, pos, word)."""
    slot = table.setdefault((lemma, pos), {})
    old = slot.get(word)
    if old is None:
        slot[word] = (weight, source)
        return
    best = old[1] if PRIORITY.index(old[1]) <= PRIORITY.index(source) else source
    slot[word] = (max(old[0], weight), best)


def good_word(word: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z'.-]*(?: [A-Za-z][A-Za-z'.-]*){0,3}", word))


def reverse_related(table: dict, counts: collections.Counter, lower: collections.Counter, limit: int = 25):
    """Hyponym direction of MyThes generic terms ("worker" -> "employee" from "employee:
    worker (generic term)"), the commonest ``limit`` per key, at a lower weight. Keys are lower
    case, so words mostly capitalised in the corpus ("Cantonese") get their capital back."""
    reverse: dict[tuple[str, str], dict[str, float]] = collections.defaultdict(dict)
    for (lemma, pos), slot in table.items():
        for word, (weight, source) in slot.items():
            if source == "related" and " " not in word:
                reverse[(word.lower(), pos)][lemma] = weight
    for (word, pos), lemmas in reverse.items():
        if (word, pos) not in table:
            continue
        ranked = sorted(lemmas, key=lambda lemma: -counts.get(lemma, 0))[:limit]
        for lemma in ranked:
            if counts.get(lemma, 0) > 0:
                proper = " " not in lemma and lower[lemma] < 0.5 * counts[lemma]
                yield word, pos, lemma[:1].upper() + lemma[1:] if proper else lemma, 0.6 * lemmas[lemma]


def two_hop(table: dict, keep_key, counts: collections.Counter, limit: int = 20) -> list[tuple[str, str, str, float]]:
    """Synonyms of direct synonyms (same POS) that are not direct synonyms themselves.

    Ranked by path weight times log corpus frequency: spinner thesauri list everyday words,
    and the cap would otherwise be filled with rare ones."""
    direct_sources = {"wordnet", "mythes", "similar", "related"}
    out = []
    for (lemma, pos), slot in table.items():
        if not keep_key(lemma):
            continue
        direct = {w.lower(): weight for w, (weight, s) in slot.items() if s in direct_sources}
        paths: collections.Counter = collections.Counter()
        for word, first in direct.items():
            for second, (weight, source) in table.get((word, pos), {}).items():
                if source in direct_sources and second.lower() not in direct and second.lower() != lemma:
                    paths[second] += 2 * first * weight
        ranked = sorted(paths, key=lambda w: -paths[w] * math.log(counts.get(w.lower(), 0) + 2))
        # Frequent words are the ones spinners hit, and they have the most senses: keep more.
        frequency = counts.get(lemma, 0)
        keep = limit * 2 if frequency >= 500 else limit if frequency >= 50 else limit // 3
        for word in ranked[:keep]:
            out.append((lemma, pos, word, WEIGHTS["twohop"] * min(1.0, paths[word])))
    return out


def distributional_pairs(neighbours, inflector, common_words, min_cos: float = 0.45):
    """Lemma pairs from surface neighbours that share an inflectional reading (said/told).

    Both words must be written in lower case at least a quarter of the time so that names such as
    "beijing" are not offered as synonyms of "chinese".
    """
    from repair.resources.inflect import TAG_POS

    for a, b, cos in neighbours:
        if cos < min_cos or a not in common_words or b not in common_words:
            continue
        readings_b = {tag: lemma for lemma, tag in inflector.analyses(b)}
        for lemma_a, tag in inflector.analyses(a):
            lemma_b = readings_b.get(tag)
            if lemma_b and lemma_b != lemma_a:
                yield lemma_a, TAG_POS[tag], lemma_b, WEIGHTS["distrib"] * cos


def build_table(args, counts, lower, inflector) -> dict:
    vocab = {w for w, c in counts.items() if c >= args.min_count}
    common_words = {w for w in vocab if w.isalpha() and lower[w] >= 0.25 * counts[w]}

    def keep_key(lemma: str) -> bool:
        return all(part in vocab for part in lemma.lower().replace("-", " ").split())

    def proper_ok(lemma: str) -> bool:
        return " " in lemma or lower[lemma] < 0.5 * counts[lemma]

    table: dict = {}
    for lemma, pos, word, weight, source in wordnet_pairs(args.wordnet, proper_ok):
        if good_word(word):
            add(table, lemma.lower(), pos, word, weight, source)
    for lemma, pos, word, weight, source in language_name_pairs(args.wordnet):
        add(table, lemma.lower(), pos, word, weight, source)
    log(f"wordnet: {len(table):,} keys")
    for lemma, pos, word, weight, source in mythes_pairs(args.mythes, proper_ok):
        if good_word(word):
            add(table, lemma, pos, word, weight, source)
    log(f"+ mythes: {len(table):,} keys")
    table = {key: slot for key, slot in table.items() if keep_key(key[0])}
    log(f"kept in corpus vocabulary: {len(table):,} keys")
    for lemma, pos, word, weight in reverse_related(table, counts, lower):
        add(table, lemma, pos, word, weight, "related")
    derived = [item for item in derived_pairs(args.wordnet, table) if keep_key(item[0]) and keep_key(item[2])]
    for lemma, pos, word, weight in two_hop(table, keep_key, counts):
        add(table, lemma, pos, word, weight, "twohop")
    for lemma, pos, word, weight in derived:
        add(table, lemma, pos, word, weight, "derived")
    log(f"pertainym-derived pairs: {len(derived):,}")
    if not args.no_distrib:
        neighbours = distributional_neighbours(args.corpus, args.cache, args.distrib_tokens)
        for lemma, pos, word, weight in distributional_pairs(neighbours, inflector, common_words):
            add(table, lemma, pos, word, weight, "distrib")
        confirmed = list(confirmed_neighbours(args.corpus, args.cache, args.distrib_tokens, table, inflector,
                                              counts, common_words))
        for lemma, pos, word, weight in confirmed:
            add(table, lemma, pos, word, weight, "distrib")
        log(f"corpus neighbours confirmed by the thesaurus graph: {len(confirmed):,}")
        joined = tuple(sorted(item for item in closed_class_items() if "_" in item))
        vocab, vectors = word_vectors(args.corpus, args.cache, args.distrib_tokens, phrases=joined)
        closed = list(closed_class_pairs(vocab, vectors)) + list(closed_thesaurus_pairs(table))
        for lemma, pos, word, weight in closed:
            add(table, lemma, pos, word, weight, "closed")
        log(f"closed-class neighbours: {len(closed):,}")
    for lemma, rewrites in PHRASE_REWRITES.items():
        for rank, word in enumerate(rewrites):
            if word != lemma:
                add(table, lemma, "x", word, WEIGHTS["phrase"] * 0.9 ** rank, "phrase")
    return table


def write_table(table: dict, path: Path) -> dict[str, int]:
    """One line per lemma: lemma TAB word|pos|weight|source TAB ... (sorted by weight)."""
    by_lemma: dict[str, list[tuple[float, str, str, str]]] = collections.defaultdict(list)
    sizes: collections.Counter = collections.Counter()
    for (lemma, pos), slot in table.items():
        for word, (weight, source) in slot.items():
            by_lemma[lemma].append((weight, word, pos, source))
            sizes[source] += 1
    lines = []
    for lemma in sorted(by_lemma):
        items = sorted(by_lemma[lemma], key=lambda item: (-item[0], item[1]))
        lines.append(lemma + "".join(f"\t{w}|{p}|{weight:.2f}|{s}" for weight, w, p, s in items))
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as handle:
        handle.write(("\n".join(lines) + "\n").encode("utf-8"))
    sizes["lemmas"] = len(lines)
    return dict(sizes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "news.jsonl.gz")
    parser.add_argument("--wordnet", type=Path, default=WORDNET)
    parser.add_argument("--mythes", type=Path, default=MYTHES)
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "thesaurus")
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "thesaurus")
    parser.add_argument("--min-count", type=int, default=2, help="corpus count for a lemma to be a key")
    parser.add_argument("--distrib-tokens", type=int, default=12_000_000, help="corpus prefix for the co-occurrence counts")
    parser.add_argument("--no-distrib", action="store_true")
    args = parser.parse_args(argv)
    started = time.time()
    from repair.resources.inflect import Inflector
    from repair.resources.thesaurus import read_lines, write_inverse

    counts, lower = unigram_counts(args.corpus, args.cache)
    args.out.mkdir(parents=True, exist_ok=True)
    morphology = morphology_lines(args.wordnet, counts)
    with gzip.GzipFile(args.out / "morphology.tsv.gz", "wb", compresslevel=9, mtime=0) as handle:
        handle.write(("\n".join(morphology) + "\n").encode("utf-8"))
    inflector = Inflector.from_lines(morphology)
    table = build_table(args, counts, lower, inflector)
    sizes = write_table(table, args.out / "thesaurus.tsv.gz")
    write_inverse(read_lines(args.out / "thesaurus.tsv.gz"), args.out / "inverse.tsv.gz")
    (args.out / "stats.json").write_text(json.dumps(sizes, indent=1, sort_keys=True) + "\n")
    log(f"sizes {sizes}; {time.time() - started:.0f}s")
    return 0


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--distrib-only":
    corpus = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
    cache = ROOT / ".cache" / "thesaurus"
    unigram_counts(corpus, cache)
    distributional_neighbours(corpus, cache, int(sys.argv[2]) if len(sys.argv) > 2 else 12_000_000)
    sys.exit(0)
if __name__ == "__main__":
    sys.exit(main())
