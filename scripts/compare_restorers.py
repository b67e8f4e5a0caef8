#!/usr/bin/env python
"""End-to-end comparison of restorer line-ups on an evaluation suite (same detector, same glossary).

Every line-up runs the whole pipeline (detector spans, glossary, restorers, merge) on the same
pairs, so the differences come from the restorers alone; one more line-up, "model, lexicon
detector", swaps the default detector for the lexicon one to show what the detector adds. Used to
choose the shipped default restorer kind (``RepairConfig.restorer``, a key of
``repair.restore.registry.RESTORERS``) and the merge rule; prints one row per line-up.

Usage:
    python scripts/compare_restorers.py [--suite synthetic] [--limit N] [--json out.json]
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

from repair import evaluate as ev
from repair.detect.registry import load_detector
from repair.glossary.match import Glossary
from repair.glossary.titles import TITLES_FILE, TitleIndex
from repair.paths import models_dir
from repair.pipeline.config import RepairConfig
from repair.pipeline.repairer import Repairer, TermFinder, TermFinders
from repair.resources.shared import Resources
from repair.restore.registry import load_restorer

METRICS = ("restoration", "edit_p", "edit_r", "edit_f05", "damage", "chrf", "bleu")


def shipped_glossary(root: Path) -> TermFinders:
    """The glossary as ``Repairer.load`` builds it (with the title index when it is there)."""
    finders: list[TermFinder] = [Glossary.load(root)]
    if (root / "glossary" / TITLES_FILE).is_file():
        finders.append(TitleIndex.load(root / "glossary" / TITLES_FILE))
    return TermFinders(finders)


def lineups(root: Path, others: list[Path]) -> dict[str, Repairer]:
    """The line-ups to compare, built from one set of shared resources."""
    defaults = RepairConfig()
    resources = Resources.load(root)
    detector = load_detector(defaults.detector, resources)
    glossary = shipped_glossary(root)
    model = load_restorer(defaults.restorer, resources)
    lexicon = load_restorer("lexicon", resources)

    def lineup(restorers, chosen=detector) -> Repairer:
        return Repairer(detector=chosen, glossary=glossary, restorers=restorers)

    systems = {
        "glossary only": lineup([]),
        "lexicon": lineup([lexicon]),
        "model": lineup([model]),
        "model, lexicon fills gaps": lineup([model, lexicon]),
    }
    if defaults.detector != "lexicon":  # what the default detector adds over the lexicon one
        systems["model, lexicon detector"] = lineup([model], load_detector("lexicon", resources))
    for other in others:  # another models folder's restorer, same detector and glossary
        systems[f"model {other}"] = lineup([load_restorer(defaults.restorer, Resources.load(other))])
    return systems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default="synthetic", choices=sorted(ev.SUITES))
    parser.add_argument("--models", type=Path, default=None, help="models folder (default: models/)")
    parser.add_argument("--limit", type=int, default=None, help="first N pairs only")
    parser.add_argument("--also", type=Path, action="append", default=[], help="models folder whose restorer joins the comparison")
    parser.add_argument("--json", type=Path, default=None, help="also write the table as JSON")
    args = parser.parse_args(argv)
    root = args.models or models_dir()
    with open(ev.suite_path(args.suite), encoding="utf-8") as handle:
        pairs = [ev.parse_pair(line, n) for n, line in enumerate(itertools.islice(handle, args.limit), 1) if line.strip()]
    rows = {}
    for name, repairer in lineups(root, args.also).items():
        started = time.perf_counter()
        result = ev.evaluate(pairs, {"system": ev.RepairerSystem(repairer), "do-nothing": ev.DoNothing()},
                             suite=args.suite, config=ev.EvalConfig(bootstrap=0), metric_names=METRICS)
        metrics = result.report["systems"]["system"]["metrics"]
        rows[name] = {key: round(metrics[key]["score"], 2) for key in METRICS} | {"seconds": round(time.perf_counter() - started, 1)}
        print(f"{name:28s} " + "  ".join(f"{k} {v}" for k, v in rows[name].items()), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
