"""The encoder-decoder's config and weights, stored the Hugging Face way (repair.restore.seq2seq.model)."""
from __future__ import annotations

import json

import pytest

from repair.errors import ModelNotFoundError
from repair.modeling.config import ConfigError, read_config
from repair.modeling.weights import INDEX_FILE, load_weights, save_weights
from repair.paths import models_dir
from repair.restore.seq2seq import Seq2SeqRestorer
from repair.restore.seq2seq.model import (
    Seq2SeqConfig,
    build_seq2seq,
    frozen_prefixes,
    load_seq2seq_weights,
    trainable_names,
)
from tests.restore.conftest import spans_for

SHIPPED = models_dir() / "restorer"


def test_shipped_config_names_its_model_type_and_round_trips():
    config = Seq2SeqConfig.from_pretrained(SHIPPED)
    assert read_config(SHIPPED)["model_type"] == Seq2SeqConfig.model_type == "unspin-seq2seq-restorer"
    assert Seq2SeqConfig.from_dict(config.to_dict()) == config
    assert config.ngram_weight > 0  # the shipped combination uses the corpus trigrams


@pytest.mark.parametrize("stale", [{"mlm_weight": 0.0}, {"kind": "seq2seq"}, {"shards": ["weights-001.safetensors"]}])
def test_config_rejects_keys_of_the_old_format(stale):
    with pytest.raises(ConfigError, match=next(iter(stale))):
        Seq2SeqConfig.from_dict({**Seq2SeqConfig().to_dict(), **stale})


def test_config_rejects_another_model_type():
    with pytest.raises(ConfigError, match="unspin-seq2seq-restorer"):
        Seq2SeqConfig.from_dict({"model_type": "bert"})


def test_shipped_weights_use_the_hugging_face_layout():
    index = json.loads((SHIPPED / INDEX_FILE).read_text(encoding="utf-8"))
    files = sorted(set(index["weight_map"].values()))
    assert files == [f"model-{i:05d}-of-{len(files):05d}.safetensors" for i in range(1, len(files) + 1)]
    assert all((SHIPPED / name).stat().st_size < 15_000_000 for name in files)
    assert not list(SHIPPED.glob("weights-*.safetensors"))


def test_only_trained_tensors_are_shipped(shipped_seq2seq):
    config = shipped_seq2seq.config
    names = trainable_names(shipped_seq2seq.model, config)
    assert set(names) == set(load_weights(SHIPPED))
    assert not any(name.startswith(frozen_prefixes(config)) for name in names)
    assert any(name.startswith("decoder.encoder.layer.") for name in names) and "bias" in names


def test_weights_round_trip_through_a_model_folder(shipped_seq2seq, shipped_resources, tmp_path):
    shipped_seq2seq.save_pretrained(tmp_path)
    assert Seq2SeqConfig.from_pretrained(tmp_path) == shipped_seq2seq.config
    for name in ("pairs.json", "spinnable.json"):
        assert (tmp_path / name).read_bytes() == (SHIPPED / name).read_bytes()
    clone = Seq2SeqRestorer.from_pretrained(tmp_path, shipped_resources)
    spun = "The minister mentioned that the nation would respond."
    spans = spans_for(spun, "mentioned", "nation")
    assert clone.score(spun, spans) == shipped_seq2seq.score(spun, spans)


def test_a_missing_trained_tensor_fails_loudly(shipped_seq2seq, tmp_path):
    config = shipped_seq2seq.config
    names = trainable_names(shipped_seq2seq.model, config)
    save_weights(shipped_seq2seq.model.state_dict(), tmp_path, names=[n for n in names if n != "bias"])
    with pytest.raises(ModelNotFoundError, match="bias"):
        load_seq2seq_weights(build_seq2seq(config, pretrained=False), config, tmp_path)


def test_a_folder_without_weights_fails_loudly(tmp_path):
    Seq2SeqConfig().save_pretrained(tmp_path)
    with pytest.raises(ModelNotFoundError, match="no weights"):
        load_seq2seq_weights(build_seq2seq(Seq2SeqConfig(), pretrained=False), Seq2SeqConfig(), tmp_path)
