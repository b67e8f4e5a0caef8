"""What a batch run does with each file (``BatchOptions``) and how a worker builds its pipeline."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from repair.errors import ModelNotFoundError
from repair.io.files import CHUNK_CHARS, STREAM_THRESHOLD_BYTES
from repair.io.formats import DEFAULT_FIELD
from repair.pipeline.config import RepairConfig

if TYPE_CHECKING:  # the pipeline (numpy, its models) is imported by the worker that builds it
    from repair.pipeline.repairer import Repairer


@dataclass(frozen=True)
class RepairerFactory:
    """Builds the pipeline inside each worker (picklable, so it also works with spawn and Ray).

    Args:
        models: models folder; None loads ``Repairer.load``'s default.
        config: pipeline settings, including the detector and restorer kinds.
    """

    models: str | None = None
    config: RepairConfig = RepairConfig()
    index: str | None = None  # archive index for Repairer.load(index=...)
    profile: str | None = None  # spinner profile file for Repairer.load(profile=...)

    def __call__(self) -> Repairer:
        from repair.pipeline.repairer import Repairer

        root = Path(self.models) if self.models else None
        try:
            return Repairer.load(root, config=self.config, index=Path(self.index) if self.index else None,
                                 profile=Path(self.profile) if self.profile else None)
        except ImportError as error:
            raise ModelNotFoundError(f"the default pipeline is not available ({error})") from error
        except (OSError, EOFError, ValueError) as error:  # unreadable or truncated model files
            where = root or "models/"
            raise ModelNotFoundError(f"cannot load the pipeline from {where}: {type(error).__name__}: {error}") from error


@dataclass(frozen=True)
class BatchOptions:
    """What to do with each file.

    Args:
        task: "fix" repairs, "detect" only scores.
        outdir: mirror the input tree here (fix).
        in_place: rewrite inputs, keeping a backup with ``backup_suffix`` ("" for none).
        diff: keep a unified diff in each outcome; nothing is written.
        dry_run: process and report, write nothing (no outputs, no manifest).
        keep_text: keep the repaired text in each outcome (stdout or JSON output).
        manifest: JSONL file recording every outcome; also the resume state.
        resume: skip files whose manifest entry is done with an unchanged input hash.
        jobs: worker processes; 1 runs in this process.
        ray_address: with the Ray engine, the cluster to run on (``ray://host:10001``, ``auto``);
            None starts a local Ray instance for the run.
        files_per_task / chars_per_task: how much work one worker call gets (batched inference).
        stream_threshold / chunk_chars: files larger than this many bytes are processed in chunks
            of about ``chunk_chars`` characters, cut at paragraph boundaries.
    """

    task: Literal["fix", "detect"] = "fix"
    outdir: Path | None = None
    in_place: bool = False
    backup_suffix: str = ".orig"
    diff: bool = False
    dry_run: bool = False
    keep_text: bool = False
    manifest: Path | None = None
    resume: bool = True
    input_format: str = "auto"
    field: str = DEFAULT_FIELD
    encoding: str | None = None
    jobs: int = 1
    ray_address: str | None = None
    # 8, not 32: a worker reads a group's paragraphs together, and with the LM judging spun
    # documents a 32-file group peaked at 3.2 GB per worker over 600 files, 8 at 2.8 GB, in the
    # same time (scripts/measure_memory.py, eval/reports/memory.json).
    files_per_task: int = 8
    chars_per_task: int = 1 << 20
    stream_threshold: int = STREAM_THRESHOLD_BYTES
    chunk_chars: int = CHUNK_CHARS
    progress: bool = False

    @property
    def writes(self) -> bool:
        return self.task == "fix" and (self.outdir is not None or self.in_place) and not (self.dry_run or self.diff)
