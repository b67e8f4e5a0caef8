"""The detector trainer: a two-step smoke run that writes a folder the registry loads, and its parts."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from repair.detect.config import TaggerConfig
from repair.detect.registry import load_detector
from repair.detect.tagger import units
from repair.resources.shared import Resources
from repair.results import DetectionReport, Span
from repair.train.detector import DetectorTrainConfig, refit_cascade, restore_trained, train_detector
from repair.train.detector_data import frozen_prefixes, initial_model, with_clean_copies, word_labels
from repair.train.detector_eval import evaluate_detector
from repair.train.detector_fit import choose_gate, choose_word_threshold, fit_calibrator, passage_examples, prf

SENTENCE = "The foreign minister mentioned on Weekday that the regime would increase safety spending."

# Two optimiser steps with five of MiniLM's six layers frozen: seconds, not minutes.
SMOKE = DetectorTrainConfig(max_train_rows=12, max_eval_rows=12, max_steps=2, max_minutes=5.0, batch_pieces=512,
                            frozen_layers=5, warmup_steps=1, max_compare_rows=6)


def quiet(_: str) -> None:
    pass


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_data, shipped_resources):
    """A models root holding only the smoke-trained ``detector`` folder, and what training returned."""
    root = tmp_path_factory.mktemp("models")
    lines: list[str] = []
    metrics = train_detector(SMOKE, data_dir=tiny_data.data_dir, out_dir=root / "detector", run_dir=root / "run",
                             resources=shipped_resources, corpus=tiny_data.corpus, log=lines.append)
    return Resources(root, shipped_resources.thesaurus, shipped_resources.ngram), metrics, lines


def test_smoke_run_reports_its_data_and_budget_and_stops_at_max_steps(trained):
    resources, metrics, lines = trained
    assert any(line.startswith("train: 12 rows") for line in lines)
    assert any(line.startswith("budget: at most 2 steps or 5 min") for line in lines)
    config = TaggerConfig.from_pretrained(resources.root / "detector")
    assert config.training["steps"] == 2
    assert config.frozen == frozen_prefixes(5)
    assert config.fusion is not None and config.cascade is not None
    assert set(metrics["comparison"]) == {"tagger", "lexicon", "combined", "cascade"}
    assert (resources.root / "detector" / "MODEL_CARD.generated.md").read_text(encoding="utf-8").startswith("# Unspin detector")


# The cascade loads the combined detector, which loads the tagger: one load covers all three folders' parts.
@pytest.mark.parametrize("kind", ["tagger", "cascade"])
def test_trained_folder_loads_through_the_registry_and_runs(trained, kind):
    resources, _, _ = trained
    detector = load_detector(kind, resources)
    (report,) = detector.detect_batch([SENTENCE])
    assert 0.0 <= report.score <= 1.0 and report.words == len(SENTENCE.split())
    assert all(SENTENCE[s.start : s.end] == s.text for s in report.spans)


def test_refit_cascade_rewrites_only_the_gate(trained, tiny_data):
    resources, _, _ = trained
    folder = resources.root / "detector"
    before = TaggerConfig.from_pretrained(folder)
    refit_cascade(SMOKE, data_dir=tiny_data.data_dir, out_dir=folder, resources=resources, corpus=tiny_data.corpus, log=quiet)
    after = TaggerConfig.from_pretrained(folder)
    assert after.fusion == before.fusion and after.settings == before.settings and after.cascade is not None


def test_evaluate_only_restores_the_runs_checkpoint(trained):
    resources, _, _ = trained
    model, _ = initial_model(SMOKE.frozen_layers)
    provenance = restore_trained(model, resources.root / "run", resources.root / "detector", quiet)
    assert provenance["steps"] == 2 and provenance["config"]["frozen_layers"] == 5
    shipped = load_detector("tagger", resources).model.state_dict()
    # The folder holds the same trained tensors, rounded to fp16.
    head = model.state_dict()["classifier.weight"]
    assert torch.allclose(head, shipped["classifier.weight"], atol=1e-3)


def test_initial_model_freezes_the_embeddings_and_lowest_layers():
    model, architecture = initial_model(frozen_layers=4)
    trained = {name for name, p in model.named_parameters() if p.requires_grad}
    assert not any(name.startswith(frozen_prefixes(4)) for name in trained)
    assert any(name.startswith("bert.encoder.layer.5.") for name in trained) and "classifier.weight" in trained
    assert architecture["num_hidden_layers"] == 6


def test_word_labels_follow_substitution_offsets():
    text = "Chinese language Overseas Minister mentioned"
    words = [u for u in units(text) if u.is_word]
    subs = [{"spun_start": 0, "spun_end": 16}, {"spun_start": 35, "spun_end": 44}]
    assert word_labels(text, words, subs) == [1, 1, 0, 0, 1]


def test_prf_counts():
    result = prf(np.array([0.9, 0.8, 0.2, 0.1]), np.array([1, 0, 1, 0]), 0.5)
    assert (result["tp"], result["fp"], result["fn"]) == (1, 1, 1)
    assert result["f1"] == pytest.approx(0.5)


def test_word_threshold_respects_clean_flag_rate():
    rows = [{"subs": [{}]}, {"subs": []}]
    preds = [(np.array([0.6, 0.95, 0.1]), np.array([1, 1, 0])), (np.array([0.7] + [0.0] * 99), np.zeros(100, int))]
    assert choose_word_threshold(preds, rows, max_clean_flag_rate=0.005) > 0.7


def test_calibrator_prior_lowers_an_ambiguous_passage():
    rng = np.random.default_rng(0)
    labels = np.r_[np.ones(200), np.zeros(200)]
    features = np.column_stack([labels * 2 + rng.normal(0, 1.5, 400), rng.normal(0, 1, (400, 5))])
    even, rare = fit_calibrator(features, labels, prior=0.5), fit_calibrator(features, labels, prior=0.01)
    middle = np.array([1.0, 0, 0, 0, 0, 0])
    z = lambda c: float(np.dot(c.weights, middle)) + c.bias  # noqa: E731
    # Same evidence, 99:1 instead of 1:1 prior odds: about log(99) lower on the logit scale.
    assert z(even) - z(rare) == pytest.approx(np.log(99), abs=0.5)


def test_clean_copies_and_article_passages():
    rows = [
        {"id": "a#p0", "spun": "officials mentioned it", "clean": "officials said it", "subs": [{"spun_start": 10, "spun_end": 19}], "rate": 0.3},
        {"id": "a#p1", "spun": "the talks ended", "clean": "the talks ended", "subs": [], "rate": 0.0},
    ]
    extended = with_clean_copies(rows, limit=5, seed=0)
    assert [r["spun"] for r in extended[2:]] == ["officials said it"] and extended[2]["subs"] == []
    probs = [np.array([0.1, 0.9, 0.1]), np.array([0.1, 0.1, 0.1]), np.array([0.1, 0.1, 0.1])]
    features, labels = passage_examples(probs, extended)
    # Three rows, then article "a" (both of its rows, spun); the clean copy's article has one row only.
    assert labels.tolist() == [1, 0, 0, 1]
    assert features.shape == (4, 6)


def test_gate_lets_at_most_the_allowed_share_of_clean_words_through():
    scores, words = [0.5, 0.2, 0.01, 0.001, 0.0], [10, 10, 30, 40, 10]
    gate = choose_gate(scores, words, max_share=0.25)
    assert 0.01 < gate <= 0.2
    assert sum(w for s, w in zip(scores, words) if s >= gate) == 20
    assert choose_gate(scores, words, max_share=1.0) == 0.0
    # Ties go together: a gate cannot pass half of several paragraphs with the same score.
    assert choose_gate([0.3, 0.3, 0.1], [10, 10, 10], max_share=0.4) > 0.3


class FixedSpans:
    """Reports a fixed span list per text (the metric logic under test, not a model)."""

    def __init__(self, spans):
        self.spans = spans

    def detect_batch(self, texts):
        return [DetectionReport(0.9 if self.spans.get(t) else 0.1, False, tuple(self.spans.get(t, ())), 0.5, len(t.split())) for t in texts]


def test_evaluate_detector_counts_words_by_span_overlap():
    spun, clean = "officials mentioned it on Monday", "the talks ended on time"
    rows = [
        {"spun": spun, "subs": [{"spun_start": 10, "spun_end": 19, "held_out": True}, {"spun_start": 23, "spun_end": 25}]},
        {"spun": clean, "subs": []},
    ]
    result = evaluate_detector(FixedSpans({spun: [Span(10, 19, "mentioned", 0.9), Span(26, 32, "Monday", 0.8)]}), rows)
    assert (result["token"]["tp"], result["token"]["fp"], result["token"]["fn"]) == (1, 1, 1)
    assert result["clean_flagged_per_1000"] == 0.0 and result["clean_words"] == 5
    assert result["recall_by_type"]["held_out"]["recall"] == 1.0 and result["recall_by_type"]["seen"]["recall"] == 0.0
    assert result["passage_auc"] == 1.0


def test_passage_auc_is_none_with_one_class():
    rows = [{"spun": "the talks ended", "subs": []}]
    assert evaluate_detector(FixedSpans({}), rows)["passage_auc"] is None
