"""Build the document gate's word table (models/document/gate.tsv.gz) from the shipped models.

For each of the corpus's most frequent words ``f`` the spinner (``repair.synth.spin``, preset
``broad``) lists the words it could put in its place. A spinner at rate r moves about
``r * p(f) * share(s | f)`` of the probability mass from ``f`` to each candidate ``s``. The
table keeps, per word, whether it is spinnable (a spinner would replace it) and the mass spinners
send to it (``emitted``). Nothing here reads a seed or a hand-written list; everything comes from
the corpus counts and the thesaurus, so the gate knows the same English as the rest of the system.

    python scripts/build_gate.py            # about 2 minutes on 2 cores
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repair.document.gate import GATE_FILE  # noqa: E402
from repair.paths import models_dir  # noqa: E402
from repair.resources.shared import Resources  # noqa: E402
from repair.synth.spin import SOURCE_PRESETS, SpinConfig, Spinner  # noqa: E402


def emitted_mass(resources: Resources, top_words: int) -> tuple[dict[str, float], set[str]]:
    """Mass each word receives from spinning the ``top_words`` most frequent words, and which are spinnable."""
    spinner = Spinner(resources.thesaurus, SpinConfig(sources=dict(SOURCE_PRESETS["broad"])))
    ngram = resources.ngram
    order = ngram.uni_count.argsort()[::-1][:top_words]
    mass: dict[str, float] = defaultdict(float)
    spinnable: set[str] = set()
    for index in order:
        word = ngram.vocab[index]
        if not word.isalpha():
            continue
        candidates = [c for c in spinner.candidates(word) if " " not in c.text]
        if not candidates:
            continue
        spinnable.add(word)
        total = sum(c.weight for c in candidates)
        for candidate in candidates:
            mass[candidate.text.lower()] += float(ngram.uni_prob[index]) * candidate.weight / total
    return dict(mass), spinnable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, default=models_dir())
    parser.add_argument("--top-words", type=int, default=20000, help="most frequent corpus words whose spins are counted")
    args = parser.parse_args(argv)
    started = time.time()
    resources = Resources.load(args.models)
    mass, spinnable = emitted_mass(resources, args.top_words)
    out = args.models / "document"
    out.mkdir(parents=True, exist_ok=True)
    rows = sorted(set(mass) | spinnable)
    with gzip.GzipFile(out / GATE_FILE, "wb", mtime=0) as raw:
        raw.write("".join(f"{w}\t{int(w in spinnable)}\t{mass.get(w, 0.0):.4g}\n" for w in rows).encode("utf-8"))
    stats = {"words": len(rows), "spinnable": len(spinnable), "top_words": args.top_words,
             "ngram_corpus_sha256": resources.ngram.meta.get("corpus_sha256"), "seconds": round(time.time() - started, 1)}
    (out / "gate_stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
