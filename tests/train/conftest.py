"""A tiny dataset for the trainers' smoke tests, made with the project's own spinner.

Rows come from ``repair.synth.data.Noiser`` (the code ``unspin data build`` uses), so they follow
the dataset schema exactly. A small corpus file lists the validation articles first, which is
where ``repair.resources.ngram.holdout_article_ids`` looks for the articles the n-gram counts
left out: the fusion, gate and restorer tuning then see these rows as unseen, as in a real run.
"""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from repair.synth.data import DataConfig, Noiser

PARAGRAPHS = (
    "The foreign minister said on Monday that the government would increase security spending next year.",
    "Officials told reporters the country was ready to work with its neighbours on trade and energy.",
    "The central bank raised interest rates again, saying prices were still rising too quickly.",
    "Police said the two men were arrested after a search of the house in the north of the city.",
    "The company reported higher profits for the third quarter and plans to hire more workers.",
    "Thousands of people gathered in the capital to protest against the new law on Sunday.",
)


@dataclass(frozen=True)
class TinyData:
    """A dataset folder (train/validation/test jsonl), a corpus naming the unseen articles, a 3-row suite."""

    data_dir: Path
    corpus: Path
    suite: Path


def rows_for(noiser: Noiser, split: str, prefix: str, copies: int) -> list[dict]:
    """``copies`` rows of every paragraph, one article per paragraph and copy."""
    return [noiser.row(f"{prefix}/{k}-{i}#p0", text, split) for k in range(copies) for i, text in enumerate(PARAGRAPHS)]


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory, shipped_resources) -> TinyData:
    folder = tmp_path_factory.mktemp("tiny")
    # A high spin rate and a clean share, so both kinds of row are there in a dozen.
    noiser = Noiser(shipped_resources.thesaurus, DataConfig(spin_rates=(0.45,), clean_share=0.25, garble_share=0.0))
    splits = {"train": rows_for(noiser, "train", "tr", 2), "validation": rows_for(noiser, "validation", "va", 2),
              "test": rows_for(noiser, "test", "te", 1)}
    data_dir = folder / "data"
    data_dir.mkdir()
    for split, rows in splits.items():
        (data_dir / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    corpus = folder / "news.jsonl.gz"
    with gzip.open(corpus, "wt", encoding="utf-8") as handle:
        for row in splits["validation"]:
            handle.write(json.dumps({"id": row["id"].split("#")[0], "text": row["clean"]}) + "\n")
    suite = folder / "suite.jsonl"
    suite.write_text("".join(json.dumps(r) + "\n" for r in splits["test"][:3]), encoding="utf-8")
    return TinyData(data_dir, corpus, suite)
