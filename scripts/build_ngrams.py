"""Build the compact corpus n-gram statistics in models/ngram/ from ../shared/corpus/news.jsonl.gz.

Usage: python scripts/build_ngrams.py [--corpus PATH] [--out models/ngram] [--min-word 2]
       [--min-bigram 2] [--min-trigram 2] [--limit N]

Only the training split is counted (news_test.jsonl.gz stays unseen for evaluation). The
output holds counts and hashes, never text beyond the vocabulary; see models/ngram/README.md.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from array import array
from dataclasses import replace as dc_replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repair.detect.lexicon import FEATURES, LexiconConfig, LexiconScorer  # noqa: E402
from repair.resources.ngram import Encoder, NgramModel, count_tables, prune_vocab  # noqa: E402
from repair.paths import corpus_path, models_dir  # noqa: E402
from repair.synth.corpus import read_articles, read_paragraphs  # noqa: E402


def read_ids(path: Path, limit: int | None, skip: int = 0, sources: frozenset[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Provisional ids of every token (``BOS`` before each paragraph) and the id -> word list.

    The first ``skip`` articles are left out: they are the calibration hold-out. ``sources``
    keeps only those corpus sources (e.g. ``whitehouse``, the public-domain part).
    """
    encoder = Encoder()
    ids = array("I")
    for n, article in enumerate(tqdm(read_articles(path, limit), desc="articles", unit="art", file=sys.stderr)):
        if n < skip:
            continue
        if sources is not None and article["source"] not in sources:
            continue
        for paragraph in article["text"].split("\n"):
            ids.extend(encoder.paragraph(paragraph))
    return np.frombuffer(ids, dtype=np.uint32).astype(np.int64), encoder.words


def holdout_paragraphs(path: Path, articles: int, min_words: int = 8) -> list[str]:
    """Paragraphs of the first ``articles`` articles (never counted into the n-gram tables)."""
    return [p for p in read_paragraphs(path, articles) if len(p.split()) >= min_words]


def spun_samples(paragraphs: list[str], thesaurus, rates: list[float], seed: int, preset: str = "restorer"):
    """(spun text, {(start, end): clean original}) per paragraph, rates cycling through ``rates``."""
    from repair.synth.spin import SpinConfig, Spinner

    spinners = {rate: Spinner(thesaurus, SpinConfig.preset(preset, rate=rate)) for rate in rates if rate > 0}
    for n, paragraph in enumerate(paragraphs):
        rate = rates[n % len(rates)]
        if rate == 0:
            yield paragraph, {}
            continue
        spun = spinners[rate].spin(paragraph, seed=seed + n)
        yield spun.spun, {(s.spun_start, s.spun_end): s.clean.lower() for s in spun.substitutions}


def calibrate(models: Path, corpus: Path, articles: int, seed: int = 13, max_clean_flags: float = 0.0003,
              config: "LexiconConfig | None" = None, preset: str = "restorer") -> dict:
    """Fit the candidate, span, prior and passage calibrations on synthetic spins of held-out paragraphs.

    Stage 1 (candidate): is this candidate the original of this phrase? Stage 2 (span): was
    the phrase substituted, from its best candidate's logit. Stage 3: the prior P(spun) of the
    paragraph model, as large as clean paragraphs allow. Stage 4 (passage): was the paragraph
    spun, refitted at that prior.
    """
    from repair.detect.lexicon import Calibration, LexiconConfig, build_scorer, fit_logistic
    from repair.resources.shared import Resources

    config = config or LexiconConfig()
    scorer = build_scorer(Resources.load(models), config, calibration=Calibration())  # features do not depend on the weights
    paragraphs = holdout_paragraphs(corpus, articles)
    # Half clean, half spun at realistic spinner rates (a rate of 0.05 leaves most paragraphs
    # with nothing to find); the passage fit is reweighted to the chosen prior afterwards.
    rates = [0.0, 0.1, 0.0, 0.2, 0.0, 0.3, 0.0, 0.4]
    samples = [
        (scorer.score(text), truth)
        for text, truth in tqdm(spun_samples(paragraphs, scorer.source.thesaurus, rates, seed, preset),
                                total=len(paragraphs), desc="calibrate", unit="par", file=sys.stderr)
    ]
    x = np.concatenate([sp.features for sp, _ in samples])
    y = np.array([truth.get((int(a), int(b))) == r for sp, truth in samples
                  for a, b, r in zip(sp.start, sp.end, sp.replacements)], dtype=float)
    candidate_w = fit_logistic(x, y)
    span_x, span_y = [], []
    for sp, truth in samples:
        if not len(sp):
            continue
        best, top, _ = scorer.best_per_phrase(sp, sp.features @ candidate_w)
        for index, value in zip(best, top):
            span_x.append((value, 1.0))
            span_y.append(float((int(sp.start[index]), int(sp.end[index])) in truth))
    span_labels = np.array(span_y)
    span_w = fit_logistic(np.array(span_x), span_labels)
    calibration = Calibration(candidate=tuple(candidate_w), span=tuple(span_w), span_prior=float(span_labels.mean()))
    calibration, grid = choose_rate_prior(scorer, calibration, samples, max_clean_flags)
    trial = LexiconScorer(scorer.ngram, scorer.source, calibration, scorer.config, scorer.table)
    passage_x = np.array([(logit_of(trial.analyse_scored(sp).p_spun), 1.0) for sp, _ in samples])
    labels = np.array([float(bool(truth)) for _, truth in samples])
    # Reweight to the chosen prior share of spun paragraphs, the share the score is meant for.
    p_spun = calibration.rate_prior[2]
    sample_w = np.where(labels > 0, p_spun / labels.sum(), (1 - p_spun) / (len(labels) - labels.sum())) * len(labels)
    passage = fit_logistic(passage_x, labels, sample_weight=sample_w)
    return {
        "candidate": [round(float(v), 5) for v in candidate_w],
        "span": [round(float(v), 5) for v in span_w],
        "span_prior": round(float(span_labels.mean()), 6),
        "rate_prior": list(calibration.rate_prior),
        "rate_prior_grid": grid,
        "passage": [round(float(v), 5) for v in passage],
        "max_clean_flags_per_1000": 1000 * max_clean_flags,
        "features": list(FEATURES),
        "paragraphs": len(paragraphs),
        "rates": rates,
        "candidate_rows": int(len(y)),
        "candidate_positives": int(y.sum()),
        "span_rows": len(span_y),
        "seed": seed,
        "spinner": f"repair.synth.spin.Spinner(SpinConfig.preset({preset!r}, rate=rate))",
        # The weights belong to this thesaurus: refit (--calibrate-only) when it changes.
        "thesaurus_sha256": sha256(models / "thesaurus" / "thesaurus.tsv.gz"),
        "config": {"max_candidates": config.max_candidates, "sources": list(config.sources)},
    }


def choose_rate_prior(scorer, calibration, samples, max_clean_flags: float):
    """The largest prior P(spun) whose clean-paragraph flag rate stays under ``max_clean_flags``
    per word; returns the calibration with it and the grid measured (flags, synthetic recall)."""
    alpha, beta, _ = calibration.rate_prior
    grid = []
    chosen = None
    for p_spun in (0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001):
        cal = dc_replace(calibration, rate_prior=(alpha, beta, p_spun))
        trial = LexiconScorer(scorer.ngram, scorer.source, cal, scorer.config, scorer.table)
        clean_words = clean_flags = hits = subs = 0
        for sp, truth in samples:
            analysis = trial.analyse_scored(sp)
            flagged = [(v.best.candidate.start, v.best.candidate.end) for v in analysis.verdicts if v.prob >= 0.5]
            if truth:
                hits += sum(1 for key in flagged if key in truth)
                subs += len(truth)
            else:
                clean_words += analysis.words
                clean_flags += len(flagged)
        rate = clean_flags / max(clean_words, 1)
        grid.append({"p_spun": p_spun, "clean_flags_per_1000": round(1000 * rate, 3), "recall": round(hits / max(subs, 1), 3)})
        if chosen is None and rate <= max_clean_flags:
            chosen = cal
    return chosen or dc_replace(calibration, rate_prior=(alpha, beta, 0.001)), grid


def logit_of(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return float(np.log(p / (1 - p)))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=corpus_path("train"))
    parser.add_argument("--out", type=Path, default=models_dir() / "ngram")
    parser.add_argument("--min-word", type=int, default=2)
    parser.add_argument("--min-bigram", type=int, default=1)
    parser.add_argument("--min-trigram", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles (quick tests)")
    parser.add_argument("--holdout", type=int, default=400, help="first N articles not counted (calibration data)")
    parser.add_argument("--sources", default=None, help="comma list of corpus sources to count (default: all)")
    parser.add_argument("--calibrate", action="store_true", help="after counting, fit calibration.json")
    parser.add_argument("--calibrate-only", action="store_true", help="only refit calibration.json")
    parser.add_argument("--calibration-articles", type=int, default=200)
    parser.add_argument("--spin-preset", default="restorer", help="repair.synth.spin source preset for the synthetic spins")
    parser.add_argument("--candidate-sources", default=None, help="comma list of thesaurus sources for candidates")
    parser.add_argument("--max-candidates", type=int, default=None)
    args = parser.parse_args(argv)
    if args.calibrate_only:
        return write_calibration(args)
    started = time.time()
    print(f"data: {args.corpus} (train split only); budget: a few minutes on one core", file=sys.stderr)
    sources = frozenset(args.sources.split(",")) if args.sources else None
    raw, words = read_ids(args.corpus, args.limit, args.holdout, sources)
    ids, vocab = prune_vocab(raw, words, args.min_word)
    arrays = count_tables(ids, len(vocab), args.min_bigram, args.min_trigram)
    meta = {
        "tokens": int(len(ids)),
        "vocab": len(vocab),
        "bigrams": int(len(arrays["bigram_keys"])),
        "trigrams": int(len(arrays["trigram_keys"])),
        "min_word": args.min_word,
        "min_bigram": args.min_bigram,
        "min_trigram": args.min_trigram,
        "holdout_articles": args.holdout,
        "sources": sorted(sources) if sources else "all",
        "corpus": args.corpus.name,
        "corpus_sha256": sha256(args.corpus),
        "build_seconds": round(time.time() - started, 1),
    }
    NgramModel(vocab, arrays, meta).save(args.out)
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(json.dumps({**meta, "bytes": size}), file=sys.stderr)
    return write_calibration(args) if args.calibrate else 0


def write_calibration(args: argparse.Namespace) -> int:
    started = time.time()
    articles = min(args.calibration_articles, args.holdout)
    from repair.detect.lexicon import LexiconConfig

    config = LexiconConfig()
    if args.candidate_sources:
        config = dc_replace(config, sources=tuple(args.candidate_sources.split(",")))
    if args.max_candidates:
        config = dc_replace(config, max_candidates=args.max_candidates)
    result = calibrate(args.out.parent, args.corpus, articles, config=config, preset=args.spin_preset)
    result["seconds"] = round(time.time() - started, 1)
    (args.out / "calibration.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
