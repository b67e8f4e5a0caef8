"""Restorer kinds by name. Adding a kind: write its module, add one entry here.

Each entry builds a restorer from the pipeline's shared resources (``Resources``), so the
thesaurus and n-gram counts the detector reads are the same objects in memory.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from repair.errors import UnknownKindError
from repair.resources.shared import Resources
from repair.results import Edit, Span


class Restorer(Protocol):
    """Proposes replacements for suspicious spans of one paragraph."""

    def propose(self, paragraph: str, spans: Sequence[Span]) -> list[Edit]: ...


def load_seq2seq(resources: Resources) -> Restorer:
    from repair.restore.seq2seq import Seq2SeqRestorer

    return Seq2SeqRestorer.from_pretrained(resources.root / "restorer", resources)


def load_lexicon(resources: Resources) -> Restorer:
    from repair.detect.lexicon import build_scorer
    from repair.restore.lexicon import LexiconRestorer

    return LexiconRestorer(build_scorer(resources))


# The CLI's --restorer choices are these keys; "seq2seq" is the shipped default.
RESTORERS: dict[str, Callable[[Resources], Restorer]] = {
    "seq2seq": load_seq2seq,
    "lexicon": load_lexicon,
}


def load_restorer(kind: str, resources: Resources) -> Restorer:
    """Build the restorer registered as ``kind``.

    Raises:
        UnknownKindError: ``kind`` is not a key of ``RESTORERS``.
    """
    if kind not in RESTORERS:
        raise UnknownKindError("restorer", kind, RESTORERS)
    return RESTORERS[kind](resources)
