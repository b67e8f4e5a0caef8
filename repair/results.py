"""Result values shared by every stage: spans found by the detector, edits made by restorers.

All offsets are character offsets into the text the caller passed in (Python str indices),
so ``text[span.start:span.end] == span.text`` and ``text[edit.start:edit.end] == edit.old``.
Values are frozen; change them with ``dataclasses.replace``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from repair.risk import RiskLevel, risk_level

# Where an edit came from: the term glossary, the restorer model, the corpus-statistics
# restorer, a source found in an archive, the document's own substitution map, or a user's phrase list.
EditSource = Literal["glossary", "model", "lexicon", "archive", "document", "phrases"]


@dataclass(frozen=True)
class Span:
    """A stretch of input the detector believes was substituted."""

    start: int
    end: int
    text: str
    score: float
    reason: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DetectionReport:
    """Passage-level verdict plus the suspicious spans.

    ``score`` is meant as a probability that the passage was spun or garbled. ``weak_spans``
    are suspects below the detector's reporting threshold: never reported (``to_dict`` leaves
    them out), but in a spun passage a restorer may examine them, and its own preference for
    keeping the words as they are decides.
    """

    score: float
    spun: bool
    spans: tuple[Span, ...] = ()
    threshold: float = 0.5
    words: int = 0
    weak_spans: tuple[Span, ...] = ()
    gated: bool = False

    def to_dict(self) -> dict:
        data = {
            "score": self.score,
            "spun": self.spun,
            "threshold": self.threshold,
            "words": self.words,
            "spans": [span.to_dict() for span in self.spans],
        }
        if self.gated:
            data["gated"] = True
        return data

    @property
    def risk(self) -> RiskLevel:
        """clean / low / suspicious / high from the score and spans per 100 words (``repair.risk``)."""
        return risk_level(self.score, len(self.spans), self.words, self.threshold)


@dataclass(frozen=True)
class Edit:
    """One replacement: ``old`` at ``[start, end)`` of the input becomes ``new``.

    ``alternatives`` (other candidates the restorer weighed, best first) and ``reason`` (why
    this one) are for review; ``to_dict`` includes them only when set.
    """

    start: int
    end: int
    old: str
    new: str
    source: EditSource
    confidence: float
    alternatives: tuple[str, ...] = ()
    reason: str = ""

    def to_dict(self) -> dict:
        data = asdict(self)
        for key in ("alternatives", "reason"):
            if not data[key]:
                del data[key]
        if "alternatives" in data:
            data["alternatives"] = list(data["alternatives"])
        return data


@dataclass(frozen=True)
class MapEntry:
    """One line of a document's inferred substitution map: ``old`` was restored as ``new``.

    Attributes:
        old: the spun wording (lower case).
        new: what it was restored to (lower case).
        count: edits in the document that made this replacement.
        confidence: pooled confidence of those edits (``repair.document.profile``).
    """

    old: str
    new: str
    count: int
    confidence: float

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.old} -> {self.new} x{self.count}, {self.confidence:.2f}"


@dataclass(frozen=True)
class RepairResult:
    """Repaired text, the edits that produced it from the input, and the document's substitution map."""

    text: str
    edits: tuple[Edit, ...] = ()
    detection: DetectionReport | None = None
    substitution_map: tuple[MapEntry, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.edits)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "edits": [edit.to_dict() for edit in self.edits],
            "detection": self.detection.to_dict() if self.detection else None,
            "substitution_map": [entry.to_dict() for entry in self.substitution_map],
        }
