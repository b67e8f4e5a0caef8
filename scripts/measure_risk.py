"""Risk-level distribution (repair/risk.py) on the committed suite and the seeds -> eval/reports/risk.json.

Suite rows are grouped by spin rate (rate 0: clean news as the spinner left it untouched); the
seeds are measured as whole documents (003 spun, 002 garbled, 000/001/004 clean). Detection
only, with the shipped default detector: ``python scripts/measure_risk.py``.
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from repair import RepairConfig, Repairer
from repair.risk import RISK_LEVELS, span_density

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "eval" / "suites" / "synthetic" / "test.jsonl"
SEEDS = ROOT.parent / "shared" / "seeds"


def main(out: Path = ROOT / "eval" / "reports" / "risk.json") -> None:
    repairer = Repairer.load(config=RepairConfig(use_model=False))
    rows = [json.loads(line) for line in SUITE.read_text(encoding="utf-8").splitlines() if line.strip()]
    reports = [repairer.detect(row["spun"]) for row in rows]
    by_rate: dict[str, Counter] = {}
    for row, report in zip(rows, reports):
        by_rate.setdefault(f"rate {row['rate']:g}", Counter())[report.risk] += 1
    suite = {group: {level: counts.get(level, 0) for level in RISK_LEVELS} for group, counts in sorted(by_rate.items())}
    spun = sum((c for g, c in by_rate.items() if g != "rate 0"), Counter())
    suite["all spun rows"] = {level: spun.get(level, 0) for level in RISK_LEVELS}
    seeds = {}
    for path in sorted(SEEDS.glob("*.txt")):
        report = repairer.detect(path.read_text(encoding="utf-8"))
        seeds[path.name[:3]] = {"risk": report.risk, "score": round(report.score, 3), "spans": len(report.spans),
                                "words": report.words, "spans_per_100_words": round(span_density(len(report.spans), report.words), 2)}
    result = {"detector": repairer.config.detector, "suite": suite, "seeds": seeds}
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    json.dump(result, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
