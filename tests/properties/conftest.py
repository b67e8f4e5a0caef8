"""Hypothesis profiles for the property tests.

``ci`` (the default) is derandomized and keeps no example database, so a plain
``python -m pytest`` draws the same examples on every run. ``fuzz`` draws fresh random examples
and multiplies each property's budget by ``UNSPIN_FUZZ_SCALE`` (default 5, ``budget.py``);
CI runs it after the plain test run (about 80-95 s on a busy 2-core machine)::

    HYPOTHESIS_PROFILE=fuzz python -m pytest -q -p no:cacheprovider tests/properties

A failure under ``fuzz`` prints the shrunk input (and a ``@reproduce_failure`` blob); add the
input as an ``@example`` on the property it broke, with a comment naming the bug.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from repair import RepairConfig, Repairer

COMMON = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", derandomize=True, **COMMON)
settings.register_profile("fuzz", derandomize=False, print_blob=True, **COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def glossary_only(shipped_repairer, shipped_pipeline):
    """Glossary-only repair with the lexicon detector (``unspin fix --no-model --detector lexicon``).

    The fast pipeline for many examples: with the default cascade detector, glossary-only
    repair is hardly faster than the full pipeline on hostile text (the tagger reads every
    suspect paragraph, about 1 s for a 1,000-character line of long words on a busy 2-core
    machine); the lexicon detector reads one in about 10 ms.
    """
    config = RepairConfig(use_model=False, detector="lexicon")
    lexicon = getattr(shipped_repairer.detector, "lexicon", None)  # the cascade's own first stage
    if lexicon is None:
        return shipped_pipeline(config)
    # Reusing it saves loading the resources again and warming them up (about 4 s).
    return Repairer(detector=lexicon, glossary=shipped_repairer.glossary, config=config)

