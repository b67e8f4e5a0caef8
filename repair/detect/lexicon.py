"""The lexicon detector: spinner-synonym candidates scored against corpus n-gram statistics.

For every word or short phrase ``w`` of a paragraph, the thesaurus says which words ``c`` a
spinner could have replaced by ``w`` (``Thesaurus.originals``, inflected like ``w``). The
corpus trigram model scores the window "two tokens before, ``c``, two tokens after" against
the same window with ``w``; the gain, split into a context part and a word-frequency part,
plus a few other features, goes through a logistic calibration (candidate -> phrase). A
spike-and-slab model then decides per paragraph: it is clean, or spun at some rate, so a lone
odd word in clean text stays unflagged while a paragraph with several strong phrases gets its
weaker ones flagged too. All weights live in ``models/ngram/calibration.json``, fitted on
synthetic spins of held-out paragraphs by ``scripts/build_ngrams.py --calibrate``, so span and
passage scores read as probabilities (at the prior share of spun paragraphs stated there).
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from repair.detect.candidates import PHRASE_MEMO_SIZE, SOURCES, Candidate, CandidateSource
from repair.detect.originals import OriginalsTable, PhraseOriginals, phrase_originals, read_table
from repair.memo import Memo
from repair.resources.ngram import BOS, UNK, NgramModel, Token, tokenize
from repair.resources.shared import Resources
from repair.results import DetectionReport, Span
from repair.text import overlaps

CALIBRATION_FILE = "calibration.json"
PUNCT = frozenset({".", ","})
# Paragraphs scored together: enough to share the model's calls, few enough that the candidate
# arrays (tens of candidates per word) stay a few tens of MB.
BATCH_PARAGRAPHS = 64
FEATURES = (
    "ctx_gain", "freq_gain", "log_prior", "orig_unseen", "cand_seen", "capital", "multiword", "orig_log_freq",
    "log_candidates", "bias",
)


@dataclass(frozen=True)
class LexiconConfig:
    """Settings of the lexicon detector and restorer.

    Args:
        max_phrase: longest spun phrase looked at, in tokens ("in opposition to" = 3).
        max_candidates: candidates kept per phrase, by thesaurus weight.
        sources: thesaurus sources a candidate original may come from.
        span_threshold: span probability at or above which a span is reported.
        weak_span_threshold: spans from here up to ``span_threshold`` are passed on as weak spans
            (not reported; a restorer may examine them in a spun passage).
        context: tokens right of the phrase whose probability the candidate changes.
        rate_grid: points of the grid over a spun paragraph's substitution rate.
    """

    max_phrase: int = 3
    max_candidates: int = 40
    sources: tuple[str, ...] = SOURCES
    span_threshold: float = 0.5
    weak_span_threshold: float = 0.1
    context: int = 2
    rate_grid: int = 48


@dataclass(frozen=True)
class Calibration:
    """Fitted on synthetic spins (``scripts/build_ngrams.py --calibrate``).

    Attributes:
        candidate: logistic weights over FEATURES: is this candidate the original?
        span: (a, b): ``a * best candidate logit + b`` is the logit that the span was substituted,
            at the calibration data's share of substituted spans, ``span_prior``.
        rate_prior: (alpha, beta, p_spun): a paragraph is spun with prior probability ``p_spun``
            and then substitutes each phrase at a rate drawn from Beta(alpha, beta); otherwise
            it is clean. ``p_spun`` is set low enough that clean news is rarely flagged.
        passage: (a, b): ``a * logit P(spun | evidence) + b`` gives the passage score, refitted
            on the calibration paragraphs reweighted to the prior ``p_spun`` (so it reads as a
            probability when that share of paragraphs is spun).
    """

    candidate: tuple[float, ...] = (0.5, 0.2, 0.3, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, -8.0)
    span: tuple[float, float] = (1.0, 0.0)
    span_prior: float = 0.01
    rate_prior: tuple[float, float, float] = (1.5, 6.0, 0.05)
    passage: tuple[float, float] = (1.0, 0.0)

    @classmethod
    def load(cls, folder: Path) -> "Calibration":
        """Read ``folder/calibration.json``; defaults (uncalibrated) when it is absent."""
        path = folder / CALIBRATION_FILE
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        fields = ("candidate", "span", "span_prior", "rate_prior", "passage")
        return cls(**{k: tuple(data[k]) if isinstance(data[k], list) else data[k] for k in fields})


@dataclass(frozen=True)
class Scored:
    """A candidate with its n-gram gain, features and logit of being the original."""

    candidate: Candidate
    gain: float
    features: tuple[float, ...]
    logit: float


@dataclass(frozen=True)
class SpanVerdict:
    """The best candidate of one phrase, P(phrase substituted) and the candidate's share."""

    best: Scored
    prob: float
    share: float


@dataclass(frozen=True)
class Analysis:
    """Everything the detector and restorer need about one paragraph."""

    verdicts: tuple[SpanVerdict, ...]
    score: float
    p_spun: float
    rate: float
    words: int


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(x, 40.0), -40.0)))


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


@dataclass(frozen=True, eq=False)
class ScoredParagraph:
    """Every candidate of one paragraph with its n-gram gain and feature row (arrays aligned).

    ``first``/``last`` are token indices of the phrase, ``start``/``end`` character offsets.
    """

    paragraph: str
    first: np.ndarray
    last: np.ndarray
    start: np.ndarray
    end: np.ndarray
    replacements: tuple[str, ...]
    priors: np.ndarray
    gains: np.ndarray
    features: np.ndarray
    words: int

    def __len__(self) -> int:
        return len(self.replacements)

    def candidate(self, i: int) -> Candidate:
        start, end = int(self.start[i]), int(self.end[i])
        return Candidate(int(self.first[i]), int(self.last[i]), start, end, self.paragraph[start:end],
                         self.replacements[i], float(self.priors[i]))


def ngram_words(tokens: Sequence[Token]) -> int:
    """Words among n-gram tokens (clause punctuation is a token too)."""
    return sum(1 for t in tokens if t.norm not in PUNCT)


def capitalised(tokens: Sequence[Token]) -> np.ndarray:
    """1.0 for a token capitalised inside a sentence: names and titles, which spinners rarely touch."""
    return np.array([t.text[:1].isupper() and i > 0 and tokens[i - 1].norm != "." for i, t in enumerate(tokens)], dtype=float)


def empty_scored(paragraph: str, words: int) -> ScoredParagraph:
    none = np.zeros(0, dtype=np.int64)
    return ScoredParagraph(paragraph, none, none, none, none, (), np.zeros(0), np.zeros(0), np.zeros((0, len(FEATURES))), words)


class LexiconScorer:
    """Scores every candidate substitution of a paragraph with the corpus n-gram model."""

    def __init__(self, ngram: NgramModel, source: CandidateSource, calibration: Calibration, config: LexiconConfig,
                 table: OriginalsTable | None = None):
        self.ngram = ngram
        self.source = source
        self.calibration = calibration
        self.config = config
        self.table = table  # each vocabulary word's originals, computed at build time (None: look up)
        self._weights = np.array(calibration.candidate, dtype=np.float64)
        # Candidate originals per phrase as arrays: a pure function of the shipped models, so a
        # per-instance memo rather than global state; least recently used phrases are dropped, as
        # a long batch meets new phrases all along (a 500,000-entry dict grew workers by >1 GB).
        self._phrase_memo: Memo[str, PhraseOriginals | None] = Memo(PHRASE_MEMO_SIZE)
        self._log_uni = np.log(ngram.uni_prob)

    def phrase_originals(self, phrase: str) -> PhraseOriginals | None:
        """Candidate originals of ``phrase`` known to the corpus, as arrays; None when there are none."""
        return self._phrase_memo.get_or(phrase, self._phrase_originals)

    def _phrase_originals(self, phrase: str) -> PhraseOriginals | None:
        word_id = self.ngram.ids.get(phrase) if self.table is not None else None
        if word_id is not None:
            return self.table.originals(word_id, self.ngram.vocab, self._log_uni)
        return phrase_originals(self.lookup_originals(phrase), self._log_uni)

    def lookup_originals(self, phrase: str) -> list[tuple[str, float, list[int]]]:
        """(original, prior, token ids) of ``phrase`` from the thesaurus, originals the corpus knows only."""
        kept = []
        for replacement, prior in self.source.originals(phrase):
            ids = [int(i) for i in self.ngram.encode(replacement.split())]
            if UNK not in ids:  # an original never seen in 10M words of news is not worth proposing
                kept.append((replacement, prior, ids))
        return kept

    def phrases(self, tokens: Sequence[Token]) -> list[tuple[int, int, PhraseOriginals]]:
        """(first, last, originals) for every phrase of up to ``max_phrase`` tokens that has originals."""
        out = []
        norms = [t.norm for t in tokens]
        may_have_originals = self.source.may_have_originals
        for first in range(len(norms)):
            for last in range(first + 1, min(first + self.config.max_phrase, len(norms)) + 1):
                if norms[last - 1] in PUNCT:
                    break
                phrase = " ".join(norms[first:last])
                found = self.phrase_originals(phrase) if may_have_originals(phrase) else None
                if found is not None:
                    out.append((first, last, found))
        return out

    def score(self, paragraph: str) -> ScoredParagraph:
        """All candidates of ``paragraph`` with n-gram gains and features (see ``score_batch``)."""
        return self.score_batch([paragraph])[0]

    def score_batch(self, paragraphs: Sequence[str]) -> list[ScoredParagraph]:
        """All candidates of each paragraph with n-gram gains and features, one vectorised pass for the batch.

        For each candidate the window "two tokens of history, the candidate, ``context`` tokens
        of right context" is scored with the trigram model and compared with the same window
        around the original phrase. The paragraphs share each call into the model (one call per
        paragraph cost more than its arithmetic), but every number is computed as for the
        paragraph alone: the same element-wise operations, sums in the same order.
        """
        tokens = [tokenize(p) for p in paragraphs]
        blocks = [self.phrases(t) for t in tokens]
        flat = [(j, b) for j, bs in enumerate(blocks) for b in bs]
        if not flat:
            return [empty_scored(p, ngram_words(t)) for p, t in zip(paragraphs, tokens)]
        k = self.config.context
        width = max(b[2].ids.shape[1] for _, b in flat)
        ids = [self.ngram.encode([t.norm for t in ts]) for ts in tokens]
        # Each paragraph as [BOS, BOS, ids..., BOS x (k + width + 2)] in one array; ``at[j]`` is where
        # paragraph j starts in it, ``cum_at[j]`` where its running sums start (n + 1 values each).
        padded = np.concatenate([np.concatenate([[BOS, BOS], i, np.full(k + width + 2, BOS)]) for i in ids])
        lengths = np.array([len(i) for i in ids])
        at = np.concatenate([[0], np.cumsum(lengths + k + width + 4)[:-1]])
        cum_at = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
        token_at = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        history = np.concatenate([np.arange(n) + a for n, a in zip(lengths, at)])
        token_lp = self.ngram.logprob(padded[history], padded[history + 1], padded[history + 2])
        cum = np.concatenate([np.concatenate([[0.0], np.cumsum(token_lp[t:t + n])]) for t, n in zip(token_at, lengths)])
        uni_cum = np.concatenate([np.concatenate([[0.0], np.cumsum(self._log_uni[i])]) for i in ids])

        sizes = [len(b[2].replacements) for _, b in flat]
        para = np.repeat([j for j, _ in flat], sizes)
        first = np.repeat([b[0] for _, b in flat], sizes)
        last = np.repeat([b[1] for _, b in flat], sizes)
        rep = np.full((len(first), width), -1, dtype=np.int64)
        for row, (_, b) in zip(np.cumsum([0, *sizes[:-1]]), flat):
            rep[row: row + len(b[2].ids), : b[2].ids.shape[1]] = b[2].ids
        rep_len = np.concatenate([b[2].lengths for _, b in flat])
        n = lengths[para]
        right_end = np.minimum(last + k, n)
        orig = cum[cum_at[para] + right_end] - cum[cum_at[para] + first]
        cols = np.arange(2 + width + k)[None, :]
        rep_cols = np.clip(cols - 2, 0, width - 1)
        base = at[para][:, None]
        right_idx = base + last[:, None] + (cols - 2 - rep_len[:, None]) + 2
        rows = np.arange(len(first))[:, None]
        seq = np.where(
            cols < 2,
            padded[np.clip(base + first[:, None] + cols, 0, len(padded) - 1)],
            np.where(cols < 2 + rep_len[:, None], rep[rows, rep_cols], padded[np.clip(right_idx, 0, len(padded) - 1)]),
        )
        length = 2 + rep_len + (right_end - last)
        mask = cols[:, 2:] < length[:, None]
        lp = self.ngram.logprob(seq[:, :-2][mask], seq[:, 1:-1][mask], seq[:, 2:][mask])
        owner = np.broadcast_to(rows, mask.shape)[mask]
        gains = np.bincount(owner, weights=lp, minlength=len(first)) - orig
        c_last = rep[np.arange(len(first)), rep_len - 1]
        g_first, g_last = at[para] + first, at[para] + last
        context = np.column_stack([first, last, padded[g_first + 1], padded[g_first + 2], padded[g_last + 1],
                                   padded[g_last + 2], rep[:, 0], c_last])
        rep_freq = np.concatenate([b[2].log_freq for _, b in flat])
        priors = np.concatenate([b[2].priors for _, b in flat])
        freq_gain = rep_freq - (uni_cum[cum_at[para] + last] - uni_cum[cum_at[para] + first])
        capital = np.concatenate([capitalised(ts) for ts in tokens])[token_at[para] + first]
        phrase_key = first * 4096 + last  # one phrase of one paragraph (as ``best_per_phrase`` groups them)
        phrase_key = para * (int(phrase_key.max()) + 1) + phrase_key
        features = self.features(context, rep_freq, priors, gains, freq_gain, capital, phrase_key)
        starts = np.array([t.start for ts in tokens for t in ts], dtype=np.int64)
        ends = np.array([t.end for ts in tokens for t in ts], dtype=np.int64)
        bounds = np.searchsorted(para, np.arange(len(paragraphs) + 1))
        replacements = [r for _, b in flat for r in b[2].replacements]
        out = []
        for j, (paragraph, ts) in enumerate(zip(paragraphs, tokens)):
            lo, hi = bounds[j], bounds[j + 1]
            f, l, t = first[lo:hi], last[lo:hi], token_at[j]
            out.append(empty_scored(paragraph, ngram_words(ts)) if lo == hi else ScoredParagraph(
                paragraph, f, l, starts[t + f], ends[t + l - 1], tuple(replacements[lo:hi]), priors[lo:hi], gains[lo:hi],
                features[lo:hi], ngram_words(ts)))
        return out

    def features(self, rows: np.ndarray, rep_freq: np.ndarray, priors: np.ndarray, gains: np.ndarray, freq_gain: np.ndarray,
                 capital: np.ndarray, phrase_key: np.ndarray) -> np.ndarray:
        """One row per candidate, columns as in FEATURES (``rows`` and the rest from ``score_batch``)."""
        first, last, left, w_first, w_last, right, c_first, c_last = rows.T
        seen = self.ngram.bigram_seen
        at_end = right == BOS
        orig_unseen = (~seen(left, w_first)).astype(float) + (~(seen(w_last, right) | at_end)).astype(float)
        cand_seen = seen(left, c_first).astype(float) + (seen(c_last, right) | at_end).astype(float)
        multiword = (last - first > 1).astype(float)
        # A rare word has many frequent synonyms; the best of many candidates wins by chance.
        _, inverse, counts = np.unique(phrase_key, return_inverse=True, return_counts=True)
        return np.column_stack([
            gains - freq_gain, freq_gain, np.log(np.maximum(priors, 1e-3)), orig_unseen, cand_seen,
            capital, multiword, self._log_uni[w_first] - math.log(1e-4), np.log(counts[inverse]),
            np.ones(len(gains)),
        ])

    def analyse_batch(self, paragraphs: Sequence[str]) -> list[Analysis]:
        """``analyse`` of each paragraph, scored ``BATCH_PARAGRAPHS`` at a time (``score_batch``)."""
        out = []
        for i in range(0, len(paragraphs), BATCH_PARAGRAPHS):
            out += [self.analyse_scored(s) for s in self.score_batch(paragraphs[i:i + BATCH_PARAGRAPHS])]
        return out

    def analyse(self, paragraph: str) -> Analysis:
        """Per-phrase verdicts and the paragraph score (see ``analyse_scored``)."""
        return self.analyse_scored(self.score(paragraph))

    def best_per_phrase(self, scored: ScoredParagraph, logits: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Index of the best candidate of each phrase, its logit, and its share of the phrase's mass."""
        _, inverse = np.unique(scored.first * 4096 + scored.last, return_inverse=True)
        order = np.lexsort((-logits, inverse))
        is_first = np.r_[True, inverse[order][1:] != inverse[order][:-1]]
        best = order[is_first]  # one per phrase, in phrase order
        top = logits[best][inverse]
        mass = np.bincount(inverse, weights=np.exp(logits - top))
        return best, logits[best], 1.0 / mass

    def analyse_scored(self, scored: ScoredParagraph, weights: np.ndarray | None = None) -> Analysis:
        """Best candidate per phrase, non-overlapping; the spike-and-slab paragraph posterior.

        Each phrase's evidence is a likelihood ratio (calibrated logit minus the calibration
        prior), so that a word in a heavily spun paragraph needs less evidence than one in
        clean text (see ``spin_posterior``).
        """
        cal = self.calibration
        if not len(scored):
            p_spun, rate, _ = spin_posterior(np.zeros(0), cal.rate_prior, self.config.rate_grid)
            return Analysis((), round(sigmoid(cal.passage[0] * logit(p_spun) + cal.passage[1]), 4), p_spun, rate, scored.words)
        logits = scored.features @ (self._weights if weights is None else weights)
        best, top, shares = self.best_per_phrase(scored, logits)
        llr = cal.span[0] * top + cal.span[1] - logit(cal.span_prior)
        chosen: list[tuple[float, Scored, float]] = []
        taken: list[tuple[int, int]] = []
        for j in np.argsort(-llr, kind="stable"):
            i = int(best[j])
            lo, hi = int(scored.first[i]), int(scored.last[i])
            if not any(overlaps(lo, hi, a, b) for a, b in taken):
                taken.append((lo, hi))
                verdict = Scored(scored.candidate(i), float(scored.gains[i]), tuple(scored.features[i].tolist()), float(logits[i]))
                chosen.append((float(llr[j]), verdict, float(shares[j])))
        chosen.sort(key=lambda item: item[1].candidate.start)
        llr = np.array([b[0] for b in chosen])
        p_spun, rate, probs = spin_posterior(llr, cal.rate_prior, self.config.rate_grid)
        score = sigmoid(cal.passage[0] * logit(p_spun) + cal.passage[1])
        # P(phrase substituted) = P(paragraph spun) x P(substituted | spun), with the calibrated
        # passage score as the first factor, so no span is surer than its paragraph.
        probs = probs * (score / max(p_spun, 1e-12))
        verdicts = tuple(SpanVerdict(b[1], float(min(p, 1.0)), b[2]) for b, p in zip(chosen, probs))
        return Analysis(verdicts, round(score, 4), p_spun, rate, scored.words)


def spin_posterior(llr: np.ndarray, prior: Sequence[float], points: int = 48) -> tuple[float, float, np.ndarray]:
    """P(paragraph spun), its expected rate, and P(substituted) of each phrase.

    A paragraph is clean, or spun with a substitution rate ``r`` ~ Beta(alpha, beta); each
    phrase with a candidate original is substituted with probability ``r`` and then shows
    the evidence ``llr`` (log-likelihood ratio, substituted vs original). The integral over
    ``r`` is a sum over a grid, so several strong phrases make a paragraph spun, and then
    each of its phrases needs less evidence than a lone one in clean text.

    Args:
        llr: log-likelihood ratio of each candidate phrase.
        prior: (alpha, beta, p_spun).
        points: grid size over the rate.

    Returns:
        (P(spun | llr), E[rate | spun, llr], per-phrase P(substituted | llr)).
    """
    alpha, beta, p_spun = prior
    rates = (np.arange(points) + 0.5) / points * 0.8
    log_w = (alpha - 1) * np.log(rates) + (beta - 1) * np.log1p(-rates)
    log_w -= np.logaddexp.reduce(log_w)
    if len(llr) == 0:
        return p_spun, float(np.exp(log_w) @ rates), np.zeros(0)
    # log P(evidence of phrase i | rate) relative to "clean": log(r e^llr + 1 - r)
    per = np.logaddexp(np.log(rates)[None, :] + llr[:, None], np.log1p(-rates)[None, :])
    log_like = per.sum(axis=0) + log_w
    log_m1 = np.logaddexp.reduce(log_like)
    post_spun = sigmoid(log_m1 + logit(p_spun))
    weights = np.exp(log_like - log_m1)
    inside = 1.0 / (1.0 + np.exp(-np.clip(llr[:, None] + np.log(rates / (1 - rates))[None, :], -40, 40)))
    probs = post_spun * (inside @ weights)
    return post_spun, float(weights @ rates), probs


def reason(verdict: SpanVerdict) -> str:
    """Why a span was flagged, in words."""
    best = verdict.best
    return (
        f"{best.candidate.text!r} rare here; corpus prefers {best.candidate.replacement!r} "
        f"(log-prob gain {best.gain:+.1f})"
    )


@dataclass
class LexiconDetector:
    """Detector kind "lexicon": n-gram-scored spinner-synonym lexicon (see module docstring)."""

    scorer: LexiconScorer
    config: LexiconConfig = field(default_factory=LexiconConfig)

    def detect_batch(self, paragraphs: Sequence[str]) -> list[DetectionReport]:
        """One report per paragraph; span offsets refer to that paragraph."""
        return [self.report(a) for a in self.scorer.analyse_batch(paragraphs)]

    def report(self, analysis: Analysis) -> DetectionReport:
        """The report of one analysed paragraph: spans at the span threshold, weaker ones as weak spans."""
        spans = tuple(
            Span(v.best.candidate.start, v.best.candidate.end, v.best.candidate.text, round(v.prob, 4), reason(v))
            for v in analysis.verdicts
            if v.prob >= self.config.weak_span_threshold
        )
        strong = tuple(s for s in spans if s.score >= self.config.span_threshold)
        weak = tuple(s for s in spans if s.score < self.config.span_threshold)
        return DetectionReport(score=analysis.score, spun=analysis.score >= 0.5, spans=strong, words=analysis.words, weak_spans=weak)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 50, sample_weight: np.ndarray | None = None
) -> np.ndarray:
    """Weights of a logistic regression by Newton's method (the last column of ``x`` is the bias).

    ``sample_weight`` reweights rows, e.g. to fit at a class prior other than the data's.
    """
    sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    w = np.zeros(x.shape[1])
    reg = np.full(x.shape[1], l2 * sw.sum())
    reg[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -40, 40)))
        grad = x.T @ (sw * (p - y)) + reg * w
        hess = (x * (sw * p * (1 - p))[:, None]).T @ x + np.diag(reg) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def build_scorer(resources: Resources, config: LexiconConfig = LexiconConfig(), calibration: Calibration | None = None) -> LexiconScorer:
    """The lexicon scorer over the shared n-gram model and thesaurus, with its calibration."""
    from repair.synth.spin import FUNCTION_WORDS

    source = CandidateSource(resources.thesaurus, config.max_candidates, FUNCTION_WORDS, config.sources)
    calibration = calibration or Calibration.load(resources.root / "ngram")
    return LexiconScorer(resources.ngram, source, calibration, config, read_table(resources.root, source.settings()))


def load_lexicon(resources: Resources) -> LexiconDetector:
    """The lexicon detector over the shared resources; registered as the "lexicon" detector kind."""
    return LexiconDetector(build_scorer(resources))
