"""Tune and measure the restorer kind ``seq2seq+lm``: the pretrained LM as one more expert.

Every region's candidates are scored once by all four experts (decoder, pair/thesaurus prior,
corpus trigrams, LM) and cached; the weights are then a grid search over the cached scores.

* ``score-tune``: a tuning set no expert has seen: paragraphs of the corpus articles the n-gram
  counts left out (``holdout_article_ids``), spun by the project's spinner (preset ``broad``,
  rates 0.1-0.45); regions = the gold spans plus some over-flagged clean words (the copy must win).
* ``score-suite``: the same for a sample of the committed synthetic suite (the test set), gold spans.
* ``fit``: grid search for edit F0.5 at confidence 0.5 on the tuning rows; the threshold for edit
  precision >= 0.9; writes ``models/restorer/lm.json`` with ``--write``.
* ``compare``: the shipped combination vs the tuned LM combination on the cached suite rows,
  word-level (restoration, edit precision/recall/F0.5, damage), with LM pieces per second.

    python scripts/tune_lm_restorer.py score-tune --paragraphs 80 --out /tmp/lm_tune.pkl
    python scripts/tune_lm_restorer.py score-suite --rows 80 --out /tmp/lm_suite.pkl
    python scripts/tune_lm_restorer.py fit /tmp/lm_tune.pkl --write
    python scripts/tune_lm_restorer.py compare /tmp/lm_suite.pkl --tune /tmp/lm_tune.pkl --out eval/reports/restorer_lm.json
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import pickle
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repair import text as textutil  # noqa: E402
from repair.evaluate.metrics import WORD_STATS, word_statistics  # noqa: E402
from repair.lm import LanguageModel, LMConfig, default_cache_dir  # noqa: E402
from repair.merge.edits import apply_edits, merge_edits  # noqa: E402
from repair.paths import REPO_ROOT, corpus_path, models_dir  # noqa: E402
from repair.resources.ngram import holdout_article_ids  # noqa: E402
from repair.resources.shared import Resources  # noqa: E402
from repair.restore.seq2seq import Seq2SeqRestorer  # noqa: E402
from repair.restore.seq2seq.candidates import normalise_phrase  # noqa: E402
from repair.restore.seq2seq.choosing import choice_edit, choose  # noqa: E402
from repair.restore.seq2seq.lm_expert import LazyLanguageModel  # noqa: E402
from repair.results import Span  # noqa: E402
from repair.synth.spin import SOURCE_PRESETS, SpinConfig, Spinner  # noqa: E402

KEYS = ("decoder_weight", "prior_weight", "ngram_weight", "lm_weight")
SHIPPED_KEYS = (*KEYS[:3], "copy_bonus", "temperature")
NEGATIVE_RATE = 0.1


def load_restorer(resources: Resources) -> Seq2SeqRestorer:
    lm = LazyLanguageModel.of(LanguageModel.load(default_cache_dir(), LMConfig(threads=1)))
    return Seq2SeqRestorer.from_pretrained(models_dir() / "restorer", resources, lm=lm,
                                           settings={"lm_weight": 1.0, "ngram_weight": 2.0})


def tuning_rows(resources: Resources, limit: int, seed: int = 14) -> list[dict]:
    """Spun paragraphs (with their substitutions) of the n-gram-unseen articles."""
    held = holdout_article_ids(models_dir(), corpus_path("train"))
    spinner = Spinner(resources.thesaurus, SpinConfig(sources=dict(SOURCE_PRESETS["broad"])))
    rng = random.Random(seed)
    rows = []
    with gzip.open(corpus_path("train"), "rt", encoding="utf-8") as lines:
        for line in lines:
            article = json.loads(line)
            if held is not None and article["id"] not in held:
                continue
            paras = [p.text for p in textutil.paragraphs(article["text"]) if 20 <= textutil.count_words(p.text) <= 120]
            for para in rng.sample(paras, min(2, len(paras))):
                spun = spinner.spin(para, seed=len(rows), rate=rng.uniform(0.1, 0.45))
                subs = [s.to_dict() for s in spun.substitutions]
                if subs:
                    rows.append({"id": article["id"], "clean": para, "spun": spun.spun, "subs": subs})
            if len(rows) >= limit:
                return rows
    return rows


def row_spans(row: dict, rng: random.Random | None) -> list[Span]:
    spans = [Span(s["spun_start"], s["spun_end"], s["spun"], 1.0, "gold") for s in row["subs"] if s["spun_end"] > s["spun_start"]]
    if rng is not None:
        for word in textutil.words(row["spun"]):
            if word.text.isalpha() and rng.random() < NEGATIVE_RATE and not any(
                    s.start < word.end and word.start < s.end for s in spans):
                spans.append(Span(word.start, word.end, word.text, 1.0, "negative"))
    return sorted(spans, key=lambda s: s.start)


def region_gold(row: dict, start: int, end: int) -> str | None:
    """The original of ``spun[start:end]`` (substitutions inside put back); None if one crosses it."""
    out, cursor = [], start
    for s in sorted(row["subs"], key=lambda s: s["spun_start"]):
        if s["spun_end"] <= start or s["spun_start"] >= end:
            continue
        if s["spun_start"] < start or s["spun_end"] > end:
            return None
        out.append(row["spun"][cursor : s["spun_start"]] + s["clean"])
        cursor = s["spun_end"]
    out.append(row["spun"][cursor:end])
    return normalise_phrase("".join(out))


def score_rows(restorer: Seq2SeqRestorer, rows: list[dict], negatives: bool) -> dict:
    rng = random.Random(3) if negatives else None
    scored, started = [], time.perf_counter()
    for i, row in enumerate(rows):
        windows, jobs = restorer.jobs(row["spun"], row_spans(row, rng))
        regions = restorer.score_jobs(windows, jobs, row["spun"]) if jobs else []
        scored.append([(r, region_gold(row, r.start, r.end)) for r in regions])
        if i % 10 == 0:
            print(f"{i}/{len(rows)} rows, {time.perf_counter() - started:.0f} s, LM {restorer.lm.pieces_scored} pieces in {restorer.lm.seconds:.0f} s", flush=True)
    return {"rows": rows, "scored": scored, "seconds": time.perf_counter() - started,
            "lm_pieces": restorer.lm.pieces_scored, "lm_seconds": restorer.lm.seconds,
            "words": sum(textutil.count_words(r["spun"]) for r in rows)}


def features(scored) -> tuple[np.ndarray, ...]:
    flat = [(s, g) for row in scored for s, g in row if g is not None]
    width = max(len(s.candidates) for s, _ in flat)
    feats = np.zeros((len(KEYS), len(flat), width))
    valid = np.zeros((len(flat), width), dtype=bool)
    same = np.zeros((len(flat), width), dtype=bool)
    gold = np.full(len(flat), -1)
    changed = np.zeros(len(flat), dtype=bool)
    for r, (s, target) in enumerate(flat):
        n = len(s.candidates)
        for k, values in enumerate((s.model_logprob, s.prior_logprob, s.ngram_logprob, s.lm_logprob)):
            if values:
                feats[k, r, :n] = values
        valid[r, :n] = True
        spun = normalise_phrase(s.old)
        same[r, :n] = [c == spun for c in s.candidates]
        gold[r] = s.candidates.index(target) if target in s.candidates else -1
        changed[r] = target != spun
    return feats, valid, same, gold, changed


def decide(table, w: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    feats, valid, same, gold, changed = table
    total = np.tensordot(np.array([w.get(k, 0.0) for k in KEYS]), feats, axes=1)
    total[:, 0] += w["copy_bonus"]
    total = np.where(valid, total / w["temperature"], -np.inf)
    best = total.argmax(axis=1)
    rows = np.arange(len(best))
    confidence = 1.0 / np.exp(total - total[rows, best][:, None]).sum(axis=1)
    edited = (best != 0) & ~same[rows, best]
    return best, confidence, edited


def metrics(table, w: dict, threshold: float = 0.5) -> dict:
    _, _, _, gold, changed = table
    best, confidence, edited = decide(table, w)
    edited = edited & (confidence >= threshold)
    right = edited & (best == gold)
    tp, fp, fn = int(right.sum()), int((edited & ~right).sum()), int((changed & ~right).sum())
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {"precision": p, "recall": r, "f05": 1.25 * p * r / (0.25 * p + r) if p + r else 0.0,
            "edits": tp + fp, "right": tp, "wrong": fp, "regions": len(gold), "changed": int(changed.sum())}


def precision_threshold(table, w: dict, target: float = 0.9) -> dict:
    for t in np.arange(0.3, 1.0, 0.02):
        m = metrics(table, w, float(t))
        if m["precision"] >= target and m["edits"]:
            return {"threshold": round(float(t), 2), **m}
    return {"threshold": None}


def grid_search(table) -> dict:
    grid = {"decoder_weight": (0.0, 0.5, 1.0), "prior_weight": (0.0, 0.5, 1.0, 1.5),
            "ngram_weight": (0.0, 0.5, 1.0, 2.0), "lm_weight": (0.0, 0.5, 1.0, 1.5, 2.0, 3.0),
            "copy_bonus": (0.0, 1.0, 2.0, 3.0, 5.0, 7.0, 9.0), "temperature": (1.0, 2.0, 3.0, 5.0, 7.0)}
    best = {"f05": -1.0}
    for values in itertools.product(*grid.values()):
        w = dict(zip(grid, values))
        if not any(w[k] for k in KEYS):
            continue
        m = metrics(table, w)
        if m["f05"] > best["f05"] + 1e-9:
            best = {**m, **w}
    return best


def shipped_weights(resources_root: Path) -> dict:
    config = json.loads((resources_root / "restorer" / "config.json").read_text())
    return {k: config[k] for k in SHIPPED_KEYS} | {"lm_weight": 0.0}


def word_level(cache: dict, w: dict, threshold: float) -> dict:
    """Restoration, damage and edit F0.5 as repair.train.restorer_eval computes them, from cached scores."""
    totals = np.zeros(len(WORD_STATS))
    for row, regions in zip(cache["rows"], cache["scored"]):
        edits = []
        for s, _ in regions:
            choice = choose(s, w["prior_weight"], w["copy_bonus"], w["temperature"], decoder_weight=w["decoder_weight"],
                            ngram_weight=w["ngram_weight"], lm_weight=w["lm_weight"])
            edit = choice_edit(s, choice)
            if edit:
                edits.append(edit)
        repaired = apply_edits(row["spun"], merge_edits(edits, min_confidence=threshold))
        totals += word_statistics(row["spun"], repaired, row["clean"])
    st = dict(zip(WORD_STATS, totals.tolist()))
    p = st["edit_tp"] / max(1.0, st["edit_tp"] + st["edit_fp"])
    r = st["edit_tp"] / max(1.0, st["edit_tp"] + st["edit_fn"])
    return {"restoration": st["spans_restored"] / max(1.0, st["spans"]), "edit_precision": p, "edit_recall": r,
            "edit_f05": 1.25 * p * r / (0.25 * p + r) if p + r else 0.0,
            "damage_per_1000": 1000 * st["damaged"] / max(1.0, st["correct"]), **st}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=["score-tune", "score-suite", "fit", "compare"])
    parser.add_argument("cache", nargs="?", type=Path)
    parser.add_argument("--paragraphs", type=int, default=80)
    parser.add_argument("--rows", type=int, default=80)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--tune", type=Path)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    if args.step in ("score-tune", "score-suite"):
        resources = Resources.load(models_dir())
        restorer = load_restorer(resources)
        if args.step == "score-tune":
            rows, negatives = tuning_rows(resources, args.paragraphs), True
        else:
            suite = [json.loads(line) for line in (REPO_ROOT / "eval/suites/synthetic/test.jsonl").open()]
            rows, negatives = random.Random(0).sample([r for r in suite if r["subs"]], args.rows), False
        cache = score_rows(restorer, rows, negatives)
        args.out.write_bytes(pickle.dumps(cache))
        print(f"{len(rows)} rows, {cache['words']} words, {cache['seconds']:.0f} s; LM {cache['lm_pieces']} pieces, {cache['lm_seconds']:.0f} s")
        return 0
    cache = pickle.loads(args.cache.read_bytes())
    if args.step == "fit":
        table = features(cache["scored"])
        shipped = shipped_weights(models_dir())
        best = grid_search(table)
        weights = {k: best[k] for k in (*KEYS, "copy_bonus", "temperature")}
        no_lm = grid_search_without_lm(table)
        report = {"regions": len(table[3]), "changed": int(table[4].sum()),
                  "gold_among_candidates": float((table[3] >= 0)[table[4]].mean()),
                  "shipped": {**metrics(table, shipped), "weights": shipped, "p90": precision_threshold(table, shipped)},
                  "retuned_without_lm": no_lm,
                  "tuned": {**metrics(table, weights), "weights": weights, "p90": precision_threshold(table, weights)}}
        print(json.dumps(report, indent=1))
        if args.write:
            (models_dir() / "restorer" / "lm.json").write_text(json.dumps(
                {**weights, "_tuned_on": "scripts/tune_lm_restorer.py fit", "_tuning": report}, indent=1) + "\n")
        return 0
    tune = pickle.loads(args.tune.read_bytes()) if args.tune else None
    lm_settings = {k: v for k, v in json.loads((models_dir() / "restorer" / "lm.json").read_text()).items() if not k.startswith("_")}
    shipped = shipped_weights(models_dir())
    lm_threshold = json.loads((models_dir() / "restorer" / "lm.json").read_text())["_tuning"]["tuned"]["p90"]["threshold"]
    table = features(cache["scored"])
    tuning = json.loads((models_dir() / "restorer" / "lm.json").read_text())["_tuning"]
    old_threshold = tuning["shipped"]["p90"]["threshold"]
    no_lm = {k: tuning["retuned_without_lm"][k] for k in (*KEYS, "copy_bonus", "temperature")}
    report = {"suite_sample_rows": len(cache["rows"]), "spans": "gold", "regions": len(table[3]),
              "old": {"weights": shipped, "threshold_0.5": word_level(cache, shipped, 0.5), "regions": metrics(table, shipped),
                      f"threshold_{old_threshold}": word_level(cache, shipped, old_threshold) if old_threshold else None},
              "retuned_without_lm": {"weights": no_lm, "threshold_0.5": word_level(cache, no_lm, 0.5), "regions": metrics(table, no_lm)},
              "lm": {"weights": lm_settings, "threshold_0.5": word_level(cache, lm_settings, 0.5), "regions": metrics(table, lm_settings),
                     f"threshold_{lm_threshold}": word_level(cache, lm_settings, lm_threshold) if lm_threshold else None},
              "speed": {name: {"words": c["words"], "seconds_all_experts": c["seconds"], "lm_pieces": c["lm_pieces"],
                               "lm_seconds": c["lm_seconds"], "lm_pieces_per_s": c["lm_pieces"] / max(1e-9, c["lm_seconds"]),
                               "lm_pieces_per_word": c["lm_pieces"] / max(1, c["words"])}
                        for name, c in (("suite", cache), ("tune", tune)) if c}}
    print(json.dumps(report, indent=1))
    if args.out:
        old = json.loads(args.out.read_text()) if args.out.exists() else {}
        args.out.write_text(json.dumps({**old, "gold_spans_suite_sample": report}, indent=1) + "\n")
    return 0


def grid_search_without_lm(table) -> dict:
    feats = table[0].copy()
    feats[3] = 0.0
    return grid_search((feats, *table[1:]))


if __name__ == "__main__":
    raise SystemExit(main())
