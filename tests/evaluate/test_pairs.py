"""Evaluation pairs (repair/evaluate/pairs.py): JSONL lines, dataset rows, built-in suites."""
from __future__ import annotations

import json
import re

import pytest

from repair.errors import InputError
from repair.evaluate.pairs import SUITES, EvalError, Pair, parse_pair, suite_path
from repair.synth.spin import Substitution


def substitution(source: str, reference: str, spun: str, clean: str, kind: str, held_out: bool = False) -> Substitution:
    """The spinner's record of ``clean`` (in the reference) having become ``spun`` (in the source)."""
    s, c = source.index(spun), reference.index(clean)
    return Substitution(c, c + len(clean), s, s + len(spun), clean, spun, kind, held_out=held_out)


def test_parse_pair_reads_optional_fields():
    line = json.dumps({"id": "x", "source": "a", "reference": "b", "category": "garble", "hypothesis": "b"})
    assert parse_pair(line, 1) == Pair("x", "a", "b", "b", "garble")


def test_parse_pair_reads_dataset_rows_with_the_spinners_substitutions():
    sub = {"clean_start": 3, "clean_end": 7, "spun_start": 3, "spun_end": 12, "clean": "said", "spun": "mentioned",
           "kind": "wordnet", "held_out": True}
    line = json.dumps({"id": "bbc/1#p0", "clean": "He said it.", "spun": "He mentioned it.", "rate": 0.3, "noise": "spin",
                       "subs": [sub, {"spun_start": 0, "spun_end": 2}]})
    pair = parse_pair(line, 1)
    assert (pair.id, pair.source, pair.reference, pair.category) == ("bbc/1#p0", "He mentioned it.", "He said it.", "spin")
    # The incomplete record is left out; the full one is the spinner's own Substitution.
    assert pair.subs == (substitution(pair.source, pair.reference, "mentioned", "said", "wordnet", held_out=True),)


def test_id_defaults_to_the_line_number_and_category_to_all():
    assert parse_pair('{"source": "a", "reference": "a"}', 7) == Pair("7", "a", "a")


@pytest.mark.parametrize(
    "line,message",
    [("{not json", "line 3: not JSON"), ("[1, 2]", "line 3: expected a JSON object"),
     ('{"source": "a"}', "line 3: missing or non-string 'reference'"),
     ('{"source": "a", "reference": "b", "hypothesis": 3}', "line 3: 'hypothesis' must be a string")],
)
def test_parse_pair_names_the_bad_line(line, message):
    with pytest.raises(InputError, match=re.escape(message)):
        parse_pair(line, 3)


def test_unknown_suite_is_named():
    with pytest.raises(EvalError, match="unknown suite 'nope'.*'seeds', 'synthetic'"):
        suite_path("nope")


def test_committed_synthetic_suite_parses_with_substitution_kinds():
    path = suite_path("synthetic")
    assert path == SUITES["synthetic"][0]
    pairs = [parse_pair(line, n) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)]
    assert len(pairs) == 300
    changed = [p for p in pairs if p.source != p.reference]
    assert changed and all(p.subs for p in changed if p.category == "spin")
    for pair in changed:
        for sub in pair.subs:  # spinner records: their offsets point at the texts they name
            assert pair.source[sub.spun_start : sub.spun_end] == sub.spun
            assert pair.reference[sub.clean_start : sub.clean_end] == sub.clean
