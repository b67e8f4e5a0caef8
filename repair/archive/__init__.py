"""Find the original: trace spun text to its source in a local archive, and restore from it.

    unspin index news.jsonl.gz -o archive.db      # build (extend with --append)
    unspin trace copy.txt --index archive.db      # sources and word differences per paragraph

    from repair.archive import Archive, ArchiveRestorer
    with Archive.open("archive.db") as archive:
        for paragraph in archive.trace_text(text):
            print(paragraph.number, paragraph.source)
    edits = ArchiveRestorer.load("archive.db").edits(text)   # list[repair.results.Edit]

Modules: ``shingles`` (immutables and their hashes), ``store`` (the SQLite file), ``sources``
(reading inputs), ``build`` (local and Ray engines), ``align`` (word differences), ``trace``
(retrieval), ``restore`` (edits).
"""
from repair.archive.align import WordDiff, align_paragraphs
from repair.archive.build import BuildStats, build_index
from repair.archive.restore import ArchiveRepair, ArchiveRestorer, apply_edits
from repair.archive.sources import InputProblem, SourceDocument, iter_documents
from repair.archive.store import (
    FORMAT_VERSION,
    ArchiveError,
    IndexCorruptError,
    IndexExistsError,
    IndexMissingError,
    IndexVersionError,
)
from repair.archive.trace import Archive, ParagraphTrace, SourceMatch, TraceConfig

__all__ = [
    "Archive", "ArchiveError", "ArchiveRepair", "ArchiveRestorer", "BuildStats", "FORMAT_VERSION",
    "IndexCorruptError", "IndexExistsError", "IndexMissingError", "IndexVersionError", "InputProblem",
    "ParagraphTrace", "SourceDocument", "SourceMatch", "TraceConfig", "WordDiff", "align_paragraphs",
    "apply_edits", "build_index", "iter_documents",
]
