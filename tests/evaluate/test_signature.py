"""Signatures (repair/evaluate/signature.py): built from the pipeline's config and the models folder."""
from __future__ import annotations

import pytest

from repair.version import __version__
from repair.evaluate import metrics as M
from repair.evaluate.signature import Signature, folder_digest, run_context
from repair.pipeline.config import RepairConfig


@pytest.fixture
def models(tmp_path):
    root = tmp_path / "models"
    (root / "glossary").mkdir(parents=True)
    (root / "glossary" / "terms.tsv").write_text("a\tb\n")
    (root / "config.json").write_text("{}")
    return root


def signature(config: RepairConfig, models) -> str:
    return M.EditF05().signature(list(run_context(config, models).items())).format()


def test_default_lineup_signature(models):
    digest = folder_digest(models)
    assert len(digest) == 8 and digest != "none"
    expected = f"editF0.5|detector:cascade|restorer:seq2seq|models:{digest}|threshold:0.5|version:{__version__}"
    assert signature(RepairConfig(), models) == expected


def test_two_lineups_never_share_a_signature(models):
    lineups = [RepairConfig(), RepairConfig(detector="lexicon"), RepairConfig(restorer="lexicon"),
               RepairConfig(use_model=False), RepairConfig(threshold=0.6), RepairConfig(min_confidence=0.7),
               RepairConfig(weak_spans=False)]
    signatures = [signature(config, models) for config in lineups]
    assert len(set(signatures)) == len(lineups)
    assert "|restorer:none|" in signatures[3]
    assert "|threshold:0.5|min_confidence:0.7|version:" in signatures[5]
    assert "|weak_spans:no|" in signatures[6]


def test_models_digest_follows_the_bytes_not_the_place(models, tmp_path):
    before = folder_digest(models)
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    (copy / "glossary").mkdir()
    (copy / "glossary" / "terms.tsv").write_text("a\tb\n")
    (copy / "config.json").write_text("{}")
    assert folder_digest(copy) == before
    (models / "glossary" / "terms.tsv").write_text("a\tc\n")
    assert folder_digest(models) != before
    assert folder_digest(tmp_path / "missing") == "none"


def test_signature_format():
    assert str(Signature("chrF", (("nrefs", "1"), ("version", "x")))) == "chrF|nrefs:1|version:x"
