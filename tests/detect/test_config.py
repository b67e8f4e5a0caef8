"""The detector folder's config (TaggerConfig) and the small fitted heads it holds."""
from __future__ import annotations

import json
from dataclasses import asdict, replace

import numpy as np
import pytest

from repair.detect.config import (
    CascadeSettings,
    Fusion,
    PassageCalibrator,
    TaggerConfig,
    TaggerSettings,
    cascade_from_dict,
    fusion_from_dict,
    passage_features,
)
from repair.modeling.config import ConfigError
from repair.paths import models_dir

SHIPPED = models_dir() / "detector"


def test_shipped_config_says_what_the_folder_is_and_round_trips_exactly():
    raw = json.loads((SHIPPED / "config.json").read_text(encoding="utf-8"))
    config = TaggerConfig.from_pretrained(SHIPPED)
    assert raw["model_type"] == TaggerConfig.model_type == "unspin-tagger"
    assert config.to_dict() == raw
    assert isinstance(config.settings, TaggerSettings) and isinstance(config.settings.calibrator, PassageCalibrator)
    assert isinstance(config.fusion, Fusion) and isinstance(config.cascade, CascadeSettings)
    assert config.frozen == ("bert.embeddings.", "bert.encoder.layer.0.", "bert.encoder.layer.1.", "bert.encoder.layer.2.")


def test_save_pretrained_writes_what_from_pretrained_reads(tmp_path):
    config = TaggerConfig(model={"hidden_size": 8}, frozen=("bert.embeddings.",), settings=TaggerSettings(word_threshold=0.7),
                          fusion=Fusion(), cascade=CascadeSettings(gate=0.02))
    config.save_pretrained(tmp_path)
    assert TaggerConfig.from_pretrained(tmp_path) == config
    unfitted = TaggerConfig()
    unfitted.save_pretrained(tmp_path)
    assert TaggerConfig.from_pretrained(tmp_path).fusion is None


@pytest.mark.parametrize(("change", "message"), [({"model_type": "bert"}, "model_type 'bert'"), ({"stray": 1}, "stray")])
def test_a_config_for_something_else_is_an_error(change, message):
    with pytest.raises(ConfigError, match=message):
        TaggerConfig.from_dict({**TaggerConfig().to_dict(), **change})


def test_fusion_round_trips_through_a_dict():
    fusion = Fusion((1.0, 0.5, 0.2, 1.0, -2.0), 0.6, PassageCalibrator((1.0, 0, 0, 0, 0, 0), -3.0, 0.01))
    assert fusion_from_dict(asdict(fusion)) == fusion


def test_cascade_settings_keep_defaults_for_missing_keys():
    assert cascade_from_dict({}) == CascadeSettings()
    assert cascade_from_dict({"gate": 0.5}) == replace(CascadeSettings(), gate=0.5)


def test_passage_features_and_calibrator_are_monotone():
    calibrator = PassageCalibrator()
    low, high = np.full(40, 0.02), np.array([0.02] * 30 + [0.97] * 10)
    assert passage_features(np.zeros(0)).shape == (6,)
    assert calibrator.score(high) > calibrator.score(low)
