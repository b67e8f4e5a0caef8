"""Where shipped models and local caches live.

The shipped models sit in the repository's top-level ``models/`` folder; the package is
installed in editable mode (see README), so they are found next to the package. The library
never reads environment variables: the CLI turns ``UNSPIN_MODELS`` into ``--models``.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent


def models_dir() -> Path:
    """Folder holding thesaurus, glossary, n-gram statistics and model weights."""
    return REPO_ROOT / "models"


def cache_dir() -> Path:
    """Local, uncommitted folder for built datasets, training runs and the converted language model."""
    return REPO_ROOT / ".cache"


def shared_dir() -> Path:
    """The shared corpus and seeds, beside the checkout (absent on a bare clone)."""
    return REPO_ROOT.parent / "shared"


def corpus_path(split: str = "train") -> Path:
    name = {"train": "news.jsonl.gz", "test": "news_test.jsonl.gz"}[split]
    return shared_dir() / "corpus" / name
