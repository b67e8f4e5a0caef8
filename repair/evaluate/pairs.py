"""Evaluation pairs: one (source, reference) item per JSONL line, and the built-in suites.

A line is an evaluation pair ``{"source", "reference"[, "id", "hypothesis", "category"]}`` or a
dataset row as ``unspin data build`` writes it ``{"spun", "clean", "noise", "subs"}``; a row's
``subs`` are the spinner's own records (``repair.synth.spin.Substitution``), which give the
per-kind restoration table.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from repair.errors import InputError, UnspinError
from repair.synth.spin import Substitution

REPO_EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"
# A suite may offer several files; the first that exists wins. The dataset rows (test.jsonl)
# carry noise family and substitution kinds, so they give the per-category breakdowns.
SUITES = {
    "synthetic": (
        REPO_EVAL_DIR / "suites" / "synthetic" / "test.jsonl",
        REPO_EVAL_DIR / "suites" / "synthetic" / "pairs.jsonl",
    ),
}
SEED_SUITE = "seeds"
SUBSTITUTION_FIELDS = tuple(field.name for field in dataclasses.fields(Substitution))
REQUIRED_FIELDS = tuple(field.name for field in dataclasses.fields(Substitution) if field.default is dataclasses.MISSING)


class EvalError(UnspinError):
    """An evaluation that cannot run as asked (unknown suite, runs that do not match)."""


@dataclass(frozen=True)
class Pair:
    """One evaluation item; ``hypothesis`` is set when scoring an external system."""

    id: str
    source: str
    reference: str
    hypothesis: str | None = None
    category: str = "all"
    subs: tuple[Substitution, ...] = ()


def parse_pair(line: str, number: int) -> Pair:
    """One JSONL line -> Pair; ``category`` falls back to the row's noise family.

    Raises:
        InputError: naming the line when it is not an object with string source/reference.
    """
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"line {number}: not JSON ({error.msg})") from None
    if not isinstance(row, dict):
        raise InputError(f"line {number}: expected a JSON object, got {type(row).__name__}")
    if "source" not in row and "spun" in row:
        # A dataset row (unspin data build): the spun text is the source, the clean text the reference.
        row = {**row, "source": row["spun"], "reference": row.get("clean")}
    for key in ("source", "reference"):
        if not isinstance(row.get(key), str):
            raise InputError(f"line {number}: missing or non-string {key!r}")
    hypothesis = row.get("hypothesis")
    if hypothesis is not None and not isinstance(hypothesis, str):
        raise InputError(f"line {number}: 'hypothesis' must be a string")
    category = row.get("category") or row.get("noise") or "all"
    return Pair(
        id=str(row.get("id", number)),
        source=row["source"],
        reference=row["reference"],
        hypothesis=hypothesis,
        category=str(category),
        subs=substitutions(row.get("subs")),
    )


def substitutions(raw: object) -> tuple[Substitution, ...]:
    """The spinner's substitution records of a row; records missing a field are left out."""
    if not isinstance(raw, list):
        return ()
    records = [item for item in raw if isinstance(item, dict) and all(key in item for key in REQUIRED_FIELDS)]
    return tuple(Substitution(**{key: item[key] for key in SUBSTITUTION_FIELDS if key in item}) for item in records)


def suite_path(name: str) -> Path:
    """The pairs file of a built-in suite.

    Raises:
        EvalError: the suite is unknown or has no pairs file yet.
    """
    if name not in SUITES:
        raise EvalError(f"unknown suite {name!r}; choose from {sorted([*SUITES, SEED_SUITE])}")
    for path in SUITES[name]:
        if path.is_file():
            return path
    raise EvalError(f"suite {name!r} has no pairs file yet at {SUITES[name][-1]}")
