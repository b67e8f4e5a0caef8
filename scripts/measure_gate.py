"""Measure the document gate: its threshold, recall on spun documents per rate, clean share, speed.

Documents are whole corpus articles. The threshold is chosen on the articles the n-gram counts
left out (``holdout_article_ids``: never counted, so never seen by the gate table), spun at the
lowest rate, for 99% recall; recall is then measured on the held-out test split, spun by the
project's spinner (preset ``broad``) at each of the suite's rates, and garbled at 0.3.

    python scripts/measure_gate.py --out eval/reports/gate.json
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repair.document.gate import SETTINGS_FILE, DocumentGate, GateSettings, choose_threshold  # noqa: E402
from repair.paths import corpus_path, models_dir  # noqa: E402
from repair.resources.ngram import holdout_article_ids  # noqa: E402
from repair.resources.shared import Resources  # noqa: E402
from repair.synth.garble import Garbler  # noqa: E402
from repair.synth.spin import SOURCE_PRESETS, SpinConfig, Spinner  # noqa: E402

RATES = (0.1, 0.2, 0.3, 0.45)


def read_articles(path: Path, ids: frozenset[str] | None = None, limit: int | None = None) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        rows = (json.loads(line) for line in lines)
        texts = (r["text"] for r in rows if ids is None or r["id"] in ids)
        return list(itertools.islice(texts, limit))


def variants(texts: list[str], spinner: Spinner, garbler: Garbler) -> dict[str, list[str]]:
    out = {"clean": texts}
    for rate in RATES:
        out[f"spun {rate}"] = [spinner.spin(t, seed=i, rate=rate).spun for i, t in enumerate(texts)]
    out["garble 0.3"] = [garbler.garble(t, seed=i).spun for i, t in enumerate(texts)]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=300, help="articles per set")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--write-settings", action="store_true", help="write the fitted threshold to models/document/gate.json")
    args = parser.parse_args(argv)
    resources = Resources.load(models_dir())
    spinner = Spinner(resources.thesaurus, SpinConfig(sources=dict(SOURCE_PRESETS["broad"])))
    garbler = Garbler(resources.thesaurus)
    settings = GateSettings(threshold=float("-inf"))
    gate = DocumentGate.load(models_dir(), resources.ngram, settings)
    long_enough = lambda texts: [t for t in texts if gate.score(t)[1] >= settings.min_words]  # noqa: E731
    held = holdout_article_ids(models_dir(), corpus_path("train"))
    validation = long_enough(read_articles(corpus_path("train"), held, args.limit))
    test = long_enough(read_articles(corpus_path("test"), None, args.limit))
    val_sets = variants(validation, spinner, garbler)
    threshold = choose_threshold([gate.score(t)[0] for t in val_sets[f"spun {RATES[0]}"]], 0.99)
    test_sets = variants(test, spinner, garbler)
    result = {"threshold": threshold, "settings": vars(settings) | {"threshold": threshold},
              "validation_articles": len(validation), "test_articles": len(test), "sets": {}}
    words = 0
    started = time.perf_counter()
    for name, texts in test_sets.items():
        scores = [gate.score(t) for t in texts]
        words += sum(w for _, w in scores)
        passed = sum(s >= threshold for s, _ in scores)
        result["sets"][name] = {"documents": len(texts), "passed": passed, "share_passed": round(passed / len(texts), 4)}
    result["words_per_second"] = round(words / (time.perf_counter() - started))
    print(json.dumps(result, indent=2))
    if args.write_settings:
        path = models_dir() / "document" / SETTINGS_FILE
        path.write_text(json.dumps(result["settings"], indent=2) + "\n", encoding="utf-8")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
