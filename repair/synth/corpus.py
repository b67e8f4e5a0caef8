"""The clean news corpus: one JSON article per line (``{"id": ..., "text": ...}``, gzip), one
paragraph per line of its text. Data synthesis and the resource builders read it through here."""
from __future__ import annotations

import gzip
import itertools
import json
from collections.abc import Iterator
from pathlib import Path


def read_articles(path: Path, limit: int | None = None) -> Iterator[dict]:
    """The articles of a corpus file, in file order; only the first ``limit`` when given."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in itertools.islice(handle, limit):
            yield json.loads(line)


def read_paragraphs(path: Path, limit: int | None = None, *, skip_empty: bool = False) -> Iterator[str]:
    """Every line of every article's text (of the first ``limit`` articles when given).

    Empty lines are paragraphs too unless ``skip_empty``: the shipped glossary counted them.
    """
    for article in read_articles(path, limit):
        for paragraph in article["text"].split("\n"):
            if paragraph.strip() or not skip_empty:
                yield paragraph
