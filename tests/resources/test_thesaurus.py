"""Thesaurus lookups against the shipped derived file (models/thesaurus/)."""
from __future__ import annotations

import pytest

from repair.errors import ModelNotFoundError
from repair.resources.thesaurus import INVERSE_FILE, SOURCES, Thesaurus, inverse_lines


@pytest.fixture(scope="module")
def thesaurus() -> Thesaurus:
    return Thesaurus.load()


def words(items) -> set[str]:
    return {item.word for item in items}


def test_sense_blind_synonyms(thesaurus):
    assert "safety" in words(thesaurus.synonyms("security"))
    assert "overseas" in words(thesaurus.synonyms("foreign"))
    assert "tell" in words(thesaurus.synonyms("say", pos="v"))


def test_every_item_has_weight_and_known_source(thesaurus):
    items = thesaurus.synonyms("organization")
    assert items
    assert all(0 < s.weight <= 1 and s.source in SOURCES for s in items)
    assert [s.weight for s in items] == sorted((s.weight for s in items), reverse=True)


def test_sources_present(thesaurus):
    seen = {s.source for lemma in ("year", "security", "say", "foreign", "against", "happy", "law")
            for s in thesaurus.synonyms(lemma)}
    assert {"wordnet", "phrase", "twohop", "related", "similar", "distrib"} <= seen


def test_phrase_keys_and_values(thesaurus):
    assert "in opposition to" in words(thesaurus.synonyms("against"))
    assert "we now have" in words(thesaurus.synonyms("we have"))
    assert "12 months" in words(thesaurus.synonyms("year", sources=["phrase"]))


def test_filters(thesaurus):
    assert all(s.pos in ("v", "x") for s in thesaurus.synonyms("say", pos="v"))
    assert all(s.source == "wordnet" for s in thesaurus.synonyms("say", sources=["wordnet"]))
    assert thesaurus.synonyms("qqqxyz") == []


def test_sources_of_is_inverse(thesaurus):
    assert "year" in words(thesaurus.sources_of("12 months"))
    for lemma in ("security", "tell"):
        for item in thesaurus.synonyms(lemma)[:5]:
            assert lemma in words(thesaurus.sources_of(item.word))


def test_originals_inflect_back(thesaurus):
    originals = {o.text for o in thesaurus.originals("told")}
    assert "said" in originals
    assert "countries" in {o.text for o in thesaurus.originals("nations")}


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(ModelNotFoundError, match=str(tmp_path)):
        Thesaurus.load(tmp_path)


def test_originals_of_a_multiword_noun_lemma(thesaurus):
    # "Chinese" -> "Chinese language" is a spin; undoing it needs the noun sources of a phrase
    # that has no inflected reading, not only the phrase rewrites.
    assert "chinese" in {o.text for o in thesaurus.originals("chinese language")}
    assert "against" in {o.text for o in thesaurus.originals("in opposition to")}
    assert "qqq language" not in {o.text for o in thesaurus.originals("qqq language")}


def test_function_words_get_same_class_corpus_neighbours(thesaurus):
    # Closed-class items are uninflected ("x") and stay in their class: a preposition gets
    # prepositions, an indefinite pronoun gets indefinite pronouns.
    during = thesaurus.synonyms("during", sources=["closed"])
    assert "throughout" in words(during) and all(s.pos == "x" for s in during)
    assert "anybody" in words(thesaurus.synonyms("anyone", sources=["closed"]))
    assert "however" in words(thesaurus.synonyms("but", sources=["closed"]))
    assert "after" not in words(thesaurus.synonyms("before", sources=["closed"]))  # opposites left out
    assert all(s.weight <= 0.4 for s in during)  # below direct synonyms


def test_pertainym_derived_adverbs(thesaurus):
    assert "totally" in words(thesaurus.synonyms("fully", pos="r", sources=["derived"]))


def test_longer_compounds_are_not_read_as_expansions(thesaurus):
    # "sphere of influence" is a fixed phrase of clean news, not a spin of "sphere".
    assert "sphere" not in {o.text for o in thesaurus.originals("sphere of influence")}


def test_shipped_inverse_index_is_the_inverse_of_the_shipped_forward_file(thesaurus):
    assert thesaurus.inverse_path is not None and thesaurus.inverse_path.name == INVERSE_FILE
    assert thesaurus._inverse == inverse_lines(thesaurus.lines)


def test_derived_and_shipped_inverse_give_the_same_lookups(thesaurus):
    derived = Thesaurus(thesaurus.lines, thesaurus.inflector)
    for word in ("said", "mentioned", "safety", "group", "in opposition to", "final"):
        assert derived.sources_of(word) == thesaurus.sources_of(word)
        assert derived.originals(word) == thesaurus.originals(word)
    assert "say" in words(thesaurus.sources_of("mention", pos="v"))
