"""Pure parts of scripts/build_thesaurus.py: closed-class neighbours, phrase joining, pertainyms."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_thesaurus.py"


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location("build_thesaurus", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def unit(*rows: list[float]) -> np.ndarray:
    vectors = np.array(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_closed_neighbours_stay_in_class_and_skip_opposites(build):
    # "weeks" sits closest to "during" but is no preposition; "after"/"before" are opposites.
    vocab = ["during", "throughout", "weeks", "before", "after", "whereas"]
    vectors = unit([1, 0, 0, 0], [0.95, 0.3, 0, 0], [1, 0.05, 0, 0], [0.1, 0, 1, 0], [0.1, 0.05, 1, 0], [0, 0, 0, 1])
    pairs = {(a, b) for a, pos, b, _ in build.closed_class_pairs(vocab, vectors, keep=2, min_cos=0.5)}
    assert ("during", "throughout") in pairs and ("throughout", "during") in pairs
    assert not {p for p in pairs if "weeks" in p}
    assert ("before", "after") not in pairs and ("after", "before") not in pairs
    assert not {p for p in pairs if "whereas" in p}  # below the cosine floor


def test_closed_items_are_uninflected_and_weighted_below_wordnet(build):
    vocab = ["although", "though", "but", "however"]
    vectors = unit([1, 0.1], [1, 0.2], [1, 0.5], [1, 0.6])
    items = list(build.closed_class_pairs(vocab, vectors))
    assert items and all(pos == "x" and 0 < weight <= build.WEIGHTS["closed"] for _, pos, _, weight in items)


def test_phrase_joiner_joins_longest_first(build):
    join = build.phrase_joiner(("according_to", "in_line_with", "in_line"))
    assert join("prices fell according to data, in line with forecasts") == (
        "prices fell according_to data, in_line_with forecasts")
    assert build.phrase_joiner(())("as is") == "as is"


@pytest.mark.skipif(not Path("/usr/share/wordnet/data.adv").is_file(), reason="Debian wordnet-base not installed")
def test_pertainyms_link_adverbs_to_adjectives(build):
    pert = build.pertainyms(Path("/usr/share/wordnet"))
    assert "full" in pert[("fully", "r")]
    assert "quick" in pert[("quickly", "r")]


def test_closed_items_keep_only_same_class_thesaurus_synonyms(build):
    # "under"'s WordNet entry mixes junk senses with real swaps; only the preposition stays.
    table = {("under", "r"): {"below": (0.8, "wordnet"), "nether": (0.6, "wordnet"), "above": (0.5, "similar")},
             ("under", "a"): {"lower": (0.7, "mythes")}, ("during", "n"): {"throughout": (0.3, "twohop")}}
    pairs = {(a, b): (pos, w) for a, pos, b, w in build.closed_thesaurus_pairs(table)}
    assert set(pairs) == {("under", "below")}  # opposites, non-class words and two-hop left out
    assert pairs[("under", "below")][0] == "x" and 0 < pairs[("under", "below")][1] <= build.WEIGHTS["closed"]
