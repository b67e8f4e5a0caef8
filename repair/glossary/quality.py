"""How well a glossary does: false edits on clean text, precision on spinner output.

``scripts/build_glossary.py`` writes these figures to ``models/glossary/stats.json``.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from repair.glossary.match import Glossary
from repair.results import Edit
from repair.text import glossary_tokens, overlaps

if TYPE_CHECKING:  # only for the annotations: the glossary does not need the spinner
    from repair.synth.spin import SpunText


def false_edit_rate(glossary: Glossary, paragraphs: Iterable[str]) -> tuple[int, int, list[tuple[str, Edit]]]:
    """Edits on clean paragraphs (all of them false): (edits, words, examples)."""
    edits, words, examples = 0, 0, []
    for paragraph in paragraphs:
        words += len(glossary_tokens(paragraph))
        for edit in glossary.find(paragraph):
            edits += 1
            examples.append((paragraph, edit))
    return edits, words, examples


def restores(edit: Edit, spun_text: "SpunText") -> bool:
    """True when ``edit`` on a spinner's output exactly undoes the substitutions it covers.

    ``spun_text`` is a ``repair.synth.spin.SpunText`` (anything with ``substitutions`` that have
    ``spun_start``, ``spun_end`` and ``clean``).
    """
    covered = [x for x in spun_text.substitutions if overlaps(x.spun_start, x.spun_end, edit.start, edit.end)]
    if not covered or any(x.spun_start < edit.start or x.spun_end > edit.end for x in covered):
        return False
    expected = spun_text.spun[edit.start : edit.end]
    for x in sorted(covered, key=lambda x: -x.spun_start):
        expected = expected[: x.spun_start - edit.start] + x.clean + expected[x.spun_end - edit.start :]
    return expected == edit.new


def spun_precision(glossary: Glossary, spun_texts: Iterable["SpunText"]) -> dict[str, float]:
    """Edits on spinner output that restore the clean wording (right) or not (wrong)."""
    right = wrong = words = 0
    for spun_text in spun_texts:
        words += len(glossary_tokens(spun_text.spun))
        for edit in glossary.find(spun_text.spun):
            if restores(edit, spun_text):
                right += 1
            else:
                wrong += 1
    return {
        "spun_words": words,
        "spun_edits_right": right,
        "spun_edits_wrong": wrong,
        "spun_precision": round(right / max(right + wrong, 1), 4),
    }
