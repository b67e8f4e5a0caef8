"""Finding the packaged GGUF, the conversion cache, and the error when the package is missing."""
from __future__ import annotations

import json

import pytest

from repair.errors import ModelNotFoundError
from repair.lm import LanguageModel, LanguageModelNotFoundError, find_gguf
from repair.lm.load import SOURCE_FILE, GGUFSource, is_converted

# The language model is not in the default pipeline; its tests run with -m slow (CI does).
pytestmark = pytest.mark.slow


def test_missing_package_is_a_specific_error(tmp_path):
    with pytest.raises(LanguageModelNotFoundError, match="no-such-lm-package"):
        find_gguf("no-such-lm-package")
    assert issubclass(LanguageModelNotFoundError, ModelNotFoundError)


def test_load_without_the_package_raises_before_touching_the_cache(tmp_path):
    with pytest.raises(LanguageModelNotFoundError, match="pip install no-such-lm-package"):
        LanguageModel.load(tmp_path, package="no-such-lm-package")
    assert list(tmp_path.iterdir()) == []


def test_conversion_marker_must_match_the_source(tmp_path):
    source = GGUFSource(tmp_path / "m.gguf", "pkg", "1.0", 123)
    assert not is_converted(tmp_path, source)
    (tmp_path / SOURCE_FILE).write_text(json.dumps(source.to_dict()), encoding="utf-8")
    assert is_converted(tmp_path, source)
    newer = GGUFSource(tmp_path / "m.gguf", "pkg", "1.1", 123)
    assert not is_converted(tmp_path, newer)
    (tmp_path / SOURCE_FILE).write_text("{broken", encoding="utf-8")
    assert not is_converted(tmp_path, source)


def test_converted_folder_is_a_plain_hugging_face_folder(lm):
    from repair.lm import default_cache_dir, prepare

    folder = prepare(default_cache_dir())
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert config["model_type"] == "llama"
    assert "quantization_config" not in config  # the next load must not go back to the GGUF
    assert (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
    assert json.loads((folder / SOURCE_FILE).read_text(encoding="utf-8")) == find_gguf().to_dict()


def test_loading_the_model_draws_no_progress_bar_of_its_own(lm, capfd):
    """The commands draw their own progress and ``-q`` keeps stderr quiet: transformers'
    "Loading weights" bar is off while the model loads, and left as it was after."""
    from transformers.utils import logging as transformers_logging

    from repair.lm import default_cache_dir

    assert transformers_logging.is_progress_bar_enabled()
    LanguageModel.load(default_cache_dir())
    assert "Loading weights" not in capfd.readouterr().err
    assert transformers_logging.is_progress_bar_enabled()
