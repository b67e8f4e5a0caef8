"""A tiny clean corpus and thesaurus for glossary tests: every term is known by construction."""
from __future__ import annotations

import json

from repair.glossary.match import Glossary, GlossaryConfig
from repair.glossary.mine import MineConfig, MineCounts, count_paragraph, glossary_data, select_terms, variant_keys, word_variants

# Each sentence pattern is repeated so its terms pass min_freq.
CLEAN = [
    "The Foreign Minister of Freedonia met the press on {day}.",
    "Officials said the Northern Trade Council (NTC) would meet again on {day}.",
    "The Northern Trade Council said exports rose on {day}.",
    "Analysts at the Harbour Safety Board (HSB) published a report on {day}.",
    "Freedonia's Foreign Minister Ada Lark flew home on {day}.",
    "The Overseas Development Fund paid out grants on {day}.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
CORPUS = [pattern.format(day=day) for pattern in CLEAN for day in DAYS]
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


def tiny_glossary() -> Glossary:
    """Mined from CORPUS with THESAURUS variants, blocked on CORPUS, saved and read back."""
    config = MineConfig(min_freq=3, min_acronym_freq=2)
    terms = select_terms(mine(CORPUS), config)
    variants = word_variants(variant_keys(terms), synonyms)
    glossary = Glossary(terms, variants, vocab={"report", "exports"}, config=TINY)
    blocked = [key for paragraph in CORPUS for key in glossary.attested_variants(paragraph)]
    data = glossary_data(terms, variants, blocked=blocked, vocab={"report", "exports"})
    return Glossary.from_data(json.loads(json.dumps(data)), TINY)


def apply(text: str, edits) -> str:
    """``text`` with ``edits`` applied, each checked against the text it replaces."""
    for edit in sorted(edits, key=lambda e: -e.start):
        assert text[edit.start : edit.end] == edit.old
        text = text[: edit.start] + edit.new + text[edit.end :]
    return text
