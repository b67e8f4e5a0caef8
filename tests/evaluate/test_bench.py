"""Benchmark plumbing (repair/evaluate/bench.py); the numbers themselves are printed by `unspin bench`."""
from __future__ import annotations

import os

import pytest

from repair.errors import UnspinError
from repair.evaluate.bench import BenchConfig, Measurement, format_table, run_bench, tree_rss_kb, write_folder
from repair.text import count_words
from tests.io.test_batch import SPUN, tiny_repairer


def test_in_process_measurements_on_given_files(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(SPUN * 20)
    results = run_bench(BenchConfig(jobs=(), startup_runs=0, lm_words=0), tiny_repairer, [path])
    assert [m.name for m in results] == ["load pipeline (+1 paragraph)", "detect given", "fix given"]
    assert all(m.words == count_words(SPUN * 20) for m in results[1:])
    assert all(m.peak_rss_mb > 0 for m in results)


def test_table_lists_every_measurement():
    table = format_table([Measurement("fix folder -j 2", 1000, 2.0, 5, 300.0)])
    assert "fix folder -j 2" in table and "500" in table and "300" in table


def test_missing_corpus_is_named(tmp_path):
    with pytest.raises(UnspinError, match="corpus is missing .*news_test.jsonl.gz"):
        run_bench(BenchConfig(jobs=()), tiny_repairer, corpus=[tmp_path / "news_test.jsonl.gz"])


def test_tree_rss_counts_this_process():
    assert tree_rss_kb(os.getpid()) > 0 or not os.path.isdir("/proc")


@pytest.mark.shared
def test_generated_folder_mixes_clean_and_spun(test_corpus_path, tmp_path):
    files, words = write_folder(tmp_path / "news", 0.03, BenchConfig(), [test_corpus_path])
    names = sorted(p.name.split("-")[0] for p in (tmp_path / "news").rglob("*.txt"))
    assert files == len(names) >= 2 and words > 1000
    assert {"clean", "spun"} <= set(names)


def test_archive_rates_index_the_clean_texts_and_trace_their_spun_copies():
    from repair.evaluate.bench import archive_rates

    clean = ["The minister said talks with security forces would continue next week in the capital.\nA second paragraph about the budget debate in parliament on Monday."]
    spun = ["The minister mentioned talks with safety forces would continue next week in the capital.\nA second paragraph about the budget debate in parliament on Monday."]
    built, traced = archive_rates(clean, spun)
    assert (built.name, built.unit, built.words, built.files) == ("archive index", "paragraphs", 2, 1)
    assert (traced.unit, traced.words) == ("paragraphs", 2) and traced.seconds > 0
