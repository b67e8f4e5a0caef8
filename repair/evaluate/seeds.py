"""The seed documents: detection scores, edits and unchanged-ness (no references exist).

Each seed's expectations (``eval/suites/seeds.json``) name checks from ``SEED_CHECKS``; hand-listed
substitutions (``seeds/NNN_substitutions.tsv``) are only counted, never read by the pipeline.
"""
from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence

import repair.evaluate.metrics as M
from repair import text as textutil
from repair.evaluate.pairs import SEED_SUITE, EvalError
from repair.evaluate.signature import VERSION
from repair.evaluate.systems import glossary_only
from repair.pipeline.repairer import Repairer
from repair.results import RepairResult


def parse_substitutions(text: str) -> list[tuple[str, str, int]]:
    """Rows of a ``original<TAB>spun<TAB>count`` file (``#`` lines are comments)."""
    rows = []
    for line in text.splitlines():
        parts = line.split("\t")
        if line.startswith("#") or len(parts) < 2:
            continue
        count = int(parts[2]) if len(parts) > 2 and parts[2].strip().isdigit() else 1
        rows.append((parts[0].strip(), parts[1].strip(), count))
    return rows


def _repaired_region(text: str, start: int, end: int, edits) -> str:
    """The repaired text over [start, end), widened to every edit that overlaps it."""
    inside = sorted((e for e in edits if textutil.overlaps(e.start, e.end, start, end)), key=lambda e: e.start)
    if not inside:
        return text[start:end]
    begin, finish = min(start, inside[0].start), max(end, max(e.end for e in inside))
    parts, cursor = [], begin
    for edit in inside:
        parts += [text[cursor : edit.start], edit.new]
        cursor = edit.end
    return "".join(parts) + text[cursor:finish]


def substitution_coverage(text: str, result: RepairResult, substitutions: Sequence[tuple[str, str, int]]) -> dict:
    """How many hand-listed spun phrases the detector flags and the repair turns back.

    Every occurrence of a listed spun phrase counts (the list's own counts are an estimate);
    it is restored when the repaired text over it (edits may split a phrase) reads as the
    original. Measurement only: nothing in the pipeline reads these lists.
    """
    found = flagged = restored = 0
    spans = result.detection.spans if result.detection else ()
    for original, spun, _ in substitutions:
        wanted = re.compile(rf"(?<!\w){re.escape(original)}(?!\w)", flags=re.IGNORECASE)
        for match in re.finditer(rf"(?<!\w){re.escape(spun)}(?!\w)", text, flags=re.IGNORECASE):
            found += 1
            flagged += any(textutil.overlaps(s.start, s.end, match.start(), match.end()) for s in spans)
            restored += bool(wanted.search(_repaired_region(text, match.start(), match.end(), result.edits)))
    return {
        "listed": len(substitutions),
        "listed_count": sum(count for _, _, count in substitutions),
        "occurrences": found,
        "flagged": flagged,
        "restored": restored,
        "flagged_rate": 100 * M.safe_ratio(flagged, found, 0.0),
        "restored_rate": 100 * M.safe_ratio(restored, found, 0.0),
    }


SEED_CHECKS = {
    "unchanged": "output byte-identical to the input",
    "not_flagged": "passage score below the threshold",
    "changed": "at least one edit",
    "flagged": "passage score at or above the threshold",
    "above_clean": "passage score above every clean seed's",
}


def _seed_checks(expect: Sequence[str], entry: dict, clean_max: float) -> dict[str, bool]:
    values = {
        "unchanged": entry["unchanged"],
        "not_flagged": not entry["spun"],
        "changed": entry["edits"] > 0,
        "flagged": entry["spun"],
        "above_clean": entry["score"] > clean_max,
    }
    unknown = [name for name in expect if name not in values]
    if unknown:
        raise EvalError(f"unknown seed check {unknown[0]!r}; choose from {sorted(values)}")
    return {name: values[name] for name in expect}


def evaluate_seeds(
    repairer: Repairer,
    seeds: Mapping[str, str],
    expectations: Mapping[str, dict],
    *,
    substitutions: Mapping[str, Sequence[tuple[str, str, int]]] | None = None,
    context: Mapping[str, str] | None = None,
) -> dict:
    """Detection scores, edits and unchanged-ness of the seed documents (no references exist).

    Args:
        repairer: the system under test.
        seeds: seed id ("003") -> text, read by the caller.
        expectations: seed id -> {"role": ..., "expect": [check names from SEED_CHECKS]}.
        substitutions: seed id -> hand-listed (original, spun, count) rows, for counting only.
        context: signature fields.
    """
    baseline = glossary_only(repairer) if repairer.config.use_model else None
    entries = []
    total_words, total_wall = 0, 0.0
    for seed_id, text in seeds.items():
        tick = time.perf_counter()
        result = repairer.repair(text)
        wall = time.perf_counter() - tick
        words = textutil.count_words(text)
        total_words, total_wall = total_words + words, total_wall + wall
        entry = {
            "id": seed_id,
            "role": expectations.get(seed_id, {}).get("role", "unknown"),
            "words": words,
            "score": result.detection.score if result.detection else 0.0,
            "spun": bool(result.detection and result.detection.spun),
            "spans": len(result.detection.spans) if result.detection else 0,
            "edits": len(result.edits),
            "unchanged": result.text == text,
            "glossary_only_edits": len(baseline.repair(text).edits) if baseline else len(result.edits),
            "edit_list": [
                {"old": e.old, "new": e.new, "source": e.source, "confidence": round(e.confidence, 3)} for e in result.edits
            ],
            "wall_s": wall,
        }
        if substitutions and seed_id in substitutions:
            entry["substitutions"] = substitution_coverage(text, result, substitutions[seed_id])
        entries.append(entry)
    clean = [e["score"] for e in entries if e["role"] == "clean"]
    clean_max = max(clean, default=0.0)
    for entry in entries:
        entry["checks"] = _seed_checks(expectations.get(entry["id"], {}).get("expect", []), entry, clean_max)
    labels = [e["role"] != "clean" for e in entries]
    return {
        "kind": "seeds",
        "version": VERSION,
        "suite": SEED_SUITE,
        "context": dict(context or {}),
        "definitions": SEED_CHECKS | {"passage_roc_auc": M.DETECTION_DEFINITIONS["passage_roc_auc"] + " (spun/garbled seeds vs clean seeds)"},
        "seeds": entries,
        "passed": all(all(e["checks"].values()) for e in entries),
        "passage_roc_auc": M.roc_auc([e["score"] for e in entries], labels),
        "source_words": total_words,
        "wall_s": total_wall,
        "words_per_s": total_words / total_wall if total_wall > 0 else None,
    }
