"""How many examples each property runs: a small fixed number by default, more under ``fuzz``."""
from __future__ import annotations

import os

from hypothesis import settings

# The fuzz profile (HYPOTHESIS_PROFILE=fuzz) runs every property this many times longer.
SCALE = {"ci": 1, "fuzz": int(os.environ.get("UNSPIN_FUZZ_SCALE", "5"))}.get(os.environ.get("HYPOTHESIS_PROFILE", "ci"), 1)


def examples(count: int) -> settings:
    """``@settings`` for a property that runs ``count`` examples in CI (times SCALE when fuzzing)."""
    return settings(max_examples=count * SCALE)
