"""Metrics (repair/evaluate/metrics.py) on tiny cases whose numbers were worked out by hand."""
from __future__ import annotations

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from repair.version import __version__
from repair.evaluate import metrics as M
from repair.results import Span

SENTENCE = "The alliance said the plan would start next week"


def word_stats(source: str, hypothesis: str, reference: str) -> dict[str, float]:
    return dict(zip(M.WORD_STATS, M.word_statistics(source, hypothesis, reference)))


def score(key: str, sources, hypotheses, references) -> float:
    return M.build_metrics([key])[key].corpus_score(sources, hypotheses, references).score


# ---------------------------------------------------------------- word statistics


def test_identical_texts_are_perfect():
    stats = word_stats(SENTENCE, SENTENCE, SENTENCE)
    assert stats == {"edit_tp": 0, "edit_fp": 0, "edit_fn": 0, "spans_restored": 0, "spans": 0,
                     "damaged": 0, "correct": 9, "source_words": 9}
    for key, expected in [("edit_p", 100), ("edit_r", 100), ("edit_f05", 100), ("restoration", 100), ("damage", 0)]:
        assert score(key, [SENTENCE], [SENTENCE], [SENTENCE]) == expected


def test_empty_texts():
    stats = word_stats("", "", "")
    assert set(stats.values()) == {0}
    for key, expected in [("edit_p", 100), ("edit_r", 100), ("restoration", 100), ("damage", 0), ("ter", 0)]:
        assert score(key, [""], [""], [""]) == expected
    assert score("chrf", [""], [""], [""]) == 0  # sacrebleu's convention for nothing to match


def test_do_nothing_on_spun_text():
    # Reference changes 2 words; leaving the source alone finds none of them and damages nothing.
    source, reference = "He mentioned the final plan", "He said the last plan"
    stats = word_stats(source, source, reference)
    assert (stats["edit_tp"], stats["edit_fp"], stats["edit_fn"]) == (0, 0, 2)
    assert (stats["spans_restored"], stats["spans"]) == (0, 2)
    assert (stats["damaged"], stats["correct"]) == (0, 3)
    assert score("edit_p", [source], [source], [reference]) == 100  # no edits proposed (M2 convention)
    assert score("edit_r", [source], [source], [reference]) == 0
    assert score("edit_f05", [source], [source], [reference]) == 0


def test_hypothesis_that_damages_correct_words():
    # Fixes "mentioned" but also changes "final", which the reference keeps.
    source = "He mentioned the final plan today"
    reference = "He said the final plan today"
    hypothesis = "He said the last plan today"
    stats = word_stats(source, hypothesis, reference)
    assert (stats["edit_tp"], stats["edit_fp"], stats["edit_fn"]) == (1, 1, 0)
    assert (stats["spans_restored"], stats["spans"]) == (1, 1)
    assert (stats["damaged"], stats["correct"]) == (1, 5)
    assert score("edit_p", [source], [hypothesis], [reference]) == pytest.approx(50)
    assert score("edit_r", [source], [hypothesis], [reference]) == pytest.approx(100)
    # F0.5 = 1.25 * 0.5 * 1 / (0.25 * 0.5 + 1) = 0.5556
    assert score("edit_f05", [source], [hypothesis], [reference]) == pytest.approx(100 * 0.625 / 1.125)
    assert score("damage", [source], [hypothesis], [reference]) == pytest.approx(20)


def test_wrong_restoration_is_neither_restored_nor_a_true_positive():
    source, reference, hypothesis = "He mentioned it", "He said it", "He stated it"
    stats = word_stats(source, hypothesis, reference)
    assert (stats["edit_tp"], stats["edit_fp"], stats["edit_fn"]) == (0, 1, 1)
    assert stats["spans_restored"] == 0
    assert stats["damaged"] == 0


def test_partial_fix_of_a_multiword_span_is_not_restored():
    # Reference edit "b c" -> "x y"; the hypothesis only gets "x".
    stats = word_stats("a b c d", "a x c d", "a x y d")
    assert (stats["spans_restored"], stats["spans"]) == (0, 1)


def test_restoration_credits_each_of_two_separate_fixes():
    stats = word_stats("a b c d e", "a x c y e", "a x c y e")
    assert (stats["spans_restored"], stats["spans"]) == (2, 2)
    assert stats["edit_tp"] == 2


def test_restored_insertion():
    stats = word_stats("a b c", "a b c d", "a b c d")
    assert (stats["edit_tp"], stats["spans_restored"], stats["spans"]) == (1, 1, 1)


def test_corpus_scores_sum_statistics_before_dividing():
    # Pair 1: P = 1/1; pair 2: P = 0/3. Corpus precision is 1/4, not the mean 0.5.
    sources = ["a b", "c d e f g"]
    hypotheses = ["a x", "x d y f z"]
    references = ["a x", "c d e f g"]
    assert score("edit_p", sources, hypotheses, references) == pytest.approx(25)


# ---------------------------------------------------------------- sacrebleu wrappers


@pytest.mark.parametrize(
    "key,reference_metric",
    [("bleu", BLEU()), ("chrf", CHRF()), ("ter", TER(case_sensitive=True))],
)
def test_sacrebleu_wrappers_match_sacrebleu(key, reference_metric):
    hypotheses = ["The military alliance said it would help.", "China offered security assistance on Monday."]
    references = ["The military alliance said it would help.", "China also offered security help on Monday."]
    ours = score(key, hypotheses, hypotheses, references)
    assert ours == pytest.approx(reference_metric.corpus_score(hypotheses, [references]).score)


def test_identical_texts_score_perfect_bleu_chrf_ter():
    assert score("bleu", [SENTENCE], [SENTENCE], [SENTENCE]) == pytest.approx(100)
    assert score("chrf", [SENTENCE], [SENTENCE], [SENTENCE]) == pytest.approx(100)
    assert score("ter", [SENTENCE], [SENTENCE], [SENTENCE]) == 0


def test_ter_is_case_sensitive():
    assert score("ter", ["x"], ["the plan"], ["The plan"]) == pytest.approx(50)


# ---------------------------------------------------------------- signatures and registry


def test_signature_lists_context_then_version():
    context = [("detector", "cascade"), ("restorer", "seq2seq"), ("models", "1234abcd"), ("threshold", "0.5")]
    signature = M.EditF05().signature(context)
    assert signature.format() == f"editF0.5|detector:cascade|restorer:seq2seq|models:1234abcd|threshold:0.5|version:{__version__}"


def test_sacrebleu_signature_is_kept():
    text = M.BLEUMetric().signature([("models", "x")]).format()
    assert text.startswith("BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|sacrebleu:")
    assert text.endswith(f"|models:x|version:{__version__}")


def test_score_format_with_interval():
    assert M.Score("chrF", 51.234, "sig", ci=(50.0, 52.5)).format() == "chrF = 51.23 (95% CI 50.00..52.50)"


def test_unknown_metric_is_named():
    with pytest.raises(ValueError, match="unknown metric 'meteor'"):
        M.build_metrics(["meteor"])


# ---------------------------------------------------------------- detection


def test_changed_and_flagged_words():
    source = "He mentioned the final plan"
    assert M.changed_words(source, "He said the last plan") == [False, True, False, True, False]
    spans = [Span(3, 12, "mentioned", 0.9), Span(0, 2, "He", 0.2)]
    assert M.flagged_words(source, spans) == [True, True, False, False, False]
    assert M.word_scores(source, spans) == [0.2, 0.9, 0.0, 0.0, 0.0]


def test_detection_counts_and_prf():
    tp, fp, fn = M.detection_counts([True, True, False, False], [False, True, True, False])
    assert (tp, fp, fn) == (1, 1, 1)
    assert M.prf(tp, fp, fn) == {"precision": 50.0, "recall": 50.0, "f1": 50.0}
    assert M.prf(0, 0, 0) == {"precision": 100.0, "recall": 100.0, "f1": 100.0}


@pytest.mark.parametrize(
    "scores,labels,expected",
    [
        ([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.75),
        ([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0], 1.0),
        ([0.5, 0.5], [0, 1], 0.5),
        ([0.1, 0.2], [1, 1], None),
        ([], [], None),
    ],
)
def test_roc_auc(scores, labels, expected):
    assert M.roc_auc(scores, labels) == expected


def test_threshold_curve_from_histograms():
    positive = M.score_histogram([0.95, 0.55], 10)
    negative = M.score_histogram([0.15, 0.55], 10)
    curve = M.threshold_curve(positive, negative, gold_total=4)
    assert curve["threshold"][5] == 0.5
    # At 0.5: flagged 0.95, 0.55 (pos) and 0.55 (neg) -> precision 2/3, recall 2/4.
    assert curve["precision"][5] == pytest.approx(200 / 3)
    assert curve["recall"][5] == pytest.approx(50)
    assert curve["precision"][0] == pytest.approx(50)
    assert curve["recall"][9] == pytest.approx(25)


def test_expected_calibration_error_on_a_hand_made_example():
    from repair.evaluate.metrics import expected_calibration_error, reliability_table

    # bin 0.8-0.9: 4 edits at 0.8, 3 right (gap 0.05); bin 0.2-0.3: 1 edit at 0.2, right (gap 0.8)
    table = reliability_table([0.8, 0.8, 0.8, 0.8, 0.2], [True, True, True, False, True])
    assert [row["edits"] for row in table] == [0, 0, 1, 0, 0, 0, 0, 0, 4, 0]
    assert expected_calibration_error(table) == pytest.approx((4 * 0.05 + 1 * 0.8) / 5)
    assert expected_calibration_error(reliability_table([], [])) is None
