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


# Each way into the library, called with nothing to read: the options reach the trainer (a
# keyword it does not take would raise TypeError), which names what is missing.
@pytest.mark.parametrize(("args", "message"), [
    (["detector"], "no 'train' split"),
    (["detector", "--evaluate-only"], "no 'validation' split"),
    (["detector", "--fit-cascade"], "no model at"),
    (["restorer"], "no 'train' split"),
    (["restorer", "--retune"], "no model at"),
])
def test_missing_inputs_are_usage_errors(tmp_path, capsys, args, message):
    paths = ["--data", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out")]
    if "--fit-cascade" not in args and "--retune" not in args:
        paths += ["--run-dir", str(tmp_path / "run")]
    code = main(["train", *args, *paths])
    assert code == EXIT_USAGE
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
