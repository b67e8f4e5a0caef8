"""Shared fixtures: locating ../shared (corpus and seeds) and skipping cleanly without it."""
from __future__ import annotations

from pathlib import Path

import pytest

from repair.paths import corpus_path, shared_dir


@pytest.fixture
def seeds_dir() -> Path:
    path = shared_dir() / "seeds"
    if not path.is_dir():
        pytest.skip(f"needs the seed documents in {path} (../shared beside the checkout)")
    return path


@pytest.fixture
def seed_text(seeds_dir):
    """Read a seed by its number prefix: seed_text('003')."""

    def read(prefix: str) -> str:
        matches = sorted(seeds_dir.glob(f"{prefix}_*.txt"))
        if not matches:
            pytest.skip(f"seed {prefix} not found in {seeds_dir}")
        return matches[0].read_text(encoding="utf-8")

    return read


@pytest.fixture
def test_corpus_path() -> Path:
    path = corpus_path("test")
    if not path.is_file():
        pytest.skip(f"needs the shared corpus at {path} (../shared beside the checkout)")
    return path
