"""Where are substituted words lost? Every substitution of whole spun test articles, followed through the pipeline.

    python scripts/measure_misses.py [--articles 40] [--rate 0.3] [--seed 1] [--out eval/reports/misses.json]
    python scripts/measure_misses.py --detector cascade+lm --restorer seq2seq+lm   # the line-up that asks the LM most

Articles: the first ``--articles`` of the held-out test split with at least 150 words, each spun
with one map (preset ``broad``), as in ``scripts/measure_profile.py``. For each substitution the
spinner made, the first stage that lost it:

* ``restored``: an edit of the default pipeline puts the original back;
* ``wrong edit``: an edit covers it with other words;
* ``right candidate, not kept``: a candidate above the floor (what the map decider weighs) is
  the original, but neither its confidence nor the decider kept it;
* ``right proposal below the floor``: only with the floor at 0 does the restorer's proposal
  for it read as the original;
* ``other proposals only``: the restorer proposed something else (at any confidence);
* ``suspected, nothing proposed``: the detector reported it (or passed it on as a weak span) and
  the restorer kept the words as they are;
* ``not suspected``: the detector did not point at it.

Each is also split by whether the thesaurus can give the original back (``Thesaurus.originals``
of the spun words, every source) and whether the spinner wrote several words. Measurement only;
nothing here feeds a model.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repair import text as textutil  # noqa: E402
from repair.paths import models_dir  # noqa: E402
from repair.detect.registry import DETECTORS  # noqa: E402
from repair.pipeline.config import RepairConfig  # noqa: E402
from repair.pipeline.repairer import Repairer, combine_reports  # noqa: E402
from repair.restore.registry import RESTORERS  # noqa: E402
from repair.resources.thesaurus import Thesaurus  # noqa: E402
from repair.synth.spin import SpinConfig, Spinner, Substitution  # noqa: E402
from repair.text import count_words, overlaps  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure_profile import read_articles  # noqa: E402

STAGES = ("restored", "wrong edit", "right candidate, not kept", "right proposal below the floor", "other proposals only",
          "suspected, nothing proposed", "not suspected")
EXAMPLES = 8


def restores(edit, substitution: Substitution, text: str) -> bool:
    """True when ``edit`` covers the substitution and reads as its original there."""
    if not (edit.start <= substitution.spun_start and edit.end >= substitution.spun_end):
        return False
    expected = text[edit.start: substitution.spun_start] + substitution.clean + text[substitution.spun_end: edit.end]
    return expected.lower() == edit.new.lower()


def stage(substitution: Substitution, text: str, edits, candidates, all_proposals, suspects) -> str:
    """The first stage of STAGES that lost ``substitution``."""
    def touching(items):
        return [x for x in items if overlaps(x.start, x.end, substitution.spun_start, substitution.spun_end)]

    if any(restores(e, substitution, text) for e in edits):
        return "restored"
    if touching(edits):
        return "wrong edit"
    if any(restores(e, substitution, text) for e in candidates):
        return "right candidate, not kept"
    if any(restores(e, substitution, text) for e in all_proposals):
        return "right proposal below the floor"
    if touching(all_proposals):
        return "other proposals only"
    return "suspected, nothing proposed" if touching(suspects) else "not suspected"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--rate", type=float, default=0.3, help="spinner rate (preset 'broad')")
    parser.add_argument("--seed", type=int, default=1, help="the one map")
    parser.add_argument("--detector", default=RepairConfig.detector, choices=sorted(DETECTORS))
    parser.add_argument("--restorer", default=RepairConfig.restorer, choices=sorted(RESTORERS))
    parser.add_argument("--paragraphs-alone", action="store_true",
                        help="restore only paragraphs spun themselves (RepairConfig.spun_document_paragraphs=None)")
    parser.add_argument("--out", type=Path, default=None, help="JSON report")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    clean = read_articles(args.articles, 150)
    thesaurus = Thesaurus.load(models_dir())
    spinner = Spinner(thesaurus, SpinConfig.preset("broad", rate=args.rate, one_map=True))
    whole_documents = None if args.paragraphs_alone else RepairConfig.spun_document_paragraphs
    repairer = Repairer.load(config=RepairConfig(detector=args.detector, restorer=args.restorer,
                                                 spun_document_paragraphs=whole_documents))
    # The same pipeline with no floor: every proposal the restorer makes becomes a candidate.
    unfloored = repairer.with_config(uncalibrated_min_confidence=0.0, weak_min_confidence=0.0)
    print(f"data: {len(clean)} test articles spun at rate {args.rate} with one map (seed {args.seed}); "
          f"budget: about 10 s of 2 CPU cores per article for the default line-up, several times that for the LM kinds",
          file=sys.stderr)

    counts: collections.Counter = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    words = 0
    for clean_text in clean:
        spun = spinner.spin(clean_text, seed=args.seed)
        text = spun.spun
        words += count_words(text)
        segments = textutil.paragraphs(text)
        reports = repairer.detect_paragraphs([text], [segments])[0]
        detection = combine_reports(reports, segments, repairer.config.threshold)
        candidates = repairer.document_candidates(text, segments, reports)
        edits = repairer.decide_edits(text, candidates, detection).edits
        all_proposals = unfloored.document_candidates(text, segments, reports) if detection.spun else []
        suspects = [*detection.spans, *detection.weak_spans]
        for substitution in spun.substitutions:
            lost_at = stage(substitution, text, edits, candidates, all_proposals, suspects)
            reachable = substitution.clean.lower() in {o.text.lower() for o in thesaurus.originals(substitution.spun.lower())}
            several = " " in substitution.spun.strip()
            counts[(lost_at, reachable, several)] += 1
            if len(examples[lost_at]) < EXAMPLES:
                examples[lost_at].append(f"{substitution.clean} -> {substitution.spun}")

    total = sum(counts.values())
    by_stage = {s: sum(n for (st, _, _), n in counts.items() if st == s) for s in STAGES}
    report = {
        "detector": args.detector, "restorer": args.restorer, "articles": len(clean), "words": words, "rate": args.rate, "seed": args.seed, "spinner": "broad, one map",
        "spun_document_paragraphs": whole_documents,
        "substitutions": total,
        "stages": {s: {"count": by_stage[s], "share": round(100 * by_stage[s] / max(total, 1), 1),
                       "original_in_thesaurus": sum(n for (st, r, _), n in counts.items() if st == s and r),
                       "several_spun_words": sum(n for (st, _, m), n in counts.items() if st == s and m),
                       "examples": examples[s]} for s in STAGES},
        "seconds": round(time.perf_counter() - started),
        "script": "scripts/measure_misses.py",
    }
    for s in STAGES:
        row = report["stages"][s]
        print(f"{row['count']:6d} {row['share']:5.1f}%  {s}  (original in thesaurus {row['original_in_thesaurus']}, "
              f"several spun words {row['several_spun_words']})  e.g. {', '.join(row['examples'][:4])}")
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
