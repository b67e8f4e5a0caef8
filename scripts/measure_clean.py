"""Changed words per 1,000 on clean news: what the default repair does to text nobody spun (issue 14).

Whole articles of the held-out test split (``news_test.jsonl.gz``: never trained on, never counted
by the n-gram tables) go through ``Repairer.repair`` one document at a time, as ``unspin fix`` would
take them. Every edit on clean text is a false edit; the figure is the number of input words inside
edited spans per 1,000 input words. The edits are listed so that a reader can see what they are.

    python scripts/measure_clean.py --articles 200 --out eval/reports/clean.json
    python scripts/measure_clean.py --articles 50 --restorer seq2seq+lm --label seq2seq+lm
    python scripts/measure_clean.py --map-thesaurus --label map-thesaurus --out eval/reports/clean.json
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

from repair.paths import corpus_path  # noqa: E402
from repair.pipeline.config import RepairConfig  # noqa: E402
from repair.pipeline.repairer import Repairer  # noqa: E402
from repair.text import words  # noqa: E402

TARGET_PER_1000 = 0.3  # issue 14: at most 0.3 changed words per 1,000 on clean news


def read_articles(path: Path, limit: int) -> list[tuple[str, str]]:
    """The first ``limit`` (id, text) pairs of a gzipped corpus file, in file order."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        rows = (json.loads(line) for line in lines)
        return [(row["id"], row["text"]) for row in itertools.islice(rows, limit)]


def changed_words(old: str) -> int:
    """Input words an edit replaces; an insertion into nothing counts as one changed word."""
    return max(1, len(words(old)))


def measure(repairer: Repairer, articles: list[tuple[str, str]]) -> dict:
    total_words, total_changed, documents_changed, listed = 0, 0, 0, []
    started = time.perf_counter()
    for article_id, text in articles:
        result = repairer.repair(text)
        total_words += len(words(text))
        if result.edits:
            documents_changed += 1
        for edit in result.edits:
            total_changed += changed_words(edit.old)
            listed.append({"id": article_id, "start": edit.start, "old": edit.old, "new": edit.new,
                           "source": edit.source, "confidence": round(edit.confidence, 3)})
    seconds = time.perf_counter() - started
    return {
        "articles": len(articles),
        "words": total_words,
        "changed_words": total_changed,
        "changed_per_1000": round(1000 * total_changed / max(1, total_words), 3),
        "target_per_1000": TARGET_PER_1000,
        "documents_changed": documents_changed,
        "seconds": round(seconds, 1),
        "words_per_second": round(total_words / seconds, 1) if seconds else None,
        "edits": listed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=200, help="first N articles of the held-out test split")
    parser.add_argument("--detector", default=RepairConfig.detector)
    parser.add_argument("--restorer", default=RepairConfig.restorer)
    parser.add_argument("--map-thesaurus", action="store_true", help="the map decider also judges the thesaurus's entries")
    parser.add_argument("--paragraphs-alone", action="store_true",
                        help="restore only paragraphs spun themselves (RepairConfig.spun_document_paragraphs=None)")
    parser.add_argument("--label", default="default", help="key of this run in the report")
    parser.add_argument("--out", type=Path, default=None, help="JSON report to add this run to (other labels are kept)")
    args = parser.parse_args(argv)

    articles = read_articles(corpus_path("test"), args.articles)
    whole_documents = None if args.paragraphs_alone else RepairConfig.spun_document_paragraphs
    repairer = Repairer.load(config=RepairConfig(detector=args.detector, restorer=args.restorer,
                                                 map_thesaurus=args.map_thesaurus, spun_document_paragraphs=whole_documents))
    result = {"detector": args.detector, "restorer": args.restorer, "spun_document_paragraphs": whole_documents,
              **measure(repairer, articles)}
    print(json.dumps({k: v for k, v in result.items() if k != "edits"}))
    for edit in result["edits"]:
        print(f"  {edit['id']}: {edit['old']!r} -> {edit['new']!r} ({edit['source']}, {edit['confidence']})")
    if args.out:
        report = json.loads(args.out.read_text()) if args.out.is_file() else {}
        report[args.label] = result
        args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
