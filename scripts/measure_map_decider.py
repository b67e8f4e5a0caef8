"""Does the document map decider help? Whole test articles, with and without it, in one run (issue 14).

    python scripts/measure_map_decider.py [--articles 40] [--seeds 2] [--out eval/reports/map_decider.json]
    python scripts/measure_map_decider.py --restorer seq2seq+lm --articles 20 --out eval/reports/map_decider_lm.json
    python scripts/measure_map_decider.py --lm --out eval/reports/map_decider.json   # adds the deciders that ask the LM (the default, and --map-thesaurus)
    python scripts/measure_map_decider.py --lm --dictionary --seeds 1 --rate 0.45      # a spinner closer to commercial ones
    python scripts/measure_map_decider.py --lm --spinner-half 1 --out eval/reports/map_decider_spinner_half.json  # a spinner with other habits than ours

Articles: the first ``--articles`` of the held-out test split with at least 150 words (the
decider was fitted on validation articles: ``scripts/fit_map_decider.py``), each spun with
``--seeds`` one-map spinners. Line-ups, on the same spun articles: the shipped pipeline with
``map_decisions`` off (each occurrence alone, plus repeats of kept edits) and on with counts and
proposals alone (``map_lm`` off), and with ``--lm`` the decider that also reads the LM's margins,
on the restorer's proposals alone (the default) and with the thesaurus's entries too
(``map_thesaurus``). The line-ups differ only after the restorer, so every article's candidates are computed
once and each line-up decides from the same ones. Every edit is also judged alone against the
clean article, per source; the clean originals are repaired by every line-up to count what the
decider damages.

``--spinner-half`` spins only the words whose lemma falls in one half of the thesaurus (crc32 of
the lemma, even or odd). Every model here learnt which originals spinners replace from spins of
the whole thesaurus; such a spinner replaces other words than ours do, the way a real spinner
with its own dictionary does, and shows how much our measures owe to sharing the thesaurus with
our spinners (models/document/MODEL_CARD.md, "A spinner with other habits than ours").
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repair.paths import models_dir  # noqa: E402
from repair.pipeline.config import RepairConfig  # noqa: E402
from repair import text as textutil  # noqa: E402
from repair.pipeline.repairer import Repairer, combine_reports  # noqa: E402
from repair.resources.thesaurus import Thesaurus  # noqa: E402
from repair.synth.spin import SpinConfig, Spinner  # noqa: E402
from repair.evaluate.collect import judge_edits  # noqa: E402
from repair.evaluate.metrics import expected_calibration_error, reliability_table  # noqa: E402
from repair.text import count_words  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure_profile import read_articles, scores  # noqa: E402
from seed_edits import parse_setting  # noqa: E402
from tune_document_pooling import judged  # noqa: E402


class SpinnerHalf:
    """The thesaurus as a spinner reads it when it may only replace the lemmas of one half."""

    def __init__(self, thesaurus: Thesaurus, half: int):
        self._thesaurus, self._half = thesaurus, half

    def synonyms(self, lemma: str, *args, **kwargs):
        in_half = zlib.crc32(lemma.lower().encode("utf-8")) % 2 == self._half
        return self._thesaurus.synonyms(lemma, *args, **kwargs) if in_half else []

    def __contains__(self, lemma: str) -> bool:  # "in" does not go through __getattr__
        return lemma in self._thesaurus

    def __getattr__(self, name):  # lines, inflector, ...: the whole thesaurus's
        return getattr(self._thesaurus, name)


def candidates_of(repairer: Repairer, texts: list[str]) -> list[tuple]:
    """Each text's ``decide_edits`` arguments: the text, its candidates and its detection."""
    inputs = []
    for text in texts:
        segments = textutil.paragraphs(text)
        reports = repairer.detect_paragraphs([text], [segments])[0]
        inputs.append((text, repairer.document_candidates(text, segments, reports),
                       combine_reports(reports, segments, repairer.config.threshold)))
    return inputs


def calibration(spun: list[str], clean: list[str], results) -> dict:
    """Expected calibration error of the edits, all of them and the decided (``document``) ones."""
    judged_edits = [(edit, right) for source, reference, result in zip(spun, clean, results)
                    for edit, right in zip(result.edits, judge_edits(source, reference, result.edits))]
    report = {}
    for name, kept in (("all", judged_edits), ("document", [(e, r) for e, r in judged_edits if e.source == "document"])):
        table = reliability_table([e.confidence for e, _ in kept], [r for _, r in kept])
        error = expected_calibration_error(table)
        report[name] = {"edits": len(kept), "ece": None if error is None else round(error, 4)}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=2, help="one-map spinners per article (seeds 1..N)")
    parser.add_argument("--rate", type=float, default=0.3, help="spinner rate (preset 'broad')")
    parser.add_argument("--min-words", type=int, default=150)
    parser.add_argument("--restorer", default=RepairConfig.restorer, help="restorer kind (its own calibration and decider)")
    parser.add_argument("--dictionary", action="store_true",
                        help="spin like a commercial spinner: the strongest synonym always, function words as often as others")
    parser.add_argument("--lm", action="store_true", help="add the decider that also reads the LM's margins")
    parser.add_argument("--spinner-half", type=int, choices=(0, 1), default=None,
                        help="spin only the lemmas of one half of the thesaurus (a spinner with other habits than ours)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help="RepairConfig field to change in every line-up (e.g. weak_min_confidence=0.0)")
    parser.add_argument("--out", type=Path, default=None, help="JSON report")
    args = parser.parse_args(argv)
    settings = dict(parse_setting(raw) for raw in args.set)

    started = time.perf_counter()
    articles = read_articles(args.articles, args.min_words)
    config = SpinConfig.preset("dictionary" if args.dictionary else "broad", rate=args.rate, one_map=True)
    thesaurus = Thesaurus.load(models_dir() / "thesaurus")
    spinner = Spinner(thesaurus if args.spinner_half is None else SpinnerHalf(thesaurus, args.spinner_half), config)
    clean = [text for _ in range(args.seeds) for text in articles]
    spun = [spinner.spin(text, seed=seed).spun for seed in range(1, args.seeds + 1) for text in articles]
    words = sum(map(count_words, spun))
    print(f"data: {len(articles)} test articles x {args.seeds} maps, {words} words, rate {args.rate}", file=sys.stderr)

    repairer = Repairer.load(config=RepairConfig(restorer=args.restorer, map_lm=False, **settings))
    lineups = {"decider off": repairer.with_config(map_decisions=False), "decider on counts (--no-map-lm)": repairer}
    if args.lm:
        lineups["decider with LM (default)"] = Repairer.load(config=RepairConfig(restorer=args.restorer, **settings))
        lineups["decider with LM and thesaurus entries (--map-thesaurus)"] = Repairer.load(
            config=RepairConfig(restorer=args.restorer, map_thesaurus=True, **settings))
    report = {"restorer": args.restorer, "settings": args.set, "articles": len(articles), "maps": args.seeds, "rate": args.rate, "words": words,
              "spinner": "dictionary (top_k 1, function_rate 1)" if args.dictionary else "broad",
              "spinner_half": args.spinner_half,
              # the threshold of the decider on counts; the LM decider's is in models/document/map_decider_lm.json
              "decider_threshold": repairer.decider.threshold if repairer.decider else None, "lineups": {}}
    tick = time.perf_counter()
    spun_inputs, clean_inputs = candidates_of(repairer, spun), candidates_of(repairer, articles)
    report["candidates_seconds"] = round(time.perf_counter() - tick, 1)
    for name, lineup in lineups.items():
        tick = time.perf_counter()
        results = [lineup.decide_edits(*inputs) for inputs in spun_inputs]
        on_clean = [lineup.decide_edits(*inputs) for inputs in clean_inputs]
        entries = [str(e) for r in results for e in r.substitution_map if any(
            x.source == "document" and x.old.lower() == e.old for x in r.edits)]
        report["lineups"][name] = {**scores(spun, [r.text for r in results], clean), **judged(spun, clean, results),
                                   "calibration": calibration(spun, clean, results),
                                   "clean_words_changed": sum(len(r.edits) for r in on_clean),
                                   "document_entries": entries[:40],
                                   "decide_seconds": round(time.perf_counter() - tick, 1)}
        if lineup.decider is not None and lineup.decider.lm is not None:
            report["lineups"][name]["lm_seconds"] = round(lineup.decider.lm.seconds, 1)
        print(name, json.dumps({k: v for k, v in report["lineups"][name].items() if k != "document_entries"}),
              file=sys.stderr)
    report["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
