"""The LM's originals on a spinner whose dictionary we do not have (issue 14): a held-out half of the thesaurus.

Our synthetic spinners draw from the same thesaurus as our candidates, which flatters every
candidate source built on it (the lesson of the restorer refit in models/restorer/MODEL_CARD.md).
A real spinner uses its own dictionary. To imitate one, the thesaurus is split in two by the
original's lemma (crc32, even or odd):

* the spinner may only replace words whose lemma is in the **spun half**;
* the map decider's thesaurus entries may only propose originals from the **other half**, so no
  swap the spinner made can come from the thesaurus stage. The restorer is left whole (it still
  proposes from everything it learnt), so the comparison isolates the decider's candidates.

Line-ups on the same spun articles and the same restorer candidates, one run: the default decider
(the restorer's proposals only); with the half thesaurus's entries; with those and the LM's
originals (``repair.document.lm_entries``); and, for scale, with the whole thesaurus (the
flattering case: every swap is listed). Then every entry the LM's originals add, with the
thesaurus decider's probability and whether it is right (the spinner's map has it), so the
precision of those entries can be read at each threshold.

    python scripts/measure_lm_originals.py [--articles 20] [--seeds 2] [--rate 0.3] [--out eval/reports/lm_originals.json]
    python scripts/measure_lm_originals.py --dictionary --seeds 1 --rate 0.45   # a spinner closer to commercial ones
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repair.document.decide import MapDecider, choose_entries, probabilities, unclaimed  # noqa: E402
from repair.document.thesaurus_entries import SOURCES, with_lm_leads  # noqa: E402
from repair.paths import models_dir  # noqa: E402
from repair.pipeline.config import RepairConfig  # noqa: E402
from repair.pipeline.repairer import Repairer  # noqa: E402
from repair.resources.ngram import tokenize  # noqa: E402
from repair.resources.thesaurus import Thesaurus  # noqa: E402
from repair.synth.spin import SpinConfig, Spinner  # noqa: E402
from repair.text import count_words  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure_map_decider import calibration, candidates_of  # noqa: E402
from measure_profile import read_articles, scores  # noqa: E402
from tune_document_pooling import judged  # noqa: E402

THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.95)


def half_of(lemma: str) -> int:
    return zlib.crc32(lemma.lower().encode("utf-8")) % 2


class SpinnerHalf:
    """The thesaurus as the spinner reads it: synonyms only for lemmas of one half."""

    def __init__(self, thesaurus: Thesaurus, half: int):
        self._thesaurus, self._half = thesaurus, half

    def synonyms(self, lemma: str, *args, **kwargs):
        return self._thesaurus.synonyms(lemma, *args, **kwargs) if half_of(lemma) == self._half else []

    def __getattr__(self, name):  # lines, inflector, ...: the whole thesaurus's
        return getattr(self._thesaurus, name)


class DeciderHalf:
    """The thesaurus as the map decider reads it: originals only from one half."""

    def __init__(self, thesaurus: Thesaurus, half: int):
        self._thesaurus, self._half = thesaurus, half

    def originals(self, surface: str, sources=None):
        return [o for o in self._thesaurus.originals(surface, sources) if half_of(o.lemma) == self._half]

    def __getattr__(self, name):
        return getattr(self._thesaurus, name)


def with_decider(repairer: Repairer, decider: MapDecider | None) -> Repairer:
    return Repairer(detector=repairer.detector, glossary=repairer.glossary, restorers=repairer.restorers, gate=repairer.gate,
                    phrases=repairer.phrases, config=repairer.config, archive=repairer.archive,
                    calibration=repairer.calibration, profile=repairer.profile, decider=decider)


def spun_pairs(result) -> set[tuple[str, str]]:
    """(spun, original) pairs of a spin, normalised as map entries are."""
    norm = lambda s: " ".join(t.norm for t in tokenize(s))  # noqa: E731
    return {(norm(s.spun), norm(s.clean)) for s in result.substitutions}


def lm_entry_rows(decider: MapDecider, half: DeciderHalf, text: str, candidates, pairs) -> list[dict]:
    """Every entry the LM's originals add to the thesaurus entries of ``text``, with its probability and truth."""
    features, found = decider.candidates(text, candidates)
    proposed = choose_entries(list(zip(probabilities(decider.config, features), features)), decider.threshold)
    found = with_lm_leads(unclaimed(found, proposed))
    rows = []
    for p, entry in zip(probabilities(decider.thesaurus_config, found), found):
        listed = {" ".join(t.norm for t in tokenize(o.text)) for o in half.originals(entry.old, SOURCES)}
        if entry.new not in listed:
            rows.append({"old": entry.old, "new": entry.new, "occurrences": entry.occurrences, "p": round(p, 4),
                         "right": (entry.old, entry.new) in pairs})
    return rows


def precision_by_threshold(rows: list[dict]) -> list[dict]:
    out = []
    for threshold in THRESHOLDS:
        kept = [r for r in rows if r["p"] >= threshold]
        occurrences = sum(r["occurrences"] for r in kept)
        right = sum(r["occurrences"] for r in kept if r["right"])
        out.append({"threshold": threshold, "entries": len(kept), "entries_right": sum(r["right"] for r in kept),
                    "occurrences": occurrences, "occurrences_right": right,
                    "precision": round(right / occurrences, 3) if occurrences else None})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=2, help="one-map spinners per article (seeds 1..N)")
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--dictionary", action="store_true",
                        help="spin like a commercial spinner: the strongest synonym always, function words as often as others")
    parser.add_argument("--spun-half", type=int, default=1, choices=(0, 1), help="the half of the thesaurus the spinner uses")
    parser.add_argument("--out", type=Path, default=None, help="JSON report")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    thesaurus = Thesaurus.load(models_dir() / "thesaurus")
    articles = read_articles(args.articles, 150)
    spinner = Spinner(SpinnerHalf(thesaurus, args.spun_half), SpinConfig.preset("dictionary" if args.dictionary else "broad", rate=args.rate, one_map=True))
    spins = [spinner.spin(text, seed=seed) for seed in range(1, args.seeds + 1) for text in articles]
    spun, clean = [s.spun for s in spins], [s.clean for s in spins]
    words = sum(map(count_words, spun))
    print(f"data: {len(articles)} test articles x {args.seeds} maps, {words} words, rate {args.rate}, "
          f"{sum(len(s.substitutions) for s in spins)} substitutions from half {args.spun_half} of the thesaurus", file=sys.stderr)

    base = Repairer.load(config=RepairConfig(map_thesaurus=True, map_lm_originals=True))
    lm, root, ngram = base.decider.lm, models_dir() / "document", base.decider.ngram
    half = DeciderHalf(thesaurus, 1 - args.spun_half)

    def decider(source, lm_originals=False):
        return MapDecider.from_pretrained(root, ngram, "seq2seq", lm=lm, thesaurus=source, lm_originals=lm_originals)

    with_lm_originals = decider(half, lm_originals=True)
    lineups = {
        "decider with LM (default)": with_decider(base, decider(None)),
        "half thesaurus's entries": with_decider(base, decider(half)),
        "half thesaurus's entries + LM's originals": with_decider(base, with_lm_originals),
        "whole thesaurus's entries (every swap listed)": with_decider(base, decider(thesaurus)),
    }
    tick = time.perf_counter()
    inputs = candidates_of(base, spun)
    report = {"articles": len(articles), "maps": args.seeds, "rate": args.rate, "words": words, "spun_half": args.spun_half,
              "spinner": "dictionary" if args.dictionary else "broad",
              "candidates_seconds": round(time.perf_counter() - tick, 1), "lineups": {}}
    for name, lineup in lineups.items():
        tick, lm_before = time.perf_counter(), lm.seconds
        results = [lineup.decide_edits(*item) for item in inputs]
        report["lineups"][name] = {**scores(spun, [r.text for r in results], clean), **judged(spun, clean, results),
                                   "calibration": calibration(spun, clean, results),
                                   "decide_seconds": round(time.perf_counter() - tick, 1),
                                   "lm_seconds": round(lm.seconds - lm_before, 1)}
        print(name, json.dumps(report["lineups"][name]), file=sys.stderr, flush=True)
    rows = [dict(row, document=i) for i, (item, spin) in enumerate(zip(inputs, spins))
            for row in lm_entry_rows(with_lm_originals, half, item[0], item[1], spun_pairs(spin))]
    report["lm_entries"] = {"rows": rows, "by_threshold": precision_by_threshold(rows)}
    print(json.dumps(report["lm_entries"]["by_threshold"]), file=sys.stderr)
    report["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(report, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
