"""Fixtures of the batch tests: the folder of mixed, partly broken files (tests/io/tiny.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.io.tiny import make_mixed_folder


@pytest.fixture
def mixed(tmp_path) -> Path:
    return make_mixed_folder(tmp_path / "in")
