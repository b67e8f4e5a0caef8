"""Language resources that several stages read, loaded once per pipeline and passed explicitly.

The detector and the restorer both read the thesaurus and the corpus n-gram counts (about
16 MB and 2 s of start-up each time); ``Resources`` holds the one copy that both get.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from repair.resources.ngram import NgramModel
from repair.resources.thesaurus import Thesaurus


@dataclass(frozen=True)
class Resources:
    """The shared resources of one models folder.

    Attributes:
        root: the models folder every component reads its own subfolder from.
        thesaurus: lemma -> synonyms and the inverse index (``models/thesaurus``).
        ngram: corpus trigram counts (``models/ngram``).
    """

    root: Path
    thesaurus: Thesaurus
    ngram: NgramModel

    @classmethod
    def load(cls, root: Path) -> "Resources":
        """Read the thesaurus and n-gram counts under the models folder ``root``."""
        root = Path(root)
        return cls(root=root, thesaurus=Thesaurus.load(root), ngram=NgramModel.load(root))
