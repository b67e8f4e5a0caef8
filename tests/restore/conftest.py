"""Fixtures of the restorer tests: the shipped encoder-decoder, loaded once per session.

It comes from the shipped pipeline (``shipped_repairer`` in tests/conftest.py), so a whole test
run loads it once; a restorer that does not load fails the tests that use it.
"""
from __future__ import annotations

import pytest

from repair.restore.seq2seq import Seq2SeqRestorer
from repair.restore.seq2seq.windows import WordPieceEncoder, load_wordpiece_encoder
from repair.results import Span


@pytest.fixture(scope="session")
def shipped_seq2seq(shipped_repairer) -> Seq2SeqRestorer:
    """The restorer ``models/restorer`` ships (the default kind, ``seq2seq``)."""
    (restorer,) = shipped_repairer.restorers
    assert isinstance(restorer, Seq2SeqRestorer)
    return restorer


@pytest.fixture(scope="session")
def wordpiece() -> WordPieceEncoder:
    """MiniLM's WordPiece encoder (read from its package; about a second)."""
    return load_wordpiece_encoder()


def spans_for(paragraph: str, *needles: str) -> list[Span]:
    """Spans over the first occurrence of each needle."""
    spans = []
    for needle in needles:
        start = paragraph.index(needle)
        spans.append(Span(start, start + len(needle), needle, 1.0, "test"))
    return spans
