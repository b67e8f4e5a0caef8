#!/usr/bin/env python
"""Build models/glossary/titles.json.gz: the usual titles of names in the clean corpus.

Steps (pure functions in repair.glossary.titles; this script only reads and writes files):
  1. count, for every two-word name at the end of a Title-Case run, the title word before it
     and the two-word title ending there, over ../shared/corpus/news.jsonl.gz;
  2. keep names whose usual title dominates; relate title heads through the thesaurus;
  3. measure on the held-out news_test.jsonl.gz: edits made on clean paragraphs (each one is
     a false edit), printed and written to titles_stats.json.

Usage:
    python scripts/build_titles.py [--limit PARAGRAPHS] [--out models/glossary]
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
import time
from pathlib import Path

from tqdm import tqdm

from repair.paths import corpus_path, models_dir
from repair.resources.thesaurus import Thesaurus
from repair.synth.corpus import read_paragraphs
from repair.glossary.titles import RELATION_SOURCES, TITLES_FILE, TitleConfig, TitleIndex, count_titles, titles_data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=corpus_path("train"), help="clean training corpus (jsonl.gz)")
    parser.add_argument("--test", type=Path, default=corpus_path("test"), help="held-out clean corpus for measurements")
    parser.add_argument("--out", type=Path, default=models_dir() / "glossary", help="output folder")
    parser.add_argument("--limit", type=int, default=None, help="read only the first N paragraphs (quick runs)")
    args = parser.parse_args(argv)
    for path in (args.corpus, args.test):
        if not path.is_file():
            print(f"error: corpus file not found: {path}", file=sys.stderr)
            return 2
    started = time.perf_counter()
    config = TitleConfig()
    counts = count_titles(tqdm(itertools.islice(read_paragraphs(args.corpus, skip_empty=True), args.limit), desc="counting titles", unit=" paragraphs"))
    thesaurus = Thesaurus.load()

    def synonyms(word: str) -> list[str]:
        return [s.word for s in thesaurus.synonyms(word, sources=RELATION_SOURCES)]

    data = titles_data(counts, synonyms, config)
    args.out.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.out / TITLES_FILE, "wt", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, sort_keys=True)
    index = TitleIndex(data)
    words = edits = 0
    examples = []
    for paragraph in read_paragraphs(args.test, skip_empty=True):
        words += len(paragraph.split())
        found = index.find(paragraph)
        edits += len(found)
        examples += [f"{e.old} -> {e.new}: {paragraph[max(0, e.start - 40) : e.end + 40]}" for e in found][:3]
    stats = {
        "names": len(index),
        "title_heads": len(data["heads"]),
        "related_heads": len(data["related"]),
        "clean_test_words": words,
        "clean_test_edits": edits,
        "false_edits_per_1000_words": round(1000 * edits / max(1, words), 4),
        "seconds": round(time.perf_counter() - started, 1),
    }
    (args.out / "titles_stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(stats, indent=2))
    for line in examples[:20]:
        print("  false edit:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
