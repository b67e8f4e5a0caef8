"""The cascade detector (the default): the lexicon detector on every paragraph, the fused tagger on suspect ones.

The lexicon detector reads about 5,000 words/s, the tagger about 1,500; on clean text the gate
keeps the cost near the lexicon's, while spun paragraphs get the fused report (twice the
lexicon detector's recall). models/detector/MODEL_CARD.md has the measurements.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from repair.detect.config import CascadeSettings, TaggerConfig
from repair.detect.lexicon import LexiconDetector, LexiconScorer, build_scorer
from repair.errors import ModelNotFoundError
from repair.resources.shared import Resources
from repair.results import DetectionReport
from repair.text import overlaps

if TYPE_CHECKING:  # the fused detector imports torch; it is loaded only when a paragraph passes the gate
    from repair.detect.fusion import CombinedDetector

# The shipped tagger's folder under the models root (repair.detect.tagger.DETECTOR_FOLDER, named
# here too so that importing the cascade does not import torch).
DETECTOR_FOLDER = "detector"


class CascadeDetector:
    """Lexicon detector first, the fused tagger on paragraphs it finds suspect (detector kind "cascade").

    The tagger reads only paragraphs whose lexicon passage score reaches ``settings.gate``, and
    their report is the fused one, joined with the lexicon report when ``settings.keep_lexicon``.
    A paragraph under the gate keeps the lexicon report, whose score is then below the gate too.

    The fused detector (torch, the tagger's weights) is built by ``load_combined`` when the first
    paragraph reaches the gate, then kept by this detector: a clean document never loads it.

    Args:
        scorer: the lexicon scorer; the fused detector must be built over the same one.
        settings: the gate and how to join the two reports.
        load_combined: builds the fused detector (called at most once).
    """

    def __init__(self, scorer: LexiconScorer, settings: CascadeSettings, load_combined: Callable[[], CombinedDetector]):
        self.scorer = scorer
        self.settings = settings
        self.lexicon = LexiconDetector(scorer)
        self._load_combined = load_combined
        self._combined: CombinedDetector | None = None

    @classmethod
    def from_combined(cls, combined: CombinedDetector, settings: CascadeSettings = CascadeSettings()) -> "CascadeDetector":
        """A cascade over an already loaded fused detector (its lexicon scorer serves the lexicon detector too)."""
        return cls(combined.scorer, settings, lambda: combined)

    @property
    def combined(self) -> CombinedDetector:
        """The fused detector, loaded on first use."""
        if self._combined is None:
            self._combined = self._load_combined()
        return self._combined

    def detect_batch(self, paragraphs: Sequence[str]) -> list[DetectionReport]:
        """One report per paragraph; spans of tagged paragraphs give both the tagger's and the corpus's reasons."""
        analyses = self.scorer.analyse_batch(paragraphs)
        reports = [self.lexicon.report(a) for a in analyses]
        suspect = [i for i, a in enumerate(analyses) if a.score >= self.settings.gate]
        if suspect:
            fused = self.combined.detect_batch([paragraphs[i] for i in suspect], [analyses[i] for i in suspect])
            for i, report in zip(suspect, fused):
                reports[i] = join_reports(report, reports[i]) if self.settings.keep_lexicon else report
        return reports


def join_reports(fused: DetectionReport, lexicon: DetectionReport) -> DetectionReport:
    """The fused report plus the lexicon spans no fused span overlaps, at the higher of the two scores.

    Both scores are calibrated at the same 1% prior, so the higher one is the stronger evidence.
    Fused weak spans under a joined lexicon span are dropped (it is reported now).
    """
    extra = [s for s in lexicon.spans if not any(overlaps(s.start, s.end, f.start, f.end) for f in fused.spans)]
    weak = [w for w in fused.weak_spans if not any(overlaps(w.start, w.end, e.start, e.end) for e in extra)]
    score = max(fused.score, lexicon.score)
    return replace(fused, score=score, spun=score >= fused.threshold, spans=tuple(sorted([*fused.spans, *extra], key=lambda s: s.start)),
                   weak_spans=tuple(weak))


def load_cascade(resources: Resources) -> CascadeDetector:
    """The shipped cascade over the shared resources: lexicon detector, then the fused tagger past the fitted gate.

    The fused detector is loaded when the first paragraph passes the gate; the folder's config is
    checked here, so a missing model fails at load time all the same.

    Raises:
        repair.errors.ModelNotFoundError: the detector folder is missing or has no fitted gate or fusion.
    """
    folder = resources.root / DETECTOR_FOLDER
    config = TaggerConfig.from_pretrained(folder)
    if config.cascade is None:
        raise ModelNotFoundError(f"{folder / 'config.json'} has no fitted cascade gate; run 'unspin train detector --fit-cascade'")
    if config.fusion is None:
        raise ModelNotFoundError(f"{folder / 'config.json'} has no fitted fusion; run 'unspin train detector'")
    scorer = build_scorer(resources)
    return CascadeDetector(scorer, config.cascade, lambda: load_fused(resources, scorer))


def load_fused(resources: Resources, scorer: LexiconScorer) -> CombinedDetector:
    """The shipped fused detector over ``scorer`` (imports torch and reads the tagger's weights)."""
    from repair.detect.fusion import load_combined

    return load_combined(resources, scorer)
