"""The shipped pipeline, loaded once per test session for the tests that measure it."""
from __future__ import annotations

import pytest

from repair.pipeline.repairer import Repairer


@pytest.fixture(scope="session")
def shipped_repairer() -> Repairer:
    """``Repairer.load()`` with the committed models: a loader that fails is a test failure."""
    return Repairer.load()
