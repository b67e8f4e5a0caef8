"""User phrase lists: known garbled phrases and what they should read, as one more glossary source.

Research-integrity users keep lists of "tortured phrases" ("counterfeit consciousness" for
"artificial intelligence"). A list is a UTF-8 TSV of ``phrase<TAB>expected``; ``#`` starts a
comment line and blank lines are allowed. A user asserted every entry, so a hit is repaired in
every document (spun or not) at confidence 1.0 with source ``phrases``, and ``unspin detect``
reports it as a span with reason "phrase list".

Matching is word by word (``repair.text.words``), case-insensitive, whole words only (a
hyphen or apostrophe joins words, so "non-profound learning" does not hold "profound
learning"), with only whitespace between the words where the phrase has a space. Where hits
overlap, the longest wins. The replacement takes the case of the words it replaces, and an
indefinite article right before it follows the new first word ("an irregular woodland" ->
"a random forest") when it followed the old one by the same rule (``indefinite_article``).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from repair.errors import InputError
from repair.merge.edits import keep_non_overlapping
from repair.results import DetectionReport, Edit, Span
from repair.text import Token, is_all_caps, match_case, match_case_by_word, overlaps, words

SOURCE = "phrases"
REASON = "phrase list"
CONFIDENCE = 1.0
# "a"/"an" then spaces at the end of the text before a hit.
ARTICLE_RE = re.compile(r"(?<![\w'’-])(an?)([ \t]+)\Z", re.I)
# Spelling says vowel or consonant, except for these beginnings ("a unit", "an hour").
CONSONANT_SOUND = ("uni", "use", "usu", "uti", "eu", "one", "once")
VOWEL_SOUND = ("hour", "honest", "honor", "honour", "heir")


class PhraseFileError(InputError):
    """A phrase list that cannot be read; names the file and, where one is to blame, the line."""

    def __init__(self, path: str, problem: str, line: int | None = None):
        where = f"{path}: line {line}" if line is not None else str(path)
        super().__init__(f"phrase list {where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class Phrase:
    """One entry: ``phrase`` should read ``expected``; ``key`` is how it is matched."""

    phrase: str
    expected: str
    line: int
    key: tuple[str, ...]


@dataclass(frozen=True)
class PhraseList:
    """A parsed phrase list, with the SHA-256 of the file's bytes (for signatures and records)."""

    path: str
    sha256: str
    phrases: tuple[Phrase, ...]

    @property
    def sha8(self) -> str:
        return self.sha256[:8]

    def record(self) -> dict:
        """What an output record says about the list: its file, hash and size."""
        return {"path": self.path, "sha256": self.sha256, "entries": len(self.phrases)}


def fold(word: str) -> str:
    """A word as it is compared: case-folded, curly apostrophe straightened."""
    return word.casefold().replace("’", "'")


def phrase_key(phrase: str) -> tuple[str, ...] | None:
    """The folded words of a phrase, or None when anything but whitespace lies between or around them."""
    tokens = words(phrase)
    if not tokens or tokens[0].start != 0 or tokens[-1].end != len(phrase):
        return None
    gaps = [phrase[a.end : b.start] for a, b in zip(tokens, tokens[1:])]
    if any(gap.strip() for gap in gaps):
        return None
    return tuple(fold(t.text) for t in tokens)


def parse_line(path: str, number: int, line: str) -> Phrase | None:
    """One line of the file: a ``Phrase``, or None for a blank or comment line."""
    if not line.strip() or line.lstrip().startswith("#"):
        return None
    cells = line.split("\t")
    if len(cells) != 2:
        raise PhraseFileError(path, f"expected 'phrase<TAB>expected' (exactly one tab), found {len(cells) - 1} tabs", number)
    phrase, expected = (" ".join(cell.split()) for cell in cells)
    if not phrase or not expected:
        raise PhraseFileError(path, f"empty {'phrase' if not phrase else 'expected value'}", number)
    key = phrase_key(phrase)
    if key is None:
        raise PhraseFileError(path, f"phrase {phrase!r} must be words separated by spaces (letters, digits, inner - or ')", number)
    return Phrase(phrase, expected, number, key)


def parse_phrases(data: bytes, path: str = "<phrases>") -> PhraseList:
    """Parse a phrase list's bytes (UTF-8, an optional BOM).

    Raises:
        PhraseFileError: undecodable bytes, a line without exactly one tab, an empty side, an
            unmatchable phrase, or a phrase listed twice with different expected values.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PhraseFileError(path, f"not UTF-8 (byte {data[error.start]:#04x} at offset {error.start})", line) from None
    seen: dict[tuple[str, ...], Phrase] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        entry = parse_line(path, number, line)
        if entry is None:
            continue
        earlier = seen.get(entry.key)
        if earlier is not None and earlier.expected != entry.expected:
            raise PhraseFileError(path, f"{entry.phrase!r} is listed again with a different expected value "
                                        f"({entry.expected!r}; line {earlier.line} says {earlier.expected!r})", number)
        seen.setdefault(entry.key, entry)
    return PhraseList(path=path, sha256=hashlib.sha256(data).hexdigest(), phrases=tuple(seen.values()))


def load_phrases(path: Path | str) -> PhraseList:
    """Read and parse a phrase list file.

    Raises:
        PhraseFileError: the file cannot be read or is malformed (see ``parse_phrases``).
    """
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise PhraseFileError(str(path), f"cannot read ({error.strerror or error})") from None
    return parse_phrases(data, str(path))


@dataclass(frozen=True)
class Hit:
    """A phrase found at ``[start, end)`` of a paragraph."""

    start: int
    end: int
    phrase: Phrase


def index_by_first_word(phrases: Sequence[Phrase]) -> dict[str, tuple[Phrase, ...]]:
    """Phrases by their first folded word, longest first."""
    index: dict[str, list[Phrase]] = {}
    for phrase in phrases:
        index.setdefault(phrase.key[0], []).append(phrase)
    return {first: tuple(sorted(group, key=lambda p: -len(p.key))) for first, group in index.items()}


def matches_at(tokens: Sequence[Token], folded: Sequence[str], paragraph: str, i: int, key: tuple[str, ...]) -> bool:
    """Whether ``key`` reads at token ``i``, with only whitespace between its words."""
    if tuple(folded[i : i + len(key)]) != key:
        return False
    return all(not paragraph[a.end : b.start].strip() for a, b in zip(tokens[i : i + len(key) - 1], tokens[i + 1 : i + len(key)]))


def find_hits(paragraph: str, index: dict[str, tuple[Phrase, ...]]) -> list[Hit]:
    """Non-overlapping hits in a paragraph, longest first where they overlap, sorted by start."""
    tokens = words(paragraph)
    folded = [fold(t.text) for t in tokens]
    hits = []
    for i, first in enumerate(folded):
        for phrase in index.get(first, ()):
            if matches_at(tokens, folded, paragraph, i, phrase.key):
                hits.append(Hit(tokens[i].start, tokens[i + len(phrase.key) - 1].end, phrase))
    ranked = sorted(hits, key=lambda h: (-(h.end - h.start), h.start))
    as_edits = keep_non_overlapping(Edit(h.start, h.end, "", "", SOURCE, CONFIDENCE) for h in ranked)
    kept = {(e.start, e.end) for e in as_edits}
    return sorted((h for h in ranked if (h.start, h.end) in kept), key=lambda h: h.start)


@dataclass(frozen=True)
class PhraseFinder:
    """A ``TermFinder`` (``Repairer``'s glossary interface) over one phrase list."""

    phrases: PhraseList
    index: dict[str, tuple[Phrase, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "index", index_by_first_word(self.phrases.phrases))

    def hits(self, paragraph: str) -> list[Hit]:
        return find_hits(paragraph, self.index)

    def find(self, paragraph: str) -> list[Edit]:
        """Edits back to each hit's expected wording, in the case of the words replaced."""
        edits = []
        for hit in self.hits(paragraph):
            old = paragraph[hit.start : hit.end]
            edit = Edit(hit.start, hit.end, old, match_case_by_word(old, hit.phrase.expected), SOURCE, CONFIDENCE)
            edits.append(with_article(paragraph, edit))
        return [e for e in edits if e.old != e.new]

    def spans(self, paragraph: str) -> list[Span]:
        return [Span(h.start, h.end, paragraph[h.start : h.end], CONFIDENCE, REASON) for h in self.hits(paragraph)]


def indefinite_article(word: str) -> str:
    """ "a" or "an" before ``word``, by its first letter and a few common exceptions."""
    lower = word.lower()
    if lower.startswith(CONSONANT_SOUND):
        return "a"
    return "an" if lower.startswith(VOWEL_SOUND) or lower[:1] in "aeiou" else "a"


def with_article(paragraph: str, edit: Edit) -> Edit:
    """The edit widened to a preceding "a"/"an" that the new wording needs changed.

    Only an article that agreed with the old first word (by ``indefinite_article``) is
    changed, and never before an acronym, whose article depends on how it is spoken (capitals
    after a capital "AN" are the whole text in capitals, not an acronym).
    """
    found = ARTICLE_RE.search(paragraph[: edit.start])
    if not found:
        return edit
    article, space = found.groups()
    old_first, new_first = edit.old.split()[0], edit.new.split()[0]
    if not is_all_caps(article) and (is_all_caps(old_first) or is_all_caps(new_first)):  # "AN" before caps: shouting
        return edit
    wanted = indefinite_article(new_first)
    if article.lower() != indefinite_article(old_first) or article.lower() == wanted:
        return edit
    return replace(edit, start=found.start(1), old=paragraph[found.start(1) : edit.end], new=match_case(article, wanted) + space + edit.new)


def add_phrase_spans(report: DetectionReport, spans: Sequence[Span]) -> DetectionReport:
    """The report with phrase hits as spans; detector spans they overlap give way to them.

    The score is left as the detector calibrated it: a hit is reported, not scored.
    """
    if not spans:
        return report
    others = [s for s in report.spans if not any(overlaps(s.start, s.end, p.start, p.end) for p in spans)]
    return replace(report, spans=tuple(sorted([*others, *spans], key=lambda s: s.start)))
