"""Does a batch's shared spinner profile help? One run, the same spun batch, with and without it (issue 14).

A content farm spins every article with one substitution map. The batch here imitates one: whole
articles of the held-out test split, spun by the project's spinner with ``one_map`` and one seed
(so the whole batch shares one map, as a farm's output does). Each article is repaired alone,
as ``unspin fix`` does without a profile; a profile is learned from those repairs
(``learn_profile``, what ``unspin profile`` writes); then every article is repaired again with the
profile. The clean originals are repaired with the profile too, to count what it damages.

    python scripts/measure_profile.py --articles 40 --rate 0.3 --out eval/reports/profile.json
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repair.document.profile import learn_profile  # noqa: E402
from repair.evaluate.metrics import build_metrics  # noqa: E402
from repair.paths import corpus_path, models_dir  # noqa: E402
from repair.pipeline.repairer import Repairer  # noqa: E402
from repair.resources.thesaurus import Thesaurus  # noqa: E402
from repair.synth.spin import SpinConfig, Spinner  # noqa: E402
from repair.text import count_words  # noqa: E402

METRICS = ("restoration", "edit_p", "edit_r", "edit_f05", "damage")


def read_articles(limit: int, min_words: int) -> list[str]:
    with gzip.open(corpus_path("test"), "rt", encoding="utf-8") as lines:
        texts = (json.loads(line)["text"] for line in lines)
        return list(itertools.islice((t for t in texts if count_words(t) >= min_words), limit))


def scores(sources: list[str], hypotheses: list[str], references: list[str]) -> dict[str, float]:
    metrics = build_metrics(list(METRICS))  # all read the same per-pair word statistics
    totals = metrics["edit_p"].extract(sources, hypotheses, references).sum(axis=0)
    return {name: round(metric.compute(totals), 2) for name, metric in metrics.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--min-words", type=int, default=150, help="skip articles shorter than this")
    parser.add_argument("--rate", type=float, default=0.3, help="spinner rate (preset 'broad')")
    parser.add_argument("--seed", type=int, default=1, help="the batch's one map")
    parser.add_argument("--out", type=Path, default=None, help="JSON report")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    clean = read_articles(args.articles, args.min_words)
    repairer = Repairer.load()
    spinner = Spinner(Thesaurus.load(models_dir()), SpinConfig.preset("broad", rate=args.rate, one_map=True))
    spun = [spinner.spin(text, seed=args.seed).spun for text in clean]
    words = sum(count_words(t) for t in spun)
    print(f"{len(clean)} articles, {words} words, rate {args.rate}, one map (seed {args.seed})", file=sys.stderr)

    alone = [repairer.repair(text) for text in spun]
    profile = learn_profile([r.edits for r in alone if r.detection is not None and r.detection.spun])
    profiled = repairer.with_profile(profile)
    shared = [profiled.repair(text) for text in spun]
    clean_with_profile = [profiled.repair(text) for text in clean]

    report = {
        "articles": len(clean), "words": words, "rate": args.rate, "seed": args.seed,
        "alone": scores(spun, [r.text for r in alone], clean),
        "with_profile": scores(spun, [r.text for r in shared], clean),
        "edits": {"alone": sum(len(r.edits) for r in alone), "with_profile": sum(len(r.edits) for r in shared),
                  "from_profile": sum(e.source == "document" for r in shared for e in r.edits)},
        "clean_edits_with_profile": sum(len(r.edits) for r in clean_with_profile),
        "profile": {"documents": profile.documents, "entries": len(profile.entries),
                    "top": [str(e) for e in profile.entries[:15]]},
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report, indent=1))
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
