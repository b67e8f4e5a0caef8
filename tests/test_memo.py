"""repair/memo.py: a bounded least-recently-used memo."""
import pytest

from repair.memo import Memo


def test_memo_computes_once_and_drops_the_least_recently_used():
    calls = []
    memo = Memo(2)
    compute = lambda key: calls.append(key) or key.upper()  # noqa: E731
    assert memo.get_or("a", compute) == "A" and memo.get_or("b", compute) == "B"
    assert memo.get_or("a", compute) == "A"  # remembered, and now the most recent
    memo.get_or("c", compute)  # drops "b"
    assert calls == ["a", "b", "c"] and "a" in memo and "b" not in memo and len(memo) == 2


def test_memo_size_must_be_positive():
    with pytest.raises(ValueError, match="at least 1, got 0"):
        Memo(0)
