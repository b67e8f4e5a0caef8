"""The LM's margins over a map entry's places (repair/document/lm_margin.py)."""
from __future__ import annotations

import pytest

from repair.document.lm_margin import MAX_PLACES, entry_margins, left_window, place_pairs, right_window

TEXT = ("An earlier paragraph ends here.\n"
        "The foreign minister mentioned on Monday that talks would continue next week. "
        "Mentioned in the report, the officials agreed.\n"
        "A spokesman mentioned it too.")


def test_windows_stay_in_the_paragraph_and_keep_the_space_before_the_place():
    start = TEXT.index("mentioned")
    assert left_window(TEXT, start) == "The foreign minister "
    assert left_window(TEXT, start, words=2) == "foreign minister "
    later = TEXT.index("Mentioned")
    assert left_window(TEXT, later, words=4) == "would continue next week. "
    assert right_window(TEXT, start + len("mentioned")) == " on Monday that"
    last = TEXT.rindex("mentioned")
    assert right_window(TEXT, last + len("mentioned"), words=5) == " it too."


def test_place_pairs_read_each_place_in_its_case_up_to_the_limit():
    pairs = place_pairs(TEXT, "mentioned", "said", max_places=5)
    assert len(pairs) == 3  # every occurrence, any case
    (left, old), (same_left, new) = pairs[1]
    assert left == same_left and left.endswith("continue next week. ")
    assert old == "Mentioned in the report," and new == "Said in the report,"
    assert len(place_pairs(TEXT, "mentioned", "said")) == MAX_PLACES
    assert place_pairs(TEXT, "stated", "said") == []


@pytest.mark.slow
def test_the_lm_prefers_the_original_wording_throughout(lm):
    said, noted = entry_margins(lm, TEXT, [("mentioned", "said"), ("mentioned", "tomato")])
    assert said.places == noted.places == MAX_PLACES
    # Pooled over its places the LM prefers "said"; one place alone may not ("Mentioned in the
    # report," opens a sentence well), which is why the decider reads the mean and the smallest.
    assert said.mean > 1.0 and said.smallest <= said.mean
    assert noted.mean < 0  # nonsense is no restoration
    assert entry_margins(lm, TEXT, [("stated", "said")]) == [None]
