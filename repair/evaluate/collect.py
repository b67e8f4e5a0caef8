"""Collect per-pair statistics while an evaluation streams: only counts are kept per pair,
plus the texts of the worst few examples, so 10,000+ pairs never need all outputs in memory."""
from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

import repair.evaluate.metrics as M
from repair import text as textutil
from repair.evaluate.alignment import align, restored, tokens
from repair.evaluate.pairs import Pair
from repair.evaluate.systems import DO_NOTHING, SYSTEM, SystemOutput
from repair.results import Edit
from repair.synth.spin import Substitution


def batched(items: Iterable[Pair], size: int) -> Iterator[list[Pair]]:
    batch: list[Pair] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def covers(sub: Substitution, start: int, end: int) -> bool:
    """Does the substitution (spun-text offsets) overlap [start, end)? An insertion
    (start == end) counts when it touches the substitution."""
    if start == end:
        return sub.spun_start <= start <= sub.spun_end
    return textutil.overlaps(sub.spun_start, sub.spun_end, start, end)


def reference_edit_kinds(source: str, reference: str, subs: Sequence[Substitution]) -> list[Substitution | None]:
    """For each reference edit, the first substitution overlapping it (None if none does)."""
    words = textutil.words(source)
    kinds = []
    for edit in align(tokens(source), tokens(reference)).edits:
        start = words[edit.o_start].start if edit.o_start < len(words) else len(source)
        end = words[edit.o_end - 1].end if edit.o_end > edit.o_start else start
        kinds.append(next((s for s in subs if covers(s, start, end)), None))
    return kinds


def changed_part(source: str, edit: Edit) -> Edit:
    """``edit`` narrowed to the words it changes: the words its old and new wording share at
    both ends are left out ("will probably be" -> "will be" deletes "probably").

    A restorer rewrites a whole spun phrase, so its edit spans words that the reference keeps
    too; judged on the whole span, every such edit looked wrong.
    """
    old_words, new_words = textutil.words(source[edit.start : edit.end]), textutil.words(edit.new)
    if [w.text for w in old_words] == [w.text for w in new_words]:
        return edit  # only spacing or punctuation changes: nothing to narrow
    shortest = min(len(old_words), len(new_words))
    lead = 0
    while lead < shortest and old_words[lead].text == new_words[lead].text:
        lead += 1
    trail = 0
    while trail < shortest - lead and old_words[-1 - trail].text == new_words[-1 - trail].text:
        trail += 1
    if lead == 0 and trail == 0:
        return edit
    old_middle, new_middle = old_words[lead : len(old_words) - trail], new_words[lead : len(new_words) - trail]
    new = edit.new[new_middle[0].start : new_middle[-1].end] if new_middle else ""
    if old_middle:
        start, end = edit.start + old_middle[0].start, edit.start + old_middle[-1].end
    elif lead:  # an insertion after the last word kept before it
        start = end = edit.start + old_words[lead - 1].end
        new = " " + new
    else:  # an insertion before the first word kept after it
        start = end = edit.start + old_words[-trail].start
        new = new + " "
    return replace(edit, start=start, end=end, old=source[start:end], new=new)


def judge_edits(source: str, reference: str, edits: Sequence[Edit]) -> list[bool]:
    """For each edit, applied alone to the source: is it right?

    Right means, by the word alignment of ``repair.evaluate.alignment``: every source word it
    changes is one the reference changes, and every word it writes lines up with an unchanged
    word of the reference (a deletion must bring the text closer to the reference). The words an
    edit rewrites as they were are not judged (``changed_part``). Judging each edit alone gives
    one verdict per edit even when neighbouring edits are wrong.
    """
    words = textutil.words(source)
    kept_by_reference = align(tokens(source), tokens(reference)).kept()
    reference_tokens = tokens(reference)
    verdicts = []
    for edit in (changed_part(source, e) for e in edits):
        touched = [i for i, w in enumerate(words) if textutil.overlaps(w.start, w.end, edit.start, max(edit.end, edit.start + 1))]
        edited = source[: edit.start] + edit.new + source[edit.end :]
        written = [j for j, w in enumerate(textutil.words(edited))
                   if textutil.overlaps(w.start, w.end, edit.start, edit.start + len(edit.new))]
        kept = align(tokens(edited), reference_tokens).kept()
        closer = sum(not k for k in kept) < sum(not k for k in kept_by_reference)
        right = not any(kept_by_reference[i] for i in touched) and all(kept[j] for j in written) and (bool(written) or closer)
        verdicts.append(right)
    return verdicts


def restored_flags(source: str, hypothesis: str, reference: str) -> list[bool]:
    """For each reference edit: does the hypothesis restore it (``metrics.restored``)?"""
    src = tokens(source)
    hyp = align(src, tokens(hypothesis))
    ref = align(src, tokens(reference))
    return [restored(edit, hyp, ref) for edit in ref.edits]


@dataclass
class Collector:
    """Mutable per-run accumulator of per-pair statistics (lives only inside ``evaluate``).

    Args:
        systems: system names, in report order.
        metrics: registry key -> metric.
        bins: bins of the detector-score histograms (the threshold curve's resolution).
        worst_k: how many worst examples keep their texts.
    """

    systems: list[str]
    metrics: dict[str, M.Metric]
    bins: int = 100
    worst_k: int = 10
    ids: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    changed: list[bool] = field(default_factory=list)
    rows: dict = field(default_factory=dict)
    wall: dict = field(default_factory=dict)
    detection: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    held_out: dict = field(default_factory=dict)
    worst: list = field(default_factory=list)
    calibration: dict = field(default_factory=dict)
    words: int = 0
    counter: int = 0

    def families(self) -> dict[str, M.Metric]:
        return {metric.family: metric for metric in self.metrics.values()}

    def add(self, batch: Sequence[Pair], outputs: Mapping[str, list[SystemOutput]], seconds: Mapping[str, float]) -> None:
        sources = [p.source for p in batch]
        references = [p.reference for p in batch]
        self.ids.extend(p.id for p in batch)
        self.categories.extend(p.category for p in batch)
        self.changed.extend(p.source != p.reference for p in batch)
        self.words += sum(textutil.count_words(s) for s in sources)
        rows = {}
        for name in self.systems:
            hyps = [o.text for o in outputs[name]]
            self.wall[name] = self.wall.get(name, 0.0) + seconds[name]
            for family, metric in self.families().items():
                rows[(name, family)] = metric.extract(sources, hyps, references)
                self.rows.setdefault((name, family), []).append(rows[(name, family)])
            self._add_detection(name, batch, outputs[name])
            self._add_calibration(name, batch, outputs[name])
            self._add_kinds(name, batch, hyps)
        self._add_worst(batch, outputs, rows)

    def _add_detection(self, name: str, batch: Sequence[Pair], outputs: Sequence[SystemOutput]) -> None:
        for pair, output in zip(batch, outputs):
            if output.detection is None:
                continue
            state = self.detection.setdefault(
                name,
                {"counts": np.zeros(3), "pos": np.zeros(self.bins), "neg": np.zeros(self.bins),
                 "scores": [], "labels": [], "gold_words": 0},
            )
            gold = M.changed_words(pair.source, pair.reference)
            spans = output.detection.spans
            state["counts"] += M.detection_counts(M.flagged_words(pair.source, spans), gold)
            scores = np.array(M.word_scores(pair.source, spans))
            gold_arr = np.array(gold, dtype=bool)
            # Words outside every span (score 0) are never flagged, so leave them out of the curve.
            inside = scores > 0
            state["pos"] += M.score_histogram(scores[inside & gold_arr], self.bins)
            state["neg"] += M.score_histogram(scores[inside & ~gold_arr], self.bins)
            state["gold_words"] += int(gold_arr.sum())
            state["scores"].append(output.detection.score)
            state["labels"].append(pair.source != pair.reference)

    def _add_calibration(self, name: str, batch: Sequence[Pair], outputs: Sequence[SystemOutput]) -> None:
        """(source, confidence, right) of every edit a system reports (``judge_edits``)."""
        for pair, output in zip(batch, outputs):
            if output.edits:
                verdicts = judge_edits(pair.source, pair.reference, output.edits)
                records = self.calibration.setdefault(name, [])
                records.extend((e.source, e.confidence, ok) for e, ok in zip(output.edits, verdicts))

    def _add_kinds(self, name: str, batch: Sequence[Pair], hyps: Sequence[str]) -> None:
        for pair, hyp in zip(batch, hyps):
            if not pair.subs:
                continue
            subs = reference_edit_kinds(pair.source, pair.reference, pair.subs)
            for sub, ok in zip(subs, restored_flags(pair.source, hyp, pair.reference)):
                kind = sub.kind if sub else "other"
                group = "held out" if sub and sub.held_out else "seen"
                for table, key in ((self.kinds, kind), (self.held_out, group)):
                    counts = table.setdefault(key, {}).setdefault(name, [0, 0])
                    counts[0] += int(ok)
                    counts[1] += 1

    def _add_worst(self, batch: Sequence[Pair], outputs: Mapping[str, list[SystemOutput]], rows) -> None:
        """Keep the texts of the k pairs where the system gains least chrF over the source."""
        if SYSTEM not in outputs or self.worst_k <= 0:
            return
        chrf = M.CHRFMetric()
        system_rows = rows.get((SYSTEM, chrf.family))
        source_rows = rows.get((DO_NOTHING, chrf.family))
        if system_rows is None or source_rows is None:
            system_rows = chrf.extract([], [o.text for o in outputs[SYSTEM]], [p.reference for p in batch])
            source_rows = chrf.extract([], [p.source for p in batch], [p.reference for p in batch])
        for index, pair in enumerate(batch):
            hyp = outputs[SYSTEM][index].text
            if hyp == pair.reference:
                continue
            gain = chrf.compute(system_rows[index]) - chrf.compute(source_rows[index])
            record = {"id": pair.id, "category": pair.category, "source": pair.source,
                      "reference": pair.reference, "hypothesis": hyp, "chrf_gain": gain}
            self.counter += 1
            # Max-heap on gain via negation: the root is the best of the kept worst, popped first.
            heapq.heappush(self.worst, (-gain, self.counter, record))
            if len(self.worst) > self.worst_k:
                heapq.heappop(self.worst)

    def stats(self) -> dict[tuple[str, str], np.ndarray]:
        return {key: np.concatenate(parts) for key, parts in self.rows.items()}
