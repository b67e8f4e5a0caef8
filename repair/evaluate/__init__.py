"""Evaluation: score repairs against references, with signatures saying what produced each number.

Reading order: ``pairs`` (what is scored) -> ``systems`` (what produces outputs) -> ``alignment``
and ``metrics`` (per-pair statistics, the ``METRICS`` registry) -> ``collect`` (statistics kept
while pairs stream) -> ``bootstrap`` (intervals, paired differences) -> ``harness`` (the report
dict) -> ``seeds`` (the seed documents) -> ``report`` with ``markup`` and ``plots`` (Markdown and
HTML). ``signature`` builds the ``name|key:value|...`` strings; ``bench`` measures speed.

The evaluation API is re-exported here: ``from repair import evaluate as ev; ev.evaluate(...)``.
"""
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
