"""Build models/ngram/originals.npz: the lexicon detector's candidate originals of every corpus word.

Usage: python scripts/build_originals.py [--models models/]

Reads the shipped thesaurus and n-gram vocabulary (run after build_thesaurus.py and
build_ngrams.py) and computes each vocabulary word's originals with the detector's own run-time
look-up (``LexiconScorer.lookup_originals``), so a table hit is the same answer, only computed
once (see ``repair/detect/originals.py``). Deterministic; about 10 s on one core.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repair.detect.lexicon import build_scorer  # noqa: E402
from repair.detect.originals import ORIGINALS_FILE, build_table, signature  # noqa: E402
from repair.paths import models_dir  # noqa: E402
from repair.resources.shared import Resources  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, default=models_dir())
    args = parser.parse_args(argv)
    started = time.time()
    resources = Resources.load(args.models)
    scorer = build_scorer(resources)
    vocab, ids = resources.ngram.vocab, resources.ngram.ids

    def originals_of(word_id: int) -> list[tuple[float, list[int]]]:
        word = vocab[word_id]
        if ids.get(word) != word_id:  # a duplicate line of vocab.txt: the scorer never asks for this id
            return []
        rows = scorer.lookup_originals(word)
        for replacement, _, token_ids in rows:
            # The scorer rebuilds each original's text from its token ids: they must say the same.
            if " ".join(vocab[i] for i in token_ids) != replacement:
                raise SystemExit(f"original {replacement!r} of {word!r} does not read back from its ids {token_ids}")
        return [(prior, token_ids) for _, prior, token_ids in rows]

    table = build_table(len(vocab), originals_of, signature(args.models, scorer.source.settings()))
    out = Path(args.models) / "ngram" / ORIGINALS_FILE
    table.save(out)
    stats = {"words": len(vocab), "words_with_originals": int((table.word_rows[1:] > table.word_rows[:-1]).sum()),
             "originals": len(table.priors), "bytes": out.stat().st_size, "seconds": round(time.time() - started, 1)}
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
