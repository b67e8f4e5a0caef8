#!/usr/bin/env python
"""Build models/glossary/glossary.json.gz from the clean corpus and the spinner thesaurus.

Steps (pure functions of repair.glossary; this script only reads and writes files):
  1. count Title-Case n-grams, capitalised words and "Name (ACR)" definitions in every
     paragraph of ../shared/corpus/news.jsonl.gz;
  2. keep frequent, cohesive n-grams as terms (repair.glossary.mine.MineConfig);
  3. variants of every term word from repair.resources.thesaurus (the spinner's own synonyms);
  4. run the matcher over the same clean corpus: any variant it finds there is real text, so
     it is written to the block list;
  5. measure on the held-out news_test.jsonl.gz: false edits per 1,000 clean words, and the
     precision of the edits on the same paragraphs spun by repair.synth.spin (stats.json,
     repair.glossary.quality).

Usage:
    python scripts/build_glossary.py [--limit N] [--out models/glossary] [--no-thesaurus]
    python scripts/build_glossary.py --measure-only      # re-measure the shipped glossary
"""
from __future__ import annotations

import argparse
import dataclasses
import gzip
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from repair.glossary.match import Glossary
from repair.glossary.mine import (
    ACRONYM_SOURCES,
    MineConfig,
    MineCounts,
    count_paragraph,
    glossary_data,
    select_terms,
    thesaurus_synonyms,
    variant_keys,
    word_variants,
)
from repair.glossary.quality import false_edit_rate, spun_precision
from repair.glossary.terms import GLOSSARY_FILE
from repair.paths import corpus_path, models_dir
from repair.synth.corpus import read_paragraphs


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def proper_noun(form: str, counts: MineCounts) -> bool:
    """A word the corpus almost always capitalises ("taiwan"): a name, not a synonym."""
    if " " in form or counts.vocab[form] < 5:
        return False
    return counts.words[form[:1].upper() + form[1:]] >= 0.9 * counts.vocab[form]


def mine(path: Path, limit: int | None, config: MineConfig) -> MineCounts:
    counts = MineCounts()
    for paragraph in tqdm(read_paragraphs(path, limit), desc="mine", unit=" par", file=sys.stderr, mininterval=5):
        counts.update(count_paragraph(paragraph, config))
    return counts


def attested(glossary: Glossary, path: Path, limit: int | None) -> Counter:
    """Variant spans the matcher finds in clean text (to be blocked)."""
    found: Counter = Counter()
    for paragraph in tqdm(read_paragraphs(path, limit), desc="block", unit=" par", file=sys.stderr, mininterval=5):
        found.update(glossary.attested_variants(paragraph))
    return found


def thesaurus_variants(terms, counts: MineCounts, config: MineConfig) -> tuple[dict, dict, str]:
    """Variants for term matching, wider variants for acronym repair, and the thesaurus sha256."""
    from repair.resources.thesaurus import THESAURUS_FILE, Thesaurus

    thesaurus = Thesaurus.load()
    keep = lambda form: not proper_noun(form, counts)  # noqa: E731
    variants = word_variants(variant_keys(terms), thesaurus_synonyms(thesaurus), config, keep=keep)
    # more forms per word here: under an acronym even a weak synonym is checked by its initial
    wide = dataclasses.replace(config, max_variants=2 * config.max_variants)
    org_keys = variant_keys(t for t in terms if t.kind == "org")
    acronym_variants = word_variants(org_keys, thesaurus_synonyms(thesaurus, ACRONYM_SOURCES), wide)
    return variants, acronym_variants, sha256(models_dir() / "thesaurus" / THESAURUS_FILE)


def build(args: argparse.Namespace) -> dict:
    """Mine, attach variants, block what clean text attests; the glossary data."""
    config = MineConfig(min_freq=args.min_freq)
    counts = mine(args.corpus, args.limit, config)
    terms = select_terms(counts, config)
    print(f"mined {len(terms)} terms from {counts.paragraphs} paragraphs / {counts.tokens} words", file=sys.stderr)
    variants, acronym_variants, thesaurus_sha = ({}, {}, "")
    if not args.no_thesaurus:
        variants, acronym_variants, thesaurus_sha = thesaurus_variants(terms, counts, config)
    print(f"variants for {len(variants)} words", file=sys.stderr)
    vocab = [w for w, c in counts.vocab.items() if c >= args.min_vocab and w.isalpha()]
    glossary = Glossary(terms, variants, vocab=vocab, acronym_variants=acronym_variants)
    blocked = attested(glossary, args.corpus, args.limit)
    print(f"blocked {len(blocked)} variant spans attested in clean text", file=sys.stderr)
    meta = {
        "corpus": args.corpus.name,
        "corpus_sha256": sha256(args.corpus),
        "articles": args.limit or "all",
        "paragraphs": counts.paragraphs,
        "words": counts.tokens,
        "mine_config": dataclasses.asdict(config),
        "thesaurus_sha256": thesaurus_sha,
        "terms": len(terms),
        "with_acronym": sum(1 for t in terms if t.acronym),
    }
    return glossary_data(terms, variants, blocked, meta, vocab, acronym_variants)


def measure(glossary: Glossary, test: Path) -> dict:
    """False edits on clean held-out paragraphs; precision on the same paragraphs spun."""
    if not test.is_file():
        return {}
    edits, words, examples = false_edit_rate(glossary, read_paragraphs(test))
    for paragraph, edit in examples[:20]:
        context = paragraph[max(0, edit.start - 60) : edit.end + 60]
        print(f"false edit: {edit.old!r} -> {edit.new!r} ({edit.confidence}) in …{context}…", file=sys.stderr)
    stats = {
        "test_words": words,
        "test_false_edits": edits,
        "false_edits_per_1000_words": round(1000 * edits / max(words, 1), 4),
    }
    try:
        from repair.synth.spin import SpinConfig, Spinner
        from repair.resources.thesaurus import Thesaurus
    except ImportError:  # the spinner is optional for a glossary build
        return stats
    spinner = Spinner(Thesaurus.load(), SpinConfig.preset("restorer", rate=0.3))
    paragraphs = [p for p in read_paragraphs(test) if len(p.split()) > 8]
    spun = (spinner.spin(p, seed=n) for n, p in enumerate(paragraphs))
    return {**stats, "spun_setting": "restorer preset, rate 0.3, default capital rate, seed = paragraph index",
            **spun_precision(glossary, spun)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=corpus_path("train"), help="clean training corpus (jsonl.gz)")
    parser.add_argument("--test", type=Path, default=corpus_path("test"), help="held-out clean corpus for measurements")
    parser.add_argument("--out", type=Path, default=models_dir() / "glossary", help="output folder")
    parser.add_argument("--limit", type=int, default=None, help="read only the first N articles (quick runs)")
    parser.add_argument("--min-freq", type=int, default=MineConfig.min_freq, help="minimum term frequency")
    parser.add_argument("--min-vocab", type=int, default=3, help="words seen this often are real spellings, never fuzzy variants")
    parser.add_argument("--no-thesaurus", action="store_true", help="no variants (fuzzy and acronym matching only)")
    parser.add_argument("--measure-only", action="store_true", help="only re-measure the glossary in --out")
    args = parser.parse_args(argv)
    target = args.out / GLOSSARY_FILE
    stats_path = args.out / "stats.json"
    started = time.time()
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if args.measure_only and stats_path.is_file() else {}
    if not args.measure_only:
        print(f"data: {args.corpus} (limit {args.limit or 'all'} articles); budget: 7-17 min on 1 shared core", file=sys.stderr)
        data = build(args)
        args.out.mkdir(parents=True, exist_ok=True)
        with gzip.GzipFile(target, "wb", compresslevel=9, mtime=0) as handle:
            handle.write(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8"))
        stats = {
            "terms": data["meta"]["terms"],
            "with_acronym": data["meta"]["with_acronym"],
            "variant_words": len(data["variants"]),
            "blocked": len(data["blocked"]),
            "file_bytes": target.stat().st_size,
            "build_seconds": round(time.time() - started, 1),
        }
    stats.update(measure(Glossary.from_file(target), args.test))
    stats_path.write_text(json.dumps(stats, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(stats, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
