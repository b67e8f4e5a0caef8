"""The one span-overlap test (repair/text/spans.py)."""
import pytest

from repair.text import overlaps


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ((0, 4), (4, 8), False),  # touching is not overlapping: spans are half-open
        ((0, 5), (4, 8), True),
        ((2, 3), (0, 8), True),
        ((0, 8), (2, 3), True),
        ((5, 8), (0, 5), False),
        ((3, 3), (0, 8), True),  # an empty span inside another
        ((0, 0), (0, 8), False),  # ... but not at its start
    ],
)
def test_overlaps(a, b, expected):
    assert overlaps(*a, *b) is expected
    assert overlaps(*b, *a) is expected
