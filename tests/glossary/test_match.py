"""Glossary matching: spun variants back to canonical terms, clean text untouched (repair/glossary/match.py)."""
from __future__ import annotations

import gzip
import json

import pytest

from repair.errors import ModelNotFoundError
from repair.glossary.match import Glossary, GlossaryConfig, glossary_tokens, inflection_of, joined_by_space, strip_possessive
from repair.glossary.mine import MineConfig, glossary_data, select_terms, variant_keys, word_variants
from repair.glossary.terms import GLOSSARY_FILE, term_case
from tests.glossary.tiny import TINY, apply, mine, synonyms


@pytest.mark.parametrize(
    "spun, clean",
    [
        ("Yesterday the Overseas Minister arrived.", "Yesterday the Foreign Minister arrived."),
        ("The Northern Commerce Council met.", "The Northern Trade Council met."),
        ("OVERSEAS MINISTER ADA LARK SPOKE.", "FOREIGN MINISTER ADA LARK SPOKE."),
        ("The EXT Minister spoke.", "The Foreign Minister spoke."),
        ("The Overseas Minister's plane landed.", "The Foreign Minister's plane landed."),
        ("The Foreign Minsiter spoke.", "The Foreign Minister spoke."),
    ],
)
def test_spun_variant_is_restored_with_case(tiny, spun, clean):
    edits = tiny.find(spun)
    assert apply(spun, edits) == clean
    assert all(e.source == "glossary" and 0 < e.confidence <= 1 for e in edits)


def test_canonical_and_clean_text_give_no_edits(tiny, corpus):
    for paragraph in corpus:
        assert tiny.find(paragraph) == []
    assert tiny.find("") == []
    assert tiny.find("the overseas minister, in lower case, is not a name here") == []


def test_edits_are_sorted_and_do_not_overlap(tiny):
    text = "The Overseas Minister met the Northern Commerce Council and the Harbour Refuge Board (HSB)."
    edits = tiny.find(text)
    assert [e.start for e in edits] == sorted(e.start for e in edits) and len(edits) == 3
    assert all(a.end <= b.start for a, b in zip(edits, edits[1:]))


def test_variant_seen_in_clean_text_is_blocked(corpus):
    terms = select_terms(mine(corpus), MineConfig(min_freq=3))
    variants = word_variants(variant_keys(terms), synonyms)
    open_glossary = Glossary(terms, variants, config=TINY)
    # "Overseas Development Fund" is clean text but reads as a variant of nothing here;
    # a clean sentence that does read as a variant is blocked once seen in the corpus.
    clean = "The Overseas Minister of Sport is a real office in this corpus."
    assert open_glossary.attested_variants(clean) == ["overseas minister"]
    blocked = Glossary(terms, variants, blocked=open_glossary.attested_variants(clean), config=TINY)
    assert blocked.find(clean) == []


def test_rare_two_word_term_is_not_trusted(corpus):
    terms = select_terms(mine(corpus), MineConfig(min_freq=3))
    variants = word_variants(variant_keys(terms), synonyms)
    strict = Glossary(terms, variants, config=GlossaryConfig(min_term_freq=3, min_short_freq=50))
    assert strict.find("Yesterday the Overseas Minister arrived.") == []


def test_own_acronym_lets_more_words_be_restored(tiny):
    text = "The Boreal Commerce Council (NTC) met."
    assert apply(text, tiny.find(text)) == "The Northern Trade Council (NTC) met."
    assert tiny.find("The Boreal Commerce Council met.") == []


def test_needs_an_intact_word(tiny):
    assert tiny.find("The Boreal Commerce Panel met.") == []
    assert tiny.find("The Overseas Curate spoke.") == []


def test_acronym_repairs_can_be_switched_off(corpus, tiny):
    text = "The NC (Northern Trade Council) met."
    assert apply(text, tiny.find(text)) == "The NTC (Northern Trade Council) met."
    terms = select_terms(mine(corpus), MineConfig(min_freq=3, min_acronym_freq=2))
    variants = word_variants(variant_keys(terms), synonyms)
    config = GlossaryConfig(min_term_freq=3, min_short_freq=8, acronym_variants=False)
    assert Glossary(terms, variants, config=config).find(text) == []


@pytest.mark.parametrize(
    "token, word, expected",
    [("ministers", "minister", True), ("minister's", "minister", True), ("minister", "ministers", True),
     ("ministerial", "minister", False), ("minster", "minister", False)],
)
def test_inflection_of(token, word, expected):
    assert inflection_of(token, word) is expected


def test_bad_format_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="glossary format"):
        Glossary.from_data({"format": 99})
    with pytest.raises(ModelNotFoundError, match="glossary"):
        Glossary.load(tmp_path)


def test_load_round_trip(tiny, tmp_path):
    folder = tmp_path / "glossary"
    folder.mkdir()
    data = glossary_data(tiny.terms, {w: [" ".join(f) for f in forms] for w, forms in tiny.variants.items()})
    with gzip.open(folder / GLOSSARY_FILE, "wt", encoding="utf-8") as handle:
        json.dump(data, handle)
    loaded = Glossary.load(tmp_path, TINY)
    assert loaded.find("Yesterday the Overseas Minister arrived.")[0].new == "Foreign"
    assert Glossary.from_file(folder / GLOSSARY_FILE, TINY).terms == loaded.terms


# ---- the shipped glossary ---------------------------------------------------------------


def test_shipped_glossary_restores_generated_variants(shipped):
    """For frequent terms, a sentence with one word swapped for a variant comes back exactly."""
    restored = tried = 0
    for term, words in zip(shipped.terms[:300], shipped.term_words[:300]):
        if len(words) < 3:
            continue
        k = len(words) - 1
        for form in shipped.variants.get(words[k], ())[:1]:
            spun_words = list(term.words[:k]) + [term_case(term.words[k], " ".join(form))]
            spun = f"On Monday the {' '.join(spun_words)} said so."
            key = " ".join(w.lower() for w in spun_words)
            if key in shipped.blocked:
                continue
            tried += 1
            restored += apply(spun, shipped.find(spun)) == f"On Monday the {term.text} said so."
    assert tried >= 20
    assert restored >= 0.8 * tried


@pytest.mark.parametrize(
    "spun, clean",
    [
        ("Officials said the Exchequer Secretary would travel to Paris.", "Officials said the Treasury Secretary would travel to Paris."),
        ("The DEPARTMENT OF COMMERCIALISM said so.", "The DEPARTMENT OF COMMERCE said so."),
        ("The Department of Commercialism's report", "The Department of Commerce's report"),
        ("The CSO (Collective Security Treaty Organization) met.", "The CSTO (Collective Security Treaty Organization) met."),
    ],
)
def test_shipped_glossary_restores_titles_and_offices(shipped, spun, clean):
    assert apply(spun, shipped.find(spun)) == clean


@pytest.mark.shared
def test_shipped_glossary_leaves_clean_seeds_alone(shipped, seed_text):
    for prefix in ("000", "001", "004"):
        text = seed_text(prefix)
        assert [e for line in text.split("\n") for e in shipped.find(line)] == []


@pytest.mark.shared
def test_shipped_glossary_on_clean_test_corpus(shipped, test_corpus_path):
    edits = words = 0
    with gzip.open(test_corpus_path, "rt", encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            if n >= 150:
                break
            for paragraph in json.loads(line)["text"].split("\n"):
                words += len(paragraph.split())
                edits += len(shipped.find(paragraph))
    assert 1000 * edits / words < 0.2


@pytest.mark.shared
def test_shipped_glossary_restores_terms_in_spun_seed(shipped, seed_text):
    text = seed_text("003")
    news = {e.new for line in text.split("\n") for e in shipped.find(line)}
    assert {"Foreign", "Organization"} <= news  # the foreign-minister title and the organisation


def every_alignment(glossary: Glossary, text: str) -> list:
    """The matches of a scan that tries every term at every token (what the indexes must equal)."""
    tokens = glossary_tokens(text)
    lower = [strip_possessive(t.text).lower() for t in tokens]
    found = []
    for i in range(len(tokens) - 1):
        if not joined_by_space(text, tokens[i], tokens[i + 1]):
            continue
        for term in range(len(glossary.term_words)):
            match = glossary._align(text, tokens, lower, i, term)
            if match is not None:
                found.append(match)
    return found


@pytest.mark.parametrize("text", [
    "In the public eye the Union Bank of Switzerland and the United States Attorney met on Monday.",
    "The Joined States Lawyer told the Department of Commercialism and the Blanched House.",
    "Officials in the United Nations said the Prime Minster of the Unified Kingdom spoke.",
])
def test_indexed_matching_finds_what_trying_every_term_finds(shipped, text):
    """The pair index, the third-word check and the shared readings only skip terms that cannot
    be read at a token (they are what keeps clean text fast)."""
    tokens = glossary_tokens(text)
    lower = [strip_possessive(t.text).lower() for t in tokens]
    indexed = shipped._matches(text, tokens, lower)
    assert indexed, "each sentence reads as some term"
    key = lambda m: (m.first, m.last, m.term)  # noqa: E731
    assert sorted(indexed, key=key) == sorted(every_alignment(shipped, text), key=key)
