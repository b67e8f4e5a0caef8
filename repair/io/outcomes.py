"""What happened to each input (``FileOutcome``) and the counts printed at the end (``Summary``)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from repair.errors import InputError
from repair.io.files import BinaryFileError, Encoding
from repair.io.inputs import STDIN, InputItem, Status
from repair.results import Edit

MANIFEST_KEYS = (
    "path", "output", "status", "error", "sha256", "output_sha256", "encoding", "format", "words", "score", "spun",
    "edits", "changed", "seconds",
)


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one input; ``manifest_record`` is what the manifest keeps."""

    path: str
    rel: str
    status: Status
    error: str = ""
    output: str = ""
    sha256: str = ""
    output_sha256: str = ""
    encoding: str = ""
    format: str = ""
    words: int = 0
    score: float = 0.0
    spun: bool = False
    edits: int = 0
    changed: bool = False
    empty: bool = False
    seconds: float = 0.0
    resumed: bool = False
    text: str | None = None
    raw_encoding: Encoding | None = None
    edit_list: tuple[dict, ...] = ()
    spans: tuple[dict, ...] = ()
    diff: str | None = None

    def edit_objects(self) -> list[Edit]:
        """``edit_list`` as ``Edit`` values (the batch passes plain dicts between processes)."""
        return [Edit(e["start"], e["end"], e["old"], e["new"], e["source"], e["confidence"]) for e in self.edit_list]

    def manifest_record(self) -> dict:
        record = {key: getattr(self, key) for key in MANIFEST_KEYS}
        record["abspath"] = os.path.abspath(self.path) if self.path != STDIN else STDIN
        record["score"] = round(self.score, 4)
        record["seconds"] = round(self.seconds, 3)
        return record


def failed(item: InputItem, error: BaseException | str, status: Status = "failed") -> FileOutcome:
    """An outcome for an input that could not be processed; the message names its path."""
    message = str(error)
    if item.path not in message:
        message = f"{item.path}: {message}"
    return FileOutcome(path=item.path, rel=item.rel, status=status, error=message)


def is_skip(error: InputError) -> bool:
    """Binary files are skipped with a reason rather than failed (they are not text at all)."""
    return isinstance(error, BinaryFileError)


@dataclass
class Summary:
    """Counts for the table printed at the end."""

    done: int = 0
    failed: int = 0
    skipped: int = 0
    resumed: int = 0
    changed: int = 0
    edits: int = 0
    words: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def add(self, outcome: FileOutcome) -> None:
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)
        self.resumed += outcome.resumed
        self.changed += outcome.changed
        self.edits += outcome.edits
        self.words += outcome.words
        if outcome.error:
            self.problems.append(outcome.error)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.skipped else 0
