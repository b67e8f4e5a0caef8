"""Signatures: what produced a number, written beside it like sacrebleu's.

A score's signature is ``name|key:value|...|version:V``: the metric's own settings, then the
run's context, then the package version, e.g.
``editF0.5|detector:cascade|restorer:seq2seq|models:1a2b3c4d|threshold:0.5|version:0.1.0``.
The context is built from the pipeline's ``RepairConfig`` (so two line-ups that differ in a
detector or restorer kind never share a signature) and a digest of the models folder.
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path

from repair.version import __version__
from repair.glossary.phrases import load_phrases
from repair.pipeline.config import RepairConfig

# Every signature ends with the package version (``version:0.1.0``), as sacrebleu's do.
VERSION = __version__

# Named in every signature whatever their value; other settings only when not the default.
ALWAYS = ("detector", "restorer", "threshold")
# An external system's outputs are scored as given: no pipeline setting produced them.
EXTERNAL_CONTEXT = {"system": "external"}


@dataclass(frozen=True)
class Signature:
    """What produced a number: ``name|key:value|...`` like sacrebleu's signatures."""

    name: str
    fields: tuple[tuple[str, str], ...] = ()

    def format(self) -> str:
        return "|".join([self.name, *(f"{key}:{value}" for key, value in self.fields)])

    def __str__(self) -> str:
        return self.format()


def folder_digest(path: Path) -> str:
    """First 8 hex digits of a hash over a folder's file names and bytes ("none" if absent).

    Names are taken relative to the folder, so a copy of ``models/`` elsewhere digests the same.
    """
    if not path.exists():
        return "none"
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        digest.update(str(file.relative_to(path if path.is_dir() else path.parent)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:8]


def setting(value: object) -> str:
    """A setting as a signature value: yes/no for flags, shortest form for numbers."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def run_context(config: RepairConfig, models: Path) -> dict[str, str]:
    """Signature fields of a pipeline run, in signature order.

    Args:
        config: the pipeline's settings; ``use_model=False`` shows as ``restorer:none``.
        models: the models folder the pipeline loaded (its digest is the ``models`` field).

    Returns:
        detector, restorer, models, threshold, then every other setting that differs from
        its default (e.g. ``min_confidence:0.7``), and ``phrases:<sha8>`` (the first 8 hex
        digits of the phrase list file's SHA-256) when a phrase list is used.
    """
    restorer = config.restorer if config.use_model else "none"
    context = {"detector": config.detector, "restorer": restorer, "models": folder_digest(models),
               "threshold": setting(config.threshold)}
    defaults = RepairConfig()
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if field.name not in (*ALWAYS, "use_model", "phrases") and value != getattr(defaults, field.name):
            context[field.name] = setting(value)
    if config.phrases is not None:  # the list's content, not its path, says what produced a number
        context["phrases"] = load_phrases(config.phrases).sha8
    return context
