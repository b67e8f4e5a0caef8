"""Unspin: detect text garbled by article spinners or machine translation and restore it.

    from repair import Repairer
    r = Repairer.load()
    r.detect(text)   # DetectionReport: score in [0, 1], spans
    r.repair(text)   # RepairResult: text, edits
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__all__ = ["Repairer", "RepairConfig", "DetectionReport", "RepairResult", "Edit", "Span"]
from repair.version import __version__  # noqa: E402  (one place says the version)

# Where each public name lives. They are imported on first use (PEP 562), so that importing a
# submodule, or running `unspin --help`, does not import the pipeline and numpy.
_EXPORTS = {
    "Repairer": "repair.pipeline.repairer",
    "RepairConfig": "repair.pipeline.config",
    "DetectionReport": "repair.results",
    "RepairResult": "repair.results",
    "Edit": "repair.results",
    "Span": "repair.results",
}

if TYPE_CHECKING:
    from repair.pipeline.config import RepairConfig
    from repair.pipeline.repairer import Repairer
    from repair.results import DetectionReport, Edit, RepairResult, Span


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'repair' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
