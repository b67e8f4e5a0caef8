"""The restorer trainer: a two-step smoke run that writes a folder the registry loads, and its parts."""
from __future__ import annotations

import json
import random

import pytest

from repair import text as textutil
from repair.resources.shared import Resources
from repair.restore.registry import load_restorer
from repair.restore.seq2seq.choosing import RegionScores
from repair.restore.seq2seq.model import Seq2SeqConfig
from repair.results import Span
from repair.train.restorer import RestorerTrainConfig, train_restorer, window_batches
from repair.train.restorer_data import (
    DELETE,
    LabeledWindow,
    phrase_pairs,
    region_targets,
    row_windows,
    sub_regions,
    training_windows,
)
from repair.train.restorer_eval import evaluate
from repair.train.restorer_tune import COMBINATION_KEYS, region_f05, score_table, table_f05

# Two optimiser steps of an encoder of two MiniLM layers (one frozen) and a one-layer decoder that
# proposes one short original per region: decoding dominates tuning and evaluation.
SMOKE = RestorerTrainConfig(max_train_rows=12, max_steps=2, max_minutes=5.0, batch_windows=4, warmup_steps=1, tune_rows=4)
TINY_MODEL = Seq2SeqConfig(keep_layers=2, frozen_layers=1, decoder_layers=1, first_tokens=1, max_target=4, max_candidates=4)

ROW = {
    "id": "a/1#p0",
    "clean": "The minister said security was critical against attacks.",
    "spun": "The minister mentioned safety was critical in opposition to attacks.",
    "subs": [
        {"spun_start": 13, "spun_end": 22, "clean": "said", "spun": "mentioned"},
        {"spun_start": 23, "spun_end": 29, "clean": "security", "spun": "safety"},
        {"spun_start": 43, "spun_end": 59, "clean": "against", "spun": "in opposition to"},
    ],
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_data, shipped_resources):
    """A models root holding only the smoke-trained ``restorer`` folder, the run summary and the log."""
    root = tmp_path_factory.mktemp("models")
    lines: list[str] = []
    summary = train_restorer(SMOKE, data_dir=tiny_data.data_dir, out_dir=root / "restorer", run_dir=root / "run",
                             resources=shipped_resources, corpus=tiny_data.corpus, model_config=TINY_MODEL,
                             log=lines.append, suite=tiny_data.suite)
    return Resources(root, shipped_resources.thesaurus, shipped_resources.ngram), summary, lines


def test_smoke_run_reports_its_data_and_budget_and_stops_at_max_steps(trained):
    resources, summary, lines = trained
    assert any(line.startswith("train: 12 rows") for line in lines)
    assert any(line.startswith("budget: at most 2 steps or 5 min") for line in lines)
    assert summary["steps"] == 2 and summary["gold_spans"]["rows"] == 3
    saved = Seq2SeqConfig.from_pretrained(resources.root / "restorer")
    assert saved.decoder_layers == 1
    assert all(getattr(saved, key) == summary["tuning"][key] for key in COMBINATION_KEYS)
    assert (resources.root / "run" / "checkpoint.pt").is_file()


def test_trained_folder_loads_through_the_registry_and_proposes_edits(trained):
    resources, _, _ = trained
    restorer = load_restorer("seq2seq", resources)
    spans = [Span(13, 22, "mentioned", 1.0, "test")]
    edits = restorer.propose(ROW["spun"], spans)
    assert all(13 <= e.start and e.end <= 22 and ROW["spun"][e.start : e.end] == e.old for e in edits)
    assert evaluate(restorer, [ROW])["rows"] == 1


def test_sub_regions_label_first_word_and_delete_the_rest():
    regions = sub_regions(ROW["spun"], ROW["subs"], textutil.words(ROW["spun"]))
    assert [([t.text for t in w], labels) for w, labels in regions] == [
        (["mentioned"], ["said"]),
        (["safety"], ["security"]),
        (["in", "opposition", "to"], ["against", DELETE, DELETE]),
    ]


def test_row_windows_are_seeded_and_cover_every_substitution():
    config = RestorerTrainConfig(negative_rate=0.0, jitter_rate=0.0)
    first = row_windows(ROW, random.Random(1), config)
    assert first == row_windows(ROW, random.Random(1), config)
    assert first[0].labels == ("said", "security", "against", DELETE, DELETE)


def test_clean_row_gives_only_copy_labels():
    row = {"clean": "The plan was approved.", "spun": "The plan was approved.", "subs": []}
    windows = row_windows(row, random.Random(0), RestorerTrainConfig(negative_rate=1.0))
    assert [w.labels for w in windows] == [("the", "plan", "was", "approved")]


def test_each_row_draws_its_own_noise_whatever_else_is_sampled():
    config = RestorerTrainConfig(negative_rate=0.5, jitter_rate=0.5)
    other = {**ROW, "id": "b/2#p0"}
    assert training_windows([other, ROW], config)[1:] == training_windows([ROW], config)
    assert training_windows([ROW], config) != training_windows([ROW], RestorerTrainConfig(negative_rate=0.5, jitter_rate=0.5, seed=14))


def test_window_batches_keep_every_window_once():
    windows = [LabeledWindow(f"s{i}", (), ()) for i in range(10)]
    batches = window_batches(windows, 4, seed=0)
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(w.sentence for b in batches for w in b) == sorted(w.sentence for w in windows)


def test_region_targets_collapse_deletes_and_keep_jittered_neighbours():
    window = LabeledWindow(
        "They protested in opposition to it",
        ((textutil.Token(5, 14, "protested"), textutil.Token(15, 17, "in"), textutil.Token(18, 28, "opposition"), textutil.Token(29, 31, "to")),),
        ("protested", "against", DELETE, DELETE),
    )
    ((first, last, target),) = region_targets(window)
    assert (first.text, last.text, target) == ("protested", "to", "protested against")


def test_phrase_pairs_count_spun_phrase_to_original():
    pairs = phrase_pairs([ROW, ROW])
    assert pairs["mentioned"] == {"said": 2}
    assert pairs["in opposition to"] == {"against": 2}


def test_vectorised_tuning_agrees_with_choose():
    rng = random.Random(5)
    scored = []
    for r in range(60):
        n = rng.randint(1, 6)
        candidates = tuple(["spun"] + [f"w{r}_{i}" for i in range(1, n)])
        gold = rng.choice([*candidates, "missing"])
        decoder, prior, trigrams = (tuple(rng.uniform(-40, 0) for _ in range(n)) for _ in range(3))
        scored.append((RegionScores(0, 4, "spun", candidates, decoder, prior, trigrams), gold))
    table = score_table(scored)
    for weights in ({"decoder_weight": 1.0, "prior_weight": 0.5, "ngram_weight": 0.0, "copy_bonus": 1.0, "temperature": 2.0},
                    {"decoder_weight": 0.5, "prior_weight": 0.0, "ngram_weight": 0.25, "copy_bonus": -1.0, "temperature": 0.5},
                    {"decoder_weight": 0.1, "prior_weight": 0.2, "ngram_weight": 1.0, "copy_bonus": 0.5, "temperature": 3.0}):
        reference = region_f05(scored, weights["prior_weight"], weights["copy_bonus"], weights["temperature"],
                               decoder_weight=weights["decoder_weight"], ngram_weight=weights["ngram_weight"])
        assert table_f05(table, weights) == pytest.approx(reference)
        assert 0 < reference["restored"] < 1


def test_summary_is_json(trained):
    resources, _, _ = trained
    summary = json.loads((resources.root / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["train_config"]["max_steps"] == 2
