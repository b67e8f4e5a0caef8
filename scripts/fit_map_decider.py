"""Fit the document map decider (``repair.document.decide``) on whole validation articles.

    python scripts/fit_map_decider.py [--kind seq2seq] [--seeds 4] [--rates 0.15 0.3 0.45] [--target 0.9]
    python scripts/fit_map_decider.py --rows rows.json --lm      # the default decider, which also asks the LM

Articles: the validation split among the n-gram hold-out articles (the rows
``scripts/calibrate_edits.py`` fits the edit calibration on; nothing from the test split), each
spun with ``--seeds`` one-map spinners at each of ``--rates`` (real spinners differ in how much
they change, so the decider sees light and heavy spinning). For every spun article the shipped pipeline (without a
decider) proposes its candidates and keeps its edits; every map entry it proposed becomes a row:
its features, and each occurrence it would add judged alone against the clean article. Rows
are cross-fitted by article (5 folds) to choose the lowest threshold at which the added
occurrences are right at least ``--target`` of the time; the final model is fitted on all rows
and written to ``models/document/`` with that curve. Fixed seeds; it prints its data and time.

With ``--lm`` every row also gets the pretrained LM's margins over the entry's places
(``repair.document.lm_margin``), and the decider fitted with them is written beside the other
(``LM_DECIDER_FILES``). ``--rows`` lets both fits share one collection of rows.

With ``--thesaurus`` the rows are the entries the restorer never proposed
(``repair.document.thesaurus_entries``), collected behind the shipped LM decider: each spun
article goes through the default pipeline without them, and every thesaurus entry that does not
clash with the LM decider's map becomes a row, judged on the occurrences it would add. Its
articles are spun by the ``broad`` spinner at ``--rates`` and by the ``dictionary`` one (closer
to a commercial spinner) at ``--dictionary-rates``; the fit is written to ``THESAURUS_DECIDER_FILES``.

    python scripts/fit_map_decider.py --thesaurus --seeds 2 --rows thesaurus_rows.json
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repair import text as textutil  # noqa: E402
from repair.document.decide import (DECIDER_FILES, FEATURES, LM_DECIDER_FILES, LM_FEATURES,  # noqa: E402
                                    THESAURUS_DECIDER_FILES, EntryFeatures, MapDecider, MapDeciderConfig, choose_entries,
                                    context_preference, entry_features, margin_values, probabilities, unclaimed, write_config)
from repair.document.thesaurus_entries import THESAURUS_FEATURES, with_lm_leads  # noqa: E402
from repair.document.lm_margin import MAX_PLACES, entry_margins  # noqa: E402
from repair.document.apply import apply_map  # noqa: E402
from repair.evaluate.collect import judge_edits  # noqa: E402
from repair.paths import models_dir  # noqa: E402
from repair.pipeline.config import RepairConfig  # noqa: E402
from repair.pipeline.repairer import Repairer, combine_reports  # noqa: E402
from repair.results import MapEntry  # noqa: E402
from repair.resources.ngram import NgramModel  # noqa: E402
from repair.resources.thesaurus import Thesaurus  # noqa: E402
from repair.synth.spin import SpinConfig, Spinner  # noqa: E402
from repair.train.map_decider import fit_logistic, group_folds, lowest_threshold, predict  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tune_document_pooling import validation_articles  # noqa: E402

GRID = [round(0.5 + 0.02 * i, 2) for i in range(25)]


def spun_runs(repairer: Repairer, articles: list[str], spinner: Spinner, seed: int, rate: float) -> Iterator[tuple]:
    """(article number, clean, spun, candidates, result) for every article spun with one map that
    the pipeline calls spun: its candidates and its result (``decide_edits``)."""
    for article, clean in enumerate(articles):
        spun = spinner.spin(clean, seed=seed, rate=rate).spun
        segments = textutil.paragraphs(spun)
        reports = repairer.detect_paragraphs([spun], [segments])[0]
        candidates = repairer.document_candidates(spun, segments, reports)
        result = repairer.decide_edits(spun, candidates, combine_reports(reports, segments, repairer.config.threshold))
        if result.detection.spun:
            yield article, clean, spun, candidates, result


def entry_row(spun: str, clean: str, entry: EntryFeatures, taken, ngram: NgramModel, **keys) -> dict | None:
    """A row for one entry: its features and, for each occurrence it would add (none that
    ``taken`` covers), the context preference and whether it is right; None if it adds none."""
    added = apply_map(spun, [MapEntry(entry.old, entry.new, entry.occurrences, 1.0)], taken)
    if not added:
        return None
    preferences = [context_preference(ngram, spun, e.start, e.end, e.new) for e in added]
    return {**keys, "old": entry.old, "new": entry.new, "occurrences": entry.occurrences, "values": list(entry.values),
            "added": [[round(p, 3), right] for p, right in zip(preferences, judge_edits(spun, clean, added))]}


def collect_rows(repairer: Repairer, ngram: NgramModel, articles: list[str], spins: list[tuple[int, float]]) -> list[dict]:
    """One row per proposed map entry per spun article the pipeline (without a decider) calls spun.

    Args:
        spins: (seed, rate) of each one-map spinner every article is spun with.
    """
    spinner = Spinner(Thesaurus.load(models_dir() / "thesaurus"), SpinConfig.preset("broad", one_map=True))
    rows = []
    for seed, rate in spins:
        tick = time.perf_counter()
        for article, clean, spun, candidates, result in spun_runs(repairer, articles, spinner, seed, rate):
            for entry in entry_features(spun, candidates, ngram):
                row = entry_row(spun, clean, entry, result.edits, ngram, article=article, seed=seed, rate=rate)
                rows += [row] if row else []
        print(f"  map {seed} (rate {rate}): {len(rows)} entries so far ({time.perf_counter() - tick:.0f} s)", file=sys.stderr)
    return rows


def collect_thesaurus_rows(repairer: Repairer, articles: list[str], spins: list[tuple[str, int, float]]) -> list[dict]:
    """One row per thesaurus entry (``repair.document.thesaurus_entries``) per spun article the
    pipeline calls spun, behind its LM decider: entries that clash with that decider's map are
    not rows, and an entry's added occurrences are those no edit of the pipeline covers.

    Args:
        spins: (spinner preset, seed, rate) of each one-map spinner every article is spun with.
    """
    decider = repairer.decider
    lister = MapDecider(decider.config, decider.ngram, decider.lm, Thesaurus.load(models_dir() / "thesaurus"))  # lists, never applies
    rows = []
    for preset, seed, rate in spins:
        spinner = Spinner(lister.thesaurus, SpinConfig.preset(preset, one_map=True))
        tick = time.perf_counter()
        for article, clean, spun, candidates, result in spun_runs(repairer, articles, spinner, seed, rate):
            # The LM reads the proposals' places a second time here (decide_edits read them):
            # a cost of collecting rows only.
            features, found = lister.candidates(spun, candidates)
            claimed = choose_entries(list(zip(probabilities(decider.config, features), features)), decider.threshold)
            for entry in with_lm_leads(unclaimed(found, claimed)):
                row = entry_row(spun, clean, entry, result.edits, decider.ngram, article=article, seed=seed, rate=rate, spinner=preset)
                rows += [row] if row else []
        print(f"  {preset} map {seed} (rate {rate}): {len(rows)} entries so far ({time.perf_counter() - tick:.0f} s)", file=sys.stderr)
    return rows


def add_lm_margins(rows: list[dict], articles: list[str], lm) -> None:
    """Give every row its LM margin values (``margin_values``), one LM batch per spun article."""
    spinner = Spinner(Thesaurus.load(models_dir() / "thesaurus"), SpinConfig.preset("broad", one_map=True))
    documents: dict[tuple[int, int, float], list[dict]] = {}
    for row in rows:
        documents.setdefault((row["article"], row["seed"], row.get("rate", 0.3)), []).append(row)
    tick = time.perf_counter()
    for done, ((article, seed, rate), members) in enumerate(sorted(documents.items()), 1):
        spun = spinner.spin(articles[article], seed=seed, rate=rate).spun
        for row, margin in zip(members, entry_margins(lm, spun, [(r["old"], r["new"]) for r in members])):
            row["lm"] = list(margin_values(margin))
        if done % 20 == 0:
            print(f"  LM margins: {done}/{len(documents)} documents ({time.perf_counter() - tick:.0f} s)", file=sys.stderr)


def row_values(row: dict) -> list[float]:
    """The decider's inputs of a row: its count and proposal features, and the LM's when it has them."""
    return row["values"] + row.get("lm", [])


def kept_occurrences(row: dict, min_preference: float | None) -> list[bool]:
    """Verdicts of the occurrences a row's entry adds where the context allows it."""
    return [bool(right) for preference, right in row["added"] if min_preference is None or preference >= min_preference]


def curve(rows: list[dict], probabilities: np.ndarray, min_preference: float | None) -> list[dict]:
    """Added occurrences and their share right at each threshold, choosing entries as the pipeline does."""
    documents: dict[tuple[int, int], list[tuple[float, dict]]] = {}
    for row, probability in zip(rows, probabilities):
        documents.setdefault((row["article"], row["seed"]), []).append((float(probability), row))
    points = []
    for threshold in GRID:
        verdicts: list[bool] = []
        for scored in documents.values():
            by_pair = {(r["old"], r["new"]): r for _, r in scored}
            features = [(p, EntryFeatures(r["old"], r["new"], r["occurrences"], tuple(row_values(r)))) for p, r in scored]
            for entry in choose_entries(features, threshold):
                verdicts += kept_occurrences(by_pair[(entry.old, entry.new)], min_preference)
        points.append({"threshold": threshold, "added": len(verdicts),
                       "right": round(sum(verdicts) / len(verdicts), 4) if verdicts else None})
    return points


def training_arrays(rows: list[dict], min_preference: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels (share of the kept added occurrences right) and weights (how many)."""
    kept = [kept_occurrences(r, min_preference) for r in rows]
    values = np.array([row_values(r) for r in rows], dtype=np.float64)
    labels = np.array([sum(k) / len(k) if k else 0.0 for k in kept])
    weights = np.array([len(k) for k in kept], dtype=np.float64)
    return values, labels, weights


def cross_fit(rows: list[dict], min_preference: float | None, l2: float) -> list[dict]:
    """The threshold curve with every article judged by a model fitted without it (5 folds)."""
    values, labels, weights = training_arrays(rows, min_preference)
    folds = group_folds([r["article"] for r in rows], 5)
    held_out = np.zeros(len(rows))
    for fold in range(5):
        train = (folds != fold) & (weights > 0)
        held_out[folds == fold] = predict(values[folds == fold], fit_logistic(values[train], labels[train], weights[train], l2))
    return curve(rows, held_out, min_preference)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", default="seq2seq", choices=sorted(DECIDER_FILES),
                        help="restorer kind whose calibrated proposals it reads")
    parser.add_argument("--seeds", type=int, default=4, help="one-map spinners per article and rate")
    parser.add_argument("--rates", type=float, nargs="+", default=[0.15, 0.3, 0.45], help="spinner rates (preset 'broad')")
    parser.add_argument("--min-words", type=int, default=150)
    parser.add_argument("--target", type=float, default=0.9, help="share of added occurrences that must be right")
    parser.add_argument("--min-added", type=int, default=30, help="thresholds adding fewer occurrences are not judged")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--min-preference", type=lambda v: None if v == "none" else float(v), nargs="+",
                        default=[None, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                        help="context filters to compare (nats; 'none' for no filter); the best is kept")
    parser.add_argument("--rows", type=Path, default=None, help="reuse (or write) the collected rows here")
    parser.add_argument("--lm", action="store_true", help="also read the pretrained LM's margins (repair.document.lm_margin)")
    parser.add_argument("--thesaurus", action="store_true",
                        help="fit the decider of the entries the restorer never proposed (repair.document.thesaurus_entries)")
    parser.add_argument("--dictionary-rates", type=float, nargs="+", default=[0.3, 0.45],
                        help="with --thesaurus: rates of the 'dictionary' spinner, spun besides the broad one")
    parser.add_argument("--out", type=Path, default=None, help="models folder's document/ (default: the shipped one)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    if args.rows and args.rows.is_file():
        rows = json.loads(args.rows.read_text(encoding="utf-8"))
    elif args.thesaurus:
        articles = validation_articles(args.min_words)
        rates = [("broad", rate) for rate in args.rates] + [("dictionary", rate) for rate in args.dictionary_rates]
        spins = [(preset, i * args.seeds + seed, rate) for i, (preset, rate) in enumerate(rates) for seed in range(1, args.seeds + 1)]
        print(f"data: {len(articles)} validation articles x {len(spins)} one-map spins ({args.seeds} at each of {rates}); "
              f"budget: about 3 minutes of 2 CPU cores per spin (the pipeline with its LM decider, then the LM on the thesaurus's entries)",
              file=sys.stderr)
        repairer = Repairer.load(config=RepairConfig(restorer=args.kind))  # the LM decider, no thesaurus entries
        rows = collect_thesaurus_rows(repairer, articles, spins)
        if args.rows:
            args.rows.write_text(json.dumps(rows) + "\n", encoding="utf-8")
    else:
        articles = validation_articles(args.min_words)
        spins = [(i * args.seeds + seed, rate) for i, rate in enumerate(args.rates) for seed in range(1, args.seeds + 1)]
        print(f"data: {len(articles)} validation articles x {len(spins)} one-map spins ({args.seeds} at each rate "
              f"{args.rates}); budget: about 40 s of 2 CPU cores per spin", file=sys.stderr)
        repairer = Repairer.load(config=RepairConfig(restorer=args.kind, map_decisions=False))
        rows = collect_rows(repairer, NgramModel.load(models_dir()), articles, spins)
        if args.rows:
            args.rows.write_text(json.dumps(rows) + "\n", encoding="utf-8")
    if args.thesaurus:
        pass  # its rows carry the LM's margins among their values
    elif not args.lm:
        for row in rows:  # rows shared with an LM fit carry its margins; this fit reads counts alone
            row.pop("lm", None)
    elif not all("lm" in r for r in rows):
        from repair.lm import LanguageModel

        places = sum(min(r["occurrences"], MAX_PLACES) for r in rows)
        print(f"LM margins: {places} places x 2 wordings; budget: about 5 minutes of 2 CPU cores", file=sys.stderr)
        add_lm_margins(rows, validation_articles(args.min_words), LanguageModel.load())
        if args.rows:
            args.rows.write_text(json.dumps(rows) + "\n", encoding="utf-8")
    occurrences = [right for r in rows for _, right in r["added"]]
    print(f"rows: {len(rows)} entries, {len(occurrences)} occurrences they would add, "
          f"{sum(occurrences) / max(len(occurrences), 1):.3f} right", file=sys.stderr)

    # For each context filter, the lowest threshold that meets the target; keep the filter whose
    # threshold restores the most occurrences right.
    choices = {}
    for margin in args.min_preference:
        points = cross_fit(rows, margin, args.l2)
        threshold = lowest_threshold(points, args.target, args.min_added)
        chosen = next((p for p in points if p["threshold"] == threshold), None)
        choices[margin] = {"threshold": threshold, "restored_right": round(chosen["added"] * chosen["right"], 1) if chosen else 0.0,
                           "curve": points}
        print(f"min_preference {margin}: threshold {threshold}, {choices[margin]['restored_right']} right added", file=sys.stderr)
        for point in points:
            print(f"  threshold {point['threshold']:.2f}: adds {point['added']}, right {point['right']}", file=sys.stderr)
    margin = max(choices, key=lambda m: choices[m]["restored_right"])
    threshold = choices[margin]["threshold"]
    if threshold is None:
        threshold = 1.0  # no threshold reaches the target: the decider adds nothing
    values, labels, weights = training_arrays(rows, margin)
    fitted = fit_logistic(values[weights > 0], labels[weights > 0], weights[weights > 0], args.l2)
    print(f"chosen: min_preference {margin}, threshold {threshold} (target {args.target}); "
          f"{time.perf_counter() - started:.0f} s", file=sys.stderr)

    config = MapDeciderConfig(
        features=THESAURUS_FEATURES if args.thesaurus else LM_FEATURES if args.lm else FEATURES, weights=tuple(round(float(w), 6) for w in fitted[0]),
        mean=tuple(round(float(m), 6) for m in fitted[2]), scale=tuple(round(float(s), 6) for s in fitted[3]),
        bias=round(fitted[1], 6), threshold=threshold, min_preference=margin, min_words=args.min_words,
        meta={"kind": args.kind, "lm": args.lm or args.thesaurus, "thesaurus": args.thesaurus,
              "spinners": sorted({r.get("spinner", "broad") for r in rows}), "articles": len({r["article"] for r in rows}), "seeds": args.seeds, "rates": sorted({r.get("rate", 0.3) for r in rows}),
              "entries": len(rows), "occurrences": len(occurrences), "target": args.target, "l2": args.l2,
              "cross_fitted_curve": choices[margin]["curve"],
              "other_min_preferences": {str(m): {k: c[k] for k in ("threshold", "restored_right")} for m, c in choices.items()},
              "script": "scripts/fit_map_decider.py"})
    files = THESAURUS_DECIDER_FILES if args.thesaurus else LM_DECIDER_FILES if args.lm else DECIDER_FILES
    path = write_config(config, (args.out or models_dir() / "document") / files[args.kind])
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
