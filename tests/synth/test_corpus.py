"""Reading the clean corpus (repair/synth/corpus.py)."""
from __future__ import annotations

import gzip
import json

from repair.synth.corpus import read_articles, read_paragraphs


def write_corpus(path, texts):
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for n, text in enumerate(texts):
            handle.write(json.dumps({"id": f"a/{n}", "text": text}) + "\n")
    return path


def test_articles_in_file_order_with_limit(tmp_path):
    path = write_corpus(tmp_path / "c.jsonl.gz", ["One.\nTwo.", "Three.", "Four."])
    assert [a["id"] for a in read_articles(path)] == ["a/0", "a/1", "a/2"]
    assert [a["id"] for a in read_articles(path, 2)] == ["a/0", "a/1"]


def test_paragraphs_keep_or_skip_empty_lines(tmp_path):
    path = write_corpus(tmp_path / "c.jsonl.gz", ["One.\n\nTwo.", "", "Three."])
    assert list(read_paragraphs(path)) == ["One.", "", "Two.", "", "Three."]
    assert list(read_paragraphs(path, skip_empty=True)) == ["One.", "Two.", "Three."]
    assert list(read_paragraphs(path, 1)) == ["One.", "", "Two."]
