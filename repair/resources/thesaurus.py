"""Spinner thesaurus: sense-blind synonyms with a weight and a source tag, and the inverse index.

Built by ``scripts/build_thesaurus.py`` into ``models/thesaurus/thesaurus.tsv.gz``: one line
per lower-case lemma (a word or a phrase), then tab-separated ``word|pos|weight|source`` items
sorted by weight. Sources, most trustworthy first: ``phrase`` (spinner phrase rewrites),
``wordnet`` (synset members of every sense), ``mythes``, ``similar`` (WordNet similar-to /
also-see / verb-group), ``related`` (MyThes generic/similar/related terms), ``derived``
(adverbs/adjectives through WordNet pertainyms: "fully" -> "totally"), ``closed`` (corpus
neighbours of function words inside their grammatical class: "during" -> "throughout"),
``distrib`` (corpus PPMI+SVD neighbours), ``twohop`` (synonyms of synonyms). POS is n/v/a/r,
or ``x`` for phrase rewrites and closed-class items, which are never inflected.

Lines are parsed lazily, so ``Thesaurus.load()`` costs one gzip read. The inverse index
(``sources_of``) is read on first use from ``inverse.tsv.gz`` beside it, written by the same script
(one line per listed word, then tab-separated ``lemma|pos|weight|source`` items); deriving it from
the forward file instead took 2 s, most of a one-line ``unspin detect``.
"""
from __future__ import annotations

import functools
import gzip
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from repair.errors import ModelNotFoundError
from repair.resources.inflect import TAG_POS, Inflector

THESAURUS_FILE = "thesaurus.tsv.gz"
INVERSE_FILE = "inverse.tsv.gz"
SOURCES = ("phrase", "wordnet", "mythes", "similar", "related", "derived", "closed", "distrib", "twohop")


@dataclass(frozen=True)
class Synonym:
    """One thesaurus item: ``word`` stands for the key lemma with ``weight`` (0..1).

    In ``sources_of`` results ``word`` is the original lemma instead.
    """

    word: str
    weight: float
    source: str
    pos: str = "x"


@dataclass(frozen=True)
class Original:
    """A surface-form proposal for the word a spinner replaced (see Thesaurus.originals)."""

    text: str
    lemma: str
    tag: str
    weight: float
    source: str


@dataclass(frozen=True)
class Thesaurus:
    """Lemma -> synonyms lookup over the derived file, plus the inflector that goes with it."""

    lines: Mapping[str, str]
    inflector: Inflector
    inverse_path: Path | None = None  # the shipped inverse index; None derives it from ``lines``

    @classmethod
    def load(cls, root: Path | None = None) -> "Thesaurus":
        """Read ``models/thesaurus/`` (or ``root``, the models folder or the thesaurus folder)."""
        folder = _resolve_folder(root)
        path = folder / THESAURUS_FILE
        if not path.is_file():
            raise ModelNotFoundError(f"thesaurus not found: {path} (run scripts/build_thesaurus.py)")
        inverse = folder / INVERSE_FILE
        return cls(read_lines(path), Inflector.load(folder), inverse if inverse.is_file() else None)

    def __len__(self) -> int:
        return len(self.lines)

    def __contains__(self, lemma: str) -> bool:
        return lemma.lower() in self.lines

    def synonyms(self, lemma: str, pos: str | None = None,
                 sources: Iterable[str] | None = None) -> list[Synonym]:
        """Synonyms of a lemma or phrase, strongest first.

        Args:
            lemma: base form, any case ("say", "security", "we have").
            pos: keep only this part of speech (n/v/a/r; phrase rewrites ``x`` always pass).
            sources: keep only these source tags (see SOURCES); None keeps all.

        Returns:
            Synonym items; empty when the lemma is unknown.
        """
        items = _parse(self.lines.get(lemma.lower(), ""))
        allowed = None if sources is None else frozenset(sources)
        return [s for s in items
                if (pos is None or s.pos in (pos, "x")) and (allowed is None or s.source in allowed)]

    def sources_of(self, word: str, pos: str | None = None) -> list[Synonym]:
        """Inverse lookup: lemmas that list ``word`` (a base form) as a synonym, strongest first."""
        items = []
        raw = self._inverse.get(word.lower(), "")
        for item in raw.split("\t") if raw else ():
            lemma, item_pos, weight, source = item.split("|")
            if pos is None or item_pos in (pos, "x"):
                items.append(Synonym(lemma, float(weight), source, item_pos))
        return sorted(items, key=lambda s: (-s.weight, s.word))

    def originals(self, surface: str, sources: Iterable[str] | None = None) -> list[Original]:
        """Inflected originals a spinner could have replaced with ``surface``.

        "mentioned" -> "said" (say/VBD), "nations" -> "countries"; phrase rewrites match as is.
        """
        allowed = None if sources is None else frozenset(sources)
        found: dict[str, Original] = {}
        analyses = self.inflector.analyses(surface)
        readings = [(surface.lower(), None)] + [(lemma, tag) for lemma, tag in analyses]
        # "chinese language" -> "chinese": a two-word surface with no inflected reading that
        # only adds a word to one of its sources is that source expanded, as spinners do.
        # Longer compounds ("sphere of influence") are fixed phrases of clean text, not spins.
        words = surface.lower().split()
        as_listed = len(words) == 2 and not analyses
        for lemma, tag in readings:
            pos = TAG_POS[tag] if tag else ("x" if not as_listed else None)
            for item in self.sources_of(lemma, pos):
                if allowed is not None and item.source not in allowed:
                    continue
                if as_listed and item.pos != "x" and item.word.lower() != words[0]:
                    continue
                if not as_listed and (tag is None) != (item.pos == "x"):
                    continue
                text = item.word if tag is None else self.inflector.inflect(item.word, tag)
                if text not in found or found[text].weight < item.weight:
                    found[text] = Original(text, item.word, tag or "", item.weight, item.source)
        return sorted(found.values(), key=lambda o: (-o.weight, o.text))

    @functools.cached_property
    def inverse_phrases(self) -> frozenset[str]:
        """The multi-word forms ``sources_of`` knows ("in opposition to"); a cheap test before a lookup."""
        return frozenset(k for k in self._inverse if " " in k)

    @functools.cached_property
    def _inverse(self) -> Mapping[str, str]:
        if self.inverse_path is not None:
            return read_lines(self.inverse_path)
        return inverse_lines(self.lines)


def read_lines(path: Path) -> dict[str, str]:
    """``key<TAB>items`` lines of a gzip file as key -> raw items (parsed only when asked for)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return dict(line.rstrip("\n").partition("\t")[::2] for line in handle)


def inverse_lines(lines: Mapping[str, str]) -> dict[str, str]:
    """The inverse index of forward lines: listed word -> raw ``lemma|pos|weight|source`` items.

    Items keep the forward file's order, so ``sources_of`` ranks ties the same either way.
    """
    inverse: dict[str, list[str]] = {}
    for lemma, raw in lines.items():
        for item in raw.split("\t") if raw else ():
            word, _, rest = item.partition("|")
            inverse.setdefault(word.lower(), []).append(f"{lemma}|{rest}")
    return {word: "\t".join(items) for word, items in inverse.items()}


def write_inverse(lines: Mapping[str, str], path: Path) -> None:
    """Write the inverse index of ``lines`` (sorted, gzip without a timestamp: same bytes each build)."""
    inverse = inverse_lines(lines)
    text = "".join(f"{word}\t{inverse[word]}\n" for word in sorted(inverse))
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as handle:
        handle.write(text.encode("utf-8"))


def _resolve_folder(root: Path | None) -> Path:
    if root is None:
        from repair.paths import models_dir

        return models_dir() / "thesaurus"
    root = Path(root)
    return root if (root / THESAURUS_FILE).is_file() else root / "thesaurus"


@functools.lru_cache(maxsize=65536)
def _parse(raw: str) -> tuple[Synonym, ...]:
    """Parse the tab-separated ``word|pos|weight|source`` items of one line (cached)."""
    out = []
    for item in raw.split("\t") if raw else ():
        word, pos, weight, source = item.split("|")
        out.append(Synonym(word, float(weight), source, pos))
    return tuple(out)
