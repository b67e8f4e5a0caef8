"""The spinner profile of a document, or of a batch: its substitution map, decided per word type.

A spinner rewrites a whole article with one map ("said" -> "mentioned" every time), so the
evidence for one occurrence is evidence for all of them. ``substitution_map`` pools the edits
made in a document by the word they replace; ``extend_to_repeats`` applies a confident decision
to the occurrences the detector did not flag, so the same spun word is restored everywhere or
nowhere. An occurrence that got a different edit of its own keeps it: that is the strong
contrary evidence that overrides the document's decision.

A content farm runs every article through the same spinner, so a batch from one source shares
the map too: ``learn_profile`` pools the restorers' decisions over many documents into a
``SpinnerProfile`` (``unspin profile DIR -o profile.json``), whose entries then join each spun
document's own evidence (``unspin fix DIR --profile profile.json``).
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from repair.document.apply import apply_map
from repair.errors import InputError
from repair.results import Edit, MapEntry

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


def combine_maps(*maps: Sequence[MapEntry]) -> tuple[MapEntry, ...]:
    """Maps of separate evidence (documents, or a document and a batch profile) as one map:
    counts add up and confidences pool, most frequent first."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    confidences: dict[tuple[str, str], list[float]] = defaultdict(list)
    for entries in maps:
        for entry in entries:
            counts[(entry.old, entry.new)] += entry.count
            confidences[(entry.old, entry.new)].append(entry.confidence)
    combined = [MapEntry(old, new, counts[(old, new)], pooled_confidence(confidences[(old, new)])) for old, new in counts]
    return tuple(sorted(combined, key=lambda e: (-e.count, -e.confidence, e.old)))


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


def extend_to_repeats(text: str, edits: Sequence[Edit], min_confidence: float,
                      shared: Sequence[MapEntry] = ()) -> list[Edit]:
    """Edits for the unedited repeats of each confident map entry (source ``document``).

    Args:
        text: the whole document.
        edits: the edits already chosen for it (offsets into ``text``).
        min_confidence: pooled confidence a map entry needs before it is applied everywhere.
        shared: a batch profile's entries (``SpinnerProfile.entries``), pooled with the
            document's own decisions.

    Returns:
        New edits only, sorted by start; none overlaps an existing edit.
    """
    decisions = combine_maps(substitution_map([e for e in edits if e.source in REPEAT_SOURCES]), shared)
    return apply_map(text, consistent_entries(decisions, min_confidence), edits)


class ProfileError(InputError):
    """A spinner profile file that cannot be read; names the file and the problem."""

    def __init__(self, path: str | Path, problem: str):
        super().__init__(f"spinner profile {path}: {problem}")


PROFILE_TYPE = "unspin-spinner-profile"


@dataclass(frozen=True)
class SpinnerProfile:
    """A substitution map learned from many documents of one source.

    Attributes:
        entries: the restorers' decisions pooled over the documents, most frequent first
            (count: edits over all documents; confidence: pooled over the documents).
        documents: spun documents whose decisions the entries pool.
    """

    entries: tuple[MapEntry, ...]
    documents: int

    def to_dict(self) -> dict:
        return {"type": PROFILE_TYPE, "version": 1, "documents": self.documents,
                "entries": [entry.to_dict() for entry in self.entries]}

    @classmethod
    def from_dict(cls, data: dict, path: str | Path = "<dict>") -> "SpinnerProfile":
        """Raises ProfileError on anything but a profile written by ``to_dict``."""
        if not isinstance(data, dict) or data.get("type") != PROFILE_TYPE:
            raise ProfileError(path, f"not a spinner profile (expected \"type\": \"{PROFILE_TYPE}\"; write one with 'unspin profile')")
        try:
            entries = tuple(MapEntry(str(e["old"]).lower(), str(e["new"]).lower(), int(e["count"]), float(e["confidence"]))
                            for e in data["entries"])
            return cls(entries=entries, documents=int(data["documents"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ProfileError(path, f"malformed entry or field ({type(error).__name__}: {error})") from error

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "SpinnerProfile":
        """Raises ProfileError if the file is missing, not JSON or not a profile."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ProfileError(path, f"cannot read it ({type(error).__name__}: {error})") from error
        return cls.from_dict(data, path)


def learn_profile(edits_per_document: Iterable[Sequence[Edit]]) -> SpinnerProfile:
    """Pool the restorers' decisions of many spun documents into one profile.

    Only the restorers' own edits count (sources in ``REPEAT_SOURCES``): the edits a profile
    spread are its consequences, not new evidence.

    Args:
        edits_per_document: the edits of each document the detector called spun.
    """
    maps = [substitution_map([e for e in edits if e.source in REPEAT_SOURCES]) for edits in edits_per_document]
    maps = [m for m in maps if m]
    return SpinnerProfile(entries=combine_maps(*maps), documents=len(maps))
