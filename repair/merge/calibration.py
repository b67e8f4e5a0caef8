"""Edit calibration: a monotone map per edit source from raw confidence to P(the edit is right).

Each source scores its edits on its own scale (the restorer's softmax over candidates, the
glossary's match quality, ...), and none of those scales is a probability: at raw confidence 0.8
the restorer was right about half the time. ``scripts/calibrate_edits.py`` judges the edits the
pipeline makes on validation rows no expert has seen, fits one isotonic map per source (pool
adjacent violators, below) and ships them with the threshold it chose as
``models/restorer/calibration*.json``, one file per restorer kind, because each kind scores its
model edits differently. The merge stage (``repair.merge.edits.merge_edits``) applies the map
before it filters by ``min_confidence``, so every threshold downstream reads probabilities.

A source without a map (the glossary, titles and acronyms, a user's phrase list, the archive, the
lexicon restorer; every source of a kind whose file has no maps yet) keeps its confidence
unchanged, and since that is no probability the pipeline holds it to its own floor
(``RepairConfig.uncalibrated_min_confidence``), not to the calibrated threshold.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from repair.errors import UnspinError
from repair.results import Edit

# One file per restorer kind, in models/restorer/ (lm.json's naming: the kind's extra is a suffix).
CALIBRATION_FILES = {"seq2seq": "calibration.json", "seq2seq+lm": "calibration_lm.json"}
FORMAT = "unspin-edit-calibration"


class CalibrationError(UnspinError, ValueError):
    """A calibration file that is missing, malformed or not monotone."""


def pool_adjacent_violators(y: Sequence[float], weights: Sequence[float] | None = None) -> np.ndarray:
    """Isotonic (non-decreasing) least-squares fit of ``y`` in the given order.

    Adjacent blocks that break the order are merged into their weighted mean until none does
    (the pool-adjacent-violators algorithm, linear time).

    Args:
        y: targets, already sorted by the variable the fit must be monotone in.
        weights: one positive weight per target (default all 1).

    Returns:
        The fitted value of each target, non-decreasing.
    """
    values = np.asarray(y, dtype=np.float64)
    weight = np.ones_like(values) if weights is None else np.asarray(weights, dtype=np.float64)
    means: list[float] = []
    sizes: list[float] = []
    counts: list[int] = []
    for value, w in zip(values, weight):
        means.append(float(value))
        sizes.append(float(w))
        counts.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            total = sizes[-2] + sizes[-1]
            means[-2] = (means[-2] * sizes[-2] + means[-1] * sizes[-1]) / total
            sizes[-2] = total
            counts[-2] += counts[-1]
            del means[-1], sizes[-1], counts[-1]
    return np.repeat(means, counts)


@dataclass(frozen=True)
class IsotonicMap:
    """A monotone map from raw confidence to probability: linear between its knots, flat outside.

    Attributes:
        x: raw confidences of the knots, increasing.
        y: probabilities at the knots, non-decreasing, in [0, 1].
        edits: judged edits the map was fitted on.
    """

    x: tuple[float, ...]
    y: tuple[float, ...]
    edits: int = 0

    def __post_init__(self):
        x, y = np.asarray(self.x, dtype=np.float64), np.asarray(self.y, dtype=np.float64)
        if len(x) == 0 or len(x) != len(y):
            raise CalibrationError(f"a map needs as many knots as values and at least one, got {len(x)} and {len(y)}")
        if np.any(np.diff(x) <= 0) or np.any(np.diff(y) < 0):
            raise CalibrationError("a calibration map must be increasing in x and non-decreasing in y")
        if np.any(y < 0) or np.any(y > 1):
            raise CalibrationError("calibrated values must lie in [0, 1]")

    def __call__(self, confidence: float) -> float:
        return float(np.interp(confidence, self.x, self.y))

    @classmethod
    def fit(cls, confidences: Sequence[float], right: Sequence[bool]) -> "IsotonicMap":
        """Fit on judged edits: one knot per distinct raw confidence, valued by the isotonic fit.

        Raises:
            CalibrationError: no edits to fit on.
        """
        if len(confidences) == 0:
            raise CalibrationError("no judged edits to fit a calibration map on")
        raw = np.round(np.asarray(confidences, dtype=np.float64), 4)
        knots, inverse = np.unique(raw, return_inverse=True)
        hits = np.bincount(inverse, weights=np.asarray(right, dtype=np.float64))
        totals = np.bincount(inverse).astype(np.float64)
        fitted = pool_adjacent_violators(hits / totals, totals)
        return cls.compact(knots, fitted, len(raw))

    @classmethod
    def compact(cls, knots: np.ndarray, fitted: np.ndarray, edits: int) -> "IsotonicMap":
        """Keep the first and last knot of each flat step only: the same map, a small file."""
        keep = [i for i in range(len(knots))
                if i in (0, len(knots) - 1) or fitted[i] != fitted[i - 1] or fitted[i] != fitted[i + 1]]
        return cls(tuple(float(knots[i]) for i in keep), tuple(round(float(fitted[i]), 4) for i in keep), edits)

    def to_dict(self) -> dict:
        return {"x": list(self.x), "y": list(self.y), "edits": self.edits}


@dataclass(frozen=True)
class EditCalibration:
    """Per-source calibration maps plus the threshold chosen with them.

    Attributes:
        maps: edit source -> its map; sources without one keep their confidence.
        min_confidence: the threshold chosen on the validation rows for edit precision >= the
            target; a pipeline whose ``RepairConfig.min_confidence`` is None uses it.
        meta: how it was made (rows, seeds, measured precision...), for people only.
    """

    maps: Mapping[str, IsotonicMap]
    min_confidence: float
    meta: Mapping = field(default_factory=dict)

    def calibrate(self, edit: Edit) -> Edit:
        """The edit with its confidence mapped to a probability (unchanged without a map)."""
        mapping = self.maps.get(edit.source)
        return edit if mapping is None else replace(edit, confidence=round(mapping(edit.confidence), 4))

    def apply(self, edits: Iterable[Edit]) -> list[Edit]:
        return [self.calibrate(edit) for edit in edits]

    def to_dict(self) -> dict:
        return {"format": FORMAT, "min_confidence": self.min_confidence,
                "maps": {source: m.to_dict() for source, m in sorted(self.maps.items())}, "meta": dict(self.meta)}

    @classmethod
    def from_dict(cls, data: Mapping) -> "EditCalibration":
        """Raises CalibrationError on anything but a well-formed calibration."""
        try:
            if data.get("format") != FORMAT:
                raise CalibrationError(f"not an edit calibration (format {data.get('format')!r}, expected {FORMAT!r})")
            maps = {source: IsotonicMap(tuple(m["x"]), tuple(m["y"]), int(m.get("edits", 0))) for source, m in data["maps"].items()}
            threshold = float(data["min_confidence"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            if isinstance(error, CalibrationError):
                raise
            raise CalibrationError(f"malformed edit calibration: {error!r}") from None
        if not 0.0 <= threshold <= 1.0:
            raise CalibrationError(f"min_confidence must be in [0, 1], got {threshold!r}")
        return cls(maps, threshold, data.get("meta", {}))

    @classmethod
    def load(cls, path: Path) -> "EditCalibration":
        """Read a calibration file.

        Raises:
            CalibrationError: the file is missing, is not JSON or is malformed.
        """
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CalibrationError(f"cannot read the edit calibration {str(path)!r}: {error}") from None
        return cls.from_dict(data)

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")


def calibration_path(restorer_folder: Path, kind: str) -> Path | None:
    """Where the calibration of restorer ``kind`` lives; None for a kind that has none."""
    name = CALIBRATION_FILES.get(kind)
    return Path(restorer_folder) / name if name else None


def load_calibration(restorer_folder: Path, kind: str) -> EditCalibration | None:
    """The shipped calibration of ``kind``; None for a kind without one (``lexicon``).

    Raises:
        CalibrationError: the kind has a calibration file but it is missing or broken (a
            pipeline that silently skipped it would filter raw confidences as probabilities).
    """
    path = calibration_path(restorer_folder, kind)
    return None if path is None else EditCalibration.load(path)


def fit_calibration(records: Iterable[tuple[str, float, bool]], *, min_edits: int = 30,
                    min_confidence: float = 0.5, meta: Mapping | None = None) -> EditCalibration:
    """One isotonic map per source with at least ``min_edits`` judged edits.

    Args:
        records: (edit source, raw confidence, right) per judged edit.
        min_edits: a source with fewer judged edits keeps its confidence (too few to fit).
        min_confidence: the threshold to record with the maps.
        meta: provenance, stored as is.
    """
    by_source: dict[str, tuple[list[float], list[bool]]] = {}
    for source, confidence, right in records:
        confidences, flags = by_source.setdefault(source, ([], []))
        confidences.append(confidence)
        flags.append(bool(right))
    maps = {source: IsotonicMap.fit(c, r) for source, (c, r) in sorted(by_source.items()) if len(c) >= min_edits}
    return EditCalibration(maps, min_confidence, dict(meta or {}))
