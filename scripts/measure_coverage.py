"""Measure the spinner from outside: coverage of a real spun article's substitutions, thesaurus
size, substitution density and the most frequent substitutions on a corpus sample.

Usage: python scripts/measure_coverage.py [--tsv seeds/003_substitutions.tsv] [--articles 200]
       [--rate 0.3] [--format text|json]

The TSV (original<TAB>spun[<TAB>count], '#' comments) is a hand alignment of seed 003 with its
likely original. It is used here only to measure; nothing in it feeds the thesaurus.
A type counts as covered when the spun word is among ``Spinner.candidates(original)``
(case-insensitive), with or without a preceding auxiliary (participles). Candidates are what
``Spinner.spin`` can draw: a function word (``repair.synth.spin.FUNCTION_WORDS``) only has its
``phrase`` and ``closed`` items, so e.g. "under" -> "below" counts only through a same-class
item, never through a WordNet sense the spinner would not use.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from repair.paths import corpus_path, models_dir  # noqa: E402
from repair.synth.corpus import read_articles  # noqa: E402
from repair.synth.spin import SOURCE_PRESETS, SpinConfig, Spinner  # noqa: E402
from repair.resources.thesaurus import SOURCES, Thesaurus  # noqa: E402


def read_pairs(path: Path) -> list[tuple[str, str, int]]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        count = int(parts[2]) if len(parts) > 2 and parts[2].strip().isdigit() else 1
        pairs.append((parts[0].strip(), parts[1].strip(), count))
    return pairs


def covering_source(spinner: Spinner, original: str, spun: str) -> str | None:
    """Source tag of the candidate that produces ``spun`` from ``original``, or None."""
    for context in ("", "has"):
        for candidate in spinner.candidates(original, context):
            if candidate.text.lower() == spun.lower():
                return candidate.source
    return None


def coverage(thesaurus: Thesaurus, pairs, preset: str) -> dict:
    """Share of single-word substitution types (and of their tokens) the spinner can produce."""
    spinner = Spinner(thesaurus, SpinConfig.preset(preset, min_weight=0.0, top_k=10_000))
    single = [(o, s, c) for o, s, c in pairs if " " not in o and " " not in s]
    by_source: collections.Counter = collections.Counter()
    missed = []
    covered_tokens = 0
    for original, spun, count in single:
        source = covering_source(spinner, original, spun)
        if source is None:
            missed.append(f"{original}->{spun}")
        else:
            by_source[source] += 1
            covered_tokens += count
    types = len(single)
    return {"preset": preset, "types": types, "covered": types - len(missed),
            "share": round((types - len(missed)) / max(types, 1), 3),
            "token_share": round(covered_tokens / max(sum(c for *_, c in single), 1), 3),
            "by_source": dict(by_source.most_common()), "missed": missed}


def multiword(thesaurus: Thesaurus, pairs) -> dict:
    spinner = Spinner(thesaurus, SpinConfig.preset("broad", min_weight=0.0, top_k=10_000))
    multi = [(o, s) for o, s, _ in pairs if " " in o or " " in s]
    hit = [f"{o}->{s}" for o, s in multi if covering_source(spinner, o, s)]
    return {"types": len(multi), "covered": len(hit), "covered_pairs": hit}


def corpus_sample(path: Path, articles: int) -> list[str]:
    return [article["text"] for article in read_articles(path, articles)]


def density_and_top(thesaurus: Thesaurus, texts: list[str], rate: float, preset: str) -> dict:
    spinner = Spinner(thesaurus, SpinConfig.preset(preset, rate=rate))
    counts: collections.Counter = collections.Counter()
    kinds: collections.Counter = collections.Counter()
    words = 0
    for k, text in enumerate(texts):
        words += len(text.split())
        for sub in spinner.spin(text, seed=k).substitutions:
            counts[f"{sub.clean.lower()} -> {sub.spun.lower()}"] += 1
            kinds[sub.kind] += 1
    total = sum(counts.values())
    return {"preset": preset, "rate": rate, "words": words, "substitutions": total,
            "per_100_words": round(100 * total / max(words, 1), 2),
            "kinds": dict(kinds.most_common()), "top30": counts.most_common(30)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Spinner coverage and statistics.")
    parser.add_argument("--tsv", type=Path, default=ROOT / "seeds" / "003_substitutions.tsv")
    parser.add_argument("--articles", type=int, default=200, help="test-corpus articles to spin")
    parser.add_argument("--rate", type=float, default=SpinConfig.rate)
    parser.add_argument("--format", choices=["text", "json"], default="text")
    args = parser.parse_args(argv)
    thesaurus = Thesaurus.load()
    stats = json.loads((models_dir() / "thesaurus" / "stats.json").read_text())
    report: dict = {"thesaurus": {"lemmas": stats.get("lemmas"), "items": {s: stats.get(s, 0) for s in SOURCES}}}
    if args.tsv.is_file():
        pairs = read_pairs(args.tsv)
        report["coverage"] = [coverage(thesaurus, pairs, preset) for preset in SOURCE_PRESETS]
        report["multiword"] = multiword(thesaurus, pairs)
    else:
        print(f"note: {args.tsv} not found; coverage skipped", file=sys.stderr)
    texts = corpus_sample(corpus_path("test"), args.articles)
    report["density"] = [density_and_top(thesaurus, texts, args.rate, preset) for preset in SOURCE_PRESETS]
    print(json.dumps(report, indent=1) if args.format == "json" else render(report))
    return 0


def render(report: dict) -> str:
    th = report["thesaurus"]
    lines = [f"thesaurus: {th['lemmas']:,} lemmas; items per source: "
             + ", ".join(f"{s} {n:,}" for s, n in th["items"].items())
             + f"; total {sum(th['items'].values()):,}"]
    for cov in report.get("coverage", []):
        lines.append(f"003 single-word types covered ({cov['preset']}): {cov['covered']}/{cov['types']} = "
                     f"{cov['share']:.1%} (tokens {cov['token_share']:.1%}); by source {cov['by_source']}")
        lines.append(f"  missed: {', '.join(cov['missed'])}")
    if "multiword" in report:
        mw = report["multiword"]
        lines.append(f"003 multi-word types covered (broad): {mw['covered']}/{mw['types']}: {', '.join(mw['covered_pairs'])}")
    for d in report["density"]:
        lines.append(f"density ({d['preset']}, rate {d['rate']}): {d['per_100_words']} substitutions per 100 words "
                     f"({d['substitutions']:,} in {d['words']:,} words); kinds {d['kinds']}")
        lines.append("  top 30: " + "; ".join(f"{pair} ({n})" for pair, n in d["top30"]))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
