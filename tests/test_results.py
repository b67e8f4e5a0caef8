"""Result values (repair/results.py): the review fields of Edit stay out of the JSON until set."""
from __future__ import annotations

import json

from repair.results import Edit


def test_edit_to_dict_unchanged_without_review_fields():
    edit = Edit(4, 13, "mentioned", "said", "model", 0.9)
    assert json.dumps(edit.to_dict()) == '{"start": 4, "end": 13, "old": "mentioned", "new": "said", "source": "model", "confidence": 0.9}'


def test_edit_to_dict_with_review_fields_round_trips():
    edit = Edit(4, 13, "mentioned", "said", "model", 0.9, ("noted", "mentioned"), "decoder+pairs prefer 'said' (p=0.90)")
    data = edit.to_dict()
    assert data["alternatives"] == ["noted", "mentioned"] and data["reason"].startswith("decoder+pairs")
    assert Edit(**{**data, "alternatives": tuple(data["alternatives"])}) == edit
