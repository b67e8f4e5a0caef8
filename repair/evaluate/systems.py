"""Systems under evaluation: anything that turns a batch of pairs into output texts.

Compared in one run (same pairs, same resamples):
  * ``system``: the full ``Repairer`` (or an external system's ``hypothesis`` field),
  * ``do-nothing``: the source itself, the score to beat,
  * ``glossary-only``: the same glossary without the detector-driven restorer.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from repair import text as textutil
from repair.errors import InputError
from repair.evaluate.pairs import Pair
from repair.pipeline.repairer import Repairer
from repair.results import DetectionReport, Edit

SYSTEM, DO_NOTHING, GLOSSARY_ONLY = "system", "do-nothing", "glossary-only"


@dataclass(frozen=True)
class SystemOutput:
    text: str
    detection: DetectionReport | None = None
    edits: tuple[Edit, ...] = ()  # with their confidences, for the calibration table


class System(Protocol):
    """Anything that turns a batch of pairs into outputs (our Repairer, a baseline, a file)."""

    def run(self, batch: Sequence[Pair]) -> list[SystemOutput]: ...


class RepairerSystem:
    """Our pipeline as a system under test.

    Args:
        repairer: the pipeline.
        with_detection: pass the detector's verdicts on to the detection metrics (off for a
            baseline whose detector is a stand-in).
    """

    def __init__(self, repairer: Repairer, *, with_detection: bool = True):
        self.repairer = repairer
        self.with_detection = with_detection

    def run(self, batch: Sequence[Pair]) -> list[SystemOutput]:
        results = self.repairer.repair_batch([pair.source for pair in batch])
        return [SystemOutput(r.text, r.detection if self.with_detection else None, r.edits) for r in results]


class DoNothing:
    """The baseline that returns the source unchanged."""

    def run(self, batch: Sequence[Pair]) -> list[SystemOutput]:
        return [SystemOutput(pair.source) for pair in batch]


class Hypotheses:
    """An external system's outputs, read from the pairs' ``hypothesis`` field."""

    def run(self, batch: Sequence[Pair]) -> list[SystemOutput]:
        missing = [pair.id for pair in batch if pair.hypothesis is None]
        if missing:
            raise InputError(f"pair {missing[0]!r} has no 'hypothesis' while others do")
        return [SystemOutput(pair.hypothesis or "") for pair in batch]


class NoDetector:
    """Scores everything 0; glossary edits do not depend on the detector."""

    def detect_batch(self, paragraphs: Sequence[str]) -> list[DetectionReport]:
        return [DetectionReport(score=0.0, spun=False, words=textutil.count_words(p)) for p in paragraphs]


def glossary_only(repairer: Repairer) -> Repairer:
    """The glossary-only baseline from an already loaded pipeline.

    It gives the same text as ``Repairer.load(config=RepairConfig(use_model=False))`` (the
    glossary runs on every paragraph whatever the detector says) without running the
    detector a second time, which keeps the baseline almost free.
    """
    config = replace(repairer.config, use_model=False)
    return Repairer(detector=NoDetector(), glossary=repairer.glossary, restorers=(), config=config,
                    calibration=repairer.calibration)


def default_systems(repairer: Repairer | None, *, external: bool) -> dict[str, System]:
    """System under test plus the two baselines, in report order."""
    systems: dict[str, System] = {}
    if external:
        systems[SYSTEM] = Hypotheses()
    elif repairer is not None:
        systems[SYSTEM] = RepairerSystem(repairer)
    systems[DO_NOTHING] = DoNothing()
    if repairer is not None and (external or repairer.config.use_model):
        systems[GLOSSARY_ONLY] = RepairerSystem(glossary_only(repairer), with_detection=False)
    return systems
