"""The restorer registry (repair.restore.registry): kinds by name, built from shared resources."""
from __future__ import annotations

import pytest

from repair.errors import UnknownKindError
from repair.restore.lexicon import LexiconRestorer
from repair.restore.registry import RESTORERS, load_restorer


def test_registered_kinds():
    assert set(RESTORERS) == {"seq2seq", "lexicon", "seq2seq+lm"}


@pytest.mark.parametrize("kind", ["labeler", "bogus", ""])
def test_unknown_kind_names_the_value_and_the_choices(kind, shipped_resources):
    with pytest.raises(UnknownKindError, match=r"unknown restorer ") as raised:
        load_restorer(kind, shipped_resources)
    assert raised.value.value == kind
    assert raised.value.choices == ["lexicon", "seq2seq", "seq2seq+lm"]
    assert repr(kind) in str(raised.value) and "['lexicon', 'seq2seq', 'seq2seq+lm']" in str(raised.value)


def test_lexicon_kind_reads_the_shared_resources(shipped_resources):
    restorer = load_restorer("lexicon", shipped_resources)
    assert isinstance(restorer, LexiconRestorer)
    assert restorer.scorer.ngram is shipped_resources.ngram
