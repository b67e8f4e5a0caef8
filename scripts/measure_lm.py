"""Measure the packaged language model (repair.lm): load time, speed, and how well it judges spins.

    python scripts/measure_lm.py --out eval/reports/lm.json            # everything (~20 min on 2 cores)
    python scripts/measure_lm.py --max-subs 100 --skip-convert        # a quick look
    python scripts/measure_lm.py --package PKG --gguf FILE --start-token "<bos>" --out OUT  # another model

Another model is measured by the same code: ``--package`` names the distribution that holds its
GGUF, ``--gguf`` a file assembled from a package that ships it in chunks (Gemma 3; see
scripts/compare_lms.py, which runs the paired parts on both models), ``--start-token`` the
token its documents start with.

Speed is measured with variants alternating on the same texts in the same run (the machine is
shared, so only such paired numbers compare). Quality uses the committed synthetic suite
(eval/suites/synthetic/test.jsonl): each substituted span is restored alone, the rest of the row
left spun, as the restorer will see it.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch

from repair.lm import LanguageModel, LMConfig, default_cache_dir, find_gguf
from repair.lm.load import PACKAGE, GGUFSource, prepare_source
from repair.paths import REPO_ROOT
from repair.text import match_case, words

SUITE = REPO_ROOT / "eval" / "suites" / "synthetic" / "test.jsonl"
# The tortured phrases (scientific spinners), each in two carrier sentences.
TORTURED = [("artificial intelligence", "counterfeit consciousness"),
            ("deep neural network", "profound neural organization"),
            ("deep learning", "profound learning")]
CARRIERS = ["Recent advances in {} have changed the field.",
            "We propose a new method based on {} for image classification."]
SPEED_BATCHES = (1, 8, 32)
PARTS = ["load", "speed", "quality", "detection", "int8"]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows = [json.loads(line) for line in SUITE.read_text(encoding="utf-8").splitlines()]
    # Parts measured in an earlier run are kept, so one part can be re-measured alone.
    report: dict = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    source = gguf_source(args.package, args.gguf)
    report.update({"model": model_info(source), "scoring_threads": args.threads, "torch_default_threads": torch.get_num_threads()})
    parts = set(args.parts)
    if "load" in parts:
        report["load"] = measure_load(source, args.cache_dir, args.skip_convert)
    config = LMConfig(threads=args.threads, start_token=args.start_token)
    lm = LanguageModel.from_pretrained(prepare_source(source, args.cache_dir), config)
    spans = spread(suite_spans(rows), args.max_subs)
    texts = [r["spun"] for r in rows if r["noise"] != "none"][:args.speed_rows]
    if "speed" in parts:
        report["speed"] = measure_speed(lm, texts)
        report["prefix_cache"] = measure_prefix_cache(lm, spans[:args.prefix_subs], args.right_words)
    if "quality" in parts:
        report["quality"] = measure_judging(lm, spans, args.right_words, args.max_candidates)
        report["tortured_phrases"] = measure_tortured(lm)
    if "detection" in parts:
        report["detection"] = measure_detection(lm, spread([r for r in rows if r["noise"] == "spin"], args.detect_rows))
    if "int8" in parts:
        report["int8"] = measure_int8(lm, spans[:args.int8_subs], texts, args.right_words)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "eval" / "reports" / "lm.json")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    parser.add_argument("--package", default=PACKAGE, help="distribution that holds the model's GGUF")
    parser.add_argument("--gguf", type=Path, help="the GGUF file itself, when --package ships it in chunks")
    parser.add_argument("--start-token", default=LMConfig().start_token, help="token put before every text")
    parser.add_argument("--skip-convert", action="store_true", help="do not time a fresh conversion")
    parser.add_argument("--max-subs", type=int, default=120, help="suite substitutions judged (spread over the suite)")
    parser.add_argument("--prefix-subs", type=int, default=10, help="substitutions timed with/without the cache")
    parser.add_argument("--int8-subs", type=int, default=60, help="substitutions judged by int8 and fp32")
    parser.add_argument("--speed-rows", type=int, default=8, help="suite rows read for tokens/s")
    parser.add_argument("--right-words", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads while scoring (1 wins on a shared machine)")
    parser.add_argument("--parts", nargs="+", default=PARTS, choices=PARTS, help="what to measure (default: all)")
    parser.add_argument("--detect-rows", type=int, default=60, help="spun suite rows read for detector evidence")
    parser.add_argument("--max-candidates", type=int, default=10, help="thesaurus originals per span, strongest first")
    return parser.parse_args(argv)


def gguf_source(package: str, gguf: Path | None = None) -> GGUFSource:
    """The GGUF to measure: the one inside ``package``, or ``gguf`` when the package ships it in
    chunks that the caller has assembled (then the package still names and versions it, so the
    conversion cache knows which file it was made from)."""
    if gguf is None:
        return find_gguf(package)
    return GGUFSource(gguf.resolve(), package, importlib.metadata.version(package), gguf.stat().st_size)


def model_info(source: GGUFSource) -> dict:
    return {"package": source.package, "version": source.version, "file": source.path.name, "bytes": source.size}


def measure_load(source: GGUFSource, cache_dir: Path, skip_convert: bool) -> dict:
    """Seconds for the first load (GGUF -> fp32 folder) and for a load from that folder."""
    out: dict = {}
    if not skip_convert:
        out["first_load_convert_s"] = time_conversion(source)
    folder = prepare_source(source, cache_dir)
    start = time.perf_counter()
    LanguageModel.from_pretrained(folder)
    out["cached_load_s"] = round(time.perf_counter() - start, 1)
    return out


def time_conversion(source: GGUFSource) -> float:
    """Seconds to convert ``source`` into a fresh folder (deleted afterwards): the first load."""
    with tempfile.TemporaryDirectory() as fresh:
        start = time.perf_counter()
        prepare_source(source, Path(fresh))
        return round(time.perf_counter() - start, 1)


def measure_speed(lm: LanguageModel, texts: list[str]) -> dict:
    """Tokens/s of text_logprobs at several batch sizes and thread counts, alternating, two rounds."""
    pieces = sum(lm.count_pieces(t) + 1 for t in texts)
    settings = {f"fp32_batch{b}_threads{lm.config.threads}": replace(lm.config, batch_size=b) for b in SPEED_BATCHES}
    settings.update({f"fp32_batch8_threads{t}": replace(lm.config, batch_size=8, threads=t) for t in (1, 2)})
    variants = {name: LanguageModel(lm.model, lm.tokenizer, config) for name, config in settings.items()}
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(2):
        for name, variant in variants.items():
            start = time.perf_counter()
            variant.text_logprobs(texts)
            rates[name].append(pieces / (time.perf_counter() - start))
    return {"texts": len(texts), "pieces": pieces,
            "tokens_per_s": {name: [round(r) for r in values] for name, values in rates.items()}}


def suite_spans(rows: list[dict]) -> list[dict]:
    """Every one-for-one substitution of the suite's spun rows, in the spun text's offsets."""
    spans = []
    for row in rows:
        for sub in row["subs"]:
            if sub["clean"] and sub["spun"] and sub["clean"] != sub["spun"]:
                spans.append({"text": row["spun"], "start": sub["spun_start"], "end": sub["spun_end"],
                              "clean": sub["clean"], "spun": sub["spun"], "kind": sub["kind"]})
    return spans


def spread(items: list, n: int) -> list:
    """``n`` items taken at even steps (the suite is ordered by row; this keeps all rates in)."""
    if n >= len(items):
        return items
    return [items[i * len(items) // n] for i in range(n)]


def measure_prefix_cache(lm: LanguageModel, spans: list[dict], right_words: int) -> dict:
    """Candidate scoring with the left context cached vs run per candidate, same spans, alternating."""
    from repair.resources.thesaurus import Thesaurus

    thesaurus = Thesaurus.load()
    jobs = [(s["text"][:s["start"]], candidates_for(thesaurus, s, 10), s["text"][s["end"]:]) for s in spans]
    seconds = {True: 0.0, False: 0.0}
    worst = 0.0
    for left, candidates, right in jobs:
        results = {}
        for reuse in (True, False):
            start = time.perf_counter()
            results[reuse] = lm.score_candidates(left, candidates, right, right_words, reuse_prefix=reuse)
            seconds[reuse] += time.perf_counter() - start
        worst = max(worst, max(abs(a.logprob - b.logprob) for a, b in zip(results[True], results[False])))
    return {"spans": len(jobs), "candidates_per_span": round(statistics.mean(len(j[1]) for j in jobs), 1),
            "cached_s": round(seconds[True], 1), "uncached_s": round(seconds[False], 1),
            "speedup": round(seconds[False] / seconds[True], 2), "max_abs_diff_nats": worst}


def candidates_for(thesaurus, span: dict, limit: int) -> list[str]:
    """The spun word, its thesaurus originals (strongest first, case as spun), and the true original.

    The true original is added when the thesaurus misses it, so the ranking measures the LM,
    not the thesaurus' coverage (reported apart).
    """
    found = [match_case(span["spun"], o.text) for o in thesaurus.originals(span["spun"])][:limit]
    ordered = [span["spun"]] + [c for c in found if c != span["spun"]]
    return ordered if span["clean"] in ordered else ordered + [span["clean"]]


def measure_judging(lm: LanguageModel, spans: list[dict], right_words: int, limit: int) -> dict:
    """Original vs spun wording, and the original's rank among the thesaurus candidates.

    One candidate call per span (left context once, the spun word, its thesaurus originals and
    the true original, scored with ``right_words`` words of right context) gives the left-only
    score (candidate part) and the two-sided score; one more call scores the whole rest of the
    sentence for original and spun, which equals comparing the two whole sentences.
    """
    from repair.resources.thesaurus import Thesaurus

    thesaurus = Thesaurus.load()
    return summarize_judging([judge_span(lm, thesaurus, s, right_words, limit) for s in spans], right_words)


def judge_span(lm: LanguageModel, thesaurus, s: dict, right_words: int, limit: int) -> dict:
    """One span's judgement (see measure_judging): margins original minus spun, and its ranking.

    Kept per span so that scripts/compare_lms.py can alternate two models span by span.
    """
    left, right = s["text"][:s["start"]], s["text"][s["end"]:]
    candidates = candidates_for(thesaurus, s, limit)
    scores = {c.text: c for c in lm.score_candidates(left, candidates, right, right_words)}
    clean, spun = scores[s["clean"]], scores[s["spun"]]
    whole_clean, whole_spun = lm.score_candidates(left, [s["clean"], s["spun"]], right, right_words=10_000)
    changes = [c for c in scores.values() if c.text != s["spun"]]
    return {"margins": {"left_only": clean.candidate_logprob - spun.candidate_logprob,
                        f"right_{right_words}_words": clean.logprob - spun.logprob,
                        "whole_sentence": whole_clean.logprob - whole_spun.logprob},
            "candidates": len(candidates),
            "covered": s["clean"] in {match_case(s["spun"], o.text) for o in thesaurus.originals(s["spun"])},
            "first": max(scores.values(), key=lambda c: c.logprob).text == s["clean"],
            "first_change": max(changes, key=lambda c: c.logprob).text == s["clean"]}


def summarize_judging(judged: list[dict], right_words: int) -> dict:
    """The shares and median margins over spans judged by judge_span."""
    n = len(judged)
    names = ["left_only", f"right_{right_words}_words", "whole_sentence"]
    return {
        "spans": n,
        "original_beats_spun": {name: {"share": round(sum(j["margins"][name] > 0 for j in judged) / n, 3),
                                       "median_margin_nats": round(statistics.median(j["margins"][name] for j in judged), 2)}
                                for name in names},
        "thesaurus_ranking": {"original_in_thesaurus_originals": round(sum(j["covered"] for j in judged) / n, 3),
                              "mean_candidates_incl_spun_and_original": round(statistics.mean(j["candidates"] for j in judged), 1),
                              "original_ranks_first_incl_keeping_spun": round(sum(j["first"] for j in judged) / n, 3),
                              "original_ranks_first_among_changes": round(sum(j["first_change"] for j in judged) / n, 3)},
    }


def measure_tortured(lm: LanguageModel) -> list[dict]:
    """Original vs tortured phrase in carrier sentences: whole-sentence log-prob margin (nats)."""
    out = []
    for original, tortured in TORTURED:
        for carrier in CARRIERS:
            good, bad = lm.text_logprobs([carrier.format(original), carrier.format(tortured)])
            out.append({"original": original, "tortured": tortured, "sentence": carrier, "margin_nats": round(good - bad, 2)})
    return out


def measure_detection(lm: LanguageModel, rows: list[dict], limit: int = 10) -> dict:
    """Detector evidence from one pass per row: do thesaurus alternatives out-score spun words?

    Every word with thesaurus originals gets them as alternatives; its evidence is the best
    alternative's first-piece log-prob minus the word's own first-piece log-prob. A word is
    positive when it lies inside a substituted span. Reported: ranking AUC of that margin, of the
    best alternative's first piece against all the word's pieces (long rare spun words), of the
    word's own log-prob alone (the baseline), and precision/recall above a few margins.
    """
    from repair.resources.thesaurus import Thesaurus

    thesaurus = Thesaurus.load()
    alternatives, spun_sets = [], []
    for row in rows:
        tokens = words(row["spun"])
        alternatives.append({i: alts for i, t in enumerate(tokens) if (alts := _alternatives(thesaurus, t.text, limit))})
        spun_sets.append([(sub["spun_start"], sub["spun_end"]) for sub in row["subs"]])
    labels, margins, whole, own = [], [], [], []
    for scores, alts, subs in zip(lm.word_logprobs([r["spun"] for r in rows], alternatives), alternatives, spun_sets):
        for index in alts:
            word = scores.words[index]
            labels.append(any(start <= word.start < end for start, end in subs))
            best = max(lp for _, lp in word.alternatives)
            margins.append(best - word.first_logprob)
            whole.append(best - word.logprob)  # an alternative's first piece vs all of the word's pieces
            own.append(-word.logprob)
    thresholds = {}
    for cut in (0.0, 2.0, 4.0):
        flagged = [y for y, m in zip(labels, margins) if m > cut]
        thresholds[f"margin>{cut:g}"] = {"recall": round(sum(flagged) / max(1, sum(labels)), 3),
                                         "precision": round(sum(flagged) / max(1, len(flagged)), 3)}
    return {"rows": len(rows), "words_with_alternatives": len(labels), "substituted": sum(labels),
            "auc_alternative_margin": round(_auc(labels, margins), 3),
            "auc_alternative_vs_whole_word": round(_auc(labels, whole), 3),
            "auc_own_logprob": round(_auc(labels, own), 3),
            "by_margin": thresholds}


def _alternatives(thesaurus, word: str, limit: int) -> list[str]:
    found = [match_case(word, o.text) for o in thesaurus.originals(word)]
    return [a for a in dict.fromkeys(found) if a.lower() != word.lower()][:limit]


def _auc(labels: list[bool], scores: list[float]) -> float:
    """Probability that a positive scores above a negative (ties count half)."""
    pos = [s for y, s in zip(labels, scores) if y]
    neg = [s for y, s in zip(labels, scores) if not y]
    if not pos or not neg:
        return float("nan")
    ranked = sorted(scores)
    rank = {}
    for i, value in enumerate(ranked):  # average rank of ties
        rank.setdefault(value, []).append(i + 1)
    mean_rank = {v: sum(r) / len(r) for v, r in rank.items()}
    return (sum(mean_rank[s] for s in pos) - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def measure_int8(lm: LanguageModel, spans: list[dict], texts: list[str], right_words: int) -> dict:
    """int8 vs fp32 on the same spans: speed, score shift, and margins that change sign."""
    int8 = LanguageModel(_quantized(lm), lm.tokenizer, lm.config)
    pieces = sum(lm.count_pieces(t) + 1 for t in texts)
    rates: dict[str, list[float]] = {"fp32": [], "int8": []}
    for _ in range(2):
        for name, model in (("fp32", lm), ("int8", int8)):
            start = time.perf_counter()
            model.text_logprobs(texts)
            rates[name].append(pieces / (time.perf_counter() - start))
    shifts = [abs(a - b) for a, b in zip(lm.text_logprobs(texts), int8.text_logprobs(texts))]
    flips, wins = 0, {"fp32": 0, "int8": 0}
    for s in spans:
        margin = {}
        for name, model in (("fp32", lm), ("int8", int8)):
            clean, spun = model.score_candidates(s["text"][:s["start"]], [s["clean"], s["spun"]], s["text"][s["end"]:], right_words)
            margin[name] = clean.logprob - spun.logprob
            wins[name] += margin[name] > 0
        flips += (margin["fp32"] > 0) != (margin["int8"] > 0)
    return {"tokens_per_s": {k: [round(r) for r in v] for k, v in rates.items()},
            "sentence_logprob_shift_nats": {"median": round(statistics.median(shifts), 2), "max": round(max(shifts), 2)},
            "spans": len(spans), "margin_sign_flips": flips,
            "original_wins": {k: round(v / len(spans), 3) for k, v in wins.items()}}


def _quantized(lm: LanguageModel):
    from repair.lm.quantize import quantize_int8

    return quantize_int8(lm.model)


if __name__ == "__main__":
    sys.exit(main())
