"""List every edit the pipeline makes on a spun seed and judge it against our estimate of the seed's
substitutions (``seeds/003_substitutions.tsv``: original, spun, count). Measurement only.

An edit is right when it overlaps an occurrence of a listed spun phrase and the repaired text over
that occurrence reads as the listed original; every other edit is wrong (it changed words the
spinner did not touch, or restored them to something else).

    python scripts/seed_edits.py ../shared/seeds/003_*.txt                 # shipped settings
    python scripts/seed_edits.py ../shared/seeds/003_*.txt --set repeat_confidence=0.9 --set document_gate=true
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repair import RepairConfig, Repairer  # noqa: E402
from repair.evaluate.seeds import parse_substitutions, substitution_coverage  # noqa: E402
from repair.paths import REPO_ROOT  # noqa: E402
from repair.text import overlaps  # noqa: E402


def occurrences(text: str, substitutions) -> list[tuple[int, int, str]]:
    """(start, end, original) of every occurrence of a listed spun phrase."""
    found = []
    for original, spun, _ in substitutions:
        for match in re.finditer(rf"(?<!\w){re.escape(spun)}(?!\w)", text, flags=re.IGNORECASE):
            found.append((match.start(), match.end(), original))
    return found


def judge(text: str, result, substitutions) -> list[dict]:
    """Each edit with ``right`` True/False (see the module docstring)."""
    spots = occurrences(text, substitutions)
    rows = []
    for edit in result.edits:
        hits = [(s, e, o) for s, e, o in spots if overlaps(s, e, edit.start, edit.end)]
        right = any(edit.new.lower() == o.lower() or o.lower() in edit.new.lower() for _, _, o in hits)
        rows.append({"old": edit.old, "new": edit.new, "source": edit.source, "confidence": round(edit.confidence, 3), "right": right})
    return rows


def parse_setting(raw: str) -> tuple[str, object]:
    key, _, value = raw.partition("=")
    return key, json.loads(value) if value not in ("", "None") else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seed", type=Path)
    parser.add_argument("--substitutions", type=Path, default=REPO_ROOT / "seeds" / "003_substitutions.tsv")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON", help="RepairConfig field to change")
    parser.add_argument("--list", action="store_true", help="print every edit")
    args = parser.parse_args(argv)
    config = RepairConfig(**dict(parse_setting(s) for s in args.set))
    text = args.seed.read_text(encoding="utf-8")
    substitutions = parse_substitutions(args.substitutions.read_text(encoding="utf-8"))
    result = Repairer.load(config=config).repair(text)
    rows = judge(text, result, substitutions)
    right = sum(r["right"] for r in rows)
    summary = {"settings": args.set, "edits": len(rows), "right": right, "wrong": len(rows) - right,
               "coverage": substitution_coverage(text, result, substitutions),
               "substitution_map": [str(e) for e in result.substitution_map[:15]]}
    print(json.dumps(summary, indent=2))
    if args.list:
        for r in rows:
            print(f"{'RIGHT' if r['right'] else 'WRONG'}\t{r['old']} -> {r['new']}\t{r['source']}\t{r['confidence']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
