"""Finding a paragraph's source in the archive: shingle postings, then alignment.

For each paragraph of a text: look up its immutable shingles, count shared shingles per
archive paragraph, score the few best candidates properly (how much of the paragraph's
immutables the candidate contains) and align the best ones word by word. Over a whole
text, the documents most paragraphs came from get a small bonus, and paragraphs without a
confident source are compared with those documents' paragraphs directly: a copy usually
comes from one or two articles, which rescues short or heavily garbled paragraphs.
"""
from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from repair.archive.align import WordDiff, align_paragraphs, immutable_containment
from repair.archive.shingles import Fingerprint, fingerprint
from repair.archive.store import IndexInfo, StoredParagraph, fetch_paragraphs, index_info, open_index, posting_lists
from repair.text import paragraphs


@dataclass(frozen=True)
class TraceConfig:
    """Retrieval settings.

    Attributes:
        candidates: archive paragraphs scored in full per paragraph (the most shared shingles).
        report: candidates kept in a trace, best first.
        min_score: score at which a candidate counts as the paragraph's source.
        min_shared: shingles a candidate must share with the paragraph to be scored at all.
        posting_cap: shingles found in more archive paragraphs than this are ignored.
        document_bonus: added to candidates from the documents the rest of the text came from.
    """

    candidates: int = 8
    report: int = 3
    min_score: float = 0.6
    min_shared: int = 2
    posting_cap: int = 2000
    document_bonus: float = 0.05


@dataclass(frozen=True)
class SourceMatch:
    """An archive paragraph a paragraph may have been copied from."""

    document: str
    number: int
    paragraph_id: int
    score: float
    shared: int
    text: str
    diffs: tuple[WordDiff, ...] = ()

    def to_dict(self) -> dict:
        return {"document": self.document, "paragraph": self.number, "score": self.score, "shared_shingles": self.shared,
                "source_text": self.text, "diffs": [d.to_dict() for d in self.diffs]}


@dataclass(frozen=True)
class ParagraphTrace:
    """A paragraph of the traced text (offsets into that text) and its source candidates."""

    number: int
    start: int
    end: int
    text: str
    candidates: tuple[SourceMatch, ...] = ()
    min_score: float = TraceConfig.min_score
    min_shared: int = TraceConfig.min_shared

    @property
    def source(self) -> SourceMatch | None:
        """The best candidate if it is confident enough to be called the source.

        It needs ``min_shared`` shingles too: a headline of three function words is "contained"
        in most paragraphs, and only shared runs of immutables are evidence of copying.
        """
        if self.candidates and is_claim(self.candidates[0], self.min_score, self.min_shared):
            return self.candidates[0]
        return None

    def to_dict(self) -> dict:
        return {"paragraph": self.number, "start": self.start, "end": self.end, "text": self.text,
                "source": None if self.source is None else {"document": self.source.document,
                                                             "paragraph": self.source.number},
                "candidates": [c.to_dict() for c in self.candidates]}


def is_claim(candidate: SourceMatch | "_Scored", min_score: float, min_shared: int) -> bool:
    """Whether a candidate is confident enough to be called the source."""
    return candidate.score >= min_score and candidate.shared >= min_shared


@dataclass(frozen=True)
class _Scored:
    row: StoredParagraph
    score: float
    shared: int


def score_candidate(query: str | Fingerprint, candidate: str) -> tuple[float, int]:
    """(score, shared shingles) of an archive paragraph as the source of ``query``.

    The score is the share of the query's immutables the candidate holds: the larger of
    shingle containment (robust to reordered sentences) and in-order containment of the
    immutable words (robust to short paragraphs, where one lost shingle is a large share).
    """
    q = fingerprint(query) if isinstance(query, str) else query
    c = fingerprint(candidate)
    if not q.shingles:
        return 0.0, 0
    shared = len(q.shingles & c.shingles)
    q_words = [q.tokens[i].text.lower() for i in q.immutable]
    c_words = [c.tokens[i].text.lower() for i in c.immutable]
    return round(max(shared / len(q.shingles), immutable_containment(q_words, c_words)), 4), shared


class Archive:
    """An open archive index: trace paragraphs and texts to their sources.

    Args:
        connection: a validated read-only connection (see ``Archive.open``).
        path: where the index lives (for messages).
        config: retrieval settings.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path, config: TraceConfig | None = None) -> None:
        self.connection = connection
        self.path = path
        self.config = config or TraceConfig()

    @classmethod
    def open(cls, path: Path | str, config: TraceConfig | None = None) -> "Archive":
        """Open and validate an index (raises the errors of ``repair.archive.store.open_index``)."""
        return cls(open_index(path), Path(path), config)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def info(self) -> IndexInfo:
        return index_info(self.connection, self.path)

    def candidates(self, paragraph: str) -> list[_Scored]:
        """Archive paragraphs sharing shingles with ``paragraph``, scored, best first."""
        shingles = sorted(fingerprint(paragraph).shingles)
        votes: Counter[int] = Counter()
        for ids in posting_lists(self.connection, shingles, self.config.posting_cap):
            votes.update(ids)
        needed = min(self.config.min_shared, len(shingles))
        top = [pid for pid, n in votes.most_common(self.config.candidates) if n >= needed]
        return self._score(paragraph, top)

    def _score(self, paragraph: str, ids: list[int]) -> list[_Scored]:
        rows = fetch_paragraphs(self.connection, ids)
        query = fingerprint(paragraph)
        scored = []
        for pid in ids:
            score, shared = score_candidate(query, rows[pid].text)
            scored.append(_Scored(rows[pid], score, shared))
        return sorted(scored, key=lambda s: (-s.score, -s.shared, s.row.id))

    def document_paragraphs(self, name: str) -> list[int]:
        rows = self.connection.execute(
            "SELECT p.id FROM paragraphs p JOIN documents d ON d.id = p.document WHERE d.name = ? ORDER BY p.number",
            (name,))
        return [row[0] for row in rows]

    def trace_paragraph(self, paragraph: str) -> tuple[SourceMatch, ...]:
        """Source candidates of one paragraph, best first, with word diffs for each."""
        return self._matches(paragraph, self.candidates(paragraph))

    def _matches(self, paragraph: str, scored: list[_Scored]) -> tuple[SourceMatch, ...]:
        kept = scored[: self.config.report]
        return tuple(SourceMatch(s.row.document, s.row.number, s.row.id, s.score, s.shared, s.row.text,
                                 align_paragraphs(paragraph, s.row.text)) for s in kept)

    def trace_text(self, text: str) -> list[ParagraphTrace]:
        """Trace every paragraph (non-empty line) of ``text``; offsets are into ``text``."""
        segments = [s for s in paragraphs(text) if s.text.strip()]
        first = [self.candidates(s.text) for s in segments]
        documents = self._main_documents(first)
        traces = []
        for number, (segment, scored) in enumerate(zip(segments, first), start=1):
            scored = self._rerank(segment.text, scored, documents)
            traces.append(ParagraphTrace(number, segment.start, segment.end, segment.text,
                                         self._matches(segment.text, scored), self.config.min_score,
                                         self.config.min_shared))
        return traces

    def _main_documents(self, first: list[list[_Scored]]) -> list[str]:
        """Documents that are the confident source of at least two paragraphs (or the only one)."""
        votes = Counter(s[0].row.document for s in first if s and self._claim(s[0]))
        needed = 2 if sum(votes.values()) > 1 else 1
        return [name for name, n in votes.most_common(3) if n >= needed]

    def _claim(self, scored: _Scored) -> bool:
        return is_claim(scored, self.config.min_score, self.config.min_shared)

    def _rerank(self, paragraph: str, scored: list[_Scored], documents: list[str]) -> list[_Scored]:
        if not documents:
            return scored
        if not scored or not self._claim(scored[0]):
            seen = {s.row.id for s in scored}
            extra = [pid for name in documents for pid in self.document_paragraphs(name) if pid not in seen]
            scored = scored + self._score(paragraph, extra)
        bonus = self.config.document_bonus
        key = lambda s: -(s.score + (bonus if s.row.document in documents else 0.0))
        return sorted(scored, key=lambda s: (key(s), -s.shared, s.row.id))
