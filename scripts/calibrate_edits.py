"""Calibrate edit confidence on validation rows no expert has seen, and choose the default threshold.

    python scripts/calibrate_edits.py                          # kind seq2seq -> models/restorer/calibration.json
    python scripts/calibrate_edits.py --restorer seq2seq+lm    # -> models/restorer/calibration_lm.json
    python scripts/calibrate_edits.py --suite [--limit N]      # then the committed suite: line-ups in one run

Rows. The validation-split articles (``repair.synth.data``: article-id hash below
``validation_share``) among the first 400 articles of news.jsonl.gz, which the trigram counts
left out (``holdout_article_ids``); the decoder and detector trained on the train split only. Their
paragraph chunks are noised as ``unspin data build`` noises them (``Noiser.row``: clean, spinner at
the suite's rates with preset ``broad``, or MT garble, by hash of the chunk id), each chunk
``--variants`` times under the ids ``<chunk>~<k>`` (k = 0 is the data build's own row). The
test split (and so the committed suite) is never read for fitting.

Steps (fixed seeds: the noise is hashed from ids, the bootstrap seed is 12345):
  1. run the pipeline with raw confidences and no threshold; judge every edit alone against the
     clean text (``repair.evaluate.collect.judge_edits``); fit one isotonic map per source;
  2. run it again with those maps: edits the document profile adds to repeats (source
     ``document``) carry pooled calibrated confidences; fit their map the same way when there are
     enough of them;
  3. take the lowest grid threshold (0.50..0.99) at which the pass-2 edits kept are right at least
     ``--target`` of the time (each edit judged alone), and confirm it with one real run (twice
     more, asking the curve for the shortfall, when the real run falls short);
  4. score every grid threshold end to end with the harness (exact-span edit precision,
     restoration, damage) from the pass-2 edits filtered by confidence, calibrated sources by the
     threshold and the others at their floor (``RepairConfig.uncalibrated_min_confidence``), as
     the pipeline filters them, with no further model runs (``KeptEdits``);
  5. write the maps, the threshold and what was measured to the kind's calibration file.
ECE is reported in-sample and 2-fold cross-fitted by article (the honest validation number).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from repair.evaluate import metrics as M
from repair.evaluate.collect import judge_edits
from repair.evaluate.harness import EvalConfig, evaluate
from repair.evaluate.pairs import Pair, parse_pair, suite_path
from repair.evaluate.systems import DO_NOTHING, SYSTEM, RepairerSystem, SystemOutput
from repair.merge.calibration import EditCalibration, calibration_path, fit_calibration
from repair.merge.edits import apply_edits, confident_edits
from repair.paths import corpus_path, models_dir
from repair.pipeline.config import RepairConfig
from repair.pipeline.repairer import Repairer
from repair.resources.ngram import holdout_article_ids
from repair.results import RepairResult
from repair.resources.thesaurus import Thesaurus
from repair.synth.corpus import read_articles
from repair.synth.data import DataConfig, Noiser, chunk_article, fraction

TODAY = 0.5  # the threshold on raw confidences before calibration
FLOOR = RepairConfig.uncalibrated_min_confidence  # sources without a map keep it at every threshold


def validation_rows(variants: int) -> list[dict]:
    """Noised validation chunks of the n-gram hold-out articles (module docstring)."""
    config = DataConfig()
    held = holdout_article_ids(models_dir(), corpus_path("train"))
    if held is None:
        raise SystemExit("the n-gram counts do not name their hold-out articles (models/ngram/meta.json)")
    noiser = Noiser(Thesaurus.load(models_dir() / "thesaurus"), config)
    rows = []
    for article in read_articles(corpus_path("train"), len(held)):
        if fraction(article["id"], "validation") >= config.validation_share:
            continue
        for k, chunk in enumerate(chunk_article(article["text"], config.max_words, config.min_words)):
            for variant in range(variants):
                chunk_id = f"{article['id']}#p{k}" + (f"~{variant}" if variant else "")
                rows.append({**noiser.row(chunk_id, chunk, "validation"), "article": article["id"]})
    return rows


def as_pairs(rows: Sequence[dict]) -> list[Pair]:
    return [parse_pair(json.dumps(row), n) for n, row in enumerate(rows, 1)]


def line_up(repairer: Repairer, calibration: EditCalibration | None, min_confidence: float,
            uncalibrated_min_confidence: float = RepairConfig.uncalibrated_min_confidence) -> Repairer:
    """The same components with another calibration and thresholds."""
    config = replace(repairer.config, min_confidence=min_confidence, uncalibrated_min_confidence=uncalibrated_min_confidence)
    return Repairer(detector=repairer.detector, glossary=repairer.glossary, restorers=repairer.restorers, gate=repairer.gate,
                    phrases=repairer.phrases, config=config, archive=repairer.archive, calibration=calibration)


def repair_rows(repairer: Repairer, rows: Sequence[dict], batch: int = 16) -> list[RepairResult]:
    results: list[RepairResult] = []
    for i in range(0, len(rows), batch):
        results += repairer.repair_batch([r["spun"] for r in rows[i : i + batch]])
    return results


def judged_edits(rows: Sequence[dict], results: Sequence[RepairResult]) -> list[tuple[str, float, bool, str]]:
    """(source, confidence, right, article) of every edit the pipeline made on the rows."""
    records = []
    for row, result in zip(rows, results):
        verdicts = judge_edits(row["spun"], row["clean"], result.edits)
        records += [(e.source, e.confidence, ok, row["article"]) for e, ok in zip(result.edits, verdicts)]
    return records


class KeptEdits:
    """A pipeline's outputs at a higher threshold, without running it again: its edits at threshold 0
    (with the calibration applied) filtered by confidence and applied to the source.

    Close to, not the same as, a run at that threshold: a document's repeats are pooled from the
    edits kept at the threshold. The chosen threshold is confirmed by a real run.
    """

    def __init__(self, results_by_id: dict[str, RepairResult], threshold: float, calibration: EditCalibration | None,
                 uncalibrated_min_confidence: float | None = FLOOR):
        self.results_by_id = results_by_id
        self.threshold = threshold
        self.calibration = calibration
        self.floor = uncalibrated_min_confidence

    def run(self, batch: Sequence[Pair]) -> list[SystemOutput]:
        outputs = []
        for pair in batch:
            kept = tuple(confident_edits(self.results_by_id[pair.id].edits, self.threshold, self.calibration, self.floor))
            outputs.append(SystemOutput(apply_edits(pair.source, kept), None, kept))
        return outputs


def ece(records: Sequence[tuple]) -> float | None:
    return M.expected_calibration_error(M.reliability_table([r[1] for r in records], [r[2] for r in records]))


def cross_fitted(raw: Sequence[tuple], min_edits: int) -> list[tuple]:
    """Each article's edits calibrated by maps fitted on the other half of the articles (2 folds)."""
    articles = sorted({r[3] for r in raw})
    fold = {a: fraction(a, "calibration-fold") < 0.5 for a in articles}
    out = []
    for side in (True, False):
        calibration = fit_calibration([r[:3] for r in raw if fold[r[3]] != side], min_edits=min_edits)
        out += [(s, calibration.maps[s](c) if s in calibration.maps else c, ok, a) for s, c, ok, a in raw if fold[a] == side]
    return out


def precision_curve(records: Sequence[tuple], calibrated_sources: set[str]) -> dict[float, tuple[int, float]]:
    """Threshold -> (edits kept, share right) on the grid 0.50..0.99 (other sources at their floor)."""
    curve = {}
    for t in np.round(np.arange(0.5, 1.0, 0.01), 2):
        kept = [r for r in records if r[1] >= (t if r[0] in calibrated_sources else FLOOR)]
        curve[float(t)] = (len(kept), sum(r[2] for r in kept) / len(kept) if kept else 1.0)
    return curve


def scores(report: dict, name: str) -> dict:
    metrics = report["systems"][name]["metrics"]
    out = {key: round(metrics[key]["score"], 2) for key in ("restoration", "edit_p", "edit_r", "edit_f05", "damage", "chrf")}
    calibration = report.get("calibration", {}).get(name)
    out["ece"] = round(calibration["ece"], 4) if calibration and calibration["ece"] is not None else None
    out["edits"] = calibration["edits"] if calibration else 0
    return out


def run_harness(pairs: Sequence[Pair], systems: dict, bootstrap: int = 200) -> dict:
    return evaluate(pairs, systems, config=EvalConfig(bootstrap=bootstrap, worst=0)).report


def calibrate(repairer: Repairer, rows: list[dict], options: argparse.Namespace) -> tuple[EditCalibration, dict]:
    from repair.evaluate.systems import DoNothing

    tick = time.perf_counter()
    first_results = repair_rows(line_up(repairer, None, 0.0, 0.0), rows)
    raw = judged_edits(rows, first_results)
    first = fit_calibration([r[:3] for r in raw if r[0] != "document"], min_edits=options.min_edits)
    print(f"pass 1: {len(raw)} edits judged in {time.perf_counter() - tick:.0f}s; maps for {sorted(first.maps)}", file=sys.stderr)
    tick = time.perf_counter()
    second_results = repair_rows(line_up(repairer, first, 0.0, 0.0), rows)
    second = judged_edits(rows, second_results)
    document = fit_calibration([r[:3] for r in second if r[0] == "document"], min_edits=options.min_edits)
    calibration = EditCalibration({**first.maps, **document.maps}, TODAY)
    calibrated = [(s, calibration.maps[s](c) if s == "document" and s in calibration.maps else c, ok, a) for s, c, ok, a in second]
    print(f"pass 2: {len(second)} edits ({sum(r[0] == 'document' for r in second)} document) in "
          f"{time.perf_counter() - tick:.0f}s", file=sys.stderr)
    curve = precision_curve(calibrated, set(calibration.maps))

    # Every grid threshold scored end to end by the harness from the pass-2 edits (no model runs),
    # with today's line-up (raw confidences, threshold 0.5) from pass 1 beside them.
    pairs = as_pairs(rows)
    second_by_id = {pair.id: result for pair, result in zip(pairs, second_results)}
    first_by_id = {pair.id: result for pair, result in zip(pairs, first_results)}
    grid = [t for t in curve if curve[t][0] > 0]
    systems = {f"kept>={t:.2f}": KeptEdits(second_by_id, t, calibration) for t in grid}
    systems["today"] = KeptEdits(first_by_id, TODAY, None, None)
    systems[DO_NOTHING] = DoNothing()
    tick = time.perf_counter()
    report = run_harness(pairs, systems, bootstrap=0)
    filtered = {t: scores(report, f"kept>={t:.2f}") for t in grid}
    print(f"harness on {len(grid)} filtered line-ups in {time.perf_counter() - tick:.0f}s", file=sys.stderr)

    # The lowest threshold at which the edits kept are right often enough, each edit judged alone
    # (the calibration's own question: "is this edit right?"), confirmed by a real run; when the
    # real run falls short, ask the curve for the shortfall more, twice at most. The harness's
    # exact-span edit precision (stricter: a partial fix of a multi-word swap counts as wrong) is
    # reported beside it for every threshold.
    wanted, tried = options.target, set()
    for attempt in range(3):
        threshold = next((t for t in grid if curve[t][1] >= wanted), grid[-1] if grid else 0.99)
        if threshold in tried:
            break  # the curve has nothing higher to offer: the target is out of reach
        tried.add(threshold)
        tick = time.perf_counter()
        confirmed = repair_rows(line_up(repairer, calibration, threshold), rows)
        judged = judged_edits(rows, confirmed)
        judged_precision = sum(r[2] for r in judged) / len(judged) if judged else 1.0
        kept = {pair.id: result for pair, result in zip(pairs, confirmed)}
        confirm = run_harness(pairs, {SYSTEM: KeptEdits(kept, 0.0, calibration, 0.0), DO_NOTHING: DoNothing()}, bootstrap=0)
        measured = {**scores(confirm, SYSTEM), "judged_edit_precision": round(judged_precision, 4), "judged_edits": len(judged)}
        print(f"threshold {threshold:.2f}: validation end to end {measured} ({time.perf_counter() - tick:.0f}s)", file=sys.stderr)
        if judged_precision >= options.target:
            break
        wanted += options.target - judged_precision + 0.005
    by_source = {s: {"edits": sum(r[0] == s for r in raw), "right": round(float(np.mean([r[2] for r in raw if r[0] == s])), 4)}
                 for s in sorted({r[0] for r in raw})}
    meta = {
        "made_by": "scripts/calibrate_edits.py", "restorer": repairer.config.restorer,
        "rows": len(rows), "clean_rows": sum(r["noise"] == "none" for r in rows), "variants": options.variants,
        "articles": len({r["article"] for r in rows}),
        "rows_from": "validation split of the first 400 articles of news.jsonl.gz (n-gram hold-out), noised as unspin data build",
        "judged_edits_raw": by_source, "min_edits_per_map": options.min_edits, "binning": "10 equal-width bins",
        "ece_raw": round(ece(raw), 4), "ece_in_sample": round(ece(calibrated), 4),
        "ece_cross_fitted": round(ece(cross_fitted(raw, options.min_edits)), 4),
        "target_precision": options.target,
        "target_measure": "share of the edits kept that are right, each judged alone (repair.evaluate.collect.judge_edits)",
        "uncalibrated_min_confidence": FLOOR,
        "precision_curve": {f"{t:.2f}": [n, round(p, 4)] for t, (n, p) in curve.items()},
        "filtered_end_to_end": {f"{t:.2f}": filtered[t] for t in grid},
        "validation_end_to_end": {"calibrated": measured, "today": scores(report, "today"), "today_threshold": TODAY,
                                  "today_note": "pass-1 edits kept at raw confidence >= 0.5 (filtered, not rerun)"},
    }
    return replace(calibration, min_confidence=threshold, meta=meta), report


def suite_lineups(options: argparse.Namespace, calibration: EditCalibration, repairer: Repairer) -> dict:
    """The committed suite, end to end: the calibrated line-up against raw confidences at 0.5, and,
    for another kind, the default kind both ways."""
    from repair.evaluate.systems import DoNothing

    lines = suite_path("synthetic").read_text(encoding="utf-8").splitlines()
    pairs = [parse_pair(line, n) for n, line in enumerate(lines, 1) if line.strip()][: options.limit]
    systems = {SYSTEM: RepairerSystem(line_up(repairer, calibration, calibration.min_confidence)),
               f"{options.restorer} raw {TODAY}": RepairerSystem(line_up(repairer, None, TODAY))}
    if options.restorer != RepairConfig.restorer:
        default = Repairer.load(config=RepairConfig())
        systems[f"{RepairConfig.restorer} raw {TODAY}"] = RepairerSystem(line_up(default, None, TODAY))
        systems[f"{RepairConfig.restorer} calibrated (the default)"] = RepairerSystem(default)
    systems[DO_NOTHING] = DoNothing()
    tick = time.perf_counter()
    report = run_harness(pairs, systems, bootstrap=options.bootstrap)
    return {"suite": "synthetic", "pairs": len(pairs), "restorer": options.restorer, "threshold": calibration.min_confidence,
            "wall_s": round(time.perf_counter() - tick, 1),
            "systems": {name: {**scores(report, name), "wall_s": round(report["systems"][name]["wall_s"], 1)}
                        for name in systems if name != DO_NOTHING},
            "calibration": report["calibration"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restorer", default=RepairConfig.restorer, choices=["seq2seq", "seq2seq+lm"])
    parser.add_argument("--variants", type=int, default=2, help="noisings per validation chunk (default %(default)s)")
    # 0.95, not 0.9: validation rows are paragraph chunks of our own spinner. On whole test
    # articles the same threshold measures lower (0.67 reached 0.904 here and 0.862 there), and
    # lower again on spinners with other habits; at 0.95 here, all three spinners of the
    # restorer card stay at or above 0.94 (models/restorer/MODEL_CARD.md, "Choosing the threshold").
    parser.add_argument("--target", type=float, default=0.95, help="share of edits right (each judged alone) the threshold must reach (default %(default)s)")
    parser.add_argument("--min-edits", type=int, default=30, help="judged edits a source needs for its own map (default %(default)s)")
    parser.add_argument("--rows", type=int, help="first N validation rows only (quick check; not for shipping)")
    parser.add_argument("--suite", action="store_true", help="then measure the committed suite end to end (reporting only)")
    parser.add_argument("--suite-only", action="store_true", help="measure the suite with the shipped calibration; fit nothing")
    parser.add_argument("--limit", type=int, help="first N suite pairs only")
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--out", type=Path, help="calibration file (default: the kind's file in models/restorer)")
    parser.add_argument("--suite-out", type=Path, help="write the suite line-ups as JSON here")
    options = parser.parse_args(argv)
    started = time.perf_counter()
    out = options.out or calibration_path(models_dir() / "restorer", options.restorer)
    repairer = Repairer.load(config=RepairConfig(restorer=options.restorer))
    print(f"pipeline {options.restorer} loaded in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    if options.suite_only:
        calibration = EditCalibration.load(out)
    else:
        rows = validation_rows(options.variants)[: options.rows]
        print(f"data: {len(rows)} validation rows ({sum(r['noise'] == 'none' for r in rows)} clean) of "
              f"{len({r['article'] for r in rows})} articles, {options.variants} noisings per chunk", file=sys.stderr)
        calibration, _ = calibrate(repairer, rows, options)
        calibration = replace(calibration, meta={**calibration.meta, "seconds": round(time.perf_counter() - started)})
        calibration.save(out)
        print(json.dumps(calibration.meta, indent=1), file=sys.stderr)
        print(f"wrote {out}: threshold {calibration.min_confidence} ({time.perf_counter() - started:.0f}s)", file=sys.stderr)
    if options.suite or options.suite_only:
        result = suite_lineups(options, calibration, repairer)
        text = json.dumps(result, indent=1)
        print(text)
        if options.suite_out:
            options.suite_out.write_text(text + "\n", encoding="utf-8")
    print(f"total {time.perf_counter() - started:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
