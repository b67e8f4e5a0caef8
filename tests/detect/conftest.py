"""Fixtures of the detector tests: every shipped detector kind loaded once per test session.

The detectors come from the session's shipped pipeline (``shipped_pipeline`` in
tests/conftest.py), so the pipeline tests and these share one copy of each. They are built
through the registry, so a kind that does not load fails here rather than skipping.
"""
from __future__ import annotations

import pytest

from repair.pipeline.config import RepairConfig
from tests.detect.samples import CLEAN


def _shipped(shipped_pipeline, kind: str):
    return shipped_pipeline(RepairConfig(detector=kind)).detector


@pytest.fixture(scope="session")
def lexicon(shipped_pipeline):
    """The shipped "lexicon" detector."""
    return _shipped(shipped_pipeline, "lexicon")


@pytest.fixture(scope="session")
def tagger(shipped_pipeline):
    """The shipped "tagger" detector."""
    return _shipped(shipped_pipeline, "tagger")


@pytest.fixture(scope="session")
def combined(shipped_pipeline):
    """The shipped "combined" detector (tagger + lexicon fusion)."""
    return _shipped(shipped_pipeline, "combined")


@pytest.fixture(scope="session")
def cascade(shipped_pipeline):
    """The shipped "cascade" detector (the default)."""
    return _shipped(shipped_pipeline, "cascade")


@pytest.fixture(scope="session")
def spun_text(shipped_resources):
    """``CLEAN`` spun at a high rate, with the substitutions the spinner made."""
    from repair.synth.spin import SpinConfig, Spinner

    return Spinner(shipped_resources.thesaurus, SpinConfig(rate=0.45)).spin(CLEAN, seed=3)

