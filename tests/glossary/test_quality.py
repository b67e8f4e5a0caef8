"""Glossary quality figures: false edits on clean text, precision on spun text (repair/glossary/quality.py)."""
from __future__ import annotations

from repair.glossary.quality import false_edit_rate, restores, spun_precision
from repair.results import Edit
from repair.synth.spin import SpunText, Substitution

CLEAN = "Yesterday the Foreign Minister met the Northern Trade Council."
SPUN = "Yesterday the Overseas Minister met the Northern Commerce Council."
SUBS = (
    Substitution(14, 21, 14, 22, "Foreign", "Overseas", "wordnet"),
    Substitution(48, 53, 49, 57, "Trade", "Commerce", "wordnet"),
)


def test_spun_precision_counts_exact_restorations(tiny):
    spun_text = SpunText(CLEAN, SPUN, SUBS)
    assert all(restores(edit, spun_text) for edit in tiny.find(SPUN))
    stats = spun_precision(tiny, [spun_text])
    assert (stats["spun_edits_right"], stats["spun_edits_wrong"], stats["spun_precision"]) == (2, 0, 1.0)
    assert stats["spun_words"] == 9


def test_an_edit_must_cover_and_undo_whole_substitutions():
    spun_text = SpunText(CLEAN, SPUN, SUBS)
    assert restores(Edit(14, 22, "Overseas", "Foreign", "glossary", 0.9), spun_text)
    assert not restores(Edit(14, 22, "Overseas", "Exterior", "glossary", 0.9), spun_text)
    assert not restores(Edit(14, 18, "Over", "Fore", "glossary", 0.9), spun_text)  # half a substitution
    assert not restores(Edit(0, 9, "Yesterday", "Today", "glossary", 0.9), spun_text)  # no substitution


def test_false_edit_rate_on_clean_text(tiny, corpus):
    assert false_edit_rate(tiny, corpus[:5]) == (0, sum(len(p.split()) for p in corpus[:5]), [])
    edits, words, examples = false_edit_rate(tiny, [SPUN])
    assert (edits, words) == (2, 9) and examples[0][0] == SPUN
