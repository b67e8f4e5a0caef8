"""Dataset rows for training: read a split, draw a seeded sample, say what was read.

Rows follow the dataset schema of ARCHITECTURE.md (``id``, ``spun``, ``clean``, ``subs`` with
spun and clean offsets, ``rate``, ``noise``), as ``unspin data build`` writes them: a
``datasets`` folder (``save_to_disk``), a ``.jsonl``/``.jsonl.gz`` file, or a folder of them.
"""
from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from repair.errors import InputError
from repair.synth.data import article_of


def read_rows(path: Path) -> list[dict]:
    """Every row of one split or suite file, in file order."""
    path = Path(path)
    if path.is_dir() and ((path / "dataset_info.json").is_file() or (path / "state.json").is_file()):
        from datasets import load_from_disk

        return [dict(row) for row in load_from_disk(str(path))]
    files = sorted(path.glob("*.jsonl*")) if path.is_dir() else [path]
    rows = []
    for file in files:
        opener = gzip.open if file.suffix == ".gz" else open
        with opener(file, "rt", encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def find_split(data_dir: Path, split: str) -> Path:
    """``data_dir/split`` in any of the layouts ``read_rows`` accepts.

    Raises:
        InputError: the split is not there.
    """
    data_dir = Path(data_dir)
    for candidate in (data_dir / split, data_dir / f"{split}.jsonl", data_dir / f"{split}.jsonl.gz"):
        if candidate.exists():
            return candidate
    raise InputError(f"no {split!r} split in {data_dir}; run 'unspin data build' first")


def sample_rows(rows: Sequence[dict], n: int | None, seed: int) -> list[dict]:
    """At most ``n`` rows drawn with ``seed`` (all of them, in order, when there are no more)."""
    rows = list(rows)
    return rows if n is None or len(rows) <= n else random.Random(seed).sample(rows, n)


def load_split(data_dir: Path, split: str, limit: int | None, seed: int) -> list[dict]:
    """A seeded sample of at most ``limit`` rows of one split of ``data_dir``."""
    return sample_rows(read_rows(find_split(data_dir, split)), limit, seed)


def describe_rows(rows: Sequence[dict]) -> str:
    """Row, word and substitution counts, for the log."""
    spun = sum(1 for r in rows if r["subs"])
    words = sum(len(r["spun"].split()) for r in rows)
    subs = sum(len(r["subs"]) for r in rows)
    return f"{len(rows):,} rows ({spun:,} spun, {len(rows) - spun:,} clean), ~{words:,} words, {subs:,} substitutions"


def unseen_rows(rows: Sequence[dict], unseen: frozenset[str] | None, log: Callable[[str], None]) -> list[dict]:
    """Rows of the articles the n-gram counts left out (``repair.resources.ngram.holdout_article_ids``).

    On the other articles the counts are in-sample: clean words look more natural than on
    unseen news, so anything fitted there on top of the counts is fitted too optimistically.
    All rows when ``unseen`` is None (the corpus or the hold-out size is unknown).
    """
    if unseen is None:
        log("n-gram hold-out unknown: using all rows (lexicon evidence partly in-sample)")
        return list(rows)
    return [r for r in rows if article_of(r) in unseen]


def write_json(path: Path, data: dict) -> None:
    """Indented JSON with a final newline; parent folders are created."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
