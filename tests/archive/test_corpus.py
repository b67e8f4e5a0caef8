"""On real news: the corpus test split as an archive, a few of its articles spun at rate 0.5."""
from __future__ import annotations

import gzip
import itertools
import json

import pytest

from repair.archive import Archive, ArchiveRestorer, apply_edits, build_index, iter_documents
from repair.archive.align import lcs_length
from repair.text import words


@pytest.mark.shared
def test_spun_corpus_articles_are_traced_and_restored(test_corpus_path, spinner, tmp_path):
    index = tmp_path / "test-split.db"
    build_index(itertools.islice(iter_documents([str(test_corpus_path)]), 60), index)
    with gzip.open(test_corpus_path, "rt", encoding="utf-8") as handle:
        articles = [json.loads(line) for line in itertools.islice(handle, 0, 60, 20)]
    restorer = ArchiveRestorer.load(index)
    right = total = 0
    for seed, article in enumerate(articles):
        spun = spinner.spin(article["text"], seed=seed, rate=0.5).spun
        repaired = restorer.repair(spun)
        for number, trace in enumerate(repaired.traces, start=1):
            if len(words(trace.text)) >= 8:
                total += 1
                right += trace.source is not None and (trace.source.document, trace.source.number) == (article["id"], number)
        restored, clean = apply_edits(spun, repaired.edits).split(), article["text"].split()
        spun_words = spun.split()
        # Restoration brings the text much closer to the original than the spun copy was.
        assert lcs_length(restored, clean) >= 0.97 * len(clean) > lcs_length(spun_words, clean)
    assert total >= 10 and right >= 0.9 * total


@pytest.mark.shared
def test_held_out_style_text_gets_no_source(test_corpus_path, tmp_path):
    index = tmp_path / "test-split.db"
    build_index(itertools.islice(iter_documents([str(test_corpus_path)]), 40), index)
    with gzip.open(test_corpus_path, "rt", encoding="utf-8") as handle:
        others = [json.loads(line)["text"] for line in itertools.islice(handle, 100, 110)]
    with Archive.open(index) as archive:
        claims = [t for text in others for t in archive.trace_text(text) if t.source is not None]
    assert claims == []
