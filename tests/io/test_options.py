"""Batch settings (repair/io/options.py), as `unspin fix` and `unspin detect` build them."""
from __future__ import annotations

import pytest

from repair.cli import build_parser
from repair.cli.detect import factory_from
from repair.errors import ModelNotFoundError
from repair.io.options import BatchOptions, RepairerFactory
from repair.paths import models_dir
from repair.pipeline.config import RepairConfig


@pytest.mark.parametrize("command", ["fix", "detect"])
def test_kinds_reach_the_pipeline_config(command):
    args = build_parser().parse_args([command, "x.txt", "--detector", "lexicon", "--restorer", "lexicon"])
    factory = factory_from(args, threshold=0.6)
    assert factory == RepairerFactory(models=str(models_dir()), config=RepairConfig(detector="lexicon", restorer="lexicon", threshold=0.6))


def test_defaults_are_the_shipped_lineup(monkeypatch):
    monkeypatch.delenv("UNSPIN_DETECTOR", raising=False)
    args = build_parser().parse_args(["fix", "x.txt", "--models", "elsewhere"])
    assert factory_from(args) == RepairerFactory(models="elsewhere", config=RepairConfig())


def test_a_models_folder_without_models_is_named(tmp_path):
    with pytest.raises(ModelNotFoundError, match=str(tmp_path / "nothing")):
        RepairerFactory(models=str(tmp_path / "nothing"))()


@pytest.mark.parametrize(
    "changes,writes",
    [({}, False), ({"in_place": True}, True), ({"outdir": "out"}, True), ({"outdir": "out", "dry_run": True}, False),
     ({"outdir": "out", "diff": True}, False), ({"outdir": "out", "task": "detect"}, False)],
)
def test_writes_only_when_fixing_into_a_place(changes, writes):
    assert BatchOptions(**changes).writes is writes
