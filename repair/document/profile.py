"""The spinner profile of one document: its substitution map, decided per word type.

A spinner rewrites a whole article with one map ("said" -> "mentioned" every time), so the
evidence for one occurrence is evidence for all of them. ``substitution_map`` pools the edits
made in a document by the word they replace; ``extend_to_repeats`` applies a confident decision
to the occurrences the detector did not flag, so the same spun word is restored everywhere or
nowhere. An occurrence that got a different edit of its own keeps it: that is the strong
contrary evidence that overrides the document's decision.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from repair.results import Edit, MapEntry
from repair.text import match_case, overlaps

# Sources whose edits describe the spinner's map (titles and acronyms are term repairs, not swaps).
MAP_SOURCES = frozenset({"model", "lexicon", "glossary", "document"})
# Decisions that reach unedited repeats: the restorers'. The glossary already finds every
# occurrence of its terms, so a repeat it left alone was left alone on purpose.
REPEAT_SOURCES = frozenset({"model", "lexicon"})


def pooled_confidence(confidences: Sequence[float]) -> float:
    """Independent evidence adds up: 1 - prod(1 - c), capped below certainty."""
    doubt = 1.0
    for confidence in confidences:
        doubt *= 1.0 - min(confidence, 0.99)
    return round(min(1.0 - doubt, 0.99), 4)


def substitution_map(edits: Sequence[Edit]) -> tuple[MapEntry, ...]:
    """The document's inferred substitution map, most frequent first."""
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for edit in edits:
        if edit.source in MAP_SOURCES:
            groups[(edit.old.lower(), edit.new.lower())].append(edit.confidence)
    entries = [MapEntry(old, new, len(c), pooled_confidence(c)) for (old, new), c in groups.items()]
    return tuple(sorted(entries, key=lambda e: (-e.count, -e.confidence, e.old)))


def consistent_entries(entries: Sequence[MapEntry], min_confidence: float) -> list[MapEntry]:
    """Map entries safe to apply everywhere: confident, and at least twice as common as every
    other restoration of the same word put together (a split decision stays local)."""
    by_old: dict[str, list[MapEntry]] = defaultdict(list)
    for entry in entries:
        by_old[entry.old].append(entry)
    chosen = []
    for group in by_old.values():
        best = max(group, key=lambda e: (e.count, e.confidence))
        others = sum(e.count for e in group) - best.count
        if best.count >= 2 * others and best.count > others and best.confidence >= min_confidence:
            chosen.append(best)
    return chosen


def extend_to_repeats(text: str, edits: Sequence[Edit], min_confidence: float) -> list[Edit]:
    """Edits for the unedited repeats of each confident map entry (source ``document``).

    Args:
        text: the whole document.
        edits: the edits already chosen for it (offsets into ``text``).
        min_confidence: pooled confidence a map entry needs before it is applied everywhere.

    Returns:
        New edits only, sorted by start; none overlaps an existing edit.
    """
    added: list[Edit] = []
    taken = sorted(edits, key=lambda e: e.start)
    decisions = substitution_map([e for e in edits if e.source in REPEAT_SOURCES])
    for entry in consistent_entries(decisions, min_confidence):
        pattern = re.compile(rf"(?<![\w'’-]){re.escape(entry.old)}(?![\w'’-])", re.IGNORECASE)
        for match in pattern.finditer(text):
            if any(overlaps(match.start(), match.end(), e.start, e.end) for e in [*taken, *added]):
                continue
            new = match_case(match.group(), entry.new)
            added.append(Edit(match.start(), match.end(), match.group(), new, "document", entry.confidence))
    return sorted(added, key=lambda e: e.start)

