"""Glossary fixtures: the tiny glossary and the shipped one (which must load: it is committed)."""
from __future__ import annotations

import pytest

from repair.glossary.match import Glossary
from repair.paths import models_dir
from tests.glossary.tiny import CORPUS, tiny_glossary


@pytest.fixture(scope="session")
def corpus() -> list[str]:
    return list(CORPUS)


@pytest.fixture(scope="session")
def tiny() -> Glossary:
    return tiny_glossary()


@pytest.fixture(scope="session")
def shipped() -> Glossary:
    return Glossary.load(models_dir())
