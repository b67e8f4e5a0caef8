"""A batch's spinner profile: decisions pooled over documents, saved, loaded and applied."""
from __future__ import annotations

import json

import pytest

from repair.document.profile import ProfileError, SpinnerProfile, combine_maps, extend_to_repeats, learn_profile
from repair.errors import InputError
from repair.results import MapEntry
from tests.document.test_profile import edit

FIRST = "Officials mentioned the talks. The minister mentioned progress."
SECOND = "The envoy mentioned nothing new."
THIRD = "A spokesman mentioned the date, and the ministry mentioned the venue."


def test_profile_pools_the_restorers_decisions_of_every_document():
    documents = [
        [edit(FIRST, "mentioned", "said", 0.6), edit(FIRST, "mentioned", "said", 0.5, nth=1)],
        [edit(SECOND, "mentioned", "said", 0.7), edit(SECOND, "envoy", "ambassador", 0.4, source="document")],
        [],  # a document with nothing restored adds no evidence
    ]
    profile = learn_profile(documents)
    assert profile.documents == 2
    assert profile.entries == (MapEntry("mentioned", "said", 3, 0.94),)  # 1 - (1 - 0.8) * (1 - 0.7)


def test_profile_entries_reach_repeats_the_document_alone_would_leave():
    own = [edit(THIRD, "mentioned", "said", 0.6)]  # one unsure decision: stays local
    assert extend_to_repeats(THIRD, own, min_confidence=0.9) == []
    shared = (MapEntry("mentioned", "said", 40, 0.99),)
    added = extend_to_repeats(THIRD, own, min_confidence=0.9, shared=shared)
    assert [(e.start, e.old, e.new, e.source) for e in added] == [(THIRD.rindex("mentioned"), "mentioned", "said", "document")]
    # No decision of its own is needed: the batch's map covers the document's first occurrence too.
    assert len(extend_to_repeats(THIRD, [], min_confidence=0.9, shared=shared)) == 2


def test_combining_maps_adds_counts_and_pools_confidence():
    assert combine_maps((MapEntry("a", "b", 2, 0.5),), (MapEntry("a", "b", 1, 0.5), MapEntry("c", "d", 1, 0.9))) == (
        MapEntry("a", "b", 3, 0.75), MapEntry("c", "d", 1, 0.9))


def test_profile_round_trips_through_its_file(tmp_path):
    profile = SpinnerProfile(entries=(MapEntry("mentioned", "said", 14, 0.97),), documents=3)
    path = tmp_path / "profile.json"
    profile.save(path)
    assert SpinnerProfile.load(path) == profile
    assert json.loads(path.read_text())["entries"][0] == {"old": "mentioned", "new": "said", "count": 14, "confidence": 0.97}


@pytest.mark.parametrize("content, problem", [
    ("not json", "cannot read it"),
    ('{"entries": []}', "not a spinner profile"),
    ('{"type": "unspin-spinner-profile", "documents": 1, "entries": [{"old": "a"}]}', "malformed entry"),
])
def test_bad_profile_file_names_the_file_and_the_problem(tmp_path, content, problem):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ProfileError, match=problem) as caught:
        SpinnerProfile.load(path)
    assert str(path) in str(caught.value) and isinstance(caught.value, InputError)
    with pytest.raises(ProfileError, match="cannot read it"):
        SpinnerProfile.load(tmp_path / "missing.json")
