"""Evaluation: score repairs against references, with signatures saying what produced each number.

Reading order: ``pairs`` (what is scored) -> ``systems`` (what produces outputs) -> ``alignment``
and ``metrics`` (per-pair statistics, the ``METRICS`` registry) -> ``collect`` (statistics kept
while pairs stream) -> ``bootstrap`` (intervals, paired differences) -> ``harness`` (the report
dict) -> ``seeds`` (the seed documents) -> ``report`` with ``markup`` and ``plots`` (Markdown and
HTML). ``signature`` builds the ``name|key:value|...`` strings; ``bench`` measures speed.

The evaluation API is re-exported here: ``from repair import evaluate as ev; ev.evaluate(...)``.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# Where each re-exported name lives: imported on first use (PEP 562), so that `unspin --help`
# and the other commands do not import sacrebleu, numpy and the harness until they evaluate.
_EXPORTS = {
    "EvalConfig": "repair.evaluate.harness",
    "EvalResult": "repair.evaluate.harness",
    "compare_runs": "repair.evaluate.harness",
    "evaluate": "repair.evaluate.harness",
    "stats_arrays": "repair.evaluate.harness",
    "SEED_SUITE": "repair.evaluate.pairs",
    "SUITES": "repair.evaluate.pairs",
    "EvalError": "repair.evaluate.pairs",
    "Pair": "repair.evaluate.pairs",
    "parse_pair": "repair.evaluate.pairs",
    "suite_path": "repair.evaluate.pairs",
    "SEED_CHECKS": "repair.evaluate.seeds",
    "evaluate_seeds": "repair.evaluate.seeds",
    "parse_substitutions": "repair.evaluate.seeds",
    "substitution_coverage": "repair.evaluate.seeds",
    "EXTERNAL_CONTEXT": "repair.evaluate.signature",
    "VERSION": "repair.evaluate.signature",
    "Signature": "repair.evaluate.signature",
    "run_context": "repair.evaluate.signature",
    "DO_NOTHING": "repair.evaluate.systems",
    "GLOSSARY_ONLY": "repair.evaluate.systems",
    "SYSTEM": "repair.evaluate.systems",
    "DoNothing": "repair.evaluate.systems",
    "Hypotheses": "repair.evaluate.systems",
    "RepairerSystem": "repair.evaluate.systems",
    "System": "repair.evaluate.systems",
    "SystemOutput": "repair.evaluate.systems",
    "default_systems": "repair.evaluate.systems",
    "glossary_only": "repair.evaluate.systems",
}

if TYPE_CHECKING:
    from repair.evaluate.harness import EvalConfig, EvalResult, compare_runs, evaluate, stats_arrays
    from repair.evaluate.pairs import SEED_SUITE, SUITES, EvalError, Pair, parse_pair, suite_path
    from repair.evaluate.seeds import SEED_CHECKS, evaluate_seeds, parse_substitutions, substitution_coverage
    from repair.evaluate.signature import EXTERNAL_CONTEXT, VERSION, Signature, run_context
    from repair.evaluate.systems import (
        DO_NOTHING,
        GLOSSARY_ONLY,
        SYSTEM,
        DoNothing,
        Hypotheses,
        RepairerSystem,
        System,
        SystemOutput,
        default_systems,
        glossary_only,
    )

__all__ = [
    "DO_NOTHING",
    "EXTERNAL_CONTEXT",
    "GLOSSARY_ONLY",
    "SEED_CHECKS",
    "SEED_SUITE",
    "SUITES",
    "SYSTEM",
    "VERSION",
    "DoNothing",
    "EvalConfig",
    "EvalError",
    "EvalResult",
    "Hypotheses",
    "Pair",
    "RepairerSystem",
    "Signature",
    "System",
    "SystemOutput",
    "compare_runs",
    "default_systems",
    "evaluate",
    "evaluate_seeds",
    "glossary_only",
    "parse_pair",
    "parse_substitutions",
    "run_context",
    "stats_arrays",
    "substitution_coverage",
    "suite_path",
]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'repair.evaluate' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
