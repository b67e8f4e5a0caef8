"""The originals table: every corpus word's candidate originals computed once, read back exactly."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from repair.detect.lexicon import LexiconScorer, build_scorer
from repair.detect.originals import ORIGINALS_FILE, OriginalsTable, build_table, read_table
from repair.paths import models_dir
from tests.samples import CLEAN, SPUN


@pytest.fixture(scope="module")
def scorer(shipped_resources) -> LexiconScorer:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a stale shipped table warns: that must fail here
        return build_scorer(shipped_resources)


@pytest.fixture(scope="module")
def scorer_without_table(scorer) -> LexiconScorer:
    return LexiconScorer(scorer.ngram, scorer.source, scorer.calibration, scorer.config, table=None)


def test_the_shipped_table_was_computed_from_the_shipped_models(scorer):
    assert scorer.table is not None, f"rebuild models/ngram/{ORIGINALS_FILE}: python scripts/build_originals.py"
    assert len(scorer.table.word_rows) == len(scorer.ngram.vocab) + 1


def test_a_table_word_gets_the_same_originals_as_a_lookup(scorer, scorer_without_table):
    vocab = scorer.ngram.vocab
    words = ["mentioned", "safety", "nations", "additionally", "said", "the", *vocab[2::211]]
    with_originals = 0
    for word in words:
        from_table = scorer._phrase_originals(word)
        looked_up = scorer_without_table._phrase_originals(word)
        assert (from_table is None) == (looked_up is None), word
        if from_table is None:
            continue
        with_originals += 1
        assert from_table.replacements == looked_up.replacements, word
        for field in ("priors", "ids", "lengths", "log_freq"):
            np.testing.assert_array_equal(getattr(from_table, field), getattr(looked_up, field), err_msg=f"{word} {field}")
    assert with_originals > 50
    assert "said" in scorer._phrase_originals("mentioned").replacements


def test_scores_and_reports_are_the_same_with_and_without_the_table(scorer, scorer_without_table):
    for paragraph in (SPUN, CLEAN):
        a, b = scorer.score(paragraph), scorer_without_table.score(paragraph)
        assert a.replacements == b.replacements and len(a) > 10
        np.testing.assert_array_equal(a.features, b.features)
        np.testing.assert_array_equal(a.gains, b.gains)


def test_a_table_from_other_settings_is_ignored_with_a_warning(scorer):
    other = {**scorer.source.settings(), "limit": scorer.source.limit + 1}
    with pytest.warns(UserWarning, match="build_originals.py"):
        assert read_table(models_dir(), other) is None


def test_no_table_means_lookups(tmp_path, scorer):
    (tmp_path / "ngram").mkdir()
    assert read_table(tmp_path, scorer.source.settings()) is None


def test_a_built_table_reads_back_word_by_word(tmp_path):
    vocab = ["<unk>", "<s>", "said", "told", "in", "opposition", "to", "against"]
    log_uni = np.log(np.linspace(0.05, 0.2, len(vocab)))
    rows = {2: [(0.5, [3]), (0.25, [4, 5, 6])], 7: [(1.0, [4, 5, 6])]}
    table = build_table(len(vocab), lambda word_id: rows.get(word_id, []), signature="abc")
    table.save(tmp_path / "t.npz")
    loaded = OriginalsTable.load(tmp_path / "t.npz")
    assert loaded.signature == "abc"
    assert loaded.originals(3, vocab, log_uni) is None
    said = loaded.originals(2, vocab, log_uni)
    assert said.replacements == ("told", "in opposition to")
    np.testing.assert_array_equal(said.ids, [[3, -1, -1], [4, 5, 6]])
    np.testing.assert_array_equal(said.lengths, [1, 3])
    np.testing.assert_array_equal(said.priors, [0.5, 0.25])
    np.testing.assert_allclose(said.log_freq, [log_uni[3], log_uni[4:7].sum()])
