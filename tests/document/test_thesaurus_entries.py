"""Map entries the restorer never proposed: thesaurus originals that a document's counts point to."""
from __future__ import annotations

import pytest

from repair.document.evidence import phrase_probability
from repair.document.thesaurus_entries import PER_100_WORDS, PER_WORD, phrase_counts, thesaurus_entries
from repair.resources.ngram import tokenize
from repair.text import count_words

# News-like prose where "excessive" stands eight times; the spun copy says "inordinate" instead,
# a WordNet synonym that reads fine sentence by sentence.
CLEAN = " ".join(f"Inspectors in district {i} said the fees were excessive and the delays were long." for i in range(8))
SPUN = CLEAN.replace("excessive", "inordinate")


def entries_of(text: str, resources, **kwargs) -> list:
    return thesaurus_entries(text, resources.thesaurus, resources.ngram, count_words(text), **kwargs)


def test_phrase_counts_count_every_one_to_three_token_phrase():
    tokens, counts = phrase_counts("The fees were high. The fees were low.")
    assert tokens == 10  # eight words and two full stops
    assert counts["fees"] == 2 and counts["the fees"] == 2 and counts["the fees were"] == 2
    assert counts["high ."] == 1 and counts["were low"] == 1


def test_a_word_spun_throughout_gets_its_original_as_an_entry(shipped_resources):
    found = {(e.old, e.new): e for e in entries_of(SPUN, shipped_resources)}
    assert ("inordinate", "excessive") in found
    assert found[("inordinate", "excessive")].occurrences == 8


def test_the_clean_original_proposes_nothing_for_the_word_it_uses(shipped_resources):
    found = entries_of(CLEAN, shipped_resources)
    assert not any(e.new == "excessive" for e in found)  # present eight times: nothing was taken away
    assert not any(e.old == "inordinate" for e in found)


def test_pairs_judged_elsewhere_are_skipped(shipped_resources):
    found = entries_of(SPUN, shipped_resources, skip={("inordinate", "excessive")})
    assert ("inordinate", "excessive") not in {(e.old, e.new) for e in found}


def test_entries_are_capped_per_word_and_per_length_and_stay_in_the_vocabulary(shipped_resources):
    found = entries_of(SPUN, shipped_resources)
    per_old: dict[str, int] = {}
    for entry in found:
        per_old[entry.old] = per_old.get(entry.old, 0) + 1
        assert shipped_resources.ngram.knows([t.norm for t in tokenize(entry.new)])
    assert max(per_old.values()) <= PER_WORD
    assert len(found) <= max(PER_WORD, PER_100_WORDS * count_words(SPUN) // 100)


def test_a_word_outside_the_corpus_vocabulary_counts_as_never_seen(shipped_resources):
    ngram = shipped_resources.ngram
    unseen = phrase_probability(ngram, "geezerhoodz")
    assert unseen == pytest.approx(0.5 / float(ngram.meta["tokens"]))
    # Before, an unknown word read the pooled count of every unknown word: as common as "world".
    assert unseen < phrase_probability(ngram, "inordinate") < phrase_probability(ngram, "world")
