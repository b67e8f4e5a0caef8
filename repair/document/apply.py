"""Applying a substitution map to a whole document: every occurrence of a spun word, in its case."""
from __future__ import annotations

import re
from collections.abc import Sequence

from repair.results import Edit, MapEntry
from repair.text import match_case, overlaps


def occurrence_pattern(phrase: str) -> re.Pattern:
    """Whole-word occurrences of ``phrase``, any case (the pattern repeats are applied with)."""
    return re.compile(rf"(?<![\w'’-]){re.escape(phrase)}(?![\w'’-])", re.IGNORECASE)


def apply_map(text: str, entries: Sequence[MapEntry], taken: Sequence[Edit]) -> list[Edit]:
    """Edits (source ``document``) that restore every whole-word occurrence of each entry's
    ``old`` as its ``new``, in the occurrence's case, except where an edit in ``taken`` (or an
    earlier entry's) already covers it. New edits only, sorted by start."""
    added: list[Edit] = []
    for entry in entries:
        for match in occurrence_pattern(entry.old).finditer(text):
            if any(overlaps(match.start(), match.end(), e.start, e.end) for e in [*taken, *added]):
                continue
            new = match_case(match.group(), entry.new)
            if new != match.group():
                added.append(Edit(match.start(), match.end(), match.group(), new, "document", entry.confidence))
    return sorted(added, key=lambda e: e.start)
