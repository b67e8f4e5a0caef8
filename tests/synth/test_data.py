"""Data pipeline: chunking, noise mix, schema, held-out types, splits, caching (tiny corpus)."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from repair.cli import main
from repair.synth.data import (
    DataConfig,
    DataConfigError,
    Noiser,
    build_splits,
    chunk_article,
    pairs_of,
    suite_rows,
)
from repair.paths import models_dir
from repair.synth.spin import Substitution, apply_substitutions, is_held_out, revert_substitutions
from repair.resources.thesaurus import Thesaurus

PARAGRAPH = ("The foreign minister said on Monday that the security forces had told reporters about "
             "the new law, and officials from both countries met last year to discuss military aid. ")
SUB_KEYS = {"clean_start", "clean_end", "spun_start", "spun_end", "clean", "spun", "kind", "held_out"}


@pytest.fixture(scope="module")
def thesaurus() -> Thesaurus:
    return Thesaurus.load()


def write_corpus(path: Path, prefix: str, n: int) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for k in range(n):
            text = "\n".join([f"LONDON, March {k + 1} - " + PARAGRAPH * 2, "By staff", PARAGRAPH * 3])
            handle.write(json.dumps({"id": f"{prefix}/{k}", "source": "x", "title": None, "text": text}) + "\n")
    return path


def test_chunks_respect_word_limit():
    text = PARAGRAPH * 6 + "\nShort line\n" + PARAGRAPH
    chunks = chunk_article(text, max_words=40, min_words=4)
    assert all(len(c.split()) <= 40 for c in chunks)
    assert "Short line" not in chunks
    assert chunks[-1] == PARAGRAPH.strip()


def test_empty_article_has_no_chunks():
    assert chunk_article("", 120, 4) == []


@pytest.mark.parametrize("bad", [dict(clean_share=1.2), dict(spin_rates=()), dict(clean_share=0.6, garble_share=0.6)])
def test_bad_config_is_named(bad):
    with pytest.raises(DataConfigError):
        DataConfig(**bad)


def test_rows_follow_schema_and_align(thesaurus):
    noiser = Noiser(thesaurus, DataConfig())
    kinds = set()
    for k in range(60):
        row = noiser.row(f"a/{k}#p0", PARAGRAPH.strip(), "validation")
        assert set(row) == {"id", "clean", "spun", "rate", "noise", "subs"}
        kinds.add(row["noise"])
        subs = [Substitution(**{k2: v for k2, v in s.items() if k2 != "held_out"}) for s in row["subs"]]
        assert all(set(s) == SUB_KEYS for s in row["subs"])
        assert apply_substitutions(row["clean"], subs) == row["spun"]
        assert revert_substitutions(row["spun"], subs) == row["clean"]
        if row["noise"] == "none":
            assert row["rate"] == 0 and row["spun"] == row["clean"] and not row["subs"]
    assert kinds == {"none", "spin", "garble"}


def test_train_rows_never_hold_held_out_types(thesaurus):
    noiser = Noiser(thesaurus, DataConfig(held_out_share=0.3, clean_share=0.0))
    seen_held_out = False
    for k in range(40):
        train = noiser.row(f"b/{k}#p0", PARAGRAPH.strip(), "train")
        assert not any(s["held_out"] for s in train["subs"])
        seen_held_out |= any(s["held_out"] for s in noiser.row(f"b/{k}#p0", PARAGRAPH.strip(), "test")["subs"])
    assert seen_held_out


def test_build_splits_and_cache(tmp_path, thesaurus):
    train = write_corpus(tmp_path / "news.jsonl.gz", "tr", 40)
    test = write_corpus(tmp_path / "news_test.jsonl.gz", "te", 5)
    config = DataConfig(limit_articles=None, validation_share=0.2)
    out = tmp_path / "data"
    first = build_splits(config, train, test, out, thesaurus, models_dir() / "thesaurus", progress=False)
    assert not first.cached and all(first.counts[s] > 0 for s in ("train", "validation", "test"))
    test_ids = {json.loads(line)["id"].split("#")[0] for line in (out / "test.jsonl").open()}
    assert test_ids <= {f"te/{k}" for k in range(5)}
    train_ids = {json.loads(line)["id"].split("#")[0] for line in (out / "train.jsonl").open()}
    assert train_ids and not train_ids & test_ids
    assert all(json.loads(line)["rate"] == 0 for line in (out / "train.jsonl").open()
               if json.loads(line)["noise"] == "none")
    again = build_splits(config, train, test, out, thesaurus, models_dir() / "thesaurus", progress=False)
    assert again.cached and again.counts == first.counts


def test_suite_and_pairs():
    rows = [{"id": f"a{k // 3}#p{k % 3}", "clean": "x", "spun": "y", "rate": 0.3} for k in range(30)]
    chosen = suite_rows(rows, 12)
    assert len(chosen) == 12
    assert max(sum(r["id"].startswith(f"a{a}#") for r in chosen) for a in range(10)) <= 2
    assert pairs_of(chosen[:1]) == [{"id": chosen[0]["id"], "source": "y", "reference": "x"}]


def test_cli_build(tmp_path, capsys):
    train = write_corpus(tmp_path / "news.jsonl.gz", "tr", 6)
    test = write_corpus(tmp_path / "news_test.jsonl.gz", "te", 2)
    code = main(["data", "build", "--out", str(tmp_path / "d"), "--train-corpus", str(train),
                 "--test-corpus", str(test), "--limit-articles", "0", "-q"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["counts"]["test"] > 0


def test_held_out_is_stable():
    assert is_held_out("say", "mentioned", 0.5) == is_held_out("Say", "Mentioned", 0.5)
