"""Unspin: detect text garbled by article spinners or machine translation and restore it.

    from repair import Repairer
    r = Repairer.load()
    r.detect(text)   # DetectionReport: score in [0, 1], spans
    r.repair(text)   # RepairResult: text, edits
"""
from repair.pipeline.config import RepairConfig
from repair.pipeline.repairer import Repairer
from repair.results import DetectionReport, Edit, RepairResult, Span

__all__ = ["Repairer", "RepairConfig", "DetectionReport", "RepairResult", "Edit", "Span"]
__version__ = "0.1.0"
