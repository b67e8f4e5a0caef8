#!/usr/bin/env python
"""Choose the cascade detector's weak-span floor end to end (the whole `unspin fix` pipeline).

A weak span is a run of words the fused detector scores below its word threshold; the restorer
examines them in spun passages and keeps an edit there only at ``RepairConfig.weak_min_confidence``.
What they are worth depends on the restorer, so the floor is chosen on repair metrics, not on
detector metrics: each floor runs the pipeline on the validation rows whose articles the n-gram
counts never saw (the rows the restorer's weights were tuned on), and the best edit F0.5 wins.
Write the winner into `TrainConfig.weak_threshold` and rerun `unspin train detector --fit-cascade`.

Usage:
    python scripts/tune_weak_spans.py [--floors 1 0.5 0.4 0.3] [--data .cache/data]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from repair import evaluate as ev
from repair.detect.cascade import CascadeDetector
from repair.detect.fusion import CombinedDetector
from repair.paths import cache_dir, corpus_path, models_dir
from repair.pipeline.config import RepairConfig
from repair.pipeline.repairer import Repairer
from repair.resources.ngram import holdout_article_ids
from repair.train.rows import find_split, read_rows, unseen_rows

METRICS = ("restoration", "edit_p", "edit_r", "edit_f05", "damage", "chrf")


def with_floor(repairer: Repairer, cascade: CascadeDetector, floor: float) -> Repairer:
    """The same pipeline with the cascade's weak-span floor set to ``floor``."""
    combined = cascade.combined
    detector = CascadeDetector.from_combined(CombinedDetector(combined.tagger, combined.scorer, combined.fusion, combined.passage_threshold, floor), cascade.settings)
    return Repairer(detector=detector, glossary=repairer.glossary, restorers=repairer.restorers, config=repairer.config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--floors", type=float, nargs="+", default=[1.0, 0.5, 0.4, 0.3, 0.2], help="weak-span floors to try (1 = no weak spans)")
    parser.add_argument("--data", type=Path, default=None, help="dataset folder (default: .cache/data)")
    parser.add_argument("--json", type=Path, default=None, help="also write the table as JSON")
    args = parser.parse_args(argv)
    root = models_dir()
    unseen = holdout_article_ids(root, corpus_path("train"))
    rows = unseen_rows(read_rows(find_split(args.data or cache_dir() / "data", "validation")), unseen, print)
    pairs = [ev.parse_pair(json.dumps(row), n) for n, row in enumerate(rows, 1)]
    base = Repairer.load(root, config=RepairConfig(detector="cascade"))
    cascade = base.detector  # a CascadeDetector: the config names that kind
    table = {}
    for floor in args.floors:
        started = time.perf_counter()
        result = ev.evaluate(pairs, {"system": ev.RepairerSystem(with_floor(base, cascade, floor)), "do-nothing": ev.DoNothing()},
                             suite="validation (n-gram unseen)", config=ev.EvalConfig(bootstrap=0), metric_names=METRICS)
        metrics = result.report["systems"]["system"]["metrics"]
        table[floor] = {key: round(metrics[key]["score"], 2) for key in METRICS} | {"seconds": round(time.perf_counter() - started, 1)}
        print(f"floor {floor:<5} " + "  ".join(f"{k} {v}" for k, v in table[floor].items()), flush=True)
    best = max(table, key=lambda f: table[f]["edit_f05"])
    print(f"best floor by edit F0.5: {best}")
    if args.json:
        args.json.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
