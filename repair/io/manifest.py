"""The batch manifest: an append-only JSONL of outcomes that is also the resume state."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from repair.errors import InputError
from repair.io.files import check_regular_file
from repair.io.outcomes import FileOutcome

MANIFEST_NAME = "unspin-manifest.jsonl"


class Manifest:
    """Append-only JSONL of outcomes; the last entry for a path wins when resuming."""

    def __init__(self, path: Path):
        self.path = path
        self.entries = load_manifest(path)
        self.handle = None

    def append(self, outcome: FileOutcome) -> None:
        if self.handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.path, "a", encoding="utf-8")
        self.handle.write(json.dumps(outcome.manifest_record(), ensure_ascii=False) + "\n")
        self.handle.flush()

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()

    def is_done(self, path: str, target: str) -> bool:
        """Done before with the same input bytes and its output still there."""
        entry = self.entries.get(os.path.abspath(path))
        if not entry or entry.get("status") != "done" or not entry.get("sha256"):
            return False
        if target and not os.path.exists(target):
            return False
        try:
            current = file_sha256(Path(path))
        except (InputError, OSError):
            return False
        # In place, the input now holds the output: its hash is the output's.
        return current in (entry["sha256"], entry.get("output_sha256") if target == path else None)

    def resumed(self, outcome_path: str, rel: str, target: str) -> FileOutcome:
        """The outcome of a file done in an earlier run, from its manifest entry."""
        entry = self.entries[os.path.abspath(outcome_path)]
        return FileOutcome(path=outcome_path, rel=rel, status="done", output=target, sha256=entry["sha256"],
                           words=entry.get("words", 0), score=entry.get("score", 0.0), edits=entry.get("edits", 0),
                           changed=entry.get("changed", False), resumed=True)


def load_manifest(path: Path) -> dict[str, dict]:
    """Entries by input path; a torn last line (interrupted write) is ignored."""
    entries: dict[str, dict] = {}
    if not path.is_file():
        return entries
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict) and "path" in entry:
                entries[entry.get("abspath") or os.path.abspath(entry["path"])] = entry
    return entries


def file_sha256(path: Path) -> str:
    """SHA-256 of a regular file's bytes, read in 1 MB blocks."""
    digest = hashlib.sha256()
    check_regular_file(path)
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
