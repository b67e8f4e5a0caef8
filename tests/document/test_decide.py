"""The document map decider: word counts and the restorer's proposals decide a spun word throughout."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from repair.document.apply import apply_map, occurrence_pattern
from repair.document.decide import (DECIDER_FILES, FEATURES, LM_DECIDER_FILES, LM_FEATURES, EntryFeatures, MapDecider, choose_entries, context_preference,
                                    count_evidence, entry_features, read_config)
from repair.document.thesaurus_entries import THESAURUS_FEATURES
from repair.lm.lazy import LazyLanguageModel
from repair.pipeline.config import RepairConfig
from repair.pipeline.repairer import Repairer
from repair.merge.edits import apply_edits
from repair.errors import ModelNotFoundError
from repair.paths import models_dir
from repair.results import Edit, MapEntry
from repair.text import paragraphs
from repair.train.map_decider import fit_logistic, group_folds, lowest_threshold, predict

# News prose: "said" is the most common verb of attribution, "mentioned" a rare one.
CLEAN = " ".join(f"The minister said on Monday that talks number {i} would go on, officials said." for i in range(12))
SPUN = CLEAN.replace(" said", " mentioned")


@pytest.fixture(scope="module")
def ngram(shipped_resources):
    return shipped_resources.ngram


def test_counts_of_a_one_map_spin_are_evidence_for_the_swap(ngram):
    tokens = len(CLEAN.split())
    spun = count_evidence(SPUN, tokens, "mentioned", "said", ngram)
    clean = count_evidence(CLEAN, tokens, "mentioned", "said", ngram)
    assert spun.excess > 10 and spun.absence > 0  # far too many "mentioned", no "said" where news has some
    assert clean.excess < 0 and clean.absence < -10  # "said" 24 times: nothing was taken away
    assert spun.count_new == 0 and clean.count_new == 24


def test_counts_say_nothing_of_phrases_longer_than_three_tokens(ngram):
    assert count_evidence(SPUN, 100, "on the other hand", "but", ngram) is None


def test_entry_features_group_proposals_by_word_pair(ngram):
    first = SPUN.index("mentioned")
    second = SPUN.index("mentioned", first + 1)
    proposals = [Edit(first, first + 9, "mentioned", "said", "model", 0.7),
                 Edit(second, second + 9, "mentioned", "said", "model", 0.5),
                 Edit(second, second + 9, "mentioned", "noted", "model", 0.2),
                 Edit(0, 3, "The", "A", "glossary", 0.9)]  # a term repair is not a spinner's swap
    features = entry_features(SPUN, proposals, ngram)
    assert [(f.old, f.new, f.occurrences) for f in features] == [("mentioned", "noted", 24), ("mentioned", "said", 24)]
    said = dict(zip(FEATURES, features[1].values))
    assert said["best_confidence"] == pytest.approx(math.log(0.7 / 0.3))
    assert said["proposals"] == pytest.approx(math.log(2))
    assert said["rivals"] == pytest.approx(math.log(2))


def test_chosen_map_is_one_to_one_and_above_the_threshold():
    def feature(old, new, occurrences=3):
        return EntryFeatures(old, new, occurrences, tuple(0.0 for _ in FEATURES))

    scored = [(0.95, feature("mentioned", "said")), (0.93, feature("alleged", "said")),
              (0.91, feature("mentioned", "noted")), (0.92, feature("yr", "year")), (0.5, feature("final", "last"))]
    assert choose_entries(scored, 0.9) == [MapEntry("mentioned", "said", 3, 0.95), MapEntry("yr", "year", 3, 0.92)]


def test_two_words_claiming_one_original_go_to_the_one_expected_to_restore_more():
    def feature(old, occurrences):
        return EntryFeatures(old, "said", occurrences, tuple(0.0 for _ in FEATURES))

    scored = [(0.99, feature("alleged", 2)), (0.95, feature("mentioned", 14))]
    assert choose_entries(scored, 0.9) == [MapEntry("mentioned", "said", 14, 0.95)]


def test_a_decided_entry_reaches_every_occurrence_not_already_edited():
    kept = [Edit(SPUN.index("mentioned"), SPUN.index("mentioned") + 9, "mentioned", "said", "model", 0.9)]
    added = apply_map(SPUN, [MapEntry("mentioned", "said", 24, 0.93)], kept)
    assert len(added) == 23 and {e.source for e in added} == {"document"} and {e.confidence for e in added} == {0.93}
    assert apply_edits(SPUN, sorted([*kept, *added], key=lambda e: e.start)) == CLEAN
    assert not occurrence_pattern("mentioned").search("unmentioned, mentioned-ish")


def test_weighted_logistic_fit_recovers_a_clear_rule():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(400, 2))
    labels = (values[:, 0] > 0).astype(float)  # only the first input matters
    fitted = fit_logistic(values, labels, np.ones(400), l2=0.1)
    assert abs(fitted[0][0]) > 5 * abs(fitted[0][1])
    probabilities = predict(values, fitted)
    assert ((probabilities > 0.5) == (labels > 0.5)).mean() > 0.95


def test_folds_keep_an_article_together_and_threshold_needs_the_target_above_it():
    folds = group_folds([3, 3, 1, 2, 1], 2)
    assert folds[0] == folds[1] and folds[2] == folds[4]
    curve = [{"threshold": 0.5, "added": 100, "right": 0.8}, {"threshold": 0.7, "added": 60, "right": 0.91},
             {"threshold": 0.8, "added": 40, "right": 0.95}, {"threshold": 0.9, "added": 5, "right": 0.5}]
    assert lowest_threshold(curve, 0.9, min_added=10) == 0.7
    assert lowest_threshold(curve, 0.99, min_added=10) is None


@pytest.mark.parametrize("kind", sorted(DECIDER_FILES))
def test_shipped_decider_loads_for_the_kinds_that_have_one(ngram, kind):
    decider = MapDecider.from_pretrained(models_dir() / "document", ngram, kind)
    assert decider.config.features == FEATURES and 0.5 <= decider.threshold <= 1.0
    # Fitted on that kind's own proposals, for the precision target.
    assert decider.config.meta["kind"] == kind and decider.config.meta["target"] >= 0.9
    assert MapDecider.from_pretrained(models_dir() / "document", ngram, "lexicon") is None


@pytest.mark.parametrize("kind", sorted(LM_DECIDER_FILES))
def test_shipped_lm_decider_files_were_fitted_for_their_kind(kind):
    # Reading the file alone: loading the decider with the LM is tested below (slow).
    config = read_config(models_dir() / "document" / LM_DECIDER_FILES[kind])
    assert config.features == LM_FEATURES and config.meta["kind"] == kind and config.meta["lm"]


def test_context_preference_favours_the_wording_news_uses_there(ngram):
    start = SPUN.index("mentioned")
    assert context_preference(ngram, SPUN, start, start + 9, "said") > 1.0
    start = CLEAN.index("said")
    assert context_preference(ngram, CLEAN, start, start + 4, "mentioned") < -1.0


# A 170-word article written for this test, spun by the project's one-map spinner (seed 2).
ARTICLE = """The city council said on Tuesday that it would raise the price of bus tickets next month, the first increase in four years. The council said the money would pay for new buses and for longer hours on the busiest routes.
Passengers said they were worried about the cost. "I take the bus every day to work, and I cannot pay more," said one woman waiting at the main station. A student said many young people had no other way to get to school.
The mayor said the city had tried to keep prices low for as long as possible, but that fuel and wages had gone up. She said the council would look again at discounts for students and older people before the new prices start.
Opposition members said the plan was rushed and called for a public meeting. The council is expected to vote on the final plan next week, officials said."""
SPUN_ARTICLE = """The city council said on Tuesday that it would raise the share of bus tickets adjacent year, the start increase in four forms. The council said the wampum would pay for new buses and for longer minutes on the busiest roads.
Passengers said they were worried about the billed. "I take the bus every day to study, and I cannot pay more," said one woman waiting at the main station. A student said many five-year-old battalion had no other way to get to school.
The mayor said the city had tested to keep prices depressed for even if come-at-able, but that supply and defends had gone up. She said the council would look again at discounts for students and older battalion before the new prices start.
Confrontation members said the expect was rushed and called for a public meeting. The council is awaited to vote on the final expect adjacent week, officials said."""


# What the default decider (with the LM's margins) restores there, every one right against ARTICLE.
# "tested -> tried" since a weak suspect's proposal reaches the decider (repair.pipeline.repairer).
LM_DECIDED = [("adjacent", "next"), ("wampum", "money"), ("battalion", "people"), ("tested", "tried"), ("come-at-able", "possible"),
              ("Confrontation", "Opposition"), ("expect", "plan"), ("awaited", "expected"), ("expect", "plan"), ("adjacent", "next")]


def test_decider_on_counts_decides_a_spun_articles_map_and_leaves_its_clean_original_alone(shipped_pipeline):
    counts = shipped_pipeline(RepairConfig(map_lm=False))
    assert not counts.decider.reads_lm
    alone = counts.with_config(map_decisions=False).repair(SPUN_ARTICLE)
    # Judged alone, the restorer is sure of three words (the first paragraph scores under the
    # passage threshold, but its document is spun: RepairConfig.spun_document_paragraphs).
    assert [(e.old, e.new, e.source) for e in alone.edits] == [
        ("start", "first", "model"), ("forms", "years", "model"), ("battalion", "people", "model")]
    result = counts.repair(SPUN_ARTICLE)
    decided = [(e.old, e.new) for e in result.edits if e.source == "document"]
    # The restorer fixed "battalion" once; the decider carries it to its other occurrence.
    assert decided == [("adjacent", "next"), ("wampum", "money"), ("battalion", "people"), ("Confrontation", "Opposition"),
                       ("adjacent", "next")]
    assert all(e.confidence >= counts.decider.threshold for e in result.edits if e.source == "document")
    assert "many five-year-old people had" in result.text and "older people before" in result.text
    assert "Opposition members said the expect was rushed" in result.text
    assert counts.repair(ARTICLE).text == ARTICLE


def test_short_texts_are_left_to_the_per_occurrence_decisions(shipped_repairer):
    short = SPUN_ARTICLE.split("\n")[3]  # 37 words: too few for counts to say anything
    segments = paragraphs(short)
    reports = shipped_repairer.detect_paragraphs([short], [segments])[0]
    proposals = shipped_repairer.document_candidates(short, segments, reports)
    assert shipped_repairer.decider.decide(short, proposals) == []
    unguarded = MapDecider(replace(shipped_repairer.decider.config, min_words=0), shipped_repairer.decider.ngram,
                           shipped_repairer.decider.lm)
    assert unguarded.decide(short, proposals) != []


def test_a_missing_or_foreign_decider_file_is_a_clear_error(ngram, tmp_path):
    with pytest.raises(ModelNotFoundError, match="map_decider.json.*fit_map_decider.py"):
        MapDecider.from_pretrained(tmp_path, ngram, "seq2seq")
    (tmp_path / "map_decider.json").write_text('{"model_type": "something-else"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a map decider"):
        MapDecider.from_pretrained(tmp_path, ngram, "seq2seq")


def shipped_with_lm_decider(shipped_repairer, holder: LazyLanguageModel) -> Repairer:
    """The shipped pipeline with the decider fitted with the LM's margins, reading ``holder``."""
    decider = MapDecider.from_pretrained(models_dir() / "document", shipped_repairer.decider.ngram, "seq2seq", lm=holder)
    return Repairer(detector=shipped_repairer.detector, glossary=shipped_repairer.glossary, restorers=shipped_repairer.restorers,
                    gate=shipped_repairer.gate, config=replace(shipped_repairer.config, map_lm=True),
                    calibration=shipped_repairer.calibration, decider=decider)


def test_the_lm_decider_loads_and_clean_text_never_loads_the_lm(shipped_repairer):
    def refuse():
        raise AssertionError("the LM was loaded for a clean document")

    holder = LazyLanguageModel(refuse)
    pipeline = shipped_with_lm_decider(shipped_repairer, holder)
    assert pipeline.decider.config.features == LM_FEATURES and pipeline.decider.reads_lm
    assert 0.5 <= pipeline.decider.threshold <= 1.0 and pipeline.decider.config.meta["lm"] is True
    assert pipeline.repair(ARTICLE).text == ARTICLE
    assert not holder.loaded


def test_the_default_decider_asks_the_lm_and_restores_more_of_a_spun_article(shipped_repairer):
    assert shipped_repairer.config.map_lm and shipped_repairer.decider.reads_lm
    result = shipped_repairer.repair(SPUN_ARTICLE)
    decided = [(e.old, e.new) for e in result.edits if e.source == "document"]
    assert decided == LM_DECIDED
    assert shipped_repairer.decider.lm.loaded
    assert shipped_repairer.repair(ARTICLE).text == ARTICLE
    segments = paragraphs(SPUN_ARTICLE)
    proposals = shipped_repairer.document_candidates(SPUN_ARTICLE, segments, shipped_repairer.detect_paragraphs([SPUN_ARTICLE], [segments])[0])
    with pytest.raises(ValueError, match="build it with lm"):
        MapDecider(shipped_repairer.decider.config, shipped_repairer.decider.ngram).decide(SPUN_ARTICLE, proposals)


def test_a_missing_language_model_package_is_named_with_the_way_around_it():
    from repair.lm.load import LanguageModelNotFoundError
    from repair.pipeline.repairer import language_model

    with pytest.raises(LanguageModelNotFoundError, match="no-such-lm-package.*--no-map-lm"):
        language_model("no-such-lm-package")


# A 200-word article written for this test, spun by the project's "dictionary" spinner (closer to
# a commercial one: the strongest synonym always; seed 4, rate 0.45).
WATER_ARTICLE = """The regional water board said on Monday that it would also raise the price of tap water next year, the second increase in three years. The board said the money would also pay for new pipes and for repairs to the oldest treatment plant in the region.
Residents said they were worried about the cost. "We already pay too much, and the water still tastes bad," said one man who lives near the river. Local businesses also said the increase would hurt small shops and restaurants, which use a lot of water every day.
The chairman of the board said the company had tried to keep prices low for as long as possible, but that energy costs and wages had also gone up. He said the board would look again at discounts for families with low incomes before the new prices start.
Opposition members said the plan was rushed and called for a public hearing. Environmental groups said the board should also do more to stop leaks, which waste about a fifth of the water it treats. The board is expected to vote on the final plan next month, officials said."""
SPUN_WATER_ARTICLE = """The territorial irrigate plank stated on Monday that it would also raise the cost of tap irrigate next twelvemonth, the second increase in three twelvemonths. The plank stated the medium of exchange would also pay for fresh pipes and for repairs to the most older treatment plant in the part.
Occupants stated they were worried about the be. "We already pay excessively much, and the irrigate still gustatory perceptions bad," stated one man who lives near the stream. Local businesses also stated the increase would ache little stores and restaurants, which use a lot of irrigate every day.
The chairman of the plank stated the company had tried to hold prices low for as long as possible, but that vigor costs and earningses had also arisen. He stated the plank would look again at brushes aside for families with low financial gains before the fresh prices start.
Resistance members stated the plan was belted along and bespoke a public hearing. Environmental groups stated the plank should also do to a greater extent to halt leaks, which desert about a one-fifth of the irrigate it treats. The plank is expected to vote on the final plan next calendar month, functionaries stated."""


def test_the_thesaurus_entries_restore_a_swap_the_restorer_never_proposed(shipped_repairer, shipped_pipeline):
    with_thesaurus = shipped_pipeline(RepairConfig(map_thesaurus=True))
    decider = with_thesaurus.decider
    assert decider.thesaurus_config.features == THESAURUS_FEATURES and decider.thesaurus is not None
    assert 0.5 <= decider.thesaurus_config.threshold <= 1.0 and decider.thesaurus_config.meta["target"] >= 0.9
    assert shipped_repairer.decider.thesaurus is None and shipped_repairer.decider.reads_lm  # opt-in
    result = with_thesaurus.repair(SPUN_WATER_ARTICLE)
    without = shipped_repairer.repair(SPUN_WATER_ARTICLE)
    decided = [(e.old, e.new) for e in result.edits if e.source == "document"]
    decided_without = [(e.old, e.new) for e in without.edits if e.source == "document"]
    # "bespoke" (for "called for") reads as a word of its own, and the restorer never proposed
    # anything there; the thesaurus lists it as a synonym of "call for", and the LM agrees.
    assert [pair for pair in decided if pair not in decided_without] == [("bespoke", "called for")]
    assert "the plan was belted along and called for a public hearing." in result.text
    assert with_thesaurus.repair(WATER_ARTICLE).text == WATER_ARTICLE


def test_the_thesaurus_entries_need_the_lm_decider_and_their_file(shipped_repairer, shipped_resources, tmp_path):
    folder = models_dir() / "document"
    counts = read_config(folder / "map_decider.json")
    with pytest.raises(ValueError, match="language model"):
        MapDecider(counts, shipped_resources.ngram, shipped_repairer.decider.lm, shipped_resources.thesaurus)
    (tmp_path / "map_decider_lm.json").write_bytes((folder / "map_decider_lm.json").read_bytes())
    with pytest.raises(ModelNotFoundError, match="thesaurus_decider.json"):
        MapDecider.from_pretrained(tmp_path, shipped_resources.ngram, "seq2seq", lm=shipped_repairer.decider.lm,
                                   thesaurus=shipped_resources.thesaurus)
    alone = MapDecider.from_pretrained(tmp_path, shipped_resources.ngram, "seq2seq", lm=shipped_repairer.decider.lm)
    assert alone.thesaurus is None and alone.thesaurus_config is None


def test_the_lm_restorer_kind_gets_the_decider_fitted_on_its_own_proposals():
    repairer = Repairer.load(config=RepairConfig(restorer="seq2seq+lm"))
    assert repairer.decider is not None and repairer.decider.reads_lm
    assert repairer.decider.config.meta["kind"] == "seq2seq+lm"
    assert not repairer.decider.lm.loaded  # loading the pipeline never loads the LM
