"""Finding a paragraph's source in the archive: shingle postings, then verification.

For each paragraph of a text: look up its immutable shingles, count shared shingles per
archive paragraph, rank candidates by how many of the paragraph's shingles one stretch of
them holds, and verify the best few word by word:

* ``score``: the share of the paragraph's content words (everything but the listed function
  words) found in the candidate in order. A copy spun at rate 0.5 keeps about half of them
  plus its names and numbers; an unrelated paragraph on the same subject keeps far fewer.
* ``coverage``: the share of the paragraph's words that are either identical to the source's
  or part of a swap the alignment can explain (a phrase-sized difference between shared
  words, in a sentence that kept the source's skeleton of immutables). A spun copy is almost
  entirely explained; a rewrite of the same story is not.

A candidate is claimed as the source when both are high enough and it shares at least
``min_shared`` shingles. Over a whole text, the documents most paragraphs came from get a
small bonus, and paragraphs without a claimed source are compared with those documents'
paragraphs directly: a copy usually comes from one or two articles.
"""
from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from repair.archive.align import WordDiff, align_paragraphs, lcs_length
from repair.archive.shingles import IMMUTABLE_WORDS, Fingerprint, fingerprint, shingle_hashes
from repair.archive.store import IndexInfo, StoredParagraph, fetch_paragraphs, index_info, open_index, posting_lists
from repair.text import paragraphs, words


@dataclass(frozen=True)
class TraceConfig:
    """Retrieval settings.

    Attributes:
        candidates: archive paragraphs ranked by shingles per paragraph (most shared first).
        verify: of those, how many are aligned word by word.
        report: candidates kept in a trace, best first.
        min_score: content-word share at which a candidate can be claimed as the source.
        min_coverage: share of the paragraph the alignment must explain to claim a source.
        min_shared: shingles a claimed source must share with the paragraph.
        context_min_score, context_min_coverage: the same, for a candidate from one of the
            text's main documents (those other paragraphs were claimed from): the other
            paragraphs are evidence too, so less is asked of this one (and one shingle will do).
        posting_cap: shingles found in more archive paragraphs than this are ignored.
        document_bonus: added when ranking candidates from the text's main documents.
    """

    candidates: int = 20
    verify: int = 4
    report: int = 3
    min_score: float = 0.55
    min_coverage: float = 0.9
    min_shared: int = 2
    context_min_score: float = 0.3
    context_min_coverage: float = 0.8
    posting_cap: int = 2000
    document_bonus: float = 0.05


@dataclass(frozen=True)
class SourceMatch:
    """An archive paragraph a paragraph may have been copied from, verified word by word."""

    document: str
    number: int
    paragraph_id: int
    score: float
    coverage: float
    shared: int
    text: str
    diffs: tuple[WordDiff, ...] = ()
    conflicts: int = 0
    similarity: float = 0.0  # 2 * common words in order / both lengths: breaks ties between versions

    def to_dict(self) -> dict:
        return {"document": self.document, "paragraph": self.number, "score": self.score, "coverage": self.coverage,
                "shared_shingles": self.shared, "conflicts": self.conflicts, "similarity": self.similarity, "source_text": self.text, "diffs": [d.to_dict() for d in self.diffs]}


@dataclass(frozen=True)
class ParagraphTrace:
    """A paragraph of the traced text (offsets into that text) and its source candidates.

    ``source`` is the first candidate when it passed the claim test, else None.
    """

    number: int
    start: int
    end: int
    text: str
    candidates: tuple[SourceMatch, ...] = ()
    claimed: bool = False

    @property
    def source(self) -> SourceMatch | None:
        return self.candidates[0] if self.claimed and self.candidates else None

    def to_dict(self) -> dict:
        source = self.source
        return {"paragraph": self.number, "start": self.start, "end": self.end, "text": self.text,
                "source": None if source is None else {"document": source.document, "paragraph": source.number,
                                                       "score": source.score},
                "candidates": [c.to_dict() for c in self.candidates]}


@dataclass(frozen=True)
class Ranked:
    """A candidate after the shingle stage: windowed shingle containment and shared count."""

    row: StoredParagraph
    shingle_score: float
    shared: int


def content_words(text: str) -> list[str]:
    return [t.text.lower() for t in words(text) if t.text.lower() not in IMMUTABLE_WORDS]


def shingle_score(query: Fingerprint, candidate: str) -> tuple[float, int]:
    """(score, shared) for the stretch of ``candidate`` holding most of the query's shingles.

    Containment, so that half of a split paragraph still finds its source, but local, so that
    a very long paragraph holding the query's common shingles scattered over its length
    does not.
    """
    if not query.shingles:
        return 0.0, 0
    c = fingerprint(candidate)
    sequence = [c.tokens[i].text.lower() for i in c.immutable]
    hits = [(i, h) for i, h in enumerate(shingle_hashes(sequence)) if h in query.shingles]
    shared = best_window(hits, len(query.immutable) + max(3, len(query.immutable) // 4))
    return round(shared / len(query.shingles), 4), shared


def best_window(hits: list[tuple[int, int]], width: int) -> int:
    """Most distinct hashes among ``(position, hash)`` hits within any ``width`` positions."""
    best, start = 0, 0
    inside: Counter[int] = Counter()
    for position, value in hits:
        inside[value] += 1
        while hits[start][0] <= position - width:
            old = hits[start][1]
            inside[old] -= 1
            if not inside[old]:
                del inside[old]
            start += 1
        best = max(best, len(inside))
    return best


def coverage(paragraph: str, diffs: tuple[WordDiff, ...]) -> float:
    """Share of the paragraph's words that are identical to the source's or restorable swaps.

    Source words missing inside a paired sentence count against it too (a headline is a
    sparse subsequence of the lead sentence, not a copy of it); sentences the copier dropped
    are never paired, so they do not.
    """
    total = len(words(paragraph))
    unexplained = sum(len(words(d.old)) for d in diffs if not d.restorable)
    missing = sum(len(words(d.new)) for d in diffs if d.op == "insert" and not d.restorable)
    return round(1.0 - (unexplained + missing) / (total + missing), 4) if total else 0.0


def conflicts(diffs: tuple[WordDiff, ...]) -> int:
    """Source numbers changed or missing inside paired sentences.

    Spinners and machine translation leave numbers alone, so a copy never differs from its
    source there; a formulaic story with other figures ("bought 103 mln stg" for "170") does.
    """
    return sum(1 for d in diffs if d.op != "unmatched" and any(ch.isdigit() for ch in d.new))


def verify(paragraph: str, ranked: Ranked, min_score: float = 0.0) -> SourceMatch:
    """Score a candidate and, if it can still be claimed, align it (see the module docstring).

    Aligning is most of the cost of a trace, so a candidate scoring under ``min_score`` is
    returned unaligned (no diffs, coverage 0): it cannot be claimed either way.
    """
    mine, theirs = content_words(paragraph), content_words(ranked.row.text)
    score = round(lcs_length(mine, theirs) / len(mine), 4) if mine else 0.0
    row = ranked.row
    if score < min_score:
        return SourceMatch(row.document, row.number, row.id, score, 0.0, ranked.shared, row.text)
    diffs = align_paragraphs(paragraph, row.text)
    a, b = [t.text.lower() for t in words(paragraph)], [t.text.lower() for t in words(row.text)]
    similarity = round(2 * lcs_length(a, b) / (len(a) + len(b)), 4)
    return SourceMatch(row.document, row.number, row.id, score, coverage(paragraph, diffs), ranked.shared, row.text,
                       diffs, conflicts(diffs), similarity)


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

    def is_claim(self, match: SourceMatch, documents: Counter[str] | None = None) -> bool:
        """Whether a verified candidate is confident enough to be called the source.

        Inside one of the text's main ``documents`` one shared shingle is enough, with lower
        score and coverage: the other paragraphs are evidence too, and short paragraphs have only
        one or two shingles.
        """
        c = self.config
        if documents and match.document in documents and match.shared == 0:
            # Found through the document alone (a short or heavily garbled paragraph that shares
            # no shingle): the words must carry the claim, as for a paragraph on its own.
            score, cover, shared = c.min_score, c.min_coverage, 0
        elif documents and match.document in documents:
            score, cover, shared = c.context_min_score, c.context_min_coverage, 1
        else:
            score, cover, shared = c.min_score, c.min_coverage, c.min_shared
        return match.score >= score and match.coverage >= cover and match.shared >= shared and not match.conflicts

    def rank(self, paragraph: str, ids: list[int] | None = None) -> list[Ranked]:
        """Candidates by windowed shingle containment: from the postings, or among ``ids``."""
        query = fingerprint(paragraph)
        if ids is None:
            ids = self._posting_candidates(query)
        rows = fetch_paragraphs(self.connection, ids)
        ranked = [Ranked(rows[i], *shingle_score(query, rows[i].text)) for i in ids]
        ranked = [r for r in ranked if r.shared > 0]
        return sorted(ranked, key=lambda r: (-r.shingle_score, -r.shared, r.row.id))

    def _posting_candidates(self, query: Fingerprint) -> list[int]:
        votes: Counter[int] = Counter()
        for ids in posting_lists(self.connection, sorted(query.shingles), self.config.posting_cap):
            votes.update(ids)
        return [pid for pid, _ in votes.most_common(self.config.candidates)]

    def verified(self, paragraph: str, ranked: list[Ranked]) -> list[SourceMatch]:
        """The best ``verify`` candidates aligned and scored, claimable ones first."""
        least = min(self.config.min_score, self.config.context_min_score)
        matches = [verify(paragraph, r, least) for r in ranked[: self.config.verify]]
        return sorted(matches, key=lambda m: (not self.is_claim(m), -m.score, -m.similarity, m.paragraph_id))

    def trace_paragraph(self, paragraph: str) -> ParagraphTrace:
        """Source candidates of one paragraph on its own (no document context)."""
        matches = self.verified(paragraph, self.rank(paragraph))
        return self._trace(1, 0, paragraph, matches)

    def _trace(self, number: int, start: int, text: str, matches: list[SourceMatch],
               documents: Counter[str] | None = None) -> ParagraphTrace:
        kept = tuple(matches[: self.config.report])
        return ParagraphTrace(number, start, start + len(text), text, kept, bool(kept) and self.is_claim(kept[0], documents))

    def trace_text(self, text: str) -> list[ParagraphTrace]:
        """Trace every paragraph (non-empty line) of ``text``; offsets are into ``text``."""
        segments = [s for s in paragraphs(text) if s.text.strip()]
        first = [self.verified(s.text, self.rank(s.text)) for s in segments]
        documents = self._main_documents(first)
        traces = []
        for number, (segment, matches) in enumerate(zip(segments, first), start=1):
            matches = self._with_documents(segment.text, matches, documents)
            traces.append(self._trace(number, segment.start, segment.text, matches, documents))
        return traces

    def _main_documents(self, first: list[list[SourceMatch]]) -> Counter[str]:
        """Claimed-source votes of the documents that are the source of two paragraphs (or the only one)."""
        votes = Counter(m[0].document for m in first if m and self.is_claim(m[0]))
        needed = 2 if sum(votes.values()) > 1 else 1
        return Counter({name: n for name, n in votes.most_common(3) if n >= needed})

    def _with_documents(self, paragraph: str, matches: list[SourceMatch], documents: Counter[str]) -> list[SourceMatch]:
        """Rerank with the main documents' bonus; search them directly when nothing was claimed.

        The bonus is proportional to a document's votes, so that the full article beats a
        shorter re-filed version of it that holds some of the same paragraphs.
        """
        if not documents:
            return matches
        if not matches or not self.is_claim(matches[0], documents):
            seen = {m.paragraph_id for m in matches}
            ids = [pid for name in documents for pid in self._document_paragraphs(name) if pid not in seen]
            matches = matches + self.verified(paragraph, self._rank_by_words(paragraph, ids))
        top = max(documents.values())
        bonus = lambda m: self.config.document_bonus * documents.get(m.document, 0) / top
        return sorted(matches, key=lambda m: (not self.is_claim(m, documents), -(m.score + bonus(m)), -m.similarity,
                                              m.paragraph_id))

    def _rank_by_words(self, paragraph: str, ids: list[int]) -> list[Ranked]:
        """Candidates among ``ids`` by content words in order (held in ``shingle_score``, the
        ranking field): short or heavily garbled paragraphs may share no shingle with their
        source at all."""
        query = fingerprint(paragraph)
        mine = content_words(paragraph)
        rows = fetch_paragraphs(self.connection, ids)
        ranked = []
        for pid in ids:
            overlap = lcs_length(mine, content_words(rows[pid].text)) / len(mine) if mine else 0.0
            ranked.append(Ranked(rows[pid], round(overlap, 4), shingle_score(query, rows[pid].text)[1]))
        return sorted(ranked, key=lambda r: (-r.shingle_score, r.row.id))

    def _document_paragraphs(self, name: str) -> list[int]:
        rows = self.connection.execute(
            "SELECT p.id FROM paragraphs p JOIN documents d ON d.id = p.document WHERE d.name = ? ORDER BY p.number",
            (name,))
        return [row[0] for row in rows]
