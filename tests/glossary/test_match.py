"""Glossary: mining terms from clean sentences, finding spun variants, never touching clean text."""
from __future__ import annotations

import gzip
import json

import pytest

from repair.errors import ModelNotFoundError
from repair.glossary.match import (
    GLOSSARY_FILE,
    Glossary,
    GlossaryConfig,
    MineConfig,
    MineCounts,
    count_paragraph,
    explains,
    glossary_data,
    restores,
    spun_precision,
    select_terms,
    transfer_case,
    variant_keys,
    word_variants,
)
from repair.paths import models_dir

# A small clean "corpus": each sentence pattern is repeated so its terms pass min_freq.
CLEAN = [
    "The Foreign Minister of Freedonia met the press on {day}.",
    "Officials said the Northern Trade Council (NTC) would meet again on {day}.",
    "The Northern Trade Council said exports rose on {day}.",
    "Analysts at the Harbour Safety Board (HSB) published a report on {day}.",
    "Freedonia's Foreign Minister Ada Lark flew home on {day}.",
    "The Overseas Development Fund paid out grants on {day}.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
# The corpus is tiny, so terms are rare: trust two-word terms from 8 occurrences on.
TINY = GlossaryConfig(min_term_freq=3, min_short_freq=8)
# The synonyms a spinner's thesaurus would offer for each (lower-case) word.
THESAURUS = {
    "foreign": ["overseas", "alien", "ext"],
    "minister": ["curate", "diplomatic minister"],
    "trade": ["commerce", "craft"],
    "council": ["board", "assembly"],
    "safety": ["refuge"],
    "board": ["panel"],
    "northern": ["boreal"],
}


def synonyms(word: str) -> list[str]:
    return THESAURUS.get(word, [])


def mine(paragraphs: list[str]) -> MineCounts:
    counts = MineCounts()
    for paragraph in paragraphs:
        counts.update(count_paragraph(paragraph))
    return counts


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    return [pattern.format(day=day) for pattern in CLEAN for day in DAYS]


@pytest.fixture(scope="module")
def tiny(corpus) -> Glossary:
    config = MineConfig(min_freq=3, min_acronym_freq=2)
    terms = select_terms(mine(corpus), config)
    variants = word_variants(variant_keys(terms), synonyms)
    glossary = Glossary(terms, variants, vocab={"report", "exports"}, config=TINY)
    blocked = [key for paragraph in corpus for key in glossary.attested_variants(paragraph)]
    data = glossary_data(terms, variants, blocked=blocked, vocab={"report", "exports"})
    return Glossary.from_data(json.loads(json.dumps(data)), TINY)


def apply(text: str, edits) -> str:
    for edit in sorted(edits, key=lambda e: -e.start):
        assert text[edit.start : edit.end] == edit.old
        text = text[: edit.start] + edit.new + text[edit.end :]
    return text


# ---- mining -----------------------------------------------------------------------------


def test_mining_finds_terms_and_acronyms(tiny):
    texts = {t.text: t for t in tiny.terms}
    assert "Foreign Minister" in texts
    assert texts["Northern Trade Council"].acronym == "NTC"
    assert texts["Northern Trade Council"].kind == "org"
    assert not any(t.text.split()[0] in ("The", "Officials") for t in tiny.terms)
    assert not any(day in t.text for t in tiny.terms for day in DAYS)


def test_sentence_start_and_coordination_are_not_terms():
    counts = mine([f"Monday Morning traffic was slow near Paris and Rome {i}." for i in range(6)] + [
        f"Paris {i} and Rome {i} are cities, Paris is big, Rome is old." for i in range(20)
    ])
    texts = {t.text for t in select_terms(counts, MineConfig(min_freq=3))}
    assert "Monday Morning" not in texts
    assert "Paris and Rome" not in texts


def test_word_variants_skip_abbreviations_and_self():
    table = word_variants(["corporation", "foreign"], lambda w: {"corporation": ["corp", "company", "Corporation"], "foreign": ["Overseas"]}[w])
    assert table == {"corporation": ["company"], "foreign": ["overseas"]}


# ---- matching ---------------------------------------------------------------------------


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


def test_acronym_disagreeing_with_name_is_repaired(tiny):
    text = "Members of the Harbour Refuge Board (HSB) met."
    assert apply(text, tiny.find(text)) == "Members of the Harbour Safety Board (HSB) met."


def test_acronym_variant_next_to_its_name(tiny):
    text = "The NC (Northern Trade Council) met."
    assert apply(text, tiny.find(text)) == "The NTC (Northern Trade Council) met."


@pytest.mark.parametrize(
    "words, acronym, expected",
    [
        ("Collective Security Treaty Organization", "CSO", False),
        ("Association of Southeast Asian Nations", "ASEAN", True),
        ("Centers for Disease Control and Prevention", "CDC", True),
        ("The General Services Administration", "GSA", True),
        ("Asia-Pacific Economic Cooperation", "APEC", True),
    ],
)
def test_explains(words, acronym, expected):
    assert explains(words.split(), acronym) is expected


@pytest.mark.parametrize(
    "template, word, expected",
    [("Overseas", "Foreign", "Foreign"), ("OVERSEAS", "Foreign", "FOREIGN"), ("overseas", "Foreign", "foreign"),
     ("group", "CSTO", "CSTO"), ("Group", "organization", "Organization")],
)
def test_transfer_case(template, word, expected):
    assert transfer_case(template, word) == expected


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


def test_spun_precision_counts_exact_restorations(tiny):
    from repair.synth.spin import SpunText, Substitution

    clean = "Yesterday the Foreign Minister met the Northern Trade Council."
    spun = "Yesterday the Overseas Minister met the Northern Commerce Council."
    subs = (
        Substitution(14, 21, 14, 22, "Foreign", "Overseas", "wordnet"),
        Substitution(48, 53, 49, 57, "Trade", "Commerce", "wordnet"),
    )
    spun_text = SpunText(clean, spun, subs)
    assert all(restores(edit, spun_text) for edit in tiny.find(spun))
    stats = spun_precision(tiny, [spun_text])
    assert (stats["spun_edits_right"], stats["spun_edits_wrong"]) == (2, 0)


# ---- the shipped glossary ---------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Glossary:
    if not (models_dir() / "glossary" / GLOSSARY_FILE).is_file():
        pytest.skip("models/glossary not built (python scripts/build_glossary.py)")
    return Glossary.load(models_dir())


def test_shipped_glossary_restores_generated_variants(shipped):
    """For frequent terms, a sentence with one word swapped for a variant comes back exactly."""
    restored = tried = 0
    for term, words in zip(shipped.terms[:300], shipped.term_words[:300]):
        if len(words) < 3:
            continue
        k = len(words) - 1
        for form in shipped.variants.get(words[k], ())[:1]:
            spun_words = list(term.words[:k]) + [transfer_case(term.words[k], " ".join(form))]
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
