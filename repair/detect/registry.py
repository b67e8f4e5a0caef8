"""Detector kinds by name. Adding a kind: write its module, add one entry here.

Each entry builds a detector from the pipeline's shared resources (``Resources``: the models
folder, thesaurus and n-gram counts); a detector reads nothing else from disk but its own
model folder under ``resources.root``. Loaders import their module when called, so that the
CLI starts without loading torch for a kind it does not use.

The kinds, from fast to thorough: "lexicon" (``repair.detect.lexicon``), "tagger"
(``repair.detect.tagger``), "combined" (tagger + lexicon, ``repair.detect.fusion``) and
"cascade" (lexicon, then combined on suspect paragraphs, ``repair.detect.cascade``).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from repair.errors import UnknownKindError
from repair.results import DetectionReport

if TYPE_CHECKING:  # it imports numpy; the CLI reads only the registry's keys for --help
    from repair.resources.shared import Resources


class Detector(Protocol):
    """Scores paragraphs; spans and offsets refer to each paragraph."""

    def detect_batch(self, paragraphs: Sequence[str]) -> list[DetectionReport]: ...


def load_lexicon(resources: Resources) -> Detector:
    from repair.detect.lexicon import load_lexicon

    return load_lexicon(resources)


def load_tagger(resources: Resources) -> Detector:
    from repair.detect.tagger import load_tagger

    return load_tagger(resources)


def load_combined(resources: Resources) -> Detector:
    from repair.detect.fusion import load_combined

    return load_combined(resources)


def load_cascade(resources: Resources) -> Detector:
    from repair.detect.cascade import load_cascade

    return load_cascade(resources)


def load_cascade_lm(resources: Resources) -> Detector:
    from repair.detect.lm_evidence import load_cascade_lm

    return load_cascade_lm(resources)


# The CLI's --detector choices are these keys. "cascade" is the shipped default
# (models/detector/MODEL_CARD.md says why); "lexicon" is the fast one for bulk cleaning.
DETECTORS: dict[str, Callable[[Resources], Detector]] = {
    "lexicon": load_lexicon,
    "tagger": load_tagger,
    "combined": load_combined,
    "cascade": load_cascade,
    "cascade+lm": load_cascade_lm,  # opt-in: the cascade, then pretrained-LM evidence (repair.detect.lm_evidence)
}


def load_detector(kind: str, resources: Resources) -> Detector:
    """Build the detector registered as ``kind``.

    Raises:
        UnknownKindError: ``kind`` is not a key of ``DETECTORS``.
    """
    if kind not in DETECTORS:
        raise UnknownKindError("detector", kind, DETECTORS)
    return DETECTORS[kind](resources)
