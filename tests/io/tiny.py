"""A tiny real pipeline and a folder of mixed, partly broken files, for the batch tests.

The pipeline is a real ``Repairer`` with three tiny real components (a detector that flags
"mentioned", a one-term glossary, a restorer that says "said"), so the batch tests pin down
the batch behaviour independently of the shipped models; `tests/cli/test_cli.py` runs the
same paths end to end with ``Repairer.load()``.
"""
from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import time
from pathlib import Path

from repair.io.manifest import MANIFEST_NAME
from repair.io.options import BatchOptions
from repair.pipeline.repairer import Repairer
from repair.results import DetectionReport, Edit, Span
from repair.text import count_words, match_case

SPUN = "The Safety Treaty Group met on Monday.\nThe minister mentioned talks would go on.\n"
FIXED = "The Security Treaty Organization met on Monday.\nThe minister said talks would go on.\n"
CLEAN = "The committee met on Monday.\nThe minister said talks would go on.\n"


class WordDetector:
    """Flags the word "mentioned" (score 0.9), everything else is clean (0.1)."""

    def detect_batch(self, paragraphs):
        reports = []
        for paragraph in paragraphs:
            spans = tuple(Span(m.start(), m.end(), m.group(), 0.9, "test") for m in re.finditer(r"\b[Mm]entioned\b", paragraph))
            reports.append(DetectionReport(score=0.9 if spans else 0.1, spun=bool(spans), spans=spans, words=count_words(paragraph)))
        return reports


class TermGlossary:
    def find(self, paragraph):
        return [Edit(m.start(), m.end(), m.group(), "Security Treaty Organization", "glossary", 1.0) for m in re.finditer("Safety Treaty Group", paragraph)]


class SaidRestorer:
    def propose(self, paragraph, spans):
        return [Edit(s.start, s.end, s.text, match_case(s.text, "said"), "model", 0.9) for s in spans]


def tiny_repairer() -> Repairer:
    return Repairer(detector=WordDetector(), glossary=TermGlossary(), restorers=[SaidRestorer()])


class InterruptingRepairer(Repairer):
    """Raises KeyboardInterrupt (as Ctrl-C would) when it meets the marker text."""

    def repair_batch(self, texts):
        if any("INTERRUPT" in t for t in texts):
            raise KeyboardInterrupt
        return super().repair_batch(texts)


def interrupting_repairer() -> Repairer:
    return InterruptingRepairer(detector=WordDetector(), glossary=TermGlossary(), restorers=[SaidRestorer()])


class SlowRepairer(Repairer):
    """Takes a while per batch, so that a test can stop a run in the middle."""

    def repair_batch(self, texts):
        time.sleep(0.3)
        return super().repair_batch(texts)


def slow_repairer() -> Repairer:
    return SlowRepairer(detector=WordDetector(), glossary=TermGlossary(), restorers=[SaidRestorer()])


def big_text(paragraphs: int = 400) -> str:
    return "".join(SPUN if i % 2 else CLEAN for i in range(paragraphs))


def make_mixed_folder(root: Path) -> Path:
    """A folder with good, spun, empty, binary, UTF-16 (with and without BOM), Latin-1, big,
    unreadable (FIFO) files and a directory symlink loop."""
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "clean.txt").write_text(CLEAN, encoding="utf-8")
    (root / "spun.txt").write_text(SPUN, encoding="utf-8")
    (root / "sub" / "crlf.txt").write_bytes(SPUN.replace("\n", "\r\n").encode())
    (root / "sub" / "deeper" / "notes.md").write_text("# Notes\n\nHe mentioned `mentioned` here.\n", encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    (root / "image.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (root / "utf16.txt").write_bytes(codecs.BOM_UTF16_LE + SPUN.encode("utf-16-le"))
    (root / "utf16-nobom.txt").write_bytes(SPUN.encode("utf-16-le"))
    (root / "latin1.txt").write_bytes(("Café: " + SPUN).encode("latin-1"))
    (root / "big.txt").write_text(big_text(), encoding="utf-8")
    os.mkfifo(root / "pipe.txt")
    os.symlink("..", root / "sub" / "loop")
    return root


EXPECTED_OUTPUT = {
    "clean.txt": CLEAN.encode(),
    "spun.txt": FIXED.encode(),
    "sub/crlf.txt": FIXED.replace("\n", "\r\n").encode(),
    "sub/deeper/notes.md": b"# Notes\n\nHe said `mentioned` here.\n",
    "empty.txt": b"",
    "utf16.txt": codecs.BOM_UTF16_LE + FIXED.encode("utf-16-le"),
    "latin1.txt": ("Café: " + FIXED).encode("latin-1"),
    "big.txt": big_text().replace(SPUN, FIXED).encode(),
}
NOT_PROCESSED = {"image.bin": "skipped", "utf16-nobom.txt": "failed", "pipe.txt": "failed", "sub/loop": "skipped"}


def snapshot(root: Path) -> dict[str, str]:
    """Hashes of every regular file under root (without following symlinks)."""
    result = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                result[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


def options_for(out: Path, **changes) -> BatchOptions:
    settings = dict(outdir=out, manifest=out / MANIFEST_NAME, stream_threshold=2000, chunk_chars=500)
    return BatchOptions(**{**settings, **changes})


def manifest_entries(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / MANIFEST_NAME).read_text().splitlines()]
