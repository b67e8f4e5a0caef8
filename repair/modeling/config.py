"""One config base for every shipped model, after Hugging Face's ``PretrainedConfig``.

A model folder holds ``config.json`` (whose ``model_type`` says what the folder is) and its
weights (``repair.modeling.weights``). Each model's config is a frozen dataclass that
subclasses ``ModelConfig`` and names its ``model_type``; ``to_dict``/``from_dict`` and the
file round trip are written once, here.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import ClassVar, TypeVar

from repair.errors import ModelNotFoundError

CONFIG_FILE = "config.json"

C = TypeVar("C", bound="ModelConfig")


class ConfigError(ModelNotFoundError):
    """A config file that exists but does not describe the model asked for."""


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Base of every model config: a frozen dataclass with a class-level ``model_type``."""

    model_type: ClassVar[str] = ""

    def to_dict(self) -> dict:
        """Plain JSON-ready dict, ``model_type`` first; tuples become lists."""
        values = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}
        return {"model_type": self.model_type, **values}

    @classmethod
    def from_dict(cls: type[C], data: dict) -> C:
        """Build from a dict as ``to_dict`` writes it; keys this class does not know are an error.

        Raises:
            ConfigError: the dict names another ``model_type`` or carries unknown keys.
        """
        data = dict(data)
        kind = data.pop("model_type", cls.model_type)
        if kind != cls.model_type:
            raise ConfigError(f"config is for model_type {kind!r}, not {cls.model_type!r}")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ConfigError(f"{cls.__name__} has no fields {unknown}; known: {sorted(fields)}")
        return cls(**{k: _typed(fields[k], v) for k, v in data.items()})

    def save_pretrained(self, folder: Path) -> Path:
        """Write ``folder/config.json``; returns its path."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / CONFIG_FILE
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_pretrained(cls: type[C], folder: Path) -> C:
        """Read ``folder/config.json``.

        Raises:
            ModelNotFoundError: there is no config in ``folder``.
            ConfigError: it describes another kind of model.
        """
        return cls.from_dict(read_config(folder))


def read_config(folder: Path) -> dict:
    """The raw ``config.json`` of a model folder (to dispatch on its ``model_type``)."""
    path = Path(folder) / CONFIG_FILE
    if not path.is_file():
        raise ModelNotFoundError(f"no model at {folder} (missing {CONFIG_FILE})")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path} is not valid JSON: {error}") from error


def _plain(value):
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def _typed(field: dataclasses.Field, value):
    # JSON has no tuples: give tuple-typed fields their tuple back so configs compare equal.
    annotation = str(field.type)
    if isinstance(value, list) and annotation.startswith("tuple"):
        return tuple(tuple(v) if isinstance(v, list) else v for v in value)
    return value
