"""Share of the restorer's edits right at each edit threshold, on whole test articles spun by
three spinners: ours, one with other habits (``--spinner-half``) and a commercial-like one.

    python scripts/measure_thresholds.py [--articles 30] [--out eval/reports/thresholds_by_spinner.json]

Why. The default threshold (``models/restorer/calibration.json``) is chosen on validation rows:
paragraph chunks spun by our own spinner. This checks what it keeps on whole articles of the
test split, and on spinners whose habits the calibration never saw, so that the choice of
``scripts/calibrate_edits.py --target`` rests on a measurement. The pipeline runs with every
edit at calibrated confidence 0.5 or more and without the document's repeats and map decider
(their edits have their own thresholds), so one run gives every threshold; each edit is judged
alone against the clean article (``repair.evaluate.collect.judge_edits``). Measurement only.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure_map_decider import SpinnerHalf  # noqa: E402
from measure_profile import read_articles  # noqa: E402

from repair.evaluate.collect import judge_edits  # noqa: E402
from repair.paths import models_dir  # noqa: E402
from repair.pipeline.config import RepairConfig  # noqa: E402
from repair.pipeline.repairer import Repairer  # noqa: E402
from repair.resources.thesaurus import Thesaurus  # noqa: E402
from repair.synth.spin import SpinConfig, Spinner  # noqa: E402

THRESHOLDS = (0.6, 0.67, 0.75, 0.83, 0.9, 0.95)


def spinners(thesaurus: Thesaurus, rate: float, half: int) -> dict[str, Spinner]:
    """The three spinners, each with one substitution map per article."""
    broad = SpinConfig.preset("broad", rate=rate, one_map=True)
    return {"ours (broad)": Spinner(thesaurus, broad),
            f"other habits (broad, half {half} of the thesaurus)": Spinner(SpinnerHalf(thesaurus, half), broad),
            "commercial-like (dictionary)": Spinner(thesaurus, SpinConfig.preset("dictionary", rate=rate, one_map=True))}


def judged_by_confidence(repairer: Repairer, spinner: Spinner, articles: list[str]) -> list[tuple[float, bool]]:
    """(calibrated confidence, right) of every edit the pipeline makes on each spun article."""
    judged = []
    for clean in articles:
        spun = spinner.spin(clean, seed=1).spun
        edits = repairer.repair(spun).edits
        judged += [(edit.confidence, right) for edit, right in zip(edits, judge_edits(spun, clean, edits))]
    return judged


def curve(judged: list[tuple[float, bool]]) -> list[dict]:
    """Edits kept and the share right at each threshold in ``THRESHOLDS``."""
    points = []
    for threshold in THRESHOLDS:
        kept = [right for confidence, right in judged if confidence >= threshold]
        points.append({"threshold": threshold, "edits": len(kept), "right": round(sum(kept) / len(kept), 4) if kept else None})
    return points


def bands(judged: list[tuple[float, bool]], least: int = 10) -> dict[str, list]:
    """Edits and the share right per confidence value the calibration maps give at least ``least`` edits."""
    by_value: dict[float, list[bool]] = defaultdict(list)
    for confidence, right in judged:
        by_value[round(confidence, 3)].append(right)
    return {f"{value:.3f}": [len(v), round(sum(v) / len(v), 3)] for value, v in sorted(by_value.items()) if len(v) >= least}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=30, help="test articles (default %(default)s)")
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--spinner-half", type=int, choices=(0, 1), default=1, help="the half the other spinner swaps")
    parser.add_argument("--out", type=Path, default=None, help="JSON report")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    articles = read_articles(args.articles, 150)
    repairer = Repairer.load(config=RepairConfig(min_confidence=0.5, map_decisions=False, repeat_confidence=None))
    print(f"data: {len(articles)} test articles, one map each, rate {args.rate}; budget: about 90 s per spinner",
          file=sys.stderr)
    report = {"articles": len(articles), "rate": args.rate,
              "shipped_threshold": repairer.calibration.min_confidence if repairer.calibration else None, "spinners": {}}
    for name, spinner in spinners(Thesaurus.load(models_dir() / "thesaurus"), args.rate, args.spinner_half).items():
        judged = judged_by_confidence(repairer, spinner, articles)
        report["spinners"][name] = {"curve": curve(judged), "bands": bands(judged)}
        print(name, json.dumps(report["spinners"][name]["curve"]), file=sys.stderr)
    report["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
