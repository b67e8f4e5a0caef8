"""Measuring detectors for the model card: word-level P/R/F1, passage AUC, clean flags, seeds.

``evaluate_detector`` scores any detector by its reported spans, so the tagger, the lexicon
detector, their fusion and the cascade compare alike; ``evaluate_rows`` looks inside the tagger
(word probabilities, per spin rate). Seeds are measured, never trained on.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

import numpy as np

from repair.detect.tagger import Tagger, units
from repair.evaluate.metrics import roc_auc
from repair.text import overlaps, paragraphs
from repair.train.detector_data import word_labels
from repair.train.detector_fit import predict_rows, prf


def fmt(value, digits: int = 3) -> str:
    """A metric for a table or log line; ``n/a`` when it is undefined (None)."""
    return "n/a" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.{digits}f}"


def _recall_entry(flagged: int, total: int) -> dict:
    return {"flagged": flagged, "total": total, "recall": flagged / total if total else None}


def evaluate_detector(detector, rows: Sequence[dict]) -> dict:
    """Span-based metrics of any detector (``detect_batch``).

    A word (``repair.detect.tagger.units``) counts as flagged when a reported span overlaps it.
    """
    started = time.time()
    reports = detector.detect_batch([r["spun"] for r in rows])
    seconds = time.time() - started
    tp = fp = fn = clean_flags = clean_words = 0
    counts = {"held_out": [0, 0], "seen": [0, 0]}
    for row, report in zip(rows, reports):
        words = [u for u in units(row["spun"]) if u.is_word]
        gold = word_labels(row["spun"], words, row["subs"])
        flagged = [any(overlaps(s.start, s.end, w.start, w.end) for s in report.spans) for w in words]
        if not row["subs"]:
            clean_flags += sum(flagged)
            clean_words += len(words)
            continue
        tp += sum(f and g for f, g in zip(flagged, gold))
        fp += sum(f and not g for f, g in zip(flagged, gold))
        fn += sum(g and not f for f, g in zip(flagged, gold))
        for sub in row["subs"]:
            key = "held_out" if sub.get("held_out") else "seen"
            counts[key][0] += int(any(overlaps(s.start, s.end, sub["spun_start"], sub["spun_end"]) for s in report.spans))
            counts[key][1] += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "rows": len(rows),
        "token": {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn},
        "passage_auc": roc_auc([r.score for r in reports], [bool(r["subs"]) for r in rows]),
        "clean_flagged_per_1000": clean_flags / clean_words * 1000 if clean_words else None,
        "clean_words": clean_words,
        "recall_by_type": {k: _recall_entry(a, n) for k, (a, n) in counts.items()},
        "words_per_second": sum(r.words for r in reports) / seconds if seconds else None,
    }


def evaluate_rows(tagger: Tagger, rows: Sequence[dict]) -> dict:
    """Token P/R/F1 (overall, per rate, held-out substitutions), clean flag rate and passage AUC."""
    preds = predict_rows(tagger, rows)
    threshold = tagger.settings.word_threshold
    scores = [tagger.settings.calibrator.score(p) for p, _ in preds]
    spun_rows = [i for i, r in enumerate(rows) if r["subs"]]
    clean_rows = [i for i, r in enumerate(rows) if not r["subs"]]

    def joined(indices: list[int], part: int) -> np.ndarray:
        return np.concatenate([preds[i][part] for i in indices]) if indices else np.zeros(0)

    result = {"rows": len(rows), "word_threshold": threshold, "token": prf(joined(spun_rows, 0), joined(spun_rows, 1), threshold)}
    clean_probs = joined(clean_rows, 0)
    result["clean_flagged_per_1000"] = float((clean_probs >= threshold).mean() * 1000) if clean_probs.size else None
    result["clean_words"] = int(clean_probs.size)
    result["passage_auc"] = roc_auc(scores, [bool(r["subs"]) for r in rows])
    by_rate: dict[float, list[int]] = {}
    for i, r in enumerate(rows):
        by_rate.setdefault(round(float(r.get("rate", 0.0)), 3), []).append(i)
    result["by_rate"] = {}
    for rate, indices in sorted(by_rate.items()):
        spun_indices = [i for i in indices if rows[i]["subs"]]
        entry = {"rows": len(indices), "token": prf(joined(spun_indices, 0), joined(spun_indices, 1), threshold)}
        if rate > 0 and clean_rows:
            entry["passage_auc_vs_clean"] = roc_auc([scores[i] for i in indices + clean_rows], [True] * len(indices) + [False] * len(clean_rows))
        result["by_rate"][str(rate)] = entry
    result["held_out_recall"] = held_out_recall(rows, preds, threshold)
    return result


def held_out_recall(rows: Sequence[dict], preds, threshold: float) -> dict:
    """Share of substitutions flagged (any overlapping word at ``threshold``), split by ``held_out``."""
    counts = {"held_out": [0, 0], "seen": [0, 0]}
    for row, (probs, _) in zip(rows, preds):
        words = [u for u in units(row["spun"]) if u.is_word]
        for sub in row["subs"]:
            key = "held_out" if sub.get("held_out") else "seen"
            hit = any(probs[i] >= threshold for i, w in enumerate(words) if overlaps(w.start, w.end, sub["spun_start"], sub["spun_end"]))
            counts[key][0] += int(hit)
            counts[key][1] += 1
    return {k: _recall_entry(a, n) for k, (a, n) in counts.items()}


def seed_report(detector, documents: dict[str, str], substitutions: Sequence[tuple[str, str]] = ()) -> dict:
    """Document scores (the most suspicious paragraph decides) and flagged words of seed texts.

    Args:
        detector: the detector to measure.
        documents: name -> text.
        substitutions: (original, spun) pairs estimated for the spun seed (name starting with
            003); how many of their spun forms fall in flagged spans is reported, measurement only.
    """
    report = {}
    for name, text in documents.items():
        paras = [p.text for p in paragraphs(text)]
        results = detector.detect_batch(paras)
        flagged = [s.text for r in results for s in r.spans]
        report[name] = {
            "score": max((r.score for r in results), default=0.0),
            "words": sum(r.words for r in results),
            "flagged_words": sum(len(t.split()) for t in flagged),
            "flagged": flagged,
        }
        if substitutions and name.startswith("003"):
            report[name]["substitutions"] = count_flagged_substitutions(paras, results, substitutions)
    return report


def count_flagged_substitutions(paras: Sequence[str], results, substitutions) -> dict:
    """Occurrences of the estimated spun forms, and how many fall inside a flagged span."""
    found = flagged = 0
    missed: dict[str, int] = {}
    for paragraph, result in zip(paras, results):
        for spun in sorted({s for _, s in substitutions}):
            for match in re.finditer(r"(?<![\w-])" + re.escape(spun) + r"(?![\w-])", paragraph):
                found += 1
                if any(overlaps(s.start, s.end, match.start(), match.end()) for s in result.spans):
                    flagged += 1
                else:
                    missed[spun] = missed.get(spun, 0) + 1
    top_missed = sorted(missed.items(), key=lambda kv: -kv[1])[:15]
    return {"occurrences": found, "flagged": flagged, "top_missed": top_missed}


def summary(result: dict) -> str:
    """One log line of an evaluated set."""
    token = result["token"]
    return (f"token P {token['precision']:.3f} R {token['recall']:.3f} F1 {token['f1']:.3f}; passage AUC {fmt(result['passage_auc'])}; "
            f"clean flags/1000 {fmt(result['clean_flagged_per_1000'], 2)}")


def compare_detectors(detectors: dict, sets: dict[str, list[dict]], seeds: dict[str, str], seed_substitutions,
                      log: Callable[[str], None]) -> dict:
    """Span-based metrics of each detector on the same row sets, plus seed document scores."""
    result = {}
    for name, detector in detectors.items():
        entry = {key: evaluate_detector(detector, rows) for key, rows in sets.items() if rows}
        for key, value in entry.items():
            log(f"{name} on {key}: {summary(value)}; held-out recall {fmt(value['recall_by_type']['held_out']['recall'])}")
        if seeds:
            entry["seeds"] = seed_report(detector, seeds, seed_substitutions)
            log(f"{name} seeds: " + ", ".join(f"{k[:3]} {v['score']:.3f}" for k, v in entry["seeds"].items()))
        result[name] = entry
    return result
