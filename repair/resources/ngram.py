"""Corpus n-gram statistics: a compact, hashed word trigram model with Witten-Bell smoothing.

The model answers one question fast: how plausible is a word sequence in clean news? The
lexicon detector and restorer compare a suspicious word with the words it may have replaced
by asking for the log-probability of the same window with each alternative.

Format (``models/ngram/``, written by ``scripts/build_ngrams.py``; see its README.md):
``vocab.txt`` one lower-cased token per line (line number = id; 0 ``<unk>``, 1 ``<s>``),
``unigram_counts.npy``/``unigram_types.npy`` (uint32, per id: count, distinct followers),
``bigram_keys.npy``/``trigram_keys.npy`` (sorted uint32 hashes of exact id tuples),
``bigram_counts.npy``/``bigram_types.npy``/``trigram_counts.npy`` (uint8 log-scale codes),
``meta.json`` (token total, code base, build settings).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from repair.errors import ModelNotFoundError
from repair.text import NGRAM_TOKEN_RE, Token, ngram_tokens, normalize

UNK, BOS = 0, 1
ID_BITS = 21
# Counts above CODE_EXACT are stored on a log scale with this base (uint8, max ~700k).
CODE_EXACT = 128
CODE_BASE = 1.07
FILES = (
    "vocab.txt",
    "unigram_counts.npy",
    "unigram_types.npy",
    "bigram_keys.npy",
    "bigram_counts.npy",
    "bigram_types.npy",
    "trigram_keys.npy",
    "trigram_counts.npy",
    "meta.json",
)


# The model's tokenizer: the counts were built with it, so every query must use it too.
tokenize = ngram_tokens


def hash_keys(keys: np.ndarray) -> np.ndarray:
    """Mix exact uint64 n-gram keys down to uint32 (murmur3 finaliser)."""
    h = keys.astype(np.uint64, copy=True)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return (h & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def bigram_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return hash_keys((a.astype(np.uint64) << np.uint64(ID_BITS)) | b.astype(np.uint64))


def trigram_keys(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    shifted = (a.astype(np.uint64) << np.uint64(2 * ID_BITS)) | (b.astype(np.uint64) << np.uint64(ID_BITS))
    return hash_keys(shifted | c.astype(np.uint64))


def encode_counts(counts: np.ndarray) -> np.ndarray:
    """uint8 codes: exact below CODE_EXACT, log-scale above (relative error under 4%)."""
    counts = np.asarray(counts, dtype=np.float64)
    big = CODE_EXACT + np.floor(np.log(np.maximum(counts, CODE_EXACT) / CODE_EXACT) / np.log(CODE_BASE))
    codes = np.where(counts < CODE_EXACT, counts, np.minimum(big, 255))
    return codes.astype(np.uint8)


def decode_table() -> np.ndarray:
    """Lookup table code -> count (float64), geometric mid-point of each log bucket."""
    codes = np.arange(256, dtype=np.float64)
    big = CODE_EXACT * CODE_BASE ** (codes - CODE_EXACT + 0.5)
    return np.where(codes < CODE_EXACT, codes, big)


def positions(sorted_keys: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each hashed query in the table and whether it is there (one binary search)."""
    if len(sorted_keys) == 0:
        return np.zeros(len(queries), dtype=np.intp), np.zeros(len(queries), dtype=bool)
    # Searching sorted queries walks the table in order: several times faster (cache locality).
    order = np.argsort(queries, kind="stable")
    pos = np.empty(len(queries), dtype=np.intp)
    pos[order] = np.searchsorted(sorted_keys, queries[order])
    pos = np.minimum(pos, len(sorted_keys) - 1)
    return pos, sorted_keys[pos] == queries


def lookup(sorted_keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Values for hashed keys (0 where absent), one vectorised binary search."""
    if len(sorted_keys) == 0:
        return np.zeros(len(queries), dtype=values.dtype)
    pos, found = positions(sorted_keys, queries)
    return np.where(found, values[pos], 0)


# --------------------------------------------------------------------------- counting
class Encoder:
    """Assigns provisional ids to normalised tokens while a corpus streams past."""

    def __init__(self) -> None:
        self.words = ["<unk>", "<s>"]
        self.index = {w: i for i, w in enumerate(self.words)}

    def paragraph(self, text: str) -> list[int]:
        """``BOS`` then the ids of the paragraph's tokens (new words get new ids)."""
        out = [BOS]
        for match in NGRAM_TOKEN_RE.finditer(text):  # no Token objects: this runs over the whole corpus
            word = normalize(match.group())
            i = self.index.get(word)
            if i is None:
                i = self.index[word] = len(self.words)
                self.words.append(word)
            out.append(i)
        return out


def prune_vocab(ids: np.ndarray, words: Sequence[str], min_word: int) -> tuple[np.ndarray, list[str]]:
    """Map words seen fewer than ``min_word`` times to ``UNK``; frequent words get small ids."""
    counts = np.bincount(ids, minlength=len(words))
    keep = np.flatnonzero(counts >= min_word)
    keep = keep[(keep != UNK) & (keep != BOS)]
    keep = keep[np.argsort(-counts[keep], kind="stable")]
    if len(keep) + 2 >= 1 << ID_BITS:
        raise ValueError(f"vocabulary of {len(keep)} words does not fit in {ID_BITS}-bit ids")
    mapping = np.full(len(words), UNK, dtype=np.int64)
    mapping[BOS] = BOS
    mapping[keep] = np.arange(2, len(keep) + 2)
    return mapping[ids], ["<unk>", "<s>"] + [words[i] for i in keep]


def hashed_table(counts: np.ndarray, hashes: np.ndarray, extra: np.ndarray | None = None) -> list[np.ndarray]:
    """Sort by hash; colliding entries are merged by summing (a few per million)."""
    order = np.argsort(hashes, kind="stable")
    hashes, counts = hashes[order], counts[order]
    if len(hashes) == 0:  # reduceat cannot reduce nothing (a tiny corpus with no repeated trigram)
        return [hashes, counts] + ([extra[order]] if extra is not None else [])
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    out = [hashes[starts], np.add.reduceat(counts, starts)]
    if extra is not None:
        out.append(np.add.reduceat(extra[order], starts))
    return out


def count_tables(ids: np.ndarray, vocab_size: int, min_bigram: int = 1, min_trigram: int = 2) -> dict[str, np.ndarray]:
    """Unigram, bigram and trigram tables (the ``.npy`` files) from an id stream with ``BOS`` marks."""
    shift, mask = np.int64(ID_BITS), np.int64((1 << ID_BITS) - 1)
    uni_counts = np.bincount(ids, minlength=vocab_size)
    a, b = ids[:-1], ids[1:]
    valid = b != BOS  # never count across paragraph boundaries
    bi_exact, bi_counts = np.unique((a[valid] << shift) | b[valid], return_counts=True)
    uni_types = np.bincount(bi_exact >> shift, minlength=vocab_size)
    a, b, c = ids[:-2], ids[1:-1], ids[2:]
    valid = (b != BOS) & (c != BOS)
    tri_exact, tri_counts = np.unique((a[valid] << (2 * shift)) | (b[valid] << shift) | c[valid], return_counts=True)
    # Distinct followers of each bigram (Witten-Bell), counted before pruning.
    prefixes, prefix_types = np.unique(tri_exact >> shift, return_counts=True)
    pos = np.minimum(np.searchsorted(prefixes, bi_exact), max(len(prefixes) - 1, 0))
    bi_types = np.where(prefixes[pos] == bi_exact, prefix_types[pos], 0) if len(prefixes) else np.zeros_like(bi_exact)
    keep = bi_counts >= min_bigram
    bk = bi_exact[keep]
    bi_hash, bi_c, bi_t = hashed_table(bi_counts[keep], bigram_keys(bk >> shift, bk & mask), bi_types[keep])
    keep = tri_counts >= min_trigram
    tk = tri_exact[keep]
    tri_hash, tri_c = hashed_table(tri_counts[keep], trigram_keys(tk >> (2 * shift), (tk >> shift) & mask, tk & mask))
    return {
        "unigram_counts": uni_counts.astype(np.uint32),
        "unigram_types": uni_types.astype(np.uint32),
        "bigram_keys": bi_hash,
        "bigram_counts": encode_counts(bi_c),
        "bigram_types": encode_counts(bi_t),
        "trigram_keys": tri_hash,
        "trigram_counts": encode_counts(tri_c),
    }


def holdout_article_ids(models_root: Path, corpus: Path) -> frozenset[str] | None:
    """Ids of the corpus articles the shipped counts left out: the first ``holdout_articles`` of
    ``corpus`` (``meta.json``). Rows of these articles may fit or tune anything that uses the
    counts without judging it on sentences it has counted. None when the folder or the corpus
    does not say."""
    import gzip
    import itertools

    meta = Path(models_root) / "ngram" / "meta.json"
    holdout = json.loads(meta.read_text(encoding="utf-8")).get("holdout_articles", 0) if meta.is_file() else 0
    if not holdout or not Path(corpus).is_file():
        return None
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        return frozenset(json.loads(line).get("id") for line in itertools.islice(lines, holdout))


class NgramModel:
    """Hashed trigram counts with interpolated Witten-Bell smoothing (log-probabilities, base e)."""

    def __init__(self, vocab: Sequence[str], arrays: dict[str, np.ndarray], meta: dict):
        self.vocab = list(vocab)
        self.ids = {word: i for i, word in enumerate(self.vocab)}
        self.meta = meta
        self.arrays = arrays
        table = decode_table()
        self.uni_count = arrays["unigram_counts"].astype(np.float64)
        self.uni_types = arrays["unigram_types"].astype(np.float64)
        self.bi_keys = arrays["bigram_keys"]
        self.bi_count = table[arrays["bigram_counts"]]
        self.bi_types = table[arrays["bigram_types"]]
        self.tri_keys = arrays["trigram_keys"]
        self.tri_count = table[arrays["trigram_counts"]]
        total = float(meta["tokens"])
        # An unknown word is as likely as a word seen once: rare, not impossible.
        self.uni_prob = np.maximum(self.uni_count, 0.5) / total
        self.uni_prob[UNK] = 0.5 / total

    @classmethod
    def build(
        cls, paragraphs: Iterable[str], *, min_word: int = 2, min_bigram: int = 1, min_trigram: int = 2
    ) -> "NgramModel":
        """Count a model in memory (tests, small corpora; the shipped one comes from the script)."""
        encoder = Encoder()
        raw = np.array([i for p in paragraphs for i in encoder.paragraph(p)], dtype=np.int64)
        ids, vocab = prune_vocab(raw, encoder.words, min_word)
        arrays = count_tables(ids, len(vocab), min_bigram, min_trigram)
        meta = {"tokens": int(len(ids)), "vocab": len(vocab), "min_word": min_word,
                "min_bigram": min_bigram, "min_trigram": min_trigram}
        return cls(vocab, arrays, meta)

    def save(self, folder: Path) -> None:
        """Write the files listed in FILES to ``folder`` (created if needed)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "vocab.txt").write_text("\n".join(self.vocab), encoding="utf-8")
        for name, values in self.arrays.items():
            np.save(folder / f"{name}.npy", values)
        (folder / "meta.json").write_text(json.dumps(self.meta, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, root: Path) -> "NgramModel":
        """Read ``root/ngram/`` (the shipped models folder's n-gram statistics)."""
        folder = Path(root) / "ngram"
        missing = [name for name in FILES if not (folder / name).is_file()]
        if missing:
            raise ModelNotFoundError(f"n-gram statistics incomplete in {folder}: missing {missing}; run scripts/build_ngrams.py")
        vocab = (folder / "vocab.txt").read_text(encoding="utf-8").split("\n")
        arrays = {name[:-4]: np.load(folder / name) for name in FILES if name.endswith(".npy")}
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        return cls(vocab, arrays, meta)

    def encode(self, norms: Sequence[str]) -> np.ndarray:
        """Ids of normalised tokens (``UNK`` for words outside the vocabulary)."""
        get = self.ids.get
        return np.fromiter((get(w, UNK) for w in norms), dtype=np.int64, count=len(norms))

    def knows(self, norms: Sequence[str]) -> bool:
        """True when ``norms`` is non-empty and every word is in the vocabulary (none encodes as ``UNK``)."""
        return len(norms) > 0 and UNK not in self.encode(norms)

    def count(self, norms: Sequence[str]) -> float:
        """Corpus count of a 1-3 token n-gram (approximate above 127; 0 if pruned or absent).

        An n-gram with a word outside the vocabulary is absent: the ``UNK`` id holds the pooled
        count of every unknown word, which made the rarest words look as common as "world".
        """
        if not self.knows(norms):
            return 0.0
        ids = self.encode(norms)
        if len(ids) == 1:
            return float(self.uni_count[ids[0]])
        cols = [np.array([i]) for i in ids]
        if len(ids) == 2:
            return float(lookup(self.bi_keys, self.bi_count, bigram_keys(*cols))[0])
        return float(lookup(self.tri_keys, self.tri_count, trigram_keys(*cols))[0])

    def bigram_seen(self, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """True where the bigram (v, w) occurs in the corpus (unknown words never count as seen)."""
        found = lookup(self.bi_keys, self.bi_count, bigram_keys(v, w)) > 0
        return found & (v != UNK) & (w != UNK)

    def logprob(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """log P(w | u, v) for aligned id arrays (vectorised)."""
        # An unknown word pools all rare words: fine as history, but as the predicted word
        # it is one rare word, so its pooled n-gram counts are ignored.
        known = w != UNK
        p1 = self.uni_prob[w]
        c_v = self.uni_count[v]
        t_v = np.maximum(self.uni_types[v], 1.0)
        c_vw = lookup(self.bi_keys, self.bi_count, bigram_keys(v, w)) * known
        p2 = (c_vw + t_v * p1) / (c_v + t_v)
        pos, found = positions(self.bi_keys, bigram_keys(u, v))
        c_uv = np.where(found, self.bi_count[pos], 0.0)
        t_uv = np.maximum(np.where(found, self.bi_types[pos], 0.0), 1.0)
        c_uvw = lookup(self.tri_keys, self.tri_count, trigram_keys(u, v, w)) * known
        # Pruned trigrams make c_uvw an underestimate; the bigram term absorbs the rest.
        p3 = np.where(c_uv > 0, (c_uvw + t_uv * p2) / np.maximum(c_uv + t_uv, 1.0), p2)
        return np.log(p3)

    def token_logprobs(self, text: str) -> list[tuple[Token, float]]:
        """Each token of ``text`` with its log-probability given the two before it (surprisal
        features for a tagger: spun words tend to be unlikely where they stand)."""
        tokens = tokenize(text)
        if not tokens:
            return []
        values = self.sequence_logprob(self.encode([t.norm for t in tokens]))
        return list(zip(tokens, values.tolist()))

    def fill_logprobs(self, text: str, start: int, end: int, fills: Sequence[str], context: int = 2) -> list[float]:
        """log-probability of each ``fill`` put in place of ``text[start:end]``, with the ``context``
        tokens after it (they judge how the fill joins the sentence); two tokens of history."""
        left = [t.norm for t in tokenize(text[:start])][-2:]
        right = [t.norm for t in tokenize(text[end:])][:context]
        history = np.concatenate([np.full(2 - len(left), BOS), self.encode(left)]).astype(np.int64)
        right_ids = self.encode(right)
        scores = []
        for fill in fills:
            seq = np.concatenate([history, self.encode([t.norm for t in tokenize(fill)]), right_ids])
            scores.append(float(self.logprob(seq[:-2], seq[1:-1], seq[2:]).sum()))
        return scores

    def sequence_logprob(self, ids: np.ndarray) -> np.ndarray:
        """Per-token log-probabilities of an id sequence that starts with its own history."""
        padded = np.concatenate([[BOS, BOS], ids])
        return self.logprob(padded[:-2], padded[1:-1], padded[2:])
