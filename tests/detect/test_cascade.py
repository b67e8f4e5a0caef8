"""The cascade detector: lexicon report under the gate, fused report joined with it above."""
from __future__ import annotations

import pytest

from repair.detect.cascade import CascadeDetector, join_reports, load_cascade
from repair.detect.config import TaggerConfig
from repair.errors import ModelNotFoundError
from repair.resources.shared import Resources
from repair.results import DetectionReport, Span
from tests.detect.samples import CLEAN, document_score


def test_join_keeps_lexicon_spans_no_fused_span_covers_and_the_higher_score():
    text = "the overseas minister mentioned safety"
    fused = DetectionReport(0.4, False, (Span(4, 12, "overseas", 0.9, "combined"),), 0.5, 5,
                            weak_spans=(Span(32, 38, "safety", 0.3, "combined"),))
    lexicon = DetectionReport(0.8, True, (Span(4, 21, "overseas minister", 0.7, "lexicon"), Span(22, 31, "mentioned", 0.6, "lexicon"),
                                          Span(32, 38, "safety", 0.55, "lexicon")), 0.5, 5)
    joined = join_reports(fused, lexicon)
    # "overseas minister" overlaps the fused "overseas": the fused span wins.
    assert [text[s.start : s.end] for s in joined.spans] == ["overseas", "mentioned", "safety"]
    assert joined.weak_spans == ()  # "safety" is reported now, so it is no longer weak
    assert joined.score == 0.8 and joined.spun
    quiet = DetectionReport(0.001, False, (), 0.5, 5)
    assert join_reports(fused, quiet) == fused


def test_a_folder_without_a_fitted_gate_is_a_missing_model(tmp_path, shipped_resources):
    TaggerConfig().save_pretrained(tmp_path / "detector")
    resources = Resources(tmp_path, shipped_resources.thesaurus, shipped_resources.ngram)
    with pytest.raises(ModelNotFoundError, match="no fitted cascade gate"):
        load_cascade(resources)


def test_cascade_keeps_the_lexicon_report_under_the_gate_and_fuses_above(cascade, combined, spun_text):
    assert isinstance(cascade, CascadeDetector)
    clean_cascade, spun_cascade = cascade.detect_batch([CLEAN, spun_text.spun])
    clean_lexicon, spun_lexicon = cascade.lexicon.detect_batch([CLEAN, spun_text.spun])
    assert clean_lexicon.score < cascade.settings.gate and clean_cascade == clean_lexicon
    assert spun_lexicon.score >= cascade.settings.gate
    fused = combined.detect_batch([spun_text.spun])[0]
    assert spun_cascade.score == max(fused.score, spun_lexicon.score) and set(fused.spans) <= set(spun_cascade.spans)
    extra = set(spun_cascade.spans) - set(fused.spans)
    assert extra <= set(spun_lexicon.spans)  # the lexicon spans no fused span covers
    assert spun_cascade.spun and any(s.reason.startswith("combined") for s in spun_cascade.spans)


def test_cascade_lexicon_and_fusion_share_one_scorer(cascade):
    assert cascade.lexicon.scorer is cascade.scorer is cascade.combined.scorer


@pytest.mark.shared
def test_cascade_scores_clean_seeds_under_a_tenth_and_003_over_nine_tenths(cascade, seed_text):
    # Issue #4's seed bar, met by the cascade (models/detector/MODEL_CARD.md): 0.044 / 0.051 / 0.094 and 1.000.
    for clean in ("000", "001", "004"):
        assert document_score(cascade, seed_text(clean)) < 0.1
    assert document_score(cascade, seed_text("003")) > 0.9


def test_a_clean_paragraph_never_loads_the_fused_detector(cascade):
    def refuse():
        raise AssertionError("the fused detector was loaded for a paragraph under the gate")

    lazy = CascadeDetector(cascade.scorer, cascade.settings, refuse)
    assert lazy.detect_batch([CLEAN]) == cascade.lexicon.detect_batch([CLEAN])
