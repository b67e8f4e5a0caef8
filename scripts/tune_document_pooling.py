"""How confident must a document's map entry be before it reaches every repeat? Measured on
validation articles no expert has seen.

A spinner maps a word the same way everywhere in an article, so the pipeline pools the edits it
keeps into the document's map and applies an entry whose pooled confidence reaches
``RepairConfig.repeat_confidence`` to every repeat of the word (``repair.document.profile``,
source ``document``). This script measures that on whole articles, each spun with one map, and
judges every edit alone:

    python scripts/tune_document_pooling.py [--rate 0.3] [--out eval/reports/document_pooling.json]

Articles: the validation split among the first 400 articles of news.jsonl.gz (the n-gram hold-out:
the same articles ``scripts/calibrate_edits.py`` fits on; nothing from the test split), each spun
with ``--seeds`` maps. Line-ups: repeat confidences side by side and no repeats at all, on the same
spun articles in one run, plus the clean originals (damage).

Tried and removed (commit e4973e3 has it): pooling every restorer candidate above the floor, not
only the kept edits. On these articles its repeats were right 70.6% of the time against 86.7%, and
edit precision fell from 74.0 to 61.4 for 2.2 more points of restoration: the model repeats its
mistakes across a document as consistently as its right answers.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repair.evaluate.collect import judge_edits  # noqa: E402
from repair.paths import corpus_path, models_dir  # noqa: E402
from repair.pipeline.repairer import Repairer  # noqa: E402
from repair.resources.ngram import holdout_article_ids  # noqa: E402
from repair.resources.thesaurus import Thesaurus  # noqa: E402
from repair.synth.corpus import read_articles  # noqa: E402
from repair.synth.data import DataConfig, fraction  # noqa: E402
from repair.synth.spin import SpinConfig, Spinner  # noqa: E402
from repair.text import count_words  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure_profile import scores  # noqa: E402


def validation_articles(min_words: int) -> list[str]:
    held = holdout_article_ids(models_dir(), corpus_path("train"))
    if held is None:
        raise SystemExit("the n-gram counts do not name their hold-out articles (models/ngram/meta.json)")
    share = DataConfig().validation_share
    return [a["text"] for a in read_articles(corpus_path("train"), len(held))
            if fraction(a["id"], "validation") < share and count_words(a["text"]) >= min_words]


def judged(spun: list[str], clean: list[str], results) -> dict:
    """Edits per source, and the share right (each judged alone)."""
    by_source: dict[str, list[bool]] = {}
    for source_text, reference, result in zip(spun, clean, results):
        for edit, right in zip(result.edits, judge_edits(source_text, reference, result.edits)):
            by_source.setdefault(edit.source, []).append(right)
    every = [r for flags in by_source.values() for r in flags]
    return {"edits": len(every), "right": round(sum(every) / len(every), 4) if every else None,
            "by_source": {s: {"edits": len(f), "right": round(sum(f) / len(f), 4)} for s, f in sorted(by_source.items())}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=0.3, help="spinner rate (preset 'broad')")
    parser.add_argument("--seeds", type=int, default=2, help="spin every article with this many maps (seeds 1..N)")
    parser.add_argument("--min-words", type=int, default=150)
    parser.add_argument("--repeat", type=float, nargs="+", default=[0.9, 0.95, 0.99],
                        help="repeat confidences to compare (RepairConfig.repeat_confidence)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    articles = validation_articles(args.min_words)
    repairer = Repairer.load()
    spinner = Spinner(Thesaurus.load(models_dir() / "thesaurus"), SpinConfig.preset("broad", rate=args.rate, one_map=True))
    clean = [text for _ in range(args.seeds) for text in articles]
    spun = [spinner.spin(text, seed=seed).spun for seed in range(1, args.seeds + 1) for text in articles]
    print(f"data: {len(articles)} validation articles x {args.seeds} maps, {sum(map(count_words, spun))} words, "
          f"rate {args.rate}", file=sys.stderr)

    lineups = {f"repeat {repeat}": repairer.with_config(repeat_confidence=repeat) for repeat in args.repeat}
    lineups["no repeats"] = repairer.with_config(repeat_confidence=None)
    report = {"articles": len(articles), "maps": args.seeds, "rate": args.rate, "words": sum(map(count_words, spun)),
              "min_confidence": repairer.min_confidence,
              "default_repeat_confidence": repairer.config.repeat_confidence, "lineups": {}}
    for name, lineup in lineups.items():
        tick = time.perf_counter()
        results = lineup.repair_batch(spun)
        on_clean = lineup.repair_batch(articles)
        report["lineups"][name] = {**scores(spun, [r.text for r in results], clean), **judged(spun, clean, results),
                                   "clean_words_changed": sum(len(r.edits) for r in on_clean),
                                   "seconds": round(time.perf_counter() - tick, 1)}
        print(name, json.dumps(report["lineups"][name]), file=sys.stderr)
    report["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
