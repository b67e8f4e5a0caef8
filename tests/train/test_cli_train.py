"""``unspin train``: the targets, their help, and a missing dataset named as a usage error."""
from __future__ import annotations

import pytest

from repair.cli import EXIT_USAGE, main
from repair.cli.train import TARGETS


def test_targets_are_the_two_trainers():
    assert list(TARGETS) == ["detector", "restorer"]


@pytest.mark.parametrize("target", ["detector", "restorer"])
def test_help_names_the_budget_options(target, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", target, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "--max-minutes" in text and "--max-steps" in text and "--seed" in text


@pytest.mark.parametrize("target", ["tokenizer", "mlm"])
def test_removed_targets_are_gone(target, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", target])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_missing_dataset_is_a_usage_error(tmp_path, capsys):
    code = main(["train", "restorer", "--data", str(tmp_path / "nowhere"), "--run-dir", str(tmp_path / "run"), "-o", str(tmp_path / "out")])
    assert code == EXIT_USAGE
    assert "no 'train' split" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
