"""Map entries the restorer never proposed: thesaurus originals that the document's counts point to.

The map decider (``repair.document.decide``) judges the entries the restorer proposed, and the
restorer proposes only where the detector flags a span. A spinner's swaps of common words read
fine sentence by sentence ("cosmos" for "world", "inordinate" for "excessive"), so the detector
often leaves them alone and no proposal ever reaches the decider. A whole document still gives
them away: "inordinate" five times and "excessive" never is unlikely in clean news.

For every word type (and every multi-word form the thesaurus lists) of a spun document, each
original a spinner could have replaced with it (``Thesaurus.originals``, from the trusted sources
only) becomes a candidate entry ``old -> new`` when the document's counts favour "new was spun
into old throughout" over "clean" by at least ``MIN_EVIDENCE`` nats (``count_evidence_from``).
The strongest few per word, and the strongest overall in proportion to the document's length,
go to the decider, which asks the language model about them (``THESAURUS_FEATURES``) and applies
only those its separately fitted model trusts (``models/document/thesaurus_decider.json``). Its
last input is the LM's lead (``with_lm_leads``): how much more the LM likes ``new`` than the best
alternative, the spun word itself or a rival original. Cross-fitted on validation rows, it
raised the occurrences added right at 90% precision from 123 to 152. The pipeline asks for these
entries only with ``RepairConfig(map_thesaurus=True)`` (``unspin fix --map-thesaurus``): they
restored about one point more on whole test articles for twice the LM's reading.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Sequence

from repair.document.evidence import EntryFeatures, count_evidence_from, count_values, phrase_probability
from repair.resources.ngram import NgramModel, tokenize
from repair.resources.thesaurus import Thesaurus

# Trusted thesaurus sources: synonyms of some sense of the word, or the spinner phrase rewrites.
# The looser ones (corpus neighbours, synonyms of synonyms) proposed mostly nonsense here
# ("securities -> truces") and doubled the language model's reading.
SOURCES = ("phrase", "wordnet", "mythes", "similar", "derived", "closed")
# Count evidence (nats) a candidate needs before the language model reads it.
MIN_EVIDENCE = 4.0
# The strongest originals kept per spun word, and candidates kept per 100 words of the document:
# the LM's reading grows with them.
PER_WORD = 3
PER_100_WORDS = 6
THESAURUS_FEATURES = ("occurrences", "excess", "absence", "expected_new", "expected_old", "new_present", "weight",
                      "rivals", "lm_margin_mean", "lm_margin_smallest", "lm_lead")


def phrase_counts(text: str) -> tuple[int, Counter]:
    """The document's token total and the counts of its 1-3 token phrases (normalised, space-joined)."""
    norms = [t.norm for t in tokenize(text)]
    counts: Counter = Counter()
    for size in (1, 2, 3):
        counts.update(" ".join(norms[i : i + size]) for i in range(len(norms) - size + 1))
    return len(norms), counts


def spinnable_forms(counts: Counter, thesaurus: Thesaurus) -> list[str]:
    """Word types (alphabetic) and the multi-word forms the thesaurus lists, as they occur in the document."""
    return sorted(f for f in counts if (" " not in f and f.isalpha()) or (" " in f and f in thesaurus.inverse_phrases))


def thesaurus_entries(text: str, thesaurus: Thesaurus, ngram: NgramModel, words: int,
                      skip: Collection[tuple[str, str]] = ()) -> list[EntryFeatures]:
    """Candidate entries of ``text`` from the thesaurus, with their features but the LM's (the last three).

    Args:
        words: the document's word count (sets how many candidates are kept).
        skip: (old, new) pairs judged elsewhere (the restorer's own proposals).
    """
    tokens, counts = phrase_counts(text)
    by_old: dict[str, list[tuple[float, str, str, float, tuple]]] = {}
    for old in spinnable_forms(counts, thesaurus):
        p_old = phrase_probability(ngram, old)
        for original in thesaurus.originals(old, SOURCES):
            norms = [t.norm for t in tokenize(original.text)]
            new = " ".join(norms)
            # Outside the corpus vocabulary is an inflection no one writes ("yearses").
            if new == old or (old, new) in skip or not 1 <= len(norms) <= 3 or not ngram.knows(norms):
                continue
            evidence = count_evidence_from(counts[old], counts[new], tokens, p_old, phrase_probability(ngram, new))
            strength = evidence.excess + evidence.absence
            if strength >= MIN_EVIDENCE:
                by_old.setdefault(old, []).append((strength, old, new, original.weight, evidence))
    kept = [c for found in by_old.values() for c in sorted(found, key=lambda c: -c[0])[:PER_WORD]]
    kept = sorted(kept, key=lambda c: -c[0])[: max(PER_WORD, PER_100_WORDS * words // 100)]
    rivals = Counter(c[1] for c in kept)
    entries = []
    for _, old, new, weight, evidence in sorted(kept, key=lambda c: (c[1], c[2])):
        values = (
            math.log(evidence.count_old),
            *count_values(evidence),
            weight,
            math.log(rivals[old]),
        )
        entries.append(EntryFeatures(old, new, evidence.count_old, values))
    return entries


def with_lm_leads(entries: Sequence[EntryFeatures]) -> list[EntryFeatures]:
    """``entries`` (their LM margins last, ``THESAURUS_FEATURES`` minus one) with the LM's lead
    appended: the entry's mean margin minus the best of 0 (the spun word) and its rivals' (the
    other entries for the same spun word). A spinner's word has one original; when the LM likes
    two of them about as well, neither is sure."""
    mean_margin = THESAURUS_FEATURES.index("lm_margin_mean")
    leads = []
    for entry in entries:
        rivals = [r.values[mean_margin] for r in entries if r.old == entry.old and r is not entry]
        lead = entry.values[mean_margin] - max([0.0, *rivals])
        leads.append(EntryFeatures(entry.old, entry.new, entry.occurrences, (*entry.values, lead)))
    return leads
